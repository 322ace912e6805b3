"""Time as the users meet it: check-ins across daylight-saving changes in unusual timezones,
weeks, months and quarters seen from far-apart timezones."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import jobs
from bot.app import prepare
from bot.clock import FakeClock
from bot.config import CheckinSchedule, Settings
from bot.core import TeamPulse
from bot.scheduler import ZONE_JOB_PREFIX, build_scheduler, sync_checkin_jobs
from tests.support import RecordingAdapter, say

PROMPT = "Time for your weekly check-in"


def _bot_at(settings: Settings, when: datetime, schedule: CheckinSchedule,
            zone: str) -> Iterator[tuple[TeamPulse, FakeClock]]:
    clock = FakeClock(when)
    bot, engine = prepare(dataclasses.replace(settings, checkin_schedule=schedule), clock)
    with bot.unit() as ctx:
        ctx.people.by_key("alice").timezone = zone
    try:
        yield bot, clock
    finally:
        engine.dispose()


async def run_the_scheduled_job(
        bot: TeamPulse, clock: FakeClock, zone: str, until: datetime,
        after_each: Callable[[int], Awaitable[None]] | None = None) -> list[datetime]:
    """Fire the stored weekly job of `zone` at each time its trigger names until `until`,
    as the running scheduler would (`after_each(n)` after the n-th fire: people answering,
    say); the fire times, in UTC."""
    scheduler = build_scheduler(bot.engine, bot.settings.grace_period)
    scheduler.start(paused=True)
    try:
        sync_checkin_jobs(scheduler, bot)
        trigger = scheduler.get_job(ZONE_JOB_PREFIX + zone).trigger
    finally:
        scheduler.shutdown(wait=False)
    fired: list[datetime] = []
    previous = None
    jobs.bind(bot)
    try:
        while True:
            nxt = trigger.get_next_fire_time(previous, clock.now())
            if nxt is None or nxt > until:
                return fired
            clock.set(nxt)
            fired.append(nxt.astimezone(UTC))
            await jobs.checkin_zone_job(zone)
            await bot.drain()
            if after_each is not None:
                await after_each(len(fired))
            previous = nxt
    finally:
        jobs.bind(None)


@pytest.mark.parametrize(("zone", "schedule", "start", "weeks"), [
    # Santiago's clocks jump from Saturday 24:00 to Sunday 01:00 on 2026-09-06: Sunday
    # 00:30 does not exist that day.
    ("America/Santiago", CheckinSchedule(6, time(0, 30)), datetime(2026, 8, 24, tzinfo=UTC),
     ["2026-W35", "2026-W36", "2026-W37"]),
    # Cairo's jump at Friday 00:00 on 2026-04-24.
    ("Africa/Cairo", CheckinSchedule(4, time(0, 30)), datetime(2026, 4, 12, tzinfo=UTC),
     ["2026-W16", "2026-W17", "2026-W18"]),
    # London's clocks go forward on Sunday 2026-03-29; Monday 00:30 exists as any other.
    ("Europe/London", CheckinSchedule(0, time(0, 30)), datetime(2026, 3, 20, tzinfo=UTC),
     ["2026-W13", "2026-W14", "2026-W15"]),
    # New York falls back on Sunday 2026-11-01: 01:30 happens twice.
    ("America/New_York", CheckinSchedule(6, time(1, 30)), datetime(2026, 10, 20, tzinfo=UTC),
     ["2026-W43", "2026-W44", "2026-W45"]),
    # Lord Howe falls back half an hour on Sunday 2027-04-04: 01:45 happens twice.
    ("Australia/Lord_Howe", CheckinSchedule(6, time(1, 45)),
     datetime(2027, 3, 22, tzinfo=UTC), ["2027-W12", "2027-W13", "2027-W14"]),
])
async def test_a_check_in_whose_time_is_skipped_or_doubled_by_a_clock_change_comes_once(
        settings, zone, schedule, start, weeks):
    # Before: the stored job (APScheduler's cron trigger) never fired in the week whose
    # local time the clocks skipped over (a Santiago director had no check-in that week,
    # nor a London one with 'mon 00:30' the Monday after summer time began), and fired
    # twice in a week whose time happened twice.
    for bot, clock in _bot_at(settings, start, schedule, zone):
        chat = RecordingAdapter()
        bot.register(chat)
        end = start + timedelta(weeks=3)
        fired = await run_the_scheduled_job(bot, clock, zone, end)
        assert len(fired) == 3, fired
        tz = ZoneInfo(zone)
        for moment in fired:
            local = moment.astimezone(tz)
            assert local.weekday() == schedule.day
            # The local time as scheduled, or just after it where the clocks skipped it.
            assert timedelta(0) <= local.replace(tzinfo=None) - datetime.combine(
                local.date(), schedule.at) <= timedelta(hours=1)
        prompts = [t for t in chat.to("alice") if PROMPT in t]
        assert len(prompts) == 3
        with bot.unit() as ctx:
            alice = ctx.people.by_key("alice")
            assert [w for w in weeks if ctx.checkins.round_for(alice, w) is not None] == weeks


async def test_a_gm_east_of_a_director_is_not_told_the_deadline_passed_while_it_is_open(
        bot, chat, clock):
    # Grace leads from Shanghai; Alice checks in from New York. Grace's Monday 08:00
    # digest comes at 19:00 on Alice's Sunday, five hours before Alice's week ends (an
    # answer then is not late in the summary).
    from tests.test_checkin import ALICE_ANSWERS, answer_all
    from tests.test_digest import MONDAY_8AM_SHANGHAI, digests

    with bot.unit() as ctx:
        ctx.people.by_key("grace").timezone = "Asia/Shanghai"
    await bot.run_checkins()
    clock.set(MONDAY_8AM_SHANGHAI)
    await bot.run_digests()
    (gm,) = digests(chat, "grace")
    # Before: "the deadline has passed (the week ended 2026-11-29)".
    assert "Check-in asked Fri 2026-11-27 16:00; it stays open until the end of " \
        "2026-11-29 where the last of those asked are (Mon 2026-11-30 13:00 your time), " \
        "so answers may still come." in gm
    assert "deadline has passed" not in gm
    # Alice answers that Sunday evening in New York: on time.
    clock.set(datetime(2026, 11, 30, 3, 0, tzinfo=UTC))  # Sunday 22:00 in New York
    await answer_all(bot, "alice", ALICE_ANSWERS)
    chat.clear()
    await say(bot, "grace", "/summary 2026-W48")
    assert "Alice Martin — checked in" in chat.last("grace")
    assert "late" not in chat.last("grace").split("Alice Martin — checked in")[1].split("\n")[0]


async def test_a_gm_east_of_everyone_still_sees_the_deadline_passed_once_it_has(
        bot, chat, clock):
    from tests.test_digest import digests

    with bot.unit() as ctx:
        ctx.people.by_key("grace").timezone = "Asia/Shanghai"
    await bot.run_checkins()
    # The bot was down at Grace's 08:00 and started at 14:00 in Shanghai: by then the
    # week has ended for every director.
    clock.set(datetime(2026, 11, 30, 6, 0, tzinfo=UTC))  # 01:00 Monday in New York
    await bot.run_digests()
    (gm,) = digests(chat, "grace")
    assert "the deadline has passed (the week ended 2026-11-29)." in gm


def alice_owes_grace_in_shanghai(bot, clock) -> None:
    """Grace leads from Shanghai; Alice (New York) owes her an action item due Tuesday
    2026-12-01, and is reminded that day in New York."""
    from datetime import date

    from storage.oneonone import OneOnOneRepo

    with bot.unit() as ctx:
        grace = ctx.people.by_key("grace")
        grace.timezone = "Asia/Shanghai"
        alice = ctx.people.by_key("alice")
        OneOnOneRepo(ctx.session).add_action(grace, alice, None, "send the Q1 plan", alice,
                                             date(2026, 12, 1), clock.now())


async def test_an_action_item_is_overdue_once_its_day_is_over_where_its_owner_is(
        bot, chat, clock):
    alice_owes_grace_in_shanghai(bot, clock)
    # Wednesday 09:00 in Shanghai, Tuesday 20:00 in New York: Alice still has her due day.
    clock.set(datetime(2026, 12, 2, 1, 0, tzinfo=UTC))
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "1 open action item" in text
    # Before: "1 open action item (1 overdue)" and an attention line about it.
    assert "overdue" not in text.split("Alice Martin")[-1].split("\n\n")[0]
    assert "1 open action item (1 overdue)" not in text
    # Once Tuesday is over in New York it is overdue.
    clock.set(datetime(2026, 12, 2, 5, 1, tzinfo=UTC))  # Wednesday 00:01 in New York
    await say(bot, "grace", "/summary")
    assert "1 open action item (1 overdue)" in chat.last("grace")


async def test_an_action_item_is_marked_overdue_by_its_owners_calendar_in_every_list(
        bot, chat, clock):
    # The GM's summary counted Alice's item by her calendar (above); Grace's /actions
    # list in Shanghai marked it '(overdue)' while Alice still had her Tuesday.
    alice_owes_grace_in_shanghai(bot, clock)
    clock.set(datetime(2026, 12, 2, 1, 0, tzinfo=UTC))  # Wed 09:00 Shanghai, Tue 20:00 NY

    await say(bot, "grace", "/actions")
    assert "send the Q1 plan — Alice Martin, due 2026-12-01" in chat.last("grace")
    assert "(overdue)" not in chat.last("grace")
    await say(bot, "grace", "/summary team East")
    assert "action items: 1 open" in chat.last("grace")
    assert "overdue" not in chat.last("grace").split("action items: ")[-1]

    clock.set(datetime(2026, 12, 2, 5, 1, tzinfo=UTC))  # Wednesday 00:01 in New York
    await say(bot, "grace", "/actions")
    assert "(overdue)" in chat.last("grace")
    await say(bot, "grace", "/summary team East")
    assert "action items: 1 open, 1 overdue" in chat.last("grace")


#: Sunday 20:00 where each person is: New York's (Alice's) is 09:00 on Monday in Shanghai.
SUNDAY_8PM = CheckinSchedule(6, time(20, 0))


async def test_a_check_in_still_to_come_west_of_the_gm_is_not_read_as_never_sent(settings):
    # Grace leads from Shanghai with a `sun 20:00` check-in. At 08:30 on her Monday her
    # week is 2026-W51, whose check-ins have gone out nowhere, so /summary shows 2026-W50:
    # 李雷 (Shanghai) and Bruno (Rome) were asked for it on their Sunday evening, Alice
    # (New York) is asked at her Sunday 20:00, half an hour on. Before, Alice read "no
    # check-in sent", as if left out of the week, in the GM's view, the team's and the
    # digest, whose header said the deadline had passed before she was even asked.
    from tests.test_digest import digests

    for bot, clock in _bot_at(settings, datetime(2026, 12, 13, 11, 0, tzinfo=UTC),
                              SUNDAY_8PM, "America/New_York"):
        chat = RecordingAdapter()
        bot.register(chat)
        with bot.unit() as ctx:
            ctx.people.by_key("grace").timezone = "Asia/Shanghai"
        jobs.bind(bot)
        try:
            for moment, zone in ((datetime(2026, 12, 13, 12, 0, tzinfo=UTC), "Asia/Shanghai"),
                                 (datetime(2026, 12, 13, 19, 0, tzinfo=UTC), "Europe/Rome")):
                clock.set(moment)
                await jobs.checkin_zone_job(zone)
                await bot.drain()
        finally:
            jobs.bind(None)
        clock.set(datetime(2026, 12, 14, 0, 30, tzinfo=UTC))  # Monday 08:30 in Shanghai
        await bot.run_digests()
        (digest,) = digests(chat, "grace")
        assert "deadline has passed" not in digest
        assert "it stays open until the end of 2026-12-13 where the last of those asked " \
            "are (Mon 2026-12-14 13:00 your time)" in digest
        chat.clear()
        await say(bot, "grace", "/summary")
        gm = chat.last("grace")
        assert "2026-W50 (2026-12-07 – 2026-12-13)" in gm
        assert "Check-in still to come where they are, not in the targets yet: " \
            "Alice Martin" in gm
        assert "Alice Martin — check-in not sent yet: it goes out Mon 2026-12-14 09:00 " \
            "your time" in gm
        assert "no check-in sent" not in gm.casefold()
        await say(bot, "grace", "/summary team East")
        team = chat.last("grace")
        assert "Alice Martin — check-in not sent yet: it goes out Mon 2026-12-14 09:00 " \
            "your time" in team
        assert "No check-in was sent" not in team
        # Once it has gone out, she is asked for that week, as the GM's view said.
        clock.set(datetime(2026, 12, 14, 1, 0, tzinfo=UTC))
        jobs.bind(bot)
        try:
            await jobs.checkin_zone_job("America/New_York")
            await bot.drain()
        finally:
            jobs.bind(None)
        assert PROMPT + " for 2026-W50" in chat.last("alice")
        await say(bot, "grace", "/summary")
        assert "Alice Martin — not checked in" in chat.last("grace")

"""Scheduling: local times across DST, jobs persisted in the database, catch-up after downtime."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from bot.config import CheckinSchedule
from bot.schedule import last_checkin, next_checkin
from bot.scheduler import build_scheduler, catch_up, start_scheduler, sync_checkin_jobs
from tests.support import WAIT, RecordingAdapter

FRIDAY_4PM = CheckinSchedule(4, time(16, 0))


def test_new_york_check_in_follows_the_end_of_daylight_saving():
    # DST ends in the US on Sunday 2026-11-01: 16:00 is 20:00 UTC before, 21:00 UTC after.
    before = next_checkin(FRIDAY_4PM, "America/New_York", datetime(2026, 10, 26, tzinfo=UTC))
    after = next_checkin(FRIDAY_4PM, "America/New_York", before)
    assert before == datetime(2026, 10, 30, 20, 0, tzinfo=UTC)
    assert after == datetime(2026, 11, 6, 21, 0, tzinfo=UTC)


def test_europe_check_in_follows_the_start_of_summer_time():
    # Europe/Rome moves to CEST on 2027-03-28: 16:00 is 15:00 UTC before, 14:00 UTC after.
    before = next_checkin(FRIDAY_4PM, "Europe/Rome", datetime(2027, 3, 22, tzinfo=UTC))
    after = next_checkin(FRIDAY_4PM, "Europe/Rome", before)
    assert before == datetime(2027, 3, 26, 15, 0, tzinfo=UTC)
    assert after == datetime(2027, 4, 2, 14, 0, tzinfo=UTC)


def test_each_person_is_prompted_at_their_own_local_time():
    now = datetime(2026, 11, 27, 0, 0, tzinfo=UTC)
    shanghai = next_checkin(FRIDAY_4PM, "Asia/Shanghai", now)
    new_york = next_checkin(FRIDAY_4PM, "America/New_York", now)
    assert shanghai == datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    assert new_york == datetime(2026, 11, 27, 21, 0, tzinfo=UTC)


def test_last_checkin_across_dst_and_on_the_minute():
    ny = "America/New_York"
    assert last_checkin(FRIDAY_4PM, ny, datetime(2026, 11, 2, tzinfo=UTC)) == datetime(
        2026, 10, 30, 20, 0, tzinfo=UTC)
    exactly = datetime(2026, 11, 6, 21, 0, tzinfo=UTC)
    assert last_checkin(FRIDAY_4PM, ny, exactly) == exactly
    assert last_checkin(FRIDAY_4PM, ny, exactly - timedelta(seconds=1)) == datetime(
        2026, 10, 30, 20, 0, tzinfo=UTC)


def test_a_time_skipped_by_spring_forward_resolves_forward():
    sunday_2_30 = CheckinSchedule(6, time(2, 30))  # does not exist on 2027-03-14 in New York
    fire = last_checkin(sunday_2_30, "America/New_York", datetime(2027, 3, 15, tzinfo=UTC))
    assert fire == datetime(2027, 3, 14, 7, 30, tzinfo=UTC)


async def test_missed_check_in_is_sent_once_on_restart_within_grace(bot, clock):
    chat = RecordingAdapter()
    bot.register(chat)
    clock.advance(timedelta(hours=3))  # the bot was down at 16:00 and came back at 19:00
    assert await catch_up(bot) == {"alice": "prompted"}
    assert "Time for your weekly check-in" in chat.last("alice")
    # Shanghai's and Rome's 16:00 passed long ago: outside the 6h grace period.
    assert chat.to("li") == [] and chat.to("bruno") == []
    assert await catch_up(bot) == {"alice": "already-prompted"}
    assert len(chat.to("alice")) == 1


async def test_missed_check_in_outside_grace_is_not_sent(bot, clock):
    chat = RecordingAdapter()
    bot.register(chat)
    clock.advance(bot.settings.grace_period + timedelta(minutes=1))
    assert await catch_up(bot) == {}
    assert chat.sent == []


NY, ROME, SHANGHAI = ("checkin:tz:America/New_York", "checkin:tz:Europe/Rome",
                      "checkin:tz:Asia/Shanghai")


async def test_jobs_persist_in_the_database_and_follow_the_org(bot):
    # One job per timezone people check in from (here each lives in another one).
    scheduler = build_scheduler(bot.engine, bot.settings.grace_period)
    scheduler.start(paused=True)
    try:
        assert sorted(sync_checkin_jobs(scheduler, bot)) == sorted([NY, ROME, SHANGHAI])
    finally:
        scheduler.shutdown(wait=False)
    # A new process sees the same jobs, with each timezone's local time.
    again = build_scheduler(bot.engine, bot.settings.grace_period)
    again.start(paused=True)
    try:
        jobs = {job.id: job for job in again.get_jobs()}
        assert set(jobs) == {NY, ROME, SHANGHAI}
        li = jobs[SHANGHAI]
        assert str(li.trigger.timezone) == "Asia/Shanghai"
        assert li.args == ("Asia/Shanghai",)
        assert li.misfire_grace_time == int(bot.settings.grace_period.total_seconds())
        assert li.coalesce is True
        with bot.unit() as ctx:
            ctx.people.by_key("li").checks_in = False
        sync_checkin_jobs(again, bot)
        assert {job.id for job in again.get_jobs()} == {NY, ROME}
    finally:
        again.shutdown(wait=False)


async def test_people_sharing_a_timezone_share_one_job_and_old_person_jobs_go(bot):
    with bot.unit() as ctx:
        ctx.people.by_key("bruno").timezone = "America/New_York"
    scheduler = build_scheduler(bot.engine, bot.settings.grace_period)
    scheduler.start(paused=True)
    try:
        # A per-person job stored by an earlier version is replaced by the timezone jobs.
        scheduler.add_job("bot.jobs:checkin_job", "interval", weeks=1, args=["alice"],
                          id="checkin:alice", jobstore="default")
        assert sorted(sync_checkin_jobs(scheduler, bot)) == sorted([NY, SHANGHAI])
        assert {job.id for job in scheduler.get_jobs()} == {NY, SHANGHAI}
    finally:
        scheduler.shutdown(wait=False)


async def test_a_timezone_job_prompts_everyone_in_that_timezone_only(bot):
    from bot import jobs

    with bot.unit() as ctx:
        ctx.people.by_key("bruno").timezone = "America/New_York"
    chat = RecordingAdapter()
    bot.register(chat)
    jobs.bind(bot)
    try:
        await jobs.checkin_zone_job("America/New_York")
    finally:
        jobs.bind(None)
    assert "Time for your weekly check-in" in chat.last("alice")
    assert chat.to("bruno") and chat.to("li") == []


async def test_start_scheduler_registers_jobs_and_catches_up(bot, clock):
    chat = RecordingAdapter()
    bot.register(chat)
    scheduler = await start_scheduler(bot, bot.engine)
    try:
        ids = {job.id for job in scheduler.get_jobs()}
        assert {NY, ROME, SHANGHAI, "reminders"} <= ids
        await bot.drain()  # the catch-up runs once the bot is running (tests/test_ready.py)
        assert "Time for your weekly check-in" in chat.last("alice")  # 16:00 NY is now
    finally:
        scheduler.shutdown(wait=False)
        await bot.drain()


async def test_the_stored_job_runs_the_check_in(bot):
    from bot import jobs

    chat = RecordingAdapter()
    bot.register(chat)
    jobs.bind(bot)
    try:
        await jobs.checkin_job("li")
    finally:
        jobs.bind(None)
    assert "每周签到" in chat.last("li")


async def test_catch_up_wakes_the_outbox_so_paced_prompts_follow_at_the_pacing_rate(
        settings, clock):
    # Alice (New York) and Bruno (Rome) were both due while the bot was down; the platform
    # allows one message every 2 s. Bruno's prompt must follow Alice's after 2 s, not when
    # the outbox loop would next wake up idle (30 s).
    import asyncio
    from dataclasses import replace

    from bot.adapters.base import Pacing
    from bot.app import prepare

    bot, engine = prepare(replace(settings, grace_period=timedelta(hours=12)), clock)
    delivered = asyncio.Event()

    class Signalling(RecordingAdapter):
        async def deliver(self, target, message):
            result = await super().deliver(target, message)
            delivered.set()
            return result

    chat = Signalling(pacing=Pacing(overall=2.0))
    bot.register(chat)
    stop = asyncio.Event()
    loop_task = asyncio.create_task(bot.outbox.run(stop))
    try:
        await asyncio.sleep(0)  # the loop finds nothing and goes idle
        clock.advance(timedelta(hours=1))  # back at 17:00 New York
        assert await catch_up(bot) == {"alice": "prompted", "bruno": "prompted"}
        # The loop sends them (catch-up does not wait): Alice's at once.
        await asyncio.wait_for(delivered.wait(), timeout=WAIT)  # bound for a failing run only
        assert len(chat.sent) == 1
        delivered.clear()
        clock.advance(timedelta(seconds=2))
        await asyncio.wait_for(delivered.wait(), timeout=WAIT)  # bound for a failing run only
        assert {s.target.address for s in chat.sent} == {"alice", "bruno"}
    finally:
        stop.set()
        await loop_task
        engine.dispose()


async def test_a_week_whose_catch_up_window_passed_is_logged(bot, clock, caplog):
    import logging

    bot.register(RecordingAdapter())
    clock.advance(bot.settings.grace_period + timedelta(minutes=1))
    with caplog.at_level(logging.INFO, logger="bot.scheduler"):
        assert await catch_up(bot) == {}
    lines = [r.getMessage() for r in caplog.records]
    # One line for the week (true on a first start as after a stop), with who was missed.
    assert lines == ["2026-W48 check-ins not sent to 3 people (alice, bruno, li): their time "
                     "passed more than the grace period before the bot was running"]
    # Someone prompted in time is not reported as missed on a later start.
    caplog.clear()
    with bot.unit() as ctx:
        alice = ctx.people.by_key("alice")
        ctx.checkins.create_round(alice, "2026-W48", [], clock.now()).prompted_at = clock.now()
    with caplog.at_level(logging.INFO, logger="bot.scheduler"):
        await catch_up(bot)
    assert [r.getMessage() for r in caplog.records] == [
        "2026-W48 check-ins not sent to 2 people (bruno, li): their time passed more than "
        "the grace period before the bot was running"]


async def test_the_sweeps_run_as_often_as_readme_says(bot, tmp_path):
    """README: reminders and pulse polls every 5 minutes, one-on-ones and digests every
    minute, `teampulse checkin send` requests every 3 s, scheduled 360° reviews every 5
    minutes and the watched CRM folder every minute (the last two only when configured)."""
    from dataclasses import replace

    bot.org = replace(bot.org, crm=replace(bot.org.crm, watch_folder=tmp_path),
                      reviews=replace(bot.org.reviews, months=3, name="quarterly"))
    scheduler = await start_scheduler(bot, bot.engine)
    try:
        await bot.drain()
        every = {job.id: job.trigger.interval.total_seconds()
                 for job in scheduler.get_jobs() if hasattr(job.trigger, "interval")}
        assert {k: every.get(k) for k in ("reminders", "pulse", "oneonones", "digests",
                                          "round-requests", "review-schedule",
                                          "crm-watch", "review-held")} == {
            "reminders": 300, "pulse": 300, "oneonones": 60, "digests": 60,
            "round-requests": 3, "review-schedule": 300, "crm-watch": 60, "review-held": 300}
    finally:
        scheduler.shutdown(wait=False)

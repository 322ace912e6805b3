"""The machine asleep (a laptop lid closed, a VM paused) or the bot stopped over the check-in
moment and a week boundary: when it runs again the scheduler's weekly job fires late (APScheduler
runs a job missed within its grace period once, coalesced, at wake-up or at the start) beside
the start's catch-up. Each person is asked once, for the week whose moment passed, however
late, and never for several weeks at once."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from bot import jobs
from bot.app import prepare
from bot.clock import FakeClock
from bot.config import CheckinSchedule, Settings
from bot.core import TeamPulse
from bot.scheduler import catch_up
from tests.oneonone_support import MONDAY_SLOT, sweep_at, write_org
from tests.support import RecordingAdapter

#: Sunday 20:00, each where they are: Alice's (New York) is 01:00 UTC on Monday.
SUNDAY_8PM = CheckinSchedule(6, time(20, 0))
#: Sunday 29 November 2026 20:00 in New York (2026-W48's check-in moment).
W48_MOMENT = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)


@pytest.fixture
def sunday_bot(settings: Settings) -> Iterator[tuple[TeamPulse, FakeClock, RecordingAdapter]]:
    clock = FakeClock(W48_MOMENT - timedelta(hours=2))
    bot, engine = prepare(replace(settings, checkin_schedule=SUNDAY_8PM), clock)
    chat = RecordingAdapter()
    bot.register(chat)
    jobs.bind(bot)
    try:
        yield bot, clock, chat
    finally:
        jobs.bind(None)
        engine.dispose()


def prompts(chat: RecordingAdapter, key: str) -> list[str]:
    return [text for text in chat.to(key) if "Time for your weekly check-in" in text]


async def test_woken_after_midnight_alice_is_asked_once_for_the_week_that_just_ended(
        sunday_bot: tuple[TeamPulse, FakeClock, RecordingAdapter]) -> None:
    """The server slept from Sunday 18:00 to Monday 01:30 in New York (within the six-hour
    grace period of Sunday 20:00). On waking, the weekly job fires late: Alice was asked
    for 2026-W49, the week just begun, a week early, and never for 2026-W48 (whose Sunday
    prompt it stood for); next Sunday's W49 job then found her asked already."""
    bot, clock, chat = sunday_bot
    clock.set(W48_MOMENT + timedelta(hours=5, minutes=30))
    await jobs.checkin_zone_job("America/New_York")
    [prompt] = prompts(chat, "alice")
    assert "2026-W48" in prompt and "2026-W49" not in prompt
    with bot.engine.connect() as conn:
        assert list(conn.execute(text(
            "SELECT week FROM checkin_rounds JOIN people ON people.id = person_id "
            "WHERE people.key = 'alice'"))) == [("2026-W48",)]


async def test_started_after_midnight_the_catch_up_and_the_late_job_ask_once(
        sunday_bot: tuple[TeamPulse, FakeClock, RecordingAdapter]) -> None:
    """The bot stopped on Sunday evening and started at Monday 01:30 in New York: the start's
    catch-up (from the schedule) and the stored weekly job (APScheduler runs it, missed
    within its grace period) both prompt. Alice got two prompts at once, one for 2026-W48
    and one for 2026-W49; now one, for 2026-W48."""
    bot, clock, chat = sunday_bot
    clock.set(W48_MOMENT + timedelta(hours=5, minutes=30))
    assert await catch_up(bot) == {"alice": "prompted"}
    await jobs.checkin_zone_job("America/New_York")
    [prompt] = prompts(chat, "alice")
    assert "2026-W48" in prompt


async def test_asleep_three_weeks_alice_is_asked_once_for_the_latest_week(
        sunday_bot: tuple[TeamPulse, FakeClock, RecordingAdapter]) -> None:
    """Guard: with a grace period of three weeks (CHECKIN_GRACE_PERIOD=21d) and the machine
    asleep for three Sundays, the late job runs once (coalesced) and asks for the latest
    week only, not three rounds at once."""
    bot, clock, chat = sunday_bot
    bot.settings = replace(bot.settings, grace_period=timedelta(days=21))
    clock.set(W48_MOMENT + timedelta(weeks=2, hours=3))  # Monday of 2026-W51, 22:00 Sunday
    await jobs.checkin_zone_job("America/New_York")
    await catch_up(bot)
    [prompt] = prompts(chat, "alice")
    assert "2026-W50" in prompt


# --- a one-on-one slot slept over ------------------------------------------------------------

@pytest.fixture
def oneonone_settings(database_url: str, tmp_path: Path) -> Settings:
    """The test org with one-on-ones (Grace meets Alice and Bruno on Mondays, 10:00 in New
    York)."""
    return Settings(database_url=database_url, org_file=write_org(tmp_path))


async def test_a_one_on_one_slept_over_is_asked_about_once_and_never_reminded_of_late(
        oneonone_settings: Settings) -> None:
    """Guard: the machine sleeps from Sunday 09:00 to Monday 12:00 in New York, over the
    day-before and the 15-minute reminders and Grace's 10:00 1:1s with Alice and Bruno. On
    waking the sweep reminds nobody of a meeting already held and asks Grace, once each,
    whether they happened; the next sweeps ask nothing more."""
    clock = FakeClock(MONDAY_SLOT - timedelta(days=1, hours=1))
    bot, engine = prepare(oneonone_settings, clock)
    chat = RecordingAdapter()
    bot.register(chat)
    try:
        assert await sweep_at(bot, clock, MONDAY_SLOT - timedelta(days=1, hours=1)) == 0
        await sweep_at(bot, clock, MONDAY_SLOT + timedelta(hours=2))
        await sweep_at(bot, clock, MONDAY_SLOT + timedelta(hours=2, minutes=1))
        await sweep_at(bot, clock, MONDAY_SLOT + timedelta(hours=5))
    finally:
        engine.dispose()
    assert not [t for key in ("grace", "alice", "bruno") for t in chat.to(key)
                if t.startswith(("Reminder: your 1:1", "Your 1:1 with"))
                and "Mon 2026-11-30" in t]  # (Li's of Tuesday comes the day before)
    asked = [t for t in chat.to("grace") if "happen?" in t]
    assert len(asked) == 2, chat.to("grace")


async def test_three_weeks_asleep_asks_about_the_last_one_on_one_only(
        oneonone_settings: Settings) -> None:
    """Guard: asleep three Mondays running, Grace is asked on waking about the meetings
    that ended within the day before (this Monday's), not three weeks of them at once."""
    clock = FakeClock(MONDAY_SLOT - timedelta(hours=1))
    bot, engine = prepare(oneonone_settings, clock)
    chat = RecordingAdapter()
    bot.register(chat)
    try:
        await sweep_at(bot, clock, MONDAY_SLOT + timedelta(weeks=2, hours=3))
    finally:
        engine.dispose()
    asked = [t for t in chat.to("grace") if "happen?" in t]
    assert len(asked) == 2 and all("2026-12-14" in t for t in asked), asked


# --- moved in the org file while stopped -----------------------------------------------------

async def test_moved_east_while_stopped_over_the_check_in_she_is_asked_once_at_the_start(
        settings: Settings, tmp_path: Path) -> None:
    """李雷 checks in on Fridays at 16:00 where she is. Asked in Honolulu for 2027-W10, the
    bot stopped; the org file moved her to Auckland meanwhile, and the bot started again on
    Friday 19 March at noon in Honolulu (Saturday 11:00 in Auckland). Auckland's Friday
    16:00 was 19 hours gone, beyond the grace period, and Honolulu's had not come: the
    start's catch-up knew no old timezone and she was asked for 2027-W11 nowhere. Now the
    timezone of her latest round (Honolulu's) is the one she had: asked once, at the start."""
    org = tmp_path / "org.yaml"
    text_of = settings.org_file.read_text(encoding="utf-8")
    chinese = "    team: China\n    timezone: Asia/Shanghai\n"
    assert chinese in text_of
    org.write_text(text_of.replace(chinese, "    team: China\n    timezone: Pacific/Honolulu\n"),
                   encoding="utf-8")
    settings = replace(settings, org_file=org)

    def start(now: datetime) -> tuple[TeamPulse, RecordingAdapter]:
        bot, _engine = prepare(settings, FakeClock(now))
        chat = RecordingAdapter()
        bot.register(chat)
        jobs.bind(bot)
        return bot, chat

    def week_prompts(chat: RecordingAdapter, week: str) -> list[str]:
        return [t for t in chat.to("li") if "每周签到" in t and week in t]

    bot, chat = start(datetime(2027, 3, 13, 2, 0, tzinfo=UTC))  # Fri 16:00 in Honolulu
    try:
        await jobs.checkin_zone_job("Pacific/Honolulu")
        assert week_prompts(chat, "2027-W10")
    finally:
        jobs.bind(None)
        bot.engine.dispose()
    org.write_text(org.read_text(encoding="utf-8").replace("Pacific/Honolulu",
                                                           "Pacific/Auckland"),
                   encoding="utf-8")
    friday_noon = datetime(2027, 3, 19, 22, 0, tzinfo=UTC)  # Fri 12:00 in Honolulu
    for later in (timedelta(0), timedelta(hours=1)):  # started, and started once more
        bot, chat = start(friday_noon + later)
        try:
            await catch_up(bot)
            await bot.drain()
            assert len(week_prompts(chat, "2027-W11")) == (1 if not later else 0)
            assert not [t for t in chat.to("li") if "2027-W12" in t]
        finally:
            jobs.bind(None)
            bot.engine.dispose()

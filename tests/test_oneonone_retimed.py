"""A week's one-on-one moved or skipped in chat, then the org file gives the pair another
weekday (tried as users: the console chat, the sweep on the test's clock, the org file
reloaded while the bot runs). The move or skip was of that week's meeting: it holds for
the meeting the new day gives that week, rather than that week getting a second one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.config import Settings
from bot.org import parse_org
from tests.oneonone_support import ONEONONES, sweep_at, write_org
from tests.support import TEST_ORG, RecordingAdapter, say

TUESDAYS = ONEONONES.replace('default: {cadence: weekly, day: mon',
                             'default: {cadence: weekly, day: tue')


@pytest.fixture
def settings(database_url, tmp_path):
    """Grace (New York) meets Alice and Bruno weekly, Monday 10:00 New York time."""
    return Settings(database_url=database_url, org_file=write_org(tmp_path))


def to_tuesdays(bot) -> None:
    """The org file edited (and reloaded): the directors meet Grace on Tuesdays."""
    org = parse_org(TEST_ORG.read_text(encoding="utf-8") + TUESDAYS)
    bot.sync_org_to(org)
    bot.apply_org(org)


def about(chat: RecordingAdapter, key: str, name: str) -> list[str]:
    """The first line of each reminder and "did it happen?" `key` got about `name`."""
    return [t.splitlines()[0] for t in chat.to(key)
            if name in t and t.startswith(("Reminder", "Did", "Your 1:1"))]


async def test_a_move_and_a_skip_hold_for_that_weeks_meeting_on_the_new_day(
        bot, chat, clock):
    # Friday 27 November: Alice's Monday 1:1 moves to Thursday; Bruno skips his.
    await say(bot, "grace", "/1on1 move @alice 2026-12-03 15:00")
    await say(bot, "bruno", "/1on1 skip")
    to_tuesdays(bot)
    await say(bot, "alice", "/1on1")
    assert "Grace Chen: weekly, Tue 10:00 (America/New_York) — next: Thu 2026-12-03 15:00" \
        in chat.last("alice")
    await say(bot, "bruno", "/1on1")
    assert "next: Tue 2026-12-08 16:00 (Europe/Rome)" in chat.last("bruno")
    # The week, swept every quarter of an hour: one meeting with Alice (Thursday's), none
    # with Bruno; Tuesday's 10:00 had been reminded of and asked about as well.
    chat.clear()
    moment = datetime(2026, 11, 29, 0, 0, tzinfo=UTC)
    while moment < datetime(2026, 12, 5, tzinfo=UTC):
        await sweep_at(bot, clock, moment)
        moment += timedelta(minutes=15)
    assert about(chat, "alice", "Grace Chen") == [
        "Reminder: your 1:1 with Grace Chen is tomorrow, Thu 2026-12-03 15:00 "
        "(America/New_York).",
        "Your 1:1 with Grace Chen starts soon: Thu 2026-12-03 15:00 (America/New_York)."]
    assert about(chat, "bruno", "Grace Chen") == []
    assert about(chat, "grace", "Bruno Rossi") == []
    assert [t for t in about(chat, "grace", "Alice Martin") if t.startswith("Did")] == [
        "Did your 1:1 with Alice Martin (Thu 2026-12-03 15:00 (America/New_York)) happen?"]
    # The week after, Tuesday for both, as the file now says.
    await say(bot, "alice", "/1on1")
    assert "next: Tue 2026-12-08 10:00 (America/New_York)" in chat.last("alice")
    await say(bot, "grace", "/summary")
    bruno = chat.last("grace").split("Bruno Rossi · team", 1)[1].split("\n\n", 1)[0]
    assert "next 2026-12-08" in bruno and "overdue" not in bruno

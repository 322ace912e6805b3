"""One-on-ones and time away, from the GM's side: a slot the GM (or the director) was away
at is not asked about after it ends ("did your 1:1 with Alice happen?" came right after
the slot, on holiday), and is neither missed nor overdue in the GM's summary, the team's
and the CLI's overview; a GM who went away during a meeting is asked once back, within
the day after the slot that every question is asked in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.config import Settings
from handlers.oneonone import oneonone_overview
from storage.oneonone import OneOnOneRepo
from tests.oneonone_support import MONDAY_SLOT, sweep_at, write_org
from tests.support import RecordingAdapter, say

# Li's monthly 1:1 with Grace: Tue 2026-12-01 09:00 in New York (22:00 in Shanghai).
LI_SLOT = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
ASKED = "Did your 1:1 with"


@pytest.fixture
def settings(database_url, tmp_path):
    """The test org with one-on-one rules (Grace meets Alice and Bruno on Mondays)."""
    return Settings(database_url=database_url, org_file=write_org(tmp_path))


def asked(chat: RecordingAdapter, key: str = "grace") -> list[str]:
    return [t for t in chat.to(key) if t.startswith(ASKED) or f"\n{ASKED}" in t]


def overdue_pairs(bot) -> dict[str, bool]:
    """Per director, whether the overview (`teampulse oneonones`, the summaries') calls
    their 1:1 with the GM overdue now."""
    with bot.unit() as ctx:
        return {d.key: d.own.overdue for d in
                oneonone_overview(ctx.session, ctx.org, bot.clock.now()) if d.own}


async def test_a_gm_away_monday_to_wednesday_is_not_asked_about_those_slots(
        bot, chat, clock):
    # Grace plans Monday to Wednesday off on Friday. Her Monday 1:1s with Alice and Bruno
    # and Tuesday's with 李雷 end while she is away: each was asked about right after its
    # slot, on holiday, and on Thursday her summary called all three overdue.
    await say(bot, "grace", "/away 2026-11-30 2026-12-02")
    for minutes in (31, 60 * 5):
        await sweep_at(bot, clock, MONDAY_SLOT + timedelta(minutes=minutes))
    await sweep_at(bot, clock, LI_SLOT + timedelta(minutes=31))
    assert asked(chat) == []
    # Back on Wednesday: the slots could not have happened, so nothing is asked then.
    clock.set(datetime(2026, 12, 2, 15, 0, tzinfo=UTC))  # Wed 10:00 in New York
    await say(bot, "grace", "/back")
    await sweep_at(bot, clock, datetime(2026, 12, 2, 15, 1, tzinfo=UTC))
    assert asked(chat) == []
    # Thursday: no one-on-one is overdue, in the GM's summary, the team's or the CLI's.
    clock.set(MONDAY_SLOT + timedelta(days=3))
    await say(bot, "grace", "/summary")
    summary = chat.last("grace")
    assert "One-on-one with you: last never · next 2026-12-07" in summary, summary
    assert "one-on-one with you overdue" not in summary and "· overdue" not in summary
    await say(bot, "grace", "/summary team East")
    east = chat.last("grace").split("One-on-ones", 1)[1]
    assert "with Grace Chen: last held never · next Mon 2026-12-07 10:00" in east, east
    assert "overdue" not in east
    assert overdue_pairs(bot) == {"alice": False, "bruno": False, "li": False}
    # Next Monday, back at work: asked as always.
    await sweep_at(bot, clock, MONDAY_SLOT + timedelta(days=7, minutes=31))
    assert asked(chat)[0].startswith(
        "Did your 1:1 with Alice Martin (Mon 2026-12-07 10:00 (America/New_York)) happen?")


async def test_a_gm_gone_away_during_the_meeting_is_asked_once_back_that_day(
        bot, chat, clock):
    # Grace sets /away at 10:20, in her 10:00-10:30 1:1 with Alice: the meeting may well
    # have happened. Not asked while away; asked at the sweep after her /back, the same day.
    clock.set(MONDAY_SLOT + timedelta(minutes=20))
    await say(bot, "grace", "/away 2026-12-01")
    await sweep_at(bot, clock, MONDAY_SLOT + timedelta(minutes=31))
    assert asked(chat) == []
    clock.set(MONDAY_SLOT + timedelta(hours=4))
    await say(bot, "grace", "/back")
    assert asked(chat) == []
    await sweep_at(bot, clock, MONDAY_SLOT + timedelta(hours=4, minutes=1))
    assert [t.split(" happen?")[0] for t in asked(chat)] == [
        "Did your 1:1 with Alice Martin (Mon 2026-11-30 10:00 (America/New_York))",
        "Did your 1:1 with Bruno Rossi (Mon 2026-11-30 10:00 (America/New_York))"]
    await say(bot, "grace", "yes")
    assert "Send short notes" in chat.last("grace")


async def test_a_gm_away_past_the_day_after_the_slot_is_not_asked_nor_overdue(
        bot, chat, clock):
    # Gone away during the meeting until Wednesday: back more than a day after the slot,
    # which is when every question stops being asked (an old meeting is not asked about).
    clock.set(MONDAY_SLOT + timedelta(minutes=20))
    await say(bot, "grace", "/away 2026-12-02")
    for hours in (1, 12, 23):
        await sweep_at(bot, clock, MONDAY_SLOT + timedelta(hours=hours))
    await sweep_at(bot, clock, datetime(2026, 12, 3, 5, 1, tzinfo=UTC))  # Thu 00:01
    assert asked(chat) == []
    clock.set(MONDAY_SLOT + timedelta(days=3))
    assert overdue_pairs(bot)["alice"] is False


async def test_a_director_away_at_their_slot_is_not_asked_about_nor_overdue(
        bot, chat, clock):
    # Alice is away on Monday, 李雷 on Tuesday (his day in Shanghai): their 1:1s with
    # Grace cannot have happened, yet Grace was asked about each and both were overdue.
    await say(bot, "alice", "/away 2026-11-30")
    await say(bot, "li", "/away 2026-12-01")
    await sweep_at(bot, clock, MONDAY_SLOT + timedelta(minutes=31))
    await sweep_at(bot, clock, LI_SLOT + timedelta(minutes=31))
    assert [t.split(" (")[0] for t in asked(chat)] == ["Did your 1:1 with Bruno Rossi"]
    clock.set(MONDAY_SLOT + timedelta(days=3))
    # Bruno's, asked and unanswered, is overdue; Alice's and 李雷's are not.
    assert overdue_pairs(bot) == {"alice": False, "bruno": True, "li": False}
    await say(bot, "grace", "/summary")
    attention = chat.last("grace").split("Needs your attention", 1)[1].split("\n\n", 1)[0]
    assert "Bruno Rossi: one-on-one with you overdue" in attention
    assert "Alice Martin" not in attention and "李雷" not in attention


def as_an_older_version_asked(bot, report: str, slot: datetime, asked: datetime) -> None:
    """The record an older teampulse made of a slot someone was away at: it asked the
    manager "did it happen?" after it all the same, and nobody answered."""
    with bot.unit() as ctx:
        repo = OneOnOneRepo(ctx.session)
        repo.create_meeting(ctx.people.by_key("grace"), ctx.people.by_key(report),
                            slot.date().isoformat(), slot, asked)


async def test_records_an_older_version_made_of_away_slots_are_not_overdue(bot, chat, clock):
    # Before slots someone was away at went unasked, the bot asked Grace about Alice's
    # Monday 1:1 (Alice away) and Bruno's (Grace gone away during it, back on Wednesday):
    # unanswered, both read "overdue" in the GM's summary, the team's and the CLI's
    # after an upgrade, for meetings that could not have happened or were never asked.
    await say(bot, "alice", "/away 2026-11-30")
    clock.set(MONDAY_SLOT + timedelta(minutes=20))
    await say(bot, "grace", "/away 2026-12-01")
    as_an_older_version_asked(bot, "alice", MONDAY_SLOT, MONDAY_SLOT + timedelta(minutes=31))
    as_an_older_version_asked(bot, "bruno", MONDAY_SLOT, MONDAY_SLOT + timedelta(minutes=31))
    clock.set(MONDAY_SLOT + timedelta(days=3))  # Thursday
    assert overdue_pairs(bot) == {"alice": False, "bruno": False, "li": False}
    await say(bot, "grace", "/summary")
    summary = chat.last("grace")
    assert "one-on-one with you overdue" not in summary and "· overdue" not in summary, \
        summary
    await say(bot, "grace", "/summary team East")
    assert "overdue" not in chat.last("grace").split("One-on-ones", 1)[1]
    # The week before, nobody was away and the question went unanswered: that one still
    # is overdue, seen through Monday's, in every view.
    as_an_older_version_asked(bot, "alice", MONDAY_SLOT - timedelta(days=7),
                              MONDAY_SLOT - timedelta(days=7, minutes=-31))
    assert overdue_pairs(bot)["alice"] is True
    await say(bot, "grace", "/summary")
    attention = chat.last("grace").split("Needs your attention", 1)[1].split("\n\n", 1)[0]
    assert attention.strip() == (
        "Alice Martin: one-on-one with you overdue: Mon 2026-11-23 10:00 (America/New_York) "
        'not confirmed ("did it happen?" unanswered)'), attention

"""A 1:1 held a few days before its slot (tried as users on the console chat, the sweep on
the test's clock). Grace met Alice on Thursday instead of Monday: there was no way to
record it (`/1on1 held` was a hint, a move into the past refused), so Monday's slot was
reminded of, asked about and, unanswered or answered no, overdue in the GM's summary.
Now `/1on1 held @alice` records it for the next slot: that slot is neither reminded of
nor asked about nor overdue, and the one after follows the cadence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.config import Settings
from tests.oneonone_support import MONDAY_SLOT, sweep_at, write_org
from tests.support import say

THURSDAY = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)  # Thu 15:00 in New York
WEEK = timedelta(days=7)


@pytest.fixture
def settings(database_url, tmp_path):
    """Grace (New York) meets Alice and Bruno weekly, Monday 10:00 New York time."""
    return Settings(database_url=database_url, org_file=write_org(tmp_path))


async def test_a_1on1_held_early_counts_for_its_slot(bot, chat, clock):
    clock.set(THURSDAY)
    await say(bot, "grace", "/1on1 held @alice")
    recorded, notes = [m.message.text for m in chat.sent[-3:] if m.target.address == "grace"]
    assert recorded == (
        "Recorded: your 1:1 with Alice Martin held today counts for the one of Mon "
        "2026-11-30 10:00 (America/New_York), so that one is neither reminded of nor "
        "overdue. The next: Mon 2026-12-07 10:00 (America/New_York). Alice Martin has "
        "been told."), recorded
    assert notes.startswith("Good. Send short notes on your 1:1 with Alice Martin"), notes
    assert chat.last("alice").startswith(
        "Grace Chen recorded your 1:1 held today: it counts for the one of Mon 2026-11-30 "
        "10:00 (America/New_York), which will not take place. The next: Mon 2026-12-07"), \
        chat.last("alice")
    for text in ("pipeline review moved up", "done", "done"):
        await say(bot, "grace", text)
    chat.clear()
    # Monday's slot: no reminder, no "did it happen?" for Alice's (Bruno's as usual).
    await sweep_at(bot, clock, MONDAY_SLOT - timedelta(days=1))
    await sweep_at(bot, clock, MONDAY_SLOT - timedelta(minutes=14))
    await sweep_at(bot, clock, MONDAY_SLOT + timedelta(minutes=31))
    assert not any("Alice" in t for t in chat.to("grace")), chat.to("grace")
    assert not any(t.startswith(("Reminder", "Your 1:1")) for t in chat.to("alice"))
    assert any("Bruno Rossi" in t and "happen?" in t for t in chat.to("grace"))
    # Two days on, the GM's summary: held on Thursday, not overdue, the next on 7 December.
    clock.set(MONDAY_SLOT + timedelta(days=2))
    await say(bot, "grace", "/summary")
    summary = chat.last("grace")
    assert "One-on-one with you: last 2026-11-26 · next 2026-12-07\n" in summary, summary
    assert "Bruno Rossi: one-on-one with you overdue" in summary  # (his, unanswered)
    assert "Alice Martin: one-on-one with you overdue" not in summary, summary
    await say(bot, "alice", "/1on1 history")
    assert "2026-11-26" in chat.last("alice"), chat.last("alice")
    assert "pipeline review moved up" in chat.last("alice"), chat.last("alice")
    # The next slot follows the cadence: reminded and asked about as usual.
    chat.clear()
    await sweep_at(bot, clock, MONDAY_SLOT + WEEK + timedelta(minutes=31))
    assert any(t.startswith("Did your 1:1 with Alice Martin (Mon 2026-12-07 10:00")
               for t in chat.to("grace")), chat.to("grace")


async def test_a_slot_waiting_for_did_it_happen_is_answered_yes(bot, chat, clock):
    await sweep_at(bot, clock, MONDAY_SLOT + timedelta(minutes=31))
    await say(bot, "grace", "/1on1 held alice")
    assert chat.last("grace").startswith("Good. Send short notes on your 1:1 with Alice"), \
        chat.last("grace")


async def test_only_the_manager_records_it(bot, chat, clock):
    clock.set(THURSDAY)
    await say(bot, "sam", "/1on1 held")
    assert chat.last("sam") == ("Only the manager records a 1:1 as held: ask Alice Martin to "
                                "send /1on1 held. Nothing was recorded.")
    await say(bot, "li", "/1on1 held")
    assert chat.last("li") == \
        "只有经理可以记录面谈已进行：请Grace Chen发送 /1on1 held。本次未记录。"
    await say(bot, "grace", "/1on1 held @alice tomorrow")
    assert chat.last("grace").startswith("/1on1 held takes nothing but the person"), \
        chat.last("grace")


async def test_in_chinese(bot, chat, clock):
    clock.set(THURSDAY)
    await say(bot, "grace", "/language 中文")
    await say(bot, "grace", "/1on1 已进行 @li")
    recorded = [m.message.text for m in chat.sent if m.target.address == "grace"][-2]
    assert recorded.startswith(
        "已记录：你与李雷今天进行的一对一面谈算作 2026-12-01 09:00"), recorded
    assert chat.last("li").startswith(
        "Grace Chen记录了你们今天进行的一对一面谈：算作 2026-12-01 22:00"), chat.last("li")


async def test_a_1on1_under_way_is_recorded_at_its_own_slot(bot, chat, clock):
    clock.set(MONDAY_SLOT + timedelta(minutes=20))
    await say(bot, "grace", "/1on1 held @alice")
    recorded = [m.message.text for m in chat.sent if m.target.address == "grace"][-2]
    assert recorded.startswith("Recorded: your 1:1 with Alice Martin of Mon 2026-11-30 10:00 "
                               "(America/New_York) was held. The next: Mon 2026-12-07"), recorded
    assert chat.last("alice").startswith(
        "Grace Chen recorded your 1:1 of Mon 2026-11-30 10:00 (America/New_York) as held."), \
        chat.last("alice")
    for text in ("done", "done"):
        await say(bot, "grace", text)
    chat.clear()
    await sweep_at(bot, clock, MONDAY_SLOT + timedelta(minutes=31))
    assert not any("Alice" in t for t in chat.to("grace")), chat.to("grace")

"""When an action item's owner is reminded that it is due: on its day, where they are, at
the start of their working hours (oneonones.working_hours), not in the night as the day
begins (tried as users: the console chat and the sweep on the test's clock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.config import Settings
from tests.oneonone_support import MONDAY_SLOT, ONEONONES, sweep_at, write_org
from tests.support import RecordingAdapter, say


@pytest.fixture
def settings(database_url, tmp_path):
    return Settings(database_url=database_url, org_file=write_org(tmp_path))


def due_notes(chat: RecordingAdapter, key: str) -> list[str]:
    return [t for t in chat.to(key) if t.startswith(("Action item #", "行动项 #"))
            and ("due 20" in t or "截止于" in t)]


async def test_the_owner_is_reminded_at_the_start_of_their_working_day(bot, chat, clock):
    await say(bot, "grace", "/actions add send the deck @alice 2026-12-02")
    await say(bot, "grace", "/actions add 发报价 @li 2026-12-02")
    # 李雷's Wednesday begins at 16:00 UTC on Tuesday, 07:00 there is 23:00 UTC.
    await sweep_at(bot, clock, datetime(2026, 12, 1, 16, 1, tzinfo=UTC))  # 00:01 Shanghai
    await sweep_at(bot, clock, datetime(2026, 12, 1, 22, 59, tzinfo=UTC))
    assert due_notes(chat, "li") == []
    await sweep_at(bot, clock, datetime(2026, 12, 1, 23, 0, tzinfo=UTC))
    assert due_notes(chat, "li") == ["行动项 #2 截止于 2026-12-02：发报价。完成后发送 /actions "
                                     "done 2。"]
    # Alice's, in New York, at 07:00 there (12:00 UTC): not at midnight.
    await sweep_at(bot, clock, datetime(2026, 12, 2, 5, 1, tzinfo=UTC))  # 00:01 New York
    await sweep_at(bot, clock, datetime(2026, 12, 2, 11, 59, tzinfo=UTC))
    assert due_notes(chat, "alice") == []
    await sweep_at(bot, clock, datetime(2026, 12, 2, 12, 0, tzinfo=UTC))
    await sweep_at(bot, clock, datetime(2026, 12, 2, 15, 0, tzinfo=UTC))
    assert due_notes(chat, "alice") == ["Action item #1 is due 2026-12-02: send the deck. "
                                        "Send /actions done 1 when it's done."]


async def test_the_org_files_working_hours_set_the_hour(database_url, tmp_path, clock):
    from bot.app import prepare

    path = write_org(tmp_path, ONEONONES + '  working_hours: "09:30-18:00"\n')
    bot, engine = prepare(Settings(database_url=database_url, org_file=path), clock)
    try:
        chat = RecordingAdapter()
        bot.register(chat)
        await say(bot, "grace", "/actions add send the deck @alice 2026-12-02")
        await sweep_at(bot, clock, datetime(2026, 12, 2, 14, 29, tzinfo=UTC))  # 09:29
        assert due_notes(chat, "alice") == []
        await sweep_at(bot, clock, datetime(2026, 12, 2, 14, 30, tzinfo=UTC))
        assert len(due_notes(chat, "alice")) == 1
    finally:
        engine.dispose()


async def test_back_from_away_at_midnight_the_owner_is_reminded_in_the_morning(
        bot, chat, clock):
    # Alice is away on the item's day; her time away ends as Friday begins in New York.
    await say(bot, "grace", "/actions add send the deck @alice 2026-12-02")
    await say(bot, "alice", "/away 2026-12-02 2026-12-03")
    await sweep_at(bot, clock, datetime(2026, 12, 2, 15, 0, tzinfo=UTC))
    await sweep_at(bot, clock, datetime(2026, 12, 4, 5, 1, tzinfo=UTC))  # Fri 00:01
    await sweep_at(bot, clock, datetime(2026, 12, 4, 11, 59, tzinfo=UTC))
    assert due_notes(chat, "alice") == []
    await sweep_at(bot, clock, datetime(2026, 12, 4, 12, 0, tzinfo=UTC))
    assert due_notes(chat, "alice") == ["Action item #1 was due 2026-12-02 (overdue): send "
                                        "the deck. Send /actions done 1 when it's done."]


async def test_an_item_made_on_its_due_day_is_reminded_the_next_morning_if_still_open(
        bot, chat, clock):
    """'Send the deck by end of day', agreed at 10:00 on its day: Alice was told of it, and
    "Action item #1 is due 2026-12-02" came a minute later, telling her nothing. Still open
    the next morning, she is reminded then that it was due; one closed that day, never."""
    clock.set(datetime(2026, 12, 2, 15, 0, tzinfo=UTC))  # Wednesday 10:00 in New York
    await say(bot, "grace", "/actions add send the deck @alice 2026-12-02")
    await say(bot, "grace", "/actions add book the room @alice 2026-12-02")
    await sweep_at(bot, clock, datetime(2026, 12, 2, 15, 1, tzinfo=UTC))
    await sweep_at(bot, clock, datetime(2026, 12, 2, 22, 0, tzinfo=UTC))
    assert due_notes(chat, "alice") == []
    await say(bot, "alice", "/actions done 2")
    await sweep_at(bot, clock, datetime(2026, 12, 3, 12, 0, tzinfo=UTC))  # Thu 07:00
    assert due_notes(chat, "alice") == ["Action item #1 was due 2026-12-02 (overdue): send "
                                        "the deck. Send /actions done 1 when it's done."]


async def test_an_items_default_due_day_is_a_week_after_the_meeting_on_the_owners_calendar(
        bot, chat, clock):
    # Alice (New York) moves her 1:1 with Sam (Chicago) to Wednesday 00:30 her time: it is
    # Tuesday 23:30 for Sam. An action item of Sam's given no date is due a week after the
    # meeting on Sam's calendar, Tuesday the 15th, not Wednesday the 16th (Alice's).
    await say(bot, "alice", "/1on1 move @sam 2026-12-09 00:30")
    await sweep_at(bot, clock, datetime(2026, 12, 9, 6, 1, tzinfo=UTC))
    await say(bot, "alice", "yes")
    await say(bot, "alice", "done")
    await say(bot, "alice", "Send the deck")
    assert "due 2026-12-15" in chat.last("alice"), chat.last("alice")
    await say(bot, "alice", "Book the venue @alice")  # hers: her Wednesday the 16th
    assert "due 2026-12-16" in chat.last("alice"), chat.last("alice")


async def test_after_the_meeting_a_due_date_in_chinese_numerals_or_with_a_dot_is_read(
        bot, chat, clock):
    # Grace (in Chinese) records her Monday 1:1 with Alice: '十二月十日' and '12.10前' were
    # kept in the items' words, each due a week after the meeting (2026-12-07).
    await say(bot, "grace", "/language 中文")
    await sweep_at(bot, clock, MONDAY_SLOT + timedelta(minutes=31))
    await say(bot, "grace", "是")
    await say(bot, "grace", "完成")
    await say(bot, "grace", "准备材料 十二月十日")
    assert "准备材料 — Alice Martin，截止 2026-12-10" in chat.last("grace"), chat.last("grace")
    await say(bot, "grace", "核对数据 12.10前")
    assert "核对数据 — Alice Martin，截止 2026-12-10" in chat.last("grace"), chat.last("grace")
    await say(bot, "grace", "/language en")
    await say(bot, "grace", "Book the venue by 12.10")  # 10 December or 12 October?
    assert chat.last("grace").startswith("by 12.10 could be 2026-12-10 or 2027-10-12."), \
        chat.last("grace")

"""The day a one-on-one was held, as each side is told it after the meeting (the recap,
the feedback, the feedback reminder, /1on1 history): the day it took place on the
reader's own calendar, not the date the cadence first gave it (tried as users: the
console chat and the sweep on the test's clock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.config import Settings
from tests.oneonone_support import MONDAY_SLOT, ONEONONES, sweep_at, write_org
from tests.support import say

# 李雷 (Shanghai) meets Grace (New York) on Mondays at 19:30 New York time: Tuesday 08:30
# in Shanghai.
EVENING = ONEONONES.replace('{report: li, cadence: monthly, day: tue, time: "09:00"}',
                            '{report: li, cadence: weekly, day: mon, time: "19:30"}')


@pytest.fixture
def settings(database_url, tmp_path):
    return Settings(database_url=database_url, org_file=write_org(tmp_path, EVENING))


async def record(bot, note: str) -> None:
    """Grace says the 1:1 she is asked about happened, notes it and ends the record."""
    for text in ("yes", note, "done", "done"):
        await say(bot, "grace", text)


async def test_a_meeting_moved_to_another_day_is_told_by_the_day_it_was_held(
        bot, chat, clock):
    # Friday 27 November: Alice's Monday 10:00 is moved to Wednesday 15:00.
    await say(bot, "alice", "/1on1 move @grace 2026-12-02 15:00")
    clock.set(MONDAY_SLOT + timedelta(hours=2))
    await bot.run_oneonones()
    await say(bot, "grace", "no")  # Bruno's Monday 10:00 did not happen
    await sweep_at(bot, clock, datetime(2026, 12, 2, 20, 31, tzinfo=UTC))  # Wed 15:31
    assert chat.last("grace").startswith(
        "Did your 1:1 with Alice Martin (Wed 2026-12-02 15:00 (America/New_York)) happen?")
    await record(bot, "Alice takes Boston")
    # The recap and the history had said 2026-11-30: a Monday they did not meet on.
    assert "Your 1:1 with Grace Chen on 2026-12-02:\nNotes\nAlice takes Boston" \
        in chat.to("alice")
    await say(bot, "alice", "4")
    await say(bot, "alice", "skip")
    assert chat.last("grace") == "Feedback from Alice Martin on your 1:1 of 2026-12-02: 4/5."
    for who in ("alice", "grace"):
        await say(bot, who, "/1on1 history" + (" alice" if who == "grace" else ""))
        assert "2026-12-02: Grace Chen · Alice Martin — Alice takes Boston" in chat.last(who)
        assert "2026-11-30" not in chat.last(who)
    # A week on, Grace has not rated it: reminded of Wednesday's.
    await sweep_at(bot, clock, datetime(2026, 12, 10, 15, 0, tzinfo=UTC))
    assert chat.last("grace") == ("You haven't given Alice Martin feedback on your 1:1 of "
                                  "2026-12-02 yet. How useful was it? 1 – 5.")


async def test_each_side_reads_the_day_on_their_own_calendar(bot, chat, clock):
    # Monday 19:30 in New York is Tuesday 08:30 in Shanghai, as 李雷's reminders said.
    await sweep_at(bot, clock, datetime(2026, 12, 1, 1, 1, tzinfo=UTC))  # Mon 20:01 NY
    for _ in range(2):  # Alice's and Bruno's Monday 10:00 did not happen
        await say(bot, "grace", "no")
    assert chat.last("grace").startswith(
        "Did your 1:1 with 李雷 (Mon 2026-11-30 19:30 (America/New_York)) happen?")
    await record(bot, "Q1 targets agreed")
    assert "你与Grace Chen在 2026-12-01 的一对一面谈：\n记录\nQ1 targets agreed" in chat.to("li")
    await say(bot, "grace", "5")
    await say(bot, "grace", "skip")
    assert chat.last("li") == "Grace Chen对你们 2026-12-01 一对一面谈的反馈：5/5。"
    await say(bot, "li", "4")
    await say(bot, "li", "跳过")
    assert chat.last("grace") == "Feedback from 李雷 on your 1:1 of 2026-11-30: 4/5."
    await say(bot, "li", "/1on1 history")
    assert "2026-12-01：Grace Chen · 李雷 — Q1 targets agreed" in chat.last("li")
    await say(bot, "grace", "/1on1 history li")
    assert "2026-11-30: Grace Chen · 李雷 — Q1 targets agreed" in chat.last("grace")

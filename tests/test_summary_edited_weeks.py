"""A view of several weeks marks each week edited after it ended, not only its last.

Alice submits 52,000 for 2026-W48 (Friday 27 November, New York); on Monday 30 November,
W48 over and W49's check-in not yet sent, she changes it to 45,000 with /edit. She submits
W49 on Friday 4 December. The GM's `/summary 2026-W49 last 2w` shows W48's attainment in
Alice's trend: that figure was changed after its week, and the view says so.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from io import StringIO

from tests.support import run_cli, say
from tests.test_checkin import ALICE_ANSWERS, answer_all
from tests.test_cli_views import valid

# Monday 30 November 2026, 10:00 in New York: W48 over, W49's check-in not sent yet.
MONDAY = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)


async def w48_edited_then_w49(bot, chat, clock) -> None:
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ALICE_ANSWERS)
    clock.set(MONDAY)
    await say(bot, "alice", "/edit 1")
    await say(bot, "alice", "45000")
    assert "Your check-in for 2026-W48 is updated" in chat.last("alice")
    clock.set(MONDAY + timedelta(days=4, hours=1))  # Friday 4 December, 11:00: W49
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ALICE_ANSWERS)


def alice_line(text: str) -> str:
    return next(line for line in text.splitlines() if "— " in line and "Alice Martin" in line)


async def test_an_earlier_week_of_the_view_edited_after_it_ended_is_marked(bot, chat, clock):
    await w48_edited_then_w49(bot, chat, clock)
    await say(bot, "grace", "/summary 2026-W49 last 2w")
    text = chat.last("grace")
    assert "trend ↑ (— → — → 83% → 90%)" in text  # (W48: 45,000 of 50,000 and 3 of 4)
    # W49 itself was not edited: its own mark stays off; W48's is named by its week.
    assert alice_line(text) == ("✅ Alice Martin — checked in · 2026-W48 check-in edited "
                                "2026-11-30, after the week ended")
    assert text.count("edited") == 1
    await say(bot, "grace", "/language 中文")
    await say(bot, "grace", "/summary 2026-W49 last 2w")
    assert " · 2026-W48 的签到于该周结束后的 2026-11-30 被修改" in alice_line(chat.last("grace"))


async def test_an_earlier_weeks_edit_is_in_the_exports(bot, chat, clock, settings):
    await w48_edited_then_w49(bot, chat, clock)
    code, raw = run_cli(settings, "summary", "--format", "json", "--week", "2026-W49",
                        "--weeks", "2")
    assert code == 0
    data = valid("summary", raw)
    (alice,) = [d for d in data["directors"] if d["key"] == "alice"]
    assert alice["edited_at"] is None  # (W49's own)
    # Every week of the series edited after it ended, in the reader's (Grace's) time.
    assert alice["edited_weeks"] == {"2026-W48": "2026-11-30T10:00:00-05:00"}
    assert set(alice["edited_weeks"]) <= set(data["series_weeks"])
    code, raw = run_cli(settings, "summary", "--format", "csv", "--week", "2026-W49",
                        "--weeks", "2")
    assert code == 0
    rows = {r["director"]: r for r in csv.DictReader(StringIO(raw.lstrip("\ufeff")))
            if r["row"] == "director"}
    assert rows["alice"]["edited_at"] == ""
    assert rows["alice"]["edited_weeks"] == "2026-W48"
    assert rows["bruno"]["edited_weeks"] == ""


async def test_a_week_edited_before_it_ended_is_not_marked_in_a_longer_view(bot, chat, clock):
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ALICE_ANSWERS)
    clock.advance(timedelta(days=1))  # Saturday 28 November: W48 still running
    await say(bot, "alice", "/edit 1")
    await say(bot, "alice", "45000")
    clock.set(MONDAY + timedelta(days=4, hours=1))
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ALICE_ANSWERS)
    await say(bot, "grace", "/summary 2026-W49 last 2w")
    assert "edited" not in chat.last("grace")

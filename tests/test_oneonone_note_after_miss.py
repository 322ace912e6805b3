"""`/1on1 note` when the pair's latest 1:1 did not happen, from each side.

A note goes on the latest 1:1 held. Grace, whose Monday 1:1 with Alice of 7 December did
not happen, sent `/1on1 note @alice we met on Wednesday instead` and was told "Shared note
saved.": it went on 30 November's, a week older, without a word, where `/1on1 history`
showed it. The reply now says which 1:1 it went on and why.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.config import Settings
from tests.oneonone_support import MONDAY_SLOT, sweep_at, write_org
from tests.support import say

WEEK = timedelta(days=7)


@pytest.fixture
def settings(database_url, tmp_path):
    """The test org with one-on-one rules (Grace meets Alice weekly, Mondays 10:00)."""
    return Settings(database_url=database_url, org_file=write_org(tmp_path))


async def test_a_note_after_a_missed_1on1_says_which_1on1_it_went_on(bot, chat, clock):
    await sweep_at(bot, clock, MONDAY_SLOT + timedelta(minutes=31))
    for text in ("yes", "pipeline review", "done", "done", "4", "skip"):
        await say(bot, "grace", text)
    await sweep_at(bot, clock, MONDAY_SLOT + WEEK + timedelta(minutes=31))
    await say(bot, "grace", "no")
    await say(bot, "grace", "/1on1 note @alice we met on Wednesday instead")
    assert chat.last("grace") == (
        "Shared note saved on your 1:1 of 2026-11-30, the latest held: Mon 2026-12-07 10:00 "
        "(America/New_York) did not happen.")
    await say(bot, "grace", "/1on1 history alice")
    assert "2026-11-30: Grace Chen · Alice Martin — pipeline review; we met on Wednesday " \
        "instead" in chat.last("grace")
    # Alice's side: the same, in her own words.
    await say(bot, "alice", "/1on1 note @grace private: ask about Q1")
    assert chat.last("alice") == (
        "Private note saved (only you see it) on your 1:1 of 2026-11-30, the latest held: "
        "Mon 2026-12-07 10:00 (America/New_York) did not happen.")
    # Once a later one is held, a note goes on it as before.
    await sweep_at(bot, clock, MONDAY_SLOT + 2 * WEEK + timedelta(minutes=31))
    for text in ("yes", "done", "done"):
        await say(bot, "grace", text)
    await say(bot, "grace", "/1on1 note @alice follow up")
    assert chat.last("grace") == "Shared note saved."


async def test_none_held_yet_says_why_in_english_and_chinese(bot, chat, clock):
    await sweep_at(bot, clock, MONDAY_SLOT + timedelta(minutes=31))  # never answered
    await say(bot, "grace", "/1on1 note @alice hello")
    assert chat.last("grace") == (
        "You haven't had a recorded 1:1 with Alice Martin yet: Mon 2026-11-30 10:00 "
        '(America/New_York) is not confirmed as held ("did it happen?" unanswered), and a '
        "note goes on a 1:1 that was held.")
    # 李雷's monthly 1:1 (Tue 1 December, 22:00 his time), Grace's question left unanswered.
    await sweep_at(bot, clock, datetime(2026, 12, 1, 14, 31, tzinfo=UTC))
    await say(bot, "li", "/1on1 记录 测试")
    assert chat.last("li") == (
        "你与Grace Chen还没有已记录的一对一面谈：2026-12-01 22:00（周二，Asia/Shanghai）的面谈"
        "未确认进行（“是否进行了？”尚未回答），记录只能加在已进行的面谈上。")

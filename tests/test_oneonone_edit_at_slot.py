"""The org file edited to give a pair another time at the very moment its 1:1 begins
(the clock exactly at the slot; tried as users: the org file reloaded while the bot
runs, the sweep on the test's clock). Grace and Alice, reminded at 09:45 of their Monday
10:00, were then: asked at 10:00 sharp whether a 09:30 1:1 had happened (the file saying
09:30), unanswered read overdue; reminded a second time that it "starts soon" at 10:30
(the file saying 10:30); or never asked at all, its notes with nowhere to go (the file
saying Tuesdays, or every other week). Now the meeting that had begun keeps the time it
was reminded of: one reminder, one question after it ends, nothing overdue; the new time
holds from the next meeting. A minute earlier, the edit moves that meeting as before."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.config import Settings
from bot.org import parse_org
from tests.oneonone_support import MONDAY_SLOT, ONEONONES, sweep_at, write_org
from tests.support import TEST_ORG, say

RULE = 'default: {cadence: weekly, day: mon, time: "10:00", duration: 30}'
EDITS = {"earlier": RULE.replace('"10:00"', '"09:30"'),
         "later": RULE.replace('"10:00"', '"10:30"'),
         "tuesdays": RULE.replace("day: mon", "day: tue"),
         "biweekly": RULE.replace("weekly", "biweekly")}


@pytest.fixture
def settings(database_url, tmp_path):
    """Grace (New York) meets Alice and Bruno weekly, Monday 10:00 New York time."""
    return Settings(database_url=database_url, org_file=write_org(tmp_path))


async def edited(bot, rule: str) -> None:
    """The running bot reloads the org file with the directors' rule edited."""
    org = parse_org(TEST_ORG.read_text(encoding="utf-8") + ONEONONES.replace(RULE, rule))
    bot.sync_org_to(org)
    bot.apply_org(org)
    await bot.deliver()


def of_alice(chat, key: str) -> list[str]:
    return [t for t in chat.to(key) if ("Alice Martin" in t or "Grace Chen" in t)
            and ("1:1" in t)]


@pytest.mark.parametrize("edit", list(EDITS))
async def test_the_meeting_under_way_keeps_its_time(bot, chat, clock, edit):
    await sweep_at(bot, clock, MONDAY_SLOT - timedelta(minutes=15))
    assert len(of_alice(chat, "alice")) == 1  # "starts soon: 10:00"
    chat.clear()
    clock.set(MONDAY_SLOT)  # 10:00 sharp
    await edited(bot, EDITS[edit])
    for minute in (0, 1, 15, 29):
        await sweep_at(bot, clock, MONDAY_SLOT + timedelta(minutes=minute))
    assert of_alice(chat, "grace") == [] and of_alice(chat, "alice") == [], chat.sent
    await sweep_at(bot, clock, MONDAY_SLOT + timedelta(minutes=30))
    assert of_alice(chat, "grace") == [
        "Did your 1:1 with Alice Martin (Mon 2026-11-30 10:00 (America/New_York)) happen?"]
    for text in ("yes", "done", "done"):
        await say(bot, "grace", text)
    # Asked once; the rest of the day sends nothing more of it; nothing is overdue.
    chat.clear()
    for hours in (1, 4, 23):
        await sweep_at(bot, clock, MONDAY_SLOT + timedelta(hours=hours))
    assert not any(t.startswith(("Did your 1:1 with Alice", "Your 1:1 with Alice"))
                   for t in chat.to("grace")), chat.to("grace")
    await say(bot, "grace", "/summary")
    assert "Alice Martin: one-on-one with you overdue" not in chat.last("grace")
    await say(bot, "alice", "/1on1")
    assert "next: Mon 2026-11-30" not in chat.last("alice"), chat.last("alice")


async def test_a_minute_before_the_slot_the_edit_moves_it(bot, chat, clock):
    await sweep_at(bot, clock, MONDAY_SLOT - timedelta(minutes=15))
    chat.clear()
    clock.set(MONDAY_SLOT - timedelta(minutes=1))
    await edited(bot, EDITS["later"])
    await sweep_at(bot, clock, MONDAY_SLOT + timedelta(minutes=15))
    assert [t.split("\n")[0] for t in of_alice(chat, "grace")] == [
        "Your 1:1 with Alice Martin starts soon: Mon 2026-11-30 10:30 (America/New_York)."]
    await sweep_at(bot, clock, MONDAY_SLOT + timedelta(minutes=30))
    assert not any("happen?" in t for t in of_alice(chat, "grace"))

"""A week's figures changed after the fact: the GM sees that they were, and when.

Alice submits 52,000 in 2026-W49 (Friday 4 December, New York). On Tuesday 8 December,
after the week ended, she changes it to 60,000 with /edit: the GM's /summary of W49, the
CLI's JSON and CSV say the week's check-in was edited after it ended; an edit made before
the week ended (a typo fixed on Saturday) is no news, and says nothing.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from io import StringIO

from tests.support import run_cli, say
from tests.test_checkin import ALICE_ANSWERS, answer_all
from tests.test_cli_views import valid

# Tuesday 8 December 2026, 10:00 in New York (Alice's and Grace's timezone).
TUESDAY = datetime(2026, 12, 8, 15, 0, tzinfo=UTC)
EDITED = "check-in edited 2026-12-08, after the week ended"


async def submitted_in_w49(bot, clock) -> None:
    """Alice's W49 check-in, submitted on Friday 4 December with 52,000 in revenue."""
    clock.advance(timedelta(days=7))  # Friday 4 December, 16:00 New York: W49
    await bot.run_checkins(["alice", "li"])
    await answer_all(bot, "alice", ALICE_ANSWERS)


async def edit_revenue(bot, chat, to: str) -> None:
    await say(bot, "alice", "/edit 1")
    await say(bot, "alice", to)
    assert "Your check-in for 2026-W49 is updated" in chat.last("alice")


def alice_line(text: str) -> str:
    return next(line for line in text.splitlines() if "— " in line and "Alice Martin" in line)


async def test_a_figure_changed_after_the_week_reads_edited_and_when(bot, chat, clock):
    await submitted_in_w49(bot, clock)
    clock.set(TUESDAY - timedelta(days=1))  # Monday: the week over, nothing changed yet
    await say(bot, "grace", "/summary 2026-W49")
    before = chat.last("grace")
    assert "Revenue 52,000 / 50,000 USD" in before and "edited" not in before
    clock.set(TUESDAY)
    await edit_revenue(bot, chat, "60000")
    await say(bot, "grace", "/summary 2026-W49")
    text = chat.last("grace")
    assert "Revenue 60,000 / 50,000 USD" in text
    assert alice_line(text) == f"✅ Alice Martin — checked in · {EDITED}"
    assert text.count("edited") == 1  # (Alice's block alone)
    # In Chinese too.
    await say(bot, "grace", "/language 中文")
    await say(bot, "grace", "/summary 2026-W49")
    assert "签到于本周结束后的 2026-12-08 被修改" in chat.last("grace")


async def test_an_edit_before_the_week_ended_says_nothing(bot, chat, clock):
    await submitted_in_w49(bot, clock)
    clock.advance(timedelta(days=1))  # Saturday 5 December: still W49 in New York
    await edit_revenue(bot, chat, "60000")
    clock.set(TUESDAY)
    await say(bot, "grace", "/summary 2026-W49")
    text = chat.last("grace")
    assert "Revenue 60,000 / 50,000 USD" in text
    assert alice_line(text) == "✅ Alice Martin — checked in"
    assert "edited" not in text


async def test_the_same_figure_typed_again_after_the_week_is_no_edit(bot, chat, clock):
    await submitted_in_w49(bot, clock)
    clock.set(TUESDAY)
    await edit_revenue(bot, chat, "52,000")
    await say(bot, "grace", "/summary 2026-W49")
    assert "edited" not in chat.last("grace")


async def test_the_exports_carry_when_the_week_was_edited(bot, chat, clock, settings,
                                                          monkeypatch):
    await submitted_in_w49(bot, clock)
    await answer_all(bot, "li", ["66000", "新签两家客户", "渠道冲突", "1", "拜访三家", "4"])
    clock.set(TUESDAY)
    await edit_revenue(bot, chat, "60000")
    # The command reads the system clock: make it the test's.
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    code, raw = run_cli(settings, "summary", "--format", "json", "--week", "2026-W49")
    assert code == 0
    directors = {d["key"]: d for d in valid("summary", raw)["directors"]}
    # (Grace's timezone: 10:00 in New York.)
    assert directors["alice"]["edited_at"] == "2026-12-08T10:00:00-05:00"
    assert directors["li"]["edited_at"] is None
    assert directors["alice"]["goals"]["week"][0]["actual"] == 60000
    code, raw = run_cli(settings, "summary", "--format", "csv", "--week", "2026-W49")
    assert code == 0
    rows = {r["director"]: r for r in csv.DictReader(StringIO(raw.lstrip("\ufeff")))
            if r["row"] == "director"}
    assert rows["alice"]["edited_at"] == "2026-12-08T10:00:00-05:00"
    assert rows["li"]["edited_at"] == ""



async def test_alices_own_history_and_her_teams_week_say_so_too(bot, chat, clock, settings,
                                                               monkeypatch):
    await submitted_in_w49(bot, clock)
    clock.set(TUESDAY)
    await edit_revenue(bot, chat, "60000")
    await say(bot, "alice", "/summary alice 2026-W49 last 2w")
    assert ("2026-W49 (2026-11-30 – 2026-12-06): checked in · edited 2026-12-08, after the "
            "week ended\n") in chat.last("alice")
    await say(bot, "alice", "/summary team East 2026-W49")
    assert "✅ Alice Martin — checked in · edited 2026-12-08, after the week ended\n" in \
        chat.last("alice")
    await say(bot, "li", "/summary li 2026-W49")  # (not edited: nothing said)
    assert "修改" not in chat.last("li")
    await say(bot, "li", "/checkin")
    await answer_all(bot, "li", ["66000", "新签两家客户", "渠道冲突", "1", "拜访三家", "4"])
    clock.set(TUESDAY + timedelta(days=1))  # (Wednesday 9 December in Shanghai too)
    await say(bot, "li", "/edit 1")
    await say(bot, "li", "67000")
    await say(bot, "li", "/summary li 2026-W49")
    assert "已签到（补交） · 于本周结束后的 2026-12-09 被修改" in chat.last("li")
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    code, raw = run_cli(settings, "summary", "--format", "json", "--team", "East",
                        "--week", "2026-W49")
    assert code == 0
    (alice,) = valid("summary", raw)["weeks"][0]["people"]
    assert alice["edited_at"] == "2026-12-08T10:00:00-05:00"
    code, raw = run_cli(settings, "summary", "--format", "csv", "--team", "East",
                        "--week", "2026-W49")
    (row,) = csv.DictReader(StringIO(raw.lstrip("\ufeff")))
    assert row["edited_at"] == "2026-12-08T10:00:00-05:00"

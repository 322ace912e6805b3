"""Month and quarter to date say when they add up a figure changed after its week ended.

The GM's view says a week's figure was changed after the week (and what it was), but a
director's month and quarter to date added up the new figure without a word: Alice's
2026-W44 revenue changed on 2 November (52,000 -> 45,000) left her quarter of W49 lower
than the GM read it in W45, and nothing in her block said why. Each block now says so,
once: `· quarter to date includes a figure changed after its week ended` (or `month and
quarter to date include ...` when the week is in the month too).
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from io import StringIO

from tests.support import run_cli, say
from tests.test_checkin import ALICE_ANSWERS, answer_all
from tests.test_cli_views import valid
from tests.test_summary_edited_was import edited_twice
from tests.test_summary_edited_weeks import w48_edited_then_w49
from tests.test_summary_quarter_walk import block

QUARTER = " · quarter to date includes a figure changed after its week ended"
BOTH = " · month and quarter to date include a figure changed after its week ended"
QUARTER_ZH = " · 本季度累计含周结束后被修改的数据"
BOTH_ZH = " · 本月及本季度累计含周结束后被修改的数据"
ALICE = "Alice Martin · team East"
# Monday 2 November 2026, 10:00 in New York: W44 over, W45's check-in not sent yet.
MONDAY_W45 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


async def w44_changed_then_w49(bot, chat, clock, answer: str = "1", to: str = "45000"
                               ) -> None:
    """Alice's W44 check-in (Friday 30 October) changed on Monday 2 November (question
    `answer` to `to`), then her W49 check-in (Friday 4 December)."""
    friday = clock.now()
    clock.set(friday - timedelta(weeks=4))
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ALICE_ANSWERS)
    clock.set(MONDAY_W45)
    await say(bot, "alice", f"/edit {answer}")
    await say(bot, "alice", to)
    assert "Your check-in for 2026-W44 is updated" in chat.last("alice")
    clock.set(friday + timedelta(weeks=1))
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ALICE_ANSWERS)


async def test_an_older_week_of_the_quarter_changed_after_it_ended(bot, chat, clock):
    # W44 is older than the weeks the view looks at: added up by the database.
    await w44_changed_then_w49(bot, chat, clock)
    await say(bot, "grace", "/summary 2026-W49")
    text = chat.last("grace")
    alice = block(text, ALICE)
    assert alice.count(QUARTER) == 1
    assert "month and quarter" not in alice  # (W44 is October's)
    # Hers alone of the blocks; the headline's quarter to date, which adds it up, says so
    # too (tests/test_summary_edited_headline.py).
    rest = text.replace(alice, "").splitlines()
    assert [line.split(":")[0] for line in rest if "changed after its week" in line] == \
        ["Quarter to date (2026-Q4)"]
    await say(bot, "grace", "/language 中文")
    await say(bot, "grace", "/summary 2026-W49")
    assert block(chat.last("grace"), "Alice Martin · 团队 East").count(QUARTER_ZH) == 1


async def test_a_week_of_the_trend_changed_after_it_ended(bot, chat, clock):
    await w48_edited_then_w49(bot, chat, clock)  # (W48: November's; W49: December's)
    await say(bot, "grace", "/summary 2026-W49")
    assert block(chat.last("grace"), ALICE).count(QUARTER) == 1


async def test_the_week_itself_changed_is_in_the_month_and_quarter(bot, chat, clock):
    await edited_twice(bot, chat, clock)
    await say(bot, "grace", "/summary 2026-W49")
    alice = block(chat.last("grace"), ALICE)
    assert "(116%; was 52,000 when the week ended)" in alice
    assert alice.count(BOTH) == 1 and QUARTER not in alice
    await say(bot, "grace", "/language 中文")
    await say(bot, "grace", "/summary 2026-W49")
    assert block(chat.last("grace"), "Alice Martin · 团队 East").count(BOTH_ZH) == 1
    # A history the GM reads of her (her block, then her weeks) says it too.
    await say(bot, "grace", "/language English")
    await say(bot, "grace", "/summary alice")
    assert chat.last("grace").count(BOTH) == 1


async def test_words_changed_after_the_week_are_no_figure(bot, chat, clock):
    await w44_changed_then_w49(bot, chat, clock, answer="3", to="Closed Acme and Initech")
    await say(bot, "grace", "/summary 2026-W49")
    assert "changed after its week" not in chat.last("grace")


async def test_a_figure_changed_before_its_week_ended_says_nothing(bot, chat, clock):
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ALICE_ANSWERS)
    clock.advance(timedelta(days=1))  # Saturday 28 November: W48 still running
    await say(bot, "alice", "/edit 1")
    await say(bot, "alice", "45000")
    clock.set(datetime(2026, 12, 4, 16, 0, tzinfo=UTC))
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ALICE_ANSWERS)
    await say(bot, "grace", "/summary 2026-W49")
    assert "changed after its week" not in chat.last("grace")


async def test_the_exports_say_which_periods(bot, chat, clock, settings):
    await w44_changed_then_w49(bot, chat, clock)
    code, raw = run_cli(settings, "summary", "--format", "json", "--week", "2026-W49")
    assert code == 0
    directors = {d["key"]: d for d in valid("summary", raw)["directors"]}
    assert directors["alice"]["edited_in"] == ["quarter_to_date"]
    assert directors["li"]["edited_in"] == []
    code, raw = run_cli(settings, "summary", "--format", "csv", "--week", "2026-W49")
    assert code == 0
    rows = {r["director"]: r for r in csv.DictReader(StringIO(raw.lstrip("\ufeff")))
            if r["row"] == "director"}
    assert rows["alice"]["edited_in"] == "quarter_to_date"
    assert rows["li"]["edited_in"] == ""

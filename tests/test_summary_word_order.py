"""/summary's words in any order a GM types them: `week team East` is this week's summary
of team East, `week last 4w` the last four weeks, as `team East` and `last 4w` are; two
periods that contradict each other are named back, in the GM's language. The clock is
the tests' Friday 27 November 2026 (2026-W48) in New York."""

from __future__ import annotations

import pytest

from tests.support import say


@pytest.mark.parametrize(("typed", "as_usual"), [
    ("week team East", "team East"),
    ("team East week", "team East"),
    ("week last 4w", "last 4w"),
    ("week last 4 weeks", "last 4w"),
    ("week last 2w team East", "team East last 2w"),
    ("week team East last 2w", "team East last 2w"),
    ("week this week team East", "team East this week"),
    ("week last week", "last week"),
    ("week 本周 团队 East", "team East this week"),
    ("week 上周", "last week"),
    ("week page 1", ""),
    ("page 1 week", ""),
])
async def test_the_word_week_before_other_words_is_the_weekly_summary(bot, chat, typed,
                                                                      as_usual):
    await say(bot, "grace", f"/summary {as_usual}".strip())
    expected = chat.last("grace")
    await say(bot, "grace", f"/summary {typed}")
    reply = chat.last("grace")
    assert "is not a week" not in reply and "I don't know anyone" not in reply
    assert reply == expected


async def test_week_then_a_week_still_names_the_week(bot, chat):
    """`week 47` and `week last` keep reading as the week they name."""
    await say(bot, "grace", "/summary week 47 team East")
    assert "2026-W47 (2026-11-16" in chat.last("grace") and "team East" in chat.last("grace")
    await say(bot, "grace", "/summary week yesterday")
    assert '"yesterday" is not a week' in chat.last("grace")


@pytest.mark.parametrize(("typed", "first", "second"), [
    ("this week W45", "this week", "W45"),
    ("week 2026-W45 last week", "week 2026-W45", "last week"),
    ("last 4w team East last 2w", "last 4w", "last 2w"),
    ("W45 W46", "W45", "W46"),
    ("上上周 last week", "上上周", "last week"),  # as written
])
async def test_two_periods_are_named_back_as_a_contradiction(bot, chat, typed, first, second):
    await say(bot, "grace", f"/summary {typed}")
    reply = chat.last("grace")
    assert f'"{first}" and "{second}" ask for two different periods' in reply
    assert "/summary last 4w W47" in reply


async def test_the_same_period_said_twice_is_no_contradiction(bot, chat):
    await say(bot, "grace", "/summary last week")
    expected = chat.last("grace")
    await say(bot, "grace", "/summary last week 上周")
    assert chat.last("grace") == expected


async def test_two_periods_are_told_in_chinese(bot, chat):
    await say(bot, "li", "/summary 本周 上周")
    reply = chat.last("li")
    assert "“本周”和“上周”是两个不同的时间段" in reply

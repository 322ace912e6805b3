"""Replies that were untrue or unhelpful when a person named has left the org, or a period
asked for is odd (a week years before the bot ran, more weeks than a summary covers), or a
one-on-one partner is named without @ (console chat, on the test's clock)."""

from __future__ import annotations

from tests.support import say


async def test_more_weeks_than_a_summary_covers_says_the_most_and_the_command(bot, chat):
    """`/summary last 99w` was "I didn't understand 99w": it was understood, only too
    many; the reply says the most is 12 weeks and gives the command for 12."""
    await say(bot, "grace", "/summary last 99w")
    text = chat.last("grace")
    assert "didn't understand" not in text
    assert "at most 12 weeks" in text and "/summary last 12w" in text
    await say(bot, "grace", "/summary alice last 40w")
    assert "/summary alice last 12w" in chat.last("grace")
    await say(bot, "li", "/summary 最近99周")
    text = chat.last("li")
    assert "最多显示 12 周" in text and "/summary last 12w" in text and "没看懂" not in text
    await say(bot, "grace", "/summary last 12w")  # the command offered works
    assert chat.last("grace").startswith("Summary of the last 12 weeks")

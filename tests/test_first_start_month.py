"""A fresh install started in a month's first week: the quick start's `make run` on, say,
Wednesday 2 December.

The bot never ran in November, yet its first start sent every director "Month in review
— 2026-11: Check-ins: none asked this month" and the three questions about a month it
was not there for, "no digest was sent" four times, and the GM "No kudos were given in
November 2026. A quiet month". A month before the bot first ran has no review and no
honour roll, as a week before it has no digest (tests/test_digest.py); an install that
ran in November still gets November's, however late in it it began.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from io import StringIO

from bot.app import run
from tests.support import running_since, say

# Wednesday 2 December 2026, 10:00 in New York (the org's time): after the first working
# day's 09:00, within the month's first seven days, when a bot that was down catches up.
WEDNESDAY_10AM_NY = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)


async def test_a_first_start_in_a_months_first_week_reviews_no_month_before_it(settings,
                                                                               clock):
    clock.set(WEDNESDAY_10AM_NY)
    out = StringIO()
    await run(replace(settings, console=True), stdin=StringIO("/as alice\n/monthly\n/quit\n"),
              stdout=out, clock=clock)
    text = out.getvalue()
    start_up = text[:text.index("grace> /as alice")]
    for never in ("Month in review", "Monthly review 2026-11", "Weekly digests of 2026-11",
                  "Honour roll", "月度回顾", "每周摘要"):
        assert never not in start_up, never
    # Alice is told when her first review comes: December's, at January's opening.
    monthly = text[text.index("alice> /monthly"):]
    assert ("No monthly review has been sent to you yet, so there are no questions to "
            "answer. The first, of 2026-12, comes on 2027-01-01 09:00 (your time)") in monthly


async def test_an_install_that_ran_late_in_the_month_before_still_reviews_it(bot, chat,
                                                                             clock):
    # Installed on 30 November (Grace tried /help): November is the bot's first month.
    clock.set(WEDNESDAY_10AM_NY)
    await running_since(bot, clock, ago=timedelta(days=2))
    await bot.run_honours()
    await bot.run_monthly_review()
    assert any(t.startswith("📅 Month in review — 2026-11") for t in chat.to("alice"))
    assert "Monthly review 2026-11, question 1 of 3:" in chat.last("alice")
    assert any("Honour roll — November 2026" in t for t in chat.to("grace"))


async def test_the_first_month_a_bot_runs_is_reviewed_at_the_next_months_opening(bot, chat,
                                                                                 clock):
    # The fresh install of 2 December writes its first message; December is its first
    # month, reviewed on Friday 1 January 2027, the first working day (Monday to Friday).
    clock.set(WEDNESDAY_10AM_NY)
    await say(bot, "grace", "/help")
    assert not await bot.run_monthly_review()
    assert not [t for t in chat.to("alice") if "Month in review" in t]
    clock.set(datetime(2027, 1, 1, 14, 0, tzinfo=UTC))  # Friday 1 January, 09:00 in NY
    assert await bot.run_monthly_review()
    assert any(t.startswith("📅 Month in review — 2026-12") for t in chat.to("alice"))


async def test_the_gm_of_a_fresh_install_reads_that_no_review_was_sent_not_unanswered(
        bot, chat, clock):
    """With no review of November sent (the bot first ran in December), the GM's /monthly
    read "Answers to the three monthly questions: 0 of 3 so far" and /monthly answers
    "Not answered yet: 李雷, Alice Martin, Bruno Rossi": directors blamed for questions
    they were never asked. Each view says no review went out, and why."""
    clock.set(WEDNESDAY_10AM_NY)
    await say(bot, "grace", "/monthly")
    overview = chat.last("grace")
    assert overview.startswith("📅 Month in review — 2026-11 · 3 directors")
    assert "0 of 0 so far (3 directors: no review, the bot was not running then)" in overview
    assert overview.count("· no review: the bot was not running in 2026-11") == 3
    await say(bot, "grace", "/monthly alice")
    assert chat.last("grace").endswith(
        "📝 No review of 2026-11 was sent to Alice Martin: the bot was not running then, "
        "so there are no questions to answer.")
    await say(bot, "grace", "/monthly answers")
    answers = chat.last("grace")
    assert "Not answered yet" not in answers and "0 of 0 directors answered" in answers
    await say(bot, "li", "/language en")
    await say(bot, "grace", "/language 中文")
    await say(bot, "grace", "/monthly")
    assert "3 位总监：未发送回顾，当时机器人尚未运行" in chat.last("grace")
    assert "未发送回顾：2026-11 机器人尚未运行" in chat.last("grace")
    await say(bot, "grace", "/monthly li")
    assert chat.last("grace").endswith("📝 2026-11 的回顾没有发给 李雷：当时机器人尚未运行，"
                                       "因此没有需要回答的问题。")

"""A director added to the org file while, or after, a month's reviews go out, from the
GM's side (the overview, the answers) and their own (/monthly); and the review that
reaches a director in the middle of another dialog."""

from __future__ import annotations

from datetime import timedelta

from tests.support import TEST_ORG, say
from tests.test_digest import edit_org
from tests.test_monthly_gm import NINA
from tests.test_monthly_review import DEC_1_9AM_NY, november

ANSWERS = {"alice": ("Two new logos", "Legal review", "Globex"),
           "bruno": ("Italy", "Pricing", "Milan"),
           "li": ("很好", "不好", "计划")}


def nina_joins(bot) -> None:
    edit_org(bot, TEST_ORG.read_text(encoding="utf-8").replace("people:\n",
                                                               "people:\n" + NINA, 1))


async def all_three_answer(bot) -> None:
    for key, texts in ANSWERS.items():
        if key == "bruno":
            await say(bot, key, "/monthly")
        for typed in texts:
            await say(bot, key, typed)


async def test_the_overview_names_a_director_added_after_the_reviews_apart(bot, chat, clock):
    """Nina joined on 10 December, after November's reviews went out: /answers said 3 of 3
    answered, while the overview read '3 of 4 so far' with her line as one still to
    answer. It now says she joined after the reviews went out, and counts 3 of 3."""
    november(bot)
    clock.set(DEC_1_9AM_NY)
    assert await bot.run_monthly_review()
    clock.set(DEC_1_9AM_NY + timedelta(days=9))  # Thursday 10 December
    nina_joins(bot)
    await say(bot, "grace", "/monthly")
    overview = chat.last("grace")
    assert "Answers to the three monthly questions: 0 of 3 so far (1 director joined " \
        "after the reviews went out)." in overview, overview
    [line] = [t for t in overview.splitlines() if t.startswith("• Nina Berg")]
    assert line.endswith(" · 🆕 joined after the reviews went out: no review"), line
    await all_three_answer(bot)
    await say(bot, "grace", "/monthly")
    assert "3 of 3 so far (1 director joined after the reviews went out)." \
        in chat.last("grace")
    await say(bot, "grace", "/monthly nina")
    assert chat.last("grace").endswith(
        "📝 Nina Berg joined after the reviews went out: no review was sent to them, so "
        "they have no questions to answer.")
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/monthly")
    overview = chat.last("grace")
    assert "目前 3 位中 3 位（1 位总监在回顾发出后加入）" in overview, overview
    assert "🆕 在回顾发出后加入：没有回顾" in overview, overview
    # Her own line, asked for by name, says the same in place of answers to come.
    await say(bot, "grace", "/monthly nina")
    assert chat.last("grace").endswith(
        "📝 Nina Berg 在回顾发出后才加入：没有收到这份回顾，因此没有要回答的问题。")

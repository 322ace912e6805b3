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


MON_7_10AM_NY = DEC_1_9AM_NY + timedelta(days=6, hours=1)  # after the opening's last run


async def test_a_director_added_after_the_last_opening_run_is_told_none_comes(
        bot, chat, clock):
    """Nina joined on Monday 7 December at 10:00, after that day's 09:00 run, the last of
    the opening days: no run sends November's review any more, yet /monthly promised her
    one ('yours comes'), and the GM's views waited for her all that day, so the others'
    last answers that afternoon never brought the DM that all had answered."""
    november(bot)
    clock.set(DEC_1_9AM_NY)
    assert await bot.run_monthly_review()
    clock.set(MON_7_10AM_NY - timedelta(hours=1))
    await bot.run_monthly_review()  # the 7th's run, before she joins
    clock.set(MON_7_10AM_NY)
    nina_joins(bot)
    await say(bot, "nina", "/monthly")
    assert chat.last("nina") == (
        "No monthly review has been sent to you yet, so there are no questions to answer. "
        "The first, of 2026-12, comes on 2027-01-01 15:00 (your time) with its three "
        "questions (what worked, what did not, next month's plan), and /monthly asks them "
        "then.")
    await say(bot, "grace", "/monthly answers")
    assert chat.last("grace").startswith("📝 Monthly questions — 2026-11\n0 of 3 directors")
    await all_three_answer(bot)
    assert [t for t in chat.to("grace") if t.startswith("✅")] == [
        "✅ All 3 directors have answered the 2026-11 monthly questions. Read them with "
        "/monthly answers."]
    # The next working day's run sends her nothing either.
    clock.set(MON_7_10AM_NY + timedelta(days=1, hours=-1))
    await bot.run_monthly_review()
    assert [t for t in chat.to("nina") if t.startswith("📅")] == []


async def test_a_director_added_before_the_last_opening_run_is_sent_it_then(bot, chat, clock):
    """Added on Friday 4 December, Nina is reached by Monday the 7th's 09:00 run, and
    waited for until then: /monthly says hers comes."""
    november(bot)
    clock.set(DEC_1_9AM_NY)
    assert await bot.run_monthly_review()
    clock.set(DEC_1_9AM_NY + timedelta(days=3))
    nina_joins(bot)
    await say(bot, "nina", "/monthly")
    assert "The reviews of 2026-11 are going out (until 2026-12-07): yours comes" \
        in chat.last("nina")
    await say(bot, "grace", "/monthly answers")
    assert "0 of 4 directors" in chat.last("grace")
    clock.set(MON_7_10AM_NY - timedelta(hours=1))
    assert await bot.run_monthly_review()
    assert [t for t in chat.to("nina") if t.startswith("📅")] != []


async def test_a_review_held_behind_another_dialog_says_its_questions_follow(
        bot, chat, clock):
    """Alice and 李雷 are answering their check-ins when November's review arrives: its
    questions wait (the next answer is the check-in's), but the review said nothing of
    them, as the check-in prompt and the survey invitation do when they wait."""
    november(bot)
    clock.set(DEC_1_9AM_NY - timedelta(minutes=10))
    await bot.run_checkins(["alice", "li"])
    clock.set(DEC_1_9AM_NY)
    assert await bot.run_monthly_review()
    [review] = [t for t in chat.to("alice") if t.startswith("📅 Month in review")]
    assert review.endswith(
        "You're in the middle of answering something else: the three questions follow when "
        "you've finished (or send /monthly)."), review
    [review] = [t for t in chat.to("li") if t.startswith("📅 月度回顾")]
    assert review.endswith(
        "你正在回答其他问题：答完后我会发来这三个问题（也可以发送 /monthly 开始）。"), review
    # Bruno, in no dialog, is asked at once: nothing said of waiting.
    [review] = [t for t in chat.to("bruno") if t.startswith("📅 Month in review")]
    assert "middle of answering" not in review
    assert chat.last("bruno").startswith("Monthly review 2026-11, question 1 of 3")


async def test_the_gm_s_views_read_who_was_away_once_with_a_director_added_since(
        bot, chat, clock):
    """Nina joined on 10 December, after the reviews went out. Who was away in the
    opening days (monthly_review.unsent_while_away: the away calendar, then the outbox)
    was read twice by each of the GM's views, once for the states and once more inside
    the check for those who joined since; once now, and the views read as before."""
    from tests.test_ingest_batch import statements

    november(bot)
    clock.set(DEC_1_9AM_NY)
    assert await bot.run_monthly_review()
    clock.set(DEC_1_9AM_NY + timedelta(days=9))
    nina_joins(bot)
    reads = {}
    for command in ("/monthly answers", "/monthly nina", "/monthly"):
        with statements(bot) as seen:
            await say(bot, "grace", command)
        reads[command] = sum(1 for s in seen if "FROM away_periods" in s)
    assert "Not answered yet: 李雷, Alice Martin, Bruno Rossi." in chat.to("grace")[-3]
    assert chat.to("grace")[-2].endswith(
        "📝 Nina Berg joined after the reviews went out: no review was sent to them, so "
        "they have no questions to answer.")
    assert "0 of 3 so far (1 director joined after the reviews went out)." \
        in chat.last("grace")
    # /monthly answers: who was away, once. A director's review reads the weeks they
    # were away besides (one statement: Nina's; the overview's four, and Bruno's and
    # Li's weeks never asked, for their revenue target).
    assert reads == {"/monthly answers": 1, "/monthly nina": 2, "/monthly": 7}, reads

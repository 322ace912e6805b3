"""The monthly review from the GM's side: one overview, each director's review and the
answers on demand, nothing twice across a restart.

The GM of an org got one DM per director on the first working day (each director's whole
review) and one more per director as each answered the three monthly questions: 25
directors, 50 long DMs; 300, a chat nobody could use.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.support import RecordingAdapter, restart, running_since, say
from tests.test_monthly_review import DEC_1_9AM_NY, DIRECTORS, many  # noqa: F401


def month_texts(chat: RecordingAdapter) -> list[str]:
    """What the GM was sent about November's reviews and answers."""
    return [t for t in chat.to("gm") if t.startswith(("📅", "📝"))]


async def answer_three(bot, key: str) -> None:
    for text in ("New logos", "Slow contracts", "Expand in the north"):
        await say(bot, key, f"{text} ({key})")


@pytest.fixture
def small_pages(monkeypatch):
    """Five directors a page, so that twelve fill three."""
    import handlers.monthly_gm as monthly_gm

    monkeypatch.setattr(monthly_gm, "OVERVIEW_PAGE_SIZE", 5)
    monkeypatch.setattr(monthly_gm, "ANSWERS_PAGE_SIZE", 2)


async def test_a_gm_of_many_directors_gets_one_overview_a_page_at_a_time(
        many, clock, small_pages):  # noqa: F811
    chat = RecordingAdapter()
    many.register(chat)
    clock.set(DEC_1_9AM_NY)
    assert await many.run_monthly_review()
    [overview] = month_texts(chat)
    assert overview.startswith("📅 Month in review — 2026-11 · 12 directors\n")
    # A line per director (by team: T0, T1, T10, T11, T2), the rest on the next pages.
    lines = [t for t in overview.splitlines() if t.startswith("• ")]
    assert lines[0] == "• Director 0 · T0 — check-ins 4 of 4"
    assert [t.split(" · ")[0] for t in lines] == [
        "• Director 0", "• Director 1", "• Director 10", "• Director 11", "• Director 2"]
    assert overview.endswith("Directors 1–5 of 12 · next page: /monthly page 2 · "
                             "/monthly <director> for one director's whole review · "
                             "/monthly answers for their answers")
    await say(many, "gm", "/monthly page 3")
    last = chat.last("gm")
    assert [t.split(" · ")[0] for t in last.splitlines() if t.startswith("• ")] == [
        "• Director 8", "• Director 9"]
    assert "Directors 11–12 of 12 · /monthly <director>" in last
    await say(many, "gm", "/monthly page 4")
    assert chat.last("gm") == "There is no page 4: 2026-11's overview fills 3 pages."


async def test_the_gm_reads_a_director_s_review_and_the_answers_on_demand(
        many, clock, small_pages):  # noqa: F811
    chat = RecordingAdapter()
    many.register(chat)
    clock.set(DEC_1_9AM_NY)
    assert await many.run_monthly_review()
    for key in ("d03", "d07", "d05"):
        clock.advance(timedelta(hours=1))
        await answer_three(many, key)
    # One DM says the answers are coming in; the answers are not sent one by one.
    _overview, arriving = month_texts(chat)
    assert arriving.startswith("📝 The directors' answers to the 2026-11 monthly questions "
                               "are coming in: Director 3 has answered.")
    await say(many, "gm", "/monthly answers")
    page = chat.last("gm")
    assert page.startswith("📝 Monthly questions — 2026-11\n3 of 12 directors answered, "
                           "newest first.\nDirector 5 · T5\n• What worked: New logos (d05)\n")
    assert "Director 7 · T7" in page and "Director 3" not in page
    assert "Directors 1–2 of 3 · next page: /monthly answers page 2" in page
    assert page.endswith("Not answered yet: Director 0, Director 1, Director 10, Director 11, "
                         "Director 2, Director 4, Director 6, Director 8, Director 9.")
    await say(many, "gm", "/monthly answers page 2")
    assert "Director 3 · T3\n• What worked: New logos (d03)\n• What did not: Slow contracts " \
        "(d03)\n• Plan for next month: Expand in the north (d03)" in chat.last("gm")
    # One director's whole review, with their answers or that there are none yet.
    await say(many, "gm", "/monthly d07")
    review = chat.last("gm")
    assert review.startswith("📅 Month in review — 2026-11 · Director 7\n"
                             "Check-ins: 4 of 4 weeks")
    assert review.endswith("📝 Director 7 on 2026-11:\n• What worked: New logos (d07)\n"
                           "• What did not: Slow contracts (d07)\n"
                           "• Plan for next month: Expand in the north (d07)")
    await say(many, "gm", "/monthly Director 4")
    assert chat.last("gm").endswith("📝 Director 4 has not answered the three monthly "
                                    "questions yet.")
    await say(many, "gm", "/monthly nobody")
    assert chat.last("gm").startswith("nobody is not a director in the org file.")
    # The overview says who has answered.
    await say(many, "gm", "/monthly page 2")
    assert "• Director 3 · T3 — check-ins 4 of 4 · ✓ answered" in chat.last("gm")
    assert "Answers to the three monthly questions: 3 of 12 so far." in chat.last("gm")


async def test_the_gm_is_sent_nothing_twice_after_a_restart(many, clock):  # noqa: F811
    chat = RecordingAdapter()
    many.register(chat)
    clock.set(DEC_1_9AM_NY)
    assert await many.run_monthly_review()
    await answer_three(many, "d01")
    assert len(month_texts(chat)) == 2  # the overview, and that answers are coming in
    # Restarted that afternoon: the catch-up runs the monthly review again.
    clock.advance(timedelta(hours=5))
    again = await restart(many, clock)
    assert month_texts(again) == []
    # Another director answers on the restarted bot: the GM was told already.
    await answer_three(many, "d02")
    assert month_texts(again) == [] and len(month_texts(chat)) == 2
    # The job fires the next day, and the day after a restart: still nothing.
    clock.advance(timedelta(days=1))
    assert await many.run_monthly_review()
    assert month_texts(again) == [] and len(month_texts(chat)) == 2


async def test_a_chinese_speaking_gm_reads_the_overview_in_chinese(bot, chat, clock):
    from tests.test_monthly_review import november

    november(bot)
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    clock.set(DEC_1_9AM_NY)
    assert await bot.run_monthly_review()
    [overview] = [t for t in chat.to("grace") if t.startswith("📅")]
    assert overview.startswith("📅 月度回顾 —— 2026-11 · 3 位总监\n")
    assert "• Alice Martin · East —— 签到 4 周中 4 周 · 营收 117% · 新客户 — · " \
        "⚠ 1 个反复出现的阻碍\n" in overview
    assert overview.endswith("/monthly <总监> 查看某位总监的完整回顾 · "
                             "/monthly answers 查看他们的回答")
    await say(bot, "alice", "很好")
    await say(bot, "alice", "不好")
    await say(bot, "alice", "计划")
    assert chat.last("grace").startswith("📝 总监们对 2026-11 月度问题的回答陆续到来：")
    await say(bot, "grace", "/monthly answers")
    assert chat.last("grace").startswith("📝 月度问题 —— 2026-11\n3 位总监中 1 位已回答")


async def test_the_gm_is_told_all_are_in_when_the_last_not_to_answer_leaves(
        bot, chat, clock):
    """Alice and Bruno answered November's questions; Li, the last not to, is taken out
    of the org file. /monthly answers and the overview then read "2 of 2", but the DM
    that all have answered waited for an answer that would never come: it comes with
    the edit, once."""
    from tests.support import TEST_ORG
    from tests.test_digest import edit_org
    from tests.test_monthly_review import GOAL, november

    november(bot)
    clock.set(DEC_1_9AM_NY)
    assert await bot.run_monthly_review()
    for key in ("alice", "bruno"):
        await say(bot, key, "/monthly")
        for text in ("Two new logos", "Legal review", "Push the expansion"):
            await say(bot, key, text)

    def notes() -> list[str]:
        return [t for t in chat.to("grace") if t.startswith("✅")]

    assert notes() == []
    text = TEST_ORG.read_text(encoding="utf-8") + GOAL
    without_li = text[:text.index("  - key: li\n")] + text[text.index("  - key: vera\n"):]
    edit_org(bot, without_li)
    await bot.deliver()
    assert notes() == ["✅ All 2 directors have answered the 2026-11 monthly questions. "
                       "Read them with /monthly answers."]
    await say(bot, "grace", "/monthly answers")
    assert "2 of 2 directors answered" in chat.last("grace")
    edit_org(bot, without_li.replace("Alice Martin", "Alice M."))  # once
    await bot.deliver()
    assert len(notes()) == 1


async def test_the_gm_is_told_once_when_the_answers_start_and_once_when_all_are_in(
        bot, chat, clock):
    from tests.test_monthly_review import november

    november(bot)
    clock.set(DEC_1_9AM_NY)
    assert await bot.run_monthly_review()

    def notes() -> list[str]:
        return [t for t in chat.to("grace") if t.startswith(("📝", "✅"))]

    for text in ("Two new logos", "Legal review", "Push the Globex expansion"):
        await say(bot, "alice", text)
    assert len(notes()) == 1 and notes()[0].startswith("📝 The directors' answers")
    await say(bot, "bruno", "/monthly")
    for text in ("Italy", "Pricing", "Milan"):
        await say(bot, "bruno", text)
    assert len(notes()) == 1  # Bruno's answers wait for the GM in /monthly answers
    for text in ("很好", "不好", "计划"):
        await say(bot, "li", text)
    assert notes()[1:] == ["✅ All 3 directors have answered the 2026-11 monthly questions. "
                           "Read them with /monthly answers."]
    # Li answers again (/monthly asks the questions once more): nothing new for the GM.
    await say(bot, "li", "/monthly")
    for text in ("很好", "不好", "计划"):
        await say(bot, "li", text)
    assert len(notes()) == 2


async def test_a_director_typing_the_gms_forms_of_monthly_is_told_what_it_does(bot, chat,
                                                                               clock):
    """'/monthly bruno' or '/monthly answers' from a director asked question 1 again without
    a word, as if the bot had not understood; it says what /monthly is for them (in their
    language) and asks nothing until they send it alone."""
    clock.set(DEC_1_9AM_NY)
    await running_since(bot, clock)  # running since November: a fresh install reviews none
    assert await bot.run_monthly_review()  # November's review: /monthly asks its questions
    for typed in ("/monthly bruno", "/monthly answers"):
        await say(bot, "alice", typed)
        assert chat.last("alice").startswith("As a director, /monthly takes nothing after it")
        assert "other directors' reviews are the GM's" in chat.last("alice")
    await say(bot, "li", "/monthly 2026-10")
    assert chat.last("li").startswith("作为总监，/monthly 后面不需要加任何内容")
    await say(bot, "alice", "/monthly")
    assert "As a director" not in chat.last("alice")
    assert "?" in chat.last("alice")  # the first of the three questions


async def test_a_director_typing_the_gms_forms_before_any_review_is_not_promised_questions(
        bot, chat):
    # Before any review was sent, '/monthly bruno' said it "asks you the three questions
    # about 2026-10", a month whose review never came; /monthly alone said none was sent.
    await say(bot, "alice", "/monthly bruno")
    usage, when = [m.message.text for m in chat.sent[-2:]]
    assert usage == ("As a director, /monthly takes nothing after it. The month's overview "
                     "and other directors' reviews are the GM's.")
    assert when.startswith("No monthly review has been sent to you yet")
    await say(bot, "alice", "/monthly")
    assert chat.last("alice") == when


async def test_the_gm_names_a_month_as_it_is_said_in_chinese(bot, chat, clock):
    """'/monthly 2026年11月' (as /honours takes it) is November's overview, not "2026年11月 is
    not a director"; '2026年13月' is named as no month, in the GM's language."""
    from tests.test_monthly_review import november

    november(bot)
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    clock.set(DEC_1_9AM_NY + timedelta(days=31))  # January: November is no longer "last month"
    await say(bot, "grace", "/monthly 2026年11月")
    assert chat.last("grace").startswith("📅 月度回顾 —— 2026-11 · 3 位总监\n")
    await say(bot, "grace", "/monthly 2026年11月 li")
    assert chat.last("grace").startswith("📅 月度回顾 —— 2026-11 · 李雷\n")
    await say(bot, "grace", "/monthly 2026年13月")
    assert chat.last("grace") == ("2026年13月 不是有效的月份：请写成 YYYY-MM 或 YYYY年M月，"
                                  "例如 /monthly 2026-11 或 /monthly 2026年11月。")


async def _october_with_li_away_all_november(bot, chat, clock) -> None:
    """李雷 is away from 1 November to 3 December: his review of October waits for him all
    November and is never sent. Alice answers October's questions in November."""
    clock.set(datetime(2026, 10, 30, 16, 0, tzinfo=UTC))  # Friday noon in New York
    await say(bot, "li", "/away 2026-11-01 2026-12-03")
    clock.set(datetime(2026, 11, 2, 14, 0, tzinfo=UTC))  # Monday 2 November, 09:00
    assert await bot.run_monthly_review()
    assert chat.to("li")[1:] == []  # (only the /away reply)
    clock.advance(timedelta(hours=1))
    for text in ("New logos", "Slow contracts", "Expand in the north"):
        await say(bot, "alice", text)


async def test_a_director_never_sent_the_review_is_not_waited_for_by_the_gm(bot, chat, clock):
    # Alice and Bruno answered October's questions; 李雷, away all November, was never
    # sent October's review. The GM never heard that everyone had answered, and
    # '/monthly answers' listed 李雷 as "not answered yet", as if he owed answers.
    await _october_with_li_away_all_november(bot, chat, clock)
    await say(bot, "bruno", "/monthly")
    for text in ("Italy", "Pricing", "Milan"):
        await say(bot, "bruno", text)
    # While his review waits (he may be back in November) it is said so, not counted out.
    await say(bot, "grace", "/monthly answers")
    page = chat.last("grace")
    assert page.startswith("📝 Monthly questions — 2026-10\n2 of 3 directors answered"), page
    assert page.endswith("\nAway, their review waits until they are back: 李雷."), page
    assert "Not answered yet" not in page

    def all_in() -> list[str]:
        return [t for t in chat.to("grace") if t.startswith("✅")]

    assert all_in() == []
    # December's first run: November ended with 李雷 away, his review of October is
    # never sent, and everyone who was sent it has answered: the GM is told, once.
    clock.set(DEC_1_9AM_NY)
    assert await bot.run_monthly_review()
    assert all_in() == [
        "✅ All 2 directors sent the review have answered the 2026-10 monthly questions. "
        "Not sent (away until 2026-11 ended): 李雷. Read them with /monthly answers."]
    clock.advance(timedelta(days=1))
    assert await bot.run_monthly_review()
    assert len(all_in()) == 1
    await say(bot, "grace", "/monthly 2026-10 answers")
    page = chat.last("grace")
    assert page.startswith("📝 Monthly questions — 2026-10\n2 of 2 directors answered, "
                           "newest first."), page
    assert page.endswith("\nNot sent the review (away until 2026-11 ended), no questions to "
                         "answer: 李雷."), page
    assert "Not answered yet" not in page
    await say(bot, "grace", "/monthly 2026-10")
    assert "Answers to the three monthly questions: 2 of 2 so far (1 review not sent: away)." \
        in chat.last("grace")
    # In Chinese.
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/monthly 2026-10 answers")
    page = chat.last("grace")
    assert page.startswith("📝 月度问题 —— 2026-10\n2 位总监中 2 位已回答"), page
    assert page.endswith("\n未收到回顾（休假到 2026-11 结束），没有要回答的问题：李雷。"), page
    await say(bot, "grace", "/monthly 2026-10")
    assert "三个月度问题的回答：目前 2 位中 2 位（1 份回顾因休假未发送）。" in chat.last("grace")


async def test_the_last_answer_after_a_review_was_dropped_tells_the_gm_all_are_in(
        bot, chat, clock):
    # Bruno answers October's last question on 1 December, just after the run that knows
    # 李雷's review of October was never sent: the GM (reading Chinese) is told then, once.
    await _october_with_li_away_all_november(bot, chat, clock)
    clock.set(DEC_1_9AM_NY - timedelta(days=1))
    await say(bot, "bruno", "/monthly")
    await say(bot, "bruno", "Italy")
    clock.set(DEC_1_9AM_NY - timedelta(minutes=30))
    await say(bot, "bruno", "Pricing")
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    clock.set(DEC_1_9AM_NY)
    assert await bot.run_monthly_review()

    def all_in() -> list[str]:
        return [t for t in chat.to("grace") if t.startswith("✅")]

    assert all_in() == []  # Bruno has not answered yet
    clock.advance(timedelta(minutes=10))
    await say(bot, "bruno", "Milan")  # October's third question, asked at 08:30
    assert chat.to("bruno")[-2].startswith("Thank you")
    assert all_in() == ["✅ 收到回顾的全部 2 位总监都已回答 2026-10 月度问题。"
                        "未发送回顾（休假到 2026-11 结束）：李雷。用 /monthly answers 阅读。"]
    clock.advance(timedelta(days=1))
    assert await bot.run_monthly_review()
    assert len(all_in()) == 1


NINA = """  - key: nina
    name: Nina Berg
    role: director
    manager: grace
    team: North
    timezone: Europe/Oslo
    locale: en
    slack_id: U0NINA
"""


async def test_a_director_added_after_the_reviews_went_out_is_not_waited_for(bot, chat, clock):
    """Nina joined the org on 10 December, after November's reviews went out: she was sent
    no review and no questions, yet the GM was never told that all directors had answered,
    and `/monthly answers` listed her as not answered yet. Only those sent one count."""
    from tests.support import TEST_ORG
    from tests.test_digest import edit_org
    from tests.test_monthly_review import november

    november(bot)
    clock.set(DEC_1_9AM_NY)
    assert await bot.run_monthly_review()
    clock.set(DEC_1_9AM_NY + timedelta(days=9))  # Thursday 10 December, the opening over
    text = TEST_ORG.read_text(encoding="utf-8").replace("people:\n", "people:\n" + NINA, 1)
    edit_org(bot, text)
    assert not await bot.run_monthly_review()  # nothing goes to Nina for November
    assert [t for t in chat.to("nina") if t.startswith("📅")] == []
    for key, texts in (("alice", ("Two new logos", "Legal review", "Globex")),
                       ("bruno", ("Italy", "Pricing", "Milan")),
                       ("li", ("很好", "不好", "计划"))):
        if key == "bruno":
            await say(bot, key, "/monthly")
        for typed in texts:
            await say(bot, key, typed)
    assert [t for t in chat.to("grace") if t.startswith("✅")] == [
        "✅ All 3 directors have answered the 2026-11 monthly questions. Read them with "
        "/monthly answers."]
    await say(bot, "grace", "/monthly answers")
    page = chat.last("grace")
    assert page.startswith("📝 Monthly questions — 2026-11\n3 of 3 directors answered"), page
    assert "Nina" not in page


def _without_alice(bot) -> None:
    """Alice is taken out of the org file (her goal with her; Sam reports to Grace)."""
    from tests.support import TEST_ORG
    from tests.test_digest import edit_org

    text = TEST_ORG.read_text(encoding="utf-8")
    text = text[:text.index("  - key: alice\n")] + text[text.index("  - key: bruno\n"):]
    edit_org(bot, text.replace("manager: alice", "manager: grace"))


async def test_a_past_month_keeps_a_director_who_has_left_since(bot, chat, clock):
    """Alice led East all November and checked in every week; her review went out on
    1 December and the GM's overview had her line. Taken out of the org file on the 10th,
    she vanished from /monthly 2026-11 (2 directors, as if November had had two) and
    /monthly 2026-11 alice said she was no director: history rewritten by a later edit.
    Her line stays, with November's numbers, marked as no longer in the org file, and
    her review reads as it did; she is not waited for to answer."""
    from tests.test_monthly_review import november

    november(bot)
    clock.set(DEC_1_9AM_NY)
    assert await bot.run_monthly_review()
    [sent] = [t for t in chat.to("grace") if t.startswith("📅")]
    line = "• Alice Martin · East — check-ins 4 of 4 · Revenue 117% · New customers — · " \
        "⚠ 1 recurring blocker"
    assert line + "\n" in sent
    clock.advance(timedelta(days=9))
    _without_alice(bot)
    await say(bot, "grace", "/monthly 2026-11")
    overview = chat.last("grace")
    assert overview.startswith("📅 Month in review — 2026-11 · 3 directors\n"), overview
    # Her numbers of then (her goal is gone from the org file: her revenue against the
    # weekly targets her check-ins asked), marked; not waited for.
    assert "• Alice Martin · East — check-ins 4 of 4 · Revenue " in overview, overview
    alice = next(t for t in overview.splitlines() if t.startswith("• Alice Martin"))
    assert alice.endswith(" · no longer in the org file"), alice
    assert "Answers to the three monthly questions: 0 of 2 so far (1 director no longer " \
        "in the org file)." in overview, overview
    await say(bot, "grace", "/monthly 2026-11 alice")
    review = chat.last("grace")
    assert review.startswith("📅 Month in review — 2026-11 · Alice Martin\n"
                             "Check-ins: 4 of 4 weeks"), review
    assert "Recurring blockers\n• Legal review delays contracts — in 2 weeks" in review
    assert review.endswith("📝 Alice Martin is no longer in the org file and did not answer "
                           "the three monthly questions."), review
    await say(bot, "grace", "/monthly 2026-11 Alice Martin")  # by the name she had
    assert chat.last("grace") == review
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/monthly 2026-11")
    alice = next(t for t in chat.last("grace").splitlines() if t.startswith("• Alice Martin"))
    assert alice.endswith(" · 已不在组织文件中"), alice
    # A month she was not in (nothing asked of her in October) does not list her.
    await say(bot, "grace", "/monthly 2026-10")
    assert "Alice Martin" not in chat.last("grace")


async def test_a_leaver_s_answers_stay_in_the_month_s_answers(bot, chat, clock):
    """Alice answered November's three questions, then left: /monthly answers lost her
    answers and the overview its ✓ (1 of 2), though she gave them."""
    from tests.test_monthly_review import november

    november(bot)
    clock.set(DEC_1_9AM_NY)
    assert await bot.run_monthly_review()
    for text in ("Two new logos", "Legal review", "Push the expansion"):
        await say(bot, "alice", text)
    _without_alice(bot)
    await say(bot, "grace", "/monthly answers")
    page = chat.last("grace")
    assert page.startswith("📝 Monthly questions — 2026-11\n1 of 3 directors answered"), page
    assert "• What worked: Two new logos" in page
    await say(bot, "grace", "/monthly")
    overview = chat.last("grace")
    assert "Answers to the three monthly questions: 1 of 3 so far." in overview, overview
    alice = next(t for t in overview.splitlines() if t.startswith("• Alice Martin"))
    assert alice.endswith(" · ✓ answered · no longer in the org file"), alice
    await say(bot, "grace", "/monthly alice")
    assert chat.last("grace").endswith("• Plan for next month: Push the expansion")


async def test_a_skipped_monthly_question_reads_as_skipped_not_answered(bot, chat, clock):
    """Bruno skips all three monthly questions (/skip, as README offers: "shown to the GM
    as skipped"); Li answers one and skips two. The overview gave Bruno "✓ answered" and
    counted him among "3 of 3" who answered, and the DM said all three directors had
    answered, though Bruno answered nothing. Now: Bruno's line says he skipped them and he
    is counted apart; Li's says how many he skipped; the DM says who skipped them all."""
    from tests.test_monthly_review import november

    november(bot)
    clock.set(DEC_1_9AM_NY)
    assert await bot.run_monthly_review()
    await say(bot, "bruno", "/monthly")
    for _ in range(3):
        await say(bot, "bruno", "/skip")
    # Nothing answered yet: the GM is not told answers are coming in, "Bruno has answered".
    assert not [t for t in chat.to("grace") if t.startswith("📝")]
    for text in ("Two new logos", "Legal review", "Push the expansion"):
        await say(bot, "alice", text)
    [arriving] = [t for t in chat.to("grace") if t.startswith("📝")]
    assert "coming in: Alice Martin has answered." in arriving, arriving
    for text in ("很好", "跳过", "跳过"):
        await say(bot, "li", text)
    [note] = [t for t in chat.to("grace") if t.startswith("✅")]
    assert note == ("✅ All 3 directors have been through the 2026-11 monthly questions: 2 "
                    "answered, and Bruno Rossi skipped all three. Read them with /monthly "
                    "answers."), note
    await say(bot, "grace", "/monthly")
    overview = chat.last("grace")
    lines = {t.split(" · ")[0][2:]: t for t in overview.splitlines() if t.startswith("• ")}
    assert lines["Alice Martin"].endswith(" · ✓ answered"), lines
    assert lines["Bruno Rossi"].endswith(" · ⏭ skipped all three questions"), lines
    assert lines["李雷"].endswith(" · ✓ answered (2 of 3 skipped)"), lines
    assert "Answers to the three monthly questions: 2 of 3 so far (1 director skipped all " \
        "three)." in overview, overview
    await say(bot, "grace", "/monthly answers")
    page = chat.last("grace")
    assert page.startswith("📝 Monthly questions — 2026-11\n2 of 3 directors answered (1 "
                           "skipped all three), newest first.\n"), page
    assert "Bruno Rossi · Europe\n• What worked: (skipped)\n" in page
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/monthly")
    overview = chat.last("grace")
    lines = {t.split(" · ")[0][2:]: t for t in overview.splitlines() if t.startswith("• ")}
    assert lines["Bruno Rossi"].endswith(" · ⏭ 三个问题都已跳过"), lines
    assert lines["李雷"].endswith(" · ✓ 已回答（跳过 3 个中的 2 个）"), lines
    assert "目前 3 位中 2 位（1 位总监三个问题都跳过了）。" in overview, overview
    await say(bot, "grace", "/monthly answers")
    assert chat.last("grace").startswith(
        "📝 月度问题 —— 2026-11\n3 位总监中 2 位已回答（1 位三个问题都跳过了），最新的在前。")


async def test_a_past_month_names_a_director_with_the_team_they_led_then(bot, chat, clock):
    """Alice led East all November; in December the org file moves her to Europe. The
    GM's /monthly 2026-11 listed her under Europe (today's team), sorted among Europe's,
    though November's check-ins, its summary and its honour roll all have her in East."""
    from tests.support import TEST_ORG
    from tests.test_digest import edit_org
    from tests.test_monthly_review import GOAL, november

    november(bot)
    clock.set(DEC_1_9AM_NY)
    assert await bot.run_monthly_review()
    clock.advance(timedelta(days=9))
    text = TEST_ORG.read_text(encoding="utf-8") + GOAL
    start = text.index("  - key: alice\n")
    moved = text[:start] + text[start:].replace("team: East", "team: Europe", 1)
    edit_org(bot, moved)
    with bot.unit() as ctx:
        assert ctx.people.by_key("alice").team == "Europe"  # (a guard)
    await say(bot, "grace", "/monthly 2026-11")
    overview = chat.last("grace")
    names = [t.split(" — ")[0] for t in overview.splitlines() if t.startswith("• ")]
    assert names == ["• 李雷 · China", "• Alice Martin · East", "• Bruno Rossi · Europe"], \
        names
    await say(bot, "alice", "/monthly")
    for text in ("Two new logos", "Legal review", "Push the expansion"):
        await say(bot, "alice", text)
    await say(bot, "grace", "/monthly 2026-11 answers")
    assert "\nAlice Martin · East\n• What worked: Two new logos" in chat.last("grace")
    # December (in progress) has her in Europe, where she is now.
    await say(bot, "grace", "/monthly this month")
    assert "• Alice Martin · Europe — " in chat.last("grace")


async def test_a_past_month_keeps_a_director_who_is_no_longer_one(bot, chat, clock):
    """Bruno led Europe through November and checked in every week; on 10 December the
    org file makes him a member (he no longer leads a team). /monthly 2026-11 dropped him
    (2 directors), and /monthly 2026-11 bruno said he was no director: November had him
    as one. His line stays, with his numbers (against the targets his check-ins asked:
    the org file gives a member none), marked; he is not waited for (a member is asked
    no monthly questions)."""
    from tests.support import TEST_ORG
    from tests.test_digest import edit_org
    from tests.test_goals import answer_kpi
    from tests.test_monthly_review import GOAL, november

    november(bot)
    from bot.questions import kpi_question

    asked = [kpi_question("revenue", {"en": "Revenue"}, "USD", 40_000).to_dict()]
    for week in ("2026-W45", "2026-W46", "2026-W47", "2026-W48"):
        answer_kpi(bot, "bruno", week, 40_000)
        with bot.unit() as ctx:  # asked at his target then, as a check-in stores it
            ctx.checkins.round_for(ctx.people.by_key("bruno"), week).questions = asked
    clock.set(DEC_1_9AM_NY)
    assert await bot.run_monthly_review()
    clock.advance(timedelta(days=9))
    text = TEST_ORG.read_text(encoding="utf-8") + GOAL
    start = text.index("  - key: bruno\n")
    end = text.index("  - key: li\n")
    bruno = text[start:end].replace("role: director", "role: member")
    bruno = bruno[:bruno.index("    kpis:")]
    edit_org(bot, text[:start] + bruno + text[end:])
    await say(bot, "grace", "/monthly 2026-11")
    overview = chat.last("grace")
    assert overview.startswith("📅 Month in review — 2026-11 · 3 directors\n"), overview
    line = next(t for t in overview.splitlines() if t.startswith("• Bruno Rossi"))
    assert line == "• Bruno Rossi · Europe — check-ins 4 of 4 · Revenue 100% · no longer a " \
        "director", line
    assert "Answers to the three monthly questions: 0 of 2 so far (1 no longer a " \
        "director)." in overview, overview
    await say(bot, "grace", "/monthly 2026-11 bruno")
    review = chat.last("grace")
    assert review.startswith("📅 Month in review — 2026-11 · Bruno Rossi\nCheck-ins: 4 of 4"), \
        review
    assert review.endswith("📝 Bruno Rossi is no longer a director and did not answer the "
                           "three monthly questions."), review
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/monthly 2026-11")
    overview = chat.last("grace")
    assert next(t for t in overview.splitlines() if t.startswith("• Bruno Rossi")) \
        .endswith(" · 已不再是总监"), overview
    assert "（1 位已不再是总监）" in overview, overview
    await say(bot, "grace", "/monthly 2026-11 bruno")
    assert chat.last("grace").endswith("📝 Bruno Rossi 已不再是总监，没有回答三个月度问题。")


def _month_reads(statements: list[str]) -> tuple[int, int]:
    """Of the statements an overview sent: its reads of the month's check-in rounds across
    people (not one director's or the page's directors', nor one round's), and its reads
    of when the bot first ran (storage.digest.first_run: the first row of three tables)."""
    import re

    across = sum(1 for s in statements if "checkin_rounds" in s and not re.search(
        r'person_id = |person_id IN|key"? IN|checkin_rounds\.id IN|LIMIT', s))
    first_run = sum(1 for s in statements
                    if re.search(r"FROM (checkin_rounds|digests|outbox) ORDER BY \w+\.id", s))
    return across, first_run


async def test_the_overview_reads_the_month_s_rounds_and_first_run_once(bot, chat, clock):
    """November: Alice checked in every week, then left the org file; Bruno missed one
    week's check-in; 李雷 was asked none. The GM's /monthly 2026-11 read the month's rounds
    twice (once for who was a director then, once for their teams then) and worked out
    three times over, twice, whether the bot first ran after November. Each is read once
    now, and the overview reads as it did."""
    from tests.test_goals import answer_kpi
    from tests.test_ingest_batch import statements
    from tests.test_monthly_review import november

    november(bot)
    for week in ("2026-W45", "2026-W46", "2026-W48"):
        answer_kpi(bot, "bruno", week, 30_000)
    with bot.unit() as ctx:  # asked W47, never answered
        ctx.checkins.create_round(ctx.people.by_key("bruno"), "2026-W47", [], DEC_1_9AM_NY)
    clock.set(DEC_1_9AM_NY)
    assert await bot.run_monthly_review()
    clock.advance(timedelta(days=9))
    _without_alice(bot)
    with statements(bot) as seen:
        await say(bot, "grace", "/monthly 2026-11")
    assert chat.last("grace") == (
        "📅 Month in review — 2026-11 · 3 directors\n"
        "Each director has their month in review; attainment is of the month's target. "
        "Answers to the three monthly questions: 0 of 2 so far (1 director no longer in "
        "the org file).\n"
        "• 李雷 · China — no check-ins asked · Revenue —\n"
        "• Alice Martin · East — check-ins 4 of 4 · Revenue 25% · ⚠ 1 recurring blocker · "
        "no longer in the org file\n"
        "• Bruno Rossi · Europe — check-ins 3 of 4 · Revenue 56%\n"
        "/monthly <director> for one director's whole review · /monthly answers for their "
        "answers")
    assert _month_reads(seen) == (1, 3)

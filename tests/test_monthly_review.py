"""The monthly review: once on the first working day, across a restart, with three questions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core import TeamPulse
from bot.org import parse_org
from bot.scheduler import start_scheduler
from handlers.monthly_review import recurring_blockers
from tests.support import TEST_ORG, RecordingAdapter, say
from tests.test_goals import answer_kpi

DEC_1_9AM_NY = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)  # Tuesday, first working day
GOAL = "goals:\n  - {metric: revenue, period: 2026-Q4, person: alice, target: 150000}\n"


def answer_text(bot, key: str, week: str, question: str, text: str) -> None:
    with bot.unit() as ctx:
        rnd = ctx.checkins.round_for(ctx.people.by_key(key), week)
        ctx.checkins.save_answer(rnd, question, text=text, number=None, skipped=False,
                                 now=DEC_1_9AM_NY)


def november(bot) -> None:
    bot.org = parse_org(TEST_ORG.read_text(encoding="utf-8") + GOAL)
    for week, value in (("2026-W45", 10_000), ("2026-W46", 20_000), ("2026-W47", 5_000),
                        ("2026-W48", 15_000)):
        answer_kpi(bot, "alice", week, value)
    answer_text(bot, "alice", "2026-W46", "blockers", "Legal review delays contracts")
    answer_text(bot, "alice", "2026-W47", "blockers", "Hiring")
    answer_text(bot, "alice", "2026-W48", "blockers", "legal review delays contracts!")
    answer_text(bot, "alice", "2026-W47", "support_type", "budget")
    answer_text(bot, "alice", "2026-W47", "support_detail", "Trade show booth")


def test_recurring_blockers_are_the_same_blocker_in_several_weeks():
    assert recurring_blockers([("W1", "Pricing approval"), ("W2", "hiring"),
                               ("W3", "pricing approval."), ("W4", "Slow pricing approval")
                               ]) == [("Pricing approval", 3)]


async def test_the_month_in_review_goes_out_once_with_three_questions(bot, chat, clock):
    november(bot)
    clock.set(DEC_1_9AM_NY - timedelta(minutes=1))
    assert not await bot.run_monthly_review()
    assert chat.to("alice") == []
    clock.set(DEC_1_9AM_NY)
    assert await bot.run_monthly_review()
    review, digests, question = chat.to("alice")
    assert review.startswith("📅 Month in review — 2026-11\nCheck-ins: 4 of 5 weeks")
    assert digests.startswith("📬 Weekly digests of 2026-11 · team East")
    # November's share of the quarter's target: 21 of Q4's 66 working days.
    assert "• Revenue: 50,000 of 47,727 USD (105% of the month's target)" in review
    # Q4 to date: 50k of a plan of 97,727; 100k to go over 23 working days.
    assert "Quarter 2026-Q4: behind; pace needed 21,739 a week" in review
    assert "Best week 2026-W46 (20,000), worst 2026-W47 (5,000)" in review
    assert "Recurring blockers\n• Legal review delays contracts — in 2 weeks" in review
    assert "Support requested\n• 2026-W47: Budget — Trade show booth" in review
    assert question == ("Monthly review 2026-11, question 1 of 3:\n"
                        "What worked well this month?")
    gm = chat.to("grace")
    assert any(t.startswith("📅 Month in review — 2026-11 · Alice Martin") for t in gm)
    li = chat.last("li")
    assert li.startswith("2026-11 月度回顾，第 1 / 3 题")
    # The job fires again: nothing is sent twice.
    count = len(chat.sent)
    assert await bot.run_monthly_review()
    assert len(chat.sent) == count
    # Alice answers; her answers reach the GM.
    await say(bot, "alice", "Two new logos")
    assert chat.last("alice").endswith("What did not work, and why?")
    await say(bot, "alice", "Legal review")
    await say(bot, "alice", "Push the Globex expansion")
    assert chat.last("alice").startswith("Thank you")
    assert chat.last("grace") == ("📝 Alice Martin on 2026-11:\n"
                                  "• What worked: Two new logos\n"
                                  "• What did not: Legal review\n"
                                  "• Plan for next month: Push the Globex expansion")


async def test_a_restart_on_the_day_sends_the_review_once(bot, chat, clock):
    november(bot)
    clock.set(DEC_1_9AM_NY)
    await bot.run_monthly_review()
    sent = len(chat.to("alice"))
    again = TeamPulse(bot.settings, bot.org, bot.engine, clock=clock)
    second = RecordingAdapter()
    again.register(second)
    scheduler = await start_scheduler(again, again.engine)
    try:
        job = scheduler.get_job("monthly-review")
        assert "day='1-3', day_of_week='mon-fri', hour='9'" in str(job.trigger)
    finally:
        scheduler.shutdown(wait=False)
    await again.drain()  # the start-up catch-up runs in the background, once running
    assert second.to("alice") == []
    assert not [t for t in second.to("grace") if "Month in review" in t]
    assert len(chat.to("alice")) == sent


async def test_restarting_on_the_day_before_the_job_ran_sends_it(bot, clock):
    november(bot)
    clock.set(DEC_1_9AM_NY + timedelta(hours=1))
    again = TeamPulse(bot.settings, bot.org, bot.engine, clock=clock)
    chat = RecordingAdapter()
    again.register(chat)
    scheduler = await start_scheduler(again, again.engine)
    scheduler.shutdown(wait=False)
    await again.drain()  # the start-up catch-up runs in the background, once running
    assert chat.to("alice")[0].startswith("📅 Month in review — 2026-11")

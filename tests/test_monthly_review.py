"""The monthly review: once on the first working day, across a restart, with three questions."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.app import prepare
from bot.core import TeamPulse
from bot.org import parse_org
from bot.scheduler import start_scheduler
from handlers.monthly_review import recurring_blockers
from tests.support import TEST_ORG, RecordingAdapter, restart, running_since, say
from tests.test_goals import answer_kpi

DEC_1_9AM_NY = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)  # Tuesday, first working day
GOAL = "goals:\n  - {metric: revenue, period: 2026-Q4, person: alice, target: 150000}\n"


def answer_text(bot, key: str, week: str, question: str, text: str) -> None:
    with bot.unit() as ctx:
        rnd = ctx.checkins.round_for(ctx.people.by_key(key), week)
        ctx.checkins.save_answer(rnd, question, text=text, number=None, skipped=False,
                                 now=DEC_1_9AM_NY)


def missed(bot, key: str, *weeks: str) -> None:
    """Check-ins asked and never answered (the round and its prompt, as a run makes them)."""
    with bot.unit() as ctx:
        person = ctx.people.by_key(key)
        for week in weeks:
            rnd = ctx.checkins.create_round(person, week, [], DEC_1_9AM_NY)
            rnd.prompted_at = DEC_1_9AM_NY


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


async def test_a_count_goal_s_small_pace_is_not_rounded_to_0_a_week(bot, chat, clock):
    """Alice's Q4 goal of 20 new customers, 18 won by November's end: 2 to go over the
    quarter's 25 working days left is 0.4 a week, which the review read 'pace needed 0 a
    week', as if nothing more were needed."""
    bot.org = parse_org(TEST_ORG.read_text(encoding="utf-8") + "goals:\n  - {metric: "
                        "new_customers, period: 2026-Q4, person: alice, target: 20}\n")
    answer_kpi(bot, "alice", "2026-W47", 10, "new_customers")
    answer_kpi(bot, "alice", "2026-W48", 8, "new_customers")
    clock.set(DEC_1_9AM_NY)
    assert await bot.run_monthly_review()
    review = chat.to("alice")[0]
    assert "Quarter 2026-Q4: on track; pace needed 0.4 a week" in review


def test_recurring_blockers_are_the_same_blocker_in_several_weeks():
    assert recurring_blockers([("W1", "Pricing approval"), ("W2", "hiring"),
                               ("W3", "pricing approval."), ("W4", "Slow pricing approval")
                               ]) == [("Pricing approval", 3)]


def test_a_month_of_no_blockers_is_no_recurring_blocker():
    # 'none' four weeks running had been two recurring blockers, "none" and "无", and a
    # 'no' had been found inside 'Pricing not approved'; the same blocker in other words
    # is one, as /summary reads it.
    assert recurring_blockers([("W1", "none"), ("W2", "None."), ("W3", "无"), ("W4", "无"),
                               ("W5", "No blockers this week")]) == []
    assert recurring_blockers([("W1", "no"), ("W2", "Pricing not approved")]) == []
    assert recurring_blockers([("W1", "approval of pricing"), ("W2", "no"),
                               ("W3", "Pricing approval slow")]) == [("approval of pricing", 2)]


async def test_the_gm_is_not_warned_of_a_recurring_blocker_that_is_none(bot, chat, clock):
    """Bruno answered 'none' and '无' to the blockers question all November: the GM's
    overview flagged "⚠ 2 recurring blockers" beside him, and his review listed "none" and
    "无" under Recurring blockers."""
    november(bot)
    for week, text in (("2026-W45", "none"), ("2026-W46", "None"), ("2026-W47", "无"),
                       ("2026-W48", "无")):
        answer_kpi(bot, "bruno", week, 40_000)
        answer_text(bot, "bruno", week, "blockers", text)
    clock.set(DEC_1_9AM_NY)
    assert await bot.run_monthly_review()
    [overview] = [t for t in chat.to("grace") if t.startswith("📅")]
    [bruno] = [line for line in overview.splitlines() if line.startswith("• Bruno Rossi")]
    assert "recurring blocker" not in bruno
    assert "⚠ 1 recurring blocker" in next(line for line in overview.splitlines()
                                           if line.startswith("• Alice Martin"))
    assert "Recurring blockers" not in chat.to("bruno")[0]


async def test_the_month_in_review_goes_out_once_with_three_questions(bot, chat, clock):
    november(bot)
    clock.set(DEC_1_9AM_NY - timedelta(minutes=1))
    assert not await bot.run_monthly_review()
    assert chat.to("alice") == []
    clock.set(DEC_1_9AM_NY)
    assert await bot.run_monthly_review()
    review, digests, question = chat.to("alice")
    assert review.startswith("📅 Month in review — 2026-11\nCheck-ins: 4 of 4 weeks")
    assert digests.startswith("📬 Weekly digests of 2026-11 · team East")
    # November's share of the quarter's target: 4 of Q4's 14 weeks (W45 to W48, whose
    # Thursdays November holds; a week counts whole in its Thursday's month).
    assert "• Revenue: 50,000 of 42,857 USD (117% of the month's target)" in review
    # She gave no new-customers figure all month: unknown, not '0 of 18 (0%)'.
    assert "• New customers: no figures this month (target " in review
    # Q4 to date: 50k of a plan of 96,429; 100k to go over 25 working days.
    assert "Quarter 2026-Q4: behind; pace needed 20,000 a week" in review
    assert "Best week 2026-W46 (20,000), worst 2026-W47 (5,000)" in review
    assert "Recurring blockers\n• Legal review delays contracts — in 2 weeks" in review
    assert "Support requested\n• 2026-W47: Budget — Trade show booth" in review
    assert question == ("Monthly review 2026-11, question 1 of 3:\n"
                        "What worked well this month?")
    # The GM gets one overview of the month, not each director's review.
    [overview] = [t for t in chat.to("grace") if t.startswith("📅")]
    assert overview.startswith("📅 Month in review — 2026-11 · 3 directors\n")
    assert "• Alice Martin · East — check-ins 4 of 4 · Revenue 117% · New customers — · " \
        "⚠ 1 recurring blocker\n" in overview
    li = chat.last("li")
    assert li.startswith("2026-11 月度回顾，第 1 / 3 题")
    # The job fires again: nothing is sent twice.
    count = len(chat.sent)
    assert await bot.run_monthly_review()
    assert len(chat.sent) == count
    # Alice answers; the GM is told the answers are coming in, and reads them on demand.
    await say(bot, "alice", "Two new logos")
    assert chat.last("alice").endswith("What did not work, and why?")
    await say(bot, "alice", "Legal review")
    await say(bot, "alice", "Push the Globex expansion")
    assert chat.last("alice").startswith("Thank you")
    assert chat.last("grace").startswith(
        "📝 The directors' answers to the 2026-11 monthly questions are coming in: "
        "Alice Martin has answered. Read them with /monthly answers")
    await say(bot, "grace", "/monthly alice")
    assert chat.last("grace").endswith("📝 Alice Martin on 2026-11:\n"
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
        assert "day_of_week='mon-fri', hour='9'" in str(job.trigger)
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


async def test_down_all_the_first_working_day_the_review_goes_out_on_the_next_start(
        bot, clock, monkeypatch):
    november(bot)
    clock.set(DEC_1_9AM_NY + timedelta(days=1, hours=3))  # back on Wednesday at noon
    chat = await restart(bot, clock)
    assert chat.to("alice")[0].startswith("📅 Month in review — 2026-11")
    assert chat.last("alice").startswith("Monthly review 2026-11, question 1 of 3")
    # The job on Thursday builds nobody's review again: each is recorded already.
    from handlers import monthly_review

    built: list[str] = []
    real = monthly_review.build_review
    monkeypatch.setattr(monthly_review, "build_review",
                        lambda ctx, person, *a, **k: built.append(person.key) or
                        real(ctx, person, *a, **k))
    clock.advance(timedelta(days=1))
    sent = len(chat.sent)
    assert await bot.run_monthly_review()
    assert built == [] and len(chat.sent) == sent
    clock.set(datetime(2026, 12, 8, 14, 0, tzinfo=UTC))  # the second week: not any more
    assert not await bot.run_monthly_review()


# --- a month of many directors ---------------------------------------------------------

DIRECTORS = [f"d{i:02d}" for i in range(12)]
NOVEMBER = ["2026-W45", "2026-W46", "2026-W47", "2026-W48"]


@pytest.fixture
def many(settings, tmp_path, clock):
    """A bot for a GM and twelve directors, each checked in every week of November."""
    from tests.test_ready import org_yaml

    org = tmp_path / "many.yaml"
    org.write_text(org_yaml(len(DIRECTORS)), encoding="utf-8")
    bot, engine = prepare(replace(settings, org_file=org), clock)
    with bot.unit() as ctx:
        for key in DIRECTORS:
            for week in NOVEMBER:
                rnd = ctx.checkins.create_round(ctx.people.by_key(key), week, [], clock.now())
                rnd.status = "submitted"
    yield bot
    engine.dispose()


def reviews_to(chat: RecordingAdapter, key: str) -> list[str]:
    return [t for t in chat.to(key) if t.startswith("📅 Month in review — 2026-11")]


async def test_each_review_reads_its_own_director_s_rounds_not_the_whole_org_s(many, clock):
    """Every review read every round of the month's weeks, the org's, and kept its own:
    a thousand directors took the better part of an hour, in one transaction."""
    from sqlalchemy import event

    from storage.models import CheckinRound

    chat = RecordingAdapter()
    many.register(chat)
    loaded: list[int] = []
    listener = lambda target, _context: loaded.append(target.person_id)  # noqa: E731
    event.listen(CheckinRound, "load", listener)
    try:
        clock.set(DEC_1_9AM_NY)
        assert await many.run_monthly_review()
    finally:
        event.remove(CheckinRound, "load", listener)
    # Each director's four, once for their review and once for the GM's overview (which
    # builds one page of reviews: twelve directors fill it).
    assert len(loaded) == 2 * len(DIRECTORS) * len(NOVEMBER)
    for key in DIRECTORS:
        [review] = reviews_to(chat, key)
        assert review.startswith("📅 Month in review — 2026-11\nCheck-ins: 4 of 4 weeks")
    # (It sent the GM a review per director.)
    [overview] = reviews_to(chat, "gm")
    assert overview.startswith("📅 Month in review — 2026-11 · 12 directors")


async def test_a_stop_during_the_monthly_review_ends_it_between_directors(
        many, clock, monkeypatch):
    """A stop (the leader's work winding down) ends the run between two directors, each
    director's review whole (review, digests, the first question); a start later that day
    sends the others, then the GM's overview, and nobody gets anything twice."""
    import handlers.monthly_review as monthly

    chat = RecordingAdapter()
    many.register(chat)
    real = monthly.send_director_review
    done: list[int] = []

    def send_director_review(ctx, run, director_id):
        real(ctx, run, director_id)
        done.append(director_id)
        if len(done) == 3:
            many.winding_down = True  # SIGTERM: LeaderWork.pause() sets it

    monkeypatch.setattr(monthly, "send_director_review", send_director_review)
    clock.set(DEC_1_9AM_NY)
    assert await many.run_monthly_review()
    assert len(done) == 3
    assert sum(1 for key in DIRECTORS if reviews_to(chat, key)) == 3
    assert reviews_to(chat, "gm") == []  # the overview waits for every director's review
    # Started again later that day.
    many.winding_down = False
    clock.advance(timedelta(minutes=10))
    assert await many.run_monthly_review()
    for key in DIRECTORS:
        assert len(reviews_to(chat, key)) == 1
        assert sum(1 for t in chat.to(key) if "question 1 of 3" in t) == 1
    [overview] = reviews_to(chat, "gm")  # (it had a review per director)
    assert overview.count("\n• Director ") == len(DIRECTORS)


async def test_check_ins_count_only_the_months_weeks_that_were_asked(bot, chat, clock):
    # Alice answered every check-in of November (W45-W48). Her review said 'Check-ins:
    # 4 of 5 weeks': the week of Monday 30 November, whose check-in is asked on Friday
    # 4 December, counted as missed in November's review, and again in December's.
    november(bot)
    clock.set(DEC_1_9AM_NY)
    assert await bot.run_monthly_review()
    assert chat.to("alice")[0].startswith("📅 Month in review — 2026-11\n"
                                          "Check-ins: 4 of 4 weeks\n• Revenue")
    # December: its weeks are those whose Thursday it holds, as the digests list them
    # (W49-W53). On Friday 1 January at 09:00, W53's check-in (that afternoon) has not
    # been asked yet: it is not counted as missed.
    for week in ("2026-W49", "2026-W50", "2026-W51", "2026-W52"):
        answer_kpi(bot, "alice", week, 10_000)
    missed(bot, "li", "2026-W49", "2026-W50", "2026-W51", "2026-W52", "2026-W53")
    clock.set(datetime(2027, 1, 1, 14, 0, tzinfo=UTC))
    assert await bot.run_monthly_review()
    [december] = [t for t in chat.to("alice") if t.startswith("📅 Month in review — 2026-12")]
    assert december.startswith("📅 Month in review — 2026-12\nCheck-ins: 4 of 4 weeks")
    # In Shanghai it is 22:00: W53's check-in was asked there at 16:00, so it counts.
    [zh] = [t for t in chat.to("li") if t.startswith("📅 月度回顾 —— 2026-12")]
    assert "签到：5 周中 0 周" in zh


async def test_weeks_away_are_not_counted_as_missed_check_ins(bot, chat, clock):
    # Alice was on holiday the first two weeks of November (planned with /away) and
    # answered the two weeks she was back. Her review read 'Check-ins: 2 of 4 weeks', as
    # if she had skipped two, though nobody asked her then.
    bot.org = parse_org(TEST_ORG.read_text(encoding="utf-8") + GOAL)
    clock.set(datetime(2026, 11, 2, 14, 0, tzinfo=UTC))
    await say(bot, "alice", "/away 2026-11-02 2026-11-15")
    await say(bot, "li", "/away 2026-11-02 2026-11-15")
    for week in ("2026-W47", "2026-W48"):
        answer_kpi(bot, "alice", week, 10_000)
    missed(bot, "li", "2026-W47", "2026-W48")
    clock.set(DEC_1_9AM_NY)
    assert await bot.run_monthly_review()
    review = chat.to("alice")[-3]
    assert review.startswith("📅 Month in review — 2026-11\n"
                             "Check-ins: 2 of 2 weeks (away 2 weeks)\n• Revenue"), review
    li = next(t for t in chat.to("li") if t.startswith("📅"))
    assert "签到：2 周中 0 周（休假 2 周）\n• 营收" in li


async def test_weeks_before_a_director_joined_are_not_counted_as_missed(bot, chat, clock):
    # Alice joined in the middle of November: her first check-in was W47's, and she
    # answered both she was asked. Her review read 'Check-ins: 2 of 4 weeks', two missed
    # weeks that were never sent to her (the GM's summary reads them "no check-in sent").
    # Li was asked nothing at all that month.
    bot.org = parse_org(TEST_ORG.read_text(encoding="utf-8") + GOAL)
    for week in ("2026-W47", "2026-W48"):
        answer_kpi(bot, "alice", week, 10_000)
    clock.set(DEC_1_9AM_NY)

    assert await bot.run_monthly_review()

    review = next(t for t in chat.to("alice") if t.startswith("📅"))
    assert review.startswith("📅 Month in review — 2026-11\nCheck-ins: 2 of 2 weeks\n"), review
    li = next(t for t in chat.to("li") if t.startswith("📅"))
    assert li.startswith("📅 月度回顾 —— 2026-11\n签到：本月没有向你发出签到\n"), li
    # Nothing was asked of Li, so nothing is known of her sales: not '0 of 264,000 USD
    # (0% of the month's target)', as if she had sold nothing.
    assert "• 营收：本月没有数字（目标 " in li and "0%" not in li, li
    await say(bot, "grace", "/monthly")
    overview = chat.last("grace")
    assert "李雷 · China — no check-ins asked · Revenue —" in overview, overview
    await say(bot, "grace", "/monthly 2026-13")  # had read 'not a director in the org file'
    assert chat.last("grace") == ("2026-13 is not a month: write it as YYYY-MM, for example "
                                  "/monthly 2026-11.")


async def test_the_same_figure_every_week_names_no_best_and_worst_week(bot, chat, clock):
    # Alice brought in 10,000 in each of two weeks; her review said 'Best week 2026-W47
    # (10,000), worst 2026-W47 (10,000)': one week both best and worst, the other unnamed.
    bot.org = parse_org(TEST_ORG.read_text(encoding="utf-8") + GOAL)
    for week in ("2026-W47", "2026-W48"):
        answer_kpi(bot, "alice", week, 10_000)
    answer_kpi(bot, "li", "2026-W47", 30_000)
    answer_kpi(bot, "li", "2026-W48", 30_000)
    clock.set(DEC_1_9AM_NY)
    assert await bot.run_monthly_review()
    review = chat.to("alice")[0]
    assert "• Revenue: 20,000" in review
    assert "Best week" not in review and "worst" not in review
    li = next(t for t in chat.to("li") if t.startswith("📅"))
    assert "最佳" not in li and "最差" not in li



async def test_a_weekly_target_raised_mid_month_counts_from_the_week_it_was_asked(
        bot, chat, clock):
    # Alice's weekly revenue target went from 50,000 to 80,000 after the first two weeks
    # of November. Her review measured the whole month against 80,000 a week (336,000),
    # though she was asked for 50,000 the first two weeks.
    from tests.test_checkin import ALICE_ANSWERS, answer_all

    for day in (6, 13, 20, 27):
        if day == 20:
            bot.org = parse_org(TEST_ORG.read_text(encoding="utf-8").replace(
                "{metric: revenue, unit: USD, weekly_target: 50000}",
                "{metric: revenue, unit: USD, weekly_target: 80000}"))
            with bot.unit() as ctx:
                ctx.people.sync(bot.org.people)
        clock.set(datetime(2026, 11, day, 21, 0, tzinfo=UTC))
        await bot.run_checkins(["alice"])
        await answer_all(bot, "alice", ALICE_ANSWERS)
    clock.set(DEC_1_9AM_NY)
    assert await bot.run_monthly_review()
    review = chat.to("alice")[-3]
    # 50,000 x 2 + 80,000 x 2 (Monday 30 November is left out until its check-in, on
    # Friday 4 December, is asked). Alice's 4 x 52,000 = 208,000.
    assert "• Revenue: 208,000 of 260,000 USD (80% of the month's target)" in review, review


async def test_weeks_never_asked_are_not_in_the_month_s_target(bot, chat, clock):
    """The bot ran from the last week of November: Alice, 52,000 against her 50,000 a week,
    read "52,000 of 210,000 USD (25% of the month's target)", the three weeks nobody asked
    her counted as if she had sold nothing in them. A week before the bot ran that the CRM
    has figures for still counts, its target with it."""
    from bot.crm_import import import_actuals, import_people
    from tests.test_checkin import ALICE_ANSWERS, answer_all

    with bot.unit() as ctx:
        import_actuals(ctx.session, "w46.csv", b"person,metric,week,value\n"
                       b"bruno,revenue,2026-W46,30000\n", bot.org.crm,
                       import_people(ctx.session, bot.org), DEC_1_9AM_NY)
    clock.set(datetime(2026, 11, 27, 21, 0, tzinfo=UTC))
    await bot.run_checkins(["alice", "bruno"])
    await answer_all(bot, "alice", ALICE_ANSWERS)
    clock.set(DEC_1_9AM_NY)
    assert await bot.run_monthly_review()
    # W48's 50,000 (Monday 30 November, W49, is not asked yet: see the next test).
    alice = next(t for t in chat.to("alice") if t.startswith("📅"))
    assert "• Revenue: 52,000 of 50,000 USD (104% of the month's target)" in alice
    # Bruno: W46 from the CRM and W48 (asked, not answered) at 40,000 each.
    bruno = next(t for t in chat.to("bruno") if t.startswith("📅"))
    assert "• Revenue: 30,000 of 80,000 USD (38% of the month's target)" in bruno
    await say(bot, "grace", "/monthly")
    assert "Alice Martin · East — check-ins 1 of 1 · Revenue 104%" in chat.last("grace")


async def test_a_week_across_the_months_end_counts_in_the_month_of_its_thursday(bot, chat,
                                                                                clock):
    """November 2026 ends on a Monday, whose figure comes with W49's check-in on Friday 4
    December. The review counted that Monday as November's (a fifth of W49's figure and
    target) while the GM's /summary counted all of W49 in December's month to date: the
    same 12,000 in two months. W49 is December's (its Thursday is 3 December), here as
    there: November's review reads the same before and after W49 is asked."""
    from tests.test_checkin import ALICE_ANSWERS, answer_all

    clock.set(datetime(2026, 11, 27, 21, 0, tzinfo=UTC))
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ALICE_ANSWERS)
    clock.set(DEC_1_9AM_NY)
    assert await bot.run_monthly_review()
    alice = next(t for t in chat.to("alice") if t.startswith("📅"))
    assert "• Revenue: 52,000 of 50,000 USD (104% of the month's target)" in alice
    await say(bot, "grace", "/monthly alice")
    assert "• Revenue: 52,000 of 50,000 USD (104% of the month's target)" in chat.last("grace")
    clock.set(datetime(2026, 12, 4, 21, 0, tzinfo=UTC))  # W49 is asked: 60,000 this week
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ["60000", *ALICE_ANSWERS[1:]])
    await say(bot, "grace", "/monthly 2026-11 alice")
    assert "• Revenue: 52,000 of 50,000 USD (104% of the month's target)" in chat.last("grace")


async def test_a_months_last_week_counts_once_its_check_in_is_asked(bot, chat, clock):
    """December 2026's last week is W53 (its Thursday is the 31st), asked on Friday 1
    January at 16:00, after the review goes out at 09:00: counted then, its 50,000 of
    target against no figure made Alice, on target every week, read 80%."""
    from tests.test_checkin import ALICE_ANSWERS, answer_all

    for week in ("2026-W49", "2026-W50", "2026-W51", "2026-W52"):
        answer_kpi(bot, "alice", week, 52_000)
    clock.set(datetime(2027, 1, 1, 14, 0, tzinfo=UTC))  # Friday 09:00 in New York
    assert await bot.run_monthly_review()
    alice = next(t for t in chat.to("alice") if t.startswith("📅"))
    assert "• Revenue: 208,000 of 200,000 USD (104% of the month's target)" in alice
    clock.set(datetime(2027, 1, 1, 21, 0, tzinfo=UTC))  # W53 is asked: 52,000 again
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ALICE_ANSWERS)
    await say(bot, "grace", "/monthly 2026-12 alice")
    assert "• Revenue: 260,000 of 250,000 USD (104% of the month's target)" in chat.last("grace")


async def test_monthly_before_any_review_was_sent_says_when_it_comes_and_asks_nothing(
        bot, chat, clock):
    """A director typing /monthly before any review reached them was asked last month's
    questions, about a month they had no review of. They are told when theirs comes."""
    await say(bot, "alice", "/monthly")  # Friday 27 November: no review was ever sent
    assert chat.last("alice") == (
        "No monthly review has been sent to you yet, so there are no questions to answer. "
        "The first, of 2026-11, comes on 2026-12-01 09:00 (your time) with its three "
        "questions (what worked, what did not, next month's plan), and /monthly asks them "
        "then.")
    await say(bot, "alice", "Two new logos")  # nothing asked: not taken as an answer
    assert "Two new logos" not in chat.last("alice")
    await say(bot, "li", "/monthly")  # in Shanghai, 09:00 in New York is 22:00
    assert chat.last("li") == (
        "还没有给你发过月度回顾，所以现在没有要回答的问题。第一次月度回顾（2026-11）将于 "
        "2026-12-01 22:00（你的时间）发给你，并附有三个问题（做得好的、没做好的、下月计划），"
        "届时 /monthly 会向你提问。")
    # On the first working day, before 09:00: last month's comes that morning.
    clock.set(DEC_1_9AM_NY - timedelta(hours=1))
    await say(bot, "alice", "/monthly")
    assert "The first, of 2026-11, comes on 2026-12-01 09:00 (your time)" in \
        chat.last("alice")
    clock.set(DEC_1_9AM_NY + timedelta(minutes=1))  # the reviews are going out
    await say(bot, "alice", "/monthly")
    assert chat.last("alice").startswith(
        "No monthly review has been sent to you yet, so there are no questions to answer. "
        "The reviews of 2026-11 are going out (until 2026-12-07): yours comes with its "
        "three questions")
    assert await bot.run_monthly_review()
    await say(bot, "alice", "/monthly")
    assert chat.last("alice").startswith("Monthly review 2026-11, question 1 of 3:")
    # December's review is not sent (the bot was down until the 7th): none to answer,
    # and the next one named.
    clock.set(datetime(2027, 1, 15, 15, 0, tzinfo=UTC))
    await say(bot, "alice", "/monthly")
    assert chat.last("alice").startswith(
        "No monthly review of 2026-12 was sent to you, so there are no questions to answer. "
        "The next, of 2027-01, comes on 2027-02-01 09:00 (your time)")


async def test_the_review_waits_for_a_director_away_until_they_are_back(bot, chat, clock):
    # The review and its three questions reached Alice and 李雷 on holiday. They wait
    # until each is back: Alice's at the next run after her return (within the month's
    # first days), Li's on the first working day after hers, past the 7th.
    november(bot)
    await say(bot, "alice", "/away 2026-11-30 2026-12-04")
    await say(bot, "li", "/away 2026-11-30 2026-12-09")
    await say(bot, "bruno", "/away 2026-11-30 2026-12-09")
    chat.clear()
    clock.set(DEC_1_9AM_NY)
    assert await bot.run_monthly_review()
    assert chat.to("alice") == [] and chat.to("li") == [] and chat.to("bruno") == []
    # Bruno, away still, asks for his: it comes at once, and only once.
    clock.set(DEC_1_9AM_NY + timedelta(days=1))
    await say(bot, "bruno", "/monthly")
    assert chat.to("bruno")[0].startswith("📅 Month in review — 2026-11")
    assert chat.last("bruno") == ("Monthly review 2026-11, question 1 of 3:\n"
                                  "What worked well this month?")
    sent_bruno = len(chat.to("bruno"))
    assert len([t for t in chat.to("grace") if t.startswith("📅")]) == 1  # the GM's, as ever
    clock.set(DEC_1_9AM_NY + timedelta(days=3))  # Friday the 4th: still away
    await bot.run_monthly_review()
    assert chat.to("alice") == []
    clock.set(DEC_1_9AM_NY + timedelta(days=6))  # Monday the 7th: Alice is back
    await bot.run_monthly_review()
    assert chat.to("alice")[0].startswith("📅 Month in review — 2026-11\nCheck-ins: 4 of 4")
    assert chat.last("alice") == ("Monthly review 2026-11, question 1 of 3:\n"
                                  "What worked well this month?")
    assert chat.to("li") == []
    clock.set(DEC_1_9AM_NY + timedelta(days=8))  # Wednesday the 9th: Li's last day away
    await bot.run_monthly_review()
    assert chat.to("li") == []
    clock.set(DEC_1_9AM_NY + timedelta(days=9))  # Thursday the 10th in New York
    sent = len(chat.sent)
    assert await bot.run_monthly_review()
    assert chat.last("li").startswith("2026-11 月度回顾，第 1 / 3 题")
    assert [m.target.address for m in chat.sent[sent:]].count("grace") == 0  # no second overview
    await say(bot, "li", "新客户增加")
    assert "第 2 / 3 题" in chat.last("li")
    clock.set(DEC_1_9AM_NY + timedelta(days=10))
    sent = len(chat.sent)
    assert not await bot.run_monthly_review()  # nobody waits any more: nothing is built
    assert len(chat.sent) == sent and len(chat.to("bruno")) == sent_bruno


async def test_back_sends_the_monthly_review_that_waited_at_once_and_the_run_not_again(
        bot, chat, clock):
    # Alice's review waited while she was away; cutting her time away short with /back on
    # Wednesday, she got it only at the next working day's 09:00. It comes with the reply,
    # hers alone, once: the next run sends nothing more.
    november(bot)
    await say(bot, "alice", "/away 2026-11-30 2026-12-11")
    await say(bot, "bruno", "/away 2026-11-30 2026-12-11")
    chat.clear()
    clock.set(DEC_1_9AM_NY)
    assert await bot.run_monthly_review()
    assert chat.to("alice") == [] and chat.to("bruno") == []
    clock.set(DEC_1_9AM_NY + timedelta(days=1, hours=2))  # Wednesday 11:00
    await say(bot, "alice", "/back")
    reply, review = chat.to("alice")[:2]
    assert reply.endswith("What waited for you while you were away follows now: your "
                          "monthly review of 2026-11.")
    assert review.startswith("📅 Month in review — 2026-11\nCheck-ins: 4 of 4")
    assert chat.last("alice") == ("Monthly review 2026-11, question 1 of 3:\n"
                                  "What worked well this month?")
    assert chat.to("bruno") == []
    sent = len(chat.sent)
    clock.set(DEC_1_9AM_NY + timedelta(days=2))  # Thursday 09:00: Bruno is still away
    await bot.run_monthly_review()
    assert len(chat.sent) == sent
    await say(bot, "alice", "/back")
    assert chat.last("alice") == "You weren't away; check-in prompts are on."


async def test_answering_again_asks_all_three_questions_once_more(bot, chat, clock):
    """Found by the five-week soak: /monthly after answering asked question 1 again, then
    thanked her after that one answer, so a new plan for next month (question 3) could not
    be given, and what she typed next was "not waited for"."""
    clock.set(DEC_1_9AM_NY)
    await running_since(bot, clock)  # running since November: a fresh install reviews none
    assert await bot.run_monthly_review()
    for text in ("Two new logos", "Legal review", "Push the Globex expansion"):
        await say(bot, "alice", text)
    assert chat.last("alice").startswith("Thank you")
    await say(bot, "alice", "/monthly")
    assert chat.last("alice").endswith("What worked well this month?")
    await say(bot, "alice", "Three new logos")
    assert chat.last("alice").endswith("What did not work, and why?")
    await say(bot, "alice", "Legal review")
    assert chat.last("alice").endswith("What is your plan for next month?")
    await say(bot, "alice", "Expand in Canada")
    assert chat.last("alice").startswith("Thank you")
    await say(bot, "grace", "/monthly alice")
    assert chat.last("grace").endswith("📝 Alice Martin on 2026-11:\n"
                                       "• What worked: Three new logos\n"
                                       "• What did not: Legal review\n"
                                       "• Plan for next month: Expand in Canada")


async def test_a_review_held_all_the_next_month_is_not_sent_and_both_sides_are_told(
        bot, chat, clock):
    # Alice and 李雷 are away from 1 November to 3 December. October's review waited for
    # them through November and never went out: nothing said so, to them or to the GM. It
    # is not sent two months on (its questions ask for November's plan), but the GM's
    # overview marks their line, waiting and then not sent, and the review they get on
    # their return, November's, opens by saying October's was not sent.
    clock.set(datetime(2026, 10, 30, 16, 0, tzinfo=UTC))  # Friday noon in New York
    await say(bot, "alice", "/away 2026-11-01 2026-12-03")
    await say(bot, "li", "/away 2026-11-01 2026-12-03")
    chat.clear()
    clock.set(datetime(2026, 11, 2, 14, 0, tzinfo=UTC))  # Monday 2 November, 09:00
    assert await bot.run_monthly_review()
    assert chat.to("alice") == [] and chat.to("li") == []
    overview = next(t for t in chat.to("grace") if t.startswith("📅 Month in review — 2026-10"))
    alice = next(line for line in overview.splitlines() if "Alice Martin" in line)
    assert alice.endswith(" · 🌴 away: review waits until they are back"), alice
    bruno = next(line for line in overview.splitlines() if "Bruno Rossi" in line)
    assert "🌴" not in bruno
    await say(bot, "grace", "/monthly alice")
    assert chat.last("grace").endswith(
        "🌴 Alice Martin is away: this review and its three questions go to them once they "
        "are back, if before 2026-11 ends.")
    for day in (9, 16, 30):  # November's working days: still away
        clock.set(datetime(2026, 11, day, 14, 0, tzinfo=UTC))
        await bot.run_monthly_review()
    assert chat.to("alice") == [] and chat.to("li") == []
    clock.set(DEC_1_9AM_NY)
    assert await bot.run_monthly_review()
    assert chat.to("alice") == [] and chat.to("li") == []
    overview = next(t for t in chat.to("grace") if t.startswith("📅 Month in review — 2026-11"))
    alice = next(line for line in overview.splitlines() if "Alice Martin" in line)
    assert alice.endswith(" — no check-ins asked (away 4) · Revenue — · New customers — · "
                          "🌴 away: review waits until they are back"), alice
    clock.set(DEC_1_9AM_NY + timedelta(days=2, hours=1))  # Thursday 3 December, 10:00
    await say(bot, "alice", "/back")
    reply, review = chat.to("alice")[:2]
    assert reply.endswith("your monthly review of 2026-11.")
    assert review.startswith(
        "📅 Month in review — 2026-11\nYour review of 2026-10 was not sent: it waited for "
        "you to be back in 2026-11, and you were still away at its end.\n"
        "Check-ins:"), review
    assert not [t for t in chat.to("alice") if "Month in review — 2026-10" in t], chat.to("alice")
    await say(bot, "li", "/back")
    assert "你的 2026-10 月度回顾没有发出：它等你在 2026-11 回来，而到该月底你仍在休假。" \
        in chat.to("li")[1]
    sent = len(chat.sent)
    clock.set(DEC_1_9AM_NY + timedelta(days=3))  # Friday's run: nothing more, nor October's
    await bot.run_monthly_review()
    assert len(chat.sent) == sent
    await say(bot, "grace", "/monthly 2026-10")
    alice = next(line for line in chat.last("grace").splitlines() if "Alice Martin" in line)
    assert alice.endswith(" · 🌴 review not sent: away until 2026-11 ended"), alice
    await say(bot, "grace", "/monthly 2026-10 alice")
    assert chat.last("grace").endswith(
        "📝 Alice Martin was not sent this review (away until 2026-11 ended), so has no "
        "questions to answer.")
    await say(bot, "grace", "/monthly")  # November's: sent now, nothing to mark
    alice = next(line for line in chat.last("grace").splitlines() if "Alice Martin" in line)
    assert "🌴" not in alice, alice


async def test_a_kpi_moved_to_another_currency_mid_month_adds_like_with_like(
        bot, chat, clock):
    """Alice's revenue KPI moved from 50,000 USD a week to 350,000 CNY after two weeks of
    November. Her review read '782,000 of 800,000 CNY (98%)': her dollars added to her
    yuan, her dollar targets to her yuan ones, and her worst week a dollar one. The GM's
    overview read the same 98%."""
    from tests.test_checkin import ALICE_ANSWERS, answer_all

    for day, figure in ((6, "52000"), (13, "30000"), (20, "400000"), (27, "300000")):
        if day == 20:
            bot.org = parse_org(TEST_ORG.read_text(encoding="utf-8").replace(
                "{metric: revenue, unit: USD, weekly_target: 50000}",
                "{metric: revenue, unit: CNY, weekly_target: 350000}"))
            with bot.unit() as ctx:
                ctx.people.sync(bot.org.people)
        clock.set(datetime(2026, 11, day, 21, 0, tzinfo=UTC))
        await bot.run_checkins(["alice"])
        await answer_all(bot, "alice", [figure, *ALICE_ANSWERS[1:]])
    clock.set(DEC_1_9AM_NY)
    assert await bot.run_monthly_review()
    review = chat.to("alice")[-3]
    assert "• Revenue: 700,000 of 700,000 CNY (100% of the month's target)" in review, review
    assert "  Not counted, in another unit than CNY: 82,000 USD" in review, review
    assert "Best week 2026-W47 (400,000), worst 2026-W48 (300,000)" in review, review
    overview = next(t for t in chat.to("grace") if t.startswith("📅"))
    alice = next(t for t in overview.splitlines() if t.startswith("• Alice"))
    assert "Revenue 100% (not counted: 82,000 USD)" in alice, alice
    # In Chinese, the same.
    with bot.unit() as ctx:
        ctx.people.by_key("alice").locale = "zh-CN"
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "alice", "/monthly answers")
    await say(bot, "grace", "/monthly alice")
    text = chat.last("grace")
    assert "700,000 / 700,000 CNY（完成月度目标的 100%）" in text, text
    assert "  未计入（单位不是 CNY）：82,000 USD" in text, text
    await say(bot, "grace", "/monthly")
    line = next(t for t in chat.last("grace").splitlines() if t.startswith("• Alice"))
    assert "100%（未计入：82,000 USD）" in line, line


async def test_a_kpi_moved_to_another_currency_after_the_month_keeps_its_review(
        bot, chat, clock):
    """November was asked and answered in USD; on 3 December Alice's revenue KPI moved to
    350,000 CNY a week. The GM's `/monthly 2026-11 alice` then read "Revenue: no figures
    this month" with her November dollars "not counted, in another unit than CNY", and
    the overview "—": a month already over read in the unit the org file asks today, not
    the one its check-ins asked. It reads as it did before the edit."""
    from tests.test_checkin import ALICE_ANSWERS, answer_all

    for day in (6, 13, 20, 27):
        clock.set(datetime(2026, 11, day, 21, 0, tzinfo=UTC))
        await bot.run_checkins(["alice"])
        await answer_all(bot, "alice", ALICE_ANSWERS)
    clock.set(datetime(2026, 12, 2, 15, 0, tzinfo=UTC))
    await say(bot, "grace", "/monthly 2026-11 alice")
    before = chat.last("grace")
    await say(bot, "grace", "/monthly 2026-11")
    overview_before = chat.last("grace")
    assert "• Revenue: 208,000 of 200,000 USD (104% of the month's target)" in before, before
    clock.set(datetime(2026, 12, 3, 15, 0, tzinfo=UTC))
    bot.org = parse_org(TEST_ORG.read_text(encoding="utf-8").replace(
        "{metric: revenue, unit: USD, weekly_target: 50000}",
        "{metric: revenue, unit: CNY, weekly_target: 350000}"))
    with bot.unit() as ctx:
        ctx.people.sync(bot.org.people)
    await say(bot, "grace", "/monthly 2026-11 alice")
    assert chat.last("grace") == before
    await say(bot, "grace", "/monthly 2026-11")
    assert chat.last("grace") == overview_before
    # In Chinese, the same.
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/monthly 2026-11 alice")
    text = chat.last("grace")
    assert "208,000 / 200,000 USD（完成月度目标的 104%）" in text, text
    assert "CNY" not in text, text


async def test_a_kpi_relabelled_after_the_month_keeps_its_name_in_the_review(
        bot, chat, clock):
    """November's check-ins asked for "Revenue"; in December the org file calls the KPI
    "Bookings". `/summary` of November's weeks still says Revenue (each check-in keeps
    its questions); the GM's `/monthly 2026-11 alice` said "Bookings", today's word for a
    month that never used it."""
    from tests.test_checkin import ALICE_ANSWERS, answer_all

    for day in (6, 13, 20, 27):
        clock.set(datetime(2026, 11, day, 21, 0, tzinfo=UTC))
        await bot.run_checkins(["alice"])
        await answer_all(bot, "alice", ALICE_ANSWERS)
    clock.set(datetime(2026, 12, 3, 15, 0, tzinfo=UTC))
    bot.org = parse_org(TEST_ORG.read_text(encoding="utf-8").replace(
        "{metric: revenue, unit: USD, weekly_target: 50000}",
        "{metric: revenue, unit: USD, weekly_target: 50000, "
        "label: {en: Bookings, zh-CN: 订单额}}"))
    with bot.unit() as ctx:
        ctx.people.sync(bot.org.people)
    await say(bot, "grace", "/monthly 2026-11 alice")
    text = chat.last("grace")
    assert "• Revenue: 208,000 of 200,000 USD (104% of the month's target)" in text, text
    assert "Bookings" not in text
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/monthly 2026-11 alice")
    assert "订单额" not in chat.last("grace")


async def test_a_month_barely_begun_never_reads_0_percent_nor_one_missed_100(bot, chat, clock):
    """Alice's 200 of the month's 42,857 (0.47%) read '(0% of the month's target)', as
    Bruno's nothing does; 李雷's 239,040 of 240,000 (99.6%) must not read 100%."""
    bot.org = parse_org(TEST_ORG.read_text(encoding="utf-8") + GOAL)
    for week in ("2026-W45", "2026-W46", "2026-W47", "2026-W48"):
        answer_kpi(bot, "alice", week, 50)
        answer_kpi(bot, "bruno", week, 0)
        answer_kpi(bot, "li", week, 59_760)
    clock.set(DEC_1_9AM_NY)
    assert await bot.run_monthly_review()
    [alice] = [t for t in chat.to("alice") if t.startswith("📅")]
    assert "• Revenue: 200 of 42,857 USD (<1% of the month's target)" in alice
    [bruno] = [t for t in chat.to("bruno") if t.startswith("📅")]
    assert "• Revenue: 0 of 160,000 USD (0% of the month's target)" in bruno
    [li] = [t for t in chat.to("li") if t.startswith("📅")]
    assert "• 营收：239,040 / 240,000 USD（完成月度目标的 99%）" in li
    [overview] = [t for t in chat.to("grace") if t.startswith("📅")]
    assert "• 李雷 · China — check-ins 4 of 4 · Revenue 99%\n" in overview
    assert "• Alice Martin · East — check-ins 4 of 4 · Revenue <1% · New customers —\n" \
        in overview
    assert "• Bruno Rossi · Europe — check-ins 4 of 4 · Revenue 0%\n" in overview
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/monthly")
    text = chat.last("grace")
    assert "• Alice Martin · East —— 签到 4 周中 4 周 · 营收 <1% · 新客户 —\n" in text
    assert "• Bruno Rossi · Europe —— 签到 4 周中 4 周 · 营收 0%\n" in text
    assert "• 李雷 · China —— 签到 4 周中 4 周 · 营收 99%\n" in text


@pytest.fixture
def rupees(settings, tmp_path):
    """The test org with Alice's revenue in INR (40 lakh a week)."""
    path = tmp_path / "org.yaml"
    path.write_text(TEST_ORG.read_text(encoding="utf-8").replace(
        "{metric: revenue, unit: USD, weekly_target: 50000}",
        "{metric: revenue, unit: INR, weekly_target: 4000000}"), encoding="utf-8")
    return replace(settings, org_file=path)


async def test_a_month_in_rupees_reads_in_lakhs_for_the_director_and_the_gm(rupees, clock):
    """The review read 4,100,000 of 4,000,000 INR; an Indian director reads 41 lakh as
    41,00,000, in her review and in the GM's /monthly of her."""
    from tests.test_checkin import ALICE_ANSWERS, answer_all

    bot, engine = prepare(rupees, clock)
    chat = RecordingAdapter()
    bot.register(chat)
    try:
        clock.set(datetime(2026, 11, 27, 21, 0, tzinfo=UTC))
        await bot.run_checkins(["alice"])
        await answer_all(bot, "alice", ["Rs. 41,00,000", *ALICE_ANSWERS[1:]])
        clock.set(DEC_1_9AM_NY)
        assert await bot.run_monthly_review()
        alice = next(t for t in chat.to("alice") if t.startswith("📅"))
        assert "• Revenue: 41,00,000 of 40,00,000 INR (103% of the month's target)" in alice
        await say(bot, "grace", "/monthly alice")
        assert "• Revenue: 41,00,000 of 40,00,000 INR" in chat.last("grace")
    finally:
        engine.dispose()

"""The monthly review: on the first working day of a month, each director gets the month
that ended by DM — attainment per metric against the month's target and the quarter's
pace, best and worst weeks, recurring blockers, support requests, recognition — and is
asked three short questions whose answers the GM reads. The GM gets one overview of every
director's month, not a review per director (handlers/monthly_gm.py).

Sent once per month and person (outbox dedupe keys), also across a restart.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from statistics import median
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from bot.clock import as_utc
from bot.goals import Goal, Period, counts_in, parse_period, progress
from bot.numbers import round_half_up
from bot.schedule import checkin_moment
from bot.support_config import department_name
from bot.weeks import week_of, week_start
from handlers.answers import is_pause, is_percent, is_skip
from handlers.blocker_words import similar, tokens
from handlers.context import Context, one_moment
from handlers.digest import month_weeks, send_month_digests
from handlers.goals import OtherUnit, figure_unit, goal_actual, metric_label, unit_text
from handlers.honours import (
    CATCH_UP_DAYS,
    POST_HOUR,
    Roll,
    before_first_run,
    build_roll,
    first_ran,
    first_working_day,
    last_opening_run,
    last_working_day,
    month_opening,
    period_of,
)
from handlers.summary import away_weeks
from handlers.waiting import after_dialog, under_way
from storage.goals import week_figures
from storage.kudos import KudosRepo
from storage.models import CheckinRound, Conversation, Person
from storage.review import MONTHLY_QUESTIONS, MonthlyRepo
from storage.round_batch import RoundBatchRepo
from storage.support import OPEN_STATES, SupportRequest, SupportWeek, age_days

CONVERSATION = "monthly_review"


@dataclass
class MetricMonth:
    """One metric of a director's month."""

    label: str
    unit: str
    actual: float | None  # None: no figure at all that month (nothing asked, no CRM's)
    target: float | None
    quarter: str | None = None  # the quarter goal's label
    #: The quarter goal's start when written from a start date: its label is then English
    #: words ('quarter from 2026-11-13'), so the templates name it in the reader's language.
    quarter_from: date | None = None
    quarter_state: str | None = None
    quarter_pace: float | None = None
    #: What the quarter still needs and its working days left: under a week's, the amount
    #: is said, not a pace "a week" (1,000,000 a week for 200,000 on its last day).
    quarter_left: float = 0.0
    quarter_days_left: int = 0
    #: Today is done (its week's figure in): the days left start tomorrow, not "today".
    quarter_today_counted: bool = False
    best: tuple[str, float] | None = None
    worst: tuple[str, float] | None = None
    #: The month's figures in another unit than the line's (a KPI moved from USD to CNY
    #: mid-month: its dollar weeks), per unit: not added in, said apart.
    other_units: tuple[OtherUnit, ...] = ()

    @property
    def attainment(self) -> float | None:
        """Actual over the month's target."""
        return self.actual / self.target if self.target and self.actual is not None \
            else None


@dataclass
class SupportLine:
    """A support request in a month's review: what was asked and how it ended.

    `status` is the request's (open, acknowledged, resolved, withdrawn), or "untracked"
    for a check-in answer with no tracked request (weeks from before requests were tracked).
    """

    week: str
    kind: str
    detail: str
    status: str = "untracked"
    n: int | None = None
    department: str = ""
    resolution: str = ""
    resolved_on: date | None = None
    days: int | None = None  # opened to resolved, in calendar days (storage.support.days_open)
    age: int | None = None  # days open at the month's end, while still open
    #: The month is still going on: `age` is today's, and the request is open now, not
    #: "at the month's end" (which has not come).
    so_far: bool = False


@dataclass
class MonthReview:
    """A director's month in review."""

    name: str
    month: str
    metrics: list[MetricMonth] = field(default_factory=list)
    blockers: list[tuple[str, int]] = field(default_factory=list)  # text, weeks
    support: list[SupportLine] = field(default_factory=list)
    #: Resolution times (days) of the requests resolved in the month: median and longest.
    resolution_median: float | None = None
    resolution_longest: int | None = None
    kudos: int = 0
    roll: Roll | None = None  # the month's honour roll (org-wide), when kudos were given
    #: The month is still going on: its roll is one so far, as /honours shows it.
    roll_so_far: bool = False
    weeks: int = 0  # the month's weeks asked, those away left out
    checked_in: int = 0
    away_weeks: int = 0


def previous_month(today: date) -> tuple[int, int]:
    """(year, month) of the month before `today`'s."""
    return (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)


def _month_goal(ctx: Context, person: Person, metric: str, month: Period) -> Goal | None:
    """The person's goal for the month, else the longer one that covers it."""
    goals = [g for g in ctx.org.goals.for_owner("person", person.key) if g.metric == metric]
    exact = next((g for g in goals if (g.period.start, g.period.end) == (month.start,
                                                                        month.end)), None)
    return exact if exact is not None else next(
        (g for g in goals if g.period.start <= month.start and month.end <= g.period.end),
        None)


def _asked(rounds: list[CheckinRound], metric: str) -> Iterator[dict[str, Any]]:
    """The questions of `rounds` that asked `metric` as a KPI, the latest round's first."""
    for rnd in sorted(rounds, key=lambda r: r.week, reverse=True):
        for q in rnd.questions or ():
            if q.get("category") == "kpi" and q.get("metric") == metric:
                yield q


def _asked_unit(rounds: list[CheckinRound], metric: str) -> str | None:
    """The unit the latest of `rounds` that asked `metric` asked it in (None: none did)."""
    return next((str(q["unit"]) for q in _asked(rounds, metric) if q.get("unit")), None)


def _asked_label(ctx: Context, rounds: list[CheckinRound], metric: str,
                 locale: str) -> str | None:
    """The metric's name as the latest of `rounds` that asked it named it (its label
    then, else the metric's known name, never a label the org file gave it since); None
    when none asked it."""
    q = next(_asked(rounds, metric), None)
    if q is None:
        return None
    label = q.get("label") or {}
    return label.get(locale) or label.get("en") or \
        ctx.renderer.message(locale, "kpi_name", metric=metric) or metric.replace("_", " ")


def _month_target(ctx: Context, person: Person, metric: str, month: Period,
                  rounds: Iterable[CheckinRound], unit: str | None = None) -> float | None:
    """The month's goal; else the month's share of a longer goal; else the weekly KPI
    target over the month's working days, in `unit` (the month's: see build_review;
    by default the KPI's): a week asked in another unit, before the KPI moved from USD
    to CNY, is not in it. `rounds`: the person's, of review_weeks at least (read once
    for the whole review: each KPI read them again, three statements)."""
    goal = _month_goal(ctx, person, metric, month)
    if goal is not None and goal.period.start == month.start and goal.period.end == month.end:
        return goal.target
    if goal is not None and is_percent((goal.unit,)):
        # A rate's (a win rate in %): its target is a mean, the month's as the quarter's,
        # never the month's share of it (30 % a quarter read 9 % for November).
        return goal.target
    if goal is not None:  # its weeks the month counts (their Thursday in it)
        return sum(w.target for w in goal.weeks()
                   if counts_in(month, week_start(w.week)))
    kpi = next((k for k in person.kpis if k.metric == metric), None)
    # Each week at the target its check-in asked (the round's snapshot), so a target
    # changed in the org file mid-month counts from the week it was asked; a week not
    # asked (yet) at today's.
    asked: dict[str, float] = {}
    by_week: dict[str, list[date]] = {}
    for d in month.working_days():
        by_week.setdefault(week_of(d), []).append(d)
    rounds = [r for r in rounds if r.week in by_week]
    unit = unit or (kpi.unit if kpi is not None else None)
    elsewhere: set[str] = set()  # weeks asked in another unit: their target is not in this one
    for rnd in rounds:
        for q in rnd.questions or ():
            if q.get("category") != "kpi" or q.get("metric") != metric:
                continue
            if q.get("unit") and unit and q["unit"] != unit:
                elsewhere.add(rnd.week)
            elif q.get("target") is not None:
                asked[rnd.week] = float(q["target"])
    # A week already past that was never asked of them (before they joined, or before the
    # bot ran), not away and with no figure (typed or the CRM's) is nothing they were
    # measured on: counted, it made a first month read 25% for a director on target.
    now = ctx.clock.now()
    asked_weeks = {r.week for r in rounds}
    moments = {w: checkin_moment(ctx.settings.checkin_schedule, person.timezone, w)
               for w in by_week}
    past = [w for w in by_week if w not in asked_weeks and moments[w] <= now]
    unasked = set(past) - {w for (_, w) in away_weeks(ctx, [person], past)} - {
        f.week for f in week_figures(ctx.session, metric, [person.key], past)}
    if not rounds:
        unasked = set()  # nothing asked all month: the month's whole target
    # A month that is over may end in a week whose check-in is still to come (November
    # 2026's Monday 30th, asked Friday 4 December): its days have no figure yet, so
    # counted they made a director on target every week read 87% in the review sent on
    # the 1st. Left out until that check-in is asked (answered or not); the /goals plan
    # to date reads a week in progress the same way.
    if now.astimezone(ZoneInfo(person.timezone)).date() > month.end:
        ahead = [w for w in by_week if w not in asked_weeks and moments[w] > now]
        unasked |= set(ahead) - {f.week for f in week_figures(ctx.session, metric,
                                                               [person.key], ahead)}
    # A week not asked (away, say) at today's target; in a month whose unit the KPI has
    # left since, at the month's own latest (today's is in another currency).
    # No KPI today (taken out of the org file since, or made a member): the month's own
    # targets, as its check-ins asked them; none asked, no target.
    if kpi is None and not asked:
        return None
    usual = kpi.weekly_target if kpi is not None and (unit == kpi.unit or not asked) \
        else asked[max(asked)]
    return sum(asked.get(week, usual) * len(days) / 5
               for week, days in by_week.items() if week not in unasked | elsewhere)


def _rate_month(line: MetricMonth, figures: list[tuple[str, float]],
                rounds: Iterable[CheckinRound], metric: str, unit: str, kpi: Any) -> None:
    """A rate's month (a win rate in %, no goal for it): the mean of its weeks' figures
    against the mean of the targets its check-ins asked those weeks, as /summary's month
    to date reads it, never their sums (120 of 120 % for four weeks of 30 %); a week not
    reported is left out of both means, not read as 0 % (nor its target, 80 % that week,
    held against the 40 % of the week reported); none reported, every week's target."""
    asked = [(r.week, float(q["target"])) for r in rounds for q in r.questions or ()
             if q.get("category") == "kpi" and q.get("metric") == metric
             and q.get("target") is not None and q.get("unit", unit) in (None, "", unit)]
    reported = {w for w, _ in figures}
    targets = [t for w, t in asked if w in reported] or [t for _, t in asked]
    if not targets and kpi is not None:
        targets = [kpi.weekly_target]
    line.target = sum(targets) / len(targets) if targets else None
    line.actual = sum(v for _, v in figures) / len(figures) if figures else None


def recurring_blockers(texts: list[tuple[str, str]]) -> list[tuple[str, int]]:
    """Blockers (week, text) said in two or more weeks: the same blocker as `/summary`
    reads it (handlers.blocker_words.similar: half the words in common, or all of the
    shorter's, whatever the case or punctuation). 'none', '无', 'No blockers this week' are
    no blocker: a month of them is not a recurring one ('no' was also found inside
    'Pricing not approved', a word apart)."""
    keyed = [(week, text, tokens(text)) for week, text in texts]
    out: list[tuple[str, int]] = []
    used: set[int] = set()
    for i, (_, text, words) in enumerate(keyed):
        if i in used or not words:
            continue
        weeks = {keyed[i][0]}
        for j in range(i + 1, len(keyed)):
            if j not in used and similar(words, keyed[j][2]):
                weeks.add(keyed[j][0])
                used.add(j)
        if len(weeks) >= 2:
            out.append((text, len(weeks)))
    return out


@dataclass(frozen=True)
class MonthKudos:
    """The month's kudos as every review of a run shows them: kudos received per person
    id and the org's honour roll per locale (None: no kudos that month). Read once per
    run, not once per review: each review read every kudos of the month again."""

    received: dict[int, int]
    rolls: dict[str, Roll | None]
    #: The month is the one in progress (the GM's `/monthly this month`).
    so_far: bool = False


def month_kudos(ctx: Context, year: int, month_no: int, locales: Iterable[str]) -> MonthKudos:
    """The month's kudos, for reviews in `locales`. The roll of the month in progress is
    the one /honours shows: so far, ranking nobody who has left (build_roll's `current`);
    it had read as the month's final roll, with leavers on it."""
    start, end = _bounds(ctx, parse_period(f"{year}-{month_no:02d}"))
    so_far = start <= ctx.clock.now() < end
    kudos = KudosRepo(ctx.session).between(start, end)
    began = first_ran(ctx.session, ctx.clock.now()) if kudos else None
    return MonthKudos(dict(Counter(k.recipient_id for k in kudos)),
                      {locale: build_roll(kudos, ctx.org, locale, year, month_no,
                                          current=so_far, began=began)
                       if kudos else None for locale in set(locales)}, so_far)


def review_weeks(year: int, month_no: int) -> list[str]:
    """The weeks a review of the month reads check-in rounds of: those whose Thursday it
    holds (month_weeks: its check-ins) and those of its working days (its targets: its
    first days may be in a week of the month before)."""
    month = parse_period(f"{year}-{month_no:02d}")
    return sorted(set(month_weeks(year, month_no)) | {week_of(d) for d in month.working_days()})


def review_rounds(ctx: Context, people: Iterable[Person], year: int, month_no: int
                  ) -> dict[int, list[CheckinRound]]:
    """Person id -> their rounds of review_weeks, by week, for the reviews of these people
    (build_review's `rounds`): one read for a page of them, not four for each."""
    people = list(people)
    out: dict[int, list[CheckinRound]] = {p.id: [] for p in people}
    for rnd in ctx.checkins.rounds_of(review_weeks(year, month_no), people):
        out[rnd.person_id].append(rnd)
    return out


def build_review(ctx: Context, person: Person, year: int, month_no: int,
                 locale: str, kudos: MonthKudos | None = None,
                 timezone: str | None = None,
                 rounds: list[CheckinRound] | None = None) -> MonthReview:
    """A director's month: numbers, weeks, blockers, support and recognition
    (`kudos`: the month's, read once for many reviews; `timezone`: the reader's, whose
    calendar days an open request's age counts, as /summary and /support count them;
    the org's by default; `rounds`: theirs from review_rounds, read with a page's
    others, else read here)."""
    if rounds is None:
        rounds = review_rounds(ctx, [person], year, month_no)[person.id]
    # Each use below reads its own weeks of the one read, as it read them apart before.
    every = rounds
    month = parse_period(f"{year}-{month_no:02d}")
    # The month as its figures count it: to the Sunday of its last week (Period.working_days).
    last = month.last_sunday
    after = last + timedelta(days=1)
    review = MonthReview(person.display_name, month.label)
    # The month's weeks are those whose Thursday it holds (as its digests are listed), so
    # a week is in one month's review, not two; and only those whose check-in has been
    # asked by now: the last one may be asked after the review goes out.
    now = ctx.clock.now()
    weeks = [w for w in month_weeks(year, month_no)
             if checkin_moment(ctx.settings.checkin_schedule, person.timezone, w) <= now]
    org_person = ctx.org.person(person.key)
    metrics = [k.metric for k in (org_person.kpis if org_person else ())]
    for g in ctx.org.goals.for_owner("person", person.key):
        if g.metric not in metrics:
            metrics.append(g.metric)
    of_month = set(month_weeks(year, month_no))
    month_rounds = [r for r in every if r.week in of_month]
    # And each metric the month's check-ins asked: a director since taken out of the org
    # file (no KPIs there now), or a KPI dropped since, had that month's figures all the
    # same; the org file of today does not rewrite the month.
    for rnd in sorted(month_rounds, key=lambda r: r.week):
        asked = [str(q["metric"]) for q in rnd.questions or ()
                 if q.get("category") == "kpi" and q.get("metric")]
        answered = [a.question_key[4:] for a in rnd.answers
                    if a.question_key.startswith("kpi:")]
        metrics.extend(m for m in dict.fromkeys(asked + answered) if m not in metrics)
    for metric in metrics:
        kpi = next((k for k in person.kpis if k.metric == metric), None)
        # The month adds up figures in its target's unit only (the goal's written one,
        # else the one its latest check-in asked in, else the KPI's), as /goals does: a
        # KPI moved from USD to CNY mid-month added its dollar weeks to its yuan ones, and
        # its best and worst weeks compared dollars with yuan. A month over before such a
        # move stays in its own unit: read in today's, its dollars were all "not counted".
        goal = _month_goal(ctx, person, metric, month)
        asked_unit = _asked_unit(month_rounds, metric)
        unit = goal.unit if goal is not None and goal.unit and goal.unit_given else \
            asked_unit or (goal.unit if goal is not None else "") or (kpi.unit if kpi else "")
        target = _month_target(ctx, person, metric, month, every, asked_unit)
        probe = Goal(metric, month, target or 1.0, "person", person.key, unit)
        month_actual = goal_actual(ctx.session, ctx.org, probe, last)
        # (The unit as the reader reads it: the org file's per-locale unit.)
        # Named as the month's check-ins asked it, as /summary of its weeks names it: a
        # KPI relabelled since ("Revenue" now "Bookings") read today's word.
        line = MetricMonth(_asked_label(ctx, month_rounds, metric, locale)
                           or metric_label(ctx.org, metric, locale, ctx.renderer),
                           unit_text(ctx.org, metric, unit, locale) if unit else "",
                           month_actual.value, target,
                           other_units=month_actual.other_units)
        quarter = next((g for g in ctx.org.goals.for_owner("person", person.key)
                        if g.metric == metric and g.period.kind == "quarter"
                        and g.period.start <= month.end <= g.period.end), None)
        if quarter is not None:
            so_far = goal_actual(ctx.session, ctx.org, quarter, last)
            # The quarter's last month is read as /goals reads the quarter the day the
            # review is made (bot.goals.progress), at the latest once both its last day
            # and its last week are past: missed on 1 April though March's weeks end on
            # the 28th (2027), not on 1 January while 2026-W53 runs to the 3rd, and not
            # on 30 March when the month in progress is read (`/monthly this month`).
            judged = min(max(month.end + timedelta(days=1), after), ctx.org_today()) \
                if quarter.period.end == month.end else after
            state = progress(quarter, so_far.value, judged, so_far.weeks_in)
            line.quarter, line.quarter_state = quarter.period.label, state.state
            if quarter.period.label.startswith(quarter.period.kind):  # (see parse_period)
                line.quarter_from = quarter.period.start
            line.quarter_pace = state.pace_needed
            line.quarter_left, line.quarter_days_left = state.remaining, state.days_left
            line.quarter_today_counted = state.today_counted
            line.unit = line.unit or unit_text(ctx.org, metric, so_far.unit, locale)
        figures = [(f.week, f.crm if f.crm is not None else f.reported)
                   for f in week_figures(ctx.session, metric, [person.key], weeks)
                   if not unit or figure_unit(ctx.org, metric, f) in (None, unit)]
        figures = [(w, v) for w, v in figures if v is not None]
        if goal is None and is_percent((unit,)):
            _rate_month(line, figures, month_rounds, metric, unit, kpi)
        if not figures and not line.actual:
            # Nothing typed or imported that month (nobody asked): unknown, not 0 sold.
            line.actual = None
        # Weeks that differ: with the same figure each week no week is best or worst.
        if len({v for _, v in figures}) >= 2:
            line.best = max(figures, key=lambda f: f[1])  # type: ignore[arg-type,return-value]
            line.worst = min(figures, key=lambda f: f[1])  # type: ignore[arg-type,return-value]
        review.metrics.append(line)
    asked_weeks = set(weeks)
    rounds = [r for r in every if r.week in asked_weeks]
    submitted = {r.week for r in rounds if r.status == "submitted"}
    # A week an away period covered the check-in of was not asked: not a missed one
    # (unless answered all the same, finished or begun: the summary reads a week begun
    # before going away in progress, its figures counted), as the summary and the digest
    # count it. Nor a week with no round, whose check-in never went to them (before they
    # joined, say): the GM's summary reads it "no check-in sent", not missed.
    begun = {r.week for r in rounds if r.answers}
    away = {w for (_, w) in away_weeks(ctx, [person], weeks)} - submitted - begun
    review.weeks = len({r.week for r in rounds} - away)
    review.away_weeks = len(away)
    review.checked_in = len(submitted)
    blockers: list[tuple[str, str]] = []
    start, end = _bounds(ctx, month)
    tracked = _support_lines(ctx, person, weeks, start, end, locale, review,
                             timezone or ctx.org.timezone)
    for rnd in rounds:
        answers = {a.question_key: a for a in rnd.answers if not a.skipped}
        if answers.get("blockers") and answers["blockers"].text_value:
            blockers.append((rnd.week, answers["blockers"].text_value))
        kind = answers.get("support_type")
        if kind is not None and kind.text_value and kind.text_value != "none" \
                and rnd.id not in tracked:
            detail = answers.get("support_detail")
            review.support.append(SupportLine(rnd.week, ctx.renderer.choice_label(
                locale, "support_type", kind.text_value),
                detail.text_value if detail and detail.text_value else ""))
    review.support.sort(key=lambda line: (line.week, line.n or 0))
    review.blockers = recurring_blockers(blockers)
    if kudos is None or locale not in kudos.rolls:
        kudos = month_kudos(ctx, year, month_no, [locale])
    review.kudos = kudos.received.get(person.id, 0)
    review.roll = kudos.rolls[locale]
    review.roll_so_far = kudos.so_far
    return review


def _support_lines(ctx: Context, person: Person, weeks: list[str], start: datetime,
                   end: datetime, locale: str, review: MonthReview, timezone: str) -> set[int]:
    """Add the director's tracked requests asked in the month's weeks or open at some
    time in it (opened, resolved in it, or still open all through it), with resolution
    times and, still open, their age in `timezone`'s calendar days; returns the ids of the
    rounds they came from."""
    rows = list(ctx.session.scalars(
        select(SupportRequest).where(
            SupportRequest.requester_id == person.id,
            # Open in the month, not only asked in it: a request asked for in October and
            # never again stays open, and ageing, all November (a later "no support
            # needed" closes nothing); November's /summary flags it, so its review and
            # the GM's overview count it open at the month's end too.
            or_(SupportRequest.id.in_(select(SupportWeek.request_id).where(
                SupportWeek.week.in_(weeks))),
                (SupportRequest.opened_at < end)
                & ((SupportRequest.resolved_at >= start)
                   | SupportRequest.status.in_(OPEN_STATES))))
        .options(selectinload(SupportRequest.weeks)).order_by(SupportRequest.opened_at)))
    rounds: set[int] = set()
    times: list[int] = []
    # The age at the month's end, or now for the month in progress (not at a day still to
    # come), as a week's summary reads its requests at the week's end or now.
    aged_at = min(end, ctx.clock.now())
    for r in rows:
        rounds.update(w.round_id for w in r.weeks)
        line = SupportLine(r.week, ctx.renderer.choice_label(locale, "support_type", r.kind),
                           r.latest_detail, r.status, r.id,
                           department_name(ctx.org.support, ctx.renderer, locale,
                                           r.department),
                           r.resolution or "")
        if r.status == "resolved" and r.resolved_at is not None and r.resolved_at < end:
            # The day and the days in the reader's calendar, as /support N reads them:
            # 24-hour periods read a request opened one evening and resolved the next
            # morning as resolved in 0.4 days where /support N says 1.
            line.resolved_on = as_utc(r.resolved_at).astimezone(ZoneInfo(timezone)).date()
            line.days = age_days(r.opened_at, r.resolved_at, timezone)
            if r.resolved_at >= start:
                times.append(line.days)
        elif r.status in ("open", "acknowledged") or (r.resolved_at and r.resolved_at >= end):
            # Still open when the month ended (a later resolution is next month's news).
            line.status = "open" if r.acknowledged_at is None or r.acknowledged_at >= end \
                else "acknowledged"
            # Calendar days, as /summary and /support count them and flag the ageing:
            # 24-hour periods read a request opened Monday evening 3 days old on Friday.
            line.age = age_days(r.opened_at, aged_at, timezone)
            line.so_far = aged_at < end
        review.support.append(line)
    if times:
        review.resolution_median = round_half_up(median(times), 1)
        review.resolution_longest = max(times)
    return rounds


def _bounds(ctx: Context, month: Period) -> tuple[datetime, datetime]:
    return period_of(month.start.year, month.start.month, ctx.org.tz)


@dataclass(frozen=True)
class MonthlyRun:
    """What a day's monthly review sends: last month's, to these directors and GMs."""

    year: int
    month: int
    directors: list[int]  # person ids, in key order
    gms: list[int]
    kudos: MonthKudos
    #: After the month's opening days: only reviews held while their director was away.
    late: bool = False
    #: Directors whose review of the month before was never sent (see unsent_while_away):
    #: theirs says so.
    missed: set[int] = field(default_factory=set)

    @property
    def tag(self) -> str:
        """The month as 'YYYY-MM'."""
        return f"{self.year}-{self.month:02d}"


def monthly_run(ctx: Context) -> MonthlyRun | None:
    """Last month's review from POST_HOUR (org time) on the first working day of a month
    to its seventh day (honours.month_opening); later in the month (`late`), only to the
    directors it waited for while they were away then; None otherwise. Nothing is sent:
    see send_director_review. Directors whose review is recorded already are left out, so
    a restart, or the job firing again, builds none of theirs again (0.1 s each)."""
    local = ctx.clock.now().astimezone(ctx.org.tz)
    late = not month_opening(local)
    held: set[int] = set()
    if late:
        if local.day <= CATCH_UP_DAYS:
            return None  # before the first working day's POST_HOUR
        # Later in the month, only the reviews held for someone away in the opening days
        # (send_director_review), once they are back: usually nobody, read in one query.
        held = _away_in_opening(ctx, local)
        if not held:
            return None
    year, month_no = previous_month(local.date())
    if before_first_run(ctx, year, month_no):
        return None  # a fresh install: no review of a month it did not run in
    tag = f"{year}-{month_no:02d}"
    people = ctx.people.active()
    directors = [p for p in people if p.role == "director" and (not late or p.id in held)]
    sent = RoundBatchRepo(ctx.session).taken_dedupe_keys(
        [f"monthly:{tag}:{p.key}" for p in directors])
    due = [p for p in directors if f"monthly:{tag}:{p.key}" not in sent]
    remaining = [p.id for p in due]
    if late and not remaining:
        return None
    # (The month's kudos only for reviews still to build: a start that week reads none.)
    kudos = month_kudos(ctx, year, month_no, {p.locale for p in people}) if remaining \
        else MonthKudos({}, {})
    return MonthlyRun(year, month_no, remaining, [p.id for p in people if p.role == "gm"],
                      kudos, late, _missed(ctx, year, month_no, due))


def send_director_review(ctx: Context, run: MonthlyRun, director_id: int, *,
                         even_away: bool = False) -> None:
    """One director's review to them, the month's digests named, and the first of the
    three questions (all once: a message already recorded for this month and person is
    not sent again, and the questions start only with a new review)."""
    director = ctx.session.get(Person, director_id)
    if director is None or not director.active:
        return  # left the org since the run began
    if not even_away and ctx.away.is_away(director.id, director.timezone, ctx.clock.now()):
        # A review and three questions on holiday are work sent to someone off: they wait
        # until the director is back, for the first run after it (monthly_run), or
        # their own /monthly (`even_away`).
        return
    # Read at one moment (see one_moment): a check-in submitted meanwhile counted in the
    # weeks checked in and not in the revenue. Sent through ctx, which writes.
    with one_moment(ctx) as seen:
        review = build_review(seen, seen.session.get(Person, director_id) or director,
                              run.year, run.month, director.locale, run.kudos,
                              director.timezone)
    # (The month before's review never went out, held all the month after: said here.)
    missed = "{}-{:02d}".format(*previous_month(date(run.year, run.month, 1))) \
        if director.id in run.missed else None
    # In the middle of another dialog its questions wait (resume_held): said, as the
    # check-in prompt and the survey invitation say it, so they are not thought lost. So
    # too when asked something else since they were read free (another replica's round,
    # the GM's survey): the first question is recorded only over a dialog still not under
    # way, before the review is worded (ConversationRepo.wait_for_unless_under_way).
    now = ctx.clock.now()
    first = f"{run.tag}:{MONTHLY_QUESTIONS[0]}"
    held = under_way(ctx, director, now) or not ctx.conversations.wait_for_unless_under_way(
        director, CONVERSATION, first, now=now)
    new = ctx.tell(director, "monthly_review", review=review, own=True, missed=missed,
                   held=held, dedupe_key=f"monthly:{run.tag}:{director.key}")
    if not new and not held:
        # Sent before (or meanwhile by another transaction): not waiting here for an
        # answer to a question this one does not send.
        ctx.conversations.clear(director)
    # The month's weekly digests, named, with its attainment chart (once; before the
    # questions, so that the first question is the last message).
    send_month_digests(ctx, director, run.year, run.month)
    # The GM gets no copy: one DM per director flooded a GM of hundreds. The overview
    # follows once every director's review has gone (monthly_gm.send_gm_overview).
    # Someone in the middle of another dialog is asked once it ends (resume_held).
    if new and not held:
        _ask(ctx, director, run.tag, MONTHLY_QUESTIONS[0],
             f"monthly:{run.tag}:q:{director.key}", recorded=True)


def resume_held(ctx: Context, person: Person) -> bool:
    """Ask the first of last month's questions if its review reached the person while
    they were in another dialog and the questions have not started; False otherwise."""
    if person.role != "director":
        return False
    year, month_no = previous_month(ctx.org_today())
    tag = f"{year}-{month_no:02d}"
    review, first = f"monthly:{tag}:{person.key}", f"monthly:{tag}:q:{person.key}"
    taken = RoundBatchRepo(ctx.session).taken_dedupe_keys([review, first])
    if review not in taken or first in taken or MonthlyRepo(ctx.session).answers(person, tag):
        return False
    _ask(ctx, person, tag, MONTHLY_QUESTIONS[0], first)
    return True


def send_gm_digests(ctx: Context, run: MonthlyRun) -> None:
    """The GMs' own month of digests, named (once each)."""
    for gm in _people(ctx, run.gms):
        send_month_digests(ctx, gm, run.year, run.month)


def _people(ctx: Context, ids: list[int]) -> list[Person]:
    return [p for pid in ids if (p := ctx.session.get(Person, pid)) is not None and p.active]


def _ask(ctx: Context, person: Person, tag: str, question: str,
         dedupe_key: str | None = None, *, recorded: bool = False) -> None:
    # (`recorded`: the dialog already waits for it, see send_director_review.)
    if not recorded:
        ctx.conversations.wait_for(person, CONVERSATION, f"{tag}:{question}",
                                   now=ctx.clock.now())
    index = MONTHLY_QUESTIONS.index(question) + 1
    ctx.tell(person, "monthly_question", question=question, index=index,
             total=len(MONTHLY_QUESTIONS), month=tag, dedupe_key=dedupe_key,
             asks=None if dedupe_key else asked_in(tag, person))


def asked_in(tag: str, person: Person) -> str:
    """What a monthly question sent without a key (the next one after an answer,
    /monthly's) is marked as asking (bot.events.ASKS_KEY): withdrawn by it."""
    return f"monthly:{tag}:{person.id}"


def _withdraw_questions(ctx: Context, person: Person, tags: set[str]) -> int:
    """Drop the questions of these months' reviews to `person` still waiting in the outbox:
    the first (sent with the review) keeps its key, so that resume_held does not ask it
    again when another dialog ends (`/monthly` carries on); the next ones (each the reply
    to an answer) carry none. How many were dropped."""
    return ctx.outbox.withdraw([f"monthly:{tag}:q:{person.key}" for tag in sorted(tags)],
                               ctx.clock.now(), keep_keys=True,
                               asks=[asked_in(tag, person) for tag in sorted(tags)])


def withdraw_paused(ctx: Context, person: Person, conv: Conversation) -> int:
    """The monthly questions `conv` waited on were put aside with /pause: drop those still
    waiting in the outbox, which would ask after "Paused" what no longer takes what is
    typed (_withdraw_questions). How many were dropped."""
    tag = (conv.question_key or "").partition(":")[0]
    return _withdraw_questions(ctx, person, {tag}) if tag else 0


def withdraw_for_away(ctx: Context, person: Person) -> int:
    """`person` is away from now: drop last month's questions (and those of the month the
    dialog waits on) still waiting in the outbox, the platform down or rate limiting since
    (_withdraw_questions): questions on holiday are work sent to someone off, as the review
    that waits for them once back (send_director_review). The review itself, queued
    before, still goes, as at /pause. The dialog waiting on one ends: its question never
    arrived (`/monthly` asks it). How many were dropped."""
    if person.role != "director":
        return 0
    year, month_no = previous_month(ctx.org_today())
    tags = {f"{year}-{month_no:02d}"}
    conv = ctx.conversations.get(person)
    waiting = conv is not None and conv.kind == CONVERSATION and bool(conv.question_key)
    if waiting:
        tags.add((conv.question_key or "").partition(":")[0])
    dropped = _withdraw_questions(ctx, person, tags)
    if dropped and waiting:
        ctx.conversations.clear(person)
    return dropped


def ask_again(ctx: Context, person: Person, conv: Conversation) -> bool:
    """Ask again the monthly question `conv` waits on, put aside by a 1:1 dialog that
    came after it (handlers.waiting.back_to_dialog); False if `conv` is not one."""
    tag, _, question = (conv.question_key or "").partition(":")
    if conv.kind != CONVERSATION or question not in MONTHLY_QUESTIONS:
        return False
    ctx.reply("back_to_dialog", kind=CONVERSATION, asks=asked_in(tag, person))
    _ask(ctx, person, tag, question)
    return True


def on_text(ctx: Context, text: str) -> bool:
    """A director's answer to a monthly review question; False if none is open."""
    person = ctx.person
    if person is None:
        return False
    conv = ctx.conversations.get(person)
    if conv is None or conv.kind != CONVERSATION or not conv.question_key:
        return False
    tag, _, question = conv.question_key.partition(":")
    if question not in MONTHLY_QUESTIONS:
        ctx.conversations.clear(person)
        return False
    if is_pause(text):
        pause(ctx, person)
        return True
    # '跳过' / 'skip', as the check-in takes them: no answer, not the word, goes to the GM.
    answer = "" if is_skip(text) else text.strip()
    if len(answer) > 2000:
        ctx.reply("monthly_too_long", limit=2000)
        return True
    repo = MonthlyRepo(ctx.session)
    repo.save(person, tag, question, answer, ctx.clock.now())
    answers = repo.answers(person, tag)
    missing = [q for q in MONTHLY_QUESTIONS if q not in answers]
    # Answering again (/monthly once all three are in asks the first): the rest follow in
    # turn, each answer replacing the one before; the first pass asks what is missing.
    after = MONTHLY_QUESTIONS[MONTHLY_QUESTIONS.index(question) + 1:]
    following = missing[0] if missing else after[0] if after else None
    if following is not None:
        _ask(ctx, person, tag, following)
        return True
    ctx.conversations.clear(person)
    ctx.reply("monthly_thanks")
    from handlers.monthly_gm import tell_answers_arriving

    tell_answers_arriving(ctx, person, tag)
    after_dialog(ctx, person)
    return True


def skip(ctx: Context, person: Person) -> bool:
    """/skip with a monthly question open: leave it unanswered; False if none is open."""
    conv = ctx.conversations.get(person)
    if conv is None or conv.kind != CONVERSATION or not conv.question_key:
        return False
    return on_text(ctx, "skip")


def pause(ctx: Context, person: Person) -> None:
    """Put the monthly questions aside; /monthly asks the next one again."""
    conv = ctx.conversations.get(person)
    ctx.conversations.clear(person)
    if conv is not None:
        withdraw_paused(ctx, person, conv)
    ctx.reply("checkin_paused", resume="monthly")


def cmd_monthly(ctx: Context, args: str) -> None:
    """/monthly: a director answers (or finishes) last month's review questions; the GM
    reads the month's overview, a director's review or the answers (monthly_gm)."""
    person = ctx.person
    assert person is not None
    if person.role == "gm":
        from handlers.monthly_gm import cmd_monthly_gm

        cmd_monthly_gm(ctx, args)
        return
    if person.role != "director":
        ctx.reply("monthly_not_director")
        return
    local = ctx.org_today()
    year, month_no = previous_month(local)
    tag = f"{year}-{month_no:02d}"
    sent = bool(RoundBatchRepo(ctx.session).taken_dedupe_keys([f"monthly:{tag}:{person.key}"]))
    if args.strip():
        # '/monthly bruno', '/monthly answers' (the GM's forms): asking question 1 again
        # without a word read as if the bot had not understood. (No questions are
        # promised about a month whose review was not sent: when one comes follows.)
        ctx.reply("monthly_director_usage", month=tag if sent else None)
        if not sent:
            _not_sent_yet(ctx, person, tag)
        return
    if not sent and (run := held_run(ctx, person)) is not None:
        # Theirs waited while they were away; asked for, it comes now.
        send_director_review(ctx, run, person.id, even_away=True)
        return
    if not sent:
        # Questions about a month whose review they never got (a director since the
        # middle of the month, a fresh install) came out of the blue: said instead.
        _not_sent_yet(ctx, person, tag)
        return
    answers = MonthlyRepo(ctx.session).answers(person, tag)
    missing = [q for q in MONTHLY_QUESTIONS if q not in answers]
    _ask(ctx, person, tag, missing[0] if missing else MONTHLY_QUESTIONS[0])


def held_run(ctx: Context, person: Person) -> MonthlyRun | None:
    """Last month's review for `person` alone if it waited while they were away and has
    not been sent (their /monthly, and /back, send it at once); None otherwise."""
    if person.role != "director":
        return None
    year, month_no = previous_month(ctx.org_today())
    tag = f"{year}-{month_no:02d}"
    if RoundBatchRepo(ctx.session).taken_dedupe_keys([f"monthly:{tag}:{person.key}"]) \
            or not _held_for(ctx, person):
        return None
    return MonthlyRun(year, month_no, [person.id], [], month_kudos(
        ctx, year, month_no, {person.locale}), late=True,
        missed=_missed(ctx, year, month_no, [person]))


def month_after(year: int, month_no: int) -> tuple[int, int]:
    """(year, month) of the month after this one."""
    return (year + 1, 1) if month_no == 12 else (year, month_no + 1)


def unsent_while_away(ctx: Context, year: int, month_no: int, people: list[Person]
                      ) -> dict[int, str]:
    """Of `people`, those whose review of the month waited while they were away in the
    next month's opening days and has not been sent: person id -> "held" while the next
    month lasts (it goes out once they are back), "dropped" once it is over and they were
    still away at its end (it is never sent: its questions would ask for the plan of a
    month gone by).
    Nobody before the reviews went out, at the next month's first working day's POST_HOUR."""
    ny, nm = month_after(year, month_no)
    first = first_working_day(ny, nm)
    now = ctx.clock.now()
    if now < datetime.combine(first, time(POST_HOUR), ctx.org.tz) or not people:
        return {}
    near = ctx.away.near(first, first.replace(day=CATCH_UP_DAYS))
    keys = {p.id: f"monthly:{year}-{month_no:02d}:{p.key}" for p in people if p.id in near}
    if not keys:
        return {}
    taken = RoundBatchRepo(ctx.session).taken_dedupe_keys(list(keys.values()))
    unsent = [p for p in people if p.id in keys and keys[p.id] not in taken]
    local = now.astimezone(ctx.org.tz)
    if (local.year, local.month) == (ny, nm):
        return dict.fromkeys((p.id for p in unsent), "held")
    # Dropped: away still at the month's last run (its last working day's POST_HOUR); one
    # back before it was sent theirs then, so one not sent for another reason (the bot
    # down) is not said to have been away.
    end = datetime.combine(last_working_day(ny, nm), time(POST_HOUR), ctx.org.tz)
    away = ctx.away.covering([(p.id, p.timezone, end) for p in unsent])
    return {p.id: "dropped" for p in unsent if (p.id, end) in away}


def never_sent(ctx: Context, year: int, month_no: int, people: list[Person]) -> set[int]:
    """Of `people`, the ids of those whose review of the month was never sent (away until
    the month after ended): they had no questions, so the count of answers to come, the
    "not answered yet" list and "all directors have answered" leave them out."""
    return {pid for pid, state in unsent_while_away(ctx, year, month_no, people).items()
            if state == "dropped"}


def not_sent_one(ctx: Context, year: int, month_no: int, directors: list[Person], *,
                 fresh: bool | None = None, waiting: Mapping[int, str] | None = None
                 ) -> set[int]:
    """Of `directors`, the ids of those the month's review never went to and will not: one
    added to the org file after the reviews went out (past the opening days' last run, at
    09:00 on the 7th or the last weekday before it: no run sends it any more) had no
    questions, so "all directors have answered" and the answers still to come leave them
    out. Those it waits for (away, or the next opening run not yet at them) are not among
    them; nor is anyone before the reviews went out. Of a month the bot did not run in
    (before_first_run, or `fresh` when the caller has it), nobody was sent one, nor will
    be (see unsent_why). `waiting`: unsent_while_away of these directors (or more), when
    the caller has it (read again, it cost the away calendar and the outbox once more)."""
    if fresh is None:
        fresh = before_first_run(ctx, year, month_no)
    if not fresh and ctx.clock.now() < last_opening_run(*month_after(year, month_no),
                                                        ctx.org.tz):
        return set()
    keys = {p.id: f"monthly:{year}-{month_no:02d}:{p.key}" for p in directors}
    sent = RoundBatchRepo(ctx.session).taken_dedupe_keys(list(keys.values()))
    unsent = [p for p in directors if keys[p.id] not in sent]
    if not unsent or fresh:
        return {p.id for p in unsent}
    # Held for someone away in the opening days goes out once they are back; dropped is
    # counted apart (never_sent).
    if waiting is None:
        waiting = unsent_while_away(ctx, year, month_no, unsent)
    return {p.id for p in unsent if p.id not in waiting}


def unsent_why(ctx: Context, year: int, month_no: int, *, fresh: bool | None = None) -> str:
    """Why not_sent_one's directors had no review of the month, as the GM reads it:
    "before" (the bot first ran after the month ended: before_first_run, or `fresh` when
    the caller has it) or "joined" (added since)."""
    if fresh is None:
        fresh = before_first_run(ctx, year, month_no)
    return "before" if fresh else "joined"


def _missed(ctx: Context, year: int, month_no: int, directors: list[Person]) -> set[int]:
    """Of the directors a review of the month goes to, those whose review of the month
    before was never sent (its review says so)."""
    return never_sent(ctx, *previous_month(date(year, month_no, 1)), directors)


def _held_for(ctx: Context, person: Person) -> bool:
    """Whether last month's review, not sent to `person`, is one that waited while they
    were away in this month's opening days (see send_director_review)."""
    local = ctx.clock.now().astimezone(ctx.org.tz)
    first = first_working_day(local.year, local.month)
    if local < datetime.combine(first, time(POST_HOUR), ctx.org.tz):
        return False
    return person.id in _away_in_opening(ctx, local)


def _away_in_opening(ctx: Context, local: datetime) -> set[int]:
    """The ids of those with time away in the opening days of `local`'s month (its first
    working day to CATCH_UP_DAYS), whose review send_director_review held."""
    first = first_working_day(local.year, local.month)
    return ctx.away.near(first, first.replace(day=CATCH_UP_DAYS))


_REVIEW_KEY = re.compile(r"monthly:\d{4}-\d{2}:(.+)")


def _not_sent_yet(ctx: Context, person: Person, last_month: str) -> None:
    """/monthly from a director whose review of last month was not sent: none to answer;
    when the next review comes (in their timezone), or that it is on its way."""
    local = ctx.clock.now().astimezone(ctx.org.tz)
    opening = datetime.combine(first_working_day(local.year, local.month),
                               time(POST_HOUR), ctx.org.tz)
    # A fresh install reviews no month before it first ran: its first is this month's.
    reviewed = not before_first_run(ctx, *previous_month(local.date()))
    if reviewed and local < opening:  # last month's reviews go out later this month
        month, when = last_month, opening
    elif reviewed and local < last_opening_run(local.year, local.month, ctx.org.tz):
        # Going out now, or at the next opening run (09:00 on a weekday up to the 7th).
        # Added after the last one, no run reaches them: the next month's is named.
        month, when = last_month, None
    else:  # this month's, at the next month's opening
        year, month_no = (local.year + 1, 1) if local.month == 12 else \
            (local.year, local.month + 1)
        month = f"{local.year}-{local.month:02d}"
        when = datetime.combine(first_working_day(year, month_no), time(POST_HOUR),
                                ctx.org.tz)
    keys = RoundBatchRepo(ctx.session).dedupe_keys_between("monthly:", f":{person.key}")
    ever = any((m := _REVIEW_KEY.fullmatch(k)) is not None and m.group(1) == person.key
               for k in keys)
    at = when.astimezone(ZoneInfo(person.timezone)) if when is not None else None
    ctx.reply("monthly_not_sent_yet", last_month=last_month, month=month, first=not ever,
              when=at.strftime("%Y-%m-%d %H:%M") if at is not None else None,
              last_day=f"{local.year}-{local.month:02d}-{CATCH_UP_DAYS:02d}")

"""Goals: targets per metric for a period (week, month, quarter, half-year, year), for the
org, a team or a person; their weekly breakdown, progress arithmetic and the check that
the parts add up to the whole.

Plain data and arithmetic only (no database): the org loader builds a GoalBook from the
org file (or the goals file it names), and handlers/goals.py feeds it actuals.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

import yaml

from bot.file_words import os_reason, yaml_problem
from bot.numbers import half_up, in_rupees, indian_grouped
from bot.suggest import did_you_mean
from bot.text import Problem, not_utf8, said_in
from bot.weeks import week_start, weeks_in_year
from handlers.answers import is_percent

Scope = Literal["org", "team", "person"]
PERIOD_KINDS = ("week", "month", "quarter", "half-year", "year")
_KIND_ALIASES = {"week": "week", "month": "month", "quarter": "quarter", "half-year": "half-year",
                 "half": "half-year", "halfyear": "half-year", "year": "year"}
_MONTHS = {"month": 1, "quarter": 3, "half-year": 6, "year": 12}


@dataclass(frozen=True)
class Period:
    """A span of days [start, end] (both included), with the label the GM wrote."""

    kind: str
    start: date
    end: date
    label: str

    def working_days(self) -> list[date]:
        """Monday to Friday of the ISO weeks the period counts: those whose Thursday falls
        in it. A week counts whole in the month, quarter or year of its Thursday, as ISO
        weeks do and as /summary's month and quarter to date count it: figures come a week
        at a time, and a week split by its days counted Monday 30 November 2026 (2026-W49)
        in November's goal and review while December's month to date held it too."""
        return [d for d in _days(self.first_monday, self.last_sunday) if d.weekday() < 5]

    @property
    def first_monday(self) -> date:
        """The Monday of the first week the period counts (its Thursday in the period)."""
        thursday = self.start + timedelta(days=(3 - self.start.weekday()) % 7)
        return thursday - timedelta(days=3)

    @property
    def last_sunday(self) -> date:
        """The Sunday of the last week the period counts (its Thursday in the period)."""
        thursday = self.end - timedelta(days=(self.end.weekday() - 3) % 7)
        return thursday + timedelta(days=3)


@dataclass(frozen=True)
class WorkingWeek:
    """One ISO week a period counts (its Thursday in the period): its working days and its
    target."""

    week: str
    days: tuple[date, ...]
    target: float


@dataclass(frozen=True)
class Goal:
    """A target for one metric and period, set for the org, a team or a person."""

    metric: str
    period: Period
    target: float
    scope: Scope
    owner: str | None  # the team's name or the person's key; None for the org
    unit: str = ""
    weekly_plan: tuple[float, ...] | None = None
    #: The unit was written in the entry; else it was taken from the KPIs the org file
    #: asks today, and a period's figures asked in one other unit are read in theirs
    #: (handlers.goals.goal_actual).
    unit_given: bool = True

    def weeks(self) -> list[WorkingWeek]:
        """The working weeks with their targets: the plan's, or the target spread evenly
        over the weeks (Period.working_days: a week counts whole in its Thursday's period)."""
        grouped = _group_weeks(self.period)
        total_days = sum(len(days) for _, days in grouped)
        out: list[WorkingWeek] = []
        for i, (week, days) in enumerate(grouped):
            if self.weekly_plan is not None:
                share = self.weekly_plan[i]
            else:
                share = self.target * len(days) / total_days if total_days else 0.0
            out.append(WorkingWeek(week, tuple(days), share))
        return out

    def describe(self) -> str:
        """'revenue 2026-Q4 (team East)', for messages about the file."""
        who = {"org": "org", "team": f"team {self.owner}", "person": str(self.owner)}[self.scope]
        return f"{self.metric} {self.period.label} ({who})"


@dataclass(frozen=True)
class Progress:
    """Where a goal stands on a day: actual to date against the plan to date, and the
    pace needed over the working days left."""

    goal: Goal
    actual: float
    planned_to_date: float
    days_total: int
    days_elapsed: int
    state: Literal["not_started", "on_track", "behind", "achieved", "missed"]
    #: A person's goal on a rate, behind: what the weeks still to come (`rate_weeks_left`,
    #: none reported yet) need on average to bring the mean of the period to the target.
    rate_needed: float | None = None
    rate_weeks_left: int = 0
    #: Today is among the days done (`days_elapsed`): its week's figure is in and covers
    #: it, as the plan to date counts it; the days left start tomorrow.
    today_counted: bool = False
    #: The working days the plan to date counts: fewer than `days_elapsed` while the week
    #: in progress has no figure (its days gone by are in neither the plan nor an actual).
    #: None: the same as `days_elapsed`.
    plan_days: int | None = None

    @property
    def rate(self) -> bool:
        """The goal is on a rate (its unit %): its actual is a mean, its target one too, and
        nothing of it adds up week by week (no plan pro-rated, no pace a week)."""
        return is_percent((self.goal.unit,))

    @property
    def attainment(self) -> float | None:
        """Actual over the whole target."""
        return self.actual / self.goal.target if self.goal.target else None

    @property
    def remaining(self) -> float:
        """What is still to be done (never negative)."""
        return max(self.goal.target - self.actual, 0.0)

    @property
    def remaining_shown(self) -> float:
        """`remaining` as /goals says it: to the whole unit, a half up, but something still
        to do never reads 0 (0.01 short of 150,000 reads 0.01, not "Still needed: 0")."""
        whole = float(half_up(self.remaining))
        return whole if whole > 0 or self.remaining == 0 else self.remaining

    @property
    def days_left(self) -> int:
        """Working days left in the period: today included, unless its week's figure is in
        (`today_counted`), which the plan to date counts today done with."""
        return self.days_total - self.days_elapsed

    @property
    def pace_needed(self) -> float | None:
        """What has to come in per working week (5 working days) to reach the target;
        None once the period is over, and for a rate (a mean is not reached by adding to it)."""
        if self.days_left <= 0 or self.rate:
            return None
        # Over the days the plan has not counted: a week in progress with no figure yet
        # brings its Monday's sales too, in that week's figure. Over the calendar days left
        # alone, a director exactly on plan on a Thursday was asked more than the plan a week.
        counted = self.days_elapsed if self.plan_days is None else self.plan_days
        return self.remaining / max(self.days_total - counted, self.days_left) * 5


def progress(goal: Goal, actual: float, today: date,
             weeks_in: Collection[str] | None = None) -> Progress:
    """A goal's progress on `today`: days before today count as done, today too once its
    week's figure is in (see `weeks_in`).

    `weeks_in`: the weeks the actual has a figure for. The week in progress then counts in
    the plan to date only once its figure is in: figures come a week at a time, at its
    check-in, and on a Thursday the plan would otherwise hold three days whose sales
    nobody has reported yet (every director 'behind', every week). Once it is in, its
    days up to and including today count, as the figure does (a check-in's "this week",
    the CRM's rows up to today): Monday to Thursday of the plan against Friday's weekly
    figure read 'on track' a director short of the week's target. None: every day
    before today counts.

    A rate's (a goal in %: `actual` the mean of its weeks) is held against the target
    itself once the period has begun, a mean never pro-rated by the weeks gone by; it is
    achieved or missed only once the period is over, as later weeks still move a mean."""
    days = goal.period.working_days()
    elapsed = sum(1 for d in days if d < today)
    if is_percent((goal.unit,)):
        return _rate_progress(goal, actual, today, len(days), elapsed, weeks_in)
    planned = 0.0
    plan_days = 0
    today_counted = False
    for week in goal.weeks():
        over = week_start(week.week) + timedelta(days=6) < today
        reported = weeks_in is not None and week.week in weeks_in
        done = sum(1 for d in week.days if d < today or (reported and d == today))
        if done and (over or weeks_in is None or reported):
            planned += week.target * done / len(week.days)
            plan_days += done
        # The pace is over the days the plan has not counted: with today in the plan (and
        # in the figure), spreading what is left over today again asked too little a week.
        today_counted = today_counted or (reported and today in week.days)
    elapsed += 1 if today_counted else 0
    # (The period as counted: from the Monday of its first week to the Sunday of its last.)
    if today <= goal.period.first_monday:
        state = "achieved" if actual >= goal.target else "not_started"
    elif actual >= goal.target:
        state = "achieved"
    elif today > max(goal.period.end, goal.period.last_sunday):
        # Missed only once the period is over: its last day and the Sunday of its last
        # week both past. A period ending on a Monday to Wednesday (31 March 2027, fiscal
        # Q4 from April) hands that week to the next period, so its weeks end on the
        # Sunday before (28 March); on 29-31 March the quarter still runs and a late
        # figure of its weeks may still come in: behind, with nothing left to plan.
        state = "missed"
    else:
        # A hair of tolerance: a plan spread over days is rarely a whole number.
        state = "on_track" if actual >= planned - 1e-6 * max(goal.target, 1) else "behind"
    return Progress(goal, actual, planned, len(days), elapsed, state,  # type: ignore[arg-type]
                    today_counted=today_counted, plan_days=plan_days)


def _rate_progress(goal: Goal, actual: float, today: date, days: int, elapsed: int,
                   weeks_in: Collection[str] | None) -> Progress:
    """progress() of a goal on a rate: its mean against its target, as is; a person's,
    behind, with the mean its weeks still to come need (one figure a week: 22.5 % over
    four weeks, five to come, need 36 % to average 30 %)."""
    begun = today > goal.period.first_monday
    planned = goal.target if begun else 0.0
    over = today > max(goal.period.end, goal.period.last_sunday)  # (as progress())
    met = actual >= goal.target - 1e-9 * max(goal.target, 1)
    if not begun:
        state = "not_started"
    elif over:
        state = "achieved" if met else "missed"
    else:
        state = "on_track" if met else "behind"
    needed, left = None, 0
    if state == "behind" and goal.scope == "person" and weeks_in is not None:
        weeks = [w.week for w in goal.weeks()]
        known = sum(1 for w in weeks if w in weeks_in)
        left = sum(1 for w in weeks if w not in weeks_in
                   and week_start(w) + timedelta(days=6) >= today)
        if left:
            needed = (goal.target * (known + left) - actual * known) / left
    return Progress(goal, actual, planned, days, elapsed, state,  # type: ignore[arg-type]
                    needed, left)


def counts_in(period: Period, week_monday: date) -> bool:
    """Whether an ISO week's figures count towards the period: its Thursday is in it."""
    return period.start <= week_monday + timedelta(days=3) <= period.end


# --- periods ---------------------------------------------------------------------------

_YEAR = re.compile(r"^(\d{4})$")
_HALF = re.compile(r"^(\d{4})-H([12])$", re.IGNORECASE)
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{1,2})$", re.IGNORECASE)


def parse_period(spec: str, start: date | None = None, fiscal_year_start: int = 1) -> Period:
    """A period from its label ('2026', '2026-H2', '2026-Q4', '2026-11', '2026-W48'), or a
    kind ('quarter') with a start date. Raises ValueError with a readable reason, a
    bot.text.Problem (English; Chinese as `.zh`).

    With a fiscal year starting in month m > 1, fiscal year N runs from month m of N-1
    (it is named after the year it ends in): FY2027-Q1 can be December 2026 to February 2027.
    """
    text = str(spec).strip()
    if start is not None:
        kind = _KIND_ALIASES.get(text.lower())
        if kind is None:
            raise ValueError(Problem(
                f"with a start date, period must be one of {', '.join(PERIOD_KINDS)}",
                f"有 start 日期时，period 必须是 {'、'.join(PERIOD_KINDS)} 之一"))
        if kind == "week":
            end = start + timedelta(days=6)
        else:
            end = _add_months(start, _MONTHS[kind]) - timedelta(days=1)
        return Period(kind, start, end, f"{kind} from {start.isoformat()}")
    if (m := _WEEK.match(text)) is not None:
        try:
            monday = date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
        except ValueError:
            year = int(m.group(1))
            if not 1 <= year <= 9998:
                raise ValueError(Problem(f"{text!r} is not an ISO week",
                                         f"{text!r} 不是 ISO 周")) from None
            last = weeks_in_year(year)  # 2025 has 52, 2026 has 53
            raise ValueError(Problem(
                f"{text!r} is not an ISO week: the weeks of {year} run from "
                f"{year}-W01 to {year}-W{last:02d}",
                f"{text!r} 不是 ISO 周：{year} 年的周从 {year}-W01 到 {year}-W{last:02d}"
            )) from None
        return Period("week", monday, monday + timedelta(days=6),
                      f"{m.group(1)}-W{int(m.group(2)):02d}")
    fy0 = _fiscal_start(fiscal_year_start)
    if (m := _YEAR.match(text)) is not None:
        first = fy0(int(m.group(1)))
        return Period("year", first, _add_months(first, 12) - timedelta(days=1), text)
    if (m := _HALF.match(text)) is not None:
        first = _add_months(fy0(int(m.group(1))), 6 * (int(m.group(2)) - 1))
        return Period("half-year", first, _add_months(first, 6) - timedelta(days=1),
                      text.upper())
    if (m := _QUARTER.match(text)) is not None:
        first = _add_months(fy0(int(m.group(1))), 3 * (int(m.group(2)) - 1))
        return Period("quarter", first, _add_months(first, 3) - timedelta(days=1),
                      text.upper())
    if (m := _MONTH.match(text)) is not None and 1 <= int(m.group(2)) <= 12:
        first = date(int(m.group(1)), int(m.group(2)), 1)
        return Period("month", first, _add_months(first, 1) - timedelta(days=1),
                      f"{first.year}-{first.month:02d}")
    raise ValueError(Problem(
        f"period {text!r} is not one of 2026, 2026-H2, 2026-Q4, 2026-11, "
        "2026-W48 (or a kind such as quarter with a start date)",
        f"period {text!r} 不是 2026、2026-H2、2026-Q4、2026-11、2026-W48 这样的期间"
        "（或者写 quarter 这样的类型并给出 start 日期）"))


def fiscal_quarter(day: date, fiscal_year_start: int = 1) -> str:
    """The quarter `day` is in, named as goals name it ('2027-Q1'): with a fiscal year
    starting in month m > 1, after the fiscal year it ends in (m=12: December 2026 is
    2027-Q1). Every view that says "quarter" reads it so, the goals' quarter."""
    months = (day.month - fiscal_year_start) % 12
    year = day.year + 1 if fiscal_year_start > 1 and day.month >= fiscal_year_start else day.year
    return f"{year}-Q{months // 3 + 1}"


def fiscal_first_day(kind: str, day: date, fiscal_year_start: int = 1) -> date:
    """The first day of the quarter or year (`kind`) `day` is in, by the fiscal year."""
    months = (day.month - fiscal_year_start) % 12
    back = months if kind == "year" else months % 3
    return _add_months(day.replace(day=1), -back)


def _fiscal_start(month: int) -> Any:
    def first_day(year: int) -> date:
        return date(year - 1 if month > 1 else year, month, 1)
    return first_day


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1) if day.day == 1 else _clamp(
        index // 12, index % 12 + 1, day.day)


def _clamp(year: int, month: int, day: int) -> date:
    while True:
        try:
            return date(year, month, day)
        except ValueError:
            day -= 1


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _group_weeks(period: Period) -> list[tuple[str, list[date]]]:
    weeks: dict[str, list[date]] = {}
    for d in period.working_days():
        year, week, _ = d.isocalendar()
        weeks.setdefault(f"{year}-W{week:02d}", []).append(d)
    return list(weeks.items())


# --- the breakdown check ----------------------------------------------------------------

@dataclass(frozen=True)
class Gap:
    """Parts that do not add up to their whole: `parts` (name, target) against `whole`."""

    metric: str
    period: Period
    whole: Goal
    parts: tuple[tuple[str, float], ...]
    # (name, unit) of parts in another unit than the whole's (China's CNY under the org's
    # USD): not added, since no rate converts them.
    apart: tuple[tuple[str, str], ...] = ()

    @property
    def allocated(self) -> float:
        """The sum of the parts."""
        return sum(t for _, t in self.parts)

    @property
    def difference(self) -> float:
        """Whole minus parts: > 0 not allocated, < 0 over-allocated."""
        return self.whole.target - self.allocated


def breakdown_gaps(book: GoalBook, teams_of: dict[str, str | None],
                   names: dict[str, str] | None = None) -> list[Gap]:
    """For each metric and period, the people's targets against their team's and the
    teams' against the org's; only sums that differ (by more than a rounding) are listed.

    Without any team goal, the people's targets are held against the org's directly.
    """
    names = names or {}
    gaps: list[Gap] = []

    def gap(whole: Goal, parts: list[Goal], name: Any) -> Gap:
        other = [g for g in parts if g.unit and whole.unit and g.unit != whole.unit]
        return Gap(whole.metric, whole.period, whole,
                   tuple((name(g), g.target) for g in parts if g not in other),
                   tuple((name(g), g.unit) for g in other))

    def person(g: Goal) -> str:
        return names.get(g.owner or "", g.owner or "")

    groups: dict[tuple[str, date, date], list[Goal]] = {}
    for g in book.goals:
        groups.setdefault((g.metric, g.period.start, g.period.end), []).append(g)
    for goals in groups.values():
        org = next((g for g in goals if g.scope == "org"), None)
        teams = [g for g in goals if g.scope == "team"]
        people = [g for g in goals if g.scope == "person"]
        for team in teams:
            members = [g for g in people if teams_of.get(g.owner or "") == team.owner]
            if members:
                gaps.append(gap(team, members, person))
        if org is not None and teams:
            gaps.append(gap(org, teams, lambda g: g.owner or ""))
        elif org is not None and people:
            gaps.append(gap(org, people, person))
    return [g for g in gaps
            if g.apart or abs(g.difference) > 1e-6 * max(abs(g.whole.target), 1)]


def compact(value: float, locale: str = "en", unit: str | None = None) -> str:
    """440000 -> '440k' (en) or '44万' (zh-CN); small numbers as they are (in Chinese every
    number under 1万, with its thousands: '1,500', never the English '1.5k'). A figure in
    rupees (`unit` 'INR', '₹') is whole and grouped in lakhs and crores, '12,34,567', as
    every other rupee figure a person reads (it read '1.2M' or '123.5万')."""
    if in_rupees(unit):
        return indian_grouped(str(int(half_up(value))))
    def trim(x: float) -> str:  # a half up, as every figure shown (bot.numbers)
        return f"{half_up(x, 1):,.1f}".rstrip("0").rstrip(".")
    units = ((1e8, "亿"), (1e4, "万")) if locale == "zh-CN" else ((1e6, "M"), (1e3, "k"))
    # Rounded first, so 99,999,000 reads 1亿 (not 10,000万) and 999,990 1M (not 1,000k);
    # under the smallest unit a number is as it is (950, not 0.95k rounded up to 1k).
    for size, name in units:
        if half_up(abs(value) / size, 1) >= 1 and half_up(abs(value), 1) >= units[-1][0]:
            return f"{trim(value / size)}{name}"
    return trim(value)


def describe_gap(gap: Gap) -> str:
    """One English line for `teampulse check-org`."""
    parts = " + ".join(name for name, _ in gap.parts)
    whole = "the org's" if gap.whole.scope == "org" else f"{gap.whole.owner}'s"
    unit = gap.whole.unit
    line = (f"{gap.metric} {gap.period.label}: {parts} = {compact(gap.allocated, unit=unit)} "
            f"of {whole} {compact(gap.whole.target, unit=unit)}; ")
    line += (f"{compact(gap.difference, unit=unit)} not allocated" if gap.difference > 0
             else f"over-allocated by {compact(-gap.difference, unit=unit)}")
    if gap.apart:
        line += (f"; not added, in another unit than {gap.whole.unit}: "
                 + ", ".join(f"{name} ({unit})" for name, unit in gap.apart))
    return line


# --- reading the goals from the org file ------------------------------------------------

@dataclass(frozen=True)
class GoalBook:
    """Every goal of the org."""

    goals: tuple[Goal, ...] = ()
    fiscal_year_start: int = 1
    source: str | None = None  # the goals file, when the org file names one
    #: Advice on goals the file is valid with all the same (check-org says it): an org or
    #: team goal with no unit over people who report its metric in several units.
    advice: tuple[str, ...] = ()

    def for_owner(self, scope: Scope, owner: str | None) -> list[Goal]:
        """The goals of the org, one team or one person, in file order."""
        return [g for g in self.goals if g.scope == scope and g.owner == owner]


@dataclass(frozen=True)
class PersonInfo:
    """What goal validation needs to know of a person."""

    key: str
    team: str | None
    units: dict[str, str] = field(default_factory=dict)  # metric -> unit of their KPI


def load_goals(raw: Any, org_path: Path, people: list[PersonInfo],
               problems: list[str]) -> GoalBook:
    """Build the GoalBook from the org file's `goals:` (a list, a mapping with `targets:`,
    or the name of a goals file beside the org file), adding each problem found."""
    if raw is None:
        return GoalBook()
    source: str | None = None
    where = "goals"
    if isinstance(raw, str):
        path = (org_path.parent / raw) if not Path(raw).is_absolute() else Path(raw)
        # Its problems read `goals[3] ...`, the file named before them with the line
        # (bot.org.OrgError): `goals.yaml:12: goals[3] ...`.
        source = str(path)
        try:
            text = path.read_text(encoding="utf-8")
            raw = yaml.safe_load(text)
        except FileNotFoundError:
            problems.append(Problem(
                f"goals: the goals file {raw!r} is not found (looked at {path})",
                f"goals：找不到目标文件 {raw!r}（查找位置：{path}）"))
            return GoalBook()
        except yaml.YAMLError as exc:
            # As the org file's own: where, and what (the parser's whole text named
            # "<unicode string>" for the file and quoted it twice).
            mark = getattr(exc, "problem_mark", None)
            at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            at_zh = f"（第 {mark.line + 1} 行第 {mark.column + 1} 列）" if mark else ""
            why = yaml_problem(exc, text)  # the parser's words, and their Chinese
            problems.append(Problem(
                f"goals: the goals file {raw!r} is not valid YAML{at} ({why})",
                f"goals：目标文件 {raw!r} 不是有效的 YAML{at_zh}：{why.zh}"))
            return GoalBook()
        except UnicodeDecodeError as exc:
            # Saved as GBK or ANSI: said as the org file's own, named at the goals file's
            # line (bot.org.goals_file_lines finds it again), not the codec's text.
            problems.append(not_utf8(exc)[1])
            return GoalBook(source=source)
        except (OSError, UnicodeError) as exc:
            # The system's words for the log; their Chinese (Is a directory: 这是一个文件夹).
            zh = os_reason(exc).zh if isinstance(exc, OSError) else str(exc)
            problems.append(Problem(f"goals: the goals file {raw!r} cannot be read: {exc}",
                                    f"goals：无法读取目标文件 {raw!r}：{zh}"))
            return GoalBook()
        if isinstance(raw, dict) and "goals" in raw and len(raw) == 1:
            raw = raw["goals"]
    fiscal = 1
    if isinstance(raw, dict):
        unknown = sorted(set(raw) - {"fiscal_year_start", "targets"})
        if unknown:
            problems.append(Problem(
                f"{where}: unknown field(s) {', '.join(map(str, unknown))} "
                "(use fiscal_year_start and targets)",
                f"{where}：未知的字段 {', '.join(map(str, unknown))}"
                "（请用 fiscal_year_start 和 targets）"))
        fiscal_raw = raw.get("fiscal_year_start", 1)
        if not isinstance(fiscal_raw, int) or not 1 <= fiscal_raw <= 12:
            problems.append(Problem(
                f"{where}: fiscal_year_start must be a month number from 1 to 12",
                f"{where}：fiscal_year_start 必须是 1 到 12 的月份数字"))
        else:
            fiscal = fiscal_raw
        raw = raw.get("targets") or []
    if not isinstance(raw, list):
        problems.append(Problem(
            f"{where}: expected a list of targets (metric, period, target, and "
            "team or person)",
            f"{where}：应为目标的列表（metric、period、target，以及 team 或 person）"))
        return GoalBook(source=source)
    by_key = {p.key: p for p in people}
    teams = {p.team for p in people if p.team}
    goals: list[Goal] = []
    advice: list[str] = []
    seen: dict[tuple[str, Scope, str | None, date, date], int] = {}
    for i, entry in enumerate(raw):
        label = f"{where}[{i}]"
        goal = _goal(entry, label, fiscal, by_key, teams, problems)
        if goal is None:
            continue
        ident = (goal.metric, goal.scope, goal.owner, goal.period.start, goal.period.end)
        if ident in seen:
            problems.append(Problem(
                f"{label} ({goal.describe()}): the same target is also {where}[{seen[ident]}]",
                f"{label}（{goal.describe()}）：同一目标也写在 {where}[{seen[ident]}]"))
            continue
        seen[ident] = i
        goals.append(goal)
        if isinstance(entry, dict) and not entry.get("unit"):
            advice.extend(_mixed_units(goal, label, people))
        if is_percent((goal.unit,)):
            advice.append(_rate_goal(goal, label))
    return GoalBook(tuple(goals), fiscal, source, tuple(advice))


def _rate_goal(goal: Goal, label: str) -> Problem:
    """Advice for a goal on a rate (a KPI in %): /goals and the monthly review read it as
    the mean of its weeks' figures against its target as is, so the target is a rate (30
    for 30 % on average), not the sum of its weeks (120 for four weeks of 30 %), which
    would read 25 %, behind, all quarter. Advice, not a refusal: the file stays valid."""
    return Problem(
        f"{label} ({goal.describe()}): {goal.metric} is a rate (%): /goals and the monthly "
        f"review read this goal as the mean of its weeks' figures (four weeks at 30 % are "
        f"30 % of it, not 120 %), held against the target as it is, never pro-rated: write "
        f"the target as the rate to average (30 for 30 %), not the sum of its weeks",
        f"{label}（{goal.describe()}）：{goal.metric} 是比率（%）：/goals 和月度回顾把此目标"
        f"读作各周数字的平均值（四周各 30 % 即 30 %，而非 120 %），直接与目标比较，不按已过"
        f"的周数折算：目标请写成应达到的平均比率（30 % 写 30），而不是各周之和")


def _mixed_units(goal: Goal, label: str, people: list[PersonInfo]) -> list[Problem]:
    """Advice for an org or team goal set with no unit whose people report its metric in
    several units: it silently took the first one's, and the others' figures were left
    out of it without the file saying so. In both languages (check-org's --locale)."""
    if goal.scope == "person":
        return []
    by_unit: dict[str, list[str]] = {}
    for p in people:
        if goal.metric in p.units and (goal.scope == "org" or p.team == goal.owner):
            by_unit.setdefault(p.units[goal.metric], []).append(p.key)
    if len(by_unit) < 2:
        return []

    def keys(who: list[str]) -> str:
        return ", ".join(who[:3]) + (f" and {len(who) - 3} more" if len(who) > 3 else "")

    def keys_zh(who: list[str]) -> str:
        return "、".join(who[:3]) + (f" 等另外 {len(who) - 3} 人" if len(who) > 3 else "")

    units = [f"{unit} ({keys(who)})" for unit, who in by_unit.items()]
    units_zh = "、".join(f"{unit}（{keys_zh(who)}）" for unit, who in by_unit.items())
    others = [u for u in by_unit if u != goal.unit]
    return [Problem(
        f"{label} ({goal.describe()}): no unit, and {goal.metric} is reported in "
        f"{', '.join(units[:-1])} and {units[-1]}: the goal is read in {goal.unit}, the "
        f"first in the file, and the {' and '.join(others)} figures are not counted in "
        f"it; write the unit it is in (unit: {goal.unit} in its entry), and give the "
        f"{' and '.join(others)} figures a goal of their own in "
        f"{' and '.join(others)}",
        f"{label}（{goal.describe()}）：没有写 unit，而 {goal.metric} 以 {units_zh}汇报："
        f"目标按文件中第一个单位 {goal.unit} 计算，{'、'.join(others)} 的数字不计入；"
        f"请写明目标的单位（在该条目中写 unit: {goal.unit}），并为 {'、'.join(others)} "
        f"的数字另设以 {'、'.join(others)} 计的目标")]


_GOAL_FIELDS = {"metric", "period", "start", "target", "team", "person", "unit", "weekly_plan"}
_METRIC = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


def _goal(entry: Any, label: str, fiscal: int, people: dict[str, PersonInfo],
          teams: set[str], problems: list[str]) -> Goal | None:
    if not isinstance(entry, dict):
        problems.append(Problem(
            f"{label}: expected a mapping with metric, period and target",
            f"{label}：应为包含 metric、period 和 target 的映射"))
        return None
    before = len(problems)
    unknown = sorted(str(k) for k in set(entry) - _GOAL_FIELDS)
    split = [k for k in set(entry) - _GOAL_FIELDS if isinstance(k, int)
             and not isinstance(k, bool) and entry[k] is None]
    if split and isinstance(entry.get("target"), int | float):
        # `{…, target: 480,000}`: in a YAML {…} a comma separates fields, so that is a
        # target of 480 and a field 000; "unknown field(s) 0" did not say so.
        problems.append(Problem(
            f"{label}: target {entry['target']:g} is followed by a field "
            f"{', '.join(map(str, split))}: in {{…}} a comma separates fields, so "
            f"a target written with a comma (480,000) is cut there; write it "
            "without commas (480000)",
            f"{label}：target {entry['target']:g} 后面跟着字段 {', '.join(map(str, split))}："
            "在 {…} 中逗号用来分隔字段，所以带逗号的目标（480,000）会在逗号处被截断；"
            "请不带逗号书写（480000）"))
        unknown = sorted(str(k) for k in set(entry) - _GOAL_FIELDS - set(split))
    if unknown:
        problems.append(Problem(
            f"{label}: unknown field(s) {', '.join(unknown)} (check the spelling; "
            f"allowed: {', '.join(sorted(_GOAL_FIELDS))})",
            f"{label}：未知的字段 {', '.join(unknown)}（请检查拼写；"
            f"可用的字段：{', '.join(sorted(_GOAL_FIELDS))}）"))
    metric = str(entry.get("metric") or "")
    kpis = {m for p in people.values() for m in p.units}
    if not _METRIC.match(metric):
        problems.append(Problem(
            f"{label}: metric {metric!r} must be a short lower-case name such as "
            "revenue (the same as a KPI's metric)",
            f"{label}：metric {metric!r} 必须是简短的小写名称，例如 revenue（与 KPI 的 metric "
            "相同）"))
    elif metric not in kpis and (hint := did_you_mean(metric, kpis)):
        # A typo of a KPI's metric ('revenu') made a goal no check-in ever reports on:
        # "no figures yet" all period long, with nothing to say why.
        problems.append(Problem(
            f"{label}: metric {metric!r} is no one's KPI in the org file{hint}: "
            "no check-in would ever report on this goal",
            f"{label}：metric {metric!r} 不是组织文件中任何人的 KPI{hint.zh}："
            "没有任何签到会汇报这个目标"))
    label = f"{label} ({metric or '?'} {entry.get('period', '?')})"
    target = entry.get("target")
    if isinstance(target, bool) or not isinstance(target, int | float) or target <= 0:
        typed = f" ({target!r} is not)" if isinstance(target, str) else ""
        typed_zh = f"（{target!r} 不是）" if isinstance(target, str) else ""
        problems.append(Problem(
            f"{label}: target must be a number greater than 0{typed}, written "
            "in digits without commas or units: 480000, 90000",
            f"{label}：target 必须是大于 0 的数字{typed_zh}，只写阿拉伯数字，不带逗号或单位："
            "480000、90000"))
        target = 0.0
    start = entry.get("start")
    if start is not None and not isinstance(start, date):
        try:
            start = date.fromisoformat(str(start))
        except ValueError:
            problems.append(Problem(
                f"{label}: start {start!r} is not a date such as 2026-12-16",
                f"{label}：start {start!r} 不是日期（例如 2026-12-16）"))
            start = None
    period: Period | None = None
    if entry.get("period") is None:
        problems.append(Problem(f"{label}: period is missing (for example 2026-Q4)",
                                f"{label}：缺少 period（例如 2026-Q4）"))
    else:
        try:
            period = parse_period(str(entry["period"]), start, fiscal)
        except ValueError as exc:
            problems.append(Problem(f"{label}: {exc}",
                                    f"{label}：{said_in(exc.args[0], 'zh-CN')}"))
    team, person = entry.get("team"), entry.get("person")
    scope: Scope = "org"
    owner: str | None = None
    unit = str(entry.get("unit") or "")
    if team is not None and person is not None:
        problems.append(Problem(f"{label}: give team or person, not both",
                                f"{label}：请给出 team 或 person，不要两个都给"))
    elif person is not None:
        scope, owner = "person", str(person)
        if owner not in people:
            problems.append(Problem(
                f"{label}: person {owner!r} does not exist in the org file",
                f"{label}：person {owner!r} 在组织文件中不存在"))
        else:
            unit = unit or people[owner].units.get(metric, "")
    elif team is not None:
        scope, owner = "team", str(team)
        if owner not in teams:
            problems.append(Problem(
                f"{label}: team {owner!r} has nobody in the org file (teams: "
                f"{', '.join(sorted(teams)) or 'none'})",
                f"{label}：组织文件中没有人在团队 {owner!r} 中（现有团队："
                f"{'、'.join(sorted(teams)) or '无'}）"))
    if not unit and scope == "team":
        # A team's goal is in its own people's unit: China's revenue in CNY, not the unit
        # of whoever comes first in the file (USD), which read its yuan as dollars.
        unit = next((p.units[metric] for p in people.values()
                     if p.team == owner and metric in p.units), "")
    if not unit:
        unit = next((p.units[metric] for p in people.values() if metric in p.units), "")
    plan = entry.get("weekly_plan")
    weekly: tuple[float, ...] | None = None
    if plan is not None and period is not None:
        weeks = _group_weeks(period)
        if not isinstance(plan, list) or not all(
                isinstance(x, int | float) and not isinstance(x, bool) and x >= 0 for x in plan):
            problems.append(Problem(
                f"{label}: weekly_plan must be a list of numbers, one per working week",
                f"{label}：weekly_plan 必须是数字列表，每个工作周一个"))
        elif len(plan) != len(weeks):
            problems.append(Problem(
                f"{label}: weekly_plan has {len(plan)} numbers but the period has "
                f"{len(weeks)} working weeks ({weeks[0][0]} to {weeks[-1][0]})",
                f"{label}：weekly_plan 有 {len(plan)} 个数字，但该期间有 {len(weeks)} 个工作周"
                f"（{weeks[0][0]} 到 {weeks[-1][0]}）") if weeks else Problem(
                f"{label}: the period has no working days", f"{label}：该期间没有工作日"))
        elif target and abs(sum(plan) - float(target)) > 1e-6 * float(target):
            problems.append(Problem(
                f"{label}: weekly_plan adds up to {sum(plan):g}, not the target "
                f"{float(target):g}",
                f"{label}：weekly_plan 加起来是 {sum(plan):g}，不等于目标 {float(target):g}"))
        else:
            weekly = tuple(float(x) for x in plan)
    if period is not None and not period.working_days():
        problems.append(Problem(f"{label}: the period has no working days",
                                f"{label}：该期间没有工作日"))
    if len(problems) > before or period is None:
        return None
    return Goal(metric, period, float(target), scope, owner, unit, weekly,
                unit_given=bool(entry.get("unit")))

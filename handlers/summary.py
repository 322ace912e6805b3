"""The GM's summary: who checked in, KPI attainment, blockers, support requests, highlights.

One builder serves `/summary` in chat and `teampulse summary` in the shell, so both
always show the same numbers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from bot.render import Renderer
from bot.schedule import checkin_moment
from bot.weeks import current_week, parse_week, week_end, week_start, weeks_back
from handlers.checkin import applicable, display_answer, kpi_label, question_text, round_questions
from handlers.context import Context
from storage.models import CheckinRound, Person

MAX_WEEKS = 12


@dataclass
class KpiLine:
    """One KPI of one person (or a team total) in one week."""

    metric: str
    label: str
    unit: str
    target: float
    actual: float | None
    attainment: float | None
    reported: int = 1
    expected: int = 1


@dataclass
class PersonWeek:
    """One person's check-in for one week, as the GM reads it."""

    key: str
    name: str
    team: str | None
    status: str  # submitted | in_progress | not_started | away
    answered: int
    total: int
    late: bool
    kpis: list[KpiLine] = field(default_factory=list)
    wins: str | None = None
    blockers: str | None = None
    support_type: str | None = None
    support_detail: str | None = None
    plan: str | None = None
    confidence: int | None = None
    other: list[dict[str, str]] = field(default_factory=list)
    away_until: date | None = None
    slack_id: str | None = None
    telegram_id: int | None = None


@dataclass
class WeekSummary:
    """Everything about one week for one scope (everyone, a team, or a person)."""

    week: str
    start: date
    end: date
    scope: str
    people: list[PersonWeek]
    team_kpis: list[KpiLine]

    @property
    def expected(self) -> list[PersonWeek]:
        """People expected to check in (not away)."""
        return [p for p in self.people if p.status != "away"]

    @property
    def submitted(self) -> list[PersonWeek]:
        """People who submitted."""
        return [p for p in self.people if p.status == "submitted"]

    @property
    def missing(self) -> list[PersonWeek]:
        """People who have not submitted and are not away."""
        return [p for p in self.people if p.status in {"in_progress", "not_started"}]

    @property
    def away(self) -> list[PersonWeek]:
        """People away this week."""
        return [p for p in self.people if p.status == "away"]

    @property
    def blockers(self) -> list[PersonWeek]:
        """People who reported blockers."""
        return [p for p in self.people if p.blockers]

    @property
    def support(self) -> list[PersonWeek]:
        """People who asked for support."""
        return [p for p in self.people if p.support_type and p.support_type != "none"]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        data = asdict(self)
        data["start"], data["end"] = self.start.isoformat(), self.end.isoformat()
        for person in data["people"]:
            person.pop("slack_id")
            person.pop("telegram_id")
            if person["away_until"] is not None:
                person["away_until"] = person["away_until"].isoformat()
        data["checked_in"] = len(self.submitted)
        data["expected"] = len(self.expected)
        return data


@dataclass(frozen=True)
class SummaryRequest:
    """What `/summary` was asked for."""

    kind: str  # week | trend | person | team
    weeks: int = 1
    week: str | None = None
    person: str | None = None
    team: str | None = None


class SummaryUsageError(ValueError):
    """The summary arguments could not be understood."""


def parse_request(args: str) -> SummaryRequest:
    """'', 'last 4w', '2026-W47', 'alice', 'team East' (+ optional 'last Nw')."""
    words = args.split()
    weeks = 1
    week: str | None = None
    rest: list[str] = []
    i = 0
    while i < len(words):
        word = words[i].lower()
        if word == "last" and i + 1 < len(words):
            match = re.fullmatch(r"(\d{1,2})\s*w?", words[i + 1].lower())
            if not match or not 1 <= int(match.group(1)) <= MAX_WEEKS:
                raise SummaryUsageError(words[i + 1])
            weeks = int(match.group(1))
            i += 2
            continue
        if parse_week(words[i]):
            week = parse_week(words[i])
        else:
            rest.append(words[i])
        i += 1
    if rest and rest[0].lower() == "team":
        if len(rest) < 2:
            raise SummaryUsageError("team")
        return SummaryRequest("team", weeks=weeks, week=week, team=" ".join(rest[1:]))
    if len(rest) == 1:
        # One person's history defaults to four weeks; "last Nw" still applies.
        return SummaryRequest("person", weeks=4 if weeks == 1 else weeks, week=week,
                              person=rest[0])
    if rest:
        raise SummaryUsageError(" ".join(rest))
    return SummaryRequest("trend" if weeks > 1 else "week", weeks=weeks, week=week)


def build_week(ctx: Context, locale: str, week: str, people: Sequence[Person], scope: str,
               rounds: dict[tuple[int, str], CheckinRound],
               away: dict[tuple[int, str], date] | None = None) -> WeekSummary:
    """Summarise one week for the given people.

    `away` maps (person id, week) to the last day of the away period that covered
    that week's check-in; without it, it is loaded here.
    """
    if away is None:
        away = away_weeks(ctx, people, [week])
    rows = [_person_week(ctx, locale, person, week, rounds.get((person.id, week)),
                         away.get((person.id, week)))
            for person in people]
    return WeekSummary(week=week, start=week_start(week), end=week_end(week), scope=scope,
                       people=rows, team_kpis=_team_totals(rows))


def summaries(ctx: Context, request: SummaryRequest, locale: str,
              anchor_tz: str) -> list[WeekSummary]:
    """Week summaries for a request, oldest first; raises LookupError for an unknown person/team."""
    week = request.week or current_week(ctx.clock.now(), anchor_tz)
    weeks = weeks_back(week, request.weeks)
    everyone = ctx.people.active()
    if request.kind == "person":
        key = (request.person or "").lower()
        matches = [p for p in everyone if p.key == key or p.display_name.lower() == key]
        if not matches:
            raise LookupError(request.person)
        people, scope = matches, matches[0].display_name
    elif request.kind == "team":
        team = (request.team or "").lower()
        people = [p for p in everyone if (p.team or "").lower() == team and p.checks_in]
        if not people:
            raise LookupError(request.team)
        scope = people[0].team or team
    else:
        people, scope = [p for p in everyone if p.checks_in], ""
    rounds = {(r.person_id, r.week): r for r in ctx.checkins.rounds_in_weeks(weeks)}
    away = away_weeks(ctx, people, weeks)
    # Someone who left the org file still shows in weeks they checked in.
    return [build_week(ctx, locale, w, people, scope, rounds, away) for w in weeks]


def away_weeks(ctx: Context, people: Sequence[Person],
               weeks: Sequence[str]) -> dict[tuple[int, str], date]:
    """Which people were away in which weeks: an away period covered that week's check-in
    moment in their timezone. Maps (person id, week) to the period's last day; one query."""
    schedule = ctx.settings.checkin_schedule
    asks = {(p.id, w): (p.id, p.timezone, checkin_moment(schedule, p.timezone, w))
            for p in people for w in weeks}
    covering = ctx.away.covering(asks.values())
    out: dict[tuple[int, str], date] = {}
    for (person_id, week), (_, timezone, moment) in asks.items():
        period = covering.get((person_id, moment))
        if period is not None:
            out[(person_id, week)] = period.last_day(timezone)
    return out


def _person_week(ctx: Context, locale: str, person: Person, week: str,
                 rnd: CheckinRound | None, away_until: date | None = None) -> PersonWeek:
    # Away only if a period covered this week's check-in (see away_weeks) and they did
    # not answer anyway.
    away = away_until is not None and (rnd is None or not rnd.answers)
    row = PersonWeek(key=person.key, name=person.display_name, team=person.team,
                     status="away" if away else "not_started", answered=0, total=0, late=False,
                     away_until=away_until if away else None, slack_id=person.slack_id,
                     telegram_id=person.telegram_id)
    if rnd is None:
        # No round: show the KPIs they would have reported against, with no numbers.
        org_person = ctx.org.person(person.key)
        questions = ctx.org.questions_for(org_person) if org_person else []
        row.kpis = [KpiLine(q.metric or q.key, kpi_label(ctx, locale, q), q.unit or "",
                            float(q.target or 0), None, None, 0)
                    for q in questions if q.category == "kpi"]
        return row
    questions = round_questions(ctx, rnd)
    live = applicable(rnd, questions)
    answers = {a.question_key: a for a in rnd.answers}
    row.total = len(live)
    row.answered = sum(1 for q in live if q.key in answers)
    if not away:
        row.status = "submitted" if rnd.status == "submitted" else (
            "in_progress" if answers else "not_started")
    if rnd.submitted_at is not None:
        row.late = rnd.submitted_at.astimezone(_tz(person)).date() > week_end(week)
    for q in live:
        answer = answers.get(q.key)
        if q.category == "kpi":
            actual = answer.number_value if answer and not answer.skipped else None
            target = float(q.target or 0)
            row.kpis.append(KpiLine(q.metric or q.key, kpi_label(ctx, locale, q), q.unit or "",
                                    target, actual, _ratio(actual, target),
                                    0 if actual is None else 1))
            continue
        shown = display_answer(ctx, locale, q, answer)
        if q.key in {"wins", "blockers", "support_detail", "plan"}:
            setattr(row, q.key, shown)
        elif q.key == "support_type":
            row.support_type = answer.text_value if answer and not answer.skipped else None
        elif q.key == "confidence":
            row.confidence = int(answer.number_value) if answer and answer.number_value else None
        elif shown is not None:
            row.other.append({"question": question_text(ctx, locale, q), "answer": shown})
    return row


def _team_totals(rows: list[PersonWeek]) -> list[KpiLine]:
    totals: dict[tuple[str, str], KpiLine] = {}
    for row in rows:
        if row.status == "away":
            continue
        for k in row.kpis:
            line = totals.setdefault((k.metric, k.unit),
                                     KpiLine(k.metric, k.label, k.unit, 0.0, None, None, 0, 0))
            line.expected += 1
            if k.actual is None:
                continue
            line.target += k.target
            line.actual = (line.actual or 0.0) + k.actual
            line.reported += 1
    for line in totals.values():
        line.attainment = _ratio(line.actual, line.target)
    return list(totals.values())


def _ratio(actual: float | None, target: float) -> float | None:
    if actual is None or target <= 0:
        return None
    return actual / target


def _tz(person: Person) -> ZoneInfo:
    return ZoneInfo(person.timezone)


def render_summary(renderer: Renderer, locale: str, markup: str, request: SummaryRequest,
                   weeks: list[WeekSummary], org_name: str) -> str:
    """Render summaries with the template that fits the request."""
    if request.kind == "person":
        return renderer.template(locale, "summary_person", markup, weeks=weeks,
                                 person=weeks[-1].people[0], org=org_name)
    if len(weeks) > 1:
        # Lookups prepared here keep the template linear in people x weeks.
        rows = {(w.week, p.key): {k.metric: k for k in p.kpis} for w in weeks for p in w.people}
        team = {(w.week, k.metric, k.unit): k for w in weeks for k in w.team_kpis}
        return renderer.template(locale, "summary_trend", markup, weeks=weeks,
                                 latest=weeks[-1], org=org_name, scope=weeks[-1].scope,
                                 rows=rows, team=team)
    return renderer.template(locale, "summary_week", markup, s=weeks[0], org=org_name,
                             scope=weeks[0].scope)


def cmd_summary(ctx: Context, args: str) -> None:
    """/summary [last Nw | <person> | team <name> | <YYYY-Www>]: for the GM and named viewers."""
    person = ctx.person
    if person is None or not person.can_view_summary:
        ctx.reply("summary_refused")
        return
    try:
        request = parse_request(args)
    except SummaryUsageError as err:
        ctx.reply("usage", command="summary", bad=str(err))
        return
    try:
        weeks = summaries(ctx, request, person.locale, person.timezone)
    except LookupError as err:
        ctx.reply("summary_unknown", kind=request.kind, name=str(err.args[0]),
                  teams=sorted({p.team for p in ctx.people.active() if p.team}))
        return
    platform = ctx.event.platform if ctx.event else "console"
    text = render_summary(ctx.renderer, person.locale, ctx.addressbook.markup(platform), request,
                          weeks, ctx.org.name)
    ctx.reply_text(text, private=True)

"""/goals [person|team]: each goal with actual to date, attainment, the pace needed for the
rest of the period and whether it is on track; and the parts that do not add up.

Actuals come from the CRM where it has a figure for a person's week, else from what the
person typed in the check-in; a typed figure that differs from the CRM's by more than the
org's tolerance is flagged beside the goal.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.goals import Gap, Goal, Progress, breakdown_gaps, compact, progress
from bot.org import Org, OrgPerson, team_guess
from bot.readers import VIEWERS
from bot.render import Renderer
from bot.team_names import team_key
from bot.text import quoted
from bot.weeks import week_of, week_start
from handlers.answers import is_percent, normalise, team_word
from handlers.context import Context, one_moment
from handlers.people_named import (
    mentions_as_keys,
    people_named,
    person_guesses,
    reply_namesakes,
)
from handlers.period_words import month_named, quarter_named, read_period
from storage.goals import WeekFigure, week_figures
from storage.models import CheckinRound, Person


@dataclass(frozen=True)
class Mismatch:
    """A week where the CRM and the person's own figure differ by more than the tolerance."""

    person: str
    week: str
    crm: float
    reported: float


@dataclass(frozen=True)
class OtherUnit:
    """Figures a goal leaves out, being in another unit than its own (revenue in CNY for a
    goal in USD): there is no rate to convert them, and added up they would be wrong."""

    unit: str
    value: float
    people: tuple[str, ...]  # their names, in the order first met


@dataclass(frozen=True)
class Actual:
    """A goal's actual to date, how much of it came from the CRM, and the mismatches."""

    value: float
    from_crm: float
    mismatches: tuple[Mismatch, ...] = ()
    # The first week with a figure (typed or the CRM's); None: none in the period to date,
    # so 0 is not "sold nothing" but "nothing known" (before the bot ran, say).
    first_week: str | None = None
    # Every week with a figure: the week in progress counts in the plan once it has one.
    weeks_in: frozenset[str] = frozenset()
    other_units: tuple[OtherUnit, ...] = ()
    #: The unit the actual is in: the goal's, or for one written with no unit the one
    #: every figure of its period was asked in (see goal_actual).
    unit: str = ""
    #: A rate's (unit %): how many weekly figures `value` is the mean of, and how many of
    #: them the CRM's (`from_crm` is then their mean); None for an amount or a count,
    #: whose figures add up.
    averaged: int | None = None
    crm_figures: int = 0


@dataclass
class GoalView:
    """One goal ready to show."""

    goal: Goal
    progress: Progress
    actual: Actual
    metric_label: str
    owner_name: str
    mismatches: list[Mismatch] = field(default_factory=list)
    unit: str = ""  # the goal's unit as the reader reads it
    # The week figures start from when it is later than the period's first (the bot began
    # mid-quarter, say): the actual leaves out the weeks before.
    figures_from: str | None = None

    @property
    def counted_from(self) -> date:
        """The Monday of the first week the goal counts (its Thursday in the period): a
        goal written from Thursday 2026-10-01 counts from Monday 2026-09-28 (2026-W40),
        one from Friday 2026-12-18 from Monday 2026-12-21 (2026-W52)."""
        return self.goal.period.first_monday

    @property
    def counted_week(self) -> str:
        """The ISO week of counted_from."""
        return week_of(self.counted_from)

    @property
    def no_figures(self) -> bool:
        """The period has begun and nothing is known of it: not behind, unknown."""
        return self.actual.first_week is None and self.progress.days_elapsed > 0


def scope_keys(org: Org, goal: Goal, session: Session | None = None) -> list[str]:
    """Whose figures count towards a goal: the person, the team's people, or everyone.

    With a session, people who left (taken out of the org file, kept inactive with their
    last team) count too: what they brought in before leaving stays the team's and the
    org's, against a target that did not change when they left.
    """
    if goal.scope == "person":
        return [goal.owner or ""]
    keys = [p.key for p in org.people if goal.scope != "team" or p.team == goal.owner]
    if session is not None:
        query = select(Person.key).where(Person.active.is_(False))
        if goal.scope == "team":
            query = query.where(Person.team == goal.owner)
        in_file = set(keys)
        keys += [k for k in session.scalars(query) if k not in in_file]
    return keys


@dataclass(frozen=True)
class _TeamWeeks:
    """Each person's team week by week: their check-in round's (the team they were in
    when asked), else today's."""

    asked: dict[tuple[str, str], str | None]
    now: dict[str, str | None]

    def team(self, key: str, week: str) -> str | None:
        found = self.asked.get((key, week))
        return found if found is not None else self.now.get(key)


def _team_weeks(session: Session, org: Org, team: str, keys: list[str],
                weeks: list[str]) -> tuple[list[str], _TeamWeeks]:
    """The people whose figures may count for a team's goal: its people today and who was
    in it in one of the weeks (moved since), with the team of each one week by week."""
    moved = session.scalars(select(Person.key).join(
        CheckinRound, CheckinRound.person_id == Person.id).where(
        CheckinRound.team == team, CheckinRound.week.in_(weeks)).distinct())
    keys = list(dict.fromkeys([*keys, *moved]))
    asked = {(key, week): round_team for key, week, round_team in session.execute(
        select(Person.key, CheckinRound.week, CheckinRound.team).join(
            CheckinRound, CheckinRound.person_id == Person.id).where(
            Person.key.in_(keys), CheckinRound.week.in_(weeks)))}
    now = {key: found.team for key in keys if (found := org.person(key)) is not None}
    missing = [k for k in keys if k not in now]
    if missing:  # people who left: their last team
        now.update({key: team for key, team in session.execute(
            select(Person.key, Person.team).where(Person.key.in_(missing)))})
    return keys, _TeamWeeks(asked, now)


def goal_actual(session: Session, org: Org, goal: Goal, today: date) -> Actual:
    """The actual of a goal up to and including `today`.

    Per person and week of the period (those whose Thursday is in it: a week counts whole
    in one period, see Period.working_days), the CRM's figure wins where it has one (its
    dated rows up to today), else the typed figure. A rate's (a goal in %) is the mean of
    those figures, never their sum: four weeks at 30 % are 30 %, not 120 %.
    """
    weeks = [w.week for w in goal.weeks()]
    total = from_crm = 0.0
    flagged: list[tuple[str, str, float, float]] = []
    keys = scope_keys(org, goal, session)
    teams: _TeamWeeks | None = None
    if goal.scope == "team":
        keys, teams = _team_weeks(session, org, goal.owner or "", keys, weeks)
    first: str | None = None
    weeks_in: set[str] = set()
    others: dict[str, tuple[float, list[str]]] = {}
    figures = [(fig, figure_unit(org, goal.metric, fig))
               for fig in week_figures(session, goal.metric, keys, weeks)
               if week_start(fig.week) <= today
               # (not a week they were in another team)
               and (teams is None or teams.team(fig.person_key, fig.week) == goal.owner)]
    wanted = goal.unit
    asked = {unit for _, unit in figures if unit}
    kpi_units = {k.unit for key in keys if (now_in := org.person(key)) is not None
                 for k in now_in.kpis if k.metric == goal.metric}
    if not goal.unit_given and len(asked) == 1 and len(kpi_units) <= 1:
        # A goal with no unit takes its KPI's as the org file has it today: after a move
        # from USD to EUR, a November all asked in dollars read "0 of 160,000 EUR",
        # missed. Asked in one unit, it is in that one; in several (a move mid-period),
        # or over people asked in several today (an org selling in USD and CNY, whose
        # goal check-org says is read in the first one's), today's, the others apart.
        wanted = asked.pop()
    counted = crm_counted = 0
    # A team's or the org's rate is the mean of those it is a KPI of: the CRM's rate for
    # someone whose week asked no such KPI (with no round, whom the org file does not ask
    # it of) is theirs alone, as in /summary (a person's own goal counts it).
    of_theirs = goal.scope != "person" and is_percent((wanted,))
    for fig, unit in figures:
        if of_theirs and fig.unit is None and (fig.had_round or unit is None):
            continue
        if fig.crm is not None or fig.reported is not None:
            weeks_in.add(fig.week)
            if first is None or fig.week < first:
                first = fig.week
        if wanted and unit and unit != wanted:
            value = (sum(a for day, a in fig.crm_days if day is None or day <= today)
                     if fig.crm is not None else fig.reported or 0.0)
            had, who = others.get(unit, (0.0, []))
            if fig.person_key not in who:
                who.append(fig.person_key)
            others[unit] = (had + value, who)
            continue
        if fig.crm is not None:
            value = 0.0
            for day, amount in fig.crm_days:
                if day is None or day <= today:
                    value += amount
            total += value
            from_crm += value
            counted += 1
            crm_counted += 1
            if fig.reported is not None and _differs(fig.crm, fig.reported,
                                                     org.crm.tolerance):
                flagged.append((fig.person_key, fig.week, fig.crm, fig.reported))
        elif fig.reported is not None:
            total += fig.reported
            counted += 1
    averaged: int | None = None
    if is_percent((wanted,)):
        # A rate is averaged over the weekly figures known (the person's weeks; a team's
        # or the org's people's weeks alike, as /summary's month averages them): a week
        # with no figure is left out, not read as 0 %.
        averaged = counted
        total = total / counted if counted else 0.0
        from_crm = from_crm / crm_counted if crm_counted else 0.0
    # Names by key, not a dict of the whole org built per goal (the monthly review asks
    # this of every director's goals); someone who left is no longer in the org file but
    # is still in the database under the name they had: the flag names them, not their key.
    names = {key: who.name for key, *_ in flagged if (who := org.person(key)) is not None}
    left = {key for key, *_ in flagged if key not in names}
    if left:
        names.update({key: name for key, name in session.execute(
            select(Person.key, Person.display_name).where(Person.key.in_(left)))})
    mismatches = [Mismatch(names.get(key, key), week, crm, reported)
                  for key, week, crm, reported in flagged]
    return Actual(total, from_crm, tuple(mismatches), first, frozenset(weeks_in),
                  _other_units(session, org, others), wanted, averaged, crm_counted)


def figure_unit(org: Org, metric: str, fig: WeekFigure) -> str | None:
    """The unit a figure is in: the one its week's check-in asked; with none (a CRM figure
    of a week nobody was asked), the one the org file asks the person today, which the CRM
    import holds its values to; None for someone the file no longer asks it of."""
    if fig.unit is not None:
        return fig.unit
    who = org.person(fig.person_key)
    kpi = next((k for k in who.kpis if k.metric == metric), None) if who else None
    return kpi.unit if kpi is not None else None


def _other_units(session: Session, org: Org,
                 others: dict[str, tuple[float, list[str]]]) -> tuple[OtherUnit, ...]:
    """The figures left out for their unit, per unit, with who they are of (by name, also
    someone who has left the org file)."""
    keys = {key for _, who in others.values() for key in who}
    names = {key: found.name for key in keys if (found := org.person(key)) is not None}
    if keys - set(names):
        names.update({key: name for key, name in session.execute(
            select(Person.key, Person.display_name).where(
                Person.key.in_(sorted(keys - set(names)))))})
    return tuple(OtherUnit(unit, value, tuple(names.get(k, k) for k in who))
                 for unit, (value, who) in sorted(others.items()))


def _differs(crm: float, reported: float, tolerance: float) -> bool:
    return abs(crm - reported) > tolerance * abs(crm) + 1e-9


def metric_label(org: Org, metric: str, locale: str, renderer: Renderer | None = None) -> str:
    """A metric's name as the org file labels its KPI, else a known name, else the metric."""
    for p in org.people:
        for k in p.kpis:
            if k.metric == metric and (k.label.get(locale) or k.label.get("en")):
                return k.label.get(locale) or k.label["en"]
    known = renderer.message(locale, "kpi_name", metric=metric) if renderer else ""
    return known or metric.replace("_", " ")


def unit_text(org: Org, metric: str, unit: str, locale: str) -> str:
    """A metric's unit as a reader of `locale` reads it: the org file's label for that
    locale on a KPI of the metric with this (canonical) unit, else the unit itself."""
    for p in org.people:
        for k in p.kpis:
            if k.metric == metric and k.unit == unit and k.unit_label.get(locale):
                return k.unit_label[locale]
    return unit


def goal_views(ctx: Context, goals: list[Goal], locale: str) -> list[GoalView]:
    """Progress of each goal today (in the org's timezone)."""
    today = ctx.org_today()
    names = {p.key: p.name for p in ctx.org.people}
    views: list[GoalView] = []
    for goal in goals:
        actual = goal_actual(ctx.session, ctx.org, goal, today)
        goal = replace(goal, unit=actual.unit)  # the unit it is read in (see goal_actual)
        owner = (names.get(goal.owner or "", goal.owner) if goal.scope == "person"
                 else goal.owner)
        first = actual.first_week
        opening = week_of(goal.period.first_monday)
        views.append(GoalView(goal, progress(goal, actual.value, today, actual.weeks_in),
                              actual,
                              metric_label(ctx.org, goal.metric, locale, ctx.renderer), owner or "",
                              list(actual.mismatches),
                              unit_text(ctx.org, goal.metric, goal.unit, locale),
                              first if first and first > opening else None))
    return views


@dataclass(frozen=True)
class WeekCheck:
    """A person's figure for a metric in one week as the summary should show it: the CRM's
    where it has one, and whether the self-reported figure is off by more than the
    tolerance."""

    value: float
    source: str  # "crm" or "self"
    reported: float | None
    crm: float | None
    differs: bool


def week_checks(session: Session, org: Org, week: str,
                metrics: list[str] | None = None) -> dict[tuple[str, str], WeekCheck]:
    """(person key, metric) -> the figure to trust for one ISO week, for `/summary`.

    Metrics default to every KPI in the org file; people are everyone in it.
    """
    wanted = metrics or sorted({k.metric for p in org.people for k in p.kpis})
    keys = [p.key for p in org.people]
    out: dict[tuple[str, str], WeekCheck] = {}
    for metric in wanted:
        for fig in week_figures(session, metric, keys, [week]):
            if fig.crm is not None:
                differs = fig.reported is not None and _differs(fig.crm, fig.reported,
                                                                org.crm.tolerance)
                out[(fig.person_key, metric)] = WeekCheck(fig.crm, "crm", fig.reported,
                                                          fig.crm, differs)
            elif fig.reported is not None:
                out[(fig.person_key, metric)] = WeekCheck(fig.reported, "self", fig.reported,
                                                          None, False)
    return out


@dataclass(frozen=True)
class GapLine:
    """A breakdown gap, its amounts written compactly in the reader's language."""

    gap: Gap
    metric_label: str
    allocated: str
    whole: str
    difference: str


def gap_lines(org: Org, locale: str, owners: AbstractSet[tuple[str, str | None]] | None = None,
              renderer: Renderer | None = None) -> list[GapLine]:
    """The org's breakdown gaps (only those whose whole is among `owners`, if given)."""
    teams = {p.key: p.team for p in org.people}
    names = {p.key: p.name for p in org.people}
    out: list[GapLine] = []
    for gap in breakdown_gaps(org.goals, teams, names):
        if owners is not None and (gap.whole.scope, gap.whole.owner) not in owners:
            continue
        out.append(GapLine(gap, metric_label(org, gap.metric, locale, renderer),
                           compact(gap.allocated, locale, gap.whole.unit),
                           compact(gap.whole.target, locale, gap.whole.unit),
                           compact(abs(gap.difference), locale, gap.whole.unit)))
    return out


def cmd_goals(ctx: Context, args: str) -> None:
    """/goals: your goals (the org's and every team's for the GM and summary viewers);
    /goals <person> or /goals team <name> for one person or team."""
    person = ctx.person
    assert person is not None
    org = ctx.org
    typed = mentions_as_keys(ctx, args)
    if typed is None:
        return
    words = team_word(normalise(typed))
    try:
        scope = goal_scope(org, words, viewer=person.can_view_summary, own_key=person.key,
                           own_team=person.team, own_name=person.display_name)
    except GoalScopeError as exc:
        if exc.reason == "not_allowed":
            ctx.reply("goals_not_allowed")
        elif exc.reason == "ambiguous":
            reply_namesakes(ctx, exc.people, "goals")
        elif _period_named(ctx, exc.value):
            # "/goals Q4", 上季度, 'last year' (no one is called that): /goals shows the
            # goals in progress, said so rather than "I don't know Q4".
            ctx.reply("goals_period", said=exc.value)
        elif words.lower().startswith("team ") or not _left(ctx, person, exc.value):
            # Who or which team is close to a typo, as /summary names them ('alcie':
            # Alice Martin; 'Est': team East).
            people = [] if words.lower().startswith("team ") else person_guesses(
                exc.value, org.people, org)
            ctx.reply("goals_unknown", value=quoted(exc.value),
                      teams=sorted({p.team for p in org.people if p.team}),
                      guess=team_guess(org, exc.value), guesses=people)
        return
    today = ctx.org_today()
    # Every goal's figures read at one moment (see one_moment): the org's actual and its
    # teams' must count the same check-ins. Replied through ctx, which writes.
    with one_moment(ctx) as seen:
        views = goal_views(seen, current_goals(org, scope.owners, today), ctx.locale)
    ctx.reply("goals_view", title=scope.title, views=views, today=today,
              gaps=gap_lines(org, ctx.locale, scope.owners, ctx.renderer),
              others=_people_with_goals(org, scope.owners, today),
              team_goals=_team_pointer(org, person, words, views, today),
              tolerance=org.crm.tolerance, bounded=True,  # the CLI lists every mismatch
              readers=VIEWERS if _by_viewer_right(org, words, person, scope) else None)


def _team_pointer(org: Org, person: Person, words: str, views: list[GoalView], today: date
                  ) -> str | None:
    """The reader's team, when their own `/goals` shows nothing and `/goals team <it>`
    would (its people's own goals: a member read "No goals are set here yet" where their
    director's were one command away); None otherwise."""
    if views or words or person.can_view_summary or not person.team:
        return None
    team = goal_scope(org, f"team {person.team}", viewer=False, own_key=person.key,
                      own_team=person.team).owners
    return person.team if current_goals(org, team, today) else None


def _people_with_goals(org: Org, owners: frozenset[tuple[str, str | None]],
                       today: date) -> list[str]:
    """Whose own goals the org's overview leaves out (it lists the org's and the teams'),
    by name in the file's order: a director with goals of their own and no team goal read
    as someone with none."""
    if ("org", None) not in owners:
        return []
    keys = {g.owner for g in current_goals(
        org, frozenset(("person", p.key) for p in org.people), today)}
    return [p.name for p in org.people if p.key in keys]


def _left(ctx: Context, reader: Person, typed: str) -> bool:
    """Reply (and True) when `typed` names someone taken out of the org file since: they
    left the org, so the file sets them no goals ("I don't know sam" was untrue), and
    where their check-ins stay, for a reader who may read them (/summary). Told only to
    whoever could see their goals before (the GM, a summary viewer, their own team, by
    the team they left from); anyone else as for anyone else's goals."""
    gone = people_named(ctx.people.left(), typed, ctx.org)
    if not gone:
        return False
    if len(gone) > 1:
        reply_namesakes(ctx, gone)
        return True
    who = gone[0]
    same_team = bool(reader.team) and team_key(who.team) == team_key(reader.team)
    if not reader.can_view_summary and not same_team:
        ctx.reply("goals_not_allowed")
        return True
    ctx.reply("goals_left", who=who,
              summary=reader.can_view_summary or reader.role == "director")
    return True


def _period_named(ctx: Context, typed: str) -> bool:
    """Whether `typed` is wholly a period (handlers/period_words.py): 'last quarter', 本财年,
    Q4, 2026-Q4, December, 12月."""
    words = typed.split()
    if not words:
        return False
    today = ctx.org_today()
    for said in (read_period(words, 0), month_named(words, 0, today),
                 quarter_named(words, 0, today, ctx.org.goals.fiscal_year_start)):
        if said is not None and said[1] == len(words):
            return True
    return False


def _by_viewer_right(org: Org, words: str, person: Person, scope: GoalScope) -> bool:
    """Whether a reader sees this scope only as a summary viewer (the whole org's, another
    team's): withdrawn unsent should an edit of the org file take that right away, as a
    summary is (bot.readers); their own goals stay theirs."""
    if not person.can_view_summary:
        return False
    try:
        return goal_scope(org, words, viewer=False, own_key=person.key, own_team=person.team,
                          own_name=person.display_name) != scope
    except GoalScopeError:
        return True


@dataclass(frozen=True)
class GoalScope:
    """Whose goals a `/goals` view shows ((scope, owner) pairs) and its title."""

    owners: frozenset[tuple[str, str | None]]
    title: str


class GoalScopeError(LookupError):
    """`/goals <arg>` names nobody known ("unknown"), a name several people share
    ("ambiguous"), or someone the reader may not see."""

    def __init__(self, reason: str, value: str, people: tuple[OrgPerson, ...] = ()) -> None:
        super().__init__(value)
        self.reason, self.value, self.people = reason, value, people
        self.keys = tuple(p.key for p in people)


def goal_scope(org: Org, args: str, *, viewer: bool, own_key: str | None = None,
               own_team: str | None = None, own_name: str = "") -> GoalScope:
    """What `/goals [person|team <name>]` shows a reader: with nothing named, the org's
    and every team's goals for the GM and summary viewers (`viewer`), else the reader's
    own and their team's; a person (by key) or a team (by name, any case) when named —
    others' than the reader's team only for viewers. Raises GoalScopeError."""
    arg = args.strip()
    if arg.lower().startswith("team "):
        arg, want_team = arg[5:].strip(), True
    else:
        want_team = False
    teams = sorted({p.team for p in org.people if p.team})
    if not arg:
        if viewer:
            return GoalScope(frozenset({("org", None)} | {("team", t) for t in teams}),
                             org.name)
        mine: set[tuple[str, str | None]] = {("person", own_key)}
        if own_team:
            mine.add(("team", own_team))
        return GoalScope(frozenset(mine), own_name)
    # A team in any case: of several spellings (`EAST` and `East`, which check-org warns
    # of), the one typed, else the reader's own: the first of them refused Alice hers.
    spelt = [t for t in teams if team_key(t) == team_key(arg)]
    team = arg if arg in spelt else own_team if own_team in spelt else next(iter(spelt), None)
    who = None if want_team else _person_named(org, arg)
    if who is None and team is None:
        raise GoalScopeError("unknown", arg)
    if who is not None:
        # Someone of the reader's own team: `/goals team <it>` shows their goals anyway.
        if not viewer and who.key != own_key and (own_team is None or who.team != own_team):
            raise GoalScopeError("not_allowed", arg)
        return GoalScope(frozenset({("person", who.key)}), who.name)
    assert team is not None
    if not viewer and team != own_team:
        raise GoalScopeError("not_allowed", arg)
    members = {p.key for p in org.people if p.team == team}
    return GoalScope(frozenset({("team", team)} | {("person", k) for k in members}), team)


def _person_named(org: Org, typed: str) -> OrgPerson | None:
    """A person as every command reads a typed name (handlers/people_named.py); a name
    several people share raises GoalScopeError ("ambiguous", with them), so none of them
    is guessed."""
    named = people_named(org.people, typed)
    if len(named) > 1:
        raise GoalScopeError("ambiguous", typed, tuple(named))
    return named[0] if named else None


def current_goals(org: Org, owners: frozenset[tuple[str, str | None]],
                  today: date) -> list[Goal]:
    """The owners' goals of the current and coming periods; long-past ones only when
    nothing else is left."""
    goals = [g for g in org.goals.goals if (g.scope, g.owner) in owners]
    return [g for g in goals if g.period.end >= today - timedelta(days=7)] or goals

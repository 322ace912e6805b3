"""The numbers behind the GM's charts: a few aggregate reads, whatever the size of the org.

Each function is a handful of Core statements (GROUP BY where the database can add up,
plain tuples otherwise), never one ORM object per row: a chart of a year of 1,000 people
must render in well under a second. The drawing lives in bot/charts.py.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from bot.config import DEFAULT_CHECKIN_SCHEDULE, CheckinSchedule
from bot.name_order import name_key
from bot.schedule import checkin_moment
from bot.team_names import spellings_of, team_key
from bot.weeks import week_end, week_start
from storage.away import AwayRepo
from storage.goals import CrmActual
from storage.kudos import Kudos
from storage.models import Answer, CheckinRound, Person
from storage.pulse import PulsePoll, PulseVote
from storage.repositories import KEYS_PER_STATEMENT
from storage.summary_rows import plain_rows, texts_by_key
from storage.team_scope import TeamScope


@dataclass
class PersonAttainment:
    """One person's KPI attainment per week (a ratio: 1.0 is the target met)."""

    key: str
    name: str
    role: str
    team: str | None  # their team in the latest week shown (else today's)
    weeks: dict[str, float] = field(default_factory=dict)
    #: Their team in each week with a value (the round's: a move since rewrites none).
    teams: dict[str, str | None] = field(default_factory=dict)
    #: The weeks with a value whose check-in was changed after the week had ended
    #: (checkin_rounds.edited_at): the value is the new figure, as /summary reads it.
    edited: set[str] = field(default_factory=set)


def attainment(session: Session, weeks: Sequence[str], team: str | None = None,
               today: date | None = None,
               schedule: CheckinSchedule = DEFAULT_CHECKIN_SCHEDULE
               ) -> list[PersonAttainment]:
    """Each person's KPI attainment in each of `weeks` (only `team`'s that week, if given).

    A person-week's value is the mean of the attainments /summary shows for that week's
    KPIs (actual / the target asked that week, from the round's snapshot), over the KPIs
    they reported with a positive target, the CRM's figure in place of the typed one
    where it has one (as /summary counts it); a week with none has no value. Sorted
    by team, then name. A CRM row dated after `today` (the org's day; None: every row)
    counts from its day on, as /summary and /goals count it (handlers.summary.crm_figures).
    A week /summary reads away (an away period covered its check-in moment, `schedule`
    where the round was made, and nothing was answered) has no value: /summary counts its
    CRM figure with no target, so there is no attainment to draw.

    Four plain reads: the rounds of those weeks with their snapshot's key, each distinct
    snapshot's text once (storage/snapshot_keys.py: a year of 1,000 people is 52,000
    rounds but a handful of snapshots, as rounds with the same targets share one),
    their KPI figures (a row per round, a column per KPI), and the CRM's figures of the
    weeks (a GROUP BY per person, metric and week). Reading every round's
    kilobytes of JSON instead was most of the chart's time.
    """
    wanted = team_key(team) if team else None
    in_weeks = CheckinRound.week.in_(list(weeks))
    who = select(Person.id, Person.key, Person.display_name, Person.role, Person.team,
                 Person.timezone)
    if wanted is not None:
        # A team's chart reads its people and their rounds (storage/team_scope.py), not
        # the org's; the team of each week is still decided below, as for everyone.
        scope = TeamScope(session, wanted, weeks)
        in_weeks = scope.rounds()
        who = who.where(scope.people())
    conn = session.connection()
    people = {row[0]: row for row in conn.execute(who)}
    rows = plain_rows(conn, select(CheckinRound.id, CheckinRound.person_id, CheckinRound.week,
                                CheckinRound.team, CheckinRound.snapshot_key,
                                CheckinRound.edited_at.is_not(None)).where(in_weeks))
    texts = texts_by_key(conn, ((row[4], row[0]) for row in rows))
    keyed = list(texts)
    index = {key: at for at, key in enumerate(keyed)}
    # KPI key -> target (positive), per snapshot
    snapshots: list[dict[str, float]] = [
        {q["key"]: float(q.get("target") or 0) for q in json.loads(texts[key])
         if q.get("category") == "kpi" and float(q.get("target") or 0) > 0}
        for key in keyed]
    # round -> (person, week, team that week, snapshot), for rounds with a KPI target
    rounds: dict[int, tuple[int, str, str | None, int]] = {}
    edited: set[int] = set()  # of them, those changed after their week ended
    for round_id, person_id, week, round_team, key, changed in rows:
        at = index[key]
        person = people.get(person_id)
        if not snapshots[at] or person is None:
            continue
        week_team = round_team if round_team is not None else person[4]
        if wanted is not None and team_key(week_team) != wanted:
            continue
        rounds[round_id] = (person_id, week, week_team, at)
        if changed:
            edited.add(round_id)
    if not rounds:
        return []
    keys = sorted({k for kpis in snapshots for k in kpis})
    # Each snapshot's KPIs as (column of the row below, target).
    aligned = [[(i, kpis[k]) for i, k in enumerate(keys, start=1) if k in kpis]
               for kpis in snapshots]
    # One row per round, a column per KPI (the database pairs them up, not Python).
    figures = [func.max(case((Answer.question_key == k, Answer.number_value))) for k in keys]
    # The CRM's figure of a person, metric and week is counted in place of the typed one,
    # as /summary counts it (a chart had drawn Alice's typed 60,000 where the GM's trend
    # read the CRM's 72,000): round -> {column: figure}. Read first, usually a few rows,
    # so the loop over every round's figures below stays as cheap as before.
    crm: dict[int, dict[int, float]] = {}
    column = {k.removeprefix("kpi:"): i for i, k in enumerate(keys, start=1)}
    crm_rows = plain_rows(conn, select(
        CrmActual.person_key, CrmActual.metric, CrmActual.week, func.sum(CrmActual.value))
        .where(CrmActual.week.in_(list(weeks)), CrmActual.metric.in_(list(column)),
               *(() if today is None else
                 (or_(CrmActual.day.is_(None), CrmActual.day <= today),)))
        .group_by(CrmActual.person_key, CrmActual.metric, CrmActual.week))
    if crm_rows:
        round_of = {(people[p][1], wk): rid for rid, (p, wk, _t, _a) in rounds.items()}
        for key, metric, week, value in crm_rows:
            rid = round_of.get((key, week))
            if rid is not None:
                crm.setdefault(rid, {})[column[metric]] = float(value)
    typed = plain_rows(conn, select(Answer.round_id, *figures).where(
        Answer.round_id.in_(select(CheckinRound.id).where(in_weeks)),
        Answer.question_key.in_(keys), Answer.skipped.is_(False),
        Answer.number_value.is_not(None)).group_by(Answer.round_id))
    # Rounds with a CRM figure and nothing typed (a week missed) count it all the same,
    # but for a week away: /summary counts that figure with no target, and no trend point
    # (the chart drew a week away at its sale against the unanswered round's target).
    seen = {row[0] for row in typed} if crm else set()
    unanswered = [rid for rid in crm if rid not in seen]
    for rid in _away_rounds(session, unanswered, rounds, people, schedule):
        del crm[rid]
    typed += [(rid, *([None] * len(keys))) for rid in crm if rid not in seen]
    out: dict[int, PersonAttainment] = {}
    latest: dict[int, str] = {}  # person -> the latest week with a value
    for row in typed:
        found = rounds.get(row[0])
        if found is None:
            continue
        if row[0] in crm:
            replaced = list(row)
            for i, value in crm[row[0]].items():
                replaced[i] = value
            row = tuple(replaced)
        person_id, week, week_team, at = found
        total, count = 0.0, 0
        for i, target in aligned[at]:
            if row[i] is not None:
                total += row[i] / target
                count += 1
        if not count:
            continue
        line = out.get(person_id)
        if line is None:
            person = people[person_id]
            line = out[person_id] = PersonAttainment(person[1], person[2], person[3],
                                                     week_team)
        line.weeks[week] = total / count
        line.teams[week] = week_team
        if row[0] in edited:
            line.edited.add(week)
        if week > latest.get(person_id, ""):  # their team that week is the one shown
            latest[person_id] = week
            line.team = week_team
    for line in out.values():  # weeks in order
        line.weeks = dict(sorted(line.weeks.items()))
    return sorted(out.values(), key=lambda p: (team_key(p.team or "\uffff"), name_key(p.name)))


def _away_rounds(session: Session, ids: Sequence[int],
                 rounds: dict[int, tuple[int, str, str | None, int]],
                 people: dict[int, Any], schedule: CheckinSchedule) -> set[int]:
    """Of the rounds `ids` (none of their KPIs typed), those /summary reads as away: not
    submitted, nothing answered at all, and an away period covered the week's check-in
    moment where the round was made (handlers.summary_gm._away's rule). Only the rounds
    of people with an away period near their weeks are read (usually none)."""
    if not ids:
        return set()
    weeks = [rounds[rid][1] for rid in ids]
    away = AwayRepo(session)
    near = away.near(week_start(min(weeks)), week_end(max(weeks)))
    ids = [rid for rid in ids if rounds[rid][0] in near]
    conn = session.connection()
    asks: dict[int, tuple[int, str, datetime]] = {}
    for at in range(0, len(ids), KEYS_PER_STATEMENT):
        for rid, zone in plain_rows(conn, select(CheckinRound.id, CheckinRound.timezone).where(
                CheckinRound.id.in_(ids[at:at + KEYS_PER_STATEMENT]),
                CheckinRound.status != "submitted",
                ~select(Answer.id).where(Answer.round_id == CheckinRound.id).exists())):
            person_id, week = rounds[rid][:2]
            # Where the round was made (rounds made before rounds had one: today's zone).
            zone = zone or people[person_id][5]
            asks[rid] = (person_id, zone, checkin_moment(schedule, zone, week))
    covered = away.last_days(asks.values())
    return {rid for rid, (pid, _zone, moment) in asks.items() if (pid, moment) in covered}



@dataclass(frozen=True)
class KudosCount:
    """Kudos given by a team's people and received by them in a period."""

    team: str | None
    given: int
    received: int


def kudos_per_team(session: Session, start: datetime, end: datetime) -> list[KudosCount]:
    """Kudos given and received per team in [start, end): two GROUP BYs.

    The same counts as storage.kudos.kudos_by_team (a kudos counts for the giver's team
    and the recipient's team when it was given); sorted by team, people without one last.
    """
    conn = session.connection()
    period = (Kudos.given_at >= start, Kudos.given_at < end)
    given = dict(conn.execute(
        select(Kudos.giver_team, func.count(Kudos.id))
        .where(*period).group_by(Kudos.giver_team)).all())
    received = dict(conn.execute(
        select(Kudos.recipient_team, func.count(Kudos.id))
        .where(*period).group_by(Kudos.recipient_team)).all())
    teams = sorted(set(given) | set(received), key=lambda t: (t is None, t or ""))
    return [KudosCount(t, int(given.get(t, 0)), int(received.get(t, 0))) for t in teams]


@dataclass(frozen=True)
class PulseTally:
    """How many answered one pulse question in one team slice of a poll, and their sum.

    `team` None: answers stored without a team (a team too small to be kept with votes).
    Raw counts: whoever draws them must apply the poll's anonymity threshold first.
    """

    poll: str  # the poll's date, 'YYYY-MM-DD'
    threshold: int
    question: str
    team: str | None
    n: int
    total: int


def pulse_tallies(session: Session, since: date, until: date,
                  questions: Sequence[str] = ("morale", "stress")) -> list[PulseTally]:
    """Per closed poll dated in [since, until], question and team: count and sum of the
    answers. An open poll gives nothing: drawn before and after one more answer, its
    figures would show that answer (handlers/pulse.py)."""
    rows = session.connection().execute(
        select(PulsePoll.key, PulsePoll.threshold, PulseVote.question_key, PulseVote.team,
               func.count(), func.sum(PulseVote.value))
        .join(PulsePoll, PulsePoll.id == PulseVote.poll_id)
        .where(PulsePoll.key >= since.isoformat(), PulsePoll.key <= until.isoformat(),
               PulsePoll.closed.is_(True), PulseVote.question_key.in_(list(questions)))
        .group_by(PulsePoll.key, PulsePoll.threshold, PulseVote.question_key, PulseVote.team)
        .order_by(PulsePoll.key))
    return [PulseTally(key, int(threshold), question, team, int(n), int(total or 0))
            for key, threshold, question, team, n, total in rows]


def pulse_dropped(session: Session, since: date, until: date,
                  questions: Sequence[str] = ("morale", "stress")) -> list[tuple[str, int]]:
    """(poll date, threshold) of each closed poll dated in [since, until] that asked one of
    `questions` and whose answers were deleted at its close, its results hidden as a whole
    (handlers/pulse.py forget_hidden): pulse_tallies has nothing of it, yet it had answers
    and is hidden, not missing."""
    rows = session.connection().execute(
        select(PulsePoll.key, PulsePoll.threshold, PulsePoll.shown, PulsePoll.questions)
        .where(PulsePoll.key >= since.isoformat(), PulsePoll.key <= until.isoformat(),
               PulsePoll.closed.is_(True), PulsePoll.shown.is_not(None))
        .order_by(PulsePoll.key))
    return [(key, int(threshold)) for key, threshold, shown, asked in rows
            if isinstance(shown, dict) and shown.get("dropped")
            and any(q.get("key") in questions for q in asked or [])]


def director_teams(session: Session, team: str | None = None) -> dict[str, list[str]]:
    """Teams that have an active director (only `team`, if given, in any spelling by
    bot/team_names.py's rule, not SQL's lower()): team -> directors."""
    directing = (Person.active.is_(True), Person.role == "director", Person.team.is_not(None))
    query = select(Person.team, Person.display_name).where(*directing)
    if team is not None:
        query = query.where(Person.team.in_(spellings_of([team], session.scalars(
            select(Person.team).where(*directing).distinct()))))
    out: dict[str, list[str]] = {}
    for name, director in session.connection().execute(query.order_by(Person.display_name)):
        out.setdefault(name, []).append(director)
    return dict(sorted(out.items()))

"""The numbers behind the GM's charts: a few aggregate reads, whatever the size of the org.

Each function is a handful of Core statements (GROUP BY where the database can add up,
plain tuples otherwise), never one ORM object per row: a chart of a year of 1,000 people
must render in well under a second. The drawing lives in bot/charts.py.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Text, cast, func, or_, select
from sqlalchemy.orm import Session, aliased

from storage.kudos import Kudos
from storage.models import Answer, CheckinRound, Person
from storage.pulse import PulsePoll, PulseVote


@dataclass
class PersonAttainment:
    """One person's KPI attainment per week (a ratio: 1.0 is the target met)."""

    key: str
    name: str
    role: str
    team: str | None  # their team in the latest week shown (else today's)
    weeks: dict[str, float] = field(default_factory=dict)


def attainment(session: Session, weeks: Sequence[str],
               team: str | None = None) -> list[PersonAttainment]:
    """Each person's KPI attainment in each of `weeks` (only `team`'s that week, if given).

    A person-week's value is the mean of the attainments /summary shows for that week's
    KPIs (actual / the target asked that week, from the round's snapshot), over the KPIs
    they reported with a positive target; a week with none reported has no value. Sorted
    by team, then name.

    The snapshots (a couple of kilobytes of JSON per round) are read only where a person's
    snapshot changes from their previous round (a window over their rounds in week order),
    not once per round: a year of 1,000 people is 52,000 rounds but a few thousand changes.
    """
    wanted = team.lower() if team else None
    in_weeks = CheckinRound.week.in_(list(weeks))
    conn = session.connection()
    people = {row.id: row for row in conn.execute(select(
        Person.id, Person.key, Person.display_name, Person.role, Person.team))}
    snapshot = cast(CheckinRound.questions, Text)
    ordered = select(CheckinRound.person_id, CheckinRound.week, snapshot.label("snapshot"),
                     func.lag(snapshot).over(partition_by=CheckinRound.person_id,
                                             order_by=CheckinRound.week).label("previous")
                     ).where(in_weeks).subquery()
    changes = conn.execute(select(ordered.c.person_id, ordered.c.week, ordered.c.snapshot)
                           .where(or_(ordered.c.previous.is_(None),
                                      ordered.c.previous != ordered.c.snapshot))
                           .order_by(ordered.c.person_id, ordered.c.week)).all()
    parsed: dict[str, dict[str, float]] = {}  # snapshot text -> KPI key -> target
    # person -> the weeks their snapshot changed (ascending), and its KPI targets from then
    starts: dict[int, list[str]] = {}
    targets: dict[int, list[dict[str, float]]] = {}
    for person_id, week, text in changes:
        kpis = parsed.get(text)
        if kpis is None:
            kpis = parsed[text] = {q["key"]: float(q.get("target") or 0)
                                   for q in json.loads(text) if q.get("category") == "kpi"}
        starts.setdefault(person_id, []).append(week)
        targets.setdefault(person_id, []).append(kpis)
    of_week: dict[tuple[int, str], dict[str, float]] = {}
    keys = sorted({k for kpis in parsed.values() for k in kpis})
    ratios: dict[tuple[int, str], list[float]] = {}
    team_that_week: dict[tuple[int, str], str | None] = {}
    if keys:
        answers = conn.execute(
            select(CheckinRound.person_id, CheckinRound.week, CheckinRound.team,
                   Answer.question_key, Answer.number_value)
            .join(CheckinRound, CheckinRound.id == Answer.round_id)
            .where(in_weeks, Answer.question_key.in_(keys), Answer.skipped.is_(False),
                   Answer.number_value.is_not(None))).all()
        for person_id, week, round_team, key, value in answers:
            person = people.get(person_id)
            if person is None:
                continue
            week_team = round_team if round_team is not None else person.team
            if wanted is not None and (week_team or "").lower() != wanted:
                continue
            found_targets = targets[person_id]
            if len(found_targets) == 1:
                kpis = found_targets[0]
            else:
                kpis = of_week.get((person_id, week))
                if kpis is None:  # the snapshot in force that week, once per person-week
                    at = bisect_right(starts[person_id], week) - 1
                    kpis = of_week[(person_id, week)] = found_targets[at]
            target = kpis.get(key, 0.0)
            if target > 0:
                found = ratios.get((person_id, week))
                if found is None:
                    found = ratios[(person_id, week)] = []
                    team_that_week[(person_id, week)] = week_team
                found.append(value / target)
    out: dict[int, PersonAttainment] = {}
    for (person_id, week), values in sorted(ratios.items(), key=lambda i: i[0][1]):
        person = people[person_id]
        line = out.get(person_id)
        if line is None:
            line = out[person_id] = PersonAttainment(person.key, person.display_name,
                                                     person.role, person.team)
        line.weeks[week] = sum(values) / len(values)
        line.team = team_that_week[(person_id, week)]  # weeks ascend: the latest wins
    return sorted(out.values(), key=lambda p: ((p.team or "\uffff").lower(), p.name.lower()))


@dataclass(frozen=True)
class KudosCount:
    """Kudos given by a team's people and received by them in a period."""

    team: str | None
    given: int
    received: int


def kudos_per_team(session: Session, start: datetime, end: datetime) -> list[KudosCount]:
    """Kudos given and received per team in [start, end): two GROUP BYs.

    The same counts as storage.kudos.kudos_by_team (a kudos counts for the giver's team
    and the recipient's team as they are today); sorted by team, people without one last.
    """
    conn = session.connection()
    giver, recipient = aliased(Person), aliased(Person)
    period = (Kudos.given_at >= start, Kudos.given_at < end)
    given = dict(conn.execute(
        select(giver.team, func.count(Kudos.id)).join(giver, giver.id == Kudos.giver_id)
        .where(*period).group_by(giver.team)).all())
    received = dict(conn.execute(
        select(recipient.team, func.count(Kudos.id))
        .join(recipient, recipient.id == Kudos.recipient_id)
        .where(*period).group_by(recipient.team)).all())
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
    """Per poll dated in [since, until], question and team: count and sum of the answers."""
    rows = session.connection().execute(
        select(PulsePoll.key, PulsePoll.threshold, PulseVote.question_key, PulseVote.team,
               func.count(), func.sum(PulseVote.value))
        .join(PulsePoll, PulsePoll.id == PulseVote.poll_id)
        .where(PulsePoll.key >= since.isoformat(), PulsePoll.key <= until.isoformat(),
               PulseVote.question_key.in_(list(questions)))
        .group_by(PulsePoll.key, PulsePoll.threshold, PulseVote.question_key, PulseVote.team)
        .order_by(PulsePoll.key))
    return [PulseTally(key, int(threshold), question, team, int(n), int(total or 0))
            for key, threshold, question, team, n, total in rows]


def director_teams(session: Session, team: str | None = None) -> dict[str, list[str]]:
    """Teams that have an active director (only `team`, if given): team -> directors."""
    query = select(Person.team, Person.display_name).where(
        Person.active.is_(True), Person.role == "director", Person.team.is_not(None))
    if team is not None:
        query = query.where(func.lower(Person.team) == team.lower())
    out: dict[str, list[str]] = {}
    for name, director in session.connection().execute(query.order_by(Person.display_name)):
        out.setdefault(name, []).append(director)
    return dict(sorted(out.items()))

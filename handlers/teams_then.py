"""Which teams a past period knows, by what was stored then, not by today's org file.

The org file holds today's teams only: East renamed "Americas East", or closed, is in
nobody's `team` any more. A past week still has it where it was stored: each check-in
round keeps the team its person was in that week (CheckinRound.team), each kudos the
giver's and recipient's teams of when it was given. So a team's summary, chart or board
of a past period is asked for by the name the team had then; today's teams are found for
any period, as before.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, func, select, true
from sqlalchemy.orm import Session

from bot.clock import as_utc
from bot.suggest import closest
from bot.team_names import team_key, team_order
from bot.weeks import current_week, week_end, week_of, week_start
from storage.kudos import Kudos, stored_teams
from storage.models import CheckinRound, Person
from storage.pulse import PulseParticipant, PulsePoll
from storage.team_scope import MAX_LISTED


def teams_then(session: Session, weeks: Sequence[str], start: datetime | None,
               end: datetime | None) -> set[str]:
    """The teams of `weeks`' check-in rounds and of the kudos given in [start, end): two
    DISTINCT reads, a row per team name."""
    found = set(session.scalars(select(CheckinRound.team).where(
        CheckinRound.week.in_(list(weeks)), CheckinRound.team.is_not(None)).distinct()))
    # A week with a pulse poll only (no check-in sent) knows its teams by whom it asked.
    found |= set(session.scalars(
        select(PulseParticipant.team).join(PulsePoll, PulsePoll.id == PulseParticipant.poll_id)
        .where(PulsePoll.key >= week_start(min(weeks)).isoformat(),
               PulsePoll.key <= week_end(max(weeks)).isoformat(),
               PulseParticipant.team.is_not(None)).distinct()))
    return {t for t in found if t} | stored_teams(session, start, end)


def directors_then(session: Session, week: str, end: datetime, timezone: str,
                   ids: Collection[int] | None = None) -> dict[str, tuple[str, str | None]]:
    """Each director's (by role today; or each of the people `ids`, whatever their role)
    display name and team as last recorded by the end of `week` (`end`: that instant),
    by person key: their latest check-in round up to that week, kudos
    given or received before `end`, or pulse poll asked up to that week, each stored with
    the team they were in then; the latest wins, a round over the others in one week.
    Those with no such record are left out (the caller goes by today's team).

    Why: a past week without a round of theirs (check-in not sent, away) still had them
    leading a team, and the org file (today's) may have renamed it or moved them since;
    the last record before it is the last the bot knew of them then, and never changes.
    Five statements, a row per person and source."""
    last_day = week_end(week).isoformat()
    if ids is not None and not ids:
        return {}
    # Past MAX_LISTED ids, everyone (a superset: the caller looks up by key) rather than
    # more bound parameters than a statement takes.
    chosen = Person.role == "director" if ids is None else \
        Person.id.in_(sorted(ids)) if len(ids) <= MAX_LISTED else true()
    names = {pid: (key, name) for pid, key, name in session.execute(
        select(Person.id, Person.key, Person.display_name).where(chosen))}
    if not names:
        return {}
    directors = select(Person.id).where(chosen).scalar_subquery()
    seen: dict[int, tuple[str, int, str | None]] = {}

    def note(pid: int, wk: str, rank: int, team: str | None) -> None:
        if pid in names and (pid not in seen or (wk, rank) > seen[pid][:2]):
            seen[pid] = (wk, rank, team)

    r = CheckinRound
    latest = select(r.person_id, func.max(r.week).label("week")).where(
        r.person_id.in_(directors), r.week <= week).group_by(r.person_id).subquery()
    for pid, wk, team in session.execute(select(r.person_id, r.week, r.team).join(
            latest, and_(r.person_id == latest.c.person_id, r.week == latest.c.week))):
        note(pid, wk, 1, team)
    for who, team_col in ((Kudos.giver_id, Kudos.giver_team),
                          (Kudos.recipient_id, Kudos.recipient_team)):
        last = select(who.label("pid"), func.max(Kudos.given_at).label("at")).where(
            who.in_(directors), Kudos.given_at < end).group_by(who).subquery()
        for pid, when, team in session.execute(select(who, Kudos.given_at, team_col).join(
                last, and_(who == last.c.pid, Kudos.given_at == last.c.at))):
            note(pid, current_week(as_utc(when), timezone), 0, team)
    p = PulseParticipant
    asked = select(p.person_id, func.max(PulsePoll.key).label("key")).join(
        PulsePoll, PulsePoll.id == p.poll_id).where(
        p.person_id.in_(directors), PulsePoll.key <= last_day).group_by(p.person_id).subquery()
    for pid, key, team in session.execute(
            select(p.person_id, PulsePoll.key, p.team)
            .join(PulsePoll, PulsePoll.id == p.poll_id)
            .join(asked, and_(p.person_id == asked.c.person_id, PulsePoll.key == asked.c.key))):
        note(pid, week_of(date.fromisoformat(key)), 0, team)
    return {names[pid][0]: (names[pid][1], team) for pid, (_, _, team) in seen.items()}


def roles_changed(session: Session, week: str) -> dict[int, str]:
    """The people whose round of `week` was made in another role than theirs today (a
    director made GM since, a member made director), by person id: that week's role.
    One statement, a row per such person (usually none)."""
    return {pid: role for pid, role in session.execute(
        select(CheckinRound.person_id, CheckinRound.role).join(
            Person, Person.id == CheckinRound.person_id).where(
            CheckinRound.week == week, CheckinRound.role.is_not(None),
            CheckinRound.role != Person.role))}


def last_rounds(session: Session, week: str, ids: Collection[int]
                ) -> dict[int, tuple[str | None, str | None, datetime]]:
    """Each of `ids`' latest check-in round up to `week`: the role and manager key it was
    made under (None: a round stored before rounds kept them; a manager None also for no
    manager) and when it was made, by person id; those with no round by then are left
    out. One statement, a row per person.

    Why: a week without a round of theirs (away when the check-ins went out) has no role
    or manager of its own; the latest round before it is the last the bot knew of them
    then, as for their team (directors_then) and timezone (summary.zone_then), so a
    demotion or a new manager since does not rewrite the week."""
    if not ids:
        return {}
    r, wanted = CheckinRound, set(ids)
    # Past MAX_LISTED ids, everyone's (a superset, filtered below) rather than more bound
    # parameters than a statement takes.
    chosen = r.person_id.in_(sorted(wanted)) if len(wanted) <= MAX_LISTED else true()
    latest = select(r.person_id, func.max(r.week).label("week")).where(
        chosen, r.week <= week).group_by(r.person_id).subquery()
    return {pid: (role, manager, as_utc(made)) for pid, role, manager, made in session.execute(
        select(r.person_id, r.role, r.manager_key, r.created_at).join(
            latest, and_(r.person_id == latest.c.person_id, r.week == latest.c.week)))
        if pid in wanted}


def roles_then(session: Session, week: str, ids: Collection[int]) -> dict[int, str | None]:
    """Each of `ids`' role as their latest round up to `week` was made in (last_rounds)."""
    return {pid: role for pid, (role, _, _) in last_rounds(session, week, ids).items()}


def teams_today(session: Session) -> set[str]:
    """The teams of the org file today (its people's: one DISTINCT read)."""
    return {t for t in session.scalars(select(Person.team).where(
        Person.active.is_(True), Person.team.is_not(None)).distinct()) if t}


@dataclass(frozen=True)
class TeamLookup:
    """A team asked for by name: `name` as spelt (None: no such team), with what a refusal
    lists — today's teams and, apart, those of the period no longer in the org file."""

    name: str | None
    today: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)

    def guess(self, typed: str) -> str | None:
        """For a team not found, the one of today's close to `typed` (a typo: 'Eats' for
        'East'), for a refusal's "did you mean" (whose command names no period: a team
        gone since is listed apart, not offered); else None."""
        return closest(typed, self.today) if self.name is None else None


def teams_gone(today: Collection[str], then: Collection[str]) -> list[str]:
    """The teams of `then` that are none of `today`'s (without case), sorted, each once
    as first spelt."""
    now = {team_key(t) for t in today}
    gone: dict[str, str] = {}
    for name in sorted(then):
        if team_key(name) not in now:
            gone.setdefault(team_key(name), name)
    return sorted(gone.values(), key=team_order)


def find_team(typed: str, today: Collection[str], then: Collection[str],
              spelled: Mapping[str, str] | None = None) -> TeamLookup:
    """The team `typed` names (in any case, bot/team_names.py): today's first, else one
    the period knows. Today's named as the org file first writes them (`spelled`:
    team_spellings), not as whichever of their spellings sorts last: a chart of `team
    east` had been titled `East` where the file, and the summary, name the team `EAST`."""
    names = spelled or {}
    now: dict[str, str] = {}
    for t in sorted(today):
        now.setdefault(team_key(t), names.get(team_key(t), t))
    gone = teams_gone(today, then)
    key = team_key(typed.strip())
    return TeamLookup(now.get(key) or {team_key(t): t for t in gone}.get(key),
                      sorted(now.values(), key=team_order), gone)


def last_week_of(session: Session, typed: str, timezone: str) -> tuple[str, str] | None:
    """A team no longer in the org file (`typed`, without case) as it was last seen: its
    spelling and the latest week a check-in round or a kudos (that week in `timezone`)
    was stored with it; None for a name no team ever had. A row per team name and column:
    the org's few teams over all its history, not its rows."""
    key = team_key(typed.strip())
    seen: list[tuple[str, str]] = []
    for team, week in session.execute(select(CheckinRound.team, func.max(CheckinRound.week))
                                      .where(CheckinRound.team.is_not(None))
                                      .group_by(CheckinRound.team)):
        if team and team_key(team) == key:
            seen.append((week, team))
    for column in (Kudos.giver_team, Kudos.recipient_team):
        for team, when in session.execute(select(column, func.max(Kudos.given_at))
                                          .where(column.is_not(None)).group_by(column)):
            if team and when is not None and team_key(team) == key:
                seen.append((current_week(as_utc(when), timezone), team))
    if not seen:
        return None
    week, team = max(seen)
    return team, week

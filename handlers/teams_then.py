"""Which teams a past period knows, by what was stored then, not by today's org file.

The org file holds today's teams only: East renamed "Americas East", or closed, is in
nobody's `team` any more. A past week still has it where it was stored: each check-in
round keeps the team its person was in that week (CheckinRound.team), each kudos the
giver's and recipient's teams of when it was given. So a team's summary, chart or board
of a past period is asked for by the name the team had then; today's teams are found for
any period, as before.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.clock import as_utc
from bot.weeks import current_week
from storage.kudos import Kudos, stored_teams
from storage.models import CheckinRound, Person


def teams_then(session: Session, weeks: Sequence[str], start: datetime | None,
               end: datetime | None) -> set[str]:
    """The teams of `weeks`' check-in rounds and of the kudos given in [start, end): two
    DISTINCT reads, a row per team name."""
    found = set(session.scalars(select(CheckinRound.team).where(
        CheckinRound.week.in_(list(weeks)), CheckinRound.team.is_not(None)).distinct()))
    return {t for t in found if t} | stored_teams(session, start, end)


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


def teams_gone(today: Collection[str], then: Collection[str]) -> list[str]:
    """The teams of `then` that are none of `today`'s (without case), sorted, each once
    as first spelt."""
    now = {t.casefold() for t in today}
    gone: dict[str, str] = {}
    for name in sorted(then):
        if name.casefold() not in now:
            gone.setdefault(name.casefold(), name)
    return sorted(gone.values())


def find_team(typed: str, today: Collection[str], then: Collection[str]) -> TeamLookup:
    """The team `typed` names (without case): today's first, else one the period knows."""
    now = {t.casefold(): t for t in sorted(today)}
    gone = teams_gone(today, then)
    key = typed.strip().casefold()
    return TeamLookup(now.get(key) or {t.casefold(): t for t in gone}.get(key),
                      sorted(now.values()), gone)


def last_week_of(session: Session, typed: str, timezone: str) -> tuple[str, str] | None:
    """A team no longer in the org file (`typed`, without case) as it was last seen: its
    spelling and the latest week a check-in round or a kudos (that week in `timezone`)
    was stored with it; None for a name no team ever had. A row per team name and column:
    the org's few teams over all its history, not its rows."""
    key = typed.strip().casefold()
    seen: list[tuple[str, str]] = []
    for team, week in session.execute(select(CheckinRound.team, func.max(CheckinRound.week))
                                      .where(CheckinRound.team.is_not(None))
                                      .group_by(CheckinRound.team)):
        if team and team.casefold() == key:
            seen.append((week, team))
    for column in (Kudos.giver_team, Kudos.recipient_team):
        for team, when in session.execute(select(column, func.max(Kudos.given_at))
                                          .where(column.is_not(None)).group_by(column)):
            if team and when is not None and team.casefold() == key:
                seen.append((current_week(as_utc(when), timezone), team))
    if not seen:
        return None
    week, team = max(seen)
    return team, week

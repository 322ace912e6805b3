"""One team's rows over a window of weeks, as SQL conditions: what a team's summary,
digest and chart read is sized by the team, not by the org.

A person's team in a week is their round's record of it, else their team today (see
handlers/summary.py `_team_in`), compared without case. So the people who may be in the
team in one of the weeks are those in it today and those a round of those weeks places in
it; every round of theirs in those weeks is read (a round placing someone in another team
is what keeps them out of this one that week), and nobody else's. Also those with time
away near the weeks (usually a few): away, they have no round that week, and a past week
places them by their last record then (handlers/summary.py `_placed`), perhaps in a team
they have left since.

Team names are compared by bot/team_names.py's rule (casefold), as the summary does: the
spellings of the team found in the people and in the weeks' rounds (a DISTINCT each, a row
per team name) are matched here, not with SQL's lower(), which SQLite applies to ASCII
letters only and which keeps `Straße` apart from `STRASSE`.

What still grows with the org is inside the database, not in rows returned: the people
table and the weeks' entries of the rounds' summary index are scanned for the team's
spellings and for who a round places in it (no index has the team first; the team is
matched without case): a few ms per 1,000 people for the chart's eight weeks on SQLite,
where reading the org's rows had cost about 90.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import Session

from bot.team_names import team_key
from bot.weeks import week_end, week_start
from storage.away import AwayPeriod
from storage.models import CheckinRound, Person

#: A team's people named by id in its statements up to this many (bound parameters stay
#: well under SQLite's and PostgreSQL's limits); beyond, by the query that finds them.
MAX_LISTED = 5000


class TeamScope:
    """The people and rounds of one team (any spelling of its name) in some weeks."""

    def __init__(self, session: Session, team: str, weeks: Sequence[str]) -> None:
        self.team = team_key(team)
        self.weeks = list(weeks)
        self._session = session
        self._found: list[int] | Select[tuple[int]] | None = None
        conn = session.connection()
        # Spellings of the team: one row per distinct team name, not one per person.
        self.today = sorted(t for t in conn.execute(
            select(Person.team).where(Person.team.is_not(None)).distinct()).scalars()
            if team_key(t) == self.team)
        self.then = sorted(t for t in conn.execute(
            select(CheckinRound.team).where(CheckinRound.week.in_(self.weeks),
                                            CheckinRound.team.is_not(None)).distinct()
            ).scalars() if team_key(t) == self.team)

    def people(self) -> ColumnElement[bool]:
        """Who may be in the team in one of the weeks (a superset: the caller decides)."""
        return Person.id.in_(self._ids())

    def rounds(self) -> ColumnElement[bool]:
        """Every round of the weeks of those people (their rounds in another team too)."""
        return and_(CheckinRound.week.in_(self.weeks), CheckinRound.person_id.in_(self._ids()))

    def _ids(self) -> list[int] | Select[tuple[int]]:
        """The people's ids, read once (finding those a round places in the team reads the
        weeks' rounds); for a team too large for a list of parameters, the query."""
        if self._found is None:
            first, last = week_start(min(self.weeks)), week_end(max(self.weeks))
            query = select(Person.id).where(or_(Person.team.in_(self.today), Person.id.in_(
                select(CheckinRound.person_id).where(CheckinRound.week.in_(self.weeks),
                                                     CheckinRound.team.in_(self.then))),
                Person.id.in_(select(AwayPeriod.person_id).where(
                    AwayPeriod.starts_on <= last + timedelta(days=1),
                    AwayPeriod.ends_on >= first - timedelta(days=1)))))
            found = list(self._session.connection().execute(query).scalars())
            self._found = found if len(found) <= MAX_LISTED else query
        return self._found

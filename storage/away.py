"""Away periods: when someone said they would not check in, kept as history.

A period is a range of calendar days in the person's own timezone (`starts_on` to
`ends_on`, both inclusive). It never reaches back before the moment it was recorded
(`created_at`), and `/back` or a cancellation cuts it short at `ended_at` instead of
deleting it. So a week is away only if a period covered its check-in moment as the
person had set it up *at that moment*; nothing said later rewrites an earlier week.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import Date, ForeignKey, Integer, Select, bindparam, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.models import Base, UTCDateTime


class AwayPeriod(Base):
    """One stretch of days a person is away (no check-in expected)."""

    __tablename__ = "away_periods"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Set by /back (ended early) or a cancellation (ended before it began).
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def span(self, timezone: str) -> tuple[datetime, datetime]:
        """The UTC interval [start, end) the period really covers in a timezone.

        It starts at the first day's midnight, but never before it was recorded; it
        ends at the midnight after the last day, or earlier if it was cut short.
        """
        return _span(self.starts_on, self.ends_on, self.created_at, self.ended_at, timezone)

    def covers(self, moment: datetime, timezone: str) -> bool:
        """Whether the person was away at `moment` (aware) under this period."""
        start, end = self.span(timezone)
        return start <= moment < end

    def is_void(self, timezone: str) -> bool:
        """True for a period cancelled before it began (it covers nothing)."""
        start, end = self.span(timezone)
        return end <= start


_P = AwayPeriod.__table__.c
#: The columns last_days reads of a period.
_COLUMNS = (_P.id, _P.person_id, _P.starts_on, _P.ends_on, _P.created_at, _P.ended_at)
#: The periods of everyone with one touching the days `first` to `last`
#: (AwayRepo.near_periods) that end on `first` or later, the later ones too (time away
#: that follows without a break lengthens the stretch: last_days), oldest first: built
#: once, the days bound when it runs.
_TOUCHING = AwayPeriod.__table__.alias("touching").c
_NEAR_PERIODS = select(*_COLUMNS).where(
    _P.ends_on >= bindparam("first"),
    _P.person_id.in_(select(_TOUCHING.person_id).where(
        _TOUCHING.starts_on <= bindparam("last"), _TOUCHING.ends_on >= bindparam("first")))
).order_by(_P.id)


class NearPeriods(NamedTuple):
    """The people with an away period touching the days `first` to `last` (the bounds
    read), by person id, with their periods ending on `first` or later, as
    AwayRepo.last_days reads them: AwayRepo.near_periods."""

    first: date
    last: date
    by_person: dict[int, list[tuple[Any, ...]]]


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def _span(starts_on: date, ends_on: date, created_at: datetime, ended_at: datetime | None,
          timezone: str) -> tuple[datetime, datetime]:
    """AwayPeriod.span of a period's stored values (the one rule, for rows read as
    columns too: see AwayRepo.last_days)."""
    tz = ZoneInfo(timezone)
    start = max(_midnight(starts_on, tz), created_at)
    end = _midnight(ends_on + timedelta(days=1), tz)
    if ended_at is not None:
        end = min(end, ended_at)
    return start, end


def _day_of_end(end: datetime, tz: ZoneInfo) -> date:
    """The local day of the last moment before `end` (an exclusive end): cut short at
    exactly midnight, the day before, since the person is back for all of that day."""
    return (end - timedelta(microseconds=1)).astimezone(tz).date()


class AwayRepo:
    """Away periods of people; the one place that says whether someone was away."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, person_id: int, starts_on: date, ends_on: date, now: datetime) -> AwayPeriod:
        """Record a new period (the caller has checked the dates)."""
        period = AwayPeriod(person_id=person_id, starts_on=starts_on, ends_on=ends_on,
                            created_at=now)
        self.session.add(period)
        self.session.flush()
        return period

    def open_periods(self, person_id: int, timezone: str, now: datetime) -> list[AwayPeriod]:
        """Periods still ahead or under way at `now` (not ended, not over), oldest first."""
        rows = self.session.scalars(select(AwayPeriod).where(
            AwayPeriod.person_id == person_id, AwayPeriod.ended_at.is_(None))
            .order_by(AwayPeriod.starts_on, AwayPeriod.id))
        return [p for p in rows if p.span(timezone)[1] > now]

    def current(self, person_id: int, timezone: str, now: datetime) -> AwayPeriod | None:
        """The period covering `now`, if any."""
        return next((p for p in self.open_periods(person_id, timezone, now)
                     if p.covers(now, timezone)), None)

    def planned(self, person_id: int, timezone: str, now: datetime) -> list[AwayPeriod]:
        """Periods that have not begun yet at `now`."""
        return [p for p in self.open_periods(person_id, timezone, now)
                if p.span(timezone)[0] > now]

    def end(self, period: AwayPeriod, now: datetime) -> None:
        """Cut a period short at `now` (or cancel one not yet begun); the row stays."""
        period.ended_at = now
        self.session.flush()

    def near(self, first: date, last: date) -> set[int]:
        """The people with an away period touching the days `first` to `last`, a day
        either side (which holds every timezone's moments of those days): usually a few."""
        return set(self.session.scalars(select(AwayPeriod.person_id).distinct().where(
            AwayPeriod.starts_on <= last + timedelta(days=1),
            AwayPeriod.ends_on >= first - timedelta(days=1))))

    def near_periods(self, first: date, last: date) -> NearPeriods:
        """near's people (the keys) with their periods ending on those days or later (the
        ones following too, as last_days reads them): one statement serves both questions
        of the GM's summary."""
        first, last = first - timedelta(days=1), last + timedelta(days=1)
        by_person: dict[int, list[tuple[Any, ...]]] = {}
        for row in self.session.execute(_NEAR_PERIODS, {"first": first, "last": last}):
            found = by_person.get(row[1])
            if found is None:
                found = by_person[row[1]] = []
            found.append(tuple(row))
        return NearPeriods(first, last, by_person)

    def is_away(self, person_id: int, timezone: str, at: datetime) -> bool:
        """Whether one person was (or is) away at a moment."""
        return bool(self.covering([(person_id, timezone, at)]))

    def covering(self, asks: Iterable[tuple[int, str, datetime]]
                 ) -> dict[tuple[int, datetime], AwayPeriod]:
        """For many (person id, their timezone, moment) at once, the period covering each.

        One query for all of them: the summary asks this for every person and week.
        The result maps (person id, moment) to the covering period; a pair that is
        not in it was not away.
        """
        wanted = list(asks)
        if not wanted:
            return {}
        rows = self.session.scalars(_covering_read(select(AwayPeriod), wanted))
        by_person: dict[int, list[AwayPeriod]] = defaultdict(list)
        for row in rows:
            by_person[row.person_id].append(row)
        found: dict[tuple[int, datetime], AwayPeriod] = {}
        # A person is asked about many weeks: each period's span is worked out once.
        spans: dict[tuple[int, str], tuple[datetime, datetime]] = {}
        for person_id, timezone, moment in wanted:
            for period in by_person.get(person_id, ()):
                span = spans.get((period.id, timezone))
                if span is None:
                    span = spans[(period.id, timezone)] = period.span(timezone)
                if span[0] <= moment < span[1]:
                    found[(person_id, moment)] = period
                    break
        return found

    def last_days(self, asks: Iterable[tuple[int, str, datetime]],
                  near: NearPeriods | None = None) -> dict[tuple[int, datetime], date]:
        """For each moment a period covers (as covering), the last day away in the
        timezone asked: the covering period's (`ends_on`, or the day it was cut short:
        the day before, cut short at midnight), or, with more time away following it
        without a break (a trip planned from the day after, periods overlapping), the
        last of the whole stretch's. The day a reader says they are
        away "until": not one they are still away on.

        The periods are read as plain columns, not loaded as ORM objects: the GM's
        summary asks this of every director near an away period (a few hundred periods
        at 1,000 directors, whose loading cost more than the rest of the question).
        `near`: the periods near_periods read already, taken instead of reading them
        again when its days hold every moment asked (else they are read)."""
        wanted = list(asks)
        if not wanted:
            return {}
        first, last = _bounds(wanted)
        by_person: dict[int, list[tuple[Any, ...]]] = {}
        if near is not None and near.first <= first and last <= near.last:
            # The periods the read below would find: those of the people asked that
            # end on the moments' first day or later (near's rows are in id order too).
            for pid in {pid for pid, _, _ in wanted}:
                mine = [row for row in near.by_person.get(pid, ()) if row[3] >= first]
                if mine:
                    by_person[pid] = mine
        else:
            # (A Core read on the session's connection: nothing is pending in a read-only
            # summary, and the ORM's statement handling cost as much as the rows.)
            for row in self.session.connection().execute(_stretch_read(wanted)):
                found = by_person.get(row[1])
                if found is None:
                    found = by_person[row[1]] = []
                found.append(tuple(row))
        out: dict[tuple[int, datetime], date] = {}
        # Each person's spans in a timezone worked out once, in id order (as covering: the
        # first by id that covers a moment is its period) and by start (for the stretch).
        spans: dict[tuple[int, str], tuple[list[tuple[datetime, datetime]],
                                           list[tuple[datetime, datetime]]]] = {}
        ends: dict[tuple[int, str, datetime], date] = {}
        for person_id, timezone, moment in wanted:
            mine = spans.get((person_id, timezone))
            if mine is None:
                by_id = [_span(row[2], row[3], row[4], row[5], timezone)
                         for row in by_person.get(person_id, ())]
                mine = spans[(person_id, timezone)] = (by_id, sorted(by_id))
            for start, end in mine[0]:
                if start <= moment < end:
                    day = ends.get((person_id, timezone, end))
                    if day is None:
                        day = ends[(person_id, timezone, end)] = _day_of_end(
                            _stretch_end(end, mine[1]), ZoneInfo(timezone))
                    out[(person_id, moment)] = day
                    break
        return out


def _stretch_end(end: datetime, spans: list[tuple[datetime, datetime]]) -> datetime:
    """`end` carried on through every span (sorted by start) that begins by then: the
    end of time away without a break. (A void span, ending before it starts, carries
    nothing on.)"""
    for start, stop in spans:
        if start > end:
            break  # (a gap: they were back in between; every later span starts later)
        if stop > end:
            end = stop
    return end


def _bounds(wanted: list[tuple[int, str, datetime]]) -> tuple[date, date]:
    """The days any period covering one of `wanted`'s moments touches (a superset)."""
    # Dates are local; a day either side keeps every timezone inside the window.
    return (min(m for _, _, m in wanted).date() - timedelta(days=1),
            max(m for _, _, m in wanted).date() + timedelta(days=1))


def _stretch_read(wanted: list[tuple[int, str, datetime]]) -> Select[Any]:
    """The columns of the periods of `wanted`'s people that may cover one of its
    moments or follow one that does: those ending on its first day or later, by id
    (last_days' read: a person's periods since then, a few a year)."""
    first, _ = _bounds(wanted)
    return select(*_COLUMNS).where(
        AwayPeriod.person_id.in_(sorted({pid for pid, _, _ in wanted})),
        AwayPeriod.ends_on >= first).order_by(AwayPeriod.id)


def _covering_read(query: Select[Any], wanted: list[tuple[int, str, datetime]]
                   ) -> Select[Any]:
    """`query` (of away periods) narrowed to those that may cover one of `wanted`'s
    moments, by id (covering's read)."""
    first, last = _bounds(wanted)
    return query.where(
        AwayPeriod.person_id.in_(sorted({pid for pid, _, _ in wanted})),
        AwayPeriod.starts_on <= last, AwayPeriod.ends_on >= first).order_by(AwayPeriod.id)

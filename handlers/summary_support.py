"""The summary's third question: support requests, above all those needing another department.

Two sources, one shape (`SupportItem`):
- `tracked_requests()`: the requests storage/support.py tracks (every check-in submitted
  since tracking began opens or joins one), as they stood at the end of the summary's
  week: opened by then and not yet resolved then, acknowledged if it was by then. A later
  resolution never rewrites an earlier week's summary.
- `support_requests()`: check-in answers no tracked request covers (answers stored before
  tracking existed): a request is what a director answered to "what support do you need"
  in a week, "open", opened the first week of the unbroken run of weeks in which the same
  person reported the same request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from bot.clock import as_utc
from bot.weeks import week_start
from storage.support import SupportRequest, SupportWeek, days_open

_R = TypeVar("_R")

#: The support type that asks for help from another department.
DEPARTMENT = "department"


@dataclass(frozen=True, slots=True)
class SupportItem:
    """One support request as the summary shows it."""

    id: int | None  # the tracked request's number; None while derived from check-ins
    requester: str  # person key
    type: str  # budget | training | people | department | a custom choice value
    detail: str | None
    department: str | None  # the department asked, where known (tracked requests)
    opened: date
    age_days: int
    status: str  # open | acknowledged | resolved
    #: Raised only after the view's week had ended, by a check-in of that week answered
    #: late: no age in that week (it read "7 days old", counted from the week's Monday,
    #: on the day it was asked for), its day said instead.
    after_week: bool = False

    @property
    def cross_department(self) -> bool:
        """Whether it needs another department."""
        return self.type == DEPARTMENT or self.department is not None


def _request_key(asked: tuple[str, str | None]) -> tuple[str, str]:
    # The same request: same type, and the same detail once case and spacing are ignored.
    return asked[0], " ".join((asked[1] or "").casefold().split())


def support_requests(asking: Iterable[tuple[str, Sequence[_R]]], weeks: Sequence[str],
                     asked: Callable[[_R], tuple[str, str | None] | None],
                     today: date) -> dict[str, list[SupportItem]]:
    """Each person's open support request as of the last of `weeks` (oldest first).

    `asking`: each person's key and what they have for each of `weeks` (their rounds,
    say); `asked(it)` what that asked for, (support type, detail), None for nothing
    ("none", no round, an answer a tracked request covers). A request is open if asked
    for in the latest week, opened the first week of the unbroken run of weeks in which
    the person asked for the same; age counts from that week's Monday. Only the weeks
    back to where the run breaks are looked at.
    """
    out: dict[str, list[SupportItem]] = {}
    for key, theirs in asking:
        now = asked(theirs[-1])
        if now is None:
            continue
        same, at = _request_key(now), len(theirs) - 1
        while at and (before := asked(theirs[at - 1])) is not None \
                and _request_key(before) == same:
            at -= 1
        day = week_start(weeks[at])
        out[key] = [SupportItem(None, key, now[0], now[1], None, day,
                                days_open(day, today), "open")]
    return out


def unresolved_requests(session: Session, as_of: datetime) -> list[Any]:
    """Every tracked request unresolved at `as_of` (and not withdrawn), oldest first, as
    rows: read once per view, for owed_requesters and tracked_requests to pick from (the
    same moment for both, and one statement, not two)."""
    return list(session.execute(_UNRESOLVED, {"as_of": as_of}))


def tracked_requests(session: Session, unresolved: Sequence[Any],
                     requesters: Mapping[int, str], as_of: datetime, today: date,
                     weeks: Sequence[str], timezone: str = "UTC",
                     now: datetime | None = None
                     ) -> tuple[dict[str, list[SupportItem]], set[int]]:
    """Tracked requests of `requesters` (person id → key) unresolved at `as_of` (of
    `unresolved`, read by unresolved_requests at that moment), oldest first per person,
    and the rounds of `weeks` a tracked request covers (those rounds' answers are not
    counted again by `support_requests()`).

    A withdrawn request (its check-in edited to "no support needed") is left out: the
    answer it came from no longer asks for anything. The day opened is the reader's
    (`timezone`, as `today` is): a Friday evening request in New York is Friday's, though
    already Saturday in UTC. Age counts calendar days to `today` (storage.support.days_open).

    A check-in of one of `weeks` submitted late (after `as_of`, by `now`) opened its
    request then: listed too, `after_week`, and its round covered (its ask read from the
    answers counted its age from the week's Monday, so a request made that day was a week
    old, and ageing, in the GM's view of its week).
    """
    tz = ZoneInfo(timezone)
    out: dict[str, list[SupportItem]] = {}
    if not requesters:
        return out, set()
    rows = [r for r in unresolved if r[1] in requesters]
    late = now is not None and now > as_of and bool(weeks)
    if late:
        rows += [r for r in session.execute(
            _LATE, {"weeks": list(weeks), "as_of": as_of, "now": now}) if r[1] in requesters]
    latest: dict[int, str] = {}
    if rows:  # what the requester said most recently (by then), as /support shows it
        for request_id, detail in session.execute(
                select(SupportWeek.request_id, SupportWeek.detail)
                .where(SupportWeek.request_id.in_([r[0] for r in rows]),
                       SupportWeek.added_at <= as_of, SupportWeek.detail != "")
                .order_by(SupportWeek.week, SupportWeek.id)):
            latest[request_id] = detail
    for rid, pid, kind, detail, department, opened_at, acked_at in rows:
        opened = as_utc(opened_at).astimezone(tz).date()
        status = "acknowledged" if acked_at is not None and acked_at <= as_of else "open"
        out.setdefault(requesters[pid], []).append(SupportItem(
            rid, requesters[pid], kind, latest.get(rid, detail) or None, department, opened,
            days_open(opened, today), status, as_utc(opened_at) > as_of))
    # A round linked after `as_of` is one of these weeks answered late: its request is
    # listed above (opened late, or the one it repeats), never read again from answers.
    covered = set(session.scalars(_COVERED, {"weeks": list(weeks),
                                             "as_of": now if late else as_of})) \
        if weeks else set()
    return out, covered


def owed_requesters(unresolved: Sequence[Any], candidates: Sequence[int]) -> set[int]:
    """Of `candidates` (person ids: directors since taken out of the org file, usually
    none), those with a tracked request of `unresolved` (unresolved_requests' rows: opened
    by then, not resolved or withdrawn): the summary gives them a block for it, as
    /support lists it."""
    wanted = set(candidates)
    return {r[1] for r in unresolved if r[1] in wanted} if wanted else set()


# tracked_requests' two statements that every summary runs, built once (the moment and
# weeks bound when they run): building them cost more than the database took.
_UNRESOLVED = select(
    SupportRequest.id, SupportRequest.requester_id, SupportRequest.kind,
    SupportRequest.detail, SupportRequest.department, SupportRequest.opened_at,
    SupportRequest.acknowledged_at
    # Whose: picked out once read. A GM's view asks for every director, and a list of
    # a thousand ids costs more to send than the few open requests to pass over.
).where(SupportRequest.status != "withdrawn", SupportRequest.opened_at <= bindparam("as_of"),
        or_(SupportRequest.resolved_at.is_(None),
            SupportRequest.resolved_at > bindparam("as_of"))
        ).order_by(SupportRequest.opened_at, SupportRequest.id)
# Requests opened after the moment a view reads them as of by a round of its weeks: a
# check-in of the week answered late (tracked_requests lists them, `after_week`).
_LATE = select(
    SupportRequest.id, SupportRequest.requester_id, SupportRequest.kind,
    SupportRequest.detail, SupportRequest.department, SupportRequest.opened_at,
    SupportRequest.acknowledged_at
).where(SupportRequest.status != "withdrawn", SupportRequest.opened_at > bindparam("as_of"),
        SupportRequest.opened_at <= bindparam("now"),
        SupportRequest.id.in_(select(SupportWeek.request_id).where(
            SupportWeek.week.in_(bindparam("weeks", expanding=True))))
        ).order_by(SupportRequest.opened_at, SupportRequest.id)
# Only what was linked by then: a check-in submitted after its week (late) opens its
# request after the moment an older week's view reads them as of, so that request is not
# among them; covered anyway, the round's ask was shown nowhere in its week ("Support:
# none open" beside "checked in (late)"), and support_requests() now reads it from the
# answers, as the week's other answers are.
_COVERED = select(SupportWeek.round_id).where(
    SupportWeek.week.in_(bindparam("weeks", expanding=True)),
    SupportWeek.added_at <= bindparam("as_of"))

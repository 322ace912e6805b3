"""Support requests from check-ins, tracked to resolution: the request, the check-in weeks
that asked for it, and the comments on it.

A request is `open`, then `acknowledged`, then `resolved` (a handler may resolve an open
one directly). `withdrawn` closes one whose requester edited their check-in to need no
support any more. One check-in round feeds at most one request (`support_weeks.round_id`
is unique), so editing a check-in never duplicates it; the same support type asked for
again in a later week while the request is still open is linked to it (a new week row,
`repeats` + 1) rather than opening a second one.

`open_items()` is the read model other features use (the GM's `/summary`, the CLI).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, selectinload

from bot.clock import as_utc
from bot.support_config import DEFAULT_AGEING_DAYS
from bot.text import count_text
from storage.models import Base, Person, UTCDateTime, left_on

#: States in which a request still needs someone to act.
OPEN_STATES = ("open", "acknowledged")
CLOSED_STATES = ("resolved", "withdrawn")


class SupportRequest(Base):
    """One support request: what, for whom, which department, and how it ended."""

    __tablename__ = "support_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                              index=True)
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")
    department: Mapped[str | None] = mapped_column(String(64))
    #: The ISO week of the check-in that first asked for it, and of the latest that did.
    week: Mapped[str] = mapped_column(String(10))
    last_week: Mapped[str] = mapped_column(String(10))
    repeats: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"))
    resolution: Mapped[str | None] = mapped_column(Text)

    requester: Mapped[Person] = relationship(foreign_keys=[requester_id])
    weeks: Mapped[list[SupportWeek]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="SupportWeek.week")
    comments: Mapped[list[SupportComment]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="SupportComment.id")

    @property
    def closed(self) -> bool:
        """Resolved or withdrawn: nothing more to do."""
        return self.status in CLOSED_STATES

    @property
    def latest_detail(self) -> str:
        """What the requester said most recently (a later week may say more)."""
        said = [w.detail for w in self.weeks if w.detail]
        return said[-1] if said else self.detail


class SupportWeek(Base):
    """A check-in round that asked for a request (the first one, or a later repeat)."""

    __tablename__ = "support_weeks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("support_requests.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("checkin_rounds.id", ondelete="CASCADE"), unique=True)
    week: Mapped[str] = mapped_column(String(10))
    detail: Mapped[str] = mapped_column(Text, default="")
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)

    request: Mapped[SupportRequest] = relationship(back_populates="weeks")


class SupportComment(Base):
    """A comment on a request, by the GM or a department's owner."""

    __tablename__ = "support_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("support_requests.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"),
                                                  index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    request: Mapped[SupportRequest] = relationship(back_populates="comments")
    author: Mapped[Person | None] = relationship()


class SupportRepo:
    """Support requests, their weeks and comments."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, request_id: int) -> SupportRequest | None:
        """A request by id."""
        return self.session.get(SupportRequest, request_id)

    def for_round(self, round_id: int) -> tuple[SupportRequest, SupportWeek] | None:
        """The request a check-in round fed, with the link, if any."""
        link = self.session.scalar(select(SupportWeek).where(SupportWeek.round_id == round_id))
        return (link.request, link) if link is not None else None

    def still_open(self, requester: Person, kind: str, department: str | None = None,
                   named: Callable[[str], str | None] | None = None
                   ) -> SupportRequest | None:
        """The requester's latest unclosed request of a kind (a repeat joins it); with a
        department, only one that goes to it (help from Finance is no repeat of a request
        for help from Marketing) or, with `named` (a detail's department), one whose
        detail named it: the GM may have passed it elsewhere since, and asking Marketing
        again is still the request the GM sent to Finance, not a new one."""
        rows = self.session.scalars(
            select(SupportRequest).where(SupportRequest.requester_id == requester.id,
                                         SupportRequest.kind == kind,
                                         SupportRequest.status.in_(OPEN_STATES))
            .order_by(SupportRequest.opened_at.desc(), SupportRequest.id.desc()))
        # (A person has a request or two of a kind open, not hundreds: picked here.)
        return next((r for r in rows if department is None or r.department == department
                     or (named is not None and named(r.latest_detail) == department)), None)

    def open(self, *, requester: Person, kind: str, detail: str, department: str | None,
             round_id: int, week: str, now: datetime) -> SupportRequest:
        """Open a request from a check-in round."""
        row = SupportRequest(requester_id=requester.id, kind=kind, detail=detail,
                             department=department, week=week, last_week=week, repeats=0,
                             status="open", opened_at=now)
        row.weeks.append(SupportWeek(round_id=round_id, week=week, detail=detail, added_at=now))
        self.session.add(row)
        self.session.flush()
        return row

    def link(self, request: SupportRequest, *, round_id: int, week: str, detail: str,
             now: datetime) -> None:
        """Another week's check-in asks for the same thing again: a later week's, or an
        earlier week's answered late, which is then the week it was first asked in."""
        request.weeks.append(SupportWeek(round_id=round_id, week=week, detail=detail,
                                         added_at=now))
        request.repeats = len(request.weeks) - 1
        request.last_week = max(request.last_week, week)
        if week < request.week:
            # W48 answered before W47 (a late check-in): "first asked in W48" was wrong.
            request.week = week
            if detail:
                request.detail = detail
        self.session.flush()

    def unlink(self, request: SupportRequest, link: SupportWeek) -> None:
        """A week's check-in no longer asks for it (edited)."""
        request.weeks.remove(link)
        self.session.flush()
        if request.weeks:
            request.repeats = len(request.weeks) - 1
            # By week, not by list order: a week linked late sits last until reloaded.
            request.week = min(w.week for w in request.weeks)
            request.last_week = max(w.week for w in request.weeks)

    def comment(self, request: SupportRequest, author: Person, text: str,
                now: datetime) -> SupportComment:
        """Add a comment."""
        row = SupportComment(author_id=author.id, text=text, created_at=now)
        request.comments.append(row)
        self.session.flush()
        return row

    def unclosed(self) -> list[SupportRequest]:
        """Every request still open or acknowledged, oldest first."""
        return list(self.session.scalars(
            select(SupportRequest).where(SupportRequest.status.in_(OPEN_STATES))
            .options(selectinload(SupportRequest.requester), selectinload(SupportRequest.weeks),
                     selectinload(SupportRequest.comments))
            .order_by(SupportRequest.opened_at, SupportRequest.id)))

    def of_requester(self, requester: Person) -> list[SupportRequest]:
        """Every request of one person, oldest first."""
        return list(self.session.scalars(
            select(SupportRequest).where(SupportRequest.requester_id == requester.id)
            .options(selectinload(SupportRequest.weeks), selectinload(SupportRequest.comments))
            .order_by(SupportRequest.opened_at, SupportRequest.id)))


@dataclass(frozen=True)
class SupportItem:
    """An unclosed support request as other views read it (plain data, no session)."""

    id: int
    requester: str  # person key
    requester_name: str
    type: str  # budget | training | people | department (or an org's own choice value)
    detail: str  # the latest words of the requester
    department: str | None  # department key, None when it concerns none (or is unassigned)
    opened: datetime
    age_days: int
    status: str  # open | acknowledged
    ageing: bool  # open for `ageing_days` days or more
    repeats: int  # how many later weeks asked for it again
    week: str  # the ISO week of the check-in that first asked
    #: The requester has been taken out of the org file since: still owed an answer, but
    #: not someone the GM can ask (as /support and the summary mark them).
    requester_left: bool = False
    #: With requester_left: the day (in the reader's timezone) the org sync took them out
    #: of the org file, as the summary's `left_on`; None in the file or not recorded (0024).
    requester_left_on: date | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form (the CLI's JSON)."""
        return {"id": self.id, "requester": self.requester, "requester_name": self.requester_name,
                "type": self.type, "detail": self.detail, "department": self.department,
                "opened": self.opened.isoformat(), "age_days": self.age_days,
                "status": self.status, "ageing": self.ageing, "repeats": self.repeats,
                "week": self.week, "requester_left": self.requester_left,
                "requester_left_on": (self.requester_left_on.isoformat()
                                      if self.requester_left_on else None)}


def days_open(opened: date, today: date) -> int:
    """A request's age: calendar days from the day it was opened to `today`, both days of
    one reader's calendar (0 on the day itself). The one count every view shows and the
    ageing flag compares: 24-hour periods read a request opened Monday evening as 3 days
    old on Friday morning, where the calendar, and every other view, says 4."""
    return max(0, (today - opened).days)


def age_days(opened_at: datetime, now: datetime, timezone: str) -> int:
    """How many days a request has been open at `now`: `days_open` in `timezone` (the
    reader's), as /support, the CLI, /summary and the monthly review count it."""
    tz = ZoneInfo(timezone)
    return days_open(as_utc(opened_at).astimezone(tz).date(), as_utc(now).astimezone(tz).date())


def open_items(session: Session, requester_ids: Iterable[int] | None = None,
               as_of: datetime | None = None,
               ageing_days: int = DEFAULT_AGEING_DAYS,
               timezone: str = "UTC", left_tz: str | None = None) -> list[SupportItem]:
    """Open and acknowledged support requests, oldest first.

    `requester_ids`: only these people's requests (person ids; None for everyone).
    `as_of`: the time ages are measured at (default now, UTC); pass the bot's clock.
    `ageing_days`: the org file's `support.ageing_days` (`ctx.org.support.ageing_days`);
    a request open for that many days or more has `ageing` set.
    `timezone`: whose calendar days the age counts (see `age_days`).
    `left_tz`: whose calendar names the day a requester left (default `timezone`).
    """
    now = as_of or datetime.now(UTC)
    query = (select(SupportRequest).where(SupportRequest.status.in_(OPEN_STATES))
             .options(selectinload(SupportRequest.requester), selectinload(SupportRequest.weeks))
             .order_by(SupportRequest.opened_at, SupportRequest.id))
    if requester_ids is not None:
        query = query.where(SupportRequest.requester_id.in_(list(requester_ids)))
    out = []
    for row in session.scalars(query):
        age = age_days(row.opened_at, now, timezone)
        out.append(SupportItem(row.id, row.requester.key, row.requester.display_name, row.kind,
                               row.latest_detail, row.department, row.opened_at, age,
                               row.status, age >= ageing_days, row.repeats, row.week,
                               not row.requester.active,
                               left_on_day(row.requester, left_tz or timezone)))
    return out


def left_on_day(person: Person, timezone: str) -> date | None:
    """The day, in `timezone`, someone out of the org file was taken out of it (None: in
    it, or taken out before 0024_leftat recorded when): a requester's, as /support and
    `teampulse support` name it."""
    return None if person.active else left_on(person.left_at, timezone)


def export_part(session: Session, person: Person) -> dict[str, Any]:
    """A person's share for `teampulse export` (registered in storage/personal_data.py)."""
    mine = SupportRepo(session).of_requester(person)
    written = list(session.scalars(select(SupportComment).where(
        SupportComment.author_id == person.id, SupportComment.request_id.not_in(
            [r.id for r in mine])).order_by(SupportComment.id)))
    return {"requested": [{
        "id": r.id, "type": r.kind, "detail": r.detail, "department": r.department,
        "status": r.status, "opened_at": r.opened_at, "acknowledged_at": r.acknowledged_at,
        "resolved_at": r.resolved_at, "resolution": r.resolution,
        "weeks": [{"week": w.week, "detail": w.detail} for w in r.weeks],
        "comments": [{"at": c.created_at, "text": c.text} for c in r.comments]}
        for r in mine],
        "comments_written": [{"request": c.request_id, "at": c.created_at, "text": c.text}
                             for c in written],
        # Others' requests they acknowledged or resolved (with the resolution they wrote).
        "handled": [{"request": r.id, "acknowledged_at": r.acknowledged_at
                     if r.acknowledged_by_id == person.id else None,
                     "resolved_at": r.resolved_at if r.resolved_by_id == person.id else None,
                     "resolution": r.resolution if r.resolved_by_id == person.id else None}
                    for r in _handled_by(session, person)]}


def _handled_by(session: Session, person: Person) -> list[SupportRequest]:
    """Others' requests this person acknowledged or resolved."""
    return list(session.scalars(select(SupportRequest).where(
        SupportRequest.requester_id != person.id,
        (SupportRequest.acknowledged_by_id == person.id)
        | (SupportRequest.resolved_by_id == person.id)).order_by(SupportRequest.id)))


def erase_part(session: Session, person: Person, _former: str) -> list[str]:
    """A person's share of `teampulse erase` (registered in storage/personal_data.py)."""
    # Their own words go, and the conversation about their requests with them (as with
    # kudos reasons); type, department, times and status stay for the monthly figures.
    mine = SupportRepo(session).of_requester(person)
    for r in mine:
        r.detail = ""
        r.resolution = "" if r.resolution is not None else None
        for w in r.weeks:
            w.detail = ""
        for c in r.comments:
            c.text = ""
    written = list(session.scalars(select(SupportComment).where(
        SupportComment.author_id == person.id)))
    for c in written:
        c.text = ""
    # A resolution note they wrote on another's request is their words too, as a comment is.
    resolved = [r for r in _handled_by(session, person)
                if r.resolved_by_id == person.id and r.resolution]
    for r in resolved:
        r.resolution = ""
    session.flush()
    return [f"support: the words of {count_text(len(mine), 'request')} and their comments, "
            f"and of {count_text(len(written), 'comment')} they wrote, removed; types, times "
            "and status stay"] + (
                [f"support: the words of {count_text(len(resolved), 'resolution')} they "
                 "wrote on others' requests removed"] if resolved else [])


"""One-on-ones: moved or skipped occurrences, meetings, agenda, notes, action items,
feedback, and the after-meeting dialog state. Pairs themselves come from the org file."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column, relationship

from bot.clock import as_utc
from storage.models import Base, CheckinRound, Person, UTCDateTime
from storage.repositories import KEYS_PER_STATEMENT, hold_loaded, in_session

#: session.info key: ids of people a batch found with no 1:1 dialog (preload_dialogs).
_NO_DIALOG = "teampulse.no_oneonone_dialog"


class OneOnOneOverride(Base):
    """One occurrence of a pair moved to another time, or skipped.

    `occurrence` is the local date (in the manager's timezone) the cadence gave it, so
    the occurrence keeps its identity (and its reminders their keys) when moved.
    """

    __tablename__ = "oneonone_overrides"
    __table_args__ = (UniqueConstraint("manager_id", "report_id", "occurrence"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    manager_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    report_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    occurrence: Mapped[str] = mapped_column(String(10))
    moved_to: Mapped[datetime | None] = mapped_column(UTCDateTime)
    skipped: Mapped[bool] = mapped_column(Boolean, default=False)
    by_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OneOnOnePairEnd(Base):
    """A pair's regular 1:1 ended by an edit to the org file (switched off, another
    manager, one of them taken out), when the bot read it. A slot of the pair missed
    before it is no longer overdue, however the pair begins again (handlers.oneonone
    .restarted): nothing else stored shows a switch-off followed by a switch back on."""

    __tablename__ = "oneonone_pair_ends"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    manager_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    report_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                           index=True)
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OneOnOneMeeting(Base):
    """One occurrence once its slot ended: 'asked' (did it happen?), 'held' or 'not_held'."""

    __tablename__ = "oneonone_meetings"
    __table_args__ = (UniqueConstraint("manager_id", "report_id", "occurrence"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    manager_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                            index=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                           index=True)
    occurrence: Mapped[str] = mapped_column(String(10))
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="asked")
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    manager: Mapped[Person] = relationship(foreign_keys=[manager_id])
    report: Mapped[Person] = relationship(foreign_keys=[report_id])


class AgendaItem(Base):
    """A topic for a pair's next one-on-one; `meeting_id` is set once it was discussed.

    `source` is 'person' (typed by `author`) or 'checkin' (proposed from the report's
    check-in; `source_ref` names the round and question so it is proposed once).
    """

    __tablename__ = "oneonone_agenda"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    manager_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                            index=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                           index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16), default="person")
    source_ref: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("oneonone_meetings.id", ondelete="SET NULL"))

    author: Mapped[Person | None] = relationship(foreign_keys=[author_id])
    manager: Mapped[Person] = relationship(foreign_keys=[manager_id])


class MeetingNote(Base):
    """A short note on a meeting: shared (both see it) or private (its author only)."""

    __tablename__ = "oneonone_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("oneonone_meetings.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    shared: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ActionItem(Base):
    """Something one of the pair agreed to do, by a date; open until `done_at`."""

    __tablename__ = "oneonone_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    manager_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                            index=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                           index=True)
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("oneonone_meetings.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    due: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    owner: Mapped[Person] = relationship(foreign_keys=[owner_id])
    manager: Mapped[Person] = relationship(foreign_keys=[manager_id])
    report: Mapped[Person] = relationship(foreign_keys=[report_id])

    @property
    def pair_ended(self) -> bool:
        """Whether the pair it was agreed in is over because the org file gave the report
        another manager (or none): a report taken out of the org file keeps theirs."""
        return self.report.active and self.report.manager_key != self.manager.key


def _action_seen_by(person: Person, report: Any) -> ColumnElement[bool]:
    """Which action items are `person`'s to see and close (`report`: the item's report,
    joined): their own, every item of a pair they are the report in, the items of their
    current pairs as a manager (and of a report since taken out of the org file), and,
    once the org file gives them a report who had another manager, that report's own
    open commitments from the former pair, which go with the report. A former manager
    keeps only the items they own: the report is no longer theirs."""
    current = or_(report.manager_key == person.key, report.active.is_(False))
    return or_(ActionItem.owner_id == person.id, ActionItem.report_id == person.id,
               and_(ActionItem.manager_id == person.id, current),
               and_(report.manager_key == person.key, report.active.is_(True),
                    ActionItem.owner_id == ActionItem.report_id))


class MeetingFeedback(Base):
    """One side's feedback on a meeting: how useful (1-5) and one thing to improve."""

    __tablename__ = "oneonone_feedback"
    __table_args__ = (UniqueConstraint("meeting_id", "from_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("oneonone_meetings.id", ondelete="CASCADE"), index=True)
    from_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    to_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    rating: Mapped[int | None] = mapped_column(Integer)
    improve: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OneOnOneDialog(Base):
    """What the bot waits for from a person about a meeting: 'held', 'notes', 'actions',
    'rating' or 'improve'.

    Kept apart from the check-in's `conversations` row (one per person), so a 1:1 prompt
    never takes the place of a check-in question, nor the other way round.
    """

    __tablename__ = "oneonone_dialogs"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                           primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("oneonone_meetings.id", ondelete="CASCADE"))
    step: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OneOnOneRepo:
    """Queries over one-on-ones (a pair is a manager and a report, by person id)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # --- occurrences ---------------------------------------------------------------------

    def overrides(self, manager: Person, report: Person) -> dict[str, OneOnOneOverride]:
        """The pair's moved and skipped occurrences, by occurrence date."""
        rows = self.session.scalars(select(OneOnOneOverride).where(
            OneOnOneOverride.manager_id == manager.id, OneOnOneOverride.report_id == report.id))
        return {r.occurrence: r for r in rows}

    def all_overrides(self) -> dict[tuple[int, int], dict[str, OneOnOneOverride]]:
        """Every pair's overrides (one query for the sweep)."""
        out: dict[tuple[int, int], dict[str, OneOnOneOverride]] = {}
        for r in self.session.scalars(select(OneOnOneOverride)):
            out.setdefault((r.manager_id, r.report_id), {})[r.occurrence] = r
        return out

    def overrides_of(self, person_ids: Collection[int]
                     ) -> dict[tuple[int, int], dict[str, OneOnOneOverride]]:
        """The overrides of every pair these people are in, on either side (one query)."""
        out: dict[tuple[int, int], dict[str, OneOnOneOverride]] = {}
        for r in self.session.scalars(select(OneOnOneOverride).where(
                _either(OneOnOneOverride, person_ids))):
            out.setdefault((r.manager_id, r.report_id), {})[r.occurrence] = r
        return out

    def set_override(self, manager: Person, report: Person, occurrence: str, *,
                     moved_to: datetime | None, skipped: bool, by: Person,
                     now: datetime) -> OneOnOneOverride:
        """Move or skip one occurrence (replacing an earlier move or skip of it)."""
        row = self.overrides(manager, report).get(occurrence)
        if row is None:
            row = OneOnOneOverride(manager_id=manager.id, report_id=report.id,
                                   occurrence=occurrence, by_id=by.id, created_at=now)
            self.session.add(row)
        row.moved_to, row.skipped, row.by_id, row.created_at = moved_to, skipped, by.id, now
        self.session.flush()
        return row

    # --- meetings ------------------------------------------------------------------------

    def meeting(self, meeting_id: int) -> OneOnOneMeeting | None:
        """A meeting by id."""
        return self.session.get(OneOnOneMeeting, meeting_id)

    def meeting_for(self, manager: Person, report: Person,
                    occurrence: str) -> OneOnOneMeeting | None:
        """The meeting of one occurrence, if its slot has been asked about."""
        return self.session.scalar(select(OneOnOneMeeting).where(
            OneOnOneMeeting.manager_id == manager.id, OneOnOneMeeting.report_id == report.id,
            OneOnOneMeeting.occurrence == occurrence))

    def meeting_states(self, person_ids: Collection[int] | None = None,
                       before: datetime | None = None) -> list[Any]:
        """(manager id, report id, status, scheduled at, id, asked at) of every meeting
        (of the pairs these people are in, on either side, if given; scheduled before
        `before`, if given), oldest first, as rows."""
        query = select(OneOnOneMeeting.manager_id, OneOnOneMeeting.report_id,
                       OneOnOneMeeting.status, OneOnOneMeeting.scheduled_at,
                       OneOnOneMeeting.id, OneOnOneMeeting.asked_at)
        if before is not None:
            query = query.where(OneOnOneMeeting.scheduled_at < before)
        if person_ids is not None:
            query = query.where(_either(OneOnOneMeeting, person_ids))
        return list(self.session.execute(
            query.order_by(OneOnOneMeeting.scheduled_at, OneOnOneMeeting.id)))

    def unheld_of(self, pairs: Collection[tuple[int, int]], before: datetime
                  ) -> list[Any]:
        """(manager id, report id, status, scheduled at, id, asked at) of the meetings of
        these pairs (manager id, report id) not confirmed as held, scheduled before
        `before`, oldest first, as rows (a few statements for any number of pairs)."""
        wanted = set(pairs)
        reports = sorted({r for _, r in wanted})
        found: list[Any] = []
        m = OneOnOneMeeting
        for start in range(0, len(reports), KEYS_PER_STATEMENT):
            found += [row for row in self.session.execute(select(
                m.manager_id, m.report_id, m.status, m.scheduled_at, m.id, m.asked_at).where(
                m.report_id.in_(reports[start:start + KEYS_PER_STATEMENT]),
                m.status != "held", m.scheduled_at < before))
                if (row.manager_id, row.report_id) in wanted]
        return sorted(found, key=lambda row: (as_utc(row.scheduled_at), row.id))

    def latest_records(self, report_ids: Collection[int] | None, before: datetime
                       ) -> list[tuple[int, int, datetime]]:
        """(manager id, report id, when) of each pair's latest record before `before` (of
        these reports', if given): its latest meeting's slot, and its latest move or skip
        made, which say which pairs there were then (handlers/pairs_then.py)."""
        m, o = OneOnOneMeeting, OneOnOneOverride
        reads = [(m.manager_id, m.report_id, m.scheduled_at),
                 (o.manager_id, o.report_id, o.created_at)]
        wanted = sorted(report_ids) if report_ids is not None else None
        found: list[tuple[int, int, datetime]] = []
        for manager, report, when in reads:
            query = select(manager, report, func.max(when)).where(when < before) \
                .group_by(manager, report)
            if wanted is None:
                found += [tuple(r) for r in self.session.execute(query)]  # type: ignore[misc]
                continue
            for start in range(0, len(wanted), KEYS_PER_STATEMENT):
                found += [tuple(r) for r in self.session.execute(  # type: ignore[misc]
                    query.where(report.in_(wanted[start:start + KEYS_PER_STATEMENT])))]
        return found

    def pair_ended(self, manager_id: int, report_id: int, at: datetime) -> None:
        """Record that the org file ended this pair's regular 1:1 at `at` (read then)."""
        self.session.add(OneOnOnePairEnd(manager_id=manager_id, report_id=report_id,
                                         ended_at=at))

    def pair_ends(self, report_ids: Collection[int], before: datetime
                  ) -> list[tuple[int, int, datetime]]:
        """(manager id, report id, when) of each recorded end of these reports' pairs
        before `before` (handlers.oneonone.restarted)."""
        e = OneOnOnePairEnd
        wanted = sorted(report_ids)
        found: list[tuple[int, int, datetime]] = []
        for start in range(0, len(wanted), KEYS_PER_STATEMENT):
            found += [(mid, rid, when) for mid, rid, when in self.session.execute(
                select(e.manager_id, e.report_id, e.ended_at).where(
                    e.report_id.in_(wanted[start:start + KEYS_PER_STATEMENT]),
                    e.ended_at < before))]
        return found

    def elsewhere(self, report_ids: Collection[int], before: datetime
                  ) -> tuple[list[tuple[int, int, datetime]],
                             list[tuple[int, str | None, datetime]]]:
        """Of these reports, before `before`: (report id, manager id, latest slot) of each
        pair they had a meeting record in, and (person id, manager key, latest made) of
        each manager their check-in rounds were made under (None: none): who they had as
        a manager, and until when (handlers.oneonone.restarted)."""
        wanted = sorted(report_ids)
        m, r = OneOnOneMeeting, CheckinRound
        met: list[tuple[int, int, datetime]] = []
        rounds: list[tuple[int, str | None, datetime]] = []
        for start in range(0, len(wanted), KEYS_PER_STATEMENT):
            chunk = wanted[start:start + KEYS_PER_STATEMENT]
            met += [(rid, mid, when) for rid, mid, when in self.session.execute(
                select(m.report_id, m.manager_id, func.max(m.scheduled_at))
                .where(m.report_id.in_(chunk), m.scheduled_at < before)
                .group_by(m.report_id, m.manager_id))]
            rounds += [(pid, key, when) for pid, key, when in self.session.execute(
                select(r.person_id, r.manager_key, func.max(r.created_at))
                .where(r.person_id.in_(chunk), r.created_at < before)
                .group_by(r.person_id, r.manager_key))]
        return met, rounds

    def round_managers(self, week: str, manager_keys: Collection[str] | None,
                       person_ids: Collection[int]) -> list[tuple[int, int | None, str | None,
                                                                  str | None]]:
        """(person id, manager id, role, team) of the check-in rounds of `week` (those made
        under one of `manager_keys` or of `person_ids`, if keys are given): the manager
        each was made under (None: none, or no longer known), its role and team."""
        r = CheckinRound
        query = select(r.person_id, Person.id, r.role, r.team).select_from(r).outerjoin(
            Person, Person.key == r.manager_key).where(r.week == week)
        if manager_keys is not None:
            query = query.where(or_(r.manager_key.in_(sorted(manager_keys)),
                                    r.person_id.in_(sorted(person_ids))))
        return [tuple(row) for row in self.session.execute(query)]  # type: ignore[misc]

    def held_between(self, start: datetime, end: datetime) -> list[OneOnOneMeeting]:
        """Meetings confirmed as held in [start, end]."""
        return list(self.session.scalars(select(OneOnOneMeeting).where(
            OneOnOneMeeting.status == "held", OneOnOneMeeting.answered_at >= start,
            OneOnOneMeeting.answered_at <= end).order_by(OneOnOneMeeting.id)))

    def meetings_of(self, person: Person) -> list[OneOnOneMeeting]:
        """Meetings held with a person on either side, newest first."""
        return list(self.session.scalars(select(OneOnOneMeeting).where(
            OneOnOneMeeting.status == "held",
            (OneOnOneMeeting.manager_id == person.id) | (OneOnOneMeeting.report_id == person.id))
            .order_by(OneOnOneMeeting.scheduled_at.desc())))

    def waiting(self, manager: Person, since: datetime) -> list[OneOnOneMeeting]:
        """A manager's meetings still waiting for "did it happen?", asked since `since`,
        the earliest slot first."""
        return list(self.session.scalars(select(OneOnOneMeeting).where(
            OneOnOneMeeting.manager_id == manager.id, OneOnOneMeeting.status == "asked",
            OneOnOneMeeting.asked_at >= since)
            .order_by(OneOnOneMeeting.scheduled_at, OneOnOneMeeting.id)))

    def create_meeting(self, manager: Person, report: Person, occurrence: str,
                       scheduled_at: datetime, now: datetime) -> OneOnOneMeeting:
        """Record that an occurrence's slot ended and the manager is being asked about it."""
        row = OneOnOneMeeting(manager_id=manager.id, report_id=report.id, occurrence=occurrence,
                              scheduled_at=scheduled_at, status="asked", asked_at=now)
        self.session.add(row)
        self.session.flush()
        return row

    # --- agenda --------------------------------------------------------------------------

    def agenda(self, manager: Person, report: Person) -> list[AgendaItem]:
        """The pair's open agenda items, oldest first, with the topics the report typed
        for a 1:1 with a manager they no longer have (not yet discussed there): they go
        with the report, as their own action items do; the former manager's stay."""
        # (A manager who is not the report's in the file now: that pair has ended.)
        ended = select(Person.id) if report.manager_key is None else select(Person.id).where(
            Person.key != report.manager_key)
        carried = and_(AgendaItem.manager_id != manager.id, AgendaItem.author_id == report.id,
                       AgendaItem.manager_id.in_(ended))
        return list(self.session.scalars(select(AgendaItem).where(
            AgendaItem.report_id == report.id, AgendaItem.meeting_id.is_(None),
            or_(AgendaItem.manager_id == manager.id, carried)).order_by(AgendaItem.id)))

    def add_item(self, manager: Person, report: Person, text: str, *, author: Person | None,
                 now: datetime, source: str = "person",
                 source_ref: str | None = None) -> AgendaItem | None:
        """Add an agenda item; None when an item from the same source exists already."""
        if source_ref is not None and self.session.scalar(select(AgendaItem.id).where(
                AgendaItem.manager_id == manager.id, AgendaItem.report_id == report.id,
                AgendaItem.source_ref == source_ref)):
            return None
        row = AgendaItem(manager_id=manager.id, report_id=report.id,
                         author_id=author.id if author else None, text=text, source=source,
                         source_ref=source_ref, created_at=now)
        self.session.add(row)
        self.session.flush()
        return row

    def discussed(self, meeting: OneOnOneMeeting, ended: datetime) -> list[AgendaItem]:
        """Mark the pair's open agenda items added before the meeting `ended` as discussed
        in it; those added since (a topic for next time, typed after the meeting and before
        the manager said it happened) stay on the agenda."""
        items = [i for i in self.agenda(meeting.manager, meeting.report)
                 if as_utc(i.created_at) <= ended]
        for item in items:
            item.meeting_id = meeting.id
        return items

    # --- notes, actions, feedback ----------------------------------------------------------

    def add_note(self, meeting: OneOnOneMeeting, author: Person, text: str, *, shared: bool,
                 now: datetime) -> MeetingNote:
        """A note on a meeting."""
        row = MeetingNote(meeting_id=meeting.id, author_id=author.id, text=text, shared=shared,
                          created_at=now)
        self.session.add(row)
        self.session.flush()
        return row

    def notes(self, meeting: OneOnOneMeeting, *, viewer: Person | None) -> list[MeetingNote]:
        """A meeting's shared notes, plus the viewer's own private ones.

        `viewer=None` (shared notes only) is what every reader but the author gets: the
        other side's recap, the managers above, the GM, and the operator's CLI, whose
        operator is not the author (the choice made: README, *Private notes*)."""
        query = select(MeetingNote).where(MeetingNote.meeting_id == meeting.id)
        rows = self.session.scalars(query.order_by(MeetingNote.id))
        return [n for n in rows if n.shared or (viewer is not None and n.author_id == viewer.id)]

    def add_action(self, manager: Person, report: Person, meeting: OneOnOneMeeting | None,
                   text: str, owner: Person, due: date, now: datetime) -> ActionItem:
        """An action item agreed in a meeting."""
        row = ActionItem(manager_id=manager.id, report_id=report.id,
                         meeting_id=meeting.id if meeting else None, text=text,
                         owner_id=owner.id, due=due, created_at=now)
        self.session.add(row)
        self.session.flush()
        return row

    def action(self, action_id: int) -> ActionItem | None:
        """An action item by id."""
        return self.session.get(ActionItem, action_id)

    def open_actions(self, manager: Person | None = None, report: Person | None = None,
                     due_by: date | None = None) -> list[ActionItem]:
        """Open action items (of one pair, or all; due by a date), by due date."""
        query = select(ActionItem).where(ActionItem.done_at.is_(None))
        if due_by is not None:
            query = query.where(ActionItem.due <= due_by)
        if manager is not None:
            query = query.where(ActionItem.manager_id == manager.id)
        if report is not None:
            query = query.where(ActionItem.report_id == report.id)
        return list(self.session.scalars(query.order_by(ActionItem.due, ActionItem.id)))

    def open_actions_of(self, person_ids: Collection[int] | None,
                        as_of: datetime | None = None) -> list[ActionItem]:
        """Open action items of every pair these people are in (everyone's: None), by due
        date; with `as_of`, those open then (made before it, not done by it)."""
        query = select(ActionItem).where(
            ActionItem.done_at.is_(None) if as_of is None else and_(
                ActionItem.created_at < as_of,
                or_(ActionItem.done_at.is_(None), ActionItem.done_at >= as_of)))
        if person_ids is not None:
            query = query.where(_either(ActionItem, person_ids))
        return list(self.session.scalars(query.order_by(ActionItem.due, ActionItem.id)))

    def open_actions_now(self, person_ids: Collection[int] | None
                         ) -> list[tuple[ActionItem, frozenset[int]]]:
        """Open action items with whom each counts for now (counts_for), by due date;
        with `person_ids`, those counting for one of them (everyone's: None)."""
        report, manager, now_of, columns = now_parties()
        query = join_parties(select(ActionItem, *columns), report, manager, now_of).where(
            ActionItem.done_at.is_(None))
        if person_ids is not None:
            ids = list(person_ids)
            query = query.where(or_(_either(ActionItem, ids), now_of.id.in_(ids)))
        return [(a, counts_for(a.manager_id, a.report_id, a.owner_id, *rest))
                for a, *rest in self.session.execute(
                    query.order_by(ActionItem.due, ActionItem.id))]

    def actions_of(self, person: Person) -> list[ActionItem]:
        """Open action items a person sees (see _action_seen_by), by due date."""
        report = aliased(Person)
        return list(self.session.scalars(
            select(ActionItem).join(report, report.id == ActionItem.report_id)
            .where(ActionItem.done_at.is_(None), _action_seen_by(person, report))
            .order_by(ActionItem.due, ActionItem.id)))

    def action_seen_by(self, person: Person, action_id: int) -> ActionItem | None:
        """An action item by id, if it is the person's to see and close, open or not."""
        report = aliased(Person)
        return self.session.scalar(
            select(ActionItem).join(report, report.id == ActionItem.report_id)
            .where(ActionItem.id == action_id, _action_seen_by(person, report)))

    def carried_actions(self, manager: Person, report: Person) -> list[ActionItem]:
        """The report's own open items from a 1:1 with a manager they had before: they go
        with the report onto the new pair's agenda (by due date)."""
        return list(self.session.scalars(select(ActionItem).where(
            ActionItem.done_at.is_(None), ActionItem.report_id == report.id,
            ActionItem.owner_id == report.id, ActionItem.manager_id != manager.id)
            .order_by(ActionItem.due, ActionItem.id)))

    def feedback(self, meeting: OneOnOneMeeting, giver: Person) -> MeetingFeedback | None:
        """One side's feedback on a meeting."""
        return self.session.scalar(select(MeetingFeedback).where(
            MeetingFeedback.meeting_id == meeting.id, MeetingFeedback.from_id == giver.id))

    def save_feedback(self, meeting: OneOnOneMeeting, giver: Person, to: Person, *,
                      rating: int | None = None, improve: str | None = None,
                      now: datetime) -> MeetingFeedback:
        """Store (or complete) one side's feedback on a meeting."""
        row = self.feedback(meeting, giver)
        if row is None:
            row = MeetingFeedback(meeting_id=meeting.id, from_id=giver.id, to_id=to.id,
                                  created_at=now)
            self.session.add(row)
        if rating is not None:
            row.rating = rating
        if improve is not None:
            row.improve = improve
        self.session.flush()
        return row

    # --- dialog --------------------------------------------------------------------------

    def dialog(self, person: Person) -> OneOnOneDialog | None:
        """What the bot waits for from a person about a one-on-one, if anything."""
        if person.id in self.session.info.get(_NO_DIALOG, ()):
            return None  # preloaded: none (and none set since, see set_dialog)
        return in_session(self.session, OneOnOneDialog, person.id)

    def preload_dialogs(self, person_ids: Collection[int]) -> None:
        """Load these people's 1:1 dialogs in one statement, so dialog() costs no query
        of its own later in this session: a batch of answers asks, for each, whether a
        1:1 question was asked since (bot.router)."""
        ids = list(person_ids)
        found = list(self.session.scalars(select(OneOnOneDialog).where(
            OneOnOneDialog.person_id.in_(ids)))) if ids else []
        hold_loaded(self.session, found)
        have = {d.person_id for d in found}
        self.session.info.setdefault(_NO_DIALOG, set()).update(i for i in ids if i not in have)

    def set_dialog(self, person: Person, meeting: OneOnOneMeeting, step: str,
                   now: datetime) -> None:
        """Wait for a person's answer about a meeting (`now`: when its question counts
        as asked, which decides whether it is in front of another dialog, bot.router)."""
        row = self.dialog(person)
        if row is None:
            # Ask the database from now on (a rolled-back savepoint may drop the row again).
            self.session.info.get(_NO_DIALOG, set()).discard(person.id)
            row = OneOnOneDialog(person_id=person.id, meeting_id=meeting.id, step=step,
                                 updated_at=now)
            self.session.add(row)
        row.meeting_id, row.step, row.updated_at = meeting.id, step, now
        self.session.flush()

    def clear_dialog(self, person: Person) -> None:
        """Stop waiting for a person's answer about a one-on-one."""
        row = self.dialog(person)
        if row is not None:
            self.session.delete(row)
            self.session.flush()


def counts_for(manager_id: int, report_id: int, owner_id: int, report_active: bool,
               report_manager: str | None, manager_key: str, manager_now: int | None
               ) -> frozenset[int]:
    """Whom an open action item counts for in the GM's one-on-one overview read as now
    (ids): the two of its pair; but a report's own item from a pair the org file has
    since ended (another manager, or none) went with the report (see _action_seen_by), so
    it counts for the report and their manager now (`manager_now`, if any)."""
    if owner_id == report_id and report_active and report_manager != manager_key:
        return frozenset({report_id} | ({manager_now} if manager_now is not None else set()))
    return frozenset({manager_id, report_id})


def now_parties() -> tuple[Any, Any, Any, list[Any]]:
    """What counts_for needs beside an item's own columns: aliases of its report, its
    manager and the report's manager now, and their columns to select (in counts_for's
    order), for a query to join with `join_parties`."""
    report, manager, now_of = aliased(Person), aliased(Person), aliased(Person)
    return report, manager, now_of, [report.active, report.manager_key, manager.key, now_of.id]


def join_parties(query: Any, report: Any, manager: Any, now_of: Any) -> Any:
    """`query` (of ActionItem) joined to the aliases of now_parties."""
    return (query.join(report, report.id == ActionItem.report_id)
            .join(manager, manager.id == ActionItem.manager_id)
            .outerjoin(now_of, and_(now_of.key == report.manager_key,
                                    now_of.active.is_(True))))


def _either(model: Any, person_ids: Collection[int]) -> ColumnElement[bool]:
    """A pair's row with one of these people as its manager or its report."""
    ids = list(person_ids)
    return or_(model.manager_id.in_(ids), model.report_id.in_(ids))

"""Weekly digests: which recipient was sent the digest of which week, and when.

A row is claimed in the same transaction as the digest's outbox rows, so a digest is
recorded exactly when it is queued: a job firing again, a restart, another replica or
`teampulse digest` finds the claim and sends nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.models import Base, CheckinRound, OutboxMessage, Person, UTCDateTime


class DigestSent(Base):
    """The digest of one week, queued for one recipient."""

    __tablename__ = "digests"
    __table_args__ = (UniqueConstraint("person_id", "week"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    week: Mapped[str] = mapped_column(String(10))  # '2026-W48'
    scope: Mapped[str | None] = mapped_column(String(100))  # the team; None: the whole org
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    via: Mapped[str] = mapped_column(String(16))  # schedule | cli


class DigestRepo:
    """Claiming and listing weekly digests."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def recipients(self) -> list[Person]:
        """Who gets a digest: the active GM and directors (not the whole org: one query
        a minute must stay cheap for 10,000 people)."""
        return list(self.session.scalars(select(Person).where(
            Person.active, Person.role.in_(("gm", "director"))).order_by(Person.key)))

    def claim(self, person: Person, week: str, scope: str | None, now: datetime,
              via: str) -> bool:
        """Record the digest of `week` for `person`; False if it was recorded already."""
        if self.session.scalar(select(DigestSent.id).where(
                DigestSent.person_id == person.id, DigestSent.week == week)) is not None:
            return False
        try:
            # A savepoint: a concurrent claim (another replica, the CLI) loses cleanly.
            with self.session.begin_nested():
                self.session.add(DigestSent(person_id=person.id, week=week, scope=scope,
                                            queued_at=now, via=via))
        except IntegrityError:
            return False
        return True

    def claimed(self, pairs: Iterable[tuple[int, str]]) -> set[tuple[int, str]]:
        """Which (person id, week) pairs already have their digest, in one query."""
        wanted = list(set(pairs))
        if not wanted:
            return set()
        rows = self.session.execute(select(DigestSent.person_id, DigestSent.week).where(
            tuple_(DigestSent.person_id, DigestSent.week).in_(wanted)))
        return {(pid, week) for pid, week in rows}

    def sent_to(self, person: Person, weeks: Sequence[str]) -> list[DigestSent]:
        """The digests of these weeks queued for a person, oldest week first."""
        return list(self.session.scalars(select(DigestSent).where(
            DigestSent.person_id == person.id, DigestSent.week.in_(list(weeks)))
            .order_by(DigestSent.week)))

    def first_run(self) -> datetime | None:
        """When the bot first did something, as far as the database tells; None before then.

        There is no stored install time (adding one is a migration), so this is the earliest
        of what a running bot writes: a check-in round, a digest claimed, a message queued
        (a reply, a prompt, a DM). Each table's first row by id, so that is three primary-key
        lookups, cheap enough for the minute's sweep of 10,000 recipients.
        """
        found = [self.session.scalar(select(stamp).order_by(key).limit(1))
                 for stamp, key in ((CheckinRound.created_at, CheckinRound.id),
                                    (DigestSent.queued_at, DigestSent.id),
                                    (OutboxMessage.created_at, OutboxMessage.id))]
        return min((f for f in found if f is not None), default=None)

"""Reviews: the directors' answers to the monthly review's three questions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.models import Base, Person, UTCDateTime

MONTHLY_QUESTIONS = ("worked", "did_not", "plan")


class MonthlyAnswer(Base):
    """One director's answer to one question of a month's review."""

    __tablename__ = "monthly_review_answers"
    __table_args__ = (UniqueConstraint("person_id", "month", "question"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    month: Mapped[str] = mapped_column(String(7))  # '2026-11'
    question: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MonthlyRepo:
    """Monthly review answers."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def answers(self, person: Person, month: str) -> dict[str, str]:
        """Question -> answer of a person for a month."""
        rows = self.session.scalars(select(MonthlyAnswer).where(
            MonthlyAnswer.person_id == person.id, MonthlyAnswer.month == month))
        return {r.question: r.text for r in rows}

    def save(self, person: Person, month: str, question: str, text: str,
             now: datetime) -> None:
        """Store (or replace) one answer."""
        row = self.session.scalar(select(MonthlyAnswer).where(
            MonthlyAnswer.person_id == person.id, MonthlyAnswer.month == month,
            MonthlyAnswer.question == question))
        if row is None:
            row = MonthlyAnswer(person_id=person.id, month=month, question=question)
            self.session.add(row)
        row.text, row.answered_at = text, now
        self.session.flush()


class ReviewRound(Base):
    """A 360° review of one director: open while surveys are out, then closed."""

    __tablename__ = "review_rounds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_key: Mapped[str] = mapped_column(String(64), index=True)
    started_by: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="open")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ReviewInvite(Base):
    """Who was asked, in which rater group, and how far they got — never what they said.

    Kept apart from the answers so that no row links a peer or a report to a rating;
    it has no time of answering either.
    """

    __tablename__ = "review_invites"
    __table_args__ = (UniqueConstraint("round_id", "person_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("review_rounds.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    rater_group: Mapped[str] = mapped_column(String(16))  # manager, peer, report, self
    answered: Mapped[int] = mapped_column(Integer, default=0)  # criteria done
    done: Mapped[bool] = mapped_column(Boolean, default=False)


class ReviewAnswer(Base):
    """One rating (1-5) and optional comment on one criterion.

    `rater_key` is set only for the named groups (the manager and the director's
    self-assessment); peers' and reports' answers carry their group alone.
    """

    __tablename__ = "review_answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("review_rounds.id", ondelete="CASCADE"),
                                          index=True)
    rater_group: Mapped[str] = mapped_column(String(16))
    rater_key: Mapped[str | None] = mapped_column(String(64))
    criterion: Mapped[str] = mapped_column(String(32))
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)


def advance_invite(session: Session, invite: ReviewInvite, answered: int, *,
                   done: bool) -> bool:
    """Move a rater on from `answered` criteria done (to the next, or `done`) if they are
    still there; False if another transaction moved them first (their next rating typed
    at once and handled by another replica): the caller then stores nothing. On
    PostgreSQL the guarded UPDATE waits for that transaction and finds the row moved on."""
    moved = session.execute(
        update(ReviewInvite)
        .where(ReviewInvite.id == invite.id, ReviewInvite.answered == answered,
               ReviewInvite.done.is_(False))
        .values(answered=answered + 1, done=done)
        .execution_options(synchronize_session=False))
    session.expire(invite)
    return moved.rowcount == 1  # type: ignore[attr-defined]

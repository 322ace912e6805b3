"""Reviews: the directors' answers to the monthly review's three questions, and 360°
reviews: who was asked (`review_invites`) kept apart from what was answered
(`review_answers`).

What keeps a peer's or a report's answer from its rater, as a pulse poll's vote
(storage/pulse.py): the answer row holds the round, the rater group, the criterion, the
rating and the comment — no person, no time; its key is a random token and, on SQLite,
the table is WITHOUT ROWID, so neither an id nor the storage order tells in which order
answers arrived (to be matched with the order of the raters' next questions in the
outbox). On PostgreSQL an answer is written in company (storage.pulse.write_in_company:
its transaction rewrites other answers of the same round, group and criterion with it),
and `shuffle_answers` rewrites a review's answers in random order when it closes.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.models import Base, Person, UTCDateTime
from storage.pulse import write_in_company

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
    self-assessment); peers' and reports' answers carry their group alone. The key is
    random and there is no rowid (SQLite): see the module's doc.
    """

    __tablename__ = "review_answers"
    __table_args__: ClassVar[dict[str, Any]] = {"sqlite_with_rowid": False}

    id: Mapped[str] = mapped_column(String(32), primary_key=True,
                                    default=lambda: secrets.token_hex(16))
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


#: The most answers `shuffle_answers` writes in one statement.
_ROWS_PER_INSERT = 1000

#: The columns of an answer a rewrite copies (besides the round).
_ANSWER_COLUMNS = ("rater_group", "rater_key", "criterion", "rating", "comment")


def store_answer(session: Session, answer: ReviewAnswer, *, anonymous: bool,
                 threshold: int) -> None:
    """Store one answer; an anonymous one (a peer's, a report's) in company on PostgreSQL:
    the transaction that moves its rater on also rewrites up to `threshold`-1 other
    answers of the same round, rater group and criterion (all a reader knows of the
    rater's answer from their invite), so it points at a group, not at theirs."""
    if not anonymous:
        session.add(answer)
        return
    write_in_company(session, ReviewAnswer, answer, [
        ReviewAnswer.round_id == answer.round_id,
        ReviewAnswer.rater_group == answer.rater_group,
        ReviewAnswer.criterion == answer.criterion], threshold, _ANSWER_COLUMNS,
        {"round_id": answer.round_id})


def shuffle_answers(session: Session, round_id: int) -> None:
    """Write a review's answers again in random order with new keys, in one statement.

    PostgreSQL keeps rows in the order they were written, and each transaction's id on
    them: read beside the order (and times) of the raters' progress, they could pair
    answers with raters. Rewritten at once, every answer has the same transaction and
    a place unrelated to when it came. (SQLite: a no-op; its rows are in key order.)"""
    if session.get_bind().dialect.name != "postgresql":
        return
    rows = [dict(r._mapping) for r in session.execute(
        delete(ReviewAnswer).where(ReviewAnswer.round_id == round_id)
        .returning(*[ReviewAnswer.__table__.c[c] for c in _ANSWER_COLUMNS])
        .execution_options(synchronize_session=False))]
    if not rows:
        return
    secrets.SystemRandom().shuffle(rows)
    # A statement at most _ROWS_PER_INSERT rows (7 parameters each): with `reviews.peers:
    # all` a review may hold 50,000 answers, past PostgreSQL's 65,535 parameters.
    for start in range(0, len(rows), _ROWS_PER_INSERT):
        session.execute(insert(ReviewAnswer).values(
            [{"id": secrets.token_hex(16), "round_id": round_id, **r}
             for r in rows[start:start + _ROWS_PER_INSERT]]))

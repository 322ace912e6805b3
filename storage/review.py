"""Reviews: the directors' answers to the monthly review's three questions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, select
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

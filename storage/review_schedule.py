"""Scheduled 360° reviews: which director's review each period has started, so a review
starts at most once per director and period, also across restarts and replicas."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    func,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.models import Base, UTCDateTime
from storage.review import ReviewAnswer, ReviewInvite, ReviewRound


class ScheduledReview(Base):
    """One director's review of one period, claimed before it is started.

    The claim commits in the same transaction as the review it starts, so a crash
    part-way leaves neither, and a second attempt (a restart, another replica) finds
    the claim and starts nothing.
    """

    __tablename__ = "review_schedule_runs"
    __table_args__ = (UniqueConstraint("period", "subject_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(32))  # 'quarterly:2026-12'
    subject_key: Mapped[str] = mapped_column(String(64))
    #: The review started; None when one was already open (the GM's own), left to the GM.
    round_id: Mapped[int | None] = mapped_column(
        ForeignKey("review_rounds.id", ondelete="SET NULL"))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    #: Settled: the period's reviews have all closed and its GMs have been told (or this
    #: claim started none). Set for the whole period at once (ReviewScheduleRepo.settle).
    closed: Mapped[bool] = mapped_column(Boolean, default=False)


class ReviewScheduleRepo:
    """Claiming a period's review of a director, and finding the ones due to close."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def claim(self, period: str, subject_key: str, now: datetime,
              closes_at: datetime) -> ScheduledReview | None:
        """Record that this period's review of the director starts now; None if it was
        claimed before (by this process or another)."""
        values = {"period": period, "subject_key": subject_key, "claimed_at": now,
                  "closes_at": closes_at, "closed": False}
        dialect = self.session.get_bind().dialect.name
        if dialect in ("sqlite", "postgresql"):
            insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
            row_id = self.session.execute(
                insert(ScheduledReview).values(**values)
                .on_conflict_do_nothing(index_elements=["period", "subject_key"])
                .returning(ScheduledReview.id)).scalar()
            return self.session.get(ScheduledReview, row_id) if row_id is not None else None
        try:
            with self.session.begin_nested():
                row = ScheduledReview(**values)
                self.session.add(row)
        except IntegrityError:
            return None
        return row

    def claimed(self, period: str) -> set[str]:
        """Directors whose review of the period has been claimed."""
        return set(self.session.scalars(select(ScheduledReview.subject_key).where(
            ScheduledReview.period == period)))

    def of_period(self, period: str) -> list[ScheduledReview]:
        """The period's claims, in the order they were made."""
        return list(self.session.scalars(select(ScheduledReview).where(
            ScheduledReview.period == period).order_by(ScheduledReview.id)))

    def of_round(self, round_id: int) -> ScheduledReview | None:
        """The claim that started a review, if the schedule started it."""
        return self.session.scalar(select(ScheduledReview).where(
            ScheduledReview.round_id == round_id))

    def open_rounds_due(self, now: datetime) -> list[int]:
        """The reviews the schedule started whose time is up and that are still open,
        in the order they were claimed."""
        return list(self.session.scalars(select(ScheduledReview.round_id).join(
            ReviewRound, ReviewRound.id == ScheduledReview.round_id).where(
            ScheduledReview.closed.is_(False), ScheduledReview.closes_at <= now,
            ReviewRound.status == "open").order_by(ScheduledReview.id)))

    def unsettled_periods(self) -> list[str]:
        """Periods with a claim not yet settled (see `settle`), oldest first."""
        return list(self.session.scalars(select(ScheduledReview.period).where(
            ScheduledReview.closed.is_(False)).group_by(ScheduledReview.period)
            .order_by(func.min(ScheduledReview.id))))

    def rounds_of_period(self, period: str) -> list[int]:
        """The reviews the schedule started in the period, in the order they were claimed."""
        return list(self.session.scalars(select(ScheduledReview.round_id).where(
            ScheduledReview.period == period, ScheduledReview.round_id.is_not(None))
            .order_by(ScheduledReview.id)))

    def first_claim(self, period: str) -> ScheduledReview | None:
        """The period's first claim that started a review (when the period began)."""
        return self.session.scalar(select(ScheduledReview).where(
            ScheduledReview.period == period, ScheduledReview.round_id.is_not(None))
            .order_by(ScheduledReview.id).limit(1))

    def raters_of(self, round_id: int) -> int:
        """How many raters a review asked."""
        return self.session.scalar(select(func.count()).select_from(ReviewInvite).where(
            ReviewInvite.round_id == round_id)) or 0

    def any_open_round(self, period: str) -> bool:
        """Whether a review the schedule started in the period is still open."""
        return self.session.scalar(select(ScheduledReview.id).join(
            ReviewRound, ReviewRound.id == ScheduledReview.round_id).where(
            ScheduledReview.period == period, ReviewRound.status == "open").limit(1)) \
            is not None

    def settle(self, period: str) -> None:
        """Mark the period's claims closed: all its reviews have closed and the GMs have
        been told (in the same transaction), so no sweep looks at it again."""
        self.session.execute(update(ScheduledReview).where(
            ScheduledReview.period == period, ScheduledReview.closed.is_(False))
            .values(closed=True).execution_options(synchronize_session="fetch"))

    def still_open(self) -> list[ScheduledReview]:
        """Scheduled reviews not closed yet, soonest to close first."""
        return list(self.session.scalars(select(ScheduledReview).where(
            ScheduledReview.closed.is_(False)).order_by(ScheduledReview.closes_at,
                                                        ScheduledReview.id)))


def follow_rename(session: Session, old_key: str, new_key: str) -> None:
    """A key corrected in the org file (`alice` to `amartin`, bot.renames): the 360°
    reviews are kept by key, so they follow it. Left behind, her open review would be named
    by a key `/review close` no longer takes, her report not found by `/review report
    amartin`, and the schedule, finding no claim of the period under her new key, would
    start her review again and survey every rater twice. The same columns as an erasure
    rewrites (storage.personal_data)."""
    for table, column in ((ReviewRound, ReviewRound.subject_key),
                          (ReviewRound, ReviewRound.started_by),
                          (ReviewAnswer, ReviewAnswer.rater_key),
                          (ScheduledReview, ScheduledReview.subject_key)):
        session.execute(update(table).where(column == old_key).values({column: new_key})
                        .execution_options(synchronize_session=False))

"""Typed SQLAlchemy models. Every column type here is portable (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from bot.clock import as_utc
from storage.snapshot_keys import KEY_LENGTH, default_key, track_updates


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always returns them aware.

    SQLite drops tzinfo on the way back; normalising here keeps comparisons with
    the injected clock (always aware UTC) correct on both databases.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base for all teampulse tables."""


class Person(Base):
    """Someone in the org file, kept in sync with it on every start."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    manager_key: Mapped[str | None] = mapped_column(String(64))
    team: Mapped[str | None] = mapped_column(String(100))
    timezone: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(8))
    # The language the person chose in chat (/language): it wins over the org file's
    # `locale` until they choose the file's again; None when they never chose.
    chosen_locale: Mapped[str | None] = mapped_column(String(8))
    checks_in: Mapped[bool] = mapped_column(Boolean, default=False)
    can_view_summary: Mapped[bool] = mapped_column(Boolean, default=False)
    slack_id: Mapped[str | None] = mapped_column(String(32), index=True)
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    telegram_username: Mapped[str | None] = mapped_column(String(64), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # When the org sync first found them in the file (or found them back after a
    # removal): a past week that ended before it, without a round of theirs, is none of
    # theirs, so no view lists them there as "no check-in sent" (handlers/joined.py).
    # None: synced before this was recorded (migration 0016): read as always there.
    added_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the org sync last took them out of the file (active False since); cleared when
    # the file has them back. None while in the file, or taken out before this was
    # recorded (migration 0024): no longer in the org file, since a date not known.
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    kpis: Mapped[list[KpiTarget]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="KpiTarget.position"
    )


def left_on(left_at: datetime | None, tz: str) -> date | None:
    """The day, in `tz` (the reader's), the org sync took someone out of the org file
    (their latest removal, Person.left_at); None when not known (taken out before
    0024_leftat)."""
    return None if left_at is None else as_utc(left_at).astimezone(ZoneInfo(tz)).date()


class KpiTarget(Base):
    """A weekly KPI target of one person (metric, unit, target)."""

    __tablename__ = "kpi_targets"
    __table_args__ = (UniqueConstraint("person_id", "metric"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    metric: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(32))
    weekly_target: Mapped[float] = mapped_column(Float)

    person: Mapped[Person] = relationship(back_populates="kpis")


class CheckinRound(Base):
    """One person's check-in for one ISO week (in their own timezone).

    `questions` is a snapshot of the questions (and KPI targets) asked, so later
    edits to the org file never change what an old answer meant.
    """

    __tablename__ = "checkin_rounds"
    __table_args__ = (
        UniqueConstraint("person_id", "week"),
        # Covering for the summaries' reads of a window of weeks: the columns they need
        # without touching the rows, whose JSON snapshot makes each one kilobytes long.
        # (SQLite's indexes hold the rowid, the id; PostgreSQL's must be given it.)
        Index("ix_checkin_rounds_summary", "week", "person_id", "status", "team",
              "prompted_at", "submitted_at", "snapshot_key", "role", "timezone",
              "manager_key", "edited_at", postgresql_include=["id"]),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    week: Mapped[str] = mapped_column(String(10), index=True)
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # The snapshot's key (storage/snapshot_keys.py): rounds asked the same questions share
    # it, so a summary reads one snapshot per key, not one per round. Set on insert.
    snapshot_key: Mapped[str] = mapped_column(String(KEY_LENGTH), index=True,
                                              default=default_key)
    status: Mapped[str] = mapped_column(String(16), default="open")
    # The person's team when the round was made: a later move never rewrites a past week.
    team: Mapped[str | None] = mapped_column(String(100))
    # The person's role when the round was made (director, member): a later promotion or
    # demotion never rewrites a past week. None only for rows a migration could not date
    # (read as the person's role today).
    role: Mapped[str | None] = mapped_column(String(16))
    # The person's timezone when the round was made: the week's days (was an answer late?)
    # are those of where the week was run, so a later move never rewrites it. None only
    # for rows a migration could not date (read as the person's timezone today).
    timezone: Mapped[str | None] = mapped_column(String(64))
    # The key of the person's manager when the round was made (None: they had none): the
    # GM's view of a past week names the one-on-one with the manager of that week, so a
    # later change in the org file never rewrites it. Rounds made before rounds had one
    # hold the manager as of the upgrade (migration 0011_roundmgr).
    manager_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    prompted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last time an answer of the submitted round was changed (/edit) after its week
    # had ended where it was run: the GM's view says the week's figures were changed after
    # the fact. None: never (or only before this column existed, migration 0021_roundedit).
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship()
    answers: Mapped[list[Answer]] = relationship(
        back_populates="round", cascade="all, delete-orphan", order_by="Answer.id"
    )


track_updates(CheckinRound)


class Answer(Base):
    """One answer (or explicit skip) to one question of a round."""

    __tablename__ = "answers"
    # The summaries read the answers' status counts and KPI figures of thousands of rounds:
    # this covering index serves both without touching the rows (migration 0005_sumperf).
    __table_args__ = (UniqueConstraint("round_id", "question_key"),
                      Index("ix_answers_round_figures", "round_id", "question_key",
                            "skipped", "number_value"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("checkin_rounds.id", ondelete="CASCADE"))
    question_key: Mapped[str] = mapped_column(String(100))
    text_value: Mapped[str | None] = mapped_column(Text)
    number_value: Mapped[float | None] = mapped_column(Float)
    skipped: Mapped[bool] = mapped_column(Boolean, default=False)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The first change of the submitted answer (/edit) after its week had ended, and the
    # figure it replaced (None: none, a skip or a text): the GM's view says what the week
    # read when it ended. A later change keeps both. None: never (or before 0022_answerwas).
    changed_after_week_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    number_at_week_end: Mapped[float | None] = mapped_column(Float)

    round: Mapped[CheckinRound] = relationship(back_populates="answers")


class Conversation(Base):
    """What the bot is waiting for from a person (at most one dialog at a time)."""

    __tablename__ = "conversations"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    round_id: Mapped[int | None] = mapped_column(
        ForeignKey("checkin_rounds.id", ondelete="CASCADE")
    )
    question_key: Mapped[str | None] = mapped_column(String(100))
    editing: Mapped[bool] = mapped_column(Boolean, default=False)
    # A typed number awaiting confirmation: its one implausible reading (yes/no), or
    # the two readings of an ambiguous form ('4,5': 4.5 or 45). None when nothing waits.
    pending_numbers: Mapped[list[float] | None] = mapped_column(JSON(none_as_null=True))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Bumped by every change: a replica that read the dialog before another moved it on
    # (the person's next message, handled elsewhere at that moment) fails to write it,
    # and handles its message again on what is there now (bot/core.py), instead of
    # taking it as the answer to the question already answered.
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1,
                                         server_default="1")

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}


class OutboxMessage(Base):
    """A message recorded before it is sent, so delivery survives crashes and rate limits.

    `status`: 'pending' (to send), 'sending' (a platform call began and its outcome is
    not recorded: after a crash, the outbox checks with the platform before resending),
    'sent', 'failed', or 'expired' (dropped unsent: its `expires_at` passed while it
    waited, so what it said was no longer true); 'recall' marks a note, not a message: the
    ids of rows an erase deleted or rewrote, whose old copy no worker may send
    (OutboxRepo.recall). `priority`: REPLY for an answer to
    something a person just did, BULK for scheduled traffic such as a round; the outbox
    sends replies first.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_priority", "status", "priority"),)

    #: Scheduled traffic (rounds, reminders, digests).
    BULK = 0
    #: An answer to an inbound event: sent ahead of bulk traffic (see bot.outbox).
    REPLY = 1

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    platform: Mapped[str] = mapped_column(String(16))
    target_kind: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(128))
    thread_id: Mapped[str | None] = mapped_column(String(128))
    user_ref: Mapped[str | None] = mapped_column(String(128))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the last platform call began (status 'sending': the outcome is not recorded yet).
    sending_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    external_id: Mapped[str | None] = mapped_column(String(128))
    last_error: Mapped[str | None] = mapped_column(Text)
    priority: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    #: A time-bound message (a reminder of a meeting, a poll's question) is not sent from
    #: this moment on; NULL: it never goes stale.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ProcessedEvent(Base):
    """Inbound platform events already handled, so redeliveries do no work twice."""

    __tablename__ = "processed_events"
    __table_args__ = (UniqueConstraint("platform", "event_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[str] = mapped_column(String(128))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


# Feature tables live in their own modules; importing them here puts them in the one
# metadata that migrations are compared against.
from storage import (  # noqa: E402, F401
    away,
    digest,
    goals,
    kudos,
    oneonone,
    pulse,
    review,
    review_schedule,
    round_requests,
    support,
)

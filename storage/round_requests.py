"""Requests to send a check-in round now, recorded by the CLI or a chat command and
carried out once by the running bot."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Integer, String, Text, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.models import Base, UTCDateTime

#: A request claimed this long ago and not finished belongs to a process that died; it
#: may be claimed again (prompts are idempotent per person and week, so nobody is asked twice).
STALE_CLAIM = timedelta(minutes=10)


class RoundRequest(Base):
    """One 'send a round now': its scope, who asked, and what it did once run."""

    __tablename__ = "round_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))  # everyone | team | person
    name: Mapped[str | None] = mapped_column(String(128))  # the team or person key
    requested_by: Mapped[str] = mapped_column(String(64))  # a person key, or "cli"
    reply_platform: Mapped[str | None] = mapped_column(String(16))
    reply_user: Mapped[str | None] = mapped_column(String(128))
    #: The group (and thread) `/checkin send` was typed in; None in a DM or from the CLI.
    #: Where the report DM's fallback goes should the platform refuse the DM for good.
    reply_chat: Mapped[str | None] = mapped_column(String(128))
    reply_thread: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), index=True)  # queued|running|done|failed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)


class RoundRequestRepo:
    """Recording, claiming and finishing round requests."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, scope: str, name: str | None, requested_by: str, now: datetime, *,
            reply_platform: str | None = None, reply_user: str | None = None,
            reply_chat: str | None = None, reply_thread: str | None = None) -> RoundRequest:
        """Queue a request (`reply_chat`, `reply_thread`: the group it was asked in)."""
        row = RoundRequest(scope=scope, name=name, requested_by=requested_by,
                           reply_platform=reply_platform, reply_user=reply_user,
                           reply_chat=reply_chat, reply_thread=reply_thread,
                           status="queued", created_at=now)
        self.session.add(row)
        self.session.flush()
        return row

    def claimable(self, now: datetime) -> list[int]:
        """Ids of queued requests (and of stale claims), oldest first."""
        return list(self.session.scalars(
            select(RoundRequest.id).where(_claimable(now)).order_by(RoundRequest.id)))

    def claim(self, request_id: int, now: datetime) -> bool:
        """Take a request for this process; False if another run already has it.

        One conditional UPDATE, so two pollers (or a poller and a chat command)
        never both run it.
        """
        result = self.session.execute(
            update(RoundRequest)
            .where(RoundRequest.id == request_id, _claimable(now))
            .values(status="running", claimed_at=now)
            .execution_options(synchronize_session=False))
        return result.rowcount == 1  # type: ignore[attr-defined]

    def release_running(self) -> int:
        """Put every running request back in the queue; how many.

        Only a new leader calls this: the one process that runs requests has changed, so
        whatever was running belonged to the old leader, which has stopped (prompts are
        idempotent per person and week, so the rerun asks only those not asked yet).
        """
        result = self.session.execute(
            update(RoundRequest).where(RoundRequest.status == "running")
            .values(status="queued", claimed_at=None)
            .execution_options(synchronize_session=False))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def get(self, request_id: int) -> RoundRequest | None:
        """A request by id."""
        return self.session.get(RoundRequest, request_id)

    def finish(self, request_id: int, now: datetime, result: dict[str, Any] | None = None,
               error: str | None = None) -> None:
        """Record what a request did (or why it failed)."""
        row = self.session.get(RoundRequest, request_id)
        if row is not None:
            row.status = "failed" if error else "done"
            row.finished_at = now
            row.result = result
            row.error = error


def _claimable(now: datetime) -> Any:
    return (RoundRequest.status == "queued") | (
        (RoundRequest.status == "running") & (RoundRequest.claimed_at < now - STALE_CLAIM))

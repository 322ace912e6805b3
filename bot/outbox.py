"""Durable delivery: messages recorded in the outbox are sent in order, paced per chat.

A message is written in the same transaction as the change that caused it, then
sent here. A rate limit or a network error leaves it pending with a later
`not_before`; a restart picks it up again. Messages to one chat keep their order.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.adapters.base import Adapter, DeliveryError, RetryLater
from bot.clock import Clock
from bot.events import OutboundMessage, Target, fallback_of
from bot.log_privacy import describe_exception
from storage.models import OutboxMessage
from storage.repositories import OutboxRepo

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BATCH = 200
IDLE_WAKEUP = 30.0


def backoff(attempts: int) -> timedelta:
    """2, 4, 8 ... seconds, capped at 10 minutes."""
    return timedelta(seconds=min(600, 2 ** attempts))


class OutboxWorker:
    """Sends pending outbox messages through the running adapters."""

    def __init__(self, sessions: sessionmaker[Session], adapters: Mapping[str, Adapter],
                 clock: Clock) -> None:
        self._sessions = sessions
        self._adapters = adapters
        self._clock = clock
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._last_chat: dict[tuple[str, str], datetime] = {}
        self._last_platform: dict[str, datetime] = {}

    def kick(self) -> None:
        """Ask the background loop to look for work now."""
        self._wake.set()

    async def flush(self) -> datetime | None:
        """Send everything that is due; return when the next deferred message falls due."""
        async with self._lock:
            while True:
                next_due, sent, full = await self._flush()
                # A full batch that made progress may have more behind it: go on now
                # rather than at the loop's next wake-up.
                if not (full and sent):
                    return next_due

    async def _flush(self) -> tuple[datetime | None, int, bool]:
        with self._sessions() as session:
            rows = OutboxRepo(session).pending(list(self._adapters), limit=BATCH)
            session.expunge_all()
        sent = 0
        blocked: set[tuple[str, str]] = set()
        next_due: datetime | None = None
        for row in rows:
            chat = (row.platform, row.address)
            if chat in blocked:
                continue
            due = max(row.not_before, self._pacing_ready(row))
            if due > self._clock.now():
                blocked.add(chat)  # later messages to the same chat must not overtake it
                next_due = due if next_due is None else min(next_due, due)
                continue
            retry_at = await self._send(row)
            if retry_at is not None:
                blocked.add(chat)
                next_due = retry_at if next_due is None else min(next_due, retry_at)
            else:
                sent += 1
        return next_due, sent, len(rows) == BATCH

    def _pacing_ready(self, row: OutboxMessage) -> datetime:
        adapter = self._adapters[row.platform]
        pacing = adapter.pacing
        per_chat = pacing.per_group if adapter.is_group_address(row.address) else pacing.per_chat
        ready = datetime.min.replace(tzinfo=row.not_before.tzinfo)
        last = self._last_chat.get((row.platform, row.address))
        if last is not None and per_chat:
            ready = max(ready, last + timedelta(seconds=per_chat))
        last_any = self._last_platform.get(row.platform)
        if last_any is not None and pacing.overall:
            ready = max(ready, last_any + timedelta(seconds=pacing.overall))
        return ready

    async def _send(self, row: OutboxMessage) -> datetime | None:
        adapter = self._adapters[row.platform]
        target = Target(row.platform, row.target_kind, row.address,  # type: ignore[arg-type]
                        row.thread_id, row.user_ref)
        message = OutboundMessage.from_payload(row.payload)
        try:
            result = await adapter.deliver(target, message)
        except RetryLater as exc:
            retry_at = self._clock.now() + timedelta(seconds=exc.seconds)
            self._update(row.id, not_before=retry_at, last_error=str(exc))
            log.info("outbox %s: %s asked us to wait %.1fs", row.id, row.platform, exc.seconds)
            return retry_at
        except Exception as exc:  # every failure is recorded; the loop must go on
            permanent = isinstance(exc, DeliveryError) and exc.permanent
            attempts = row.attempts + 1
            # An exception's message may quote what was being sent: neither the log at
            # WARNING/ERROR nor last_error gets more than describe_exception() allows.
            error = describe_exception(exc)
            log.debug("outbox %s: %r", row.id, exc)
            if permanent or attempts >= MAX_ATTEMPTS:
                fallback = fallback_of(row.platform, row.payload)
                self._update(row.id, status="failed", attempts=attempts, last_error=error,
                             follow_up=fallback)
                log.error("outbox %s to %s:%s failed for good after %d attempt(s): %s",
                          row.id, row.platform, row.address, attempts, error)
                # A fallback was recorded in its place: it is due now.
                return self._clock.now() if fallback is not None else None
            retry_at = self._clock.now() + backoff(attempts)
            self._update(row.id, attempts=attempts, not_before=retry_at, last_error=error)
            log.warning("outbox %s to %s:%s failed (attempt %d), retrying: %s",
                        row.id, row.platform, row.address, attempts, error)
            return retry_at
        sent_at = self._clock.now()
        self._last_chat[(row.platform, row.address)] = sent_at
        self._last_platform[row.platform] = sent_at
        self._update(row.id, status="sent", sent_at=sent_at, attempts=row.attempts + 1,
                     external_id=result.external_id, last_error=None)
        return None

    def _update(self, row_id: int, *, follow_up: tuple[Target, OutboundMessage] | None = None,
                **values: object) -> None:
        with self._sessions.begin() as session:
            row = session.get(OutboxMessage, row_id)
            if row is not None:
                for name, value in values.items():
                    setattr(row, name, value)
            if follow_up is not None:
                # In the same transaction: the fallback is recorded exactly when the
                # message it stands in for is marked failed.
                target, message = follow_up
                OutboxRepo(session).enqueue(
                    platform=target.platform, target_kind=target.kind, address=target.address,
                    thread_id=target.thread_id, user_ref=target.user_ref,
                    payload=message.to_payload(), now=self._clock.now())

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set, waking when kicked or when a deferred message is due."""
        while not stop.is_set():
            self._wake.clear()  # before flushing, so a kick during the flush is not lost
            try:
                next_due = await self.flush()
            except Exception:  # a database hiccup must not end delivery for good
                log.exception("outbox flush failed; trying again shortly")
                next_due = self._clock.now() + timedelta(seconds=5)
            delay = IDLE_WAKEUP
            if next_due is not None:
                delay = min(IDLE_WAKEUP, max(0.05, (next_due - self._clock.now()).total_seconds()))
            waiters = [asyncio.ensure_future(self._wake.wait()),
                       asyncio.ensure_future(stop.wait())]
            _, pending = await asyncio.wait(waiters, timeout=delay,
                                            return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()

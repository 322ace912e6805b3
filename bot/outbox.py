"""Durable delivery: messages recorded in the outbox are sent in order, paced per chat.

A message is written in the same transaction as the change that caused it, then
sent here. A rate limit or a network error leaves it pending with a later
`not_before`; a restart picks it up again. Messages to one chat keep their order.

Before each platform call the row is marked 'sending' (committed), so a crash
between the platform accepting a message and the row being marked sent is
visible afterwards. Such an in-flight row is resolved before anything else goes
to its chat: where the platform can look the message up (Slack tags every post
with its outbox id), it is marked sent if found and sent if not; where it cannot
(Telegram), it is sent again, so a crash there can cause one extra copy.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from bot.adapters.base import Adapter, DeliveryError, RetryLater
from bot.clock import Clock
from bot.events import OutboundMessage, Target, fallback_of, scrubbed
from bot.log_privacy import describe_exception
from storage.models import OutboxMessage
from storage.repositories import OutboxRepo

log = logging.getLogger(__name__)

T = TypeVar("T")

MAX_ATTEMPTS = 8
BATCH = 200
IDLE_WAKEUP = 30.0
#: A row still 'sending' this long after its call began was orphaned (its process
#: died, or recording the outcome failed), even if it was marked after this worker started.
IN_FLIGHT_TIMEOUT = timedelta(minutes=2)
#: How soon a lookup the platform could not answer is tried again.
LOOKUP_RETRY = timedelta(seconds=30)


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
        # Rows marked 'sending' before this moment belong to an earlier run of the bot.
        self._started_at = clock.now()
        # Rows this run left 'sending' on purpose: their call ended, its outcome unknown.
        self._unsure: set[int] = set()
        bind = sessions.kw.get("bind")
        # The outbox's database work runs on a worker thread so the event loop keeps
        # serving. SQLite allows one writer at a time, and a transaction that must wait
        # for another to upgrade its lock fails at once: on SQLite that work takes turns
        # with the bot's own transactions (TeamPulse.unit) through this lock.
        self.db_gate: contextlib.AbstractContextManager[Any] = (
            threading.RLock() if bind is not None and bind.dialect.name == "sqlite"
            else contextlib.nullcontext())

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
        blocked, next_due = await self._resolve_in_flight()
        platforms = list(self._adapters)
        rows = await self._db(self._load, lambda repo: repo.pending(platforms, limit=BATCH))
        sent = 0
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

    async def _resolve_in_flight(self) -> tuple[set[tuple[str, str]], datetime | None]:
        """Settle rows whose send was interrupted; return the chats still waiting on one."""
        platforms = list(self._adapters)
        rows = await self._db(self._load, lambda repo: repo.in_flight(platforms))
        blocked: set[tuple[str, str]] = set()
        next_due: datetime | None = None
        for row in rows:
            chat = (row.platform, row.address)
            if chat in blocked:
                continue
            since = row.sending_at or row.created_at
            due = row.not_before
            if since > self._started_at and row.id not in self._unsure:
                due = max(due, since + IN_FLIGHT_TIMEOUT)  # orphaned only after a while
            retry_at = due if due > self._clock.now() else await self._resolve(row, since)
            if retry_at is not None:
                # Until we know whether it arrived, nothing later may overtake it.
                blocked.add(chat)
                next_due = retry_at if next_due is None else min(next_due, retry_at)
        return blocked, next_due

    async def _resolve(self, row: OutboxMessage, since: datetime) -> datetime | None:
        """Ask the platform whether an interrupted send arrived; None once settled.

        Found: the row is marked sent. Not found, or the platform cannot tell: the row
        goes back to pending and is sent. The platform cannot be asked now: the row
        stays in flight and the returned time says when to ask again.
        """
        self._unsure.discard(row.id)
        adapter = self._adapters[row.platform]
        target, message = self._target(row), self._message(row)
        if not adapter.can_find_delivered(target, message):
            log.warning("outbox %s to %s:%s: a send was interrupted and %s cannot tell "
                        "whether it arrived; sending it again", row.id, row.platform,
                        row.address, row.platform)
            await self._update(row.id, status="pending")
            return None
        try:
            found = await adapter.find_delivered(target, message, since)
        except RetryLater as exc:
            retry_at = self._clock.now() + timedelta(seconds=exc.seconds)
            await self._update(row.id, not_before=retry_at, last_error=str(exc))
            self._unsure.add(row.id)
            log.info("outbox %s: %s asked us to wait %.1fs before looking it up", row.id,
                     row.platform, exc.seconds)
            return retry_at
        except Exception as exc:  # whatever failed, never resend blindly on a hiccup
            if isinstance(exc, DeliveryError) and exc.permanent:
                log.warning("outbox %s to %s:%s: cannot check whether an interrupted send "
                            "arrived (%s); sending it again", row.id, row.platform,
                            row.address, exc)
                await self._update(row.id, status="pending", last_error=describe_exception(exc))
                return None
            retry_at = self._clock.now() + LOOKUP_RETRY
            await self._update(row.id, not_before=retry_at, last_error=describe_exception(exc))
            self._unsure.add(row.id)
            log.warning("outbox %s: looking up an interrupted send failed, trying again "
                        "later: %s", row.id, describe_exception(exc))
            return retry_at
        if found is not None:
            log.info("outbox %s: an interrupted send had reached %s; not sending it again",
                     row.id, row.platform)
            await self._update(row.id, status="sent", sent_at=self._clock.now(),
                               external_id=found.external_id, last_error=None)
        else:
            log.info("outbox %s: an interrupted send never reached %s; sending it now",
                     row.id, row.platform)
            await self._update(row.id, status="pending")
        return None

    @staticmethod
    def _target(row: OutboxMessage) -> Target:
        return Target(row.platform, row.target_kind, row.address,  # type: ignore[arg-type]
                      row.thread_id, row.user_ref)

    @staticmethod
    def _message(row: OutboxMessage) -> OutboundMessage:
        return replace(OutboundMessage.from_payload(row.payload), outbox_id=row.id)

    async def _send(self, row: OutboxMessage) -> datetime | None:
        adapter = self._adapters[row.platform]
        target, message = self._target(row), self._message(row)
        # Committed before the call: if we die after the platform accepted the message,
        # the next start knows to check before sending it again.
        await self._update(row.id, status="sending", sending_at=self._clock.now())
        try:
            result = await adapter.deliver(target, message)
        except RetryLater as exc:
            retry_at = self._clock.now() + timedelta(seconds=exc.seconds)
            await self._update(row.id, status="pending", not_before=retry_at, last_error=str(exc))
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
                await self._update(row.id, status="failed", attempts=attempts, last_error=error,
                                   follow_up=fallback)
                log.error("outbox %s to %s:%s failed for good after %d attempt(s): %s",
                          row.id, row.platform, row.address, attempts, error)
                # A fallback was recorded in its place: it is due now.
                return self._clock.now() if fallback is not None else None
            retry_at = self._clock.now() + backoff(attempts)
            unsure = (isinstance(exc, DeliveryError) and exc.maybe_delivered
                      and adapter.can_find_delivered(target, message))
            # Maybe delivered: it stays in flight, to be looked up before any resend.
            await self._update(row.id, status="sending" if unsure else "pending",
                               attempts=attempts, not_before=retry_at, last_error=error)
            if unsure:
                self._unsure.add(row.id)
            log.warning("outbox %s to %s:%s failed (attempt %d), retrying: %s",
                        row.id, row.platform, row.address, attempts, error)
            return retry_at
        sent_at = self._clock.now()
        self._last_chat[(row.platform, row.address)] = sent_at
        self._last_platform[row.platform] = sent_at
        await self._update(row.id, status="sent", sent_at=sent_at, attempts=row.attempts + 1,
                     external_id=result.external_id, last_error=None)
        return None

    async def _update(self, row_id: int, *,
                      follow_up: tuple[Target, OutboundMessage] | None = None,
                      **values: object) -> None:
        await self._db(self._write, row_id, values, follow_up)

    def _write(self, row_id: int, values: Mapping[str, object],
               follow_up: tuple[Target, OutboundMessage] | None = None) -> None:
        with self._sessions.begin() as session:
            row = session.get(OutboxMessage, row_id)
            if row is not None:
                for name, value in values.items():
                    setattr(row, name, value)
                if values.get("status") in ("sent", "failed"):
                    # An anonymous poll's DM keeps nothing of what it said once it is done with.
                    row.payload = scrubbed(row.payload)
            if follow_up is not None:
                # In the same transaction: the fallback is recorded exactly when the
                # message it stands in for is marked failed.
                target, message = follow_up
                OutboxRepo(session).enqueue(
                    platform=target.platform, target_kind=target.kind, address=target.address,
                    thread_id=target.thread_id, user_ref=target.user_ref,
                    payload=message.to_payload(), now=self._clock.now())

    def _load(self, query: Callable[[OutboxRepo], list[OutboxMessage]]) -> list[OutboxMessage]:
        with self._sessions() as session:
            rows = query(OutboxRepo(session))
            session.expunge_all()
            return rows

    async def _db(self, work: Callable[..., T], *args: Any) -> T:
        """Run database work off the event loop; flushes are serialised by `_lock`, so the
        outbox never has two transactions of its own open at once."""
        def gated() -> T:
            with self.db_gate:
                return work(*args)
        return await asyncio.to_thread(gated)

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

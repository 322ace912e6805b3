"""Electing one leader among replicas on PostgreSQL, through PostgreSQL itself.

The leader holds a session-level advisory lock (`pg_try_advisory_lock`) on a connection of
its own, outside the pool used for work. The server releases the lock the moment that
session ends, whether the process died (even by SIGKILL) or its connection was cut; no
clock is involved. Every `interval` seconds a replica either tries to take the lock
(follower) or proves its session alive with a query (leader); a failed query means the
lock may already be someone else's, so leadership is dropped at once.

The same connection LISTENs on a channel: a follower that recorded work (an inbound
message whose reply sits in the outbox) NOTIFYs it, and the leader's outbox sends at once
instead of at its next idle wake-up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from storage.db import SERVER_KEEPALIVE, SERVER_SILENCE_SECONDS, session_settings_sql

log = logging.getLogger(__name__)

#: The advisory lock's key: any 64-bit number no other application on the database uses.
LOCK_KEY = 0x7465616D70756C73  # "teampuls"
#: The lock replicas take in turn while they start (migrations, the org sync).
STARTUP_KEY = LOCK_KEY + 1
#: Where followers say "there is something to send".
CHANNEL = "teampulse_outbox"
#: How often the lock is tried (followers) or the session proved alive (the leader).
INTERVAL = 2.0
#: How long the keep-alive query may take before the session counts as lost.
QUERY_TIMEOUT = 3.0
#: A new leader waits this long before starting work, so a leader that has just lost its
#: session (and notices within INTERVAL + QUERY_TIMEOUT) has stopped before it starts.
TAKEOVER_GRACE = INTERVAL + QUERY_TIMEOUT
#: The election session's server-side settings: the server lets go of a leader it no
#: longer hears (and so of the lock) within SERVER_SILENCE_SECONDS, as of any session
#: (storage.db), and the same bound holds for data sent and never acknowledged (the answer
#: to a keep-alive query, lost). Longer than the leader's own INTERVAL + QUERY_TIMEOUT, so
#: the old leader has stepped down before the lock is free.
SERVER_SIDE_TIMEOUTS = {**SERVER_KEEPALIVE,
                        "tcp_user_timeout": str(SERVER_SILENCE_SECONDS * 1000)}


@contextlib.contextmanager
def startup_lock(engine: Engine) -> Iterator[None]:
    """On PostgreSQL, one process at a time migrates and syncs the org (a no-op on SQLite,
    where the instance lock already keeps a second bot out)."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": STARTUP_KEY})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": STARTUP_KEY})
            connection.commit()


def conninfo(url: str) -> str:
    """A libpq connection string for psycopg from a SQLAlchemy URL."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def other_processes(engine: Engine) -> int:
    """How many sessions other teampulse processes have open on this database."""
    with engine.connect() as connection:
        return int(connection.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND application_name LIKE 'teampulse%' AND application_name NOT LIKE :mine"),
            {"mine": f"%pid {os.getpid()}"}).scalar() or 0)


async def notify(engine: Engine) -> None:
    """Wake the leader's outbox (from any replica), through the work pool."""

    def send() -> None:
        with engine.begin() as connection:
            connection.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})

    await asyncio.to_thread(send)


class Leadership:
    """Runs the election loop; calls `on_elected` / `on_lost` as leadership comes and goes."""

    def __init__(self, url: str, *, on_elected: Callable[[], Awaitable[None]],
                 on_lost: Callable[[], Awaitable[None]],
                 on_notify: Callable[[], None] | None = None,
                 interval: float = INTERVAL, query_timeout: float = QUERY_TIMEOUT) -> None:
        self.url = url
        self.on_elected = on_elected
        self.on_lost = on_lost
        self.on_notify = on_notify
        self.interval = interval
        self.query_timeout = query_timeout
        self.is_leader = False
        #: Set once the first attempt is over (this replica leads, or another does).
        self.decided = asyncio.Event()
        self._conn: Any = None

    async def run(self, stop: asyncio.Event) -> None:
        """Until `stop`: hold or seek the lock; on the way out, give it up."""
        try:
            while not stop.is_set():
                try:
                    await self._step()
                except Exception as exc:
                    await self._lose(f"{type(exc).__name__}: {str(exc).strip()[:200]}")
                self.decided.set()
                await self._wait(stop)
        finally:
            if self.is_leader:
                await self._lose("stopping")
            await self._close()

    async def _step(self) -> None:
        if self._conn is None or self._conn.closed:
            if self.is_leader:  # the session that held the lock is gone, and the lock with it
                raise ConnectionError("the connection holding the lock was closed")
            self._conn = await self._connect()
            await self._query(session_settings_sql(SERVER_SIDE_TIMEOUTS))
        if self.is_leader:
            await self._query("SELECT 1")  # the session (and so the lock) is still ours
            return
        row = await self._query(f"SELECT pg_try_advisory_lock({LOCK_KEY})")
        if row and row[0]:
            self.is_leader = True
            await self._query(f"LISTEN {CHANNEL}")
            log.info("this replica is now the leader")
            await self.on_elected()

    async def _connect(self) -> Any:
        import psycopg

        conn = await asyncio.wait_for(psycopg.AsyncConnection.connect(
            conninfo(self.url), autocommit=True, connect_timeout=10,
            # A silently dropped connection is noticed by the OS too, not only by us.
            keepalives=1, keepalives_idle=5, keepalives_interval=2, keepalives_count=2,
            # The pid tells an operator (and pg_stat_activity) which process leads.
            application_name=f"teampulse leader election, pid {os.getpid()}"),
            self.query_timeout + 10)
        return conn

    async def _query(self, sql: str) -> Any:
        async def run() -> Any:
            cursor = await self._conn.execute(sql)
            return await cursor.fetchone() if cursor.description else None

        # Not asyncio.wait_for: it awaits the cancelled query, and psycopg then sends the
        # server a cancel request and waits for the query to end (5 s each), which a
        # silent network never answers. The leader must step down within QUERY_TIMEOUT,
        # before the next one's TAKEOVER_GRACE is over; the connection is closed anyway.
        task = asyncio.ensure_future(run())
        try:
            done, _ = await asyncio.wait({task}, timeout=self.query_timeout)
        except asyncio.CancelledError:
            task.cancel()  # (asyncio.wait leaves it running)
            task.add_done_callback(_forget)
            raise
        if not done:
            task.cancel()
            task.add_done_callback(_forget)
            raise TimeoutError(f"no answer within {self.query_timeout:g} s")
        return task.result()

    async def _wait(self, stop: asyncio.Event) -> None:
        """Sleep one interval, passing on notifications; wake early at `stop`."""
        waiter = asyncio.ensure_future(stop.wait())
        try:
            if self.is_leader and self._conn is not None and not self._conn.closed:
                listen = asyncio.ensure_future(self._listen())
                await asyncio.wait({waiter, listen}, timeout=self.interval,
                                   return_when=asyncio.FIRST_COMPLETED)
                listen.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await listen
            else:
                await asyncio.wait({waiter}, timeout=self.interval)
        finally:
            waiter.cancel()

    async def _listen(self) -> None:
        async for _ in self._conn.notifies():
            if self.on_notify is not None:
                self.on_notify()

    async def _lose(self, why: str) -> None:
        if self.is_leader:
            self.is_leader = False
            log.log(logging.INFO if why == "stopping" else logging.WARNING,
                    "this replica is no longer the leader (%s); leader-only work stops", why)
            # Before the session closes: at a clean stop, the lock is held until the last
            # flush is done, so no other replica sends meanwhile.
            try:
                await self.on_lost()
            finally:
                await self._close()
        else:
            await self._close()
            log.warning("leader election: database connection failed (%s); retrying", why)

    async def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), 2)


def _forget(task: asyncio.Future[Any]) -> None:
    """Take an abandoned query's outcome, so that asyncio does not log it as lost."""
    if not task.cancelled():
        task.exception()

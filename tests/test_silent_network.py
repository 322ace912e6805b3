"""A replica whose network to PostgreSQL drops silently (no reset, no answer).

Between the leader's election connection and the server sits a proxy that, once frozen,
forwards nothing more and closes nothing, as a dropped network looks to the process. The
promises of README "Several replicas": the leader steps down within its keep-alive
query's timeout (so before the next leader's TAKEOVER_GRACE is over), and the server lets
go of a session it no longer hears within seconds (not after the kernel's two-hour TCP
keep-alive): the leader's lock, so that another replica can take over, and any replica's
open transaction, whose row locks the others' writes wait on. What the server does with a
silent peer cannot be seen through a proxy (its kernel answers the probes), so those tests
read the settings each session asks the server for; the drops themselves were tried in a
network namespace with the replica's link taken down. Skipped without TEST_DATABASE_URL.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.leader import Leadership
from storage.db import SERVER_SILENCE_SECONDS, create_db_engine
from tests.conftest import SERVER_URL

pytestmark = pytest.mark.skipif(not SERVER_URL, reason="the leader election needs "
                                                       "PostgreSQL (TEST_DATABASE_URL)")


class SilentProxy:
    """Forwards TCP to the PostgreSQL server until `freeze()`; then nothing moves either
    way and no socket is closed (new connections, such as a cancel request, hang too)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.frozen = asyncio.Event()
        self.listen_port = 0
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []
        self._tasks: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> SilentProxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.listen_port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in self._tasks:
            task.cancel()
        for writer in self._writers:
            writer.close()

    def freeze(self) -> None:
        self.frozen.set()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.append(writer)
        if self.frozen.is_set():
            return  # accepted, never answered
        up_reader, up_writer = await asyncio.open_connection(self.host, self.port)
        self._writers.append(up_writer)
        for source, sink in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._pump(source, sink))
            self._tasks.add(task)

    async def _pump(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.CancelledError):
            while data := await source.read(65536):
                if self.frozen.is_set():
                    await asyncio.Event().wait()  # held, like a packet into a void
                sink.write(data)
                await sink.drain()


@pytest_asyncio.fixture
async def proxy(database_url: str) -> AsyncIterator[SilentProxy]:
    url = make_url(database_url)
    async with SilentProxy(url.host or "127.0.0.1", url.port or 5432) as made:
        yield made


async def test_a_leader_whose_database_goes_silent_steps_down_within_its_timeout(
        database_url: str, proxy: SilentProxy) -> None:
    # The keep-alive query timed out after 1 s, but stepping down waited for psycopg to
    # send the server a cancel request and for the query to end (5 s each, neither
    # reaching a silent server): 11 s, past the 5 s a new leader waits before starting.
    # Two leaders sent at once.
    url = make_url(database_url).set(host="127.0.0.1", port=proxy.listen_port)
    loop = asyncio.get_running_loop()
    elected, lost = asyncio.Event(), asyncio.Event()

    async def on_elected() -> None:
        elected.set()

    async def on_lost() -> None:
        lost.set()

    stop = asyncio.Event()
    leadership = Leadership(url.render_as_string(hide_password=False), on_elected=on_elected,
                            on_lost=on_lost, interval=0.2, query_timeout=1.0)
    running = asyncio.create_task(leadership.run(stop))
    try:
        await asyncio.wait_for(elected.wait(), 30)
        proxy.freeze()
        frozen_at = loop.time()
        # A bound that only ends a hang: the step down itself is timed below.
        await asyncio.wait_for(lost.wait(), 30)
        took = loop.time() - frozen_at
        assert not leadership.is_leader
        # One interval, one timeout, and slack for a loaded machine; never the cancel's.
        assert took < 0.2 + 1.0 + 2.5, f"stepped down {took:.1f} s after the silence"
    finally:
        stop.set()
        await asyncio.wait_for(running, 30)


async def test_the_server_lets_go_of_a_leader_it_no_longer_hears_within_seconds(
        database_url: str) -> None:
    # A network drop sends the server no reset: it held the silent leader's session, and
    # the lock with it, until its TCP keep-alive gave up (two hours and more, by the
    # kernel's defaults), so no replica could take over and nothing was sent meanwhile
    # (seen in a network namespace with the leader's link taken down: nobody led for the
    # whole minute of the drop and long after). The election's session asks the server to
    # probe it, and to give up on unanswered data, within seconds.
    elected = asyncio.Event()

    async def on_elected() -> None:
        elected.set()

    async def on_lost() -> None:
        pass

    stop = asyncio.Event()
    leadership = Leadership(database_url, on_elected=on_elected, on_lost=on_lost,
                            interval=0.2)
    running = asyncio.create_task(leadership.run(stop))
    try:
        await asyncio.wait_for(elected.wait(), 30)
        settings = {}
        for name in ("tcp_keepalives_idle", "tcp_keepalives_interval",
                     "tcp_keepalives_count", "tcp_user_timeout"):
            row = await leadership._query(f"SELECT setting FROM pg_settings "
                                          f"WHERE name = '{name}'")
            settings[name] = int(row[0])
        probed_for = settings["tcp_keepalives_idle"] + \
            settings["tcp_keepalives_interval"] * settings["tcp_keepalives_count"]
        assert 0 < probed_for <= SERVER_SILENCE_SECONDS
        assert 0 < settings["tcp_user_timeout"] <= SERVER_SILENCE_SECONDS * 1000
    finally:
        stop.set()
        await asyncio.wait_for(running, 30)


def test_a_replica_gone_silent_mid_transaction_holds_no_one_up_for_long(
        database_url: str) -> None:
    # A replica's network dropped while a round batch was half-written (its rounds
    # inserted, not committed): the server kept that transaction open, and the rows'
    # locks, for two hours and more, and another replica's round for the same people (a
    # new leader's catch-up) waited on them all that time, its database thread with it
    # (seen in a network namespace: the other's insert still waiting 40 s later; now it
    # goes through 9 s after the drop, the silent session's transaction rolled back).
    # Every session of the work pool asks the server to probe it.
    engine = create_db_engine(database_url)
    try:
        with engine.connect() as connection:
            settings = dict(connection.execute(text(
                "SELECT name, setting FROM pg_settings WHERE name LIKE 'tcp_keepalives_%'"
            )).all())
            assert connection.execute(text("SELECT inet_client_addr() IS NOT NULL")).scalar()
    finally:
        engine.dispose()
    probed_for = int(settings["tcp_keepalives_idle"]) + \
        int(settings["tcp_keepalives_interval"]) * int(settings["tcp_keepalives_count"])
    assert 0 < probed_for <= SERVER_SILENCE_SECONDS

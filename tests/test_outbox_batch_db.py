"""A fan-out's database work: recorded per batch, each message exactly as it went."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select

from bot.adapters.base import DeliveryError
from bot.outbox import BATCH, OutboxWorker, backoff
from storage.db import create_db_engine, session_factory
from storage.models import OutboxMessage
from storage.repositories import SQLITE_JSON_BATCHES, OutboxRepo
from tests.support import RecordingAdapter
from tests.test_outbox import enqueue


def rows(bot) -> dict[str, OutboxMessage]:
    """Each person's outbox row, by address."""
    with bot.sessions() as session:
        return {row.address: row for row in session.scalars(select(OutboxMessage))}


@pytest.mark.parametrize("json_batches", [True, False], ids=["json", "portable"])
async def test_a_fan_out_where_one_call_fails_records_the_rest_sent_once_and_retries_it(
        bot, clock, monkeypatch, json_batches):
    # (portable: the statements PostgreSQL takes, and SQLite older than 3.33.)
    monkeypatch.setattr("storage.repositories.SQLITE_JSON_BATCHES",
                        json_batches and SQLITE_JSON_BATCHES)
    # A round to more people than a batch holds; one person's call breaks mid-way.
    class FailsOnce(RecordingAdapter):
        async def deliver(self, target, message):
            if target.address == "p0417" and not self.failed:
                self.failed = True
                raise DeliveryError("connection reset")
            return await super().deliver(target, message)

    chat = FailsOnce()
    chat.failed = False
    bot.register(chat)
    people = [f"p{i:04d}" for i in range(BATCH + 300)]
    for person in people:
        enqueue(bot, person, f"check-in for {person}")
    clock.advance(timedelta(microseconds=123_457))  # a moment with microseconds to keep
    sent_at = clock.now()
    await bot.outbox.flush()

    everyone_else = [p for p in people if p != "p0417"]
    assert all(chat.to(p) == [f"check-in for {p}"] for p in everyone_else)
    assert chat.to("p0417") == []
    recorded = rows(bot)
    for person in everyone_else:
        row = recorded[person]
        # Recorded as the platform accepted it: when, which of its messages, first try.
        assert (row.status, row.attempts, row.sent_at, row.last_error) == (
            "sent", 1, sent_at, None)
        assert row.external_id is not None
    assert len({recorded[p].external_id for p in everyone_else}) == len(everyone_else)
    failed = recorded["p0417"]
    assert (failed.status, failed.attempts, failed.sent_at) == ("pending", 1, None)
    assert failed.not_before == sent_at + backoff(1)

    await bot.outbox.flush()  # not due yet: nobody gets anything again
    assert len(chat.sent) == len(everyone_else)
    clock.advance(backoff(1))
    await bot.outbox.flush()
    assert chat.to("p0417") == ["check-in for p0417"]
    assert all(chat.to(p) == [f"check-in for {p}"] for p in everyone_else)
    retried = rows(bot)["p0417"]
    assert (retried.status, retried.attempts, retried.sent_at) == ("sent", 2, clock.now())


async def test_a_fan_out_costs_the_database_a_few_steps_a_batch_not_several_a_message(
        bot, clock):
    # Python's sqlite3 hands the interpreter over at every row it fetches or writes with
    # executemany, and the outbox's database thread then waits for the event loop (busy
    # sending) to give it back: per row, that cost the fan-out as much as the work.
    if bot.engine.dialect.name != "sqlite":
        pytest.skip("about Python's sqlite3 module")
    steps = [0]

    class CountingCursor(sqlite3.Cursor):
        def executemany(self, sql: str, seq: Any) -> Any:  # type: ignore[override]
            seq = list(seq)
            steps[0] += len(seq)
            return super().executemany(sql, seq)

        def fetchone(self) -> Any:
            row = super().fetchone()
            steps[0] += row is not None
            return row

        def fetchmany(self, size: int = 1) -> list[Any]:  # type: ignore[override]
            found = super().fetchmany(size)
            steps[0] += len(found)
            return found

        def fetchall(self) -> list[Any]:
            found = super().fetchall()
            steps[0] += len(found)
            return found

    class CountingConnection(sqlite3.Connection):
        def cursor(self, factory: Any = CountingCursor) -> Any:  # type: ignore[override]
            return super().cursor(factory)

    engine = create_db_engine(bot.engine.url.render_as_string(hide_password=False))

    @event.listens_for(engine, "do_connect")
    def counting(dialect: Any, record: Any, cargs: Any, cparams: dict[str, Any]) -> None:
        cparams["factory"] = CountingConnection

    chat = RecordingAdapter()
    people = [f"p{i:04d}" for i in range(3 * BATCH)]
    for person in people:
        enqueue(bot, person, f"check-in for {person}")
    try:
        worker = OutboxWorker(session_factory(engine), {"console": chat}, clock)
        await worker.flush()
    finally:
        engine.dispose()
    assert all(chat.to(p) == [f"check-in for {p}"] for p in people)
    assert {row.status for row in rows(bot).values()} == {"sent"}
    # Reading, claiming and recording 1,500 messages stepped through 6,000 rows before.
    assert steps[0] < 100


def test_an_sqlite_without_update_from_or_json_takes_the_portable_statements(monkeypatch):
    """Ubuntu 20.04's SQLite 3.31 has no UPDATE .. FROM: the probe says so, and a build
    without JSON functions is told apart the same way (the fan-out test above runs the
    portable statements on SQLite)."""
    from storage import repositories

    assert repositories._json_batches() is (sqlite3.sqlite_version_info >= (3, 33))
    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 31, 1))
    assert repositories._json_batches() is False

    class NoJson:
        def __init__(self, _name: str) -> None:
            pass

        def execute(self, _sql: str) -> None:
            raise sqlite3.OperationalError("no such table: json_each")

        def close(self) -> None:
            pass

    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 40, 0))
    monkeypatch.setattr(sqlite3, "connect", NoJson)
    assert repositories._json_batches() is False


async def test_on_postgresql_a_fan_out_binds_a_batch_as_one_value_not_values_a_message(bot, clock):
    # psycopg runs an executemany as one UPDATE per row, and an expanding IN binds a
    # parameter per id: recording and claiming a batch of 500 cost the outbox's thread
    # about 30 ms on PostgreSQL, during the sends (bench/fanout.py's slack-fanout read
    # 0.69x the raw loop there). Each batch's ids and outcomes now go as one text value
    # (an array literal, JSON); every message still records its own platform id, or none
    # where it gave none, and the moment it went.
    if bot.engine.dialect.name != "postgresql":
        pytest.skip("about PostgreSQL's statements")

    class SomeWithoutId(RecordingAdapter):
        async def deliver(self, target: Any, message: Any) -> Any:
            result = await super().deliver(target, message)
            return replace(result, external_id=None) if target.address.endswith(
                ("1", "3", "5", "7", "9")) else result

    chat = SomeWithoutId()
    bot.register(chat)
    people = [f"p{i:04d}" for i in range(3 * BATCH)]
    for person in people:
        enqueue(bot, person, f"check-in for {person}")
    bound = [0]

    def count(_conn: Any, _cursor: Any, _sql: str, parameters: Any, _context: Any,
              executemany: bool) -> None:
        sets = parameters if executemany else [parameters]
        bound[0] += sum(len(s) for s in sets)

    event.listen(bot.engine, "before_cursor_execute", count)
    try:
        clock.advance(timedelta(seconds=1))
        await bot.outbox.flush()
    finally:
        event.remove(bot.engine, "before_cursor_execute", count)
    assert all(chat.to(p) == [f"check-in for {p}"] for p in people)
    found = rows(bot)
    assert {row.status for row in found.values()} == {"sent"}
    assert {row.sent_at for row in found.values()} == {clock.now()}
    assert all((row.external_id is None) == person.endswith(("1", "3", "5", "7", "9"))
               for person, row in found.items())
    # Reading, claiming and recording 1,500 messages bound some 6,000 values before.
    assert bound[0] < 200


def test_reading_the_recall_notes_waits_for_no_writer(bot, clock):
    # The outbox reads an erase's recall notes a dozen times a fan-out, right before its
    # calls. On SQLite that read is one statement outside a transaction: in a Session it
    # began with BEGIN IMMEDIATE, the write lock, and so waited for whoever held it (up to
    # busy_timeout, then failed: the calls waiting for it were sent later).
    if bot.engine.dialect.name != "sqlite" or not SQLITE_JSON_BATCHES:
        pytest.skip("about SQLite's locks")
    with bot.sessions.begin() as session:
        OutboxRepo(session).recall([3, 1, 2], clock.now())
    with bot.sessions() as session:
        expected = OutboxRepo(session).recalls()
    assert [ids for _, ids in expected] == [[1, 2, 3]]
    writer = sqlite3.connect(bot.engine.url.database, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # another transaction writing meanwhile
        began = time.monotonic()
        assert bot.outbox._load_recalls() == expected
        assert time.monotonic() - began < 1.0
    finally:
        writer.execute("ROLLBACK")
        writer.close()

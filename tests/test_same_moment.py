"""The GM's summary reads on two connections at once (storage/same_moment.py): the second
must see exactly what the first sees, whatever another process commits meanwhile, or the
view contradicts itself (a check-in counted in the headline and not in the check-ins).

A commit is made at the worst moment: right after the first connection's first read,
before the second's. On SQLite that leaves no second connection (the summary reads on
one); on PostgreSQL the second takes the first's snapshot and sees the database without
that commit. A commit after both began is seen by neither.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Connection, Engine, event, literal, select, text

from handlers.context import one_moment
from storage.db import READS_ONLY
from storage.same_moment import beside
from storage.summary_rows import read_aside
from tests.test_checkin import ALICE_ANSWERS, answer_all
from tests.test_summary_moment import WEEK, gm_json, mid_read  # noqa: F401 (a fixture)

#: The first connection's first read, which fixes its moment.
FIRST_READ = {"sqlite": "PRAGMA data_version", "postgresql": "pg_export_snapshot()"}


def _options(engine: Engine) -> dict[str, object]:
    if engine.dialect.name == "postgresql":
        return {READS_ONLY: True, "isolation_level": "REPEATABLE READ",
                "postgresql_readonly": True}
    return {READS_ONLY: True}


def _rows(conn: Connection) -> int:
    """How many rows the writer has committed, as `conn` sees them."""
    return conn.execute(text("SELECT count(*) FROM probe")).scalar_one()


def _commit_a_row(engine: Engine) -> None:
    """Another writer commits a row (as another process would)."""
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO probe (n) VALUES (1)"))


@pytest.fixture
def engine(bot) -> Iterator[Engine]:
    with bot.engine.begin() as conn:
        conn.execute(text("CREATE TABLE probe (n INTEGER)"))
    yield bot.engine


def _first(engine: Engine) -> Iterator[Connection]:
    with engine.connect().execution_options(**_options(engine)) as conn:
        conn.begin()
        yield conn


def test_a_commit_after_both_began_is_seen_by_neither(engine):
    for first in _first(engine):
        with beside(engine, first, _options(engine)) as other:
            assert other is not None  # (nothing committed between: two connections)
            before = _rows(first)
            _commit_a_row(engine)
            assert _rows(first) == _rows(other) == before


def test_a_commit_between_the_two_first_reads_never_shows_in_only_one(engine):
    dialect = engine.dialect.name
    landed: list[bool] = []

    def after(conn, cursor, statement, *_args) -> None:
        # Right after the first connection fixed its moment (the second connection reads
        # first: on SQLite data_version, once before and once after; on PostgreSQL whether
        # the server exports snapshots at all; the next one is the first connection's).
        if FIRST_READ[dialect] in statement and not landed:
            calls.append(statement)
            if len(calls) == 2:
                landed.append(True)
                _commit_a_row(engine)
    calls: list[str] = []
    event.listen(Engine, "after_cursor_execute", after)
    try:
        for first in _first(engine):
            with beside(engine, first, _options(engine)) as other:
                assert landed == [True]
                if dialect == "sqlite":
                    assert other is None  # (the summary then reads on one connection)
                    # (and the first reads as of its first read, before the commit)
                    assert _rows(first) == 0
                else:
                    assert other is not None and _rows(other) == _rows(first)
                    with engine.connect() as fresh:
                        assert _rows(fresh) == _rows(first) + 1
    finally:
        event.remove(Engine, "after_cursor_execute", after)


def test_reads_beside_leave_the_first_connection_free(engine):
    """With a second connection, what read_aside reads goes there, and the block may read
    on the first meanwhile (without one that is refused: one statement at a time)."""
    for first in _first(engine):
        with beside(engine, first, _options(engine)) as other:
            assert other is not None
            with read_aside(first, [select(literal(1)), select(literal("0042"))],
                            other) as rows:
                assert first.execute(select(literal(2))).scalar() == 2
                assert rows() == [[(1,)], [("0042",)]]


def test_the_gms_summary_reads_on_two_connections(bot):
    with bot.unit() as ctx, one_moment(ctx, beside=True) as seen:
        assert seen.beside is not None
    with bot.unit() as ctx, one_moment(ctx) as seen:
        assert seen.beside is None


async def test_a_check_in_landing_between_the_two_connections_shows_wholly_or_not(
        bot, chat, settings, mid_read):  # noqa: F811 (the fixture)
    """The CLI's summary while Alice's check-in lands right after its first connection
    fixed its moment, before the second did: it reads as it stood before, as a whole."""
    await bot.run_checkins()
    before = gm_json(settings)
    marker = FIRST_READ[bot.engine.dialect.name]
    seen: list[str] = []

    def first_read(statement: str) -> bool:
        # (The second connection reads first, as above: the first connection's read is
        # the next one.)
        if marker not in statement:
            return False
        seen.append(statement)
        return len(seen) == 2
    landed = mid_read(first_read)
    during = gm_json(settings)
    assert landed == [True]
    assert during == before
    alice = {d["key"]: d for d in gm_json(settings)["directors"]}["alice"]
    assert alice["status"] == "submitted"
    assert before["week"] == WEEK


#: How a PostgreSQL server may refuse a second connection the first's moment, played by a
#: `pg_export_snapshot()` of our own found before pg_catalog's: one that refuses to export
#: (a server that exports none), and one whose id the server does not know (the second
#: connection put on another server by a pooler), so that taking it over is refused.
REFUSALS = {
    "export": "BEGIN RAISE EXCEPTION 'cannot export a snapshot during recovery' "
              "USING ERRCODE = '55000'; END",
    "import": "BEGIN RETURN '00000003-0000001B-1'; END",
}


@pytest.fixture(params=sorted(REFUSALS))
def refuse(bot, request) -> Callable[[], None]:
    """`refuse()`: from then on, new connections to the test's database meet
    `request.param`'s refusal."""
    if bot.engine.dialect.name != "postgresql":
        pytest.skip("exported snapshots are PostgreSQL's")
    return lambda: _refuse(bot.engine, REFUSALS[request.param])


def _refuse(engine: Engine, body: str) -> None:
    with engine.begin() as conn:
        conn.execute(text("CREATE SCHEMA refuse"))
        conn.execute(text("CREATE FUNCTION refuse.pg_export_snapshot() RETURNS text "
                          f"LANGUAGE plpgsql AS $$ {body} $$"))
        database = conn.execute(text("SELECT current_database()")).scalar_one()
        conn.execute(text(f'ALTER DATABASE "{database}" SET search_path '
                          '= refuse, "$user", public, pg_catalog'))
    engine.dispose()  # (the pool's connections were made before)


def test_a_refused_snapshot_leaves_one_connection_reading_its_moment(engine, refuse,
                                                                     caplog):
    caplog.set_level("INFO", logger="storage.same_moment")
    refuse()
    for first in _first(engine):
        with beside(engine, first, _options(engine)) as other:
            assert other is None
            before = _rows(first)  # (the refusal did not abort the first's transaction)
            _commit_a_row(engine)
            assert _rows(first) == before  # (its moment was fixed by the attempt)
    assert "summary reads on one connection" in caplog.text


async def test_the_clis_summary_reads_the_same_where_the_server_refuses_a_snapshot(
        bot, settings, refuse):
    """On a server that will not share a snapshot, the GM's summary still comes, read on
    one connection, the same as where it can."""
    await bot.run_checkins()
    await answer_all(bot, "alice", ALICE_ANSWERS)
    shared = gm_json(settings)
    refuse()
    with bot.unit() as ctx, one_moment(ctx, beside=True) as seen:
        assert seen.beside is None
    assert gm_json(settings) == shared

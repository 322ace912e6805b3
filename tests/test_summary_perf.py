"""The GM's /summary pauses the cyclic garbage collector while it builds (speed), and must
always give it back: a bot left without it would grow without bound."""

from __future__ import annotations

import gc
import re
from typing import Any

import pytest

from bot.gc_pause import gc_paused


def test_collector_is_back_after_the_summary_even_when_it_fails() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), gc_paused():
        raise RuntimeError("a failing summary")
    assert gc.isenabled()


def test_a_caller_that_turned_the_collector_off_keeps_it_off() -> None:
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_gm_summary_reads_answer_counts_and_kpi_figures_from_the_index(bot, clock):
    """A year of answers is hundreds of thousands of rows: the GM's /summary counts them
    and reads the KPI figures from the covering index, never from the rows themselves
    (the plan SQLite chooses; PostgreSQL plans by its statistics)."""
    from sqlalchemy import event

    from bench.summary import fill
    from bot.weeks import week_of
    from handlers.summary_gm import build_gm_summary

    if bot.engine.dialect.name != "sqlite":
        pytest.skip("query plans are SQLite's here")
    fill(bot, bot.engine, 40, 6, seed=5, template="alice", now=clock.now())
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if "FROM answers" in statement and "text_value" not in statement:
            seen.append((statement, params))

    event.listen(bot.engine, "before_cursor_execute", record)
    try:
        with bot.unit() as ctx:
            view = build_gm_summary(ctx, "en", week_of(clock.now().date()), 1, "UTC")
    finally:
        event.remove(bot.engine, "before_cursor_execute", record)
    assert view.directors and any(f.actual is not None for d in view.directors for f in d.week)
    assert len(seen) >= 2  # the status counts and the KPI figures
    with bot.engine.connect() as conn:
        for statement, params in seen:
            plan = " | ".join(row[-1] for row in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + statement, params))
            assert "COVERING INDEX ix_answers_round_figures" in plan, plan


def test_reads_on_the_side_end_before_the_summary_does_even_when_it_fails(bot, monkeypatch):
    """The GM's view reads a few statements on a second thread while its loop over the
    directors runs (storage/summary_rows.read_aside): their rows come back in order, and
    if the loop fails the reads still end before the error leaves, so the transaction is
    never rolled back under a running statement (the connection stays usable)."""
    import threading
    from concurrent.futures import Future, ThreadPoolExecutor

    from sqlalchemy import literal, select

    import storage.summary_rows as summary_rows
    from storage.summary_rows import read_aside

    class Held(Future):
        """A read that does not start until someone waits for it: one the block's exit
        did not wait for is still undone after it (no timing involved)."""

        def __init__(self) -> None:
            super().__init__()
            self.asked = threading.Event()

        def result(self, timeout: float | None = None) -> object:
            self.asked.set()
            return super().result(timeout)

        def exception(self, timeout: float | None = None) -> BaseException | None:
            self.asked.set()
            return super().exception(timeout)

    reads: list[Held] = []
    threads = ThreadPoolExecutor(2)

    class Pool:
        def submit(self, fn, *args):
            held = Held()
            reads.append(held)

            def run() -> None:
                held.asked.wait(10)  # (a safety net only: the test asks for it)
                try:
                    held.set_result(fn(*args))
                except BaseException as exc:  # (handed to whoever waits)
                    held.set_exception(exc)
            threads.submit(run)
            return held

    monkeypatch.setattr(summary_rows, "_aside_pool", Pool)
    with bot.unit() as ctx:
        conn = ctx.session.connection()
        with read_aside(conn, [select(literal(1)), select(literal(2))]) as rows:
            assert rows() == [[(1,)], [(2,)]]
        assert all(read.done() for read in reads)
        with pytest.raises(RuntimeError), read_aside(conn, [select(literal(3))]):
            raise RuntimeError("a failing loop")
        assert len(reads) == 2 and reads[-1].done()  # (waited for, not left running)
        assert conn.execute(select(literal(4))).scalar() == 4
        # The block's own statement before the rows came back is refused, named (two
        # threads on one connection would race); after them it runs.
        with read_aside(conn, [select(literal(5))]) as rows:
            with pytest.raises(RuntimeError, match="before the rows read on the side"):
                conn.execute(select(literal(6)))
            assert rows() == [[(5,)]]
            assert conn.execute(select(literal(7))).scalar() == 7
    threads.shutdown()


def test_reads_on_the_side_share_their_threads(bot):
    """The threads read_aside reads on are started once, not for each read (a pool started
    and joined per read cost 0.2-0.3 ms, three times a summary)."""
    import threading

    from sqlalchemy import literal, select

    from storage.summary_rows import ASIDE_THREADS, read_aside

    def readers() -> set[threading.Thread]:
        return {t for t in threading.enumerate() if t.name.startswith("teampulse-read")}

    with bot.unit() as ctx:
        conn = ctx.session.connection()
        with read_aside(conn, [select(literal(1))]) as rows:
            assert rows() == [[(1,)]]
        first = readers()
        for n in range(10):
            with read_aside(conn, [select(literal(n))]) as rows:
                assert rows() == [[(n,)]]
    assert first and readers() == first and len(first) <= ASIDE_THREADS


async def test_the_gm_summary_reads_away_periods_as_columns_not_orm_objects(bot, chat, clock):
    """Bruno is away through 2026-12-20 when the week's check-ins go out: the GM's /summary
    names him away until then, having read the away periods as plain columns (at 1,000
    directors, loading a few hundred periods as ORM objects cost more than the rest of
    the question)."""
    from datetime import timedelta

    from sqlalchemy import event

    from storage.away import AwayPeriod
    from tests.support import say

    friday = clock.now()
    clock.set(friday - timedelta(days=2))  # on Wednesday, ahead of Friday's check-in
    await say(bot, "bruno", "/away 2026-12-20")
    clock.set(friday)
    await bot.run_checkins()
    loaded: list[int] = []

    def load(target: AwayPeriod, _context: Any) -> None:
        loaded.append(target.id)

    event.listen(AwayPeriod, "load", load)
    try:
        await say(bot, "grace", "/summary")
    finally:
        event.remove(AwayPeriod, "load", load)
    text = chat.last("grace")
    assert "Away, not in the targets: Bruno Rossi" in text
    assert "Bruno Rossi — away until 2026-12-20" in text
    assert loaded == []


@pytest.mark.parametrize("joined", [True, False], ids=["joined-by-key", "grouped"])
def test_the_earlier_weeks_figures_come_one_row_a_round(bot, clock, monkeypatch, joined):
    """The GM's export of 10,000 directors reads the figures of their earlier look-back
    weeks (the trend's and the confidence's): one row per round with each figure in its
    own column, not a row per answer (74,000 rows, each dict filled a key at a time).
    Above FIGURES_JOINED question keys the figures are grouped by round instead: the
    same rows."""
    from sqlalchemy import event

    from bench.summary import fill
    from bot.weeks import week_of, weeks_back
    from handlers import summary_gm
    from handlers.summary_gm import build_gm_summary

    if not joined:
        monkeypatch.setattr(summary_gm, "FIGURES_JOINED", 1)
        summary_gm._STATEMENTS.clear()
    fill(bot, bot.engine, 30, 6, seed=7, template="alice", now=clock.now())
    week = week_of(clock.now().date())
    earlier = set(weeks_back(week, 4)[:-1])
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        # What reads figures of the earlier weeks (the rounds read, the figures; not
        # their texts).
        values = set(params.values() if isinstance(params, dict) else params or ())
        if "number_value" in statement and "text_value" not in statement \
                and earlier <= values:
            seen.append((statement, params))

    event.listen(bot.engine, "before_cursor_execute", record)
    try:
        with bot.unit() as ctx:
            view = build_gm_summary(ctx, "en", week, 1, "UTC")
    finally:
        event.remove(bot.engine, "before_cursor_execute", record)
        summary_gm._STATEMENTS.clear()
    assert any(v is not None for d in view.directors for v in d.series[:-1])
    assert seen
    with bot.engine.connect() as conn:
        for statement, params in seen:
            result = conn.exec_driver_sql(statement, params)
            names = [c[0] for c in result.cursor.description]
            rows = result.fetchall()
            (at,) = [i for i, n in enumerate(names) if n in {"id", "round_id"}]
            ids = [row[at] for row in rows]
            assert rows and len(ids) == len(set(ids)), statement


def test_the_older_weeks_list_by_id_only_rounds_that_hold_an_answer(bot, clock):
    """The quarter's older weeks are added up by the database, but for the rounds read
    one by one (the CRM's, the unanswered): an unanswered round has no figure to read or
    to leave out of the sums, so no statement lists it by id (10,000 directors' older
    weeks listed 1,500 such ids twice, for no row)."""
    from sqlalchemy import event, text

    from bench.summary import fill
    from bot.weeks import week_of
    from handlers import summary_gm
    from handlers.summary_gm import build_gm_summary

    fill(bot, bot.engine, 60, 12, seed=5, template="alice", now=clock.now())
    with bot.engine.connect() as conn:
        answered = {rid for (rid,) in conn.execute(text("SELECT DISTINCT round_id FROM answers"))}
        unanswered = {rid for (rid,) in conn.execute(text("SELECT id FROM checkin_rounds"))} \
            - answered
    listed: set[int] = set()

    def record(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        # Round ids are written into the statement (literal_execute): read them back.
        for part in re.split(r"round_id IN \(|checkin_rounds\.id NOT IN \(", statement)[1:]:
            head = part.split(")")[0]
            if head and all(v.strip().isdigit() for v in head.split(",")):
                listed.update(int(v) for v in head.split(","))

    summary_gm._STATEMENTS.clear()
    event.listen(bot.engine, "before_cursor_execute", record)
    try:
        with bot.unit() as ctx:
            view = build_gm_summary(ctx, "en", week_of(clock.now().date()), 1, "UTC")
    finally:
        event.remove(bot.engine, "before_cursor_execute", record)
    assert view.directors and unanswered
    assert any(f.expected for d in view.directors for f in d.qtd)
    assert not listed & unanswered


async def test_the_gm_summary_reads_away_periods_once_and_no_action_items_when_none_open(
        bot, chat, clock):
    """Bruno is away when the week's check-ins go out, and no one has an open action
    item: the GM's /summary names him away until his last day with one read of the away
    calendar (who is near the weeks, and their periods, together), and asks nothing more
    of the action items once it knows none is open (each statement cost SQLAlchemy more
    than the database took to answer it at 1,000 directors)."""
    from datetime import timedelta

    from sqlalchemy import event

    from tests.support import say

    friday = clock.now()
    clock.set(friday - timedelta(days=2))
    await say(bot, "bruno", "/away 2026-12-20")
    clock.set(friday)
    await bot.run_checkins()
    sent: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    event.listen(bot.engine, "before_cursor_execute", seen)
    try:
        await say(bot, "grace", "/summary")
    finally:
        event.remove(bot.engine, "before_cursor_execute", seen)
    text = chat.last("grace")
    assert "Bruno Rossi — away until 2026-12-20" in text
    assert len([s for s in sent if "FROM away_periods" in s]) == 1
    assert len([s for s in sent if "oneonone_actions" in s]) == 1


def test_reads_on_the_side_come_back_as_each_statement_alone_would(bot):
    """The statements read beside the directors' loop (read_aside) come back each as it
    would read alone: in order, of every width, none dropped or added, and each value as
    stored. On SQLite they are one statement, worked out whole in its first step (its
    driver hands rows over only when the loop waits, so a second statement would not
    start, nor a GROUP BY add up, until then), and a text that looks like a number stays
    a text: a compound's columns take the type of its first part's, which would have made
    the plan "00123" the number 123, and a round id read under a snapshot key a text."""
    from sqlalchemy import bindparam, event, false, literal, select

    from storage.models import Person
    from storage.summary_rows import plain_rows, read_aside

    with bot.unit() as ctx:
        conn = ctx.session.connection()
        ids = list(conn.execute(select(Person.id).order_by(Person.id).limit(2)).scalars())
        statements: list[Any] = [
            select(Person.id, Person.key).order_by(Person.id),
            select(literal("00123"), literal(5.0), literal(None), literal(7)),
            (select(Person.key, Person.id).where(Person.id.in_(bindparam(
                "ids", expanding=True))).order_by(Person.key), {"ids": ids}),
            select(Person.id).where(false()),
            select(Person.key, literal("1e3"), literal(0.1) + literal(0.2)).order_by(Person.key),
        ]
        alone = [plain_rows(conn, *s) if isinstance(s, tuple) else plain_rows(conn, s)
                 for s in statements]
        assert alone[1] == [("00123", 5.0, None, 7)] and len(alone[2]) == 2 and not alone[3]
        sent: list[str] = []

        def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            sent.append(statement)

        event.listen(bot.engine, "before_cursor_execute", record)
        try:
            with read_aside(conn, statements) as rows:
                found = rows()
        finally:
            event.remove(bot.engine, "before_cursor_execute", record)
        assert found == alone
        assert [type(v) for row in found[1] for v in row] == [str, float, type(None), int]
        assert found[4][0][2] == 0.1 + 0.2  # (every binary digit of a float)
        if bot.engine.dialect.name == "sqlite":
            assert len(sent) == 1 and "AS MATERIALIZED" in sent[0]
        else:  # (PostgreSQL's driver takes a whole result at once: each read alone)
            assert len(sent) == len(statements)


async def test_a_recurring_blocker_and_last_weeks_plan_read_beside_the_older_weeks(
        bot, chat, clock):
    """Six weeks of check-ins in the quarter: the GM's view adds up the older two on the
    side while it goes through the directors, and reads the earlier weeks' blockers and
    last week's plan with them. Alice's plan last week was "0042" (a deal's number), and
    she has been blocked by "1e3" (a part's name) three weeks running: the page and the
    export read both as she typed them, and the blocker as recurring."""
    import json

    from tests.support import say
    from tests.test_summary_gm import alice, blocks, run_cli_json, weeks_of_checkins

    await weeks_of_checkins(bot, clock, [
        alice("50000", "Travel"), alice("50000", "Hiring"), alice("50000", "Pricing"),
        alice("50000", "1e3", plan="Visit 5"), alice("50000", "1e3", plan="0042"),
        alice("50000", "1e3")])
    await say(bot, "grace", "/summary")
    block = blocks(chat.last("grace"))["Alice Martin · team East"]
    assert "Execution: blockers: 1e3 (recurring: 3 of the last 4 weeks)" in block
    data = json.loads(run_cli_json(bot, clock))
    (mine,) = [d for d in data["directors"] if d["key"] == "alice"]
    assert mine["execution"]["last_plan"] == "0042"
    assert (mine["execution"]["blockers"], mine["execution"]["recurring_weeks"]) == ("1e3", 3)
    # The older weeks count in the quarter to date: six weeks of her targets.
    revenue = next(f for f in mine["goals"]["quarter_to_date"] if f["metric"] == "revenue")
    assert revenue["expected"] == 6 and revenue["actual"] == 300000.0

"""A round for a large org: written in batches whose cost does not grow per person.

Not a timing test: it counts SQL statements, which is what made a round of 10,000
people take minutes (about ten statements per person, one flush per row).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import event

from bot.app import prepare
from bot.core import ROUND_BATCH
from bot.events import InboundEvent
from bot.org import parse_org
from tests.support import RecordingAdapter


def org_yaml(directors: int) -> str:
    """A GM and `directors` directors in New York, each with two KPIs."""
    lines = ["org: {name: Big}", "people:",
             "  - {key: gm, name: GM, role: gm, timezone: America/New_York}"]
    for i in range(directors):
        lines.append(f"  - {{key: d{i:04d}, name: Director {i}, role: director, manager: gm, "
                     f"timezone: America/New_York, kpis: [{{metric: revenue, unit: USD, "
                     f"weekly_target: 50000}}, {{metric: new_customers, unit: customers, "
                     f"weekly_target: 4}}]}}")
    return "\n".join(lines) + "\n"


def big_bot(settings, clock, tmp_path: Path, directors: int):
    org = tmp_path / f"org{directors}.yaml"
    org.write_text(org_yaml(directors), encoding="utf-8")
    return prepare(replace(settings, org_file=org), clock)


async def test_a_round_costs_a_constant_number_of_statements_per_batch(settings, clock,
                                                                     tmp_path):
    people = 3 * ROUND_BATCH + 50
    bot, engine = big_bot(settings, clock, tmp_path, people)
    bot.register(RecordingAdapter())
    count = switches = 0
    at_batch_end: list[int] = []
    switches_at_end: list[int] = []

    def counting(_conn, _cursor, statement: str, *_args) -> None:
        nonlocal count, switches
        # (A setting switched on and back, as PostgreSQL's planned-afresh reads once had,
        # is two round trips more: counted apart, and there should be none.)
        if statement.startswith("SET "):
            switches += 1
        else:
            count += 1

    async def no_delivery(**_: object) -> None:  # sending is the outbox's work, counted elsewhere
        return None

    bot.deliver = no_delivery
    def batch_end(_number: int) -> None:
        at_batch_end.append(count)
        switches_at_end.append(switches)

    bot.round_batch_hook = batch_end
    event.listen(engine, "before_cursor_execute", counting)
    try:
        run = await bot.run_checkins()
    finally:
        event.remove(engine, "before_cursor_execute", counting)
        engine.dispose()
    assert len(run.grouped()["prompted"]) == people
    per_batch = [b - a for a, b in pairwise(at_batch_end)]
    # Each batch (100 people, or the last 50) is a handful of statements, the same for
    # every batch: not ~10 per person, as one flush per row was. (One reads the batch's
    # 1:1 dialogs: someone typing a meeting's notes is told the check-in follows.)
    assert len(per_batch) == 3
    assert max(per_batch) <= 11
    assert at_batch_end[0] <= 13  # the first also includes choosing the people
    assert switches_at_end == [0, 0, 0, 0]


async def test_everyone_in_a_large_round_gets_one_prompt_and_can_answer_it(settings, clock,
                                                                          tmp_path):
    bot, engine = big_bot(settings, clock, tmp_path, ROUND_BATCH + 30)
    chat = RecordingAdapter()
    bot.register(chat)
    try:
        run = await bot.run_checkins()
        assert len(run.grouped()["prompted"]) == ROUND_BATCH + 30
        for key in ("d0000", "d0099", "d0100", "d0129"):
            assert len(chat.to(key)) == 1
            assert "Time for your weekly check-in" in chat.last(key)
            assert "revenue" in chat.last(key).lower()
        assert chat.to("gm") == []
        # The prompt is a real question waiting for its answer.
        await bot.handle(InboundEvent("console", "d0129", "d0129", text="52000",
                                      event_id="e1"))
        assert "new customers" in chat.last("d0129").lower()
        # A second run (a restart, a manual send) asks nobody twice.
        again = await bot.run_checkins()
        assert set(again.grouped()) == {"already-prompted"}
        assert len(chat.to("d0000")) == 1
    finally:
        engine.dispose()


def test_looking_people_up_by_key_finds_each_one():
    org = parse_org(org_yaml(500))
    assert org.person("d0499").name == "Director 499"
    assert org.person("gm").role == "gm"
    assert org.person("nobody") is None
    # People with the same KPIs share one snapshot of the questions they are asked.
    assert org.question_snapshot(org.person("d0001")) is org.question_snapshot(
        org.person("d0002"))
    assert [q["key"] for q in org.question_snapshot(org.person("d0001"))][:2] == [
        "kpi:revenue", "kpi:new_customers"]


async def test_the_reminder_sweep_costs_a_constant_number_of_statements_per_batch(
        settings, clock, tmp_path):
    people = 2 * ROUND_BATCH + 50
    bot, engine = big_bot(settings, clock, tmp_path, people)
    chat = RecordingAdapter()
    bot.register(chat)
    try:
        await bot.run_checkins()
        clock.advance(bot.settings.reminder_delay + timedelta(minutes=1))
        count = 0

        def counting(*_args) -> None:
            nonlocal count
            count += 1

        async def no_delivery(**_: object) -> None:
            return None

        bot.deliver = no_delivery
        event.listen(engine, "before_cursor_execute", counting)
        try:
            assert await bot.run_reminders() == people
        finally:
            event.remove(engine, "before_cursor_execute", counting)
            del bot.deliver
        # Three batches of a handful of statements (plus the sweep's own few), where one
        # person at a time cost about twelve each.
        assert count <= 3 * 10 + 8
        await bot.deliver()
        for key in ("d0000", "d0249"):
            assert len(chat.to(key)) == 2
            assert "Friendly reminder" in chat.last(key)
        # A second sweep reminds nobody again.
        assert await bot.run_reminders() == 0
    finally:
        engine.dispose()


async def test_a_rounds_later_batches_read_with_plans_made_for_the_tables_as_they_are(
        settings, clock, tmp_path):
    """PostgreSQL (the PostgreSQL suite): psycopg prepares a statement once it has run
    five times, and after a few more runs the server may keep one generic plan for it, costed
    on the tables as they were. A new install's first round fills the rounds table and
    the outbox from empty, batch by batch: plans kept from the first batches (made for
    nearly empty tables) read all the round had written so far in every later batch, a
    round quadratic in people (bench/rounds.py at 10,000 people: 0.65-0.80 ms a person,
    0.46-0.57 planned afresh). Which plan the server keeps depends on its estimates, so
    this checks what rules it out: each batch's reads of rounds and dedupe keys are never
    run as prepared statements (the server plans an unprepared one for the values it is
    given), even where psycopg would prepare every statement at its first run, while its
    writes (an insert run once per row) keep theirs, as does everything after the round."""
    bot, engine = big_bot(settings, clock, tmp_path, 3 * ROUND_BATCH)
    if engine.dialect.name != "postgresql":
        engine.dispose()
        pytest.skip("SQLite plans every statement anew: no plan is kept between batches")
    bot.register(RecordingAdapter())
    reads = ("SELECT outbox.dedupe_key", "SELECT checkin_rounds.id")
    writes = ("INSERT INTO checkin_rounds", "INSERT INTO outbox")
    prepared: dict[str, list[bool]] = {}  # each batch's statement: prepared when it ran?

    def prepare_at_once(dbapi_connection, *_args) -> None:
        dbapi_connection.prepare_threshold = 0

    def seen(_conn, cursor, statement: str, *_args) -> None:
        for what in reads + writes:
            if statement.startswith(what):
                found = cursor.connection.execute(
                    "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                    (what + "%",)).fetchone()[0]
                prepared.setdefault(what, []).append(found > 0)

    async def no_delivery(**_: object) -> None:
        return None

    bot.deliver = no_delivery
    event.listen(engine, "checkout", prepare_at_once)
    event.listen(engine, "after_cursor_execute", seen)
    try:
        run = await bot.run_checkins()
        assert len(run.grouped()["prompted"]) == 3 * ROUND_BATCH
        # (Two reads of rounds a batch: this week's and last week's, and the new ids.)
        assert prepared == {"SELECT outbox.dedupe_key": [False] * 3,
                            "SELECT checkin_rounds.id": [False] * 6,
                            "INSERT INTO checkin_rounds": [True] * 3,
                            "INSERT INTO outbox": [True] * 3}
        # Every connection the batches used prepares as before, after them.
        pool = [engine.connect() for _ in range(3)]
        assert {c.connection.driver_connection.prepare_threshold for c in pool} == {0}
        for conn in pool:
            conn.close()
    finally:
        event.remove(engine, "after_cursor_execute", seen)
        event.remove(engine, "checkout", prepare_at_once)
        engine.dispose()


def test_reads_planned_afresh_send_the_server_nothing_more(database_url):
    """Planning a block's reads afresh costs no statement of its own (a setting switched
    on and back was two more round trips to the server each time), on any server."""
    from storage.db import create_db_engine, planned_afresh

    engine = create_db_engine(database_url)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 0")  # (the transaction begun: SQLite's BEGIN sent)
            sent: list[str] = []
            event.listen(engine, "before_cursor_execute",
                         lambda _c, _cur, statement, *_a: sent.append(statement))
            with planned_afresh(conn):
                assert conn.exec_driver_sql("SELECT 1").scalar() == 1
            assert sent == ["SELECT 1"]
    finally:
        engine.dispose()

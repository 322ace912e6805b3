"""Migrations: an empty database is brought up to date, a database in use keeps every row,
and the models match the migrations."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, inspect, text

from storage.db import DatabaseSetupError, create_db_engine
from storage.migrate import (
    HEAD,
    MIGRATIONS,
    at_head,
    current_revision,
    head_revision,
    migrating,
    upgrade,
)
from storage.models import Base


def test_upgrade_from_an_empty_database(tmp_path):
    engine = create_db_engine(f"sqlite:///{tmp_path}/sub/dir/new.db")  # folders are created
    assert current_revision(engine) is None
    upgrade(engine)
    assert current_revision(engine) == head_revision(engine)
    tables = set(inspect(engine).get_table_names())
    assert {"people", "kpi_targets", "checkin_rounds", "answers", "conversations", "outbox",
            "processed_events"} <= tables
    upgrade(engine)  # running it again is harmless
    assert current_revision(engine) == head_revision(engine)
    engine.dispose()


def test_models_and_migrations_agree(tmp_path):
    engine = create_db_engine(f"sqlite:///{tmp_path}/check.db")
    upgrade(engine)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert diff == []


def _config(scripts: Any) -> Config:
    config = Config()
    config.set_main_option("script_location", str(scripts))
    return config


def _revisions() -> list[str]:
    """Every revision but the newest, oldest first."""
    return [s.revision for s in reversed(list(ScriptDirectory.from_config(
        _config(MIGRATIONS)).walk_revisions()))][:-1]


def _value(column: Any, n: int) -> Any:
    """A value `column` accepts in row `n` (a foreign key points at row 1 of its table)."""
    if column.foreign_keys:
        return 1
    kind = type(column.type).__name__.upper()
    if "INT" in kind:
        return n
    if "BOOL" in kind:
        return True
    if "DATETIME" in kind or "TIMESTAMP" in kind:
        return datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    if "DATE" in kind:
        return date(2026, 11, 2)
    if kind in {"FLOAT", "REAL", "NUMERIC", "DOUBLE", "DOUBLE_PRECISION"}:
        return 1.5
    if "JSON" in kind:
        return json.dumps([{"key": "kpi:revenue", "kind": "number", "category": "kpi",
                            "target": 50000}])
    # Cut to the column's length (from the left, keeping `n`): PostgreSQL checks it.
    return f"{column.name}-{n}"[-(getattr(column.type, "length", None) or 200):]


@pytest.mark.parametrize("revision", _revisions())
def test_an_upgrade_keeps_every_row(tmp_path, revision):
    """An operator upgrades teampulse over a database in use: every row of every table,
    a director's rounds and answers above all, is still there afterwards. (On SQLite a
    migration that copies a table used to delete whatever pointed at it: upgrading to
    0006 deleted every check-in answer.)"""
    engine = create_db_engine(f"sqlite:///{tmp_path}/old.db")
    upgrade(engine, revision)
    before = _counts(engine, fill_every_table(engine))
    assert before["answers"] == before["checkin_rounds"] == before["people"] == 1
    upgrade(engine)
    assert current_revision(engine) == head_revision(engine)
    assert _counts(engine, list(before)) == before
    engine.dispose()


def fill_every_table(engine: Any) -> list[str]:
    """Write a row into every table of the database (as migrated; the scheduler's own
    table aside), parents first, children pointing at row 1; returns the tables' names."""
    metadata = MetaData()
    metadata.reflect(engine)
    tables = [t for t in metadata.sorted_tables
              if t.name not in {"alembic_version", "apscheduler_jobs"}]
    with engine.begin() as conn:
        for table in tables:
            conn.execute(table.insert().values(
                {c.name: _value(c, 1) for c in table.columns}))
    return [t.name for t in tables]


def _counts(engine: Any, names: list[str]) -> dict[str, int]:
    with engine.connect() as conn:
        return {name: conn.execute(text(f'SELECT COUNT(*) FROM "{name}"')).scalar_one()
                for name in names}


def test_a_migration_that_would_leave_rows_pointing_at_nothing_changes_nothing(tmp_path):
    """With foreign keys off while migrating, a migration could delete a person and leave
    their rounds pointing at nothing: it is refused and rolled back, the database as it
    was (a new migration shipped with that mistake, tried on a copy of the real one)."""
    from alembic import command

    scripts, latest = _shipped_after_head(tmp_path, (
        "    op.execute(\"DELETE FROM people WHERE key = 'alice'\")\n"))
    engine = create_db_engine(f"sqlite:///{tmp_path}/db.db")
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO people (id, key, display_name, role, timezone, locale, checks_in, "
            "can_view_summary, active) VALUES (1, 'alice', 'Alice', 'director', 'UTC', "
            "'en', 1, 0, 1)"))
        conn.execute(text(
            "INSERT INTO checkin_rounds (id, person_id, week, questions, snapshot_key, "
            "status, created_at) VALUES (1, 1, '2026-W40', '[]', 'k', 'open', "
            "'2026-10-01 09:00:00')"))
    config = _config(scripts)
    config.attributes["engine"] = engine
    with pytest.raises(RuntimeError, match=r"1 row.*checkin_rounds.*nothing was changed"):
        command.upgrade(config, "head")
    assert current_revision(engine) == latest
    assert _counts(engine, ["people", "checkin_rounds"]) == {"people": 1,
                                                              "checkin_rounds": 1}
    engine.dispose()


def test_a_migration_that_fails_halfway_changes_nothing(tmp_path):
    """A migration that fails after changing the schema leaves the database as it was (the
    whole upgrade is one transaction), on SQLite and on PostgreSQL: the operator fixes
    the cause and starts again."""
    from alembic import command

    from tests.test_snapshot_keys import fresh_engine

    scripts, latest = _shipped_after_head(tmp_path, (
        "    with op.batch_alter_table('people') as batch_op:\n"
        "        batch_op.add_column(sa.Column('nickname', sa.String(50)))\n"
        "    op.execute(\"UPDATE people SET display_name = 'changed'\")\n"
        "    raise RuntimeError('the migration failed halfway')\n"))
    with fresh_engine(tmp_path) as engine:
        upgrade(engine)
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO people (id, key, display_name, role, timezone, locale, "
                "checks_in, can_view_summary, active) VALUES (1, 'alice', 'Alice', "
                "'director', 'UTC', 'en', :t, :f, :t)"), {"t": True, "f": False})
        config = _config(scripts)
        config.attributes["engine"] = engine
        with pytest.raises(RuntimeError, match="failed halfway"):
            command.upgrade(config, "head")
        assert current_revision(engine) == latest
        assert "nickname" not in {c["name"] for c in inspect(engine).get_columns("people")}
        with engine.connect() as conn:
            assert conn.execute(text("SELECT display_name FROM people")).scalar_one() == \
                "Alice"


def _shipped_after_head(tmp_path: Any, upgrade_body: str) -> tuple[Any, str]:
    """A copy of the migrations with one more after the newest, whose upgrade() is
    `upgrade_body` (`sa` and `op` imported): (its folder, the newest real revision)."""
    import shutil

    scripts = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    latest = ScriptDirectory.from_config(_config(MIGRATIONS)).get_current_head()
    (scripts / "versions" / "9999_shipped.py").write_text(
        f'revision = "9999_shipped"\ndown_revision = "{latest}"\n'
        "branch_labels = None\ndepends_on = None\n\n"
        "import sqlalchemy as sa\nfrom alembic import op\n\n\n"
        f"def upgrade() -> None:\n{upgrade_body}\n\n"
        "def downgrade() -> None:\n    pass\n", encoding="utf-8")
    return scripts, latest


def test_the_summaries_read_rounds_from_their_index_alone_on_postgresql(database_url):
    """The GM's view reads a window of weeks' rounds by id with a few columns each; on
    PostgreSQL the covering index must hold the id (SQLite's indexes hold it as the rowid),
    or every read goes to the rows, kilobytes of JSON each."""
    engine = create_db_engine(database_url)
    if engine.dialect.name != "postgresql":
        engine.dispose()
        pytest.skip("SQLite's indexes carry the rowid")
    with engine.connect() as conn:
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_indexscan"):
            conn.execute(text(f"SET LOCAL {setting} = off"))  # all but index-only scans
        plan = "\n".join(conn.execute(text(
            "EXPLAIN SELECT id, person_id, week, status, team, prompted_at, submitted_at, "
            "snapshot_key, role, timezone, manager_key, edited_at FROM checkin_rounds "
            "WHERE week IN ('2026-W47', '2026-W48')"
        )).scalars())
    engine.dispose()
    assert "Index Only Scan using ix_checkin_rounds_summary" in plan, plan


def test_imports_before_0010_are_known_by_their_rows_afterwards(tmp_path):
    """An export imported before 0010_crmtwin, saved again by Excel under another name
    after the upgrade, is a duplicate: the back-filled digest of its stored rows is the
    digest of the same rows parsed now (dates, floats as the database gives them back)."""
    from bot.crm_import import parse_export
    from bot.org import parse_org
    from tests.test_crm_import import SALESFORCE
    from tests.test_goals import NOW, org_text
    from tests.test_snapshot_keys import fresh_engine

    org = parse_org(org_text(""))
    people = [(p.key, p.name) for p in org.people]
    export = SALESFORCE.read_text(encoding="utf-8")
    parsed = parse_export(export, org.crm, people)
    with fresh_engine(tmp_path) as engine:  # (PostgreSQL where the suite runs on it)
        _backfilled_rows_are_known(engine, export, parsed, org, people, NOW)


def _backfilled_rows_are_known(engine: Any, export: str, parsed: Any, org: Any,
                               people: list[tuple[str, str]], now: datetime) -> None:
    from sqlalchemy.orm import Session

    from bot.crm_import import import_actuals
    from storage.goals import CrmImport, rows_digest
    from tests.test_crm_twins import RESAVED, resave

    upgrade(engine, "0009_pgsum")
    with engine.begin() as conn:  # as teampulse at 0009 stored the export
        conn.execute(text(
            "INSERT INTO crm_imports (id, source, content_hash, format, row_count, "
            "imported_at) VALUES (1, 'pipeline.csv', 'abc', 'salesforce', 4, "
            "'2026-11-30 09:00:00')"))
        for r in parsed.rows:
            conn.execute(text(
                "INSERT INTO crm_actuals (import_id, line, person_key, metric, day, week, "
                "value) VALUES (1, :line, :person, :metric, :day, :week, :value)"),
                {"line": r.line, "person": r.person_key, "metric": r.metric, "day": r.day,
                 "week": r.week, "value": r.value})
    upgrade(engine)
    with Session(engine) as session:
        assert session.get(CrmImport, 1).rows_digest == rows_digest(parsed.rows)
        again = resave(export, **RESAVED["all of them"]).encode()
        result = import_actuals(session, "pipeline (1).csv", again, org.crm, people, now)
        assert (result.status, result.same_as) == ("duplicate", "pipeline.csv")



async def test_messages_waiting_in_the_outbox_at_the_upgrade_to_0014_are_still_sent(tmp_path):
    """An operator upgrades while messages wait in the outbox (Slack was down): 0014 gives
    outbox rows an expiry, and the rows already there, which have none, are all
    delivered afterwards, in order; none is dropped as expired."""
    from sqlalchemy.orm import sessionmaker

    from bot.clock import FakeClock
    from bot.outbox import OutboxWorker
    from storage.models import OutboxMessage
    from tests.support import RecordingAdapter
    from tests.test_snapshot_keys import fresh_engine

    queued = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
    with fresh_engine(tmp_path) as engine:  # (PostgreSQL where the suite runs on it)
        upgrade(engine, "0013_langpref")
        with engine.begin() as conn:  # as teampulse at 0013 queued them
            for n, (address, status) in enumerate(
                    [("alice", "pending"), ("bruno", "pending"), ("alice", "pending"),
                     ("bruno", "sent")], start=1):
                conn.execute(text(
                    "INSERT INTO outbox (platform, target_kind, address, payload, status, "
                    "attempts, not_before, created_at, priority) VALUES ('console', 'dm', "
                    ":address, :payload, :status, 0, :at, :at, 0)"),
                    {"address": address, "payload": json.dumps({"text": f"message {n}"}),
                     "status": status, "at": queued})
        upgrade(engine)
        # Hours later (the reminders queued since would long have expired): all still go.
        clock = FakeClock(queued.replace(hour=23))
        chat = RecordingAdapter()
        worker = OutboxWorker(sessionmaker(engine), {"console": chat}, clock)
        while (due := await worker.flush()) is not None:
            clock.set(max(due, clock.now()))
        assert chat.to("alice") == ["message 1", "message 3"]
        assert chat.to("bruno") == ["message 2"]
        with engine.connect() as conn:
            assert conn.execute(text(
                "SELECT status, COUNT(*) FROM outbox GROUP BY status")).all() == [("sent", 4)]
            assert conn.execute(text(
                "SELECT COUNT(*) FROM outbox WHERE expires_at IS NOT NULL")).scalar_one() == 0
        assert OutboxMessage.__table__.c.expires_at.nullable


def test_kudos_given_before_the_upgrade_to_0015_keep_counting_for_their_teams(tmp_path):
    """An operator upgrades with kudos in the database: 0015 stores each kudos' teams, and
    those given before it get the people's teams at the upgrade (the best known), so the
    honour roll of a month before it reads as it did; a move afterwards changes nothing."""
    from sqlalchemy.orm import Session

    from bot.org import parse_org
    from handlers.honours import build_roll, period_of
    from storage.kudos import KudosRepo, kudos_by_team
    from tests.support import TEST_ORG
    from tests.test_snapshot_keys import fresh_engine

    given = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    with fresh_engine(tmp_path) as engine:
        upgrade(engine, "0014_outboxttl")
        with engine.begin() as conn:  # as teampulse at 0014 stored them
            for pid, key, name, team in [(1, "alice", "Alice Martin", "East"),
                                         (2, "sam", "Sam Lee", "East"),
                                         (3, "vera", "Vera Novak", None)]:
                conn.execute(text(
                    "INSERT INTO people (id, key, display_name, role, team, timezone, locale, "
                    "checks_in, can_view_summary, active) VALUES (:id, :key, :name, 'member', "
                    ":team, 'UTC', 'en', false, false, true)"),
                    {"id": pid, "key": key, "name": name, "team": team})
            for giver, recipient, source in [(1, 2, "m1"), (3, 2, "m2"), (2, 1, "m3")]:
                conn.execute(text(
                    "INSERT INTO kudos (giver_id, recipient_id, reason, \"values\", platform, "
                    "chat_id, message_id, source_key, given_at) VALUES (:g, :r, 'the demo', "
                    "'[]', 'console', 'team', :m, :key, :at)"),
                    {"g": giver, "r": recipient, "m": source, "key": f"console:team:{source}",
                     "at": given})
        upgrade(engine)
        with engine.connect() as conn:
            assert conn.execute(text(
                "SELECT giver_team, recipient_team FROM kudos ORDER BY id")).all() == [
                ("East", "East"), (None, "East"), ("East", "East")]
        with engine.begin() as conn:  # Sam moves to Europe after the upgrade
            conn.execute(text("UPDATE people SET team = 'Europe' WHERE key = 'sam'"))
        org = parse_org(TEST_ORG.read_text(encoding="utf-8"))
        start, end = period_of(2026, 11, org.tz)
        with Session(engine) as session:
            roll = build_roll(KudosRepo(session).between(start, end), org, "en", 2026, 11)
            assert [(t.team, t.winners.names) for t in roll.teams] == [
                ("East", ("Sam Lee",))]
            assert roll.best_team is not None and roll.best_team.names == ("East",)
            assert [(t.team, t.given, t.received) for t in kudos_by_team(
                session, start, end)] == [("East", 2, 3), (None, 1, 0)]


def test_people_of_before_0016_read_as_always_there_and_the_sync_dates_newcomers(tmp_path):
    """An operator upgrades with people in the database: 0016 adds people.added_at, empty
    for them (when they joined is not known: every past week still lists them); the next
    org sync dates only whoever it inserts or finds back after a removal. A downgrade
    drops the column and keeps every person."""
    from alembic import command
    from sqlalchemy.orm import Session

    from storage.migrate import alembic_config
    from storage.models import Person
    from storage.repositories import PeopleRepo
    from tests.test_snapshot_keys import fresh_engine

    class Entry:  # what PeopleRepo.sync reads of an org file's person (bot.org.OrgPerson)
        def __init__(self, key: str) -> None:
            self.key, self.name, self.role, self.manager, self.team = key, key, "director", \
                None, "East"
            self.timezone, self.locale, self.checks_in, self.can_view_summary = \
                "UTC", "en", True, False
            self.slack_id = self.telegram_id = self.telegram_username = None
            self.kpis: list[Any] = []

    with fresh_engine(tmp_path) as engine:
        upgrade(engine, "0015_kudosteam")
        with engine.begin() as conn:  # as teampulse at 0015 stored them
            for key, active in [("alice", True), ("bruno", False)]:
                conn.execute(text(  # (ids from the sequence: the sync inserts more)
                    "INSERT INTO people (key, display_name, role, team, timezone, locale, "
                    "checks_in, can_view_summary, active) VALUES (:key, :key, "
                    "'director', 'East', 'UTC', 'en', true, false, :active)"),
                    {"key": key, "active": active})
        upgrade(engine)
        with engine.connect() as conn:
            assert conn.execute(text(
                "SELECT key, added_at FROM people ORDER BY id")).all() == [
                ("alice", None), ("bruno", None)]
        # Bruno, removed before the upgrade, is back in the file; Dan is new.
        now = datetime(2026, 11, 10, 15, 0, tzinfo=UTC)
        with Session(engine) as session, session.begin():
            PeopleRepo(session).sync([Entry("alice"), Entry("bruno"), Entry("dan")], now)
        with Session(engine) as session:
            assert {p.key: p.added_at for p in session.query(Person)} == {
                "alice": None, "bruno": now, "dan": now}
        # A later sync leaves the dates alone.
        with Session(engine) as session, session.begin():
            PeopleRepo(session).sync([Entry("alice"), Entry("bruno"), Entry("dan")],
                                     datetime(2026, 11, 20, tzinfo=UTC))
        with Session(engine) as session:
            assert {p.key: p.added_at for p in session.query(Person)}["dan"] == now
        command.downgrade(alembic_config(engine), "0015_kudosteam")
        with engine.connect() as conn:
            assert "added_at" not in {c["name"] for c in inspect(conn).get_columns("people")}
            assert conn.execute(text("SELECT key FROM people ORDER BY id")).scalars().all() \
                == ["alice", "bruno", "dan"]


def test_the_org_of_the_first_start_has_no_join_date(tmp_path):
    """The people in the org file when the bot first starts were there before it: no
    date, so the weeks before the bot still read "no check-in sent" for them."""
    from sqlalchemy.orm import Session

    from bot.org import parse_org
    from storage.models import Person
    from storage.repositories import PeopleRepo
    from tests.support import TEST_ORG

    engine = create_db_engine(f"sqlite:///{tmp_path}/first.db")
    upgrade(engine)
    org = parse_org(TEST_ORG.read_text(encoding="utf-8"))
    with Session(engine) as session, session.begin():
        PeopleRepo(session).sync(org.people, datetime(2026, 11, 10, tzinfo=UTC))
    with Session(engine) as session:
        assert {p.added_at for p in session.query(Person)} == {None}
    engine.dispose()


def test_people_taken_out_before_0024_have_no_date_and_the_sync_dates_the_next(tmp_path):
    """An operator upgrades with Bruno already taken out of the org file: 0024 adds
    people.left_at, empty for him (nothing stored dates it: none is invented). The next
    sync that takes someone out (Carla) dates her; one that leaves Bruno out keeps his
    empty; Bruno put back has none. A downgrade drops the column and keeps every person."""
    from alembic import command
    from sqlalchemy.orm import Session

    from storage.migrate import alembic_config
    from storage.models import Person
    from storage.repositories import PeopleRepo
    from tests.test_snapshot_keys import fresh_engine

    class Entry:  # what PeopleRepo.sync reads of an org file's person (bot.org.OrgPerson)
        def __init__(self, key: str) -> None:
            self.key, self.name, self.role, self.manager, self.team = key, key, "director", \
                None, "East"
            self.timezone, self.locale, self.checks_in, self.can_view_summary = \
                "UTC", "en", True, False
            self.slack_id = self.telegram_id = self.telegram_username = None
            self.kpis: list[Any] = []

    def left_at() -> dict[str, Any]:
        with Session(engine) as session:
            return {p.key: p.left_at for p in session.query(Person)}

    with fresh_engine(tmp_path) as engine:
        upgrade(engine, "0023_pairends")
        with engine.begin() as conn:  # as teampulse at 0023 stored them
            for key, active in [("alice", True), ("bruno", False), ("carla", True)]:
                conn.execute(text(
                    "INSERT INTO people (key, display_name, role, team, timezone, locale, "
                    "checks_in, can_view_summary, active) VALUES (:key, :key, "
                    "'director', 'East', 'UTC', 'en', true, false, :active)"),
                    {"key": key, "active": active})
        upgrade(engine)
        assert left_at() == {"alice": None, "bruno": None, "carla": None}
        now = datetime(2026, 12, 10, 15, 0, tzinfo=UTC)
        with Session(engine) as session, session.begin():
            PeopleRepo(session).sync([Entry("alice")], now)
        assert left_at() == {"alice": None, "bruno": None, "carla": now}
        with Session(engine) as session, session.begin():
            PeopleRepo(session).sync([Entry("alice"), Entry("bruno")], now + timedelta(1))
        assert left_at() == {"alice": None, "bruno": None, "carla": now}
        command.downgrade(alembic_config(engine), "0023_pairends")
        with engine.connect() as conn:
            assert "left_at" not in {c["name"] for c in inspect(conn).get_columns("people")}
            assert conn.execute(text("SELECT key FROM people ORDER BY id")).scalars().all() \
                == ["alice", "bruno", "carla"]


def test_head_is_the_newest_migration_shipped(tmp_path):
    """storage.migrate.HEAD, what a start compares the database with before loading
    Alembic, names the newest migration: a new one that forgot to update it fails here,
    not by leaving databases unmigrated."""
    engine = create_db_engine(f"sqlite:///{tmp_path}/head.db")
    assert head_revision(engine) == HEAD
    upgrade(engine)
    assert at_head(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0015_kudosteam'"))
    assert not at_head(engine)  # one behind: Alembic is asked, and migrates
    engine.dispose()


_START = """
import sys
from pathlib import Path
from bot.app import prepare
from bot.config import Settings
bot, engine = prepare(Settings(database_url=sys.argv[1], org_file=Path(sys.argv[2])))
with bot.unit() as ctx:
    print(len(ctx.people.active()), "alembic" in sys.modules)
"""


def test_the_bot_never_loads_alembic_a_first_start_and_an_upgrade_migrate_in_a_child(
        tmp_path):
    """An operator starts the bot: first on an empty database, then again (a deploy, a
    reboot), then on a database one migration behind (an upgrade of teampulse). Each
    start leaves the database at the newest migration with the same org, and the bot's
    own process never loads Alembic (half a second of a restart, some 7-11 MB kept for
    its life): a restart finds nothing to do, and a migration that is due runs in a
    short-lived child process."""
    from tests.test_snapshot_keys import fresh_engine

    org = Path(__file__).parent.parent / "org.example.yaml"

    def start(engine: Any) -> list[str]:
        database = engine.url.render_as_string(hide_password=False)
        done = subprocess.run([sys.executable, "-c", _START, database, str(org)],
                              capture_output=True, text=True, timeout=120,
                              cwd=Path(__file__).parent.parent)
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    # (On the suite's PostgreSQL server where it runs on one, else SQLite files.)
    with fresh_engine(tmp_path / "first") as engine:
        people, loaded = start(engine)
        assert loaded == "False" and int(people) > 0  # the first start migrated, in a child
        assert current_revision(engine) == HEAD
        assert start(engine) == [people, "False"]  # the restart: the same org
    # A database one migration behind, as after an upgrade of teampulse: migrated.
    with fresh_engine(tmp_path / "behind") as engine:
        upgrade(engine, "0015_kudosteam")
        engine.dispose()
        assert start(engine) == [people, "False"]
        assert current_revision(engine) == HEAD


def test_the_migrating_child_gets_the_url_on_a_pipe_not_where_others_can_read_it(
        tmp_path, monkeypatch):
    """A PostgreSQL URL holds the database's password: the child migrating it must not
    have it on its command line (any user can read it with `ps`) or in its environment,
    only on its stdin."""
    url = f"sqlite:///{tmp_path}/secret-db-name.db"
    seen: list[tuple[Any, dict[str, str]]] = []
    real_popen = subprocess.Popen

    def popen(args: Any, **kwargs: Any) -> Any:
        seen.append((args, kwargs.get("env") or {}))
        return real_popen(args, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", popen)
    engine = create_db_engine(url)
    _started(engine)
    assert current_revision(engine) == HEAD
    [(args, env)] = seen  # one child started, which migrated
    assert not any("secret-db-name" in str(a) for a in args)
    assert not any("secret-db-name" in v for v in env.values())
    _started(engine)  # at the newest migration: no child at all
    assert len(seen) == 1
    engine.dispose()


def test_the_migrating_child_is_not_given_the_settings_the_environment_holds(
        tmp_path, monkeypatch):
    """Set in the environment (a unit's EnvironmentFile=, `docker run -e`), DATABASE_URL and
    the platform tokens were handed on to the migrating child in its environment, which
    README says the URL never is: the child gets the URL on its stdin and needs none of
    them. What libpq reads itself (PGPASSWORD, PGSSLMODE …) is still passed on."""
    url = f"sqlite:///{tmp_path}/secret-db-name.db"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1-secret-bot-token")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:secret-telegram-token")
    monkeypatch.setenv("PGSSLMODE", "require")
    seen: list[dict[str, str]] = []
    real_popen = subprocess.Popen

    def popen(args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs.get("env") or {})
        return real_popen(args, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", popen)
    engine = create_db_engine(url)
    _started(engine)
    assert current_revision(engine) == HEAD
    [env] = seen
    assert not any("secret" in v for v in env.values())
    assert env.get("PGSSLMODE") == "require"
    engine.dispose()


def test_a_migrating_child_whose_parent_dies_stops_and_commits_nothing(tmp_path):
    """The bot is killed (OOM, kill -9) while its child migrates: the child sees its pipe
    close and stops at once, its one transaction never committed, so the database is as
    it was, every row there, and the next start migrates it."""
    url = f"sqlite:///{tmp_path}/tp.db"
    engine = create_db_engine(url)
    upgrade(engine, "0015_kudosteam")
    before = _counts(engine, fill_every_table(engine))
    engine.dispose()
    # The test holds the database's write lock, so the child cannot have committed
    # anything when its parent's end of the pipe closes.
    holder = sqlite3.connect(f"{tmp_path}/tp.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        child = subprocess.Popen([sys.executable, "-m", "storage.migrate"],
                                 stdin=subprocess.PIPE, stderr=subprocess.PIPE,
                                 cwd=Path(__file__).parent.parent)
        assert child.stdin is not None
        child.stdin.write(url.encode() + b"\n")
        child.stdin.close()  # what the parent's death does to the pipe
        assert child.wait(timeout=60) == 4, child.stderr.read() if child.stderr else ""
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert current_revision(engine) == "0015_kudosteam"
    assert _counts(engine, list(before)) == before
    _started(engine)  # the next start
    assert current_revision(engine) == HEAD
    assert _counts(engine, list(before)) == before
    engine.dispose()


def test_a_start_whose_migrating_child_fails_migrates_or_refuses_as_before(
        tmp_path, monkeypatch):
    """The child cannot be started (no interpreter at sys.executable) or fails (killed
    by the OOM killer): the start migrates in its own process instead. A database
    migrated by a newer teampulse is refused with the same one-line message as ever."""
    import storage.migrate as migrate

    engine = create_db_engine(f"sqlite:///{tmp_path}/nochild.db")
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-such-python"))
    _started(engine)
    assert current_revision(engine) == HEAD
    engine.dispose()
    monkeypatch.undo()

    engine = create_db_engine(f"sqlite:///{tmp_path}/killed.db")
    monkeypatch.setattr(migrate, "CHILD", (
        "-c", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"))
    _started(engine)
    assert current_revision(engine) == HEAD
    engine.dispose()
    monkeypatch.undo()

    engine = create_db_engine(f"sqlite:///{tmp_path}/newer.db")
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099_future'"))
    with pytest.raises(DatabaseSetupError, match="'0099_future', which this version of "
                                                 "teampulse does not know"):
        _started(engine)
    engine.dispose()


def test_a_start_whose_org_file_is_broken_while_it_migrates_stops_the_migration(tmp_path):
    """An operator upgrades teampulse and starts it with a typo in the org file: the
    migration due (run in its child while the org file is read) is stopped, the start
    says what is wrong with the file, and the database is as it was, every row there;
    fixed, the next start migrates it."""
    from bot.app import prepare
    from bot.config import Settings
    from bot.org import OrgError

    engine = create_db_engine(f"sqlite:///{tmp_path}/tp.db")
    upgrade(engine, "0015_kudosteam")
    before = _counts(engine, fill_every_table(engine))
    engine.dispose()
    org = tmp_path / "org.yaml"
    org.write_text("org: {name: Acme}\npeople:\n  - {key: gm, name: GM, role: gm\n",
                   encoding="utf-8")  # (the flow mapping never closed)
    settings = Settings(database_url=f"sqlite:///{tmp_path}/tp.db", org_file=org)
    # The test holds the write lock: the child cannot have committed when the file fails.
    holder = sqlite3.connect(f"{tmp_path}/tp.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(OrgError, match=r"org\.yaml"):
            prepare(settings)
        assert _migrating_children() == []  # stopped, not left to migrate after all
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert current_revision(engine) == "0015_kudosteam"
    assert _counts(engine, list(before)) == before
    org.write_text((Path(__file__).parent.parent / "org.example.yaml").read_text(
        encoding="utf-8"), encoding="utf-8")
    bot, started = prepare(settings)
    assert current_revision(started) == HEAD
    after = _counts(started, list(before))  # (the org synced: people added, none lost)
    assert all(after[name] >= count for name, count in before.items()), (before, after)
    bot.close()
    started.dispose()
    engine.dispose()


def test_a_first_start_whose_migration_was_done_when_the_org_file_failed_leaves_nothing(
        tmp_path, monkeypatch):
    """A first start with a large org file that fails at its end: the migration (run
    meanwhile in its child) was done and committed by then. It left a database with
    every table and nobody in it, which the next start and commands took for the bot's.
    Now the start leaves no file at all, and the next one (the file fixed) starts as on a
    fresh machine."""
    import storage.migrate as migrate
    from bot.app import prepare
    from bot.config import Settings
    from bot.org import OrgError

    real_start = migrate._Child.start

    def done_at_once(url: str) -> Any:
        child = real_start(url)
        assert child is not None
        child.process.wait()  # the migration committed before the org file fails
        return child

    monkeypatch.setattr(migrate._Child, "start", staticmethod(done_at_once))
    org = tmp_path / "org.yaml"
    org.write_text("org: {name: Acme}\npeople:\n  - {key: gm, name: GM, role: gm\n",
                   encoding="utf-8")  # (the flow mapping never closed)
    settings = Settings(database_url=f"sqlite:///{tmp_path}/data/tp.db", org_file=org)
    with pytest.raises(OrgError, match=r"org\.yaml"):
        prepare(settings)
    assert list((tmp_path / "data").iterdir()) == []
    org.write_text((Path(__file__).parent.parent / "org.example.yaml").read_text(
        encoding="utf-8"), encoding="utf-8")
    bot, engine = prepare(settings)
    assert current_revision(engine) == HEAD
    with bot.unit() as ctx:
        assert len(ctx.people.active()) == 7
    bot.close()
    engine.dispose()
    assert sorted(f.name for f in (tmp_path / "data").iterdir()) == ["tp.db"]


def test_a_database_created_by_another_command_during_a_first_start_is_kept(
        tmp_path, monkeypatch):
    """While a first start creates its database aside, another command creates the
    database itself (`teampulse migrate`, run at the same moment) and something is stored
    in it: the start keeps that database, every row, and drops its own. On a filesystem
    without hard links (some network shares) a first start's database is moved into place
    all the same."""
    import os

    url = f"sqlite:///{tmp_path}/tp.db"
    engine = create_db_engine(url)
    with migrating(engine):
        other = create_db_engine(url)
        upgrade(other)
        before = _counts(other, fill_every_table(other))
        other.dispose()
    assert _counts(engine, list(before)) == before
    assert current_revision(engine) == HEAD
    engine.dispose()

    def no_hard_links(*_args: Any) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_hard_links)
    engine = create_db_engine(f"sqlite:///{tmp_path}/share/tp.db")
    with migrating(engine):
        pass
    assert current_revision(engine) == HEAD
    engine.dispose()
    assert sorted(f.name for f in tmp_path.iterdir()) == ["share", "tp.db"]
    assert [f.name for f in (tmp_path / "share").iterdir()] == ["tp.db"]


def test_what_a_migrating_child_warns_about_reaches_the_bots_log(tmp_path, monkeypatch,
                                                                  caplog):
    """A migration's warning (a SQLAlchemy or Alembic warning on stderr) was in the bot's
    log when it migrated in-process: from the child it still is, at WARNING; a failed
    child's output only at DEBUG, as the start then migrates here and reports the real
    error itself."""
    import logging

    import storage.migrate as migrate

    speak = ("import os, sys; sys.stdin.readline(); "
             "sys.stderr.write('SAWarning: a column was not reflected\\n'); "
             "sys.stderr.flush(); os._exit(int(sys.argv[1]))")
    monkeypatch.setattr(migrate, "CHILD", ("-c", speak, "0"))
    with caplog.at_level(logging.DEBUG, logger="storage.migrate"):
        child = migrate._Child.start("sqlite:///nowhere.db")
        assert child is not None and child.wait() == 0
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.WARNING, "migration: SAWarning: a column was not reflected")]
    caplog.clear()
    monkeypatch.setattr(migrate, "CHILD", ("-c", speak, "1"))
    with caplog.at_level(logging.DEBUG, logger="storage.migrate"):
        child = migrate._Child.start("sqlite:///nowhere.db")
        assert child is not None and child.wait() == 1
    assert [r.levelno for r in caplog.records] == [logging.DEBUG]


def _started(engine: Any) -> None:
    """What a start does about migrations (bot.app.prepare's `migrating`), with nothing
    to do meanwhile."""
    with migrating(engine):
        pass


def _migrating_children() -> list[int]:
    """This process's children running storage.migrate (Linux's /proc)."""
    import os

    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == os.getpid() and b"storage.migrate" in command:
            found.append(int(entry.name))
    return found


def test_review_answers_of_before_0017_are_kept_under_random_keys_in_no_order(tmp_path):
    """An operator upgrades with 360° reviews in the database: 0017 gives review_answers
    random keys (no rowid on SQLite). Every answer stored before is kept, rating, comment,
    group and criterion alike, so every report reads the same; none keeps the id that said
    in which order it came (to be matched with the raters' progress in the outbox), nor
    that order. A new answer is stored after it; a downgrade keeps every answer."""
    from alembic import command
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session

    from storage.migrate import alembic_config
    from storage.review import ReviewAnswer
    from tests.test_snapshot_keys import fresh_engine

    old = [("peer", None, criterion, 1 + n % 5, f"peer {n}" if n % 3 == 0 else None)
           for n, criterion in enumerate(["goals", "team", "cooperation", "strategy",
                                          "communication"] * 8)]
    old += [("manager", "grace", "goals", 4, "Strong quarter")]
    with fresh_engine(tmp_path) as engine:
        upgrade(engine, "0016_joined")
        with engine.begin() as conn:  # as teampulse at 0016 stored them
            conn.execute(text(
                "INSERT INTO review_rounds (id, subject_key, started_by, status, started_at) "
                "VALUES (1, 'alice', 'grace', 'open', :at)"),
                {"at": datetime(2026, 11, 27, 21, 0, tzinfo=UTC)})
            for group, key, criterion, rating, said in old:
                conn.execute(text(
                    "INSERT INTO review_answers (round_id, rater_group, rater_key, criterion, "
                    "rating, comment) VALUES (1, :g, :k, :c, :r, :t)"),
                    {"g": group, "k": key, "c": criterion, "r": rating, "t": said})
        upgrade(engine)
        assert current_revision(engine) == head_revision(engine)
        columns = "rater_group, rater_key, criterion, rating, comment"
        with engine.connect() as conn:
            kept = conn.execute(text(f"SELECT {columns} FROM review_answers")).all()
            ids = conn.execute(text("SELECT id FROM review_answers")).scalars().all()
            assert sorted(map(tuple, kept), key=repr) == sorted(old, key=repr)
            assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)
            # The old order (peer 0, peer 3, ... as they came) is not the order they are in.
            said = [t for _, _, _, _, t in kept if t and t.startswith("peer")]
            assert said != sorted(said, key=lambda t: int(t.split()[1]))
            if engine.dialect.name == "sqlite":
                with pytest.raises(OperationalError, match="rowid"):
                    conn.execute(text("SELECT rowid FROM review_answers"))
        with Session(engine) as session, session.begin():
            session.add(ReviewAnswer(round_id=1, rater_group="self", rater_key="alice",
                                     criterion="goals", rating=5, comment=None))
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM review_answers")).scalar() == 42
        command.downgrade(alembic_config(engine), "0016_joined")
        with engine.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM review_answers")).scalar() == 42
            conn.execute(text(
                "INSERT INTO review_answers (round_id, rater_group, criterion, rating) "
                "VALUES (1, 'peer', 'team', 3)"))
            assert conn.execute(text("SELECT max(id) FROM review_answers")).scalar() == 43


async def test_kudos_of_before_0018_keep_the_labels_of_the_first_start_after_the_upgrade(
        tmp_path):
    """An operator upgrades with kudos in the database: 0018 adds kudos.value_labels,
    empty for them (the org file is not the database's); the bot's next start fills them
    with the org file's labels of then, the best that is known. A value renamed in the org
    file after that does not rename them. A downgrade drops the column, keeping the kudos."""
    import json

    import yaml
    from alembic import command

    from bot.app import prepare
    from bot.clock import FakeClock
    from bot.config import Settings
    from storage.migrate import alembic_config
    from tests.support import TEST_ORG, RecordingAdapter, say
    from tests.test_snapshot_keys import fresh_engine

    given = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    with fresh_engine(tmp_path) as engine:
        upgrade(engine, "0017_reviewanon")
        with engine.begin() as conn:  # as teampulse at 0017 stored them
            # (Ids given by the database: on PostgreSQL ids written by hand leave its
            # sequence behind, and the start's sync then collided with them.)
            for key, name in [("grace", "Grace Chen"), ("alice", "Alice Martin")]:
                conn.execute(text(
                    "INSERT INTO people (key, display_name, role, team, timezone, locale, "
                    "checks_in, can_view_summary, active) VALUES (:key, :name, 'member', "
                    "'East', 'America/New_York', 'en', false, false, true)"),
                    {"key": key, "name": name})
            ids = dict(conn.execute(text("SELECT key, id FROM people")).all())
            # Tagged with a value of the org file, with none, with one taken out before.
            for source, values in [("m1", ["customer-first"]), ("m2", []), ("m3", ["speed"])]:
                conn.execute(text(
                    "INSERT INTO kudos (giver_id, recipient_id, reason, \"values\", platform, "
                    "chat_id, message_id, source_key, given_at, giver_team, recipient_team) "
                    "VALUES (:giver, :recipient, :why, :values, 'console', 'team', :m, :key, "
                    ":at, 'East', 'East')"),
                    {"giver": ids["grace"], "recipient": ids["alice"],
                     "why": f"the demo {source}", "values": json.dumps(values), "m": source,
                     "key": f"console:team:{source}", "at": given})
        upgrade(engine, "0018_kudoslabel")  # (head since is 0019_pulseshown)
        assert current_revision(engine) == "0018_kudoslabel"

        def labels() -> list[Any]:
            with engine.connect() as conn:
                return [json.loads(v) if isinstance(v, str) else v for v in conn.execute(
                    text("SELECT value_labels FROM kudos ORDER BY id")).scalars()]

        assert labels() == [None, None, None]
        url = engine.url.render_as_string(hide_password=False)
        clock = FakeClock(datetime(2026, 12, 1, 14, 0, tzinfo=UTC))
        bot, started = prepare(Settings(database_url=url, org_file=TEST_ORG), clock,
                              backfill=True)
        started.dispose()
        filled = [{"customer-first": {"en": "Customer first", "zh-CN": "客户第一"}}, {}, {}]
        assert labels() == filled
        # The value renamed in the org file afterwards: the next start leaves them be.
        data = yaml.safe_load(TEST_ORG.read_text(encoding="utf-8"))
        data["values"][0]["label"] = {"en": "Customer obsession", "zh-CN": "客户至上"}
        renamed = tmp_path / "renamed.yaml"
        renamed.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        bot, started = prepare(Settings(database_url=url, org_file=renamed), clock,
                              backfill=True)
        try:
            assert labels() == filled
            chat = RecordingAdapter()
            bot.register(chat)
            await say(bot, "alice", "/kudos me")
            mine = chat.last("alice")
            assert "Grace Chen: the demo m1 (Customer first)" in mine
            assert "Grace Chen: the demo m3 (speed)" in mine  # no label was known: its key
        finally:
            started.dispose()
        command.downgrade(alembic_config(engine), "0017_reviewanon")
        with engine.connect() as conn:
            assert "value_labels" not in {c["name"] for c in inspect(conn).get_columns("kudos")}
            assert conn.execute(text("SELECT count(*) FROM kudos")).scalar() == 3


def test_polls_closed_before_0019_have_their_shown_slices_decided_at_the_first_start(
        tmp_path):
    """An operator upgrades with closed pulse polls in the database: 0019 adds
    pulse_polls.shown (the slices a closed poll's results may show, decided at its close),
    empty for them; the next start decides them, with the readers in the database then,
    and keeps them. A downgrade drops the column, keeping the polls."""
    from alembic import command

    from bot.app import prepare
    from bot.clock import FakeClock
    from bot.config import Settings
    from storage.migrate import alembic_config
    from tests.support import TEST_ORG
    from tests.test_snapshot_keys import fresh_engine

    with fresh_engine(tmp_path) as engine:
        upgrade(engine, "0018_kudoslabel")
        with engine.begin() as conn:  # as teampulse at 0018 stored it
            conn.execute(text(
                "INSERT INTO pulse_polls (id, key, questions, threshold, teams, closes_at, "
                "closed) VALUES (1, '2026-11-25', :questions, 5, '[]', :closes, true)"),
                {"questions": json.dumps([{"key": "morale", "kind": "scale"}]),
                 "closes": datetime(2026, 11, 27, 17, 0, tzinfo=UTC)})
        upgrade(engine, "0019_pulseshown")  # (head since is 0020_roundreply)
        assert current_revision(engine) == "0019_pulseshown"

        def shown() -> Any:
            with engine.connect() as conn:
                value = conn.execute(text("SELECT shown FROM pulse_polls")).scalar()
            return json.loads(value) if isinstance(value, str) else value

        assert shown() is None
        url = engine.url.render_as_string(hide_password=False)
        clock = FakeClock(datetime(2026, 12, 1, 14, 0, tzinfo=UTC))
        _bot, started = prepare(Settings(database_url=url, org_file=TEST_ORG), clock,
                              backfill=True)
        started.dispose()
        # (And, the poll being hidden as a whole, its answers let go of at that start:
        # none here, so `dropped` is False; handlers/pulse.py forget_hidden.)
        assert shown() == {"questions": {"morale": {"org": False, "teams": []}},
                           "asked": {"org": False, "teams": []},
                           "forgotten": True, "dropped": False}
        command.downgrade(alembic_config(engine), "0018_kudoslabel")
        with engine.connect() as conn:
            assert "shown" not in {c["name"] for c in
                                   inspect(conn).get_columns("pulse_polls")}
            assert conn.execute(text("SELECT count(*) FROM pulse_polls")).scalar() == 1


def test_round_requests_of_before_0020_are_kept_and_report_to_the_dm_as_before(tmp_path):
    """An operator upgrades with a `/checkin send` request queued: 0020 adds
    round_requests.reply_chat and reply_thread (the group it was typed in, where its
    report's DM falls back to), empty for it: its report goes to the DM as before, without
    a fallback. A downgrade drops both, keeping the requests."""
    from alembic import command

    from storage.migrate import alembic_config
    from tests.test_snapshot_keys import fresh_engine

    with fresh_engine(tmp_path) as engine:
        upgrade(engine, "0019_pulseshown")
        with engine.begin() as conn:  # as teampulse at 0019 stored it
            conn.execute(text(
                "INSERT INTO round_requests (scope, name, requested_by, reply_platform, "
                "reply_user, status, created_at) VALUES ('person', 'alice', 'grace', "
                "'telegram', '1001', 'queued', :at)"),
                {"at": datetime(2026, 12, 1, 14, 0, tzinfo=UTC)})
        upgrade(engine, "0020_roundreply")
        with engine.connect() as conn:
            assert conn.execute(text(
                "SELECT requested_by, reply_user, reply_chat, reply_thread, status "
                "FROM round_requests")).one() == ("grace", "1001", None, None, "queued")
        command.downgrade(alembic_config(engine), "0019_pulseshown")
        with engine.connect() as conn:
            columns = {c["name"] for c in inspect(conn).get_columns("round_requests")}
            assert {"reply_user", "reply_platform"} <= columns
            assert not {"reply_chat", "reply_thread"} & columns
            assert conn.execute(text("SELECT count(*) FROM round_requests")).scalar() == 1


def test_rounds_of_before_0021_carry_no_edit_mark_and_the_summaries_index_holds_it(tmp_path):
    """An operator upgrades with submitted weeks stored: 0021 adds checkin_rounds.edited_at
    (when a week's answers were changed after it ended), empty for every round already
    there (no edit made before the upgrade is marked), and the summaries' covering index
    gains it (the GM's view reads it with the round). A downgrade drops it, keeping the
    rounds."""
    from alembic import command

    from storage.migrate import alembic_config
    from tests.test_snapshot_keys import fresh_engine

    with fresh_engine(tmp_path) as engine:
        upgrade(engine, "0020_roundreply")
        with engine.begin() as conn:  # as teampulse at 0020 stored it
            conn.execute(text(
                "INSERT INTO people (id, key, display_name, role, timezone, locale, "
                "checks_in, can_view_summary, active) VALUES (1, 'alice', 'Alice', "
                "'director', 'America/New_York', 'en', :t, :f, :t)"), {"t": True, "f": False})
            conn.execute(text(
                "INSERT INTO checkin_rounds (person_id, week, questions, snapshot_key, "
                "status, role, timezone, created_at, submitted_at) VALUES (1, '2026-W49', "
                "'[]', 'k', 'submitted', 'director', 'America/New_York', :at, :at)"),
                {"at": datetime(2026, 12, 4, 21, 0, tzinfo=UTC)})
        upgrade(engine, "0021_roundedit")
        with engine.connect() as conn:
            assert conn.execute(text(
                "SELECT week, status, edited_at FROM checkin_rounds")).one() == \
                ("2026-W49", "submitted", None)
            covered = [i["column_names"] for i in inspect(conn).get_indexes("checkin_rounds")
                       if i["name"] == "ix_checkin_rounds_summary"]
        assert covered[0][-2:] == ["manager_key", "edited_at"]
        command.downgrade(alembic_config(engine), "0020_roundreply")
        with engine.connect() as conn:
            assert "edited_at" not in {c["name"] for c in
                                       inspect(conn).get_columns("checkin_rounds")}
            covered = [i["column_names"] for i in inspect(conn).get_indexes("checkin_rounds")
                       if i["name"] == "ix_checkin_rounds_summary"]
            assert covered[0][-1] == "manager_key"
            assert conn.execute(text("SELECT count(*) FROM checkin_rounds")).scalar() == 1


def test_answers_of_before_0022_keep_no_figure_and_a_downgrade_keeps_the_answers(tmp_path):
    """An operator upgrades with a submitted week stored: 0022 adds to each answer when it
    was first changed after its week ended and the figure it replaced, empty for every
    answer already there (what an earlier edit replaced is not known). A downgrade drops
    both, keeping the answers and their figures."""
    from alembic import command

    from storage.migrate import alembic_config
    from tests.test_snapshot_keys import fresh_engine

    at = datetime(2026, 12, 4, 21, 0, tzinfo=UTC)
    with fresh_engine(tmp_path) as engine:
        upgrade(engine, "0021_roundedit")
        with engine.begin() as conn:  # as teampulse at 0021 stored it
            conn.execute(text(
                "INSERT INTO people (id, key, display_name, role, timezone, locale, "
                "checks_in, can_view_summary, active) VALUES (1, 'alice', 'Alice', "
                "'director', 'America/New_York', 'en', :t, :f, :t)"), {"t": True, "f": False})
            conn.execute(text(
                "INSERT INTO checkin_rounds (id, person_id, week, questions, snapshot_key, "
                "status, role, timezone, created_at, submitted_at, edited_at) VALUES (1, 1, "
                "'2026-W49', '[]', 'k', 'submitted', 'director', 'America/New_York', :at, "
                ":at, :at)"), {"at": at})
            conn.execute(text(
                "INSERT INTO answers (round_id, question_key, number_value, skipped, "
                "answered_at, updated_at) VALUES (1, 'kpi:revenue', 60000, :f, :at, :at)"),
                {"f": False, "at": at})
        upgrade(engine, "0022_answerwas")
        with engine.connect() as conn:
            assert conn.execute(text(
                "SELECT number_value, number_at_week_end, changed_after_week_at "
                "FROM answers")).one() == (60000, None, None)
        command.downgrade(alembic_config(engine), "0021_roundedit")
        with engine.connect() as conn:
            assert not {"number_at_week_end", "changed_after_week_at"} & {
                c["name"] for c in inspect(conn).get_columns("answers")}
            assert conn.execute(text("SELECT number_value FROM answers")).scalar() == 60000
            # (The summaries' covering index of the answers is as it was.)
            assert "ix_answers_round_figures" in {
                i["name"] for i in inspect(conn).get_indexes("answers")}


def test_pair_ends_of_before_0023_are_the_notices_the_outbox_still_holds(tmp_path):
    """An operator upgrades with a 1:1 pair the org file switched off (Grace and Alice,
    both told: two copies of one notice) and a notice naming someone no longer stored:
    0023 keeps the one end it can tell, at its first copy's time, and invents none for
    the rest. A downgrade drops the table, keeping the outbox."""
    from alembic import command
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from storage.migrate import alembic_config
    from storage.oneonone import OneOnOnePairEnd
    from tests.test_snapshot_keys import fresh_engine

    told = datetime(2026, 12, 9, 15, 0, tzinfo=UTC)
    with fresh_engine(tmp_path) as engine:
        upgrade(engine, "0022_answerwas")
        with engine.begin() as conn:  # as teampulse at 0022 stored it
            for pid, key in ((1, "grace"), (2, "alice")):
                conn.execute(text(
                    "INSERT INTO people (id, key, display_name, role, timezone, locale, "
                    "checks_in, can_view_summary, active) VALUES (:id, :key, :key, "
                    "'director', 'America/New_York', 'en', :t, :f, :t)"),
                    {"id": pid, "key": key, "t": True, "f": False})
            for n, (key, minutes) in enumerate([
                    ("oo:ended:1:2:1:2026-12-14:1", 0), ("oo:ended:1:2:1:2026-12-14:2", 1),
                    ("oo:ended:1:9:1:2026-12-15:1", 0), ("oo:day:1:2:2026-12-14:x:1", 0)]):
                conn.execute(text(
                    "INSERT INTO outbox (dedupe_key, platform, target_kind, address, payload, "
                    "status, attempts, not_before, created_at, priority) VALUES (:key, "
                    "'console', 'dm', :address, :payload, 'sent', 1, :at, :at, 0)"),
                    {"key": key, "address": f"p{n}", "payload": json.dumps({"text": "x"}),
                     "at": told.replace(minute=minutes)})
        upgrade(engine, "0023_pairends")
        with Session(engine) as session:
            ends = [(e.manager_id, e.report_id, e.ended_at)
                    for e in session.scalars(select(OneOnOnePairEnd))]
        assert ends == [(1, 2, told)]
        command.downgrade(alembic_config(engine), "0022_answerwas")
        with engine.connect() as conn:
            assert "oneonone_pair_ends" not in inspect(conn).get_table_names()
            assert conn.execute(text("SELECT count(*) FROM outbox")).scalar() == 4


def test_requests_asked_again_in_an_earlier_week_read_it_as_first_after_0025(tmp_path):
    """An operator upgrades with Alice's budget request (W48's check-in answered first, then
    W47's, late) stored as first asked in 2026-W48, and Bruno's (asked in W48 only): 0025
    makes Alice's read W47, the earliest week that asked; Bruno's and every week, detail and
    date stay as they were."""
    from sqlalchemy.orm import Session

    from storage.support import SupportRequest
    from tests.test_snapshot_keys import fresh_engine

    at = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
    with fresh_engine(tmp_path) as engine:
        upgrade(engine, "0024_leftat")
        with engine.begin() as conn:  # as teampulse at 0024 stored them
            for pid, key in [(1, "alice"), (2, "bruno")]:
                conn.execute(text(
                    "INSERT INTO people (id, key, display_name, role, timezone, locale, "
                    "checks_in, can_view_summary, active) VALUES (:id, :key, :key, "
                    "'director', 'UTC', 'en', :t, :f, :t)"),
                    {"id": pid, "key": key, "t": True, "f": False})
            for rid, pid, week in [(1, 1, "2026-W48"), (2, 1, "2026-W47"), (3, 2, "2026-W48")]:
                conn.execute(text(
                    "INSERT INTO checkin_rounds (id, person_id, week, questions, snapshot_key,"
                    " status, role, timezone, created_at, submitted_at) VALUES (:id, :pid, "
                    ":week, '[]', 'k', 'submitted', 'director', 'UTC', :at, :at)"),
                    {"id": rid, "pid": pid, "week": week, "at": at})
            for qid, pid in [(1, 1), (2, 2)]:
                conn.execute(text(
                    "INSERT INTO support_requests (id, requester_id, kind, detail, week, "
                    "last_week, repeats, status, opened_at) VALUES (:id, :pid, 'budget', "
                    "'Travel budget', '2026-W48', '2026-W48', :repeats, 'open', :at)"),
                    {"id": qid, "pid": pid, "repeats": 1 if qid == 1 else 0, "at": at})
            for rid, qid, week in [(1, 1, "2026-W48"), (2, 1, "2026-W47"), (3, 2, "2026-W48")]:
                conn.execute(text(
                    "INSERT INTO support_weeks (request_id, round_id, week, detail, added_at) "
                    "VALUES (:qid, :rid, :week, 'Travel budget', :at)"),
                    {"qid": qid, "rid": rid, "week": week, "at": at})
        upgrade(engine)
        with Session(engine) as session:
            rows = session.query(SupportRequest).order_by(SupportRequest.id).all()
            assert [(r.week, r.last_week, r.repeats, [w.week for w in r.weeks], r.detail)
                    for r in rows] == [
                ("2026-W47", "2026-W48", 1, ["2026-W47", "2026-W48"], "Travel budget"),
                ("2026-W48", "2026-W48", 0, ["2026-W48"], "Travel budget")]

"""Shared fixtures: a bot on a fresh SQLite database, a fake clock, a recording adapter."""

from __future__ import annotations

import os
import shutil
import sys
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from bot.app import prepare
from bot.clock import FakeClock
from bot.config import Settings
from bot.core import TeamPulse
from storage.db import create_db_engine
from storage.migrate import upgrade
from tests.support import TEST_ORG, RecordingAdapter

# Friday 2026-11-27 16:00 in New York (EST, UTC-5): the default check-in time there.
FRIDAY_4PM_NY = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _own_cache_dir(monkeypatch: pytest.MonkeyPatch,
                   tmp_path_factory: pytest.TempPathFactory) -> None:
    # The console saves chart images (and the org loader its parse cache) under the cache
    # folder: a test must never write into the user's real ~/.cache.
    monkeypatch.setenv("TEAMPULSE_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    # httpx (PTB) and slack_sdk honour proxy variables (slack_sdk even ignores NO_PROXY);
    # tests only ever talk to loopback. One fixture here serves every test folder.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
                 "all_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _python_reports_left_to_pytest(monkeypatch: pytest.MonkeyPatch) -> None:
    # A test that runs the CLI sets the log up, which routes a thread's uncaught exception
    # and an unraisable one into the log (bot.log_privacy.route_python_reports): put
    # pytest's own hooks back after it, or every later test would log them instead of
    # failing on them (filterwarnings: PytestUnraisableExceptionWarning is an error).
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    monkeypatch.setattr(sys, "unraisablehook", sys.unraisablehook)


@pytest.fixture
def clock() -> FakeClock:
    """A clock that starts at Friday 16:00 New York time."""
    return FakeClock(FRIDAY_4PM_NY)


@pytest.fixture(autouse=True)
def _cli_reads_the_tests_clock(request: pytest.FixtureRequest,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    # The CLI (run in-process by tests.support.run_cli) reads bot.clock.SystemClock: in a
    # test whose bot runs on the fake clock, the CLI must see that same moment, or its
    # "this week" is the day CI happens to run (a summary of 2026-12-07 holds none of the
    # 2026-11-27 answers the test just gave). A test that wants the wall clock takes no
    # `clock` fixture.
    if "clock" in request.fixturenames:
        fake = request.getfixturevalue("clock")
        monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: fake.now())


SERVER_URL = os.environ.get("TEST_DATABASE_URL")  # e.g. postgresql+psycopg://u@host/postgres


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated once per run; each test gets a copy (migrations are slow).

    SQLite by default; with TEST_DATABASE_URL pointing at a PostgreSQL server, a
    template database there.
    """
    if SERVER_URL:
        _admin(f"DROP DATABASE IF EXISTS {TEMPLATE_DB} WITH (FORCE)",
               f"CREATE DATABASE {TEMPLATE_DB}")
        url = make_url(SERVER_URL).set(database=TEMPLATE_DB).render_as_string(
            hide_password=False)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('template') / 'teampulse.db'}"
    engine = create_db_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    if SERVER_URL:
        _admin(f"DROP DATABASE IF EXISTS {TEMPLATE_DB} WITH (FORCE)")


# One template per test run, so two runs can share a server without tripping over each other.
TEMPLATE_DB = f"teampulse_test_template_{os.getpid()}"


def _admin(*statements: str) -> None:
    engine = create_engine(SERVER_URL or "", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for statement in statements:
            conn.execute(text(statement))
    engine.dispose()


@pytest.fixture
def database_url(tmp_path: Path, migrated_template: str) -> Iterator[str]:
    """A fresh, migrated database per test."""
    if not SERVER_URL:
        path = tmp_path / "teampulse.db"
        shutil.copyfile(make_url(migrated_template).database or "", path)
        yield f"sqlite:///{path}"
        return
    name = f"teampulse_test_{uuid.uuid4().hex[:12]}"
    _admin(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE_DB}")
    yield make_url(SERVER_URL).set(database=name).render_as_string(hide_password=False)
    _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def watcher(database_url: str) -> Iterator[Engine]:
    """A third connection to the test's database, to see whether one of two interleaved
    transactions waits on a lock another holds (the PostgreSQL race and deadlock tests)."""
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Default settings on the test org."""
    return Settings(database_url=database_url, org_file=TEST_ORG)


@pytest.fixture
def bot(settings: Settings, clock: FakeClock) -> Iterator[TeamPulse]:
    """A migrated bot with the test org synced and no adapter registered."""
    bot, engine = prepare(settings, clock)
    yield bot
    engine.dispose()


@pytest.fixture
def chat(bot: TeamPulse) -> RecordingAdapter:
    """A recording console-platform adapter registered with the bot."""
    adapter = RecordingAdapter()
    bot.register(adapter)
    return adapter

"""Shared fixtures: a bot on a fresh SQLite database, a fake clock, a recording adapter."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

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
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    # HTTP clients honour proxy variables; tests only ever talk to loopback.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
                 "all_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def clock() -> FakeClock:
    """A clock that starts at Friday 16:00 New York time."""
    return FakeClock(FRIDAY_4PM_NY)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per run; each test gets a copy (migrations are slow)."""
    path = tmp_path_factory.mktemp("template") / "teampulse.db"
    engine = create_db_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture
def database_url(tmp_path: Path, migrated_template: Path) -> str:
    """A fresh, migrated SQLite file per test (or TEST_DATABASE_URL, e.g. PostgreSQL)."""
    if os.environ.get("TEST_DATABASE_URL"):
        return os.environ["TEST_DATABASE_URL"]
    path = tmp_path / "teampulse.db"
    shutil.copyfile(migrated_template, path)
    return f"sqlite:///{path}"


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

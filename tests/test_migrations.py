"""Migrations: an empty database is brought up to date, and the models match the migrations."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from storage.db import create_db_engine
from storage.migrate import current_revision, head_revision, upgrade
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

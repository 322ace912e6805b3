"""An operator running teampulse on PostgreSQL with the planner set for spinning disks is
told, at start, what to set instead and why (README, "PostgreSQL settings")."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from storage.db import create_db_engine, planner_advice
from tests.conftest import SERVER_URL


def test_sqlite_needs_no_advice(tmp_path):
    engine = create_db_engine(f"sqlite:///{tmp_path / 'teampulse.db'}")
    assert planner_advice(engine) is None
    engine.dispose()


@pytest.mark.skipif(not SERVER_URL, reason="needs PostgreSQL (TEST_DATABASE_URL)")
@pytest.mark.parametrize(("cost", "advised"), [("4", True), ("1.1", False), ("1", False)])
def test_the_operator_is_told_when_the_planner_is_set_for_spinning_disks(database_url, cost,
                                                                          advised):
    # The setting of the operator's database, as ALTER DATABASE leaves it for every session.
    name = make_url(database_url).database
    admin = create_engine(SERVER_URL or "", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"ALTER DATABASE {name} SET random_page_cost = {cost}"))
    admin.dispose()
    engine = create_db_engine(database_url)
    advice = planner_advice(engine)
    engine.dispose()
    if advised:
        assert advice is not None
        assert f"random_page_cost is {cost}" in advice and "set it to 1.1" in advice
        assert "PostgreSQL settings" in advice
    else:
        assert advice is None

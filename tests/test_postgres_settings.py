"""An operator running teampulse on PostgreSQL with the planner set for spinning disks is
told, at start, what to set instead and why (README, "PostgreSQL settings")."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from storage.db import create_db_engine, planner_advice
from tests.conftest import SERVER_URL
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.support import TEST_ORG, say
from tests.telegram.conftest import TOKEN
from tests.test_resilience_stop import signal_a_running_platform_bot


def test_sqlite_needs_no_advice(tmp_path):
    engine = create_db_engine(f"sqlite:///{tmp_path / 'teampulse.db'}")
    assert planner_advice(engine) is None
    engine.dispose()


@pytest.mark.skipif(not SERVER_URL, reason="needs PostgreSQL (TEST_DATABASE_URL)")
@pytest.mark.parametrize(("cost", "advised"), [("4", True), ("1.1", False), ("1", False)])
def test_the_operator_is_told_when_the_planner_is_set_for_spinning_disks(database_url, cost,
                                                                          advised):
    set_cost(database_url, cost)
    engine = create_db_engine(database_url)
    advice = planner_advice(engine)
    engine.dispose()
    if advised:
        assert advice is not None
        assert f"random_page_cost is {cost}" in advice and "set it to 1.1" in advice
        assert "PostgreSQL settings" in advice
    else:
        assert advice is None


@pytest.mark.skipif(not SERVER_URL, reason="needs PostgreSQL (TEST_DATABASE_URL)")
@pytest.mark.parametrize(("cost", "advised"), [("4", True), ("1.1", False)])
async def test_teampulse_run_says_so_at_start(database_url: str, tmp_path: Path, cost: str,
                                              advised: bool) -> None:
    set_cost(database_url, cost)
    async with FakeTelegramAPI(token=TOKEN, bot_username="TeamPulseBot") as fake:
        log = await signal_a_running_platform_bot(tmp_path, {
            "DATABASE_URL": database_url, "TEAMPULSE_ORG_FILE": str(TEST_ORG),
            "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": fake.url}, signal.SIGTERM)
    assert "teampulse is running on telegram" in log
    assert ("WARNING bot.app: PostgreSQL's random_page_cost is 4" in log) is advised


def set_cost(database_url: str, cost: str) -> None:
    """The setting of the operator's database, as ALTER DATABASE leaves it for every
    session."""
    name = make_url(database_url).database
    admin = create_engine(SERVER_URL or "", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"ALTER DATABASE {name} SET random_page_cost = {cost}"))
    admin.dispose()


@pytest.mark.skipif(not SERVER_URL, reason="needs PostgreSQL (TEST_DATABASE_URL)")
async def test_the_summary_turns_jit_off_for_its_own_transaction_only(bot, chat):
    """No JIT compilation for the GM's view (it cost more than the statements ran), and
    nothing changed beyond the summary's transaction: not the server, not the session."""
    from handlers.summary_gm import build_gm_summary

    seen: list[str] = []
    with bot.unit() as ctx:
        default = ctx.session.connection().exec_driver_sql("SHOW jit").scalar()
    with bot.unit() as ctx:
        build_gm_summary(ctx, "en", "2026-W48", 1, "America/New_York")
        seen.append(ctx.session.connection().exec_driver_sql("SHOW jit").scalar())
    with bot.unit() as ctx:
        seen.append(ctx.session.connection().exec_driver_sql("SHOW jit").scalar())
    assert seen == ["off", default]
    await bot.run_checkins()
    await say(bot, "grace", "/summary")
    assert "Check-ins: 0 of 3" in chat.last("grace")

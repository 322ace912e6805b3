"""`teampulse run` on Slack stops promptly on SIGTERM and Ctrl-C."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.telegram_api import free_port
from tests.slack.harness import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET
from tests.support import TEST_ORG
from tests.test_resilience_stop import signal_a_running_platform_bot


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
async def test_slack_http_mode_stops_promptly(
        fake: FakeSlackAPI, database_url: str, tmp_path: Path, sig: signal.Signals) -> None:
    log = await signal_a_running_platform_bot(tmp_path, {
        "DATABASE_URL": database_url, "TEAMPULSE_ORG_FILE": str(TEST_ORG),
        "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.base_url, "SLACK_HTTP_HOST": "127.0.0.1",
        "SLACK_HTTP_PORT": str(free_port())}, sig)
    assert "teampulse is running on slack" in log


async def test_slack_socket_mode_stops_promptly(
        fake: FakeSlackAPI, database_url: str, tmp_path: Path) -> None:
    await signal_a_running_platform_bot(tmp_path, {
        "DATABASE_URL": database_url, "TEAMPULSE_ORG_FILE": str(TEST_ORG),
        "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": APP_TOKEN,
        "SLACK_API_URL": fake.base_url}, signal.SIGTERM)

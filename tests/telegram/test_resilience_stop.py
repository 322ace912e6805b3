"""`teampulse run` on Telegram stops promptly on SIGTERM and Ctrl-C, polling or webhook."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.fakes.telegram_api import FakeTelegramAPI, free_port
from tests.support import TEST_ORG
from tests.telegram.conftest import TOKEN
from tests.test_resilience_stop import signal_a_running_platform_bot


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
async def test_telegram_polling_stops_promptly(
        fake: FakeTelegramAPI, database_url: str, tmp_path: Path, sig: signal.Signals) -> None:
    log = await signal_a_running_platform_bot(tmp_path, {
        "DATABASE_URL": database_url, "TEAMPULSE_ORG_FILE": str(TEST_ORG),
        "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": fake.url}, sig)
    assert "teampulse is running on telegram" in log
    assert TOKEN not in log


async def test_telegram_webhook_stops_promptly(
        fake: FakeTelegramAPI, database_url: str, tmp_path: Path) -> None:
    port = free_port()
    await signal_a_running_platform_bot(tmp_path, {
        "DATABASE_URL": database_url, "TEAMPULSE_ORG_FILE": str(TEST_ORG),
        "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": fake.url,
        "TELEGRAM_WEBHOOK_URL": "https://bot.example.com/telegram",
        "TELEGRAM_WEBHOOK_SECRET": "s3cret-token", "TELEGRAM_WEBHOOK_HOST": "127.0.0.1",
        "TELEGRAM_WEBHOOK_PORT": str(port)}, signal.SIGTERM)

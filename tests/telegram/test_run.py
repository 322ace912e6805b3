"""`teampulse run` with TELEGRAM_BOT_TOKEN set: the whole process, on the fake Bot API."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from bot import app as app_module
from bot.clock import FakeClock
from bot.config import Settings
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.telegram.conftest import ALICE, prepared_bots


async def test_run_starts_telegram_and_the_scheduled_checkin_arrives(
        settings: Settings, clock: FakeClock, fake: FakeTelegramAPI,
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert settings.telegram_enabled and not settings.console_enabled
    bots = prepared_bots(monkeypatch)

    def to_alice() -> list[str]:
        return [c.params["text"] for c in fake.calls_for("sendMessage")
                if c.params.get("chat_id") == ALICE and c.status == 200]

    stop = asyncio.Event()
    task = asyncio.create_task(app_module.run(settings, clock=clock, stop=stop))
    try:
        # Friday 16:00 in New York: the scheduler's start-up catch-up prompts Alice.
        await fake.wait_for(lambda: len(to_alice()) == 1 or task.done())
        assert "Time for your weekly check-in" in to_alice()[0]
        assert fake.commands_for("") and fake.commands_for("zh")
        await bots[0].outbox.flush()  # the prompt's delivery has been recorded
        clock.advance(timedelta(seconds=30))
        fake.push_update(fake.private_message(ALICE, "52000"))
        await fake.wait_for(lambda: len(to_alice()) == 2 or task.done())
        assert "Question 2 of 8" in to_alice()[1]
    finally:
        stop.set()
        await task
    assert fake.pending_updates == []  # the last offset was confirmed on the way out


async def test_a_wrong_token_stops_run_with_the_line_the_troubleshooting_table_names(
        settings: Settings, fake: FakeTelegramAPI, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """docs/telegram.md: a mistyped or revoked token stops `teampulse run` with
    `teampulse: Telegram rejected TELEGRAM_BOT_TOKEN` (exit 2), never quoting the token."""
    from bot.cli import main

    wrong = "999999:WRONG-token-typed-by-the-operator"
    for name, value in {"TELEGRAM_BOT_TOKEN": wrong, "TELEGRAM_API_URL": fake.url,
                        "DATABASE_URL": settings.database_url,
                        "TEAMPULSE_ORG_FILE": str(settings.org_file)}.items():
        monkeypatch.setenv(name, value)
    code = await asyncio.to_thread(main, ["--env-file", "/dev/null", "run"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("teampulse: Telegram rejected TELEGRAM_BOT_TOKEN"), err
    assert wrong not in err and "WRONG-token" not in err

"""`teampulse run` with TELEGRAM_BOT_TOKEN set: the whole process, on the fake Bot API."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from bot import app as app_module
from bot.clock import FakeClock
from bot.config import Settings
from bot.core import TeamPulse
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.telegram.conftest import ALICE


async def test_run_starts_telegram_and_the_scheduled_checkin_arrives(
        settings: Settings, clock: FakeClock, fake: FakeTelegramAPI,
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert settings.telegram_enabled and not settings.console_enabled
    bots: list[TeamPulse] = []
    prepare = app_module.prepare

    def spy(*args: Any, **kwargs: Any) -> Any:
        bot, engine = prepare(*args, **kwargs)
        bots.append(bot)
        return bot, engine

    monkeypatch.setattr(app_module, "prepare", spy)

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

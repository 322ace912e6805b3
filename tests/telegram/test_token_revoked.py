"""The Telegram bot token revoked in @BotFather while teampulse runs by long polling: the
operator reads it once in the log with what to do (no token in it), /readyz reports
Telegram down, every message to Telegram waits in the outbox (not given up, Telegram not
asked again), the stop is clean, and after a restart with the new token all of it goes
out, each once."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import ClientSession
from sqlalchemy import select

from bot import app as app_module
from bot.clock import FakeClock
from bot.config import Secret, Settings
from bot.core import TeamPulse
from storage.models import OutboxMessage
from tests.fakes.telegram_api import WAIT, FakeTelegramAPI, free_port
from tests.support import settle_outbox
from tests.telegram.conftest import ALICE, TOKEN, prepared_bots, running

NEW_TOKEN = "123456:NEW-token-from-botfather-never-logged"


def telegram_rows(bot: TeamPulse) -> dict[int, str]:
    with bot.unit() as ctx:
        rows = ctx.session.execute(select(OutboxMessage.id, OutboxMessage.status)
                                   .where(OutboxMessage.platform == "telegram"))
        return {row.id: row.status for row in rows}


async def readyz(bot: TeamPulse) -> tuple[int, dict[str, Any]]:
    async with ClientSession() as http, \
            http.get(f"http://127.0.0.1:{bot.health_port}/readyz") as resp:
        return resp.status, await resp.json()


async def until(predicate: Any) -> None:
    """Until `predicate()`: the client reads Telegram's answer after the fake has sent it."""
    async with asyncio.timeout(WAIT):
        while not predicate():
            await asyncio.sleep(0)


async def test_a_token_revoked_while_polling_is_said_once_reported_and_nothing_is_lost(
        settings: Settings, clock: FakeClock, fake: FakeTelegramAPI,
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    settings = replace(settings, health_port=0, health_host="127.0.0.1")
    bots = prepared_bots(monkeypatch)

    def to_alice() -> list[str]:
        return [c.params["text"] for c in fake.calls_for("sendMessage")
                if c.params.get("chat_id") == ALICE and c.status == 200]

    stop = asyncio.Event()
    task = asyncio.create_task(app_module.run(settings, clock=clock, stop=stop))
    try:
        # Friday 16:00 in New York: the start-up catch-up prompts Alice.
        await fake.wait_for(lambda: len(to_alice()) == 1 or task.done())
        bot = bots[0]
        await bot.outbox.flush()
        assert (await readyz(bot))[0] == 200

        # The operator revokes the token in @BotFather: Telegram answers 401 from now on.
        fake.token = NEW_TOKEN
        await fake.wait_for(lambda: any(c.status == 401 for c in fake.calls_for("getUpdates")))
        await until(lambda: bot.platform_state.get("telegram") == "token_refused")
        status, report = await readyz(bot)
        assert status == 503 and report["platforms"]["telegram"] == "token_refused"

        # Messages to Telegram people queued meanwhile wait, without asking Telegram.
        calls = len(fake.calls)
        await bot.run_checkins()
        await bot.outbox.flush()
        waiting = telegram_rows(bot)
        queued = [i for i, s in waiting.items() if s == "pending"]
        assert queued, waiting
        assert not [s for s in waiting.values() if s not in {"sent", "pending"}]
        assert [c.method for c in fake.calls[calls:]] == []
    finally:
        stop.set()
        await task  # a clean stop: no 'This Application is still running!'

    told = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(told) == 1, [r.getMessage() for r in told]
    line = told[0].getMessage()
    assert "Telegram no longer accepts TELEGRAM_BOT_TOKEN" in line, line
    assert "@BotFather" in line and "restart" in line and "queued" in line
    assert "still running" not in caplog.text and "RuntimeError" not in caplog.text
    assert TOKEN not in caplog.text and "never-logged" not in caplog.text
    assert telegram_rows(bot) == waiting  # the stop gave nothing up either

    # The operator puts the new token in TELEGRAM_BOT_TOKEN and restarts: all of it goes out.
    caplog.clear()
    sent_before = len(to_alice())
    stop = asyncio.Event()
    task = asyncio.create_task(app_module.run(
        replace(settings, telegram_bot_token=Secret(NEW_TOKEN)), clock=clock, stop=stop))
    try:
        await fake.wait_for(lambda: any(c.token == NEW_TOKEN and c.status == 200
                                        for c in fake.calls_for("getUpdates")) or task.done())
        again = bots[1]
        await settle_outbox(again, clock)
        rows = telegram_rows(again)
        assert all(rows[i] == "sent" for i in queued), rows
        assert (await readyz(again))[0] == 200
    finally:
        stop.set()
        await task
    chats = [c.params.get("chat_id") for c in fake.calls_for("sendMessage")
             if c.status == 200 and c.token == NEW_TOKEN]
    assert len(chats) == len(set(chats)) == len(queued)  # each prompt once, to its own person
    assert len(to_alice()) >= sent_before
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_with_a_webhook_the_first_refused_message_says_it_and_the_rest_wait(
        fake: FakeTelegramAPI, bot: TeamPulse, clock: FakeClock,
        caplog: pytest.LogCaptureFixture) -> None:
    """No long poll to meet the 401: the first message Telegram refuses tells of it."""
    caplog.set_level(logging.INFO)
    port = free_port()
    async with running(bot, telegram_webhook_url="https://bot.example.com/telegram/hook",
                       telegram_webhook_secret=Secret("hook-secret"),
                       telegram_webhook_host="127.0.0.1", telegram_webhook_port=port):
        fake.token = NEW_TOKEN
        await bot.run_checkins()
        for _ in range(30):  # half an hour of the outbox's retries
            await bot.outbox.flush()
            clock.advance(timedelta(minutes=1))
        rows = telegram_rows(bot)
        assert rows and set(rows.values()) == {"pending"}, rows
        assert [c.status for c in fake.calls_for("sendMessage")] == [401]  # asked once
        assert bot.platform_state["telegram"] == "token_refused"
    told = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(told) == 1, told
    assert "Telegram no longer accepts TELEGRAM_BOT_TOKEN (sendMessage answered 401" in told[0]
    assert TOKEN not in caplog.text and "never-logged" not in caplog.text
    assert telegram_rows(bot) == rows

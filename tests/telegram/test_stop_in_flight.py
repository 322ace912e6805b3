"""A stop while a message is on its way to Telegram (a slow network): the message arrives
once and is recorded as sent, not resent at the next start nor lost.

The real python-telegram-bot client on the fake Bot API (loopback); the fake carries out
the sendMessage and holds its answer back until the stop is under way.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select
from telegram.ext import Application

from bot import app as app_module
from bot.adapters.telegram import TelegramAdapter
from bot.clock import FakeClock
from bot.config import Settings
from bot.core import TeamPulse
from storage.models import OutboxMessage
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.support import WAIT
from tests.telegram.conftest import ALICE, prepared_bots


def to_alice(fake: FakeTelegramAPI) -> list[str]:
    """What Alice's chat shows: every message Telegram took (answered or not)."""
    return [c.params["text"] for c in fake.calls_for("sendMessage")
            if c.params.get("chat_id") == ALICE and c.status == 200]


def statuses(bot: TeamPulse) -> list[str]:
    with bot.sessions() as session:
        return list(session.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id)))


async def test_a_message_in_flight_at_a_stop_arrives_once_and_is_recorded_sent(
        settings: Settings, clock: FakeClock, fake: FakeTelegramAPI,
        monkeypatch: pytest.MonkeyPatch) -> None:
    bots = prepared_bots(monkeypatch)
    # The stop's wait for calls under way gives up at once: the network is slower than it.
    monkeypatch.setattr(app_module, "FINAL_FLUSH_SECONDS", 0.01)
    # The answer comes back once the adapter is about to disconnect: when it is waiting for
    # its calls under way, or, if it does not, when it shuts its HTTP client down.
    disconnecting = asyncio.Event()
    shutdown = Application.shutdown

    async def spy_shutdown(self: Application) -> None:
        disconnecting.set()
        await shutdown(self)

    monkeypatch.setattr(Application, "shutdown", spy_shutdown)
    calls_ended = getattr(TelegramAdapter, "_calls_ended", None)

    async def spy_calls_ended(self: TelegramAdapter) -> None:
        disconnecting.set()
        if calls_ended is not None:
            await calls_ended(self)

    monkeypatch.setattr(TelegramAdapter, "_calls_ended", spy_calls_ended, raising=False)

    stop = asyncio.Event()
    task = asyncio.create_task(app_module.run(settings, clock=clock, stop=stop))
    try:
        await fake.wait_for(lambda: len(to_alice(fake)) == 1 or task.done())
        await bots[0].outbox.flush()  # the prompt's delivery has been recorded
        release = fake.hold("sendMessage")
        clock.advance(timedelta(seconds=30))
        fake.push_update(fake.private_message(ALICE, "52000"))
        await fake.wait_for(lambda: bool(fake.held) or task.done())
        assert "Question 2 of 8" in fake.held[0].params["text"]  # Telegram has it
        stop.set()
        await asyncio.wait_for(disconnecting.wait(), WAIT)
        release.set()
    finally:
        stop.set()
        await asyncio.wait_for(task, WAIT)
    assert [t for t in to_alice(fake) if "Question 2 of 8" in t] != []
    # Recorded as sent: the next start has nothing to send again.
    assert statuses(bots[0]) == ["sent", "sent"]

    # The next start sends nothing twice.
    fake.calls.clear()
    stop = asyncio.Event()
    task = asyncio.create_task(app_module.run(settings, clock=clock, stop=stop))
    try:
        await fake.wait_for(lambda: fake.called("getUpdates") or task.done())
        await bots[1].outbox.flush()
    finally:
        stop.set()
        await asyncio.wait_for(task, WAIT)
    assert to_alice(fake) == []

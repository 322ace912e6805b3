"""Fixtures for end-to-end Telegram tests: the real python-telegram-bot client, the
TelegramAdapter and the core, against tests/fakes/telegram_api.FakeTelegramAPI on loopback.

Nothing here waits on the wall clock: tests wait for the fake's calls or for the core
to have handled an update, and move the injected FakeClock to let paced messages out.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import pytest
import pytest_asyncio

from bot.adapters.telegram import TelegramAdapter
from bot.clock import FakeClock
from bot.config import Secret, Settings
from bot.core import TeamPulse
from bot.events import InboundEvent
from tests.fakes.telegram_api import WAIT, FakeTelegramAPI

TOKEN = "123456:TEST-telegram-token-never-logged"
BOT_USERNAME = "TeamPulseBot"
GROUP = -1_001_234_567_890
# Telegram user ids of the test org (tests/data/org.yaml).
GRACE, ALICE, LI, VERA, SAM = 1001, 1002, 1004, 1005, 1006
BRUNO = 1003  # known to the org file only by username: bruno_r
STRANGER = 9999
_SECOND = timedelta(seconds=1)


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeTelegramAPI]:
    """A fake Bot API on 127.0.0.1, an OS-chosen port, accepting only TOKEN."""
    async with FakeTelegramAPI(token=TOKEN, bot_username=BOT_USERNAME) as api:
        api.start_bot(GRACE, ALICE, BRUNO, LI, VERA, SAM)  # docs/telegram.md step 4
        yield api


@pytest.fixture
def settings(settings: Settings, fake: FakeTelegramAPI) -> Settings:
    """The shared test settings plus a Telegram token and the fake's URL."""
    return replace(settings, telegram_bot_token=Secret(TOKEN), telegram_api_url=fake.url)


class Handled:
    """Records every event the core handled (and whether it was new), and waits for them."""

    def __init__(self, bot: TeamPulse, monkeypatch: pytest.MonkeyPatch) -> None:
        self.events: list[tuple[InboundEvent, bool]] = []
        self._changed = asyncio.Event()
        original = bot.handle_batch

        async def handle_batch(events: list[InboundEvent], **kwargs: Any) -> list[bool]:
            try:
                results = await original(events, **kwargs)
                self.events.extend(zip(events, results, strict=True))
                return results
            finally:
                self._notify()

        monkeypatch.setattr(bot, "handle_batch", handle_batch)

    def _notify(self) -> None:
        event, self._changed = self._changed, asyncio.Event()
        event.set()

    async def wait(self, count: int, timeout: float = WAIT) -> None:
        """Until `count` events have been handled in all."""
        async with asyncio.timeout(timeout):
            while len(self.events) < count:
                await self._changed.wait()


@dataclass
class TG:
    """One running bot with its Telegram adapter, and shortcuts to talk to it."""

    fake: FakeTelegramAPI
    bot: TeamPulse
    clock: FakeClock
    adapter: TelegramAdapter
    handled: Handled

    async def send(self, update: dict[str, Any], *, settle: bool = True) -> bool:
        """Push an update, wait until the core handled it, then let paced replies out.

        Returns whether the core processed it (False for a duplicate).
        """
        count = len(self.handled.events)
        self.clock.advance(_SECOND)  # a person takes a moment to type
        self.fake.push_update(update)
        await self.handled.wait(count + 1)
        await self.bot.drain()  # the replies' first delivery attempt, as in a real run
        if settle:
            await self.settle()
        return self.handled.events[-1][1]

    async def say(self, user_id: int, text: str, **kwargs: Any) -> bool:
        """A private message from `user_id`."""
        return await self.send(self.fake.private_message(user_id, text, **kwargs))

    async def say_in_group(self, user_id: int, text: str, **kwargs: Any) -> bool:
        """A message from `user_id` in the team's group."""
        return await self.send(self.fake.group_message(GROUP, user_id, text, **kwargs))

    async def checkins(self, *keys: str) -> None:
        """Fire the weekly check-in for some people now, and deliver the prompts."""
        self.clock.advance(_SECOND)
        await self.bot.run_checkins(list(keys))
        await self.settle()

    async def settle(self) -> None:
        """Deliver everything the outbox holds, moving fake time to each paced message."""
        await self.bot.drain()  # e.g. a round /checkin send started
        for _ in range(20):
            due = await self.bot.outbox.flush()
            if due is None:
                return
            self.clock.set(max(self.clock.now(), due))
        raise AssertionError("the outbox did not drain")

    def sent(self, chat_id: int) -> list[dict[str, Any]]:
        """Parameters of the sendMessage calls to a chat that Telegram accepted, in order."""
        return [c.params for c in self.fake.calls_for("sendMessage")
                if c.params.get("chat_id") == chat_id and c.status == 200]

    def texts(self, chat_id: int) -> list[str]:
        """The HTML the bot sent to a chat, in order."""
        return [p["text"] for p in self.sent(chat_id)]

    def shown(self, chat_id: int) -> list[str]:
        """What Telegram shows in a chat now (HTML parsed, edits applied), in order."""
        messages = sorted(self.fake.sent_messages(chat_id), key=lambda m: m["message_id"])
        return [m.get("text") or m.get("caption") or "" for m in messages]

    def last_message(self, chat_id: int) -> dict[str, Any]:
        """The newest message the bot has in a chat (as the fake stores it)."""
        messages = sorted(self.fake.sent_messages(chat_id), key=lambda m: m["message_id"])
        assert messages, f"nothing in chat {chat_id}; calls: {self.fake.method_names()}"
        return messages[-1]

    async def press(self, user_id: int, label: str) -> dict[str, Any]:
        """Press the button called `label` on the newest message in a private chat."""
        message = self.last_message(user_id)
        buttons = [b for row in message.get("reply_markup", {}).get("inline_keyboard", [])
                   for b in row]
        found = next((b for b in buttons if b["text"] == label), None)
        assert found, f"no button {label!r} in {buttons}"
        update = self.fake.callback_query(user_id, found["callback_data"],
                                          message["message_id"])
        await self.send(update)
        return update


@contextlib.asynccontextmanager
async def running(bot: TeamPulse, **overrides: Any) -> AsyncIterator[TelegramAdapter]:
    """A started TelegramAdapter registered with the bot (settings overrides allowed)."""
    adapter = TelegramAdapter(bot, replace(bot.settings, **overrides))
    bot.register(adapter)
    await adapter.start()
    try:
        yield adapter
    finally:
        await adapter.stop()


@pytest_asyncio.fixture
async def tg(fake: FakeTelegramAPI, bot: TeamPulse, clock: FakeClock,
             monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[TG]:
    """The bot running on Telegram by long polling against the fake."""
    handled = Handled(bot, monkeypatch)
    async with running(bot) as adapter:
        yield TG(fake, bot, clock, adapter, handled)


def prepared_bots(monkeypatch: pytest.MonkeyPatch) -> list[TeamPulse]:
    """The bots `bot.app.run` prepares from now on, each as it is prepared (a test of
    `run` reaches the bot it made through this list)."""
    from bot import app as app_module

    bots: list[TeamPulse] = []
    prepare = app_module.prepare

    def spy(*args: Any, **kwargs: Any) -> Any:
        bot, engine = prepare(*args, **kwargs)
        bots.append(bot)
        return bot, engine

    monkeypatch.setattr(app_module, "prepare", spy)
    return bots

"""python-telegram-bot's connection pool running dry (every connection busy with a call
Telegram is slow to answer): PTB raises TimedOut("Pool timeout: ... Request was *not* sent
to Telegram"). The outbox must take it as a failure that passes: the message waits and
goes out later, once; nothing is given up, and the call that held the connection is not
sent again."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select
from telegram.ext import ApplicationBuilder

from bot.adapters import telegram as telegram_adapter
from bot.adapters.base import DeliveryError, RetryLater
from bot.events import OutboundMessage, Target
from storage.models import OutboxMessage
from tests.telegram.conftest import ALICE, TG

TEAM = (1001, 1002, 1003, 1004, 1005, 1006)  # the org's Telegram people


class OnePooledConnection(ApplicationBuilder):  # type: ignore[misc]
    """PTB's builder with one connection for calls and a short wait for it: the pool a
    slow Telegram and a fan-out would exhaust, without a fan-out of hundreds."""

    def __init__(self) -> None:
        super().__init__()
        self.connection_pool_size(1).pool_timeout(0.05)


@pytest.fixture(autouse=True)
def _one_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(telegram_adapter, "ApplicationBuilder", OnePooledConnection)


def statuses(tg: TG) -> set[str]:
    with tg.bot.sessions() as session:
        return set(session.scalars(select(OutboxMessage.status)))


async def test_a_pool_timeout_under_a_slow_telegram_is_retried_and_sends_each_once(
        tg: TG) -> None:
    release = tg.fake.hold_chat("sendMessage", ALICE)  # Telegram slow to answer Alice
    alice = asyncio.create_task(
        tg.adapter.deliver(Target("telegram", "dm", str(ALICE), None, str(ALICE)),
                           OutboundMessage(f"hello {ALICE}")))
    await tg.fake.wait_for_call("sendMessage")  # holding the one connection
    others = [p for p in TEAM if p != ALICE]
    for person in others:
        with pytest.raises(DeliveryError) as refused:
            await tg.adapter.deliver(Target("telegram", "dm", str(person), None, str(person)),
                                     OutboundMessage(f"hello {person}"))
        # What the outbox retries with backoff, as for a network error: not given up.
        assert "Pool timeout" in str(refused.value)
        assert not refused.value.permanent and not isinstance(refused.value, RetryLater)
    release.set()
    await alice
    # The outbox's retries: the pool has room again, and each goes out once.
    enqueue(tg, others)
    await tg.settle()
    assert statuses(tg) == {"sent"}
    for person in TEAM:
        assert [c.params["text"] for c in tg.fake.calls_for("sendMessage")
                if c.params.get("chat_id") == person] == [f"hello {person}"]


def enqueue(tg: TG, people: list[int]) -> None:
    with tg.bot.unit() as ctx:
        for person in people:
            ctx.outbox.enqueue(platform="telegram", target_kind="dm", address=str(person),
                               payload={"text": f"hello {person}"}, now=tg.clock.now())

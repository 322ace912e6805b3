"""A leader that loses its lead in the middle of a batch (its database session cut, on
PostgreSQL with several replicas): what Telegram had answered is recorded before it gives
the lead up, so the next leader sends none of it again.

The leader's work (bot.app.LeaderWork) with the real python-telegram-bot client on the
fake Bot API (loopback); the next leader is a new term on the same database, as
bot.app._elect starts one (a fresh outbox worker).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from bot import app as app_module
from bot.adapters.telegram import TelegramAdapter
from bot.app import LeaderWork
from bot.clock import FakeClock
from bot.config import Settings
from bot.core import TeamPulse
from bot.events import OutboundMessage, SendResult, Target
from bot.outbox import OutboxWorker
from storage.models import OutboxMessage
from storage.undelivered import undelivered
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.support import WAIT
from tests.telegram.conftest import ALICE, LI


def prompts(fake: FakeTelegramAPI) -> Counter[int]:
    """How many check-in prompts each chat shows: every message Telegram took (the round
    sends nothing else)."""
    return Counter(c.params["chat_id"] for c in fake.calls_for("sendMessage")
                   if c.status == 200)


def statuses(bot: TeamPulse) -> dict[str, str]:
    with bot.sessions() as session:
        return dict(session.execute(select(OutboxMessage.address, OutboxMessage.status)).all())


async def no_scheduler(*args: Any, **kwargs: Any) -> None:
    """The scheduler stays off: the test queues the round itself."""


def paced_outbox(bot: TeamPulse, clock: FakeClock) -> OutboxWorker:
    """A term's outbox as it runs for real: a batch planned a second ahead at Telegram's
    pace (Alice's and Li's prompts in one), each message waiting for its moment on the
    (fake) clock."""
    worker = OutboxWorker(bot.sessions, bot.adapters, clock, lookahead=timedelta(seconds=1),
                          on_undelivered=undelivered)

    async def until(moment: datetime) -> None:
        clock.set(max(clock.now(), moment))

    worker._sleep_until = until  # type: ignore[method-assign]
    return worker


def database_drops_once(bot: TeamPulse, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The outbox's next write of a batch's outcomes fails as on a dropped connection (and
    the database is back for the one after); returns the failures so far."""
    worker = bot.outbox
    record = worker._record
    dropped: list[int] = []

    def record_once_dropped(outcomes: Any) -> None:
        if not dropped:
            dropped.append(len(outcomes))
            raise OperationalError("UPDATE outbox", {}, Exception(
                "server closed the connection unexpectedly"))
        record(outcomes)

    monkeypatch.setattr(worker, "_record", record_once_dropped)
    return dropped


async def test_a_leader_losing_its_lead_mid_batch_records_what_telegram_answered(
        bot: TeamPulse, settings: Settings, fake: FakeTelegramAPI, clock: FakeClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The lead is lost with the database connection (a network blip, a failover): the
    batch's outcomes could not be written when its calls ended, and were dropped with the
    term's outbox. The next leader found Alice's and Li's prompts 'sending', took them for
    a crash's, and (Telegram cannot be asked) sent each a second copy. Now the old
    leader writes them once the database answers, before the next leader starts."""
    monkeypatch.setattr(app_module, "start_scheduler", no_scheduler)
    adapter = TelegramAdapter(bot, settings)
    bot.register(adapter)
    answered: list[str] = []
    progress = asyncio.Event()
    real = adapter.deliver

    async def deliver(target: Target, message: OutboundMessage) -> SendResult:
        result = await real(target, message)
        answered.append(target.address)
        progress.set()
        return result

    monkeypatch.setattr(adapter, "deliver", deliver)
    bot.outbox = paced_outbox(bot, clock)
    term = LeaderWork(bot, bot.engine, [adapter])
    await term.start()
    release = fake.hold_chat("sendMessage", LI)  # Li's answer is slow to come back
    # A round in the background, as `teampulse checkin send` runs one: it waits for its
    # delivery, which is under way when the lead is lost.
    bot.spawn(bot.run_checkins(["alice", "li"]))
    async with asyncio.timeout(WAIT):
        while str(ALICE) not in answered:
            progress.clear()
            await progress.wait()
    await fake.wait_for(lambda: bool(fake.held))
    assert prompts(fake) == {ALICE: 1, LI: 1}  # Telegram has both; Li's answer is held

    # The session holding the lead is cut, and the work pool's connection with it: the
    # term stops; Li's answer comes back meanwhile (a call under way is let finish); the
    # batch's outcomes cannot be written at once.
    dropped = database_drops_once(bot, monkeypatch)
    release.set()
    await asyncio.wait_for(term.stop(final=False), WAIT)
    assert dropped == [2]
    assert statuses(bot) == {str(ALICE): "sent", str(LI): "sent"}

    # The next leader (here, or another replica), some seconds later (TAKEOVER_GRACE): a
    # new term with a fresh outbox.
    clock.advance(timedelta(seconds=10))
    bot.outbox = paced_outbox(bot, clock)
    bot.delivers = True
    term = LeaderWork(bot, bot.engine, [adapter])
    await term.start()
    try:
        for _ in range(20):  # what is due, moving the clock to each paced message
            due = await bot.outbox.flush()
            if due is None:
                break
            clock.set(max(clock.now(), due))
    finally:
        await term.stop(final=True)
    assert prompts(fake) == {ALICE: 1, LI: 1}  # nobody got a second copy

"""What the outage tests (a platform unreachable, Slack's and Telegram's) read: the outbox's
rows of a platform, the operator's WARNING lines, and a wait for what is expected."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.core import TeamPulse
from storage.models import OutboxMessage


def rows(bot: TeamPulse, platform: str) -> dict[int, tuple[str, int]]:
    """The platform's outbox rows: id -> (status, attempts)."""
    with bot.sessions() as session:
        return {r.id: (r.status, r.attempts) for r in session.execute(
            select(OutboxMessage.id, OutboxMessage.status, OutboxMessage.attempts)
            .where(OutboxMessage.platform == platform))}


def warnings_and_worse(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The log lines an operator is alerted by (WARNING and above), as written."""
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


async def until(predicate: Callable[[], bool]) -> None:
    """Until `predicate()`: the clients read the fake's answers on the event loop."""
    async with asyncio.timeout(15):  # a busy machine; never waited out when all is well
        while not predicate():
            await asyncio.sleep(0.001)


def said(caplog: pytest.LogCaptureFixture, text: str) -> Callable[[], bool]:
    """Whether a log line holding `text` has been written."""
    return lambda: any(text in r.getMessage() for r in caplog.records)


async def one_try_a_pass(bot: TeamPulse, clock: Any, platform: str, tries: list[Any],
                         queued: dict[int, Any]) -> None:
    """Ten minutes of the outbox passing every 30 s while `platform` cannot be reached:
    after the first pass's try, one queued message tries it a pass (`tries`: the calls
    made to it), none counted as an attempt or given up."""
    await bot.outbox.flush()  # the first try finds the platform down
    first = len(tries)
    for _ in range(20):  # ten minutes of the outbox passing every 30 seconds
        clock.advance(timedelta(seconds=30))
        await bot.outbox.flush()
    assert first <= len(queued), (first, tries)
    assert len(tries) - first == 20, (first, tries)  # one message a pass, not every one
    assert rows(bot, platform) == {i: ("pending", 0) for i in queued}

"""One message at a time tries a platform that cannot be reached: whatever becomes of
that try (an error nobody expected, a stop cancelling it or a message waiting for it),
the next message can try again, so no queued message waits forever."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from bot.adapters.base import NotRunning
from bot.adapters.reach import Reachability
from bot.clock import FakeClock


def reach() -> Reachability:
    bot: Any = SimpleNamespace(clock=FakeClock(datetime(2027, 1, 4, 9, tzinfo=UTC)),
                               platform_state={"slack": "connected"})
    platform = Reachability(bot, "slack", "Slack", "check the network")
    platform.lost("refused", "tries again")
    return platform


async def trying(platform: Reachability, outcome: asyncio.Future[None]) -> None:
    """A message's send as the adapters make it: the probe, then its call."""
    if platform.down and await platform.probe():
        try:
            await outcome
        finally:
            platform.probed()


async def test_guard_a_probe_raising_something_unexpected_lets_the_next_one_try() -> None:
    platform = reach()
    failed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    failed.set_exception(RuntimeError("a bug, not the network"))
    with pytest.raises(RuntimeError):
        await trying(platform, failed)
    assert await platform.probe()  # not held forever behind the failed try
    platform.probed()


async def test_messages_waiting_for_the_probe_are_held_when_it_fails_and_a_stop_frees_all(
        ) -> None:
    platform = reach()
    call: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    probe = asyncio.create_task(trying(platform, call))
    await asyncio.sleep(0)
    waiters = [asyncio.create_task(trying(platform, call)) for _ in range(3)]
    await asyncio.sleep(0)
    waiters[0].cancel()  # a stop while one message waits: the try itself goes on
    await asyncio.sleep(0)
    assert not probe.done()
    probe.cancel()  # then the stop cancels the try
    results = await asyncio.gather(probe, *waiters, return_exceptions=True)
    assert isinstance(results[0], asyncio.CancelledError)
    assert isinstance(results[1], asyncio.CancelledError)
    assert all(isinstance(r, NotRunning) for r in results[2:]), results  # held, 30 s
    assert await platform.probe()  # the next start of a try is not refused
    platform.probed()


async def test_the_messages_waiting_go_as_soon_as_the_probe_finds_the_platform_back(
        ) -> None:
    platform = reach()
    call: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    probe = asyncio.create_task(trying(platform, call))
    await asyncio.sleep(0)
    waiting = asyncio.create_task(platform.probe())
    await asyncio.sleep(0)
    platform.since = None  # what back() records (it also needs a bot with an outbox)
    call.set_result(None)
    await probe
    assert await waiting is False  # not the probe: sent as usual, not held 30 s

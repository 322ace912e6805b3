"""One message at a time tries a platform that cannot be reached: whatever becomes of
that try (an error nobody expected, a stop cancelling it or a message waiting for it),
the next message can try again, so no queued message waits forever."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
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


async def test_a_platform_coming_and_going_is_one_outage_to_the_operator(
        caplog: pytest.LogCaptureFixture) -> None:
    """Slack lost and back every half minute for a quarter of an hour wrote a WARNING and
    an INFO line per flap (30 of each). Now: the outage, its first return, one line that
    it comes and goes, a reminder every 10 minutes counting the losses, and one line once
    it has stayed back 5 minutes; /readyz follows every flap; a loss after that is a new
    outage."""
    caplog.set_level(logging.INFO, logger="bot.adapters.reach")
    platform = reach()  # lost at 09:00
    platform.steady_wait = 3600  # the timer's work is done by hand below, on the fake clock
    clock, state = platform.bot.clock, platform.bot.platform_state

    async def flap(down: bool) -> None:
        clock.advance(timedelta(seconds=30))
        if down:
            platform.lost("ClientConnectorError", "tries again every 30 s")
        else:
            platform.back()
        await asyncio.gather(*platform._telling)  # the return's line: counted in a thread
        assert state["slack"] == ("unreachable" if down else "connected")  # /readyz: truthful

    clock.advance(timedelta(minutes=2, seconds=30))
    for down in [False, True] * 15 + [False]:  # 09:03 back, then lost and back every
        await flap(down)  # 30 s until 09:18
    lines = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert [level for level, _ in lines] == ["WARNING", "INFO", "WARNING", "WARNING"], lines
    assert lines[0][1].startswith("Slack cannot be reached (refused)")
    assert lines[1][1].startswith("Slack can be reached again after 3 min")
    assert lines[2][1].startswith(
        "Slack cannot be reached again (ClientConnectorError), soon after it came back: it "
        "comes and goes (lost since 09:00 UTC). teampulse tries again every 30 s; each "
        "further loss is not logged"), lines[2]
    assert lines[3][1] == ("Slack still comes and goes: lost 12 times since 09:00 UTC "
                           "(ClientConnectorError); teampulse tries again every 30 s")

    clock.advance(timedelta(minutes=4, seconds=59))
    platform.steady()
    assert len(caplog.records) == 4  # not back for 5 minutes yet
    clock.advance(timedelta(seconds=1))
    platform.steady()
    assert caplog.records[-1].levelname == "INFO"
    assert caplog.records[-1].getMessage() == (
        "Slack has stayed reachable for 5 min: it came and went 16 times between 09:00 and "
        "09:18 UTC")
    platform.steady()  # said once
    assert len(caplog.records) == 5

    clock.advance(timedelta(minutes=20))
    platform.lost("refused", "tries again")  # a new outage, said as such
    assert caplog.records[-1].getMessage().startswith("Slack cannot be reached (refused)")
    assert state["slack"] == "unreachable"


async def test_a_single_short_outage_reads_as_before(caplog: pytest.LogCaptureFixture) -> None:
    """Lost, back, and back for good: one WARNING and one INFO line, said at once."""
    caplog.set_level(logging.INFO, logger="bot.adapters.reach")
    platform = reach()
    platform.bot.clock.advance(timedelta(minutes=2))
    platform.back()
    await asyncio.gather(*platform._telling)
    platform.bot.clock.advance(timedelta(minutes=6))
    platform.steady()
    assert [r.levelname for r in caplog.records] == ["WARNING", "INFO"]
    platform.lost("refused", "tries again")
    assert caplog.records[-1].getMessage().startswith("Slack cannot be reached (refused)")

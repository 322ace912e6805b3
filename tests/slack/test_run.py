"""`teampulse run` with Slack configured: the adapter starts, the scheduler's catch-up
check-ins arrive as Slack DMs, answers come back over Socket Mode, and it shuts down cleanly."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

from bot.app import run
from bot.clock import FakeClock
from bot.config import Secret, Settings
from tests.fakes.slack_api import FakeSlackAPI
from tests.slack.harness import ALICE, APP_TOKEN, dm_channel, message
from tests.support import WAIT


async def test_run_starts_slack_in_socket_mode_and_stops_cleanly(
        settings: Settings, fake: FakeSlackAPI, clock: FakeClock) -> None:
    settings = replace(settings, slack_app_token=Secret(APP_TOKEN), slack_signing_secret=None)
    stop = asyncio.Event()
    running = asyncio.create_task(run(settings, clock=clock, stop=stop))
    try:
        await fake.wait_for_socket_connection()
        # Friday 16:00 in New York and within the grace period for Rome: both are prompted.
        await fake.wait_for_call("chat.postMessage", count=2)
        prompted = {c.params["channel"] for c in fake.calls_for("chat.postMessage")}
        assert prompted == {ALICE, "U0BRUNO"}

        clock.advance(timedelta(minutes=3))  # Alice takes a moment to answer
        envelope = await fake.push_event(message(ALICE, "52000", channel=dm_channel(ALICE),
                                                 channel_type="im"))
        await fake.wait_for_ack(envelope)
        reply = await fake.wait_for_call("chat.postMessage", count=3)
        assert reply.params["channel"] == ALICE
        assert "*Question 2 of 8*" in reply.params["text"]
    finally:
        stop.set()
        await asyncio.wait_for(running, timeout=WAIT)
    assert running.exception() is None

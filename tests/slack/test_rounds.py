"""Slack's 3-second ack never waits for a large check-in round being written."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import replace

import pytest

from bot.config import Settings
from tests.slack.harness import GRACE, SlackHarness
from tests.test_rounds import big_org

DIRECTORS = 300


@pytest.fixture
def settings(settings: Settings, tmp_path) -> Settings:
    """The Slack test settings on an org of a GM and 300 directors."""
    return replace(settings, org_file=big_org(tmp_path / "big.yaml", DIRECTORS))


async def test_a_slash_command_is_acked_while_a_round_for_300_people_is_written(
        slack: SlackHarness, bot) -> None:
    writing, release = threading.Event(), threading.Event()

    def hold_the_first_batch(number: int) -> None:
        # Runs inside the first batch's transaction: the round is mid-write until released.
        if number == 1:
            writing.set()
            release.wait(30)

    bot.round_batch_hook = hold_the_first_batch
    round_task = asyncio.create_task(bot.run_checkins())
    try:
        assert await asyncio.to_thread(writing.wait, 10), "the round never started writing"
        resp = await slack.command(GRACE, "/help", settle=False)
        assert resp.status == 200  # Slack has its ack...
        assert not round_task.done()  # ...while the round is still being written
    finally:
        release.set()
    run = await round_task
    assert list(run.results.values()).count("prompted") == DIRECTORS
    await slack.settle()
    assert "/summary" in slack.ephemerals(GRACE)[-1].params["text"]  # and /help was answered

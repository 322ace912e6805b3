"""Slack fan-out: one connection pool for every post, and a workspace cap honoured."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot.adapters.slack import SlackAdapter
from bot.clock import FakeClock
from bot.config import ConfigError, Settings
from tests.fakes.rate_limits import Limit, SimulatedLimits
from tests.fakes.slack_api import FakeSlackAPI
from tests.slack.test_outbound import enqueue, rows


async def test_posts_one_after_another_reuse_one_connection(
        bot, fake: FakeSlackAPI, adapter: SlackAdapter) -> None:
    # A new connection per call cost most of a fan-out's time.
    for person in ("U0ALICE", "U0BRUNO", "U0CHEN"):
        enqueue(bot, person, f"hello {person}")
        await bot.outbox.flush()
    peers = {call.peer for call in fake.calls_for("chat.postMessage")}
    assert len(fake.calls_for("chat.postMessage")) == 3
    assert len(peers) == 1
    assert [status for _, status, _ in rows(bot)] == ["sent"] * 3


async def test_stopping_closes_the_connection_pool(bot, adapter: SlackAdapter) -> None:
    enqueue(bot, "U0ALICE", "hello")
    await bot.outbox.flush()
    session = adapter.client.session
    assert session is not None and not session.closed
    await adapter.stop()
    assert session.closed


async def test_a_message_sent_after_stopping_goes_out_and_leaves_no_connection_open(
        bot, fake: FakeSlackAPI, adapter: SlackAdapter) -> None:
    # At exit the outbox's last flush runs after the adapter stopped: its messages still
    # go out, and no connection pool is left open behind them ("Unclosed client session").
    await adapter.stop()
    enqueue(bot, "U0ALICE", "queued just before exit")
    await bot.outbox.flush()
    assert [status for _, status, _ in rows(bot)] == ["sent"]
    assert fake.calls_for("chat.postMessage")[-1].params["channel"] == "U0ALICE"
    session = adapter.client.session
    assert session is None or session.closed


def test_the_workspace_cap_is_read_from_the_environment() -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s",
           "SLACK_MAX_POSTS_PER_SECOND": "50"}
    assert Settings.load(env, env_file=None).slack_max_posts_per_second == 50
    with pytest.raises(ConfigError, match=r"SLACK_MAX_POSTS_PER_SECOND='fast': expected a "
                                          r"positive number of messages per second"):
        Settings.load({**env, "SLACK_MAX_POSTS_PER_SECOND": "fast"}, env_file=None)
    with pytest.raises(ConfigError, match="SLACK_MAX_POSTS_PER_SECOND='0'"):
        Settings.load({**env, "SLACK_MAX_POSTS_PER_SECOND": "0"}, env_file=None)


async def test_a_round_under_a_workspace_cap_goes_out_without_a_single_429(
        bot, fake: FakeSlackAPI, clock: FakeClock) -> None:
    # The workspace allows 2 posts a second overall and 1 a second per channel; the
    # operator told teampulse so. Every person gets the prompt, and Slack never refuses one.
    fake.limits = SimulatedLimits([Limit(2, 1.0), Limit(1, 1.0, "chat")],
                                  clock=lambda: clock.now().timestamp())
    fake.join("C0SALES")
    capped = SlackAdapter(bot, replace(bot.settings, slack_max_posts_per_second=2))
    bot.register(capped)
    await capped.start()
    try:
        people = [f"U0P{i}" for i in range(6)]
        for person in people:
            enqueue(bot, person, "Your weekly check-in")
        enqueue(bot, "C0SALES", "first")
        enqueue(bot, "C0SALES", "second", kind="channel")
        for _ in range(20):
            await bot.outbox.flush()
            clock.advance(timedelta(seconds=0.5))
        assert fake.limits.rejected == 0
        assert all(status == "sent" for _, status, _ in rows(bot))
        assert [m["text"] for m in fake.posted("C0SALES")] == ["first", "second"]
    finally:
        await capped.stop()

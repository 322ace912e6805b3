"""README, *A person's data*: erased while the running bot sends a fan-out on Slack, a
person gets nothing more, and nothing more names them, but the one message whose request
had already left. The bot sends to the fake Slack API on loopback with the real slack_sdk
client; the operator runs `teampulse erase` (another process in production: the CLI on
the same database) while Slack holds its answer to the first post of the batch."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.clock import FakeClock
from bot.core import TeamPulse
from bot.outbox import CallGate
from tests.fakes import slack_api
from tests.fakes.slack_api import FakeCall, FakeSlackAPI
from tests.slack.harness import ALICE, CHANNEL, GRACE, SlackHarness, dm_channel, message
from tests.test_personal_data import cli_env  # noqa: F401 (a fixture)


def names_alice(call: FakeCall) -> bool:
    text = str(call.params.get("text") or "") + str(call.params.get("blocks") or "")
    return "Alice" in text or ALICE in text


async def test_erased_mid_fanout_nothing_more_reaches_or_names_them(
        slack: SlackHarness, fake: FakeSlackAPI, bot: TeamPulse, cli_env,  # noqa: F811
        clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """Grace thanks Alice in #general and Alice thanks Bruno (shout-outs, and a DM to
    each naming the other); the weekly round asks everyone, Alice too. The bot takes
    all of it to send in one batch, more than it calls at once: Slack is slow to answer
    the first post (Grace's shout-out), the rest wait their turn, and the GM erases Alice
    meanwhile, at her request (Slack was down a few minutes: all of it waited). Once
    Slack answers, nothing more reaches Alice, and nothing more that reaches others
    names her: Bruno's DM says `former-<id>`."""
    fake.clock = lambda: clock.now().timestamp()
    fake.outage("chat.postMessage", until=clock.now().timestamp() + 60)  # Slack is down
    await slack.event(message(GRACE, "thanks <@U0ALICE> for the Acme deck",
                              ts="1700000000.000200"), settle=False)
    await slack.event(message(ALICE, "thanks <@U0BRUNO> for the Milan deck",
                              ts="1700000000.000300"), settle=False)
    await slack.adapter.drain()
    await bot.drain()
    await bot.run_checkins()
    clock.advance(timedelta(minutes=5))  # Slack is back: the backlog goes out
    # 64 calls at once in production; a fan-out larger than that waits for its turn:
    # here one at a time, so one slow answer holds the rest of the batch back.
    monkeypatch.setattr(bot.outbox, "_calls", CallGate(1))
    arrived, answer = asyncio.Event(), asyncio.Event()
    post = slack_api._BUILTIN["chat.postMessage"]

    async def slow_first(call: FakeCall) -> slack_api.JsonDict:
        if not arrived.is_set():
            arrived.set()
            await answer.wait()
        return post(fake, call)
    fake.set_handler("chat.postMessage", slow_first)

    tried = len(fake.calls_for("chat.postMessage"))  # (during the outage)
    sending = asyncio.ensure_future(bot.outbox.flush())
    await asyncio.wait_for(arrived.wait(), 10)
    first = fake.calls_for("chat.postMessage")[tried:]
    assert len(first) == 1 and first[0].params["channel"] == CHANNEL and names_alice(first[0])
    code, said = cli_env("erase", "alice", "--yes")  # the GM, meanwhile
    assert code == 0, said
    clock.advance(timedelta(seconds=1))  # Slack answers a moment later
    answer.set()
    await asyncio.wait_for(sending, 10)
    await slack.settle()

    posts = fake.calls_for("chat.postMessage")[tried:]
    later = posts[1:]
    # The batch was taken to send when the erase committed, and is sent on (the round's
    # prompts to the others, Bruno's DM), but none of it to her or naming her.
    assert sorted(c.params["channel"] for c in later) == [
        CHANNEL, "U0BRUNO", "U0BRUNO", "U0LILEI"], [c.params for c in posts]
    assert not [c.params for c in later if c.params.get("channel") in (ALICE, dm_channel(ALICE))]
    assert not [c.params for c in later if names_alice(c)]
    bruno = [str(c.params.get("text")) for c in later if c.params.get("channel") == "U0BRUNO"
             and "Milan" in str(c.params.get("text"))]
    assert bruno and all("former-" in text for text in bruno), bruno
    # The operator was told that the one post under way may have gone as it was.
    assert "were being sent by the running bot at this moment: it sends none of them " \
        "from now on; only one whose request had already left (or leaves within 0.1 s) " \
        "may still arrive as it was, at most one per chat" in said, said

"""A large fan-out on Slack, in batches: everyone gets each message exactly once and in
order, through failed calls and through a crash between Slack accepting a batch and the
outbox recording it. The real slack_sdk client against the fake Slack API."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.clock import FakeClock
from bot.config import Settings
from bot.core import TeamPulse
from bot.outbox import OutboxWorker
from storage.models import OutboxMessage
from tests.fakes.slack_api import FakeCall, FakeResponse, FakeSlackAPI
from tests.slack.harness import SlackHarness
from tests.slack.test_crash_delivery import SimulatedCrash, restarted

PEOPLE = [f"UFAN{i:04d}" for i in range(150)]


def enqueue_round(bot: TeamPulse, texts: int) -> None:
    """`texts` messages to every person, recorded together as a round does."""
    with bot.unit() as ctx:
        for n in range(texts):
            for person in PEOPLE:
                ctx.outbox.enqueue(platform="slack", target_kind="dm", address=person,
                                   payload={"text": f"message {n} for {person}"},
                                   now=bot.clock.now())


async def deliver_all(bot: TeamPulse, clock: FakeClock) -> None:
    """Flush, and move the clock on to whatever was deferred, until nothing is left."""
    for _ in range(500):
        due = await bot.outbox.flush()
        if due is None:
            return
        clock.set(max(due, clock.now()))
    raise AssertionError("the outbox never finished")


def statuses(bot: TeamPulse) -> dict[str, int]:
    with bot.sessions() as session:
        return dict(session.execute(select(OutboxMessage.status, func.count())
                                    .group_by(OutboxMessage.status)).all())


@pytest.fixture(autouse=True)
def _slack_time_follows_the_clock(fake: FakeSlackAPI, clock: FakeClock) -> None:
    fake.clock = lambda: clock.now().timestamp()


async def test_every_person_gets_each_message_once_and_in_order_when_slack_fails_calls(
        slack: SlackHarness, fake: FakeSlackAPI, bot: TeamPulse, clock: FakeClock) -> None:
    # Every 7th post is answered 500, every 11th 429 with a long Retry-After: refused,
    # not posted. 450 messages, 3 to each of 150 people.
    calls = itertools.count()

    def flaky(call: FakeCall) -> object:
        n = next(calls)
        if n % 7 == 3:
            return FakeResponse(status=500, body={"ok": False, "error": "internal_error"})
        if n % 11 == 5:
            return FakeResponse(status=429, body={"ok": False, "error": "ratelimited"},
                                headers={"Retry-After": "30"})
        return FakeSlackAPI._chat_post_message(fake, call)

    fake.set_handler("chat.postMessage", flaky)
    enqueue_round(bot, 3)
    await deliver_all(bot, clock)

    assert next(calls) > 450  # some calls did fail and were made again
    for person in PEOPLE:
        assert [m["text"] for m in fake.posted(person)] == [
            f"message {n} for {person}" for n in range(3)]
    assert statuses(bot) == {"sent": 450}


async def test_a_crash_after_slack_accepted_a_batch_sends_none_of_it_again(
        slack: SlackHarness, fake: FakeSlackAPI, bot: TeamPulse, settings: Settings,
        clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    # The process dies after Slack accepted a whole batch and before the outbox recorded
    # it: every row stays 'sending'. The next start finds each post by the outbox id it
    # carries and marks it sent; nobody gets a message twice.
    def killed(self: OutboxWorker, outcomes: object) -> None:
        raise SimulatedCrash

    monkeypatch.setattr(OutboxWorker, "_record", killed)
    enqueue_round(bot, 1)
    with pytest.raises(SimulatedCrash):
        await bot.outbox.flush()
    assert fake.call_count("chat.postMessage") == len(PEOPLE)
    assert statuses(bot) == {"sending": len(PEOPLE)}
    monkeypatch.undo()

    async with restarted(settings, clock) as again:
        clock.advance(timedelta(seconds=1))
        assert await again.outbox.flush() is None

    assert fake.call_count("chat.postMessage") == len(PEOPLE)  # not one sent again
    for person in PEOPLE:
        assert [m["text"] for m in fake.posted(person)] == [f"message 0 for {person}"]
    assert statuses(bot) == {"sent": len(PEOPLE)}

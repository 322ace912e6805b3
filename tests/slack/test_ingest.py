"""A burst of answers in Slack: acknowledged at once, stored in order, in batches, none lost."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select

import bot.adapters.slack as slack_module
from bot.core import TeamPulse
from bot.ingest import Ingest
from storage.models import Answer
from tests.slack.harness import ALICE, LILEI, SlackHarness, dm_channel, message


class Gate:
    """Holds the ingest workers at their next batch until opened (no wall-clock waits)."""

    def __init__(self, bot: TeamPulse, monkeypatch: pytest.MonkeyPatch) -> None:
        # One lane, as on SQLite, so the batches are the same on PostgreSQL (which has a
        # lane per database thread; a person's events stay in one lane either way).
        monkeypatch.setattr(bot, "ingest", Ingest(bot, lanes=1))
        self.opened = asyncio.Event()
        self.entered = asyncio.Event()  # a worker took its first batch and waits
        self.batches: list[int] = []
        original = bot.handle_batch

        async def held(events: list[Any], **kwargs: Any) -> list[bool]:
            self.entered.set()
            await self.opened.wait()
            self.batches.append(len(events))
            return await original(events, **kwargs)

        monkeypatch.setattr(bot, "handle_batch", held)


def dm_event(slack: SlackHarness, user: str, typed: str, n: int) -> str:
    return slack.callback(message(user, typed, channel=dm_channel(user), channel_type="im",
                                  ts=f"1700000000.{n:06d}"), f"EvBURST{user}{n:03d}")


def stored(bot: TeamPulse, key: str) -> dict[str, float | str | None]:
    with bot.sessions() as session:
        return {a.question_key: a.text_value if a.number_value is None else a.number_value
                for a in session.scalars(select(Answer)) if a.round.person.key == key}


async def test_a_burst_of_answers_is_acked_stored_in_order_and_in_one_transaction(
        slack: SlackHarness, bot: TeamPulse, monkeypatch: pytest.MonkeyPatch) -> None:
    await bot.run_checkins(["alice", "li"])
    await slack.settle()
    gate = Gate(bot, monkeypatch)

    # Two people answer their first two questions quickly; every request is acked at
    # once, while nothing has been stored yet.
    bodies = [dm_event(slack, ALICE, "52000", 1), dm_event(slack, LILEI, "61000", 2),
              dm_event(slack, ALICE, "3", 3), dm_event(slack, LILEI, "5", 4)]
    responses = [await slack.dispatch(bodies[0])]
    await gate.entered.wait()
    responses += [await slack.dispatch(body) for body in bodies[1:]]
    assert [r.status for r in responses] == [200] * 4
    assert slack.counts()["answers"] == 0

    gate.opened.set()
    await slack.settle()
    # Each person's answers went to the questions in the order they were typed...
    assert stored(bot, "alice") == {"kpi:revenue": 52000.0, "kpi:new_customers": 3.0}
    assert stored(bot, "li") == {"kpi:revenue": 61000.0, "wins": "5"}
    assert "Question 3 of" in slack.last_text(ALICE)
    # ... and the first one alone, the three that queued meanwhile, cost two commits.
    assert gate.batches == [1, 3]
    assert slack.counts()["events"] == 4


async def test_a_redelivery_in_the_same_batch_is_handled_once(
        slack: SlackHarness, bot: TeamPulse, monkeypatch: pytest.MonkeyPatch) -> None:
    await bot.run_checkins(["alice"])
    await slack.settle()
    gate = Gate(bot, monkeypatch)
    first = dm_event(slack, ALICE, "52000", 1)
    await slack.dispatch(dm_event(slack, LILEI, "hello", 9))  # keeps the worker busy
    await gate.entered.wait()
    assert (await slack.dispatch(first)).status == 200
    assert (await slack.dispatch(first, **{"x-slack-retry-num": "1",
                                           "x-slack-retry-reason": "timeout"})).status == 200
    gate.opened.set()
    await slack.settle()
    assert gate.batches == [1, 2]
    assert stored(bot, "alice") == {"kpi:revenue": 52000.0}
    # One reply to the answer, not two: the next question once.
    assert sum("Question 2 of" in c.params["text"] for c in slack.posts(ALICE)) == 1


async def test_a_full_queue_refuses_the_ack_and_the_redelivery_is_stored(
        slack: SlackHarness, bot: TeamPulse, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    await bot.run_checkins(["alice", "li"])
    await slack.settle()
    gate = Gate(bot, monkeypatch)
    monkeypatch.setattr(bot.ingest, "_capacity", 1)
    monkeypatch.setattr(slack_module, "INGEST_WAIT", 0)  # refuse at once, no waiting

    busy = dm_event(slack, LILEI, "61000", 1)
    queued = dm_event(slack, LILEI, "5", 2)
    refused = dm_event(slack, ALICE, "52000", 3)
    assert (await slack.dispatch(busy)).status == 200  # taken by the worker, held
    await gate.entered.wait()
    assert (await slack.dispatch(queued)).status == 200  # waits in the queue
    # No room: not acknowledged, so Slack delivers it again later.
    assert (await slack.dispatch(refused)).status != 200
    assert "Slack delivers it again later" in caplog.text

    gate.opened.set()
    await slack.settle()
    assert stored(bot, "alice") == {}
    retry = await slack.dispatch(refused, **{"x-slack-retry-num": "1",
                                             "x-slack-retry-reason": "http_error"})
    assert retry.status == 200
    await slack.settle()
    assert stored(bot, "alice") == {"kpi:revenue": 52000.0}
    assert stored(bot, "li") == {"kpi:revenue": 61000.0, "wins": "5"}
    assert "Question 2 of" in slack.last_text(ALICE)


async def test_answers_acknowledged_but_still_queued_at_a_stop_are_stored_first(
        slack: SlackHarness, bot: TeamPulse, monkeypatch: pytest.MonkeyPatch) -> None:
    # The operator stops the bot (SIGTERM) in the middle of a burst: Slack was told every
    # event was received and will not send them again, so the stop stores them first.
    await bot.run_checkins(["alice", "li"])
    await slack.settle()
    gate = Gate(bot, monkeypatch)
    responses = [await slack.dispatch(dm_event(slack, ALICE, "52000", 1))]
    await gate.entered.wait()
    responses += [await slack.dispatch(dm_event(slack, LILEI, "61000", 2)),
                  await slack.dispatch(dm_event(slack, ALICE, "3", 3))]
    assert [r.status for r in responses] == [200] * 3
    assert bot.ingest.waiting() == 2 and slack.counts()["answers"] == 0

    stopping = asyncio.create_task(slack.adapter.stop())
    await asyncio.sleep(0)  # the stop has begun: it waits on the queue, not the clock
    assert not stopping.done()
    gate.opened.set()
    await stopping
    assert stored(bot, "alice") == {"kpi:revenue": 52000.0, "kpi:new_customers": 3.0}
    assert stored(bot, "li") == {"kpi:revenue": 61000.0}

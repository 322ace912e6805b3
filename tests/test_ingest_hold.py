"""Acknowledgement first: while answers keep arriving, storing waits, but never long.

The ingest lanes hold their next batch back while events keep coming in (the database
thread would slow every acknowledgement behind it), until the stream pauses or the
oldest waiting answer has waited INGEST_MAX_HOLD. Time here is a stepped clock: the
lanes' naps move it, and people type at a fixed pace on it; nothing waits on the wall.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

import pytest

from bot import ingest
from bot.core import TeamPulse
from bot.events import InboundEvent
from bot.ingest import Ingest
from tests.support import RecordingAdapter
from tests.test_ingest_batch import answers_of, typed

PEOPLE = ("alice", "bruno", "li")
TYPED = ("52000", "3", "Closed Acme")
QUESTION_4 = ("Question 4 of", "第 4 题")


class Typing:
    """People sending answers one every `every` seconds of a stepped clock.

    Stands in for the platform's requests: answers arrive while a lane naps, and
    the clock moves only by the lanes' naps.
    """

    def __init__(self, bot: TeamPulse, events: list[InboundEvent], every: float) -> None:
        self.bot = bot
        self.now = 0.0
        self.every = every
        self.pending = deque(events)
        self.arrived: dict[str, float] = {}
        self.naps: list[float] = []
        self.batches: list[tuple[float, list[str]]] = []  # (started at, event ids)
        bot.ingest.monotonic = lambda: self.now
        bot.ingest.nap = self.nap
        handle_batch = bot.handle_batch

        async def storing(events: list[InboundEvent], **kwargs: Any) -> list[bool]:
            self.batches.append((self.now, [e.event_id or "" for e in events]))
            return await handle_batch(events, **kwargs)

        bot.handle_batch = storing  # type: ignore[method-assign]

    def next_at(self) -> float:
        return len(self.arrived) * self.every

    async def send(self) -> None:
        """The next answer arrives (the clock at its time)."""
        self.now = max(self.now, self.next_at())
        event = self.pending.popleft()
        self.arrived[event.event_id or ""] = self.now
        await self.bot.submit(event)

    async def nap(self, seconds: float) -> None:
        """A lane's nap: the answers due meanwhile arrive."""
        end = self.now + seconds
        self.naps.append(seconds)
        while self.pending and self.next_at() <= end + 1e-9:
            await self.send()
        self.now = end

    async def run(self) -> None:
        """Send every answer, until the lanes have stored them all (at their own pace:
        join() would hurry them)."""
        while self.pending or any(self.bot.ingest._workers):
            if busy := [t for t in self.bot.ingest._workers if t is not None]:
                await asyncio.gather(*busy)
            else:
                await self.send()

    def waited(self) -> list[float]:
        """How long each answer waited between its arrival and its batch's start."""
        return [start - self.arrived[event_id]
                for start, ids in self.batches for event_id in ids]


def answers(people: tuple[str, ...] = PEOPLE) -> list[InboundEvent]:
    """Each person's first three answers, the people taking turns."""
    return [typed(key, text, f"{key}-{n}")
            for n, text in enumerate(TYPED) for key in people]


async def stored_and_asked_on(bot: TeamPulse, chat: RecordingAdapter) -> None:
    """Once drained: everyone's three answers are stored and they were asked question 4."""
    await bot.drain()
    for key in PEOPLE:
        stored = answers_of(bot, key)
        assert len(stored) == 3 and stored["kpi:revenue"] == 52000.0, (key, stored)
        assert any(mark in chat.last(key) for mark in QUESTION_4), key


@pytest.fixture
def one_lane(bot: TeamPulse, monkeypatch: pytest.MonkeyPatch) -> TeamPulse:
    # One lane, as on SQLite, so the batches are the same on PostgreSQL.
    monkeypatch.setattr(bot, "ingest", Ingest(bot, lanes=1))
    return bot


async def nine_answers(bot: TeamPulse, chat: RecordingAdapter) -> Typing:
    """Everyone asked, then their nine answers ready to arrive one every 10 ms (half of
    INGEST_QUIET: as a stream, it never pauses)."""
    await bot.run_checkins(list(PEOPLE))
    chat.clear()
    return Typing(bot, answers(), every=ingest.INGEST_QUIET / 2)


async def test_answers_arriving_in_a_stream_are_stored_after_it_and_everyone_gets_the_next_question(
        one_lane: TeamPulse, chat: RecordingAdapter) -> None:
    bot = one_lane
    # Nine answers, one every 10 ms: the stream never pauses for INGEST_QUIET (20 ms)
    # and is over well within INGEST_MAX_HOLD.
    typing = await nine_answers(bot, chat)
    await typing.run()
    # Nothing was stored while answers kept arriving: one batch, once the stream paused.
    assert len(typing.batches) == 1
    started, ids = typing.batches[0]
    assert len(ids) == 9
    assert started == pytest.approx(max(typing.arrived.values()) + ingest.INGEST_QUIET)
    await stored_and_asked_on(bot, chat)


async def test_a_stream_longer_than_the_bound_is_stored_within_the_bound_in_order(
        one_lane: TeamPulse, chat: RecordingAdapter, monkeypatch: pytest.MonkeyPatch) -> None:
    bot = one_lane
    monkeypatch.setattr(ingest, "INGEST_MAX_HOLD", 0.035)
    # The same nine answers, one every 10 ms (90 ms in all), while storing may wait
    # 35 ms at most: the lane stores during the stream, each answer within the bound.
    typing = await nine_answers(bot, chat)
    await typing.run()
    assert len(typing.batches) > 1
    assert max(typing.waited()) <= ingest.INGEST_MAX_HOLD + 1e-9
    # Still, while answers kept coming, no batch started before the bound was reached.
    assert typing.batches[0][0] == pytest.approx(ingest.INGEST_MAX_HOLD)
    assert [i for _, ids in typing.batches for i in ids] == [e.event_id for e in answers()]
    await stored_and_asked_on(bot, chat)


async def test_one_answer_alone_waits_only_for_the_short_pause(
        one_lane: TeamPulse, chat: RecordingAdapter) -> None:
    bot = one_lane
    await bot.run_checkins(["alice"])
    chat.clear()
    typing = Typing(bot, [typed("alice", "52000", "a1")], every=1.0)
    await typing.run()
    assert typing.naps == [pytest.approx(ingest.INGEST_QUIET)]
    await bot.drain()
    assert answers_of(bot, "alice") == {"kpi:revenue": 52000.0}
    assert "Question 2 of" in chat.last("alice")


async def test_waiting_for_the_answers_to_be_stored_holds_nothing_back(
        one_lane: TeamPulse, chat: RecordingAdapter) -> None:
    # A stop (or anyone draining) does not wait for a pause: nobody is being acked then.
    bot = one_lane
    typing = await nine_answers(bot, chat)
    for _ in range(len(typing.pending)):
        await typing.send()
    await bot.drain()
    assert typing.naps == []
    for key in PEOPLE:
        assert any(mark in chat.last(key) for mark in QUESTION_4), key


async def test_a_bursts_replies_go_out_once_it_is_stored_not_at_its_first_batch(
        one_lane: TeamPulse, chat: RecordingAdapter, monkeypatch: pytest.MonkeyPatch) -> None:
    # Sending shares the event loop with the acknowledgements: while the lanes work, the
    # first pass comes BURST_DELIVERY_GAP after they started (here: never), or once they
    # are idle; then everyone gets their next question.
    bot = one_lane
    monkeypatch.setattr(ingest, "INGEST_BATCH", 1)  # one batch per answer
    monkeypatch.setattr(ingest, "BURST_DELIVERY_GAP", 3600.0)
    await bot.run_checkins(list(PEOPLE))
    chat.clear()
    passes_while_storing: list[int] = []
    deliver = bot.deliver

    async def watched() -> None:
        if any(bot.ingest._workers):
            passes_while_storing.append(bot.ingest.waiting())
        await deliver()

    monkeypatch.setattr(bot, "deliver", watched)
    for event in answers():
        await bot.submit(event)
    await bot.drain()
    assert passes_while_storing == []
    for key in PEOPLE:
        assert any(mark in chat.last(key) for mark in QUESTION_4), key

"""Inbound events between the acknowledgement and the database: bounded, ordered, batched.

An adapter acknowledges an event as soon as it is queued here, so a platform's deadline
(Slack: 3 s) never waits on the database. The queue is split into lanes (one on SQLite,
two on PostgreSQL, see TeamPulse); a person's events always go to the same lane
and each lane is worked by one task, so two answers from one person are applied in the
order they arrived (on SQLite, with one lane, all events are). A lane's worker takes up
to INGEST_BATCH waiting events at a time and stores them in one transaction (see
TeamPulse.handle_batch: their senders, dialogs and rounds loaded once, their event ids
claimed in one statement), so a burst costs one commit per batch, not one per event.
A worker exists only while its lane holds events: nothing idles.

Backpressure: at most INGEST_CAPACITY events wait in all. When a lane is full, submit()
waits for room; with a `wait` limit (Slack) it raises IngestBusy after that long, and the
adapter answers with an error instead of an acknowledgement, so the platform delivers the
event again later (the event id makes the redelivery safe). Nothing acknowledged is ever
dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import zlib
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from bot.events import InboundEvent
from bot.gc_pause import burst_ended, burst_started

if TYPE_CHECKING:
    from bot.core import TeamPulse

log = logging.getLogger(__name__)

#: Events waiting for processing, in all lanes together.
INGEST_CAPACITY = 2000
#: Events stored per transaction at most (the write lock is held that long on SQLite).
INGEST_BATCH = 64
#: How long Slack's listener waits for room before refusing (Slack's deadline is 3 s).
INGEST_WAIT = 2.0
#: While a lane is storing events, the replies of its batches go out at most this often
#: (seconds); once the lanes are idle, at once. Sending shares the event loop and the
#: interpreter with the lanes, and on Slack (nothing paces the sends) a pass after every
#: batch held the burst's storing back.
BURST_DELIVERY_GAP = 1.0

Then = Callable[[bool], Coroutine[Any, Any, None]]


class IngestBusy(Exception):
    """The ingest queue stayed full: the event was not queued and must not be acknowledged."""


class Ingest:
    """Bounded per-person-ordered lanes of acknowledged events, worked in batches."""

    def __init__(self, bot: TeamPulse, lanes: int = 1) -> None:
        self._bot = bot
        self._lanes = max(1, lanes)
        self._capacity = max(1, INGEST_CAPACITY // self._lanes)
        self._queues: list[asyncio.Queue[tuple[InboundEvent, Then | None]]] = []
        self._workers: list[asyncio.Task[None] | None] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._delivering = False
        self._deliver_again = False
        self._idle: asyncio.Event | None = None
        self._last_pass = float("-inf")

    def lane(self, event: InboundEvent) -> int:
        """The lane of an event's sender: the same person always gets the same lane."""
        key = f"{event.platform}:{event.user_id}".encode()
        return zlib.crc32(key) % self._lanes

    def waiting(self) -> int:
        """Events queued and not yet taken by a worker."""
        return sum(q.qsize() for q in self._queues)

    def _queue(self, lane: int) -> asyncio.Queue[tuple[InboundEvent, Then | None]]:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # first use, or a new loop (tests): fresh queues
            self._loop = loop
            self._queues = [asyncio.Queue(self._capacity) for _ in range(self._lanes)]
            self._workers = [None] * self._lanes
            self._delivering = self._deliver_again = False
            self._idle = asyncio.Event()
            self._idle.set()
            self._last_pass = float("-inf")
        return self._queues[lane]

    async def submit(self, event: InboundEvent, then: Then | None = None, *,
                     wait: float | None = None) -> None:
        """Queue an event; returns once it is queued (see the module's docstring).

        `then(handled)` runs in the background after the event was processed. With
        `wait`, raises IngestBusy if there is no room within that many seconds.
        """
        lane = self.lane(event)
        queue = self._queue(lane)
        try:
            queue.put_nowait((event, then))
        except asyncio.QueueFull:
            log.warning("ingest queue full (%d events waiting): holding a %s event back",
                        self.waiting(), event.platform)
            try:
                async with asyncio.timeout(wait):
                    await queue.put((event, then))
            except TimeoutError:
                raise IngestBusy(f"{self.waiting()} events waiting") from None
        if self._workers[lane] is None:
            task = asyncio.create_task(self._work(lane), name=f"ingest lane {lane}")
            self._workers[lane] = task
            if self._idle is not None:
                self._idle.clear()
            # Fewer young collections while the lane works (see bot.gc_pause); the
            # done callback ends it however the task ends, even cancelled unstarted.
            burst_started()
            task.add_done_callback(self._finished)

    async def join(self, timeout: float | None = None) -> bool:
        """Wait until every queued event was processed; False if `timeout` ran out first."""
        try:
            async with asyncio.timeout(timeout):
                while busy := [t for t in self._workers if t is not None]:
                    await asyncio.gather(*busy, return_exceptions=True)
        except TimeoutError:
            return False
        return True

    async def _work(self, lane: int) -> None:
        queue = self._queues[lane]
        try:
            while not queue.empty():
                batch = [queue.get_nowait() for _ in range(min(queue.qsize(), INGEST_BATCH))]
                events = [event for event, _ in batch]
                results = await self._handle(events)
                self._deliver_soon()
                for (_, then), handled in zip(batch, results, strict=True):
                    if then is not None:
                        self._bot.spawn(then(handled))
        finally:
            # No await between the last empty() and here: submit() sees None only when
            # this worker will take nothing more, and then starts another.
            if self._workers and self._workers[lane] is asyncio.current_task():
                self._workers[lane] = None
                if self._idle is not None and not any(self._workers):
                    self._idle.set()

    async def _handle(self, events: list[InboundEvent]) -> list[bool]:
        # Replies are sent by a task of their own (_deliver_soon): a lane never waits on
        # the platform's API before taking the next batch.
        try:
            return await self._bot.handle_batch(events, deliver=False)
        except Exception:  # handle_batch apologises for failed events itself: a bug
            log.exception("processing %d queued events failed", len(events))
        if len(events) == 1:
            return [False]
        # One at a time, so one event cannot cost the others (an event whose work was
        # committed after all is claimed, and comes back as a duplicate).
        return [(await self._handle([event]))[0] for event in events]

    def _deliver_soon(self) -> None:
        """Send what the batches queued, in one background task at a time.

        While it sends, further batches only ask it to go round once more, so a burst
        of events costs a few outbox passes, not one per batch. While a lane is still
        storing, a pass comes BURST_DELIVERY_GAP after the last one at the soonest, or
        as soon as the lanes are idle: storing what was acknowledged comes first.
        """
        self._deliver_again = True
        if self._delivering:
            return
        self._delivering = True

        async def deliver() -> None:
            try:
                loop = asyncio.get_running_loop()
                while self._deliver_again:
                    await self._lanes_idle(self._last_pass + BURST_DELIVERY_GAP - loop.time())
                    self._deliver_again = False
                    self._last_pass = loop.time()
                    await self._bot.deliver()
            finally:
                self._delivering = False

        self._bot.spawn(deliver())

    async def _lanes_idle(self, timeout: float) -> None:
        """Return once no lane is working, or after `timeout` seconds."""
        if self._idle is None or self._idle.is_set() or timeout <= 0:
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._idle.wait()

    def _finished(self, task: asyncio.Task[None]) -> None:
        burst_ended()
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.error("an ingest worker stopped", exc_info=exc)

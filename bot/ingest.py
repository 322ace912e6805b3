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

Acknowledgement first: the database thread shares the interpreter with the event loop
that answers the platform, so while events keep arriving a lane holds its next batch
back, until they pause (INGEST_QUIET) or its oldest event has waited INGEST_MAX_HOLD;
storing is delayed by that bound at most, and under endless load not at all.

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
import time
import zlib
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
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
#: (seconds), the first of them this long after the lanes began working; once the lanes
#: are idle, at once. Sending shares the event loop and the interpreter with the lanes
#: and with the acknowledgements, and on Slack (nothing paces the sends) a pass after
#: every batch held the burst's storing back, and one at its first batch its acks.
BURST_DELIVERY_GAP = 1.0
#: Acknowledgement first: while events keep arriving, a lane holds its next batch back
#: until none has arrived for INGEST_QUIET seconds, or until the oldest event waiting in
#: it has waited INGEST_MAX_HOLD seconds, whichever comes first (see _hold).
INGEST_QUIET = 0.02
INGEST_MAX_HOLD = 0.5

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
        #: When each lane's waiting events were queued, oldest first (see _hold).
        self._arrivals: list[deque[float]] = []
        self._last_arrival = float("-inf")
        #: Set while someone waits in join(): nothing is held back then.
        self._hurry: asyncio.Event | None = None
        self._joining = 0
        #: The time the hold is measured with, and its nap (tests step both).
        self.monotonic: Callable[[], float] = time.monotonic
        self.nap: Callable[[float], Awaitable[None]] = self._nap

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
            self._arrivals = [deque() for _ in range(self._lanes)]
            self._hurry = asyncio.Event()
            if self._joining:
                self._hurry.set()
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
        # No await since the put: the lane's arrival times stay in its queue's order.
        self._last_arrival = now = self.monotonic()
        self._arrivals[lane].append(now)
        if self._workers[lane] is None:
            task = asyncio.create_task(self._work(lane), name=f"ingest lane {lane}")
            self._workers[lane] = task
            if self._idle is not None:
                if self._idle.is_set():
                    # A burst may be starting: its replies wait (see _deliver_soon).
                    self._last_pass = max(self._last_pass, asyncio.get_running_loop().time())
                self._idle.clear()
            # Fewer young collections while the lane works (see bot.gc_pause); the
            # done callback ends it however the task ends, even cancelled unstarted.
            burst_started()
            task.add_done_callback(self._finished)

    async def join(self, timeout: float | None = None) -> bool:
        """Wait until every queued event was processed; False if `timeout` ran out first."""
        self._joining += 1
        if self._hurry is not None:
            self._hurry.set()  # the lanes stop holding back: nobody is being acknowledged
        try:
            async with asyncio.timeout(timeout):
                while busy := [t for t in self._workers if t is not None]:
                    await asyncio.gather(*busy, return_exceptions=True)
        except TimeoutError:
            return False
        finally:
            self._joining -= 1
            if not self._joining and self._hurry is not None:
                self._hurry.clear()
        return True

    async def _work(self, lane: int) -> None:
        queue = self._queues[lane]
        try:
            while not queue.empty():
                await self._hold(lane)
                arrivals = self._arrivals[lane]
                batch = [queue.get_nowait() for _ in range(min(queue.qsize(), INGEST_BATCH))]
                for _ in range(min(len(batch), len(arrivals))):
                    arrivals.popleft()
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

    async def _hold(self, lane: int) -> None:
        """Acknowledgement first: wait while events keep arriving, within a bound.

        A batch runs on the database thread, which shares the interpreter (the GIL)
        with the event loop that answers the platform's requests: started in the middle
        of a burst, it slowed every acknowledgement behind it several times over. So a
        lane starts its next batch once no event has arrived (on any lane) for
        INGEST_QUIET seconds, or once the oldest event waiting in it has waited
        INGEST_MAX_HOLD seconds, whichever is sooner. Under endless load it therefore
        stores as fast as before (its oldest event is always due), and one event alone
        waits only INGEST_QUIET. Nothing is held while someone waits in join().
        """
        arrivals = self._arrivals[lane]
        while arrivals and not (self._hurry is not None and self._hurry.is_set()):
            now = self.monotonic()
            until = min(self._last_arrival + INGEST_QUIET, arrivals[0] + INGEST_MAX_HOLD)
            if now >= until:
                return
            await self.nap(until - now)

    async def _nap(self, seconds: float) -> None:
        """Sleep `seconds`, or until someone waits in join()."""
        if self._hurry is None:
            await asyncio.sleep(seconds)
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._hurry.wait()

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
        working, a pass comes BURST_DELIVERY_GAP after the last one (or after the lanes
        began working) at the soonest, or as soon as the lanes are idle: acknowledging
        and storing come first.
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

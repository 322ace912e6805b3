"""Durable delivery: messages recorded in the outbox are sent in order, paced per chat.

Replies (what a handler records while answering someone) are planned before bulk traffic
such as a round, one place in BULK_SHARE kept for bulk; a chat with a reply waiting goes
whole, its earlier messages first, so no message overtakes an earlier one to its chat.

A message is written in the same transaction as the change that caused it, then
sent here. A rate limit or a network error leaves it pending with a later
`not_before`; a restart picks it up again. Messages to one chat keep their order;
different chats are sent to concurrently, each platform paced to its limits.

Before any platform call, a batch of rows is marked 'sending' in one committed
transaction (claimed: on PostgreSQL with SKIP LOCKED, so no two processes send the
same row), and the batch's outcomes are recorded together in one transaction after
its calls. A crash between the platform accepting a message and the row being
marked sent is therefore visible afterwards. Such an in-flight row is resolved
before anything else goes to its chat: where the platform can look the message up
(Slack tags every post with its outbox id), it is marked sent if found and sent if
not; where it cannot (Telegram), it is sent again, so a crash there can cause one
extra copy.

A time-bound message (one queued with an expiry: a 1:1 reminder, a poll's question) that
is still waiting when its expiry comes (an outage, a rate limit, a stopped bot) is not
sent: the plan that reads it marks it 'expired' instead, and says so in the log.
"""

from __future__ import annotations

import asyncio
import bisect
import collections
import contextlib
import itertools
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import bindparam, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.adapters.base import Adapter, DeliveryError, NotRunning, RetryLater
from bot.clock import Clock, SystemClock
from bot.events import (
    GAVE_UP,
    PARTS_KEY,
    REFUSED,
    REJECTED,
    REPLACES_KEY,
    REPLACES_ROW_KEY,
    SCRUB_KEY,
    OutboundMessage,
    SendResult,
    Target,
    fallback_of,
    scrubbed,
)
from bot.gc_pause import burst_ended, burst_started
from bot.log_privacy import describe_exception
from storage.models import OutboxMessage
from storage.repositories import (
    OutboxRepo,
    claim_alone,
    outbox_statements_alone,
    recalls_alone,
    record_sent_alone,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

#: How long a message its platform keeps failing for a reason that may pass (a 5xx, the
#: network down) is retried before it is given up (and its stand-in, if any, sent):
#: Slack's and Telegram's outages last hours at times, and eight tries gave up after about
#: eight minutes. What is true only until a moment (expires_at) is tried until then
#: instead, and expires on its own.
RETRY_FOR = timedelta(hours=6)
#: Pending rows read per batch; what pacing lets go within the look-ahead is sent.
BATCH = 500
#: Batches under way at once: the next is claimed while the last is still sending.
PIPELINE = 2
#: When replies and bulk traffic (a round) are both waiting, one place in this many goes
#: to bulk: replies overtake a round without ever stopping it.
BULK_SHARE = 4
#: The next batch is planned when the last has this few calls left (on PostgreSQL a plan
#: takes about as long as a few hundred calls), so sending never pauses for the database.
LOW_WATER = BATCH // 2
#: The first batch of a flush is smaller: its calls start sooner (reading and claiming
#: a whole batch first held a fan-out's first call back by tens of milliseconds), and
#: the next, whole batch is planned while it sends. Not smaller than LOW_WATER: the
#: next plan starts at once and, like every later one, must be claimed before the calls
#: run out. (At 100, a busy database thread claimed the second batch 8-14 ms after the
#: first batch's last call had begun, and the calls under way ran down meanwhile.)
FIRST_BATCH = LOW_WATER
#: When pacing holds messages back beyond the look-ahead, the batch for them is planned
#: this long before the first falls due (while the last batch still sends), and no sooner
#: than MIN_REPLAN from now (at the latest, when a batch under way ends).
PLAN_AHEAD = timedelta(milliseconds=500)
MIN_REPLAN = timedelta(milliseconds=50)
#: Platform calls in flight at once, across chats (one chat's messages go one by one).
CONCURRENCY = 64
#: With the real clock a batch takes the messages whose paced time falls within this much
#: of now, each waiting for its moment, so sending is continuous at the allowed rate
#: instead of stopping between wake-ups. With a fake clock: only what is due now.
LOOKAHEAD = timedelta(seconds=1)
#: Added to every wait the overall window imposes: the platform's clock and ours may
#: differ by a tick.
WINDOW_EPSILON = timedelta(milliseconds=1)
#: A second chat rate limited this soon after another means the platform's overall limit,
#: not one chat's: the whole platform then waits.
PLATFORM_429_WINDOW = timedelta(seconds=1)
IDLE_WAKEUP = 30.0
#: A row still 'sending' this long after its call began was orphaned (its process
#: died, or recording the outcome failed), even if it was marked after this worker started.
IN_FLIGHT_TIMEOUT = timedelta(minutes=2)
#: How soon an edit or deletion of a message still being sent looks again whether it went.
REPLACE_WAIT = timedelta(seconds=2)
#: How long a read of the recall notes (an erase's: see OutboxWorker._recalled) serves the
#: calls that follow it: a call starting later reads them again. So a
#: message an erase recalls still goes only if its call began before the erase committed,
#: or within this much after (at most one per chat: Slack and Telegram take one a second
#: per chat); and a fan-out reads them once a batch and twenty times a second at most.
RECALL_FRESH = timedelta(milliseconds=100)
#: How soon a lookup the platform could not answer is tried again.
LOOKUP_RETRY = timedelta(seconds=30)
#: A pacer's per-chat moments are swept of the ones already past once there are this many
#: (and then when they have doubled since the last sweep), so they hold the chats active
#: within a pacing gap, not every chat ever sent to.
SWEEP_MIN = 256

Chat = tuple[str, str]


def backoff(attempts: int) -> timedelta:
    """2, 4, 8 ... seconds, capped at 10 minutes."""
    return timedelta(seconds=min(600, 2 ** attempts))


def _attempts_over(span: timedelta) -> int:
    """How many tries, each after the last one's backoff, it takes to keep trying `span`."""
    tries, waited = 1, timedelta()
    while waited < span:
        waited += backoff(tries)
        tries += 1
    return tries


#: Tries before a failure that may pass is given up: RETRY_FOR of backoff (counted in
#: tries, which the row keeps, so a restart does not start the span again): 45.
MAX_ATTEMPTS = _attempts_over(RETRY_FOR)


def _sweep(moments: dict[str, datetime], after: datetime) -> tuple[dict[str, datetime], int]:
    """The moments later than `after` (a new dict: deleting keys never shrinks one), and
    the size at which to sweep them again (once they have doubled)."""
    kept = {address: moment for address, moment in moments.items() if moment > after}
    return kept, max(SWEEP_MIN, 2 * len(kept))


class Pacer:
    """When the next message may go, for one platform: overall, per chat, per group.

    Times are reserved when a message is planned (its slot), so messages planned together
    are spaced out although they are sent concurrently. A platform-wide 429 holds every
    chat until its Retry-After has passed.

    With the real clock, a message planned for its slot also waits, if need be, for what
    the platform may already have counted: the platform counts a message when it arrives,
    some time between our call starting and its answer. So a message may start only while
    fewer than the window's allowance (30 in a second for Telegram) ended within the last
    window or are still under way; and the next to a chat only a chat interval after the
    answer to the last. That is exact where a blanket margin would only be likely, and
    costs no more than one call's latency per window.
    """

    def __init__(self, adapter: Adapter) -> None:
        pacing = adapter.pacing
        self._is_group = adapter.is_group_address
        self._overall = timedelta(seconds=pacing.overall)
        self._per_chat = timedelta(seconds=pacing.per_chat)
        self._per_group = timedelta(seconds=pacing.per_group)
        # The overall slots reserved, ascending: a message goes at least `_overall` from
        # every other. Not just the next free moment: a message its chat holds back
        # takes a slot further on, and the messages planned after it fill the places
        # before it (a group's post held 3 s used to leave everyone behind it waiting).
        self._slots: list[datetime] = []
        # The last free slot found from a moment, until the next reservation: most rows
        # of a plan look from `now`, and those beyond the look-ahead reserve nothing.
        self._free: tuple[datetime, datetime] | None = None
        self._next_chat: dict[str, datetime] = {}
        self.held_until: datetime | None = None
        #: What set held_until when it was a NotRunning (not a 429): see Outbox.release.
        self.held_for: str | None = None
        self.last_429: tuple[datetime, str] | None = None
        # The overall limit as the platform counts it: `_allowance` in any `_window`.
        self._allowance = round(1 / pacing.overall) if pacing.overall else 0
        # (Not _overall * _allowance: a timedelta keeps whole microseconds, 1/30 s of
        # them thirty times over falls 10 us short of the second.)
        self._window = timedelta(seconds=pacing.overall * self._allowance)
        self._ended: list[datetime] = []  # when recent calls were answered, ascending
        self._under_way = 0
        # Made only when something waits for an answer (most calls have no one waiting).
        self._answered: asyncio.Event | None = None
        self._answered_to: dict[str, datetime] = {}
        # Both per-chat dicts would otherwise keep one entry per chat ever sent to for the
        # life of the process. An entry whose moment has passed can delay no call again
        # (time only moves on: as for `_ended`), so it is dropped by a sweep when a dict
        # has doubled since the last one: amortised O(1) a call, same decisions.
        self._next_chat_sweep = SWEEP_MIN
        self._answered_sweep = SWEEP_MIN
        self._longest_gap = max(self._per_chat, self._per_group)

    def ready(self, address: str, now: datetime, earliest: datetime | None = None) -> datetime:
        """The earliest moment a message to `address` may go (and not before `earliest`)."""
        if len(self._next_chat) >= self._next_chat_sweep:
            # A moment at or before `now` holds nothing back, now or later.
            self._next_chat, self._next_chat_sweep = _sweep(self._next_chat, now)
        ready = now
        for moment in (self._next_chat.get(address), self.held_until, earliest):
            if moment is not None and moment > ready:
                ready = moment
        return self._free_slot(ready, now) if self._overall else ready

    def _free_slot(self, ready: datetime, now: datetime) -> datetime:
        """The earliest moment from `ready` on at least one overall gap from every slot
        reserved."""
        if self._free is not None and self._free[0] == ready:
            return self._free[1]
        slots, gap = self._slots, self._overall
        if slots and slots[0] <= now - gap:
            # A slot a whole gap past constrains no moment from now on.
            del slots[:bisect.bisect_right(slots, now - gap)]
        free = ready
        for index in range(bisect.bisect_right(slots, ready - gap), len(slots)):
            slot = slots[index]
            if slot >= free + gap:
                break  # (and every slot after it)
            free = max(free, slot + gap)
        self._free = (ready, free)
        return free

    def counted_ready(self, address: str, now: datetime) -> datetime | None:
        """When a call to `address` may start as far as the platform may have counted the
        calls before it: `now` or later, or None until a call under way is answered."""
        ready = now
        if self._allowance:
            horizon = now - self._window
            stale = bisect.bisect_right(self._ended, horizon)
            del self._ended[:stale]  # answered before the window: arrived before it too
            excess = len(self._ended) + self._under_way - self._allowance
            if excess >= 0:
                if excess >= len(self._ended):
                    return None
                ready = max(ready, self._ended[excess] + self._window + WINDOW_EPSILON)
        last = self._answered_to.get(address)
        if last is not None:
            ready = max(ready, last + (self._per_group if self._is_group(address)
                                       else self._per_chat))
        return ready

    async def answered(self) -> None:
        """Until the next call under way is answered."""
        if self._answered is None:
            self._answered = asyncio.Event()
        await self._answered.wait()

    def started(self) -> None:
        """A call begins (the platform may count it from now on)."""
        self._under_way += 1

    def ended(self, address: str, moment: datetime) -> None:
        """The call to `address` begun last was answered at `moment`."""
        self._under_way -= 1
        if self._allowance:
            bisect.insort(self._ended, moment)
        if self._per_chat or self._per_group:
            self._answered_to[address] = moment
            if len(self._answered_to) >= self._answered_sweep:
                # An answer a whole gap before this one holds nothing back any more (later
                # calls start at `moment` or after); see ready().
                self._answered_to, self._answered_sweep = _sweep(
                    self._answered_to, moment - self._longest_gap)
        answered, self._answered = self._answered, None
        if answered is not None:
            answered.set()

    def reserve(self, address: str, slot: datetime) -> None:
        """Record that a message to `address` goes at `slot`."""
        if self._overall:
            bisect.insort(self._slots, slot)
            self._free = None
        gap = self._per_group if self._is_group(address) else self._per_chat
        if gap:
            self._next_chat[address] = slot + gap
        elif address in self._next_chat:
            del self._next_chat[address]


class CallGate:
    """At most `limit` holders at once, the others served first come, first served.

    As asyncio.Semaphore, but a release hands its place straight to the next waiter.
    (Python 3.11's Semaphore looks through the waiters woken but not yet running at every
    release: with a batch's hundreds of chats waiting, that cost more than the calls.)
    """

    def __init__(self, limit: int) -> None:
        self._free = limit
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()

    async def __aenter__(self) -> None:
        if self._free > 0 and not self._waiters:
            self._free -= 1
            return
        place: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(place)
        try:
            await place
        except asyncio.CancelledError:
            if place.done() and not place.cancelled():
                self._release()  # handed a place, then cancelled: pass it on
            else:
                with contextlib.suppress(ValueError):
                    self._waiters.remove(place)
            raise

    async def __aexit__(self, *exc: object) -> None:
        self._release()

    def _release(self) -> None:
        while self._waiters:
            place = self._waiters.popleft()
            if not place.done():  # (a cancelled waiter is skipped)
                place.set_result(None)
                return
        self._free += 1


def _finished(row: OutboxMessage, values: dict[str, Any]) -> dict[str, Any]:
    """The values for a row that is done with (sent or failed): an anonymous poll's DM
    keeps nothing of what it said (see bot.events.scrubbed)."""
    if row.payload.get(SCRUB_KEY):
        values["payload"] = scrubbed(row.payload)
    return values


def _level(row: OutboxMessage, level: int) -> int:
    """The level of a line about one message's delivery: DEBUG for an anonymous poll's DM.
    Its first try follows the answer it replies to within a second, so a line naming its
    chat at INFO or above told the log's reader who answered, and when (README, *Your
    answers are anonymous*); a platform's outage is still said once, by bot.adapters.reach."""
    return logging.DEBUG if row.payload.get(SCRUB_KEY) else level


def _interleave(replies: list[OutboxMessage],
                bulk: list[OutboxMessage]) -> list[OutboxMessage]:
    """The order in which a batch is planned (and paced): replies first, except that
    every BULK_SHARE-th place goes to bulk traffic, so a stream of replies cannot stall
    a round. Each lane keeps its order, and the lanes share no chat, so every chat's
    messages stay in order."""
    if not replies or not bulk:
        return replies or bulk
    merged: list[OutboxMessage] = []
    rest = iter(bulk)
    for n, row in enumerate(replies, start=1):
        merged.append(row)
        if n % (BULK_SHARE - 1) == 0:
            merged.extend(itertools.islice(rest, 1))
    merged.extend(rest)
    return merged


@dataclass
class _Outcome:
    """What became of one row of a batch: the values to write, and a fallback to enqueue
    (with the priority of the message it stands in for)."""

    values: dict[str, Any]
    follow_up: tuple[Target, OutboundMessage] | None = None
    priority: int = OutboxMessage.BULK
    #: A message given up for good: its row id, for what its sending had recorded (see
    #: the worker's `on_undelivered`).
    undelivered: int | None = None


#: A message the platform accepted: (sent_at, attempts, external_id). By far the most
#: common outcome (one per message of a fan-out), so a plain tuple, and a batch's are
#: written together by OutboxRepo.record_sent without sorting out their columns.
_Sent = tuple[datetime, int, str | None]

_outbox = OutboxMessage.__table__


class OutboxWorker:
    """Sends pending outbox messages through the running adapters.

    A batch is planned (which rows may go, and when, under each platform's pacing),
    claimed in one transaction (marked 'sending', committed before any call), sent
    concurrently across chats and in order within each chat, and its outcomes recorded
    in one transaction.
    """

    def __init__(self, sessions: sessionmaker[Session], adapters: Mapping[str, Adapter],
                 clock: Clock, *, lookahead: timedelta | None = None,
                 realtime: bool | None = None,
                 on_undelivered: Callable[[Session, list[int]], None] | None = None,
                 on_expired: Callable[[str, int], None] | None = None) -> None:
        self._sessions = sessions
        # Told (platform, how many) when messages are dropped as expired (the metrics).
        self._on_expired = on_expired
        # Told, in the transaction that marks them failed or expired, the ids of messages
        # given up for good (storage.undelivered: a check-in prompt that never arrived).
        self._on_undelivered = on_undelivered
        self._adapters = adapters
        self._clock = clock
        # Whether calls take time that the clock sees pass (by default: the real clock's),
        # so that pacing must allow for when the platform counts each one.
        realtime = self._realtime = (isinstance(clock, SystemClock) if realtime is None
                                     else realtime)
        self._lookahead = lookahead if lookahead is not None else (
            LOOKAHEAD if realtime else timedelta(0))
        self._pacers: dict[str, tuple[Adapter, Pacer]] = {}
        self._calls = CallGate(CONCURRENCY)
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        # Set by halt(): nothing more is sent (a stop), until a last flush_for().
        self._halted = asyncio.Event()
        # Whether run()'s loop is under way (it sends whatever is kicked its way).
        self.looping = False
        # Rows marked 'sending' before this moment belong to an earlier run of the bot.
        self._started_at = clock.now()
        # Rows this run left 'sending' on purpose: their call ended, its outcome unknown.
        self._unsure: set[int] = set()
        #: Rows whose lookup is waiting for the platform (a refused token), since when.
        self._lookup_waits: dict[int, datetime] = {}
        # Releases of held messages under way (see release()).
        self._releasing: set[asyncio.Task[None]] = set()
        # Rows claimed by a batch of this worker that is still under way.
        self._sending: set[int] = set()
        # Outcomes of calls made whose record the database refused (locked, a dropped
        # connection): known here, so recorded once it is back, never sent again.
        self._unrecorded: dict[int, _Outcome | _Sent] = {}
        #: When each platform last accepted a message (this run): see _outage_wide().
        self._accepted_at: dict[str, datetime] = {}
        # Recall notes (an erase's: see _recalled): note id -> (the order in which this
        # worker first saw it, the row ids it recalls); the next such order.
        self._recall_notes: dict[int, tuple[int, frozenset[int]]] = {}
        self._recall_seq = 0
        # The last read of the notes: (when it began, self._claims then).
        self._recall_read: tuple[datetime, int] | None = None
        self._recall_reading: asyncio.Future[None] | None = None
        # Batches claimed by this worker so far.
        self._claims = 0
        bind = sessions.kw.get("bind")
        # The outbox's database work runs on a worker thread so the event loop keeps
        # serving. SQLite allows one writer at a time, and a transaction that must wait
        # for another to upgrade its lock fails at once: on SQLite that work takes turns
        # with the bot's own transactions (TeamPulse.unit) through this lock.
        self.db_gate: contextlib.AbstractContextManager[Any] = (
            threading.RLock() if bind is not None and bind.dialect.name == "sqlite"
            else contextlib.nullcontext())
        # SQLite: a batch's claim and (when all went out) its record, and each read of
        # the recall notes, as a single statement outside a transaction (see
        # storage.repositories.claim_alone).
        self._alone: Engine | None = (
            bind if isinstance(bind, Engine) and outbox_statements_alone(bind) else None)

    @property
    def busy(self) -> bool:
        """Whether a flush is running (it picks up newly recorded messages as it goes)."""
        return self._lock.locked()

    def kick(self) -> None:
        """Ask the background loop to look for work now."""
        self._wake.set()

    def halt(self) -> None:
        """Send nothing more, for a stop: a flush under way plans no further batch, its
        batches make no further call (each call already made is answered and recorded),
        and the rows they have not tried are pending again, not left in doubt. Without
        it a stop waited for everything due, minutes of a round under a rate limit."""
        self._halted.set()

    async def halted(self) -> None:
        """Once halt() was called: until the flush under way has ended, its calls
        answered and recorded (so the adapters may close their connections)."""
        async with self._lock:
            pass

    async def flush_for(self, seconds: float) -> None:
        """A last flush at exit: what is due goes out for up to `seconds` (replies to the
        last events, a round's last batch), then halt() ends it; the rest stays queued
        for the next start."""
        self._halted.clear()
        timer = asyncio.get_running_loop().call_later(seconds, self.halt)
        try:
            await self.flush()
        finally:
            timer.cancel()
            self.halt()

    @property
    def unrecorded(self) -> int:
        """How many calls made have an outcome the database has not taken yet."""
        return len(self._unrecorded)

    async def record_unrecorded(self) -> None:
        """Write the outcomes of calls made whose record the database refused (raises if
        it still does). For a leader that lost its lead (bot.app.LeaderWork): once it has
        stopped sending, before the next leader finds those rows 'sending'."""
        async with self._lock:
            await self._record_unrecorded()

    async def _record_unrecorded(self) -> None:
        if self._unrecorded:
            # These rows are 'sending' in the database, and looked up or sent again after
            # IN_FLIGHT_TIMEOUT (by the next leader: at once) as if this run had died.
            await self._db(self._record, dict(self._unrecorded))
            self._unrecorded.clear()

    def release(self, platform: str, held: str) -> None:
        """`platform` answers again: the messages it held back with the NotRunning `held`
        (its servers could not be reached) are due now rather than at their retry time.
        Still paced: they go out at the platform's allowed rate, not in a burst."""
        known = self._pacers.get(platform)
        if known is not None and known[1].held_for == held:  # (not a 429's wait)
            known[1].held_until = known[1].held_for = None
        task = asyncio.get_running_loop().create_task(self._release(platform, held))
        self._releasing.add(task)
        task.add_done_callback(self._releasing.discard)

    async def _release(self, platform: str, held: str) -> None:
        now = self._clock.now()
        try:
            await self._db(self._due_now, platform, held, now)
        except Exception as exc:  # they still go at their retry time
            log.debug("outbox: could not release the messages %s held: %r", platform, exc)
        self.kick()

    def _due_now(self, platform: str, held: str, now: datetime) -> None:
        with self._sessions.begin() as session:
            session.execute(update(OutboxMessage).where(
                OutboxMessage.platform == platform, OutboxMessage.status == "pending",
                OutboxMessage.last_error == held, OutboxMessage.not_before > now
            ).values(not_before=now).execution_options(synchronize_session=False))

    def _pacer(self, platform: str) -> Pacer:
        adapter = self._adapters[platform]
        known = self._pacers.get(platform)
        if known is None or known[0] is not adapter:  # a new adapter: its own limits
            known = (adapter, Pacer(adapter))
            self._pacers[platform] = known
        return known[1]

    async def flush(self) -> datetime | None:
        """Send everything that is due; return when the next deferred message falls due.

        Up to PIPELINE batches are in flight: the next is planned and claimed once the
        last runs low (LOW_WATER calls left), or, when pacing holds the rest back, PLAN_AHEAD
        before the first of it falls due; never touching a chat the last one holds, so
        neither the database work nor a batch's slowest call leaves the connections idle.
        """
        async with self._lock:
            # Before anything else (a failure here fails the flush, which is retried).
            await self._record_unrecorded()
            running: dict[asyncio.Task[tuple[datetime | None, int]], set[Chat]] = {}
            # A fan-out allocates a few dozen objects per message, nearly all freed by
            # reference counting once its call ends; at Python's usual threshold the
            # young collections (and the full ones they set off) cost a tenth of the
            # uncapped fan-out. Collections still run during a flush, less often.
            burst_started()
            try:
                while True:
                    busy: set[Chat] = set().union(*running.values())
                    due, batch, more = (None, None, False) if self._halted.is_set() else \
                        await self._plan(busy, FIRST_BATCH if not running else BATCH)
                    waiters: set[asyncio.Future[Any]] = set(running)
                    wakers: list[asyncio.Future[Any]] = []
                    paced = due is not None and bool(self._lookahead)
                    if batch is not None:
                        low = asyncio.Event()
                        task = asyncio.ensure_future(self._run_batch(*batch, low))
                        running[task] = set(batch[0])
                        waiters.add(task)
                        # The next batch is planned while this one sends only if the read
                        # may have left rows unread (a lane was full): otherwise it would
                        # find only what was queued since, which the plan after this batch
                        # finds as well (and whoever queued it delivers after it). A reply
                        # then costs one read of the outbox fewer (of three).
                        if more and len(running) < PIPELINE and (
                                not paced or sum(map(len, batch[0].values())) > LOW_WATER):
                            wakers.append(asyncio.ensure_future(low.wait()))
                    if paced and running and len(running) < PIPELINE:
                        # Pacing holds the rest back beyond the look-ahead: plan it a little
                        # before it falls due, while the last batch still sends (planning
                        # only once that batch has ended and been recorded left a gap at
                        # every batch; planning at once, a sliver of a batch).
                        assert due is not None
                        wake = max(due - PLAN_AHEAD, self._clock.now() + MIN_REPLAN)
                        wakers.append(asyncio.ensure_future(self._sleep_until(wake)))
                    waiters.update(wakers)
                    if not running:
                        return due
                    done, _ = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
                    for waker in wakers:
                        waker.cancel()
                    finished = [task for task in running if task in done]
                    if not finished:
                        continue  # the last batch runs low: plan the next meanwhile
                    results = [task.result() for task in finished]
                    for task in finished:
                        del running[task]
                    if not running and not any(settled for _, settled in results):
                        # Nothing went out and nothing else is under way: what is left
                        # waits for a later flush (no spinning on what is due again at once).
                        dues = [d for d, _ in results if d is not None]
                        return min(dues) if dues else None
            finally:
                try:
                    if running:  # a batch failed: let the others record what they sent
                        await asyncio.gather(*running, return_exceptions=True)
                    if self._recall_reading is not None:  # (a read ahead: not left behind)
                        await asyncio.gather(self._recall_reading, return_exceptions=True)
                finally:
                    burst_ended()

    async def _plan(self, busy: set[Chat], limit: int = BATCH) -> tuple[
            datetime | None,
            tuple[dict[Chat, list[tuple[OutboxMessage, datetime]]], datetime | None,
                  tuple[int, int]] | None,
            bool]:
        """Choose and claim the next batch; None when nothing may go within the look-ahead.

        Returns when the first message left out falls due, the batch (each chat's rows
        with the moment each may go), and whether the read may have left pending rows
        unread (a lane as long as `limit`).
        """
        while True:
            due, batch, expired, more = await self._plan_once(busy, limit)
            # A read whose rows had all expired (a long outage's backlog of reminders)
            # says nothing of the rows behind them: read again at once, not at the next
            # wake-up.
            if batch is not None or not expired:
                return due, batch, more

    async def _plan_once(self, busy: set[Chat], limit: int) -> tuple[
            datetime | None,
            tuple[dict[Chat, list[tuple[OutboxMessage, datetime]]], datetime | None,
                  tuple[int, int]] | None,
            int, bool]:
        """_plan's one read: also how many of the rows read it marked expired (only rows
        still pending are: so a read again never finds the same ones), and whether it
        may have left rows unread."""
        platforms = list(self._adapters)
        # The recall notes seen before this read: a later one may recall what it reads.
        seen = self._recall_seq
        # Both reads in one trip to the database thread (each trip costs a fan-out
        # about as much as a few calls, and the first batch's calls wait for them).
        in_flight, lanes = await self._db(self._load_plan, platforms, set(self._sending),
                                          limit)
        blocked, next_due, settled = await self._resolve_in_flight(in_flight)
        if settled:
            # A row went back to pending (or was found sent) after the lanes were read:
            # read them again, so that it keeps its place before its chat's later ones.
            lanes = await self._db(self._load_lanes, platforms, limit)
        blocked |= busy  # a chat with messages in flight: its next ones wait for them
        # (The reply lane holds every row to the chats of up to `limit` replies.)
        more = any(len(lane) >= limit for lane in lanes)
        rows = _interleave(*lanes)
        now = self._clock.now()
        horizon = now + self._lookahead
        plan: dict[Chat, list[tuple[OutboxMessage, datetime]]] = {}
        expired: list[Any] = []
        for row in rows:
            if row.expired:
                # No longer true (the meeting began, the poll closed): dropped, never sent
                # late. Nothing waits behind it, so it holds back no later message.
                expired.append(row)
                continue
            chat = (row.platform, row.address)
            if chat in blocked:
                continue
            pacer = self._pacer(row.platform)
            earliest = row.not_before  # (None: due by now)
            if chat in plan:  # never a slot before its chat's last: they go in order
                last = plan[chat][-1][1]
                earliest = last if earliest is None else max(earliest, last)
            slot = pacer.ready(row.address, now, earliest)
            if slot > horizon:
                blocked.add(chat)  # later messages to the same chat must not overtake it
                next_due = slot if next_due is None else min(next_due, slot)
                continue
            pacer.reserve(row.address, slot)
            plan.setdefault(chat, []).append((row, slot))
        dropped = await self._db(self._expire, expired) if expired else []
        self._expired(dropped)
        if not plan:
            return next_due, None, len(dropped), more
        planned = [row.id for rows_ in plan.values() for row, _ in rows_]
        claimed = await self._db(self._claim, planned)
        self._sending |= claimed
        # An erase may have recalled a row between the read and the claim: the calls of
        # this batch wait for a read of the recall notes begun after it (begun now, so
        # that its first calls hardly wait).
        self._claims += 1
        if claimed:
            self._start_recall_read()
        plan = {chat: [(r, s) for r, s in rows_ if r.id in claimed]
                for chat, rows_ in plan.items()}
        return next_due, (plan, next_due, (seen, self._claims)), len(dropped), more

    async def _run_batch(self, plan: dict[Chat, list[tuple[OutboxMessage, datetime]]],
                         next_due: datetime | None, seen: tuple[int, int],
                         low: asyncio.Event | None = None) -> tuple[datetime | None, int]:
        """Send a claimed batch, chats at once and each in order; record it in one go.

        `seen`: the recall notes seen before its rows were read, and the claim that took
        them (see _recalled). `low` is set once no more than LOW_WATER of its rows are
        left to send."""
        outcomes: dict[int, _Outcome | _Sent] = {}
        total = sum(len(rows) for rows in plan.values())

        def progress() -> None:
            if low is not None and total - len(outcomes) <= LOW_WATER:
                low.set()

        progress()
        try:
            retry_times = await asyncio.gather(*(self._send_chat(rows, outcomes, seen, progress)
                                                 for rows in plan.values() if rows))
            try:
                await self._db(self._record, outcomes)
            except Exception:
                self._unrecorded.update(outcomes)  # recorded by the next flush
                raise
        finally:
            self._sending -= {row.id for rows in plan.values() for row, _ in rows}
        for retry_at in retry_times:
            if retry_at is not None:
                next_due = retry_at if next_due is None else min(next_due, retry_at)
        settled = sum(1 for o in outcomes.values()
                      if type(o) is tuple or o.values["status"] in {"sent", "failed"})
        return next_due, settled

    async def _send_chat(self, rows: list[tuple[OutboxMessage, datetime]],
                         outcomes: dict[int, _Outcome | _Sent], seen: tuple[int, int],
                         progress: Callable[[], None] = lambda: None) -> datetime | None:
        """Send one chat's rows of a batch in order; stop at the first that must wait."""
        stop_at: datetime | None = None
        for row, slot in rows:
            if stop_at is None:
                if outcomes:
                    progress()
                pacer = self._pacer(row.platform)
                if pacer.held_until is not None and pacer.held_until > slot:
                    stop_at = pacer.held_until  # the platform asked everyone to wait
                else:
                    now = self._clock.now()
                    if slot > now:
                        await self._sleep_until(slot)
                        now = self._clock.now()
                    if not self._realtime and not self._halted.is_set():
                        async with self._calls:  # (a test's fake clock never runs late)
                            stop_at = await self._send(row, outcomes, seen)
                        continue
                    ready = pacer.counted_ready(row.address, now)
                    if ready is None or ready > now:
                        await self._wait_until_counted(pacer, row.address)
                    if self._halted.is_set():  # a stop: this row and the rest stay pending
                        stop_at = now
                    else:
                        pacer.started()  # (no await between the check and this)
                        try:
                            async with self._calls:
                                stop_at = await self._send(row, outcomes, seen)
                        finally:
                            pacer.ended(row.address, self._clock.now())
                        continue
            # Claimed but not attempted: back to pending, behind the one that waits.
            outcomes[row.id] = _Outcome({"status": "pending"})
        progress()
        return stop_at

    async def _wait_until_counted(self, pacer: Pacer, address: str) -> None:
        """Until a call to `address` cannot be one too many as the platform counts them
        (earlier sends that went late would otherwise crowd this one)."""
        while not self._halted.is_set():
            now = self._clock.now()
            moment = pacer.counted_ready(address, now)
            if moment is None:
                await pacer.answered()
            elif moment > now:
                await self._sleep_until(moment)
            else:
                return

    async def _sleep_until(self, moment: datetime) -> None:
        """Until `moment`, or a halt (a stop does not wait out the pacing)."""
        delay = (moment - self._clock.now()).total_seconds()
        if delay > 0 and not self._halted.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._halted.wait(), delay)

    async def _resolve_in_flight(self, rows: list[OutboxMessage]
                                 ) -> tuple[set[tuple[str, str]], datetime | None, bool]:
        """Settle `rows` (in flight, not ours) whose send was interrupted; return the
        chats still waiting on one, when to look again, and whether any row was settled."""
        blocked: set[tuple[str, str]] = set()
        next_due: datetime | None = None
        settled = False
        for row in rows:
            chat = (row.platform, row.address)
            if row.id in self._sending or row.id in self._unrecorded:
                blocked.add(chat)  # being sent right now by a batch of ours, or sent
                continue
            if chat in blocked:
                continue
            since = row.sending_at or row.created_at
            due = row.not_before
            if since >= self._started_at and row.id not in self._unsure:
                due = max(due, since + IN_FLIGHT_TIMEOUT)  # orphaned only after a while
            if due > self._clock.now():
                retry_at: datetime | None = due
            else:
                retry_at = await self._resolve(row, since)
                settled = True
            if retry_at is not None:
                # Until we know whether it arrived, nothing later may overtake it.
                blocked.add(chat)
                next_due = retry_at if next_due is None else min(next_due, retry_at)
        return blocked, next_due, settled

    async def _resolve(self, row: OutboxMessage, since: datetime) -> datetime | None:
        """Ask the platform whether an interrupted send arrived; None once settled.

        Found: the row is marked sent. Not found, or the platform cannot tell: the row
        goes back to pending and is sent. The platform cannot be asked now: the row
        stays in flight and the returned time says when to ask again.
        """
        self._unsure.discard(row.id)
        adapter = self._adapters[row.platform]
        target, message = self._target(row), self._message(row)
        if not adapter.can_find_delivered(target, message):
            # (An anonymous poll's DM: at DEBUG, as _level says why; in flight at a crash, it
            # was the reply to an answer given a second before.)
            log.log(_level(row, logging.WARNING),
                    "outbox %s to %s:%s: a send was interrupted and %s cannot tell "
                    "whether it arrived; sending it again", row.id, row.platform,
                    row.address, row.platform)
            await self._update(row.id, status="pending")
            return None
        try:
            found = await adapter.find_delivered(target, message, since)
        except RetryLater as exc:
            retry_at = self._clock.now() + timedelta(seconds=exc.seconds)
            await self._update(row.id, not_before=retry_at, last_error=str(exc))
            self._unsure.add(row.id)
            if row.id not in self._lookup_waits:
                # Said once, not at each try: a refused token is looked past once a minute,
                # for hours maybe (the adapter's own ERROR says what to fix).
                self._lookup_waits[row.id] = self._clock.now()
                log.log(_level(row, logging.INFO),
                        "outbox %s: cannot look up yet whether an interrupted send reached "
                        "%s (%s); it is not sent again, and looked up once %s can be asked",
                        row.id, row.platform, exc, row.platform)
            return retry_at
        except Exception as exc:  # whatever failed, never resend blindly on a hiccup
            if isinstance(exc, DeliveryError) and exc.permanent:
                log.log(_level(row, logging.WARNING),
                        "outbox %s to %s:%s: cannot check whether an interrupted send "
                        "arrived (%s); sending it again%s", row.id, row.platform,
                        row.address, exc, self._waited(row.id))
                await self._update(row.id, status="pending", last_error=describe_exception(exc))
                return None
            retry_at = self._clock.now() + LOOKUP_RETRY
            await self._update(row.id, not_before=retry_at, last_error=describe_exception(exc))
            self._unsure.add(row.id)
            log.log(_level(row, logging.WARNING),
                    "outbox %s: looking up an interrupted send failed, trying again "
                    "later: %s", row.id, describe_exception(exc))
            return retry_at
        waited = self._waited(row.id)
        if found is not None:
            log.log(_level(row, logging.INFO),
                    "outbox %s: an interrupted send had reached %s; not sending it again%s",
                    row.id, row.platform, waited)
            await self._update(row.id, **_finished(row, {
                "status": "sent", "sent_at": self._clock.now(),
                "external_id": found.external_id, "last_error": None}))
        else:
            log.log(_level(row, logging.INFO),
                    "outbox %s: an interrupted send never reached %s; sending it now%s",
                    row.id, row.platform, waited)
            await self._update(row.id, status="pending")
        return None

    async def _recalled(self, row_id: int, seen: tuple[int, int]) -> bool:
        """Whether an erase recalled row `row_id` by a note seen after the row was read
        (`seen`: the order of the first such note, and the claim that took the row): its
        copy is not to be sent. Right before each call, from a read of the notes that is
        fresh (_recall_stale): one statement shared by the calls of a moment, not one a
        message, and read ahead of need (calls wait only for a batch's first read)."""
        first, claim = seen
        while self._recall_stale(claim):
            await asyncio.shield(self._start_recall_read())
        return self._recalled_now(row_id, first)

    def _recalled_now(self, row_id: int, first: int) -> bool:
        """_recalled's answer from the last read (fresh), which is read again ahead of
        need once half its time is gone."""
        if self._recall_reading is None:
            read = self._recall_read
            if read is not None and self._clock.now() - read[0] >= RECALL_FRESH / 2:
                self._start_recall_read()
        notes = self._recall_notes
        return bool(notes) and any(order >= first and row_id in ids
                                   for order, ids in notes.values())

    def _start_recall_read(self) -> asyncio.Future[None]:
        """The read of the recall notes under way, or a new one."""
        if self._recall_reading is None:
            reading = self._recall_reading = asyncio.ensure_future(self._read_recalls())
            # (A read ahead that fails is read again, and its failure met, by whoever needs it.)
            reading.add_done_callback(lambda done: done.cancelled() or done.exception())
        return self._recall_reading

    def _recall_stale(self, claim: int) -> bool:
        """Whether a call of the `claim`-th batch may not rely on the last read of the
        recall notes: none yet, one begun before that claim (its rows were read before
        it), or one begun RECALL_FRESH ago."""
        read = self._recall_read
        return read is None or read[1] < claim or \
            self._clock.now() - read[0] >= RECALL_FRESH

    async def _read_recalls(self) -> None:
        """Read the recall notes (one statement on the status index, usually finding
        none). Not through _db's gate: a read alone, it need not wait for a plan."""
        began = (self._clock.now(), self._claims)
        try:
            notes = await asyncio.to_thread(self._load_recalls)
        finally:
            self._recall_reading = None
        known = self._recall_notes
        fresh: dict[int, tuple[int, frozenset[int]]] = {}
        for note_id, ids in notes:
            if note_id in known:
                fresh[note_id] = known[note_id]
            else:
                fresh[note_id] = (self._recall_seq, frozenset(ids))
                self._recall_seq += 1
        self._recall_notes = fresh
        self._recall_read = began

    def _load_recalls(self) -> list[tuple[int, list[int]]]:
        if self._alone is not None:
            notes = recalls_alone(self._alone)
            if notes is not None:
                return notes
        with self._sessions() as session:
            return OutboxRepo(session).recalls()

    def _waited(self, row_id: int) -> str:
        """' (looked up after waiting since …)' for a row whose lookup had to wait (the
        end of the wait _resolve said once), else ''; the row is no longer waiting."""
        since = self._lookup_waits.pop(row_id, None)
        return "" if since is None else \
            f" (looked up after waiting since {since:%Y-%m-%d %H:%M} UTC)"

    @staticmethod
    def _target(row: OutboxMessage) -> Target:
        return Target(row.platform, row.target_kind, row.address,  # type: ignore[arg-type]
                      row.thread_id, row.user_ref)

    @staticmethod
    def _message(row: OutboxMessage) -> OutboundMessage:
        payload = row.payload
        if "choices" in payload or "image_hex" in payload or REPLACES_KEY in payload \
                or REPLACES_ROW_KEY in payload:
            return OutboundMessage.from_payload(payload, outbox_id=row.id)
        # Text alone (nearly every message of a round): as from_payload, without its
        # choices and image steps, once a message.
        return OutboundMessage(payload["text"], image_name=payload.get("image_name"),
                               outbox_id=row.id, anonymous=bool(payload.get(SCRUB_KEY)))

    async def _send(self, row: OutboxMessage, outcomes: dict[int, _Outcome | _Sent],
                    seen: tuple[int, int]) -> datetime | None:
        """One platform call for a claimed row; its outcome goes into `outcomes`.

        Returns when the chat may go on (None: at once). `seen`: as _run_batch's.
        """
        adapter = self._adapters[row.platform]
        target, message = self._target(row), self._message(row)
        posted: list[str] = []
        if message.replaces_row is not None:
            found = await self._db(self._posted, message.replaces_row)
            if found is None:
                # The message to edit or delete is still waiting or being sent: this is
                # done once its send is recorded (a shout-out whose kudos were taken back
                # while it went out must not go on praising).
                retry_at = self._clock.now() + REPLACE_WAIT
                outcomes[row.id] = _Outcome({"status": "pending", "not_before": retry_at})
                return retry_at
            posted = found
        try:
            recalled = await self._recalled(row.id, seen) if self._recall_stale(seen[1]) \
                else self._recalled_now(row.id, seen[0])
        except Exception as exc:  # the database: this row is not sent unchecked
            retry_at = self._clock.now() + timedelta(seconds=5)
            log.warning("outbox %s: could not read the recall notes, sending it later: %s",
                        row.id, describe_exception(exc))
            outcomes[row.id] = _Outcome({"status": "pending", "not_before": retry_at})
            return retry_at
        # What may have come while the notes were read: a stop, or the platform's 429
        # to other chats holding every chat (as if it had come before this row's turn).
        held = self._pacer(row.platform).held_until
        if self._halted.is_set() or (held is not None and held > self._clock.now()):
            outcomes[row.id] = _Outcome({"status": "pending"})
            return held if held is not None and held > self._clock.now() else \
                self._clock.now()
        if recalled:
            # An erase deleted or rewrote it since it was read: not this copy. Back to
            # pending (a deleted row stays deleted; a rewritten one goes as rewritten,
            # read again), and its chat's later rows wait behind it.
            log.debug("outbox %s: recalled by an erase before its call; not sent", row.id)
            outcomes[row.id] = _Outcome({"status": "pending"})
            return self._clock.now()
        try:
            if message.replaces_row is not None:
                result = await self._replace_posted(adapter, target, message, posted)
            else:
                result = await adapter.deliver(target, message)
        except RetryLater as exc:
            now = self._clock.now()
            retry_at = now + timedelta(seconds=exc.seconds)
            outcomes[row.id] = _Outcome({"status": "pending", "not_before": retry_at,
                                         "last_error": str(exc)})
            if isinstance(exc, NotRunning):
                # The adapter stopped (the last flush of a stop) or has not started: no
                # 429, so none is logged; its other chats wait too, instead of each
                # meeting the same answer.
                pacer = self._pacer(row.platform)
                if pacer.held_until is None or pacer.held_until < retry_at:
                    pacer.held_until, pacer.held_for = retry_at, str(exc)
                log.debug("outbox %s: %s", row.id, exc)
                return retry_at
            self._rate_limited(row, now, retry_at)
            log.log(_level(row, logging.INFO), "outbox %s: %s asked us to wait %.1fs", row.id,
                    row.platform, exc.seconds)
            return retry_at
        except Exception as exc:  # every failure is recorded; the loop must go on
            permanent = isinstance(exc, DeliveryError) and exc.permanent
            attempts = row.attempts + 1
            # An exception's message may quote what was being sent: neither the log at
            # WARNING/ERROR nor last_error gets more than describe_exception() allows.
            error = describe_exception(exc)
            log.debug("outbox %s: %r", row.id, exc)
            # A time-bound message (expires_at still to come) is not given up for a
            # failure that may pass while its platform fails as a whole: it is tried
            # every 10 minutes while it is true, so that a week's check-in held up by
            # hours of 5xx answers still arrives once the platform is back (given up,
            # nothing sent it again), and expires as any other at its moment.
            if permanent or (attempts >= MAX_ATTEMPTS and not (
                    row.expired is not None and self._outage_wide(row.platform))):
                # Why it was given up words its stand-in: "you blocked me" said of hours
                # of 5xx answers was untrue, and its advice (press Start) no help.
                if not permanent:
                    cause = GAVE_UP
                elif isinstance(exc, DeliveryError) and exc.by_recipient:
                    cause = REFUSED
                else:
                    cause = REJECTED
                fallback = fallback_of(row.platform, row.payload, cause)
                outcomes[row.id] = _Outcome(_finished(row, {
                    "status": "failed", "attempts": attempts, "last_error": error}),
                    follow_up=fallback, priority=row.priority, undelivered=row.id)
                log.log(_level(row, logging.ERROR),
                        "outbox %s to %s:%s failed for good after %d attempt(s): %s",
                        row.id, row.platform, row.address, attempts, error)
                # A fallback was recorded in its place: it is due now.
                return self._clock.now() if fallback is not None else None
            retry_at = self._clock.now() + backoff(attempts)
            unsure = (isinstance(exc, DeliveryError) and exc.maybe_delivered
                      and adapter.can_find_delivered(target, message))
            # Maybe delivered: it stays in flight, to be looked up before any resend.
            outcomes[row.id] = _Outcome({"status": "sending" if unsure else "pending",
                                         "attempts": attempts, "not_before": retry_at,
                                         "last_error": error})
            if unsure:
                self._unsure.add(row.id)
            log.log(_level(row, logging.WARNING),
                    "outbox %s to %s:%s failed (attempt %d), retrying: %s",
                    row.id, row.platform, row.address, attempts, error)
            return retry_at
        now = self._accepted_at[row.platform] = self._clock.now()
        ids = result.extra.get("message_ids")
        if ids and len(ids) > 1 and not row.payload.get(SCRUB_KEY):
            # A long text sent in parts: each part's id, for an edit or deletion of it all.
            outcomes[row.id] = _Outcome({
                "status": "sent", "sent_at": now, "attempts": row.attempts + 1,
                "external_id": result.external_id, "last_error": None,
                "payload": {**row.payload, PARTS_KEY: [str(i) for i in ids]}})
        elif row.payload.get(SCRUB_KEY):
            outcomes[row.id] = _Outcome(_finished(row, {
                "status": "sent", "sent_at": now, "attempts": row.attempts + 1,
                "external_id": result.external_id, "last_error": None}))
        else:
            outcomes[row.id] = (now, row.attempts + 1, result.external_id)
        return None

    def _outage_wide(self, platform: str) -> bool:
        """Whether `platform` accepted no message during the last RETRY_FOR (this run), the
        time a message failing now for MAX_ATTEMPTS tries has been failing: the platform,
        not that message or its chat, is what fails. A message only its own chat refuses
        (or only it) is given up as any other, rather than holding that chat's later
        messages behind it until it expires, perhaps days later."""
        accepted = self._accepted_at.get(platform)
        return accepted is None or accepted <= self._clock.now() - RETRY_FOR

    def _posted(self, row_id: int) -> list[str] | None:
        """The platform ids of the messages outbox row `row_id` posted, its parts in order
        (none: it was never sent, or the platform gave no id); None while it may still
        be sent (waiting, or being sent)."""
        with self._sessions() as session:
            row = session.get(OutboxMessage, row_id)
            if row is None:
                return []
            if row.status in ("pending", "sending"):
                return None
            if row.status != "sent" or not row.external_id:
                return []
            return list(row.payload.get(PARTS_KEY) or [row.external_id])

    @staticmethod
    async def _replace_posted(adapter: Adapter, target: Target, message: OutboundMessage,
                              posted: list[str]) -> SendResult:
        """Edit or delete what an outbox row posted (OutboundMessage.replaces_row): an edit
        shows its text in the first part and deletes the others. Each call, done again
        (a retry), changes nothing more."""
        result = SendResult()
        for index, external_id in enumerate(posted):
            deletes = message.deletes or index > 0
            result = await adapter.deliver(target, replace(
                message, replaces=external_id, replaces_row=None, deletes=deletes))
        return result

    def _expire(self, rows: list[Any]) -> list[tuple[int, str, bool]]:
        """Mark rows that are past their expiry 'expired' (those still pending: none that
        another process claimed meanwhile); return (id, platform, whether it is an anonymous
        poll's or survey's DM) of each marked."""
        # Done with, an anonymous poll's DM keeps nothing of what it said, as when sent.
        scrub = {row.id: scrubbed(row.payload) for row in rows if row.payload.get(SCRUB_KEY)}
        with self._sessions.begin() as session:
            marked = set(OutboxRepo(session).expire([row.id for row in rows], scrub))
            if marked and self._on_undelivered is not None:
                # Never sent, as one given up: a check-in prompt dropped so reads as not
                # prompted, not as ignored (storage.undelivered).
                self._on_undelivered(session, sorted(marked))
        return [(row.id, row.platform, bool(row.payload.get(SCRUB_KEY))) for row in rows
                if row.id in marked]

    def _expired(self, dropped: list[tuple[int, str, bool]]) -> None:
        """Tell the operator (log, metrics) about messages dropped as expired; of an
        anonymous poll's or survey's DMs, nothing above DEBUG and no count: those still
        waiting at a poll's close are the questions and reminders of whoever had not
        finished it, and "outbox: 1 message(s) to telegram expired" (or the expired
        counter going up by one) through an outage told whether the one Telegram user had
        (README, *Your answers are anonymous*)."""
        by_platform: dict[str, list[int]] = {}
        for row_id, platform, anonymous in dropped:
            if anonymous:
                log.debug("outbox %s to %s: expired before it could be sent, not sent",
                          row_id, platform)
                continue
            by_platform.setdefault(platform, []).append(row_id)
        for platform, ids in by_platform.items():
            ids.sort()
            log.warning("outbox: %d message(s) to %s expired before they could be sent, "
                        "not sent: %s", len(ids), platform,
                        ", ".join(map(str, ids[:20])) + (" ..." if len(ids) > 20 else ""))
            if self._on_expired is not None:
                self._on_expired(platform, len(ids))

    def _rate_limited(self, row: OutboxMessage, now: datetime, retry_at: datetime) -> None:
        """A 429 holds its chat (through the row's not_before); a second chat's 429 close
        behind another's is the platform's overall limit, and holds the whole platform."""
        pacer = self._pacer(row.platform)
        last = pacer.last_429
        pacer.last_429 = (now, row.address)
        if last is not None and last[1] != row.address and now - last[0] <= PLATFORM_429_WINDOW:
            if pacer.held_until is None or pacer.held_until < retry_at:
                pacer.held_until, pacer.held_for = retry_at, None
            log.log(_level(row, logging.INFO),
                    "outbox: %s is rate limiting several chats; holding all of them",
                    row.platform)

    async def _update(self, row_id: int, **values: object) -> None:
        await self._db(self._record, {row_id: _Outcome(dict(values))})

    def _claim(self, ids: list[int]) -> set[int]:
        """Mark a batch 'sending' in one committed transaction before any of it is sent:
        if we die after the platform accepted a message, the next start knows to check
        before sending it again."""
        now = self._clock.now()
        if self._alone is not None:
            # Read a moment ago, the rows are all still pending unless another process
            # claimed some since: then none is marked, and the transaction below sorts
            # out which are left.
            claimed = claim_alone(self._alone, ids, now)
            if claimed is not None:
                return claimed
        with self._sessions.begin() as session:
            return OutboxRepo(session).claim(ids, now)

    def _record(self, outcomes: Mapping[int, _Outcome | _Sent]) -> None:
        """Write a batch's outcomes in one transaction."""
        if not outcomes:
            return
        sent: list[tuple[int, datetime, int, str | None]] = []
        others: list[_Outcome] = []
        given_up: list[tuple[int, _Outcome]] = []
        by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row_id, outcome in outcomes.items():
            if type(outcome) is tuple:
                sent.append((row_id, *outcome))
                continue
            assert isinstance(outcome, _Outcome)
            others.append(outcome)
            if outcome.undelivered is not None:
                given_up.append((row_id, outcome))
                continue
            by_columns.setdefault(tuple(sorted(outcome.values)), []).append(
                {"row_id": row_id, **outcome.values})
        if not others and self._alone is not None and record_sent_alone(self._alone, sent):
            return  # only sends (nearly every batch): one statement, its own transaction
        table = _outbox
        with self._sessions.begin() as session:
            OutboxRepo(session).record_sent(sent)
            for columns, params in by_columns.items():
                # An UPDATE by primary key for many rows at once (executemany, in Core:
                # the ORM's bulk path costs more Python per row than the statement).
                session.execute(update(table).where(table.c.id == bindparam("row_id"))
                                .values({c: bindparam(c) for c in columns}), params)
            # A message given up is marked failed only while still 'sending', and only
            # then are its fallback queued and its sending undone: recorded a second time
            # (its first COMMIT reached the server but the answer was lost with the
            # connection, so the outcome was kept to record again), it was already
            # failed, and the group got the fallback twice. (Rare: one UPDATE each.)
            settled = {row_id for row_id, outcome in given_up if session.execute(
                update(table).where(table.c.id == row_id, table.c.status == "sending")
                .values(outcome.values)).rowcount == 1}
            if settled and self._on_undelivered is not None:
                self._on_undelivered(session, sorted(settled))
            for row_id, outcome in given_up:
                if outcome.follow_up is not None and row_id in settled:
                    # In the same transaction: the fallback is recorded exactly when the
                    # message it stands in for is marked failed.
                    target, message = outcome.follow_up
                    OutboxRepo(session, replies=outcome.priority != OutboxMessage.BULK).enqueue(
                        platform=target.platform, target_kind=target.kind,
                        address=target.address, thread_id=target.thread_id,
                        user_ref=target.user_ref, payload=message.to_payload(),
                        now=self._clock.now())

    def _load_lanes(self, platforms: list[str],
                    limit: int = BATCH) -> tuple[list[Any], list[Any]]:
        with self._sessions() as session:
            return OutboxRepo(session).pending_lanes(platforms, limit=limit,
                                                     now=self._clock.now())

    def _load_plan(self, platforms: list[str], sending: set[int], limit: int
                   ) -> tuple[list[OutboxMessage], tuple[list[Any], list[Any]]]:
        """What a plan reads, in one session: the rows in flight that are not `sending`
        (this worker's own), and the pending lanes."""
        with self._sessions() as session:
            repo = OutboxRepo(session)
            in_flight = repo.in_flight(platforms, sending)
            session.expunge_all()
            return in_flight, repo.pending_lanes(platforms, limit=limit,
                                                 now=self._clock.now())

    async def _db(self, work: Callable[..., T], *args: Any) -> T:
        """Run database work off the event loop; flushes are serialised by `_lock`, so the
        outbox never has two transactions of its own open at once."""
        def gated() -> T:
            with self.db_gate:
                return work(*args)
        return await asyncio.to_thread(gated)

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set, waking when kicked or when a deferred message is due.

        `stop` also halts a flush under way (see halt())."""
        halter = asyncio.ensure_future(self._halt_at(stop))
        self.looping = True
        try:
            await self._loop(stop)
        finally:
            self.looping = False
            halter.cancel()

    async def _halt_at(self, stop: asyncio.Event) -> None:
        await stop.wait()
        self.halt()

    async def _loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self._wake.clear()  # before flushing, so a kick during the flush is not lost
            try:
                next_due = await self.flush()
            except Exception:  # a database hiccup must not end delivery for good
                log.exception("outbox flush failed; trying again shortly")
                next_due = self._clock.now() + timedelta(seconds=5)
            delay = IDLE_WAKEUP
            if next_due is not None:
                delay = min(IDLE_WAKEUP, max(0.05, (next_due - self._clock.now()).total_seconds()))
            waiters = [asyncio.ensure_future(self._wake.wait()),
                       asyncio.ensure_future(stop.wait())]
            _, pending = await asyncio.wait(waiters, timeout=delay,
                                            return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()

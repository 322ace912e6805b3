"""The core: one dispatch path from any adapter's events to handlers, and the jobs
the scheduler runs. It knows no platform SDK."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from bot.adapters.base import Adapter
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.events import InboundEvent, OutboundMessage, Target, is_concealed
from bot.ingest import Ingest
from bot.leader import startup_lock
from bot.metrics import Metrics
from bot.org import Org, team_spellings
from bot.org_guard import KeyReused, MassRemoval, apply_command, removes_too_many
from bot.outbox import OutboxWorker
from bot.render import Renderer, shared_renderer
from bot.router import command_form, route
from handlers import checkin, honours, oneonone, pulse, rounds
from handlers.context import Context
from storage.db import (
    DEFERRED_FLUSH,
    IN_BATCH,
    ConcurrentChange,
    describe_db_error,
    session_factory,
)
from storage.kudos import fill_value_labels
from storage.models import Person
from storage.oneonone import OneOnOneRepo
from storage.repositories import (
    CheckinRepo,
    ConversationRepo,
    EventRepo,
    ManagerChanged,
    OutboxRepo,
    PeoplePlan,
    PeopleRepo,
)
from storage.round_batch import RoundBatchRepo
from storage.round_requests import RoundRequestRepo
from storage.undelivered import undelivered

#: What another replica's change at the same moment raises (a unique key taken, a dialog
#: whose version moved on, a guarded update that matched nothing): the event is undone
#: and handled once more on what is there now.
CONCURRENT = (IntegrityError, StaleDataError, ConcurrentChange)

#: SQLSTATEs of a transaction PostgreSQL undid because of another one at the same moment
#: (a deadlock, a serialization failure): done again, it usually goes through.
UNDONE_FOR_ANOTHER = frozenset({"40P01", "40001"})

log = logging.getLogger(__name__)


def met_another(exc: BaseException) -> bool:
    """Whether a transaction failed on another one's change at the same moment (a key
    taken, a dialog moved on, a deadlock or serialization failure): worth doing again."""
    return isinstance(exc, CONCURRENT) or (
        isinstance(exc, DBAPIError)
        and getattr(exc.orig, "sqlstate", None) in UNDONE_FOR_ANOTHER)


def worth_again(exc: BaseException, attempt: int, what: str) -> bool:
    """Whether a batch or an event handled alone (`what`, as the log names it) that failed
    with `exc` at its `attempt`-th try is done again: it met another transaction
    (met_another) and has tries left (ROUND_BATCH_TRIES in all). Logged when it is."""
    if attempt >= ROUND_BATCH_TRIES or not met_another(exc):
        return False
    # Undone whole: written again, it reads what the other committed.
    log.info("%s met a concurrent change (%s); writing it again", what, describe_db_error(exc)
             if isinstance(exc, DBAPIError) else type(exc).__name__)
    return True


def named(event: InboundEvent) -> str:
    """An event as a log line names it: its id, but never an anonymous answer's press.

    A press's id (Slack's `action:<message ts>:<press ts>`, Telegram's update id) can be
    joined to who was sent that message or sent that update, and so says who answered
    the anonymous poll and when; the line says which kind of event it was instead."""
    if is_concealed(event.action):
        return "(an anonymous answer's press)"
    return str(event.event_id)


#: Why an edit of the org file withdrew queued messages: the metric's label, and the log's
#: line (the count, and "message(s)" or "reminder(s)").
WITHDRAWN = {
    "oneonone_moved": "org file: %d queued 1:1 %s of a time the file no longer gives withdrawn",
    "removed": "org file: %d queued private %s to people no longer in the file withdrawn",
    "right_taken": "org file: %d queued %s (summaries, digests, the GM's) to people who may "
                   "no longer read them withdrawn",
}


def _log_withdrawn(reason: str, dropped: int) -> None:
    if dropped:
        noun = "reminder" if reason == "oneonone_moved" else "message"
        log.info(WITHDRAWN[reason], dropped, noun if dropped == 1 else noun + "s")


EVENT_ID_RETENTION = timedelta(days=7)
#: People prompted per transaction: inbound events get the database between batches.
ROUND_BATCH = 100
#: How many times a round's batch, or a reminder sweep's, is tried when it meets another
#: transaction (met_another): two rounds of the same people at once (the GM's /checkin send
#: and the scheduled one), a sweep and the GM's /checkin remind.
ROUND_BATCH_TRIES = 3
#: A batch of queued events hands the interpreter to the event loop after this much work
#: (seconds), so an ack waits at most about this long for the database thread.
BATCH_YIELD_EVERY = 0.002
#: Refused presses remembered for their adapter (TeamPulse.pressed_label).
_REFUSED_KEPT = 500

T = TypeVar("T")


@dataclass
class CheckinRun:
    """What a check-in run did, per person key."""

    results: dict[str, str] = field(default_factory=dict)

    def grouped(self) -> dict[str, list[str]]:
        """Person keys by outcome ('prompted', 'already-prompted', 'away', ...)."""
        out: dict[str, list[str]] = {}
        for key, outcome in self.results.items():
            out.setdefault(outcome, []).append(key)
        return out



def first_dm_target(platforms: Iterable[str], person: Person) -> Target | None:
    """A person's DM on the first of `platforms` (in order) that knows them."""
    for platform in platforms:
        if platform == "slack" and person.slack_id:
            return Target("slack", "dm", person.slack_id)
        if platform == "telegram" and person.telegram_id:
            return Target("telegram", "dm", str(person.telegram_id))
        if platform == "console":
            return Target("console", "dm", person.key)
    return None


def _failure(exc: Exception) -> str:
    """A failed step's exception for the log: the database's error, else its type alone
    (never a message, which may carry content)."""
    return describe_db_error(exc) if isinstance(exc, DBAPIError) else type(exc).__name__


class TeamPulse:
    """The bot: adapters feed it events; the scheduler calls its jobs; it owns the outbox."""

    def __init__(self, settings: Settings, org: Org, engine: Engine, *,
                 clock: Clock | None = None, renderer: Renderer | None = None) -> None:
        self.settings = settings
        self.org = org
        self.engine = engine
        self.clock = clock or SystemClock()
        self.renderer = renderer or shared_renderer()
        self.sessions = session_factory(engine)
        self.adapters: dict[str, Adapter] = {}
        #: 1:1 pairs the start's sync ended, told once the platforms are registered
        #: (tell_pairs_ended_at_start): each report's (role, team) then, and the changes.
        self._ended_at_start: tuple[dict[str, tuple[str, str | None]],
                                    list[ManagerChanged]] | None = None
        #: Likewise the pairs the file switched off while the bot was stopped (told with
        #: their cadence taken as on: handlers.oneonone.pairs_switched_off_while_stopped).
        self._off_at_start: tuple[dict[str, tuple[str, str | None]],
                                  list[ManagerChanged]] | None = None
        self.outbox = self.new_outbox()
        self.metrics = Metrics()
        self.metrics.watch_outbox(self)
        #: "single" (one process), "leader" or "follower" (replicas on PostgreSQL).
        self.role = "single"
        #: Set by `teampulse run` until start-up is over (the election decided, the leader's
        #: work begun): /readyz answers 503 meanwhile, its role not yet known.
        self.starting = False
        #: Per platform: "connected", "standby" (a follower leaves it to the leader), "stopped".
        self.platform_state: dict[str, str] = {}
        #: Whether this process sends from the outbox. A follower only records work; the
        #: leader's outbox sends it (woken through `leader_kick`).
        self.delivers = True
        self.leader_kick: Callable[[], Awaitable[None]] | None = None
        #: Set when the leader's work is stopping (the process stops or leadership is
        #: lost; see bot.app.LeaderWork): the start-up catch-up, a digest run and the
        #: monthly review end between two batches, digests or directors. A new term
        #: clears it.
        self.winding_down = False
        #: What start-up catches up on, in the background once the bot runs (see
        #: bot.scheduler.start_scheduler); None where this process does not (a follower).
        self.catching_up: asyncio.Task[None] | None = None
        #: The scheduler while this process runs one (the leader, or a single bot): an
        #: org file reload brings its jobs in line (see bot.org_reload).
        self.scheduler: Any = None
        #: The org file's time and size as start-up read it (see bot.org_reload.stamp_of).
        self.org_stamp: tuple[tuple[str, int, int], ...] = ()
        #: The port /healthz, /readyz and /metrics listen on when on a port of their own.
        self.health_port: int | None = None
        self.bot_usernames: dict[str, str] = {}
        # The language each sender was last written to in, as of their last message (a
        # /language choice included): what a pressed button shows and an apology read
        # without the database. (One key set at a time: safe between threads.)
        self._locale_of_sender: dict[tuple[str, str], str] = {}
        #: Presses the core refused (platform, event id), newest last, until the adapter
        #: asks (pressed_label); a few hundred at most, for one whose adapter never asks.
        self._refused_presses: OrderedDict[tuple[str, str], None] = OrderedDict()
        # Handlers and jobs use synchronous SQLAlchemy sessions; they run on this executor so
        # the event loop (and every adapter's acks) never waits on the database. SQLite
        # takes one writer at a time, so one thread there; PostgreSQL can take a few.
        workers = 1 if engine.dialect.name == "sqlite" else 4
        self._db_executor = ThreadPoolExecutor(workers, thread_name_prefix="teampulse-db")
        # Ingest lanes on PostgreSQL: two keep the server busy while one waits on it; more
        # only add threads contending for the interpreter with the loop that acks
        # (batches grow instead), and leave threads free for scheduled work.
        lanes = min(workers, 2)
        #: Test hook: called on the database thread inside each round batch's transaction.
        self.round_batch_hook: Callable[[int], None] | None = None
        self._background: set[asyncio.Task[Any]] = set()
        self._polling = False
        self._deliverer: asyncio.Task[None] | None = None
        self._deliver_again = False
        #: Acknowledged events waiting for processing: one ordered lane per database thread.
        self.ingest = Ingest(self, lanes=lanes)

    # --- adapters and addressing ---------------------------------------------------------

    def register(self, adapter: Adapter) -> None:
        """Add a running platform. The first registered is preferred for scheduled DMs."""
        self.metrics.instrument(adapter)
        self.adapters[adapter.platform] = adapter
        self.platform_state.setdefault(adapter.platform, "stopped")

    def new_outbox(self) -> OutboxWorker:
        """A fresh outbox worker (one per process, and one per term as leader)."""
        return OutboxWorker(self.sessions, self.adapters, self.clock,
                            on_undelivered=undelivered, on_expired=self._count_expired)

    def _count_expired(self, platform: str, count: int) -> None:
        # (Looked up when called: the first outbox is made before the metrics are.)
        self.metrics.expired(platform, count)

    def dm_target(self, person: Person) -> Target | None:
        """A person's DM on the first running platform that knows them."""
        return first_dm_target(self.adapters, person)

    def markup(self, platform: str) -> str:
        """How text for a platform is marked up."""
        adapter = self.adapters.get(platform)
        return adapter.markup if adapter else "plain"

    def supports_ephemeral(self, platform: str) -> bool:
        """Whether a platform shows private notes inside channels."""
        adapter = self.adapters.get(platform)
        return bool(adapter and adapter.supports_ephemeral)

    # --- units of work -------------------------------------------------------------------

    async def db(self, fn: Callable[..., T], /, *args: Any) -> T:
        """Run synchronous database work on the database thread(s), off the event loop."""
        return await asyncio.get_running_loop().run_in_executor(
            self._db_executor, partial(fn, *args))

    def close(self) -> None:
        """Stop the database threads (after the loop's last database work)."""
        self._db_executor.shutdown(wait=True)

    @contextmanager
    def unit(self, event: InboundEvent | None = None) -> Iterator[Context]:
        """A transaction with a handler context; commits on success, rolls back on error."""
        # On SQLite the outbox's transactions (on a worker thread) take turns with ours.
        with self.outbox.db_gate, self.sessions.begin() as session:
            yield Context(session=session, renderer=self.renderer, clock=self.clock,
                          settings=self.settings, org=self.org, addressbook=self, event=event)

    def sync_org(self, backfill: bool = False, *, allow_removals: bool = False,
                 planned: Callable[[PeoplePlan], None] | None = None) -> None:
        """Bring the people table in line with the org file (and the 1:1 reminders still
        queued: the file may have been edited while the bot was stopped, see sync_org_to).

        `backfill` (the bot's own start, `teampulse run`): first fill in what rows stored
        before a migration lack and only the org file can give. Not at a `teampulse`
        command's start: its scans of the kudos and polls, in the write transaction of
        the sync, came before the view's one-moment read and held the running bot's
        writes back meanwhile. Raises MassRemoval or KeyReused, nothing written, for an org
        held back (bot.org_guard), unless `allow_removals`. `planned`
        is given what the sync does, read in its own transaction (what apply-org lists)."""
        from handlers.pulse import fill_shown, forget_all_hidden

        def check(plan: PeoplePlan) -> None:
            if not allow_removals:
                self._guard(plan)
            if planned is not None:
                planned(plan)

        with self.unit() as ctx:
            if backfill:
                # Polls closed before 0019_pulseshown: decided by the readers of before this
                # start's org file (an edit made while stopped is not theirs).
                fill_shown(ctx.session, self.org.pulse.threshold, team_spellings(self.org))
                # Their answers in groups the results hide: let go of (forget_hidden), as
                # a poll's close does now.
                forget_all_hidden(ctx.session, team_spellings(self.org))
            # Each report's role and team as stored, for the 1:1s the sync ends (below).
            former = PeopleRepo(ctx.session).reports_roles()
            managers = PeopleRepo(ctx.session).sync(
                self.org.people, self.clock.now(),
                check=None if allow_removals and planned is None else check)
            # A 1:1 an edit made while the bot was stopped ended (another manager, someone
            # removed) is told as a reload tells it, once (the same dedupe key), as soon
            # as the platforms are registered (tell_pairs_ended_at_start). The file
            # before the edit is gone: its slot is the one this file's rules give.
            if managers:
                self._ended_at_start = (former, managers)
            if backfill:
                # A pair switched off while stopped: the people stored do not show it (the
                # manager is the same), what the bot did does (the bot's own start only: a
                # `teampulse` command tells nothing).
                from handlers.oneonone import pairs_switched_off_while_stopped

                off = pairs_switched_off_while_stopped(
                    ctx.session, self.org, self.clock.now(), {c.report for c in managers})
                if off:
                    self._off_at_start = (former, off)
            if backfill:
                # Kudos of before 0018_kudoslabel: the labels of the org file at this start.
                fill_value_labels(ctx.session, {v.key: v.label for v in self.org.values})
            dropped = self._withdraw_for_org(ctx)
        self._count_withdrawn(dropped)

    async def tell_pairs_ended_at_start(self) -> int:
        """After a start's sync (sync_org), with the platforms registered: each 1:1 pair
        the org file ended while the bot was stopped (another manager, someone removed,
        switched off) is told to both sides, as a reload tells it
        (handlers.oneonone.tell_pairs_ended). How many were told."""
        from handlers.oneonone import tell_pairs_ended

        told = 0
        if self._ended_at_start is not None:
            former, managers = self._ended_at_start
            self._ended_at_start = None
            told += await self.db(self._in_unit, lambda ctx: tell_pairs_ended(
                ctx, self.org.oneonones, former, managers))
        if self._off_at_start is not None:
            was, off = self._off_at_start
            self._off_at_start = None
            told += await self.db(self._in_unit, lambda ctx: tell_pairs_ended(
                ctx, self.org.oneonones, was, off, switched_on=True))
        return told

    def sync_org_to(self, org: Org) -> None:
        """Bring the people table in line with an edited org file (before `apply_org`).

        Replicas reloading the same edit take turns, as at start: each writes only what
        still differs. Raises MassRemoval, nothing written, for an edit that takes too
        many of the people stored out at once, KeyReused for one that gives a key to another
        person (of someone who left, or edited in place: bot.org_guard): it is applied on purpose
        with `teampulse apply-org --yes`, after which the people stored agree with it.
        """
        from handlers.monthly_gm import tell_all_answered
        from handlers.monthly_review import previous_month
        from handlers.oneonone import keep_begun_slots, pairs_ended, tell_pairs_ended
        from handlers.review import replace_leavers

        with startup_lock(self.engine), self.outbox.db_gate, self.sessions.begin() as session:
            PeopleRepo(session).sync(org.people, self.clock.now(), check=self._guard)
            ctx = Context(session=session, renderer=self.renderer, clock=self.clock,
                          settings=self.settings, org=org, addressbook=self)
            # A 1:1 under way (or just over) when the edit gives its pair another time keeps
            # the time it was reminded of: not asked about at once, reminded of again, or lost.
            keep_begun_slots(ctx, self.org)
            # A 1:1 the edit ended (another manager, someone removed, switched off) is told
            # to both sides, with its next slot: a reminder of it may have gone out
            # already. From the two files (whoever synced the people table: apply-org
            # --yes, another replica), not a scan of the people table or of the outbox.
            tell_pairs_ended(ctx, self.org.oneonones,
                             {p.key: (p.role, p.team) for p in self.org.people},
                             pairs_ended(self.org, org))
            # In the same transaction, so an open review never counts or waits for a
            # leaver the edit took out (a second replica finds nothing left to do).
            replace_leavers(ctx)
            # Nor do last month's questions: with the last director not to answer taken
            # out, every one still here has, and the GM's DM saying so (sent at an
            # answer) would never come. Once, by its dedupe key.
            tell_all_answered(ctx, *previous_month(ctx.org_today()))
            dropped = self._withdraw_for_org(ctx)
        self._count_withdrawn(dropped)

    def _guard(self, plan: PeoplePlan) -> None:
        """Refuse a sync that takes too many people out at once, or gives a key to another
        person (of someone who left, or edited in place: bot.org_guard): measured against the people
        stored, so an edit `teampulse apply-org --yes` applied already (or another
        replica did) passes."""
        apply = apply_command(self.settings.env_file)
        if removes_too_many(plan.active, len(plan.removed)):
            raise MassRemoval(self.settings.org_file, plan.active, plan.removed, apply)
        if plan.reused:
            raise KeyReused(self.settings.org_file, plan.reused, apply)

    def _withdraw_for_org(self, ctx: Context) -> dict[str, int]:
        """Withdraw what waits in the outbox that the org file (as now synced) no longer
        allows; how many, by reason (each logged)."""
        from handlers.oneonone import withdraw_stale_reminders
        from handlers.support import list_again

        outbox, now = OutboxRepo(ctx.session), self.clock.now()
        again: list[tuple[str, str, str]] = []
        dropped = {
            # A 1:1 whose time the edit changed: its reminders still queued (the platform
            # down) would say the old time; dropped, the sweep reminds of the new one.
            "oneonone_moved": withdraw_stale_reminders(ctx),
            # Whoever the edit took out gets nothing more that waited for them (a
            # summary asked while the platform was down).
            "removed": outbox.withdraw_for_leavers(now),
            # And whoever it took a right from (off org.summary_viewers, no longer the
            # GM, a director moved, no longer a department's owner) no summary, digest,
            # GM's message or support request's news still queued.
            "right_taken": outbox.withdraw_unreadable(
                now, {d.key: d.owners for d in ctx.org.support.departments}, again),
        }
        # An owner's /support page withdrawn for one department taken from them: what
        # they still own of it is sent again, as it stands now.
        for key, hint, mark in again:
            list_again(ctx, key, hint, mark)
        for reason, count in dropped.items():
            _log_withdrawn(reason, count)
        return dropped

    def _count_withdrawn(self, dropped: dict[str, int]) -> None:
        # Once committed: a sync rolled back withdrew nothing (a replica that reloads
        # the same edit after another finds nothing left, so each is counted once).
        for reason, count in dropped.items():
            self.metrics.withdrawn(reason, count)

    async def replace_review_leavers(self) -> int:
        """After a start: the raters of open 360° reviews who left the org file while the
        bot was down (see handlers.review.replace_leavers); how many peers were asked
        instead. Not at `sync_org`, before any platform runs to send the surveys."""
        from handlers.review import replace_leavers

        asked = await self.db(self._in_unit, replace_leavers)
        if asked:
            await self.deliver(wait=False)
        return asked

    def apply_org(self, org: Org) -> None:
        """Use an edited org from now on: every later transaction's context reads it, and
        the adapters drop what they kept of the old one."""
        self.org = org
        for adapter in self.adapters.values():
            adapter.org_changed(org)

    async def handle(self, event: InboundEvent) -> bool:
        """Process one inbound event exactly once, now; False if it was a duplicate.

        The event id is claimed in the same transaction as the handler's work, so
        a crash part-way leaves it unclaimed and a redelivery is processed. The
        work runs on the database thread, never on the event loop. Adapters receiving
        many events use submit() instead, which queues and batches them.
        """
        return (await self.handle_batch([event]))[0]

    async def handle_batch(self, events: list[InboundEvent], *,
                           deliver: bool = True) -> list[bool]:
        """Process events in order, in one trip to the database thread; False per duplicate.

        The events share one transaction (see _handle_batch_sync), so a batch costs one
        commit, and what they look up is loaded once for all of them; what a failed
        event wrote is undone without touching the others (the batch is then done
        again with a savepoint per event), and it gets the usual apology. With
        `deliver=False` sending the replies is left to the caller (the ingest workers
        send them from a task of their own).
        """
        started = time.perf_counter()
        outcomes = await self.db(self._handle_batch_sync, events)
        for event, outcome in zip(events, outcomes, strict=True):
            # An event that answered a pulse poll (a concealed button, a typed answer) is
            # neither timed nor counted: a count rising by one says when someone answered.
            anonymous = outcome == "anonymous" or is_concealed(event.action)
            if not anonymous:
                self.metrics.observe_handler(event.platform, started)
            if outcome == "duplicate" and not anonymous:
                self.metrics.events_deduplicated.labels(event.platform).inc()
            elif outcome == "failed":
                await self._apologise(event)
            elif outcome == "round" and self.role != "follower":
                # The handler queued a round (/checkin send): carry it out now, in the
                # background, so the events behind this one are not held up by the round.
                # (On a follower the leader's poll picks it up within seconds.)
                self.spawn(self.run_round_requests())
        if deliver:
            await self.deliver()
        return [outcome != "duplicate" for outcome in outcomes]

    async def submit(self, event: InboundEvent,
                     then: Callable[[bool], Coroutine[Any, Any, None]] | None = None, *,
                     wait: float | None = None) -> None:
        """Queue an acknowledged event for the ingest workers; returns once it is queued.

        See bot/ingest.py: bounded, ordered per person, processed in batches. `then`
        runs after the event was handled, with handle()'s result. With `wait`, raises
        IngestBusy when the queue stays full that long: the caller must then not
        acknowledge the event, so that the platform delivers it again.
        """
        await self.ingest.submit(event, then, wait=wait)

    def spawn(self, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run work in the background; drain() awaits it (tests, shut-down)."""
        task = asyncio.create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    def stops_at(self, what: str, done: int, total: int, of: str) -> bool:
        """Whether a long run (`what`, `done` of `total` `of`) ends here because the
        leader's work is winding down; says so in the log when it does."""
        if self.winding_down:
            log.info("%s: stopping after %d of %d %s", what, done, total, of)
        return self.winding_down

    def cancel_background(self) -> None:
        """Cancel the background work (leadership lost: a round stops between batches)."""
        for task in list(self._background):
            task.cancel()

    async def drain(self) -> None:
        """Wait for queued events and the background work spawn() started (and so on)."""
        while True:
            await self.ingest.join()
            if not self._background:
                return
            await asyncio.gather(*list(self._background), return_exceptions=True)

    def _handle_batch_sync(self, events: list[InboundEvent]) -> list[str]:
        # One outcome per event: "duplicate", "round" (a round request was queued),
        # "failed" (apologise), "anonymous" (it answered a pulse poll: done, and kept out
        # of the metrics), or "done".
        if len(events) == 1:
            return [self._handle_sync(events[0])]
        try:
            # Most batches hold no failing event: handle them without a savepoint each
            # (two statements and a nested transaction fewer per event). Should any
            # event fail, the whole transaction is undone and done again below.
            return self._batch(events, savepoints=False)
        except Exception as exc:
            log.info("a batch of %d events is done again event by event (%s)", len(events),
                     describe_db_error(exc) if isinstance(exc, DBAPIError)
                     else type(exc).__name__)
        try:
            return self._batch(events, savepoints=True)
        except Exception as exc:
            # The shared commit failed, so nothing of the batch was stored (claims
            # included): try each event alone, so one cannot cost the others.
            log.warning("a batch of %d events could not be stored together (%s); "
                        "handling them one by one", len(events), describe_db_error(exc))
            return [self._handle_sync(event) for event in events]

    def _batch(self, events: list[InboundEvent], *, savepoints: bool) -> list[str]:
        """A batch in one transaction. With `savepoints`, each event in its own (a failed
        one is undone alone and reported "failed"); without, any failure raises and
        undoes the whole batch."""
        with self.outbox.db_gate, self.sessions.begin() as session:
            # (A summary asked in the batch reads in it, to see the answers before it.)
            session.info[IN_BATCH] = len(events) > 1
            self._preload(session, events)
            # Every event id claimed in one statement, in this same transaction:
            # a crash before the commit leaves them all unclaimed.
            claimed = EventRepo(session).claim_all(
                [(e.platform, e.event_id) for e in events if e.event_id], self.clock.now())
            if savepoints:
                return [self._handle_in(session, event, claimed) for event in events]
            # The events' ORM changes are written together at the commit, in one flush
            # (on PostgreSQL the dialogs in one UPDATE, each checked against its version:
            # storage.versioned_writes; on SQLite one UPDATE each) instead of one flush
            # per event;
            # until then every query, ORM or raw SQL, writes them first (BatchSession),
            # so each event still sees the ones before it.
            session.info[DEFERRED_FLUSH] = True
            outcomes = []
            yielded = time.perf_counter()
            for event in events:
                key = (event.platform, event.event_id or "")
                mine = key in claimed
                claimed.discard(key)
                ctx = Context(session=session, renderer=self.renderer, clock=self.clock,
                              settings=self.settings, org=self.org, addressbook=self,
                              event=event)
                outcomes.append(self._handle_ctx(ctx, event, claimed=mine))
                # Let the event loop have the interpreter between events: an ack
                # waiting for it then waits a little of the batch's work, not a whole
                # switch interval per turn (time.sleep releases the GIL). Not after
                # every event: while the loop is busy (sending replies) each hand-over
                # cost the batch a turn of the loop's work, a third of a burst's time.
                if time.perf_counter() - yielded >= BATCH_YIELD_EVERY:
                    time.sleep(0)
                    yielded = time.perf_counter()
            return outcomes

    def _preload(self, session: Session, events: list[InboundEvent]) -> None:
        """Load what a batch's events will look up, a few statements for all of them:
        the senders, their open dialogs (1:1 ones too: which is in front decides where
        an answer goes) and the check-in rounds those wait on (with their answers). Each
        event then finds them in the session instead of asking the database one row at a
        time; what it changes it still writes itself."""
        senders = PeopleRepo(session)
        people = senders.preload_senders(
            {(event.platform, event.user_id) for event in events})
        if session.get_bind().dialect.name == "postgresql":
            # Every sender's row held before anything else of the batch is locked or
            # written, all in id order in one statement: locked as each event came (an
            # `/away`, a `/language`, a kudos), two replicas' batches with two people in
            # opposite order deadlocked (PeopleRepo.lock). SQLite has no row locks.
            senders.lock([p.id for p in people])
        conversations = ConversationRepo(session).preload([p.id for p in people])
        OneOnOneRepo(session).preload_dialogs([p.id for p in people])
        CheckinRepo(session).preload(
            {c.round_id for c in conversations if c.round_id is not None})

    def _handle_in(self, session: Session, event: InboundEvent,
                   claimed: set[tuple[str, str]]) -> str:
        """One event in a savepoint of a batch's transaction.

        `claimed`: event ids the batch claimed up front; the first copy of an event
        takes its claim, a later copy claims again and finds it taken.
        """
        key = (event.platform, event.event_id or "")
        mine = key in claimed
        claimed.discard(key)
        outcome = "failed"
        try:
            try:
                return self._in_savepoint(session, event, mine)
            except CONCURRENT:
                # Met another replica's concurrent change: once more, as _handle_sync
                # does (on PostgreSQL each statement reads what is committed now).
                log.info("%s event %s met a concurrent change; handling it again",
                         event.platform, named(event))
                return self._in_savepoint(session, event, mine)
        except CONCURRENT:
            # A copy of it claimed (by another process, or earlier in this batch), or its
            # work undone twice by others' changes (then it is not ignored: see _handle_sync).
            if not mine and event.event_id and EventRepo(session).seen(*key):
                log.info("%s event %s was processed concurrently; ignoring", event.platform,
                         named(event))
                outcome = "duplicate"
            else:
                log.warning("%s event %s met concurrent changes twice; not stored, the "
                            "sender is asked to send it again", event.platform, named(event))
        except DBAPIError as exc:
            log.error("handling a %s event failed: database error (%s)", event.platform,
                      describe_db_error(exc))
        except Exception:
            log.exception("handling a %s event failed", event.platform)
        if mine:
            # Its work was undone, so its claim goes too (as a claim made inside the
            # savepoint would): a redelivery of the event is processed.
            EventRepo(session).unclaim(*key)
        return outcome

    def _in_savepoint(self, session: Session, event: InboundEvent, claimed: bool) -> str:
        with session.begin_nested():
            ctx = Context(session=session, renderer=self.renderer, clock=self.clock,
                          settings=self.settings, org=self.org, addressbook=self,
                          event=event)
            return self._handle_ctx(ctx, event, claimed=claimed)

    def _handle_ctx(self, ctx: Context, event: InboundEvent, *, claimed: bool = False) -> str:
        if event.event_id and not claimed and not ctx.events.claim(
                event.platform, event.event_id, self.clock.now()):
            log.info("%s event %s already processed; ignoring the redelivery",
                     event.platform, named(event))
            return "duplicate"
        ctx.person = ctx.people.by_platform(event.platform, event.user_id, event.username)
        route(ctx, self.bot_usernames.get(event.platform))
        if ctx.person is not None:
            self._locale_of_sender[(event.platform, event.user_id)] = ctx.person.locale
        if ctx.press_refused and event.event_id:
            self._refused_presses[(event.platform, event.event_id)] = None
            while len(self._refused_presses) > _REFUSED_KEPT:
                self._refused_presses.popitem(last=False)
        if ctx.round_requested:
            return "round"
        return "anonymous" if ctx.anonymous else "done"

    def _handle_sync(self, event: InboundEvent, *, again: bool = True, attempt: int = 1
                     ) -> str:
        try:
            with self.unit(event) as ctx:
                if ctx.session.get_bind().dialect.name == "postgresql":
                    # The sender held first, as a batch holds its senders (_preload): their
                    # event on another replica is then stored before this one reads their
                    # dialog, or after it. Read side by side, the later of two quick
                    # answers met the earlier's change and was done again, and, overtaken
                    # once more by a third, dropped: an answer lost without a word.
                    ctx.people.preload_senders({(event.platform, event.user_id)}, lock=True)
                return self._handle_ctx(ctx, event)
        except CONCURRENT:
            if again:
                # Another replica wrote what this event was about to (its own copy, whose
                # claim the next try finds; or the person's previous message, answering
                # the same question): handled once more, it reads what is there now.
                log.info("%s event %s met a concurrent change; handling it again",
                         event.platform, named(event))
                return self._handle_sync(event, again=False, attempt=attempt + 1)
            if self._taken_elsewhere(event):
                log.info("%s event %s was processed concurrently; ignoring", event.platform,
                         named(event))
                return "duplicate"
            # Not a copy of one handled elsewhere: its work was undone twice by others'
            # changes. Ignored as a duplicate, it was lost without a word; the sender is
            # asked to send it again (nothing of it was stored).
            log.warning("%s event %s met concurrent changes twice; not stored, the sender "
                        "is asked to send it again", event.platform, named(event))
            return "failed"
        except DBAPIError as exc:  # the database failed, not our code: one line is enough
            if worth_again(exc, attempt, f"{event.platform} event {named(event)}"):
                # PostgreSQL undid it for another transaction (a deadlock, a serialization
                # failure), its claim too: done again, as a round's batch is, it reads
                # what the other committed. (Before, the sender was asked to send it again.)
                return self._handle_sync(event, again=again, attempt=attempt + 1)
            log.error("handling a %s event failed: database error (%s)", event.platform,
                      describe_db_error(exc))
        except Exception:
            log.exception("handling a %s event failed", event.platform)
        return "failed"

    def _taken_elsewhere(self, event: InboundEvent) -> bool:
        """Whether another process holds this event's id: a copy of it was handled."""
        if not event.event_id:
            return False
        try:
            with self.unit() as ctx:
                return ctx.events.seen(event.platform, event.event_id)
        except DBAPIError:
            return True  # as before: taken for a copy handled elsewhere

    async def deliver(self, *, wait: bool = True) -> None:
        """Send what the outbox holds that is due now, and wake its loop for the rest.

        `wait=False` (start-up and the scheduled jobs): if the outbox's loop runs, only
        wake it. Waiting for a flush holds the caller until everything due is sent, a
        backlog included: under a rate limit minutes, with start-up not yet running and
        a job's next run skipped meanwhile. (A person's reply is waited for: the console
        shows it before the next prompt.)"""
        # Send what is due now; anything pacing deferred is left to the background loop,
        # which is woken so it recomputes its sleep instead of idling until its next tick.
        if not self.delivers:
            # A follower: the leader alone sends, so no two processes send one row.
            if self.leader_kick is not None:
                try:
                    await self.leader_kick()
                except Exception as exc:  # the leader's loop finds it within its interval
                    log.warning("could not wake the leader (%s)", describe_db_error(exc))
            return
        if not wait and self.outbox.looping:
            self.outbox.kick()
            return
        try:
            due = await self.outbox.flush()
        except Exception as exc:  # the database is down: the background loop retries
            log.error("sending from the outbox failed (%s); the outbox will retry",
                      describe_db_error(exc))
            self.outbox.kick()
            return
        if due is not None:
            self.outbox.kick()

    def deliver_soon(self) -> None:
        """deliver() in the background, one task at a time: asked again while it runs,
        it goes round once more instead of starting another."""
        self._deliver_again = True
        if self._deliverer is None or self._deliverer.done():
            self._deliverer = asyncio.ensure_future(self._deliver_while_asked())
            self._background.add(self._deliverer)  # (as spawn(): drain() awaits it)
            self._deliverer.add_done_callback(self._background.discard)

    async def _deliver_while_asked(self) -> None:
        while self._deliver_again:
            self._deliver_again = False
            await self.deliver()

    async def _apologise(self, event: InboundEvent) -> None:
        if not (event.is_direct or command_form(event.text.strip()).startswith("/")):
            return  # chatter in a group that failed needs no public apology
        try:
            await self.db(self._record_apology, event)
            return
        except Exception as exc:
            # Most likely the database itself is failing, so the apology cannot be
            # recorded in the outbox: say it straight through the adapter instead.
            log.error("could not record the apology for a failed %s event (%s); "
                      "sending it directly", event.platform, describe_db_error(exc))
        adapter = self.adapters.get(event.platform)
        if adapter is None:
            return
        try:
            text = self.renderer.message(self._locale_without_db(event), "internal_error",
                                         adapter.markup)
            # Privately, as ctx.reply would for an apology (a DM works on every platform).
            await adapter.deliver(Target(event.platform, "dm", event.user_id),
                                  OutboundMessage(text))
        except Exception:
            log.exception("could not even apologise for a failed %s event", event.platform)

    def _record_apology(self, event: InboundEvent) -> None:
        with self.unit(event) as ctx:
            ctx.person = ctx.people.by_platform(event.platform, event.user_id, event.username)
            ctx.reply("internal_error")

    def sender_locale(self, platform: str, user_id: str) -> str | None:
        """The language a sender was written to in as of their last message (None before
        one): their /language choice, which the org file does not know."""
        return self._locale_of_sender.get((platform, user_id))

    def _locale_without_db(self, event: InboundEvent) -> str:
        """The sender's locale without the database (it may be down): as of their last
        message (their /language choice), else the org file's."""
        said = self.sender_locale(event.platform, event.user_id)
        if said is not None:
            return said
        for person in self.org.people:
            if ((event.platform == "console" and person.key == event.user_id)
                    or (event.platform == "slack" and person.slack_id == event.user_id)
                    or (event.platform == "telegram"
                        and str(person.telegram_id) == event.user_id)):
                return person.locale
        return "zh-CN" if (event.locale_hint or "").lower().startswith("zh") else "en"

    # --- scheduled work ------------------------------------------------------------------

    async def run_checkins(self, keys: list[str] | None = None, *,
                           timezone: str | None = None, week: str | None = None,
                           take_over: bool = False) -> CheckinRun:
        """Prompt people for this week's check-in now (all who check in, or the given keys,
        or everyone who checks in in one timezone), or for `week` (the weekly job run late,
        bot.schedule.late_week: a round's last batches after midnight, or a machine that
        slept over the moment, still ask for the week it stood for). `take_over`: ask the
        first question even of someone in the middle of another dialog (the console's
        /fire: the operator trying the bot out), rather than telling them it follows
        (checkin.prompt_checkins).

        Written in batches of ROUND_BATCH people, one transaction each, on the database
        thread: inbound events are handled between batches, and a crash part-way loses
        nothing (each prompt is idempotent per person and week, so a rerun asks only
        those not yet asked).
        """
        run = CheckinRun()
        ids = await self.db(self._round_people, keys, timezone)
        try:
            for number, start in enumerate(range(0, len(ids), ROUND_BATCH), start=1):
                batch = ids[start:start + ROUND_BATCH]
                run.results.update(await self._round_batch(batch, number, take_over, week))
                # Sending starts with the first batch and is not waited for: the round is
                # written at database speed while the outbox sends at the platform's, so
                # a reply to someone overtakes what is still queued (see bot.outbox).
                self.deliver_soon()
        finally:
            # Until what was committed has gone (even if a batch failed), and with no
            # delivery of the round's left running in the background after it returns.
            self.deliver_soon()
            if self._deliverer is not None:
                await self._deliverer
        log.info("check-in run: %s", {k: len(v) for k, v in run.grouped().items()})
        return run

    async def _round_batch(self, person_ids: list[int], number: int, take_over: bool,
                           week: str | None) -> dict[str, str]:
        """One batch of a round, done again (ROUND_BATCH_TRIES in all) should it meet
        another transaction's change to its people: failed at once, it failed the round,
        and the people of this batch and of those after it were not asked."""
        for attempt in range(1, ROUND_BATCH_TRIES + 1):
            try:
                return await self.db(self._prompt_batch, person_ids, number, take_over, week)
            except Exception as exc:
                # (A round already there is then "already prompted", its prompt not queued
                # twice.)
                if not worth_again(exc, attempt, f"check-in round batch {number}"):
                    raise
        raise AssertionError("unreachable")

    def _round_people(self, keys: list[str] | None, timezone: str | None = None) -> list[int]:
        with self.unit() as ctx:
            if keys is None:
                return RoundBatchRepo(ctx.session).checking_in_ids(timezone)
            return [p.id for p in (ctx.people.by_key(k) for k in keys) if p is not None]

    def _prompt_batch(self, person_ids: list[int], number: int,
                      take_over: bool = False, week: str | None = None) -> dict[str, str]:
        with self.unit() as ctx:
            # The whole batch in a constant number of statements (see storage.round_batch).
            results = checkin.prompt_checkins(ctx, [(pid, week) for pid in person_ids],
                                              take_over=take_over)
            if self.round_batch_hook is not None:
                self.round_batch_hook(number)
        return results

    # --- rounds requested by the GM, an admin or the CLI -------------------------------------

    def poll_round_requests(self) -> None:
        """Start carrying out queued requests in the background, unless a poll still runs.

        The scheduler calls this every few seconds; a long round must neither be
        started twice nor keep the scheduler's job busy (it would warn on every tick).
        """
        if not self._polling:
            self._polling = True
            self.spawn(self._poll())

    async def _poll(self) -> None:
        try:
            await self.run_round_requests()
        except Exception:  # a database hiccup: the next poll tries again
            log.exception("looking for round requests failed")
        finally:
            self._polling = False

    async def run_round_requests(self) -> int:
        """Carry out queued 'send a round now' requests, each exactly once; how many ran."""
        done = 0
        for request_id in await self.db(self._claimable_requests):
            scope = await self.db(self._claim_request, request_id)
            if scope is None:
                continue  # another poller (or the chat command itself) has it
            try:
                run = await self.run_checkins(scope)
            except Exception as exc:
                log.exception("round request %s failed", request_id)
                await self.db(self._finish_request, request_id, None, type(exc).__name__)
            else:
                await self.db(self._finish_request, request_id, run.grouped(), None)
            done += 1
            await self.deliver(wait=False)
        return done

    def _claimable_requests(self) -> list[int]:
        with self.unit() as ctx:
            return RoundRequestRepo(ctx.session).claimable(self.clock.now())

    def _claim_request(self, request_id: int) -> list[str] | None:
        # The claim and the choice of people are one transaction: the request runs once.
        with self.unit() as ctx:
            repo = RoundRequestRepo(ctx.session)
            if not repo.claim(request_id, self.clock.now()):
                return None
            request = repo.get(request_id)
            assert request is not None
            people = ctx.people.checking_in()
            if request.scope == "team":
                name = (request.name or "").casefold()
                return [p.key for p in people if (p.team or "").casefold() == name]
            if request.scope == "person":
                return [request.name or ""]
            return [p.key for p in people]

    def _finish_request(self, request_id: int, result: dict[str, list[str]] | None,
                        error: str | None) -> None:
        with self.unit() as ctx:
            repo = RoundRequestRepo(ctx.session)
            repo.finish(request_id, self.clock.now(), result, error)
            request = repo.get(request_id)
            if request is None or request.reply_platform is None or request.reply_user is None:
                return  # from the CLI, which reads the result from the table
            ctx.person = ctx.people.by_key(request.requested_by)
            if ctx.person is None:
                return
            ctx.event = InboundEvent(platform=request.reply_platform,
                                     user_id=request.reply_user, chat_id=request.reply_user,
                                     chat_type="direct", text="")
            rounds.reply_result(ctx, request, result, error)

    async def run_reminders(self) -> int:
        """Send due reminders; returns how many went out."""
        count = await self.db(self._reminders)
        await self.deliver(wait=False)
        return count

    def _reminders(self) -> int:
        # In batches, one transaction each, like a round: inbound events get the
        # database in between.
        count, after = 0, 0
        for number in itertools.count(1):
            sent, last = self._reminder_batch(after, number)
            count += sent
            if last is None:
                break
            after = last
        with self.unit() as ctx:
            ctx.events.forget_before(self.clock.now() - EVENT_ID_RETENTION)
        return count

    def _reminder_batch(self, after: int, number: int) -> tuple[int, int | None]:
        """One batch of a reminder sweep (checkin.send_reminders), done again like a
        round's should it meet another transaction (the GM's /checkin remind writing the
        same people's dialogs and rounds): failed at once, it failed the sweep, and
        everyone due in it and in the batches after it was reminded only by a later
        sweep, late. Done again, it reads what the other committed (a round it reminded
        is no longer due)."""
        for attempt in range(1, ROUND_BATCH_TRIES + 1):
            try:
                with self.unit() as ctx:
                    return checkin.send_reminders(ctx, after, ROUND_BATCH)
            except Exception as exc:
                if not worth_again(exc, attempt, f"reminder sweep batch {number}"):
                    raise
        raise AssertionError("unreachable")

    async def run_oneonones(self) -> int:
        """Send the one-on-one reminders and prompts due now (idempotent); how many went out."""
        count = await self.db(self._oneonones)
        await self.deliver(wait=False)
        return count

    def _oneonones(self) -> int:
        with self.unit() as ctx:
            return oneonone.sweep(ctx)

    async def run_review_held(self) -> int:
        """Send the 360° surveys that waited for raters away when their review began, to
        those back now (handlers.review.send_held); how many went out."""
        from handlers import review

        count = await self.db(self._in_unit, review.send_held)
        await self.deliver(wait=False)
        return count

    async def run_honours(self) -> bool:
        """Post last month's honour roll if today is the day; idempotent per month."""
        due = await self.db(self._honours)
        await self.deliver(wait=False)
        return due

    def _honours(self) -> bool:
        with self.unit() as ctx:
            return honours.post_monthly_honours(ctx)

    async def run_monthly_review(self) -> bool:
        """Send last month's review if today is the day; idempotent per month.

        One transaction per director (a review, the month's digests with a chart, the
        first question), then the GMs' one overview each, so inbound events get the
        database in between (all of them in one grew with the org's size squared and
        held the write lock for minutes with a thousand directors), and a stop ends it
        between two directors (`winding_down`):
        a start later that day sends the rest, nobody twice.
        """
        from handlers import monthly_review
        from handlers.monthly_gm import send_gm_overview, tell_all_answered_before

        run = await self.db(self._in_unit, monthly_review.monthly_run)
        if run is None:
            return False
        for done, director_id in enumerate(run.directors):
            if self.stops_at("monthly review", done, len(run.directors), "directors"):
                return True
            try:
                await self.db(self._in_unit, monthly_review.send_director_review, run,
                              director_id)
            except Exception as exc:  # one director's failure must not hold up the others
                # Nothing of it was stored (one transaction): a start later that day
                # tries again.
                log.error("the %s monthly review for person #%d failed (%s)", run.tag,
                          director_id, _failure(exc))
            await self.deliver(wait=False)
        # The month before last: a review never sent (away all last month) is known only
        # now, and may have been all the GMs waited for to hear that everyone answered.
        await self.db(self._in_unit, tell_all_answered_before, run)
        if run.late:  # only reviews held while someone was away: the GMs had theirs
            await self.deliver(wait=False)
            return True
        # One overview per GM once every director's review has gone (a stop above
        # leaves it to the start that sends the rest).
        await self.db(self._in_unit, send_gm_overview, run)
        await self.db(self._in_unit, monthly_review.send_gm_digests, run)
        await self.deliver(wait=False)
        return True

    async def run_digests(self, *, starting: bool = False) -> int:
        """Queue the weekly digests that are due (see handlers/digest.py); how many.

        Each recipient's digest is its own transaction (a summary and a chart each), so
        inbound events get the database in between; each is claimed once per week. Ends
        between two digests when the leader's work stops (`winding_down`).
        """
        due = await self.db(self._digests_due, starting)
        queued = 0
        for done, (person_id, week) in enumerate(due):
            # Stopping: the rest are queued by the next start or sweep while within their
            # grace period (each claimed once: nobody gets two).
            if self.stops_at("weekly digests", done, len(due), "due"):
                break
            try:
                queued += await self.db(self._digest_one, person_id, week)
            except Exception as exc:  # one recipient's failure must not hold up the others
                # Nothing of it was stored (one transaction): the next sweep tries again.
                log.error("the %s digest for person #%d failed (%s); trying again at the "
                          "next sweep", week, person_id, _failure(exc))
        if queued:
            await self.deliver(wait=False)
            log.info("weekly digests queued: %d", queued)
        return queued

    def _digests_due(self, starting: bool) -> list[tuple[int, str]]:
        from handlers.digest import due_digests

        with self.unit() as ctx:
            return due_digests(ctx, starting=starting)

    def _digest_one(self, person_id: int, week: str) -> int:
        from handlers.digest import queue_digest

        with self.unit() as ctx:
            person = ctx.session.get(Person, person_id)
            if person is None:
                return 0
            return int(queue_digest(ctx, person, week, "schedule") == "queued")
    async def run_review_schedule(self) -> int:
        """Start the scheduled 360° reviews that are due and close those whose days are up
        (see handlers.review_schedule); how many started. Each director's review is
        claimed and started in its own transaction; every step is idempotent."""
        from handlers import review_schedule

        started = 0
        for key in await self.db(self._in_unit, review_schedule.due_directors):
            started += await self.db(self._in_unit, review_schedule.start_scheduled, key)
            await self.deliver(wait=False)
        # One DM per GM and period about them all (after a restart part-way too).
        await self.db(self._in_unit, review_schedule.tell_started)
        await self._remind_reviews()
        closed = await self._close_scheduled_reviews()
        if started or closed:
            log.info("scheduled 360° reviews: %d started, %d closed", started, closed)
        return started

    async def _remind_reviews(self) -> int:
        """One reminder to each rater not done with a review closing soon (see
        handlers.review_progress), a batch a transaction; how many went out."""
        from handlers import review_progress

        total, more = 0, True
        while more:
            sent, more = await self.db(self._in_unit, review_progress.send_reminders)
            total += sent
            await self.deliver(wait=False)
        # At DEBUG only, as the pulse sweep never counts its reminders: someone away when
        # they fell due is reminded by the sweep after they are back, alone, so a line
        # "1 sent" then (or none) told the log's reader whether they had finished.
        if total:
            log.debug("360° review reminders: %d sent", total)
        return total

    async def _close_scheduled_reviews(self) -> int:
        """Close the scheduled reviews whose days are up, each with its report to the
        director in its own transaction, then send each GM the summary of every period
        whose reviews have all closed: its lines read a few thousand raters' answers a
        transaction (SUMMARY_RATERS), the DMs sent in one that settles the period. In
        one transaction, a thousand directors' close held the database for many minutes
        (every other director rated each of them, as `reviews.peers: all` still does);
        now inbound events get it between two reviews, a stop ends it between two, and a
        restart carries on where it stopped, nobody sent anything twice. How many
        closed."""
        from handlers import review_schedule

        due = await self.db(self._in_unit, review_schedule.rounds_to_close)
        closed = 0
        for done, round_id in enumerate(due):
            if self.stops_at("closing scheduled 360° reviews", done, len(due), "reviews"):
                return closed
            try:
                closed += await self.db(self._in_unit, review_schedule.close_scheduled,
                                        round_id)
            except Exception as exc:  # one review's failure must not hold up the others
                # Nothing of it was stored (one transaction): the next sweep tries again,
                # and the GM's summary waits for it.
                log.error("closing the scheduled 360° review #%d failed (%s)", round_id,
                          _failure(exc))
            await self.deliver(wait=False)
        for period in await self.db(self._in_unit, review_schedule.periods_to_summarise):
            rounds = await self.db(self._in_unit, review_schedule.summary_rounds, period)
            if rounds is None:
                continue  # checked just before: a closed review never opens again
            lines: list[Any] = []
            read = 0
            while read < len(rounds):
                if self.stops_at("the 360° review summary", read, len(rounds), "reviews"):
                    return closed
                batch, read = await self.db(self._in_unit, review_schedule.closed_lines,
                                            rounds, read)
                lines += batch
            await self.db(self._in_unit, review_schedule.send_closed_summary, period, lines)
        await self.deliver(wait=False)
        return closed

    # --- anonymous pulse polls -----------------------------------------------------------

    async def run_pulse(self) -> pulse.SweepResult:
        """Open due pulse polls, ask, remind, close and alert (see handlers.pulse.sweep).

        People are asked in batches of ROUND_BATCH, one transaction each, so inbound
        events get the database in between; every step is idempotent.
        """
        due = await self.db(self._in_unit, pulse.due_people)
        asked = 0
        for start in range(0, len(due), ROUND_BATCH):
            batch = due[start:start + ROUND_BATCH]
            asked += await self.db(self._in_unit, pulse.ask_people, batch)
            await self.deliver(wait=False)
        # The reminders in one transaction, then each poll's shuffle and close in one of its
        # own: together, a batch answering two polls could deadlock with the sweep
        # (handlers.pulse.finish_poll).
        result: pulse.SweepResult = await self.db(self._in_unit, pulse.remind)
        for poll_id in await self.db(self._in_unit, pulse.open_poll_ids):
            finished = await self.db(self._in_unit, pulse.finish_poll, poll_id)
            result.alerts += finished.alerts
            result.closed += finished.closed
        result.asked = asked
        await self.deliver(wait=False)
        # Not how many it reminded, nor a line for reminders alone: the reminder goes out
        # at the person's own time a day after the poll, so a sweep reminds the people of
        # one timezone, often one person, and its count said whether they had answered.
        if result.asked or result.closed:
            log.info("pulse sweep: asked %d, closed %s, alerts %d", result.asked,
                     result.closed or "none", result.alerts)
        return result

    def _in_unit(self, step: Callable[..., T], *args: Any) -> T:
        with self.unit() as ctx:
            return step(ctx, *args)

    def pressed_label(self, event: InboundEvent, label: str) -> str | None:
        """What a pressed button shows once answered: its label, or for an anonymous
        answer only "answered", in the person's language (see _locale_without_db); None
        for a press that did nothing (a stale button: its reply says so), whose message
        stays as it was rather than showing a choice that was not taken."""
        if event.event_id and self._refused_presses.pop((event.platform, event.event_id),
                                                        0) is None:
            return None
        if not is_concealed(event.action):
            return label
        return self.renderer.message(self._locale_without_db(event), "pulse_answered_mark")


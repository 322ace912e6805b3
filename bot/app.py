"""Start-up and shut-down: database, org, adapters, the one scheduler, the outbox loop."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import logging
import signal
from collections.abc import Callable
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from bot import jobs
from bot.adapters.base import Adapter
from bot.clock import Clock
from bot.config import Settings
from bot.core import TeamPulse
from bot.gc_pause import gc_paused
from bot.health import HealthServer
from bot.leader import TAKEOVER_GRACE, Leadership, notify, other_processes, startup_lock
from bot.log_privacy import loop_exception_handler
from bot.org import Org, load_org, teams_in_other_case
from bot.org_reload import OrgWatcher, stamp_of
from bot.schedule import next_checkin_anywhere
from bot.scheduler import start_scheduler
from bot.telegram_rights import warn_unbound
from storage.db import (
    DatabaseSetupError,
    create_db_engine,
    describe_db_error,
    loose_sqlite_file,
    planner_advice,
    sqlite_write_problem,
)
from storage.instance_lock import lock_for, sqlite_path
from storage.migrate import migrating
from storage.repositories import EventRepo, PeoplePlan
from storage.round_requests import RoundRequestRepo

#: How long the last flush at exit may send (see Outbox.flush_for).
FINAL_FLUSH_SECONDS = 3.0
#: Leadership lost: how long the outcomes of calls already made are tried to be recorded
#: (the database may be what dropped), within the next leader's TAKEOVER_GRACE.
LOST_LEAD_RECORD_SECONDS = TAKEOVER_GRACE - 1.0

log = logging.getLogger(__name__)


def prepare(settings: Settings, clock: Clock | None = None, *, backfill: bool = False,
            allow_removals: bool = False, org: Org | None = None,
            planned: Callable[[PeoplePlan], None] | None = None) -> tuple[TeamPulse, Engine]:
    """Validate the org, migrate the database, and sync people: everything but I/O loops.
    `backfill`: the bot's start (see TeamPulse.sync_org). An org file that takes too many
    people out at once raises MassRemoval, nothing synced, unless `allow_removals`
    (`teampulse apply-org --yes`; see bot.org_guard). `org`: this org, already read,
    instead of reading the org file again (apply-org applies the very org it read);
    `planned` is given what the sync does (TeamPulse.sync_org)."""
    with gc_paused():
        stamp = stamp_of(settings.org_file)
        engine = create_db_engine(settings.database_url)
        # Replicas starting together (a rolling deploy) migrate and sync one at a time.
        with startup_lock(engine):
            # A due migration runs in its own process while this one reads the org file
            # (a first start of 10,000 people: most of a second each, on two cores); an
            # org file that cannot be read stops it, its one transaction rolled back.
            with migrating(engine):
                if org is None:
                    org = load_org(settings.org_file)
            bot = TeamPulse(settings, org, engine, clock=clock)
            try:
                bot.sync_org(backfill, allow_removals=allow_removals, planned=planned)
                _digest_stored_triggers(bot)
            except BaseException:
                bot.close()  # (its database threads)
                engine.dispose()
                raise
        # What was read, as a reload sees it (the goals file's as now: it was just read).
        bot.org_stamp = stamp + stamp_of(settings.org_file, org)[1:]
        if org.crm.not_in_file:
            _warn_unknown_crm_owners(bot)
        for warning in teams_in_other_case(org):
            log.warning("org file %s: %s", settings.org_file, warning)
        if settings.telegram_enabled:
            warn_unbound(bot, org)
    return bot, engine



def _digest_stored_triggers(bot: TeamPulse) -> None:
    """Slash commands recorded whole by an earlier version (`command:<trigger_id>`) are
    recorded as today's digest: a trigger_id opens a modal as that person while it lives,
    and a command claimed before an upgrade is still found by its digest after it."""
    from bot.adapters.slack_inbound import command_id_now

    with bot.sessions.begin() as session:
        events = EventRepo(session)
        # The old form holds the trigger_id's dots; a digest holds none. Looked for first
        # in the index alone: the rekey reads every command recorded (a week's), at each
        # start, though there is something to do only in the week after the upgrade.
        if events.any_holding("slack", "command:", "."):
            events.rekey("slack", "command:", command_id_now)


def _warn_unknown_crm_owners(bot: TeamPulse) -> None:
    """A crm.owners key that is nobody (neither in the file nor someone who left) would
    leave that CRM name's rows refused at import: said once at start, as check-org does."""
    from bot.crm_import import owners_not_in_file, unknown_owner_problem

    with bot.unit() as ctx:
        _, unknown = owners_not_in_file(ctx.session, bot.org.crm)
    for crm, key in unknown:
        log.warning("%s", unknown_owner_problem(crm, key))


def release_memory() -> None:
    """Hand memory freed after start-up back to the system.

    Reading a large org file and syncing its people peaks well above what the running
    bot keeps; glibc holds freed memory for reuse unless asked to return it.
    """
    gc.collect()
    # What start-up loaded (the org, templates, modules) lives as long as the process:
    # later collections need not walk it again and again.
    gc.freeze()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def platform_adapters(bot: TeamPulse) -> list[Adapter]:
    """The Slack and Telegram adapters the settings ask for (imported only when used)."""
    adapters: list[Adapter] = []
    if bot.settings.slack_enabled:
        from bot.adapters.slack import SlackAdapter

        adapters.append(SlackAdapter(bot, bot.settings))
    if bot.settings.telegram_enabled:
        from bot.adapters.telegram import TelegramAdapter

        adapters.append(TelegramAdapter(bot, bot.settings))
    return adapters


async def run(settings: Settings, *, stdin: TextIO | None = None, stdout: TextIO | None = None,
              clock: Clock | None = None, stop: asyncio.Event | None = None) -> None:
    """Run until stopped: by a signal, or (console only) by end of input or /quit.

    On SQLite this process holds the database's instance lock (one bot per file); on
    PostgreSQL any number may run, and an elected leader alone does the scheduled work.
    """
    # asyncio's own report of a task's exception nobody retrieved quotes its message (a
    # URL with the token, what someone wrote): written as the log writes errors instead.
    asyncio.get_running_loop().set_exception_handler(loop_exception_handler)
    lock = lock_for(settings.database_url)
    if lock is not None:
        lock.acquire("teampulse run")  # refuses, naming the process that has it
        # A file this user may only read (or its folder, the lock file left writable by an
        # earlier run): said now, not after the console has greeted and listed its commands
        # and the first write has failed, as if the chat had broken.
        if problem := sqlite_write_problem(lock.database):
            lock.release()
            raise DatabaseSetupError(problem)
    try:
        await _run(settings, stdin=stdin, stdout=stdout, clock=clock, stop=stop)
    finally:
        if lock is not None:
            lock.release()


def leader_only(adapter: Adapter) -> bool:
    """Whether an adapter runs on the leader alone: Telegram long polling (two pollers
    would take turns at the updates). Inbound HTTP (Slack, Telegram webhooks) runs on all."""
    return adapter.platform == "telegram" and not getattr(adapter, "webhook_mode", True)


class LeaderWork:
    """What only the leader runs: the scheduler, the outbox worker, Telegram polling."""

    def __init__(self, bot: TeamPulse, engine: Engine, adapters: list[Adapter]) -> None:
        self.bot, self.engine, self.adapters = bot, engine, adapters
        self._stop = asyncio.Event()
        self._outbox: asyncio.Task[None] | None = None
        self._scheduler: Any = None
        self._started: list[Adapter] = []

    async def start(self) -> None:
        """Begin the leader's work (the first term starts at once; see `takeover`)."""
        bot = self.bot
        bot.delivers = True
        bot.winding_down = False  # a new term: its catch-up and sweeps may run
        self._outbox = asyncio.create_task(bot.outbox.run(self._stop), name="outbox")
        for adapter in self.adapters:
            await adapter.start()
            self._started.append(adapter)
            bot.platform_state[adapter.platform] = "connected"
            log.info("%s adapter started", adapter.platform)
        with gc_paused():
            # The catch-up in the background (thousands of digests at some hours) leaves
            # garbage too: handed back once it is done, as start-up's is here.
            self._scheduler = await start_scheduler(bot, self.engine,
                                                    after_catch_up=release_memory)
        release_memory()

    def pause(self) -> None:
        """Stop the scheduler (nothing new starts) and the start-up catch-up and digest
        runs between two digests (see `TeamPulse.winding_down`); the rest goes on until
        `stop`."""
        self.bot.winding_down = True
        self.bot.scheduler = None
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None

    async def stop(self, *, final: bool) -> None:
        """End the leader's work: at once when leadership is lost, with a last flush at exit."""
        bot = self.bot
        self.pause()
        self._stop.set()
        if not final:
            # Leadership is lost: another replica may lead within TAKEOVER_GRACE, so stop
            # now rather than finish. A round stops between batches; the calls under way
            # are answered and recorded (a cancelled flush waits for its batches, which
            # make no further call), what could not be recorded is below. A send left
            # 'sending' is checked by the next leader with the platform (as after a
            # crash) before it is sent again.
            bot.delivers = False
            bot.cancel_background()
            if self._outbox is not None:
                self._outbox.cancel()
        for adapter in reversed(self._started):
            try:
                await adapter.stop()
            except Exception:
                log.exception("stopping the %s adapter failed", adapter.platform)
            bot.platform_state[adapter.platform] = "standby"
        self._started.clear()
        await bot.drain()
        if self._outbox is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._outbox
            self._outbox = None
        if not final:
            await self._record_what_was_sent()
        if final and bot.delivers:
            try:
                # What was queued last (the replies to the last events) still goes out,
                # for a few seconds: the rest of a round stays queued for the next start.
                await bot.outbox.flush_for(FINAL_FLUSH_SECONDS)
            except Exception as exc:  # the database is down: it stays queued for the next start
                log.error("could not send the outbox before stopping (%s); it is kept for the "
                          "next start", describe_db_error(exc))

    async def _record_what_was_sent(self) -> None:
        """Leadership lost: the outcomes of the calls this term made that the database did
        not take (its connection dropped, as the lead often is lost with it) are written
        now, tried again for up to LOST_LEAD_RECORD_SECONDS. Left 'sending', the next
        leader would take them for a crash's and send them again (on Telegram, which
        cannot be asked, a second copy); the term's outbox is not kept for later."""
        outbox = self.bot.outbox
        loop = asyncio.get_running_loop()
        deadline = loop.time() + LOST_LEAD_RECORD_SECONDS
        pause = 0.1
        while outbox.unrecorded:
            try:
                await outbox.record_unrecorded()
            except Exception as exc:
                if loop.time() + pause > deadline:
                    log.error("leadership lost: could not record %d message(s) already sent "
                              "(%s); the next leader may send them again",
                              outbox.unrecorded, describe_db_error(exc))
                    return
                await asyncio.sleep(pause)
                pause *= 2


async def _run(settings: Settings, *, stdin: TextIO | None, stdout: TextIO | None,
               clock: Clock | None, stop: asyncio.Event | None) -> None:
    bot, engine = prepare(settings, clock, backfill=True)
    advice = planner_advice(engine)
    if advice:
        log.warning("%s", advice)
    stop = stop or asyncio.Event()
    console = None
    for adapter in platform_adapters(bot):
        bot.register(adapter)
    if settings.console_enabled:
        from bot.adapters.console import ConsoleAdapter

        console = ConsoleAdapter(bot, stdin, stdout)
        bot.register(console)
    # A 1:1 the org file ended while the bot was stopped: both sides told (queued now,
    # sent by whoever delivers). Not worth failing the start over (a database hiccup).
    try:
        await bot.tell_pairs_ended_at_start()
    except Exception:
        log.exception("telling the one-on-ones the org file ended failed")
    replicated = engine.dialect.name == "postgresql"
    jobs.bind(bot)
    # Every process follows edits to the org file, the leader's jobs with them.
    watcher = OrgWatcher(bot, settings.org_file, stamp=bot.org_stamp)
    reloading = asyncio.create_task(watcher.run(stop), name="org-reload")
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    with contextlib.suppress(NotImplementedError, RuntimeError, AttributeError):
        loop.add_signal_handler(signal.SIGHUP, watcher.wake)
    started: list[Adapter] = []
    health: HealthServer | None = None
    election: asyncio.Task[None] | None = None
    elected = asyncio.Event()
    terms: list[LeaderWork] = []
    leading = [a for a in bot.adapters.values() if replicated and leader_only(a)]
    bot.starting = True  # /readyz: 503 until the role is decided and the work has begun
    try:
        if settings.health_port is not None:
            health = HealthServer(bot, settings.health_host, settings.health_port)
            await health.start()
            bot.health_port = health.port
        for adapter in bot.adapters.values():
            if adapter in leading:
                # Started once elected; its credentials are checked now, so a wrong token
                # stops a replica at start whether or not it ever leads.
                await adapter.check()
                bot.platform_state[adapter.platform] = "standby"
                continue
            await adapter.start()
            started.append(adapter)
            bot.platform_state[adapter.platform] = "connected"
            log.info("%s adapter started", adapter.platform)
        if not replicated:
            bot.role = "single"
            # On SQLite the instance lock keeps every other bot out: a round request still
            # 'running' was left by this bot's last process, killed part-way (kill -9, the
            # OOM killer, a power cut). Its rest is sent now, not after STALE_CLAIM; those
            # prompted already are not asked again (a prompt is once per person and week).
            released = await bot.db(_release_rounds, bot)
            if released:
                log.info("sending the rest of %d round request(s) the previous process was "
                         "running when it ended", released)
            term = LeaderWork(bot, engine, [])
            terms.append(term)
            await term.start()
        else:
            election = asyncio.create_task(
                _elect(bot, engine, settings.database_url, leading, terms, stop, elected),
                name="leader-election")
            decided = asyncio.ensure_future(elected.wait())
            await asyncio.wait({election, decided}, return_when=asyncio.FIRST_COMPLETED)
            decided.cancel()
        # Said once start-up has gone well: a file that stops it (read-only, say) gets its
        # own one line alone.
        database = sqlite_path(settings.database_url)
        loose = loose_sqlite_file(database) if database is not None else None
        if loose:
            log.warning("%s", loose)
        bot.starting = False
        if console is not None:
            # The console stops reading at `stop` but finishes the line in hand, so an
            # answer typed just before Ctrl-C is stored, not cut off half-way.
            await console.run(stop)
        else:
            log.info("teampulse is running on %s%s; press Ctrl-C to stop",
                     ", ".join(bot.adapters) or "no chat platform (no token set, console off)",
                     _next_checkin_said(bot))
            await stop.wait()
    finally:
        stop.set()
        # A reload under way is dropped (the next start reads the file anyway): parsing a
        # large file takes seconds, which a stop must not wait for. It is awaited only
        # below: nothing may run between `stop` and halting the outbox and the scheduler
        # (a yield here left Telegram's last getUpdates without a connection).
        reloading.cancel()
        bot.outbox.halt()  # a round under way stops between calls, not when all is sent
        for term in terms:
            # No new scheduled work while the rest stops; the start-up catch-up ends at
            # its next digest (paused before the wait below, so as not to go on during it).
            term.pause()
        # ... and its calls under way are answered and recorded before the adapters close
        # their connections (closed under a call, its message would be left in doubt).
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(bot.outbox.halted(), FINAL_FLUSH_SECONDS)
        for adapter in reversed(started):
            try:
                await adapter.stop()  # events already acknowledged finish here
            except Exception:
                log.exception("stopping the %s adapter failed", adapter.platform)
        if election is not None:
            await election  # the leader's term ends (with its last flush) inside
        for term in terms:
            await term.stop(final=True)
        await bot.drain()  # a round being sent finishes its batches
        if health is not None:
            await health.stop()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await reloading
        jobs.bind(None)
        bot.close()
        engine.dispose()
        for sig in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)):
            with contextlib.suppress(NotImplementedError, RuntimeError, TypeError):
                loop.remove_signal_handler(sig)  # type: ignore[arg-type]


def _next_checkin_said(bot: TeamPulse) -> str:
    """'; the next check-in goes out …' for the start-up line: on a first start the
    operator was told nothing of the check-in going out by itself, nor when."""
    found = next_checkin_anywhere(bot.settings.checkin_schedule,
                                  (p.timezone for p in bot.org.people if p.checks_in),
                                  bot.clock.now())
    if found is None:
        return ""
    moment, zone = found
    local = moment.astimezone(ZoneInfo(zone))
    return (f"; the next check-in goes out {moment:%Y-%m-%d %H:%M} UTC ({local:%a %H:%M} in "
            f"{zone}, the first of those asked)")


async def _elect(bot: TeamPulse, engine: Engine, url: str, leading: list[Adapter],
                 terms: list[LeaderWork], stop: asyncio.Event, elected: asyncio.Event) -> None:
    """Take part in the election until `stop`; start and stop the leader's work with it."""
    bot.role, bot.delivers = "follower", False
    bot.leader_kick = lambda: notify(engine)
    starting: list[asyncio.Task[None]] = []

    async def takeover() -> None:
        # Wait until a leader that just lost its session has surely noticed and stopped
        # (needless when no other teampulse process is connected: it is dead, or never was).
        if await bot.db(other_processes, engine):
            await asyncio.sleep(TAKEOVER_GRACE)
        # A fresh outbox for the term: rows the old leader left 'sending' are older than
        # it, so they are checked with the platform at once, not after a timeout.
        bot.outbox = bot.new_outbox()
        released = await bot.db(_release_rounds, bot)
        if released:
            log.info("taking over %d round request(s) the previous leader was running",
                     released)
        term = LeaderWork(bot, engine, leading)
        terms.append(term)
        await term.start()

    async def on_elected() -> None:
        bot.role = "leader"
        starting.append(asyncio.create_task(takeover(), name="leader-takeover"))

    async def on_lost() -> None:
        # At exit (`stop`), the term ends as a single process's would, with a last flush;
        # the lock is given up only after it, so no one else sends meanwhile.
        final = stop.is_set()
        if not final:
            bot.role = "follower"
            bot.delivers = False
        for task in starting:
            task.cancel()
        starting.clear()
        while terms:
            await terms.pop().stop(final=final)
        bot.delivers = False

    election = Leadership(url, on_elected=on_elected, on_lost=on_lost,
                          on_notify=lambda: bot.outbox.kick())
    runner = asyncio.create_task(election.run(stop), name="election-loop")
    await election.decided.wait()
    # Start-up goes on once it is clear who leads and, if we do, our work has begun: a
    # lone process then behaves as a single one (the console's replies come in turn).
    if starting:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.shield(starting[0])
    elected.set()
    await runner
    for task in starting:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


def _release_rounds(bot: TeamPulse) -> int:
    with bot.unit() as ctx:
        return RoundRequestRepo(ctx.session).release_running()

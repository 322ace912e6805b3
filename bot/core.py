"""The core: one dispatch path from any adapter's events to handlers, and the jobs
the scheduler runs. It knows no platform SDK."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError

from bot.adapters.base import Adapter
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.events import InboundEvent, OutboundMessage, Target
from bot.org import Org
from bot.outbox import OutboxWorker
from bot.render import Renderer, shared_renderer
from bot.router import route
from handlers import checkin
from handlers.context import Context
from storage.db import describe_db_error, session_factory
from storage.models import Person
from storage.repositories import PeopleRepo

log = logging.getLogger(__name__)

EVENT_ID_RETENTION = timedelta(days=7)


@dataclass
class CheckinRun:
    """What a check-in run did, per person key."""

    results: dict[str, str] = field(default_factory=dict)


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
        self.outbox = OutboxWorker(self.sessions, self.adapters, self.clock)
        self.bot_usernames: dict[str, str] = {}

    # --- adapters and addressing ---------------------------------------------------------

    def register(self, adapter: Adapter) -> None:
        """Add a running platform. The first registered is preferred for scheduled DMs."""
        self.adapters[adapter.platform] = adapter

    def dm_target(self, person: Person) -> Target | None:
        """A person's DM on the first running platform that knows them."""
        for platform in self.adapters:
            if platform == "slack" and person.slack_id:
                return Target("slack", "dm", person.slack_id)
            if platform == "telegram" and person.telegram_id:
                return Target("telegram", "dm", str(person.telegram_id))
            if platform == "console":
                return Target("console", "dm", person.key)
        return None

    def markup(self, platform: str) -> str:
        """How text for a platform is marked up."""
        adapter = self.adapters.get(platform)
        return adapter.markup if adapter else "plain"

    def supports_ephemeral(self, platform: str) -> bool:
        """Whether a platform shows private notes inside channels."""
        adapter = self.adapters.get(platform)
        return bool(adapter and adapter.supports_ephemeral)

    # --- units of work -------------------------------------------------------------------

    @contextmanager
    def unit(self, event: InboundEvent | None = None) -> Iterator[Context]:
        """A transaction with a handler context; commits on success, rolls back on error."""
        with self.sessions.begin() as session:
            yield Context(session=session, renderer=self.renderer, clock=self.clock,
                          settings=self.settings, org=self.org, addressbook=self, event=event)

    def sync_org(self) -> None:
        """Bring the people table in line with the org file."""
        with self.unit() as ctx:
            PeopleRepo(ctx.session).sync(self.org.people)

    async def handle(self, event: InboundEvent) -> bool:
        """Process one inbound event exactly once; False if it was a duplicate.

        The event id is claimed in the same transaction as the handler's work, so
        a crash part-way leaves it unclaimed and a redelivery is processed.
        """
        try:
            with self.unit(event) as ctx:
                if event.event_id and not ctx.events.claim(event.platform, event.event_id,
                                                           self.clock.now()):
                    log.info("%s event %s already processed; ignoring the redelivery",
                             event.platform, event.event_id)
                    return False
                ctx.person = ctx.people.by_platform(event.platform, event.user_id, event.username)
                route(ctx, self.bot_usernames.get(event.platform))
        except IntegrityError:
            log.info("%s event %s was processed concurrently; ignoring", event.platform,
                     event.event_id)
            return False
        except DBAPIError as exc:  # the database failed, not our code: one line is enough
            log.error("handling a %s event failed: database error (%s)", event.platform,
                      describe_db_error(exc))
            await self._apologise(event)
        except Exception:
            log.exception("handling a %s event failed", event.platform)
            await self._apologise(event)
        await self._deliver()
        return True

    async def _deliver(self) -> None:
        # Send what is due now; anything pacing deferred is left to the background loop,
        # which is woken so it recomputes its sleep instead of idling until its next tick.
        try:
            due = await self.outbox.flush()
        except Exception as exc:  # the database is down: the background loop retries
            log.error("sending from the outbox failed (%s); the outbox will retry",
                      describe_db_error(exc))
            self.outbox.kick()
            return
        if due is not None:
            self.outbox.kick()

    async def _apologise(self, event: InboundEvent) -> None:
        if not (event.is_direct or event.text.startswith("/")):
            return  # chatter in a group that failed needs no public apology
        try:
            with self.unit(event) as ctx:
                ctx.person = ctx.people.by_platform(event.platform, event.user_id, event.username)
                ctx.reply("internal_error")
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

    def _locale_without_db(self, event: InboundEvent) -> str:
        """The sender's locale from the org file alone (the database may be down)."""
        for person in self.org.people:
            if ((event.platform == "console" and person.key == event.user_id)
                    or (event.platform == "slack" and person.slack_id == event.user_id)
                    or (event.platform == "telegram"
                        and str(person.telegram_id) == event.user_id)):
                return person.locale
        return "zh-CN" if (event.locale_hint or "").lower().startswith("zh") else "en"

    # --- scheduled work ------------------------------------------------------------------

    async def run_checkins(self, keys: list[str] | None = None) -> CheckinRun:
        """Prompt people for this week's check-in now (all who check in, or the given keys)."""
        run = CheckinRun()
        with self.unit() as ctx:
            people = ctx.people.checking_in() if not keys else [
                p for p in (ctx.people.by_key(k) for k in keys) if p is not None]
            for person in people:
                run.results[person.key] = checkin.prompt_checkin(ctx, person)
        log.info("check-in run: %s", run.results)
        await self._deliver()
        return run

    async def run_reminders(self) -> int:
        """Send due reminders; returns how many went out."""
        with self.unit() as ctx:
            count = checkin.send_reminders(ctx)
            ctx.events.forget_before(self.clock.now() - EVENT_ID_RETENTION)
        await self._deliver()
        return count

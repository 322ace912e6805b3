"""The core: one dispatch path from any adapter's events to handlers, and the jobs
the scheduler runs. It knows no platform SDK."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from bot.adapters.base import Adapter
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.events import InboundEvent, Target
from bot.org import Org
from bot.outbox import OutboxWorker
from bot.render import Renderer, shared_renderer
from bot.router import route
from handlers import checkin, honours
from handlers.context import Context
from storage.db import session_factory
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
        except Exception:
            log.exception("handling a %s event failed", event.platform)
            self._apologise(event)
        await self._deliver()
        return True

    async def _deliver(self) -> None:
        # Send what is due now; anything pacing deferred is left to the background loop,
        # which is woken so it recomputes its sleep instead of idling until its next tick.
        if await self.outbox.flush() is not None:
            self.outbox.kick()

    def _apologise(self, event: InboundEvent) -> None:
        try:
            with self.unit(event) as ctx:
                ctx.person = ctx.people.by_platform(event.platform, event.user_id, event.username)
                if event.is_direct or event.text.startswith("/"):
                    ctx.reply("internal_error")
        except Exception:
            log.exception("could not even apologise for a failed %s event", event.platform)

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

    async def run_honours(self) -> bool:
        """Post last month's honour roll if today is the day; idempotent per month."""
        with self.unit() as ctx:
            due = honours.post_monthly_honours(ctx)
        await self._deliver()
        return due

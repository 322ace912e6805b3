"""Prometheus metrics of one running bot (the official `prometheus_client` library).

Each bot has its own registry, so two bots in one process (tests, replicas started
in-process) never share or clash over counters. Nothing here carries message content or
a person's identity: labels are platforms, job names and outcomes only.

Nor does anything here move when someone answers an anonymous pulse poll: its DMs (the
question, reminder, next question and thanks, marked SCRUB_KEY) are counted in no
counter and no outbox gauge, and the events that answer it are not timed. Each answer is
replied to at once, so a count rising by one told whoever watched /metrics that someone
answered, and when (the reminder a day later, that they had not): as a live count of
answers would in the results (README, *Pulse polls*).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from bot.adapters.base import Adapter, RetryLater
from bot.clock import as_utc
from bot.events import SCRUB_KEY, OutboundMessage, SendResult, Target

if TYPE_CHECKING:
    from bot.core import TeamPulse

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class Metrics:
    """The counters and histograms the bot updates as it works."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.messages_sent = Counter(
            "teampulse_messages_sent", "Messages a platform accepted", ["platform"], registry=r)
        self.messages_failed = Counter(
            "teampulse_messages_failed",
            "Delivery attempts that failed (each retry counts; rate limits are counted apart)",
            ["platform"], registry=r)
        self.messages_expired = Counter(
            "teampulse_messages_expired",
            "Time-bound messages dropped unsent: still waiting (an outage, a rate limit, "
            "a stopped bot) when they stopped being true", ["platform"], registry=r)
        self.messages_withdrawn = Counter(
            "teampulse_messages_withdrawn",
            "Messages an edit of the org file withdrew unsent, by reason: removed (its "
            "reader taken out of the file), right_taken (a summary, digest or GM's message "
            "to someone who may no longer read it), oneonone_moved (a 1:1 reminder of a "
            "time the file no longer gives)", ["reason"], registry=r)
        self.rate_limit_waits = Counter(
            "teampulse_rate_limit_waits",
            "Times a platform asked us to wait (Retry-After) before sending", ["platform"],
            registry=r)
        self.handler_latency = Histogram(
            "teampulse_handler_seconds", "Time to handle one inbound event (database work "
            "included, delivery not)", ["platform"], registry=r,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
        self.events_deduplicated = Counter(
            "teampulse_events_deduplicated",
            "Inbound events ignored because they were already processed (redeliveries)",
            ["platform"], registry=r)
        self.jobs_run = Counter(
            "teampulse_jobs_run", "Scheduled jobs run, by job and outcome", ["job", "outcome"],
            registry=r)
        self.org_reloads = Counter(
            "teampulse_org_reloads", "Edited org files seen while running: applied, refused "
            "(invalid, or taking too many people out at once: the running org is kept) or "
            "failed (the database; tried again)",
            ["outcome"], registry=r)

    def instrument(self, adapter: Adapter) -> None:
        """Count what an adapter's deliver() does (the outbox's one call per message), an
        anonymous poll's DMs apart: those are not counted (see the module's doc)."""
        inner: Callable[[Target, OutboundMessage], Awaitable[SendResult]] = adapter.deliver
        platform = adapter.platform
        sent = self.messages_sent.labels(platform)  # (looked up once, not per message)

        async def deliver(target: Target, message: OutboundMessage) -> SendResult:
            if message.anonymous:
                return await inner(target, message)
            try:
                result = await inner(target, message)
            except RetryLater:
                self.rate_limit_waits.labels(platform).inc()
                raise
            except Exception:
                self.messages_failed.labels(platform).inc()
                raise
            sent.inc()
            return result

        adapter.deliver = deliver  # type: ignore[method-assign]

    def expired(self, platform: str, count: int) -> None:
        """Count messages the outbox dropped as expired (its on_expired)."""
        self.messages_expired.labels(platform).inc(count)

    def withdrawn(self, reason: str, count: int) -> None:
        """Count messages an edit of the org file withdrew (see TeamPulse.sync_org_to)."""
        if count:
            self.messages_withdrawn.labels(reason).inc(count)

    def observe_handler(self, platform: str, started: float) -> None:
        """Record how long handling one event took (since `time.perf_counter()` = started);
        never called for an event that answered a pulse poll (TeamPulse.handle_batch)."""
        self.handler_latency.labels(platform).observe(time.perf_counter() - started)

    def watch_outbox(self, bot: TeamPulse) -> None:
        """Report the outbox's depth and oldest age at each scrape, read from the database."""
        self.registry.register(_OutboxCollector(bot))

    def exposition(self) -> bytes:
        """The metrics in the Prometheus text format (queries the database: not on the loop)."""
        return generate_latest(self.registry)


class _OutboxCollector(Collector):
    """Outbox depth and oldest age, computed when scraped (every replica sees the same)."""

    def __init__(self, bot: TeamPulse) -> None:
        self.bot = bot

    def describe(self) -> list[Any]:
        # Described without querying, so registering never touches the database.
        return [GaugeMetricFamily("teampulse_outbox_depth", "Messages waiting to be sent"),
                GaugeMetricFamily("teampulse_outbox_oldest_age_seconds",
                                  "Age of the oldest message waiting to be sent")]

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from storage.models import OutboxMessage

        depth = GaugeMetricFamily("teampulse_outbox_depth", "Messages waiting to be sent",
                                  labels=["platform"])
        age = GaugeMetricFamily("teampulse_outbox_oldest_age_seconds",
                                "Age of the oldest message waiting to be sent",
                                labels=["platform"])
        now = self.bot.clock.now()
        with self.bot.sessions() as session:
            # An anonymous poll's DMs left out: during an outage each answer queued one
            # more, and the depth rose by one when someone answered.
            rows = session.execute(
                select(OutboxMessage.platform, func.count(OutboxMessage.id),
                       func.min(OutboxMessage.created_at))
                .where(OutboxMessage.status.in_(("pending", "sending")),
                       OutboxMessage.payload[SCRUB_KEY].as_boolean().isnot(True))
                .group_by(OutboxMessage.platform)).all()
        seen = set()
        for platform, count, oldest in rows:
            seen.add(platform)
            depth.add_metric([platform], count)
            age.add_metric([platform], max(0.0, (now - _aware(oldest)).total_seconds()))
        for platform in self.bot.adapters:
            if platform not in seen:
                depth.add_metric([platform], 0)
                age.add_metric([platform], 0)
        yield depth
        yield age


def _aware(value: datetime) -> datetime:
    # A raw aggregate skips the column type's conversion: SQLite hands back naive UTC text.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return as_utc(value)

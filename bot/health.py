"""Health and metrics over HTTP: /healthz, /readyz and /metrics.

Served on the Slack HTTP listener's server when there is one (the same port a load
balancer already reaches), else on a port of their own (`HEALTH_PORT`; off by default).
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import TYPE_CHECKING

from aiohttp import web
from sqlalchemy import text

from bot.config import ConfigError
from bot.metrics import CONTENT_TYPE

if TYPE_CHECKING:
    from bot.core import TeamPulse

log = logging.getLogger(__name__)

#: How long /readyz waits for the database before calling it unreachable.
DB_CHECK_TIMEOUT = 5.0


def add_routes(app: web.Application, bot: TeamPulse) -> None:
    """Add /healthz, /readyz and /metrics for `bot` to an aiohttp application."""

    async def healthz(_request: web.Request) -> web.Response:
        # Alive: the event loop answers. Nothing else is checked, so a database outage
        # never gets a live process restarted (that is /readyz's business).
        return web.Response(text="ok\n")

    async def readyz(_request: web.Request) -> web.Response:
        report = await readiness(bot)
        return web.Response(text=json.dumps(report, indent=2) + "\n",
                            content_type="application/json",
                            status=200 if report["ready"] else 503)

    async def metrics(_request: web.Request) -> web.Response:
        try:
            body = await asyncio.to_thread(bot.metrics.exposition)
        except Exception as exc:  # the database is down: say so rather than half a page
            log.warning("metrics: could not read the outbox (%s)", type(exc).__name__)
            return web.Response(text="database unreachable\n", status=503)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)


async def readiness(bot: TeamPulse) -> dict[str, object]:
    """Whether this replica can do its work: database, platforms, and its role."""
    database = "ok"
    try:
        await asyncio.wait_for(asyncio.to_thread(_ping, bot), DB_CHECK_TIMEOUT)
    except Exception as exc:
        database = f"unreachable ({type(exc).__name__})"
    platforms = dict(bot.platform_state)
    # While starting, the role is not decided yet (a replica counts as a follower until
    # the election is over) and the scheduler and the outbox may not run yet.
    ready = (not bot.starting and database == "ok"
             and all(s in {"connected", "standby"} for s in platforms.values()))
    role = "starting" if bot.starting else bot.role
    return {"ready": ready, "database": database, "platforms": platforms, "role": role}


def _ping(bot: TeamPulse) -> None:
    with bot.engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def cannot_listen(names: str, host: str, port: int, exc: OSError) -> ConfigError:
    """The one line for a listener that cannot start: the port is taken, or the host is not
    an address of this machine (a typo, a name that does not resolve)."""
    reason = exc.strerror or str(exc)
    if "error while attempting to bind" in reason:  # asyncio's wrapping: keep the cause
        reason = reason.rsplit(": ", 1)[-1]
    return ConfigError(f"{names}: cannot listen on {host}:{port}: {reason}; choose a free "
                       "port, or an address of this machine (0.0.0.0 for all)")


class HealthServer:
    """The endpoints on a port of their own (when there is no Slack HTTP listener)."""

    def __init__(self, bot: TeamPulse, host: str, port: int) -> None:
        self.bot, self.host, self.port = bot, host, port
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Listen; `port` is the real one afterwards (useful with port 0 in tests)."""
        app = web.Application()
        add_routes(app, self.bot)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
        except OSError as exc:
            await runner.cleanup()
            raise cannot_listen("HEALTH_HOST/HEALTH_PORT", self.host, self.port, exc) from None
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        log.info("health and metrics on http://%s:%d/ (healthz, readyz, metrics)",
                 self.host, self.port)

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

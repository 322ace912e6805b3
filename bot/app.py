"""Start-up and shut-down: database, org, adapters, the one scheduler, the outbox loop."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import logging
import signal
from collections.abc import Iterator
from typing import TextIO

from sqlalchemy import Engine

from bot import jobs
from bot.adapters.base import Adapter
from bot.clock import Clock
from bot.config import Settings
from bot.core import TeamPulse
from bot.org import load_org
from bot.scheduler import start_scheduler
from storage.db import create_db_engine, describe_db_error
from storage.migrate import upgrade

log = logging.getLogger(__name__)


def prepare(settings: Settings, clock: Clock | None = None) -> tuple[TeamPulse, Engine]:
    """Validate the org, migrate the database, and sync people: everything but I/O loops."""
    with gc_paused():
        org = load_org(settings.org_file)
        engine = create_db_engine(settings.database_url)
        upgrade(engine)
        bot = TeamPulse(settings, org, engine, clock=clock)
        bot.sync_org()
    return bot, engine


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection for a while (start-up).

    Reading an org of 10,000 people allocates hundreds of thousands of objects that all
    stay alive; each of the many full collections this sets off walks all of them again,
    which made start-up several times slower. Nothing of it is cyclic garbage to wait for.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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
    """Run until stopped: by a signal, or (console only) by end of input or /quit."""
    bot, engine = prepare(settings, clock)
    stop = stop or asyncio.Event()
    console = None
    for adapter in platform_adapters(bot):
        bot.register(adapter)
    if settings.console_enabled:
        from bot.adapters.console import ConsoleAdapter

        console = ConsoleAdapter(bot, stdin, stdout)
        bot.register(console)
    jobs.bind(bot)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    started: list[Adapter] = []
    scheduler = None
    outbox_task = asyncio.create_task(bot.outbox.run(stop), name="outbox")
    try:
        for adapter in bot.adapters.values():
            await adapter.start()
            started.append(adapter)
            log.info("%s adapter started", adapter.platform)
        with gc_paused():
            scheduler = await start_scheduler(bot, engine)
        release_memory()
        if console is not None:
            # The console stops reading at `stop` but finishes the line in hand, so an
            # answer typed just before Ctrl-C is stored, not cut off half-way.
            await console.run(stop)
        else:
            log.info("teampulse is running on %s; press Ctrl-C to stop",
                     ", ".join(bot.adapters))
            await stop.wait()
    finally:
        stop.set()
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        for adapter in reversed(started):
            try:
                await adapter.stop()
            except Exception:
                log.exception("stopping the %s adapter failed", adapter.platform)
        await bot.drain()  # a round being sent finishes its batches
        await outbox_task
        try:
            await bot.outbox.flush()  # what was queued last still goes out before we exit
        except Exception as exc:  # the database is down: it stays queued for the next start
            log.error("could not send the outbox before stopping (%s); it is kept for the "
                      "next start", describe_db_error(exc))
        jobs.bind(None)
        bot.close()
        engine.dispose()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)

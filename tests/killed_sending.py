"""`teampulse run` on a fake Slack or Telegram, SIGKILLed while a message is in flight: the
platform has carried it out and its answer is held back (the fake's hold), so the outbox
row is left 'sending' exactly as a power cut after the platform accepted it leaves it.

The bot is a real process (`python -m bot run`); the fakes run in the test's event loop.
"""

from __future__ import annotations

import signal
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy import create_engine, text

from bot.app import prepare
from bot.clock import SystemClock
from bot.config import Settings
from tests.test_resilience_stop import run_signalled

#: An org of one GM no platform knows: nothing the calendar makes due at start (the monthly
#: review in a month's first week, a Monday's digests) joins the message queued.
QUIET_ORG = ("org: {name: Quiet}\npeople:\n"
             "  - {key: gm, name: GM, role: gm, timezone: America/New_York}\n")
TEXT = "Your check-in for 2026-W48 is waiting: send /checkin"
#: Queued after TEXT to the same chat: sent only once TEXT's fate is settled (a chat's
#: messages go in order), so its arrival tells a test the restart has dealt with TEXT.
AFTER = "Kudos from Grace: thanks for the Q4 pipeline review"


def quiet_org(tmp_path: Path) -> Path:
    org = tmp_path / "quiet.yaml"
    org.write_text(QUIET_ORG, encoding="utf-8")
    return org


def queue_dm(database_url: str, org: Path, platform: str, address: str) -> None:
    """The database with two DMs waiting in the outbox, TEXT then AFTER."""
    bot, engine = prepare(Settings(database_url=database_url, org_file=org), SystemClock())
    with bot.unit() as ctx:
        for line in (TEXT, AFTER):
            ctx.outbox.enqueue(platform=platform, target_kind="dm", address=address,
                               payload={"text": line}, now=bot.clock.now())
    bot.close()
    engine.dispose()


def outbox_status(database_url: str) -> str:
    """The status of TEXT's outbox row (queued first)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return str(conn.execute(text(
                "SELECT status FROM outbox ORDER BY id LIMIT 1")).scalar_one())
    finally:
        engine.dispose()


async def run_until(tmp_path: Path, env: dict[str, str], done: Callable[[], Awaitable[object]],
                    sig: signal.Signals) -> int:
    """`python -m bot run` with `env`; once it runs and `done` returned, send `sig`; its
    exit code (tests.test_resilience_stop.run_signalled)."""
    return (await run_signalled(tmp_path, env, sig, done))[0]

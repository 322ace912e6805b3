"""Entry points the persistent scheduler stores by reference ('bot.jobs:checkin_job').

Stored jobs outlive the process, so they name a module-level function and find the
running bot here rather than pickling it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core import TeamPulse

log = logging.getLogger(__name__)
_bot: TeamPulse | None = None


def bind(bot: TeamPulse | None) -> None:
    """Set (or clear) the running bot that jobs act on."""
    global _bot
    _bot = bot


async def checkin_job(person_key: str) -> None:
    """The weekly check-in prompt for one person."""
    if _bot is None:
        log.warning("check-in job for %s fired with no bot running", person_key)
        return
    await _bot.run_checkins([person_key])


async def reminder_job() -> None:
    """Send the reminders that have fallen due."""
    if _bot is not None:
        await _bot.run_reminders()


async def honours_job() -> None:
    """The monthly honour roll (the handler checks it is the first working day)."""
    if _bot is not None:
        await _bot.run_honours()

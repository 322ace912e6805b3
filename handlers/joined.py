"""Whether a past week was someone's at all: people added to the org file later are left
out of the weeks that ended before they joined.

The org sync stores when it first found each person in the file (Person.added_at; found
back after a removal counts as joining again). A week that ended, where they live, before
that moment, with no round of theirs, is none of theirs: no view lists them there as "no
check-in sent" (which a GM reads as "not asked") nor counts them. The week they joined
shows them as before. People synced before this was recorded, and those in the file at
the bot's first start, have no date: they read as always there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from bot.clock import as_utc
from bot.weeks import current_week


def joined_week(added_at: datetime | None, timezone: str) -> str | None:
    """The ISO week, in `timezone`, the person joined in; None when not known."""
    if added_at is None:
        return None
    return current_week(as_utc(added_at), timezone)


def joined_after(person: Any, week: str) -> bool:
    """Whether `person` (a row with added_at and timezone) joined after `week` ended."""
    joined = joined_week(person.added_at, person.timezone)
    return joined is not None and joined > week


def joined_weeks(people: Iterable[Any], to_time: Callable[[Any], Any] | None = None
                 ) -> dict[int, str]:
    """The week each person with a known join date joined in, by person id (the rest,
    usually nearly everyone, are not looked at twice). `to_time`: makes the driver's raw
    value a datetime (rows read without SQLAlchemy's result processing)."""
    found: dict[int, str] = {}
    for p in people:
        if p.added_at is not None:
            at = to_time(p.added_at) if to_time is not None else p.added_at
            found[p.id] = current_week(as_utc(at), p.timezone)
    return found

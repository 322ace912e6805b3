"""Whether a past week was someone's at all: people added to the org file later are left
out of the weeks that ended before they joined.

The org sync stores when it first found each person in the file (Person.added_at; found
back after a removal counts as joining again). A week that ended, where they live, before
that moment, with no round of theirs and no CRM figure booked for them, is none of theirs:
no view lists them there as "no check-in sent" (which a GM reads as "not asked") nor counts
them; a person's own history says they were not in the org file then. The week they joined
shows them as before. A CRM figure is real revenue: a week the CRM booked for them is theirs
(listed as not asked, the figure counted with no target), never a sum that names nobody.
People synced before this was recorded, and those in the file at the bot's first start,
have no date: they read as always there.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import as_utc
from bot.weeks import current_week


def joined_week(added_at: datetime | None, timezone: str) -> str | None:
    """The ISO week, in `timezone`, the person joined in; None when not known."""
    if added_at is None:
        return None
    return current_week(as_utc(added_at), timezone)


def joined_on(person: Any) -> date | None:
    """The day, where `person` lives, they were added to the org file; None when not known."""
    if person.added_at is None:
        return None
    return as_utc(person.added_at).astimezone(ZoneInfo(person.timezone)).date()


def booked_weeks(crm: Mapping[tuple[str, str, str], float]) -> set[tuple[str, str]]:
    """The (person key, week) pairs the CRM has a figure for (`crm`: crm_figures' map)."""
    return {(key, week) for key, _metric, week in crm}


def joined_after(person: Any, week: str,
                 booked: Collection[tuple[str, str]] = ()) -> bool:
    """Whether `person` (a row with key, added_at and timezone) joined after `week` ended
    and the CRM booked nothing for them that week (`booked`: see booked_weeks)."""
    joined = joined_week(person.added_at, person.timezone)
    return joined is not None and joined > week and (person.key, week) not in booked


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

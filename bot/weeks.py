"""ISO weeks in a person's own timezone: a round belongs to the week the person lives in."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


def local_date(now: datetime, timezone: str) -> date:
    """The calendar date at `now` in a timezone."""
    return now.astimezone(ZoneInfo(timezone)).date()


def week_of(day: date) -> str:
    """'2026-W48' for a date."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def current_week(now: datetime, timezone: str) -> str:
    """The ISO week a person is in at `now`."""
    return week_of(local_date(now, timezone))


def weeks_in_year(year: int) -> int:
    """How many ISO weeks `year` has: 52, or 53 (2026 has a W53). 28 December always lies
    in its year's last week."""
    return date(year, 12, 28).isocalendar()[1]


def parse_week(text: str) -> str | None:
    """Normalise '2026-W7' / '2026-w07' to '2026-W07'; None if it is not a valid ISO week."""
    match = re.fullmatch(r"(\d{4})-[Ww](\d{1,2})", text.strip())
    if not match:
        return None
    year, week = int(match.group(1)), int(match.group(2))
    try:
        date.fromisocalendar(year, week, 1)
    except ValueError:
        return None
    return f"{year}-W{week:02d}"


def week_start(week: str) -> date:
    """The Monday of an ISO week."""
    match = _WEEK.match(week)
    if not match:
        raise ValueError(f"not an ISO week: {week!r}")
    return date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)


def week_end(week: str) -> date:
    """The Sunday of an ISO week."""
    return week_start(week) + timedelta(days=6)


def weeks_back(week: str, count: int) -> list[str]:
    """`count` weeks ending with `week`, oldest first."""
    start = week_start(week)
    return [week_of(start - timedelta(weeks=i)) for i in reversed(range(count))]


def previous_week(week: str) -> str:
    """The week before."""
    return week_of(week_start(week) - timedelta(weeks=1))

"""The summary's third question: support requests, above all those needing another department.

Everything `/summary` shows about support requests comes through `support_requests()`,
so switching it to tracked requests (a `storage/support.py` with open / acknowledged /
resolved items) changes this one function and nothing else. For now it is derived from
the check-in answers: a request is what a director answered to "what support do you
need" in a week; it is "open" (nothing tracks it further), and it was opened the first
week of the unbroken run of weeks in which the same person reported the same request.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from bot.weeks import week_start

#: The support type that asks for help from another department.
DEPARTMENT = "department"


@dataclass(frozen=True, slots=True)
class SupportItem:
    """One support request as the summary shows it."""

    id: int | None  # the tracked request's number; None while derived from check-ins
    requester: str  # person key
    type: str  # budget | training | people | department | a custom choice value
    detail: str | None
    department: str | None  # the department asked, where known (tracked requests)
    opened: date
    age_days: int
    status: str  # open | acknowledged | resolved

    @property
    def cross_department(self) -> bool:
        """Whether it needs another department."""
        return self.type == DEPARTMENT or self.department is not None


def _same(a: tuple[str, str | None], b: tuple[str, str | None]) -> bool:
    # The same request: same type, and the same detail once case and spacing are ignored.
    return a[0] == b[0] and " ".join((a[1] or "").casefold().split()) == \
        " ".join((b[1] or "").casefold().split())


def support_requests(answers: Mapping[tuple[str, str], tuple[str, str | None]],
                     weeks: Sequence[str], people: Sequence[str],
                     today: date) -> dict[str, list[SupportItem]]:
    """Each person's open support requests as of the last of `weeks` (oldest first).

    `answers` maps (person key, week) to (support type, detail) for the weeks the person
    asked for support ("none" left out); `weeks` is the look-back, oldest first. Oldest
    request first per person; age counts from the Monday of the week it was opened.
    """
    latest = weeks[-1]
    out: dict[str, list[SupportItem]] = {}
    for key in people:
        now = answers.get((key, latest))
        if now is None:
            continue
        opened = latest
        for week in reversed(weeks[:-1]):
            before = answers.get((key, week))
            if before is None or not _same(before, now):
                break
            opened = week
        day = week_start(opened)
        out[key] = [SupportItem(None, key, now[0], now[1], None, day,
                                max(0, (today - day).days), "open")]
    return out

"""Who managed whom at a past moment, by what was stored then, not by today's org file.

The org file holds today's managers only; a past week's one-on-ones are the pairs of
that week. What the database keeps of them: the manager each check-in round was made
under (CheckinRound.manager_key), and each pair's records (a meeting's slot that ended,
a move or a skip of one), stored with the pair's manager and report.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from bot.clock import as_utc


def managers_then(records: Iterable[tuple[int, int, datetime | None]],
                  asked: Mapping[int, int | None]) -> dict[int, int | None]:
    """Each report's manager (person ids) at a past moment: the one their check-in round
    of that week was made under (`asked`: report -> manager, None: they had none), else
    the manager of their latest one-on-one record before it (`records`: manager, report,
    when). Someone in neither is left out: for them today's org file is all there is.

    (A move in the org file with no meeting of the new pair yet reads the old pair until
    the new one's first record: the moment of the move itself is not stored.)"""
    latest: dict[int, tuple[datetime, int]] = {}
    for manager, report, when in records:
        if when is None:
            continue
        at = (as_utc(when), manager)
        found = latest.get(report)
        if found is None or at > found:
            latest[report] = at
    out: dict[int, int | None] = {report: manager for report, (_, manager) in latest.items()}
    out.update(asked)
    return out

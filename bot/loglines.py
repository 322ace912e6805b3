"""Log lines about many people at once: a count and the first few keys, not a line each.

A fresh install, or a start after a long stop, finds every person's check-in (and every
digest) past its grace period: one line per person was 10,000 lines an operator could not
read. One line per kind and week says how many, and names the first few so that a
single person's case is still found by searching for their key.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

#: How many keys a grouped line names before "and N more".
NAMED = 5


def few(keys: list[str], limit: int = NAMED) -> str:
    """'alice'; 'alice, bruno'; 'a, b, c, d, e and 9,995 more' (keys, not names)."""
    shown = ", ".join(keys[:limit])
    rest = len(keys) - limit
    return f"{shown} and {rest:,} more" if rest > 0 else shown


def log_not_sent(log: logging.Logger, what: str, late: Iterable[tuple[str, str]]) -> None:
    """One INFO line per week: `what` (e.g. 'check-in', 'digest') was not sent to these
    people because its time passed more than the grace period before the bot was running.

    `late` holds (week, person key) pairs; weeks are logged in order, keys in given order.
    The wording is true both on a first start and on a start after the bot was down.
    """
    by_week: dict[str, list[str]] = {}
    for week, key in late:
        by_week.setdefault(week, []).append(key)
    for week in sorted(by_week):
        keys = by_week[week]
        if len(keys) == 1:
            log.info("%s %s not sent to %s: its time passed more than the grace period "
                     "before the bot was running", week, what, keys[0])
        else:
            log.info("%s %ss not sent to %s people (%s): their time passed more than the "
                     "grace period before the bot was running", week, what,
                     f"{len(keys):,}", few(keys))


def outcomes(results: Mapping[str, str]) -> str:
    """Per person key an outcome ('prompted', 'unreachable', ...) as one short line: each
    outcome with its count and first few keys, the most common first.
    'prompted 2,500 (d00000, d00002, ... and 2,495 more); unreachable 2 (d00001, d00003)'."""
    by_outcome: dict[str, list[str]] = {}
    for key, outcome in results.items():
        by_outcome.setdefault(outcome, []).append(key)
    ranked = sorted(by_outcome.items(), key=lambda item: (-len(item[1]), item[0]))
    return "; ".join(f"{outcome} {len(keys):,} ({few(keys)})" for outcome, keys in ranked)

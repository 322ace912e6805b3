"""How two team names are compared: one rule for every view that groups or looks up teams.

A team is its `team` text in any letter case (README, *org file*): `East` and `EAST` are
one team, and so are `Straße` and `STRASSE`, `ΑΘΉΝΑ` and `Αθήνα`. The rule is Python's
casefold, applied in Python over the few team names there are (a DISTINCT read each),
never SQL's lower(): SQLite's lowers ASCII letters only (`ΑΘΉΝΑ` stays as it is), and
neither it nor PostgreSQL's, nor Python's lower(), folds `ß` to `ss`, so each would split
a team that team_spellings (bot/org.py) reads as one.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.name_order import name_key


def team_key(team: str | None) -> str:
    """A team's name as compared with another's ('' for no team)."""
    return (team or "").casefold()


def team_order(team: str | None) -> tuple[bool, str]:
    """The key teams are listed in: as people's names are (bot.name_order), a Chinese name
    by its pinyin (华北 before 华东, where code points put 东 first), any other case-folded;
    no team last."""
    return team is None, name_key(team or "")


def spellings_of(teams: Iterable[str], stored: Iterable[str | None]) -> list[str]:
    """Of the names `stored` (a column's distinct values), those that name one of `teams`
    by team_key, sorted: what an SQL condition matches with IN, exactly as stored."""
    wanted = {team_key(t) for t in teams}
    return sorted({s for s in stored if s and team_key(s) in wanted})

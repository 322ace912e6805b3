"""Who may read a queued message: the mark a summary, digest or GM-only message carries
in its outbox payload, so that an edit of the org file taking someone's right away
(off `org.summary_viewers`, no longer the GM, a director moved to another team) also
withdraws what still waits for them (OutboxRepo.withdraw_unreadable).

Ordinary replies carry no mark: what a person asked for themselves (their check-in,
their own one-on-ones) stays theirs to read whatever their role.
"""

from __future__ import annotations

#: The payload key of the mark.
READERS_KEY = "readers"

#: The whole org's summaries: the GM and the summary viewers.
VIEWERS = "viewers"

#: What the GM is sent as the GM (the monthly overview, support requests' news, a 360°
#: report, the honour roll's DM, ...): withdrawn should the org file make someone else GM.
GM = "gm"

_TEAM = "team:"


def team_readers(team: str) -> str:
    """The mark of one team's summary: its director, and whoever reads the whole org."""
    return _TEAM + team


def may_read(readers: str, *, active: bool, role: str, team: str | None,
             can_view_summary: bool) -> bool:
    """Whether a person (as the org file has them now) may still read a message so marked.

    An unknown mark (from a later version) is read as the strictest: the GM's.
    """
    if not active:
        return False
    if readers == VIEWERS:
        return can_view_summary
    if readers.startswith(_TEAM):
        wanted = readers.removeprefix(_TEAM).casefold()
        return can_view_summary or (role == "director" and (team or "").casefold() == wanted)
    return role == "gm"

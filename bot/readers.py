"""Who may read a queued message: the mark a summary, digest or GM-only message carries
in its outbox payload, so that an edit of the org file taking someone's right away
(off `org.summary_viewers`, no longer the GM, a director moved to another team) also
withdraws what still waits for them (OutboxRepo.withdraw_unreadable). A support request's
news to a department's owner carries the department's mark: taken off its `owners` (or the
department given to someone else), they get none of what still waits.

Ordinary replies carry no mark: what a person asked for themselves (their check-in,
their own one-on-ones) stays theirs to read whatever their role.
"""

from __future__ import annotations

from collections.abc import Collection

#: The payload key of the mark.
READERS_KEY = "readers"

#: The payload key of what replaces a message withdrawn for a right taken away, worked
#: out again for the reader as the org file has them now: "support_list:<page>" (an
#: owner's /support page; one department taken from them leaves the others').
AGAIN_KEY = "again"

#: The whole org's summaries: the GM and the summary viewers.
VIEWERS = "viewers"

#: What the GM is sent as the GM (the monthly overview, support requests' news, a 360°
#: report, the honour roll's DM, ...): withdrawn should the org file make someone else GM.
GM = "gm"

_TEAM = "team:"
_DEPT = "dept:"


def team_readers(team: str) -> str:
    """The mark of one team's summary: its director, and whoever reads the whole org."""
    return _TEAM + team


def department_readers(*departments: str) -> str:
    """The mark of what an owner reads about requests of these departments (keys): an
    owner of every one of them, and the GM (who sees every request in /support)."""
    return _DEPT + ",".join(sorted(set(departments)))


def marked_departments(readers: str) -> set[str]:
    """The department keys a department_readers mark names (none for another mark)."""
    if not readers.startswith(_DEPT):
        return set()
    return {k for k in readers.removeprefix(_DEPT).split(",") if k}


def may_read(readers: str, *, active: bool, role: str, team: str | None,
             can_view_summary: bool, owns: Collection[str] = ()) -> bool:
    """Whether a person (as the org file has them now) may still read a message so marked.

    `owns`: the keys of the departments the org file makes them an owner of. An unknown
    mark (from a later version) is read as the strictest: the GM's.
    """
    if not active:
        return False
    if readers == VIEWERS:
        return can_view_summary
    if readers.startswith(_TEAM):
        wanted = readers.removeprefix(_TEAM).casefold()
        return can_view_summary or (role == "director" and (team or "").casefold() == wanted)
    if readers.startswith(_DEPT):
        wanted = {k for k in readers.removeprefix(_DEPT).split(",") if k}
        return role == "gm" or (bool(wanted) and wanted <= set(owns))
    return role == "gm"

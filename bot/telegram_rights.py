"""People with rights to others' data whom the org file names on Telegram by a username
only, and whose account the bot has not learned yet.

A `telegram_username` binds whichever account first writes to the bot with it
(storage.repositories.PeopleRepo.by_platform_id): for someone who reads others' data — the
GM, a summary viewer, an admin, a director with a team, a manager, a department's owner — a
stranger who holds that username first (mistyped in the file, or given up and taken) becomes
them and reads it all. The operator is told (check-org, and the log at start and at each
reload) until the file gives their `telegram_id` or the bot has learned it from their first
message.

Decided: the GM is not told in chat. Only the operator can fix it (in the org file); the GM
is often one of those named, and cannot be reached on Telegram until bound, by which time
there is nothing left to say.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from bot.text import joined

log = logging.getLogger(__name__)

#: The rights, in the order they are named (the JSON of check-org lists these codes).
RIGHTS = ("gm", "summary_viewer", "admin", "team_director", "manager", "department_owner")

_WORDS = {"gm": "the GM", "summary_viewer": "a summary viewer", "admin": "an org admin",
          "team_director": "their team's director", "manager": "a manager",
          "department_owner": "a department's owner"}


@dataclass(frozen=True)
class UnboundRights:
    """One person who reads others' data and is named on Telegram by a username alone."""

    key: str
    name: str
    username: str
    rights: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """As check-org's JSON lists it."""
        return {"key": self.key, "name": self.name, "telegram_username": self.username,
                "rights": list(self.rights), "add": "telegram_id"}

    def text(self) -> str:
        """The operator's line (check-org and the log)."""
        return (f"{self.key} ({self.name}), {joined([_WORDS[r] for r in self.rights])}, is "
                f"named on Telegram by telegram_username {self.username} only and the bot "
                f"has not learned their id: whoever first writes to the bot as "
                f"@{self.username} becomes {self.name} and reads what they may. Add "
                f"'telegram_id: <their numeric id>' under {self.key} in the org file (the "
                "bot tells anyone not in the file their id); once the bot has learned their "
                "id from their first message, this warning goes")


def unbound_rights(org: Any, bound: Collection[str] = ()) -> list[UnboundRights]:
    """The people of `org` with rights to others' data, named on Telegram by
    `telegram_username` alone, whose key is not in `bound` (those whose id the bot has
    learned), in the file's order."""
    people = org.people
    managers = {p.manager for p in people if p.manager}
    teams = Counter((p.team or "").casefold() for p in people if p.team)
    owners = {k for d in org.support.departments for k in d.owners}
    found = []
    for p in people:
        if p.telegram_id is not None or not p.telegram_username or p.key in bound:
            continue
        has = {"gm": p.role == "gm", "summary_viewer": p.can_view_summary and p.role != "gm",
               "admin": p.key in org.admins,
               # A team summary is about others only when the team has others.
               "team_director": p.role == "director" and bool(p.team)
               and teams[(p.team or "").casefold()] > 1,
               "manager": p.key in managers, "department_owner": p.key in owners}
        # The GM reads everything: their other rights add nothing to say.
        rights = ("gm",) if has["gm"] else tuple(r for r in RIGHTS if has[r])
        if rights:
            found.append(UnboundRights(p.key, p.name, p.telegram_username, rights))
    return found


def bound_keys(session: Any) -> set[str]:
    """The keys of active people whose Telegram id the bot knows (from the file or learned)."""
    from sqlalchemy import select

    from storage.models import Person

    return set(session.scalars(select(Person.key).where(
        Person.active, Person.telegram_id.is_not(None), Person.telegram_username.is_not(None))))


def warn_unbound(bot: Any, org: Any) -> None:
    """Log a warning per person of unbound_rights, as the bot's database has them bound
    (at start and at each reload, when Telegram runs)."""
    if not any(p.telegram_username and p.telegram_id is None for p in org.people):
        return  # nothing to read the database for
    with bot.unit() as ctx:
        bound = bound_keys(ctx.session)
    for u in unbound_rights(org, bound):
        log.warning("%s", u.text())


"""The guard against an org file that would take many people out at once.

A shortened file is often still a valid org: saved half-edited, a list pasted short, a
merge that dropped a block of people. Applied, everyone it leaves out stops being
prompted and what still waits for them in the outbox is withdrawn. So an org file that
takes out more people than `removes_too_many` allows is not applied, neither by the
running bot's reload (bot/org_reload.py) nor at a start (bot/app.py `prepare`); the
operator applies it on purpose with `teampulse apply-org --yes`.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

from bot.org import OrgError

#: The share of the people now in the org that one edit may take out without `apply-org`.
MAX_SHARE_REMOVED = Fraction(1, 4)
#: Fewer people than this taken out are never held back, however small the org.
MIN_HELD_BACK = 3
#: Keys named in the refusal before "…" (the log line stays one line for 1,000 people).
NAMED = 5
#: The deliberate way to apply such an edit, named in every refusal.
APPLY_COMMAND = "teampulse apply-org --yes"


def removes_too_many(before: int, removed: int) -> bool:
    """Whether taking `removed` of the `before` people now in the org out at once is held
    back until applied on purpose: more than a quarter of them, and at least 3.

    Why: one or two people leaving is the ordinary edit and applies at once, in an org of
    any size (a quarter of a team of four is one person); a file that drops more than a
    quarter of everyone is far more often cut short than meant, and what applying it
    withdraws (the prompts, the queued messages) cannot be put back by fixing the file.
    A fresh install (nobody stored yet) removes nobody, so it is never held back.
    """
    return removed >= MIN_HELD_BACK and removed > before * MAX_SHARE_REMOVED


class MassRemoval(OrgError):
    """An org file that would take out too many people at once (see `removes_too_many`).

    An OrgError, so every command that reads the org file refuses it as it refuses a bad
    one (one message, exit code 2) and the running bot keeps the org it has.
    """

    def __init__(self, path: Path, before: int, removed: Sequence[str]) -> None:
        self.before = before
        self.removed = tuple(removed)
        self.problem = self._problem(APPLY_COMMAND)
        super().__init__(path, [self.problem])

    def _problem(self, apply: str) -> str:
        shown = ", ".join(self.removed[:NAMED]) + (", …" if len(self.removed) > NAMED else "")
        return (f"it would remove {len(self.removed)} of the {self.before} people now in the "
                f"org ({shown}), more than a quarter at once: held back in case the file was "
                "cut short (saved half-edited, a list pasted short, a merge that dropped "
                f"people); fix the file, or run '{apply}' to remove them on purpose")

    def told(self, apply: str = APPLY_COMMAND) -> str:
        """The one line a refused start or command prints. `apply`: the command that
        applies the file on purpose as the operator must type it (a command run with
        --env-file names it too: without it, other settings name another org file and
        database); 'teampulse apply-org' lists what it would change."""
        listing = apply.removesuffix(" --yes")
        return (f"{self.path}: {self._problem(apply)} (nothing was changed; '{listing}' "
                "lists what it would change)")

    def __str__(self) -> str:
        return self.told()

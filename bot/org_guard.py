"""The guard against an org file that would take many people out at once.

A shortened file is often still a valid org: saved half-edited, a list pasted short, a
merge that dropped a block of people. Applied, everyone it leaves out stops being
prompted and what still waits for them in the outbox is withdrawn. So an org file that
takes out more people than `removes_too_many` allows is not applied, neither by the
running bot's reload (bot/org_reload.py) nor at a start (bot/app.py `prepare`); the
operator applies it on purpose with `teampulse apply-org --yes`.

So is a file that gives the key of someone who left to another person (see
bot.renames.key_reused): everything stored hangs on the key's row, and the newcomer would
read what the one who left kept there (their private agenda items and 1:1 notes, support
requests, check-ins).
"""

from __future__ import annotations

import os
import shlex
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
#: The deliberate way to apply such an edit, named in every refusal (see apply_command).
APPLY_COMMAND = "teampulse apply-org --yes"


def apply_command(env_file: Path | None) -> str:
    """`teampulse apply-org --yes` as the operator must type it to apply the org file of a
    process given `env_file` with --env-file (bot.config.Settings.env_file): with it,
    absolute, to be typed anywhere; its DATABASE_URL and TEAMPULSE_ORG_FILE name them.
    (Typed without it, ./.env or the defaults named another org file, the example's, and
    another database, and it was applied there.)"""
    where = ""
    if env_file is not None:
        # (A pipe, --env-file <(sops -d …), is named as given: there is no path to resolve.)
        shown = os.path.abspath(env_file) if env_file.is_file() else str(env_file)
        where = f" --env-file {_shell_word(shown)}"
    return f"teampulse{where} apply-org --yes"


def _shell_word(text: str) -> str:
    """`text` as one word for a shell: in double quotes if it must be quoted (the refusal
    quotes the whole command in single ones), unless only single ones will do."""
    if shlex.quote(text) == text:
        return text
    return f'"{text}"' if not set(text) & set('"$`\\!') else shlex.quote(text)


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


class HeldBack(OrgError):
    """A valid org file held back until applied on purpose (`teampulse apply-org --yes`).

    An OrgError, so every command that reads the org file refuses it as it refuses a bad
    one (one message, exit code 2) and the running bot keeps the org it has. `problem` is
    the one-line reason; `apply` the command that applies the file on purpose.
    """

    def __init__(self, path: Path, problem: str, apply: str = APPLY_COMMAND) -> None:
        self.apply = apply
        self.problem = problem
        super().__init__(path, [problem])

    def __str__(self) -> str:
        return (f"{self.path}: {self.problem} (nothing was changed; "
                f"'{self.apply.removesuffix(' --yes')}' lists what it would change)")


class MassRemoval(HeldBack):
    """An org file that would take out too many people at once (see `removes_too_many`)."""

    def __init__(self, path: Path, before: int, removed: Sequence[str],
                 apply: str = APPLY_COMMAND) -> None:
        self.before = before
        self.removed = tuple(removed)
        shown = ", ".join(self.removed[:NAMED]) + (", …" if len(removed) > NAMED else "")
        super().__init__(path, (
            f"it would remove {len(removed)} of the {before} people now in the org "
            f"({shown}), more than a quarter at once: held back in case the file was cut "
            "short (saved half-edited, a list pasted short, a merge that dropped people); "
            f"fix the file, or run '{apply}' to remove them on purpose"), apply)


class KeyReused(HeldBack):
    """An org file giving the key of someone who left to someone else (see
    bot.renames.key_reused).

    `reused`: (key, the name stored, the name in the file) of each such entry."""

    def __init__(self, path: Path, reused: Sequence[tuple[str, str, str]],
                 apply: str = APPLY_COMMAND) -> None:
        self.reused = tuple(reused)
        shown = "; ".join(f"key '{key}' was {old}'s, who left the org, and now names {new}"
                          for key, old, new in self.reused[:NAMED])
        more = f"; and {len(reused) - NAMED} more" if len(reused) > NAMED else ""
        whom = self.reused[0][2] if len(self.reused) == 1 else "each newcomer"
        super().__init__(path, (
            f"{shown}{more}, with no chat account in common: held back, as the newcomer "
            "would read what the one who left kept under the key (private agenda items, "
            f"1:1 notes, support requests, check-ins); give {whom} another key, or run "
            f"'{apply}' if it is the same person back with new accounts"), apply)

"""The guard against an org file that would take many people out at once.

A shortened file is often still a valid org: saved half-edited, a list pasted short, a
merge that dropped a block of people. Applied, everyone it leaves out stops being
prompted and what still waits for them in the outbox is withdrawn. So an org file that
takes out more people than `removes_too_many` allows is not applied, neither by the
running bot's reload (bot/org_reload.py) nor at a start (bot/app.py `prepare`); the
operator applies it on purpose with `teampulse apply-org --yes`.

So is a file that gives the key of someone who left to another person (see
bot.renames.key_reused), or gives an entry still in the org to another person in place,
name and every chat account changed at once (bot.renames.given_in_place): everything
stored hangs on the key's row, and the newcomer would read what the one before kept there
(their private agenda items and 1:1 notes, support requests, check-ins, 360° feedback).
So is a file naming in one person's entry (or a new one) a chat account stored for another
person, in the org or who left it (bot.renames.accounts_taken: keys or accounts swapped, an
account moved to a newcomer, a leaver's account given to someone who stays): whoever writes
from it would be taken for the entry's key.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

from bot.org import OrgError
from bot.renames import KeyGiven, same_name

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
    """An org file giving a key to very likely another person: the key of someone who
    left (bot.renames.key_reused), or an entry of someone still in the org edited in place,
    its name and every chat account changed (bot.renames.given_in_place), or an entry (new
    or not) naming a chat account stored for another person, in the org or who left it
    (bot.renames.accounts_taken: two keys or accounts swapped, an account moved).

    `reused`: a bot.renames.KeyGiven (key, the name stored, the name in the file, whether
    its person had left) of each such entry."""

    def __init__(self, path: Path, reused: Sequence[KeyGiven],
                 apply: str = APPLY_COMMAND) -> None:
        self.reused = tuple(reused)
        given = [r for r in self.reused if not r.holder and not r.renamed_from]
        taken = [r for r in self.reused if r.holder]
        over = [r for r in self.reused if r.renamed_from]
        super().__init__(path, "; ".join(
            [_given(given, apply)] * bool(given) + [accounts_taken(taken, apply)] * bool(taken)
            + [taken_over(over, apply)] * bool(over)), apply)


def accounts_taken(taken: Sequence[KeyGiven], apply: str) -> str:
    """Why entries naming another person's chat account are held back, and what to do
    (bot.renames.accounts_taken): the log's, a start's, check-org's and apply-org's word.
    That person may be in the org, or have left it; the entry may be new."""
    shown = "; ".join(
        (f"new key '{r.key}' ({r.new}) names" if r.added else
         f"key '{r.key}' ({r.old}) now names" if same_name(r.old, r.new) else
         f"key '{r.key}' was {r.old}'s and now names {r.new}, with")
        + f" a chat account of {r.holder}'s (key '{r.holder_key}')"
        + (", who left the org" if r.holder_left else "") for r in taken[:NAMED])
    more = f"; and {len(taken) - NAMED} more" if len(taken) > NAMED else ""
    if any(r.added or r.holder_left for r in taken):
        # A new entry, or one of someone who left: not two entries the wrong way round,
        # but perhaps an account handed on (a shared team account a successor now uses).
        fix = (f"give each entry its own person's chat accounts, or run '{apply}' if the "
               "account is now theirs (handed on, or the wrong way round before)")
    else:
        fix = (f"give each person back their own key and chat accounts, or run '{apply}' if "
               "the accounts were the wrong way round before")
    return (f"{shown}{more}: held back, as whoever writes from that account would be taken "
            "for the other person and read what they keep under their key (private agenda "
            f"items, 1:1 notes, support requests, check-ins, 360° feedback); {fix}")


def taken_over(over: Sequence[KeyGiven], apply: str) -> str:
    """Why a new key taking over someone's entry by a chat account they share, under
    another name (KeyGiven.renamed_from), is held back, and what to do."""
    shown = "; ".join(
        f"new key '{r.key}' ({r.new}) takes over the entry of {r.old} (key "
        f"'{r.renamed_from}'{', who left the org' if r.left else ''}) by a chat account "
        "they share, under another name" for r in over[:NAMED])
    more = f"; and {len(over) - NAMED} more" if len(over) > NAMED else ""
    return (f"{shown}{more}: held back, as the newcomer would read what the one before kept "
            "under their key (private agenda items, 1:1 notes, support requests, check-ins, "
            "360° feedback); if the account was handed on to another person, save the new "
            "entry without it first and add it in a later edit, or run "
            f"'{apply}' if it is the same person with a new key and name")


def _given(reused: Sequence[KeyGiven], apply: str) -> str:
    """Why keys given to very likely another person are held back, and what to do."""
    shown = "; ".join(
        f"key '{r.key}' was {r.old}'s, who left the org, and now names {r.new}, "
        "with no chat account in common" if r.left else
        f"key '{r.key}' was {r.old}'s and now names {r.new}, with every chat account "
        "changed (the entry edited in place)" for r in reused[:NAMED])
    more = f"; and {len(reused) - NAMED} more" if len(reused) > NAMED else ""
    whom = reused[0].new if len(reused) == 1 else "each newcomer"
    if all(r.left for r in reused):
        before, own, same = ("the one who left", "another key",
                             "the same person back with new accounts")
    elif not any(r.left for r in reused):
        # The key stays theirs: the newcomer gets an entry of their own beside it.
        before = reused[0].old if len(reused) == 1 else "the one before"
        own = (f"an entry with another key of their own (leaving '{reused[0].key}' "
               f"to {before}, or taking it out if they left)" if len(reused) == 1
               else "an entry with another key of their own")
        same = "the same person with a new name and new accounts"
    else:
        before, own, same = ("the one before", "another key",
                             "the same person with new accounts")
    return (f"{shown}{more}: held back, as the newcomer would read what {before} kept "
            "under the key (private agenda items, 1:1 notes, support requests, check-ins"
            f"{'' if all(r.left for r in reused) else ', 360° feedback'}); give "
            f"{whom} {own}, or run '{apply}' if it is {same}")

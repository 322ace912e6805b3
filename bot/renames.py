"""A key changed in the org file, told apart from someone leaving and someone joining.

The org file names people by `key`, and everything stored hangs on the person, not the
key. An operator who corrects `alice` to `amartin` means the same person: her history, her
check-in of this week, her one-on-ones. What tells the bot so is her chat account: the
entry taken out and the entry put in share a Slack id, Telegram id or Telegram username.
Only a match one to one counts (two leavers sharing the newcomer's account are ambiguous,
so nothing is guessed)."""

from __future__ import annotations

from collections.abc import Mapping


def accounts(slack_id: str | None, telegram_id: int | None,
             telegram_username: str | None) -> frozenset[str]:
    """The chat accounts an entry names, comparable across entries."""
    found = set()
    if slack_id:
        found.add(f"slack:{slack_id}")
    if telegram_id is not None:
        found.add(f"telegram:{telegram_id}")
    if telegram_username:
        found.add(f"telegram_username:{telegram_username.lower()}")
    return frozenset(found)


def renames(gone: Mapping[str, frozenset[str]],
            added: Mapping[str, frozenset[str]]) -> dict[str, str]:
    """{new key: old key} for each added entry sharing an account with exactly one entry
    gone, that shares an account with no other added entry."""
    def matches(ids: frozenset[str], among: Mapping[str, frozenset[str]]) -> list[str]:
        return [key for key, theirs in among.items() if ids & theirs]

    found: dict[str, str] = {}
    for new, ids in added.items():
        olds = matches(ids, gone) if ids else []
        if len(olds) == 1 and matches(gone[olds[0]], added) == [new]:
            found[new] = olds[0]
    return found

"""A key changed in the org file, told apart from someone leaving and someone joining.

The org file names people by `key`, and everything stored hangs on the person, not the
key. An operator who corrects `alice` to `amartin` means the same person: her history, her
check-in of this week, her one-on-ones. What tells the bot so is her chat account: the
entry taken out and the entry put in share a Slack id, Telegram id or Telegram username.
Only a match one to one counts (two leavers sharing the newcomer's account are ambiguous,
so nothing is guessed)."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple


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


def renamed_entries(old: Sequence[Any], new: Sequence[Any]) -> dict[str, str]:
    """{new key: old key}: the entries (bot.org.OrgPerson) one org file's version renames
    in the next, as the people table's sync sees them (`renames`)."""
    old_keys, new_keys = {p.key for p in old}, {p.key for p in new}
    return renames(
        {p.key: accounts(p.slack_id, p.telegram_id, p.telegram_username)
         for p in old if p.key not in new_keys},
        {p.key: accounts(p.slack_id, p.telegram_id, p.telegram_username)
         for p in new if p.key not in old_keys})


def _name(text: str) -> str:
    """A display name as compared: width, case and spacing aside ('Bruno  ROSSI')."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def same_name(one: str, other: str) -> bool:
    """Whether two display names are the same name (`_name`)."""
    return _name(one) == _name(other)


def key_reused(old_name: str, old_accounts: frozenset[str], new_name: str,
               new_accounts: frozenset[str]) -> bool:
    """Whether an entry giving the key of someone who left (their row inactive) is very
    likely another person: both name chat accounts (`accounts`), none in
    common, and the names differ.

    Why: a person back (from leave, say) is found again by their key, and everything
    stored under it is theirs again. Another person given the same key would get it too.
    A shared account, or the same name, is the same person back; an entry or row with no
    account at all (the console) tells nothing, so it is never held back.
    """
    return bool(old_accounts and new_accounts and not old_accounts & new_accounts
                and _name(old_name) != _name(new_name))


def given_in_place(old_name: str, old_accounts: frozenset[str], new_name: str,
                   new_accounts: frozenset[str]) -> bool:
    """Whether an entry of someone still in the org, kept under its key, now very likely
    names another person: its name changed and so did every chat account it had (each
    one now different or gone, and it had at least one).

    Why: the same as `key_reused`, without anyone leaving first: `{key: bruno, name: Bruno
    Rossi, slack_id: U111}` edited to `{key: bruno, name: Bruno Bianchi, slack_id: U222}`
    hands Rossi's row to Bianchi. A new name alone (a marriage), or one account changed
    while another stays (a new Slack workspace), is the same person and applies silently.
    """
    return bool(old_accounts and not old_accounts & new_accounts
                and _name(old_name) != _name(new_name))


class KeyGiven(NamedTuple):
    """A key the org file gives to very likely another person (held back:
    bot.org_guard.KeyReused)."""

    key: str
    #: The name stored under the key, and the name the file gives.
    old: str
    new: str
    #: True: the key of someone who left (`key_reused`); False: an entry of someone still
    #: in the org, edited in place (`given_in_place`) or naming another's account (below).
    left: bool = True
    #: The name and key of another person, one of whose chat accounts the entry now names
    #: (`accounts_taken`); "" otherwise.
    holder: str = ""
    holder_key: str = ""
    #: True: that other person has left the org (the account is still stored for them).
    holder_left: bool = False
    #: True: the entry is new (nobody stored under its key: `old` is "").
    added: bool = False
    #: The key of the person stored (named `old`; `left` whether they had left the org)
    #: whose row a new key takes over by a chat account they share (`renames`), under
    #: another name; "" otherwise.
    renamed_from: str = ""


def accounts_taken(owners: Mapping[str, str], key: str,
                   named: frozenset[str]) -> list[str]:
    """The keys of the other people in the org whose chat account the entry of `key`,
    naming `named`, now names. `owners`: the key of the person in the org each account
    (`accounts`) is stored for, as they are keyed after the edit's renames.

    Why: whoever writes from an account is the person whose entry names it. Two keys, Slack
    ids or Telegram accounts swapped between two people who both stay hand each the other's
    row: Alice, writing from her own Slack account, would be taken for Bruno and read his
    private agenda items and 1:1 notes. Neither entry changes name and every account, so
    `given_in_place` does not tell it. `owners` may as well map the accounts stored for
    people who left: Alice's entry naming the Slack id of Bruno, gone, lets whoever still
    writes from it (Bruno, in another department) be taken for Alice.
    """
    return sorted({owner for account in named
                   if (owner := owners.get(account)) is not None and owner != key})

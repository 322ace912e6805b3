"""Who a name typed into a command means: one rule for every command that names a person.

`/summary <person>`, `/checkin send <person>`, `/review start|close|report <director>`,
`/monthly <director>`, `/goals <person>` and `/1on1 history <person>` (and the `@person`
of the other one-on-one commands) all read a typed name here, so the same name typed into
two commands is the same person, or the same "which one?" answer.

What is accepted (nothing wider than some command accepted before this module):
- a person's key, in any case, with or without `@` (a Chinese keyboard's `＠` too);
- a Telegram username (`@bruno_r`, any case): /1on1 read it, and on Telegram a typed
  `@username` already reached /summary as a mention, so every command reads it;
- a display name, in any case (casefold), its spaces normalised: runs of spaces, a
  Chinese keyboard's full-width space `　` and full-width letters (`Ａｌｉｃｅ`) are what
  they look like (NFKC, as the router reads a full-width command);
- a Slack mention `<@U…>`, and a platform mention the adapter identified (see
  `mentions_as_keys`);
- one of the person's `aliases` in the org file, compared as a display name is (李雷's
  `Li Lei`: a colleague without a Chinese keyboard could not name him otherwise), once
  no key, username or display name matched.
No prefix, first name or other partial name: no command accepted one, and with thousands
of people a partial name would quietly pick someone else. Namesakes are never guessed:
every one of them is returned and the command answers with the `namesakes` message (each
with their key and team, and the command to type). A typed name is only ever compared
for equality, never used as a pattern (a past hole took a Telegram username as one).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from bot.text import INVISIBLE, ascii_width, either_width
from handlers.context import Context
from storage.kudos import find_mentioned

P = TypeVar("P")

# Our own pattern for what Slack sends; the typed text is what it is matched against.
_SLACK_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")


def fold(text: str) -> str:
    """A name as compared: NFKC (full-width letters and spaces as ASCII), casefold, every
    run of whitespace one space, invisible characters (a zero-width space or a direction
    mark pasted along with a name copied from a web page or a chat) left out."""
    return " ".join(unicodedata.normalize("NFKC", text.translate(_UNSEEN)).casefold().split())


_UNSEEN = dict.fromkeys(map(ord, INVISIBLE))


def name_of(person: Any) -> str:
    """A person's display name (a stored Person's `display_name`, the org file's `name`)."""
    return getattr(person, "display_name", None) or getattr(person, "name", "") or ""


def people_named(people: Iterable[P], typed: str, org: Any = None) -> list[P]:
    """Whom `typed` names among `people`: the one with that key, Slack id (`<@U…>`) or
    Telegram username; else everyone with that display name, else everyone with that alias
    (several: namesakes, for the caller to list, never to pick from); [] for nobody.
    `org`: the org file whose `aliases` stored people are named by (the org file's own
    people carry theirs)."""
    pool = list(people)
    slack = _SLACK_MENTION.fullmatch(typed.strip())
    if slack:
        return [p for p in pool if getattr(p, "slack_id", None) == slack.group(1)][:1]
    wanted = fold(typed).lstrip("@").strip()
    if not wanted:
        return []
    for exact in (lambda p: p.key.casefold() == wanted,  # type: ignore[attr-defined]
                  lambda p: fold(getattr(p, "telegram_username", None) or "") == wanted):
        found = [p for p in pool if exact(p)]
        if found:
            return found[:1]
    named = [p for p in pool if fold(name_of(p)) == wanted]
    if named:
        return named
    return [p for p in pool if wanted in {fold(a) for a in _aliases(p, org)}]


def person_guesses(typed: str, people: Iterable[Any], org: Any, n: int = 3
                   ) -> list[tuple[str, str]]:
    """Of `people` (stored or the org file's), those whose key, name or alias (the org
    file's) is close to a mistyped `typed`, as (key, name), closest first, at most `n`:
    the one "did you mean" of every command, in chat (/summary, /goals, /review) and on the
    command line, so a slip is answered alike wherever it is typed. `typed` is read as
    people_named reads it (full-width letters, a leading @)."""
    from bot.suggest import closest_people

    return closest_people(fold(typed).lstrip("@").strip(),
                          [(p.key, name_of(p)) for p in people], n=n,
                          aliases=org_aliases(org))


def org_aliases(org: Any) -> dict[str, tuple[str, ...]]:
    """Key -> the aliases the org file gives them, for those who have any: what a "did
    you mean" compares a mistyped name with, besides keys and names."""
    return {p.key: p.aliases for p in org.people if p.aliases}


def _aliases(person: Any, org: Any) -> tuple[str, ...]:
    own = getattr(person, "aliases", None)
    if own is not None:
        return tuple(own)
    found = org.person(person.key) if org is not None else None
    return found.aliases if found is not None else ()


def namesakes(people: Sequence[Any]) -> list[tuple[str, str | None]]:
    """Namesakes as the `namesakes` message lists them: (key, team), by key."""
    return sorted((p.key, p.team) for p in people)


def reply_namesakes(ctx: Context, people: Sequence[Any], command: str = "", sub: str = "",
                    note: str = "") -> None:
    """Answer a name several people share: the name (as the org file writes it, however
    it was typed), then each of them with their team and the command that names them by
    key (`/command sub key`; `@key` without a command). `note`: what the command did not
    do ("nothing_sent")."""
    ctx.reply("namesakes", name=name_of(people[0]), people=namesakes(people),
              command=command, sub=sub, note=note)


@dataclass(frozen=True)
class Outsider:
    """An account a platform mention names that is nobody in the org file, as the
    templates' `mention` shows it (Slack: the account's own mention)."""

    name: str
    slack_id: str | None = None
    telegram_id: int | None = None


def mention_span(text: str, display: str) -> tuple[int, int] | None:
    """Where in `text` a mention's `display` stands as a whole name, in either width:
    '@Alice Martin' is not the start of a typed '@Alice Martinez', nor '@li' of '@lin', as
    kudos reads them. None if it is nowhere (a caller taking mentions out one by one
    stops there: taking it from inside the typed name was a second, wrong one)."""
    last = ascii_width(display[-1:])
    end = r"(?![A-Za-z0-9_Ａ-Ｚａ-ｚ０-９＿])" if last.isascii() and last.isalnum() else ""
    found = re.search(either_width(display) + end, text)
    return found.span() if found is not None else None


def mentions_as_keys(ctx: Context, args: str) -> str | None:
    """`args` with each person mentioned ('@Alice Martin', as Slack sends `<@U…>` and
    Telegram a text mention) written as their key, as every command names people.

    None, once the sender is told, when a mention names an account that is nobody in the
    org file: a mention says which account it is, so a Slack Connect guest whose handle is
    'alice' is not the org's Alice (the GM got her full picture, and `/checkin send`
    prompted her). A typed `@name` carries no account and is read as typed.
    """
    event = ctx.event
    if event is None or not event.mentions:
        return args
    for mention in event.mentions:
        span = mention_span(args, mention.display) if mention.display else None
        if mention.is_bot or span is None:
            continue
        found = find_mentioned(ctx.session, event.platform, mention.platform_user_id,
                               mention.username)
        if found is not None:
            args = args[:span[0]] + found.key + args[span[1]:]
        elif mention.platform_user_id:
            account = mention.platform_user_id
            who = Outsider(mention.display.lstrip("@"),
                           slack_id=account if event.platform == "slack" else None,
                           telegram_id=int(account) if event.platform == "telegram"
                           and account.isdigit() else None)
            alike = people_named(ctx.people.active(), mention.display)
            ctx.reply("named_outsider", who=who,
                      guesses=[(p.key, p.display_name) for p in alike][:3])
            return None
    return args

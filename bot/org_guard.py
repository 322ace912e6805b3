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
from bot.text import Problem

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
    (bot.renames.accounts_taken: two keys or accounts swapped, an account moved), or a new
    key taking over someone's entry under another name (KeyGiven.renamed_from).

    `reused`: a bot.renames.KeyGiven (key, the name stored, the name in the file, whether
    its person had left) of each such entry. `problem` (a bot.text.Problem) says why and
    what to do in both languages, the one wording of the log, a start, check-org,
    apply-org and the GM's notice (bot.org_reload)."""

    def __init__(self, path: Path, reused: Sequence[KeyGiven],
                 apply: str = APPLY_COMMAND) -> None:
        self.reused = tuple(reused)
        given = [r for r in self.reused if not r.holder and not r.renamed_from]
        taken = [r for r in self.reused if r.holder]
        over = [r for r in self.reused if r.renamed_from]
        said = [_given(given, apply)] * bool(given) + [accounts_taken(taken, apply)] * bool(
            taken) + [taken_over(over, apply)] * bool(over)
        super().__init__(path, Problem("; ".join(said), "；".join(p.zh for p in said)), apply)


#: What the one before kept under a key, as each reason names it.
_KEPT = ("private agenda items, 1:1 notes, support requests, check-ins",
         "私密议程、一对一笔记、支持请求、签到记录")
_REVIEWS = (", 360° feedback", "、360° 评估")


def _more(shown: Sequence[KeyGiven]) -> tuple[str, str]:
    extra = len(shown) - NAMED
    return (f"; and {extra} more", f"；另有 {extra} 个") if extra > 0 else ("", "")


def accounts_taken(taken: Sequence[KeyGiven], apply: str) -> Problem:
    """Why entries naming another person's chat account are held back, and what to do
    (bot.renames.accounts_taken), in both languages. That person may be in the org, or
    have left it; the entry may be new."""
    def whose(r: KeyGiven) -> tuple[str, str]:
        return (f"{r.holder}'s (key '{r.holder_key}')"
                + (", who left the org" if r.holder_left else ""),
                f"{'已离开组织的 ' if r.holder_left else ' '}{r.holder}（key '{r.holder_key}'）")

    en = "; ".join(
        (f"new key '{r.key}' ({r.new}) names" if r.added else
         f"key '{r.key}' ({r.old}) now names" if same_name(r.old, r.new) else
         f"key '{r.key}' was {r.old}'s and now names {r.new}, with")
        + f" a chat account of {whose(r)[0]}" for r in taken[:NAMED])
    zh = "；".join(
        (f"新 key '{r.key}'（{r.new}）写的是{whose(r)[1]}的聊天账号" if r.added else
         f"key '{r.key}'（{r.old}）现在写的是{whose(r)[1]}的聊天账号"
         if same_name(r.old, r.new) else
         f"key '{r.key}' 属于 {r.old}，现在写的是 {r.new}，并写上了{whose(r)[1]}的聊天账号")
        for r in taken[:NAMED])
    more, more_zh = _more(taken)
    if any(r.added or r.holder_left for r in taken):
        # A new entry, or one of someone who left: not two entries the wrong way round,
        # but perhaps an account handed on (a shared team account a successor now uses).
        fix = (f"give each entry its own person's chat accounts, or run '{apply}' if the "
               "account is now theirs (handed on, or the wrong way round before)")
        fix_zh = ("请让每个条目只写本人的聊天账号；如果该账号现在确实归此人所有（转交给了他们，"
                  f"或之前写反了），请运行 '{apply}'")
    else:
        fix = (f"give each person back their own key and chat accounts, or run '{apply}' if "
               "the accounts were the wrong way round before")
        fix_zh = f"请把 key 和聊天账号各自还给本人；如果之前确实是账号写反了，请运行 '{apply}'"
    return Problem(
        f"{en}{more}: held back, as whoever writes from that account would be taken for the "
        f"other person and read what they keep under their key ({_KEPT[0]}{_REVIEWS[0]}); "
        f"{fix}",
        f"{zh}{more_zh}：暂不生效，因为从该账号发消息的人会被当成另一个人，看到对方留在其 key "
        f"下的内容（{_KEPT[1]}{_REVIEWS[1]}）；{fix_zh}")


def taken_over(over: Sequence[KeyGiven], apply: str) -> Problem:
    """Why a new key taking over someone's entry by a chat account they share, under
    another name (KeyGiven.renamed_from), is held back, and what to do, in both languages."""
    en = "; ".join(
        f"new key '{r.key}' ({r.new}) takes over the entry of {r.old} (key "
        f"'{r.renamed_from}'{', who left the org' if r.left else ''}) by a chat account "
        "they share, under another name" for r in over[:NAMED])
    zh = "；".join(
        f"新 key '{r.key}'（{r.new}）凭两人共用的聊天账号接管了"
        f"{'已离开组织的 ' if r.left else ' '}{r.old}（key '{r.renamed_from}'）的条目，名字却不同"
        for r in over[:NAMED])
    more, more_zh = _more(over)
    return Problem(
        f"{en}{more}: held back, as the newcomer would read what the one before kept under "
        f"their key ({_KEPT[0]}{_REVIEWS[0]}); if the account was handed on to another "
        "person, save the new entry without it first and add it in a later edit, or run "
        f"'{apply}' if it is the same person with a new key and name",
        f"{zh}{more_zh}：暂不生效，因为新来的人会看到之前的人留在其 key 下的内容（{_KEPT[1]}"
        f"{_REVIEWS[1]}）；如果该账号已转交给另一个人，请先保存不含该账号的新条目，再在之后的"
        f"修改中加上它；如果确实是同一个人换了 key 和名字，请运行 '{apply}'")


def _given(reused: Sequence[KeyGiven], apply: str) -> Problem:
    """Why keys given to very likely another person are held back, and what to do, in
    both languages."""
    en = "; ".join(
        f"key '{r.key}' was {r.old}'s, who left the org, and now names {r.new}, "
        "with no chat account in common" if r.left else
        f"key '{r.key}' was {r.old}'s and now names {r.new}, with every chat account "
        "changed (the entry edited in place)" for r in reused[:NAMED])
    zh = "；".join(
        f"key '{r.key}' 原属于已离开组织的 {r.old}，现在写的是 {r.new}，两人没有共同的聊天账号"
        if r.left else
        f"key '{r.key}' 属于 {r.old}，现在写的是 {r.new}，原有的聊天账号全部换掉了"
        "（条目被原地改写）"
        for r in reused[:NAMED])
    more, more_zh = _more(reused)
    one = len(reused) == 1
    whom, whom_zh = (reused[0].new, reused[0].new) if one else ("each newcomer", "每位新来的人")
    if all(r.left for r in reused):
        before, own, same = ("the one who left", "another key",
                             "the same person back with new accounts")
        before_zh, own_zh, same_zh = "已离开的人", "换一个 key", "同一个人换了新账号回来"
    elif not any(r.left for r in reused):
        # The key stays theirs: the newcomer gets an entry of their own beside it.
        key, old = reused[0].key, reused[0].old
        before, before_zh = (old, old) if one else ("the one before", "之前的人")
        own = (f"an entry with another key of their own (leaving '{key}' to {before}, or "
               "taking it out if they left)" if one else "an entry with another key of their own")
        own_zh = (f"另建一个使用自己 key 的条目（'{key}' 仍留给 {old}；如果 {old} 已离开，就删除"
                  "该条目）" if one else "另建一个使用自己 key 的条目")
        same, same_zh = ("the same person with a new name and new accounts",
                         "同一个人改了名字并换了新账号")
    else:
        before, own, same = ("the one before", "another key",
                             "the same person with new accounts")
        before_zh, own_zh, same_zh = "之前的人", "换一个 key", "同一个人换了新账号"
    reviews = ("", "") if all(r.left for r in reused) else _REVIEWS
    return Problem(
        f"{en}{more}: held back, as the newcomer would read what {before} kept under the key "
        f"({_KEPT[0]}{reviews[0]}); give {whom} {own}, or run '{apply}' if it is {same}",
        f"{zh}{more_zh}：暂不生效，因为新来的人会看到{before_zh}留在这个 key 下的内容"
        f"（{_KEPT[1]}{reviews[1]}）；请给 {whom_zh} {own_zh}；如果确实是{same_zh}，请运行 "
        f"'{apply}'")

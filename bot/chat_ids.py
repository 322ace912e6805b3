"""What a person's Telegram username or id in the org file can be, and the fix for one that
can never be anyone's (a link, a lookalike letter, a group's id).

Such a value was accepted and matched nobody, silently: the person was a stranger to the
bot for good, and the operator had no line telling them why.
"""

from __future__ import annotations

import re
import unicodedata

from bot.text import Problem

#: Telegram usernames: letters, digits and '_' (5 to 32; 4 for a few bought ones).
_USERNAME = re.compile(r"[A-Za-z0-9_]{4,32}")
#: 'https://t.me/bruno_r', 't.me/bruno_r', 'telegram.me/bruno_r': a profile link.
_LINK = re.compile(r"(?:https?://)?(?:www\.)?(?:t|telegram)\.me/@?([^/?#\s]+)/?", re.IGNORECASE)


def telegram_username_problem(value: str) -> str | None:
    """Why `value` (its leading '@' already taken off) can be no Telegram username, with
    the likely fix; None for one that can be."""
    if _USERNAME.fullmatch(value):
        return None
    link = _LINK.fullmatch(value.strip())
    wanted = link.group(1) if link else value
    clean = "".join(c for c in wanted if unicodedata.category(c) not in ("Cf", "Cc"))
    clean = clean.strip().lstrip("@")
    odd = [c for c in clean if not c.isascii()]
    if odd:
        c = odd[0]
        name = unicodedata.name(c, "").lower()
        what = f"U+{ord(c):04X}, {name}" if name else f"U+{ord(c):04X}"
        return Problem(f"telegram_username {value!r} has {c!r} ({what}), "
                       "which no Telegram username has: usernames are Latin letters, digits "
                       "and _ (retype it from their Telegram profile)",
                       f"telegram_username {value!r} 含有 {c!r}（{what}），Telegram 用户名不会"
                       "有这个字符：用户名只由拉丁字母、数字和 _ 组成"
                       "（请照其 Telegram 资料重新输入）")
    fits = _USERNAME.fullmatch(clean) is not None
    hint = f" (did you mean {clean!r}?)" if fits else ""
    return Problem(
        f"telegram_username {value!r} is not a Telegram username: 4 to 32 Latin letters, "
        f"digits and _, as their Telegram profile shows it, without @ or a link{hint}",
        f"telegram_username {value!r} 不是 Telegram 用户名：应为 4 到 32 个拉丁字母、数字和 _，"
        f"与其 Telegram 资料中显示的一致，不带 @ 或链接{f'（是不是 {clean!r}？）' if fits else ''}")


def telegram_id_problem(value: int) -> str | None:
    """Why `value` can be no person's Telegram id; None for one that can be."""
    if value > 0:
        return None
    return Problem(
        f"telegram_id {value} is not a person's Telegram id: a person's is a positive "
        "number (one starting with - is a group's or a channel's; a stranger who writes to "
        "the bot is told theirs)",
        f"telegram_id {value} 不是个人的 Telegram ID：个人的 ID 是正数（以 - 开头的是群组或"
        "频道的；陌生人给机器人发消息时会被告知自己的 ID）")

"""Pure helpers for the Telegram adapter: message splitting and keyboard layout.

Kept free of python-telegram-bot so they are easy to test on their own.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence

from bot.adapters.clusters import joins

MAX_MESSAGE_LENGTH = 4096  # Bot API limit for a message's text, in UTF-16 code units
MAX_CAPTION_LENGTH = 1024  # ... and for a photo's caption
MAX_CALLBACK_DATA = 64  # bytes of callback_data per button
MAX_BUTTONS_PER_ROW = 8  # Telegram's own limit
ROW_WIDTH = 30  # characters a phone shows across one row of buttons

# A tag, an entity, or one character: the units a split may never cut through.
_TOKEN = re.compile(r"<[^<>]*>|&#?\w+;|.", re.DOTALL)
_OPEN_TAG = re.compile(r"<([a-zA-Z][\w-]*)[^<>]*>")
_CLOSE_TAG = re.compile(r"</([a-zA-Z][\w-]*)\s*>")
_ANY_TAG = re.compile(r"<[^<>]*>")
_BREAKS = ("\n", " ")
#: The named entities Telegram's HTML reads (besides every numeric one).
_NAMED_ENTITIES = frozenset({"&lt;", "&gt;", "&amp;", "&quot;"})
_TELEGRAM_TAG = re.compile(
    r"</?(?:b|strong|i|em|u|ins|s|strike|del|code|pre|a|span|tg-spoiler|tg-emoji|blockquote)"
    r"(?:\s[^<>]*)?>", re.IGNORECASE)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit Telegram counts in."""
    return len(text.encode("utf-16-le")) // 2


def shown_len(text: str) -> int:
    """How long Telegram HTML is as Telegram counts it against its limits: the text after
    its entities are parsed (tags dropped, `&amp;` one `&`), in UTF-16 code units.

    Anything in angle brackets that is no Telegram tag counts as written (the safe side:
    it is not read as markup, see html_to_plain)."""
    return sum(_token_len(token) for token in _TOKEN.findall(text))


def _token_len(token: str) -> int:
    """One token's share of shown_len: a tag none, an entity the character it stands for."""
    if token.startswith("<") and _TELEGRAM_TAG.fullmatch(token):
        return 0
    if token.startswith("&") and len(token) > 1 and (
            token[1] == "#" or token.lower() in _NAMED_ENTITIES):
        return utf16_len(html.unescape(token))
    return utf16_len(token)  # (another named entity: Telegram leaves it as written)


def split_html(text: str, limit: int = MAX_MESSAGE_LENGTH) -> list[str]:
    """Split Telegram HTML into messages of at most `limit` characters, in order.

    Cuts at line breaks where possible, else at a space, else anywhere between two
    characters; never inside a tag, an entity or a character drawn as one (a flag, an
    emoji with its skin tone or ZWJ sequence, a letter with its accent). A tag still
    open at a cut is closed at the end of one part and reopened at the start of the
    next, so every part is valid HTML on its own. Lengths are measured as Telegram counts
    them (shown_len): a text of `&amp;`s or tags was cut at a fifth of what fits.
    """
    if shown_len(text) <= limit:
        return [text]
    tokens = _clusters(_TOKEN.findall(text))
    parts: list[str] = []
    stack: list[tuple[str, str]] = []  # (tag name, opening tag as written)
    i = 0
    while i < len(tokens):
        while i < len(tokens) and tokens[i] in _BREAKS:
            i += 1  # a part never starts with the line break or space it was cut at
        if i >= len(tokens):
            break
        start_stack = list(stack)
        prefix = "".join(tag for _, tag in start_stack)
        size = 0  # (the tags reopened: no text Telegram counts)
        j = i
        newline_cut: tuple[int, list[tuple[str, str]]] | None = None
        space_cut: tuple[int, list[tuple[str, str]]] | None = None
        while j < len(tokens):
            token = tokens[j]
            after = _apply_tag(stack, token)
            if size + _token_len(token) > limit and j > i:
                break
            if token == "\n":
                newline_cut = (j, list(stack))
            elif token == " ":
                space_cut = (j, list(stack))
            size += _token_len(token)
            stack = after
            j += 1
        if j < len(tokens):
            # Prefer a line break, then a space; with neither, cut where the limit is. A
            # space before a word that fills a whole message anyway is no place to cut: it
            # only sent the sentence's start alone ('👏 Alice —— 来自 李雷', then '的点赞：…'
            # and the word, cut all the same).
            if newline_cut is None and space_cut is not None and \
                    _fills_a_part(tokens, space_cut[0] + 1, limit):
                space_cut = None
            cut, stack = newline_cut or space_cut or (j, stack)
        else:
            cut = j
        body = "".join(tokens[i:cut])
        closing = "".join(f"</{name}>" for name, _ in reversed(stack))
        part = (prefix + body + closing).strip()
        if _ANY_TAG.sub("", part).strip():  # Telegram rejects a message with no text
            parts.append(part)
        i = cut
    return parts


def _fills_a_part(tokens: list[str], start: int, room: int) -> bool:
    """Whether the word starting at `tokens[start]` (up to the next space or line break)
    is longer than `room`: it is cut wherever the part before it ends."""
    size = 0
    for token in tokens[start:]:
        if token in _BREAKS:
            return False
        size += _token_len(token)
        if size > room:
            return True
    return False


def _clusters(tokens: list[str]) -> list[str]:
    """`tokens` with each character a reader sees as one (an emoji with its skin tone, a
    flag, a letter with its accent) made one token, so no cut falls inside it: the rule
    Slack's splitter follows too (bot/adapters/clusters.py)."""
    merged: list[str] = []
    for token in tokens:
        if merged and _is_text(token) and _is_text(merged[-1]) and \
                joins(merged[-1] + token, len(merged[-1])):
            merged[-1] += token
        else:
            merged.append(token)
    return merged


def _is_text(token: str) -> bool:
    """A character (or a cluster of them), not a tag or an entity."""
    return not token.startswith("<") and not (token.startswith("&") and len(token) > 1)


def _apply_tag(stack: list[tuple[str, str]], token: str) -> list[tuple[str, str]]:
    """The open-tag stack after `token` (unchanged for text)."""
    if not token.startswith("<"):
        return stack
    closing = _CLOSE_TAG.fullmatch(token)
    if closing:
        name = closing.group(1).lower()
        for k in range(len(stack) - 1, -1, -1):
            if stack[k][0] == name:
                return stack[:k]
        return stack
    opening = _OPEN_TAG.fullmatch(token)
    if opening:
        return [*stack, (opening.group(1).lower(), token)]
    return stack


def html_to_plain(text: str) -> str:
    """Telegram HTML as the plain text it shows: its tags dropped, entities decoded.

    Anything else in angle brackets (a stray '<person>') is kept as the text it was
    surely meant to be.
    """
    return html.unescape(_TELEGRAM_TAG.sub("", text))


def display_width(label: str) -> int:
    """How many narrow characters a label takes (CJK characters count twice)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in label)


def button_rows(labels: Sequence[str], width: int = ROW_WIDTH,
                per_row: int = MAX_BUTTONS_PER_ROW) -> list[list[int]]:
    """Lay buttons out in rows: short labels share a row, long ones get their own.

    Telegram gives every button in a row the same width, so a row fits when its
    widest label times the number of buttons fits across the screen. Returns rows
    of indexes into `labels`, in order.
    """
    rows: list[list[int]] = []
    widest = 0
    for index, label in enumerate(labels):
        need = display_width(label)
        if rows and len(rows[-1]) < per_row and \
                (len(rows[-1]) + 1) * max(widest, need) <= width:
            rows[-1].append(index)
            widest = max(widest, need)
        else:
            rows.append([index])
            widest = need
    return rows

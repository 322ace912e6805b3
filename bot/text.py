"""Text from people made safe to show anywhere: no terminal control codes survive.

An answer may carry ANSI escape sequences, a bell or other control characters
(pasted from a terminal, or typed on purpose). Printed by `teampulse summary` they
would recolour or retitle the GM's terminal; in a Markdown file or a chat they are
noise. `clean_text` is applied where answers are stored and again to every value a
template renders, in every markup, so older stored text is covered too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# ESC-introduced sequences (CSI, OSC/DCS/APC/PM/SOS strings, two-character escapes) and
# their one-byte C1 forms; each is removed whole, so no "[31m" is left behind.
_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"  # CSI ... final byte
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # strings
    r"|\x1b[ -/]*[0-~]?"  # any other escape
)
# C0 except tab and newline, DEL, and C1.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Bidi embeddings, overrides (U+202A-202E) and isolates (U+2066-2069): each holds until
# its closer or the end of the line, so one left open turns whatever follows it on the
# line around, the bot's own words and figures included.
_BIDI = "\u202a-\u202e\u2066-\u2069"
_SLOW = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f" + _BIDI + "]")
_EMBED, _POP_EMBED = "\u202a\u202b\u202d\u202e", "\u202c"
_ISOLATE, _POP_ISOLATE = "\u2066\u2067\u2068", "\u2069"


def clean_text(text: str) -> str:
    """Drop terminal escape sequences and control characters; keep newlines and tabs.

    Carriage returns become newlines (CRLF counts once), so line structure survives.
    A right-to-left override (or any bidi embedding or isolate) left open is closed at
    the end of its line, so it turns only the words it was typed with around, never
    what the bot writes after them.
    """
    # The common case, kept cheap: summaries render thousands of values. A printable
    # string holds no control character at all (str.isprintable, no regex: half the cost);
    # one with a newline or a tab is searched.
    if text.isprintable() or not _SLOW.search(text):
        return text
    if _CONTROL.search(text):
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        text = _CONTROL.sub("", _SEQUENCE.sub("", text))
    return "\n".join(map(_closed_bidi, text.split("\n")))


def _closed_bidi(line: str) -> str:
    """`line` with the bidi embeddings, overrides and isolates it leaves open closed at
    its end (as Unicode's bidi algorithm pairs them: a PDF never closes past an isolate,
    a PDI closes everything opened since its isolate, unpaired closers do nothing)."""
    opened: list[str] = []
    for ch in line:
        if ch in _EMBED:
            opened.append(_POP_EMBED)
        elif ch in _ISOLATE:
            opened.append(_POP_ISOLATE)
        elif ch == _POP_EMBED and opened and opened[-1] == _POP_EMBED:
            opened.pop()
        elif ch == _POP_ISOLATE and _POP_ISOLATE in opened:
            while opened.pop() != _POP_ISOLATE:
                pass
    return line + "".join(reversed(opened))


#: Characters that show nothing: zero-width spaces and joiners, word joiner, byte order
#: mark, left-to-right and right-to-left marks, and the bidi embeddings, overrides and
#: isolates (a figure copied from a right-to-left page or app arrives as "\u202a52000\u202c").
INVISIBLE = "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u202a\u202b\u202c\u202d\u202e" \
    "\u2066\u2067\u2068\u2069"
# Those, and variation selectors (U+FE00-FE0F, U+E0100-E01EF), which show nothing alone.
_SHOWS_NOTHING = re.compile("[\\s" + INVISIBLE + "\ufe00-\ufe0f\U000e0100-\U000e01ef]*")


def shows_nothing(text: str) -> bool:
    """Whether `text` would show as an empty message: only spaces and invisible
    characters (a zero-width space pasted, a stray variation selector), or nothing."""
    return _SHOWS_NOTHING.fullmatch(clean_text(text)) is not None


#: The most of what someone typed that a reply quotes back as a name it did not know: no
#: key or name is longer, and a paragraph pasted after a command (up to the 5,000
#: characters a command may take) came back whole, over a Telegram message's 4,096.
QUOTE_LIMIT = 80


def quoted(typed: str, limit: int = QUOTE_LIMIT) -> str:
    """`typed` as a reply quotes it: whole, or its start and '…' if longer than `limit`."""
    return typed if len(typed) <= limit else typed[:limit - 1].rstrip() + "…"


def plural(count: float, singular: str, many: str | None = None) -> str:
    """The English word for `count` of something: 'day' for 1, 'days' for 0, 2 or 1.5
    (`many` where adding an s is wrong: 'person', 'people'). Chinese needs none. Templates
    read it as a filter: `{{ n }} {{ n | plural("day") }}`."""
    return singular if count == 1 else many or f"{singular}s"


def count_text(count: float, singular: str, many: str | None = None) -> str:
    """'1 row', '3 rows': a count with its word (see plural)."""
    return f"{count} {plural(count, singular, many)}"


def joined(items: Sequence[str]) -> str:
    """'alice', 'alice and bruno', 'alice, bruno and li': an English list."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def problems_text(count: int) -> str:
    """'1 problem', '3 problems': the count at the head of a list of what is wrong."""
    return count_text(count, "problem")


#: Full-width forms of ASCII (U+FF01-FF5E: '＠', 'ｌｉ', '＿', '１') and the ideographic space
#: as ASCII: a Chinese keyboard in full-width mode types a whole line that way.
_ASCII_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_FULL_WIDTH = {chr(ascii_code): chr(wide) for wide, ascii_code in _ASCII_WIDTH.items()}


def ascii_width(text: str) -> str:
    """`text` with its full-width forms of ASCII read as ASCII ('＠ｌｉ' → '@li')."""
    return text.translate(_ASCII_WIDTH)


def either_width(literal: str) -> str:
    """A regex matching `literal` typed in ASCII, in full-width forms, or a mix ('@li' also
    as '＠ｌｉ' or '＠li'): what a handler finds again in text folded only in part."""
    return "".join(f"[{re.escape(ch)}{re.escape(_FULL_WIDTH[ch])}]" if ch in _FULL_WIDTH
                   else re.escape(ch) for ch in ascii_width(literal))


def not_utf8(exc: UnicodeDecodeError, what: str = "the file") -> tuple[int, str]:
    """The line of a file that is not UTF-8 text (the org, goals or settings file), and what
    to say of it: the byte, and how to save `what` (never the text around it)."""
    line = bytes(exc.object[:exc.start]).count(b"\n") + 1
    byte = exc.object[exc.start]
    if exc.end == len(exc.object) and exc.reason == "unexpected end of data":
        # UTF-8 up to a character begun and never finished: a file cut short (a copy
        # stopped partway, an editor still writing), whose fix is not another encoding.
        return line, Problem(
            f"{what} ends in the middle of a character "
            f"(byte 0x{byte:02x}): it is cut short, as when it is still being "
            "written or was copied only in part; save it again whole",
            f"{_WHAT_ZH.get(what, what)}在一个字符的中间结束（字节 0x{byte:02x}）：它被截断了，"
            "可能还在写入，或只复制了一部分；请重新完整保存")
    return line, Problem(f"not UTF-8 text (byte 0x{byte:02x}); save {what} as "
                         "UTF-8, not GBK or ANSI",
                         f"不是 UTF-8 文本（字节 0x{byte:02x}）；请把{_WHAT_ZH.get(what, what)}"
                         "保存为 UTF-8，而不是 GBK 或 ANSI")


#: not_utf8's `what` in Chinese.
_WHAT_ZH = {"the file": "文件", "the goals file": "目标文件", "the settings file": "设置文件"}


class Problem(str):
    """One problem of the org file: its English text (the string itself, which the log,
    `teampulse check-org` and the line finder read) and its Simplified Chinese one (`zh`),
    written together where the problem is found, so the two never drift apart."""

    zh: str

    def __new__(cls, en: str, zh: str) -> Problem:
        made = super().__new__(cls, en)
        made.zh = zh
        return made


def said_in(problem: str, locale: str) -> str:
    """A problem in `locale`: its Chinese text for zh-CN where it has one, else as written
    (English)."""
    return getattr(problem, "zh", problem) if locale == "zh-CN" else str(problem)


def where_zh(where: str) -> str:
    """A problem's place as a Chinese line writes it: `people[3] ('bob')` as
    `people[3]（'bob'）`."""
    return re.sub(r" \(('[^']*')\)$", r"（\1）", where)

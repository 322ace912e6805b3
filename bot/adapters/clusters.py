"""Where a long message may be cut between two characters: the rule every adapter shares.

A reader sees one character where the text holds several code points: a letter and its
accent, an emoji and its skin tone, a ZWJ sequence (👩‍💻), a flag (two regional
indicators), a subdivision flag (tag characters). A cut between them shows a lone accent,
a brown square or two letters in boxes. Slack's splitter (slack_blocks.safe_cut) and
Telegram's (telegram_format.split_html) both cut only where `joins` is False.
"""

from __future__ import annotations

import unicodedata

ZWJ = "\u200d"


def continues(ch: str) -> bool:
    """Whether `ch` belongs to the character before it (never the start of a part)."""
    code = ord(ch)
    return (unicodedata.category(ch) in {"Mn", "Mc", "Me"} or ch == ZWJ
            or 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF  # variation selectors
            or 0x1F3FB <= code <= 0x1F3FF  # skin tones
            or 0xE0020 <= code <= 0xE007F  # tag characters (subdivision flags)
            or 0xDC00 <= code <= 0xDFFF)  # the low half of a surrogate pair


def regional(ch: str) -> bool:
    """A regional indicator: two of them make one flag."""
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def joins(text: str, cut: int) -> bool:
    """Whether a cut of `text` at `cut` falls inside a character a reader sees as one."""
    if not 0 < cut < len(text):
        return False
    ch, before = text[cut], text[cut - 1]
    if continues(ch) or before == ZWJ:
        return True
    if regional(ch) and regional(before):
        run = 0  # a flag is two regional indicators: cut after an even number of them
        while run < cut and regional(text[cut - 1 - run]):
            run += 1
        return run % 2 == 1
    return False

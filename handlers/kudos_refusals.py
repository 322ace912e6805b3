"""Refusals that hold a kudos word: "@alice no thanks, I'll do it", "谢谢，不用了".

A channel message counts as kudos when it mentions someone and holds one of the org's
kudos words (handlers/kudos.looks_like_kudos); "thanks" in "no thanks" is no praise.
`without_refusals` takes such phrases out so that only the words left decide. Kept
narrow on purpose: a "no" elsewhere ("thanks @alice, no problem was too big") is praise.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache

from bot.text import either_width

# What may stand between the words of one phrase: spaces and punctuation (also the
# full-width kind), and where a mention was taken out.
_GAP = r"[\s,，.。!！~～:：;；、-]*"
_END = r"(?=\s*(?:$|[,，.。!！;；?？)]))"
_ZH_THANKS = r"(?:谢谢|感谢|多谢|谢)"
_ZH_NO_NEED = r"(?:不用|不必|无需|无须|不需要)"
_CHINESE = [
    rf"{_ZH_NO_NEED}了?{_GAP}{_ZH_THANKS}",             # 不用谢, 不用了谢谢, 不必感谢
    r"不谢",                                            # 不谢不谢
    # 谢谢，不用了 (a bare 不用 only at the end of the clause: 谢谢 不用加班… is praise)
    rf"{_ZH_THANKS}{_GAP}{_ZH_NO_NEED}(?:了|{_END})",
]


@lru_cache(maxsize=16)
def _pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    english = sorted((w for w in words if w.isascii() and re.fullmatch(r"[\w ]+", w)),
                     key=len, reverse=True)
    phrases = list(_CHINESE)
    if english:
        word = "(?:" + "|".join(r"\s+".join(map(re.escape, w.split())) for w in english) \
            + r")(?!\w)"
        phrases += [
            # no thanks, No, thank you, no need, thanks; not "No, thank YOU for the demo",
            # which thanks someone for something.
            rf"(?<!\w)no(?:\s+need)?{_GAP}{word}(?!{_GAP}for\b)",
            # thanks, but no (thanks); not "thanks but no one else stayed"
            rf"(?<!\w){word}{_GAP}but{_GAP}no(?:{_GAP}{word}|{_END})",
        ]
    return re.compile("|".join(f"(?:{p})" for p in phrases), re.IGNORECASE)


def without_refusals(text: str, words: Iterable[str], mentions: Iterable[str] = (),
                     fold: Callable[[str], str] = str) -> str:
    """`text` with its mentions (their display text) and every refusal of thanks taken
    out (`words`: the org's kudos words, of which the English ones make up refusals);
    `fold` is applied to the text once the mentions are out (a name keeps its spelling),
    before the refusals are looked for (Traditional 不用謝 read as 不用谢)."""
    for display in sorted({m for m in mentions if m}, key=len, reverse=True):
        text = re.sub(either_width(display), " ", text)  # as typed, or half folded
    return _pattern(tuple(words)).sub(" ", fold(text))

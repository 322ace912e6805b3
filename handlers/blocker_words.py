"""When two blockers are the same, and when an answer to the blockers question names none:
one reading for the GM's view, a team's, the monthly review's recurring blockers and the
one-on-one's agenda ('none', '无', 'No blockers this week' are no blocker anywhere)."""

from __future__ import annotations

import itertools
import re

_NO_BLOCKER = {"none", "no", "nothing", "n", "a", "na", "nil", "no blockers", "无", "没有",
               "暂无", "没"}
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_CJK = re.compile(r"[\u3400-\u9fff]")
_STOP = {"the", "a", "an", "of", "on", "for", "to", "and", "with", "in", "is", "still",
         "again", "our", "we", "的", "了", "还", "在"}


def tokens(text: str | None) -> frozenset[str]:
    """A blocker's words for comparison: lower case, no punctuation or filler words;
    Chinese (written without spaces) as character pairs. Empty for "none" answers."""
    if not text:
        return frozenset()
    # Blockers repeat across people and weeks ("none", "pricing approval"): each distinct
    # text is split once.
    found = _TOKENS.get(text)
    if found is None:
        if len(_TOKENS) >= 10_000:
            _TOKENS.clear()
        found = _TOKENS[text] = _tokens(text)
    return found


_TOKENS: dict[str, frozenset[str]] = {}


# Saying there is none, in so many words: 'No blockers this week.', '暂时没有障碍', '一切顺利'.
_NONE_SAID = re.compile(
    r"(?:(?:no|none|nothing|nil|n/?a)(?:\s+(?:real|major|big|new))?"
    r"(?:\s+(?:blockers?|issues?|problems?|challenges?|obstacles?))?"
    r"(?:\s+(?:this\s+week|so\s+far|for\s+now|at\s+the\s+moment|right\s+now|currently|yet))?"
    r"|(?:目前|暂时|暂|本周|这周|现在)?(?:没有|无|没)(?:什么)?(?:新的)?(?:阻碍|障碍|问题|困难|挑战)?"
    r"|一切(?:顺利|正常))[\s.!。！~]*", re.IGNORECASE)


def _tokens(text: str) -> frozenset[str]:
    if _NONE_SAID.fullmatch(text.strip()):
        return frozenset()
    out: set[str] = set()
    for word in _WORD.findall(text.casefold()):
        if _CJK.search(word):
            chars = [c for c in word if c not in _STOP]
            out.update(a + b for a, b in itertools.pairwise(chars))
            if len(chars) == 1:
                out.add(chars[0])
        elif word not in _STOP:
            out.add(word)
    if not out or out <= _NO_BLOCKER:
        return frozenset()
    return frozenset(out)


def similar(a: frozenset[str], b: frozenset[str]) -> bool:
    """The same blocker: half or more of their words in common (Jaccard >= 0.5), or all
    the words of the shorter in the longer ("pricing approval" / "pricing approval slow")."""
    if not a or not b:
        return False
    common = len(a & b)
    return common / len(a | b) >= 0.5 or common == min(len(a), len(b))


# --- building ----------------------------------------------------------------------------

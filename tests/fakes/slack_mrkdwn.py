"""What a Slack reader sees of a mrkdwn text: which stretches show bold, italic, struck or
as code. A model of Slack's pairing, kept stricter than Slack, so a test that passes here
passes there:

- a mark (`*` bold, `_` italics, `~` strike, a backtick code) opens only at a line's start
  or after a character that is not a letter or digit, with no space after it (Slack also
  needs that character to be a space or one of a few punctuation marks: stricter here);
- it closes at the next same mark on that line that has no space before it and no letter
  or digit after it; Slack pairs nothing across lines (``` excepted, which the bot never
  leaves standing);
- a mark between two letters or digits (`2*3`, `viv_ops`) is text (Slack's own
  'Super_cali_fragilistic*expiali*docious' shows its marks).

Only `&amp; &lt; &gt;` are entities Slack decodes; nothing escapes a mark.
"""

from __future__ import annotations

from typing import NamedTuple

MARKS = {"*": "bold", "_": "italic", "~": "strike", "`": "code"}


class Span(NamedTuple):
    style: str
    text: str


def formatted(text: str) -> list[Span]:
    """Every stretch of `text` a reader sees formatted, in order (nested ones after their
    outer one)."""
    spans: list[Span] = []
    for line in text.split("\n"):
        _scan(line, spans)
    return spans


def _scan(line: str, spans: list[Span]) -> None:
    i = 0
    while i < len(line):
        mark = line[i]
        if mark in MARKS and (i == 0 or not line[i - 1].isalnum()) \
                and i + 1 < len(line) and not line[i + 1].isspace():
            end = _closer(line, i)
            if end is not None:
                inner = line[i + 1:end]
                spans.append(Span(MARKS[mark], decoded(inner)))
                if mark != "`":
                    _scan(inner, spans)
                i = end + 1
                continue
        i += 1


def _closer(line: str, opened: int) -> int | None:
    mark = line[opened]
    for j in range(opened + 1, len(line)):
        if line[j] == mark and j > opened + 1 and not line[j - 1].isspace() \
                and (j + 1 == len(line) or not line[j + 1].isalnum()):
            return j
    return None


def decoded(text: str) -> str:
    """The characters of `text` as shown: the three entities Slack decodes, decoded."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")

"""What a long message cut into parts must never do, on any platform: cut inside a
character a reader sees as one (bot/adapters/clusters.py). Shared by the Slack and
Telegram splitter tests."""

from __future__ import annotations

import itertools
import unicodedata

# A skin tone, a flag, e + accent (written NFD by the tests), a ZWJ sequence, over and over.
EMOJI_LINE = "签约" + "👍🏽🇨🇳é👩‍💻" * 900


def assert_cut_between_characters(parts: list[str]) -> None:
    """No part starts with a skin tone, an accent, a ZWJ or half a flag; none ends with a
    ZWJ or an odd number of regional indicators."""
    for before, after in itertools.pairwise(parts):
        assert not unicodedata.combining(after[0]) and after[0] not in "\u200d🏽", \
            (before[-4:], after[:4])
        assert not before.endswith("\u200d")
        flags = len(before) - len(before.rstrip("🇨🇳"))
        assert flags % 2 == 0, before[-4:]


def agenda_item(n: int, size: int = 1000) -> str:
    """The nth of a long 1:1 agenda: up to `size` characters (the most an item takes) of
    English, Chinese, an ampersand platforms escape, an accent and an emoji with its skin
    tone, in words, ending in a marker that says its end arrived."""
    words = [f"Item-{n:02d}:", "pipeline", "R&D", "华东区签约", "Zoë", "👍🏽", "forecast"]
    end = f"END-{n:02d}"
    text, i = words[0], 1
    while len(text) + len(words[i % len(words)]) + len(end) + 2 <= size:
        text += " " + words[i % len(words)]
        i += 1
    return f"{text} {end}"


def assert_whole_in_order(parts: list[str], items: list[str]) -> None:
    """Each item in exactly one part, whole (none cut across two), in the order added."""
    where = []
    for item in items:
        holding = [i for i, part in enumerate(parts) if item in part]
        assert len(holding) == 1, (item[:12], holding)
        where.append((holding[0], parts[holding[0]].index(item)))
    assert where == sorted(where)


def assert_cut_at_line_breaks(parts: list[str], whole: str) -> None:
    """The parts hold the lines of `whole` (the message as rendered), each whole and in
    order: every cut fell between two lines, and nothing was lost or added."""
    assert [line for part in parts for line in part.split("\n") if line.strip()] == \
        [line for line in whole.split("\n") if line.strip()]

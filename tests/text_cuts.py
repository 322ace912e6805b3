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

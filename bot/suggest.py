"""'did you mean …?' for a name in a settings file that matches none it could be.

Each hint is a bot.text.Problem: its English text, and its Chinese one written beside it
(`.zh`), so a Chinese problem never depends on matching the English words again."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from functools import cache
from zoneinfo import available_timezones

from bot.text import Problem

#: No hint, in either language.
NO_HINT = Problem("", "")


def did_you_mean(value: object, choices: Iterable[str],
                 names: Mapping[str, str] | None = None) -> Problem:
    """' (did you mean 'grace'?)' when one of `choices` is close to `value` (a typo: a
    letter doubled, dropped or swapped, another case), else '' (its Chinese: `.zh`).
    `names`: a person's name -> their key, for a name written where a key belongs
    ('Grace Chen' -> 'grace')."""
    if not isinstance(value, str) or not value:
        return NO_HINT
    for name, key in (names or {}).items():
        if name.casefold() == value.strip().casefold():
            return Problem(f" (did you mean {key!r}, {name}'s key?)",
                           f"（是不是 {name} 的 key {key!r}？）")
    close = closest(value, choices)
    return NO_HINT if close is None else Problem(f" (did you mean {close!r}?)",
                                                 f"（是不是 {close!r}？）")


def closest(value: str, choices: Iterable[str]) -> str | None:
    """The one of `choices` close to `value` (a typo, another case), else None."""
    options = {choice.casefold(): choice for choice in choices}
    close = difflib.get_close_matches(value.strip().casefold(), list(options), n=1,
                                      cutoff=0.75)
    return options[close[0]] if close else None


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


#: 'GMT+8', 'UTC-05:00', '+8', 'UTC+5:30': an offset from UTC written where a timezone belongs.
_OFFSET = re.compile(r"^(?:UTC|GMT|Z)?\s*([+\-\u2212])\s*(\d{1,2})(?:[:.h]?(\d{2}))?h?$",
                     re.IGNORECASE)
#: A well-known place at each offset (its standard time), to name what to write instead.
_PLACE_AT = {
    (-10, 0): "Pacific/Honolulu", (-9, 0): "America/Anchorage", (-8, 0): "America/Los_Angeles",
    (-7, 0): "America/Denver", (-6, 0): "America/Chicago", (-5, 0): "America/New_York",
    (-4, 0): "America/Halifax", (-3, 0): "America/Sao_Paulo", (0, 0): "Europe/London",
    (1, 0): "Europe/Berlin", (2, 0): "Europe/Athens", (3, 0): "Europe/Moscow",
    (4, 0): "Asia/Dubai", (5, 0): "Asia/Karachi", (5, 30): "Asia/Kolkata",
    (5, 45): "Asia/Kathmandu", (6, 0): "Asia/Dhaka", (7, 0): "Asia/Bangkok",
    (8, 0): "Asia/Shanghai", (9, 0): "Asia/Tokyo", (10, 0): "Australia/Sydney",
    (12, 0): "Pacific/Auckland",
}


def offset_hint(value: object) -> Problem:
    """For an offset written as a timezone ('GMT+8'), what to write instead: the place's
    timezone, or the fixed Etc/GMT zone, whose sign IANA reverses; else ''. A closest
    match by spelling answered 'GMT+8' with 'GMT+0' and 'UTC+8' with 'UTC', eight hours
    off. Its Chinese: `.zh`."""
    match = _OFFSET.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        return NO_HINT
    sign = -1 if match[1] != "+" else 1
    hours, minutes = int(match[2]), int(match[3] or 0)
    if hours > 14 or minutes >= 60:
        return NO_HINT
    said = f"UTC{'+' if sign > 0 else '-'}{hours}{f':{minutes:02d}' if minutes else ''}"
    place = _PLACE_AT.get((sign * hours, minutes))
    hint = f" ({said} is an offset, not a timezone: write the IANA timezone of the place"
    hint += f", such as {place}," if place else ","
    hint += " whose clock it follows, summer time included"
    zh = f"（{said} 是时差，不是时区：请写该地的 IANA 时区"
    zh += f"，例如 {place}" if place else ""
    zh += "（夏令时随之变化）"
    if not minutes and -12 <= sign * hours <= 14:
        # Etc/GMT-8 is UTC+8: POSIX counts the other way.
        fixed = f"Etc/GMT{'-' if sign > 0 else '+'}{hours}" if hours else "UTC"
        hint += f"; or {fixed} for {said} all year"
        hint += ", its sign reversed as IANA writes it" if hours else ""
        zh += f"；全年固定为 {said} 可写 {fixed}"
    return Problem(hint + ")", zh + "）")


def did_you_mean_zone(value: object) -> Problem:
    """did_you_mean among the IANA timezones ('Asia/Shangai' -> 'Asia/Shanghai'), or what
    to write for an offset ('GMT+8', see offset_hint)."""
    return offset_hint(value) or did_you_mean(value, _zones())


def closest_people(typed: str, people: Iterable[tuple[str, str]], n: int = 3,
                   aliases: Mapping[str, Iterable[str]] | None = None
                   ) -> list[tuple[str, str]]:
    """Of `people` (key, name), those whose key or name is close to what was typed (a typo:
    'alcie', 'Alice Martn', '李磊'), closest first, at most `n`. `aliases`: key -> the other
    names the org file gives them ('Li Lei' for 李雷: 'lilei' is close to it)."""
    folded = typed.strip().casefold()
    if not folded:
        return []
    scored: dict[str, tuple[float, tuple[str, str]]] = {}
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(folded)  # (the typed side is compared with everyone: analysed once)
    for key, name in people:
        for said in (key, name, *(aliases or {}).get(key, ())):
            matcher.set_seq1(said.casefold())
            # Two neighbouring letters swapped ('sma' for 'sam'): the commonest slip, which
            # the spelling score puts below the bar in a short key (0.67 for three letters).
            ratio = 0.75 if _one_swap(folded, said.casefold()) else 0.0
            # The cheap upper bounds first: a 10,000-person org is mostly far off.
            if not ratio and (matcher.real_quick_ratio() < 0.75
                              or matcher.quick_ratio() < 0.75):
                continue
            ratio = max(ratio, matcher.ratio())
            if ratio >= 0.75 and ratio > scored.get(key, (0.0, ("", "")))[0]:
                scored[key] = (ratio, (key, name))
    return [who for _, who in sorted(scored.values(), key=lambda item: -item[0])][:n]


def _one_swap(typed: str, said: str) -> bool:
    """Whether `typed` is `said` with two neighbouring letters swapped ('sma', 'sam')."""
    if len(typed) != len(said) or typed == said:
        return False
    diff = [i for i, (a, b) in enumerate(zip(typed, said, strict=True)) if a != b]
    return (len(diff) == 2 and diff[1] == diff[0] + 1
            and typed[diff[0]] == said[diff[1]] and typed[diff[1]] == said[diff[0]])

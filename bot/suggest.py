"""'did you mean …?' for a name in a settings file that matches none it could be."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from functools import cache
from zoneinfo import available_timezones


def did_you_mean(value: object, choices: Iterable[str],
                 names: Mapping[str, str] | None = None) -> str:
    """' (did you mean 'grace'?)' when one of `choices` is close to `value` (a typo: a
    letter doubled, dropped or swapped, another case), else ''. `names`: a person's name
    -> their key, for a name written where a key belongs ('Grace Chen' -> 'grace')."""
    if not isinstance(value, str) or not value:
        return ""
    for name, key in (names or {}).items():
        if name.casefold() == value.strip().casefold():
            return f" (did you mean {key!r}, {name}'s key?)"
    close = closest(value, choices)
    return f" (did you mean {close!r}?)" if close is not None else ""


def closest(value: str, choices: Iterable[str]) -> str | None:
    """The one of `choices` close to `value` (a typo, another case), else None."""
    options = {choice.casefold(): choice for choice in choices}
    close = difflib.get_close_matches(value.strip().casefold(), list(options), n=1,
                                      cutoff=0.75)
    return options[close[0]] if close else None


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def did_you_mean_zone(value: object) -> str:
    """did_you_mean among the IANA timezones ('Asia/Shangai' -> 'Asia/Shanghai')."""
    return did_you_mean(value, _zones())


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
            # The cheap upper bounds first: a 10,000-person org is mostly far off.
            if matcher.real_quick_ratio() < 0.75 or matcher.quick_ratio() < 0.75:
                continue
            ratio = matcher.ratio()
            if ratio >= 0.75 and ratio > scored.get(key, (0.0, ("", "")))[0]:
                scored[key] = (ratio, (key, name))
    return [who for _, who in sorted(scored.values(), key=lambda item: -item[0])][:n]

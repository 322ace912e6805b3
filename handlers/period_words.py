"""The words for a period that every command reads alike (/kudos top, /summary and its
chart): `week`, `this week`, `current week`, `this-week`, 本周, 这周, 这个星期 are the
current week; `last week`, `previous week`, `last-week`, 上周, 上个星期, 上一周 the one
before; the same for month (本月, 这个月, 上个月), quarter (本季度, 这个季度, 上季度) and
year (今年, 本年, 去年). A quarter or a year is the org's fiscal one wherever it counts.
"""

from __future__ import annotations

from datetime import date

UNITS = ("week", "month", "quarter", "year")
_THIS = frozenset({"this", "current"})
_LAST = frozenset({"last", "previous"})


def _chinese() -> dict[str, str]:
    # (週 and 禮拜 as traditional characters write them: 上週, 本週.)
    nouns = {"week": ("周", "星期", "礼拜", "週", "禮拜"), "month": ("月",),
             "quarter": ("季度", "季")}
    words: dict[str, str] = {}
    for unit, names in nouns.items():
        for name in names:
            for this in ("本", "这", "这个", "这一", "这一个", "当前"):
                words[this + name] = unit
            for last in ("上", "上个", "上一", "上一个"):
                words[last + name] = f"last-{unit}"
    words.update({"今年": "year", "本年": "year", "今年度": "year", "本年度": "year",
                  "这一年": "year", "去年": "last-year", "上一年": "last-year",
                  "上年": "last-year", "上年度": "last-year"})
    return words


#: Every Chinese period word, as one word (Chinese writes no space inside it).
CHINESE = _chinese()


def read_period(words: list[str], i: int) -> tuple[str, int] | None:
    """The period `words[i:]` starts with ('week', 'last-month', …) and how many words it
    takes, or None. A bare unit ('month') is the current one, as /kudos top reads it."""
    word = words[i].lower()
    if word in CHINESE:
        return CHINESE[word], 1
    if word in UNITS:
        return word, 1
    which, _, unit = word.partition("-")
    if unit not in UNITS:
        which, unit = word, words[i + 1].lower() if i + 1 < len(words) else ""
        if unit not in UNITS:
            return None
        taken = 2
    else:
        taken = 1
    if which in _THIS:
        return unit, taken
    if which in _LAST:
        return f"last-{unit}", taken
    return None


def month_said(words: list[str], i: int, today: date) -> tuple[tuple[int, int], int] | None:
    """(year, month) of 'this month' / 'last month' (本月, 上个月) at `words[i]`, and how
    many words it takes: /honours and /monthly read them as they read '2026-11'."""
    said = read_period(words, i)
    if said is None or said[0] not in {"month", "last-month"}:
        return None
    if said[0] == "month":
        return (today.year, today.month), said[1]
    return ((today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)), said[1]

"""The words for a period that every command reads alike (/kudos top, /summary and its
chart): `week`, `this week`, `current week`, `this-week`, 本周, 这周, 这个星期 are the
current week; `last week`, `previous week`, `last-week`, 上周, 上个星期, 上一周 the one
before; the same for month (本月, 这个月, 上个月), quarter (本季度, 这个季度, 上季度) and
year (今年, 本年, 去年; `this fiscal year`, `last fiscal year`, 本财年, 上财年). A quarter or
a year is the org's fiscal one wherever it counts.
"""

from __future__ import annotations

import re
from datetime import date

from bot.goals import fiscal_quarter
from handlers.answers import chinese_number, normalise
from handlers.day_words import _MONTHS

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
    # The fiscal year (本财年, 上财年): the year /kudos top counts already is the org's fiscal one.
    for this in ("本", "今", "这个", "这一个", "当前", "本个"):
        words[this + "财年"] = "year"
    for last in ("上", "上个", "上一", "上一个", "去"):
        words[last + "财年"] = "last-year"
    words.update({"财年": "year", "今年": "year", "本年": "year", "今年度": "year",
                  "本年度": "year", "这一年": "year", "去年": "last-year", "上一年": "last-year",
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
    # 'fiscal year', 'this fiscal year', 'last fiscal year': the org's year, as 'year' is.
    after = [w.lower() for w in words[i + 1:i + 3]]
    if word == "fiscal" and after[:1] == ["year"]:
        return "year", 2
    if word in _THIS | _LAST and after == ["fiscal", "year"]:
        return ("year" if word in _THIS else "last-year"), 3
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


# A month by its name or number, as a GM types it: December, Dec, 12月, 十二月, 12月份; with
# its year ("December 2026", "Dec 2026", 2026年12月, 2026-12) or without it.
_EN_MONTHS = dict(_MONTHS)
_CN_MONTH = re.compile(r"(?:(\d{4})\s*年\s*)?(\d{1,2}|十[一二]?|[一二三四五六七八九])\s*月份?")
_NUMERIC = re.compile(r"(\d{4})-(\d{1,2})")
_YEAR_WORD = re.compile(r"(\d{4})\s*年?")


def month_named(words: list[str], i: int, today: date) -> tuple[tuple[int, int], int] | None:
    """(year, month) of a month named at `words[i]` ('December', 'Dec 2026', 12月, 十二月,
    2026年12月, 2026-12) and how many words it takes; None if no month is named there.

    Without its year, the latest such month that has begun: on 2 January, "December" is
    the December just gone (a month to come has no kudos yet), and in December itself
    this one. The month number may be out of range (2026-13) for the caller to refuse."""
    word = normalise(words[i]).lower().rstrip(".,")
    year: int | None = None
    taken = 1
    if word in _EN_MONTHS:
        month = _EN_MONTHS[word]
        after = normalise(words[i + 1]) if i + 1 < len(words) else ""
        if (found := _YEAR_WORD.fullmatch(after.rstrip(","))) is not None:
            year, taken = int(found.group(1)), 2
    elif (found := _CN_MONTH.fullmatch(word)) is not None:
        said = found.group(2)
        month = int(said) if said.isdigit() else chinese_number(said) or 0
        year = int(found.group(1)) if found.group(1) else None
    elif (found := _NUMERIC.fullmatch(word)) is not None:
        year, month = int(found.group(1)), int(found.group(2))
    else:
        return None
    if year is None:
        year = today.year if month <= today.month else today.year - 1
    return (year, month), taken


# A quarter by its number, the org's fiscal one as the goals name it: Q4, 2026Q4, 2026-Q4,
# 'Q4 2026', 第四季度, 第4季度, 四季度, 2026年第四季度, 2026年Q4.
_QUARTER = re.compile(r"(?:(\d{4})\s*(?:年\s*|-)?)?(?:q([1-4])|第?([1-4一二三四])\s*季度)")


def quarter_named(words: list[str], i: int, today: date, fiscal_year_start: int = 1
                  ) -> tuple[str, int] | None:
    """The (fiscal) quarter named at `words[i]`, as the goals name it ('2026-Q4'), and how
    many words it takes; None if none is. Without its year, the latest such quarter that
    has begun (on 2 January, 'Q4' is the one just ended)."""
    found = _QUARTER.fullmatch(normalise(words[i]).lower())
    if found is None:
        return None
    said = found.group(2) or found.group(3)
    number = int(said) if said.isdigit() else chinese_number(said) or 0
    year, taken = (int(found.group(1)) if found.group(1) else None), 1
    after = normalise(words[i + 1]) if i + 1 < len(words) else ""
    if year is None and (typed := _YEAR_WORD.fullmatch(after)) is not None:
        year, taken = int(typed.group(1)), 2
    if year is None:
        current, now = fiscal_quarter(today, fiscal_year_start).split("-Q")
        year = int(current) - (number > int(now))
    return f"{year}-Q{number}", taken

"""Due dates as managers type them at the end of an action item, besides a day
(handlers/day_words.py): the end of a day, week, month, quarter or year, and a day and
month with a slash.

`by end of month`, `by the end of next month`, `before month end`, `by EOM`, `by end of
quarter` / `EOQ`, `by end of year` / `EOY`; 月底前, 本月底, 下个月底, 月末, 季度末, 年底前.
The English forms want `by`, `before`, `due` or `until` ("prepare the month end report"
is the item's own words); Chinese ones read bare, as 周五 does (上月底 is the item's).

`by EOD`, `by COB`, `by end of day` are today. The end of a week is its Friday, as a
working week ends: `by end of week`, `by EOW`, `by the weekend`, 本周末, 周末前, 截止周末 (a
bare 周末 is the item's: 计划周末). Said on a Saturday or Sunday, this working week is over:
its end is the coming Friday. `by end of next week`, 下周末 are the Friday of next week
(weeks start on Monday, as 下周五 has it), on a weekend the same coming Friday. The reply
shows the date it was read as.

`by 1/25` and `1/25前` are 25 January, `by 25/1` too: a number above 12 tells the day.
A dot is read as a slash (`by 25.12.`, `12.10前`), `by 12.10` being as ambiguous as
`by 12/10`; without `by` or 前 it is the item's own, a version as often (`upgrade to 3.2`).
`by 1/5` is 5 January to some and 1 May to others: both readings are given back to choose
from, never one of them picked. Written the Chinese way (截止1/5, 1/5前), or by someone
whose language is Chinese in any form (`by 1/5` too), it is 1月5日: dates are written month
first in Chinese. (A slash wants `by`, `due`, `before`, `on`, 截止 or 前:
"finish part 2/3" is the item's own.)

A due date that has already passed is a slip, never a due date nor the item's words:
`by yesterday`, `by end of last week` (month, quarter, year), `due last Friday`, 昨天前,
截止上周五, 上个月底前. The English ones want `by`, `due` or `before` (`last Friday`,
`last week` only `by` or `due`: "review deals closed before last week" is the item's);
the Chinese ones 截止 before or 前 after them (a bare 核对上月底 is the item's).
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from bot.goals import fiscal_first_day

_ENGLISH_END = re.compile(
    r"(?:^|\s+)(?:by|before|due|until|till)\s+(?:the\s+)?(?:"
    r"end\s+of\s+(?:the\s+)?(?P<which>this\s+|next\s+)?(?P<unit>day|week|month|quarter|year)"
    r"|(?P<which2>this\s+|next\s+)?(?P<unit2>week|month|quarter|year)[\s-]?end"
    r"|(?P<short>eod|cob|eow|eom|eoq|eoy))[\s.,;!]*$", re.IGNORECASE)
_CHINESE_END = re.compile(
    r"\s*(?:截止|截至|到期)?\s*(?<![上去个])(?P<which>本|这个?|今|下个?|明)?"
    r"(?P<unit>月|季度?|年)(?:底|末)\s*(?:之前|以前|前)?[\s。，；！.,;!]*$")
# 本周末, 周末前, 截止周末, 下周末之前 are due dates; a bare 周末 at the end is the item's
# own ('计划周末'), as 上周末 and 每周末 are.
_CHINESE_WEEK_END = re.compile(
    r"\s*(?P<cut>截止|截至|到期)?\s*(?<![上去每])(?P<which>本|这个?|下个?)?周末"
    r"\s*(?P<before>之前|以前|前)?[\s。，；！.,;!]*$")
_UNITS = {"day": "day", "eod": "day", "cob": "day", "week": "week", "month": "month",
          "quarter": "quarter", "year": "year", "eow": "week", "eom": "month",
          "eoq": "quarter", "eoy": "year",
          "月": "month", "季": "quarter", "季度": "quarter", "年": "year"}
_NEXT = {"next", "下", "下个", "明"}

# (A dot as a slash, 12.10 and 10.12.: never part of a longer number, 1.2.3.)
_SLASH = r"(?:\s*/\s*|\.)"
_NO_MORE = r"(?![\d/]|\.\d)"
_SLASHED = re.compile(
    rf"(?:^|\s+)(?:by|due|before|on)\s+(?P<a>\d{{1,2}}){_SLASH}(?P<b>\d{{1,2}}){_NO_MORE}"
    r"[\s.,;!]*$"
    rf"|\s*(?P<cut>截止|截至|到期)?\s*(?<![\d/.])(?P<c>\d{{1,2}}){_SLASH}(?P<d>\d{{1,2}}){_NO_MORE}"
    r"\s*(?P<before>之前|以前|前)?[\s。，；！.,;!]*$", re.IGNORECASE)


def end_of_period(text: str, today: date, fiscal_year_start: int = 1
                  ) -> tuple[str, date, str] | None:
    """An end of a day, week, month, quarter or year that ends `text`: (how it was written,
    the last day of that period, the text before it); None if the text ends otherwise.
    A quarter and a year are the org's fiscal ones (`by EOQ` in a sales org whose year
    starts in December is, in December, the end of February; `by end of year` the end of
    next November), as its goals, summary and `/kudos top year` count them: a sales year
    is its quota's. With the calendar year (the default) a year ends on 31 December."""
    found = _ENGLISH_END.search(text)
    if found is not None:
        unit = _UNITS[(found.group("unit") or found.group("unit2") or
                       found.group("short")).lower()]
        which = (found.group("which") or found.group("which2") or "").strip().lower()
    elif (found := _CHINESE_END.search(text)) is not None:
        unit, which = _UNITS[found.group("unit")], found.group("which") or ""
    else:
        found = _CHINESE_WEEK_END.search(text)
        if found is None or not (found.group("cut") or found.group("which")
                                 or found.group("before")):
            return None
        unit, which = "week", found.group("which") or ""
    return found.group(0).strip(), _last_day(unit, which in _NEXT, today, fiscal_year_start), \
        text[:found.start()].strip()


def _last_day(unit: str, following: bool, today: date, fiscal_year_start: int = 1) -> date:
    """The last day of this (or the following) day, month, quarter or year; of a week,
    its Friday, the last working day (see the module's docstring)."""
    if unit == "day":  # 'by EOD', 'by COB' (close of business): today
        return today + timedelta(days=following)
    if unit == "week":
        friday = today + timedelta(days=4 - today.weekday())  # this week's (Monday first)
        return friday + timedelta(weeks=1) if following or friday < today else friday
    if unit in {"quarter", "year"}:  # the org's fiscal quarter or year
        months = (3 if unit == "quarter" else 12) * (1 + following)
        return _months_on(fiscal_first_day(unit, today, fiscal_year_start), months) \
            - timedelta(days=1)
    last = today.month + (1 if following else 0)
    year, month = today.year + (last - 1) // 12, (last - 1) % 12 + 1
    return date(year, month, calendar.monthrange(year, month)[1])


def _months_on(first: date, months: int) -> date:
    """The first of the month `months` after `first` (a first of a month)."""
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def slashed_day(text: str, month_first: bool = False
                ) -> tuple[str, list[tuple[int, int]], str] | None:
    """A day and month written with a slash that end `text` (see the module's docstring):
    (how it was written, its readings as (month, day): none when neither number can be
    the month, two when either can, the text before it); None if the text ends otherwise.
    `month_first`: said by someone who writes dates month first (Chinese), `by 1/5` too."""
    found = _SLASHED.search(text)
    if found is None:
        return None
    chinese = found.group("a") is None
    if not chinese:
        a, b = int(found.group("a")), int(found.group("b"))
    elif found.group("cut") or found.group("before"):
        a, b = int(found.group("c")), int(found.group("d"))
    else:
        return None
    readings = sorted(((m, d) for m, d in {(a, b), (b, a)} if 1 <= m <= 12 and d >= 1),
                      key=lambda r: r != (a, b))  # (month first, as 1/25 is, then day first)
    if chinese or month_first:  # dates are written month first in Chinese: 12/8前 is 12月8日
        readings = readings[:1]
    return found.group(0).strip(), readings, text[:found.start()].strip()


_WEEKDAY_NAMES = ("monday|tuesday|wednesday|thursday|friday|saturday|sunday"
                  "|mon|tues|tue|weds|wed|thurs|thur|thu|fri|sat|sun")
_ENGLISH_PASSED = re.compile(
    r"(?:^|\s+)(?:(?:by|due|before)\s+(?:the\s+)?(?:(?P<before>day\s+before\s+)?yesterday"
    r"|end\s+of\s+(?:the\s+)?(?:last|previous|past)\s+(?P<unit>week|month|quarter|year))"
    r"|(?:by|due)\s+(?:last|previous)\s+(?:(?P<unit2>week|month|quarter|year)(?:[\s-]?end)?"
    r"|(?P<wd>" + _WEEKDAY_NAMES + r")\b\.?))[\s.,;!]*$", re.IGNORECASE)
_CHINESE_PASSED = re.compile(
    r"\s*(?P<cut>截止|截至|到期)?\s*(?:(?P<ago>昨天|前天)"
    r"|上\s*个?\s*(?:周|星期|礼拜)\s*(?P<wd>[一二三四五六日天末])"
    r"|上\s*个?\s*(?P<week>周|星期|礼拜)|上\s*个?\s*(?P<unit>月|季度?)\s*(?:底|末)"
    r"|(?P<year>去年)\s*(?:底|末))"
    r"\s*(?P<before>之前|以前|前)?[\s。，；！.,;!]*$")
_CHINESE_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6,
                     "末": 4}  # 上周末 is last week's end: its Friday, as 本周末 is this week's


def passed_due(text: str, today: date, fiscal_year_start: int = 1) -> tuple[str, date] | None:
    """A due date already passed that ends `text` (`by yesterday`, 上个月底前; see the
    module's docstring): how it was written and the day it names, so a refusal can say
    which day it read; None if the text ends otherwise."""
    found = _ENGLISH_PASSED.search(text)
    if found is not None:
        return found.group(0).strip(), _english_passed_day(found, today, fiscal_year_start)
    found = _CHINESE_PASSED.search(text)
    if found is None or not (found.group("cut") or found.group("before")):
        return None
    monday = today - timedelta(days=today.weekday())
    if found.group("ago"):
        day = today - timedelta(days=1 if found.group("ago") == "昨天" else 2)
    elif found.group("wd"):  # 上周五: the Friday of the week before this one (Monday first)
        day = monday - timedelta(weeks=1) + timedelta(days=_CHINESE_WEEKDAYS[found.group("wd")])
    elif found.group("week"):
        day = monday - timedelta(days=3)  # last week's Friday, as its end is read
    else:
        day = _end_before(_UNITS[found.group("unit")] if found.group("unit") else "year", today,
                          fiscal_year_start)
    return found.group(0).strip(), day


def _english_passed_day(found: re.Match[str], today: date, fiscal_year_start: int) -> date:
    """The day an English passed due date names. `last Friday` is the latest Friday before
    today (said on a Friday, a week ago); `last week` and its end are that week's Friday."""
    if found.group("wd"):
        wanted = ("mon", "tue", "wed", "thu", "fri", "sat", "sun").index(
            found.group("wd").lower()[:3])
        return today - timedelta(days=(today.weekday() - wanted - 1) % 7 + 1)
    unit = found.group("unit") or found.group("unit2")
    if unit is None:  # yesterday, the day before yesterday
        return today - timedelta(days=2 if found.group("before") else 1)
    return _end_before(unit.lower(), today, fiscal_year_start)


def _end_before(unit: str, today: date, fiscal_year_start: int = 1) -> date:
    """The last day of the week (its Friday), month, (fiscal) quarter or (fiscal) year
    before today's."""
    if unit == "week":
        return today - timedelta(days=today.weekday() + 3)
    if unit in {"quarter", "year"}:  # the org's fiscal ones, as end_of_period's
        return fiscal_first_day(unit, today, fiscal_year_start) - timedelta(days=1)
    return today.replace(day=1) - timedelta(days=1)

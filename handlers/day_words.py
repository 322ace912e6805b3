"""Days as people say them in English and Chinese, read as YYYY-M-D.

`Dec 20`, `20 December 2026`, `December 20th`; `today`, `tomorrow`, `Friday`,
`next Friday`; 今天, 明天, 后天, 周五, 下周五; and for a stretch of days, `next week`,
`this week`, 下周, 本周 (Monday to Sunday; this week's from today), and two days with
the month said once, `Dec 24-26`, `24–26 Dec` (as /away reads 12月24日到26日).
`handlers.away.as_iso` runs these with the numeric and Chinese calendar forms (in Chinese
numerals too, 十二月十日 and 二〇二六年十二月十日: arabic_month_days), so /away and /1on1 move
read them alike.

A weekday alone is the next such day, today included: said on a Friday, "Friday" is
today; after another day in the same text, the first such day from that one ("from
Monday to Friday" said on a Friday is next week's). "next Friday" and 下周五 are the
Friday of next week (weeks start on Monday), as Chinese has it; English speakers differ
on "next Friday", so the reply always shows the date it was read as. US-style 12/20
stays unread: 12/10 is October to most of the world.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from datetime import date, timedelta

from handlers.answers import chinese_number

_MONTHS = {name: number for number, names in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
     ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
     ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")], start=1) for name in names}
_MONTH = "(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s*(\d{4})(?![\d:]))?"
# "Dec 20", "December 20th, 2026" and "20 Dec", "20th of December 2026".
# (A day is never followed by a colon: in "3 Dec 10:30" the 10 is the hour.)
_MONTH_FIRST_SAID = rf"\b{_MONTH}\s*{_DAY}\b(?![:：]){_YEAR}"
_DAY_FIRST_SAID = rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}(?![a-z]){_YEAR}"
_MONTH_FIRST = re.compile(_MONTH_FIRST_SAID + ",?", re.IGNORECASE)
_DAY_FIRST = re.compile(_DAY_FIRST_SAID + ",?", re.IGNORECASE)
# Two days with the month said once, as 12月21日到31日: "Dec 24-26", "December 24th to
# 26th, 2026", "24–26 Dec", "21 to 31 December 2026". (The year, said once at the end,
# is both days'.)
_BETWEEN = r"\s*(?:-|–|—|~|to|until|till|through)\s*"
# (Not "Dec 3 - 15:30", a day and a time.)
_MONTH_FIRST_RANGE = re.compile(rf"\b{_MONTH}\s*{_DAY}{_BETWEEN}{_DAY}\b(?![:：])"
                                rf"(?!\s*(?:of\s+)?{_MONTH}(?![a-z])){_YEAR}", re.IGNORECASE)
_DAY_FIRST_RANGE = re.compile(rf"(?<![\d-])\b{_DAY}{_BETWEEN}{_DAY}\s+(?:of\s+)?{_MONTH}"
                              rf"(?![a-z]){_YEAR}", re.IGNORECASE)
_MONTH_BEFORE = re.compile(rf"\b{_MONTH}\s*$", re.IGNORECASE)

_WEEKDAYS = {name: number for number, names in enumerate(
    [("mon", "monday"), ("tue", "tues", "tuesday"), ("wed", "weds", "wednesday"),
     ("thu", "thur", "thurs", "thursday"), ("fri", "friday"), ("sat", "saturday"),
     ("sun", "sunday")]) for name in names}
_WEEKDAY = re.compile(r"\b(?:(next|this)\s+)?(" + "|".join(
    sorted(_WEEKDAYS, key=len, reverse=True)) + r")\b", re.IGNORECASE)
# 周五, 星期五, 礼拜天; 下周五 next week's, 这周五 / 本周五 this week's.
_CN_WEEKDAY = re.compile(r"(下个?|这个?|本)?(?:周|星期|礼拜)([一二三四五六日天])")
_CN_DAY_NUMBER = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_WEEK = re.compile(r"\b(next|this)\s+week\b|(下个?|这个?|本)(?:周|星期|礼拜)(?![一二三四五六日天])",
                   re.IGNORECASE)
_RELATIVE = re.compile(r"\b(today|tomorrow)\b|(今天|明天|后天)", re.IGNORECASE)
_AHEAD = {"today": 0, "tomorrow": 1, "今天": 0, "明天": 1, "后天": 2}


# A week by its number, Monday to Sunday: 第50周, 2026年第50周, 第五十周, W50, 2026-W50,
# week 50; and 下下周, the week after next. (Not 50周 without its 第: 2周 is as often "for
# two weeks".)
_NUMBERED_WEEK = re.compile(
    r"(?:(?P<cy>\d{4})\s*年\s*)?第\s*(?P<cn>\d{1,2}|[一二两三四五六七八九十]{1,3})\s*(?:周|星期)"
    r"|(?<![\w-])(?:(?P<y>\d{4})-)?[Ww](?P<w>\d{1,2})(?!\w)|\bweek\s+(?P<n>\d{1,2})\b"
    r"|(?P<after>下下\s*个?\s*(?:周|星期|礼拜)(?![一二三四五六日天])|\b(?:the\s+)?week\s+after\s+next\b)",
    re.IGNORECASE)
def _numbered_week(m: re.Match[str], today: date) -> str:
    if m.group("after"):
        monday = _monday(today) + timedelta(weeks=2)
        return f"{_iso(monday)} {_iso(monday + timedelta(days=6))}"
    year = m.group("cy") or m.group("y")
    cn = m.group("cn")
    if cn:  # (chinese_number: None for no numeral, as 十十; week 0 is no week below)
        number = int(cn) if cn.isdigit() else chinese_number(cn) or 0
    else:
        number = int(m.group("w") or m.group("n"))
    # Without a year, the next such week from the ISO year today is in, not the calendar
    # year: on Friday 1 January 2027 "第53周" is this week, 2026-W53 (2027 has none).
    this_year = today.isocalendar().year
    found: date | None = None
    for candidate in [int(year)] if year else [this_year, this_year + 1]:
        try:
            monday = date.fromisocalendar(candidate, number, 1)
        except ValueError:  # no such week (W54, or W53 of a year without one)
            continue
        if year or monday + timedelta(days=6) >= today:  # without a year: the next such
            found = monday
            break
    if found is None:
        return m.group()
    return f"{_iso(max(found, today))} {_iso(found + timedelta(days=6))}"


# Spaces typed inside a Chinese week word, 下 周五, 星期 五, 下 个 周五: the word as one.
_CN_SPACED = re.compile(r"(下|这|本)\s*(个)?\s*(?=周|星期|礼拜)"
                        r"|(周|星期|礼拜)\s+(?=[一二三四五六日天](?![一二三四五六日天]))")


def _joined(m: re.Match[str]) -> str:
    return "".join(g for g in m.groups() if g)


def _iso(day: date) -> str:
    return f" {day.year}-{day.month}-{day.day} "


def _monday(today: date) -> date:
    return today - timedelta(days=today.weekday())


def said_days(text: str, today: date, year_of: Callable[[int, int, date], int],
              mismatched: list[tuple[date, int]] | None = None) -> str:
    """`text` with every day said in words (see the module's docstring) as YYYY-M-D, a
    week as its first and last day; `year_of` gives a date written without a year its
    year. A day that does not exist (Feb 30) keeps its numbers, for the reply to name.
    `mismatched`, if given, collects each date written with a weekday that is not its
    own, as (the date, the weekday said, Monday 0), and the date is kept without it."""

    def month_first(m: re.Match[str]) -> str:
        return _calendar(_MONTHS[m.group(1).lower()], int(m.group(2)), m.group(3))

    def day_first(m: re.Match[str]) -> str:
        return _calendar(_MONTHS[m.group(2).lower()], int(m.group(1)), m.group(3))

    def _calendar(month: int, day: int, year: str | None) -> str:
        return f" {year or year_of(month, day, today)}-{month}-{day} "

    def month_first_range(m: re.Match[str]) -> str:
        # A last day before the first runs into the next month, and from December into
        # the next year: "Dec 28-3" as 12月28日到3日.
        month, first, last, year = _MONTHS[m.group(1).lower()], int(m.group(2)), \
            int(m.group(3)), m.group(4)
        then, then_year = month, year
        if last < first:
            then = month % 12 + 1
            then_year = str(int(year) + 1) if then == 1 and year else year
        return f"{_calendar(month, first, year)} to {_calendar(then, last, then_year)}"

    def day_first_range(m: re.Match[str]) -> str:
        if _MONTH_BEFORE.search(m.string[:m.start()]):  # "Dec 20 to 22 Dec": two days said whole
            return m.group(0)
        # The month is the last day's: a first day after it is in the month before, and
        # "30-2 Jan 2027" begins on 30 December 2026.
        month, first, last, year = _MONTHS[m.group(3).lower()], int(m.group(1)), \
            int(m.group(2)), m.group(4)
        before, before_year = month, year
        if last < first:
            before = (month - 2) % 12 + 1
            before_year = str(int(year) - 1) if before == 12 and year else year
        return f"{_calendar(before, first, before_year)} to {_calendar(month, last, year)}"

    def week(m: re.Match[str]) -> str:
        this = (m.group(1) or "").lower() == "this" or (m.group(2) or "")[:1] in {"这", "本"}
        monday = _monday(today) + timedelta(weeks=0 if this else 1)
        return f"{_iso(today if this else monday)} {_iso(monday + timedelta(days=6))}"

    def weekday(which: str, number: int, before: str) -> str:
        if which in {"next", "下"}:
            return _iso(_monday(today) + timedelta(weeks=1, days=number))
        if which in {"this", "这", "本"}:
            return _iso(_monday(today) + timedelta(days=number))
        # After a day already said ("from Monday to Friday", 周日到周六), the first such
        # weekday from that day on: the end of a period, never before its start.
        start = max([today, *(_as_date(d) for d in _ISO.findall(before))])
        return _iso(start + timedelta(days=(number - start.weekday()) % 7))

    # (The traditional 週 and 禮拜 as 周 and 礼拜: a date has no name to keep as typed.)
    text = text.replace("週", "周").replace("禮拜", "礼拜").replace("個", "个")
    text = _NUMBERED_WEEK.sub(lambda m: _numbered_week(m, today), text)
    text = _CN_SPACED.sub(_joined, text)
    text = _MONTH_FIRST_RANGE.sub(month_first_range, text)
    text = _DAY_FIRST_RANGE.sub(day_first_range, text)
    text = _MONTH_FIRST.sub(month_first, text)
    text = _DAY_FIRST.sub(day_first, text)
    text = _without_own_weekdays(text, mismatched)
    text = _WEEK.sub(week, text)
    text = _RELATIVE.sub(lambda m: _iso(today + timedelta(
        days=_AHEAD[(m.group(1) or m.group(2)).lower()])), text)
    # Left to right, each weekday after the days to its left are written as dates.
    for pattern, which, number in (
            (_WEEKDAY, lambda m: (m.group(1) or "").lower(),
             lambda m: _WEEKDAYS[m.group(2).lower()]),
            (_CN_WEEKDAY, lambda m: (m.group(1) or "")[:1],
             lambda m: _CN_DAY_NUMBER[m.group(2)])):
        while (m := pattern.search(text)) is not None:
            text = text[:m.start()] + weekday(which(m), number(m), text[:m.start()]) \
                + text[m.end():]
    return text


# A date written with its weekday, before or after it: "Monday, 2026-12-7" (from "Monday,
# Dec 7"), "2026-12-20 (周日)" (from 12月20日（周日）) is that date, not a period from the
# weekday to the date. A weekday that is not the date's is left to be read on its own.
_NAMED_DAY = (r"(?:\b(?P<{0}>" + "|".join(sorted(_WEEKDAYS, key=len, reverse=True))
              + r")\b\.?|(?:周|星期|礼拜)(?P<{0}cn>[一二三四五六日天]))")
_DATE_PARTS = r"(?<![\d-])(?P<{0}y>\d{{4}})-(?P<{0}m>\d{{1,2}})-(?P<{0}d>\d{{1,2}})(?![\d-])"
_WEEKDAY_THEN_DATE = re.compile(_NAMED_DAY.format("w") + r"\s*[,，]?\s*(?=\s*"
                                + _DATE_PARTS.format("a") + ")", re.IGNORECASE)
_DATE_THEN_WEEKDAY = re.compile("(?P<date>" + _DATE_PARTS.format("b") + r")\s*[,，]?\s*"
                                r"[(（]?\s*" + _NAMED_DAY.format("w") + r"\s*[)）]?",
                                re.IGNORECASE)


def _without_own_weekdays(text: str, mismatched: list[tuple[date, int]] | None = None) -> str:
    def number(m: re.Match[str]) -> int:
        return _WEEKDAYS[m.group("w").lower()] if m.group("w") else _CN_DAY_NUMBER[m.group("wcn")]

    def day_of(m: re.Match[str], side: str) -> date | None:
        try:
            return date(int(m.group(side + "y")), int(m.group(side + "m")),
                        int(m.group(side + "d")))
        except ValueError:
            return None

    def before(m: re.Match[str]) -> str:
        day = day_of(m, "a")
        if day is not None and day.weekday() == number(m):
            return " "
        # "Monday, Dec 20" (as calendars write it) names one day, whichever it is; without
        # the comma, "Monday 2026-12-20" may be a period from Monday to that date.
        if day is not None and mismatched is not None and re.search("[,，]", m.group(0)):
            mismatched.append((day, number(m)))
            return " "
        return m.group(0)

    def after(m: re.Match[str]) -> str:
        day = day_of(m, "b")
        if day is not None and (day.weekday() == number(m) or mismatched is not None):
            # 12月20日（周一）, "Dec 20 (Mon)": a weekday right after a date is its own,
            # never a period's end: one that is not the date's is asked back, not read as
            # the Monday after it.
            if day.weekday() != number(m) and mismatched is not None:
                mismatched.append((day, number(m)))
            return f" {m.group('date')} "
        return m.group(0)

    text = _WEEKDAY_THEN_DATE.sub(before, text)
    return _DATE_THEN_WEEKDAY.sub(after, text)


_ISO = re.compile(r"(?<!\d)(\d{4}-\d{1,2}-\d{1,2})(?!\d)")


def nearest_weekday(day: date, weekday: int) -> date:
    """The day of `weekday` (Monday 0) nearest `day`: what 12月20日（周一） more likely
    meant if not the 20th, a Sunday: Monday the 21st, not the 14th."""
    ahead = (weekday - day.weekday()) % 7
    return day + timedelta(days=ahead if ahead <= 3 else ahead - 7)

# A month and day in Chinese numerals, 十二月十日, 一月五号 (the day wants its 日 or 号, or a
# range after it: 十二月二十一到三十一号), maybe after its year, 二〇二六年 or 二零二六年 digit
# by digit (or 2026年; 12月十日 is read too), and the last day of such a range, for the
# readers of 2026年12月10日 (/away's and the due dates') to read as they read digits.
_CN_NUMBER = "[零〇一二两三四五六七八九十]{1,3}"
_CN_YEAR = "[零〇一二三四五六七八九]{4}"
_TO = r"(?:到|至|-|–|—|~)"
_CN_MONTH_DAY = re.compile(rf"(?:(?<![\d零〇一二三四五六七八九])(?P<y>{_CN_YEAR}|\d{{4}})\s*年\s*)?"
                           rf"(?P<m>{_CN_NUMBER}|\d{{1,2}})\s*月\s*(?P<d>{_CN_NUMBER}|\d{{1,2}})"
                           rf"(?=\s*(?:[日号]|{_TO}))")
_CN_LAST_DAY = re.compile(rf"(\d{{1,2}}\s*月\s*\d{{1,2}}\s*[日号]?\s*{_TO}\s*)({_CN_NUMBER})"
                          r"(?=\s*[日号])")
_CN_DIGIT = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"零": "0"}


def arabic_month_days(text: str, last_only: bool = False) -> str:
    """`text` with each month and day written in Chinese numerals (十二月十日, 一月五号, and
    the last day of 十二月二十一号到三十一号), and the year before one (二〇二六年), in
    digits, as 2026年12月10日; one that is no number is kept. `last_only`: only the last
    such date (what an action item's text says before it is its own words, kept as typed)."""

    def digits(word: str) -> str | None:
        if word.isdigit():
            return word
        number = chinese_number(word.lstrip("零〇") or "零")
        return None if number is None else str(number)

    def month_day(m: re.Match[str]) -> str:
        said = [m["y"] or "", m["m"], m["d"]]
        if all(part.isdigit() for part in said if part):
            return m.group(0)  # (2026年12月10日: as typed)
        # A year is said digit by digit (二〇二六), a month and a day as numbers (十二).
        year = "".join(_CN_DIGIT[c] for c in m["y"]) if m["y"] and not m["y"].isdigit() \
            else m["y"]
        month, day = digits(m["m"]), digits(m["d"])
        if month is None or day is None:
            return m.group(0)
        return f"{year}年{month}月{day}" if year else f"{month}月{day}"

    def last_day(m: re.Match[str]) -> str:
        day = digits(m.group(2))
        return m.group(0) if day is None else m.group(1) + day

    if last_only:
        found = list(_CN_MONTH_DAY.finditer(text))
        if not found:
            return text
        start = found[-1].start()
        return text[:start] + _CN_LAST_DAY.sub(last_day, _CN_MONTH_DAY.sub(month_day, text[start:]))
    return _CN_LAST_DAY.sub(last_day, _CN_MONTH_DAY.sub(month_day, text))


def _as_date(written: str) -> date:
    """A YYYY-M-D said before a weekday; one that does not exist (Feb 30) counts as none."""
    try:
        return date(*(int(x) for x in written.split("-")))
    except ValueError:
        return date.min


# A day said in words at the end of a text, maybe after "by" or "due": "send the deck by
# Friday", "call the CFO Dec 10", "给客户打电话 明天", "准备演示 周五前". (Words mid-text
# are the item's own: "the Friday demo", 准备周五的演示.)
_TRAILING = re.compile(
    r"(?:^|\s+)(?:(?:by|due|before|on)\s+)?(" + _MONTH_FIRST_SAID + r"|"
    + _DAY_FIRST_SAID + r"|\b(?:(?:next|this)\s+)?(?:" + "|".join(
        sorted(_WEEKDAYS, key=len, reverse=True)) + r")\b|\btoday\b|\btomorrow\b)"
    r"[\s.,;!]*$"
    # ... or in Chinese, right after the text or a space: 明天, 截止周五, 下周三前, and with
    # spaces typed inside the week word as /away reads them (下 周五, 下 个 星期 五).
    r"|\s*(?:截止|截至|到期)?\s*(?<![每上个])(?P<cn>(?:(?:下|这|本)\s*(?:个\s*)?)?"
    r"(?:周|星期|礼拜)\s*[一二三四五六日天]"
    r"|今天|明天|后天)\s*(?:之前|以前|前)?[\s。，；！.,;!]*$", re.IGNORECASE)

# Short weekdays that are names or words as often ("lunch with Mr. Sun", 孙 in pinyin):
# alone at the end they stay the text's; "by Sun", "next Mon" are days.
_NAMES_TOO = {"sun", "sat", "mon", "wed"}
# A day after these is one the item speaks of, not when it is due: "every Friday", "last
# Monday" (每周一, 上周五: kept out of _TRAILING's Chinese by a look-behind).
# (上 周五 and 每 周五 with a space, which the look-behind does not see; 早上 is no 上.)
_NOT_A_DUE_DAY = re.compile(r"\b(?:every|each|last|past|previous|since|from)\s*$"
                            r"|(?<![\u4e00-\u9fff])(?:每|上\s*个?)\s*$", re.IGNORECASE)


def trailing_day(text: str, today: date, year_of: Callable[[int, int, date], int]
                 ) -> tuple[str, str, str] | None:
    """A day said in words that ends `text` (see _TRAILING): (how it was written, the day
    as YYYY-M-D, the text before it); None if the text ends otherwise."""
    found = _TRAILING.search(text)
    if found is None:
        return None
    written = found.group(0).strip()
    if written.lower().rstrip(".,;! ") in _NAMES_TOO:  # "call Mr. Sun": a name, not a day
        return None
    if _NOT_A_DUE_DAY.search(text[:found.start()]):  # "every Friday", "last Monday"
        return None
    day = said_days(found.group(1) or found.group("cn"), today, year_of).strip()
    if " " in day or not re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", day):
        return None
    return written, day, text[:found.start()].strip()


# The words a misspelling is matched against: a month's or weekday's full name, today,
# tomorrow. (Short forms are too near other words: "Mar" is one edit from "Mrs".)
_SPELLED = [name for name in [*_MONTHS, *_WEEKDAYS] if len(name) > 4] + ["today", "tomorrow"]
_WORD = re.compile(r"[A-Za-z]{4,}")


def respelled(text: str) -> str:
    """`text` with every word that is a close misspelling of a month or weekday name, or of
    today or tomorrow ("Decmber", "Firday", "tmorrow"), written as that name: for a "Did
    you mean" when a text is not read as it stands."""

    def near(m: re.Match[str]) -> str:
        word = m.group(0).lower()
        if word in _MONTHS or word in _WEEKDAYS or word in _SPELLED:
            return m.group(0)
        close = difflib.get_close_matches(word, _SPELLED, n=1, cutoff=0.8)
        return close[0] if close else m.group(0)

    return _WORD.sub(near, text)


def days_in(text: str) -> list[date] | None:
    """The dates written YYYY-M-D in `text`; None if one of them does not exist."""
    days = [_as_date(written) for written in _ISO.findall(text)]
    return None if date.min in days else days

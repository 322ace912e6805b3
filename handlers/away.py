"""/away and /back: periods in which someone does not check in.

A period runs from a first to a last day (inclusive) in the person's own timezone.
`/away 2026-12-10` starts one now; `/away 2026-12-20 2026-12-31` plans one;
`/back` ends the current one as of now and `/away cancel` drops planned ones (one
at a time when there are several: `/away cancel 2026-12-20`, or `/away cancel all`).
Nothing here reaches back in time: a period starts no earlier than when it was
said, and ending one keeps the weeks it already covered (see storage/away.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.schedule import checkin_moment
from bot.weeks import current_week, week_of, week_start
from handlers.answers import chinese_number, normalise
from handlers.context import Context
from handlers.day_words import (
    arabic_month_days,
    days_in,
    nearest_weekday,
    respelled,
    said_days,
)
from storage.away import AwayPeriod
from storage.models import Person

MAX_AWAY = timedelta(days=366)
# "2026-12-20 2026-12-31", also with "to", "-", "–", "..", "~", "至/到" or a comma
# (a Chinese keyboard's "，" after NFKC, or "、") between them.
# (A leading "from", and "until" before a lone day, as said: "from Dec 20 to Jan 3".)
_RANGE = re.compile(r"^(?:from\s+|从\s*)?(\d{4}-\d{1,2}-\d{1,2})"
                    r"(?:\s*(?:to|until|till|–|—|-|\.\.|~|至|到|,|、)\s*|\s+)"
                    r"(\d{4}-\d{1,2}-\d{1,2})$", re.IGNORECASE)
_ONE = re.compile(r"^(?:(?:until|till|through|to)\s+|[到至]\s*)?(\d{4}-\d{1,2}-\d{1,2})$",
                  re.IGNORECASE)
# Dates as people write them, read as YYYY-MM-DD: 2026/12/05 and 2026.12.05, and in
# Chinese 2026年12月5日 or 12月5日 (5号), without the year the next such day.
_SLASHED = re.compile(r"(?<!\d)(\d{4})[/.](\d{1,2})[/.](\d{1,2})(?!\d)")
# "12月21日到31日": the month said once, the last day's month is the first's (or the next
# month's, "12月28日到3日"); rewritten with its month before the dates are read.
_SAME_MONTH = re.compile(r"((?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?\s*"
                         r"(?:到|至|-|–|—|~)\s*)(\d{1,2})\s*[日号](?!\S)")
_CHINESE = re.compile(r"(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?")
CANCEL_WORDS = {"cancel", "clear", "取消"}
#: What may end what was typed as a sentence ends ("/away Dec 20.", 12月20日。).
SENTENCE_END = " .。!！"
ALL_WORDS = {"all", "全部", "所有"}
# A time of day as Chinese says it: 下午3点, 上午10点半, 晚上七点一刻, 15点30分, 9点05.
_CN_TIME = re.compile(r"(上午|早上|早晨|凌晨|中午|下午|傍晚|晚上)?\s*"
                      r"(\d{1,2}|[零〇一二两三四五六七八九十]{1,3})\s*[点點时時]"
                      r"(?:\s*(半|一刻|三刻|\d{1,2}|[零〇一二三四五六七八九十]{1,3})\s*分?)?")
# ... and a part of the day before a clock's time, as phones write it: 下午3:30, 晚上 8:15.
_CN_PERIOD_CLOCK = re.compile(r"(上午|早上|早晨|凌晨|中午|下午|傍晚|晚上)\s*"
                              r"(\d{1,2}):(\d{2})(?!\d)")
# ... and in English: 3pm, 3:30 pm, 10 a.m.
_AM_PM = re.compile(r"(?<![\d:])(\d{1,2})(?::(\d{2}))?\s*([ap])\.?m\.?(?![a-z])", re.IGNORECASE)
# A length of time instead of a day: "3天", "三天", "for 3 days", "2 weeks", 两周, 一个星期.
# Asked back as its last day from today (today the first), never set: whether today
# counts is the sender's to say. Longer than _MOST_DAYS it is more likely a week's number
# (50周), and stays the usage.
_LENGTH = re.compile(r"^(?:for\s+)?(\d{1,3}|[一二两三四五六七八九十]{1,3})\s*(?:个\s*)?"
                     r"(days?|天|weeks?|周|星期|礼拜)$", re.IGNORECASE)
_MOST_DAYS = 60
_MORNING = {"上午", "早上", "早晨"}
_EVENING = {"下午", "傍晚", "晚上"}


def is_away(ctx: Context, person: Person) -> bool:
    """Whether an away period covers this moment for the person."""
    return ctx.away.is_away(person.id, person.timezone, ctx.clock.now())


def cmd_away(ctx: Context, args: str) -> None:
    """/away [YYYY-MM-DD | FROM UNTIL | cancel [DAY | all]]: be away from today, plan a
    period, drop planned ones, or list."""
    person = _sender(ctx)
    text = normalise(args)
    today = _today(ctx, person)
    if not text:
        _show(ctx, person, today)
        return
    first, _, rest = text.partition(" ")
    if first.lower() in CANCEL_WORDS:
        _cancel_planned(ctx, person, rest.strip(), today)
        return
    passed: list[date] = []
    mismatched: list[tuple[date, int]] = []
    text = as_iso(text, today, noting_passed(passed), mismatched).rstrip(SENTENCE_END)
    match = _RANGE.match(text)
    if match:
        raw_start, raw_end = match.group(1), match.group(2)
    elif one := _ONE.match(text):
        raw_start, raw_end = "", one.group(1)
    else:
        _did_you_mean(ctx, normalise(args).rstrip(SENTENCE_END), today)
        return
    start = _parse(ctx, raw_start, today) if raw_start else today
    end = _parse(ctx, raw_end, today)
    if start is None or end is None:
        return
    if mismatched:
        _ask_which_day(ctx, mismatched[0], start if raw_start else None, end)
        return
    if next_year := next((d for d in (start, end) if d in passed), None):
        ctx.reply("away_passed_this_year", passed=next_year.replace(year=next_year.year - 1),
                  next_year=next_year, today=today, ranged=bool(raw_start))
        return
    for day in (start, end):
        if day < today:
            ctx.reply("away_in_past", value=day, today=today)
            return
    if end < start:
        ctx.reply("away_ends_before_start", start=start, end=end)
        return
    if end - today > MAX_AWAY:
        ctx.reply("away_too_far", value=end)
        return
    now = ctx.clock.now()
    current = ctx.away.current(person.id, person.timezone, now) if start == today else None
    clash = next((p for p in ctx.away.open_periods(person.id, person.timezone, now)
                  if p is not current and p.starts_on <= end and start <= p.ends_on), None)
    if clash is not None:
        ctx.reply("away_overlaps", start=_first_day(ctx, person, clash), end=clash.ends_on)
        return
    if current is not None:
        # Already away: only the last day moves. It stays on or after today, so every
        # moment the period already covered stays covered.
        current.ends_on = end
        _withdraw_queued(ctx, person)  # (a week sent ahead that it now covers)
        ctx.reply("away_changed", start=_first_day(ctx, person, current), end=end,
                  begun=_this_week_begun(ctx, person) if person.checks_in else None)
        return
    ctx.away.add(person.id, start, end, now)
    _withdraw_queued(ctx, person)
    begun = _this_week_begun(ctx, person) if person.checks_in else None
    if start == today:
        ctx.reply("away_set", until=end, checks_in=person.checks_in, begun=begun)
    else:
        ctx.reply("away_planned", start=start, end=end, checks_in=person.checks_in,
                  begun=begun)


def cmd_back(ctx: Context, args: str) -> None:
    """/back: end the current away period now; the weeks it covered stay away."""
    person = _sender(ctx)
    now = ctx.clock.now()
    current = ctx.away.current(person.id, person.timezone, now)
    weeks: list[str] = []
    if current is not None:
        weeks = _weeks_covered(ctx, person, current, now)
        ctx.away.end(current, now)
    planned = ctx.away.planned(person.id, person.timezone, now)
    # What waited for them while away (a 360° survey, last month's review) comes now, not
    # at the next sweep or working day's 09:00: after the reply, which says it follows,
    # so that the first question is the last message. (Each once: its dedupe key.)
    # (Imported here: both import handlers.checkin, which imports this module.)
    from handlers import monthly_review, review

    surveys = review.held_invites(ctx, person)
    monthly = monthly_review.held_run(ctx, person)
    ctx.reply("away_cleared", was_away=current is not None, checks_in=person.checks_in,
              weeks=weeks, planned=[{"start": p.starts_on, "end": p.ends_on} for p in planned],
              # A survey finished with /review while away gets a note that it is in, not
              # a question: not one that "follows".
              surveys=sum(not invite.done for invite, _, _ in surveys),
              monthly=monthly.tag if monthly else None)
    review.send_invites(ctx, surveys)
    if monthly is not None:
        monthly_review.send_director_review(ctx, monthly, person.id)


def _this_week_begun(ctx: Context, person: Person) -> dict[str, Any] | None:
    """This week's check-in, if the time away just set covers its check-in moment and it
    was begun or finished before: it is not away (its answers count, as the summaries
    read it: handlers.summary._is_away), and the reply says so, with how far it got.
    None otherwise (a week not begun that the period covers reads away, as it says)."""
    from handlers.checkin import applicable, round_questions  # (it imports this module)
    from handlers.summary import away_weeks

    week = current_week(ctx.clock.now(), person.timezone)
    rnd = ctx.checkins.round_for(person, week)
    if rnd is None or not (rnd.answers or rnd.status == "submitted"):
        return None
    ctx.session.flush()  # (the period just set, for away_weeks)
    if (person.id, week) not in away_weeks(ctx, [person], [week]):
        return None
    live = {q.key for q in applicable(rnd, round_questions(ctx, rnd))}
    answered = sum(1 for a in rnd.answers if a.question_key in live and not a.skipped)
    return {"week": week, "done": rnd.status == "submitted", "answered": answered,
            "total": len(live)}


def _withdraw_queued(ctx: Context, person: Person) -> None:
    # A check-in reminder (or a prompt sent ahead of a week now away) queued before, the
    # platform down or rate limiting since, must not reach them away; nor, once away
    # from now, a poll's or 360° survey's reminder (each reminds them again once back), nor
    # their own 1:1 reminders of meetings before they are back, nor the next question of
    # the check-in, poll, survey or monthly questions they were answering (its command
    # asks it once they are back), nor the monthly review's first question, nor a 360°
    # survey's invitation not begun (sent once they are back, as to someone away when the
    # review began).
    from handlers import (  # (they import this module)
        checkin,
        monthly_review,
        oneonone,
        pulse,
        review,
        review_progress,
    )

    checkin.withdraw_for_away(ctx, person)  # (it flushes the period just added)
    if is_away(ctx, person):
        pulse.withdraw_for_away(ctx, person)
        review_progress.withdraw_reminders_to(ctx, person)
        review.withdraw_questions(ctx, person)
        review.withdraw_invites(ctx, person)
        monthly_review.withdraw_for_away(ctx, person)
        oneonone.withdraw_for_away(ctx, person)


def _weeks_covered(ctx: Context, person: Person, period: AwayPeriod, now: datetime
                   ) -> list[str]:
    """The weeks from the period's first day whose check-in moment has passed and that
    show as away. (Back the same day, or between two check-ins, there are none to speak
    of.) Asked of the summary's own away_weeks, so the two agree."""
    from handlers.summary import away_weeks  # (the summaries import the check-in, this)

    today = now.astimezone(_tz(person)).date()
    week, weeks = week_of(_first_day(ctx, person, period)), []
    while week_start(week) <= today:
        if checkin_moment(ctx.settings.checkin_schedule, person.timezone, week) <= now:
            weeks.append(week)
        week = week_of(week_start(week) + timedelta(weeks=1))
    away = away_weeks(ctx, [person], weeks)
    return [w for w in weeks if (person.id, w) in away]


def _show(ctx: Context, person: Person, today: date) -> None:
    now = ctx.clock.now()
    current = ctx.away.current(person.id, person.timezone, now)
    planned = ctx.away.planned(person.id, person.timezone, now)
    # The example of planning ahead: a week from today, five days (not today to today).
    ctx.reply("away_status", today=today, ahead=(today + timedelta(days=7),
                                                 today + timedelta(days=11)),
              current={"start": _first_day(ctx, person, current), "end": current.ends_on}
              if current else None,
              planned=[{"start": p.starts_on, "end": p.ends_on} for p in planned])


def _did_you_mean(ctx: Context, typed: str, today: date, *, cancel: bool = False) -> None:
    """What was not read, asked back as the day or days it most likely names: a month or
    weekday misspelled ("Decmber 20"), or a day with words around it ("Dec 20th-ish",
    12月20日左右). Nothing is set (or, with `cancel`, dropped; it names one day): a guess
    is asked, never acted on. Else the usage."""
    # Read as the correctly spelt words would be: "Decmber 31" on 2 January is the December
    # just gone, passed, and asked for with its year as "Dec 31" is, not offered as the
    # December a year ahead.
    passed: list[date] = []
    if not cancel and (last := _last_day_of_length(typed, today)) is not None:
        ctx.reply("away_did_you_mean", typed=typed, days=[last], cancel=False, today=today,
                  passed=[], shown=[last], next_year=None)
        return
    days = days_in(as_iso(respelled(typed), today, noting_passed(passed)))
    if days and len(days) <= (1 if cancel else 2):
        gone = {d: d.replace(year=d.year - 1) for d in days if d in passed}
        ctx.reply("away_did_you_mean", typed=typed, days=days, cancel=cancel, today=today,
                  passed=list(gone.values()), shown=[gone.get(d, d) for d in days],
                  next_year=next(iter(gone), None))
        return
    # (The example plans a week from today: "until today" would be no example.)
    ctx.reply("usage", command="away", today=today + timedelta(days=7))


def _ask_which_day(ctx: Context, mismatched: tuple[date, int], start: date | None,
                   end: date) -> None:
    """12月20日（周一） when the 20th is a Sunday: both days are offered, as the command
    to send for each, and nothing is set (read as the date, or as the weekday's day, it
    set a period the person never asked for)."""
    day, weekday = mismatched
    other = nearest_weekday(day, weekday)

    def command(swap: date) -> str:
        days = [d for d in (start, end) if d is not None]
        return " ".join(str(swap if d == day else d) for d in days)

    ctx.reply("away_wrong_weekday", day=day, other=other, as_written=command(day),
              as_said=command(other))


def _last_day_of_length(typed: str, today: date) -> date | None:
    """The last day of a length said from today ("3天": today and the two days after), or
    None if `typed` is no length (see _LENGTH)."""
    m = _LENGTH.match(typed.strip())
    if m is None:
        return None
    count = int(m.group(1)) if m.group(1).isdigit() else chinese_number(m.group(1))
    days = (count or 0) * (1 if m.group(2).lower() in {"day", "days", "天"} else 7)
    return today + timedelta(days=days - 1) if 0 < days <= _MOST_DAYS else None


def _cancel_planned(ctx: Context, person: Person, which: str, today: date) -> None:
    """/away cancel [DAY | all]: drop the one planned period, the one covering DAY, or
    all. With several planned and none named, nothing is dropped: "/away cancel" meant
    for the one trip called off took every other one with it."""
    now = ctx.clock.now()
    planned = ctx.away.planned(person.id, person.timezone, now)
    periods = [{"start": p.starts_on, "end": p.ends_on} for p in planned]
    if which.lower() in ALL_WORDS:
        pass
    elif which:
        which = which.rstrip(SENTENCE_END)
        iso = as_iso(which, today)
        if (both := _RANGE.match(iso)) is not None:
            # The trip named by its days, "/away cancel Dec 14-18" (as /away lists it): the
            # one it overlaps; several, none is dropped and each is named.
            first, last = _parse(ctx, both.group(1), today), _parse(ctx, both.group(2), today)
            if first is None or last is None:
                return
            planned = [p for p in planned if p.starts_on <= last and first <= p.ends_on]
            if not planned:
                ctx.reply("away_cancel_none_on", day=first, planned=periods)
                return
            if len(planned) > 1:
                ctx.reply("away_cancel_which",
                          planned=[{"start": p.starts_on, "end": p.ends_on} for p in planned])
                return
            which = both.group(1)
        one = _ONE.match(as_iso(which, today))
        if not one:
            _did_you_mean(ctx, which, today, cancel=True)
            return
        day = _parse(ctx, one.group(1), today)
        if day is None:
            return
        planned = [p for p in planned if p.starts_on <= day <= p.ends_on]
        if not planned:
            ctx.reply("away_cancel_none_on", day=day, planned=periods)
            return
    elif len(planned) > 1:
        ctx.reply("away_cancel_which", planned=periods)
        return
    for period in planned:
        ctx.away.end(period, now)  # ended before it began: it covers nothing
    ctx.reply("away_cancelled",
              periods=[{"start": p.starts_on, "end": p.ends_on} for p in planned])


def _first_day(ctx: Context, person: Person, period: AwayPeriod) -> date:
    # A period started "from today" counts from when it was said, which is still that day.
    return max(period.starts_on, period.created_at.astimezone(_tz(person)).date())


def year_of(month: int, day: int, today: date) -> int:
    """The year of a day written without one: this year's, or next year's once this
    year's has passed (in December, 1月3日 is January's)."""
    return today.year + ((month, day) < (today.month, today.day))


#: A day written without a year whose next one is further ahead than this passed only weeks
#: ago: "Nov 30" said on December 1 is a slip or the past, seldom next November; so is
#: "Dec 31" said on 2 January, seldom the last day of the year just begun.
RECENTLY_PASSED = timedelta(days=300)


def noting_passed(passed: list[date]) -> Callable[[int, int, date], int]:
    """year_of, noting in `passed` each day it reads more than RECENTLY_PASSED ahead (the
    one a year before having passed just before, this year or, in early January, last
    year): /away, /1on1 move and action items' due dates ask for the year of such a day
    instead of reading it as the next one."""

    def noting(month: int, day: int, today: date) -> int:
        year = year_of(month, day, today)
        try:
            date(year - 1, month, day)  # (Feb 29 in a year without one has not passed)
            if date(year, month, day) - today > RECENTLY_PASSED:
                passed.append(date(year, month, day))
        except ValueError:  # Feb 30: named as no date later
            pass
        return year

    return noting


def as_clock(text: str) -> str:
    """`text` with every time of day written in Chinese or with am/pm (see _CN_TIME,
    _CN_PERIOD_CLOCK, _AM_PM) as H:MM, 24-hour; one that is no time (晚上12点, the next
    day's midnight, or 13pm) is left as typed."""

    def number(word: str) -> int | None:
        return int(word) if word.isdigit() else chinese_number(word.lstrip("零〇") or "零")

    def chinese(m: re.Match[str]) -> str:
        period, hour, said = m.group(1), number(m.group(2)), m.group(3) or "0"
        minutes = {"半": 30, "一刻": 15, "三刻": 45}.get(said) or number(said)
        if hour is None or minutes is None or minutes > 59:
            return m.group(0)
        if period in _EVENING or period == "中午":
            # 下午3点 is 15:00, 中午12点 and 下午12点 noon, 中午11点 11:00; 晚上12点 is
            # midnight, the next day's: not read (the person is asked for a time).
            if hour < 12 and not (period == "中午" and hour == 11):
                hour += 12
            elif hour == 12 and period not in {"中午", "下午"}:
                return m.group(0)
        elif period is not None:  # the morning's: 上午10点, 凌晨12点 (midnight)
            if hour > 12:
                return m.group(0)
            hour = 0 if hour == 12 and period == "凌晨" else hour
        return f" {hour}:{minutes:02d} " if hour <= 23 else m.group(0)

    def am_pm(m: re.Match[str]) -> str:
        hour, minutes = int(m.group(1)), int(m.group(2) or 0)
        if not 1 <= hour <= 12 or minutes > 59:
            return m.group(0)
        hour = hour % 12 + (12 if m.group(3).lower() == "p" else 0)
        return f" {hour}:{minutes:02d} "

    text = _CN_PERIOD_CLOCK.sub(chinese, text)
    return " ".join(_AM_PM.sub(am_pm, _CN_TIME.sub(chinese, text)).split())


def as_iso(text: str, today: date,
           year_for: Callable[[int, int, date], int] = year_of,
           mismatched: list[tuple[date, int]] | None = None) -> str:
    """`text` with every date written another way (see _SLASHED, _CHINESE, and the words
    of handlers.day_words) as YYYY-M-D; `year_for` gives a date written without a year
    its year; `mismatched` collects the dates written with another day's weekday (see
    handlers.day_words.said_days)."""
    text = _SLASHED.sub(lambda m: "-".join(m.groups()), arabic_month_days(text))

    def same_month(m: re.Match[str]) -> str:
        year, month, first, last = m.group(2), int(m.group(3)), int(m.group(4)), int(m.group(5))
        if last < first:  # into the next month (and from December into the next year)
            month = month % 12 + 1
            if month == 1 and year:
                year = str(int(year) + 1)
        return f"{m.group(1)}{year + '年' if year else ''}{month}月{last}日"

    text = _SAME_MONTH.sub(same_month, text)

    def chinese(m: re.Match[str]) -> str:
        year, month, day = m.group(1), int(m.group(2)), int(m.group(3))
        if year is None:
            year = str(year_for(month, day, today))
        return f" {year}-{month}-{day} "

    return " ".join(said_days(_CHINESE.sub(chinese, text), today, year_for,
                              mismatched).split())


def _parse(ctx: Context, raw: str, today: date) -> date | None:
    try:
        year, month, day = (int(x) for x in raw.split("-"))
        return date(year, month, day)
    except ValueError:
        # (the example a week ahead: a fixed date would read as passed one day)
        ctx.reply("away_bad_date", value=raw, soon=today + timedelta(days=7))
        return None


def _today(ctx: Context, person: Person) -> date:
    return ctx.clock.now().astimezone(_tz(person)).date()


def _tz(person: Person) -> ZoneInfo:
    return ZoneInfo(person.timezone)


def _sender(ctx: Context) -> Person:
    if ctx.person is None:
        raise RuntimeError("handler needs a known sender")
    return ctx.person

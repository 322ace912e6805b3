"""The GM's summary: who checked in, KPI attainment, blockers, support requests, highlights.

One builder serves `/summary` in chat and `teampulse summary` in the shell, so both
always show the same numbers.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
import weakref
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime, time, timedelta
from hashlib import blake2b
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, or_, select

from bot.clock import as_utc
from bot.numbers import ratio_kept
from bot.org import team_spellings
from bot.questions import Question, kpi_question
from bot.readers import VIEWERS, team_readers
from bot.render import Renderer
from bot.schedule import checkin_moment
from bot.suggest import closest
from bot.team_names import spellings_of, team_key, team_order
from bot.text import quoted
from bot.weeks import (
    current_week,
    parse_week,
    previous_week,
    week_end,
    week_of,
    week_start,
    weeks_back,
    weeks_in_year,
)
from handlers.answers import chinese_number, english_number, is_percent, team_word
from handlers.blocker_words import tokens
from handlers.checkin import (
    applicable_given,
    display_answer,
    kpi_label,
    question_text,
    round_questions,
)
from handlers.context import Context, one_moment
from handlers.joined import booked_weeks, joined_after, joined_on
from handlers.oneonone import DirectorOneOnOnes, oneonone_overview, render_overview
from handlers.people_named import (
    mentions_as_keys,
    people_named,
    person_guesses,
    reply_namesakes,
)
from handlers.period_words import month_named, quarter_named, read_period
from handlers.pulse import EITHER, hidden_why, polls_between, team_morale
from handlers.teams_then import (
    directors_then,
    find_team,
    last_week_of,
    roles_changed,
    roles_then,
    teams_then,
    teams_today,
)
from storage.db import no_jit
from storage.digest import DigestRepo
from storage.goals import CrmActual
from storage.kudos import kudos_by_team
from storage.models import CheckinRound, Person, left_on
from storage.summary_rows import RoundRow, SummaryRows, round_zones
from storage.team_scope import TeamScope
from storage.undelivered import why_not_reached_in

MAX_WEEKS = 12
FIRST_YEAR = 2000  # no sales team ran check-ins through this bot before; older is a typo

# What a person-week can be (see the README's summary section):
#   submitted    finished the round with at least one real answer ("checked in")
#   skipped      finished the round but skipped every question: not checked in
#   in_progress  started (answered or skipped something), not finished
#   missed       prompted, nothing answered
#   unreachable  a round was made for them but no platform could deliver it
#   not_sent     no check-in was sent to them that week (before the bot, a future week, or
#                after they left): neither expected nor missed. A week that ended before
#                they were added to the org file (handlers/joined.py) does not list them.
#   joined_later a person's own history only: a week that ended before they were added
#                to the org file, with no round and no CRM figure of theirs (`joined`: the
#                day they were added); not theirs at all
#   away         away that week: not expected, named as away
EXPECTED = frozenset({"submitted", "skipped", "in_progress", "missed", "unreachable"})


@dataclass
class KpiLine:
    """One KPI of one person (or a team total) in one week."""

    metric: str
    label: str
    unit: str
    target: float
    actual: float | None
    attainment: float | None
    reported: int = 1
    expected: int = 1
    not_reported: list[str] = field(default_factory=list)
    # The unit as the reader reads it (the org file's `unit` per locale); `unit` itself is
    # the canonical one, which adds up like with like and goes into exports.
    unit_text: str = ""
    # The CRM's figure for the week, which `actual` then is (as in the GM's view).
    crm: float | None = None
    # A typed figure changed after its week ended (/edit): `was`, what it was when the week
    # ended (None: no figure then), as the GM's view says it. Not a figure the CRM gives.
    edited: bool = False
    was: float | None = None
    # A team's total: one of the figures it adds up is so changed (its person's line says
    # what it was; the total says it holds one). Chat and Markdown only.
    holds_edited: bool = False
    # A rate the CRM gives of a metric that is no KPI of the person's that week (its round
    # did not ask it; with no round, the org file does not ask it of them): shown as theirs,
    # never in a team's mean, which is the mean of those the KPI is asked of.
    apart: bool = False


@dataclass
class PersonWeek:
    """One person's check-in for one week, as the GM reads it."""

    key: str
    name: str
    team: str | None
    status: str  # one of EXPECTED, or not_sent | away | joined_later
    answered: int
    total: int
    late: bool
    skipped: int = 0
    #: When the submitted week's answers were last changed after it ended (in the week's
    #: timezone, as `late`): its figures are not those read then. None: never, or before 0021.
    edited_at: datetime | None = None
    kpis: list[KpiLine] = field(default_factory=list)
    wins: str | None = None
    blockers: str | None = None
    support_type: str | None = None
    support_detail: str | None = None
    plan: str | None = None
    confidence: int | None = None
    other: list[dict[str, str]] = field(default_factory=list)
    away_until: date | None = None
    slack_id: str | None = None
    telegram_id: int | None = None
    #: A `not_sent` current week whose check-in is still to come where they are: when it
    #: goes out, in the reader's timezone (see goes_out; chat only, not exported).
    due: datetime | None = None
    #: `joined_later`: the day they were added to the org file (where they live).
    joined: date | None = None
    #: Taken out of the org file since (listed for the weeks they had a round): a check-in
    #: left unfinished is not "in progress", as it will not be finished.
    left: bool = False
    #: A person's history (`left`): the day, in the reader's timezone, the org sync took
    #: them out of the file; None when not known (taken out before 0024_leftat). Chat and
    #: Markdown name it in the header; JSON as the view's `left_on`.
    left_on: date | None = None
    #: `unreachable`: why the week's prompt never reached them (storage.undelivered's
    #: UNREACHED_WHY), the summary saying what to do; JSON's and CSV's `not_reached_why`.
    unreached_why: str | None = None
    #: Not asked that week (away, not sent) though the org file asks them for KPIs today:
    #: a view of weeks nobody with KPIs was asked in says so, not "No KPIs are set" (chat
    #: and Markdown only, not exported).
    kpis_unasked: bool = False

    @property
    def asks_support(self) -> bool:
        """Whether their check-in asked for support: a submitted one only, as /support and
        the GM's view count a request (an answer in progress may still change)."""
        return self.status == "submitted" and self.support_type not in (None, "", "none")

    @property
    def reports_blocker(self) -> bool:
        """Whether their blockers answer names one: 'none', '无', 'No blockers this week'
        do not (handlers.blocker_words.tokens, as the GM's view reads them)."""
        return bool(self.blockers) and bool(tokens(self.blockers))


@dataclass
class TeamRecognition:
    """One team's kudos in a week: given by its people, received by its people.

    `directors` are the team's directors (display names), so the GM reads each
    director's team's recognition activity; a team is its people's team today.
    """

    team: str | None
    directors: list[str]
    given: int
    received: int
    givers: int
    recipients: int


@dataclass
class TeamMorale:
    """A team's average morale from the anonymous pulse polls of the summary's period.

    `morale` is None when it may not be shown (the pulse polls' anonymity threshold,
    subtraction included); `why` then says why (handlers/pulse.py `hidden_why`: "few",
    "subtraction" or "either"), for the text and the JSON (`hidden_why`).
    """

    team: str
    directors: list[str]
    morale: float | None
    why: str | None = None


#: How far before its first week a summary looks for pulse polls: they run every few weeks,
#: so a one-week summary still shows the latest morale reading.
MORALE_LOOKBACK = timedelta(weeks=3)


@dataclass(frozen=True, slots=True)
class BeforeBot:
    """A week shown, with nothing sent, that ended before the bot first ran: a fresh
    install's first /summary shows last week, which alone read "No check-in was sent",
    with nothing said of why, nor of when the first check-in comes (see before_bot)."""

    first: date  # the day the bot first ran, in the reader's time
    first_out: datetime | None  # this week's first check-in, in the reader's time


@dataclass
class WeekSummary:
    """Everything about one week for one scope (everyone, a team, or a person)."""

    week: str
    start: date
    end: date
    scope: str
    people: list[PersonWeek]
    team_kpis: list[KpiLine]
    kudos: list[TeamRecognition] = field(default_factory=list)
    # The summary's latest week also carries the GM's other signals: morale from the
    # pulse polls up to that week, and the one-on-ones (see reads_as_now).
    morale: list[TeamMorale] = field(default_factory=list)
    morale_since: date | None = None
    oneonones: list[DirectorOneOnOnes] = field(default_factory=list)
    reader_tz: str = "UTC"
    #: Nothing sent because the bot was not running yet (see before_bot; chat only).
    before_bot: BeforeBot | None = None
    #: A team's view, its latest week: what the org file says of the team today, so that
    #: past weeks of a team emptied since are not read as its present: "gone" (no longer
    #: in the org file), "nobody" (nobody in it checks in, no director), "" (see team_now;
    #: the CLI's JSON gives it as `team_now`, "" as "in_org").
    team_now: str = ""

    @property
    def expected(self) -> list[PersonWeek]:
        """People asked to check in this week (not away, and a check-in was sent)."""
        return [p for p in self.people if p.status in EXPECTED]

    @property
    def submitted(self) -> list[PersonWeek]:
        """People who submitted."""
        return [p for p in self.people if p.status == "submitted"]

    @property
    def not_checked_in(self) -> list[PersonWeek]:
        """People asked this week who have not checked in (in progress or missing)."""
        return [p for p in self.people if p.status in EXPECTED and p.status != "submitted"]

    @property
    def in_progress(self) -> list[PersonWeek]:
        """People who started this week's check-in and have not finished it (those since
        taken out of the org file apart: `left`)."""
        return [p for p in self.people if p.status == "in_progress" and not p.left]

    @property
    def left(self) -> list[PersonWeek]:
        """People asked this week who did not check in (started or not) and have since
        been taken out of the org file: nobody chases them (submitted + in progress +
        missing + not reached + left = expected)."""
        return [p for p in self.people
                if p.left and p.status in EXPECTED and p.status != "submitted"]

    @property
    def missing(self) -> list[PersonWeek]:
        """People asked this week who have not checked in, are not in progress and were
        reached: named apart, as the GM's headline does (submitted + in progress + missing
        + not reached + left = expected); those since taken out of the org file are
        `left`."""
        return [p for p in self.people if p.status in EXPECTED and not p.left
                and p.status not in {"submitted", "in_progress", "unreachable"}]

    @property
    def not_reached(self) -> list[PersonWeek]:
        """People asked this week whose prompt never reached them (no platform could
        deliver it, or it refused it for good): not `missing`, which would blame them for
        what the GM or the operator has to mend; those since taken out of the org file
        are `left`."""
        return [p for p in self.people if p.status == "unreachable" and not p.left]

    @property
    def not_sent(self) -> list[PersonWeek]:
        """People to whom no check-in was sent this week, but those whose check-in is still
        to come where they are (`due`, named apart as the GM's headline does)."""
        return [p for p in self.people if p.status == "not_sent" and p.due is None]

    @property
    def due(self) -> list[PersonWeek]:
        """People whose check-in of the current week is still to come where they are (set
        by person_still_to_come; chat only)."""
        return [p for p in self.people if p.due is not None]

    @property
    def nothing_sent(self) -> bool:
        """Nobody in scope was asked this week (before the bot, or a future week)."""
        return all(p.status == "not_sent" for p in self.people)

    @property
    def away(self) -> list[PersonWeek]:
        """People away this week."""
        return [p for p in self.people if p.status == "away"]

    @property
    def blockers(self) -> list[PersonWeek]:
        """People who reported a blocker: not 'none' or '无' (the GM's view reads those as
        no blocker, and the team's had listed them under Blockers)."""
        return [p for p in self.people if p.reports_blocker]

    @property
    def support(self) -> list[PersonWeek]:
        """People who asked for support (in a submitted check-in: see PersonWeek.asks_support)."""
        return [p for p in self.people if p.asks_support]

    def named(self, keys: Sequence[str]) -> list[PersonWeek]:
        """The people with these keys, in the summary's order (one pass, not one per key)."""
        wanted = set(keys)
        return [p for p in self.people if p.key in wanted]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        # Field by field rather than dataclasses.asdict, whose deep copies cost more than
        # building the summary itself; the keys and their order are the same.
        data: dict[str, Any] = {"week": self.week, "start": self.start.isoformat(),
                                "end": self.end.isoformat(), "scope": self.scope,
                                "people": [_person_dict(p) for p in self.people],
                                "team_kpis": [_kpi_dict(k) for k in self.team_kpis],
                                "kudos": [dict(vars(t), directors=list(t.directors))
                                          for t in self.kudos],
                                "morale": [{"team": m.team, "directors": list(m.directors),
                                            "morale": m.morale, "hidden_why": m.why}
                                           for m in self.morale],
                                "oneonones": [d.as_dict() for d in self.oneonones]}
        data["checked_in"] = len(self.submitted)
        data["expected"] = len(self.expected)
        data["not_checked_in"] = [p.key for p in self.not_checked_in]
        data["in_progress"] = [p.key for p in self.in_progress]
        data["missing"] = [p.key for p in self.missing]
        data["away"] = [p.key for p in self.away]
        data["not_sent"] = [p.key for p in self.not_sent]
        data["left"] = [p.key for p in self.left]
        data["not_reached"] = [p.key for p in self.not_reached]
        return data


# asdict's keys, in its order (the fields'), without the platform ids.
_PERSON_FIELDS = tuple(f.name for f in fields(PersonWeek)
                       if f.name not in {"slack_id", "telegram_id", "due", "joined",
                                         "left_on", "unreached_why", "edited_at",
                                         "kpis_unasked"})
# (Not unit_text: the reader's spelling of the unit is for the chat; exports keep `unit`.)
_KPI_FIELDS = tuple(f.name for f in fields(KpiLine) if f.name != "unit_text")
# Nor edited and was: a person's edited_from gives them, as the GM's view's directors'.
_KPI_FIELDS = tuple(name for name in _KPI_FIELDS
                    if name not in {"edited", "was", "holds_edited", "apart"})


def _kpi_dict(k: KpiLine) -> dict[str, Any]:
    data = {name: getattr(k, name) for name in _KPI_FIELDS}
    data["not_reported"] = list(k.not_reported)
    return data


def _person_dict(p: PersonWeek) -> dict[str, Any]:
    data = {name: getattr(p, name) for name in _PERSON_FIELDS}
    data["kpis"] = [_kpi_dict(k) for k in p.kpis]
    data["other"] = [dict(o) for o in p.other]
    if p.away_until is not None:
        data["away_until"] = p.away_until.isoformat()
    if p.joined is not None:
        data["joined"] = p.joined.isoformat()
    data["not_reached_why"] = p.unreached_why  # (added last: the fields before keep order)
    data["edited_at"] = p.edited_at.isoformat() if p.edited_at else None  # (after it)
    data["edited_from"] = {k.metric: k.was for k in p.kpis if k.edited}
    # Since when a leaver is out of the org file, per person as the GM view's directors
    # have it: a team's view lists leavers beside people still in it (after the fields
    # there before, for readers keyed by place).
    data["left_on"] = p.left_on.isoformat() if p.left_on else None
    return data


@dataclass(frozen=True)
class SummaryRequest:
    """What `/summary` was asked for.

    `week` is an ISO week as typed ('2026-W47', checked later against today), 'last' for
    last week, or None for the default: the latest week whose check-in has gone out.
    """

    kind: str  # week | trend | person | team
    weeks: int = 1
    week: str | None = None
    person: str | None = None
    team: str | None = None
    page: int | None = None  # the GM's view in chat: which page of directors (None: 1)
    # The arguments as typed, without `page N`: what the footer's next-page command repeats.
    period: str = ""
    #: Read by the team's own director (no summary viewer), who knows their own pulse
    #: answers: its team morale needs one answer more (handlers/pulse.py leads_answered).
    lead: bool = False
    #: That director's key: their own answers count, never a co-director's (None: all).
    reader: str | None = None


class SummaryUnknownError(LookupError):
    """No person or team by the name asked for (args[0]: the name as typed; `gone`: for a
    team, the teams of the weeks asked for that are no longer in the org file; `last`: a
    team of other weeks, gone since, as (its name, the last week it was in)).

    A class of its own so that only this reads as "I don't know anyone called …": any
    other LookupError (a KeyError from a bug) is an error, not an unknown name.
    """

    def __init__(self, name: str | None, gone: Sequence[str] = (),
                 last: tuple[str, str] | None = None) -> None:
        super().__init__(name)
        self.gone, self.last = list(gone), last


class SummaryAmbiguousError(LookupError):
    """Several people by the name asked for (args[0]: the name as typed; `people`: who,
    as (key, name, team))."""

    def __init__(self, name: str, people: list[tuple[str, str, str | None]]) -> None:
        super().__init__(name)
        self.people = people


class SummaryUsageError(ValueError):
    """The summary arguments could not be understood."""


class SummaryTooManyWeeksError(SummaryUsageError):
    """`last 99w`: understood, but more weeks than a summary covers (MAX_WEEKS). args: the
    count as typed, and the same request with MAX_WEEKS weeks (to offer as the command)."""


class SummaryPeriodError(ValueError):
    """A month, quarter or year asked of /summary ('this month', 上季度), which shows a week
    with its month and quarter to date: said so, not read as a person's name."""


class SummaryConflictError(ValueError):
    """Two periods, or two counts of weeks, that contradict each other ('this week W47',
    'last 4w last 2w'): args are the two as typed, named back to the GM."""


class SummaryWeekError(ValueError):
    """A week that does not exist or lies outside what a summary can show."""

    def __init__(self, value: str, reason: str, **params: Any) -> None:
        super().__init__(value)
        self.value, self.reason, self.params = value, reason, params


# Anything shaped like a week is a week, never a person's name: '2026-W00' must not
# become "I don't know anyone called 2026-W00".
_WEEKISH = re.compile(r"\d{1,6}-[Ww]\w*|[Ww]\d{1,2}|--\d{2}-\d{2}")
_PAGE = {"page", "页"}
# 上上周 (and the traditional 上上週): the week before last, as "week before last" is.
_BEFORE_LAST = re.compile(r"上上\s*个?\s*(?:周|週|星期|礼拜)|\b(?:the\s+)?week\s+before\s+last\b",
                          re.IGNORECASE)
# "last 4 weeks", "past 4 weeks", 最近4周, 过去四周, 近 4 个星期, 上4周 (as 上周 is last
# week; it read as a person "上" and W4): all "last 4w".
# The count said in words too: 'last four weeks', 'past twelve weeks' (最近四周 was read).
_SAID_LAST = re.compile(r"\b(?:last|past)\s+(\d{1,2}|[a-z]+)\s*(?:weeks?|wks?)\b", re.IGNORECASE)
# A span of days or months ('last 2 months', 'last 30 days', 最近一个月, 最近30天): no view the
# summary has, said so (SummaryPeriodError). 'last 30 days' had been 30 weeks, and 'last 2
# months' two weeks of someone called "months".
_SPAN = re.compile(r"\b(?:last|past)\s+(?:\d{1,3}|[a-z]+)\s+(?:days?|months?)\b"
                   r"|(?:最近|过去|過去|近)\s*(?:\d{1,3}|[一二两兩三四五六七八九十]{1,3})\s*"
                   r"(?:[个個]\s*月|天|日)", re.IGNORECASE)
# 第47周, 2026年第47周, 第四十七周: an ISO week as Chinese names it ("2026-W47", "W47"); in
# digits also without its 第 (47周, as a GM types it) and in the traditional 週. (A count
# of weeks says 最近/过去, read first: 最近4周 is the last four, never W4.)
_CN_WEEK = re.compile(r"(?:(\d{4})\s*年\s*)?(?:第\s*(\d{1,2}|[一二两三四五六七八九十]{1,3})"
                      r"|(?<![\d.])(\d{1,2}))\s*(?:周|週|星期)")
_CN_LAST = re.compile(r"(最近|过去|過去|近|(?<!上)上)\s*(\d{1,2}|[一二两三四五六七八九十]{1,3})"
                      r"\s*[个個]?\s*(?:周|週|星期|礼拜|禮拜)")


# A day names the week it is in: 2026-11-23, 2026/11/23, 2026年11月23日, and without its
# year 11月23日 (the latest such day: see check_week). "/summary 11月23日" had been read
# as a person's name.
_DAY = re.compile(r"(?<![\w-])(?:(\d{4})\s*[-/]\s*(\d{1,2})\s*[-/]\s*(\d{1,2})"
                  r"|(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*[日号])(?![\w-])")


def _day_as_week(match: re.Match[str]) -> str:
    year = match.group(1) or match.group(4)
    month, day = (match.group(2), match.group(3)) if match.group(1) else \
        (match.group(5), match.group(6))
    try:
        # (A day without its year is checked against a leap year: 2月29日 may exist.)
        found = date(int(year or 2000), int(month), int(day))
    except ValueError:
        # No such day: a bad week, answered with the forms there are, never a name.
        return f" week {''.join(match.group().split())} "
    if year is None:
        return f" --{found.month:02d}-{found.day:02d} "
    iso = found.isocalendar()
    return f" {iso.year}-W{iso.week:02d} "


def said_in_english(args: str) -> str:
    """`args` with weeks said in Chinese or other English words as /summary reads them:
    最近4周 and 'past 4 weeks' as 'last 4w', 第47周 as 'W47', 团队 as 'team', a day
    (2026-11-23, 11月23日) as its week."""
    def english(match: re.Match[str]) -> str:
        count = match.group(1)
        number = int(count) if count.isdigit() else english_number(count)
        if number is None or number % 1:
            return match.group()
        return f"last {int(number)}w"

    args = _SAID_LAST.sub(english, _DAY.sub(_day_as_week, team_word(args)))

    def chinese(match: re.Match[str]) -> str:
        count = match.group(2)
        number = int(count) if count.isdigit() else chinese_number(count)
        if match.group(1) == "上" and count == "一":
            return match.group()  # 上一周 is last week (handlers/period_words.py)
        # 最近0周 is 'last 0w' (answered with what /summary takes), never a person's name.
        return f" last {number}w " if number is not None else match.group()

    def chinese_week(match: re.Match[str]) -> str:
        count = match.group(2) or match.group(3)
        number = int(count) if count.isdigit() else chinese_number(count)
        if not number:
            return match.group()
        return f" {match.group(1)}-W{number} " if match.group(1) else f" W{number} "

    args = _BEFORE_LAST.sub(" before-last ", args)
    return _CN_WEEK.sub(chinese_week, _CN_LAST.sub(chinese, args))


@dataclass(frozen=True)
class TypedSpan:
    """A span of /summary's arguments that said_in_english rewrote: what parse_request
    reads (`english`, 'last 13w'), the words the GM typed (`typed`, 最近13周), and the
    arguments with that span asking for MAX_WEEKS weeks in the same words (`most`)."""

    english: str
    typed: str
    most: str


def typed_spans(args: str) -> dict[str, TypedSpan]:
    """The spans of `args` that /summary reads in other words, by what parse_request reads
    them as: a reply naming them back quotes what was written (最近13周, 'past 13 weeks',
    上上周), not 'last 13w' and an English command to a Chinese reader."""
    found: dict[str, TypedSpan] = {}

    def span(match: re.Match[str], group: int, number: int | None, english: str) -> None:
        if number is None or number % 1:
            return
        most = (args[:match.start(group)] + str(MAX_WEEKS) + args[match.end(group):]).strip()
        found.setdefault(english.format(int(number)), TypedSpan(
            english.format(int(number)), match.group().strip(), most))

    for match in _SAID_LAST.finditer(args):
        count = match.group(1)
        span(match, 1, int(count) if count.isdigit() else english_number(count), "last {}w")
    for match in _CN_LAST.finditer(args):
        count = match.group(2)
        if match.group(1) != "上" or count != "一":  # (上一周 is last week)
            span(match, 2, int(count) if count.isdigit() else chinese_number(count),
                 "last {}w")
    if (before := _BEFORE_LAST.search(args)) is not None:
        found.setdefault("week before last", TypedSpan("week before last",
                                                       before.group().strip(), ""))
    return found


def typed_week(typed: str) -> str:
    """The week `week …` names by the word typed after it: 'last' or 'this' (any case), a
    week number alone as `W47` (of the current year), anything else as it is
    (resolve_week reads it, or says why it is no week)."""
    if typed.lower() in {"last", "this"}:
        return typed.lower()
    return f"W{typed}" if re.fullmatch(r"\d{1,2}", typed) else typed


def parse_request(args: str) -> SummaryRequest:
    """'', 'last 4w', 'last week', '2026-W47', 'alice', 'team East' (+ optional 'last Nw');
    the GM's view also takes 'page N' (its directors, a page at a time)."""
    span = _SPAN.search(args)
    if span is not None:
        raise SummaryPeriodError(span.group())
    typed = said_in_english(args).split()
    page: int | None = None
    words: list[str] = []  # the words that are not `page N`
    i = 0
    while i < len(typed):
        if typed[i].lower() in _PAGE:
            number = typed[i + 1] if i + 1 < len(typed) else ""
            if not re.fullmatch(r"\d{1,6}", number) or int(number) < 1 or page is not None:
                raise SummaryUsageError(" ".join(typed[i:i + 2]))
            page = int(number)
            i += 2
            continue
        words.append(typed[i])
        i += 1
    weeks: int | None = None
    week: str | None = None
    said_week = said_weeks = ""  # each as typed, to name it should another contradict it
    rest: list[str] = []

    def take_week(value: str, said: str) -> None:
        nonlocal week, said_week
        # Two periods that may differ ('this week W47') are a contradiction, said as such:
        # the later one silently winning would show a week the GM did not ask for.
        if week is not None and value.lower() != week.lower():
            raise SummaryConflictError(said_week, said)
        week, said_week = value, said

    i = 0
    while i < len(words):
        word = words[i].lower()
        if word == "before-last":  # 上上周, the week before last (said_in_english)
            take_week(word, "week before last")  # (as typed was 上上周 or these words)
            i += 1
            continue
        # 'this week', 这周, 上个星期 (handlers/period_words.py); a bare 'week' is the
        # `week 2026-W47` below.
        said = read_period(words, i) if word != "week" else None
        if said is not None and said[0] in {"week", "last-week"}:
            take_week("last" if said[0] == "last-week" else "this",
                      " ".join(words[i:i + said[1]]))
            i += said[1]
            continue
        if said is not None:
            raise SummaryPeriodError(" ".join(words[i:i + said[1]]))
        if word == "last" and i + 1 < len(words):
            match = re.fullmatch(r"(\d{1,6})\s*w?", words[i + 1].lower())
            if match and int(match.group(1)) > MAX_WEEKS:
                # Understood, only too many: said so, with the command for the most
                # ("I didn't understand 99w" read as if weeks were not counted so).
                most = [*words[:i], "last", f"{MAX_WEEKS}w", *words[i + 2:]]
                raise SummaryTooManyWeeksError(
                    words[i + 1], " ".join(most + ([f"page {page}"] if page else [])))
            if not match or not 1 <= int(match.group(1)) <= MAX_WEEKS:
                raise SummaryUsageError(words[i + 1])
            if weeks is not None and weeks != int(match.group(1)):
                raise SummaryConflictError(said_weeks, " ".join(words[i:i + 2]))
            weeks, said_weeks = int(match.group(1)), " ".join(words[i:i + 2])
            i += 2
            continue
        if word == "week":
            # `week 2026-W47`, as the shell's --week is written: what follows is the week,
            # however mistyped (`week yesterday` is a bad week, not a person's name) --
            # unless it is a word of its own (`week team East`, `week last 4w`, `week
            # 本周`): then `week` is the one-word "weekly summary" and the rest is read.
            if i + 1 == len(words) or _starts_own_word(words, i + 1):
                # `week` alone: the week `/summary` alone shows (this week once its
                # prompts are out, else last week), not a usage error for a GM who
                # asked for the weekly summary in one word.
                i += 1
                continue
            take_week(typed_week(words[i + 1]), " ".join(words[i:i + 2]))
            i += 2
            continue
        if _WEEKISH.fullmatch(words[i]):
            take_week(words[i], words[i])
        else:
            rest.append(words[i])
        i += 1
    if page is not None and rest:
        # Pages are the GM's list of directors; a team or a person fits on one.
        raise SummaryUsageError(f"page {page}")
    if rest and rest[0].lower() == "team":
        if len(rest) < 2:
            raise SummaryUsageError("team")
        return SummaryRequest("team", weeks=weeks or 1, week=week, team=" ".join(rest[1:]))
    if rest:
        # A person by key or name ('Alice Martin', as every command reads a name). Their
        # history defaults to four weeks; "last Nw" (even "last 1w") applies.
        return SummaryRequest("person", weeks=weeks or 4, week=week, person=" ".join(rest))
    weeks = weeks or 1
    return SummaryRequest("trend" if weeks > 1 else "week", weeks=weeks, week=week,
                          page=page, period=" ".join(words))


def _starts_own_word(words: list[str], i: int) -> bool:
    """Whether `words[i]`, after a `week`, is a word read on its own rather than the week
    `week` names: a team filter, a count of weeks (`last 4w`), a period word (本周, `last
    week`, `this month`) or the week before last."""
    word = words[i].lower()
    if word in {"team", "before-last"} or read_period(words, i) is not None:
        return True
    return word == "last" and i + 1 < len(words) \
        and re.fullmatch(r"\d{1,2}\s*w?", words[i + 1].lower()) is not None


def check_week(text: str, today_week: str) -> str:
    """A typed ISO week, normalised; SummaryWeekError if it does not exist or is out of range.

    The range runs from FIRST_YEAR to a year after today: enough for any real history
    and any plan, and no date arithmetic ever leaves what Python's calendar can hold.
    """
    value = text.strip()
    day = re.fullmatch(r"--(\d{2})-(\d{2})", value)
    if day:
        # A day without its year (11月23日): the latest such day's week, this year's or,
        # if this year's is still ahead, last year's.
        year = int(today_week[:4])
        month, dom = int(day.group(1)), int(day.group(2))
        for candidate in (year + 1, year, year - 1, year - 2):
            try:
                iso = date(candidate, month, dom).isocalendar()
            except ValueError:  # 2月29日 outside a leap year
                continue
            value = f"{iso.year}-W{iso.week:02d}"
            if value <= today_week:
                break
    bare = re.fullmatch(r"[Ww](\d{1,2})", value)
    if bare:
        # 'W47' (第47周): this year's, or last year's if this year's is still ahead.
        year, number = int(today_week[:4]), int(bare.group(1))
        this_year = f"{year}-W{number:02d}"
        if this_year <= today_week:
            value = this_year
        else:
            _check_bare_week_53(number, year)
            value = f"{year - 1}-W{bare.group(1)}"
    match = re.fullmatch(r"(\d{4})-[Ww](\d{1,2})", value)
    if not match:
        raise SummaryWeekError(value, "format")
    year = int(match.group(1))
    last = weeks_in_year(year) if year >= 1 else 52
    if not 1 <= int(match.group(2)) <= last:
        raise SummaryWeekError(value, "no_such_week", year=year, last=last)
    first_week = f"{FIRST_YEAR}-W01"
    last_week = week_of(week_start(today_week) + timedelta(weeks=52))
    week = parse_week(value)
    if week is None or week < first_week or week > last_week:
        raise SummaryWeekError(value, "out_of_range", first=first_week, last=last_week)
    return week


def _check_bare_week_53(number: int, year: int) -> None:
    """A bare 'W53' read as last year's (this year's is ahead, or this year has none) where
    last year had none: said as typed, not as the '2025-W53' nobody named, with this
    year's W53 still to come or, where neither year has one, the latest W53."""
    if number != 53:
        return
    last_year = year - 1
    if weeks_in_year(last_year) == 53:
        return  # last year's W53 (this year's is ahead or there is none): a week
    if weeks_in_year(year) == 53:
        this_year = f"{year}-W53"
        raise SummaryWeekError(f"W{number}", "bare_not_yet", week=this_year,
                               start=week_start(this_year).isoformat(), year=last_year,
                               last=weeks_in_year(last_year))
    latest = next((y for y in range(last_year - 1, FIRST_YEAR - 1, -1)
                   if weeks_in_year(y) == 53), None)
    raise SummaryWeekError(f"W{number}", "bare_none", year=year, previous=last_year,
                           latest=f"{latest}-W53" if latest is not None else "")


def resolve_week(ctx: Context, request: SummaryRequest, anchor_tz: str) -> str:
    """The week a request ends with; by default the latest week whose check-in has gone out.

    On a Tuesday, before this week's prompts, that is last week: a week nobody has been
    asked about yet would read as all red.
    """
    today = current_week(ctx.clock.now(), anchor_tz)
    if request.week == "last":
        return previous_week(today)
    if request.week == "before-last":
        return previous_week(previous_week(today))
    if request.week == "this":
        return today
    if request.week is not None:
        return check_week(request.week, today)
    return today if ctx.checkins.week_sent(today) else previous_week(today)


def goes_out(ctx: Context, key: str, week: str) -> datetime | None:
    """When `key`'s check-in of `week` goes out where they are, if that is still to come
    (Friday 16:00 in Los Angeles is 19:00 in New York); None once it has, or for someone
    not in the org file. Such a week reads "no check-in sent", as if they were left out."""
    entry = ctx.org.person(key)
    if entry is None:
        return None
    moment = checkin_moment(ctx.settings.checkin_schedule, entry.timezone, week)
    return moment if moment > ctx.clock.now() else None


def before_bot(ctx: Context, week: str, keys: Sequence[str], reader_tz: str
               ) -> BeforeBot | None:
    """Whether `week` (nothing sent in it) ended, where the reader is, before the bot first
    ran (storage.digest.first_run; not yet, if it has written nothing), and if so when the
    first check-in of the reader's current week goes out to any of `keys`, if still to
    come (the earliest: Friday 16:00 in Shanghai is 09:00 in Berlin)."""
    tz = ZoneInfo(reader_tz)
    first = DigestRepo(ctx.session).first_run()
    began = as_utc(first) if first is not None else ctx.clock.now()
    if began < datetime.combine(week_end(week) + timedelta(days=1), time(), tz):
        return None
    now = current_week(ctx.clock.now(), reader_tz)
    moments = [m for k in keys if (m := goes_out(ctx, k, now)) is not None] \
        if now != week and may_still_go_out(ctx, now) else []
    return BeforeBot(began.astimezone(tz).date(),
                     min(moments).astimezone(tz) if moments else None)


def before_first_run(ctx: Context, moment: datetime) -> bool:
    """Whether `moment` (a past week's end) came before the bot first ran (as before_bot
    reads it): no one-on-one was scheduled, asked about or missed then, so such a week
    shows no next meeting (worked out from the org file's cadence, it was invented: "next
    2020-03-09" years before the bot ran) and nothing overdue."""
    first = DigestRepo(ctx.session).first_run()
    return moment < (as_utc(first) if first is not None else ctx.clock.now())


#: The last place a local time comes (UTC-12): a week's check-in has gone out everywhere
#: once its moment there has passed.
LAST_ZONE = "Etc/GMT+12"


def may_still_go_out(ctx: Context, week: str) -> bool:
    """Whether `week`'s check-in may still be to come somewhere (a cheap test before
    asking person by person). Not only in the reader's own week: a GM in Shanghai reading
    on Monday morning a `sun 20:00` check-in is shown last week, still to come in New York."""
    return checkin_moment(ctx.settings.checkin_schedule, LAST_ZONE, week) > ctx.clock.now()


def person_still_to_come(ctx: Context, weeks: list[WeekSummary], reader_tz: str) -> None:
    """A person's history or a team's week: the latest week shown, for each person whose
    check-in of it is not sent yet, says when it goes out, in the reader's time, as the
    GM's view does (see goes_out), not "no check-in sent" as if they were left out."""
    latest = weeks[-1] if weeks else None
    if latest is None or not may_still_go_out(ctx, latest.week):
        return
    for p in latest.people:
        if p.status == "not_sent" and (moment := goes_out(ctx, p.key, latest.week)):
            p.due = moment.astimezone(ZoneInfo(reader_tz))


def reads_as_now(ctx: Context, week: str, reader_tz: str) -> bool:
    """Whether `week` is the one /summary shows by default, or later (resolve_week's
    choice, asking the database only when that depends on this week's prompts): its
    one-on-ones and action items read as they are now, what the GM acts on; an older
    week's as they stood at its end."""
    now = current_week(ctx.clock.now(), reader_tz)
    if week >= now:
        return True
    if week < previous_week(now):
        return False
    return not ctx.checkins.week_sent(now)


def build_week(ctx: Context, locale: str, week: str, people: Sequence[Any], scope: str,
               rounds: dict[tuple[int, str], RoundRow],
               team: str | None = None,
               away: dict[tuple[int, str], date] | None = None,
               snapshots: Snapshots | None = None, texts: bool = True,
               crm: dict[tuple[str, str, str], float] | None = None,
               placed: Mapping[str, tuple[str, str | None]] | None = None,
               booked: Collection[tuple[str, str]] = ()) -> WeekSummary:
    """Summarise one week for the given people (only those in `team` that week, if given).

    Someone no longer asked to check in (removed from the org file, or checks_in turned
    off) is listed only in the weeks they had a round, with its numbers. `away` maps
    (person id, week) to the last day of the away period that covered that week's
    check-in (see away_weeks); without it, it is loaded here. `placed`: for a past week,
    the team last recorded by then of those without a round that week (directors_then),
    which places them in `team` rather than today's org file. `booked`: the (person key,
    week) pairs the CRM has figures for (a week before someone joined that the CRM booked
    for them is theirs, see handlers/joined.py).
    """
    # A director made a member since (no longer asked) keeps a past week they were away in.
    # (`placed` is given for a past week only.)
    then = _directors_away(ctx, week, people, rounds, away) \
        if away is not None and placed is not None else set()
    shown = [person for person in people
             if ((person.active and person.checks_in and not joined_after(person, week, booked))
                 or (person.id, week) in rounds or person.id in then)
             and (team is None or _team_in(person, rounds.get((person.id, week)),
                                           placed) == team)]
    if away is None:
        away = away_weeks(ctx, shown, [week])
    snapshots = snapshots or Snapshots(ctx, locale)
    rows = [_person_week(snapshots, person, week, rounds.get((person.id, week)),
                         away.get((person.id, week)), texts, crm, placed)
            for person in shown]
    _same_units(rows)
    return WeekSummary(week=week, start=week_start(week), end=week_end(week), scope=scope,
                       people=rows, team_kpis=_team_totals(rows))


def summaries(ctx: Context, request: SummaryRequest, locale: str,
              anchor_tz: str, *, texts: str = "all") -> list[WeekSummary]:
    """Week summaries for a request, oldest first.

    `texts="latest"`: over several weeks, only the latest week carries text answers
    (wins, blockers, support, plans), which is all a rendered trend shows; the numbers
    and statuses of every week are the same either way. JSON wants "all". `texts="none"`:
    no week carries them (the GM's digest header: who answered, over the whole org).
    Raises SummaryUnknownError for an unknown person/team, SummaryWeekError for a bad week.
    """
    week = resolve_week(ctx, request, anchor_tz)
    weeks = weeks_back(week, request.weeks)
    no_jit(ctx.session.connection())
    reads = SummaryRows(ctx.session, ctx.clock.now())
    snapshots = Snapshots(ctx, locale)
    # A team's summary (and a director's digest) reads its team's people and rounds, not
    # the org's: a superset of whoever was in the team in those weeks, each with every
    # round of theirs, so that build_week's choice of members is the same as over everyone.
    spellings: list[str] = []
    if request.kind == "team":
        # A past week's team is named as it was then (renamed or closed since): the teams
        # of its rounds and kudos; today's teams as before (handlers/teams_then.py).
        start, end = _kudos_window(weeks, anchor_tz)
        then = teams_then(ctx.session, weeks, start, end)
        today = teams_today(ctx.session)
        found = find_team(request.team or "", today, then)
        if found.name is None:
            # A team emptied by a move whose week's only people were away (no round)
            # is known by where those people were then (_teams_placed).
            placed = set().union(*_teams_placed(ctx, weeks, anchor_tz).values())
            if placed - then:
                then |= placed
                found = find_team(request.team or "", today, then)
        if found.name is None:
            # East of last month asked for this week: say which week it was last in.
            last = last_week_of(ctx.session, request.team or "", anchor_tz)
            raise SummaryUnknownError(request.team, found.gone, _last_week_placed(
                ctx, request.team or "", last, weeks[0], anchor_tz))
        # (The org file's first spelling of a team it writes in two cases, not the one
        # find_team happens to keep: `East` and `EAST` are headed as the file first has it.)
        request = replace(request, team=team_spellings(ctx.org).get(found.name.casefold(),
                                                                   found.name))
        spellings = spellings_of([found.name], [*found.today, *then])
    scope = TeamScope(ctx.session, request.team, weeks) \
        if request.kind == "team" and request.team else None
    # Everyone ever synced: people removed from the org file keep their past weeks.
    everyone = reads.people(scope)
    if request.kind == "person":
        # Also someone since removed (their history); a current namesake before a former one.
        typed = request.person or ""
        matches = people_named(everyone, typed, ctx.org)
        matches = [p for p in matches if p.active] or matches
        if not matches:
            raise SummaryUnknownError(request.person)
        if len(matches) > 1:  # never one of them picked silently
            raise SummaryAmbiguousError(typed, [(p.key, p.display_name, p.team) for p in matches])
        person, scope = matches[0], matches[0].display_name
        found = reads.rounds(weeks, person.id)
        reads.attach_answers(found, weeks, person.id)
        reads.attach_was(found)
        rounds = {(r.person_id, r.week): r for r in found}
        away = away_weeks(ctx, [person], weeks)
        crm = crm_figures(ctx, weeks)
        booked = booked_weeks(crm)
        history = []
        for w in weeks:
            row = _person_week(snapshots, person, w, rounds.get((person.id, w)),
                               away.get((person.id, w)), crm=crm,
                               placed=_placed_alone(ctx, w, person, rounds, anchor_tz))
            if row.status == "not_sent" and (person.id, w) not in rounds \
                    and joined_after(person, w, booked):
                # Not in the org file yet: not "no check-in sent" ("not asked").
                row.status, row.joined = "joined_later", joined_on(person)
            history.append(WeekSummary(week=w, start=week_start(w), end=week_end(w),
                                       scope=scope, people=[row], team_kpis=[]))
        _add_left_on(history, [person], anchor_tz)
        _add_unreached_why(ctx, history)
        _one_spelling(ctx, history)
        return history
    found = reads.rounds(weeks, scope=scope)
    lean = (texts == "latest" and len(weeks) > 1) or texts == "none"
    with_texts = {week} if texts != "none" else set()  # (for a lean read)
    if lean:
        # Texts that decide which questions apply are kept: totals must not change.
        sources = {q.skip_if[0] for text in {r.questions for r in found}
                   for q in snapshots.questions(text) if q.skip_if}
        reads.attach_answers(found, weeks, texts_for=with_texts, texts_of=sources,
                             scope=scope)
    else:
        reads.attach_answers(found, weeks, scope=scope)
    reads.attach_was(found)
    rounds = {(r.person_id, r.week): r for r in found}
    away = away_weeks(ctx, everyone, weeks)
    crm = crm_figures(ctx, weeks)
    booked = booked_weeks(crm)
    if request.kind == "team":
        # A team's week holds who was in it that week: someone who moved since is counted
        # with their old team in old weeks and with the new one from then on.
        team = team_key(request.team)
        built = [build_week(ctx, locale, w, everyone, "", rounds, team, away, snapshots,
                            texts=not lean or w in with_texts, crm=crm,
                            placed=_placed(ctx, w, everyone, rounds, anchor_tz, booked,
                                           away),
                            booked=booked)
                 for w in weeks]
        for w in built:
            w.scope = request.team or team
        _add_left_on(built, everyone, anchor_tz)
        _add_kudos(ctx, built, everyone, anchor_tz, team, spellings)
        _add_morale_and_oneonones(ctx, built, everyone, anchor_tz, team, lead=request.lead,
                                  reader=request.reader)
        _add_unreached_why(ctx, built)
        _one_spelling(ctx, built)
        built[-1].team_now = team_now(ctx, team)
        return built
    built = [build_week(ctx, locale, w, everyone, "", rounds, away=away, snapshots=snapshots,
                        texts=not lean or w in with_texts, crm=crm, booked=booked)
             for w in weeks]
    _add_left_on(built, everyone, anchor_tz)
    _add_kudos(ctx, built, everyone, anchor_tz)
    _add_morale_and_oneonones(ctx, built, everyone, anchor_tz)
    _add_unreached_why(ctx, built)
    _one_spelling(ctx, built)
    return built


def _add_left_on(weeks: Sequence[WeekSummary], people: Sequence[Any], tz: str) -> None:
    """Each row of someone no longer in the org file: since when, in the reader's
    timezone (`tz`), as their own history's header says it."""
    gone = {p.key: p.left_at for p in people if not p.active and p.left_at is not None}
    if not gone:
        return
    for w in weeks:
        for p in w.people:
            if p.left and p.key in gone:
                p.left_on = left_on(gone[p.key], tz)


def team_now(ctx: Context, team: str) -> str:
    """What the org file says of `team` (a team_key) today, for a view of its weeks: "gone"
    when nobody in the file is in it, "nobody" when nobody in it checks in and it has no
    director (its last director moved or left), else "". (A team asked for by the name it
    had before a rename is "gone": that name is no longer in the file.)"""
    members = [p for p in ctx.org.people if p.team and team_key(p.team) == team]
    if not members:
        return "gone"
    if not any(p.checks_in or p.role == "director" for p in members):
        return "nobody"
    return ""


def _one_spelling(ctx: Context, weeks: Sequence[WeekSummary]) -> None:
    """Each person's team as the org file first writes it: a team written `East` for
    Alice and `EAST` for Bruno is one team, named one way wherever the summary names it."""
    spelled = team_spellings(ctx.org)
    for w in weeks:
        for p in w.people:
            if p.team:
                p.team = spelled.get(p.team.casefold(), p.team)


def _add_unreached_why(ctx: Context, weeks: Sequence[WeekSummary]) -> None:
    """Say why each person not reached in these weeks was not (blocked the bot, never
    pressed Start, ...): one read for all the weeks, none when everyone was reached."""
    unreached = {(w.week, p.key): p for w in weeks for p in w.people
                 if p.status == "unreachable"}
    if not unreached:
        return
    wanted: dict[str, list[str]] = {}
    for week, key in unreached:
        wanted.setdefault(week, []).append(key)
    why = why_not_reached_in(ctx.session, wanted, ctx.clock.now())
    for (week, key), person in unreached.items():
        person.unreached_why = why.get(week, {}).get(key)


def _directors_away(ctx: Context, week: str, people: Sequence[Any],
                    rounds: Mapping[tuple[int, str], RoundRow],
                    away: Mapping[tuple[int, str], date]) -> set[int]:
    """The ids of those in the org file not asked to check in today (made a member since)
    who were away in past `week` without a round, their latest round by then made as a
    director (teams_then.roles_then): asked then, so listed away, as the GM's view lists
    them. Only someone away is asked about (usually nobody)."""
    ids = {p.id for p in people if p.active and not p.checks_in
           and (p.id, week) in away and (p.id, week) not in rounds}
    if not ids:
        return set()
    return {pid for pid, role in roles_then(ctx.session, week, ids).items()
            if role == "director"}


def _teams_placed(ctx: Context, weeks: Sequence[str], anchor_tz: str) -> dict[str, set[str]]:
    """Per past week of `weeks`, the teams of those away that week without a round, as
    last recorded for them by then (_placed_then): a team whose people were all away has
    no round that week, yet existed. Read only when a team's name is not found otherwise
    (a few statements a week, for the few people away)."""
    near = ctx.away.near(week_start(min(weeks)), week_end(max(weeks)))
    if not near:
        return {}
    people = list(ctx.session.execute(select(Person.id, Person.timezone).where(
        Person.id.in_(sorted(near)))))
    had = set(ctx.session.execute(select(CheckinRound.person_id, CheckinRound.week).where(
        CheckinRound.week.in_(list(weeks)), CheckinRound.person_id.in_(sorted(near)))))
    away = [pair for pair in away_weeks(ctx, people, weeks) if pair not in had]
    found: dict[str, set[str]] = {}
    for week in sorted({w for _, w in away}):
        placed = _placed_then(ctx, week, sorted(p for p, w in away if w == week), anchor_tz)
        teams = {team for _, team in (placed or {}).values() if team}
        if teams:
            found[week] = teams
    return found


def _last_week_placed(ctx: Context, typed: str, last: tuple[str, str] | None,
                      before: str, anchor_tz: str) -> tuple[str, str] | None:
    """`last` (a gone team's last week by its records: last_week_of) moved on to a later
    week before `before` that reads as that team by its people away then (_teams_placed),
    the latest within MAX_WEEKS weeks."""
    if last is None or last[1] >= before:
        return last
    later = [w for w in weeks_back(before, MAX_WEEKS + 1)[:-1] if w > last[1]]
    if not later:
        return last
    key = typed.strip().casefold()
    for week, teams in sorted(_teams_placed(ctx, later, anchor_tz).items(), reverse=True):
        spelt = next((t for t in sorted(teams) if t.casefold() == key), None)
        if spelt is not None:
            return spelt, week
    return last


def _placed(ctx: Context, week: str, people: Sequence[Any],
            rounds: Mapping[tuple[int, str], RoundRow], anchor_tz: str,
            booked: Collection[tuple[str, str]] = (),
            away: Collection[tuple[int, str]] = ()
            ) -> dict[str, tuple[str, str | None]] | None:
    """For a past week of a team's summary, where those asked to check in (or away: see
    _directors_away) but without a round that week were by then (teams_then.directors_then):
    someone made director of East since, or moved there, is not listed in East's old weeks
    as not sent. None for this week (today's org file says) or with everyone's round there
    (no statement)."""
    return _placed_then(ctx, week, [
        p.id for p in people if p.active and (p.checks_in or (p.id, week) in away)
        and (p.id, week) not in rounds and not joined_after(p, week, booked)], anchor_tz)


def _placed_alone(ctx: Context, week: str, person: Any,
                  rounds: Mapping[tuple[int, str], RoundRow], anchor_tz: str
                  ) -> dict[str, tuple[str, str | None]] | None:
    """For a past week of a person's history without a round of theirs, their team as
    last recorded by then (as _placed, for the team's view): a move in the org file since
    is not read back into it. None for a week with a round, or not over yet."""
    return _placed_then(ctx, week, [] if (person.id, week) in rounds else [person.id],
                        anchor_tz)


def _placed_then(ctx: Context, week: str, ids: list[int], anchor_tz: str
                 ) -> dict[str, tuple[str, str | None]] | None:
    """directors_then of `ids` in `week`, once it is over on the reader's calendar; None
    before then, or for no one (no statement)."""
    end = datetime.combine(week_end(week) + timedelta(days=1), time(),
                           ZoneInfo(anchor_tz)).astimezone(UTC)
    if end > ctx.clock.now() or not ids:
        return None
    return directors_then(ctx.session, week, end, anchor_tz, ids)


def _add_morale_and_oneonones(ctx: Context, built: list[WeekSummary], everyone: Sequence[Any],
                              anchor_tz: str, team: str | None = None, *,
                              lead: bool = False, reader: str | None = None) -> None:
    """Morale per director's team (thresholded; `lead`: read by the team's director, see
    SummaryRequest) and the one-on-ones, on the latest week."""
    latest = built[-1]
    latest.reader_tz = anchor_tz
    # Each team with its directors of the latest week (a past week's as they were then,
    # see _directors_in): the votes are stored with the team of when they were given.
    # One team in two spellings (`Straße` for one director's round, `STRASSE` for
    # another's) is one line, under the org file's first spelling, with both directors.
    spelled = team_spellings(ctx.org)
    directors: dict[str, list[str]] = {}
    for t, names in _directors_in(ctx, latest, everyone, anchor_tz, team).items():
        if t and (team is None or team_key(t) == team):
            directors.setdefault(spelled.get(team_key(t), t), []).extend(names)
    since = built[0].start - MORALE_LOOKBACK
    if directors and polls_between(ctx.session, since, latest.end, closed_only=True):
        morale = team_morale(ctx.session, sorted(directors), since, latest.end,
                             ctx.org.pulse.threshold, team_view=lead, reader=reader,
                             spelled=spelled)
        hidden = [t for t in directors if morale[t] is None]
        # Why, as /pulse results says it; a director reading their own team (`lead`) sees
        # no participation, from which alone the reason is told: for them it stays open.
        why = {t: EITHER for t in hidden} if lead else hidden_why(
            ctx.session, hidden, since, latest.end, ctx.org.pulse.threshold, spelled)
        latest.morale = [TeamMorale(t, directors[t], morale[t],
                                    why.get(t, EITHER) if morale[t] is None else None)
                         for t in sorted(directors, key=team_order)]
        latest.morale_since = since
    # An older week's as they stood at its end: a meeting held, or an action item made or
    # closed, after it never shows in it.
    now, past = ctx.clock.now(), not reads_as_now(ctx, latest.week, anchor_tz)
    if past:
        now = min(now, datetime.combine(latest.end + timedelta(days=1), time(),
                                        ZoneInfo(anchor_tz)).astimezone(UTC))
    if team is None:
        overview = oneonone_overview(ctx.session, ctx.org, now, past=past, week=latest.week)
    else:
        # The team as the summary's week has it (someone who moved since is not in it):
        # its directors' one-on-ones only are read.
        overview = oneonone_overview(ctx.session, ctx.org, now,
                                     only={p.key for p in latest.people}, past=past,
                                     week=latest.week)
    latest.oneonones = [d for d in overview if d.own is not None or d.team]
    if past and before_first_run(ctx, now):
        for d in latest.oneonones:
            for pair in ([d.own] if d.own is not None else []) + d.team:
                pair.next, pair.overdue, pair.missed, pair.missed_reason = \
                    None, False, None, None


def _kudos_window(weeks: Sequence[str], anchor_tz: str) -> tuple[datetime, datetime]:
    """The UTC instants `weeks` span on the reader's calendar (Monday 00:00 to Monday)."""
    tz = ZoneInfo(anchor_tz)
    return (datetime.combine(week_start(weeks[0]), time(), tz).astimezone(UTC),
            datetime.combine(week_end(weeks[-1]) + timedelta(days=1), time(),
                             tz).astimezone(UTC))


def _add_kudos(ctx: Context, built: list[WeekSummary], everyone: Sequence[Any],
               anchor_tz: str, team: str | None = None,
               spellings: Sequence[str] = ()) -> None:
    """Each week's kudos per team (only `team`'s, if given: any of its `spellings`, today's
    and those stored in the weeks), weeks as the GM's calendar has them: from Monday 00:00
    to the next Monday in the reader's timezone. Each team is named with its directors as
    of that week (see _directors_in)."""
    teams = sorted(spellings) if team else None
    spelled = team_spellings(ctx.org)
    tz = ZoneInfo(anchor_tz)
    for w in built:
        start = datetime.combine(w.start, time(), tz).astimezone(UTC)
        end = datetime.combine(w.end + timedelta(days=1), time(), tz).astimezone(UTC)
        # One team in two letter cases (`East`, `EAST`) is one line, under the org file's
        # first spelling, with the directors of both.
        directors: dict[str | None, list[str]] = {}
        for led, names in _directors_in(ctx, w, everyone, anchor_tz, team).items():
            directors.setdefault(spelled.get(led.casefold(), led) if led else led,
                                 []).extend(names)
        w.kudos = [TeamRecognition(t.team, directors.get(t.team, []), t.given, t.received,
                                   t.givers, t.recipients)
                   for t in kudos_by_team(ctx.session, start, end, teams, spelled)
                   if team is None or team_key(t.team) == team]


def _directors_in(ctx: Context, week: WeekSummary, everyone: Sequence[Any],
                  anchor_tz: str, team: str | None = None) -> dict[str | None, list[str]]:
    """Each team's directors in `week`: a director listed in it under the team their round
    was made with (a team renamed or left since still names who led it then); in a past
    week, one without a round that week under the team last recorded for them by then
    (teams_then.directors_then: an earlier round, a kudos, a pulse poll), also if removed
    from the org file since; any other director in the org file today under today's team
    (this week's, or nothing recorded to say). A director is one by the role their round
    of that week was made in (one made GM since still led their team then; one made
    director since did not), else by today's. `team`: a team's summary (its people only
    in `everyone`: any director may have led it then)."""
    listed = {p.key: p.team for p in week.people}
    end = datetime.combine(week.end + timedelta(days=1), time(),
                           ZoneInfo(anchor_tz)).astimezone(UTC)
    then: dict[str, tuple[str, str | None]] = {}
    if end <= ctx.clock.now():
        # The org's summary reads everyone: only its directors without a round that
        # week need looking up (usually none).
        then = directors_then(ctx.session, week.week, end, anchor_tz, None if team else [
            p.id for p in everyone if p.role == "director" and p.key not in listed])
    role_then = roles_changed(ctx.session, week.week)
    directors: dict[str | None, list[str]] = {}
    named: set[str] = set()
    for p in everyone:
        role = role_then.get(p.id, p.role) if p.key in listed else p.role
        named.add(p.key)
        if role != "director":
            continue
        if p.key in listed:
            directors.setdefault(listed[p.key], []).append(p.display_name)
        elif p.key in then:
            directors.setdefault(then[p.key][1], []).append(p.display_name)
        elif p.active and not joined_after(p, week.week):
            directors.setdefault(p.team, []).append(p.display_name)
    # A team's summary reads its people only: who led it then, in another team today.
    for key, (name, led) in sorted(then.items(), key=lambda kv: kv[1][0]):
        if key not in named:
            directors.setdefault(led, []).append(name)
    return directors


def recognition_over(weeks: Sequence[WeekSummary]) -> list[TeamRecognition]:
    """Kudos per team added up over several weeks (given and received; the distinct
    givers and recipients of single weeks do not add up, so they are left at 0)."""
    total: dict[str | None, TeamRecognition] = {}
    for w in weeks:
        for t in w.kudos:
            line = total.setdefault(t.team, TeamRecognition(t.team, t.directors, 0, 0, 0, 0))
            line.directors = t.directors or line.directors  # the latest week's
            line.given += t.given
            line.received += t.received
    return sorted(total.values(), key=lambda t: team_order(t.team))


def away_weeks(ctx: Context, people: Sequence[Any],
               weeks: Sequence[str]) -> dict[tuple[int, str], date]:
    """Which people were away in which weeks: an away period covered that week's check-in
    moment where they were that week (zone_then: a move in the org file since changes no
    past week). Maps (person id, week) to their last day away there (AwayRepo.last_days:
    through time away that follows without a break). Asked only of the people with an
    away period near the weeks (usually a few); a fixed few statements."""
    if not weeks:
        return {}
    first, last = min(weeks), max(weeks)
    near = ctx.away.near(week_start(first), week_end(last))
    people = [p for p in people if p.id in near]
    if not people:
        return {}
    zones = round_zones(ctx.session, {p.id for p in people}, first, last)
    schedule = ctx.settings.checkin_schedule
    # One moment per (timezone, week), not per person: most of an org shares a timezone.
    moments: dict[tuple[str, str], datetime] = {}
    asks: dict[tuple[int, str], tuple[int, str, datetime]] = {}
    for p in people:
        for w in weeks:
            zone = zone_then(zones, p, w)
            moment = moments.get((zone, w))
            if moment is None:
                moment = moments[(zone, w)] = checkin_moment(schedule, zone, w)
            asks[(p.id, w)] = (p.id, zone, moment)
    last_days = ctx.away.last_days(asks.values())
    out: dict[tuple[int, str], date] = {}
    for (person_id, week), (_, _timezone, moment) in asks.items():
        day = last_days.get((person_id, moment))
        if day is not None:
            out[(person_id, week)] = day
    return out


def zone_then(zones: Mapping[int, Sequence[tuple[str, str]]], person: Any, week: str) -> str:
    """Where `person` was in `week`, as away is judged (README, *Time away*): a week with
    a round where the round was made; a week with none where their latest round before
    it was made; with no round before it either, their timezone today. `zones`:
    round_zones' answer.

    Why, for a week with no round (away when the check-ins went out, or not sent): rounds
    are the only record of where someone was (the org file says where they are now), and
    the latest one before the week is the last the bot knew of them then; it never
    changes once made, so neither does the week, whereas today's timezone would turn the
    week away or not with every move. Someone who moved before that week without a round
    since is read where that round was made: their real timezone that week is not known.
    """
    found = person.timezone
    for wk, zone in zones.get(person.id, ()):
        if wk > week:
            break
        found = zone
    return found


def _team_in(person: Any, rnd: RoundRow | None,
             placed: Mapping[str, tuple[str, str | None]] | None = None) -> str:
    """A person's team in a week, as compared (bot/team_names.py; see _team_then)."""
    return team_key(_team_then(person, rnd, placed))


def _team_then(person: Any, rnd: RoundRow | None,
               placed: Mapping[str, tuple[str, str | None]] | None = None) -> str | None:
    """A person's team in a week: the round's record, else the team last recorded for them
    by then (`placed`, a past week's), else today's."""
    if rnd is not None and rnd.team is not None:
        return rnd.team
    if placed is not None and person.key in placed:
        return placed[person.key][1]
    return person.team


def _is_away(rnd: RoundRow | None, away_until: date | None) -> bool:
    """Whether a person-week counts as away: not expected, and named as away.

    Only if an away period covered that week's check-in (`away_until` is its last day,
    see away_weeks), and they did not answer anyway.
    """
    if away_until is None:
        return False
    return rnd is None or not (rnd.answers or rnd.status == "submitted")


#: Parsed snapshots kept between summaries, per renderer (it fills in the choice labels).
#: A snapshot's text never changes (rounds name it by a hash of it, their snapshot key), so
#: a parse stays right. Directors with their own KPI targets each have their own snapshot
#: (10,000 directors: 10,000 or more in a quarter), so what is kept per snapshot is small:
#: its questions are shared with every snapshot that asks the same ones (only a KPI's
#: target differs), and a known key needs its text neither read nor parsed again.
_PARSED: weakref.WeakKeyDictionary[Renderer, _Kept] = weakref.WeakKeyDictionary()
#: Snapshots kept per renderer (about 1 kB each: 10,000 directors with targets of their
#: own need 10,000-20,000 for a quarter); past that, start again.
_PARSED_MAX = 30_000
_SHAPES = itertools.count()
_UNKNOWN = object()  # (not looked up yet)


def forget_snapshots() -> None:
    """Drop every kept parse, as a fresh start has none (benchmarks, tests)."""
    _PARSED.clear()


@dataclass(frozen=True, slots=True, eq=False)
class Parsed:
    """A snapshot's questions, and its shape: snapshots that differ in nothing but their
    KPI targets share one (which questions apply, the KPIs' keys and labels)."""

    questions: list[Question]
    shape: int
    # Per locale: the KPIs as the GM's view reads them (Snapshots.kpis).
    kpis: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)


class _Kept:
    """One renderer's parsed snapshots, by text and by key, and the questions they share."""

    def __init__(self) -> None:
        self.by_text: dict[bytes, Parsed] = {}
        self.by_key: dict[str, Parsed] = {}
        self.questions: dict[str, Question] = {}  # a question but its target -> parsed
        self.shapes: dict[tuple[str, ...], int] = {}
        self.labels: dict[tuple[Any, ...], str] = {}  # see Snapshots.kpi_label

    def room(self) -> None:
        """Start again once _PARSED_MAX snapshots are kept (a rare org)."""
        if len(self.by_text) + len(self.by_key) >= _PARSED_MAX:
            for kept in (self.by_text, self.by_key, self.questions, self.shapes, self.labels):
                kept.clear()


class Snapshots:
    """Round question snapshots, each distinct one parsed once (and kept, see _PARSED).

    Rounds built from the same questions and targets store the same snapshot text; parsing
    it (and looking up its labels in the reader's locale) once per text instead of once per
    round is most of what keeps a year of history fast. The questions given out are
    shared: read them, never change them.
    """

    def __init__(self, ctx: Context, locale: str) -> None:
        self.ctx, self.locale = ctx, locale
        # The metrics a CRM read has figures for (see crm_metrics), with that read.
        self._crm: tuple[Mapping[Any, float], frozenset[str]] | None = None
        kept = _PARSED.get(ctx.renderer)
        if kept is None:
            kept = _PARSED[ctx.renderer] = _Kept()
        self._kept = kept
        # (person key, metric) -> kpi_today's answer; ("", metric) -> kpi_not_asked's
        # for someone the org file does not ask it of.
        self._today: dict[tuple[str, str], Any] = {}
        # person key -> metric -> its place among the KPIs the org file asks them today.
        self._ranks: dict[str, dict[str, int]] = {}

    def crm_metrics(self, crm: Mapping[tuple[str, str, str], float]) -> frozenset[str]:
        """The metrics `crm` (crm_figures) has figures for: worked out once per read."""
        if self._crm is None or self._crm[0] is not crm:
            self._crm = (crm, frozenset(metric for _key, metric, _wk in crm))
        return self._crm[1]

    def questions(self, snapshot: str) -> list[Question]:
        """A snapshot's questions (as round_questions gives them)."""
        return self.parsed(snapshot).questions

    def parsed(self, snapshot: str) -> Parsed:
        """A snapshot's questions and shape, from its text."""
        kept = self._kept
        # By a digest of the text: kept as the key, the text itself (1–2 kB) would stay.
        digest = blake2b(snapshot.encode(), digest_size=16).digest()
        found = kept.by_text.get(digest)
        if found is None:
            kept.room()
            found = kept.by_text[digest] = self._parse(snapshot)
        return found

    def known(self, key: str) -> Parsed | None:
        """The snapshot with this key (storage/snapshot_keys.py), if it was parsed already."""
        return self._kept.by_key.get(key)

    def remember(self, key: str, snapshot: str) -> Parsed:
        """Parse a snapshot and keep it under its key (see known)."""
        kept = self._kept
        kept.room()
        found = kept.by_key[key] = self._parse(snapshot)
        return found

    def _parse(self, snapshot: str) -> Parsed:
        kept, out, shape = self._kept, [], []
        for data in json.loads(snapshot):
            target = data.pop("target", None)
            # The same question in another snapshot is written the same way (to_dict), so
            # its text finds the shared one; a different order would only not be shared.
            ident = repr(data)
            q = kept.questions.get(ident)
            if q is None:
                q = kept.questions[ident] = round_questions(
                    self.ctx, SimpleNamespace(questions=[data]))[0]
            out.append(q if target is None else replace(q, target=target))
            shape.append(ident)
        number = kept.shapes.get(tuple(shape))
        if number is None:
            # Never reused, not even after room() started again: a summary may still hold
            # snapshots parsed before.
            number = kept.shapes[tuple(shape)] = next(_SHAPES)
        return Parsed(out, number)

    def kpis(self, parsed: Parsed) -> list[tuple[Any, ...]]:
        """A snapshot's KPIs in the reader's locale: (question key, metric, label, unit,
        target, (metric, unit), the unit as the reader reads it), in the snapshot's order."""
        found = parsed.kpis.get(self.locale)
        if found is None:
            found = parsed.kpis[self.locale] = [
                (q.key, q.metric or q.key, self.kpi_label(q), q.unit or "",
                 float(q.target or 0), (q.metric or q.key, q.unit or ""),
                 q.unit_text(self.locale))
                for q in parsed.questions if q.category == "kpi"]
        return found

    def kpi_today(self, key: str, metric: str) -> tuple[Any, ...] | None:
        """The KPI (as kpis() gives it) the org file asks `key` for `metric` today, if any
        (worked out once per person and metric)."""
        found = self._today.get((key, metric), _UNKNOWN)
        if found is _UNKNOWN:
            found = self._today[(key, metric)] = self._kpi_today(key, metric)
        return found  # type: ignore[return-value]

    def _kpi_today(self, key: str, metric: str) -> tuple[Any, ...] | None:
        person = self.ctx.org.person(key)
        for q in self.ctx.org.questions_for(person) if person is not None else ():
            if q.category == "kpi" and (q.metric or q.key) == metric:
                return self._kpi(q)
        return None

    def kpi_rank(self, key: str, metric: str) -> int:
        """Where `metric` stands among the KPIs the org file asks `key` for today (any
        other after them): figures the CRM alone brings are listed as their week is."""
        order = self._ranks.get(key)
        if order is None:
            person = self.ctx.org.person(key)
            order = self._ranks[key] = {}
            for q in self.ctx.org.questions_for(person) if person is not None else ():
                if q.category == "kpi":
                    order.setdefault(q.metric or q.key, len(order))
        return order.get(metric, len(order))

    def asks_kpis(self, key: str) -> bool:
        """Whether the org file asks `key` for any KPI today (once per person)."""
        found = self._today.get((key, ""), _UNKNOWN)
        if found is _UNKNOWN:
            person = self.ctx.org.person(key)
            found = self._today[(key, "")] = person is not None and any(
                q.category == "kpi" for q in self.ctx.org.questions_for(person))
        return bool(found)

    def rate_not_theirs(self, key: str, metric: str, unit: str, had_round: bool) -> bool:
        """Whether the CRM's figure of `metric` for `key`, in a week whose round (if any)
        did not ask it, is a rate that is no KPI of theirs: with a round, none it did not
        ask is; with none, the org file does not ask it of them today. Such a figure is
        theirs alone, never in a team's or the org's mean (KpiLine.apart, Figure.apart)."""
        return is_rate(unit) and (had_round or self.kpi_today(key, metric) is None)

    def kpi_not_asked(self, key: str, metric: str) -> tuple[Any, ...]:
        """How a figure (the CRM's) of a week `key` was not asked and had no round for is
        named, in every view alike: as the org file asks `metric` of them today; else by
        the metric's label, with the unit of everyone the org file asks it of if they
        share one, none if not (a director in CNY is never named in another's USD)."""
        found = self.kpi_today(key, metric)
        if found is not None:
            return found
        found = self._today.get(("", metric))
        if found is None:
            org = self.ctx.org
            asked = [kpi_question(k.metric, k.label, k.unit, k.weekly_target, k.unit_label)
                     for p in org.people for k in p.kpis if k.metric == metric] + \
                [q for q in org.questions if q.category == "kpi" and (q.metric or q.key) == metric]
            if asked and len({q.unit or "" for q in asked}) == 1:
                found = self._kpi(asked[0])
            elif asked:
                found = (asked[0].key, metric, self.kpi_label(asked[0]), "", 0.0,
                         (metric, ""), "")
            else:
                found = (metric, metric, metric, "", 0.0, (metric, ""), "")
            self._today[("", metric)] = found
        return found

    def _kpi(self, q: Question) -> tuple[Any, ...]:
        metric, unit = q.metric or q.key, q.unit or ""
        return (q.key, metric, self.kpi_label(q), unit, float(q.target or 0),
                (metric, unit), q.unit_text(self.locale))

    def kpi_label(self, q: Question) -> str:
        """kpi_label, once per locale and what it reads (the question's key, metric and
        labels), for every snapshot that asks it."""
        at = (self.locale, q.key, q.metric, *q.label.items())
        found = self._kept.labels.get(at)
        if found is None:
            found = self._kept.labels[at] = kpi_label(self.ctx, self.locale, q)
        return found

    def question_text(self, q: Question) -> str:
        """question_text (rendered once per question and locale in the session)."""
        return question_text(self.ctx, self.locale, q)


def crm_figures(ctx: Context, weeks: Sequence[str]) -> dict[tuple[str, str, str], float]:
    """The CRM's figures of `weeks` per person key, metric and week (rows added up): one
    read for every week and person, as the GM's view reads them.

    A row dated after today (in the org's timezone) counts from its day on, as /goals
    counts it: on a Wednesday a deal closing on Friday read in the week's and quarter's
    figures here, and not in /goals' (80,000 against 50,000 for one quarter)."""
    return {(key, metric, wk): float(value) for key, metric, wk, value in
            ctx.session.execute(_CRM_SUMS, {"weeks": list(weeks), "today": ctx.org_today()})}


#: crm_figures' statement, built once (weeks and day bound when it runs): every view
#: of the summary reads it.
_CRM_SUMS = select(CrmActual.person_key, CrmActual.metric, CrmActual.week,
                   func.sum(CrmActual.value)).where(
    CrmActual.week.in_(bindparam("weeks", expanding=True)),
    or_(CrmActual.day.is_(None), CrmActual.day <= bindparam("today"))).group_by(
    CrmActual.person_key, CrmActual.metric, CrmActual.week)


def _person_week(snapshots: Snapshots, person: Any, week: str, rnd: RoundRow | None,
                 away_until: date | None = None, texts: bool = True,
                 crm: dict[tuple[str, str, str], float] | None = None,
                 placed: Mapping[str, tuple[str, str | None]] | None = None) -> PersonWeek:
    """One person's week. `placed`: for a past week, the team last recorded by then of
    those without a round (directors_then): their row names that team, not today's."""
    away = _is_away(rnd, away_until)
    row = PersonWeek(key=person.key, name=person.display_name,
                     team=_team_then(person, rnd, placed),
                     status="away" if away else "not_sent", answered=0, total=0, late=False,
                     # (Started, then away over its check-in: in progress, its line
                     # says until when: see _is_away.)
                     away_until=away_until, slack_id=person.slack_id,
                     telegram_id=person.telegram_id, left=not person.active)
    if rnd is None:
        # Not asked: no KPIs either, so today's org file never rewrites a past week; but
        # the CRM's sales that week are real, counted with no target (as the GM's view).
        row.kpis = _crm_only(snapshots, person, week, crm, None)
        row.kpis_unasked = snapshots.asks_kpis(person.key)
        return row
    ctx, locale = snapshots.ctx, snapshots.locale
    questions = snapshots.questions(rnd.questions)
    answers = {a.question_key: a for a in rnd.answers}
    live = applicable_given(questions, answers)
    row.total = len(live)
    for q in live:
        given = answers.get(q.key)
        if given is not None:
            if given.skipped:
                row.skipped += 1
            else:
                row.answered += 1
    if not away:
        row.status = _status(rnd, row)
        if row.status != "in_progress":
            row.away_until = None
    if rnd.submitted_at is not None:
        # By the week's days where it was run (the round's timezone; rounds made before
        # rounds had one read the person's today): a move since never rewrites it.
        zone = ZoneInfo(rnd.timezone) if rnd.timezone else _tz(person)
        row.late = rnd.submitted_at.astimezone(zone).date() > week_end(week)
        if rnd.edited_at is not None:
            row.edited_at = rnd.edited_at.astimezone(zone)
    for q in live:
        answer = answers.get(q.key)
        if q.category == "kpi":
            actual = answer.number_value if answer and not answer.skipped else None
            # Where the CRM has a figure for the week it is the one counted, as in the
            # GM's view (the same week must not read two ways).
            from_crm = crm.get((person.key, q.metric or q.key, week)) if crm else None
            if from_crm is not None:
                actual = from_crm
            # The target asked that week (the round's snapshot), not today's org file.
            target = float(q.target or 0)
            row.kpis.append(KpiLine(q.metric or q.key, snapshots.kpi_label(q), q.unit or "",
                                    target, actual, _ratio(actual, target),
                                    0 if actual is None else 1,
                                    unit_text=q.unit_text(snapshots.locale), crm=from_crm))
            if rnd.was and q.key in rnd.was and from_crm is None:
                # (The CRM's figure shown is not the one typed and changed: nothing said.)
                row.kpis[-1].edited, row.kpis[-1].was = True, rnd.was[q.key]
            continue
        if not texts:
            continue  # numbers only (see summaries' `texts`)
        shown = display_answer(ctx, locale, q, answer)
        if q.key in {"wins", "blockers", "support_detail", "plan"}:
            setattr(row, q.key, shown)
        elif q.key == "support_type":
            row.support_type = answer.text_value if answer and not answer.skipped else None
        elif q.key == "confidence":
            row.confidence = int(answer.number_value) if answer and answer.number_value else None
        elif shown is not None:
            row.other.append({"question": snapshots.question_text(q), "answer": shown})
    if away:  # not asked: the CRM's figures alone count, with no target
        row.kpis = _crm_only(snapshots, person, week, crm, row.kpis)
        row.kpis_unasked = snapshots.asks_kpis(person.key)
    elif crm:
        # The CRM's figures of metrics the round did not ask (new customers of someone
        # whose KPI is revenue): counted with no target, as in a week not asked, never
        # dropped because the person checked in (the GM's view counts them alike).
        asked = {k.metric for k in row.kpis}
        row.kpis += [k for k in _crm_only(snapshots, person, week, crm, row.kpis)
                     if k.metric not in asked]
    return row


def _crm_only(snapshots: Snapshots, person: Any, week: str,
              crm: dict[tuple[str, str, str], float] | None,
              asked: list[KpiLine] | None) -> list[KpiLine]:
    """The CRM's figures of a week `person` was not asked (away, or no round): real sales
    all the same, with no target, neither reported nor expected (as in the GM's view).
    Only of someone asked to check in in today's org file (someone removed counts in the
    weeks they were asked only). Each metric as that week's round asked it (`asked`), else
    as Snapshots.kpi_not_asked names it (the org file's way for that person, as the GM's
    view names it). `asked` None: the week has no round (else what it did not ask is no
    KPI of theirs: a rate so is `apart`)."""
    if not crm or not (person.active and person.checks_in):
        return []
    out = []
    kpis = {k.metric: k for k in asked or ()}
    for metric in sorted(snapshots.crm_metrics(crm),
                         key=lambda m: (snapshots.kpi_rank(person.key, m), m)):
        value = crm.get((person.key, metric, week))
        if value is None:
            continue
        k = kpis.get(metric)
        if k is not None:
            label, unit, unit_text = k.label, k.unit, k.unit_text
        else:
            named = snapshots.kpi_not_asked(person.key, metric)
            label, unit, unit_text = named[2], named[3], named[6]
        line = KpiLine(metric, label, unit, 0.0, value, None, 0, 0, unit_text=unit_text,
                       crm=value)
        line.apart = k is None and snapshots.rate_not_theirs(person.key, metric, unit,
                                                             asked is not None)
        out.append(line)
    return out


def _status(rnd: RoundRow, row: PersonWeek) -> str:
    if rnd.status == "submitted":
        # Skipping every question is not checking in.
        return "submitted" if row.answered else "skipped"
    if rnd.answers:
        return "in_progress"
    return "missed" if rnd.prompted_at is not None else "unreachable"


def _same_units(rows: list[PersonWeek]) -> None:
    """A unit some question labels in the reader's language reads so for everyone in the
    week (people whose KPIs were written with and without one are added up together)."""
    localised = {k.unit: k.unit_text for row in rows for k in row.kpis if k.unit_text != k.unit}
    if localised:
        for row in rows:
            for k in row.kpis:
                k.unit_text = localised.get(k.unit, k.unit_text)


def _team_totals(rows: list[PersonWeek]) -> list[KpiLine]:
    """Totals against the whole target: every expected person's target counts, reported or not
    (a rate's: the mean of the targets of those who reported, see `averaged`).

    People away or not sent a check-in that week are left out of the target (and named
    elsewhere); whoever was asked and gave no number is listed in `not_reported`.
    """
    totals: dict[tuple[str, str], KpiLine] = {}
    of_reported: dict[tuple[str, str], float] = {}  # the targets of the figures reported
    unasked: Counter[tuple[str, str]] = Counter()  # the CRM's figures of weeks not asked
    for row in rows:
        if row.status not in EXPECTED:
            # The CRM's sales of someone not asked: in the actual, with no target.
            for k in row.kpis:
                if k.apart:  # (a rate of a metric not theirs: see KpiLine.apart)
                    continue
                line = totals.setdefault((k.metric, k.unit), KpiLine(
                    k.metric, k.label, k.unit, 0.0, None, None, 0, 0, unit_text=k.unit_text))
                line.actual = (line.actual or 0.0) + (k.actual or 0.0)
                unasked[(k.metric, k.unit)] += k.actual is not None
            continue
        for k in row.kpis:
            if k.apart:
                continue
            line = totals.setdefault((k.metric, k.unit),
                                     KpiLine(k.metric, k.label, k.unit, 0.0, None, None, 0, 0,
                                             unit_text=k.unit_text))
            if not k.expected:  # the CRM's figure of a metric not asked: no target
                line.actual = (line.actual or 0.0) + (k.actual or 0.0)
                unasked[(k.metric, k.unit)] += k.actual is not None
                continue
            line.expected += 1
            line.target += k.target
            # (Changed after the week to no figure, too: the total lost what it held.)
            line.holds_edited |= k.edited
            if k.actual is None:
                line.not_reported.append(row.key)
                continue
            line.actual = (line.actual or 0.0) + k.actual
            line.reported += 1
            of_reported[(k.metric, k.unit)] = of_reported.get((k.metric, k.unit), 0.0) + k.target
    for mu, line in totals.items():
        line.target, line.actual = averaged(line.unit, line.target, line.actual, line.reported,
                                            line.expected, of_reported.get(mu, 0.0), unasked[mu])
        line.attainment = _ratio(line.actual, line.target)
    return list(totals.values())


@functools.lru_cache(maxsize=256)
def is_rate(unit: str) -> bool:
    """Whether a KPI in `unit` is a rate (a percentage), which is averaged, never added up."""
    return is_percent((unit,))


def averaged(unit: str, target: float, actual: float | None, reported: int,
             expected: int, of_reported: float | None = None,
             unasked: int = 0) -> tuple[float, float | None]:
    """A period's or a group's (target, actual) as shown, from their sums over `expected`
    person-weeks asked and `reported` figures: a rate's are their means (three win rates
    of 30 % are a team's 30 %, not 90 %; a figure not reported is left out of the mean, not
    read as 0 %, and named as not reported), any other KPI's the sums themselves.

    `of_reported`: the sum of the targets of the figures reported. A rate's mean figure is
    held against their mean, not everyone's: with targets of 20, 40 and 60 %, the 60 %
    director silent, 20 % and 40 % are 30 % of 30 %, not of 40 %. With nothing reported
    (or no such sum) the target is the mean of everyone's.

    `unasked`: how many of the figures in `actual` are the CRM's of a week their person
    was not asked (no target, not in `reported`): each is one more figure in the mean
    (20 % and 40 % reported, the CRM's 60 % for a third: 40 %, not 120 / 2). A rate of a
    metric that is no KPI of the person's is in neither (see KpiLine.apart)."""
    if is_rate(unit):
        if reported and actual is not None and of_reported is not None:
            target = of_reported / reported
        elif expected:
            target /= expected
        if actual is not None and reported + unasked:
            actual /= reported + unasked
    return rounded(target), summed(actual)


#: Figures added up (a team's totals, month and quarter to date, the org's) are kept to
#: this many decimals. The same figures added in another order differ in their last
#: binary digits (a chat page adds a director's older weeks apart from the rest, the CLI's
#: export all in turn: 361048.46 against 361048.4600000001), which JSON and CSV would
#: show. Six decimals keep every figure typed (cents, rates) as it was.
SUM_DECIMALS = 6


def summed(value: float | None) -> float | None:
    """A sum of figures as shown and exported (SUM_DECIMALS)."""
    return None if value is None else rounded(value)


def rounded(value: float) -> float:
    """`value` to SUM_DECIMALS: round(value, SUM_DECIMALS), as cheap as can be."""
    # A whole number rounds to itself, and most sums are whole (counts, whole currency):
    # round's exact decimal path costs half a microsecond, and a 10,000-director summary
    # rounds some 80,000 sums.
    if value.__class__ is float and value.is_integer():
        return value
    return round(value, SUM_DECIMALS)


def _ratio(actual: float | None, target: float) -> float | None:
    if actual is None or target <= 0:
        return None
    return actual / target


def _tz(person: Any) -> ZoneInfo:
    return ZoneInfo(person.timezone)


def weeks_csv(weeks: Sequence[WeekSummary]) -> str:
    """One row per person and week (a team's or a person's summary): status and each KPI's
    actual, target and attainment (columns per metric)."""
    import csv
    import io
    metrics: list[str] = []
    for w in weeks:
        for p in w.people:
            for k in p.kpis:
                if k.metric not in metrics:
                    metrics.append(k.metric)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["week", "person", "name", "team", "status", "late", "answered", "total",
                     "left", "not_reached_why", "edited_at",
                     *[f"{m}_{x}" for m in metrics for x in ("actual", "target",
                                                             "attainment")],
                     # (Last: a sheet reading the columns before by place reads on.)
                     *[f"{m}_was" for m in metrics],
                     # Since when someone `left` is out of the org file (the reader's
                     # day; empty in it, or not known): added after the rest likewise.
                     "left_on"])
    for w in weeks:
        for p in w.people:
            kpis = {k.metric: k for k in p.kpis}
            row: list[Any] = [w.week, p.key, _safe_cell(p.name), _safe_cell(p.team or ""),
                              # (yes/no as README promises every view's: `true`/`false`)
                              p.status, "true" if p.late else "false", p.answered, p.total,
                              "true" if p.left else "false", p.unreached_why or "",
                              p.edited_at.isoformat() if p.edited_at else ""]
            for m in metrics:
                k = kpis.get(m)
                row += ["", "", ""] if k is None else [
                    csv_number(k.actual), csv_number(k.target),
                    "" if k.attainment is None else csv_number(ratio_kept(k.attainment))]
            # A figure changed after its week: what it was when the week ended ("—": none).
            for m in metrics:
                k = kpis.get(m)
                row.append("" if k is None or not k.edited else
                           "—" if k.was is None else csv_number(k.was))
            row.append(p.left_on.isoformat() if p.left_on else "")
            writer.writerow(row)
    return out.getvalue()


def csv_number(value: float | None) -> str:
    """A figure for a CSV cell, every digit kept ("1250000.5", never "1.25e+06")."""
    if value is None:
        return ""
    if float(value).is_integer():
        return str(int(value))
    # 15 significant digits: all a float holds reliably, without 0.1 + 0.2's noise.
    return f"{value:.15g}"


def _safe_cell(value: str) -> str:
    # A spreadsheet runs a cell starting with = + - @ as a formula: names are user text.
    return "'" + value if value[:1] in {"=", "+", "-", "@"} else value


def tell_namesakes_apart(weeks: list[WeekSummary]) -> None:
    """Name each of two people of one name in a week's list with their key ('王伟
    (@wangwei2)'): a director of two 王伟 read "✅ 王伟 — checked in", "❌ 王伟 — not
    checked in" and "not reported: 王伟", and could not tell who had not answered. (They
    share the team, so the team would not tell them apart.) Once per person."""
    for w in weeks:
        counts = Counter(p.name for p in w.people)
        for p in w.people:
            if counts[p.name] > 1:
                p.name = f"{p.name} (@{p.key})"


def history_entries(weeks: Sequence[WeekSummary]) -> list[tuple[WeekSummary, WeekSummary]]:
    """A person's history as listed, latest first: (the week, the first week it covers).
    Weeks in a row before they joined (`joined_later`) read as one line, the span they
    cover (four such weeks are one fact, not four)."""
    entries: list[tuple[WeekSummary, WeekSummary]] = []
    for w in reversed(weeks):
        if entries and w.people[0].status == "joined_later" \
                and entries[-1][0].people[0].status == "joined_later":
            entries[-1] = (entries[-1][0], w)
        else:
            entries.append((w, w))
    return entries


def render_summary(renderer: Renderer, locale: str, markup: str, request: SummaryRequest,
                   weeks: list[WeekSummary], org_name: str) -> str:
    """Render summaries with the template that fits the request."""
    if request.kind != "person":
        tell_namesakes_apart(weeks)
    if request.kind == "person":
        return renderer.template(locale, "summary_person", markup, weeks=weeks,
                                 entries=history_entries(weeks),
                                 person=weeks[-1].people[0], org=org_name)
    if len(weeks) > 1:
        # Lookups prepared here keep the template linear in people x weeks.
        rows = {(w.week, p.key): {k.metric: k for k in p.kpis} for w in weeks for p in w.people}
        team = {(w.week, k.metric, k.unit): k for w in weeks for k in w.team_kpis}
        # Everyone with KPIs in any of the weeks, with their latest KPI list: someone who
        # left, or was away in the latest week, still has a row for the weeks they reported.
        people: dict[str, PersonWeek] = {}
        for w in weeks:
            for p in w.people:
                if p.kpis:
                    people[p.key] = p
        lines: dict[tuple[str, str], KpiLine] = {}
        for w in weeks:
            for k in w.team_kpis:
                lines[(k.metric, k.unit)] = k
        # No KPI line at all, but people the org file asks for KPIs were not asked in any
        # of the weeks (away, no check-in sent): "No KPIs are set" would contradict the
        # org file. Who, and why, each name once per reason.
        # (A check-in still to come where they are is named apart: it is not "none sent".)
        unasked: dict[str, dict[str, str]] = {"away": {}, "not_sent": {}, "due": {}}
        if not lines:
            for w in weeks:
                for p in w.people:
                    if p.kpis_unasked and p.status in unasked:
                        why = "due" if p.due is not None else p.status
                        unasked[why].setdefault(p.key, p.name)
        text = renderer.template(locale, "summary_trend", markup, weeks=weeks,
                                 latest=weeks[-1], org=org_name, scope=weeks[-1].scope,
                                 rows=rows, team=team, people=list(people.values()),
                                 team_lines=list(lines.values()),
                                 unasked_away=list(unasked["away"].values()),
                                 unasked_not_sent=list(unasked["not_sent"].values()),
                                 unasked_due=list(unasked["due"].values()),
                                 recognition=recognition_over(weeks))
    else:
        text = renderer.template(locale, "summary_week", markup, s=weeks[0], org=org_name,
                                 scope=weeks[0].scope)
    latest = weeks[-1]
    if latest.oneonones:
        text += "\n\n" + render_overview(renderer, locale, markup, latest.oneonones,
                                         latest.reader_tz)
    return text


def cmd_summary(ctx: Context, args: str) -> None:
    """/summary [last Nw | <person> | team <name> | <YYYY-Www>] [page N].

    The GM and named viewers get the five questions per director (handlers/summary_gm.py);
    `/summary <director>` one director's full picture and history; `team <name>` and
    `<person>` the check-ins as before. A director gets their own team only.
    """
    if args.split()[:1] and args.split()[0].lower() in {"chart", "charts", "图表"}:
        # /summary chart ...: an image. Imported here: that module builds on this one.
        from handlers.summary_chart import cmd_summary_chart
        cmd_summary_chart(ctx, args)
        return
    person = ctx.person
    if person is None:
        ctx.reply("summary_refused")
        return
    typed = mentions_as_keys(ctx, args)
    if typed is None:
        return
    # A reply names a span as the GM wrote it (最近13周), not as it was read ('last 13w'):
    # looked for only when one is named back.
    try:
        request = parse_request(typed)
    except SummaryTooManyWeeksError as err:
        said = typed_spans(typed).get(f"last {err.args[0].rstrip('wW')}w")
        ctx.reply("summary_too_many_weeks", said=said.typed if said else err.args[0],
                  most=MAX_WEEKS, command=f"/summary {said.most if said else err.args[1]}")
        return
    except SummaryUsageError as err:
        said = typed_spans(typed).get(f"last {str(err).rstrip('wW')}w")
        ctx.reply("usage", command="summary", bad=said.typed if said else str(err))
        return
    except SummaryPeriodError as err:
        ctx.reply("summary_period", said=str(err))
        return
    except SummaryConflictError as err:
        spans = typed_spans(typed)
        first, second = (spans[a].typed if a in spans else a for a in err.args[:2])
        ctx.reply("summary_two_periods", first=first, second=second)
        return
    if not person.can_view_summary:
        if person.role != "director":
            ctx.reply("summary_refused")
            return
        request = _own_team_request(ctx, person, request)
        if request is None:
            return
    platform = ctx.event.platform if ctx.event else "console"
    markup = ctx.addressbook.markup(platform)
    try:
        # Read at one moment (see one_moment); replied through ctx, which writes.
        # (The GM's view reads on two connections at once: one_moment's `beside`.)
        with one_moment(ctx, beside=request.kind in {"week", "trend"}) as seen:
            if request.kind in {"week", "trend"}:
                from handlers.summary_gm import gm_page
                week = resolve_week(seen, request, person.timezone)
                page = request.page or 1
                text, pages = gm_page(seen, person.locale, markup, week, request.weeks,
                                      person.timezone, page, request.period,
                                      reader=person.key)
            else:
                # Rendered, not exported: older weeks of a trend need their numbers only.
                weeks = summaries(seen, request, person.locale, person.timezone,
                                  texts="latest")
                person_still_to_come(seen, weeks, person.timezone)
                latest = weeks[-1] if len(weeks) == 1 else None
                if latest is not None and latest.people and latest.nothing_sent \
                        and not latest.due:
                    latest.before_bot = before_bot(seen, latest.week,
                                                   [p.key for p in latest.people],
                                                   person.timezone)
                text = render_summary(seen.renderer, person.locale, markup, request, weeks,
                                      seen.org.name)
                if request.kind == "person" and person.can_view_summary:
                    text = _director_picture(seen, person, request, weeks, markup) + text
        if request.kind in {"week", "trend"} and text is None:
            ctx.reply("summary_no_such_page", page=page, pages=pages,
                      last=" ".join(filter(None, ["/summary", request.period,
                                                  f"page {pages}" if pages > 1 else ""])))
            return
    except SummaryWeekError as err:
        ctx.reply("summary_bad_week", value=err.value, reason=err.reason, **err.params)
        return
    except SummaryAmbiguousError as err:
        reply_namesakes(ctx, [SimpleNamespace(key=key, display_name=name, team=team)
                              for key, name, team in err.people], "summary")
        return
    except SummaryUnknownError as err:
        typed = str(err.args[0])
        words = typed.split()
        today = ctx.clock.now().astimezone(ZoneInfo(person.timezone)).date()
        named = month_named(words, 0, today) if request.kind == "person" and words else None
        if named is not None and named[1] == len(words) and 1 <= named[0][1] <= 12:
            # "/summary December" (nobody is called that): a month, said with the year it
            # was read as, as 'this month' is answered, not "I don't know anyone called".
            ctx.reply("summary_period", said=typed, month=named[0])
            return
        quarter = quarter_named(words, 0, today, ctx.org.goals.fiscal_year_start) \
            if request.kind == "person" and words else None
        if quarter is not None and quarter[1] == len(words):  # Q4, 第四季度, likewise
            ctx.reply("summary_period", said=typed, quarter=quarter[0])
            return
        active = ctx.people.active()
        people = [(p.key, p.display_name) for p in active]
        # Each team once, as the org file first writes it (not `EAST` beside `East`).
        spelled = team_spellings(ctx.org)
        teams = sorted({spelled.get(team_key(p.team), p.team) for p in active if p.team},
                       key=team_order)
        ctx.reply("summary_unknown", kind=request.kind, name=quoted(typed), teams=teams,
                  gone=err.gone, last=err.last,
                  guess=closest(typed, teams) if request.kind == "team"
                  else None,
                  guesses=person_guesses(typed, active, ctx.org)
                  if request.kind != "team" else [],
                  example=people[0] if people else None)
        return
    # The whole org's view, or the director's own team: withdrawn unsent should an edit
    # of the org file take that away (bot.readers).
    ctx.reply_text(text, private=True, readers=VIEWERS if person.can_view_summary
                   else team_readers(person.team or ""))


def _director_picture(ctx: Context, viewer: Any, request: SummaryRequest,
                      weeks: list[WeekSummary], markup: str) -> str:
    """A director's five-question block, full, above their history ('' for others)."""
    from handlers.summary_gm import build_gm_summary, render_gm, still_to_come
    subject = weeks[-1].people[0]
    if subject.status == "joined_later":
        return ""  # (every week shown is before they were in the org file: no block)
    found = ctx.people.by_key(subject.key)
    if found is None or not was_director(found, weeks):
        return ""
    # (Why they were not reached, if so, is read with their history's weeks.)
    view = build_gm_summary(ctx, viewer.locale, weeks[-1].week, max(1, request.weeks),
                            viewer.timezone, only=subject.key,
                            known_why={subject.key: subject.unreached_why}
                            if subject.status == "unreachable" else None)
    if not view.directors:
        return ""  # (no director in the weeks shown: a member then, or made one since)
    still_to_come(ctx, view)
    return render_gm(ctx.renderer, viewer.locale, markup, view, reader=viewer.key) + "\n\n"


def was_director(person: Any, weeks: Sequence[WeekSummary]) -> bool:
    """Whether `person` may have a director's block in `weeks` (their history): a director
    in the org file today, or one with a check-in in those weeks, or away in them (made GM
    or a member since: the GM's view of those weeks, which decides by the round's role,
    or for a week away by their latest round's, still lists them as the director they
    were, one-on-one included)."""
    return (person.role == "director" and person.active) or any(
        w.people[0].status in EXPECTED or w.people[0].status == "away" for w in weeks)


def _own_team_request(ctx: Context, director: Any,
                      request: SummaryRequest) -> SummaryRequest | None:
    """A director's request turned into their own team's, or None (refused, replied).

    Whatever the arguments, the answer covers the director's team only: a week or
    `last Nw` keeps its period, `team <their team>` and `<a member>` are allowed, any
    other team or person is refused without saying whether it exists.
    """
    team = director.team
    if not team:
        ctx.reply("summary5_no_team")
        return None
    if request.page is not None and request.page > 1:
        # Pages are the GM's list of directors; a team's summary is one page.
        ctx.reply("summary_team_one_page", page=request.page,
                  first=" ".join(filter(None, ["/summary", request.period])))
        return None
    if request.kind == "team" and (request.team or "").strip().casefold() != team.casefold():
        ctx.reply("summary5_own_team_only", team=team)
        return None
    if request.kind == "person":
        # Only the team's own people: whether anyone else has the name is not said.
        named = people_named([p for p in ctx.people.active()
                              if team_key(p.team) == team_key(team)],
                             request.person or "", ctx.org)
        if not named:
            # Someone of the team taken out of the org file since (their row keeps the
            # team they left from): their history, as the director read it before they
            # left; the team's own views list them in those weeks anyway. A leaver of
            # another team is refused as anyone else is, whether they exist unsaid.
            named = people_named([p for p in ctx.people.left()
                                  if team_key(p.team) == team_key(team)],
                                 request.person or "", ctx.org)
        if len(named) > 1:
            reply_namesakes(ctx, named, "summary")
            return None
        if not named:
            ctx.reply("summary5_own_team_only", team=team)
            return None
        member = named[0]
        return SummaryRequest("person", weeks=request.weeks, week=request.week,
                              person=member.key)
    return SummaryRequest("team", weeks=request.weeks, week=request.week, team=team,
                          lead=True, reader=director.key)

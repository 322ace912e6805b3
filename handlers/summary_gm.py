"""The GM's five questions per director, on one screen: `/summary` and `teampulse summary`.

For each director: (1) goal and plan completion: attainment this week, month and quarter
to date against target, a trend arrow, the CRM figure and self-reports that differ from
it; (2) team management: members' check-in participation, morale and stress (shown only
as the pulse polls' anonymity threshold allows), kudos given and received, members'
one-on-ones held; (3) cooperation: support requests, above all those needing another
department (see handlers/summary_support.py); (4) execution: blockers (recurring ones
flagged), last week's plan beside this week's wins, the confidence trend; (5) the last
and next one-on-one with the GM and open action items. The org's headline comes first,
then what needs the GM's attention, then the directors ordered by need.

Speed: a fixed handful of statements whatever the size of the org (people; the rounds
of the weeks looked at with their answer counts, each distinct question snapshot parsed
once; the KPI figures and this week's texts by their question keys, the earlier weeks'
blockers and needs only of those who report one now; CRM sums; one-on-one and
action-item sums; kudos per team pair; polls), then one pass in Python over the
directors and the weeks looked at, and one template pass with the numbers formatted
beforehand. The older weeks of the quarter only add to month and quarter to date: the
database adds their rounds and figures up per director (_bulk_rounds, _bulk_figures),
and only the few rounds whose figures need a closer look (the CRM has a figure for the
week; no answer, so perhaps away) are read one by one.

Rules worth knowing (README, summary section):
- A director's figures are their own check-in's KPI answers (a director reports their
  team's numbers); where the CRM has a figure for the week it is used instead, and a
  self-report differing from it by more than the org's CRM tolerance is flagged.
- A week belongs to the month and quarter holding its Thursday (as ISO weeks do), the
  quarter being the org's fiscal one (goals' fiscal_year_start, as /goals counts it);
  month and quarter to date add up the weeks up to the summary's week, against the
  whole target of every week the director was asked (not away).
- Trend: the latest week's attainment (the mean over the director's KPIs) against the
  mean of the previous weeks shown (at least the three before): more than 5 points
  higher is up, lower is down.
- A blocker recurs when a blocker like it (see `similar`) was reported in another of
  the last weeks looked at.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from operator import itemgetter
from typing import Any, NamedTuple, cast
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    and_,
    bindparam,
    case,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    true,
    tuple_,
)
from sqlalchemy.orm import Session

from bot.cli_output import FORMULA_START
from bot.clock import as_utc
from bot.gc_pause import without_gc
from bot.goals import fiscal_quarter, parse_period
from bot.name_order import name_key
from bot.numbers import ratio_kept, round_half_up
from bot.oneonone import Cadence, as_params
from bot.org import team_spellings
from bot.questions import Question
from bot.render import NAMES_SHOWN, format_number, format_percent
from bot.schedule import checkin_moment
from bot.support_config import department_name
from bot.text import clean_text
from bot.weeks import week_end, week_of, week_start, weeks_back
from handlers.blocker_words import similar, tokens
from handlers.checkin import applicable_given
from handlers.checkin import week_over as closes
from handlers.context import Context
from handlers.goals import _differs as crm_differs
from handlers.joined import joined_weeks
from handlers.oneonone import (
    OVERDUE_AFTER,
    Pair,
    made_before,
    never_counted,
    next_meeting,
    restarted,
)
from handlers.pairs_then import managers_then
from handlers.pulse import EITHER, PollResults, hidden_why, poll_results, polls_between
from handlers.summary import (
    EXPECTED,
    LAST_ZONE,
    MORALE_LOOKBACK,
    BeforeBot,
    Parsed,
    Snapshots,
    averaged,
    before_bot,
    before_first_run,
    crm_figures,
    csv_number,
    goes_out,
    is_rate,
    may_still_go_out,
    reads_as_now,
    rounded,
    zone_then,
)
from handlers.summary_support import (
    SupportItem,
    owed_requesters,
    support_requests,
    tracked_requests,
    unresolved_requests,
)
from handlers.teams_then import directors_then, last_rounds, roles_then
from storage.db import no_jit
from storage.goals import CrmActual
from storage.kudos import Kudos
from storage.models import Answer, CheckinRound, Person, left_on
from storage.oneonone import (
    ActionItem,
    OneOnOneMeeting,
    OneOnOneRepo,
    counts_for,
    join_parties,
    now_parties,
)
from storage.pulse import PulsePoll
from storage.summary_rows import (
    figures_at_week_end,
    plain_rows,
    read_aside,
    round_zones,
    snapshot_texts,
)
from storage.undelivered import held_past_expiry, why_not_reached

#: A week's status for a director added to the org file after it, not asked in it: no
#: status at all (not "no check-in sent"), in no count (handlers/joined.py).
JOINED_LATER = "joined_later"
#: How many weeks the trend arrow, recurring blockers, support age and confidence look at.
LOOK_BACK = 4
#: Attainment points (of 1.0) a week must move to read as up or down.
TREND_MARGIN = 0.05
#: Confidence points (of 5) the latest must move against the earlier mean.
CONFIDENCE_MARGIN = 0.5
#: Team morale below this (of 5) needs the GM's attention; stress uses the pulse alert level.
MORALE_LOW = 3.0
SKIPPED = object()  # an answer skipped (in the answers read: never a figure or a text)
#: Read for the earlier look-back weeks only where this week reports a blocker or a need.
FOLLOW_KEYS = ("blockers", "support_type", "support_detail")
#: Read for this week for every director when every block is shown (the CLI's export;
#: confidence, a figure, comes with the KPIs, and last week's plan beside this week's wins);
#: a chat page reads FOLLOW_KEYS for all and the rest for its own directors (DETAIL_KEYS).
LATEST_KEYS = (*FOLLOW_KEYS, "plan", "wins")
#: For a chat page, read only for the directors on it (see build_gm_summary's `page`):
#: this week's wins and plan, last week's plan, the confidence of each look-back week.
DETAIL_KEYS = ("wins", "plan", "confidence")

#: Directors per chat message of the GM's view (`/summary page N`); an org of up to this
#: many reads as one message, as it always did.
PAGE_SIZE = 20
#: In a paged view, attention items listed on page 1 before "and N more".
ATTENTION_SHOWN = 20
#: In a chat view, the team members' open support requests listed on page 1 (the oldest)
#: before "and N more: /support": a large org's members may have hundreds open.
MEMBERS_SUPPORT_SHOWN = 5

#: Attention kinds, most urgent first: the order of the list and of the directors.
ATTENTION_ORDER = ("oneonone_overdue", "actions_overdue", "falling", "support_aged",
                   "support_department", "missing", "morale_low", "stress_high",
                   "recurring_blocker", "crm_mismatch")


# --- the view ---------------------------------------------------------------------------

@dataclass(slots=True)
class Figure:
    """A KPI's figure over a period: the trusted actual against the whole target."""

    metric: str
    label: str
    unit: str
    target: float = 0.0
    actual: float | None = None
    reported: int = 0
    expected: int = 0
    crm: float | None = None  # the CRM's figure (this week only)
    self_reported: float | None = None  # what the director typed (this week only)
    differs: bool = False  # self-report off the CRM's by more than the tolerance
    not_reported: list[str] = field(default_factory=list)  # names (org headline)
    unit_text: str = ""  # `unit` as the reader reads it (exports keep the canonical unit)
    # A rate the CRM gives of a metric that is no KPI of the director's that week (its
    # round did not ask it; with no round, the org file does not ask it of them): in their
    # block, never in the org's mean, the mean of those the KPI is asked of.
    apart: bool = False
    #: An org total (the headline's) adds up a director's figure changed after its week
    #: ended: last week's total read in chat differs from today's, and the line says why.
    #: Not a figure the CRM gives (the typed one is not counted).
    holds_edited: bool = False

    @property
    def attainment(self) -> float | None:
        """actual / target, None without a figure or a target."""
        if self.actual is None or self.target <= 0:
            return None
        return self.actual / self.target

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return _figure_dicts((self,))[0]


def _edited_from(conn: Connection, edited: list[tuple[int, str, DirectorView]],
                 kpi_by_key: Mapping[str, Any]) -> None:
    """Each view's latest-week KPI figures changed after the week ended, with what they
    were when it ended (answers.number_at_week_end): one read, of the edited rounds only.
    A figure the CRM gives is left out: the typed one changed, not the one shown."""
    of_round = {rid: (snap, view) for rid, snap, view in edited}
    found: dict[int, list[tuple[str, float | None]]] = {}
    for rid, changed in figures_at_week_end(conn, of_round).items():
        snap, view = of_round[rid]
        for key, was in changed.items():
            metric = next((k[1] for k in kpi_by_key[snap] if k[0] == key), None)
            shown = next((f for f in view.week if f.metric == metric), None)
            if shown is not None and shown.crm is None:
                found.setdefault(rid, []).append((metric, was))
    for rid, pairs in found.items():
        of_round[rid][1].edited_from = pairs


def _edited_periods(conn: Connection, pids: Collection[int] | None, weeks: list[str],
                    in_month: Mapping[str, bool], kpi_by_key: Mapping[str, Any],
                    people: Mapping[int, Any],
                    crm_get: Callable[[tuple[str, str, str]], float | None]
                    ) -> dict[int, set[tuple[str, tuple[str, str]]]]:
    """Per director (of `pids`; None: everyone's), which of their month and quarter to
    date (`weeks`: the quarter's to the view's week) add up which KPI figure changed
    after its week ended: ("month_to_date" or "quarter_to_date", (metric, unit)). One
    read, of rounds so changed (usually none). A text so changed is no figure; nor is a
    week the CRM gives the figure of (the typed one is not counted); nor a round made for
    them as a member (it is not in their sums)."""
    found: dict[int, set[tuple[str, tuple[str, str]]]] = {}
    query = select(CheckinRound.person_id, CheckinRound.week, CheckinRound.snapshot_key,
                   CheckinRound.role, Answer.question_key) \
        .join(Answer, Answer.round_id == CheckinRound.id) \
        .where(CheckinRound.week.in_(weeks), Answer.changed_after_week_at.is_not(None),
               # (Such an answer's round is marked edited: the rounds' covering index
               # finds the few, not every answer of the org's quarter.)
               CheckinRound.edited_at.is_not(None))
    if pids is not None:
        query = query.where(CheckinRound.person_id.in_(list(pids)))
    for pid, wk, key, role, qkey in conn.execute(query):
        person = people.get(pid)
        mu = next((k[5] for k in kpi_by_key.get(key, ()) if k[0] == qkey), None)
        if person is None or mu is None or (role or person.role) != "director" or \
                crm_get((person.key, mu[0], wk)) is not None:
            continue
        found.setdefault(pid, set()).update(
            ((period, mu) for period in ("month_to_date", "quarter_to_date"))
            if in_month[wk] else (("quarter_to_date", mu),))
    return found


def _figure_dicts(figures: Iterable[Figure]) -> list[dict[str, Any]]:
    """Each of `figures` as its `as_dict()`."""
    # One comprehension per list, `attainment` and `_round` written out, no call per
    # figure: an export of 10,000 directors makes some 60,000 of these.
    return [{"metric": f.metric, "label": f.label, "unit": f.unit,
             "target": (target := f.target), "actual": (actual := f.actual),
             # (ratio_kept only at the edges: a cent short of target is never 1.0.)
             "attainment": None if actual is None or target <= 0
             else r if (r := round(actual / target, 4)) not in (0.0, 1.0)
             else ratio_kept(actual / target),
             "reported": f.reported, "expected": f.expected, "crm": f.crm,
             "self_reported": f.self_reported, "crm_differs": f.differs}
            for f in figures]


@dataclass(slots=True)
class Attention:
    """Something about a director the GM should look at first."""

    kind: str  # one of ATTENTION_ORDER
    director: str  # key
    name: str
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        # The detail's figures are exact (a view rounds each once, as it shows it); JSON
        # keeps 4 places, as the rest of the summary's.
        return {"kind": self.kind, "director": self.director, "name": self.name,
                "detail": {k: (v.isoformat() if isinstance(v, date) else
                               _round(v) if isinstance(v, float) else v)
                           for k, v in self.detail.items()}}


@dataclass(slots=True)
class DirectorView:
    """One director's answers to the GM's five questions.

    The lists the view only ever replaces whole (series, members, support, confidence,
    attention) start as one shared empty tuple, not a list each: 60,000 fewer objects
    made and freed for the CLI's export of 10,000 directors. Only week, mtd and qtd are
    appended to.
    """

    key: str
    name: str
    team: str | None
    status: str  # the latest week's check-in status (see handlers/summary.py)
    late: bool = False
    #: When the latest week's answers were last changed after that week had ended (the
    #: reader's time): its figures are not those read then. None: never (or before 0021).
    edited_at: datetime | None = None
    #: Each week of the series (`GmSummary.look`, the latest included) whose answers were
    #: changed after it ended, and when (the reader's time): a view of several weeks, and
    #: any view's trend, show those weeks' figures too; oldest first. Empty: nearly all.
    edited_weeks: Sequence[tuple[str, datetime]] = ()
    #: The latest week's KPI figures changed after it ended, by metric, and what each was
    #: when the week ended (None: no figure then), kept at the first such change
    #: (answers.number_at_week_end, 0022_answerwas). Not a figure the CRM gives.
    edited_from: Sequence[tuple[str, float | None]] = ()
    #: Which of month_to_date and quarter_to_date add up a KPI figure changed after its
    #: week ended (answers.changed_after_week_at): the block says so. Empty: nearly all.
    edited_in: Sequence[str] = ()
    answered: int = 0  # of `total` questions that applied, in the latest week
    skipped: int = 0
    total: int = 0
    away_until: date | None = None
    slack_id: str | None = None
    telegram_id: int | None = None
    #: Taken out of the org file since (listed for the weeks they were asked): nothing
    #: about their check-in is for the GM to chase, and it will not be finished.
    left: bool = False
    #: `left`: the day, in the reader's timezone, the org sync took them out; None when
    #: not known (taken out before 0024_leftat). JSON's and CSV's `left_on`.
    left_on: date | None = None
    #: `unreachable`: why the prompt never reached them (storage.undelivered.UNREACHED_WHY:
    #: blocked the bot, never pressed Start, ...), the summary saying what to do about it.
    unreached_why: str | None = None
    # 1. goal and plan completion
    week: list[Figure] = field(default_factory=list)
    mtd: list[Figure] = field(default_factory=list)
    qtd: list[Figure] = field(default_factory=list)
    series: Sequence[float | None] = ()  # per look-back week, oldest first
    trend: str | None = None  # up | down | flat | None (too little to say)
    #: The week they joined in, when later than the quarter's first: their month's and
    #: quarter's targets are the weeks asked since, not the whole period (see the loop).
    joined: str | None = None
    # 2. team management
    members: int = 0  # members asked to check in in the latest week
    members_in: int = 0  # of whom checked in
    #: Members asked who have not checked in, those in progress apart (as the headline's).
    members_missing: Sequence[str] = ()
    members_in_progress: Sequence[str] = ()
    morale: float | None = None
    stress: float | None = None
    pulse: str = "none"  # none (no poll) | hidden (below threshold) | shown
    #: Hidden: why (handlers/pulse.py hidden_why: few, subtraction, either), for the text
    #: and the JSON (pulse_hidden_why).
    pulse_why: str | None = None
    kudos_given: int = 0
    kudos_received: int = 0
    team_pairs: int = 0
    team_held: int = 0  # members' one-on-ones held with the director in the period
    team_overdue: int = 0
    # 3. cooperation
    support: Sequence[SupportItem] = ()
    # 4. execution
    blockers: str | None = None
    #: The week's check-in asked about blockers (one made under questions without them
    #: has none to report: "not asked", never "no blockers").
    blockers_asked: bool = True
    #: The director skipped the blockers question: "blockers question skipped", never
    #: "no blockers", which a GM reads as nothing in the way.
    blockers_skipped: bool = False
    #: Their blockers answer's words were erased (teampulse erase): one was reported, and
    #: reads so, never "no blockers".
    blockers_erased: bool = False
    #: Their blockers answer says there are none ('none', '无'): "no blockers" even while
    #: the check-in is under way or was left half done, never "not reported".
    blockers_none: bool = False
    recurring: int = 0  # weeks (this one included) a similar blocker was reported; 0: none
    recurring_of: int = 0  # of how many weeks looked at (this one included)
    wins: str | None = None
    plan: str | None = None  # this week's plan for next week
    last_plan: str | None = None  # last week's plan, beside this week's wins
    confidence: Sequence[int | None] = ()
    confidence_trend: str | None = None
    # 5. one-on-ones with the GM
    oneonone_last: datetime | None = None
    oneonone_next: datetime | None = None
    oneonone_overdue: bool = False
    #: Why it is overdue (set only then): the slot not held, as oneonone.as_params gives
    #: it in the reader's timezone, and "not_held" (said so) or "unanswered".
    oneonone_missed: dict[str, Any] | None = None
    oneonone_missed_reason: str | None = None
    has_oneonone: bool = False
    manager_key: str | None = None  # whom the one-on-one is with (that week's: _oneonones)
    manager: str | None = None  # their name
    open_actions: int = 0
    overdue_actions: int = 0
    attention: Sequence[Attention] = ()
    # Not sent this week's check-in only because its time is still to come where they
    # are: when it goes out, in the reader's timezone (see still_to_come; chat only).
    due: datetime | None = None
    # Not checked in a week over where the reader is but still running where they are
    # (Monday 08:00 in Berlin is Sunday 23:00 in Los Angeles): until when, in the reader's
    # timezone (see still_open; chat only). Else it read as missed, as the week's over.
    open_until: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        # Figures made by one comprehension per period, values rounded inline (no helper
        # calls), no comprehension run over an empty list (most directors have no support
        # request or attention item), and the view's own lists of names and confidence
        # given as they are, not copied (orjson writes the dict at once): an export of
        # 10,000 directors runs this 10,000 times.
        morale, stress, last, next_ = self.morale, self.stress, self.oneonone_last, \
            self.oneonone_next
        support, attention = self.support, self.attention
        return {
            "key": self.key, "name": self.name, "team": self.team, "status": self.status,
            "late": self.late,
            "edited_at": self.edited_at.isoformat() if self.edited_at else None,
            "edited_weeks": {wk: at.isoformat() for wk, at in self.edited_weeks},
            "edited_from": dict(self.edited_from),
            "edited_in": list(self.edited_in),
            "answered": self.answered, "skipped": self.skipped,
            "total": self.total,
            "away_until": self.away_until.isoformat() if self.away_until else None,
            "goals": {"week": _figure_dicts(self.week),
                      "month_to_date": _figure_dicts(self.mtd),
                      "quarter_to_date": _figure_dicts(self.qtd),
                      # (ratio_kept only at the edges, as _figure_dicts: 10,000 directors.)
                      "series": [None if v is None else r if (r := round(v, 4)) not in
                                 (0.0, 1.0) else ratio_kept(v) for v in self.series],
                      "trend": self.trend, "joined": self.joined},
            "team_management": {
                     "members_expected": self.members, "members_checked_in": self.members_in,
                     "members_in_progress": self.members_in_progress or [],
                     "members_missing": self.members_missing or [],
                     "pulse": self.pulse,
                     "pulse_hidden_why": self.pulse_why if self.pulse == "hidden" else None,
                     "morale": None if morale is None else round(morale, 4),
                     "stress": None if stress is None else round(stress, 4),
                     "kudos_given": self.kudos_given,
                     "kudos_received": self.kudos_received,
                     "oneonones": {"pairs": self.team_pairs, "held": self.team_held,
                                   "overdue": self.team_overdue}},
            "support": [{"id": s.id, "requester": s.requester, "type": s.type,
                         "detail": s.detail, "department": s.department,
                         "cross_department": s.cross_department,
                         "opened": s.opened.isoformat(), "age_days": s.age_days,
                         "status": s.status} for s in support] if support else [],
            "execution": {"blockers": self.blockers, "recurring_weeks": self.recurring,
                          "wins": self.wins, "plan": self.plan, "last_plan": self.last_plan,
                          "confidence": self.confidence or [],
                          "confidence_trend": self.confidence_trend},
            "oneonone": {"has_pair": self.has_oneonone, "with": self.manager_key,
                         "last": last.isoformat() if last else None,
                         "next": next_.isoformat() if next_ else None,
                         "overdue": self.oneonone_overdue,
                         "open_actions": self.open_actions,
                         "overdue_actions": self.overdue_actions},
            "attention": [a.kind for a in attention] if attention else [],
            "not_reached_why": self.unreached_why,
            "left": self.left,
            "left_on": self.left_on.isoformat() if self.left_on else None,
        }


@dataclass(slots=True)
class WeekCount:
    """Directors' check-ins in one week of the view."""

    week: str
    start: date
    end: date
    expected: int
    checked_in: int
    missing: list[str]  # names: expected, not checked in, not in progress, reached
    away: list[str]  # names
    nothing_sent: bool
    not_sent: list[str] = field(default_factory=list)  # names: not asked, not in the target
    #: Of `not_sent`, those whose check-in is still to come this week where they are
    #: (taken out of `not_sent` by still_to_come; chat only).
    due: list[str] = field(default_factory=list)
    #: Expected, started and not finished: apart from `missing`, as a GM reads "missing" as
    #: "did not answer" (checked_in + in_progress + missing + not_reached + left = expected).
    in_progress: list[str] = field(default_factory=list)
    #: Expected, not checked in (started or not), and taken out of the org file since:
    #: apart from `in_progress` and `missing`, as they will not answer and nobody chases
    #: them (checked_in + in_progress + missing + not_reached + left = expected).
    left: list[str] = field(default_factory=list)
    #: Expected, and the prompt never reached them (no platform could deliver it, or it
    #: refused it for good): apart from `missing`, as "missing" would blame them for what
    #: the GM (or the operator) has to mend (checked_in + in_progress + missing +
    #: not_reached + left = expected).
    not_reached: list[str] = field(default_factory=list)
    #: Since when each of `left` is out of the org file, in the reader's timezone (None:
    #: not known, taken out before 0024_leftat); chat and Markdown only.
    left_on: list[date | None] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"week": self.week, "start": self.start.isoformat(),
                "end": self.end.isoformat(), "expected": self.expected,
                "checked_in": self.checked_in, "in_progress": list(self.in_progress),
                "missing": list(self.missing),
                "away": list(self.away), "not_sent": list(self.not_sent),
                "nothing_sent": self.nothing_sent, "left": list(self.left),
                "not_reached": list(self.not_reached)}


@dataclass(frozen=True, slots=True)
class MemberSupport:
    """An open support request of someone with no director's block (a team member who
    checks in asks for support as a director does), as the GM's view lists them apart."""

    item: SupportItem
    name: str  # the requester as the view names them (with their key if a namesake's)
    team: str | None
    left: bool  # taken out of the org file since (the request is still owed an answer)
    ageing: bool  # open the org file's support.ageing_days or more
    #: `left`: the day, in the reader's timezone, they were taken out (None: not known).
    left_on: date | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (docs/schema/summary.schema.json's member_support)."""
        item = self.item
        return {"id": item.id, "requester": item.requester, "name": self.name,
                "team": self.team, "type": item.type, "detail": item.detail,
                "department": item.department, "cross_department": item.cross_department,
                "opened": item.opened.isoformat(), "age_days": item.age_days,
                "ageing": self.ageing, "status": item.status, "left": self.left,
                "left_on": self.left_on.isoformat() if self.left_on else None}


@dataclass
class GmSummary:
    """The org's headline, the attention list and the directors, ordered by need."""

    org: str
    week: str
    weeks: list[WeekCount]
    headline: list[Figure]  # this week, per KPI, against the whole target
    headline_mtd: list[Figure]
    headline_qtd: list[Figure]
    directors: list[DirectorView]
    attention: list[Attention]
    month: str  # e.g. 2026-11
    quarter: str  # e.g. 2026-Q4 (the org's fiscal quarter, named as goals name it)
    reader_tz: str = "UTC"
    full: bool = False  # one director's full picture (/summary <director>)
    look: list[str] = field(default_factory=list)  # the weeks of each director's series
    # The chat page whose directors' texts (wins, plans, confidence) were read and month
    # and quarter figures made; None: every director's (see build_gm_summary's `page`).
    detail_page: int | None = None
    # The week shown is the reader's current one (else "this week" would name another).
    this_week: bool = True
    # Directors who share a name with another, by key: the name as the view's lists print
    # it ('王伟 (China)', '王伟 (@wangwei2)'); their blocks' headings name them with the key
    # (two 王伟 of team China both read "王伟 · team China").
    namesakes: dict[str, str] = field(default_factory=dict)
    #: The one week shown, with nothing sent, ended before the bot first ran (chat only).
    before_bot: BeforeBot | None = None
    #: The goals' fiscal_year_start: other than 1, the quarter is a fiscal one, and the
    #: view names its first and last day so nobody reads it as the calendar's.
    fiscal_year_start: int = 1
    #: The org file's departments by key, named in the reader's language: a support
    #: request reads "(Finance)" or "（财务部）", not its key "(finance)"; one the file
    #: no longer declares "(finance, no longer in the org file)".
    departments: dict[str, str] = field(default_factory=dict)
    #: Team members' open support requests at the week's end, oldest first (not a
    #: director's: those are in their block); the view of one director has none.
    members_support: list[MemberSupport] = field(default_factory=list)
    #: The first week the bot asked anyone, when it came after the quarter's first week
    #: (a fresh install's first quarter): the month and quarter to date have no target
    #: before it, and the headline says so (None otherwise).
    counted_from: str | None = None
    #: ... and it came after the month's first week too (else only the quarter's is cut).
    counted_from_month: bool = False
    #: ... and the CRM's figures of a director in those weeks count in the actual, with no
    #: target: the headline says so, as they lift the month or quarter over its target.
    counted_crm: bool = False

    @property
    def quarter_days(self) -> tuple[date, date]:
        """The first and last day of the summary's quarter (by the fiscal year)."""
        period = parse_period(self.quarter, None, self.fiscal_year_start)
        return period.start, period.end

    @without_gc
    def to_dict(self) -> dict[str, Any]:
        """The JSON the CLI prints (docs/schema/summary.schema.json)."""
        data = self.for_json()
        data["directors"] = [d.as_dict() for d in self.directors]
        return data

    def for_json(self) -> dict[str, Any]:
        """to_dict with the directors' views as they are, for bot/cli_output's
        `json_bytes(..., records=True)` to make each one's dict as it writes it."""
        _whole(self)
        data: dict[str, Any] = {
            "view": "gm", "org": self.org, "week": self.week, "month": self.month,
            "series_weeks": list(self.look),
            "quarter": self.quarter, "quarter_first_day": self.quarter_days[0].isoformat(),
            "quarter_last_day": self.quarter_days[1].isoformat(),
            "counted_from": self.counted_from,
            "weeks": [w.as_dict() for w in self.weeks],
            "headline": {"week": [f.as_dict() | {"not_reported": list(f.not_reported),
                                                 "includes_edited": f.holds_edited}
                                  for f in self.headline],
                         "month_to_date": [f.as_dict() | {"includes_edited": f.holds_edited}
                                           for f in self.headline_mtd],
                         "quarter_to_date": [f.as_dict() | {"includes_edited": f.holds_edited}
                                             for f in self.headline_qtd]},
            "attention": [a.as_dict() for a in self.attention]}
        # Team members' open requests, where the chat lists them (after the attention
        # list): every one, as the chat's count promises. Not in one director's full
        # picture, which has no such list (an empty one would say none was open).
        if not self.full:
            data["members_support"] = [m.as_dict() for m in self.members_support]
        data["directors"] = list(self.directors)
        return data


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _thursday(week: str) -> date:
    return week_start(week) + timedelta(days=3)


def month_of(week: str) -> str:
    """The month a week counts in: its Thursday's."""
    day = _thursday(week)
    return f"{day.year}-{day.month:02d}"


def quarter_of(week: str, fiscal_year_start: int = 1) -> str:
    """The quarter a week counts in: its Thursday's, by the org's fiscal year (the goals'
    `fiscal_year_start`), named as goals name it: with 12, 2026-W49 is in 2027-Q1."""
    return fiscal_quarter(_thursday(week), fiscal_year_start)


def _window(week: str, shown: int, fiscal_year_start: int = 1) -> list[str]:
    """Every week whose figures the view needs: the quarter to date and the weeks shown."""
    quarter = quarter_of(week, fiscal_year_start)
    weeks = weeks_back(week, 14)
    first = next(i for i, w in enumerate(weeks) if quarter_of(w, fiscal_year_start) == quarter)
    return weeks_back(week, max(len(weeks) - first, shown))


def _status(status: str, prompted: bool, given: int, real: int) -> str:
    if status == "submitted":
        return "submitted" if real else "skipped"
    if given:
        return "in_progress"
    return "missed" if prompted else "unreachable"


#: The summary's statements by what shapes them (weeks, question keys, which directors),
#: built once and reused: building one of its selects and working out its cache key
#: cost SQLAlchemy more than SQLite took to run it at 1,000 directors. Lists of ids are
#: bound when a statement runs.
_STATEMENTS: dict[tuple[Any, ...], Any] = {}


def _statement(key: tuple[Any, ...], make: Callable[[], Select[Any]]) -> Select[Any]:
    """The statement `make` builds, built once per `key`."""
    found = _STATEMENTS.get(key)
    if found is None:
        if len(_STATEMENTS) >= 512:  # (weeks go by: the oldest keys are never asked again)
            _STATEMENTS.clear()
        found = _STATEMENTS[key] = make()
    return found


def _rounds_read(week: str, look: list[str], older: list[str], one_list: bool = False
                 ) -> Select[Any]:
    """The rounds build_gm_summary reads one by one (see there): those of the weeks looked
    at, and of the `older` weeks those the CRM has figures for or with no answer.

    `one_list` (PostgreSQL): every week of the window in one IN list, the older weeks'
    rounds picked by an OR inside it, which PostgreSQL takes as the covering index's
    condition. As an OR of the two lists it could not: it scanned the whole index (every
    week ever stored, each entry filtered), or read both lists' rounds from the table
    through a bitmap. SQLite searches the index once per list either way, and filters
    fewer rows with the two (with one list the 1,000-director page took about 1% more
    instructions, by callgrind).
    """
    if not older:
        read = CheckinRound.week.in_(look)
    elif one_list:
        read = and_(CheckinRound.week.in_([*look, *older]), or_(
            CheckinRound.week.in_(look), _has_crm(older), _unanswered()))
    else:
        read = or_(CheckinRound.week.in_(look), and_(CheckinRound.week.in_(older), or_(
            _has_crm(older), _unanswered())))
    return select(
        CheckinRound.id, CheckinRound.person_id, CheckinRound.week,
        CheckinRound.status, CheckinRound.team, CheckinRound.prompted_at.is_not(None),
        # When it was submitted, and where, matter for the latest week only (late or not).
        case((CheckinRound.week == week, CheckinRound.submitted_at)),
        CheckinRound.snapshot_key, *_answer_counts(week),
        CheckinRound.role, case((or_(CheckinRound.week == week,
                                     CheckinRound.status != "submitted"),
                                 CheckinRound.timezone)),
        case((CheckinRound.week == week, CheckinRound.manager_key)),
        # When its answers were last changed after the week (every week's: a view of
        # several weeks marks each; from the covering index, as the rest).
        CheckinRound.edited_at).where(read)


#: Above this many question keys the earlier weeks' figures are grouped by round rather
#: than joined a key at a time (SQLite joins at most 64 tables in one statement).
FIGURES_JOINED = 24


def _figures_by_round(weeks: list[str], keys: list[str], only: str | None,
                      grouped: bool = False) -> Select[Any]:
    """Directors' rounds of `weeks` (of one, if `only`) with a figure for one of `keys`:
    the figures in the order of `keys` (None: none given, skipped or a text), the round's
    id last. On SQLite each key's answer is joined by the covering (round, key, ...)
    index, a lookup a key, nothing grouped or sorted (grouped by round, SQLite sorted the
    74,000 answers of 10,000 directors' three earlier weeks: 64 -> 38 ms for the join).
    `grouped` (PostgreSQL): the answers grouped by round instead, directors told by their
    role as an OR (see _directors), which PostgreSQL estimates right and hashes: joined a
    key at a time it looked each key up round by round (10,000 directors' three earlier
    weeks, three keys: 122 -> 96 ms; seven weeks, two keys: 206 -> 138 ms)."""
    if grouped or len(keys) > FIGURES_JOINED:
        return _of_directors(select(
            *(func.max(case((Answer.question_key == key, Answer.number_value)))
              for key in keys), Answer.round_id), only, grouped=grouped).where(
            CheckinRound.week.in_(weeks), Answer.question_key.in_(keys),
            Answer.skipped.is_(False), Answer.number_value.is_not(None)
        ).group_by(Answer.round_id)
    given = [Answer.__table__.alias(f"figure_{i}") for i in range(len(keys))]
    query = select(*(a.c.number_value for a in given), CheckinRound.id).select_from(
        CheckinRound)
    for a, key in zip(given, keys, strict=True):
        query = query.outerjoin(a, and_(a.c.round_id == CheckinRound.id, a.c.question_key == key,
                                        a.c.skipped.is_(False), a.c.number_value.is_not(None)))
    return _directors(query, only).where(
        CheckinRound.week.in_(weeks),
        func.coalesce(*(a.c.number_value for a in given)).is_not(None) if len(given) > 1
        else given[0].c.number_value.is_not(None))


def _by_round(rows: list[tuple[Any, ...]], keys: Sequence[str]) -> dict[int, dict[str, Any]]:
    """_figures_by_round's rows as each round's figures by key, by round id."""
    # Up to four keys (a few KPIs and confidence: nearly every org) with a dict display:
    # a third of the time of dict(zip(...)) per round (10,000 directors: 26,000 rounds).
    if len(keys) == 1:
        (k0,) = keys
        return {rid: {k0: a} for a, rid in rows}
    if len(keys) == 2:
        k0, k1 = keys
        return {rid: {k0: a, k1: b} for a, b, rid in rows}
    if len(keys) == 3:
        k0, k1, k2 = keys
        return {rid: {k0: a, k1: b, k2: c} for a, b, c, rid in rows}
    if len(keys) == 4:
        k0, k1, k2, k3 = keys
        return {rid: {k0: a, k1: b, k2: c, k3: d} for a, b, c, d, rid in rows}
    # (zip stops before the id, last in each row.)
    return {row[-1]: dict(zip(keys, row, strict=False)) for row in rows}


def _answers_of(only: str | None, text: bool = True) -> Select[Any]:
    """Answers (round id, question key, text, figure, skipped) of directors' rounds (see
    _of_directors); with `text` False the text is NULL: a KPI's text is never shown, and
    without it the covering index answers without reading the rows."""
    return _of_directors(select(Answer.round_id, Answer.question_key,
                                Answer.text_value if text else null(),
                                Answer.number_value, Answer.skipped), only)


class _PersonRow(NamedTuple):
    id: int
    key: str
    display_name: str
    role: str
    team: str | None
    timezone: str
    active: bool
    checks_in: bool
    manager_key: str | None
    slack_id: str | None
    telegram_id: int | None
    added_at: Any  # the driver's value (see _people's joined weeks)
    #: When the org sync took them out of the file (a datetime: _people reads the
    #: driver's value for those out of it only); None in the file, or not known.
    left_at: Any = None


def _back_in_quarter(conn: Any, ids: Sequence[int], joined: Mapping[int, str],
                     weeks: Sequence[str]) -> set[int]:
    """Of `ids`, those with a round made for a director in one of `weeks` before the
    week they joined in (`joined`): back in the org file after a removal. One statement."""
    if not weeks:
        return set()
    return {pid for pid, first in conn.execute(
        select(CheckinRound.person_id, func.min(CheckinRound.week))
        .where(CheckinRound.person_id.in_(sorted(ids)), CheckinRound.week.in_(list(weeks)),
               or_(CheckinRound.role == "director", CheckinRound.role.is_(None)))
        .group_by(CheckinRound.person_id)) if first < joined[pid]}


_PEOPLE = select(
    Person.id, Person.key, Person.display_name, Person.role, Person.team, Person.timezone,
    Person.active, Person.checks_in, Person.manager_key, Person.slack_id,
    Person.telegram_id, Person.added_at, Person.left_at).order_by(Person.key)


def _people(session: Session) -> tuple[list[_PersonRow], dict[int, str]]:
    """Everyone, and the week each joined in where known (handlers/joined.py), by id."""
    # Plain rows made named tuples: a thousand SQLAlchemy Rows cost a few milliseconds.
    make = _PersonRow._make
    conn = session.connection()
    people = [make(row) for row in plain_rows(conn, _PEOPLE)]
    to_time = Person.__table__.c.added_at.type.dialect_impl(conn.dialect) \
        .result_processor(conn.dialect, None)
    # Since when those out of the org file are (a few): the views say it beside them.
    people = [p if p.left_at is None or p.active else
              p._replace(left_at=to_time(p.left_at) if to_time is not None else p.left_at)
              for p in people]
    return people, joined_weeks(people, to_time)


@without_gc
def build_gm_summary(ctx: Context, locale: str, week: str, shown: int, reader_tz: str,
                     only: str | None = None, page: int | None = None,
                     known_why: Mapping[str, str | None] | None = None) -> GmSummary:
    """The GM's view of the `shown` weeks ending with `week` (one director's, if `only`).

    `known_why`: why those not reached in `week` were not, by key, already read by the
    caller (a director's history, with its weeks; the GM's digest, for its header): not
    read again.

    `page`: the chat page the view is for (render_gm's `page`). What only a director's
    block shows (wins, plans, the confidence trend; month and quarter to date) is then
    read or made for that page's directors alone; everything that orders the directors
    or fills the headline and the attention list is worked out for all. None: every
    director's (the CLI's export).
    """
    session = ctx.session
    conn = session.connection()
    no_jit(conn)
    # A second connection reading the same moment (handlers/context.one_moment's
    # `beside`): some statements are read on it while others are read on this one.
    beside = ctx.beside
    if beside is not None:
        no_jit(beside)
    # Two reads are written for PostgreSQL's planner (_rounds_read's one_list, and
    # _figures_by_round's grouped); SQLite keeps the forms it runs fastest.
    postgres = conn.dialect.name == "postgresql"
    shown_weeks = weeks_back(week, shown)
    look = weeks_back(week, max(LOOK_BACK, shown))
    fiscal = ctx.org.goals.fiscal_year_start
    window = _window(week, len(look), fiscal)
    quarter = quarter_of(week, fiscal)
    people, joined = _people(session)
    by_id = {p.id: p for p in people}
    # Directors since taken out of the org file whose tracked request was still open at
    # the week's end: the company still owes it an answer, /support lists it (the GM
    # resolves it there), and a view of several weeks showed it; one week's showed none.
    # (When the week ended where the reader is: read here, for blocks, and by the past
    # week's teams and the support requests below.)
    week_over = datetime.combine(week_end(week) + timedelta(days=1), time(),
                                 ZoneInfo(reader_tz)).astimezone(UTC)
    # (The moment the view reads the requests as of: its week's end, or now.)
    as_of = min(week_over, ctx.clock.now())
    unresolved = unresolved_requests(session, as_of)
    owed = owed_requesters(unresolved, [p.id for p in people
                                        if not p.active and p.role == "director"])
    # CRM sums per person, metric and week (as the team's and a person's view read them):
    # read first, for a week the CRM booked before someone joined is theirs (see below).
    crm = crm_figures(ctx, window)
    snapshots = Snapshots(ctx, locale)
    crm_metrics = sorted(snapshots.crm_metrics(crm)) if crm else []
    crm_get = crm.get

    def booked(key: str, wk: str) -> bool:
        """Whether the CRM has a figure for `key` in `wk` (asked of the few who joined
        after a week only: a CRM figure is real revenue, so that week is theirs)."""
        return any(crm_get((key, metric, wk)) is not None for metric in crm_metrics)
    # The weeks read round by round (those shown and looked back on), and the older weeks
    # of the quarter, which only add to month and quarter to date: their rounds are added
    # up by the database (see _bulk), apart from the few whose figures need a closer look.
    look_set = set(look)
    # A chat page: question 4's texts are read for its directors only (see _details).
    lean = page is not None and only is None
    older = [wk for wk in window if wk not in look_set]  # all in the quarter (_window)
    older_set = set(older)
    # 1. Every round read in detail with its snapshot's key and its answers given and
    # real (not skipped), which make the check-in status; then one JSON text per distinct
    # key (rounds built from the same questions share it), parsed once.
    # (The driver's own tuples for the big reads: plain ints, floats and strings need no
    # conversion, and SQLAlchemy's Row per row costs as much as the database's work.)
    # A round: (id, person id, week, status, team, prompted, submitted at (the stored
    # value, the latest week's only), snapshot key, answers given, of them real, role,
    # timezone (the latest week's, and of a round not submitted: away or not, see _away),
    # the manager it was made under (the latest week's only: whose one-on-one it names),
    # when its answers were changed after the week (None: never)).
    def rounds_of(weeks: list[str], of_older: list[str]) -> Select[Any]:
        return _statement(("rounds", week, tuple(weeks), tuple(of_older), postgres),
                          lambda: _rounds_read(week, weeks, of_older, postgres))

    def unheld(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        held = held_past_expiry(session, ctx.clock.now())
        if held:  # a prompt queued past its expiry, the outbox not run since: not reached
            rows = [(*r[:5], False, *r[6:]) if (r[1], r[2]) in held and r[3] != "submitted"
                    else r for r in rows]
        return rows
    # The older weeks' rounds counted by the database (_bulk_rounds) while the rounds'
    # rows are sorted out here: an aggregate, which SQLite works out without the
    # interpreter (and PostgreSQL's server on its own; see read_aside). With a second
    # connection (one_moment's `beside`), on it while the rounds are read on this one,
    # and with them the rounds of the first half of the weeks looked at (the database
    # reads both halves at once; the rows come in the order one statement gives them).
    month = month_of(week)
    bulk_reads = _bulk_round_reads(older, month, only, whole=lean) if older else []
    aside = [query for query, _ in bulk_reads]
    split = len(look) // 2 if beside is not None else 0
    if split:
        aside.append(rounds_of(look[:split], []))
    round_rows = unheld(plain_rows(conn, rounds_of(look, older))) if beside is None else []
    with read_aside(conn, aside, beside) as bulk_read:
        if beside is not None:
            mine = plain_rows(conn, rounds_of(look[split:], older))
            side_rows = bulk_read()
            round_rows = unheld([*side_rows.pop(), *mine] if split else mine)
        # (A round's answers given and real are read off the round itself, _given_real: no
        # dict of 80,000 pairs by round id at 10,000 directors and eight weeks.)
        snap_ids: dict[str, int] = {}
        first_round: dict[int, int] = {}  # snapshot id -> a round that has it
        for key, rid in {r[7]: r[0] for r in round_rows}.items():
            first_round[snap_ids.setdefault(key, len(snap_ids))] = rid
        to_time = CheckinRound.__table__.c.submitted_at.type.dialect_impl(conn.dialect) \
            .result_processor(conn.dialect, None)
        # The older weeks' rounds read one by one (the CRM's, the unanswered): their figures
        # are read by id (directors' only), and they are taken off the older weeks' counts.
        # A round counts for the GM only if it was made for a director: a promotion or a
        # demotion since never rewrites a week (rounds made before rounds had a role read the
        # person's role today).
        member_rounds = {r[0] for r in round_rows if (r[10] or by_id[r[1]].role) != "director"}
        # (No older weeks, as in a chat page of eight weeks: no pass over every round for none.)
        older_rounds = [r for r in round_rows if r[2] in older_set
                        and r[0] not in member_rounds] if older_set else []
        # Of them, those with a figure perhaps (r[8]: an answer given, real if submitted):
        # their answers are read by id and left out of the added-up figures. A round with
        # none (the unanswered, most of them) has no figure to read or leave out: 10,000
        # directors' older weeks listed 1,500 ids twice, for no row (and an 8 ms read).
        older_ids = [r[0] for r in older_rounds
                     if r[8] and (only is None or by_id[r[1]].key == only)]
        older_people: dict[str, list[int]] = {}
        for r in older_rounds:
            older_people.setdefault(r[2], []).append(r[1])
        rounds: dict[tuple[int, str], Any] = {(r[1], r[2]): r for r in round_rows}
        # Directors today, and those who were directors in the weeks shown (since removed
        # from the org file, or made members): history never changes after the fact.
        # (A set of the people, not of their (person, week) pairs: 80,000 tuples at 10,000
        # directors and eight weeks, for the few not directors today.)
        directed = {r[1] for r in round_rows if r[0] not in member_rounds}
        directors = [p for p in people if (only is None or p.key == only) and (
            (p.role == "director" and p.active) or (p.id in directed and any(
                (r := rounds.get((p.id, w))) is not None and r[0] not in member_rounds
                for w in shown_weeks)) or p.id in owed)
            # Added to the org file after the week, not asked in it, nothing booked for
            # them by the CRM that week: not theirs at all.
            and not (joined.get(p.id, week) > week and (p.id, week) not in rounds
                     and not booked(p.key, week))]
        director_ids = {p.id for p in directors}
        # The older weeks add to month and quarter to date. For a chat page they are added up
        # by the database for the whole org (the headline's) and, once the page is known, per
        # director for its directors (their blocks', after the directors are ordered): not
        # per director for all.
        # Directors removed before the weeks shown have no block, but what they sold earlier
        # in the month and quarter stays in the org's month and quarter to date (the GM read
        # it there in its week): their rounds are added up like anyone's.
        bulk_rounds = _bulk_round_rows(bulk_reads, bulk_read() if beside is None
                                       else side_rows, lean)
    # Who was away when (read once, for everyone it may concern: a member's week is asked
    # about too, for a director made a member since keeps a past week they were away in).
    away, away_started = _away(ctx, [p for p in people if p.active or p.id in director_ids],
                               window, set(shown_weeks), rounds)
    then_directors = _away_directors(ctx, [
        p for p in people if (only is None or p.key == only) and p.active
        and p.role != "director" and p.id not in director_ids], shown_weeks, away, reader_tz)
    if then_directors:
        directors += then_directors
        director_ids |= {p.id for p in then_directors}
    directed_by = directed | {row[0] for row in bulk_rounds}
    leavers = [p for p in people if p.id not in director_ids and p.id in directed_by] \
        if only is None else []
    booked_before: list[_PersonRow] = []
    if only is None and crm_metrics:
        # Directors who joined after the week, whose earlier weeks of the quarter the CRM
        # booked sales for: no block in it, but that revenue stays in the org's month and
        # quarter to date, as in the later weeks' views that list them (usually none).
        booked_before = [by_id[pid] for pid, came in joined.items() if came > week
                         and pid not in director_ids and pid not in directed_by
                         and by_id[pid].active and by_id[pid].role == "director"
                         and any(booked(by_id[pid].key, wk) for wk in window if wk < week)]
        leavers += booked_before
    for _pid, key, _in_month, _n, rid, _first, _edited in bulk_rounds:
        if key not in snap_ids:
            snap_ids[key] = len(snap_ids)
            first_round[snap_ids[key]] = rid
    # Each snapshot's questions: kept from earlier summaries by key, else read and parsed
    # (directors with their own targets have a snapshot each). What only depends on which
    # questions are asked is worked out once per shape (all but the KPI targets).
    parsed: list[Parsed | None] = [snapshots.known(key) for key in snap_ids]
    keys = list(snap_ids)
    for sid, text in snapshot_texts(conn, {sid: first_round[sid] for sid, found
                                           in enumerate(parsed) if found is None}).items():
        parsed[sid] = snapshots.remember(keys[sid], text)
    snaps = cast(list[Parsed], parsed)
    shapes = {p.shape: p.questions for p in snaps}
    kpi_keys = sorted({q.key for qs in shapes.values() for q in qs if q.category == "kpi"})
    skip_of = {shape: tuple(sorted({q.skip_if[0] for q in qs if q.skip_if}))
               for shape, qs in shapes.items()}
    skip_keys = [skip_of[p.shape] for p in snaps]
    answers: dict[int, dict[str, Any]] = {}
    earlier = look[:-1]
    # (Two statements, not one with OR: with OR SQLite leaves the covering index.)
    # With the KPIs, the confidence trend's figures when every director's block is shown
    # (one key alone would make SQLite take the unique (round_id, question_key) index and
    # read the rows). KPI answers: the figure only (a KPI's text is never shown), so the
    # covering index (round_id, question_key, skipped, number_value) answers without
    # reading the rows.
    kpi_read = kpi_keys if lean else [*kpi_keys, "confidence"]
    # The earlier weeks' figures only (no skipped, text or empty answer: there, as in the
    # week loop and the confidence trend, each reads as none given), one row a round: its
    # figures in kpi_read's order (None: none given), its id last. Every value fetched
    # costs the driver as much as the database's lookup of it, and each round's dict is
    # made in one call: 10,000 directors' three earlier weeks are 26,000 rows of four
    # values, not 74,000 of three (a key, a figure) added one by one. This week's keep
    # all five columns: which answers were skipped decides its answered counts (progress).
    figures_before: list[Select[Any]] = []
    if earlier and kpi_read:  # (no KPI asked, a chat page: no figure to read)
        figures_before.append(_statement(("earlier figures", only, tuple(earlier),
                                          tuple(kpi_read), postgres),
                                         lambda: _figures_by_round(earlier, kpi_read, only,
                                                                   postgres)))
    queries: list[tuple[Select[Any], dict[str, Any]]] = [(_statement(
        ("figures", only, week, tuple(kpi_read)),
        lambda: _answers_of(only, text=False).where(
            CheckinRound.week == week, Answer.question_key.in_(kpi_read))), {})]
    if older_ids:  # the older rounds read one by one with an answer, by id (directors')
        queries.append((_statement(("older", tuple(kpi_keys)), lambda: select(
            Answer.round_id, Answer.question_key, null(), Answer.number_value,
            Answer.skipped).where(Answer.question_key.in_(kpi_keys or [""]), Answer.round_id
                                  .in_(bindparam("older_ids", expanding=True,
                                                 literal_execute=True)))),
                        {"older_ids": older_ids}))
    # This week's blockers and needs (the attention list), the answers a skip_if reads
    # (which questions applied: the answered counts), and the rest of LATEST_KEYS when
    # every block is shown.
    latest_keys = sorted({*(FOLLOW_KEYS if lean else LATEST_KEYS),
                          *(k for keys in skip_keys for k in keys)})
    queries.append((_statement(("latest", only, week, tuple(latest_keys)), lambda: _answers_of(
        only).where(CheckinRound.week == week, Answer.question_key.in_(latest_keys))), {}))
    if beside is None:
        if figures_before:
            answers = _by_round(plain_rows(conn, figures_before[0]), kpi_read)
        _read_answers(conn, queries, answers)
    else:
        # The figures (the earlier weeks' and this week's) read on the second connection
        # while the rest is read on this one; added in the same order as above.
        with read_aside(conn, [*figures_before, queries[0][0]], beside) as figures_read:
            rest = [plain_rows(conn, query, params) for query, params in queries[1:]]
            found = figures_read()
        if figures_before:
            answers = _by_round(found[0], kpi_read)
        for rows in (found[-1], *rest):
            _add_answers(rows, answers)
    # Earlier weeks' blockers matter only to whoever reports one this week (is it
    # recurring?), their support requests only to whoever asks for support this week
    # (since when?): each read for them alone, and on PostgreSQL during the directors'
    # loop below, the first to need them (read_aside, see there).
    this_week = [r for r in round_rows if r[2] == week]
    blocked, asking = _following([answers.get(r[0]) for r in this_week],
                                 [r[1] for r in this_week])

    def earlier_of(name: str, keys: list[str]) -> Select[Any]:
        return _answers_of(only).where(
            CheckinRound.week.in_(earlier), Answer.question_key.in_(keys),
            CheckinRound.person_id.in_(bindparam(name, expanding=True, literal_execute=True)))

    # Read during the directors' loop (read_aside) and added after it: the earlier weeks'
    # blockers and needs of those who report one now, and last week's plan (beside this
    # week's wins: a block of its own only for every director's, the CLI's export).
    later: list[tuple[Select[Any], dict[str, Any]]] = []
    if earlier:
        later = [(_statement(("later", name, only, tuple(earlier)),
                             lambda name=name, keys=keys: earlier_of(name, keys)), {name: ids})
                 for name, keys, ids in (("blocked", ["blockers"], blocked),
                                         ("asking", ["support_type", "support_detail"],
                                          asking))
                 if ids]
        if not lean:
            later.append((_statement(("plan", only, earlier[-1]), lambda: _answers_of(
                only).where(CheckinRound.week == earlier[-1],
                            Answer.question_key == "plan")), {}))
    # The older weeks' figures added up, read during the directors' loop (read_aside) and
    # added after it: per director for every director's block (the CLI's export); for a
    # chat page the whole org's, which only the headline's month and quarter need.
    bulk_reads = _bulk_figure_reads(older, month, older_ids, only, kpi_keys, whole=lean) \
        if older and bulk_rounds else []
    tolerance = ctx.org.crm.tolerance
    today = ctx.clock.now().astimezone(ZoneInfo(reader_tz)).date()
    names = {p.id: p.display_name for p in people}
    # Directors who share a name are told apart by team wherever the view lists names
    # (who is missing, who has not reported, what needs attention).
    told_apart = _namesakes([*directors, *leavers], locale)
    names |= told_apart
    headline: dict[tuple[str, str], Figure] = {}
    # Per KPI, the targets of the week's figures reported (see `averaged`).
    headline_reported: dict[tuple[str, str], float] = {}
    # Per KPI, the CRM's figures of directors not asked that week (see `averaged`).
    headline_unasked: dict[tuple[str, str], int] = {}
    views: list[DirectorView] = []
    # Each shown week's statuses by person id (the week counts read them in one pass).
    statuses: dict[str, dict[int, str]] = {wk: {} for wk in shown_weeks}
    # Per week once, not per director and KPI: is it in the quarter, the month, shown.
    in_quarter = {wk: quarter_of(wk, fiscal) == quarter for wk in window}
    in_month = {wk: in_quarter[wk] and month_of(wk) == month for wk in window}
    # A director who joined after the quarter's first week has the targets of the weeks
    # since (whole weeks, not pro-rated by day): their block says so, as it reads like
    # everyone's quarter otherwise.
    first_in_quarter = next(wk for wk in window if in_quarter[wk])
    # Removed from the org file and added back in the quarter, the join week is the
    # latest add; their rounds before it still count in their quarter, so the note would
    # be untrue: those with a director's round in the quarter before their join week.
    # (One read, and only when someone joined in the quarter: rare.)
    joiners = [pid for pid, came in joined.items() if first_in_quarter < came <= week]
    back = _back_in_quarter(conn, joiners, joined, [wk for wk in window
                                                    if in_quarter[wk] and wk < week]) \
        if joiners else set()
    # The org's month and quarter sums, as a director's (`sums` below): one entry a KPI.
    org_sums: dict[tuple[str, str], list[Any]] = {}
    # (Every week of the window is wanted: looked at, or in the quarter, see _window.)
    plan = [(wk, in_quarter[wk], in_month[wk], wk == week, statuses.get(wk), wk in look_set)
            for wk in window]
    # The weeks looked at for everyone; the older ones only where a round is read one by
    # one (the rest were added up by the database).
    plan_look = [p for p in plan if p[0] in look_set]
    plan_older: dict[int, list[tuple[Any, ...]]] = {}
    for p in plan:
        if p[0] in older_set:
            for pid in older_people.get(p[0], ()):
                plan_older.setdefault(pid, []).append(p)
    kpi_of = [snapshots.kpis(p) for p in snaps]
    # A unit some question labels in the reader's language reads so everywhere in the view
    # (the headline adds up directors whose KPIs were written with and without one).
    localised = {k[3]: k[6] for kpis in kpi_of for k in kpis if k[6] != k[3]}
    if localised:
        kpi_of = [[(*k[:6], localised.get(k[3], k[6])) for k in kpis] for kpis in kpi_of]
    kpi_by_key = {key: kpi_of[sid] for key, sid in snap_ids.items()}
    kpi_mu = [{k[0]: k[5] for k in reversed(kpis)} for kpis in kpi_of]  # the first of a key
    # Per snapshot, the CRM's metrics its round did not ask (Bruno's new customers, his
    # KPI being revenue alone): real sales all the same, counted with no target as in a
    # week not asked; dropped, a check-in made the CRM's figure vanish from the totals.
    # (Nearly always none: then nothing more is done per round.)
    crm_unasked = {key: [m for m in crm_metrics if all(k[1] != m for k in kpis)]
                   for key, kpis in kpi_by_key.items()} if crm_metrics else {}
    rounds_get, away_get, answers_get = rounds.get, away.get, answers.get
    skipped_answer = SKIPPED  # (a local: read for every figure of the loop below)
    last_day = week_end(week)
    # Which questions applied: by the shape and the answers its skip_ifs read (the shape
    # alone where none), worked out once each (see progress).
    applies: dict[Any, tuple[int, list[str]]] = {}
    deciders = {key: (snaps[sid].shape, skip_keys[sid], snaps[sid].questions)
                for key, sid in snap_ids.items()}
    # Whether each snapshot asks about blockers (a question set cut mid-week may not).
    asks_blockers = {key: any(q.key == "blockers" for q in snaps[sid].questions)
                     for key, sid in snap_ids.items()}
    late_from: dict[str, tuple[datetime, str]] = {}
    # The older weeks' rounds read one by one, taken off the added-up counts: per director,
    # snapshot and part of the quarter (None for the whole org's).
    taken: dict[tuple[int | None, int, bool], int] = {}
    leaver_ids = {p.id for p in leavers}
    for r in older_rounds:
        if r[1] in director_ids or r[1] in leaver_ids:
            for at in ((r[1], snap_ids[r[7]], in_month[r[2]]),
                       (None, snap_ids[r[7]], in_month[r[2]])):
                taken[at] = taken.get(at, 0) + 1
    # The CRM's figures of a week the director was not asked (away, no check-in sent):
    # real sales all the same, counted in the actual with no target (a week nobody was
    # asked expects none). Looked up metric by metric for those weeks alone: a pass over
    # every CRM figure of the quarter costs as much as reading them. The older weeks with
    # no round at all are never met by the week loop: added after it.
    # The units (canonical -> as the reader reads them) of the CRM's figures named below
    # as the org file asks them today: a unit no round in the view asked (CNY, 元).
    crm_units: dict[str, str] = {}
    # Per director, the month and quarter sums (as `sums`) of the rates the CRM gives of a
    # metric no KPI of theirs (see Figure.apart): their block's, never the org's.
    apart_sums: dict[str, dict[tuple[str, str], list[Any]]] = {}

    def crm_only(d: _PersonRow, wk: str, sums: dict[tuple[str, str], list[Any]],
                 week_figures: list[Figure] | None, metrics: Sequence[str] = crm_metrics
                 ) -> None:
        """Add the CRM's figures of a week `d` was not asked to their sums (and to the
        week's figures, for the latest week): only of a director in the org file today
        (every view of any week lists them; someone removed, or made a member, counts in
        the weeks they were asked as a director only), and never of a member's week.
        `metrics`: those to add (a week they were asked: the metrics it did not ask).
        A rate of a metric no KPI of theirs goes to `apart_sums` instead (Figure.apart)."""
        if not (d.active and d.role == "director"):
            return
        r = rounds_get((d.id, wk))
        if r is not None and r[0] in member_rounds:
            return
        # (The metrics in the order the org file asks them of `d`, as their week lists them.)
        for metric in sorted(metrics, key=lambda m: (snapshots.kpi_rank(d.key, m), m)):
            value = crm_get((d.key, metric, wk))
            if value is None:
                continue
            # As that week's round asked it, else as the org file asks it of them today
            # (Snapshots.kpi_not_asked): the team's and a person's view name it alike.
            kpi = next((k for k in kpi_by_key[r[7]] if k[1] == metric), None) \
                if r is not None else None
            apart = False
            if kpi is None:
                kpi = snapshots.kpi_not_asked(d.key, metric)
                unit = kpi[3]
                if unit not in crm_units:
                    crm_units[unit] = localised.get(unit, kpi[6])
                kpi = (*kpi[:6], crm_units[unit])
                apart = snapshots.rate_not_theirs(d.key, metric, unit, r is not None)
            into = sums
            if apart:
                into = apart_sums.get(d.key)
                if into is None:
                    into = apart_sums[d.key] = {}
            acc = into.get(kpi[5])
            if acc is None:
                acc = into[kpi[5]] = [kpi[2], 0.0, None, 0, 0, 0.0, None, 0, 0, 0.0, 0.0, 0, 0]
            acc[6] = (acc[6] or 0.0) + value
            rate = is_rate(kpi[3])  # (a rate's figure is one more in its mean: see averaged)
            acc[12] += rate
            if in_month[wk]:
                acc[2] = (acc[2] or 0.0) + value
                acc[11] += rate
            if week_figures is not None:
                week_figures.append(Figure(metric, kpi[2], kpi[3], 0.0, value, 0, 0, value,
                                           unit_text=kpi[6], apart=apart))

    reader_zone = ZoneInfo(reader_tz)

    def progress(view: DirectorView, latest: Any, timezone: str) -> None:
        """Whether the director's check-in of the week was late, and how many of its
        questions applied, were answered and skipped: only their block shows these."""
        if latest[6] is not None:
            # Late by the week's days where it was run (the round's timezone; rounds made
            # before rounds had one read the person's today): a move since never rewrites it.
            tz = latest[11] or timezone
            cutoff = late_from.get(tz)
            if cutoff is None:
                cutoff = late_from[tz] = _late_from(last_day, tz)
            value = latest[6]
            if isinstance(value, str) and value[10:11] == " ":
                # SQLite's stored UTC text, compared as text: as the datetime would be,
                # without making 10,000 of them (a few % of a 10,000-director page).
                view.late = value >= cutoff[1]
            else:
                view.late = (to_time(value) if to_time is not None else value) >= cutoff[0]
        if latest[13] is not None:
            edited = to_time(latest[13]) if to_time is not None else latest[13]
            view.edited_at = as_utc(edited).astimezone(reader_zone)
        # (_given_real inline: the latest week's round has both counts.)
        given = latest[8]
        real = latest[9] if given and latest[9] is not None else given
        mine = answers.get(latest[0], _EMPTY)
        # Which questions applied depends on the snapshot and the few answers a skip_if
        # reads: worked out once per distinct combination, not per director. Keyed by the
        # answers themselves (a text, a figure, SKIPPED, None: all hashable), finer than
        # what _applicable reads of them, so never wrong: no tuple made per answer and
        # director (the CLI's export: 10,000 of them).
        shape, keys, questions = deciders[latest[7]]
        deciding = (shape, *map(mine.get, keys)) if keys else shape
        found = applies.get(deciding)
        if found is None:
            found = applies[deciding] = _applicable(questions, mine)
        view.total, left_out = found
        view.blockers_asked = asks_blockers[latest[7]]
        blocker = mine.get("blockers", SKIPPED)
        view.blockers_skipped = blocker is SKIPPED and "blockers" in mine
        view.blockers_erased = blocker is None  # answered, its words erased
        view.blockers_none = isinstance(blocker, str) and not tokens(blocker)
        real = int(real or 0)
        given = int(given or 0)
        if left_out:
            # Answers to questions that no longer apply do not count (as in the check-in).
            gone = [mine[k] for k in left_out if k in mine]
            if gone:
                real -= sum(1 for v in gone if v is not SKIPPED)
                given -= len(gone)
        view.answered, view.skipped = real, given - real

    # The latest week's rounds changed after it ended, their snapshots and views: what
    # their figures were when the week ended is read after the loop (usually none).
    edited_now: list[tuple[int, str, DirectorView]] = []
    # Per director, whether a round of the quarter to date (True: of the month) was changed
    # after its week ended: the rounds read above and the older weeks' counts (usually
    # none). Which figures were, the month's or the quarter's, is read after (one read).
    edited_in: dict[int | None, set[bool]] = {}
    # Each director's month and quarter sums, made figures for the directors shown.
    period_sums: dict[str, dict[tuple[str, str], list[Any]]] = {}
    # Whose blockers to compare with their earlier weeks' (read meanwhile): after the loop.
    # (Only those who report one: a "none" shows none.)
    blocking: list[tuple[DirectorView, int]] = []
    blocked_set = set(blocked)
    # Each director's rounds of the look-back weeks (None: no round), oldest first, as the
    # week loop finds them (members' too): read again for blockers, support and question
    # 4's texts without a (person, week) lookup each.
    look_rounds: dict[int, list[Any]] = {}
    id_of = {d.key: d.id for d in directors}
    aside = [query for query, _ in bulk_reads]
    # A past week's directors without a round that week are shown in the team last
    # recorded for them by then (a rename or move in the org file since rewrites nothing).
    # Only those without one are looked up (usually a few of the thousands).
    then = directors_then(ctx.session, week, week_over, reader_tz, [
        d.id for d in (*directors, *leavers) if rounds_get((d.id, week)) is None]) \
        if week_over <= ctx.clock.now() else {}
    with read_aside(conn, [*aside, *later], beside) as rows_read:
        for d in (*directors, *leavers):
            pid = d.id
            # (The status is set by the week loop below, which works out every week's.)
            view = DirectorView(d.key, d.display_name, d.team, "",
                                slack_id=d.slack_id, telegram_id=d.telegram_id,
                                left=not d.active,
                                left_on=None if d.active else left_on(d.left_at, reader_tz))
            latest = rounds_get((pid, week))
            if latest is not None and latest[0] in member_rounds:
                latest = None  # (a member's check-in that week, not a director's)
            if latest is None and d.key in then:
                view.team = then[d.key][1]
            if latest is not None:
                if latest[4]:  # the team they led that week (a past week reread after a move)
                    view.team = latest[4]
                if not lean:  # (a chat page's directors' once they are known: see progress)
                    progress(view, latest, d.timezone)
            # (metric, unit) -> [label, month target, actual, reported, expected, quarter
            # ..., month target of the figures reported, quarter's, month's rates the CRM
            # booked for a week not asked, quarter's]: a rate's actual, the mean of the
            # figures reported and booked, is held against the mean of the targets reported.
            sums: dict[tuple[str, str], list[Any]] = {}
            series: list[float | None] = []  # the look-back weeks', oldest first
            edits: list[tuple[str, Any]] = []  # their weeks edited after they ended, when
            mine: list[Any] = []
            look_rounds[pid] = mine
            came = joined.get(pid)  # (an earlier week without a round is none of theirs)
            if came is not None and first_in_quarter < came <= week and pid not in back:
                view.joined = came
            # The hot loop (directors x the weeks looked at, and the older rounds read one by
            # one): each week's status worked out inline.
            for wk, q, m, now, shown_st, look_at in (
                    plan_older[pid] + plan_look if pid in plan_older else plan_look):
                at = (pid, wk)
                r = rounds_get(at)
                if look_at:
                    mine.append(r)
                if r is not None and r[0] in member_rounds:
                    r = None
                if r is not None and r[13] is not None:
                    if look_at:
                        edits.append((wk, r[13]))
                        if now:
                            edited_now.append((r[0], r[7], view))
                    if q:  # (in month and quarter to date: see _edited_periods)
                        edited_in.setdefault(pid, set()).add(m)
                if r is None:
                    st = "away" if away_get(at) is not None else \
                        JOINED_LATER if came is not None and wk < came \
                        and not booked(d.key, wk) else "not_sent"
                else:
                    given_n = r[8]  # (_given_real, inline: any given, any real)
                    if not given_n and r[3] != "submitted" and away_get(at) is not None:
                        st = "away"
                    elif r[3] == "submitted":
                        st = "submitted" if given_n and (r[9] is None or r[9]) else "skipped"
                    else:
                        st = "in_progress" if given_n else "missed" if r[5] else "unreachable"
                if shown_st is not None:
                    shown_st[pid] = st
                if now:
                    view.status = st
                    if st == "away":
                        view.away_until = away_get(at)
                    elif st == "in_progress" and away_started:
                        # Started, then away over its check-in: its answers count, and
                        # its line says until when (not chased: see _attention).
                        view.away_until = away_started.get(at)
                if r is None or st not in EXPECTED:
                    if q and crm_metrics:  # (not asked: the CRM's sales count all the same)
                        crm_only(d, wk, sums, view.week if now else None)
                    if look_at:
                        series.append(None)
                    continue
                given = answers_get(r[0], _EMPTY)
                ratio, n = 0.0, 0
                for qkey, metric, label, unit, target, mu, unit_text in kpi_by_key[r[7]]:
                    typed = given.get(qkey)
                    # (Nearly always a figure, told by one check; else none, skipped or a
                    # text: no figure.)
                    if typed.__class__ is not float and (typed is skipped_answer
                                                         or isinstance(typed, str)):
                        typed = None
                    if crm:
                        from_crm = crm_get((d.key, metric, wk))
                        actual = typed if from_crm is None else from_crm
                    else:
                        from_crm = None
                        actual = typed
                    if actual is not None and target > 0:
                        ratio += actual / target
                        n += 1
                    if q:
                        acc = sums.get(mu)
                        if acc is None:
                            acc = sums[mu] = [label, 0.0, None, 0, 0, 0.0, None, 0, 0,
                                              0.0, 0.0, 0, 0]
                        # Quarter [5:9] and month [1:5]: target, actual, reported, expected.
                        acc[5] += target
                        acc[8] += 1
                        if actual is None:
                            if m:
                                acc[1] += target
                                acc[4] += 1
                        else:
                            acc[6] = (acc[6] or 0.0) + actual
                            acc[7] += 1
                            acc[10] += target
                            if m:
                                acc[1] += target
                                acc[4] += 1
                                acc[2] = (acc[2] or 0.0) + actual
                                acc[3] += 1
                                acc[9] += target
                    if now:
                        view.week.append(Figure(metric, label, unit, target, actual,
                                                int(actual is not None), 1, from_crm, typed,
                                                from_crm is not None and typed is not None and
                                                crm_differs(from_crm, typed, tolerance),
                                                [], unit_text))
                if q and crm_unasked:
                    unasked = crm_unasked[r[7]]
                    if unasked:
                        crm_only(d, wk, sums, view.week if now else None, unasked)
                if look_at:
                    series.append(ratio / n if n else None)
            if crm_metrics and d.active and d.role == "director":
                for wk in older:
                    if (pid, wk) not in rounds:  # (no round: not asked that week)
                        crm_only(d, wk, sums, None)
            period_sums[d.key] = sums
            if pid in leaver_ids:  # the org's month and quarter only
                continue
            for f in view.week:
                if f.apart:  # (in the director's block alone: see Figure.apart)
                    continue
                total_f = headline.get((f.metric, f.unit))
                if total_f is None:
                    total_f = headline[(f.metric, f.unit)] = Figure(
                        f.metric, f.label, f.unit, unit_text=f.unit_text)
                # (The CRM's figure of a director not asked that week: its actual alone.)
                total_f.target += f.target
                total_f.expected += f.expected
                if f.actual is None:
                    total_f.not_reported.append(names[pid])
                else:
                    total_f.actual = (total_f.actual or 0.0) + f.actual
                    total_f.reported += f.reported
                    if f.reported:  # (a rate's mean is held against these targets')
                        headline_reported[(f.metric, f.unit)] = \
                            headline_reported.get((f.metric, f.unit), 0.0) + f.target
                    elif not f.expected:  # (the CRM's, of a week not asked: see averaged)
                        headline_unasked[(f.metric, f.unit)] = \
                            headline_unasked.get((f.metric, f.unit), 0) + 1
            view.series = series
            view.trend = _trend(series, TREND_MARGIN)
            if edits:
                view.edited_weeks = [(wk, as_utc(to_time(at) if to_time is not None else at
                                                 ).astimezone(reader_zone)) for wk, at in edits]
            if latest is not None and pid in blocked_set:
                blocking.append((view, pid))
            views.append(view)
        if not lean:
            # Every director's question 4 texts (the CLI's export: no statement) while the
            # older weeks' figures are still added up aside, not after waiting for them
            # (the later reads add none of the answers these read but last week's plan,
            # set once they are in).
            _details(conn, views, [look_rounds[id_of[view.key]] for view in views], answers,
                     read=False, last_plans=False)
        read = rows_read()
    for found in read[len(aside):]:
        _add_answers(found, answers)
    if edited_now:
        _edited_from(conn, edited_now, kpi_by_key)
        # The org's total of the week adds up the new figure (not a leaver's: not in it),
        # so its line says so: the director's block says what it was.
        counted = {id(view) for view in views}
        for _rid, _key, view in edited_now:
            if view.edited_from and id(view) in counted:
                changed_metrics = {metric for metric, _was in view.edited_from}
                for f in view.week:
                    # (Not a figure kept out of the org's total: Figure.apart.)
                    total_f = headline.get((f.metric, f.unit)) \
                        if f.metric in changed_metrics and not f.apart else None
                    if total_f is not None:
                        total_f.holds_edited = True
    if not lean and earlier:
        _last_plans(views, [look_rounds[id_of[view.key]] for view in views], answers)
    for view, pid in blocking:
        _blockers(view, look_rounds[pid], len(look), answers)
    # The older weeks' sums come first (the order a block lists its figures in): every
    # director's ahead of their loop's sums; for a chat page the whole org's ahead of the
    # org's month and quarter to date, its directors' once the page is known (below).
    if bulk_reads:
        bulk_by, figs_by = _bulk_by_director(
            bulk_rounds, _bulk_figure_rows(bulk_reads, read[:len(aside)], whole=lean),
            snap_ids, taken, edited_in)
        for d in () if lean else (*directors, *leavers):
            if d.id in bulk_by:
                sums = {}
                _add_bulk(sums, bulk_by[d.id], figs_by.get(d.id, ()), kpi_of, kpi_mu)
                period_sums[d.key] = _merged(sums, period_sums[d.key])
        if None in bulk_by:
            whole: dict[tuple[str, str], list[Any]] = {}
            _add_bulk(whole, bulk_by[None], figs_by.get(None, ()), kpi_of, kpi_mu)
            _add_to_org(org_sums, (whole,))
    _add_to_org(org_sums, period_sums.values())

    # Support requests (question 3): the tracked ones as they stood at the end of the week
    # (`as_of`), and answers no tracked request covers (see handlers/summary_support.py).
    # An older week's requests are as old as they were at its end, tracked or not.
    aged_to = min(today, as_of.astimezone(ZoneInfo(reader_tz)).date())
    # Everyone's, when the view is the whole org's: a team member who checks in asks for
    # support as a director does, and the GM's view promises every open request (the
    # one read picks out whose; a director's go in their block, the others' apart).
    requesters = {p.id: p.key for p in people} if only is None else \
        {d.id: d.key for d in directors}
    tracked, covered = tracked_requests(session, unresolved, requesters, as_of, aged_to, look,
                                        reader_tz, ctx.clock.now())
    members_support = _members_support(
        tracked, [p for p in people if p.id not in director_ids], ctx.org.support.ageing_days,
        reader_tz)
    asking_set = set(asking)

    def asked(r: Any) -> tuple[str, str | None] | None:
        """What a round asked for: (type, detail), None for nothing."""
        # A request exists once its check-in is submitted, as /support and `teampulse
        # support` track it: an answer in a check-in still in progress may yet change.
        if r is None or r[0] in covered or r[3] != "submitted":
            return None
        given = answers.get(r[0], _EMPTY)
        kind = given.get("support_type")
        if not isinstance(kind, str) or kind == "none":
            return None
        detail = given.get("support_detail")
        return kind, clean_text(detail) if isinstance(detail, str) else None
    # A request counts only if still asked for this week: the earlier weeks matter for
    # those who ask now (_following), and only those.
    support = support_requests(((d.key, look_rounds[d.id]) for d in directors
                                if d.id in asking_set), look, asked, aged_to)
    # (Most directors have none: their view's own empty list stays, no two made and added.)
    for view in views:
        mine_tracked, mine_asked = tracked.get(view.key), support.get(view.key)
        if mine_tracked or mine_asked:
            view.support = (mine_tracked or []) + (mine_asked or [])

    _team(ctx, views, directors, people, rounds, away, week, shown_weeks, reader_tz)
    # One spelling per team, the org file's first: `East` and `EAST` are one team, so the
    # GM does not read Alice's "team East" above Bruno's "team EAST". (After
    # _team: the pulse keeps each spelling's answers apart, and each reads its own.)
    spelled = team_spellings(ctx.org)
    for view in views:
        if view.team:
            view.team = spelled.get(view.team.casefold(), view.team)
    # The week /summary shows by default (and any later) reads one-on-ones and action
    # items as they are now, what the GM acts on; an older week as they stood at its end.
    latest = reads_as_now(ctx, week, reader_tz)
    # An older week's one-on-ones are the pairs of that week, a director's own and their
    # members' (the manager each round of the week was made under, see _oneonones): a new
    # manager in the org file since never rewrites them. The week read as now has today's,
    # whom the next meeting is with.
    then = None if latest else {r[1]: (r[12], r[10], r[4]) for r in this_week}
    # A director without a round that week (away): their latest round before it says
    # whom they reported to and in what role, unless a later one-on-one record says more.
    before = last_rounds(ctx.session, week, [d.id for d in directors if d.id not in then]) \
        if then is not None else {}
    _oneonones(ctx, views, directors, by_id, shown_weeks, reader_tz,
               ctx.clock.now() if latest else as_of, then, before)
    if not latest and before_first_run(ctx, as_of):
        # A week before the bot ran: no meeting was planned or missed by it then.
        for view in views:
            view.oneonone_next, view.oneonone_overdue = None, False
            view.oneonone_missed = view.oneonone_missed_reason = None
            view.team_overdue = 0
    # Since when those out of the org file are, where the reader is (beside their names).
    gone_on = {d.id: left_on(d.left_at, reader_tz) for d in directors if not d.active}
    weeks = [_week_count(wk, directors, statuses[wk], names, gone_on) for wk in shown_weeks]
    for count in weeks[:-1] if booked_before else ():
        # An earlier week shown whose sale the CRM booked for one of them is theirs, as
        # that week's own view has it: not asked, named with those sent no check-in.
        count.not_sent += [names[p.id] for p in booked_before if booked(p.key, count.week)]
    unreached = [view for view in views if view.status == "unreachable"]
    if unreached:  # (rare: one read for them all, only then)
        why = known_why if known_why is not None \
            and all(view.key in known_why for view in unreached) \
            else why_not_reached(session, week, [view.key for view in unreached],
                                 ctx.clock.now())
        for view in unreached:
            view.unreached_why = why.get(view.key)
    ageing_days, stress_above = ctx.org.support.ageing_days, ctx.org.pulse.stress_above
    for view in views:
        view.attention = _attention(view, ageing_days, stress_above)
    told = {by_id[pid].key: name for pid, name in told_apart.items()}
    if told:
        for view in views:
            for a in view.attention:
                a.name = told.get(view.key, a.name)
    views.sort(key=_need)
    # Question 4's texts: for the page shown, if one is (the order above needs none).
    paged = lean and len(views) > PAGE_SIZE
    detailed = views[(page - 1) * PAGE_SIZE:page * PAGE_SIZE] if paged and page else views
    if lean:  # (before _details adds the page's texts: the answers progress counts stay)
        for view in detailed:
            pid = id_of[view.key]
            this = rounds.get((pid, week))
            if this is not None and this[0] not in member_rounds:
                progress(view, this, by_id[pid].timezone)
        _details(conn, detailed, [look_rounds[id_of[view.key]] for view in detailed], answers,
                 read=True)
    if lean and older and detailed:
        ids = [id_of[view.key] for view in detailed]
        mine_by, my_figs = _bulk_by_director(
            _bulk_rounds(conn, older, month, None, of=ids),
            _bulk_figures(conn, older, month, older_ids, None, kpi_keys, of=ids),
            snap_ids, taken, edited_in)
        for view in detailed:
            pid = id_of[view.key]
            if pid in mine_by:  # the older weeks first (the order figures are listed in)
                sums = {}
                _add_bulk(sums, mine_by[pid], my_figs.get(pid, ()), kpi_of, kpi_mu)
                period_sums[view.key] = _merged(sums, period_sums[view.key])
    # With their unit, as the week's: one metric in two currencies reads as two lines.
    unit_texts = crm_units | {k[3]: k[6] for kpis in kpi_of for k in kpis}
    for view in detailed:  # (only a director's block shows them: the page's)
        # (The org's sums are made: their own rates of no KPI of theirs join theirs now.)
        _period_figures(view, _merged(period_sums[view.key], apart_sums[view.key])
                        if view.key in apart_sums else period_sums[view.key], unit_texts,
                        partial(snapshots.kpi_rank, view.key))
    # Whose month and quarter to date add up a figure changed after its week ended: one
    # read of the rounds so changed, only when one is (edited_in: usually none), for the
    # page's blocks and the org's month and quarter to date alike. (None in edited_in: the
    # whole org's older weeks were counted together, whoever's they were.)
    org_edited: set[tuple[str, tuple[str, str]]] = set()
    if edited_in:
        whose = None if None in edited_in else [pid for pid in edited_in if pid is not None]
        edited_figures = _edited_periods(conn, whose, [wk for wk in window if in_quarter[wk]],
                                         in_month, kpi_by_key, by_id, crm_get)
        for view in detailed:
            marks = edited_figures.get(id_of[view.key])
            if marks:
                view.edited_in = sorted({period for period, _mu in marks})  # (month first)
        # Whose sums the org's adds up: the directors' and leavers' and, for a chat page,
        # whoever's director rounds of the older weeks the database added up for the whole
        # org (a director made a member or removed since, with no round in the weeks
        # looked at, is neither here): every round _edited_periods keeps was made for a
        # director, so all of them. The export's leavers list everyone so added up.
        in_org = None if lean else director_ids | leaver_ids
        for pid, marks in edited_figures.items():
            if in_org is None or pid in in_org:
                org_edited |= marks
    attention = sorted((a for v in views for a in v.attention),
                       key=lambda a: (_RANK[a.kind], name_key(a.name)))
    # (A rate's target and actual are their means: see `averaged`.)
    head_mtd = [Figure(k[0], t[0], k[1], *averaged(k[1], t[1], t[2], t[3], t[4], t[9], t[11]),
                       t[3], t[4], unit_text=unit_texts.get(k[1], k[1]))
                for k, t in org_sums.items() if t[4] or t[2] is not None]
    head_qtd = [Figure(k[0], t[0], k[1], *averaged(k[1], t[5], t[6], t[7], t[8], t[10],
                                                   t[12]),
                       t[7], t[8], unit_text=unit_texts.get(k[1], k[1]))
                for k, t in org_sums.items()]
    if org_edited:
        for period, figures in (("month_to_date", head_mtd), ("quarter_to_date", head_qtd)):
            for f in figures:
                f.holds_edited = (period, (f.metric, f.unit)) in org_edited
    for mu, total_f in headline.items():
        total_f.target, total_f.actual = averaged(total_f.unit, total_f.target, total_f.actual,
                                                  total_f.reported, total_f.expected,
                                                  headline_reported.get(mu, 0.0),
                                                  headline_unasked.get(mu, 0))
    # The bot's first check-in week, after the quarter's first: nothing before it had a
    # target, so month and quarter to date are of the weeks since (an index's first entry).
    first_asked = session.scalar(select(func.min(CheckinRound.week)))
    counted_from = first_asked \
        if first_asked is not None and first_in_quarter < first_asked <= week else None
    first_in_month = next((wk for wk in window if in_month[wk]), None)
    # Whether the CRM booked a director's sale in one of those weeks: counted in the actual
    # with no target (see crm_only), it makes a month or quarter to date read over 100%.
    crm_counted = {p.key for p in people if p.active and p.role == "director"} \
        if counted_from is not None and crm else set()
    counted_crm = any(first_in_quarter <= wk < counted_from  # type: ignore[operator]
                      for key, _metric, wk in crm if key in crm_counted)
    return GmSummary(ctx.org.name, week, weeks, list(headline.values()),
                     head_mtd, head_qtd, views, attention,
                     month, quarter, reader_tz, full=only is not None, look=look,
                     detail_page=page if paged else None, this_week=week == week_of(today),
                     namesakes=told, fiscal_year_start=fiscal,
                     departments=_department_names(ctx, locale, [
                         *(s for v in views for s in v.support),
                         *(m.item for m in members_support)]),
                     members_support=members_support, counted_from=counted_from,
                     counted_from_month=counted_from is not None
                     and first_in_month is not None and first_in_month < counted_from,
                     counted_crm=counted_crm)


def _members_support(tracked: Mapping[str, list[SupportItem]], others: Sequence[Any],
                     ageing_days: int, reader_tz: str) -> list[MemberSupport]:
    """The tracked requests of `others` (those with no director's block: team members
    who check in, anyone else who did), oldest first, each with who asked as the view
    names them: a name two of them share with their key, as the blocks' headings do."""
    asking = [p for p in others if p.key in tracked]
    if not asking:
        return []
    names: dict[str, int] = {}
    for p in asking:
        names[p.display_name] = names.get(p.display_name, 0) + 1
    out = [MemberSupport(item, p.display_name + (f" (@{p.key})" if names[p.display_name] > 1
                                                 else ""),
                         p.team, not p.active, item.age_days >= ageing_days,
                         None if p.active else left_on(p.left_at, reader_tz))
           for p in asking for item in tracked[p.key]]
    out.sort(key=lambda m: (m.item.opened, m.item.id or 0))
    return out


def _department_names(ctx: Context, locale: str, requests: Iterable[SupportItem]
                      ) -> dict[str, str]:
    """The departments the view's requests went to, by key, as the reader reads them: the
    org file's, and any key it no longer declares marked so (bot/support_config.py) —
    worked out once per key, not per request."""
    support = ctx.org.support
    names = {d.key: d.name_for(locale) for d in support.departments}
    for key in {s.department for s in requests} - names.keys():
        if key:
            names[key] = department_name(support, ctx.renderer, locale, key, inside=True)
    return names


_EMPTY: dict[str, Any] = {}
_NONE = (0, 0)  # no answer given, none real


def _given_real(r: tuple[Any, ...]) -> tuple[int, int]:
    """A round's answers given and, of them, real (its two counts, _answer_counts: before
    the latest week only the first, the same for both)."""
    given = r[8]
    if not given:
        return _NONE
    return given, given if r[9] is None else r[9]
_CRM_PERSON = Person.__table__.alias("crm_person")
_GIVEN = Answer.__table__.alias("given")


def _has_crm(weeks: list[str]) -> ColumnElement[bool]:
    """The round (of one of `weeks`) is of a person with a CRM figure for its week: the
    CRM's figure counts there, metric by metric, in place of the typed one.

    The CRM's (person, week) pairs worked out once and each round looked up in them, not
    the CRM asked again for each round (a lookup of the person and one of the CRM per
    round: 10,000 directors' older weeks, 10 ms of SQLite's 110 for the rounds read)."""
    return tuple_(CheckinRound.person_id, CheckinRound.week).in_(
        select(_CRM_PERSON.c.id, CrmActual.week)
        .join(_CRM_PERSON, _CRM_PERSON.c.key == CrmActual.person_key)
        .where(CrmActual.week.in_(weeks)))


def _late_from(last_day: date, tz: str) -> tuple[datetime, str]:
    """The first moment a check-in of the week ending `last_day` is late in `tz` (the next
    day's midnight there; where the clocks skip midnight, the moment they do), in UTC: as
    a datetime and as SQLite stores one ('2026-11-30 05:00:00', which every stored value
    of that moment or later sorts at or after)."""
    first = datetime.combine(last_day + timedelta(days=1), time(), ZoneInfo(tz)).astimezone(UTC)
    return first, first.strftime("%Y-%m-%d %H:%M:%S")


def _answer_counts(week: str) -> tuple[Any, Any]:
    """A round's answers given and, of them, real (not skipped), as two columns of the
    round: in `week` (the latest: its counts are shown) how many. Before it, only what
    the status needs, in the first column (the second NULL): whether a submitted round
    has a real answer (submitted or skipped), whether another has any (in progress or
    not): one lookup per round, the database stopping at the first answer found. (Two
    EXISTS per round, for both counts whatever the status, made the rounds read of
    10,000 directors 15% slower on PostgreSQL.)"""
    given = _GIVEN.c.round_id == CheckinRound.id
    real = and_(given, _GIVEN.c.skipped.is_(False))
    latest = CheckinRound.week == week
    return (case((latest, select(func.count()).where(given).scalar_subquery()),
                 (CheckinRound.status == "submitted", case((exists().where(real), 1),
                                                           else_=0)),
                 else_=case((exists().where(given), 1), else_=0)),
            case((latest, select(func.count()).where(real).scalar_subquery())))


def _unanswered() -> ColumnElement[bool]:
    """A round with no answer that was not submitted: away or missed, which only the
    calendar tells (_away); an older one is read one by one."""
    return and_(CheckinRound.status != "submitted",
                ~exists().where(_GIVEN.c.round_id == CheckinRound.id))


def _older_parts(older: list[str], month: str) -> list[tuple[list[str], bool]]:
    """The older weeks in the summary's month and the rest (all of them in its quarter)."""
    parts = [([wk for wk in older if month_of(wk) == month], True),
             ([wk for wk in older if month_of(wk) != month], False)]
    return [(part, in_month) for part, in_month in parts if part]


def _of_directors(query: Select[Any], only: str | None, grouped: bool = False
                  ) -> Select[Any]:
    """`query` (over answers) joined to its rounds, of directors only (of one, if `only`;
    `grouped` as in _directors)."""
    return _directors(query.join(CheckinRound, CheckinRound.id == Answer.round_id), only,
                      grouped)


def _directors(query: Select[Any], only: str | None, grouped: bool = False) -> Select[Any]:
    """`query` (over rounds) of rounds made for a director (of one, if `only`).

    The round's own role decides; the person's role today only for a round made before
    rounds had one (NULL): every round made since has a role, and a join to people cost
    a lookup per round (10,000 directors: a few ms in each of half a dozen statements).
    The directors today are then listed by a subquery both databases run once, and only
    if a round without a role comes (a correlated lookup instead made PostgreSQL's
    planner cost it per round, 100 times the plan's cost, and it then searched the index
    for each of thousands of people named in a statement: 30 -> 45 ms). Not
    `person_id IN (a list of directors)`: with the list SQLite walks the rounds person by
    person instead of taking the weeks' index (three times slower).
    `grouped`: for a statement that adds its rows up, the round's role is tested as an
    OR, which PostgreSQL's planner estimates from the column's statistics: it guesses a
    COALESCE true for 0.5% of the rows, and then sorted the tens of thousands of rows on
    disk to group them instead of hashing a dozen groups (10,000 directors: 26 -> 14 ms
    and 96 -> 69 ms). The statements that read rows keep the COALESCE: estimated right,
    they scanned every answer instead of looking up the rounds' (this week's texts 42 ->
    81 ms).
    """
    today = CheckinRound.person_id.in_(select(Person.id).where(Person.role == "director"))
    if grouped:
        query = query.where(or_(CheckinRound.role == "director", and_(
            CheckinRound.role.is_(None), today)))
    else:
        query = query.where(func.coalesce(CheckinRound.role, case((today, "director")))
                            == "director")
    if only is None:
        return query
    return query.where(CheckinRound.person_id == select(Person.id).where(
        Person.key == only).scalar_subquery())


def _bulk_rounds(conn: Any, older: list[str], month: str, only: str | None,
                 whole: bool = False, of: list[int] | None = None) -> list[tuple[Any, ...]]:
    """Every round of the older weeks, counted per director, snapshot and part of the
    quarter: (person id, snapshot key, in the month, rounds, a round id, the first week).
    `whole`: for the whole org (person id None); `of`: those directors' only. The caller
    takes off those it reads one by one."""
    reads = _bulk_round_reads(older, month, only, whole, of)
    return _bulk_round_rows(reads, [plain_rows(conn, *query) for query, _ in reads], whole)


def _bulk_round_reads(older: list[str], month: str, only: str | None, whole: bool = False,
                      of: list[int] | None = None
                      ) -> list[tuple[tuple[Select[Any], dict[str, Any]], bool]]:
    """_bulk_rounds' statements with their parameters, each with whether its weeks are in
    the month."""
    by = [] if whole else [CheckinRound.person_id]

    def make(part: list[str]) -> Select[Any]:
        # (Last, how many were changed after their week: edited_at, in the covering index.)
        return _directors(select(*by, CheckinRound.snapshot_key, func.count(),
                                  func.min(CheckinRound.id), func.min(CheckinRound.week),
                                  func.count(CheckinRound.edited_at)),
                           only, grouped=True) \
            .where(CheckinRound.week.in_(part), *_people_in(of is not None)) \
            .group_by(*by, CheckinRound.snapshot_key)

    return [((_statement(("bulk_rounds", tuple(part), only, whole, of is not None),
                         lambda part=part: make(part)), {} if of is None else {"of": of}),
             in_month) for part, in_month in _older_parts(older, month)]


def _bulk_round_rows(reads: list[tuple[Any, bool]], rows: list[list[tuple[Any, ...]]],
                     whole: bool) -> list[tuple[Any, ...]]:
    """_bulk_rounds' result from the rows of its statements (`reads`): (person id unless
    whole, key, in the month, rounds, a round id, the first week, of the rounds how many
    were changed after their week ended)."""
    return [(None if whole else row[0], row[-5], in_month, *row[-4:])
            for (_query, in_month), part in zip(reads, rows, strict=True) for row in part]


def _bulk_figures(conn: Any, older: list[str], month: str, read: list[int],
                  only: str | None, kpi_keys: list[str], whole: bool = False,
                  of: list[int] | None = None) -> list[tuple[Any, ...]]:
    """The typed KPI figures of the older weeks' rounds added up, but for the rounds read
    one by one (`read`: the CRM's, the unanswered): (person id, snapshot key, in the
    month, question key, total, how many); `whole` and `of` as in _bulk_rounds.
    A skipped or text answer is no figure."""
    reads = _bulk_figure_reads(older, month, read, only, kpi_keys, whole, of)
    return _bulk_figure_rows(reads, [plain_rows(conn, *query) for query, _ in reads], whole)


def _bulk_figure_reads(older: list[str], month: str, read: list[int], only: str | None,
                       kpi_keys: list[str], whole: bool = False, of: list[int] | None = None
                       ) -> list[tuple[tuple[Select[Any], dict[str, Any]], bool]]:
    """_bulk_figures' statements with their parameters, each with whether its weeks are
    in the month."""
    params: dict[str, Any] = {}
    if read:
        params["read"] = read
    if of is not None:
        params["of"] = of

    def make(part: list[str]) -> Select[Any]:
        # Left out by id (a list known already), not by asking about the CRM again per round.
        not_read = CheckinRound.id.not_in(bindparam("read", expanding=True,
                                                    literal_execute=True)) if read else true()
        by = [] if whole else [CheckinRound.person_id]
        return _of_directors(select(*by, CheckinRound.snapshot_key, Answer.question_key,
                                     func.sum(Answer.number_value), func.count()),
                              only, grouped=True) \
            .where(CheckinRound.week.in_(part), not_read, *_people_in(of is not None),
                   Answer.question_key.in_(kpi_keys or [""]), Answer.skipped.is_(False),
                   Answer.number_value.is_not(None)) \
            .group_by(*by, CheckinRound.snapshot_key, Answer.question_key)

    return [((_statement(("bulk_figures", tuple(part), only, tuple(kpi_keys), whole,
                          bool(read), of is not None), lambda part=part: make(part)),
              params),
             in_month)
            for part, in_month in _older_parts(older, month)]


def _bulk_figure_rows(reads: list[tuple[Select[Any], bool]], rows: list[list[tuple[Any, ...]]],
                      whole: bool) -> list[tuple[Any, ...]]:
    """_bulk_figures' result from the rows of its statements (`reads`)."""
    return [(None if whole else row[0], row[-4], in_month, *row[-3:])
            for (_query, in_month), part in zip(reads, rows, strict=True) for row in part]


def _people_in(of: bool) -> list[ColumnElement[bool]]:
    """Rounds of the people given as the parameter `of` when run (if `of`; else all)."""
    if not of:
        return []
    return [CheckinRound.person_id.in_(bindparam("of", expanding=True, literal_execute=True))]


def _bulk_by_director(rounds: list[tuple[Any, ...]], figures: list[tuple[Any, ...]],
                      snap_ids: dict[str, int],
                      taken: dict[tuple[int | None, int, bool], int],
                      edited_in: dict[int | None, set[bool]] | None = None
                      ) -> tuple[dict[int | None, list[tuple[int, bool, int]]],
                                 dict[int | None, list[tuple[int, bool, str, float, int]]]]:
    """_bulk_rounds' and _bulk_figures' rows by director (None: the whole org's), as
    _add_bulk takes them: the rounds read one by one (`taken`) taken off the counts, the
    weeks in the order they came (the order the figures are listed in). `edited_in`: per
    director, whether the month's part, the rest of the quarter's or both hold a round
    changed after its week ended (see _edited_periods), added to."""
    rounds_by: dict[int | None, list[tuple[int, bool, int]]] = {}
    # (A row or two per director and snapshot: no list made and dropped per row, as
    # setdefault(pid, []) would.)
    for pid, key, this_month, n, _rid, _first, edited in sorted(rounds, key=itemgetter(5)):
        if edited and edited_in is not None:
            edited_in.setdefault(pid, set()).add(this_month)
        sid = snap_ids[key]
        n -= taken.get((pid, sid, this_month), 0)
        if n:
            mine = rounds_by.get(pid)
            if mine is None:
                mine = rounds_by[pid] = []
            mine.append((sid, this_month, n))
    figures_by: dict[int | None, list[tuple[int, bool, str, float, int]]] = {}
    for pid, key, this_month, qkey, total, n in figures:
        found = figures_by.get(pid)
        if found is None:
            found = figures_by[pid] = []
        found.append((snap_ids[key], this_month, qkey, float(total), n))
    return rounds_by, figures_by


def _add_to_org(org: dict[tuple[str, str], list[Any]],
                many: Iterable[dict[tuple[str, str], list[Any]]]) -> None:
    """Add directors' (or the older weeks') month and quarter sums to the org's, in order
    (the order the figures are added in is the order of their float sums)."""
    # (Written out, one call for all, one entry a KPI for both parts: 10,000 directors.)
    found = org.get
    for sums in many:
        for mu, acc in sums.items():
            total = found(mu)
            if total is None:
                total = org[mu] = [acc[0], 0.0, None, 0, 0, 0.0, None, 0, 0, 0.0, 0.0, 0, 0]
            total[1] += acc[1]
            if acc[2] is not None:
                total[2] = (total[2] or 0.0) + acc[2]
            total[3] += acc[3]
            total[4] += acc[4]
            total[5] += acc[5]
            if acc[6] is not None:
                total[6] = (total[6] or 0.0) + acc[6]
            total[7] += acc[7]
            total[8] += acc[8]
            total[9] += acc[9]
            total[10] += acc[10]
            total[11] += acc[11]
            total[12] += acc[12]


def _merged(first: dict[tuple[str, str], list[Any]],
            then: dict[tuple[str, str], list[Any]]) -> dict[tuple[str, str], list[Any]]:
    """Two of a director's month and quarter sums added up, `first`'s KPIs listed first."""
    for mu, acc in then.items():
        total = first.get(mu)
        if total is None:
            first[mu] = acc
            continue
        # (Written out: called for every director of the CLI's export.)
        total[1] += acc[1]
        total[3] += acc[3]
        total[4] += acc[4]
        total[5] += acc[5]
        total[7] += acc[7]
        total[8] += acc[8]
        total[9] += acc[9]
        total[10] += acc[10]
        total[11] += acc[11]
        total[12] += acc[12]
        if acc[2] is not None:
            total[2] = (total[2] or 0.0) + acc[2]
        if acc[6] is not None:
            total[6] = (total[6] or 0.0) + acc[6]
    return first


def _period_figures(view: DirectorView, sums: dict[tuple[str, str], list[Any]],
                    unit_texts: dict[str, str], rank: Callable[[str], int]) -> None:
    """A director's month and quarter to date from the director loop's `sums` (each unit
    as the reader reads it, `unit_texts`, as the headline's)."""
    # (Every field given in order, no keywords, and `summed` written out: the CLI's export
    # of 10,000 directors makes some 40,000 of these.)
    mtd, qtd = view.mtd, view.qtd
    # In the order the org file asks the KPIs, as the week's line: the sums are in the order
    # each first came, and an earlier week the CRM alone booked put its metric first.
    for (metric, unit), acc in sorted(sums.items(), key=lambda item: rank(item[0][0])):
        label, target, actual, reported, expected, q_target, q_actual, q_reported, \
            q_expected, of_reported, q_of_reported, unasked, q_unasked = acc
        text = unit_texts.get(unit, unit)
        if is_rate(unit):  # (a rate's month and quarter are the means of its weeks)
            target, actual = averaged(unit, target, actual, reported, expected, of_reported,
                                      unasked)
            q_target, q_actual = averaged(unit, q_target, q_actual, q_reported, q_expected,
                                          q_of_reported, q_unasked)
        if expected or actual is not None:
            mtd.append(Figure(metric, label, unit, rounded(target),
                              None if actual is None else rounded(actual), reported, expected,
                              None, None, False, [], text))
        qtd.append(Figure(metric, label, unit, rounded(q_target),
                          None if q_actual is None else rounded(q_actual), q_reported,
                          q_expected, None, None, False, [], text))


def _add_bulk(sums: dict[tuple[str, str], list[Any]], rounds: list[tuple[int, bool, int]],
              figures: Sequence[tuple[int, bool, str, float, int]],
              kpi_of: list[list[tuple[Any, ...]]],
              kpi_mu: list[dict[str, tuple[str, str]]]) -> None:
    """Add the older weeks' counts and figures to a director's month and quarter sums
    (the layout of the director loop's `sums`). `kpi_mu`: per snapshot, each KPI
    question's (metric, unit)."""
    for sid, in_month, n in rounds:
        for _qkey, _metric, label, _unit, target, mu, _text in kpi_of[sid]:
            acc = sums.get(mu)
            if acc is None:
                acc = sums[mu] = [label, 0.0, None, 0, 0, 0.0, None, 0, 0, 0.0, 0.0, 0, 0]
            acc[5] += target * n
            acc[8] += n
            if in_month:
                acc[1] += target * n
                acc[4] += n
    for sid, in_month, qkey, total, n in figures:
        mu = kpi_mu[sid].get(qkey)
        if mu is None:
            continue  # an answer to a question the round's snapshot no longer asks
        acc = sums[mu]
        acc[6] = (acc[6] or 0.0) + total
        acc[7] += n
        # (The targets of the figures reported: a rate's mean is held against theirs.)
        target = next(k[4] for k in kpi_of[sid] if k[0] == qkey) if is_rate(mu[1]) else 0.0
        acc[10] += target * n
        if in_month:
            acc[2] = (acc[2] or 0.0) + total
            acc[3] += n
            acc[9] += target * n


def _applicable(questions: list[Question], given: dict[str, Any]) -> tuple[int, list[str]]:
    """How many of a round's questions applied, and the keys of those left out (a skip_if
    on a choice answer leaves some out, as in the check-in itself)."""
    if not any(q.skip_if for q in questions):
        return len(questions), []
    answers = {k: _Given(v if isinstance(v, str) else None, v is SKIPPED)
               for k in {q.skip_if[0] for q in questions if q.skip_if}
               if (v := given.get(k)) is not None}
    live = {q.key for q in applicable_given(questions, answers)}
    return len(live), [q.key for q in questions if q.key not in live]


def _read_answers(conn: Any, queries: list[tuple[Select[Any], dict[str, Any]]],
                  answers: dict[int, dict[str, Any]]) -> None:
    """Answers by round and question key: the figure, else the text; SKIPPED if skipped
    (`queries`: each statement with its parameters)."""
    for query, params in queries:
        _add_answers(plain_rows(conn, query, params), answers)


def _add_answers(rows: list[tuple[Any, ...]], answers: dict[int, dict[str, Any]]) -> None:
    """_read_answers of rows read already."""
    found = answers.get
    for rid, qkey, text, number, skipped in rows:
        given = found(rid)
        if given is None:  # (not setdefault: it would make a dict per row)
            given = answers[rid] = {}
        given[qkey] = SKIPPED if skipped else number if number is not None else text


def _following(latest: list[dict[str, Any] | None], people: list[int]
               ) -> tuple[list[int], list[int]]:
    """Of `people` (with their answers this week, `latest`), those who report a blocker
    and those who ask for support: their earlier weeks' are read (a recurring blocker,
    the week a request was first made)."""
    blocked: list[int] = []
    asking: list[int] = []
    for given, pid in zip(latest, people, strict=True):
        if not given:
            continue
        blocker, need = given.get("blockers"), given.get("support_type")
        if isinstance(blocker, str) and tokens(blocker):
            blocked.append(pid)
        if isinstance(need, str) and need != "none":
            asking.append(pid)
    return blocked, asking


@dataclass(frozen=True, slots=True)
class _Given:
    """The little of an answer that decides whether a later question applies."""

    text_value: str | None
    skipped: bool = False


def _away_directors(ctx: Context, people: list[Any], shown: list[str],
                    away: Mapping[tuple[int, str], date], reader_tz: str) -> list[Any]:
    """Of `people` (not directors today), those who were directors in a past week of
    `shown` they were away in without a round (`away`: _away's answer, which asks only
    of weeks with no round or none answered): their latest round by then was made as a
    director (teams_then.roles_then). A director made a member since keeps the week they
    were away in, as the weeks they checked in (README: a past week's directors). A
    statement per such week only (usually none)."""
    now = ctx.clock.now()
    over = [wk for wk in shown if closes(wk, reader_tz) <= now]
    by_id = {p.id: p for p in people}
    found: set[int] = set()
    for wk in over:
        ids = {pid for pid, w in away if w == wk and pid in by_id and pid not in found}
        for pid, role in roles_then(ctx.session, wk, ids).items():
            if (role or by_id[pid].role) == "director":
                found.add(pid)
    return [p for p in people if p.id in found]


def _away(ctx: Context, people: list[Any], window: list[str], shown: set[str],
          rounds: dict[tuple[int, str], Any]
          ) -> tuple[dict[tuple[int, str], date], dict[tuple[int, str], date]]:
    """away_weeks (handlers/summary.py), asked only where the answer can matter: the
    person-weeks with no round, or a round with no answer that was not submitted (away
    or missed), in the weeks shown and (rounds only) older; a week with answers counts
    as answered whatever the calendar, so every reader of the first map asks only these.
    The second: the rounds of the weeks shown started and not finished whose check-in
    moment an away period covered (in progress, and their last day away: not chased)."""
    schedule = ctx.settings.checkin_schedule
    moments: dict[tuple[str, str], datetime] = {}
    asks: dict[tuple[int, str], tuple[int, str, datetime]] = {}
    # Only people with an away period near the window can be away in it: usually a few,
    # not the whole org. (Their periods read with them: last_days below takes them, one
    # statement fewer.)
    near = ctx.away.near_periods(week_start(window[0]), week_end(window[-1]))
    people = [p for p in people if p.id in near.by_person]
    # Each of them in the weeks shown where they have no round; in every week of the
    # window the rounds with no answer that were not submitted (walked once).
    pairs = [(p, wk) for wk in window if wk in shown for p in people
             if (p.id, wk) not in rounds]
    # Each week judged where they were that week (zone_then: a move since changes none):
    # a week with a round where it was made (read with the round), one with none where
    # their latest round before it was made (read for those few people).
    zones = round_zones(ctx.session, {p.id for p, _ in pairs}, window[0], window[-1]) \
        if pairs else {}
    zoned = [(p, wk, zone_then(zones, p, wk)) for p, wk in pairs]
    # ... and, in the weeks shown, a round started and not finished: it reads in
    # progress whatever the calendar, but someone away is not the GM's to chase (their
    # line says until when, and they are no attention item).
    started: set[tuple[int, str]] = set()
    for p in people:  # (the few near, not every round read: the window holds their weeks)
        for wk in window:
            r = rounds.get((p.id, wk))
            if r is not None and r[3] != "submitted" and (not r[8] or wk in shown):
                zoned.append((p, wk, r[11] or p.timezone))
                if r[8]:
                    started.add((p.id, wk))
    for p, wk, zone in zoned:
        moment = moments.get((zone, wk))
        if moment is None:
            moment = moments[(zone, wk)] = checkin_moment(schedule, zone, wk)
        asks[(p.id, wk)] = (p.id, zone, moment)
    # (The covering periods' last days alone: no ORM object made per period read.)
    last_days = ctx.away.last_days(asks.values(), near)
    out: dict[tuple[int, str], date] = {}
    away_started: dict[tuple[int, str], date] = {}
    for key, (pid, _timezone, moment) in asks.items():
        day = last_days.get((pid, moment))
        if day is not None:
            (away_started if key in started else out)[key] = day
    return out, away_started


def _trend(values: Sequence[float | None], margin: float) -> str | None:
    """up/down/flat: the latest value against the mean of the earlier ones (None if either
    is missing)."""
    latest = values[-1] if values else None
    if latest is None:  # (before the loop below: every director's series is asked)
        return None
    # (Added up in a loop, in order as sum() adds them, not a list made and summed: asked
    # twice per director, a comprehension's call each time.)
    total = n = 0
    for v in values[:-1]:
        if v is not None:
            total += v
            n += 1
    if not n:
        return None
    # The move as the figures stand for it, not as floats keep them: 80% three weeks then
    # 75% moved exactly 5 points, "more than" none, yet 0.75 < 0.8 - 0.05 in floats.
    moved = round(latest - total / n, 9)
    if moved > margin:
        return "up"
    if moved < -margin:
        return "down"
    return "flat"


def _given_by_week(rounds: list[Any], answers: dict[int, dict[str, Any]]
                   ) -> list[dict[str, Any]]:
    """The answers of each of `rounds` (None: no round, no answers)."""
    get = answers.get
    return [_EMPTY if r is None else get(r[0], _EMPTY) for r in rounds]


def _blockers(view: DirectorView, rounds: list[Any], looked: int,
              answers: dict[int, dict[str, Any]]) -> None:
    """Question 4's blockers: this week's, and in how many of the `looked` weeks
    (`rounds`: the director's of those weeks, oldest first) a similar one came up."""
    latest = rounds[-1]
    text = answers.get(latest[0], _EMPTY).get("blockers") if latest is not None else None
    mine = tokens(text if isinstance(text, str) else None)
    if mine:
        view.blockers = clean_text(text)
        # (The earlier weeks only for the few who report a blocker now.)
        earlier = [tokens(g.get("blockers") if isinstance(g.get("blockers"), str) else None)
                   for g in _given_by_week(rounds[:-1], answers)]
        same = sum(1 for e in earlier if similar(mine, e))
        view.recurring = same + 1 if same else 0
        view.recurring_of = looked


def _details(conn: Any, views: list[DirectorView], rounds: list[list[Any]],
             answers: dict[int, dict[str, Any]], read: bool, last_plans: bool = True) -> None:
    """Question 4's texts for `views` (`rounds`: each one's of the look-back weeks, oldest
    first): this week's wins and plan, last week's plan (unless not `last_plans`: see
    _last_plans), the confidence of each look-back week; first read by round id if `read`
    (a page of directors: the whole view's reads left them out)."""
    ids_read = [r[0] for mine in rounds for r in mine if r is not None] if read else []
    if ids_read:
        _read_answers(conn, [(_statement(("details",), lambda: select(
            Answer.round_id, Answer.question_key, Answer.text_value, Answer.number_value,
            Answer.skipped).where(Answer.round_id.in_(bindparam("ids", expanding=True)),
                                  Answer.question_key.in_(DETAIL_KEYS))),
            {"ids": ids_read})], answers)
    # (Written out, one loop for every view, no call per director: the CLI's export runs
    # it for 10,000.)
    get, empty = answers.get, _EMPTY
    for view, mine in zip(views, rounds, strict=True):
        confidence: list[int | None] = []
        now = last = empty
        for r in mine:
            last = now
            now = empty if r is None else get(r[0], empty)
            c = now.get("confidence")
            # (A figure: nearly always a float, told by one check.)
            confidence.append(int(c) if c.__class__ is float or isinstance(c, (int, float))
                              else None)
        # Question 4's texts: last week's plan and this week's wins, the confidence trend.
        # Text stored before answers were cleaned on the way in is cleaned on the way out.
        wins, plan, last_plan = now.get("wins"), now.get("plan"), last.get("plan")
        view.wins = clean_text(wins) if isinstance(wins, str) else None
        view.plan = clean_text(plan) if isinstance(plan, str) else None
        if last_plans:
            view.last_plan = clean_text(last_plan) if isinstance(last_plan, str) else None
        view.confidence = confidence
        view.confidence_trend = _trend(confidence, CONFIDENCE_MARGIN) \
            if confidence and confidence[-1] is not None else None


def _last_plans(views: list[DirectorView], rounds: list[list[Any]],
                answers: dict[int, dict[str, Any]]) -> None:
    """Last week's plan for `views` (`rounds` as in _details), read after the rest of
    question 4's texts: the CLI's export reads it on the side during the directors' loop."""
    get = answers.get
    for view, mine in zip(views, rounds, strict=True):
        last = mine[-2] if len(mine) > 1 else None
        plan = get(last[0], _EMPTY).get("plan") if last is not None else None
        view.last_plan = clean_text(plan) if isinstance(plan, str) else None


def _team_of(person: Any, rnd: Any) -> str:
    team = rnd[4] if rnd is not None and rnd[4] is not None else person.team
    return (team or "").casefold()


_KUDOS_BY_TEAMS = select(Kudos.giver_team, Kudos.recipient_team, func.count()).where(
    Kudos.given_at >= bindparam("start"), Kudos.given_at < bindparam("end")
).group_by(Kudos.giver_team, Kudos.recipient_team)


def _team(ctx: Context, views: list[DirectorView], directors: list[Any], people: list[Any],
          rounds: dict[tuple[int, str], Any],
          away: dict[tuple[int, str], date], week: str, shown: list[str],
          reader_tz: str) -> None:
    """Question 2: members' check-ins, morale and stress (thresholded), kudos."""
    teams = {(v.team or "").casefold() for v in views if v.team}
    members: dict[str, list[tuple[str, str, str]]] = {}
    for p in people:
        r = rounds.get((p.id, week))
        # The role and team of the week's round (a later promotion or move changes neither);
        # only those asked that week count.
        if r is None or (r[10] or p.role) == "director":
            continue
        team = _team_of(p, r)
        if team not in teams:
            continue
        given, real = _given_real(r)
        if (p.id, week) in away and not (given or r[3] == "submitted"):
            continue
        members.setdefault(team, []).append((p.display_name,
                                             _status(r[3], r[5], given, real), p.key))
    tz = ZoneInfo(reader_tz)
    start = datetime.combine(week_start(shown[0]), time(), tz).astimezone(UTC)
    end = datetime.combine(week_end(week) + timedelta(days=1), time(), tz).astimezone(UTC)
    given_by: dict[str, int] = {}
    received_by: dict[str, int] = {}
    # The teams of when each kudos was given: a later move does not rewrite a past week.
    for gteam, rteam, count in ctx.session.connection().execute(
            _KUDOS_BY_TEAMS, {"start": start, "end": end}):
        g, r = (gteam or "").casefold(), (rteam or "").casefold()
        given_by[g] = given_by.get(g, 0) + count
        received_by[r] = received_by.get(r, 0) + count
    since, read = week_start(shown[0]) - MORALE_LOOKBACK, []
    pulse = team_pulse(ctx.session, sorted({v.team for v in views if v.team}),
                       since, week_end(week), ctx.org.pulse.threshold, team_spellings(ctx.org),
                       read=read)
    # Why a team's morale and stress are hidden, as /pulse results says it, from the
    # results read above.
    why = hidden_why(ctx.session, [t for t, mood in pulse.items() if mood == (None, None)],
                     since, week_end(week), ctx.org.pulse.threshold, team_spellings(ctx.org),
                     ("morale", "stress"), read=read)
    # Directors share teams (a handful of teams, thousands of directors): each team's
    # figures are worked out once.
    per_team: dict[str | None, tuple[Any, ...]] = {}
    for view in views:
        found = per_team.get(view.team)
        if found is None:
            team = (view.team or "").casefold()
            mine = members.get(team, [])
            # Two members of one name are named with their key (they share the team, so
            # the team would not tell them apart): worked out once per team, not director.
            shared = {n for n, count in Counter(n for n, _, _ in mine).items() if count > 1}
            found = per_team[view.team] = (
                len(mine), sum(1 for _, st, _ in mine if st == "submitted"),
                [f"{n} (@{key})" if n in shared else n for n, st, key in mine
                 if st not in {"submitted", "in_progress"}],
                [f"{n} (@{key})" if n in shared else n for n, st, key in mine
                 if st == "in_progress"],
                given_by.get(team, 0) if team else 0, received_by.get(team, 0) if team else 0,
                pulse.get(view.team or ""))
        view.members, view.members_in, missing, started, view.kudos_given, \
            view.kudos_received, mood = found
        # (Each view its own lists.)
        view.members_missing, view.members_in_progress = list(missing), list(started)
        if mood is not None:
            view.morale, view.stress = mood
            view.pulse = "hidden" if view.morale is None and view.stress is None else "shown"
            if view.pulse == "hidden":
                view.pulse_why = why.get(view.team or "", EITHER)


def team_pulse(session: Session, teams: list[str], since: date, until: date,
               threshold_now: int = 0, spelled: Mapping[str, str] | None = None, *,
               read: list[tuple[PulsePoll, PollResults]] | None = None
               ) -> dict[str, tuple[float | None, float | None]]:
    """Each team's mean morale and stress over the polls from `since` to `until`, only
    where the polls may show that team (handlers/pulse.py: threshold and subtraction).
    A team is left out when no poll was held; (None, None) when every result is hidden.
    `read`: given, each poll's results are added to it (for hidden_why)."""
    polls = polls_between(session, since, until, closed_only=True)  # an open one shows none
    if not polls:
        return {}
    sums: dict[str, dict[str, list[float]]] = {t: {"morale": [], "stress": []} for t in teams}
    for poll in polls:
        results = poll_results(session, poll, threshold_now, spelled)
        if read is not None:
            read.append((poll, results))
        for team in teams:
            for key in ("morale", "stress"):
                # (A team in two letter cases is one, as the org file first writes it.)
                stats = results.stats(key, (spelled or {}).get(team.casefold(), team))
                if stats is not None:
                    sums[team][key].append(stats.average)
    return {t: tuple(sum(v) / len(v) if v else None  # type: ignore[misc]
                     for v in (s["morale"], s["stress"])) for t, s in sums.items()}


# _oneonones' statements, built once (the moments bound when they run): building them
# cost SQLAlchemy more than the database took to answer them.
_M = OneOnOneMeeting
_HELD = _M.status == "held"
_PAIRS = select(
    _M.manager_id, _M.report_id, func.max(case((_HELD, _M.scheduled_at))),
    func.max(_M.scheduled_at),
    func.sum(case((and_(_HELD, _M.scheduled_at >= bindparam("start"),
                        _M.scheduled_at < bindparam("end")), 1), else_=0)),
    func.max(case((_M.status == "not_held", _M.scheduled_at)))
).where(_M.scheduled_at < bindparam("now")).group_by(_M.manager_id, _M.report_id)
_STILL_OPEN = and_(ActionItem.created_at < bindparam("now"),
                   or_(ActionItem.done_at.is_(None), ActionItem.done_at >= bindparam("now")))
_OWNER_ZONES = select(Person.timezone).distinct().join(
    ActionItem, ActionItem.owner_id == Person.id).where(_STILL_OPEN)


def _oneonones(ctx: Context, views: list[DirectorView], directors: list[Any],
               by_id: dict[int, Any], shown: list[str], reader_tz: str,
               as_of: datetime, then: dict[int, tuple[str | None, str | None, str | None]]
               | None = None,
               before: Mapping[int, tuple[str | None, str | None, datetime]] | None = None
               ) -> None:
    """Question 5 (and members' one-on-ones for question 2): two aggregates and the
    cadence of each director's own pair, as they stood at `as_of`: a past week never
    shows a meeting or an action item that came after it.

    `then`: for a past week, of everyone who had a round that week, the manager key (None:
    no manager), role and team the round recorded. Each pair, a director's own and their
    members', is then the pair of that week (pairs_then.managers_then: the round's manager,
    else that of the person's latest one-on-one record before `as_of`, else today's in the
    org file), with the cadence of the round's role and team: a new manager in the org file
    since never rewrites it. `before`: of directors with no round that week, their latest
    round's role, manager key and when it was made (teams_then.last_rounds): that pair is
    a record of the week too (the latest record wins), and its role gives the cadence.
    With `then` None (the week read as now) every pair is the org file's today."""
    before = before or {}
    now = as_of
    tz = ZoneInfo(reader_tz)
    start = datetime.combine(week_start(shown[0]), time(), tz).astimezone(UTC)
    end = datetime.combine(week_end(shown[-1]) + timedelta(days=1), time(), tz).astimezone(UTC)
    conn = ctx.session.connection()
    # Per pair: its last held meeting, its latest, how many held in the weeks shown, and
    # its latest said not to have happened (the latest too: an overdue one "did not
    # happen"; else it is not confirmed), in the one statement (_PAIRS).
    pairs: dict[tuple[int, int],
                tuple[datetime | None, datetime | None, int, datetime | None]] = {}
    for mid, rid, last_held, latest, held_now, not_held in conn.execute(
            _PAIRS, {"start": start, "end": end, "now": now}):
        pairs[(mid, rid)] = (last_held, latest, int(held_now or 0), not_held)
    # (Each pair's latest meeting before as_of, before the records below leave some out:
    # which pairs there were, for a past week.)
    records = [(mid, rid, row[1]) for (mid, rid), row in pairs.items()] \
        if then is not None else []
    # A pair whose latest record is not a held meeting: its records after the last held
    # one, without those an older version made of slots it no longer asks about (away),
    # decide whether it is overdue (usually few pairs, and none of them such records).
    pending = [k for k, (last_held, latest, *_) in pairs.items() if last_held != latest]
    unheld = OneOnOneRepo(ctx.session).unheld_of(pending, now) if pending else []
    uncounted = never_counted(ctx.session, unheld)
    for key in {(r.manager_id, r.report_id) for r in unheld if r.id in uncounted}:
        last_held, _, held_now, _ = pairs[key]
        after = [(as_utc(r.scheduled_at), r.status) for r in unheld
                 if (r.manager_id, r.report_id) == key and r.id not in uncounted
                 and (last_held is None or as_utc(r.scheduled_at) > as_utc(last_held))]
        latest_after = max(after) if after else None
        pairs[key] = (last_held, latest_after[0] if latest_after else last_held, held_now,
                      latest_after[0] if latest_after and latest_after[1] == "not_held"
                      else None)

    # A pair that ended and began again since its missed slot: not overdue (restarted).
    for key in restarted(ctx.session, [
            (*key, latest) for key, (last_held, latest, *_) in pairs.items()
            if latest is not None and latest != last_held
            and now - as_utc(latest) > OVERDUE_AFTER], now):
        last_held, _, held_now, _ = pairs[key]
        pairs[key] = (last_held, last_held, held_now, None)

    def unconfirmed(row: tuple[datetime | None, datetime | None, int, datetime | None],
                    minutes: int) -> bool:
        """The pair's latest record that counts is not a held meeting, and its slot
        ended over OVERDUE_AFTER ago."""
        last_held, latest = row[0], row[1]
        return latest is not None and latest != last_held and \
            now - as_utc(latest) > OVERDUE_AFTER + timedelta(minutes=minutes)

    a = ActionItem
    # An action item is overdue once its due day is over where its owner is (the day they
    # are reminded on), not in the reader's calendar: one day's bound per owner's
    # timezone, of which an org has a handful. (No owner's timezone: no item open, so
    # nothing to count.)
    zones = ctx.session.scalars(_OWNER_ZONES, {"now": now}).all()
    late = case(*[(and_(Person.timezone == z, a.due < now.astimezone(ZoneInfo(z)).date()), 1)
                  for z in zones], else_=0) if zones else literal(0)
    actions: dict[int, list[int]] = {}
    # Read as now, an item counts where it is now: a report's own item from a pair the
    # org file has since ended went with them (storage.oneonone.counts_for); a past week's
    # with the pair it was agreed in, as it stood then.
    report, manager, now_of, parties = now_parties()
    counted = select(a.manager_id, a.report_id, a.owner_id, *parties, func.count(),
                     func.sum(late)) if then is None else select(
        a.manager_id, a.report_id, func.count(), func.sum(late))
    if then is None:
        counted = join_parties(counted, report, manager, now_of)
    for row in conn.execute(
            counted.join(Person, Person.id == a.owner_id).where(_STILL_OPEN)
            .group_by(*[c for c in counted.selected_columns][:-2]),
            {"now": now}) if zones else ():
        mid, rid, count, overdue = row[0], row[1], row[-2], row[-1]
        for pid in (counts_for(*row[:-2]) if then is None else {mid, rid}):
            found = actions.setdefault(pid, [0, 0])
            found[0] += count
            found[1] += int(overdue or 0)
    org = ctx.org
    entries = {e.key: e for e in org.people}
    people_by_key = {p.key: p for p in by_id.values()}
    overrides = OneOnOneRepo(ctx.session).all_overrides() if pairs or entries else {}
    if then is not None:
        # A past week's next meeting is the plan at its end: a move or skip made since
        # (Monday's 1:1 skipped that Monday morning) is not in it.
        overrides = made_before(overrides, now)
    ids = {d.key: d.id for d in directors}
    # Each manager's reports (by the manager's key): the person, and the role, team and
    # key their pair's cadence is of.
    reports: dict[str, list[tuple[Any, str, str | None, str]]] = {}
    # A past week's manager of each person it knows one of (person ids; see `then`).
    manager_of: dict[int, int | None] = {}
    if then is None:
        for e in org.people:
            if e.manager is not None:
                report = people_by_key.get(e.key)
                if report is not None and report.active:
                    reports.setdefault(e.manager, []).append((report, e.role, e.team, e.key))
    else:
        # A move or a skip made before the week ended is a record of its pair too.
        records += [(mid, rid, o.created_at) for (mid, rid), occ in overrides.items()
                    for o in occ.values() if as_utc(o.created_at) < now]
        records += [(people_by_key[key].id, rid, made) for rid, (_, key, made) in before.items()
                    if key in people_by_key]
        manager_of = managers_then(records, {
            pid: (people_by_key[key].id if key in people_by_key else None)
            if key is not None else None for pid, (key, _, _) in then.items()})
        # (Only the directors shown have their members' pairs counted: not the GM's
        # 10,000 reports at 10,000 directors.)
        shown_ids = set(ids.values())
        for rid, mid in manager_of.items():
            if mid in shown_ids and rid in by_id:
                report = by_id[rid]
                entry = entries.get(report.key)
                round_of = then.get(rid)
                role, team = (round_of[1] or report.role, round_of[2] or report.team) \
                    if round_of else (entry.role, entry.team) if entry else \
                    (report.role, report.team)
                reports.setdefault(by_id[mid].key, []).append((report, role, team, report.key))
        # Those with no round that week and no record of a pair before its end: the org
        # file's manager today (nothing stored says otherwise).
        for e in org.people:
            if e.manager in ids:
                report = people_by_key.get(e.key)
                if report is not None and report.active and report.id not in manager_of:
                    reports.setdefault(e.manager, []).append((report, e.role, e.team, e.key))
    # Pairs of the same rules and the same manager's timezone, without moves or skips, meet
    # at the same moments: each cadence and next meeting worked out once, not per director
    # (10,000 directors: a third of a past week's page).
    one_off = org.oneonones.pairs
    cadences: dict[tuple[str, str | None, str | None], Cadence] = {}
    nexts: dict[tuple[str, Cadence], datetime | None] = {}

    def cadence_for(role: str, team: str | None, key: str) -> Cadence:
        at = (role, team, key if key in one_off else None)
        found = cadences.get(at)
        if found is None:
            found = cadences[at] = org.oneonones.cadence_for(role, team, key)
        return found

    for view in views:
        pid = ids[view.key]
        view.open_actions, view.overdue_actions = actions.get(pid, [0, 0])
        entry = entries.get(view.key)
        cadence: Cadence | None = None
        if then is not None and pid in manager_of:
            # (Named even if removed from the org file since: they were the manager then.)
            mid = manager_of[pid]
            manager = by_id.get(mid) if mid is not None else None
            round_of = then.get(pid)
            last_role = before[pid][0] if pid in before else None
            role, team = (round_of[1] or "director", round_of[2] or view.team) \
                if round_of else (last_role or (entry.role if entry else "director"),
                                  view.team)
            cadence = cadence_for(role, team, view.key)
        else:
            manager = people_by_key.get(entry.manager) if entry and entry.manager else None
            if entry is not None and manager is not None and manager.active:
                cadence = cadence_for(entry.role, entry.team, entry.key)
        if manager is not None and cadence is not None:
            view.manager_key, view.manager = manager.key, manager.display_name
            if cadence.enabled:
                view.has_oneonone = True
                row = pairs.get((manager.id, pid))
                if row is not None:
                    # Days and times in the reader's timezone, as /1on1 lists them: a
                    # meeting at 19:30 in New York is the next day in UTC.
                    view.oneonone_last = as_utc(row[0]).astimezone(tz) if row[0] else None
                    view.oneonone_overdue = unconfirmed(row, cadence.duration)
                    if view.oneonone_overdue:  # (the few: nothing more for the others)
                        missed, not_held = as_utc(row[1]), row[3]
                        view.oneonone_missed = as_params(missed, reader_tz)
                        view.oneonone_missed_reason = "not_held" if not_held is not None \
                            and as_utc(not_held) == missed else "unanswered"
                moved = overrides.get((manager.id, pid))
                shared = (manager.timezone, cadence)
                if moved or shared not in nexts:
                    occ = next_meeting(Pair(manager, by_id[pid], cadence), now, moved or {})
                    start = occ.start if occ else None
                    if not moved:
                        nexts[shared] = start
                else:
                    start = nexts[shared]
                view.oneonone_next = start.astimezone(tz) if start is not None else None
        for report, role, team, key in reports.get(view.key, ()):
            theirs = cadence_for(role, team, key)
            if not theirs.enabled:
                continue
            view.team_pairs += 1
            row = pairs.get((pid, report.id))
            if row is not None:
                view.team_held += row[2]
                view.team_overdue += unconfirmed(row, theirs.duration)




def _namesakes(people: Sequence[Any], locale: str) -> dict[int, str]:
    """Of `people`, those who share a name with another, by id: the name with their team
    where that tells them apart, else with their key, as lists of names print them
    ('王伟 (North)', '王伟（@wangwei2）'): two 王伟 of team China both read '王伟 (China)'."""
    counts = Counter(p.display_name for p in people)
    if all(n == 1 for n in counts.values()):
        return {}
    shared = [p for p in people if counts[p.display_name] > 1]
    teams = Counter((p.display_name, p.team) for p in shared)
    left, right = ("（", "）") if locale == "zh-CN" else (" (", ")")
    return {p.id: f"{p.display_name}{left}"
                  f"{p.team if p.team and teams[p.display_name, p.team] == 1 else '@' + p.key}"
                  f"{right}"
            for p in shared}


def _week_count(week: str, directors: list[Any], statuses: dict[int, str],
                names: dict[int, str], gone_on: Mapping[int, date | None]) -> WeekCount:
    """The directors' check-ins of `week` (`statuses`: that week's, by person id), in one
    pass over the directors (eight weeks of 10,000: five passes each were 3% of the page).
    `gone_on`: since when each out of the org file is (None: not known)."""
    expected = checked_in = 0
    missing: list[str] = []
    unreached: list[str] = []
    started: list[str] = []
    gone: list[str] = []
    gone_ids: list[int] = []
    away: list[str] = []
    not_sent: list[str] = []
    later = 0
    get = statuses.get
    for d in directors:
        st = get(d.id, "not_sent")
        if st == "submitted":
            expected += 1
            checked_in += 1
        elif st == "in_progress":
            expected += 1
            # (people rows carry `active`: no question asked per director)
            (started if d.active else gone).append(names[d.id])
            if not d.active:
                gone_ids.append(d.id)
        elif st in EXPECTED:
            expected += 1
            (gone if not d.active else unreached if st == "unreachable" else missing
             ).append(names[d.id])
            if not d.active:
                gone_ids.append(d.id)
        elif st == "away":
            away.append(names[d.id])
        elif st == "not_sent":
            not_sent.append(names[d.id])
        elif st == JOINED_LATER:
            later += 1
    return WeekCount(week, week_start(week), week_end(week), expected, checked_in, missing,
                     away, len(not_sent) == len(directors) - later, not_sent,
                     in_progress=started, left=gone, not_reached=unreached,
                     left_on=[gone_on.get(id_) for id_ in gone_ids])


def _attention(v: DirectorView, ageing_days: int, stress_above: float) -> list[Attention]:
    """What about `v` needs the GM's attention, given the org file's thresholds
    (support.ageing_days, pulse.stress_above: read once for every director)."""
    out: list[Attention] = []
    key, name = v.key, v.name
    if v.oneonone_overdue:
        out.append(Attention("oneonone_overdue", key, name, {
            "last": v.oneonone_last.date() if v.oneonone_last else None,
            "missed": v.oneonone_missed, "reason": v.oneonone_missed_reason}))
    if v.overdue_actions:
        out.append(Attention("actions_overdue", key, name, {"count": v.overdue_actions}))
    if v.trend == "down":
        earlier = [s for s in v.series[:-1] if s is not None]
        # Against what the trend compared it with (the earlier weeks' mean), not last
        # week's alone, which may be lower still: a rise would read as a fall.
        out.append(Attention("falling", key, name, {
            # Exact: rounded to 4 places first, 57.4975% became 0.575 and read 58%.
            "now": v.series[-1] if v.series else None,
            "before": sum(earlier) / len(earlier) if earlier else None,
            "weeks": len(earlier)}))
    for s in v.support:
        if s.after_week:  # asked for after the week, with its check-in answered late
            if s.cross_department:
                out.append(Attention("support_department", key, name,
                                     {"type": s.type, "days": 0, "raised": s.opened}))
            continue
        if s.age_days >= ageing_days:  # the org file's support.ageing_days
            out.append(Attention("support_aged", key, name,
                                 {"type": s.type, "days": s.age_days}))
        elif s.cross_department:
            out.append(Attention("support_department", key, name,
                                 {"type": s.type, "days": s.age_days}))
    # Someone away over the week's check-in moment, who had begun it, is not to chase:
    # their answers count, and their line says they are away.
    if v.status in EXPECTED and v.status != "submitted" and not v.left \
            and v.away_until is None:
        out.append(Attention("missing", key, name, {"status": v.status}))
    if v.morale is not None and v.morale < MORALE_LOW:
        out.append(Attention("morale_low", key, name, {"morale": round_half_up(v.morale, 1)}))
    if v.stress is not None and v.stress > stress_above:
        out.append(Attention("stress_high", key, name, {"stress": round_half_up(v.stress, 1)}))
    if v.recurring:
        # "N of the last M weeks": the weeks need not follow each other.
        out.append(Attention("recurring_blocker", key, name, {"weeks": v.recurring,
                                                              "of": v.recurring_of}))
    for f in v.week:  # (a loop, not a list made for every director: few differ)
        if f.differs:
            out.append(Attention("crm_mismatch", key, name,
                                 {"metrics": [f.label for f in v.week if f.differs]}))
            break
    return out


def _need(v: DirectorView) -> tuple[int, int, str]:
    """Directors in need first: by their most urgent item, then how many, then name."""
    if not v.attention:  # (most directors)
        return len(ATTENTION_ORDER), 0, name_key(v.name)
    return min(_RANK[a.kind] for a in v.attention), -len(v.attention), name_key(v.name)


_RANK = {kind: i for i, kind in enumerate(ATTENTION_ORDER)}


# --- output ------------------------------------------------------------------------------

def _pct(value: float | None) -> str:
    return format_percent(value)


def prepared(summary: GmSummary, directors: Sequence[DirectorView] | None = None
             ) -> list[dict[str, Any]]:
    """Per director (of `directors`, by default all), the strings the template prints
    (numbers formatted once, here)."""
    rows = []
    for d in summary.directors if directors is None else directors:
        # (Each figure in its unit's grouping: rupees in lakhs and crores, '41,00,000'.)
        unit_of = {f.metric: f.unit for f in d.week}
        rows.append({
            "d": d,
            "week": [(f, format_number(f.actual, unit=f.unit),
                      format_number(f.target, unit=f.unit), _pct(f.attainment),
                      format_number(f.crm, unit=f.unit) if f.crm is not None else None,
                      format_number(f.self_reported, unit=f.unit) if f.differs else None)
                     for f in d.week],
            # (The attainment; with no target, the figure itself: the CRM's sales of weeks
            # the director was not asked, not a dash.)
            "mtd": [_period(f) for f in d.mtd],
            "qtd": [_period(f) for f in d.qtd],
            # A metric in two units (a KPI moved from USD to CNY mid-quarter) reads with
            # each unit: "Revenue 110%, Revenue 55%" left the GM to guess which was which.
            "twice": _twice(d.mtd) | _twice(d.qtd),
            # A figure changed after the week: what it was when the week ended.
            "was": {m: "—" if v is None else format_number(v, unit=unit_of.get(m))
                    for m, v in d.edited_from},
            "series": " → ".join(_pct(v) for v in d.series)
            if any(v is not None for v in d.series[:-1]) else None,
            # A week with no answer is a dash, not left out: "confidence 2" under a check-in
            # not made this week read as this week's (weeks before the first answer: none).
            "confidence": " → ".join("—" if c is None else str(c) for c in
                                     itertools.dropwhile(lambda c: c is None, d.confidence)),
            "kinds": {a.kind for a in d.attention},
        })
    return rows


def _twice(figures: Sequence[Figure]) -> frozenset[str]:
    """The labels that more than one of `figures` has (one metric in several units)."""
    if len(figures) < 2:
        return _NO_LABELS
    labels = [f.label for f in figures]
    return frozenset(label for label in labels if labels.count(label) > 1)


_NO_LABELS: frozenset[str] = frozenset()


def _period(f: Figure) -> tuple[Figure, str, str | None]:
    """A month or quarter to date as a director's block prints it: the attainment, and
    the figure itself where there is none (formatted only then)."""
    att = f.attainment
    return f, _pct(att), format_number(f.actual, unit=f.unit) \
        if att is None and f.actual is not None else None


@dataclass(frozen=True, slots=True)
class Page:
    """Which directors one chat message of the GM's view shows."""

    number: int  # 1-based
    pages: int
    first: int  # 1-based position of the first director shown
    last: int
    total: int  # directors in the view
    period: str  # the request's other arguments, repeated in the next page's command


@without_gc
def gm_page(ctx: Context, locale: str, markup: str, week: str, shown: int, reader_tz: str,
            page: int, period: str = "", reader: str | None = None,
            known_why: Mapping[str, str | None] | None = None) -> tuple[str | None, int]:
    """One chat page of the GM's view (None past the last page) and how many there are.
    `known_why`: as build_gm_summary's (the digest's header read it already).

    Built and rendered with the cyclic collector held off throughout, so the view is freed
    by reference counting before the collector runs again, instead of being walked by it
    (see bot/gc_pause.py).
    """
    view = build_gm_summary(ctx, locale, week, shown, reader_tz, page=page,
                            known_why=known_why)
    still_to_come(ctx, view)
    still_open(ctx, view)
    if len(view.weeks) == 1 and view.weeks[0].nothing_sent and not view.weeks[0].due:
        view.before_bot = before_bot(ctx, view.week, [d.key for d in view.directors],
                                     reader_tz)
    pages = page_count(view)
    if page > pages:
        return None, pages
    return render_gm(ctx.renderer, locale, markup, view, page=page, period=period,
                     reader=reader), pages


def still_to_come(ctx: Context, view: GmSummary) -> None:
    """Mark the directors not sent the week's check-in because its time has not come
    where they are (Friday 16:00 in Los Angeles is 19:00 in New York; a `sun 20:00` one
    in New York is Monday 09:00 in Shanghai, the GM's week over): they read "no check-in
    sent", as if left out, and a GM reading at 17:00 sent them theirs early with
    /checkin send."""
    if not view.weeks or not may_still_go_out(ctx, view.week):
        return
    latest = view.weeks[-1]
    tz = ZoneInfo(view.reader_tz)
    for d in view.directors:
        moment = goes_out(ctx, d.key, view.week) if d.status == "not_sent" else None
        if moment is None:
            continue
        d.due = moment.astimezone(tz)
        name = view.namesakes.get(d.key, d.name)  # (as the headline lists them)
        if name in latest.not_sent:
            latest.not_sent.remove(name)
            latest.due.append(name)


def still_open(ctx: Context, view: GmSummary) -> None:
    """Mark the directors not checked in (started or not) whose week, over where the
    reader is, still runs where they are: they may still answer it, not missed yet."""
    now, tz = ctx.clock.now(), ZoneInfo(view.reader_tz)
    monday = week_end(view.week) + timedelta(days=1)
    if now < datetime.combine(monday, time(), tz) or not may_still_be_open(view.week, now):
        return  # (still running for the reader too; or over everywhere)
    for d in view.directors:
        entry = ctx.org.person(d.key)
        if d.status not in {"missed", "in_progress"} or entry is None:
            continue
        closes = datetime.combine(monday, time(), ZoneInfo(entry.timezone))
        if closes > now:
            d.open_until = closes.astimezone(tz)


def may_still_be_open(week: str, now: datetime) -> bool:
    """Whether `week` may still run somewhere (its Sunday lasts longest at UTC-12)."""
    monday = week_end(week) + timedelta(days=1)
    return now < datetime.combine(monday, time(), ZoneInfo(LAST_ZONE))


def _whole(summary: GmSummary) -> None:
    """An export holds every director's block: a view built for one chat page has the
    texts of that page's directors only."""
    if summary.detail_page is not None:
        raise ValueError("a view built for one chat page cannot be exported whole")


def page_count(summary: GmSummary) -> int:
    """How many chat pages the view's directors take (1 for an org of up to a page)."""
    return max(1, -(-len(summary.directors) // PAGE_SIZE))


@without_gc
def render_gm(renderer: Any, locale: str, markup: str, summary: GmSummary,
              page: int | None = None, period: str = "", reader: str | None = None) -> str:
    """The GM's view as text: one template pass, over the directors shown only.

    `reader`: the key of who reads it. A director's one-on-one with them reads "with
    you"; with someone else (a summary viewer reads the GM's), it names that manager.

    `page` None: everything (the CLI's full export). A page number: the chat view of an
    org with more directors than a page: the headline and the attention list on page 1
    with lists of names cut short, then PAGE_SIZE directors (those in need first) and a
    footer saying where the others are. An org of up to a page reads as with None.
    """
    if summary.detail_page is not None and page != summary.detail_page:
        raise ValueError(f"built with the texts of page {summary.detail_page}, not {page}")
    paging: Page | None = None
    directors: Sequence[DirectorView] = summary.directors
    cap = len(summary.directors) + 1  # no list is cut short
    if page is not None and not summary.full and len(summary.directors) > PAGE_SIZE:
        start = (page - 1) * PAGE_SIZE
        directors = summary.directors[start:start + PAGE_SIZE]
        paging = Page(page, page_count(summary), start + 1, start + len(directors),
                      len(summary.directors), period)
        cap = NAMES_SHOWN
    attention = summary.attention if paging is None or paging.number == 1 else []
    # Team members' open requests: on the first page, the oldest few in a chat view (the
    # rest are /support's), all of them in the CLI's export.
    members = summary.members_support if paging is None or paging.number == 1 else []
    members_cap = MEMBERS_SUPPORT_SHOWN if page is not None else len(members)
    kinds = {x.type for d in directors for x in d.support} | \
        {a.detail.get("type") for a in attention if a.detail.get("type")} | \
        {m.item.type for m in members[:members_cap]}
    labels = {k: renderer.choice_label(locale, "support_type", k) for k in kinds}
    # Whom each one-on-one the view names is with: None for the reader themself.
    with_whom = {d.key: None if d.manager_key in {None, reader} else d.manager
                 for d in directors}
    if any(a.kind == "oneonone_overdue" for a in attention):
        with_whom |= {d.key: None if d.manager_key in {None, reader} else d.manager
                      for d in summary.directors
                      if any(a.director == d.key for a in attention)}
    return renderer.template(locale, "summary_gm", markup, s=summary,
                             rows=prepared(summary, directors), fmt=format_number, pct=_pct,
                             labels=labels, departments=summary.departments,
                             paging=paging, cap=cap, with_whom=with_whom,
                             attention_cap=ATTENTION_SHOWN if paging else len(attention) + 1,
                             members=members, members_cap=members_cap)


CSV_FIELDS = ("week", "director", "name", "team", "status", "late", "trend", "joined",
              "members_expected",
              "members_checked_in", "pulse", "morale", "stress", "kudos_given",
              "kudos_received", "members_oneonones_held", "support_open",
              "support_cross_department", "oldest_support_days", "blockers_recurring_weeks",
              "confidence", "oneonone_last", "oneonone_next", "oneonone_overdue",
              "open_actions", "overdue_actions", "attention", "left", "not_reached_why",
              # Added last (before the KPI columns), so a spreadsheet reading columns by
              # place reads on: what the row is, and a team member's request's own cells.
              "row", "requester", "support_id", "support_type", "support_detail",
              "support_department", "support_status", "support_ageing",
              # When the week's answers were changed after it ended (empty: never); then
              # the weeks of the series so changed (the week's too), space-separated.
              "edited_at", "edited_weeks",
              # Which of month and quarter to date add up a figure so changed.
              "edited_in",
              # Since when someone no longer in the org file (`left`) is, in the reader's
              # timezone: empty in the file, or not known (taken out before 0024_leftat).
              "left_on")
#: The `row` of a director's row, and their empty request cells (their requests are
#: counted in support_open; the JSON lists each).
_DIRECTOR_ROW = ("director", "", "", "", "", "", "", "")


@without_gc
def to_csv(summary: GmSummary) -> str:
    """One row per director: the tabular figures (KPI columns per metric and period);
    then one row per team member's open support request (`row` member_support), oldest
    first, as the chat lists them after the attention list."""
    _whole(summary)
    metrics: list[tuple[str, str]] = []
    for d in summary.directors:
        for f in d.week + d.mtd + d.qtd:
            if (f.metric, f.unit) not in metrics:
                metrics.append((f.metric, f.unit))
    # A metric in two units (USD and EUR) gets a column set per unit, named with it: one
    # column of both would add them up in a spreadsheet.
    several = {m for m, _ in metrics if sum(1 for x, _ in metrics if x == m) > 1}
    names = [f"{m}_{u}" if m in several else m for m, u in metrics]
    kpi_cols = [f"{m}_{period}_{what}" for m in names
                for period in ("week", "mtd", "qtd")
                for what in ("actual", "target", "attainment")] + \
        [f"{m}_week_crm" for m in names] + \
        [f"{m}_week_was" for m in names]  # (added last: a sheet reads the rest by place)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*CSV_FIELDS, *kpi_cols])
    for d in summary.directors:
        last_conf = next((c for c in reversed(d.confidence) if c is not None), None)
        row: list[Any] = [summary.week, d.key, d.name, d.team or "", d.status, d.late,
                          d.trend or "", d.joined or "",
                          d.members, d.members_in, d.pulse, _num(d.morale), _num(d.stress),
                          d.kudos_given, d.kudos_received, d.team_held, len(d.support),
                          sum(1 for s in d.support if s.cross_department),
                          max((s.age_days for s in d.support), default=""), d.recurring,
                          last_conf if last_conf is not None else "",
                          d.oneonone_last.isoformat() if d.oneonone_last else "",
                          d.oneonone_next.isoformat() if d.oneonone_next else "",
                          d.oneonone_overdue, d.open_actions, d.overdue_actions,
                          " ".join(a.kind for a in d.attention), d.left,
                          d.unreached_why or "", *_DIRECTOR_ROW,
                          d.edited_at.isoformat() if d.edited_at else "",
                          " ".join(wk for wk, _ in d.edited_weeks), " ".join(d.edited_in),
                          d.left_on.isoformat() if d.left_on else ""]
        periods = {"week": d.week, "mtd": d.mtd, "qtd": d.qtd}
        for metric, unit in metrics:
            for period in ("week", "mtd", "qtd"):
                f = next((x for x in periods[period] if (x.metric, x.unit) == (metric, unit)),
                         None)
                row += ["", "", ""] if f is None else [
                    _num(f.actual), _num(f.target),
                    _num(None if f.attainment is None else ratio_kept(f.attainment))]
        for metric, unit in metrics:
            f = next((x for x in d.week if (x.metric, x.unit) == (metric, unit)), None)
            row.append(_num(f.crm) if f is not None else "")
        # A week's figure changed after it ended: what it was when the week ended, "—"
        # for no figure then (the chat's "was —"); empty: not so changed.
        was = dict(d.edited_from)
        for metric, unit in metrics:
            f = next((x for x in d.week if (x.metric, x.unit) == (metric, unit)), None)
            row.append("" if f is None or metric not in was else
                       "—" if was[metric] is None else _num(was[metric]))
        writer.writerow([_cell(c) for c in row])
    # A member's request: who (name and team), one request open (support_open 1, its age
    # in oldest_support_days: the sheet's sums and maxima count them with the directors'),
    # and the request's own cells; a director's figures stay empty (no KPI of theirs is here).
    no_kpis = [""] * len(kpi_cols)
    for m in summary.members_support:
        x = m.item
        cells = dict.fromkeys(CSV_FIELDS, "") | {
            "week": summary.week, "name": m.name, "team": m.team or "", "support_open": 1,
            "support_cross_department": int(x.cross_department),
            "oldest_support_days": x.age_days, "left": m.left, "row": "member_support",
            "requester": x.requester, "support_id": x.id, "support_type": x.type,
            "support_detail": x.detail or "", "support_department": x.department or "",
            "support_status": x.status, "support_ageing": m.ageing,
            "left_on": m.left_on.isoformat() if m.left_on else ""}
        writer.writerow([*(_cell(cells[f]) for f in CSV_FIELDS), *no_kpis])
    return out.getvalue()


def _num(value: float | None) -> str:
    return csv_number(value)


def _cell(value: Any) -> Any:
    # Booleans as every other view's CSV writes them (bot/cli_output.csv_cell).
    if isinstance(value, bool):
        return "true" if value else "false"
    # A spreadsheet runs a cell starting with = + - @ (or a tab or carriage return) as a
    # formula: names are user text.
    if isinstance(value, str) and value.startswith(FORMULA_START) and \
            not re.fullmatch(r"-?\d+(\.\d+)?", value):
        return "'" + value
    return value

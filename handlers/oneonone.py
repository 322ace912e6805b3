"""One-on-ones: schedule, moving and skipping, reminders, the shared agenda, the
after-meeting dialog (did it happen, notes, action items), feedback, history, and the
overview the GM's summary and the CLI show.

Nothing is scheduled per pair: `sweep()` runs every minute, computes each pair's
occurrences from its cadence, and sends what is due. Every message it sends carries an
outbox dedupe key per occurrence (and per recipient), so a sweep that runs twice, or
again after a restart, sends nothing twice.

Priority with the other dialogs: the `conversations` row (a check-in, a poll, a survey,
the monthly questions) and the 1:1 dialog are separate, and a typed reply goes to the one
whose question was asked last (bot.router). A 1:1 question the bot sends on its own (did
it happen? how useful was it?) while the person is in the middle of another dialog waits
behind it: it counts as asked with that dialog's question, says so, and its buttons work
at once. Once a 1:1 dialog that came in front is over, the question it pushed aside is
asked again. The other way round, a check-in, poll, survey or monthly question arriving
while the 1:1 dialog is under way waits behind it (under_way). /pause in front puts the 1:1
dialog aside (ASIDE) until /1on1. Buttons carry their meeting id, so they always reach the
right dialog.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.clock import as_utc
from bot.events import Choice
from bot.oneonone import (
    Cadence,
    OneOnOneSettings,
    as_params,
    day_before,
    local,
    occurrence_dates,
    slot_start,
)
from bot.org import Org
from bot.renames import renamed_entries
from bot.render import NAMES_SHOWN, Renderer
from bot.text import ascii_width, clean_text
from bot.weeks import local_date
from handlers.answers import (
    NO_WORDS,
    NOTHING_WORDS,
    YES_WORDS,
    is_pause,
    keyword,
    normalise,
    read_scale,
)
from handlers.away import SENTENCE_END, as_clock, as_iso, noting_passed, year_of
from handlers.blocker_words import tokens
from handlers.context import Context
from handlers.day_words import arabic_month_days, nearest_weekday, trailing_day
from handlers.due_words import end_of_period, passed_due, slashed_day
from handlers.pairs_then import managers_then
from handlers.people_named import (
    mention_span,
    mentions_as_keys,
    people_named,
    reply_namesakes,
)
from handlers.teams_then import last_rounds
from storage.away import AwayRepo
from storage.kudos import find_mentioned
from storage.models import Conversation, OutboxMessage, Person
from storage.oneonone import (
    ActionItem,
    MeetingFeedback,
    OneOnOneDialog,
    OneOnOneMeeting,
    OneOnOneOverride,
    OneOnOneRepo,
)
from storage.repositories import UNDER_WAY, CheckinRepo, ManagerChanged, PeopleRepo

ACTION_PREFIX = "oo"
#: How long after a slot ended the manager is still asked whether it happened (a bot that
#: was down longer, or a pair just added, does not flood anyone about old slots).
ASK_WINDOW = timedelta(days=1)
#: A slot not confirmed as held this long after it ended counts as overdue.
OVERDUE_AFTER = timedelta(days=1)
#: How far ahead /1on1 schedule looks for the next occurrence (a monthly one fits).
NEXT_HORIZON = timedelta(days=70)
#: A day-before reminder that could go out only this close to the 15-minute one (someone
#: back at 09:40 for 10:00) is not sent: the 15-minute one goes out at once instead.
LATE_DAY_BEFORE = timedelta(minutes=30)
#: No day-before reminder is due earlier than this before its meeting: a day and the
#: clocks put back overnight (an hour; no zone's change is over three).
EARLIEST_DAY_BEFORE = timedelta(days=1, hours=3)
#: Feedback older than this is no longer asked for when overdue.
FEEDBACK_HORIZON = timedelta(days=60)
MAX_TEXT = 1000
#: No action item's number is larger (the database's integer).
MAX_ID = 2**31 - 1
#: An agenda item's source when its author keeps it to themselves (`private: …`): shown
#: to the author alone, discussed with the meeting as any other.
PRIVATE_ITEM = "private"
#: Meetings `/1on1 history` lists, the latest first; it says how many older ones it leaves out.
HISTORY_SHOWN = 10
#: The one-on-one overview in chat shows at most this many director blocks (as many as a
#: page of /summary), those with something overdue first; the CLI prints them all.
DIRECTORS_SHOWN = 20
#: /1on1 and /agenda show at most this many of someone's one-on-ones (the soonest), and
#: /actions this many action items (the earliest due): a GM whose 10,000 directors all
#: report to them has 10,000 pairs.
PAIRS_SHOWN = 20
#: A 1:1 dialog left unanswered this long stops taking typed replies (buttons still work).
DIALOG_EXPIRY = timedelta(days=3)
#: A dialog step put aside with /pause ('aside:notes'): it takes no typed replies until
#: /1on1 carries it on, or another dialog ends (ask_again); its buttons still work.
ASIDE = "aside:"
_DATE_TIME = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})$")
_TIME_DATE = re.compile(r"^(\d{1,2}:\d{2}) (\d{4}-\d{1,2}-\d{1,2})$")
_AT_WORD = re.compile(r"(?<=\d) at (?=\d)", re.IGNORECASE)
# The due date at the end of an action item: 2026-12-10, 2026/12/10, 2026年12月10日, 12月10日
# (the next such day), full-width digits too, with Chinese's 截止 before or 前 after it, or
# "by" before it as the words' days have it ("by 2027-11-30", as a passed day is asked for).
_DUE = re.compile(r"(?:\s+(?:by|due|before|on)(?=\s))?"
                  r"\s*(?:截止|截至|到期)?\s*(?:(\d{4})\s*(?:[-/.－／．]\s*(\d{1,2})\s*[-/.－／．]"
                  r"\s*(\d{1,2})|年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?)"
                  r"|(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?)\s*(?:之前|以前|前)?\s*$", re.IGNORECASE)
# '@alice' after a space, at the start, or right after Chinese text ('发送报价@grace'), never
# inside an e-mail address; a handle is ASCII, or a run of Chinese (a name such as '@李雷').
_AT = re.compile(r"(?:^|(?<=\s)|(?<=[^\x00-\x7f]))"
                 r"(<@[A-Z0-9]+(?:\|[^>]*)?>|@(?:[A-Za-z0-9_.\-]+|[^\x00-\x7f\s@]+))")
_PRIVATE = re.compile(r"^\s*(private|私密|私人)\s*[:：]\s*", re.IGNORECASE)
_DONE_WORDS = {"done", "next", "finish", "完成", "下一步", "好了"}
#: "None" said to the notes or the action items: moves on as _DONE_WORDS does. '没有' had
#: been shared with the report as a note, and '无' kept as an action item due in a week.
_NOTHING_WORDS = NOTHING_WORDS | {"nil", "no notes", "no actions", "no action items", "无记录",
                                  "没有记录", "无行动项", "没有行动项"}
# "进行了吗？" is answered as Chinese is spoken, not only 是/否.
_HELD_WORDS = {"进行了", "有", "开了", "谈了", "做了", "开过了", "谈过了", "进行过了", "见了",
               "见过了", "happened", "it did", "yes it did"}
# (Moved or put off is "no" too: not held at that slot. '没开成' was asked again and again.)
_NOT_HELD_WORDS = {"没有", "没", "没进行", "没开", "没谈", "取消了", "没开成", "没谈成", "没有开",
                   "没有进行", "没见", "没见面", "改期了", "推迟了", "延期了", "it didn't",
                   "didn't", "did not"}


# --- pairs and occurrences ------------------------------------------------------------------

@dataclass(frozen=True)
class Pair:
    """A manager and a report who meet one-on-one, and how often."""

    manager: Person
    report: Person
    cadence: Cadence

    def other(self, person: Person) -> Person:
        """The other side of the pair."""
        return self.report if person.id == self.manager.id else self.manager

    def has(self, person: Person) -> bool:
        """Whether a person is one of the pair."""
        return person.id in (self.manager.id, self.report.id)


@dataclass(frozen=True)
class Occurrence:
    """One meeting of a pair: `key` is the local date the cadence gave it (its identity)."""

    key: str
    start: datetime
    end: datetime
    skipped: bool = False
    moved: bool = False


def pairs(session: Session, org: Org) -> list[Pair]:
    """Every enabled pair: each active person with an active manager, unless switched off."""
    return _pairs(org, {p.key: p for p in PeopleRepo(session).active()}, org.people)


def _pairs(org: Org, people: dict[str, Person], entries: Iterable[Any]) -> list[Pair]:
    """The enabled pairs of these org file entries (as reports) among `people` (active)."""
    out = []
    for entry in entries:
        if entry.manager is None or entry.key not in people or entry.manager not in people:
            continue
        cadence = org.oneonones.cadence_for(entry.role, entry.team, entry.key)
        if cadence.enabled:
            out.append(Pair(people[entry.manager], people[entry.key], cadence))
    return out


def _pairs_then(session: Session, org: Org, week: str, before: datetime,
                people: dict[str, Person], directors: list[int] | None,
                met: Collection[int]) -> list[Pair]:
    """The enabled pairs of `week` (ending at `before`) with one of `directors` (ids; None:
    anyone) on either side: each report's manager then (pairs_then.managers_then), else
    today's in the org file, with the cadence of the role and team of their round of the
    week (else today's). `people` (by key, active, as read for today's pairs) gains those
    read here; `met`: reports of the directors' meetings before `before`."""
    repo = OneOnOneRepo(session)
    wanted = {p.key for p in people.values() if p.id in directors} \
        if directors is not None else None
    reports_today = {people[e.key].id for e in org.people
                     if e.key in people and e.manager is not None
                     and (wanted is None or e.manager in wanted)}
    mine = set(directors or ()) | reports_today
    rounds = {pid: (mid, role, team) for pid, mid, role, team in repo.round_managers(
        week, wanted, mine)}
    candidates = None if directors is None else {
        *mine, *met, *(pid for pid, (mid, _, _) in rounds.items() if mid in directors)}
    # Someone with no round that week (away): their latest round before it is a record of
    # their pair too, made when it was (the latest record wins), and its role their
    # cadence's, as the GM's view reads them (summary_gm._oneonones).
    last = last_rounds(session, week, [pid for pid in mine if pid not in rounds])
    id_of = {p.key: p.id for p in people.values()}
    unknown = {key for _, key, _ in last.values() if key and key not in id_of}
    if unknown:
        id_of |= {key: pid for key, pid in session.execute(
            select(Person.key, Person.id).where(Person.key.in_(sorted(unknown))))}
    records = [*repo.latest_records(candidates, before),
               *((id_of[key], pid, made) for pid, (_, key, made) in last.items()
                 if key in id_of and made < before)]
    manager_of = managers_then(records, {pid: mid for pid, (mid, _, _) in rounds.items()})
    by_id = {p.id: p for p in people.values()}
    entries = {e.key: e for e in org.people}
    wanted_ids = set(directors) if directors is not None else None
    found: list[tuple[int, int]] = []
    for rid, mid in manager_of.items():
        if mid is not None and (wanted_ids is None or mid in wanted_ids or rid in wanted_ids):
            found.append((mid, rid))
    missing = {i for pair in found for i in pair} - set(by_id)
    for start in range(0, len(missing), 1000):
        for person in session.scalars(select(Person).where(
                Person.id.in_(sorted(missing)[start:start + 1000]))):
            by_id[person.id] = person
            people.setdefault(person.key, person)
    out = []
    for mid, rid in found:
        manager, report = by_id.get(mid), by_id.get(rid)
        if manager is None or report is None:
            continue
        entry = entries.get(report.key)
        round_of = rounds.get(rid)
        last_role = last[rid][0] if rid in last else None
        role, team = (round_of[1] or report.role, round_of[2] or report.team) if round_of \
            else (last_role or entry.role, entry.team) if entry else \
            (last_role or report.role, report.team)
        cadence = org.oneonones.cadence_for(role, team, report.key)
        if cadence.enabled:
            out.append(Pair(manager, report, cadence))
    # Nothing stored says whom the others had: the org file's manager today.
    rest = [e for e in org.people if e.key in people and people[e.key].id not in manager_of
            and (wanted is None or e.key in wanted or e.manager in wanted)]
    return out + _pairs(org, {k: p for k, p in people.items() if p.active}, rest)


def occurrences(pair: Pair, start: datetime, end: datetime,
                overrides: dict[str, OneOnOneOverride]) -> list[Occurrence]:
    """A pair's occurrences whose slot overlaps [start, end], moves and skips applied."""
    tz = pair.manager.timezone
    duration = timedelta(minutes=pair.cadence.duration)
    first = local(start, tz).date() - timedelta(days=1)
    last = local(end, tz).date() + timedelta(days=1)
    found: dict[str, Occurrence] = {}
    strays = _strays(pair.cadence, overrides, first, last)
    for day in occurrence_dates(pair.cadence, first, last):
        key = day.isoformat()
        stray = strays.get(key)
        if stray is not None and stray.moved_to is not None:
            continue  # that week's meeting is the one moved, under its own key (below)
        found[key] = _apply(key, slot_start(pair.cadence, day, tz), duration,
                            overrides.get(key) or stray)
    for key, override in overrides.items():
        # A move can bring an occurrence into the window from a date outside it.
        if key not in found and override.moved_to is not None:
            found[key] = _apply(key, override.moved_to, duration, override)
    return sorted((o for o in found.values() if o.end >= start and o.start <= end),
                  key=lambda o: o.start)


def _strays(cadence: Cadence, overrides: dict[str, OneOnOneOverride], first: date,
            last: date) -> dict[str, OneOnOneOverride]:
    """Moves and skips of days the cadence no longer gives (the org file gave the pair
    another weekday since), by the key of the cadence's day in the same week (Monday to
    Sunday), between `first` and `last`, where that day has none of its own: Monday's
    1:1 moved to Thursday, or skipped, was that week's, and the week's new Tuesday is
    not a second one. (The latest made, if the day changed twice.)"""
    lo, hi = (first - timedelta(days=6)).isoformat(), (last + timedelta(days=6)).isoformat()
    found: dict[str, OneOnOneOverride] = {}
    for key, override in overrides.items():
        if not lo <= key <= hi:  # (ISO dates: their order as text is their order)
            continue
        day = date.fromisoformat(key)
        monday = day - timedelta(days=day.weekday())
        days = occurrence_dates(cadence, monday, monday + timedelta(days=6))
        if not days or day in days:
            continue
        target = days[0].isoformat()
        if target in overrides or (target in found and as_utc(found[target].created_at)
                                   >= as_utc(override.created_at)):
            continue
        found[target] = override
    return found


def _apply(key: str, start: datetime, duration: timedelta,
           override: OneOnOneOverride | None) -> Occurrence:
    if override is not None and override.moved_to is not None:
        start = override.moved_to
    return Occurrence(key, start, start + duration,
                      skipped=bool(override and override.skipped),
                      moved=bool(override and override.moved_to is not None))


def next_occurrence(session: Session, pair: Pair, now: datetime) -> Occurrence | None:
    """The pair's next meeting that is not skipped (one in progress counts)."""
    return next_meeting(pair, now, OneOnOneRepo(session).overrides(pair.manager, pair.report))


def next_meeting(pair: Pair, now: datetime,
                 overrides: dict[str, OneOnOneOverride]) -> Occurrence | None:
    """The pair's next meeting not skipped (one in progress counts), with these overrides."""
    found = next((o for o in occurrences(pair, now, now + NEXT_HORIZON, overrides)
                  if not o.skipped and o.end > now), None)
    if found is not None:
        return found
    # Every slot in the horizon skipped (a monthly pair skipping January and February):
    # the cadence still gives one within the horizon after the last slot skipped, which
    # is what /1on1, the agenda and the GM's summary should name, not "none planned".
    skipped = [date.fromisoformat(key) for key, o in overrides.items() if o.skipped]
    last = max(skipped, default=None)
    if last is None or datetime.combine(last, time(), UTC) < now:
        return None
    end = datetime.combine(last, time(), UTC) + NEXT_HORIZON
    return next((o for o in occurrences(pair, now, end, overrides)
                 if not o.skipped and o.end > now), None)


# --- the sweep ------------------------------------------------------------------------------

def sweep(ctx: Context) -> int:
    """Send every one-on-one reminder and prompt due now; how many messages went out."""
    now = ctx.clock.now()
    repo = OneOnOneRepo(ctx.session)
    settings = ctx.org.oneonones
    soon = timedelta(minutes=settings.remind_minutes_before)
    all_overrides = repo.all_overrides()
    sent = 0
    ended: list[tuple[Pair, Occurrence]] = []
    for pair in pairs(ctx.session, ctx.org):
        overrides = all_overrides.get((pair.manager.id, pair.report.id), {})
        for occ in occurrences(pair, now - ASK_WINDOW, now + timedelta(days=2), overrides):
            if occ.skipped:
                continue
            # The day before at the meeting's time on each side's own clock (_remind
            # sends each theirs): the earlier of the two opens the window. (Worked out
            # only within EARLIEST_DAY_BEFORE of the start: a clock change is an hour.)
            if settings.remind_day_before and occ.start - EARLIEST_DAY_BEFORE <= now \
                    < occ.start - soon and min(day_before(occ.start, p.timezone)
                                               for p in (pair.manager, pair.report)) <= now:
                sent += _remind(ctx, pair, occ, "day")
            elif occ.start - soon <= now < occ.start:
                sent += _remind(ctx, pair, occ, "soon")
            elif occ.end <= now <= occ.end + ASK_WINDOW and \
                    repo.meeting_for(pair.manager, pair.report, occ.key) is None:
                ended.append((pair, occ))
    sent += _ask_ended(ctx, repo, ended)
    sent += _due_actions(ctx, repo)
    sent += _overdue_feedback(ctx, repo, now, settings.feedback_overdue_days)
    return sent


def _sent(ctx: Context, keys: list[str]) -> set[str]:
    """Which of these dedupe keys the outbox holds already (a sweep runs every minute:
    the agenda is only gathered for a reminder not yet sent)."""
    return set(ctx.session.scalars(select(OutboxMessage.dedupe_key).where(
        OutboxMessage.dedupe_key.in_(keys))))


def _reminder_key(kind: str, pair: Pair, occ: Occurrence, person: Person) -> str:
    """The outbox key of one reminder ("day" or "soon") of a meeting to one side: per
    start, so that a meeting moved is reminded of again."""
    return (f"oo:{kind}:{pair.manager.id}:{pair.report.id}:{occ.key}:"
            f"{occ.start.strftime('%Y%m%dT%H%M')}:{person.id}")


def withdraw_reminders(ctx: Context, pair: Pair, occ: Occurrence) -> int:
    """A meeting just moved or skipped: its reminders still waiting in the outbox (the
    platform down or rate limiting since they were due) are dropped, never sent with a
    time that no longer holds; the new time's come as usual. How many were dropped."""
    keys = [_reminder_key(kind, pair, occ, person) for kind in ("day", "soon")
            for person in (pair.manager, pair.report)]
    return ctx.outbox.withdraw(keys, ctx.clock.now())


def withdraw_stale_reminders(ctx: Context) -> int:
    """After an edit to the org file (ctx.org is the new one): the 1:1 reminders still
    waiting in the outbox whose meeting is no longer at that time are dropped, as /1on1
    move and skip drop theirs. The pair's cadence, day or time changed, the manager's
    timezone, or the pair is gone (switched off, another manager, someone left); the
    sweep reminds of the new time as usual. How many were dropped."""
    pending = _pending_reminders(ctx)
    if not pending:
        return 0
    by_ids = {(p.manager.id, p.report.id): p for p in pairs(ctx.session, ctx.org)}
    all_overrides = OneOnOneRepo(ctx.session).all_overrides()
    stale: list[str] = []
    for key, (manager_id, report_id, at, _person_id) in pending:
        pair = by_ids.get((manager_id, report_id))
        if pair is None:
            stale.append(key)
            continue
        around = occurrences(pair, at - timedelta(days=2), at + timedelta(days=2),
                             all_overrides.get((pair.manager.id, pair.report.id), {}))
        still = {_reminder_key(kind, pair, occ, person) for occ in around if not occ.skipped
                 for kind in ("day", "soon") for person in (pair.manager, pair.report)}
        if key not in still:
            stale.append(key)
    return ctx.outbox.withdraw(stale, ctx.clock.now())


def keep_begun_slots(ctx: Context, former: Org) -> int:
    """An edit to the org file just read (ctx.org the new file, `former` the one before,
    the people table synced) that gives a pair another slot (cadence, day, time, the
    manager's timezone) keeps the meeting that had begun by then, up to a day after its
    end, at the time both sides were reminded of: a move of it there is stored (by the
    manager). An edit at 10:00 sharp of a 10:00 1:1 to 09:30 asked at once whether a
    meeting just starting had happened; to 10:30, reminded of it again; to another
    weekday or every other week, took it off the week, never asked about, its notes with
    nowhere to go. Slots moved or skipped already keep theirs. How many were kept."""
    now = ctx.clock.now()
    people = {p.key: p for p in PeopleRepo(ctx.session).active()}
    new = {_ids(p): p for p in _pairs(ctx.org, people, ctx.org.people)}
    if not new:
        return 0
    repo = OneOnOneRepo(ctx.session)
    all_overrides: dict[tuple[int, int], dict[str, OneOnOneOverride]] | None = None
    kept = 0
    for old in _pairs(former, people, former.people):
        pair = new.get(_ids(old))
        entry = former.person(old.manager.key)
        zone = entry.timezone if entry is not None else old.manager.timezone
        if pair is None or (pair.cadence == old.cadence and zone == pair.manager.timezone):
            continue
        if all_overrides is None:  # (read once, and only for an edit that retimes a pair)
            all_overrides = repo.all_overrides()
        overrides = all_overrides.get(_ids(pair), {})
        # The manager's timezone as it was (the people table already has the new one).
        then = Pair(Person(id=old.manager.id, key=old.manager.key, timezone=zone),
                    old.report, old.cadence)
        begun = [o for o in occurrences(then, now - ASK_WINDOW - timedelta(days=1), now,
                                        overrides)
                 if not o.skipped and o.key not in overrides and o.start <= now
                 <= o.end + ASK_WINDOW]
        if not begun:
            continue
        today = {o.key: o.start for o in occurrences(
            pair, now - ASK_WINDOW - timedelta(days=2), now + timedelta(days=2), overrides)}
        for occ in begun:
            if today.get(occ.key) != occ.start:
                repo.set_override(pair.manager, pair.report, occ.key, moved_to=occ.start,
                                  skipped=False, by=pair.manager, now=now)
                kept += 1
    return kept


def tell_pairs_ended(ctx: Context, rules: OneOnOneSettings,
                     former: Mapping[str, tuple[str, str | None]],
                     changed: Sequence[ManagerChanged], *, switched_on: bool = False) -> int:
    """After an edit to the org file ended these pairs (ctx.org the new file; `rules` the
    one-on-one rules the pairs had, `former` each report's role and team then, by the key
    they had): each that still had a meeting to come (a reminder of it may have gone out
    already) is told so, each side once in their own language, with why: the report has
    another manager (and who), the file no longer schedules it (`switched_off`), or one
    of them left the org (only the one who stays is told). Works from the changes alone
    (nothing when none); once per pair and change by the dedupe key, however often the
    edit is reloaded or the bot restarted. A notice, not a reminder: sent to someone away
    too, as a move or skip of the 1:1 is. `switched_on`: the pairs' cadence taken as on,
    for pairs `rules` (the file as it is now) switched off while the bot was stopped
    (pairs_switched_off_while_stopped): the slot told is the one the file's rules would
    give them on, the file before the edit being gone. Each pair's end is recorded
    (OneOnOnePairEnd), told or not. How many were told."""
    if not changed:
        return 0
    people = {p.key: p for p in PeopleRepo(ctx.session).by_keys(
        [k for c in changed for k in (c.report, c.former, c.manager) if k is not None])}
    # Every ended pair's moves and skips in one read (a reorganisation may move hundreds
    # at once), not one per pair.
    repo = OneOnOneRepo(ctx.session)
    overrides = repo.overrides_of(
        [people[c.report].id for c in changed if c.report in people])
    # The ended pairs' open action items (one read): they stay open, and each side is told
    # how many stay on their /actions and how many went with the other side, as the
    # after-meeting agenda that listed them is gone (they had vanished unsaid).
    open_items: dict[tuple[int, int], list[int]] = {}
    for item in repo.open_actions_of([people[c.report].id for c in changed
                                      if c.report in people]):
        open_items.setdefault((item.manager_id, item.report_id), []).append(item.id)
    now, count = ctx.clock.now(), 0
    for change in changed:
        report, manager_was = people.get(change.report), people.get(change.former)
        if report is None or manager_was is None:
            continue
        # Recorded whether or not anyone is told (no meeting to come, off before): a
        # miss of the pair before it is not overdue once it begins again (restarted).
        repo.pair_ended(manager_was.id, report.id, now)
        then = former.get(change.report_was)
        if then is None:
            continue
        cadence = rules.cadence_for(then[0], then[1], change.report_was)
        if switched_on:
            cadence = replace(cadence, enabled=True)
        if not cadence.enabled:
            continue
        occ = next_meeting(Pair(manager_was, report, cadence), now,
                           overrides.get((manager_was.id, report.id), {}))
        if occ is None:
            continue
        manager = people.get(change.manager) if change.manager is not None else None
        why = ("left" if change.left or not manager_was.active else
               "off" if manager is not None and manager.id == manager_was.id else "moved")
        key = (f"oo:ended:{manager_was.id}:{report.id}:{manager.id if manager else 0}:"
               f"{occ.key}")
        items = open_items.get((manager_was.id, report.id), [])
        for person in (manager_was, report):
            other = report if person is manager_was else manager_was
            if not person.active:  # (someone who left is sent nothing more of their 1:1s)
                continue
            seen = {a.id for a in repo.actions_of(person)} if items else set()
            kept = sum(1 for i in items if i in seen)
            if ctx.tell(person, "oo_pair_ended", dedupe_key=f"{key}:{person.id}",
                        other=told(ctx, person, other), mine=person is report, why=why,
                        manager=None if manager is None else told(ctx, person, manager),
                        kept=kept, went=len(items) - kept,
                        **as_params(occ.start, person.timezone)):
                count += 1
    return count


#: How recently a pair's 1:1 must have been asked about (did it happen?) for a start to
#: take the pair as still meeting when the bot stopped: two of the longest cadence
#: (monthly). A pair switched off long ago is not told of it again and again.
SWITCHED_OFF_LOOKBACK = timedelta(days=62)


def pairs_switched_off_while_stopped(session: Session, org: Org, now: datetime,
                                     skip: Collection[str] = ()) -> list[ManagerChanged]:
    """The 1:1 pairs the org file switched off (`enabled: false`) while the bot was
    stopped, as tell_pairs_ended takes them (`manager` the same as `former`), for a
    start to tell (switched_on): the file before the edit is gone, so read from what the
    bot did: in the last SWITCHED_OFF_LOOKBACK a slot of the pair asked about, a reminder
    of one delivered, or one moved or skipped, and no end of the pair since (a notice,
    "oo:ended:…", or an end recorded: a reload's or an earlier start's). `skip`: reports
    whose manager the start's sync changed (told as such). A pair the bot never told of
    a meeting is not found: nothing shows the file had it on."""
    in_file = {p.key: p for p in org.people}
    off = {p.key: p.manager for p in org.people
           if p.manager in in_file and p.key not in skip
           and not org.oneonones.cadence_for(p.role, p.team, p.key).enabled}
    if not off:  # (the common case: one read of the file, no query)
        return []
    stored = {p.key: p for p in PeopleRepo(session).by_keys([*off, *off.values()])
              if p.active}
    pairs = {(stored[m].id, stored[r].id): (m, r) for r, m in off.items()
             if m in stored and r in stored}
    since = now - SWITCHED_OFF_LOOKBACK
    met: dict[tuple[int, int], datetime] = {}
    reports = sorted({r for _, r in pairs})
    for start in range(0, len(reports), 1000):
        for manager_id, report_id, at in session.execute(
                select(OneOnOneMeeting.manager_id, OneOnOneMeeting.report_id,
                       func.max(OneOnOneMeeting.asked_at))
                .where(OneOnOneMeeting.report_id.in_(reports[start:start + 1000]),
                       OneOnOneMeeting.asked_at >= since)
                .group_by(OneOnOneMeeting.manager_id, OneOnOneMeeting.report_id)):
            if (manager_id, report_id) in pairs:
                met[(manager_id, report_id)] = as_utc(at)
    # A pair not yet asked about may still have been told of a meeting: reminded of one
    # (delivered), or one of theirs moved or skipped. The reminders of the pairs off
    # only, by their keys' prefix (_reminder_key), not every pair's of two months.
    prefixes = [f"oo:{kind}:{m}:{r}:%" for m, r in sorted(pairs) for kind in ("day", "soon")]
    for start in range(0, len(prefixes), 200):
        for key, at in session.execute(
                select(OutboxMessage.dedupe_key, OutboxMessage.created_at).where(
                    or_(*[OutboxMessage.dedupe_key.like(p) for p in prefixes[start:start + 200]]),
                    OutboxMessage.status == "sent", OutboxMessage.created_at >= since)):
            parts = (key or "").split(":")
            pair = (int(parts[2]), int(parts[3]))
            met[pair] = max(met.get(pair, as_utc(at)), as_utc(at))
    for manager_id, report_id, at in session.execute(
            select(OneOnOneOverride.manager_id, OneOnOneOverride.report_id,
                   func.max(OneOnOneOverride.created_at))
            .where(OneOnOneOverride.created_at >= since)
            .group_by(OneOnOneOverride.manager_id, OneOnOneOverride.report_id)):
        if (manager_id, report_id) in pairs:
            pair = (manager_id, report_id)
            met[pair] = max(met.get(pair, as_utc(at)), as_utc(at))
    if not met:
        return []
    told: dict[tuple[int, int], datetime] = {}
    # One read of the recent end notices (only when some pair switched off met lately).
    for key, at in session.execute(select(OutboxMessage.dedupe_key, OutboxMessage.created_at)
                                   .where(OutboxMessage.dedupe_key.like("oo:ended:%"),
                                          OutboxMessage.created_at >= since)):
        parts = key.split(":")
        pair = (int(parts[2]), int(parts[3]))
        told[pair] = max(told.get(pair, as_utc(at)), as_utc(at))
    # An end recorded and not told (its slot to come skipped) is found no more either.
    for manager_id, report_id, at in OneOnOneRepo(session).pair_ends(
            {r for _, r in met}, now + timedelta(seconds=1)):
        pair = (manager_id, report_id)
        told[pair] = max(told.get(pair, as_utc(at)), as_utc(at))
    return [ManagerChanged(pairs[pair][1], pairs[pair][1], pairs[pair][0], pairs[pair][0])
            for pair, at in sorted(met.items()) if pair not in told or told[pair] < at]


def pairs_ended(former_org: Org, org: Org) -> list[ManagerChanged]:
    """The 1:1 pairs an edit of the org file (`former_org` to `org`) ends, as
    tell_pairs_ended takes them: a report given another manager (or none), a report taken
    out (`left`), and a report kept with the same manager whose one-on-ones it switches
    off (`enabled: false` for their pair, team or role: `manager` the same as `former`).
    Read from the two files alone, so a reload tells it whoever synced the people table
    (`teampulse apply-org --yes`, another replica); a walk of the entries in memory, the
    cadences compared only when the rules or someone's role or team changed."""
    before = {p.key: p for p in former_org.people}
    moved = renamed_entries(former_org.people, org.people)
    renamed_to = {old: new for new, old in moved.items()}
    now = {p.key for p in org.people}
    same_rules = former_org.oneonones == org.oneonones
    found: list[ManagerChanged] = []
    for p in org.people:
        was = before.get(moved.get(p.key, p.key))
        if was is None or was.manager is None:
            continue
        manager_was = renamed_to.get(was.manager, was.manager)
        if manager_was != p.manager:
            found.append(ManagerChanged(p.key, was.key, manager_was, p.manager))
        elif not (same_rules and (was.role, was.team) == (p.role, p.team)) \
                and former_org.oneonones.cadence_for(was.role, was.team, was.key).enabled \
                and not org.oneonones.cadence_for(p.role, p.team, p.key).enabled:
            found.append(ManagerChanged(p.key, was.key, manager_was, manager_was))
    for was in former_org.people:
        if was.manager is not None and was.key not in now and was.key not in renamed_to:
            found.append(ManagerChanged(was.key, was.key,
                                        renamed_to.get(was.manager, was.manager), None,
                                        left=True))
    return found


def withdraw_for_away(ctx: Context, person: Person) -> int:
    """`person` is away from now: their own 1:1 reminders still waiting in the outbox
    (the platform down or rate limiting since they were due) of meetings before they are
    back are dropped: nobody away is reminded (the sweep skips them), and one held up
    must not reach them on holiday. The other side's stay (they may still meet, or move
    it: /1on1 says who is away). How many were dropped."""
    now = ctx.clock.now()
    period = AwayRepo(ctx.session).current(person.id, person.timezone, now)
    if period is None:
        return 0
    back = period.span(person.timezone)[1]
    dropped = ctx.outbox.withdraw(
        [key for key, (_, _, start, whom) in _pending_reminders(
            ctx, OutboxMessage.dedupe_key.like(f"%:{person.id}"))
         if whom == person.id and start < back], now)
    repo = OneOnOneRepo(ctx.session)
    dialog = repo.dialog(person)
    meeting = repo.meeting(dialog.meeting_id) if dialog is not None else None
    if dialog is not None and meeting is not None:
        # The after-meeting dialog's next question, sent as the reply to their last
        # answer just before (the platform down since), would reach them away; withdrawn,
        # its dialog is put aside, and /1on1 asks it again once they are back.
        asked = ctx.outbox.withdraw(dialog_keys(person, meeting), now, keep_keys=True,
                                    asks=[dialog_asks(person, meeting)])
        if asked and not dialog.step.startswith(ASIDE):
            repo.set_dialog(person, meeting, ASIDE + dialog.step, now)
        dropped += asked
    # Those of their other meetings, queued while another dialog had them (a rating of
    # Grace's 1:1 sent while Alice typed the notes of hers with Sam, the platform down):
    # the dialog holds only one meeting, and these reached them on holiday. Their keys
    # kept, they come back as the record's own do once a dialog is over, or with /1on1
    # (_ask_next_waiting: the meeting still asked, the rating sent and not given).
    return dropped + ctx.outbox.withdraw(_dialog_keys_waiting(ctx, person), now,
                                         keep_keys=True)


def _dialog_keys_waiting(ctx: Context, person: Person) -> list[str]:
    """The keys of the after-meeting questions to `person` still waiting in the outbox,
    of any meeting (see dialog_keys)."""
    keys = list(ctx.session.scalars(select(OutboxMessage.dedupe_key).where(
        OutboxMessage.status == "pending",
        OutboxMessage.dedupe_key.like(f"oo:fbq:%:{person.id}")
        | OutboxMessage.dedupe_key.like(f"oo:ask:{person.id}:%")
        | OutboxMessage.dedupe_key.like("oo:reask:%")
        | OutboxMessage.dedupe_key.like("oo:fbdue:%"))))
    managed = {str(i) for i in ctx.session.scalars(select(OneOnOneMeeting.id).where(
        OneOnOneMeeting.manager_id == person.id, OneOnOneMeeting.id.in_(
            [int(k.rsplit(":", 1)[1]) for k in keys
             if k.startswith(("oo:reask:", "oo:fbdue:"))])))}
    return [k for k in keys if not k.startswith(("oo:reask:", "oo:fbdue:"))
            or k.rsplit(":", 1)[1] in managed]


def dialog_keys(person: Person, meeting: OneOnOneMeeting) -> list[str]:
    """The dedupe keys of the questions of `person`'s after-meeting dialog on `meeting`
    sent with one (did it happen, asked again, the rating, the overdue rating): /pause and
    /away withdraw them with the keyless ones (dialog_asks), keeping the keys so that no
    sweep queues them again; /1on1 asks the question again."""
    keys = [f"oo:fbq:{meeting.id}:{person.id}"]
    if person.id == meeting.manager_id:
        keys += [f"oo:ask:{meeting.manager_id}:{meeting.report_id}:{meeting.occurrence}",
                 f"oo:reask:{meeting.id}", f"oo:fbdue:{meeting.id}"]
    return keys


def dialog_asks(person: Person, meeting: OneOnOneMeeting) -> str:
    """What a question of `person`'s after-meeting dialog sent without a key (the next
    step's, one asked again) is marked as asking (bot.events.ASKS_KEY): /pause and /away
    withdraw it if it still waits in the outbox."""
    return f"oneonone:{meeting.id}:{person.id}"


def _pending_reminders(ctx: Context, *where: Any
                       ) -> list[tuple[str, tuple[int, int, datetime, int]]]:
    """The 1:1 reminders still waiting in the outbox (also matching `where`), each with
    what its key (_reminder_key) names: manager id, report id, the meeting's start (UTC)
    and the person reminded."""
    found = []
    for key in ctx.session.scalars(select(OutboxMessage.dedupe_key).where(
            OutboxMessage.status == "pending",
            OutboxMessage.dedupe_key.like("oo:day:%") | OutboxMessage.dedupe_key.like("oo:soon:%"),
            *where)):
        # oo:<kind>:<manager id>:<report id>:<occurrence key>:<start, UTC>:<person id>
        parts = (key or "").split(":")
        if len(parts) == 7:
            found.append((key, (int(parts[2]), int(parts[3]), datetime.strptime(
                parts[5], "%Y%m%dT%H%M").replace(tzinfo=UTC), int(parts[6]))))
    return found


def _remind(ctx: Context, pair: Pair, occ: Occurrence, kind: str) -> int:
    now = ctx.clock.now()
    both = (pair.manager, pair.report)
    soon_at = occ.start - timedelta(minutes=ctx.org.oneonones.remind_minutes_before)
    # A day-before reminder not sent until shortly before the 15-minute one (held while
    # they were away, the bot down, the meeting just moved there) is that one, sent now:
    # two reminders minutes apart would say the same twice.
    late = kind == "day" and now >= soon_at - LATE_DAY_BEFORE
    keys = {(k, p.id): _reminder_key(k, pair, occ, p)
            for k in (("day", "soon") if late else (kind,)) for p in both}
    done = _sent(ctx, list(keys.values()))
    # The day-before one comes at the meeting's wall-clock time the day before on each
    # side's own clock, not 24 hours before in UTC (an hour off across a clock change
    # overnight): one side's may be due an hour before the other's.
    due = {p.id: "soon" if late else kind for p in both
           if keys[(kind, p.id)] not in done and keys[("soon" if late else kind, p.id)]
           not in done and (kind != "day" or late or day_before(occ.start, p.timezone) <= now)}
    if not due:
        return 0
    # Away at the meeting: not reminded (nor while away now, as with every reminder), and
    # the other side is told, so they can skip or move it, until when (the last day of
    # time away following without a break: AwayRepo.last_days). (Both moments in one read.)
    away = ctx.away.last_days([(p.id, p.timezone, at) for p in both
                               for at in (occ.start, now)])
    until = {p.id: day for p in both if (day := away.get((p.id, occ.start))) is not None}
    propose_from_checkin(ctx, pair)
    # Both sides are told when the pair's 1:1 is overdue, by the rule of the GM's summary
    # (pair_status): the next one is the one to keep, and the report should not learn
    # it from the GM alone.
    status = pair_status(ctx.session, pair, now)
    count = 0
    for person in both:
        other = pair.other(person)
        if person.id not in due or person.id in until or (person.id, now) in away:
            continue
        which = due[person.id]
        # The day-before reminder may go out on the meeting's own day (held while they
        # were away, or the bot was down): "tomorrow" is then said as "today".
        days = (local(occ.start, person.timezone).date()
                - local(now, person.timezone).date()).days
        # Both reminders are about a meeting still to come: held up past its start (an
        # outage, a stopped bot), neither is sent.
        if ctx.tell(person, "oo_reminder", dedupe_key=keys[(which, person.id)],
                    soon=which == "soon", days=days, expires_at=occ.start,
                    other=told(ctx, person, other), other_away_until=until.get(other.id),
                    overdue=_overdue_params(status, pair, person),
                    **as_params(occ.start, person.timezone),
                    **agenda_params(ctx, pair, person)):
            count += 1
    return count


def _overdue_params(status: PairStatus | None, pair: Pair, reader: Person
                    ) -> dict[str, Any] | None:
    """What a reminder says of the pair's 1:1 being overdue (None: not overdue): the day
    it was last held on the reader's calendar, the cadence, the slot missed and why, and
    whether the reader is the report (`mine`: worded for them, who cannot confirm it)."""
    if status is None or not status.overdue or status.missed is None:
        return None
    return {"last": local(as_utc(status.last_held), reader.timezone).date()
            if status.last_held else None,
            "cadence": pair.cadence.cadence, "reason": status.missed_reason,
            "missed": as_params(status.missed, reader.timezone),
            "mine": reader.id == pair.report.id}


def _ask_ended(ctx: Context, repo: OneOnOneRepo, ended: list[tuple[Pair, Occurrence]]
               ) -> int:
    """Ask the manager whether each of these slots (ended, not asked about yet) happened.

    A slot either side was away at (`/away` covering its start) could not have happened:
    it is never asked about and has no meeting record, so it is neither missed nor
    overdue (the other side's reminder said they were away, with /1on1 move or skip). A
    manager away when it ended (gone away during it) is asked once back, if that is
    still within ASK_WINDOW of its end; else not at all, and it is not counted. (One
    read of the away calendar for every slot.)"""
    now = ctx.clock.now()
    away = ctx.away.covering(
        [(p.id, p.timezone, occ.start) for pair, occ in ended
         for p in (pair.manager, pair.report)]
        + [(pair.manager.id, pair.manager.timezone, now) for pair, _ in ended])
    count = 0
    for pair, occ in ended:
        if (pair.manager.id, occ.start) in away or (pair.report.id, occ.start) in away \
                or (pair.manager.id, now) in away:
            continue
        count += _ask_if_held(ctx, repo, pair, occ)
    return count


def _ask_if_held(ctx: Context, repo: OneOnOneRepo, pair: Pair, occ: Occurrence) -> int:
    meeting = repo.create_meeting(pair.manager, pair.report, occ.key, occ.start,
                                  ctx.clock.now())
    # Typed replies go to one dialog at a time: a question arriving while the manager is
    # in another (notes on another 1:1, or the question before it in this sweep) waits,
    # its buttons working at once, and is asked again once that one is over.
    busy = _in_dialog(ctx, repo, pair.manager)
    behind = _waits_behind(ctx, pair.manager)
    # A dialog paused with /pause gives way to this one, and comes back once it is done
    # (_ask_next_waiting): said, so that it is not thought dropped.
    paused = _paused_record(ctx, repo, pair.manager)
    key = f"oo:ask:{pair.manager.id}:{pair.report.id}:{occ.key}"
    if not ctx.tell(pair.manager, "oo_did_it_happen", dedupe_key=key,
                    other=told(ctx, pair.manager, pair.report),
                    waiting=behind.kind if behind else "",
                    paused=told(ctx, pair.manager, paused.report) if paused else None,
                    choices=_yes_no(ctx, pair.manager, meeting),
                    **as_params(occ.start, pair.manager.timezone)):
        return 0
    if not busy:
        repo.set_dialog(pair.manager, meeting, "held", _asked_at(ctx, behind))
    return 1


def _in_dialog(ctx: Context, repo: OneOnOneRepo, person: Person) -> bool:
    """Whether typed replies from this person go to a meeting's record still under way
    (did it happen, notes, action items). A feedback question left unanswered does not
    count: the next meeting's question takes over, the rating buttons still work."""
    dialog = repo.dialog(person)
    return dialog is not None and dialog.step in ("held", "notes", "actions") and \
        ctx.clock.now() - dialog.updated_at <= DIALOG_EXPIRY and \
        repo.meeting(dialog.meeting_id) is not None


def _paused_record(ctx: Context, repo: OneOnOneRepo, manager: Person
                   ) -> OneOnOneMeeting | None:
    """The meeting whose record (did it happen, notes, action items) or rating `manager`
    paused with /pause and has not carried on, if their dialog is that; None otherwise.
    Either comes back once the next meeting's dialog is over (_left_unfinished,
    _left_unrated)."""
    dialog = repo.dialog(manager)
    if dialog is None or not dialog.step.startswith(ASIDE) \
            or dialog.step.removeprefix(ASIDE) not in ("held", "notes", "actions", "rating") \
            or ctx.clock.now() - as_utc(dialog.updated_at) > DIALOG_EXPIRY:
        return None
    return repo.meeting(dialog.meeting_id)


def _left_unfinished(ctx: Context, person: Person) -> tuple[OneOnOneMeeting, str] | None:
    """A meeting `person` confirmed as held in the last DIALOG_EXPIRY whose record they
    never finished ("done" after the action items sends the recap and asks for feedback),
    as when another meeting's "did it happen?" took the place of its paused dialog; with
    the step to carry on at (the action items once one was given, else the notes)."""
    since = ctx.clock.now() - DIALOG_EXPIRY
    held = list(ctx.session.scalars(select(OneOnOneMeeting).where(
        OneOnOneMeeting.manager_id == person.id, OneOnOneMeeting.status == "held",
        OneOnOneMeeting.answered_at >= since)
        .order_by(OneOnOneMeeting.scheduled_at, OneOnOneMeeting.id)))
    # (Not one whose report was taken out of the org file: finished, it asks no feedback.)
    held = [m for m in held if m.report.active]
    # Finished: its manager was asked for feedback (_finish), once, under this key.
    keys = {m.id: f"oo:fbq:{m.id}:{person.id}" for m in held}
    done = _sent(ctx, list(keys.values()))
    meeting = next((m for m in held if keys[m.id] not in done), None)
    if meeting is None:
        return None
    acted = ctx.session.scalar(select(ActionItem.id).where(
        ActionItem.meeting_id == meeting.id).limit(1))
    return meeting, "actions" if acted is not None else "notes"


def _left_unrated(ctx: Context, person: Person) -> OneOnOneMeeting | None:
    """The earliest meeting of the last DIALOG_EXPIRY (held, on either side) whose
    feedback question `person` was sent and left without a rating: paused, or left, when
    the next meeting's question took its place in their dialog (a rating was given way
    as a record was: _left_unfinished)."""
    since = ctx.clock.now() - DIALOG_EXPIRY
    held = list(ctx.session.scalars(select(OneOnOneMeeting).where(
        (OneOnOneMeeting.manager_id == person.id) | (OneOnOneMeeting.report_id == person.id),
        OneOnOneMeeting.status == "held", OneOnOneMeeting.answered_at >= since)
        .order_by(OneOnOneMeeting.scheduled_at, OneOnOneMeeting.id)))
    if not held:
        return None
    keys = {m.id: f"oo:fbq:{m.id}:{person.id}" for m in held}
    asked = _sent(ctx, list(keys.values()))
    rated = set(ctx.session.scalars(select(MeetingFeedback.meeting_id).where(
        MeetingFeedback.from_id == person.id, MeetingFeedback.rating.is_not(None),
        MeetingFeedback.meeting_id.in_(list(keys)))))
    return next((m for m in held if keys[m.id] in asked and m.id not in rated), None)


def _ask_next_waiting(ctx: Context, person: Person, *, in_front: bool) -> None:
    """A 1:1 dialog is over: the earliest meeting still waiting for "did it happen?" takes
    typed replies now, and the question comes again so the manager knows which. With
    none, a meeting whose record they left unfinished (paused, then another meeting's
    question took its place) comes back, put aside as they left it, and is carried on
    now unless another dialog has their typed replies (then once it is over, or with
    /1on1). With neither, and the dialog over `in_front` of another one (it had their
    typed replies), that one's question is asked again: it takes the next typed reply."""
    repo = OneOnOneRepo(ctx.session)
    if _in_dialog(ctx, repo, person):
        return
    now = ctx.clock.now()
    meeting = next(iter(repo.waiting(person, now - DIALOG_EXPIRY)), None)
    if meeting is None and (left := _left_unfinished(ctx, person)) is not None:
        repo.set_dialog(person, left[0], ASIDE + left[1], now)
        if in_front or ctx.conversations.get(person) is None:
            ask_again(ctx, person)
        return
    if meeting is None and (unrated := _left_unrated(ctx, person)) is not None:
        repo.set_dialog(person, unrated, ASIDE + "rating", now)
        if in_front or ctx.conversations.get(person) is None:
            ask_again(ctx, person)
        return
    if meeting is None:
        if in_front:
            from handlers.waiting import back_to_dialog  # (it imports every dialog)

            back_to_dialog(ctx, person)
        return
    # Following their own answer it is in front; after a button pressed while another
    # dialog had their typed replies, it waits behind that one, as the first time.
    behind = None if in_front else _waits_behind(ctx, person)
    repo.set_dialog(person, meeting, "held", _asked_at(ctx, behind))
    ctx.tell(person, "oo_did_it_happen", dedupe_key=f"oo:reask:{meeting.id}",
             other=told(ctx, person, meeting.report), waiting=behind.kind if behind else "",
             choices=_yes_no(ctx, person, meeting),
             **as_params(meeting.scheduled_at, person.timezone))


def _due_actions(ctx: Context, repo: OneOnOneRepo) -> int:
    now = ctx.clock.now()
    count = 0
    # On its day where the owner is (or once back from /away, its day passed), never
    # before the start of their working hours: sent as a day began (00:00, or time away
    # ending at midnight), it came in the night. (Due today somewhere on Earth at the
    # latest: the owner's own clock decides here.)
    start = ctx.org.oneonones.hours.start
    due = [item for item in repo.open_actions(due_by=(now + timedelta(days=1)).date())
           if item.owner.active and _remind_now(item, now, start)]
    # Nobody is reminded while away: the sweep after their return does it (one read for
    # every owner, not one per item and sweep).
    away = ctx.away.covering([(i.owner.id, i.owner.timezone, now) for i in due])
    for item in due:
        owner = item.owner
        if (owner.id, now) in away:
            continue
        # Held while they were away, it comes after its day: "was due", not "is due".
        if ctx.tell(owner, "oo_action_due", dedupe_key=f"oo:due:{item.id}", number=item.id,
                    text=item.text, due=item.due,
                    overdue=item.due < local(now, owner.timezone).date()):
            count += 1
    return count


def _remind_now(item: ActionItem, now: datetime, start: time) -> bool:
    """Whether an item's owner is reminded of it now: it is its due day or later where
    they are, past `start` on their clock, and it was not made on its due day that is
    today ("by end of day", agreed in the afternoon's meeting: its owner was just told of
    it, and "is due today" a minute later told them nothing; still open the next morning,
    it is reminded then, as overdue)."""
    there = local(now, item.owner.timezone)
    today = there.date()
    if today < item.due or there.time() < start:
        return False
    return not (today == item.due and
                local(as_utc(item.created_at), item.owner.timezone).date() >= item.due)


def _overdue_feedback(ctx: Context, repo: OneOnOneRepo, now: datetime, days: int) -> int:
    count = 0
    waiting = []
    for meeting in repo.held_between(now - FEEDBACK_HORIZON, now - timedelta(days=days)):
        if meeting.answered_at is None:
            continue
        age = now - meeting.answered_at
        if age < timedelta(days=days) or age > FEEDBACK_HORIZON:
            continue
        if not (meeting.manager.active and meeting.report.active):
            # Either side taken out of the org file since: the manager is not nagged,
            # nor asked for feedback meant for a report who is gone.
            continue
        given = repo.feedback(meeting, meeting.manager)
        if given is None or given.rating is None:
            waiting.append(meeting)
    # A manager away is asked once back (one read for all of them).
    away = ctx.away.covering([(m.manager.id, m.manager.timezone, now) for m in waiting])
    for meeting in waiting:
        manager = meeting.manager
        if (manager.id, now) in away:
            continue
        behind = _waits_behind(ctx, manager)
        if ctx.tell(manager, "oo_feedback_overdue", dedupe_key=f"oo:fbdue:{meeting.id}",
                    other=told(ctx, manager, meeting.report), day=held_on(meeting, manager),
                    waiting=behind.kind if behind else "", choices=_rating_choices(meeting)):
            count += 1
            # It asks for a rating: a typed one is its answer, not a figure for a check-in
            # question left from days before (unless a meeting's record is under way).
            current = repo.dialog(manager)
            if current is None or current.step in ("rating", "improve"):
                repo.set_dialog(manager, meeting, "rating", _asked_at(ctx, behind))
    return count


# --- agenda ---------------------------------------------------------------------------------

def propose_from_checkin(ctx: Context, pair: Pair) -> int:
    """Put the report's open blockers and support requests from their latest submitted
    check-in on the agenda (once per round and question); how many were added."""
    # Submitted only: answers in progress may still change (a support request exists from
    # the moment its check-in is submitted, as /summary and /support read it), and an item
    # proposed stays on the agenda whatever they change to.
    rnd = CheckinRepo(ctx.session).latest(pair.report, submitted=True)
    if rnd is None:
        return 0
    answers = {a.question_key: a for a in rnd.answers if not a.skipped}
    proposals: list[tuple[str, str]] = []
    blockers = answers.get("blockers")
    # ('none' or '无' is no blocker, as /summary reads it: not an agenda item.)
    if blockers is not None and tokens(blockers.text_value):
        proposals.append(("blockers", blockers.text_value or ""))
    support = answers.get("support_type")
    if support is not None and support.text_value and support.text_value != "none":
        detail = answers.get("support_detail")
        label = ctx.renderer.choice_label(pair.manager.locale, "support_type",
                                          support.text_value)
        text = f"{label}: {detail.text_value}" if detail and detail.text_value else label
        proposals.append(("support", text))
    repo = OneOnOneRepo(ctx.session)
    added = 0
    for kind, text in proposals:
        if repo.add_item(pair.manager, pair.report, text, author=None, now=ctx.clock.now(),
                         source=f"checkin:{kind}", source_ref=f"checkin:{rnd.id}:{kind}"):
            added += 1
    return added


def agenda_params(ctx: Context, pair: Pair, viewer: Person) -> dict[str, Any]:
    """The pair's agenda and open action items, as a template shows them to the viewer."""
    repo = OneOnOneRepo(ctx.session)
    items = [{"text": i.text, "author": i.author.display_name if i.author else "",
              "source": i.source.split(":")[-1] if i.source.startswith("checkin") else "",
              "private": i.source == PRIVATE_ITEM,
              # (a topic the report typed for their 1:1 with a former manager)
              "carried_from": (i.manager.display_name if i.manager_id != pair.manager.id
                               else None)}
             for i in repo.agenda(pair.manager, pair.report)
             if i.source != PRIVATE_ITEM or i.author_id == viewer.id]
    # The report's own open items from a 1:1 with a manager they had before come along
    # (marked whose 1:1 they are from): what they committed to is still owed, and the new
    # manager's first agenda showed none of it. The former manager's own stay theirs.
    actions = sorted(repo.open_actions(pair.manager, pair.report)
                     + repo.carried_actions(pair.manager, pair.report),
                     key=lambda a: (a.due, a.id))
    return {"topics": items, "actions": _action_rows(actions, ctx.clock.now(), viewer)}


def held_on(meeting: OneOnOneMeeting, reader: Person) -> date:
    """The day a meeting took place on the reader's calendar: a meeting moved to Wednesday
    was held on Wednesday, and New York's Monday 19:30 is Tuesday in Shanghai (the
    `occurrence` key is the manager's date the cadence gave it: its identity, no date to
    tell anyone)."""
    return local(as_utc(meeting.scheduled_at), reader.timezone).date()


def _action_rows(items: Iterable[ActionItem], now: datetime,
                 viewer: Person | None = None) -> list[dict[str, Any]]:
    """Action items as templates show them; overdue once the due day is over where the
    owner is (the day they are reminded on), whoever reads it. To a `viewer`, an item of a
    pair the org file has since ended names the 1:1 it is from: its other side, or its
    manager to someone who was not in it (the report's new manager)."""
    return [{"number": a.id, "text": a.text, "owner": a.owner.display_name, "due": a.due,
             "overdue": a.due < local(now, a.owner.timezone).date(),
             "carried_from": _carried_from(a, viewer)} for a in items]


def _carried_from(item: ActionItem, viewer: Person | None) -> str | None:
    if viewer is None or not item.pair_ended:
        return None
    return (item.report if viewer.id == item.manager_id else item.manager).display_name


# --- commands -------------------------------------------------------------------------------

def cmd_oneonone(ctx: Context, args: str) -> None:
    """/1on1 [schedule] · /1on1 move [@person] DATE TIME · /1on1 skip [@person] ·
    /1on1 held [@person] · /1on1 history PERSON."""
    if _names_an_outsider(ctx, args):
        return
    sub, _, rest = args.strip().partition(" ")
    sub = _SUB_SAID.get(sub.lower(), sub.lower())
    if sub == "" and resume(ctx):
        return  # a dialog put aside with /pause, which names /1on1 as what carries on
    if sub in _SUBS and _person_first(ctx, sub, args.strip(), rest.strip()):
        return
    if sub in ("", "schedule"):
        _schedule(ctx)
    elif sub == "move":
        _move(ctx, rest.strip())
    elif sub == "skip":
        _skip(ctx, rest.strip())
    elif sub == "history":
        _history(ctx, rest.strip())
    elif sub == "note":
        _add_note(ctx, rest.strip())
    elif sub == "held":
        _held_early(ctx, rest.strip())
    elif sub == "done":
        # '/1on1 done' (or '/1on1 done 3') was answered with the usage, which names no
        # 'done': said what marks a 1:1 held and what closes an action item.
        _done_hint(ctx, rest.strip())
    else:
        _one_named(ctx, args.strip())


def _done_hint(ctx: Context, rest: str) -> None:
    number = rest.lstrip("#＃")
    ctx.reply("oo_done_hint", number=int(number) if number.isascii()
              and number.isdigit() else None)


#: The subcommand words a person's key or name may also be (`/1on1 note` to a director
#: keyed `note`): _person_first decides which reading a text is.
_SUBS = ("schedule", "move", "skip", "history", "note", "held", "done")


def _person_first(ctx: Context, sub: str, whole: str, rest: str) -> bool:
    """Where the whole text after /1on1 also names a person (`/1on1 note` to the GM of a
    director keyed `note`, `/1on1 Move Li`): that person's one-on-one, as `/1on1 alice`,
    when the subcommand would lack what it needs (a move its time, a note its text, a
    skip or a record its person among several); where both readings are whole commands
    (`/1on1 skip` with the one 1:1, `/1on1 history`), nothing is done and both commands
    are shown. Replied (True), or False: the subcommand it is. `@note` is always the
    person, `/1on1 move @note …` always the move."""
    anyone = _matches(ctx, whole)
    if not anyone:
        return False  # nobody is called so (one read, not the pairs')
    person = _sender(ctx)
    mine = _pairs_of(ctx, person)
    others = [p.other(person) for p in mine]
    if sub in ("history", "done", "held"):
        # Anyone (history reads anyone's; '/1on1 held' from a report of Alice, to someone
        # keyed 'held', is told it is not theirs, as '/1on1 alice' would be).
        named = anyone if mine or sub == "history" else []
    else:
        named = people_named(others, whole, ctx.org)
    if not named:
        return False
    as_sub = _as_subcommand(ctx, sub, rest, person, mine)
    if as_sub is None:
        _one_named(ctx, whole)
        return True
    ctx.reply("oo_sub_or_person", typed=whole, people=who_is_who(named), sub=as_sub, kind=sub)
    return True


def _as_subcommand(ctx: Context, sub: str, rest: str, person: Person, mine: list[Pair]
                   ) -> str | None:
    """The subcommand reading of `/1on1 SUB REST` as a command that names its person
    with @ (`/1on1 skip @alice`), when it is a whole one; None when it would lack what it
    needs (a move is never a name: it needs a date and time)."""
    only = mine[0].other(person).key if len(mine) == 1 else None
    if sub == "schedule":
        return "/1on1" if not rest else None
    if sub == "history":
        found = _matches(ctx, rest) if rest else [person]
        return f"/1on1 history @{found[0].key}" if len(found) == 1 else None
    if sub == "skip":
        if not rest:
            return f"/1on1 skip @{only}" if only else None
        found = people_named([p.other(person) for p in mine], rest, ctx.org)
        return f"/1on1 skip @{found[0].key}" if len(found) == 1 else None
    if sub == "note":
        return f"/1on1 note @{only} {rest}" if only and rest else None
    if sub == "held":
        managed = [p for p in mine if p.manager.id == person.id]
        return f"/1on1 held @{managed[0].report.key}" if not rest and len(managed) == 1 \
            else None
    return None  # move, done (a hint, never a whole command)


def _one_named(ctx: Context, text: str) -> None:
    """'/1on1 alice': that one-on-one, when it is next and what is on its agenda; someone
    who is not one of mine: whose are; anything else: the usage."""
    person = _sender(ctx)
    mine = _pairs_of(ctx, person)  # (read once for all three)
    pair = _pair_named(ctx, text, mine)
    if pair is not None:
        _schedule(ctx, only=pair, mine=mine)
        _agenda(ctx, person, [pair])
    elif not _not_one_pair(ctx, person, mine, text):
        # '/1on1 @nobody' (a typo, someone not in the org file): said so, as /1on1 skip
        # @nobody says it, not answered with the usage as if the @name were not read.
        label, named, rest = _named(ctx, text)
        if label is not None and named is None and not rest and mine:
            ctx.reply("oo_not_your_pair", name=label,
                      others=who_is_who([p.other(person) for p in mine]))
        else:
            ctx.reply("oo_usage")


def _not_one_pair(ctx: Context, person: Person, mine: list[Pair], text: str) -> bool:
    """`text` alone names people, yet not one of `person`'s one-on-ones (of `mine`):
    replied (and True) which, where two of theirs have that name (a manager of two
    王伟: asked back by key, not told it is none of theirs), or that it is none of
    theirs, with whose are; False when it names nobody (or one of theirs)."""
    found = _matches(ctx, text.lstrip("@＠")) if mine else []
    partners = [p for p in found if any(q.other(person).id == p.id for q in mine)]
    if len(partners) > 1:
        return _ambiguous(ctx, text, among=partners)
    if not found or partners:
        return False
    ctx.reply("oo_not_your_pair", name=text, others=who_is_who([p.other(person) for p in mine]))
    return True


# Other words for the subcommands, as people type them (in Chinese too).
_SUB_SAID = {"notes": "note", "list": "schedule", "reschedule": "move", "cancel": "skip",
             "past": "history", "跳过": "skip", "取消": "skip", "调整": "move",
             "改期": "move", "记录": "note", "备注": "note", "历史": "history",
             "安排": "schedule", "日程": "schedule", "完成": "done", "关闭": "done",
             "finish": "done", "close": "done", "held": "held", "已进行": "held",
             "提前进行": "held"}


def _pair_named(ctx: Context, text: str, mine: list[Pair] | None = None) -> Pair | None:
    """My one-on-one (of `mine`, if read already) with the one person `text` names (key,
    name or mention), if any."""
    if not text:
        return None
    person = _sender(ctx)
    label, named, rest = _named(ctx, text)
    if label is not None and not rest:  # '@alice', a platform mention
        candidates = [named] if named is not None else _matches(ctx, label)
    else:  # 'alice', 'Alice Martin', '李雷'
        candidates = _matches(ctx, text.strip())
    found = [p for p in (_pairs_of(ctx, person) if mine is None else mine)
             if any(p.other(person).id == c.id for c in candidates)]
    return found[0] if len(found) == 1 else None


def cmd_agenda(ctx: Context, args: str) -> None:
    """/agenda lists the agenda of each of my one-on-ones; /agenda @person that one's;
    /agenda [add] [@person] TEXT adds an item."""
    person = _sender(ctx)
    if _names_an_outsider(ctx, args):
        return
    sub, _, rest = args.strip().partition(" ")
    if sub.lower() in ("add", "添加", "加"):
        _agenda_add(ctx, person, rest.strip())
        return
    if sub and sub.lower() not in ("list", "show", "列表", "查看"):
        mine = _pairs_of(ctx, person)
        pair = _pair_named(ctx, args.strip(), mine)
        if pair is not None:  # '/agenda @alice': that one's agenda
            _agenda(ctx, person, [pair])
        # Someone else's name alone asks for an agenda that is not mine, as '/1on1 alice'
        # does (replied): "Alice Martin" went on my 1:1's agenda, for the other side to
        # read, with nothing to take it off. ('/agenda add …' takes any words.)
        elif not _not_one_pair(ctx, person, mine, args.strip()):
            # '/agenda pipeline review': an item, as '/agenda add' takes it
            _agenda_add(ctx, person, args.strip())
        return
    mine = _pairs_of(ctx, person)
    if not mine:
        _reply_no_pairs(ctx, person)
        return
    _agenda(ctx, person, mine)


def _agenda(ctx: Context, person: Person, mine: list[Pair]) -> None:
    sections = []
    soonest = _soonest(ctx, mine)
    away = _away_at_next(ctx, person, soonest)
    # The other pairs' check-in topics are proposed when their reminders go out.
    for pair, occ in soonest:
        propose_from_checkin(ctx, pair)
        sections.append({"other": told(ctx, person, pair.other(person)),
                         "next": as_params(occ.start, person.timezone) if occ else None,
                         **away[_ids(pair)], **agenda_params(ctx, pair, person)})
    ctx.reply("oo_agenda", sections=sections, total=len(mine))


def cmd_actions(ctx: Context, args: str) -> None:
    """/actions lists my open action items; /actions done N closes number N."""
    person = _sender(ctx)
    if _names_an_outsider(ctx, args):
        return
    repo = OneOnOneRepo(ctx.session)
    sub, _, rest = args.strip().partition(" ")
    if sub.lower() in ("add", "添加", "加", "新增"):
        _actions_add(ctx, person, rest.strip())
        return
    if sub.lower() in ("done", "完成", "关闭"):
        typed = rest.strip()
        number = typed.lstrip("#")
        if not number:
            ctx.reply("oo_action_which")
            return
        if not number.isdecimal():  # ('²' is a digit to isdigit(), and no int)
            ctx.reply("oo_action_not_number", typed=typed)
            return
        # (No item's number is larger: a longer one, a phone number pasted, overflowed
        # the database's integer and was answered "something went wrong".)
        # Closed by whoever sees it: not a former manager any more (the report's own items
        # went with them to their new manager, who may close them).
        item = repo.action_seen_by(person, int(number)) if int(number) <= MAX_ID else None
        if item is None:
            ctx.reply("oo_action_unknown", number=int(number))
            return
        if item.done_at is not None:
            _already_closed(ctx, person, item)
            return
        item.done_at = ctx.clock.now()
        if item.owner_id != person.id and item.owner.active:
            # Their item left their list and its reminder: the owner hears who closed it
            # (keyed, the key also tells a later /actions done who closed it); not one
            # taken out of the org file since.
            owner = item.owner
            ctx.tell(owner, "oo_action_closed_notice", other=told(ctx, owner, person),
                     number=item.id, text=item.text, dedupe_key=_closed_key(item))
        ctx.reply("oo_action_closed", number=item.id, text=item.text)
        return
    if sub:
        ctx.reply("oo_actions_usage")
        return
    items = repo.actions_of(person)  # by due date: the overdue first
    ctx.reply("oo_actions", actions=_action_rows(items[:PAIRS_SHOWN], ctx.clock.now(), person),
              more=max(0, len(items) - PAIRS_SHOWN))


def _closed_key(item: ActionItem) -> str:
    """The key of the notice to an action item's owner that the other side closed it."""
    return f"oo:closed:{item.id}"


def _already_closed(ctx: Context, person: Person, item: ActionItem) -> None:
    """/actions done N of an item closed before: "Done" again read as if this closed it
    (one side closing what the other had, the same number sent twice). Says when, in the
    sender's calendar, and by whom when that is known: the owner's notice was sent, so the
    other side closed it. Otherwise who is not said: the owner, or a version before the
    notice had its key."""
    by: Person | Told | None = None
    by_you = False
    if _sent(ctx, [_closed_key(item)]):
        closer = item.report_id if item.owner_id == item.manager_id else item.manager_id
        by_you = closer == person.id
        found = None if by_you else ctx.session.get(Person, closer)
        by = told(ctx, person, found) if found is not None else None
    ctx.reply("oo_action_already_closed", number=item.id, text=item.text, by=by,
              by_you=by_you, day=local_date(as_utc(item.done_at), person.timezone))


def _actions_add(ctx: Context, person: Person, text: str) -> None:
    """/actions add TEXT [@person] [due]: an action item agreed between meetings (in a
    corridor, on a call), as the after-meeting dialog takes one. Whoever is named owns it
    (the sender, or the other side of the pair, which it also picks); unnamed, the report.
    Due a week from today unless given. An owner other than the sender is told."""
    mine = _pairs_of(ctx, person)
    if not mine:
        _reply_no_pairs(ctx, person)
        return
    named: list[Person] = []
    rest = text
    # Whom an item may name: the sender and the other side of each of their pairs.
    nameable = {person.id, *(q.other(person).id for q in mine)}
    while True:
        label, who, after = _named(ctx, rest)
        if label is None:
            break
        if who is None:  # a name several people have: the one I have a one-on-one with
            twins = [p for p in _matches(ctx, label) if p.id in nameable]
            if len(twins) == 1:
                who = twins[0]
            elif _ambiguous(ctx, label, among=twins or None):
                return
        if who is None or who.id not in nameable:
            ctx.reply("oo_not_your_pair", name=label, others=who_is_who(
                [q.other(person) for q in mine]))
            return
        named.append(who)
        rest = after
    partners = [q for q in mine if any(q.other(person).id == p.id for p in named)]
    if len(partners) > 1:  # '@alice @bruno': an item is one pair's
        ctx.reply("oo_which_pair", others=who_is_who([q.other(person) for q in partners]),
                  named=True)
        return
    if partners:
        pair = partners[0]
    elif len(mine) == 1:
        pair = mine[0]
    else:
        ctx.reply("oo_which_pair", others=who_is_who([q.other(person) for q in mine]))
        return
    found = _due_in(ctx, person, rest, pair.other(person).key, dialog=False)
    if found is None:
        return
    due, rest = found
    if not rest:
        ctx.reply("oo_actions_add_usage", soon=_soon(ctx, person, 7), owner=pair.other(person).key)
        return
    if len(rest) > MAX_TEXT:
        ctx.reply("oo_too_long", limit=MAX_TEXT)
        return
    owner = next((p for p in named if p.id == person.id), None) or \
        (pair.other(person) if named else pair.report)
    now = ctx.clock.now()
    if due is None:
        due = local(now, person.timezone).date() + timedelta(days=7)
    due, said = _for_owner(ctx, due, owner)
    item = OneOnOneRepo(ctx.session).add_action(pair.manager, pair.report, None, rest,
                                                owner, due, now)
    ctx.reply("oo_action_added", number=item.id, text=rest, owner=told(ctx, person, owner),
              due=due, mine=owner.id == person.id, said=said)
    if owner.id != person.id:
        ctx.tell(owner, "oo_action_added_for_you", by=person, number=item.id, text=rest,
                 due=due)


def _soonest(ctx: Context, mine: list[Pair]) -> list[tuple[Pair, Occurrence | None]]:
    """Each pair with its next meeting; past PAIRS_SHOWN, only the PAIRS_SHOWN soonest
    (in that order; those with none planned last). Fewer keep the org file's order."""
    now = ctx.clock.now()
    found = [(pair, next_occurrence(ctx.session, pair, now)) for pair in mine]
    if len(found) <= PAIRS_SHOWN:
        return found
    found.sort(key=lambda x: (x[1] is None, x[1].start if x[1] else now))
    return found[:PAIRS_SHOWN]


def _away_at_next(ctx: Context, person: Person,
                  shown: Sequence[tuple[Pair, Occurrence | None]]) -> dict[tuple[int, int],
                                                                          dict[str, Any]]:
    """For each pair shown to `person` (by _ids), the last day of the time away (/away)
    covering its next meeting of the other side ("away_until") and of the reader
    ("own_away_until"), or None: the meeting will not happen as it stands, as the
    reminders would say, too late to plan on. (One read of the away calendar for all;
    the last day of time away following without a break: AwayRepo.last_days.)"""
    asks = [(p.id, p.timezone, occ.start) for pair, occ in shown if occ is not None
            for p in (pair.other(person), person)]
    away = ctx.away.last_days(asks)
    result: dict[tuple[int, int], dict[str, Any]] = {}
    for pair, occ in shown:
        other = pair.other(person)
        result[_ids(pair)] = {
            "away_until": away.get((other.id, occ.start)) if occ is not None else None,
            "own_away_until": away.get((person.id, occ.start)) if occ is not None else None}
    return result


def _schedule(ctx: Context, only: Pair | None = None, mine: list[Pair] | None = None) -> None:
    person = _sender(ctx)
    rows = []
    hours = ctx.org.oneonones.hours  # the org file's working hours (oneonones.working_hours)
    mine = _pairs_of(ctx, person) if mine is None else mine
    soonest = _soonest(ctx, mine)
    shown = soonest
    if only is not None:  # (one of the soonest, or further off)
        shown = [next(((p, o) for p, o in soonest if _ids(p) == _ids(only)),
                      (only, next_occurrence(ctx.session, only, ctx.clock.now())))]
    away = _away_at_next(ctx, person, shown)
    for pair, occ in shown:
        other = pair.other(person)
        rows.append({"other": told(ctx, person, other), "cadence": pair.cadence.cadence,
                     **away[_ids(pair)],
                     "day": pair.cadence.day, "time": pair.cadence.time.strftime("%H:%M"),
                     "manager_tz": pair.manager.timezone,
                     "next": as_params(occ.start, person.timezone) if occ else None,
                     "moved": bool(occ and occ.moved),
                     # The other side's time, where it is outside their working hours (a
                     # GM in New York setting 10:00 sees it is 23:00 for Shanghai); in
                     # the reader's own timezone it is the time just shown.
                     "their": as_params(occ.start, other.timezone) if occ
                     and other.timezone != person.timezone and hours.off(
                         occ.start, pair.cadence.duration, other.timezone) else None,
                     # The org file can book one person into several at once (every
                     # report at the default Tue 10:00): said, never moved on its own.
                     "at_once": [told(ctx, person, o.other(person)) for o, when in soonest
                                 if _ids(o) != _ids(pair) and occ and when
                                 and when.start < occ.end and occ.start < when.end]})
    if not rows:
        _reply_no_pairs(ctx, person)
        return
    # The hint names the person where a bare '/1on1 move' would be asked "which one?".
    ctx.reply("oo_schedule", rows=rows, total=len(mine) if only is None else 1,
              hours=hours.params(), several=len(mine) > 1,
              who=only.other(person).key if only is not None else None)


def _move(ctx: Context, args: str) -> None:
    person = _sender(ctx)
    pair, rest = _pick_pair(ctx, person, args, bare=True)
    if pair is None:
        return
    # A Chinese keyboard's '１０：００', dates as /away reads them ('12月10日', '2026/12/10')
    # and a time as said ('下午3点', '3pm').
    today = ctx.clock.now().astimezone(ZoneInfo(person.timezone)).date()
    passed: list[date] = []
    mismatched: list[tuple[date, int]] = []
    # 'Dec 3 at 3pm' and '3pm Thursday' as people say them: 'at' between the two, or the
    # time first, were answered with the usage.
    said = _AT_WORD.sub(" ", as_clock(as_iso(normalise(rest), today, noting_passed(passed),
                                             mismatched)).rstrip(SENTENCE_END))
    match = _DATE_TIME.match(said)
    if not match and (first := _TIME_DATE.match(said)) is not None:
        match = _DATE_TIME.match(f"{first.group(2)} {first.group(1)}")
    if not match:
        ctx.reply("oo_move_usage", soon=today + timedelta(days=1), other=pair.other(person).key)
        return
    if mismatched:
        # 12月20日（周一） when the 20th is a Sunday: which day is asked, nothing moved
        # (it was answered with the usage, as if nothing had been read).
        day, weekday = mismatched[0]
        y, mo, d, h, mi = match.groups()
        ctx.reply("oo_move_wrong_weekday", day=day, other_day=nearest_weekday(day, weekday),
                  time=f"{int(h):02d}:{mi}", other=pair.other(person).key)
        return
    if passed:
        # "Nov 20" said on November 27 would move the next one-on-one a year away.
        ctx.reply("oo_move_passed", passed=passed[0].replace(year=passed[0].year - 1),
                  next_year=passed[0], today=today, other=pair.other(person).key)
        return
    try:
        naive = datetime(*(int(part) for part in match.groups()))
    except ValueError:  # the shape of a date and time, but 2026-13-01 or 25:00
        y, mo, d, h, mi = match.groups()
        ctx.reply("oo_move_not_real", value=f"{y}-{int(mo):02d}-{int(d):02d} {int(h):02d}:{mi}",
                  soon=today + timedelta(days=1), other=pair.other(person).key)
        return
    when = naive.replace(tzinfo=ZoneInfo(person.timezone))
    if local(when.astimezone(UTC), person.timezone).replace(tzinfo=None) != \
            when.replace(tzinfo=None):
        # A local time the clocks skip (spring forward): it would be an hour later.
        ctx.reply("oo_move_no_such_time", when=when.strftime("%Y-%m-%d %H:%M"),
                  tz=person.timezone)
        return
    now = ctx.clock.now()
    if when <= now:  # named with the time it is now, as a passed due date is
        ctx.reply("oo_move_past", when=when.strftime("%Y-%m-%d %H:%M"),
                  now=local(now, person.timezone).strftime("%Y-%m-%d %H:%M"),
                  tz=person.timezone)
        return
    repo = OneOnOneRepo(ctx.session)
    overrides = repo.overrides(pair.manager, pair.report)
    occ = next_meeting(pair, now, overrides)
    if occ is None:
        ctx.reply("oo_no_next")
        return
    # The next meeting not skipped moves (as /1on1 and /agenda name it); skipped ones
    # before it stay skipped. Said, with the slot it had, so that nobody takes the move
    # for a skipped week's meeting put back (that week's, then, and the third one kept).
    skipped = sum(1 for o in occurrences(pair, now, occ.start, overrides)
                  if o.skipped and o.end > now and o.start < occ.start)
    end = when + timedelta(minutes=pair.cadence.duration)
    # Onto another meeting of the same pair (next Monday's own 10:00): both would be
    # reminded of and asked about, twice alike. Refused, with the skip that does it.
    own = next((o for o in occurrences(pair, when, end, overrides) if o.key != occ.key
                and not o.skipped and o.start < end and when < o.end), None)
    if own is not None:
        ctx.reply("oo_move_onto_own", other=told(ctx, person, pair.other(person)),
                  at=as_params(own.start, person.timezone),
                  next=as_params(occ.start, person.timezone))
        return
    withdraw_reminders(ctx, pair, occ)
    repo.set_override(pair.manager, pair.report, occ.key, moved_to=when,
                      skipped=False, by=person, now=now)
    other = pair.other(person)
    # Outside the other side's working hours (李雷 moving it to her morning, the GM's
    # 20:00): the mover sees their time, and they are told it is outside their hours.
    hours = ctx.org.oneonones.hours
    off = hours.off(when, pair.cadence.duration, other.timezone)
    # Onto time away of either side (/away planned ahead): made all the same, as onto
    # another 1:1, but said: such a slot is not asked about nor reminded to the one away,
    # and was found out on the day. Each side's last day away by their own calendar.
    at = when.astimezone(UTC)  # (as every moment the away calendar is asked of)
    away = ctx.away.last_days([(p.id, p.timezone, at) for p in (person, other)])
    mine, theirs = away.get((person.id, at)), away.get((other.id, at))
    ctx.reply("oo_moved", other=told(ctx, person, other),
              busy=_busy(ctx, person, pair, when, end),
              their=as_params(when, other.timezone) if off else None, hours=hours.params(),
              was=as_params(occ.start, person.timezone) if skipped else None,
              skipped=skipped, away_until=theirs, own_away_until=mine,
              **as_params(when, person.timezone))
    ctx.tell(other, "oo_moved_notice", other=told(ctx, other, person),
             busy=_busy(ctx, other, pair, when, end), off_hours=off, hours=hours.params(),
             was=as_params(occ.start, other.timezone) if skipped else None,
             skipped=skipped, away_until=mine, own_away_until=theirs,
             **as_params(when, other.timezone))


def _busy(ctx: Context, person: Person, moved: Pair, start: datetime, end: datetime
          ) -> list[Person | Told]:
    """Who else `person` has a one-on-one with between `start` and `end` (a move is
    made all the same: said, so that one of the two can be moved too)."""
    overrides = OneOnOneRepo(ctx.session).overrides_of([person.id])  # (one query)
    return [told(ctx, person, pair.other(person)) for pair in _pairs_of(ctx, person)
            if _ids(pair) != _ids(moved)
            and any(not o.skipped and o.start < end and start < o.end for o in occurrences(
                pair, start, end, overrides.get(_ids(pair), {})))]


def _ids(pair: Pair) -> tuple[int, int]:
    """Who a pair is (the Pair objects are made anew on each read of the org)."""
    return pair.manager.id, pair.report.id


def _skip(ctx: Context, args: str) -> None:
    person = _sender(ctx)
    pair, rest = _pick_pair(ctx, person, args, bare=True)
    if pair is None:
        return
    # '/1on1 skip @alice @bruno' skipped Alice's alone, Bruno's unsaid: one at a time.
    also, _, _ = _named(ctx, rest)
    if also is not None:
        ctx.reply("oo_skip_one_at_a_time", first=pair.other(person).key, also=also)
        return
    now = ctx.clock.now()
    occ = next_occurrence(ctx.session, pair, now)
    if occ is None:
        ctx.reply("oo_no_next")
        return
    withdraw_reminders(ctx, pair, occ)
    OneOnOneRepo(ctx.session).set_override(pair.manager, pair.report, occ.key, moved_to=None,
                                           skipped=True, by=person, now=now)
    other = pair.other(person)
    ctx.reply("oo_skipped", other=told(ctx, person, other),
              **as_params(occ.start, person.timezone))
    ctx.tell(other, "oo_skipped_notice", other=told(ctx, other, person),
             **as_params(occ.start, other.timezone))


def _held_early(ctx: Context, args: str) -> None:
    """/1on1 held [@person]: the manager records a 1:1 held before its slot (met on
    Thursday for Monday's). It counts for the next slot not skipped, which becomes the
    time it was held (a move into the past, as the slot's identity stays): that slot is
    neither reminded of nor asked about, is not overdue, and the next follows the cadence.
    Its notes and action items are asked for as after any meeting. A slot that ended and
    waits for "did it happen?" is answered yes instead; a number is an action item's."""
    if args.lstrip("#＃").isdigit():
        _done_hint(ctx, args)
        return
    person = _sender(ctx)
    pair, rest = _pick_pair(ctx, person, args, bare=True)
    if pair is None:
        return
    if rest.strip():
        ctx.reply("oo_held_usage", other=pair.other(person).key)
        return
    if pair.manager.id != person.id:
        # Only the manager is asked "did it happen?": the report's word is not a record.
        ctx.reply("oo_held_manager_only", other=told(ctx, person, pair.manager))
        return
    repo = OneOnOneRepo(ctx.session)
    now = ctx.clock.now()
    asked = next((m for m in repo.waiting(person, now - DIALOG_EXPIRY)
                  if m.report_id == pair.report.id), None)
    if asked is not None:
        _held(ctx, person, asked, True)
        return
    overrides = repo.overrides(pair.manager, pair.report)
    occ = next_meeting(pair, now, overrides)
    if occ is None:
        ctx.reply("oo_no_next")
        return
    # Held just now: it ends now (one under way keeps its own start), so the sweep never
    # reminds of it nor asks about it again (its record is made here).
    start = occ.start if occ.start <= now else now - timedelta(minutes=pair.cadence.duration)
    withdraw_reminders(ctx, pair, occ)
    if start != occ.start:
        repo.set_override(pair.manager, pair.report, occ.key, moved_to=start,
                          skipped=False, by=person, now=now)
    meeting = repo.create_meeting(pair.manager, pair.report, occ.key, start, now)
    early = start != occ.start  # (else under way: recorded at its own slot)
    after = next_meeting(pair, now if early else occ.end,
                         repo.overrides(pair.manager, pair.report))
    report = pair.report
    ctx.reply("oo_held_early", other=told(ctx, person, report), early=early,
              slot=as_params(occ.start, person.timezone),
              next=as_params(after.start, person.timezone) if after else None)
    ctx.tell(report, "oo_held_early_notice", other=told(ctx, report, person), early=early,
             slot=as_params(occ.start, report.timezone),
             next=as_params(after.start, report.timezone) if after else None)
    _held(ctx, person, meeting, True)


def _add_note(ctx: Context, args: str) -> None:
    """/1on1 note [@person] [private:] TEXT: either side notes on their latest meeting."""
    person = _sender(ctx)
    pair, text = _pick_pair(ctx, person, args)
    if pair is None:
        return
    repo = OneOnOneRepo(ctx.session)
    held = [m for m in repo.meetings_of(person) if (m.manager_id, m.report_id) == _ids(pair)]
    # The pair's latest slot, if it did not happen (or is not confirmed): a note goes on
    # the latest held one, which is then said, with why: it went on a meeting weeks old
    # without a word, as if on the one just missed.
    latest = next((m for m in reversed(repo.meeting_states([pair.report.id]))
                   if (m.manager_id, m.report_id) == _ids(pair)), None)
    missed = {"slot": as_params(as_utc(latest.scheduled_at), person.timezone),
              "reason": "not_held" if latest.status == "not_held" else "unanswered"} \
        if latest is not None and latest.status != "held" else None
    if not held:
        ctx.reply("oo_no_meeting_yet", other=told(ctx, person, pair.other(person)),
                  missed=missed)
        return
    if not _PRIVATE.sub("", ascii_width(clean_text(text))).strip():
        ctx.reply("oo_note_usage")
        return
    _note(ctx, person, held[0], text, prompt=False,
          on=held_on(held[0], person) if missed else None, missed=missed)


def _history(ctx: Context, args: str) -> None:
    viewer = _sender(ctx)
    typed = mentions_as_keys(ctx, args)
    if typed is None:
        return
    args = typed
    # Alone, one's own: a director with one manager was told to name someone.
    subject = _find_person(ctx, args) if args else viewer
    if subject is None and args and _ambiguous(ctx, args, command="1on1", sub="history"):
        return
    repo = OneOnOneRepo(ctx.session)
    left = False
    if subject is None and args and not _matches(ctx, args):
        # Someone taken out of the org file, by the key or the name they had: the history
        # of one's own one-on-ones with them (never another pair's: a leaver has no
        # manager above them any more to tell who else may read it).
        gone = [p for p in people_named(
            [p for p in ctx.people.everyone() if not p.active], args, ctx.org)
            if any(viewer.id in (m.manager_id, m.report_id) for m in repo.meetings_of(p))]
        if len(gone) > 1:
            reply_namesakes(ctx, gone, "1on1", "history")
            return
        subject, left = (gone[0], True) if gone else (None, False)
        if subject is None and _left_unseen(ctx, viewer, args):
            return
    if subject is None:
        ctx.reply("oo_history_usage", name=args)
        return
    meetings = repo.meetings_of(subject)
    if left or (viewer.id != subject.id and not _may_see_all(ctx, viewer, subject)):
        # Anyone else sees only the meetings they were in themselves.
        meetings = [m for m in meetings if viewer.id in (m.manager_id, m.report_id)]
        if not meetings:
            ctx.reply("oo_history_refused", other=subject)
            return
    rows = []
    for m in meetings[:HISTORY_SHOWN]:
        other = m.report if m.manager_id == subject.id else m.manager
        # The shared notes, and the reader's own private ones (marked): a private note
        # is its author's alone, whoever else may read this history.
        notes = [{"text": n.text, "private": not n.shared} for n in repo.notes(m, viewer=viewer)]
        rows.append({"day": held_on(m, viewer), "manager": m.manager, "report": m.report,
                     "other": other, "notes": notes})
    # The latest HISTORY_SHOWN; the older ones are counted, not dropped unsaid (a private
    # note of an early meeting read as lost).
    ctx.reply("oo_history", subject=subject, rows=rows, own=subject.id == viewer.id,
              marked=any(n["private"] for r in rows for n in r["notes"]),
              older=max(0, len(meetings) - HISTORY_SHOWN))


def _may_see_all(ctx: Context, viewer: Person, subject: Person) -> bool:
    """The GM, summary viewers, and anyone above the subject in the org chart."""
    if viewer.can_view_summary:
        return True
    chain = subject.manager_key
    seen: set[str] = set()
    while chain is not None and chain not in seen:
        if chain == viewer.key:
            return True
        seen.add(chain)
        up = ctx.org.person(chain)
        chain = up.manager if up else None
    return False


def _agenda_add(ctx: Context, person: Person, args: str) -> None:
    pair, text = _pick_pair(ctx, person, args)
    if pair is None:
        return
    # "private: …" as notes take it: a topic for the author's own eyes (a GM's "raise
    # his attrition risk") was put on the shared agenda, "private:" and all.
    marked = _private_marker(ctx, clean_text(text).strip())
    if marked is None:
        return
    private, text = marked
    if not text:
        ctx.reply("oo_agenda_usage")
        return
    if len(text) > MAX_TEXT:
        ctx.reply("oo_too_long", limit=MAX_TEXT)
        return
    OneOnOneRepo(ctx.session).add_item(pair.manager, pair.report, text, author=person,
                                       now=ctx.clock.now(),
                                       source=PRIVATE_ITEM if private else "person")
    ctx.reply("oo_agenda_added", other=told(ctx, person, pair.other(person)), text=text,
              own=private)


# --- choosing the pair and the person ---------------------------------------------------------

def _reply_no_pairs(ctx: Context, person: Person) -> None:
    """Someone with no one-on-one: told whose the org file switched off, if theirs is
    (`enabled: false`): they have a manager, so "between each person and their manager"
    would send them looking for one."""
    entry = ctx.org.person(person.key)
    manager = ctx.people.by_key(entry.manager) if entry and entry.manager else None
    off = manager is not None and entry is not None and not ctx.org.oneonones.cadence_for(
        entry.role, entry.team, entry.key).enabled
    ctx.reply("oo_no_pairs", off=manager.display_name if off and manager else None)


def _pairs_of(ctx: Context, person: Person) -> list[Pair]:
    return [p for p in pairs(ctx.session, ctx.org) if p.has(person)]


def _left_unseen(ctx: Context, viewer: Person, typed: str) -> bool:
    """Reply (and True) when `typed` names someone taken out of the org file with whom
    `viewer` had no one-on-one: they left the org ("I don't know sam" was untrue), and,
    to the GM, what stays on record of their one-on-ones (with whom, how many: no note)
    and that only those who were in them read them now (README: a leaver has no manager
    above them any more to tell who else may)."""
    gone = people_named(ctx.people.left(), typed, ctx.org)
    if len(gone) != 1:
        if gone:
            reply_namesakes(ctx, gone, "1on1", "history")
        return bool(gone)
    who = gone[0]
    kept: Counter[str] = Counter()
    if viewer.role == "gm":
        for m in OneOnOneRepo(ctx.session).meetings_of(who):
            kept[(m.report if m.manager_id == who.id else m.manager).display_name] += 1
    ctx.reply("oo_history_left", other=who, gm=viewer.role == "gm",
              kept=sorted(kept.items()))
    return True


def _pick_pair(ctx: Context, person: Person, args: str, *, bare: bool = False
               ) -> tuple[Pair | None, str]:
    """The pair a command is about (named with @person, or my only one) and the rest.
    `bare`: also named without @ (move and skip, whose rest is a date or nothing; a note's
    or an agenda item's text may well begin with a partner's name, and is kept whole)."""
    mine = _pairs_of(ctx, person)
    if not mine:
        _reply_no_pairs(ctx, person)
        return None, args
    label, named, rest = _named(ctx, args)
    others = [p.other(person) for p in mine]
    if label is not None:
        if named is None:
            # A name several people have: the one of them I have a one-on-one with.
            twins = [p for p in _matches(ctx, label) if any(o.id == p.id for o in others)]
            if len(twins) == 1:
                named = twins[0]
            elif _ambiguous(ctx, label, among=twins or None):
                return None, args
        pair = next((p for p in mine if named is not None and p.other(person).id == named.id),
                    None)
        if pair is None:
            ctx.reply("oo_not_your_pair", name=label, others=who_is_who(others))
            return None, args
        return pair, rest
    unmarked = _partner_named_bare(ctx, args, others) if bare else None
    if unmarked is not None:
        named, rest = unmarked
        if named is None:
            return None, args  # several of mine have that name: asked which, by key
        return next(p for p in mine if p.other(person).id == named.id), rest
    if len(mine) == 1:
        return mine[0], args
    ctx.reply("oo_which_pair", others=who_is_who(others))
    return None, args


def _partner_named_bare(ctx: Context, args: str, others: Sequence[Person]
                        ) -> tuple[Person | None, str] | None:
    """The partner the first words of `args` name without @ (`/1on1 move alice …`, as
    `/1on1 alice` reads it), and the rest; the longest such words win ('Alice Martin
    Friday 10:00'). Only one's own partners are compared (a date or a time is nobody's
    name among them), so nothing is guessed. (None, args) when two of them have that name
    (replied: which, by key); None when the words name none of them."""
    words = args.split()
    for size in range(len(words), 0, -1):
        found = people_named(others, " ".join(words[:size]), ctx.org)
        if len(found) > 1:
            reply_namesakes(ctx, found)
            return None, args
        if found:
            return found[0], " ".join(words[size:])
    return None


@dataclass(frozen=True)
class Who:
    """A person in a list for the reader to pick from: their name, and where another in
    the list has the same name, their key and team to tell the two apart."""

    name: str
    key: str
    team: str | None
    twin: bool

    def __str__(self) -> str:
        return self.name  # what a list matches what was typed against


class Told:
    """A person as a one-on-one message names them to someone two of whose one-on-ones
    are with people of that name: '王伟 (@wangwei2)', the key every one-on-one command
    takes. (Two reports called 王伟 got the same "did your 1:1 with 王伟 happen?", and
    the notes and action items typed next went to whichever meeting it was.) Everything
    else reads through to the person."""

    def __init__(self, person: Person) -> None:
        self._person = person
        self.display_name = f"{person.display_name} (@{person.key})"

    def __getattr__(self, name: str) -> Any:
        return getattr(self._person, name)


#: The latest org's twin_names (an org is read-only: an edit makes a new one).
_TWINS: list[tuple[Org, dict[str, frozenset[str]]]] = []


def twin_names(org: Org) -> dict[str, frozenset[str]]:
    """Per person key, the names two or more of their one-on-one partners (their manager
    and their reports in the org file) share; only people with such names. Worked out
    once per org, not per message: a sweep reminds thousands of pairs at once."""
    if _TWINS and _TWINS[0][0] is org:
        return _TWINS[0][1]
    names: dict[str, list[str]] = {}
    by_key = {p.key: p for p in org.people}
    for entry in org.people:
        manager = by_key.get(entry.manager) if entry.manager else None
        if manager is not None:
            names.setdefault(manager.key, []).append(entry.name)
            names.setdefault(entry.key, []).append(manager.name)
    found = {key: frozenset(n for n, count in Counter(partners).items() if count > 1)
             for key, partners in names.items()}
    twins = {key: shared for key, shared in found.items() if shared}
    _TWINS[:] = [(org, twins)]
    return twins


def told(ctx: Context, reader: Person, person: Person) -> Person | Told:
    """`person` as a one-on-one message to `reader` names them (see Told)."""
    shared = twin_names(ctx.org).get(reader.key)
    return Told(person) if shared and person.display_name in shared else person


def who_is_who(people: Sequence[Person]) -> list[Who]:
    """`people` as a list to pick from, namesakes told apart (see Who)."""
    names = Counter(p.display_name for p in people)
    return [Who(p.display_name, p.key, p.team, names[p.display_name] > 1) for p in people]


def _named(ctx: Context, text: str) -> tuple[str | None, Person | None, str]:
    """The first person `text` names with @: (how it was written, who, the rest of the text).

    A platform mention (Slack `<@U…>`, a Telegram text mention) is taken as the adapter
    identified it; otherwise `@key`, `@telegram_username`. (None, None, text) if no @.
    """
    event = ctx.event
    if event is not None:
        for mention in event.mentions:
            span = mention_span(text, mention.display) if mention.display else None
            if mention.is_bot or span is None:
                continue
            found = find_mentioned(ctx.session, event.platform, mention.platform_user_id,
                                   mention.username)
            return mention.display, found, (text[:span[0]] + " " + text[span[1]:]).strip()
    text = text.replace("＠", "@")  # a Chinese keyboard's full-width at sign
    match = _AT.search(text)
    if match is None:
        return None, None, text
    rest = (text[:match.start()].rstrip() + " " + text[match.end():].lstrip()).strip()
    return match.group(1), _find_person(ctx, match.group(1)), rest


def _names_an_outsider(ctx: Context, text: str) -> bool:
    """Whether `text` names, by a platform mention that says which account it is (a Slack
    `<@U…>`, a Telegram text mention), someone who is nobody in the org file; if so the
    sender is told, as every command that names a person tells them, and nothing is done.
    _named would read such a mention by the name it shows: an outsider calling themselves
    Alice Martin got the GM's item on Alice's agenda, and the org's Alice was told of a
    skip or an action item that was never meant for her."""
    return mentions_as_keys(ctx, text) is None


def _find_person(ctx: Context, token: str) -> Person | None:
    """A person a command names: a platform mention, a key, a Telegram username or a name
    (None when nobody, or several people, have that name: see _ambiguous)."""
    found = _matches(ctx, token)
    return found[0] if len(found) == 1 else None


def _matches(ctx: Context, token: str) -> list[Person]:
    """Everyone a token may name, as every command reads a name (handlers/people_named.py):
    the one with that id, key or Telegram username, else everyone with that name (two
    people may both be called 王伟)."""
    return people_named(ctx.people.active(), token, ctx.org)


def _ambiguous(ctx: Context, token: str, among: Sequence[Person] | None = None,
               command: str = "", sub: str = "") -> bool:
    """Reply (and True) when a name fits several people (of `among`, if given): which,
    by key, with their team."""
    found = list(among) if among is not None else _matches(ctx, token)
    if len(found) < 2:
        return False
    reply_namesakes(ctx, found, command, sub)
    return True


# --- after the meeting: buttons and typed replies ------------------------------------------

def _yes_no(ctx: Context, person: Person, meeting: OneOnOneMeeting) -> list[Choice]:
    return [Choice(ctx.renderer.message(person.locale, "oo_yes"),
                   f"{ACTION_PREFIX}:held:{meeting.id}:y"),
            Choice(ctx.renderer.message(person.locale, "oo_no"),
                   f"{ACTION_PREFIX}:held:{meeting.id}:n")]


def _rating_choices(meeting: OneOnOneMeeting) -> list[Choice]:
    return [Choice(str(n), f"{ACTION_PREFIX}:fb:{meeting.id}:{n}") for n in range(1, 6)]


def on_action(ctx: Context, action: str) -> bool | None:
    """A pressed 1:1 button ('oo:held:<meeting>:y|n', 'oo:fb:<meeting>:<1-5>').

    None when the action is not a 1:1 one; False when it is stale or not theirs.
    """
    parts = action.split(":")
    if len(parts) != 4 or parts[0] != ACTION_PREFIX or not parts[2].isdigit():
        return None
    person = _sender(ctx)
    repo = OneOnOneRepo(ctx.session)
    meeting = repo.meeting(int(parts[2]))
    if meeting is None:
        return False
    if parts[1] == "held" and person.id == meeting.manager_id and parts[3] in ("y", "n"):
        _held(ctx, person, meeting, parts[3] == "y")
        return True
    if parts[1] == "fb" and person.id in (meeting.manager_id, meeting.report_id) \
            and parts[3] in {"1", "2", "3", "4", "5"}:
        _rated(ctx, person, meeting, int(parts[3]))
        return True
    return False


def on_text(ctx: Context, text: str) -> bool:
    """A typed reply in the 1:1 dialog; False when the bot waits for nothing 1:1-related."""
    person = _sender(ctx)
    repo = OneOnOneRepo(ctx.session)
    dialog = repo.dialog(person)
    if dialog is None or dialog.step.startswith(ASIDE):
        return False
    meeting = repo.meeting(dialog.meeting_id)
    if meeting is None or ctx.clock.now() - dialog.updated_at > DIALOG_EXPIRY:
        # Days later, a message is about something else: do not take it as a note.
        repo.clear_dialog(person)
        return False
    if is_pause(text):  # 'pause' or '暂停', as in the check-in: never a note "pause"
        return pause(ctx)
    word = keyword(text)
    if dialog.step == "held":
        if word in YES_WORDS | _HELD_WORDS or word in NO_WORDS | _NOT_HELD_WORDS:
            _held(ctx, person, meeting, word in YES_WORDS | _HELD_WORDS)
        else:
            ctx.reply("oo_yes_or_no")
        return True
    if dialog.step == "notes":
        if word in _DONE_WORDS | _NOTHING_WORDS:
            repo.set_dialog(person, meeting, "actions", ctx.clock.now())
            ctx.reply("oo_ask_actions", other=told(ctx, person, meeting.report),
                      asks=dialog_asks(person, meeting))
        else:
            _note(ctx, person, meeting, text)
        return True
    if dialog.step == "actions":
        if word in _DONE_WORDS | _NOTHING_WORDS:
            _finish(ctx, person, meeting)
        else:
            _action(ctx, person, meeting, text)
        return True
    if dialog.step == "rating":
        rating = read_scale(text)
        if rating is not None:
            _rated(ctx, person, meeting, rating)
        else:
            ctx.reply("oo_rating_range")
        return True
    if dialog.step == "improve":
        # 'Nothing' to improve is no suggestion: the other side read "One thing to
        # improve: 没有".
        improve = "" if word in {"skip", "/skip", "跳过", "-"} | _NOTHING_WORDS \
            else clean_text(text).strip()
        if len(improve) > MAX_TEXT:  # cut short, the other side would read half a sentence
            ctx.reply("oo_too_long", limit=MAX_TEXT)
            return True
        _improved(ctx, person, meeting, improve)
        return True
    repo.clear_dialog(person)
    return False


def _held(ctx: Context, manager: Person, meeting: OneOnOneMeeting, held: bool) -> None:
    repo = OneOnOneRepo(ctx.session)
    now = ctx.clock.now()
    # A "No" pressed by mistake is put right with the question's "Yes" button (the two
    # side by side): else a meeting held read "did not happen", overdue, its notes lost.
    # Not the other way round: "Yes" took notes and action items that "No" would orphan.
    mistaken = held and meeting.status == "not_held" and meeting.answered_at is not None \
        and now - as_utc(meeting.answered_at) <= DIALOG_EXPIRY
    if meeting.status != "asked" and not mistaken:
        ctx.reply("oo_already_answered", other=told(ctx, manager, meeting.report))
        return
    meeting.answered_at = now
    if not held:
        meeting.status = "not_held"
        current = repo.dialog(manager)
        front = current is not None and current.meeting_id == meeting.id and \
            _in_front(ctx, manager)
        if current is not None and current.meeting_id == meeting.id:
            repo.clear_dialog(manager)  # (a button may answer while another dialog goes on)
        ctx.reply("oo_not_held", other=told(ctx, manager, meeting.report))
        _ask_next_waiting(ctx, manager, in_front=front)
        return
    meeting.status = "held"
    report = meeting.report
    length = ctx.org.oneonones.cadence_for(report.role, report.team, report.key).duration
    repo.discussed(meeting, as_utc(meeting.scheduled_at) + timedelta(minutes=length))
    repo.set_dialog(manager, meeting, "notes", now)
    ctx.reply("oo_ask_notes", other=told(ctx, manager, meeting.report),
              asks=dialog_asks(manager, meeting))


def _note(ctx: Context, author: Person, meeting: OneOnOneMeeting, text: str, *,
          prompt: bool = True, on: date | None = None,
          missed: dict[str, Any] | None = None) -> None:
    """A note on `meeting`; `on` and `missed`: the day of the meeting it went on, said
    when a later slot of the pair did not happen (see _add_note)."""
    marked = _private_marker(ctx, clean_text(text).strip())
    if marked is None:
        return
    private, text = marked
    if not text:
        ctx.reply("oo_ask_notes", other=told(ctx, author, meeting.report),
                  asks=dialog_asks(author, meeting))
        return
    if len(text) > MAX_TEXT:
        ctx.reply("oo_too_long", limit=MAX_TEXT)
        return
    OneOnOneRepo(ctx.session).add_note(meeting, author, text, shared=not private,
                                       now=ctx.clock.now())
    ctx.reply("oo_note_saved", shared=not private, prompt=prompt, on=on, missed=missed)


def _private_marker(ctx: Context, text: str) -> tuple[bool, str] | None:
    """Whether a note or agenda item is marked `private: …` (`私密：`), and its text
    without the marker; None, the sender told why, for one marked so where others read it.

    The marker is read in either width, as a command's words are: on a Chinese keyboard
    left in full-width mode 'ｐｒｉｖａｔｅ：' was no marker, and the note went to the other side
    in the recap (ascii_width keeps every character's place: the text is cut as typed).
    Typed in a group whose members read it (Telegram, the console's group), a "private"
    note was kept and shown to its author as theirs alone though the group had read it:
    nothing is kept, and they are told to send it in private."""
    found = _PRIVATE.match(ascii_width(text))
    if found is None:
        return False, text
    if ctx.seen_by_others:
        ctx.reply("oo_private_in_group")
        return None
    return True, text[found.end():].strip()


def _soon(ctx: Context, person: Person, days: int) -> date:
    """A day `days` ahead where `person` is: a usage line's example date, which must
    still work when copied (a fixed date in the text would read as passed one day)."""
    return local(ctx.clock.now(), person.timezone).date() + timedelta(days=days)


def _due_in(ctx: Context, author: Person, text: str, owner: str, *, dialog: bool = True
            ) -> tuple[date | None, str] | None:
    """The due date an action item's text ends with (None if none) and the text before
    it; None, with the reason replied, for a date that does not exist or has passed
    (`dialog`: typed in the after-meeting dialog, not with /actions add; `owner`: the key
    the usage line's example names, one the item could be for)."""
    text = clean_text(text).strip()
    today = local(ctx.clock.now(), author.timezone).date()
    passed: list[date] = []
    year_for = noting_passed(passed)
    fiscal = ctx.org.goals.fiscal_year_start  # EOQ: the org's quarter, as its goals count it
    # 'by yesterday', 上个月底前: refused, not taken as a week away
    if (slip := passed_due(text, today, fiscal)) is not None:
        ctx.reply("oo_action_bad_due", written=slip[0], past=True, today=today, due=slip[1])
        return None
    # 十二月十日 as 12月10日; only the last such date is rewritten, so the text before the
    # match is as typed, and so is what the reply quotes.
    found = _DUE.search(arabic_month_days(text, last_only=True))
    if found:
        written, before = text[found.start():].strip(), text[:found.start()].strip()
        year, month, day = (found.group(1), found.group(2) or found.group(4) or found.group(6),
                            found.group(3) or found.group(5) or found.group(7))
    elif said := trailing_day(text, today, year_for):  # 'by Friday', 'Dec 10'
        written, iso, before = said
        year, month, day = iso.split("-")
    elif period := end_of_period(text, today, fiscal):  # 'by end of month', '月底前'
        return period[1], period[2]
    elif slashed := slashed_day(text, month_first=author.locale.startswith("zh")):
        written, readings, before = slashed
        if len(readings) > 1:  # 1/5: 5 January or 1 May, never one of them guessed
            ctx.reply("oo_action_ambiguous_due", written=written, days=[
                date(year_of(m, d, today), m, d) for m, d in readings])
            return None
        if not readings:  # 13/13
            ctx.reply("oo_action_bad_due", written=written, past=False, dialog=dialog,
                      soon=today + timedelta(days=7), owner=owner)
            return None
        year, (month, day) = None, readings[0]
    else:
        return None, text
    try:  # '9月3日' in December: next year's, as /away and /1on1 move read it
        due = date(int(year) if year else year_for(int(month), int(day), today), int(month),
                   int(day))
    except ValueError:
        ctx.reply("oo_action_bad_due", written=written, past=False, dialog=dialog,
                      soon=today + timedelta(days=7), owner=owner)
        return None
    if passed:
        # ... but "by Nov 30" said on December 1 is a slip or the past, not next November.
        ctx.reply("oo_action_due_passed", passed=passed[0].replace(year=passed[0].year - 1),
                  next_year=passed[0], today=today)
        return None
    if due < today:  # it would be overdue, and reminded, at once
        ctx.reply("oo_action_bad_due", written=written, past=True, today=today, due=due)
        return None
    return due, before


def _action(ctx: Context, author: Person, meeting: OneOnOneMeeting, text: str) -> None:
    if _names_an_outsider(ctx, text):
        return  # (the dialog still waits for the action items)
    owner = meeting.report
    # The owner first, wherever named, then the due date that ends what is left, as
    # /actions add reads them: "… by Friday @grace" kept "by Friday" as the item's words.
    label, named, rest = _named(ctx, text)
    if label is not None:
        if named is None:  # a name several people have: the one in this meeting, if any
            twins = [p for p in _matches(ctx, label)
                     if p.id in (meeting.manager_id, meeting.report_id)]
            if len(twins) == 1:
                named = twins[0]
            elif _ambiguous(ctx, label):
                return
        if named is None or named.id not in (meeting.manager_id, meeting.report_id):
            ctx.reply("oo_action_owner", manager=told(ctx, author, meeting.manager),
                      report=told(ctx, author, meeting.report))
            return
        owner, text = named, rest
    found = _due_in(ctx, author, text, meeting.report.key)
    if found is None:
        return
    due, text = found
    if not text:
        ctx.reply("oo_action_usage", soon=_soon(ctx, author, 7), owner=meeting.report.key)
        return
    if len(text) > MAX_TEXT:
        ctx.reply("oo_too_long", limit=MAX_TEXT)
        return
    if due is None:
        # A week after the meeting's day where the owner is: a meeting late at night for
        # one side falls on another day for the other.
        due = local(meeting.scheduled_at, owner.timezone).date() + timedelta(days=7)
    due, said = _for_owner(ctx, due, owner)
    item = OneOnOneRepo(ctx.session).add_action(meeting.manager, meeting.report, meeting, text,
                                                owner, due, ctx.clock.now())
    ctx.reply("oo_action_saved", number=item.id, text=text, owner=told(ctx, author, owner),
              due=due, said=said)


def _for_owner(ctx: Context, due: date, owner: Person) -> tuple[date, date | None]:
    """The due date as stored, and the day said if it moved. A day is read in the
    calendar of whoever said it ("by Friday" is their Friday, as the reply shows); one
    already over where the owner is (said on Friday night in New York, for an owner in
    Shanghai, where it is Saturday) becomes the owner's today: never overdue the moment
    it is set."""
    today = local(ctx.clock.now(), owner.timezone).date()
    return (today, due) if due < today else (due, None)


def _finish(ctx: Context, manager: Person, meeting: OneOnOneMeeting) -> None:
    repo = OneOnOneRepo(ctx.session)
    front = _in_front(ctx, manager)
    repo.clear_dialog(manager)
    report = meeting.report
    ctx.reply("oo_finished", other=told(ctx, manager, report), gone=not report.active)
    if not report.active:
        # Taken out of the org file since the meeting: the record is kept, but nothing
        # more reaches them, and feedback meant for them is asked of nobody: the dialog
        # is over, as after the feedback.
        _ask_next_waiting(ctx, manager, in_front=front)
        return
    shared = [n.text for n in repo.notes(meeting, viewer=None)]
    actions = _action_rows([a for a in repo.open_actions(manager, report)
                            if a.meeting_id == meeting.id], ctx.clock.now())
    ctx.tell(report, "oo_recap", dedupe_key=f"oo:recap:{meeting.id}",
             other=told(ctx, report, manager),
             day=held_on(meeting, report), notes=shared, actions=actions)
    for person in (manager, report):
        other = report if person.id == manager.id else manager
        # The manager's follows their "done"; the report's comes unasked, and waits
        # behind a dialog they are in the middle of.
        behind = None if person is manager else _waits_behind(ctx, person)
        waiting = behind.kind if behind else ""
        if person is not manager and not waiting and _in_dialog(ctx, repo, person) \
                and under_way(ctx, person, ctx.clock.now()):
            # Typing the record of another 1:1 (a director who is both Grace's report and
            # Sam's manager): their "4" went on as a note of that one, shared with Sam.
            waiting = "oneonone"
        if ctx.tell(person, "oo_feedback_question", dedupe_key=f"oo:fbq:{meeting.id}:{person.id}",
                    other=told(ctx, person, other), waiting=waiting,
                    choices=_rating_choices(meeting)):
            current = repo.dialog(person)
            if current is None or current.step.removeprefix(ASIDE) in ("rating", "improve"):
                repo.set_dialog(person, meeting, "rating", _asked_at(ctx, behind))


def _rated(ctx: Context, person: Person, meeting: OneOnOneMeeting, rating: int) -> None:
    repo = OneOnOneRepo(ctx.session)
    other = meeting.report if person.id == meeting.manager_id else meeting.manager
    repo.save_feedback(meeting, person, other, rating=rating, now=ctx.clock.now())
    repo.set_dialog(person, meeting, "improve", ctx.clock.now())
    ctx.reply("oo_ask_improve", other=told(ctx, person, other), asks=dialog_asks(person, meeting))


def _improved(ctx: Context, person: Person, meeting: OneOnOneMeeting, improve: str) -> None:
    repo = OneOnOneRepo(ctx.session)
    other = meeting.report if person.id == meeting.manager_id else meeting.manager
    front = _in_front(ctx, person)
    row = repo.save_feedback(meeting, person, other, improve=improve, now=ctx.clock.now())
    repo.clear_dialog(person)
    ctx.reply("oo_feedback_thanks")
    if other.active:  # (not to someone taken out of the org file since)
        ctx.tell(other, "oo_feedback_received",
                 dedupe_key=f"oo:fbto:{meeting.id}:{person.id}",
                 other=told(ctx, other, person), day=held_on(meeting, other),
                 rating=row.rating, improve=improve)
    _ask_next_waiting(ctx, person, in_front=front)


def ask_again(ctx: Context, person: Person) -> bool:
    """`person` has just finished another dialog (or sent /1on1 after /pause): ask again
    the 1:1 question still waiting (it had to wait behind that one, was left, or was put
    aside): it takes their next typed reply, and they should know which it is. True if
    one was asked."""
    repo = OneOnOneRepo(ctx.session)
    dialog = repo.dialog(person)
    now = ctx.clock.now()
    if dialog is None or now - as_utc(dialog.updated_at) > DIALOG_EXPIRY:
        return False
    meeting = repo.meeting(dialog.meeting_id)
    step = dialog.step.removeprefix(ASIDE)
    if meeting is None or (step == "held" and meeting.status != "asked"):
        return False
    manager = person.id == meeting.manager_id
    other = told(ctx, person, meeting.report if manager else meeting.manager)
    asks = dialog_asks(person, meeting)
    if dialog.step.startswith(ASIDE):
        ctx.reply("back_to_dialog", kind="oneonone", other=other, asks=asks)
    if step == "held":
        ctx.reply("oo_did_it_happen", other=other, choices=_yes_no(ctx, person, meeting),
                  asks=asks, **as_params(meeting.scheduled_at, person.timezone))
    elif step == "rating":
        ctx.reply("oo_feedback_question", other=other, choices=_rating_choices(meeting),
                  asks=asks)
    elif step in _STEP_PROMPTS:
        ctx.reply(_STEP_PROMPTS[step], other=other, asks=asks)
    else:
        return False
    repo.set_dialog(person, meeting, step, now)
    return True


#: What each step of the 1:1 dialog that asks no buttons says (ask_again).
_STEP_PROMPTS = {"notes": "oo_ask_notes", "actions": "oo_ask_actions",
                 "improve": "oo_ask_improve"}


def ask_if_came_since(ctx: Context, person: Person, since: datetime) -> bool:
    """`person` has just finished a short dialog (an answer changed with /edit N) whose
    question was asked at `since`: ask again the 1:1 question that came meanwhile and
    waited behind it (_asked_at: as of that question), if any. True if one was asked."""
    dialog = _live(ctx, person)
    return dialog is not None and as_utc(dialog.updated_at) >= as_utc(since) \
        and ask_again(ctx, person)


def resume(ctx: Context) -> bool:
    """/1on1 alone after /pause: carry on the 1:1 dialog put aside; False if none is."""
    dialog = OneOnOneRepo(ctx.session).dialog(_sender(ctx))
    return dialog is not None and dialog.step.startswith(ASIDE) and \
        ask_again(ctx, _sender(ctx))


def skip(ctx: Context) -> bool:
    """/skip while the 1:1 dialog has the sender's typed replies: no notes, no (more)
    action items, nothing to improve; a question that cannot be skipped (did it happen,
    the rating) says what it takes. False if no live 1:1 dialog waits."""
    dialog = _live(ctx, _sender(ctx))
    said = {"notes": "next", "actions": "done"}.get(dialog.step, "skip") if dialog else ""
    return bool(said) and on_text(ctx, said)


def pause(ctx: Context) -> bool:
    """/pause (or 'pause', '暂停') while the 1:1 dialog has the sender's typed replies: put
    it aside, keeping what was sent (notes, action items and a rating are stored as they
    come), until /1on1 or the end of another dialog brings it back. The other dialog it
    was in front of, if any, is asked again: it takes the next typed reply now. False if
    no live 1:1 dialog waits."""
    person = _sender(ctx)
    repo = OneOnOneRepo(ctx.session)
    dialog = _live(ctx, person)
    meeting = repo.meeting(dialog.meeting_id) if dialog is not None else None
    if dialog is None or meeting is None:
        return False
    step = dialog.step
    repo.set_dialog(person, meeting, ASIDE + step, ctx.clock.now())
    # Its question held up in the outbox (the platform down) would arrive after the pause
    # and take a typed reply as a note: /1on1 asks it again.
    held = ctx.outbox.withdraw(dialog_keys(person, meeting), ctx.clock.now(), keep_keys=True,
                               asks=[dialog_asks(person, meeting)], earlier=True)
    manager = person.id == meeting.manager_id
    # Withdrawn, its buttons never showed: the reply must not point at them.
    ctx.reply("oo_paused", other=told(ctx, person, meeting.report if manager
                                      else meeting.manager), step=step, buttons=not held)
    if ctx.conversations.get(person) is not None:
        # Their next typed reply goes to it now: they see which question it answers.
        from handlers.waiting import back_to_dialog  # (it imports every dialog)

        back_to_dialog(ctx, person)
    return True


def put_aside_with(ctx: Context) -> Person | Told | None:
    """The other side of the sender's 1:1 dialog put aside with /pause (that /1on1 carries
    on), or None if none is."""
    person = _sender(ctx)
    repo = OneOnOneRepo(ctx.session)
    dialog = repo.dialog(person)
    if dialog is None or not dialog.step.startswith(ASIDE) \
            or ctx.clock.now() - as_utc(dialog.updated_at) > DIALOG_EXPIRY:
        return None
    meeting = repo.meeting(dialog.meeting_id)
    if meeting is None:
        return None
    return told(ctx, person, meeting.report if person.id == meeting.manager_id
                else meeting.manager)


def takes_typed(ctx: Context, conv: Conversation | None) -> bool:
    """Whether the sender's 1:1 dialog takes their typed reply ahead of their other open
    dialog `conv` (a check-in's, a poll's, a survey's or the monthly questions'): one
    waits (not put aside) and its question was asked after conv's, or conv is None."""
    dialog = _live(ctx, _sender(ctx))
    return dialog is not None and (conv is None or _newer(dialog.updated_at, conv))


def waits_for_text(ctx: Context) -> bool:
    """Whether a 1:1 question waits for the sender's typed reply (a sticker or a photo
    sent now is told the question needs text, as in the check-in)."""
    dialog = _live(ctx, _sender(ctx))
    return dialog is not None and \
        ctx.clock.now() - as_utc(dialog.updated_at) <= DIALOG_EXPIRY


def under_way(ctx: Context, person: Person, now: datetime) -> bool:
    """Whether `person` is in the middle of a 1:1 dialog: its question, asked less than
    UNDER_WAY ago, has their typed replies. A check-in prompt, a poll, a survey or the
    monthly questions arriving now wait behind it (handlers.waiting.under_way), so that
    the note being typed is never taken as revenue."""
    dialog = _front(ctx, person)
    return dialog is not None and now - as_utc(dialog.updated_at) < UNDER_WAY


def _live(ctx: Context, person: Person) -> OneOnOneDialog | None:
    """`person`'s 1:1 dialog, unless none waits or it was put aside with /pause."""
    dialog = OneOnOneRepo(ctx.session).dialog(person)
    return None if dialog is None or dialog.step.startswith(ASIDE) else dialog


def _front(ctx: Context, person: Person) -> OneOnOneDialog | None:
    """`person`'s 1:1 dialog if it has their typed replies (takes_typed), else None."""
    dialog = _live(ctx, person)
    conv = ctx.conversations.get(person)
    return dialog if dialog is not None and (conv is None or _newer(dialog.updated_at, conv)) \
        else None


def _in_front(ctx: Context, person: Person) -> bool:
    """Whether `person`'s 1:1 dialog (which waits) has their typed replies (takes_typed)."""
    return _front(ctx, person) is not None


def _waits_behind(ctx: Context, person: Person) -> Conversation | None:
    """The dialog a 1:1 question sent now, unasked, waits behind: the person's other one if
    they are in the middle of it (its question asked less than UNDER_WAY ago) and it, not
    a 1:1 question, has their typed replies. Someone typing "3" for the check-in question
    in front of them must not have it filed as the rating of a 1:1 that arrived meanwhile."""
    now = ctx.clock.now()
    conv = ctx.conversations.get(person)
    if conv is None or now - as_utc(conv.updated_at) >= UNDER_WAY:
        return None
    dialog = _live(ctx, person)
    return None if dialog is not None and _newer(dialog.updated_at, conv) else conv


def _asked_at(ctx: Context, behind: Conversation | None) -> datetime:
    """When a 1:1 question sent now counts as asked: now, or, waiting `behind` another
    dialog, with that one's question (not after it, so that one keeps the typed replies)."""
    return as_utc(behind.updated_at) if behind is not None else ctx.clock.now()


def _newer(when: datetime, conv: Conversation) -> bool:
    return as_utc(when) > as_utc(conv.updated_at)


def _sender(ctx: Context) -> Person:
    if ctx.person is None:
        raise RuntimeError("handler needs a known sender")
    return ctx.person


# --- the overview for the GM's summary and the CLI -------------------------------------------

@dataclass
class PairStatus:
    """One pair as the GM sees it."""

    manager: str
    report: str
    last_held: datetime | None
    next: datetime | None
    overdue: bool
    manager_name: str = ""
    report_name: str = ""
    #: Why it is overdue: the slot that was not held, and whether the manager said it did
    #: not happen ("not_held") or never answered ("unanswered"). The GM nudges differently.
    missed: datetime | None = None
    missed_reason: str | None = None


@dataclass
class DirectorOneOnOnes:
    """One director's one-on-ones: with their manager, and with each of their reports."""

    key: str
    name: str
    own: PairStatus | None
    team: list[PairStatus] = field(default_factory=list)
    open_actions: int = 0
    overdue_actions: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Plain data (ISO times) for JSON."""
        def pair(p: PairStatus) -> dict[str, Any]:
            return {"manager": p.manager, "report": p.report,
                    "manager_name": p.manager_name, "report_name": p.report_name,
                    "last_held": p.last_held.isoformat() if p.last_held else None,
                    "next": p.next.isoformat() if p.next else None, "overdue": p.overdue,
                    "missed": p.missed.isoformat() if p.missed else None,
                    "missed_reason": p.missed_reason}
        return {"key": self.key, "name": self.name,
                "own": pair(self.own) if self.own else None,
                "team": [pair(p) for p in self.team], "open_actions": self.open_actions,
                "overdue_actions": self.overdue_actions}


def never_counted(session: Session, rows: Sequence[Any]) -> set[int]:
    """Of meeting rows (manager_id, report_id, status, scheduled_at, id, asked_at), the
    ids of those still 'asked' that the bot no longer asks about, so never counts as
    missed: a slot either side was away at (`/away` covering its start), or one the
    manager was asked about while away (gone during the meeting). Only an older version
    made such records (see _ask_ended); after an upgrade they read "overdue" for
    meetings that could not have happened. (One read of the away calendar for all.)"""
    asked = [r for r in rows if r.status == "asked"]
    if not asked:
        return set()
    ids = {r.manager_id for r in asked} | {r.report_id for r in asked}
    zone: dict[int, str] = {pid: tz for pid, tz in session.execute(
        select(Person.id, Person.timezone).where(Person.id.in_(sorted(ids))))}
    moments = [(r, as_utc(r.scheduled_at), as_utc(r.asked_at)) for r in asked]
    away = AwayRepo(session).covering(
        [(pid, zone[pid], slot) for r, slot, _ in moments
         for pid in (r.manager_id, r.report_id) if pid in zone]
        + [(r.manager_id, zone[r.manager_id], when) for r, _, when in moments
           if r.manager_id in zone])
    return {r.id for r, slot, when in moments
            if (r.manager_id, slot) in away or (r.report_id, slot) in away
            or (r.manager_id, when) in away}


def made_before(overrides: Mapping[tuple[int, int], Mapping[str, OneOnOneOverride]],
                moment: datetime) -> dict[tuple[int, int], dict[str, OneOnOneOverride]]:
    """The moves and skips (per pair, by occurrence) made before `moment`: a past week's
    next meeting is the plan at its end, not one a move or skip made since changed (the
    Monday 1:1 skipped that Monday morning: the week before still read "next" a week
    later)."""
    out: dict[tuple[int, int], dict[str, OneOnOneOverride]] = {}
    for pair, occ in overrides.items():
        kept = {key: o for key, o in occ.items() if as_utc(o.created_at) < moment}
        if kept:
            out[pair] = kept
    return out


def restarted(session: Session, slots: Collection[tuple[int, int, datetime]],
              before: datetime) -> set[tuple[int, int]]:
    """Of pairs (manager id, report id) with the slot of their latest record not
    confirmed as held, those that ended and began again since that slot (before
    `before`): either side put (back) in the org file (Person.added_at), the org file
    ending the pair (switched off, OneOnOnePairEnd), or the report met, or checked in
    under, another manager (or none) in between. Their missed slot is
    from before the gap: nobody could make it up, so it is not overdue ("overdue: Mon
    2026-11-30 did not happen" read in January, Alice back under Grace after December
    under Bruno). Nothing stored since (no check-in, no meeting): still overdue."""
    if not slots:
        return set()
    ids = sorted({m for m, _, _ in slots} | {r for _, r, _ in slots})
    people: dict[int, tuple[str, datetime | None]] = {}
    for start in range(0, len(ids), 1000):
        for pid, key, added in session.execute(select(
                Person.id, Person.key, Person.added_at).where(
                Person.id.in_(ids[start:start + 1000]))):
            people[pid] = (key, added)
    repo = OneOnOneRepo(session)
    met, rounds = repo.elsewhere({r for _, r, _ in slots}, before)
    # The org file ended the pair itself (switched off, another manager, taken out) as
    # the bot read it: a switch-off and back on leaves nothing else behind.
    ends: dict[tuple[int, int], list[datetime]] = {}
    for mid, rid, when in repo.pair_ends({r for _, r, _ in slots}, before):
        ends.setdefault((mid, rid), []).append(as_utc(when))
    since: dict[int, list[tuple[int | str | None, datetime]]] = {}
    for rid, mid, when in met:
        since.setdefault(rid, []).append((mid, as_utc(when)))
    for pid, key, when in rounds:
        since.setdefault(pid, []).append((key, as_utc(when)))
    out: set[tuple[int, int]] = set()
    for mid, rid, slot in slots:
        slot = as_utc(slot)
        manager = people.get(mid, ("", None))[0]
        added = [people.get(p, ("", None))[1] for p in (mid, rid)]
        if any(a is not None and slot < as_utc(a) < before for a in added) or any(
                who not in (mid, manager) and when > slot for who, when in since.get(rid, ())) \
                or any(when > slot for when in ends.get((mid, rid), ())):
            out.add((mid, rid))
    return out


def pair_status(session: Session, pair: Pair, now: datetime) -> PairStatus:
    """One pair as the GM's summary sees it now: its last held meeting, the next and
    whether it is overdue, by the summary's rule (oneonone_overview), for a reminder to
    say so."""
    ids = _ids(pair)
    repo = OneOnOneRepo(session)
    rows = [m for m in repo.meeting_states([pair.report.id])
            if (m.manager_id, m.report_id) == ids]
    return _status_reader(session, {ids: rows} if rows else {},
                          {ids: repo.overrides(pair.manager, pair.report)}, now)(pair)


def _status_reader(session: Session, by_pair: dict[tuple[int, int], list[Any]],
                   overrides: Mapping[tuple[int, int], Mapping[str, OneOnOneOverride]],
                   now: datetime) -> Callable[[Pair], PairStatus]:
    """What each pair's status is, given its meeting rows (meeting_states, oldest
    first) and moves and skips: overdue when its latest slot the bot asked about ended
    over OVERDUE_AFTER ago and was not confirmed as held (never_counted and restarted
    ones aside). The one rule of the summary and the reminders."""
    # Only the records after a pair's last confirmed one can decide whether it is overdue.
    trailing = [m for rows in by_pair.values()
                for m in itertools.takewhile(lambda m: m.status == "asked", reversed(rows))]
    uncounted = never_counted(session, trailing)
    if uncounted:
        by_pair = {pair: [m for m in rows if m.id not in uncounted]
                   for pair, rows in by_pair.items()}
    # A pair that ended and began again since its missed slot: not overdue (restarted).
    gone = restarted(session, [(*pair, rows[-1].scheduled_at) for pair, rows in by_pair.items()
                               if rows and rows[-1].status != "held"
                               and now - as_utc(rows[-1].scheduled_at) > OVERDUE_AFTER], now)

    def status(pair: Pair) -> PairStatus:
        rows = by_pair.get((pair.manager.id, pair.report.id), [])
        held = [m for m in rows if m.status == "held"]
        latest = rows[-1] if rows else None
        overdue = latest is not None and latest.status != "held" and \
            now - latest.scheduled_at > OVERDUE_AFTER + timedelta(minutes=pair.cadence.duration) \
            and (pair.manager.id, pair.report.id) not in gone
        occ = next_meeting(pair, now, overrides.get((pair.manager.id, pair.report.id), {}))
        return PairStatus(pair.manager.key, pair.report.key,
                          held[-1].scheduled_at if held else None,
                          occ.start if occ else None, overdue,
                          pair.manager.display_name, pair.report.display_name,
                          as_utc(latest.scheduled_at) if overdue and latest else None,
                          ("not_held" if latest.status == "not_held" else "unanswered")
                          if overdue and latest else None)

    return status


def oneonone_overview(session: Session, org: Org, now: datetime,
                      only: Collection[str] | None = None, past: bool = False,
                      week: str | None = None) -> list[DirectorOneOnOnes]:
    """Per director (of those whose keys are in `only`, if given): the last one-on-one
    held and the next with their manager, their own one-on-ones with their team, which
    are overdue, and open and overdue action items.

    `past`: `now` is a moment gone by (a past week's end): the meetings scheduled and the
    action items open then, never one that came after it.

    Overdue: the pair's latest slot the bot asked about ended over a day ago and was not
    confirmed as held (a slot nobody was asked about is not called missed, nor one from
    before the pair ended and began again: restarted).

    With `only` (a team's summary: its directors), only their pairs, meetings and action
    items are read, not the org's.

    `week` (with `past`, the week ending at `now`): the pairs are those of that week, not
    today's org file's (_pairs_then): someone who moved to another manager since is still
    in their old manager's team.
    """
    repo = OneOnOneRepo(session)
    directors = [e for e in org.people
                 if e.role == "director" and (only is None or e.key in only)]
    if only is None:
        people = {p.key: p for p in PeopleRepo(session).active()}
        all_pairs = _pairs(org, people, org.people)
        ids: list[int] | None = None
    else:
        wanted = {e.key for e in directors}
        # Each director's own pair (with their manager) and their reports' pairs.
        entries = [e for e in org.people if e.key in wanted or e.manager in wanted]
        keys = {e.key for e in entries} | {e.manager for e in entries if e.manager}
        people = {p.key: p for p in PeopleRepo(session).active_by_keys(keys)}
        all_pairs = _pairs(org, people, entries)
        ids = [people[k].id for k in sorted(wanted) if k in people]
    by_pair: dict[tuple[int, int], list[Any]] = {}
    for m in repo.meeting_states(ids, before=now if past else None):
        by_pair.setdefault((m.manager_id, m.report_id), []).append(m)
    if past and week is not None:
        all_pairs = _pairs_then(session, org, week, now, people, ids,
                                {r for m, r in by_pair if ids is None or m in ids})
    overrides = repo.all_overrides() if ids is None else repo.overrides_of(ids)
    if past:  # a move or skip made after the moment is not its plan (made_before)
        overrides = made_before(overrides, now)
    status = _status_reader(session, by_pair, overrides, now)

    out = []
    # Read as now, an item counts where it is now (a report's own item from a pair the
    # org file has since ended went with them: counts_for); a past week's, with the pair
    # it was agreed in, as it stood then.
    actions = [(a, frozenset({a.manager_id, a.report_id}))
               for a in repo.open_actions_of(ids, as_of=now)] if past \
        else repo.open_actions_now(ids)
    # An item is overdue once its due day is over where its owner is (see _action_rows):
    # each owner's timezone from the people read (a director's, for anyone else), one
    # date per timezone.
    zone_of = {p.id: p.timezone for p in people.values()}
    days: dict[str, date] = {}

    def today_of(zone: str) -> date:
        if zone not in days:
            days[zone] = now.astimezone(ZoneInfo(zone)).date()
        return days[zone]

    for entry in directors:
        director = people.get(entry.key)
        if director is None:
            continue
        own = next((p for p in all_pairs if p.report.id == director.id), None)
        team = [status(p) for p in all_pairs if p.manager.id == director.id]
        # Action items of every pair the director is in (with their manager, their team).
        mine = [a for a, parties in actions if director.id in parties]
        out.append(DirectorOneOnOnes(
            key=entry.key, name=entry.name, own=status(own) if own else None, team=team,
            open_actions=len(mine), overdue_actions=sum(
                1 for a in mine if a.due < today_of(zone_of.get(a.owner_id, entry.timezone)))))
    return out


def _needs_attention(d: DirectorOneOnOnes) -> bool:
    """Something of this director's is overdue: a one-on-one or an action item."""
    return (d.own is not None and d.own.overdue) or any(p.overdue for p in d.team) \
        or d.overdue_actions > 0


def render_overview(renderer: Renderer, locale: str, markup: str,
                    overview: list[DirectorOneOnOnes], timezone: str,
                    bounded: bool = True) -> str:
    """The overview as text for a reader in `timezone` (the GM): for the CLI, and for the
    GM's summary to include.

    `bounded` (chat): at most DIRECTORS_SHOWN directors and NAMES_SHOWN pairs of each
    director's team, the overdue first, then how many more; an org that fits reads as
    before. The CLI passes False and prints everyone.
    """
    def when(moment: datetime | None) -> dict[str, Any] | None:
        return as_params(moment, timezone) if moment else None

    def pair(p: PairStatus, twins: Collection[str] = ()) -> dict[str, Any]:
        # Two of a director's reports with one name are told apart by key (see Told).
        report = f"{p.report_name} (@{p.report})" if p.report_name in twins else p.report_name
        return {"manager": p.manager_name, "report": report, "last": when(p.last_held),
                "next": when(p.next), "overdue": p.overdue, "missed": when(p.missed),
                "missed_reason": p.missed_reason}

    shown = overview
    attention = sum(1 for d in overview if _needs_attention(d))
    if bounded and len(overview) > DIRECTORS_SHOWN:
        # Stable: those with something overdue first, each group in the org file's order.
        shown = sorted(overview, key=lambda d: not _needs_attention(d))[:DIRECTORS_SHOWN]
    rows = []
    for d in shown:
        team = d.team
        if bounded and len(team) > NAMES_SHOWN:
            team = sorted(team, key=lambda p: not p.overdue)
        rest = team[NAMES_SHOWN:] if bounded else []
        twins = {n for n, count in Counter(p.report_name for p in team).items() if count > 1}
        rows.append({"name": d.name, "own": pair(d.own) if d.own else None,
                     "team": [pair(p, twins) for p in team[:len(team) - len(rest)]],
                     "team_more": len(rest), "team_more_overdue": sum(p.overdue for p in rest),
                     "open_actions": d.open_actions, "overdue_actions": d.overdue_actions})
    return renderer.message(locale, "oo_overview", markup, directors=rows,
                            total=len(overview), attention=attention)

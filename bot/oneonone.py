"""One-on-one cadence: the org file's `oneonones:` section and when each pair meets.

Occurrences are computed from the cadence, never stored as jobs: a periodic sweep asks
which reminders and prompts are due now. Times are wall-clock times in the manager's
timezone, converted with zoneinfo, so a weekly 10:00 stays 10:00 across a DST change.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from bot.text import Problem, joined, where_zh

CadenceName = Literal["weekly", "biweekly", "monthly"]
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: A Monday: biweekly pairs meet in the weeks an even number of weeks from it.
BIWEEKLY_ANCHOR = date(2026, 1, 5)
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class CadenceEntry(BaseModel):
    """Cadence fields as written in the org file; unset fields come from the wider rule."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    cadence: CadenceName | None = None
    day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] | None = None
    time: str | None = None
    duration: int | None = Field(default=None, ge=5, le=480)
    enabled: bool | None = None


class PairEntry(CadenceEntry):
    """One pair's settings: `report` is the person's key (their manager comes from the file)."""

    report: str


class OneOnOnesEntry(BaseModel):
    """The `oneonones:` section."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    default: CadenceEntry = CadenceEntry()
    roles: dict[str, CadenceEntry] = {}
    teams: dict[str, CadenceEntry] = {}
    pairs: list[PairEntry] = []
    remind_day_before: bool = True
    remind_minutes_before: int = Field(default=15, ge=1, le=720)
    feedback_overdue_days: int = Field(default=14, ge=1, le=365)
    # Checked by build_settings, which names the setting in its messages.
    working_hours: str = "07:00-21:00"
    working_days: Any = ["mon", "tue", "wed", "thu", "fri"]


@dataclass(frozen=True)
class WorkingHours:
    """The hours a one-on-one should fall within, on `days`, in each person's own timezone
    (`oneonones.working_hours` and `working_days`).

    The org file sets a pair's time in the manager's timezone, and 10:00 in New York is
    23:00 in Shanghai. 07:00-21:00 by default, wider than office hours on purpose: New
    York and Shanghai share no office hours, and 19:30 in New York (08:30 in Shanghai,
    07:30 in the summer) is how such pairs meet.
    """

    start: time = time(7, 0)
    end: time = time(21, 0)
    days: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday is 0

    def off(self, start: datetime, minutes: int, timezone: str) -> bool:
        """Whether a meeting starting at `start` (UTC) for `minutes` falls, for someone in
        `timezone`, on a day off or outside start-end (or across midnight)."""
        begin = local(start, timezone)
        end = begin + timedelta(minutes=minutes)  # (wall-clock: a meeting is never hours long)
        return (begin.weekday() not in self.days or begin.time() < self.start
                or end.date() != begin.date() or end.time() > self.end)

    def run(self) -> tuple[int, int] | None:
        """The first and last day when the days are one run (Mon-Fri; Sun-Thu across the
        week's end; one day alone); None when they are not, or every day."""
        if len(self.days) == 7:
            return None
        firsts = [d for d in self.days if (d - 1) % 7 not in self.days]
        if len(firsts) != 1:
            return None
        return firsts[0], (firsts[0] + len(self.days) - 1) % 7

    def params(self) -> dict[str, Any]:
        """What templates need to say the hours (templates/*/messages/oneonone.j2,
        oo_working_hours)."""
        return {"start": self.start.strftime("%H:%M"), "end": self.end.strftime("%H:%M"),
                "days": list(self.days), "run": self.run()}

    def text(self) -> str:
        """'07:00-21:00, Monday to Friday', for the command line's plain report."""
        names = [FULL_DAY_NAMES[d] for d in self.days]
        run = self.run()
        days = ("every day" if len(self.days) == 7 else
                names[0] if len(names) == 1 else
                f"{FULL_DAY_NAMES[run[0]]} to {FULL_DAY_NAMES[run[1]]}" if run else
                joined(names))
        return f"{self.start:%H:%M}-{self.end:%H:%M}, {days}"


FULL_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
                  "Sunday")


@dataclass(frozen=True)
class Cadence:
    """When one pair meets: how often, on which weekday, at what local time, for how long."""

    cadence: CadenceName = "biweekly"
    day: int = 1  # Tuesday
    time: time = time(10, 0)
    duration: int = 30
    enabled: bool = True

    def merged(self, entry: CadenceEntry | None) -> Cadence:
        """This cadence with the fields an org-file entry sets."""
        if entry is None:
            return self
        return Cadence(
            cadence=entry.cadence or self.cadence,
            day=DAY_NAMES.index(entry.day) if entry.day else self.day,
            time=parse_time(entry.time) if entry.time and parse_time(entry.time) else self.time,
            duration=entry.duration or self.duration,
            enabled=self.enabled if entry.enabled is None else entry.enabled)


@dataclass(frozen=True)
class OneOnOneSettings:
    """The org's one-on-one rules: a default, then per role, per team and per pair."""

    default: CadenceEntry = field(default_factory=CadenceEntry)
    roles: dict[str, CadenceEntry] = field(default_factory=dict)
    teams: dict[str, CadenceEntry] = field(default_factory=dict)
    pairs: dict[str, CadenceEntry] = field(default_factory=dict)
    remind_day_before: bool = True
    remind_minutes_before: int = 15
    feedback_overdue_days: int = 14
    hours: WorkingHours = field(default_factory=WorkingHours)

    def cadence_for(self, role: str, team: str | None, report_key: str) -> Cadence:
        """A report's cadence with their manager: pair beats team beats role beats default."""
        result = Cadence().merged(self.default).merged(self.roles.get(role))
        if team is not None:
            result = result.merged(self.teams.get(team))
        return result.merged(self.pairs.get(report_key))


def parse_time(text: str) -> time | None:
    """'9:30' -> 09:30; None when it is not a 24-hour time."""
    match = _TIME.match(text.strip())
    return time(int(match.group(1)), int(match.group(2))) if match else None


def build_settings(entry: OneOnOnesEntry, people: dict[str, tuple[str | None, str | None]],
                   problems: list[str]) -> OneOnOneSettings:
    """Validate the section against the people (key -> (manager, team)), noting problems."""
    teams = {team for _, team in people.values() if team}
    for where, item in ([("oneonones.default", entry.default)]
                        + [(f"oneonones.roles.{k}", v) for k, v in entry.roles.items()]
                        + [(f"oneonones.teams.{k}", v) for k, v in entry.teams.items()]
                        + [(f"oneonones.pairs[{i}] ({p.report!r})", p)
                           for i, p in enumerate(entry.pairs)]):
        if item.time is not None and parse_time(item.time) is None:
            problems.append(Problem(
                f"{where}: time {item.time!r} must be HH:MM (24-hour), for example 09:30",
                f"{where_zh(where)}：time {item.time!r} 必须是 HH:MM（24 小时制），例如 09:30"))
    for role in entry.roles:
        if role not in ("gm", "director", "member"):
            problems.append(Problem(
                f"oneonones.roles: {role!r} is not a role (gm, director, member)",
                f"oneonones.roles：{role!r} 不是角色（gm、director、member）"))
    for team in entry.teams:
        if team not in teams:
            problems.append(Problem(f"oneonones.teams: nobody is in team {team!r}",
                                    f"oneonones.teams：没有人在团队 {team!r} 中"))
    pairs: dict[str, CadenceEntry] = {}
    for i, p in enumerate(entry.pairs):
        where = f"oneonones.pairs[{i}] ({p.report!r})"
        if p.report not in people:
            problems.append(Problem(f"{where}: {p.report!r} is not a person in this file",
                                    f"{where_zh(where)}：{p.report!r} 不是本文件中的人"))
        elif people[p.report][0] is None:
            problems.append(Problem(
                f"{where}: {p.report!r} has no manager, so has no one-on-one",
                f"{where_zh(where)}：{p.report!r} 没有上级，因此没有一对一"))
        if p.report in pairs:
            problems.append(Problem(f"{where}: the pair is listed twice",
                                    f"{where_zh(where)}：这一对列了两次"))
        pairs[p.report] = p
    return OneOnOneSettings(default=entry.default, roles=dict(entry.roles),
                            teams=dict(entry.teams), pairs=pairs,
                            remind_day_before=entry.remind_day_before,
                            remind_minutes_before=entry.remind_minutes_before,
                            feedback_overdue_days=entry.feedback_overdue_days,
                            hours=_working_hours(entry, problems))


_HOURS = re.compile(r"^\s*(\S+?)\s*[-–~]\s*(\S+?)\s*$")


def _working_hours(entry: OneOnOnesEntry, problems: list[str]) -> WorkingHours:
    """`oneonones.working_hours` ("07:00-21:00") and `working_days` ([mon, ..., fri]),
    checked; the default for a bad one (its problem noted)."""
    default = WorkingHours()
    start, end = default.start, default.end
    text = str(entry.working_hours)
    match = _HOURS.match(text)
    if match is None:
        problems.append(Problem(
            f"oneonones.working_hours: {text!r} must be a start and an end, "
            'HH:MM-HH:MM (24-hour), for example "07:00-21:00"',
            f"oneonones.working_hours：{text!r} 必须是开始和结束时间，HH:MM-HH:MM（24 小时制），"
            '例如 "07:00-21:00"'))
    else:
        first, last = (parse_time(part) for part in match.groups())
        if first is None or last is None:
            bad = match.group(1) if first is None else match.group(2)
            problems.append(Problem(
                f"oneonones.working_hours: {bad!r} in {text!r} is not a time "
                'of day (HH:MM, 24-hour, 00:00 to 23:59; for example "07:00-21:00")',
                f"oneonones.working_hours：{text!r} 中的 {bad!r} 不是一天中的时间"
                '（HH:MM，24 小时制，00:00 到 23:59；例如 "07:00-21:00"）'))
        elif last <= first:
            problems.append(Problem(
                f"oneonones.working_hours: {text!r} ends before it starts (the "
                "hours are one day's, in each person's timezone, and cannot run "
                "past midnight)",
                f"oneonones.working_hours：{text!r} 的结束早于开始（这是每个人所在时区中"
                "同一天的时段，不能跨过午夜）"))
        else:
            start, end = first, last
    days = default.days
    value = entry.working_days
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        problems.append(Problem(
            f"oneonones.working_days: {entry.working_days!r} must be a list of "
            "days, for example [mon, tue, wed, thu, fri]",
            f"oneonones.working_days：{entry.working_days!r} 必须是星期几的列表，"
            "例如 [mon, tue, wed, thu, fri]"))
        return WorkingHours(start, end, days)
    found: list[int] = []
    for item in value:
        name = str(item).strip().lower()
        if name not in DAY_NAMES:
            problems.append(Problem(
                f"oneonones.working_days: {item!r} is not a day (use {', '.join(DAY_NAMES)})",
                f"oneonones.working_days：{item!r} 不是星期几（请用 {'、'.join(DAY_NAMES)}）"))
        elif DAY_NAMES.index(name) in found:
            problems.append(Problem(f"oneonones.working_days: {name!r} is listed twice",
                                    f"oneonones.working_days：{name!r} 列了两次"))
        else:
            found.append(DAY_NAMES.index(name))
    if len(found) == len(value):
        days = tuple(sorted(found))
    return WorkingHours(start, end, days)


def occurrence_dates(cadence: Cadence, first: date, last: date) -> list[date]:
    """The local dates in [first, last] on which a pair with this cadence meets."""
    out: list[date] = []
    if cadence.cadence == "monthly":
        # The first <day> of each month.
        month = date(first.year, first.month, 1)
        while month <= last:
            day = month + timedelta(days=(cadence.day - month.weekday()) % 7)
            if first <= day <= last:
                out.append(day)
            month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        return out
    day = first + timedelta(days=(cadence.day - first.weekday()) % 7)
    while day <= last:
        if cadence.cadence == "weekly" or ((day - BIWEEKLY_ANCHOR).days // 7) % 2 == 0:
            out.append(day)
        day += timedelta(days=7)
    return out


def slot_start(cadence: Cadence, day: date, timezone: str) -> datetime:
    """The UTC start of the meeting on a local date in the manager's timezone."""
    return datetime.combine(day, cadence.time, tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def local(when: datetime, timezone: str) -> datetime:
    """A UTC time as wall-clock time in a timezone."""
    return when.astimezone(ZoneInfo(timezone))


def day_before(when: datetime, timezone: str) -> datetime:
    """The UTC moment one calendar day before `when` at the same wall-clock time in
    `timezone`: a day-before reminder reads the reader's clock, and 24 hours in UTC is
    an hour off it when the clocks change overnight. (A time the clocks skip that day is
    the hour after; one they show twice, the first.)"""
    moment = local(when, timezone)
    earlier = datetime.combine(moment.date() - timedelta(days=1), moment.time(),
                               tzinfo=moment.tzinfo)
    return earlier.astimezone(UTC)


def as_params(when: datetime, timezone: str) -> dict[str, Any]:
    """What templates need to show a time in someone's own timezone."""
    moment = local(when, timezone)
    return {"when": wall_time(moment), "weekday": moment.weekday(), "tz": timezone}


def wall_time(moment: datetime) -> str:
    """A local time as its clock reads it, with its UTC offset when the clock reads it
    twice that night (the hour a fall-back repeats: Sydney's 02:30 on 2027-04-04 is
    15:30 and 16:30 UTC), so that a meeting there is not joined an hour early or late."""
    text = moment.strftime("%Y-%m-%d %H:%M")
    offset = moment.utcoffset()
    if offset is None or moment.replace(fold=1 - moment.fold).utcoffset() == offset:
        return text
    minutes = int(offset.total_seconds()) // 60
    sign, minutes = ("-", -minutes) if minutes < 0 else ("+", minutes)
    hours, rest = divmod(minutes, 60)
    return f"{text} UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


#: check-org tries a pair's slot on its next meeting day and every quarter after it for a
#: year: today and half a year later were both summer time from mid-March to early May in
#: New York (its summer is 34 weeks long), so a slot off hours only in winter went unseen.
#: Each side of a change lasts longer than a quarter wherever clocks change twice a year.
PROBE_EVERY, PROBES = timedelta(weeks=13), 4


@dataclass(frozen=True)
class OffHours:
    """A pair's usual slot that falls outside someone's working hours."""

    manager: str  # keys
    report: str
    person: str  # which of the two it is outside working hours for
    slot: datetime  # the slot in the manager's timezone (the org file's time)
    local: datetime  # the same moment in `person`'s timezone


def file_pairs(entries: list[Any], settings: OneOnOneSettings
               ) -> Iterator[tuple[Any, Any, Cadence]]:
    """The org file's enabled pairs: (report entry, manager entry, cadence)."""
    by_key = {e.key: e for e in entries}
    for entry in entries:
        manager = by_key.get(entry.manager) if entry.manager else None
        if manager is None:
            continue
        cadence = settings.cadence_for(entry.role, entry.team, entry.key)
        if cadence.enabled:
            yield entry, manager, cadence


def pairs_off_hours(entries: list[Any], settings: OneOnOneSettings, today: date
                    ) -> list[OffHours]:
    """The org file's pairs (people `entries` with a manager, enabled) whose usual slot is
    outside working hours for the report or the manager: tried on the next meeting day
    from `today` and every PROBE_EVERY after it for a year, on both sides of any
    daylight-saving change (Shanghai keeps none, New York does: 10:00 there is 22:00 or
    23:00)."""
    found: list[OffHours] = []
    for entry, manager, cadence in file_pairs(entries, settings):
        first = today + timedelta(days=(cadence.day - today.weekday()) % 7)
        for person in (entry, manager):
            for day in (first + PROBE_EVERY * i for i in range(PROBES)):
                start = slot_start(cadence, day, manager.timezone)
                if settings.hours.off(start, cadence.duration, person.timezone):
                    found.append(OffHours(manager.key, entry.key, person.key,
                                          local(start, manager.timezone),
                                          local(start, person.timezone)))
                    break
    return found


#: How far ahead check-org looks for one-on-ones at the same time: a quarter holds every
#: weekly, biweekly and monthly slot more than once.
CLASH_HORIZON = timedelta(weeks=13)


@dataclass(frozen=True)
class Clash:
    """One-on-ones someone has at the same time: with each of `others` (keys, in the org
    file's order), first on `first` (in `person`'s timezone)."""

    person: str
    others: tuple[str, ...]
    first: datetime


def pairs_at_once(entries: list[Any], settings: OneOnOneSettings, today: date
                  ) -> list[Clash]:
    """Where the org file's rules book someone into two or more one-on-ones at once: a
    manager whose reports all meet them at the default Tue 10:00, or a director whose
    one-on-one with their own manager falls at the time of one with their team. Tried
    over the CLASH_HORIZON from `today`; each set of clashing pairs named once, at its
    first meeting. Moves and skips made in chat are not the file's, and not looked at."""
    by_key = {e.key: e for e in entries}
    order = {e.key: i for i, e in enumerate(entries)}
    meetings: dict[str, list[tuple[datetime, datetime, str]]] = {}
    for entry, manager, cadence in file_pairs(entries, settings):
        length = timedelta(minutes=cadence.duration)
        for day in occurrence_dates(cadence, today, today + CLASH_HORIZON):
            start = slot_start(cadence, day, manager.timezone)
            meetings.setdefault(manager.key, []).append((start, start + length, entry.key))
            meetings.setdefault(entry.key, []).append((start, start + length, manager.key))
    found: list[Clash] = []
    for key in sorted(meetings, key=order.__getitem__):
        seen: set[frozenset[str]] = set()
        starts: dict[datetime, list[tuple[datetime, str]]] = {}
        for start, end, other in meetings[key]:
            starts.setdefault(start, []).append((end, other))
        active: list[tuple[datetime, str]] = []
        # Who meets them at each moment a meeting starts (the meetings going on then):
        # Alice at 10:00-10:30, 李雷 at 10:15 and Bruno at 10:30 are two clashes, not one.
        # (Once per moment: a GM's thousands of directors at the default slot start at one.)
        for start in sorted(starts):
            active = [m for m in active if m[0] > start] + starts[start]
            others = frozenset(m[1] for m in active)
            if len(others) > 1 and others not in seen:
                seen.add(others)
                found.append(Clash(key, tuple(sorted(others, key=order.__getitem__)),
                                   local(start, by_key[key].timezone)))
    return found

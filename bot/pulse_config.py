"""The org file's `pulse:` section: cadence, audience, threshold, alerts, care, questions.

Pulse polls are anonymous; the settings here decide when they run, who is asked,
the smallest group whose results may be shown, and when the GM is alerted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.config import day_index
from bot.text import Problem

#: The most polls a trend shows (/pulse results last N, `teampulse pulse results --last N`):
#: a larger N shows this many.
MAX_TREND_POLLS = 24

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: Never show a group smaller than this, whatever the org file says.
MIN_THRESHOLD = 3
#: The built-in questions, always asked first.
BUILTIN_KEYS = ("morale", "stress")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PulseQuestionEntry(_Strict):
    """A custom pulse question: a 1–5 scale or a choice, with a prompt per locale."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,40}$")
    type: Literal["scale", "choice"] = "scale"
    prompt: dict[str, str]
    choices: list[dict[str, str]] = []


class AudienceEntry(_Strict):
    """Who is asked: people with one of these roles, or in one of these teams (empty: all)."""

    roles: list[Literal["gm", "director", "member"]] = []
    teams: list[str] = []


class AlertsEntry(_Strict):
    """When the GM and a team's director hear about a slice."""

    morale_drop: float = Field(default=0.5, gt=0, le=4)
    stress_above: float = Field(default=3.5, ge=1, le=5)
    window: int = Field(default=3, ge=1, le=12)


class SupportEntry(_Strict):
    """A support resource offered privately after a high-stress answer."""

    label: str | dict[str, str]
    contact: str = ""


class PulseEntry(_Strict):
    """The `pulse:` section of the org file."""

    enabled: bool = True
    every_weeks: int = Field(default=2, ge=1, le=12)
    weekday: str = "wed"
    time: str = Field(default="11:00", pattern=r"^\d{1,2}:\d{2}$")
    #: A date in the first week of the cadence (which Wednesdays of the fortnight).
    first_week: date = date(2026, 1, 5)
    close_after_days: int = Field(default=3, ge=1, le=14)
    remind_after_hours: int = Field(default=24, ge=1, le=24 * 13)
    threshold: int = Field(default=5, ge=1, le=100)
    audience: AudienceEntry = AudienceEntry()
    alerts: AlertsEntry = AlertsEntry()
    #: Read and checked so that older org files still load; it no longer chooses who gets
    #: the care note: everyone does (handlers.pulse._answer).
    care_stress_at: int = Field(default=4, ge=1, le=5)
    support: list[SupportEntry] = []
    questions: list[PulseQuestionEntry] = []


@dataclass(frozen=True)
class PulseQuestion:
    """A pulse question: 'scale' (1–5) or 'choice' (labels per locale, stored by index)."""

    key: str
    kind: str = "scale"
    prompt: dict[str, str] = field(default_factory=dict)
    choices: tuple[dict[str, str], ...] = ()

    def to_dict(self) -> dict[str, object]:
        """JSON form, snapshotted in a poll so later org edits never change its meaning."""
        return {"key": self.key, "kind": self.kind, "prompt": dict(self.prompt),
                "choices": [dict(c) for c in self.choices]}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> PulseQuestion:
        """Inverse of to_dict."""
        return cls(key=str(data["key"]), kind=str(data.get("kind", "scale")),
                   prompt=dict(data.get("prompt") or {}),  # type: ignore[call-overload]
                   choices=tuple(dict(c) for c in data.get("choices") or ()))  # type: ignore[attr-defined]

    def options(self) -> int:
        """How many answers there are (5 on a scale)."""
        return 5 if self.kind == "scale" else len(self.choices)


@dataclass(frozen=True)
class SupportResource:
    """A support line or service: its label per locale and how to reach it."""

    label: dict[str, str]
    contact: str = ""

    def label_for(self, locale: str) -> str:
        """The label in a locale (English as fallback)."""
        return self.label.get(locale) or self.label.get("en") or next(iter(self.label.values()), "")


@dataclass(frozen=True)
class PulseSettings:
    """Validated pulse settings (defaults: every second Wednesday 11:00, threshold 5)."""

    enabled: bool = True
    every_weeks: int = 2
    weekday: int = 2
    at: time = time(11, 0)
    first_week: date = date(2026, 1, 5)
    close_after_days: int = 3
    remind_after_hours: int = 24
    threshold: int = 5
    roles: frozenset[str] = frozenset()
    teams: frozenset[str] = frozenset()
    morale_drop: float = 0.5
    stress_above: float = 3.5
    alert_window: int = 3
    care_stress_at: int = 4
    support: tuple[SupportResource, ...] = ()
    questions: tuple[PulseQuestion, ...] = ()

    def all_questions(self) -> list[PulseQuestion]:
        """Morale and stress, then the org's own questions."""
        return [PulseQuestion(k) for k in BUILTIN_KEYS] + list(self.questions)


def build_pulse(entry: PulseEntry, problems: list[str]) -> PulseSettings:
    """Check the `pulse:` section (problems are appended) and build its settings."""
    day = day_index(entry.weekday)
    if day is None:
        problems.append(Problem(
            f"pulse.weekday: {entry.weekday!r} is not a weekday (mon … sun)",
            f"pulse.weekday：{entry.weekday!r} 不是星期几（mon … sun）"))
        day = WEEKDAYS.index("wed")
    weekday = WEEKDAYS[day]
    hour, minute = (int(x) for x in entry.time.split(":"))
    if hour > 23 or minute > 59:
        problems.append(Problem(f"pulse.time: {entry.time!r} is not a time of day (HH:MM)",
                                f"pulse.time：{entry.time!r} 不是一天中的时间（HH:MM）"))
        hour, minute = 11, 0
    if entry.threshold < MIN_THRESHOLD:
        problems.append(Problem(
            f"pulse.threshold: {entry.threshold} is too small; results of groups "
            f"under {MIN_THRESHOLD} people would identify them",
            f"pulse.threshold：{entry.threshold} 太小；不到 {MIN_THRESHOLD} 人的小组的结果"
            "会暴露答题人"))
    days = entry.every_weeks * 7
    if entry.close_after_days >= days:
        # The next poll would go out with this one still open: people asked the new one
        # with the old one unfinished, two polls open at once. Refused, not shortened: the
        # operator chose both numbers, and which one to change is theirs to say.
        problems.append(Problem(
            f"pulse.close_after_days: {entry.close_after_days} would keep a poll "
            f"open until the next one is sent (every_weeks: {entry.every_weeks}, "
            f"a poll every {days} days); use at most {days - 1}",
            f"pulse.close_after_days：{entry.close_after_days} 会让调查一直开到下一次发出"
            f"（every_weeks: {entry.every_weeks}，每 {days} 天一次）；最多用 {days - 1}"))
    hours = entry.close_after_days * 24
    if entry.remind_after_hours >= hours:
        # The poll would close before (or as) its one reminder is due: no reminder would
        # ever go, which the operator who set one did not mean. Refused, as above: which
        # of the two numbers is wrong is theirs to say.
        problems.append(Problem(
            f"pulse.remind_after_hours: {entry.remind_after_hours} is not before the poll "
            f"closes (close_after_days: {entry.close_after_days}, {hours} hours): the "
            f"reminder would never be sent; use at most {hours - 1}, or keep the poll "
            "open longer",
            f"pulse.remind_after_hours：{entry.remind_after_hours} 不早于调查关闭的时间"
            f"（close_after_days: {entry.close_after_days}，即 {hours} 小时）：提醒永远不会"
            f"发出；最多用 {hours - 1}，或让调查开放更久"))
    keys = set(BUILTIN_KEYS)
    questions = []
    for i, q in enumerate(entry.questions):
        if q.key in keys:
            problems.append(Problem(f"pulse.questions[{i}]: key {q.key!r} is used twice",
                                    f"pulse.questions[{i}]：key {q.key!r} 用了两次"))
        keys.add(q.key)
        if "en" not in q.prompt:
            problems.append(Problem(
                f"pulse.questions[{i}] ({q.key}): prompt needs an 'en' text",
                f"pulse.questions[{i}]（{q.key}）：prompt 需要一段 'en' 文本"))
        if q.type == "choice" and not 2 <= len(q.choices) <= 8:
            problems.append(Problem(
                f"pulse.questions[{i}] ({q.key}): a choice needs 2 to 8 choices",
                f"pulse.questions[{i}]（{q.key}）：选择题需要 2 到 8 个选项"))
        questions.append(PulseQuestion(q.key, q.type, dict(q.prompt),
                                       tuple(dict(c) for c in q.choices)))
    support = tuple(SupportResource(s.label if isinstance(s.label, dict) else {"en": s.label},
                                    s.contact) for s in entry.support)
    return PulseSettings(
        enabled=entry.enabled, every_weeks=entry.every_weeks, weekday=WEEKDAYS.index(weekday),
        at=time(hour, minute), first_week=entry.first_week,
        close_after_days=entry.close_after_days, remind_after_hours=entry.remind_after_hours,
        threshold=max(MIN_THRESHOLD, entry.threshold), roles=frozenset(entry.audience.roles),
        teams=frozenset(t.casefold() for t in entry.audience.teams),
        morale_drop=entry.alerts.morale_drop, stress_above=entry.alerts.stress_above,
        alert_window=entry.alerts.window, care_stress_at=entry.care_stress_at,
        support=support, questions=tuple(questions))

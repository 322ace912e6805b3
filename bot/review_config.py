"""The org file's `reviews:` section: 360° reviews started on a schedule.

    reviews:
      schedule: quarterly   # off (default), monthly, quarterly, half-yearly or yearly
      start_month: 1        # the month periods are counted from (1: Jan-Mar is a quarter;
                            # 12: Dec-Feb is, across the turn of the year)
      day: 1                # the period's Nth working day (Mon-Fri), 1 to 20
      time: "10:00"         # in the GM's timezone
      directors: all        # or a list of director keys
      open_days: 14         # the review closes this many days after it starts
      peers: 8              # the most peers one review asks (default 8), or all
      remind_days: 2        # raters not done are reminded this many days before the
                            # close (default 2; 0: no reminder)

At that moment the leader's scheduler starts a review of each director named (at most
once per director and period, across restarts), and closes it `open_days` later,
sending the report to the GM and the director as `/review close` does.

`peers` holds for every review, also one the GM starts with `/review start`: who works
closest with the director is asked first (see handlers.review.raters).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from bot.text import Problem

#: How many months each schedule's period lasts.
SCHEDULES = {"monthly": 1, "quarterly": 3, "half-yearly": 6, "yearly": 12}
MAX_DAY = 20  # every month has at least 20 working days
MAX_OPEN_DAYS = 60
#: A peer or report group is shown only with at least this many answers (anonymity).
MIN_GROUP = 3
#: The most peers one review asks unless the org file says otherwise: a 360° review asks a
#: handful who work with the director, not every director of a large org.
DEFAULT_PEERS = 8
#: How many days before a scheduled review closes its raters not done are reminded.
DEFAULT_REMIND_DAYS = 2


class ReviewsEntry(BaseModel):
    """The `reviews:` section as written in the org file."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    # YAML reads a bare `off` (or `no`) as false.
    schedule: bool | str = "off"
    start_month: int = 1
    day: int = 1
    time: str = "10:00"
    directors: Literal["all"] | list[str] = "all"
    open_days: int = Field(default=14)
    # Any: a word or a fraction gets build_reviews' message, not pydantic's.
    peers: Any = DEFAULT_PEERS
    remind_days: int = DEFAULT_REMIND_DAYS


@dataclass(frozen=True)
class ReviewSchedule:
    """Validated schedule; `months` 0 means off."""

    months: int = 0
    name: str = "off"
    start_month: int = 1
    day: int = 1
    at: time = time(10, 0)
    directors: tuple[str, ...] | None = None  # None: every director
    open_days: int = 14
    peers: int | None = DEFAULT_PEERS  # the most peers a review asks; None: every director
    remind_days: int = DEFAULT_REMIND_DAYS  # 0: no reminder

    @property
    def enabled(self) -> bool:
        """Whether reviews start on their own."""
        return self.months > 0

    def period_start(self, day: date) -> date:
        """The first day of the period `day` falls in."""
        index = day.year * 12 + day.month - 1 - (self.start_month - 1)
        first = index - index % self.months + (self.start_month - 1)
        return date(first // 12, first % 12 + 1, 1)

    def next_period(self, start: date) -> date:
        """The first day of the period after the one starting on `start`."""
        index = start.year * 12 + start.month - 1 + self.months
        return date(index // 12, index % 12 + 1, 1)

    def period_key(self, start: date) -> str:
        """A period's name for the dedupe claim: 'quarterly:2026-12'."""
        return f"{self.name}:{start:%Y-%m}"

    def starts_at(self, start: date, timezone: str) -> datetime:
        """When the reviews of the period starting on `start` begin: its `day`-th working
        day at `at`, in `timezone` (the GM's)."""
        day, count = start, 0
        while True:
            if day.weekday() < 5:
                count += 1
                if count == self.day:
                    break
            day += timedelta(days=1)
        return datetime.combine(day, self.at, tzinfo=ZoneInfo(timezone))


def build_reviews(entry: ReviewsEntry, directors: dict[str, str], problems: list[str]
                  ) -> ReviewSchedule:
    """Check the `reviews:` section (problems are appended) and build its schedule.

    `directors` maps every person's key to their role.
    """
    name = "off" if entry.schedule is False else str(entry.schedule).lower()
    if name not in SCHEDULES and name != "off":
        problems.append(Problem(
            f"reviews.schedule: {entry.schedule!r} is not a schedule (use off, "
            f"{', '.join(SCHEDULES)})",
            f"reviews.schedule：{entry.schedule!r} 不是排期（请用 off、{'、'.join(SCHEDULES)}）"))
        name = "off"
    if not 1 <= entry.start_month <= 12:
        problems.append(Problem(
            f"reviews.start_month: {entry.start_month} is not a month (1 to 12)",
            f"reviews.start_month：{entry.start_month} 不是月份（1 到 12）"))
    if not 1 <= entry.day <= MAX_DAY:
        problems.append(Problem(
            f"reviews.day: {entry.day} is not a working day of the period "
            f"(1 to {MAX_DAY}: 1 is the period's first Monday-to-Friday day)",
            f"reviews.day：{entry.day} 不是该周期的工作日（1 到 {MAX_DAY}：1 是该周期的"
            "第一个周一至周五的日子）"))
    at = time(10, 0)
    try:
        hour, minute = (int(x) for x in entry.time.split(":"))
        at = time(hour, minute)
    except ValueError:
        problems.append(Problem(
            f"reviews.time: {entry.time!r} is not a time of day (HH:MM, in the GM's timezone)",
            f"reviews.time：{entry.time!r} 不是一天中的时间（HH:MM，GM 所在时区）"))
    limit = 20 if name == "monthly" else MAX_OPEN_DAYS
    if not 1 <= entry.open_days <= limit:
        problems.append(Problem(
            f"reviews.open_days: {entry.open_days} is out of range (1 to {limit} "
            f"days{' for a monthly schedule' if name == 'monthly' else ''}), so a "
            "review closes before the next one starts",
            f"reviews.open_days：{entry.open_days} 超出范围"
            f"（{'按月排期时' if name == 'monthly' else ''}1 到 {limit} 天），"
            "这样评估才会在下一次开始前结束"))
    remind_days = entry.remind_days
    if not 0 <= remind_days < MAX_OPEN_DAYS:
        problems.append(Problem(
            f"reviews.remind_days: {remind_days} is out of range (0 to "
            f"{MAX_OPEN_DAYS - 1} days before a review closes; 0: no reminder)",
            f"reviews.remind_days：{remind_days} 超出范围（评估结束前 0 到 {MAX_OPEN_DAYS - 1} 天；"
            "0：不提醒）"))
        remind_days = DEFAULT_REMIND_DAYS
    elif "remind_days" in entry.model_fields_set and remind_days >= entry.open_days >= 1:
        # (The default of 2 stays valid beside a short open_days, as before the setting:
        # the reminder then comes a day after the start.)
        problems.append(Problem(
            f"reviews.remind_days: {remind_days} is not before the close: a "
            f"review is open {entry.open_days} days (open_days), so use 0 to "
            f"{entry.open_days - 1}",
            f"reviews.remind_days：{remind_days} 不在结束之前：评估开放 {entry.open_days} 天"
            f"（open_days），所以请用 0 到 {entry.open_days - 1}"))
    keys: tuple[str, ...] | None = None
    if entry.directors != "all":
        keys = tuple(entry.directors)
        if not keys:
            problems.append(Problem(
                "reviews.directors: the list is empty (use all, or name directors by key)",
                "reviews.directors：列表是空的（请用 all，或按 key 列出总监）"))
        for key in keys:
            role = directors.get(key)
            if role is None:
                problems.append(Problem(
                    f"reviews.directors: {key!r} is not a person in this file",
                    f"reviews.directors：{key!r} 不是本文件中的人"))
            elif role != "director":
                problems.append(Problem(
                    f"reviews.directors: {key!r} is a {role}, not a director; a "
                    "360° review is of a director",
                    f"reviews.directors：{key!r} 是 {role}，不是总监；360° 评估只针对总监"))
        if len(set(keys)) != len(keys):
            problems.append(Problem("reviews.directors: a director is listed twice",
                                    "reviews.directors：有总监被列了两次"))
    return ReviewSchedule(months=SCHEDULES.get(name, 0), name=name,
                          start_month=min(max(entry.start_month, 1), 12),
                          day=min(max(entry.day, 1), MAX_DAY), at=at, directors=keys,
                          open_days=entry.open_days, peers=_peers(entry.peers, problems),
                          remind_days=remind_days)


def _peers(value: object, problems: list[str]) -> int | None:
    """`reviews.peers`: a whole number of at least MIN_GROUP, or all (None)."""
    if isinstance(value, str):
        if value.strip().lower() == "all":
            return None
        if value.strip().isdigit():
            value = int(value.strip())
    # YAML reads `yes` as true, and true is an int to Python.
    if not isinstance(value, int) or isinstance(value, bool):
        problems.append(Problem(
            f"reviews.peers: {value!r} is not a number of peers (use a whole "
            f"number, {MIN_GROUP} or more, or all for every other director)",
            f"reviews.peers：{value!r} 不是同事人数（请用 {MIN_GROUP} 或以上的整数，"
            "或用 all 表示其他所有总监）"))
        return DEFAULT_PEERS
    if value < MIN_GROUP:
        problems.append(Problem(
            f"reviews.peers: {value} is too few: peers' answers are shown only "
            f"when at least {MIN_GROUP} of them answer, so a review asks "
            f"{MIN_GROUP} or more (or all)",
            f"reviews.peers：{value} 太少：至少 {MIN_GROUP} 位同事作答时才显示同事的回答，"
            f"所以评估要请 {MIN_GROUP} 位或以上（或 all）"))
        return DEFAULT_PEERS
    return value

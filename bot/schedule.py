"""Weekly check-in times in a person's own timezone, correct across daylight-saving changes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger

from bot.config import DAYS, CheckinSchedule
from bot.weeks import current_week, week_start


class WeeklyLocalTrigger(BaseTrigger):
    """Once a week at a local day and time, computed as `last_checkin` and the catch-up do.

    APScheduler's own cron trigger skipped a week whose local time the clocks jumped over
    across midnight (Santiago's Sunday 00:30, Cairo's Friday 00:30; even London's Monday
    00:30 right after summer time began) and fired twice where a fall-back repeats the
    time. Here a skipped time resolves forward and a repeated one fires once, the first
    time: one fire per local week, always.
    """

    __slots__ = ("at", "day", "timezone")

    def __init__(self, day: int, at: time, timezone: ZoneInfo) -> None:
        self.day, self.at, self.timezone = day, at, timezone

    def __getstate__(self) -> dict[str, object]:
        return {"day": self.day, "at": self.at, "timezone": self.timezone.key}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.day, self.at = state["day"], state["at"]
        self.timezone = ZoneInfo(str(state["timezone"]))

    def get_next_fire_time(self, previous_fire_time: datetime | None,
                           now: datetime) -> datetime | None:
        """The first weekly moment at or after `now` (after the previous fire)."""
        start = now
        if previous_fire_time is not None:
            # As APScheduler's cron trigger: a fire missed since the previous one is still
            # named (the scheduler applies the grace period and coalescing to it).
            start = min(now, previous_fire_time + timedelta(microseconds=1))
            if start <= previous_fire_time:
                start = previous_fire_time + timedelta(microseconds=1)
        schedule = CheckinSchedule(self.day, self.at)
        local = start.astimezone(self.timezone).date()
        day = local - timedelta(days=(local.weekday() - self.day) % 7 + 7)
        while True:
            fire = _local(day, schedule, self.timezone)
            if fire >= start:
                return fire
            day += timedelta(weeks=1)

    def __str__(self) -> str:
        return f"weekly[{DAYS[self.day]} {self.at:%H:%M}, {self.timezone.key}]"

    def __repr__(self) -> str:
        return f"<WeeklyLocalTrigger ({self}, timezone='{self.timezone.key}')>"



def checkin_trigger(schedule: CheckinSchedule, timezone: str) -> WeeklyLocalTrigger:
    """The scheduler's trigger for the schedule, in the person's timezone."""
    return WeeklyLocalTrigger(schedule.day, schedule.at, ZoneInfo(timezone))


def next_checkin(schedule: CheckinSchedule, timezone: str, after: datetime) -> datetime:
    """The first scheduled check-in strictly after `after`, in UTC."""
    fire = checkin_trigger(schedule, timezone).get_next_fire_time(None, after + timedelta(
        microseconds=1))
    assert fire is not None  # a weekly cron trigger always has a next time
    return fire.astimezone(UTC)


def last_checkin(schedule: CheckinSchedule, timezone: str, now: datetime) -> datetime:
    """The most recent scheduled check-in at or before `now`, in UTC."""
    tz = ZoneInfo(timezone)
    local_today = now.astimezone(tz).date()
    day = local_today - timedelta(days=(local_today.weekday() - schedule.day) % 7)
    fire = _local(day, schedule, tz)
    if fire > now:
        fire = _local(day - timedelta(weeks=1), schedule, tz)
    return fire


def late_week(schedule: CheckinSchedule, timezone: str, now: datetime,
              grace: timedelta) -> str | None:
    """The week whose check-in moment the weekly job stands for when it runs `now`: that of
    the last moment, if within `grace` of it (the job on time, or late: APScheduler runs a
    job missed within its grace period once, at a start or when a machine that slept wakes,
    and a round of thousands may end after midnight on Sunday); else None (this week).

    Not the week `now` is in: a job late past Monday 00:00 would ask for the week just
    begun, a week early, and nobody for the one it stood for (nor would its next run)."""
    moment = last_checkin(schedule, timezone, now)
    return current_week(moment, timezone) if now - moment <= grace else None


def checkin_moment(schedule: CheckinSchedule, timezone: str, week: str) -> datetime:
    """When a week's check-in is scheduled for someone in a timezone, in UTC."""
    day = week_start(week) + timedelta(days=schedule.day)
    return _local(day, schedule, ZoneInfo(timezone))


def next_checkin_anywhere(schedule: CheckinSchedule, zones: Iterable[str], now: datetime
                          ) -> tuple[datetime, str] | None:
    """The next scheduled check-in after `now` anywhere among `zones` (the timezones of
    those who check in): its moment in UTC and its zone; None with no zone. A fresh
    install said nothing of the check-in going out by itself, nor when."""
    return min(((next_checkin(schedule, zone, now), zone) for zone in set(zones)),
               default=None)


def _local(day: date, schedule: CheckinSchedule, tz: ZoneInfo) -> datetime:
    # A time that does not exist locally (skipped by a spring-forward) resolves forward by
    # the jump; one that happens twice (a fall-back) is its first. The UTC round trip
    # normalises it.
    naive = datetime.combine(day, schedule.at)
    return naive.replace(tzinfo=tz).astimezone(UTC)

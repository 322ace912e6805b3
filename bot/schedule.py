"""Weekly check-in times in a person's own timezone, correct across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.config import CheckinSchedule
from bot.weeks import week_start


def checkin_trigger(schedule: CheckinSchedule, timezone: str) -> CronTrigger:
    """An APScheduler cron trigger for the schedule, in the person's timezone."""
    return CronTrigger(day_of_week=schedule.day_name, hour=schedule.at.hour,
                       minute=schedule.at.minute, timezone=ZoneInfo(timezone))


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


def checkin_moment(schedule: CheckinSchedule, timezone: str, week: str) -> datetime:
    """When a week's check-in is scheduled for someone in a timezone, in UTC."""
    day = week_start(week) + timedelta(days=schedule.day)
    return _local(day, schedule, ZoneInfo(timezone))


def _local(day: date, schedule: CheckinSchedule, tz: ZoneInfo) -> datetime:
    # A time that does not exist locally (skipped by a spring-forward) resolves forward,
    # as APScheduler does; the UTC round trip normalises it.
    naive = datetime.combine(day, schedule.at)
    return naive.replace(tzinfo=tz).astimezone(UTC)

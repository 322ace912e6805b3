"""360° reviews on a schedule (org file: `reviews:`, see bot/review_config.py).

At the period's planned moment (its Nth working day at a time of day, in the GM's
timezone) a review of each scheduled director starts, as `/review start` would; it
closes `open_days` later and the report goes to the GM and the director by DM, as
`/review close` does. Each director's review is claimed once per period in the same
transaction that starts it (storage/review_schedule.py), so a restart, a sweep that
runs twice or a second replica never starts one twice. A bot that was down at the
planned moment starts the reviews when it is back, within the `open_days` window;
later than that the period is skipped rather than a review sprung on people late.
`/review schedule` shows the GM what is planned next and what is open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.review_config import ReviewSchedule
from handlers.context import Context
from handlers.review import close_round, open_round, start_review
from storage.models import Person
from storage.review import ReviewRound
from storage.review_schedule import ReviewScheduleRepo


def gm_timezone(ctx: Context) -> str:
    """The timezone the schedule runs in: the GM's (the org's if there is no GM)."""
    gm = next((p for p in ctx.org.people if p.role == "gm"), None)
    return gm.timezone if gm else ctx.org.timezone


def scheduled_directors(ctx: Context) -> list[Person]:
    """The active directors the schedule reviews, in the org file's order."""
    wanted = ctx.org.reviews.directors
    people = {p.key: p for p in ctx.people.active() if p.role == "director"}
    keys = [p.key for p in ctx.org.people] if wanted is None else list(wanted)
    return [people[k] for k in keys if k in people]


@dataclass(frozen=True)
class Window:
    """The current period and when its reviews start."""

    start: date
    key: str
    label: str
    begins: datetime


def current_window(schedule: ReviewSchedule, now: datetime, timezone: str) -> Window:
    """The period `now` falls in (in `timezone`) and its planned start."""
    start = schedule.period_start(now.astimezone(ZoneInfo(timezone)).date())
    return _window(schedule, start, timezone)


def _window(schedule: ReviewSchedule, start: date, timezone: str) -> Window:
    last = schedule.next_period(start) - timedelta(days=1)
    label = f"{start:%Y-%m}" if schedule.months == 1 else f"{start:%Y-%m} – {last:%Y-%m}"
    return Window(start, schedule.period_key(start), label,
                  schedule.starts_at(start, timezone))


def due_directors(ctx: Context) -> list[str]:
    """Keys of the directors whose review of the current period is due and not started."""
    schedule = ctx.org.reviews
    if not schedule.enabled:
        return []
    now = ctx.clock.now()
    window = current_window(schedule, now, gm_timezone(ctx))
    if not window.begins <= now < window.begins + timedelta(days=schedule.open_days):
        return []
    claimed = ReviewScheduleRepo(ctx.session).claimed(window.key)
    return [p.key for p in scheduled_directors(ctx) if p.key not in claimed]


def start_scheduled(ctx: Context, key: str) -> bool:
    """Claim and start this period's review of one director (one transaction: the
    caller's unit). False if it was claimed already or cannot start."""
    schedule = ctx.org.reviews
    now = ctx.clock.now()
    window = current_window(schedule, now, gm_timezone(ctx))
    claim = ReviewScheduleRepo(ctx.session).claim(
        window.key, key, now, now + timedelta(days=schedule.open_days))
    if claim is None:
        return False  # started before: by an earlier sweep, before a restart, elsewhere
    subject = ctx.people.by_key(key)
    if subject is None or not subject.active or subject.role != "director":
        claim.closed = True
        return False
    if open_round(ctx.session, key) is not None:
        # The GM's own review is running: it counts for this period and stays theirs.
        claim.closed = True
        return False
    rnd = start_review(ctx, subject, None, closes=claim.closes_at, period=window.label)
    claim.round_id = rnd.id
    return True


def close_due(ctx: Context) -> int:
    """Close the scheduled reviews whose days are up; the report goes out as on
    `/review close`. How many closed."""
    closed = 0
    for claim in ReviewScheduleRepo(ctx.session).due_to_close(ctx.clock.now()):
        claim.closed = True
        rnd = ctx.session.get(ReviewRound, claim.round_id) if claim.round_id else None
        if rnd is not None and rnd.status == "open":  # the GM may have closed it already
            close_round(ctx, rnd)
            closed += 1
    ctx.session.flush()
    return closed


def show_schedule(ctx: Context) -> None:
    """/review schedule (GM): the schedule, the next planned reviews, the open ones."""
    schedule = ctx.org.reviews
    timezone = gm_timezone(ctx)
    now = ctx.clock.now()
    if not schedule.enabled:
        ctx.reply("review_schedule_off")
        return
    window = current_window(schedule, now, timezone)
    repo = ReviewScheduleRepo(ctx.session)
    claimed = repo.claimed(window.key)
    following = _window(schedule, schedule.next_period(window.start), timezone)
    in_window = now < window.begins + timedelta(days=schedule.open_days)
    planned: dict[Window, list[str]] = {}
    for director in scheduled_directors(ctx):
        when = window if in_window and director.key not in claimed else following
        planned.setdefault(when, []).append(director.display_name)
    tz = ZoneInfo(timezone)
    open_rows = []
    for claim in repo.still_open():
        rnd = ctx.session.get(ReviewRound, claim.round_id) if claim.round_id else None
        person = ctx.people.by_key(claim.subject_key)
        if rnd is not None and rnd.status == "open" and person is not None:
            open_rows.append({"name": person.display_name,
                              "closes": claim.closes_at.astimezone(tz)})
    ctx.reply("review_schedule_view", schedule=schedule.name, day=schedule.day,
              at=schedule.at.strftime("%H:%M"), timezone=timezone,
              open_days=schedule.open_days,
              planned=[{"period": w.label, "starts": w.begins, "names": names,
                        "now": w.begins <= now} for w, names in sorted(
                  planned.items(), key=lambda item: item[0].begins)],
              open=open_rows)

"""360° reviews on a schedule (org file: `reviews:`, see bot/review_config.py).

At the period's planned moment (its Nth working day at a time of day, in the GM's
timezone) a review of each scheduled director starts, as `/review start` would; it
closes `open_days` later and the report goes to the director by DM. The GM is told once
per period that the reviews have started, and once when they have all closed (a line per
director, the lowest rated first; each report with `/review report <director>`), not a
DM per director: a GM of 300 directors got 300 of each. Each director's review is
claimed once per period in the same transaction that starts it
(storage/review_schedule.py), so a restart, a sweep that runs twice or a second replica
never starts one twice. Closing a period goes one review a transaction, then the GM's
summary in batches of reads and one transaction that sends it and settles the period
(see bot.core.TeamPulse._close_scheduled_reviews): a thousand directors' close in one
transaction held the database for many minutes. A bot that was down at the
planned moment starts the reviews when it is back, within the `open_days` window;
later than that the period is skipped rather than a review sprung on people late.
`/review schedule` shows the GM what is planned next and what is open, with how many of
those asked have answered (`/review status`, handlers/review_progress.py, per group).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.numbers import round_half_up
from bot.readers import GM
from bot.render import NAMES_SHOWN
from bot.review_config import ReviewSchedule
from handlers.context import Context
from handlers.review import (
    MIN_GROUP,
    build_report,
    close_round,
    open_round,
    reach_counts,
    response_lines,
    start_review,
    subject_name,
)
from storage.models import Person
from storage.review import ReviewInvite, ReviewRound
from storage.review_schedule import ReviewScheduleRepo
from storage.round_batch import RoundBatchRepo


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
    rnd = start_review(ctx, subject, None, claim.closes_at)
    claim.round_id = rnd.id
    return True


def rounds_to_close(ctx: Context) -> list[int]:
    """The scheduled reviews whose days are up and that are still open (the GM may have
    closed some already), in the order they started."""
    return ReviewScheduleRepo(ctx.session).open_rounds_due(ctx.clock.now())


def close_scheduled(ctx: Context, round_id: int) -> bool:
    """Close one scheduled review and DM its report to the director, as `/review close`
    does (one transaction: the review closed and its report queued together, so a
    restart part-way through a period closes the rest and repeats none). False if it was
    closed already."""
    rnd = ctx.session.get(ReviewRound, round_id)
    if rnd is None or rnd.status != "open":
        return False
    close_round(ctx, rnd, summary=False)
    return True


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
        if rnd is not None and rnd.status == "open":
            # Also a director who has left the org file since: their review is still
            # open, and the GM's to follow and close (/review status, /review close).
            row = {"name": subject_name(ctx.session, claim.subject_key),
                   "closes": claim.closes_at.astimezone(tz),
                   "counted": False, "overall": None}
            if len(open_rows) < NAMES_SHOWN:  # the closing soonest are shown, with counts
                row["counted"] = True
                row["overall"] = response_lines(
                    *reach_counts(ctx.session, rnd, ctx.clock.now(), live=True))[1]
            open_rows.append(row)
    ctx.reply("review_schedule_view", schedule=schedule.name, day=schedule.day,
              at=schedule.at.strftime("%H:%M"), timezone=timezone,
              open_days=schedule.open_days, peers=schedule.peers,
              remind_days=schedule.remind_days,
              planned=[{"period": w.label, "starts": w.begins, "names": names,
                        "now": w.begins <= now} for w, names in sorted(
                  planned.items(), key=lambda item: item[0].begins)],
              open=open_rows)


# --- the GM's two DMs of a period --------------------------------------------------------

#: Directors the GM's 'closed' summary lists (lowest rated by others first), then how many
#: more: each has their report with `/review report <director>`.
CLOSED_SHOWN = 20


def _gms_not_told(ctx: Context, prefix: str) -> tuple[list[Person], dict[int, str]]:
    """The GMs not yet sent the message keyed `prefix:<gm key>`, and each GM's key."""
    # The GMs alone, not the whole org (ten thousand people) to pick them from.
    gms = list(ctx.session.scalars(select(Person).where(
        Person.active, Person.role == "gm").order_by(Person.key)))
    keys = {gm.id: f"{prefix}:{gm.key}" for gm in gms}
    taken = RoundBatchRepo(ctx.session).taken_dedupe_keys(list(keys.values()))
    return [gm for gm in gms if keys[gm.id] not in taken], keys


def tell_started(ctx: Context) -> None:
    """Tell each GM, once per period, that its scheduled reviews have started: who, when
    they close, who cannot be reached (one DM, not one per director)."""
    schedule = ctx.org.reviews
    if not schedule.enabled:
        return
    now = ctx.clock.now()
    window = current_window(schedule, now, gm_timezone(ctx))
    gms, keys = _gms_not_told(ctx, f"review-schedule:{window.key}:started")
    if not gms:
        return
    claims = [c for c in ReviewScheduleRepo(ctx.session).of_period(window.key)
              if c.round_id is not None]
    if not claims:
        return
    names = [p.display_name if (p := ctx.people.by_key(c.subject_key)) else c.subject_key
             for c in claims]
    asked = set(ctx.session.scalars(select(ReviewInvite.person_id).where(
        ReviewInvite.round_id.in_([c.round_id for c in claims]))))
    unreachable = sorted(p.display_name for pid in asked
                         if (p := ctx.session.get(Person, pid)) is not None
                         and ctx.dm_target(p) is None)
    closes = max(c.closes_at for c in claims)
    for gm in gms:
        ctx.tell(gm, "review_schedule_started_all", period=window.label, names=names,
                 raters=len(asked), unreachable=unreachable, min_group=MIN_GROUP,
                 closes=closes.astimezone(ZoneInfo(gm.timezone)), peers=schedule.peers,
                 dedupe_key=keys[gm.id], readers=GM)


@dataclass
class ClosedLine:
    """One director's closed review in the GM's summary."""

    key: str
    name: str
    #: Raters who answered and who were asked, self-assessment left out; None when the
    #: report withholds the counts (fewer than MIN_GROUP peers and reports asked).
    answered: int | None
    others: float | None  # the mean over the criteria of what the shown groups gave
    self_rating: float | None
    withheld: bool  # peers' and reports' ratings withheld (too few answered)
    asked: int | None = None  # as `answered`: how many were asked


def tell_closed(ctx: Context, rnd: ReviewRound) -> None:
    """A review closed before its days were up (its last rater answered, or the GM closed
    it): if that was the period's last open one, tell each GM once, as the sweep does.
    A period of more reviews than one batch of the summary reads is left to the next
    sweep (bot.core.run_review_schedule, every few minutes), which reads them in
    batches: here it would hold up the rater's answer."""
    claim = ReviewScheduleRepo(ctx.session).of_round(rnd.id)
    if claim is None:
        return
    rounds = summary_rounds(ctx, claim.period)
    if rounds is None:
        return  # some are still open: the last to close sends it
    lines, read = closed_lines(ctx, rounds)
    if read < len(rounds):
        return  # more than one read's worth: the sweep sends it, reading in batches
    send_closed_summary(ctx, claim.period, lines)


#: Raters whose answers one transaction reads for the GM's summary (at least one review
#: a transaction): with `reviews.peers: all` every other director rates each director, so
#: a review of a thousand directors has a thousand raters and thousands of answers.
SUMMARY_RATERS = 2000


def periods_to_summarise(ctx: Context) -> list[str]:
    """The periods whose scheduled reviews have all closed and whose GM summary has not
    been settled yet (see send_closed_summary)."""
    repo = ReviewScheduleRepo(ctx.session)
    return [p for p in repo.unsettled_periods() if not repo.any_open_round(p)]


def summary_rounds(ctx: Context, period: str) -> list[int] | None:
    """The ids of a period's reviews, in the order they started (for closed_lines to
    read a batch at a time); None while any is open."""
    repo = ReviewScheduleRepo(ctx.session)
    if repo.any_open_round(period):
        return None
    return repo.rounds_of_period(period)


def closed_lines(ctx: Context, round_ids: list[int], start: int = 0
                 ) -> tuple[list[ClosedLine], int]:
    """The GM's summary lines of closed reviews from `round_ids[start]` on, as many as
    add up to SUMMARY_RATERS raters (at least one review), and where the next batch
    starts: read only, a batch a transaction, as each review reads all its raters'
    answers."""
    lines: list[ClosedLine] = []
    raters = 0
    repo = ReviewScheduleRepo(ctx.session)
    at = start
    while at < len(round_ids) and (at == start or raters < SUMMARY_RATERS):
        r = ctx.session.get(ReviewRound, round_ids[at])
        at += 1
        if r is None:
            continue
        raters += repo.raters_of(r.id)
        report = build_report(ctx.session, ctx.org, r)
        others = [row.others for row in report.rows if row.others is not None]
        own = [row.self_rating for row in report.rows if row.self_rating is not None]
        lines.append(ClosedLine(
            report.subject_key, report.subject,
            None if report.overall is None else
            report.overall.answered - report.counts["self"],
            # Half up, as the review's own averages (bot.numbers): 3.125 reads 3.13.
            round_half_up(sum(others) / len(others), 2) if others else None,
            round_half_up(sum(own) / len(own), 2) if own else None,
            bool({"withheld", "withheld_peer", "withheld_report"} & set(report.notes)),
            None if report.overall is None else
            report.overall.asked - sum(r.asked for r in report.response if r.group == "self")))
    return lines, at


def send_closed_summary(ctx: Context, period: str, lines: list[ClosedLine]) -> bool:
    """Tell each GM not told yet about the period's closed reviews (a line per director,
    the lowest rated by others first), and settle the period: its claims are marked
    closed in the same transaction, so the summary goes once, and a restart that finds
    the period unsettled sends it then. False (and nothing done) while a review of the
    period is open: the last to close sends it."""
    repo = ReviewScheduleRepo(ctx.session)
    if repo.any_open_round(period):
        return False
    first = repo.first_claim(period)
    gms, keys = _gms_not_told(ctx, f"review-schedule:{period}:closed")
    if gms and first is not None:
        lines = sorted(lines, key=lambda x: (x.others is None, x.others or 0.0,
                                             x.name.casefold()))
        start = first.claimed_at
        schedule = ctx.org.reviews
        label = _window(schedule, schedule.period_start(
            start.astimezone(ZoneInfo(gm_timezone(ctx))).date()), gm_timezone(ctx)).label
        for gm in gms:
            ctx.tell(gm, "review_schedule_closed_all", period=label,
                     lines=lines[:CLOSED_SHOWN], more=max(0, len(lines) - CLOSED_SHOWN),
                     dedupe_key=keys[gm.id], readers=GM)
    repo.settle(period)
    return True

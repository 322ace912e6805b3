"""An open 360° review's progress for the GM, and one reminder to raters not done.

`/review status` (the GM) lists the open reviews — how many of those asked have answered
and when each closes —, `/review status <director>` one of them per rater group. Counts
only, with the report's rules (handlers.review.response_lines): never who has or has not
answered, and no group asked fewer than MIN_GROUP counted alone. Only the GM may ask; a
director is never told who has answered about them.

A review with a closing date (one the schedule started: `reviews.open_days`) reminds each
rater not done yet once, `reviews.remind_days` (2 unless the org file says; 0: never)
days before it closes, in their language: one DM per
rater naming every review of the period closing that day they have not finished. The
outbox dedupe key (review:<period>:reminder:<person>:<closing day>) makes it once per
rater, period and closing day — so once per review —, also across a restart, a second
sweep or replica. One still waiting in the outbox when the rater finishes a survey it
names, or the GM closes one early, is withdrawn, or queued again naming what is left
(withdraw_reminders). A review the GM started has no
closing date (it closes when everyone has answered, or with /review close), so it sends
no reminder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.readers import GM
from bot.render import NAMES_SHOWN
from handlers.context import Context
from handlers.review import (
    ANONYMOUS,
    CRITERIA,
    Response,
    invite_queued,
    kept_open,
    manager_asked,
    reach_counts,
    response_lines,
    subject_name,
    unreached_raters,
)
from handlers.review_schedule import gm_timezone
from handlers.waiting import under_way
from storage.models import OutboxMessage, Person
from storage.oneonone import OneOnOneRepo
from storage.repositories import KEYS_PER_STATEMENT
from storage.review import ReviewInvite, ReviewRound
from storage.review_schedule import ScheduledReview
from storage.round_batch import RoundBatchRepo

#: The reminder goes `reviews.remind_days` before a review closes (remind_before), and not
#: sooner than this after it started (a review open a day or two is not
#: followed by a reminder hours after its invitation).
REMIND_NOT_BEFORE = timedelta(days=1)
#: Reminders queued in one transaction (a period of a thousand reviews has thousands of
#: raters not done); the sweep carries on in the next.
REMIND_BATCH = 500


@dataclass
class Progress:
    """One open review as the GM's status shows it."""

    name: str
    key: str
    started: datetime
    closes: datetime | None  # None: the GM's own review, closed by hand or when all answered
    # Calendar days from today to the closing day in the reader's timezone (0: today, 1:
    # tomorrow), not whole 24-hours: a close tomorrow at 18:00 was "1 day left" 30 hours
    # before, and "less than a day left" 20 hours before, on the day before.
    days_left: int | None
    overdue: bool  # past its closing time, the close sweep (every 5 minutes) still to come
    response: list[Response]
    overall: Response | None
    manager: str | None  # who was asked as manager, named anyway, as in the report
    #: Who the survey has not reached, and why (one review's status only): see unreached.
    unreached: list[Unreached] = field(default_factory=list)
    #: Why it will not close by itself once everyone has answered ("counts", "left":
    #: handlers.review.kept_open); empty: it will (handlers.review.closes_itself).
    kept_open: tuple[str, ...] = ()

    @property
    def closes_itself(self) -> bool:
        """Whether it closes by itself once everyone still here has answered."""
        return not self.kept_open


@dataclass(frozen=True)
class Unreached:
    """A rater the survey has not reached: `why` is "no_platform" (no running chat
    platform knows them), "away" (asked once back) or "undelivered" (it failed)."""

    name: str
    why: str


def unreached(ctx: Context, rnd: ReviewRound) -> list[Unreached]:
    """Who an open review's survey has not reached, named for the GM's /review status
    <director>: "2 more not reached yet" left a GM whose own review (no closing date) waits
    for them with nothing to act on. Named as the start's reply and the schedule's note
    name those no platform reaches: that the survey never got to someone is the bot's
    doing, not their answer (who has or has not answered stays unsaid)."""
    now = ctx.clock.now()
    pids = unreached_raters(ctx.session, rnd.id, now, live=True)
    # Whose survey DM was queued (and failed, or expired unsent): never sent again, so
    # "asked once back" would promise what nothing keeps, were they away now. A survey
    # never queued (or withdrawn at /away, its key given up) waits for them to be back
    # (send_held), away or not yet swept.
    queued = set(ctx.session.scalars(select(ReviewInvite.person_id).where(
        ReviewInvite.round_id == rnd.id, ReviewInvite.person_id.in_(pids),
        invite_queued()))) if pids else set()
    found = []
    for pid in pids:
        person = ctx.session.get(Person, pid)
        if person is None or not person.active:
            continue
        if ctx.dm_target(person) is None:
            why = "no_platform"
        elif pid in queued:
            why = "undelivered"
        else:
            why = "away"
        found.append(Unreached(person.display_name, why))
    return found


def _open_rounds(ctx: Context) -> list[tuple[ReviewRound, datetime | None]]:
    """Every open review and when it closes, soonest first (the GM's own, with no closing
    date, after those, oldest first)."""
    rows = ctx.session.execute(select(ReviewRound, ScheduledReview.closes_at).outerjoin(
        ScheduledReview, ScheduledReview.round_id == ReviewRound.id).where(
        ReviewRound.status == "open"))
    return sorted(((r, c) for r, c in rows),
                  key=lambda rc: (rc[1] is None, rc[1] or rc[0].started_at, rc[0].id))


def progress(ctx: Context, rnd: ReviewRound, closes: datetime | None) -> Progress:
    """Answered of asked per group (counts only) and when one open review closes, in the
    reader's timezone."""
    counts = reach_counts(ctx.session, rnd, ctx.clock.now(), live=True)
    lines, overall = response_lines(*counts)
    subject = ctx.people.by_key(rnd.subject_key)
    tz = ZoneInfo(ctx.person.timezone if ctx.person else ctx.org.timezone)
    left = None
    now = ctx.clock.now()
    if closes is not None:
        left = max(0, (closes.astimezone(tz).date() - now.astimezone(tz).date()).days)
    name = subject.display_name if subject else subject_name(ctx.session, rnd.subject_key)
    return Progress(name, rnd.subject_key,
                    rnd.started_at.astimezone(tz), closes.astimezone(tz) if closes else None,
                    left, closes is not None and closes <= now, lines, overall,
                    manager_asked(ctx.session, rnd.id),
                    kept_open=kept_open(ctx.session, rnd, now, counts))


def show_status(ctx: Context, subject: Person | None) -> None:
    """/review status [<director>] (GM): the open reviews' progress, or one's per group."""
    rounds = _open_rounds(ctx)
    if subject is not None:
        found = next(((r, c) for r, c in rounds if r.subject_key == subject.key), None)
        if found is None:
            ctx.reply("review_none_open", name=subject.display_name)
            return
        one = progress(ctx, *found)
        one.unreached = unreached(ctx, found[0])
        ctx.reply("review_status_one", p=one, readers=GM)
        return
    if not rounds:
        ctx.reply("review_status_none")
        return
    # Counted for the ones shown only: a period of a thousand reviews lists the soonest.
    shown = [progress(ctx, r, c) for r, c in rounds[:NAMES_SHOWN]]
    ctx.reply("review_status_all", lines=shown, more=len(rounds) - len(shown), readers=GM)


def remind_before(ctx: Context) -> timedelta | None:
    """How long before a scheduled review closes its raters are reminded (the org file's
    reviews.remind_days); None: not at all."""
    days = ctx.org.reviews.remind_days
    return timedelta(days=days) if days > 0 else None


def reminder_periods(ctx: Context, now: datetime) -> list[str]:
    """The schedule's periods with an open review whose reminder is due now."""
    lead = remind_before(ctx)
    if lead is None:
        return []
    rows = ctx.session.execute(select(ScheduledReview.period, ReviewRound.started_at).join(
        ReviewRound, ScheduledReview.round_id == ReviewRound.id).where(
        ReviewRound.status == "open", ScheduledReview.closes_at > now,
        ScheduledReview.closes_at <= now + lead))
    return sorted({period for period, started in rows if now >= started + REMIND_NOT_BEFORE})


def closing_day(closes: datetime, tz: str) -> str:
    """The day a review closes in the schedule's timezone (the GM's, where its start time
    is set, so a period's reviews started together close the same day): the period's
    reviews closing that day share a reminder."""
    return closes.astimezone(ZoneInfo(tz)).date().isoformat()


def reminder_key(period: str, day: str, person: str) -> str:
    """The outbox dedupe key of a rater's reminder: once per period and closing day (a
    review started later in the period, closing on another day, has a reminder of its
    own)."""
    return f"review:{period}:reminder:{person}:{day}"


def send_reminders(ctx: Context, limit: int | None = None) -> tuple[int, bool]:
    """Remind once each rater not done with a review closing within remind_before; how
    many reminders were queued, and whether `limit` stopped it (the caller goes on in a
    new transaction).

    One DM per rater, period and closing day, naming every review of the period closing
    that day they have not finished (the GM rates each director as their manager: one DM,
    not one per director), keyed so (reminder_key), so that each review reminds each rater
    once. Someone away, or in the middle of a dialog, is left to a later sweep while the
    review is open."""
    limit = REMIND_BATCH if limit is None else limit
    now = ctx.clock.now()
    periods = reminder_periods(ctx, now)
    lead = remind_before(ctx)
    if not periods or lead is None:
        return 0, False
    found = ctx.session.execute(
        select(ReviewRound.id, ScheduledReview.period, ScheduledReview.closes_at,
               ReviewRound.subject_key, ReviewRound.started_at).join(
            ScheduledReview, ScheduledReview.round_id == ReviewRound.id).where(
            ScheduledReview.period.in_(periods), ReviewRound.status == "open",
            ScheduledReview.closes_at > now)).all()
    # A period's reviews need not close together: one of a director added to the org file
    # on the 5th starts then and closes days after the others. Each closing day is
    # reminded on its own, remind_days before it (with the period's other reviews closing
    # that day), not all with the first.
    schedule_tz = gm_timezone(ctx)
    due = {(period, closing_day(closes, schedule_tz)) for _, period, closes, _, started in found
           if closes <= now + lead and now >= started + REMIND_NOT_BEFORE}
    rounds = {rid: (period, closes, key) for rid, period, closes, key, _ in found
              if (period, closing_day(closes, schedule_tz)) in due}
    waiting: dict[str, tuple[Person, str, list[ReviewInvite]]] = {}
    ids = list(rounds)
    for start in range(0, len(ids), KEYS_PER_STATEMENT):
        for invite, person in ctx.session.execute(select(ReviewInvite, Person).join(
                Person, ReviewInvite.person_id == Person.id).where(
                ReviewInvite.round_id.in_(ids[start:start + KEYS_PER_STATEMENT]),
                ReviewInvite.done.is_(False), Person.active).order_by(ReviewInvite.id)):
            period, closes, _ = rounds[invite.round_id]
            key = reminder_key(period, closing_day(closes, schedule_tz), person.key)
            waiting.setdefault(key, (person, period, []))[2].append(invite)
    keys = list(waiting)
    taken: set[str] = set()
    repo = RoundBatchRepo(ctx.session)
    for start in range(0, len(keys), KEYS_PER_STATEMENT):
        taken |= repo.taken_dedupe_keys(keys[start:start + KEYS_PER_STATEMENT])
    todo = [(key, entry) for key, entry in waiting.items() if key not in taken]
    # Who is away, in one read per statement's worth, not one per rater.
    away: set[int] = set()
    for start in range(0, len(todo), KEYS_PER_STATEMENT):
        away |= {pid for pid, _ in ctx.away.covering(
            [(p.id, p.timezone, now) for _, (p, _, _) in todo[start:start + KEYS_PER_STATEMENT]])}
    # Their open dialogs (a question answered now holds the reminder back), likewise.
    for start in range(0, len(todo), KEYS_PER_STATEMENT):
        chunk = [p.id for _, (p, _, _) in todo[start:start + KEYS_PER_STATEMENT]]
        ctx.conversations.preload(chunk)
        OneOnOneRepo(ctx.session).preload_dialogs(chunk)
    names = _names(ctx, {key for _, _, key in rounds.values()})
    sent = 0
    for key, (person, _, invites) in todo:
        if sent >= limit:
            return sent, True
        if person.id in away or under_way(ctx, person, now):
            continue  # away, or answering something: a later sweep, if still open
        if _remind(ctx, person, key, invites, rounds, names):
            sent += 1
    return sent, False


def _names(ctx: Context, subjects: set[str]) -> dict[str, str]:
    """The directors' names by key, read once (the GM, who rates every director, is
    reminded of as many reviews as there are directors), also of one who has left."""
    keys, names = sorted(subjects), {}
    for start in range(0, len(keys), KEYS_PER_STATEMENT):
        names.update(ctx.session.execute(select(Person.key, Person.display_name).where(
            Person.key.in_(keys[start:start + KEYS_PER_STATEMENT]))).all())
    return names


def _remind(ctx: Context, person: Person, key: str, invites: list[ReviewInvite],
            rounds: dict[int, tuple[str, datetime, str]], names: dict[str, str]) -> bool:
    """Queue `person`'s reminder of `invites` (rounds: id to period, closing time and
    subject key); whether it was."""
    tz = ZoneInfo(person.timezone)
    items = sorted(({"subject": names.get(rounds[i.round_id][2], rounds[i.round_id][2]),
                     "own": i.rater_group == "self", "answered": i.answered,
                     "closes": rounds[i.round_id][1].astimezone(tz)} for i in invites),
                   key=lambda item: (not item["own"], item["closes"],
                                     str(item["subject"]).casefold()))
    # It names when each review closes: held up past the first of those (the reviews of
    # one closing day usually close together), it is no longer true, and not sent.
    # A peer's or report's reminder is an anonymous survey's DM, as its questions are.
    return ctx.tell(person, "review_reminder", items=items, total=len(CRITERIA),
                    dedupe_key=key, expires_at=min(rounds[i.round_id][1] for i in invites),
                    scrub=any(i.rater_group in ANONYMOUS for i in invites))


def withdraw_reminders(ctx: Context, round_id: int, people: list[Person] | None = None
                       ) -> int:
    """Drop the reminders to `people` (None: every rater not done) about review `round_id`
    still waiting in the outbox (the platform down or rate limiting since they were
    queued): they finished its survey, or it closed, meanwhile (OutboxRepo.withdraw, as a
    moved 1:1's reminders). A reminder also naming another review of the period closing
    that day that they have not finished is queued again naming those alone (as they
    stand now: a late "feedback on Alice closes Friday" after Alice's survey was done
    would send them to /review for it). How many were dropped or rebuilt."""
    found = ctx.session.execute(select(ScheduledReview.period, ScheduledReview.closes_at).where(
        ScheduledReview.round_id == round_id)).first()
    now = ctx.clock.now()
    if found is None or found.closes_at <= now:
        return 0  # the GM's own review (no reminder), or expired with its close anyway
    if people is None:
        people = list(ctx.session.scalars(select(Person).join(
            ReviewInvite, ReviewInvite.person_id == Person.id).where(
            ReviewInvite.round_id == round_id, ReviewInvite.done.is_(False))))
    if not people:
        return 0
    schedule_tz = gm_timezone(ctx)
    day = closing_day(found.closes_at, schedule_tz)
    ids = [p.id for p in people]
    keep: set[int] = set()
    for start in range(0, len(ids), KEYS_PER_STATEMENT):
        keep |= {pid for pid, closes in ctx.session.execute(
            select(ReviewInvite.person_id, ScheduledReview.closes_at).join(
                ReviewRound, ReviewInvite.round_id == ReviewRound.id).join(
                ScheduledReview, ScheduledReview.round_id == ReviewRound.id).where(
                ScheduledReview.period == found.period, ReviewRound.status == "open",
                ReviewInvite.done.is_(False),
                ReviewInvite.person_id.in_(ids[start:start + KEYS_PER_STATEMENT])))
            if closing_day(closes, schedule_tz) == day}
    keys = [reminder_key(found.period, day, p.key) for p in people if p.id not in keep]
    dropped = ctx.outbox.withdraw(keys, now)
    return dropped + _rebuild(ctx, found.period, day, [p for p in people if p.id in keep])


def _rebuild(ctx: Context, period: str, day: str, people: list[Person]) -> int:
    """Queue again, naming only the reviews of `period` closing on `day` still open to
    them, the reminders to `people` still waiting in the outbox; how many."""
    now = ctx.clock.now()
    by_key = {reminder_key(period, day, p.key): p for p in people}
    keys, pending = list(by_key), []
    for start in range(0, len(keys), KEYS_PER_STATEMENT):
        pending += ctx.session.scalars(select(OutboxMessage.dedupe_key).where(
            OutboxMessage.dedupe_key.in_(keys[start:start + KEYS_PER_STATEMENT]),
            OutboxMessage.status == "pending"))
    if not pending:
        return 0  # sent already, or not yet due: the sweep's own reminder is right
    ctx.outbox.withdraw(pending, now)
    schedule_tz = gm_timezone(ctx)
    whom = {by_key[k].id: (k, by_key[k]) for k in pending if k is not None}
    ids = list(whom)
    rounds: dict[int, tuple[str, datetime, str]] = {}
    invites: dict[int, list[ReviewInvite]] = {}
    for start in range(0, len(ids), KEYS_PER_STATEMENT):
        for invite, closes, subject in ctx.session.execute(
                select(ReviewInvite, ScheduledReview.closes_at, ReviewRound.subject_key).join(
                    ReviewRound, ReviewInvite.round_id == ReviewRound.id).join(
                    ScheduledReview, ScheduledReview.round_id == ReviewRound.id).where(
                    ScheduledReview.period == period, ReviewRound.status == "open",
                    ScheduledReview.closes_at > now, ReviewInvite.done.is_(False),
                    ReviewInvite.person_id.in_(ids[start:start + KEYS_PER_STATEMENT]))
                .order_by(ReviewInvite.id)):
            if closing_day(closes, schedule_tz) == day:
                rounds[invite.round_id] = (period, closes, subject)
                invites.setdefault(invite.person_id, []).append(invite)
    names = _names(ctx, {subject for _, _, subject in rounds.values()})
    return sum(_remind(ctx, person, key, invites[pid], rounds, names)
               for pid, (key, person) in whom.items() if pid in invites)


def withdraw_reminders_to(ctx: Context, person: Person, *, keep_keys: bool = False) -> int:
    """Drop every 360° reminder to `person` still waiting in the outbox (the platform
    down or rate limiting since it was queued). Gone away (/away): nobody away is
    reminded, and the sweep reminds them once back, naming what is open then. With
    `keep_keys` (their surveys put aside with /pause) the sweep takes them as sent:
    "closes soon, send /review" must not follow "Paused", nor come again minutes
    later; /review carries on. How many were dropped."""
    now = ctx.clock.now()
    schedule_tz = gm_timezone(ctx)
    keys = sorted({reminder_key(period, closing_day(closes, schedule_tz), person.key)
                   for period, closes in ctx.session.execute(
                       select(ScheduledReview.period, ScheduledReview.closes_at).join(
                           ReviewRound, ScheduledReview.round_id == ReviewRound.id).join(
                           ReviewInvite, ReviewInvite.round_id == ReviewRound.id).where(
                           ReviewInvite.person_id == person.id,
                           ReviewInvite.done.is_(False), ReviewRound.status == "open",
                           ScheduledReview.closes_at > now))})
    return ctx.outbox.withdraw(keys, now, keep_keys=keep_keys)

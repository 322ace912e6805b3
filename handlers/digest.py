"""The weekly digest: after the check-in week, the GM gets that week's summary and each
director their own team's, each with the attainment chart (when its weeks have figures),
by DM in their language.

When: DIGEST_SCHEDULE (default Monday 08:00) in each recipient's own timezone; the digest
covers the week of the latest check-in prompt before that moment. Once per recipient and
week: the claim (storage/digest.py) and the outbox rows are one transaction, so a job
firing again, a restart, a second replica or `teampulse digest` never sends it twice. A
digest missed while the bot was down goes out after the start (in the background, once
the bot is running) if its time is at most DIGEST_GRACE_PERIOD ago, and not after.

The summary itself is the one /summary gives the reader, called, never copied (the GM's
five questions from handlers/summary_gm.py, a director's own team from handlers/summary.py):
the digest adds a short header (the week, whether the check-in has closed, who has not
answered).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select

from bot import charts
from bot.charts import chart_weeks
from bot.config import CheckinSchedule, Settings
from bot.events import OutboundMessage, Target
from bot.loglines import log_not_sent
from bot.org import team_spellings
from bot.readers import READERS_KEY, VIEWERS, team_readers
from bot.schedule import checkin_moment, last_checkin
from bot.team_names import team_key
from bot.weeks import current_week, week_end, week_of, week_start
from handlers.context import Context, one_moment
from handlers.summary import (
    SummaryRequest,
    WeekSummary,
    goes_out,
    may_still_go_out,
    render_summary,
    summaries,
    tell_namesakes_apart,
)
from handlers.summary_gm import gm_page
from storage.digest import DigestRepo
from storage.models import CheckinRound, Person
from storage.round_batch import RoundBatchRepo

log = logging.getLogger(__name__)

#: Weeks of attainment the digest's chart shows, ending with the digest's week.
CHART_WEEKS = 8
CHART_KIND = "attainment"


@dataclass(frozen=True)
class Digest:
    """One recipient's digest of one week, rendered for one markup."""

    person_key: str
    week: str
    team: str | None
    text: str
    chart: bytes | None
    caption: str


def team_of(person: Person) -> str | None:
    """The scope of a person's digest: None (the whole org) for the GM, else their team."""
    return None if person.role == "gm" else person.team


def digest_readers(person: Person) -> str:
    """Who may read a person's digest (bot.readers): the GM's is the whole org's."""
    team = team_of(person)
    return VIEWERS if team is None else team_readers(team)


def gets_digest(person: Person) -> bool:
    """The GM, and each director who has a team (a director sees only their own team,
    so one without a team has no view to be sent)."""
    return person.active and (person.role == "gm" or (person.role == "director"
                                                      and bool(person.team)))


def digest_week(settings: Settings, timezone: str, moment: datetime) -> str:
    """The week a digest at `moment` covers: that of the latest check-in prompt at or
    before it, in the recipient's timezone."""
    asked = last_checkin(settings.checkin_schedule, timezone, moment)
    return current_week(asked, timezone)


def last_digest(schedule: CheckinSchedule, timezone: str, now: datetime) -> datetime:
    """The latest scheduled digest moment at or before `now` (UTC), in a timezone's own
    local time, so it stays at 08:00 local across a daylight-saving change."""
    return last_checkin(schedule, timezone, now)


def due_digests(ctx: Context, *, starting: bool = False) -> list[tuple[int, str]]:
    """(person id, week) of every digest whose time has come, within the grace period,
    and that is not yet claimed. With `starting`, digests missed past the grace period
    are logged (once, at start: one line per week with the count and the first keys),
    so the operator can tell why one never came."""
    schedule = ctx.settings.digest_schedule
    if schedule is None:
        return []
    now = ctx.clock.now()
    repo = DigestRepo(ctx.session)
    candidates: list[tuple[Person, str, datetime]] = []
    moments: dict[str, tuple[datetime, str]] = {}  # one computation per timezone
    for person in repo.recipients():
        # Nobody to send it to yet (no running platform knows them): left unclaimed, so
        # the sweep queues it once they can be reached, within the grace period. Checked
        # here, not per recipient's transaction: the sweep runs every minute, and an org
        # whose platform knows few of its people would build thousands of digests for
        # nothing each time.
        if not gets_digest(person) or ctx.dm_target(person) is None:
            continue
        if person.timezone not in moments:
            moment = last_digest(schedule, person.timezone, now)
            moments[person.timezone] = (moment, digest_week(ctx.settings, person.timezone,
                                                            moment))
        moment, week = moments[person.timezone]
        candidates.append((person, week, moment))
    claimed = repo.claimed((p.id, week) for p, week, _ in candidates)
    unclaimed = [c for c in candidates if (c[0].id, c[1]) not in claimed]
    # A digest covers only weeks from the one the bot first ran in: a fresh install
    # started on a Monday morning must not tell the GM that nobody was asked last week.
    since = repo.first_run() or now if unclaimed else now
    due: list[tuple[int, str]] = []
    late: list[tuple[str, str]] = []
    for person, week, moment in unclaimed:
        if week < current_week(since, person.timezone):
            continue
        if now - moment > ctx.settings.digest_grace_period:
            late.append((week, person.key))
            continue
        due.append((person.id, week))
    if starting:
        log_not_sent(log, "digest", late)
    return due


def queue_digest(ctx: Context, person: Person, week: str, via: str) -> str:
    """Claim and queue one digest; 'queued', 'already' (claimed before), 'unreachable',
    or 'no-digest' (not the GM nor a director with a team).

    The claim and the outbox rows commit together with the caller's transaction.
    """
    if not gets_digest(person):
        return "no-digest"
    target = ctx.dm_target(person)
    if target is None:
        return "unreachable"
    team = team_of(person)
    if not DigestRepo(ctx.session).claim(person, week, team, ctx.clock.now(), via):
        return "already"
    digest = build_digest(ctx, person, week, ctx.addressbook.markup(target.platform))
    readers = digest_readers(person)
    ctx.post(target, digest.text, dedupe_key=f"digest:{week}:{person.key}", readers=readers)
    if digest.chart is not None:
        _enqueue_image(ctx, target, digest.caption, digest.chart,
                       f"{CHART_KIND}-{week}.png", f"digest:{week}:{person.key}:chart", readers)
    return "queued"


def build_digest(ctx: Context, person: Person, week: str, markup: str) -> Digest:
    """A recipient's digest of a week (nothing recorded): header, summary and chart, all
    read at one moment (see one_moment)."""
    # (The GM's digest is the GM's view, read on two connections at once: see one_moment.)
    with one_moment(ctx, beside=team_of(person) is None) as seen:
        return _digest(seen, person, week, markup)


def _digest(ctx: Context, person: Person, week: str, markup: str) -> Digest:
    team = team_of(person)
    # A director's own team, read knowing their own pulse answers (SummaryRequest.lead).
    request = SummaryRequest("team", week=week, team=team, lead=True, reader=person.key) \
        if team else SummaryRequest("week", week=week)
    # The GM's header counts the whole org's answers; its body is the GM's own view, so
    # no text answer of the org's is needed (a director's digest shows its team's). Why
    # someone was not reached is read here, once: the header says it of everyone it lists
    # (members too, whom the GM's view below does not show), and her view reuses it.
    weeks = summaries(ctx, request, person.locale, person.timezone,
                      texts="latest" if team else "none")
    tell_namesakes_apart(weeks)  # (in the header's names too)
    header = _header(ctx, person, weeks[-1], _named(ctx, team), markup)
    if team is None:
        # The GM's digest is the GM's /summary: the five questions per director.
        # A chat message: page 1 of a large org, its footer naming the digest's week.
        known = {p.key: p.unreached_why for p in weeks[-1].people
                 if p.status == "unreachable"}
        body = gm_page(ctx, person.locale, markup, week, 1, person.timezone, 1, week,
                       reader=person.key, known_why=known)[0] or ""
    else:
        body = render_summary(ctx.renderer, person.locale, markup, request, weeks,
                              ctx.org.name)
    weeks_run = chart_weeks_since(ctx, week, person.timezone)
    chart = chart_png(ctx, person.locale, week_start(week), weeks_run, team)
    caption = ctx.renderer.message(person.locale, "digest_chart_caption", markup,
                                   week=week, weeks=weeks_run, team=team,
                                   since_start=weeks_run < CHART_WEEKS,
                                   first=chart_weeks(week_start(week), weeks_run)[0])
    return Digest(person.key, week, team, f"{header}\n\n{body}", chart, caption)


def chart_weeks_since(ctx: Context, week: str, timezone: str) -> int:
    """How many weeks the digest's chart of `week` draws: CHART_WEEKS, or only those from
    the week the bot first ran in (in the reader's timezone, as due_digests counts it), at
    least one. The weeks before it did not exist for the bot: drawn, they read as weeks
    nobody gave a figure in (seven empty weeks and one dot on a new team's first digest)."""
    first = DigestRepo(ctx.session).first_run() or ctx.clock.now()
    began = week_start(current_week(first, timezone))
    return max(1, min(CHART_WEEKS, (week_start(week) - began).days // 7 + 1))


def chart_png(ctx: Context, locale: str, end_week: date, weeks: int,
              team: str | None) -> bytes | None:
    """The attainment chart, or None if its weeks have no figure at all (an image that
    only said "no data" was one more message to open for nothing: the text goes alone)
    or it could not be drawn (logged, without content).

    Drawn in a savepoint: a database error inside it must not spoil the transaction the
    digest's text is recorded in.
    """
    try:
        with ctx.session.begin_nested():
            data = charts.chart_data_for(ctx.session, ctx.org, CHART_KIND, locale,
                                         end_week=end_week, weeks=weeks, team=team,
                                         today=ctx.org_today(),
                                         schedule=ctx.settings.checkin_schedule)
            return charts.draw(data) if data.has_data else None
    except Exception as exc:
        log.warning("the %s chart for the week of %s could not be drawn (%s); the digest "
                    "goes without it", CHART_KIND, end_week.isoformat(), type(exc).__name__)
        return None


def _named(ctx: Context, team: str | None) -> str | None:
    """A team as the org file first writes it: a director written `EAST` reads of team
    East, as the summary under their digest names it (team_spellings)."""
    return team_spellings(ctx.org).get(team_key(team), team) if team else team


def _header(ctx: Context, person: Person, s: WeekSummary, team: str | None,
            markup: str) -> str:
    tz = ZoneInfo(person.timezone)
    asked = checkin_moment(ctx.settings.checkin_schedule, person.timezone, s.week)
    asked_local = asked.astimezone(tz)
    # An answer counts as late after the end of the week's Sunday in the timezone the
    # answerer's round was made in (the summary's rule): the week is closed for the reader
    # only once it has ended for everyone who has not answered yet, not at midnight where
    # the reader is.
    monday = week_end(s.week) + timedelta(days=1)
    own_close = datetime.combine(monday, time(), tz)
    # Those whose check-in of the week is still to come where they are (a `sun 20:00` one
    # in New York, the GM's Monday 08:00 in Shanghai) are asked it later: the week stays
    # open for them too, not only for those asked who have not answered.
    to_come = [p.key for p in s.people if p.status == "not_sent"
               and goes_out(ctx, p.key, s.week) is not None] \
        if may_still_go_out(ctx, s.week) else []
    # (A few timezones, however many people are missing; from the database, so people
    # since removed from the org file count too.)
    closes = max([own_close, *(datetime.combine(monday, time(), ZoneInfo(zone))
                               for zone in _timezones(
                                   ctx, [p.key for p in s.not_checked_in] + to_come, s.week))])
    closed = ctx.clock.now() >= closes
    until = None if closed or closes == own_close else closes.astimezone(tz)
    return ctx.renderer.message(
        person.locale, "digest_header", markup, week=s.week, start=s.start, end=s.end,
        team=team, asked=asked_local.strftime("%Y-%m-%d %H:%M"),
        asked_weekday=asked_local.weekday(), closed=closed,
        open_until=until.strftime("%Y-%m-%d %H:%M") if until else None,
        open_until_weekday=until.weekday() if until else 0,
        nothing_sent=s.nothing_sent, answered=len(s.submitted), expected=len(s.expected),
        # (Those taken out of the org file since are named so, as the summary below names
        # them: nobody is to chase them.)
        # (With why each one not reached was not, as the summaries say it; since when one
        # taken out is, where known.)
        # (And until when one who began it is away: not to chase.)
        missing=[(p.name, p.status, p.left, p.unreached_why, p.left_on, p.away_until)
                 for p in s.not_checked_in],
        away=[p.name for p in s.away])


def _timezones(ctx: Context, keys: list[str], week: str) -> set[str]:
    """The distinct timezones `week` was asked in of the people with these keys: their
    round's (a move since changes nothing), else theirs today."""
    zones: set[str] = set()
    for start in range(0, len(keys), 500):  # a bound list of parameters per statement
        zones.update(ctx.session.scalars(
            select(func.coalesce(CheckinRound.timezone, Person.timezone)).distinct()
            .select_from(Person).outerjoin(CheckinRound, and_(
                CheckinRound.person_id == Person.id, CheckinRound.week == week))
            .where(Person.key.in_(keys[start:start + 500]))))
    return zones


def _enqueue_image(ctx: Context, target: Target, caption: str, image: bytes, name: str,
                   dedupe_key: str, readers: str) -> bool:
    message = OutboundMessage(caption, image=image, image_name=name)
    payload = message.to_payload() | {READERS_KEY: readers}
    row = ctx.outbox.enqueue(platform=target.platform, target_kind=target.kind,
                             address=target.address, payload=payload,
                             now=ctx.clock.now(), dedupe_key=dedupe_key)
    if row is not None:
        ctx.sent.append(message)
    return row is not None


# --- the monthly review's link to the month's digests -----------------------------------

def month_weeks(year: int, month: int) -> list[str]:
    """The ISO weeks of a month: those whose Thursday falls in it (ISO's own rule)."""
    day = date(year, month, 1)
    day += timedelta(days=(3 - day.weekday()) % 7)  # the month's first Thursday
    weeks: list[str] = []
    while day.month == month:
        weeks.append(week_of(day))
        day += timedelta(weeks=1)
    return weeks


def send_month_digests(ctx: Context, person: Person, year: int, month: int) -> bool:
    """With the monthly review: the month's weekly digests named (week, dates, when each
    was sent) and the month's attainment chart, once per person and month (outbox dedupe
    key); False if it was sent before or the person cannot be reached."""
    tag = f"{year}-{month:02d}"
    key = f"monthly:{tag}:digests:{person.key}"
    target = ctx.dm_target(person)
    if not gets_digest(person) or target is None or \
            RoundBatchRepo(ctx.session).taken_dedupe_keys([key]):
        return False  # checked first: the chart is not drawn again for nothing
    weeks = month_weeks(year, month)
    tz = ZoneInfo(person.timezone)
    sent = {d.week: d.queued_at.astimezone(tz).date()
            for d in DigestRepo(ctx.session).sent_to(person, weeks)}
    team = team_of(person)
    markup = ctx.addressbook.markup(target.platform)
    with one_moment(ctx) as seen:  # the chart's statements read one moment, as the digests'
        chart = chart_png(seen, person.locale, week_start(weeks[-1]), len(weeks), team)
    text = ctx.renderer.message(
        person.locale, "digest_month", markup, month=tag, team=_named(ctx, team),
        chart=chart is not None,
        digests=[(w, week_start(w), week_end(w), sent.get(w)) for w in weeks])
    if chart is None:
        return ctx.post(target, text, dedupe_key=key, readers=digest_readers(person))
    return _enqueue_image(ctx, target, text, chart, f"{CHART_KIND}-{tag}.png", key,
                          digest_readers(person))

"""One APScheduler 3.x scheduler per process, its jobs stored in the bot's own database.

Check-ins are scheduled per timezone, not per person: one weekly cron job for each
timezone someone who checks in lives in, which prompts everyone of that timezone in
batches when their local check-in time comes. An org of 10,000 people has a handful
of jobs (one per distinct timezone), so start-up and memory do not grow with people
and a round is one batched run, not 10,000 separate ones. On start the jobs are
brought in line with the org file, and a check-in missed while the bot was down is
sent once if its time is still within the grace period (catch_up, computed from the
schedule, so it does not depend on the jobs). That and the other start-up catch-ups
(the digests above all) run in the background once the bot is running: see
start_scheduler.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping
from datetime import datetime, timedelta

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine

from bot.config import CheckinSchedule
from bot.core import ROUND_BATCH, TeamPulse
from bot.loglines import log_not_sent, outcomes
from bot.org import Org
from bot.org_reload import moved_from, newly_due
from bot.schedule import checkin_trigger, last_checkin
from bot.weeks import current_week
from handlers.checkin import prompt_checkins
from handlers.honours import POST_HOUR
from storage.models import Person
from storage.round_batch import RoundBatchRepo

log = logging.getLogger(__name__)

JOB_PREFIX = "checkin:"
#: Check-in jobs are named `checkin:tz:<IANA timezone>`. Per-person jobs (`checkin:<key>`)
#: that an earlier version stored are removed on start like any unwanted job.
ZONE_JOB_PREFIX = JOB_PREFIX + "tz:"
ZONE_JOB_FUNC = "bot.jobs:checkin_zone_job"
REMINDER_SWEEP = timedelta(minutes=5)
#: How often the running bot looks for rounds requested with `teampulse checkin send`.
ROUND_REQUEST_POLL = timedelta(seconds=3)
#: How often one-on-one occurrences are checked for due reminders and prompts. Nothing is
#: stored per pair: occurrences come from the cadence, and each message's outbox dedupe
#: key makes a repeated (or post-restart) sweep send nothing twice.
ONEONONE_SWEEP = timedelta(minutes=1)
#: How often the watched CRM folder (org file: crm.watch_folder) is scanned for new files.
CRM_WATCH_POLL = timedelta(minutes=1)
#: How often pulse polls are opened, sent (at each person's local time), reminded and closed.
PULSE_SWEEP = timedelta(minutes=5)
#: How often the weekly digests are looked at: each recipient's goes out within this of
#: their local digest time. Nothing is stored per job: each digest is claimed once per
#: recipient and week in the database (storage/digest.py).
DIGEST_SWEEP = timedelta(minutes=1)
#: How often scheduled 360° reviews are started and closed (org file: reviews:). What has
#: started is claimed in the database, so the sweep itself needs no persistent job.
REVIEW_SWEEP = timedelta(minutes=5)


def build_scheduler(engine: Engine, grace: timedelta) -> AsyncIOScheduler:
    """A scheduler whose check-in jobs persist in the database; sweeps live in memory."""
    return AsyncIOScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename="apscheduler_jobs"),
                   "memory": MemoryJobStore()},
        job_defaults={"coalesce": True, "max_instances": 1,
                      "misfire_grace_time": int(grace.total_seconds())},
        timezone="UTC",
    )


def sync_checkin_jobs(scheduler: AsyncIOScheduler, bot: TeamPulse) -> list[str]:
    """One weekly job per timezone of the people who check in; any other check-in job goes.

    A job is (re)written only when it is new or its trigger changed, so a restart of an
    unchanged org writes nothing.
    """
    schedule = bot.settings.checkin_schedule
    grace = int(bot.settings.grace_period.total_seconds())
    with bot.unit() as ctx:
        zones = RoundBatchRepo(ctx.session).checking_in_timezones()
    existing = {job.id: job for job in scheduler.get_jobs(jobstore="default")
                if job.id.startswith(JOB_PREFIX)}
    wanted: list[str] = []
    for zone in zones:
        job_id = ZONE_JOB_PREFIX + zone
        wanted.append(job_id)
        trigger = checkin_trigger(schedule, zone)
        job = existing.get(job_id)
        if job is not None and job.func_ref == ZONE_JOB_FUNC and job.args == (zone,) and \
                str(job.trigger) == str(trigger) and str(job.trigger.timezone) == zone and \
                job.misfire_grace_time == grace:
            continue  # unchanged: rewriting it would cost a commit for nothing
        scheduler.add_job(ZONE_JOB_FUNC, trigger, args=[zone], id=job_id,
                          name=f"weekly check-in in {zone}", replace_existing=True,
                          jobstore="default")
    for job_id in existing.keys() - set(wanted):
        scheduler.remove_job(job_id, jobstore="default")
    return wanted


async def catch_up(bot: TeamPulse, keys: Collection[str] | None = None,
                   zones_before: Mapping[str, str] | None = None) -> dict[str, str]:
    """Send check-ins whose time passed while the bot was down, if within the grace period
    (of everyone, or of the people `keys` names: those an org file reload made due).
    `zones_before`: the timezone each of them the reload moved had; a week whose moment
    had not come there yet is theirs to be asked now, however long ago it passed where
    they are now (Honolulu to Auckland on a Friday evening: Auckland's Friday 16:00 was
    19 hours before). On a start (no `keys`), the org file may have moved someone while
    the bot was stopped: the timezone their latest round was run in is the one they had.

    Safe to run on every start: prompts are idempotent per person and week. A week
    whose prompt was never sent and whose grace period has passed is logged (one line
    per week, with the count and the first keys), so the operator can tell why someone
    was not asked.
    """
    due = await bot.db(_catch_up_due, bot, None if keys is None else set(keys),
                       zones_before or {})
    results: dict[str, str] = {}
    # Written in small transactions on the database thread, like any round.
    for start in range(0, len(due), ROUND_BATCH):
        # Stopping: the rest are prompted by the next start while within their grace
        # period (a prompt is created once per person and week).
        if bot.stops_at("check-in catch-up", start, len(due), "due"):
            break
        results.update(await bot.db(_catch_up_batch, bot, due[start:start + ROUND_BATCH]))
    if results:
        # (One line for any number of people: a dict of 5,000 outcomes was a line of
        # 130 KB in the operator's log.)
        log.info("catch-up after start: %s", outcomes(results))
    # Prompts paced behind the first go out at the pacing rate: deliver() wakes the
    # outbox loop for them instead of leaving them to its idle wake-up (and does not
    # wait for them, nor for a backlog left from before the start).
    await bot.deliver(wait=False)
    return results


def _catch_up_due(bot: TeamPulse, keys: Collection[str] | None = None,
                  zones_before: Mapping[str, str] | None = None) -> list[tuple[int, str]]:
    """(person id, week) of everyone whose check-in time passed within the grace period,
    and of everyone moved (`zones_before`; on a start, from their latest round) whose
    week's moment had not come where they were."""
    now = bot.clock.now()
    schedule = bot.settings.checkin_schedule
    due: list[tuple[int, str]] = []
    late: list[tuple[Person, str]] = []
    # Everyone in one timezone shares the moment: computed once per timezone.
    moments: dict[str, tuple[datetime, str]] = {}
    with bot.unit() as ctx:
        for person in ctx.people.checking_in():
            if keys is not None and person.key not in keys:
                continue
            if person.timezone not in moments:
                missed = last_checkin(schedule, person.timezone, now)
                moments[person.timezone] = (missed, current_week(missed, person.timezone))
            missed, week = moments[person.timezone]
            was = (zones_before or {}).get(person.key)
            if now - missed <= bot.settings.grace_period:
                due.append((person.id, week))
            elif was is not None and _owed(schedule, was, now, week):
                # Moved east (Honolulu to Auckland) before their old zone's moment came:
                # the new zone's passed hours before the edit, yet nobody asked them for
                # this week, nor will.
                due.append((person.id, week))
            elif keys is None:
                # (After a reload, a week that passed before the edit is no missed one.)
                late.append((person, week))
        repo = RoundBatchRepo(ctx.session)
        rounds = repo.rounds((p.id, week) for p, week in late)
        unasked = [(person, week) for person, week in late
                   if (rnd := rounds.get((person.id, week))) is None
                   or (rnd.prompted_at is None and rnd.status != "submitted")]
        # Moved east in the org file while the bot was stopped: the start knows no old
        # timezone but the one their latest round was run in (one read, of the unasked
        # only: usually nobody).
        zones = repo.latest_round_zones([p.id for p, _ in unasked]) if unasked else {}
        owed = {(person.id, week) for person, week in unasked
                if (was := zones.get(person.id)) not in (None, person.timezone)
                and _owed(schedule, was, now, week)}
        due.extend(sorted(owed))
        log_not_sent(log, "check-in", ((week, person.key) for person, week in unasked
                                       if (person.id, week) not in owed))
    return due


def _owed(schedule: CheckinSchedule, was: str, now: datetime, week: str) -> bool:
    """Whether the check-in moment of `week` (where someone is now) had not come yet in
    `was`, the timezone they were moved from: nobody asked them for it there either.
    (ISO week labels sort in time order.)"""
    return current_week(last_checkin(schedule, was, now), was) < week


def _catch_up_batch(bot: TeamPulse, due: list[tuple[int, str]]) -> dict[str, str]:
    with bot.unit() as ctx:
        return prompt_checkins(ctx, due)


HONOURS_JOB = "honours"
MONTHLY_REVIEW_JOB = "monthly-review"


def sync_honours_job(scheduler: AsyncIOScheduler, bot: TeamPulse) -> None:
    """The monthly honour roll: weekdays among the 1st-7th at POST_HOUR in the org's
    timezone, so it lands on the first working day, and the days after it send what a bot
    down that day missed (honours.month_opening); the roll itself posts once a month."""
    scheduler.add_job("bot.jobs:honours_job", CronTrigger(
        day="1-7", day_of_week="mon-fri", hour=POST_HOUR, timezone=bot.org.timezone),
        id=HONOURS_JOB, name="monthly honour roll", replace_existing=True, jobstore="default")
    # The monthly review goes out at the same moment, for the same reason; and on any
    # working day after, to a director it waited for while they were away, once back.
    scheduler.add_job("bot.jobs:monthly_review_job", CronTrigger(
        day_of_week="mon-fri", hour=POST_HOUR, timezone=bot.org.timezone),
        id=MONTHLY_REVIEW_JOB, name="monthly review", replace_existing=True, jobstore="default")


def sync_org_jobs(scheduler: AsyncIOScheduler, bot: TeamPulse) -> None:
    """The jobs that follow the org file: check-ins per timezone, the monthly jobs in the
    org's timezone, the 360° review sweep (with a `reviews:` schedule) and the CRM folder
    scan (with `crm.watch_folder`). At start, and again when the org file is reloaded."""
    sync_checkin_jobs(scheduler, bot)
    sync_honours_job(scheduler, bot)
    _sweep(scheduler, "bot.jobs:review_schedule_job", REVIEW_SWEEP, "review-schedule",
           bot.org.reviews.enabled)
    _sweep(scheduler, "bot.jobs:crm_watch_job", CRM_WATCH_POLL, "crm-watch",
           bot.org.crm.watch_folder is not None)


def _sweep(scheduler: AsyncIOScheduler, func: str, every: timedelta, job_id: str,
           wanted: bool) -> None:
    """An in-memory sweep that runs while `wanted`; left as is when already there (a
    rewritten job would restart its interval)."""
    present = scheduler.get_job(job_id, jobstore="memory") is not None
    if wanted and not present:
        scheduler.add_job(func, IntervalTrigger(seconds=int(every.total_seconds())),
                          id=job_id, jobstore="memory", replace_existing=True)
    elif present and not wanted:
        scheduler.remove_job(job_id, jobstore="memory")


def org_reloaded(scheduler: AsyncIOScheduler, bot: TeamPulse, old: Org,
                       new: Org) -> None:
    """The leader's part of an org file reload: its jobs follow the new org, and whoever
    the edit made due (added, or moved timezone) gets a check-in missed within the grace
    period, as a start would send it (in the background)."""
    sync_org_jobs(scheduler, bot)
    due = newly_due(old, new)
    if due:
        bot.spawn(_catch_up_quietly(bot, due, moved_from(old, new)))


async def _catch_up_quietly(bot: TeamPulse, keys: list[str], zones_before: dict[str, str]
                            ) -> None:
    try:
        await catch_up(bot, keys, zones_before)
    except Exception:  # a database hiccup: the round job or the next start covers them
        log.exception("catching up the check-ins of people added to the org file failed")


async def start_scheduler(bot: TeamPulse, engine: Engine, *,
                          after_catch_up: Callable[[], None] | None = None,
                          ) -> AsyncIOScheduler:
    """Start the process's one scheduler with its jobs, and catch up on what fell due
    while the bot was not running.

    The catch-up is started in the background, not done before this returns (and so
    before the bot says it is running): `bot.spawn`, so `bot.drain()` awaits it and
    `bot.cancel_background()` cancels it; see `catch_up_in_background`;
    `after_catch_up` is called once that has ended (`teampulse run` hands the memory it
    used back to the system).
    """
    scheduler = build_scheduler(engine, bot.settings.grace_period)
    scheduler.start()
    bot.scheduler = scheduler
    sync_org_jobs(scheduler, bot)
    scheduler.add_job("bot.jobs:reminder_job", IntervalTrigger(
        seconds=int(REMINDER_SWEEP.total_seconds())), id="reminders", jobstore="memory",
        replace_existing=True)
    scheduler.add_job("bot.jobs:round_requests_job", IntervalTrigger(
        seconds=int(ROUND_REQUEST_POLL.total_seconds())), id="round-requests",
        jobstore="memory", replace_existing=True)
    scheduler.add_job("bot.jobs:oneonone_job", IntervalTrigger(
        seconds=int(ONEONONE_SWEEP.total_seconds())), id="oneonones", jobstore="memory",
        replace_existing=True)
    scheduler.add_job("bot.jobs:pulse_job", IntervalTrigger(
        seconds=int(PULSE_SWEEP.total_seconds())), id="pulse", jobstore="memory",
        replace_existing=True)
    # A 360° survey that waited while its rater was away goes out once they are back.
    scheduler.add_job("bot.jobs:review_held_job", IntervalTrigger(
        seconds=int(REMINDER_SWEEP.total_seconds())), id="review-held", jobstore="memory",
        replace_existing=True)
    if bot.settings.digest_schedule is not None:
        scheduler.add_job("bot.jobs:digest_job", IntervalTrigger(
            seconds=int(DIGEST_SWEEP.total_seconds())), id="digests", jobstore="memory",
            replace_existing=True)
    # A round requested (`teampulse checkin send`) while the bot was down: in the
    # background, as the 3-second poll runs it (one at a time; each request is claimed
    # once), so a round of thousands does not hold up the start.
    bot.poll_round_requests()
    bot.catching_up = bot.spawn(catch_up_in_background(bot, after_catch_up))
    return scheduler


async def catch_up_in_background(bot: TeamPulse,
                                 then: Callable[[], None] | None = None) -> None:
    """What fell due while the bot was not running, once it runs.

    None of it is needed to answer anyone, and each part is once-only whenever it runs
    (per month, or per person and week), so it does not hold up the start: at hours when
    thousands of check-ins or digests are due it took seconds. It stops when the
    leader's work stops (`bot.winding_down`: the process stops or leadership is lost),
    check-ins between two batches and digests between two recipients; what it did not
    get to is caught up by the next start or the regular job, within the same grace
    periods, and never twice.
    """
    steps = (
        # Check-ins first: the weekly prompt is the bot's first business. At a check-in
        # hour this is a round of thousands (about 3 s for 10,000 people), which the
        # scheduled job, too, builds while the bot serves: a prompt's creation is
        # idempotent per person and week, so a person who writes meanwhile is answered
        # as in any round, and the job firing too sends nobody two.
        lambda: catch_up(bot),
        # Started (or restarted) on the day the honour roll is due: post it, once.
        bot.run_honours,
        bot.run_monthly_review,  # likewise, once a month
        # Digests whose time passed while the bot was down, within their grace period
        # (the digest sweep may run meanwhile: each digest is claimed once per week).
        lambda: bot.run_digests(starting=True),
        bot.run_review_schedule,  # reviews due while the bot was down, once each
        # Raters of open reviews taken out of the org file while the bot was down.
        bot.replace_review_leavers,
    )
    for step in steps:
        if bot.winding_down:
            return
        try:
            await step()
        except Exception:  # a database hiccup: the next step may still succeed
            log.exception("catching up after the start failed; it is tried again when its "
                          "job next runs, or at the next start")
    if then is not None:
        then()

"""Entry points the persistent scheduler stores by reference ('bot.jobs:checkin_job').

Stored jobs outlive the process, so they name a module-level function and find the
running bot here rather than pickling it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.schedule import late_week
from storage.db import JOB_DB_FAILURES, describe_db_error

if TYPE_CHECKING:
    from bot.core import TeamPulse

log = logging.getLogger(__name__)
_bot: TeamPulse | None = None
# A check-in job that failed (the database was down): the next reminder sweep catches up.
_missed_checkins = False
# Likewise the honour roll's job: its next run is the next weekday's 09:00 (none after the
# month's 7th), so the roll would come a day late, or not at all.
_missed_honours = False


def _count(job: str, outcome: str) -> None:
    if _bot is not None:
        _bot.metrics.jobs_run.labels(job, outcome).inc()


def bind(bot: TeamPulse | None) -> None:
    """Set (or clear) the running bot that jobs act on."""
    global _bot
    _bot = bot


async def checkin_job(person_key: str) -> None:
    """The weekly check-in prompt for one person (jobs are per timezone now; kept so a job
    stored by an earlier version still runs if it fires before start-up replaces it)."""
    if _bot is None:
        log.warning("check-in job for %s fired with no bot running", person_key)
        return
    global _missed_checkins
    try:
        await _bot.run_checkins([person_key])
        _count("checkin", "ok")
    except JOB_DB_FAILURES as exc:
        _count("checkin", "failed")
        # A weekly job does not run again until next week: remember, and let the
        # reminder sweep send it (within the grace period) once the database is back.
        _missed_checkins = True
        log.error("check-in job for %s failed (%s); retrying at the next reminder sweep",
                  person_key, describe_db_error(exc))


async def checkin_zone_job(timezone: str) -> None:
    """The weekly check-in prompt for everyone who checks in in one timezone."""
    if _bot is None:
        log.warning("check-in job for %s fired with no bot running", timezone)
        return
    global _missed_checkins
    settings = _bot.settings
    try:
        await _bot.run_checkins(timezone=timezone, week=late_week(
            settings.checkin_schedule, timezone, _bot.clock.now(), settings.grace_period))
        _count("checkin", "ok")
    except JOB_DB_FAILURES as exc:
        _count("checkin", "failed")
        # As for one person: the reminder sweep catches up within the grace period.
        _missed_checkins = True
        log.error("check-in job for %s failed (%s); retrying at the next reminder sweep",
                  timezone, describe_db_error(exc))


async def reminder_job() -> None:
    """Send the reminders that have fallen due (and check-ins a failed job missed)."""
    global _missed_checkins, _missed_honours
    if _bot is None:
        return
    from bot.scheduler import catch_up  # the scheduler imports this module

    try:
        if _missed_checkins:
            await catch_up(_bot)
            _missed_checkins = False
        if _missed_honours:
            await _bot.run_honours()  # once a month whenever it runs (and if still due)
            _missed_honours = False
        await _bot.run_reminders()
        _count("reminders", "ok")
    except JOB_DB_FAILURES as exc:
        _count("reminders", "failed")
        log.error("reminder sweep failed (%s); trying again at the next sweep",
                  describe_db_error(exc))


async def round_requests_job() -> None:
    """Carry out 'send a round now' requests the CLI recorded in the database."""
    if _bot is not None:
        _bot.poll_round_requests()
        _count("round_requests", "ok")


async def honours_job() -> None:
    """The monthly honour roll (the handler checks it is the first working day)."""
    if _bot is None:
        return
    global _missed_honours
    try:
        await _bot.run_honours()
        _count("honours", "ok")
    except JOB_DB_FAILURES as exc:
        _count("honours", "failed")
        _missed_honours = True
        log.error("honour roll job failed (%s); retrying at the next reminder sweep",
                  describe_db_error(exc))


async def oneonone_job() -> None:
    """The one-on-one sweep: reminders, "did it happen?", due action items, feedback."""
    if _bot is None:
        return
    try:
        await _bot.run_oneonones()
        _count("oneonones", "ok")
    except JOB_DB_FAILURES as exc:
        _count("oneonones", "failed")
        log.error("one-on-one sweep failed (%s); trying again at the next sweep",
                  describe_db_error(exc))


async def crm_watch_job() -> None:
    """Import new or changed CRM exports dropped in the watched folder."""
    if _bot is None:
        return
    from bot.crm_import import watch_folder

    try:
        await _bot.db(watch_folder, _bot)
        await _bot.deliver()
        _count("crm_watch", "ok")
    except JOB_DB_FAILURES as exc:
        _count("crm_watch", "failed")
        log.error("CRM folder scan failed (%s); trying again at the next scan",
                  describe_db_error(exc))


async def monthly_review_job() -> None:
    """The monthly review (the handler checks it is the first working day)."""
    if _bot is not None:
        await _bot.run_monthly_review()
        _count("monthly_review", "ok")


async def pulse_job() -> None:
    """Anonymous pulse polls: open, ask, remind, close and alert as their times come."""
    if _bot is None:
        return
    try:
        await _bot.run_pulse()
        _count("pulse", "ok")
    except JOB_DB_FAILURES as exc:
        _count("pulse", "failed")
        log.error("pulse sweep failed (%s); trying again at the next sweep",
                  describe_db_error(exc))


async def digest_job() -> None:
    """The weekly digests to the GM and directors whose local digest time has come."""
    if _bot is None:
        return
    try:
        await _bot.run_digests()
        _count("digests", "ok")
    except JOB_DB_FAILURES as exc:
        _count("digests", "failed")
        log.error("digest sweep failed (%s); trying again at the next sweep",
                  describe_db_error(exc))


async def review_schedule_job() -> None:
    """Scheduled 360° reviews: start those due, close those whose days are up."""
    if _bot is None:
        return
    try:
        await _bot.run_review_schedule()
        _count("review_schedule", "ok")
    except JOB_DB_FAILURES as exc:
        _count("review_schedule", "failed")
        log.error("360° review schedule sweep failed (%s); trying again at the next sweep",
                  describe_db_error(exc))


async def review_held_job() -> None:
    """360° surveys that waited for raters away when their review began, once back."""
    if _bot is None:
        return
    try:
        await _bot.run_review_held()
        _count("review_held", "ok")
    except JOB_DB_FAILURES as exc:
        _count("review_held", "failed")
        log.error("sweep of 360° surveys held for raters away failed (%s); trying again at "
                  "the next sweep", describe_db_error(exc))

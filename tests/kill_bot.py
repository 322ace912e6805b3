"""One step of the running bot's work, in a process SIGKILLed by itself at a chosen moment.

    DATABASE_URL=... TEAMPULSE_ORG_FILE=... python -m tests.kill_bot STEP MOMENT

prepares the bot as `teampulse run` does (`bot.app.prepare`: migrate, sync the org), runs
STEP once, as the scheduler's job would, and sends itself SIGKILL at MOMENT (no handler, no
cleanup: as the OOM killer or a power cut would), so a test kills it at the worst moment
without timing anything (see tests/kill_move.py for the same about move-db). STEP is one of:

  prepare           nothing more than the start's migration and org sync
  monthly           last month's monthly reviews and the GMs' overview (run_monthly_review),
                    at KILL_BOT_NOW (ISO, a FakeClock) rather than the machine's clock
  crm-scan          one scan of the watched CRM folder (bot.crm_import.watch_folder)
  zone-job          the weekly check-in job of America/New_York (bot.jobs.checkin_zone_job,
                    as APScheduler runs it, on time or late), at KILL_BOT_NOW
  catch-up          the start's check-in catch-up (bot.scheduler.catch_up), at KILL_BOT_NOW
  reminders         one reminder sweep (bot.jobs.reminder_job), at KILL_BOT_NOW
  run               `teampulse run` itself (bot.cli.main), the console on stdin/stdout
  cli ARGS…         `teampulse ARGS…` (bot.cli.main), as an operator runs a command

A start's migration runs in a child process (storage.migrate.migrating): this
harness runs itself there too (step `migrate-child`, the same MOMENT), so a migration
moment kills the child, and then the start's own migration in its place (the fallback
when the child fails), as it would kill `teampulse migrate`'s.

and MOMENT one of:

  crm-commit        the COMMIT of the transaction storing a CRM file's rows, before it is
                    sent
  crm-committed     the transaction that stored a CRM file's rows has committed; nothing
                    after it has run
  round-batch:N     a check-in round written one person a transaction (ROUND_BATCH 1, or
                    KILL_BOT_ROUND_BATCH people): the first N-1 batches committed, the Nth
                    written and not committed
  reminder-batch:N  a reminder sweep's Nth batch (of ROUND_BATCH rounds) written, not
                    committed
  first-commit      the first ORM session's COMMIT (after the migrations'), before it
                    is sent: everything done and nothing kept
  first-committed   the first ORM session's COMMIT done; nothing after it has run
  answer-commit     the COMMIT of the transaction storing a check-in answer (and queuing
                    what follows it), before it is sent
  answer-committed  that COMMIT done; nothing after it has run (the reply not delivered)
  monthly-director:N  the Nth director's monthly review written, not committed
  migrate-commit    the migrations' COMMIT (every migration run), before it is sent
  migrated:REV      migration REV run (its tables copied, its version recorded) inside the
                    migrations' one transaction, those after it not begun
  none              no kill (the restart)
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

import bot.crm_import as crm_import
from bot.app import prepare
from bot.clock import FakeClock
from bot.config import Settings
from tests.kill_move import die
from tests.support import RecordingAdapter


def install(moment: str) -> None:
    """Patch the product so the process dies at `moment`."""
    if moment in {"crm-commit", "crm-committed"}:
        real_import = crm_import.import_actuals
        stored: set[int] = set()

        def import_actuals(session: Session, *args: Any, **kwargs: Any) -> Any:
            result = real_import(session, *args, **kwargs)
            if result.status in {"new", "replaced"}:
                stored.add(id(session))
            return result

        crm_import.import_actuals = import_actuals  # type: ignore[assignment]

        when = "before_commit" if moment == "crm-commit" else "after_commit"

        @event.listens_for(Session, when)
        def at_commit(session: Session) -> None:
            if id(session) in stored:
                die()
    elif moment.startswith("round-batch:"):
        import bot.core as core

        core.ROUND_BATCH = int(os.environ.get("KILL_BOT_ROUND_BATCH", "1"))
        real_batch = core.TeamPulse._prompt_batch
        last = int(moment.split(":")[1])

        def prompt_batch(self: Any, person_ids: list[int], number: int, *args: Any) -> Any:
            if number == last:
                self.round_batch_hook = lambda _number: die()  # inside its transaction
            return real_batch(self, person_ids, number, *args)

        core.TeamPulse._prompt_batch = prompt_batch  # type: ignore[method-assign]
    elif moment.startswith("reminder-batch:"):
        import handlers.checkin as checkin

        real_send = checkin.send_reminders
        last, batches = int(moment.split(":")[1]), 0

        def send_reminders(*args: Any, **kwargs: Any) -> Any:
            nonlocal batches
            result = real_send(*args, **kwargs)
            batches += 1
            if batches == last:
                die()  # inside its transaction
            return result

        checkin.send_reminders = send_reminders  # type: ignore[assignment]
    elif moment in {"first-commit", "first-committed"}:
        when = "before_commit" if moment == "first-commit" else "after_commit"
        event.listen(Session, when, lambda _session: die())
    elif moment in {"answer-commit", "answer-committed"}:
        from storage.models import Answer

        answering: set[int] = set()

        @event.listens_for(Session, "before_flush")
        def before_flush(session: Session, *_: Any) -> None:
            if any(isinstance(row, Answer) for row in session.new):
                answering.add(id(session))

        when = "before_commit" if moment == "answer-commit" else "after_commit"

        @event.listens_for(Session, when)
        def at_commit(session: Session) -> None:
            if moment == "answer-commit":
                session.flush()  # what autoflush would write at the commit
            if id(session) in answering:
                die()
    elif moment.startswith("monthly-director:"):
        import handlers.monthly_review as monthly_review

        real_send = monthly_review.send_director_review
        last, sent = int(moment.split(":")[1]), 0

        def send_director_review(*args: Any, **kwargs: Any) -> None:
            nonlocal sent
            real_send(*args, **kwargs)
            sent += 1
            if sent == last:
                die()  # inside its transaction

        monthly_review.send_director_review = send_director_review
    elif moment == "migrate-commit":
        # storage/migrations/env.py runs them all in one transaction: its COMMIT is the
        # first once they have run.
        from alembic.runtime.migration import MigrationContext

        real_run = MigrationContext.run_migrations
        ran: list[bool] = []

        def run_migrations(self: Any, **kwargs: Any) -> None:
            real_run(self, **kwargs)
            ran.append(True)

        MigrationContext.run_migrations = run_migrations  # type: ignore[method-assign]
        event.listen(Engine, "commit", lambda _conn: die() if ran else None)
    elif moment.startswith("migrated:"):
        revision = moment.split(":", 1)[1]

        @event.listens_for(Engine, "after_cursor_execute")
        def after_execute(_conn: Any, _cursor: Any, statement: str, parameters: Any,
                          *_: Any) -> None:
            # Alembic records each migration's revision as soon as it has run.
            if "alembic_version" in statement and revision in f"{statement} {parameters}" \
                    and statement.lstrip().upper().startswith(("UPDATE", "INSERT")):
                die()
    elif moment != "none":
        raise SystemExit(f"unknown moment {moment!r}")


def run(step: str) -> None:
    """Run `step` once on a bot prepared from the environment's settings."""
    settings = Settings(database_url=os.environ["DATABASE_URL"],
                        org_file=Path(os.environ["TEAMPULSE_ORG_FILE"]))
    now = os.environ.get("KILL_BOT_NOW")
    bot, engine = prepare(settings, FakeClock(datetime.fromisoformat(now)) if now else None)
    # The console platform, as for the tests' `chat`: what is queued for someone is what
    # a running platform reaches; nothing is delivered here (the outbox is read after).
    bot.register(RecordingAdapter())
    try:
        if step == "prepare":
            pass  # migrated and the org synced, as a start does
        elif step == "monthly":
            asyncio.run(bot.run_monthly_review())
        elif step == "crm-scan":
            crm_import.watch_folder(bot)
        elif step in {"zone-job", "catch-up", "reminders"}:
            asyncio.run(_scheduled(bot, step))
        else:
            raise SystemExit(f"unknown step {step!r}")
    finally:
        engine.dispose()


async def _scheduled(bot: Any, step: str) -> None:
    """One of the scheduler's check-in steps, as the running bot's scheduler runs it."""
    from bot import jobs
    from bot.scheduler import catch_up

    jobs.bind(bot)
    try:
        if step == "zone-job":
            await jobs.checkin_zone_job("America/New_York")
        elif step == "catch-up":
            await catch_up(bot)
        else:
            await jobs.reminder_job()
    finally:
        jobs.bind(None)


if __name__ == "__main__":
    install(sys.argv[2])
    if sys.argv[1] == "migrate-child":
        from storage.migrate import child_main

        child_main()
    import storage.migrate

    storage.migrate.CHILD = ("-m", "tests.kill_bot", "migrate-child", sys.argv[2])
    if sys.argv[1] in {"run", "cli"}:
        from bot.cli import main

        args = ["run"] if sys.argv[1] == "run" else sys.argv[3:]
        raise SystemExit(main(["--env-file", "/dev/null", *args]))
    run(sys.argv[1])

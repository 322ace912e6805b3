"""The bot's process SIGKILLed (the OOM killer, kill -9, a power cut) at the worst moment of
a step, and started again: what users get after the restart is what they would have got
without the kill, nothing twice and nothing never. Each test kills a real process at a
chosen point (tests/kill_bot.py), never after a wait on the clock."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tests.support import TEST_ORG
from tests.test_crm_import import settled
from tests.test_crm_twins import daily
from tests.test_operations import sqlite_only
from tests.test_operations import teampulse as teampulse_cli
from tests.test_resilience_stop import PROMPT, ROOT, STARTUP, Bot


def step(database_url: str, org_file: Path, name: str, moment: str, *args: str,
         now: str | None = None) -> subprocess.CompletedProcess[str]:
    """tests/kill_bot.py's STEP run once in its own process, killed at MOMENT (`args`:
    the command's, for the step `cli`), at `now` (default MONTH_OPENING)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "TELEGRAM_", "TEAMPULSE_", "DATABASE_"))}
    env.update(DATABASE_URL=database_url, TEAMPULSE_ORG_FILE=str(org_file),
               PYTHONPATH=str(ROOT), KILL_BOT_NOW=now or MONTH_OPENING)
    return subprocess.run([sys.executable, "-m", "tests.kill_bot", name, moment, *args],
                          capture_output=True, text=True, env=env, cwd=org_file.parent,
                          timeout=120, stdin=subprocess.DEVNULL)


def killed(database_url: str, org_file: Path, name: str, moment: str, *args: str) -> None:
    done = step(database_url, org_file, name, moment, *args)
    assert done.returncode == -signal.SIGKILL, (done.returncode, done.stderr)


def restarted(database_url: str, org_file: Path, name: str) -> None:
    done = step(database_url, org_file, name, "none")
    assert done.returncode == 0, done.stderr


def rows(database_url: str, sql: str, **params: Any) -> list[Any]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(sql), params))
    finally:
        engine.dispose()


def gm_notes(database_url: str) -> list[str]:
    """The dedupe keys of what is queued for the GM about the CRM folder's files."""
    return [r[0] for r in rows(database_url, "SELECT dedupe_key FROM outbox "
                               "WHERE dedupe_key LIKE 'crm-%' ORDER BY id")]


# --- the watched CRM folder ----------------------------------------------------------------

def watched_org(tmp_path: Path) -> tuple[Path, Path]:
    """The test org with a watched CRM folder: (org file, folder)."""
    inbox = tmp_path / "crm-inbox"
    inbox.mkdir()
    org = tmp_path / "org.yaml"
    org.write_text(TEST_ORG.read_text(encoding="utf-8")
                   + f"\ncrm:\n  watch_folder: {inbox}\n", encoding="utf-8")
    return org, inbox


def test_a_scan_killed_once_an_overlapping_file_is_stored_still_tells_the_gm_once(
        tmp_path: Path, database_url: str) -> None:
    """Grace's CRM folder gets a file repeating one of Sam's deals of a file imported
    before; the scan stores it and is killed right after. It was never imported twice
    (the restart's scan sees it stored), and Grace was never told the deal now counts
    twice: her Q4 figure read 12,500 too high with nothing saying why."""
    org, inbox = watched_org(tmp_path)
    (inbox / "pipeline.csv").write_text(daily("sam,revenue,2026-11-24,12500",
                                              "alice,revenue,2026-11-23,30000"),
                                        encoding="utf-8")
    settled(inbox / "pipeline.csv")
    restarted(database_url, org, "crm-scan")
    (inbox / "extra.csv").write_text(daily("sam,revenue,2026-11-24,12500",
                                           "li,revenue,2026-11-25,8000"), encoding="utf-8")
    settled(inbox / "extra.csv")

    killed(database_url, org, "crm-scan", "crm-committed")
    restarted(database_url, org, "crm-scan")
    restarted(database_url, org, "crm-scan")

    assert len(rows(database_url, "SELECT id FROM crm_actuals")) == 4  # stored once
    notes = gm_notes(database_url)
    assert len(notes) == 1 and notes[0].startswith("crm-overlap:") \
        and notes[0].endswith(":grace"), notes


def test_a_scan_killed_once_a_file_replacing_another_is_stored_still_tells_the_gm_once(
        tmp_path: Path, database_url: str) -> None:
    """A Q4 export holding every row of November's, imported before: the scan replaces
    November's rows with Q4's (counted once) and is killed right after. Grace, finding
    november.csv gone from `import-actuals --list`, is still told why, once."""
    org, inbox = watched_org(tmp_path)
    (inbox / "november.csv").write_text(daily("sam,revenue,2026-11-24,12500"),
                                        encoding="utf-8")
    settled(inbox / "november.csv")
    restarted(database_url, org, "crm-scan")
    (inbox / "november.csv").unlink()
    (inbox / "q4.csv").write_text(daily("sam,revenue,2026-11-24,12500",
                                        "alice,revenue,2026-10-14,40000"), encoding="utf-8")
    settled(inbox / "q4.csv")

    killed(database_url, org, "crm-scan", "crm-committed")
    restarted(database_url, org, "crm-scan")

    assert [r[0] for r in rows(database_url, "SELECT source FROM crm_imports")] == ["q4.csv"]
    notes = gm_notes(database_url)
    assert len(notes) == 1 and notes[0].startswith("crm-replaced:"), notes


@pytest.mark.parametrize("moment", ["crm-commit", "crm-committed"])
def test_import_actuals_killed_at_its_commit_counts_the_file_once_when_run_again(
        tmp_path: Path, database_url: str, moment: str) -> None:
    """`teampulse import-actuals q4.csv` killed as it commits the file (nothing kept, so
    run again it imports it) or just after (run again: already imported, nothing
    changed): either way the rows count once."""
    q4 = tmp_path / "q4.csv"
    q4.write_text(daily("sam,revenue,2026-11-24,12500", "alice,revenue,2026-11-23,30000"),
                  encoding="utf-8")
    killed(database_url, TEST_ORG, "cli", moment, "import-actuals", str(q4))
    again = step(database_url, TEST_ORG, "cli", "none", "import-actuals", str(q4))
    assert again.returncode == 0, again.stderr
    assert again.stdout == ("q4.csv: imported 2 rows (teampulse-daily format)\n"
                            if moment == "crm-commit" else
                            "q4.csv: already imported with this content; nothing changed "
                            "(2 rows)\n")
    assert len(rows(database_url, "SELECT id FROM crm_actuals")) == 2


# --- a check-in round the GM asked for ---------------------------------------------------

class KilledBot(Bot):
    """`teampulse run` in the console (as tests.test_resilience_stop.Bot) through
    tests/kill_bot.py, so that it SIGKILLs itself at `moment`."""

    def __init__(self, tmp_path: Path, moment: str) -> None:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("SLACK_", "TELEGRAM_", "TEAMPULSE_"))}
        self.db = tmp_path / "tp.db"
        env.update(ROUND_ENV, DATABASE_URL=f"sqlite:///{self.db}",
                   TEAMPULSE_ORG_FILE=str(ROOT / "org.example.yaml"), PYTHONPATH=str(ROOT))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.kill_bot", "run", moment],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, env=env, cwd=tmp_path)
        self.seen = ""
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()


#: The weekly round's moment long past and its catch-up over (a grace of one minute), so
#: whatever the restart prompts, it prompts for the GM's request.
ROUND_ENV = {"CHECKIN_SCHEDULE": "mon 09:00", "CHECKIN_GRACE_PERIOD": "1m"}


@sqlite_only
def test_a_round_the_gm_asked_for_killed_part_way_is_finished_by_the_restart_at_once(
        tmp_path: Path) -> None:
    """The operator runs `teampulse checkin send`; the bot prompts Alice and is killed (the
    OOM killer) while it writes Bruno's prompt. Started again, it sent Bruno's and Li's
    prompts only ten minutes later (the request waited as another process's claim, on
    SQLite where no other bot can run); now at once. Nobody is prompted twice, and the
    request is recorded done."""
    queued = teampulse_cli(tmp_path, "checkin", "send", "--wait", "0")
    assert queued.returncode == 0, queued.stderr
    first = KilledBot(tmp_path, "round-batch:2")
    try:
        assert first.proc.wait(timeout=STARTUP) == -signal.SIGKILL, first.stop_output()
    finally:
        first.kill()
    url = f"sqlite:///{tmp_path / 'tp.db'}"
    assert prompted(url) == ["alice"]  # Bruno's prompt not committed

    second = Bot(tmp_path, ("CHECKIN_GRACE_PERIOD", ROUND_ENV["CHECKIN_GRACE_PERIOD"]))
    try:
        second.wait_for("/quit")
        second.wait_for(BRUNO_ASKED)
        second.wait_for(LI_ASKED)
        assert sorted(prompted(url)) == ["alice", "bruno", "li"]  # one each
        assert rows(url, "SELECT status FROM round_requests")[0][0] in {"running", "done"}
        second.proc.send_signal(signal.SIGTERM)
        assert second.proc.wait(timeout=PROMPT) == 0
    finally:
        second.kill()
    assert [r[0] for r in rows(url, "SELECT status FROM round_requests")] == ["done"]
    assert second.seen.count(BRUNO_ASKED) == second.seen.count(LI_ASKED) == 1
    assert second.seen.count(ALICE_ASKED) <= 1  # if the killed process had not sent it


ALICE_ASKED = "Hi Alice Martin! Time for your weekly check-in"
BRUNO_ASKED = "Hi Bruno Rossi! Time for your weekly check-in"
LI_ASKED = "李雷，你好！该做"


def prompted(url: str) -> list[str]:
    """Whose check-in prompt is in the outbox, one entry a prompt."""
    return [r[0].split(":")[1] for r in rows(
        url, "SELECT dedupe_key FROM outbox WHERE dedupe_key LIKE :like ORDER BY id",
        like="checkin:%:prompt")]


# --- erasing a person ----------------------------------------------------------------------

def test_an_erase_killed_before_its_commit_erased_nothing_and_is_simply_run_again(
        database_url: str) -> None:
    step(database_url, TEST_ORG, "prepare", "none")
    killed(database_url, TEST_ORG, "cli", "first-commit", "erase", "alice", "--yes")
    assert rows(database_url, "SELECT display_name FROM people WHERE key = 'alice'") == [
        ("Alice Martin",)]
    again = step(database_url, TEST_ORG, "cli", "none", "erase", "alice", "--yes")
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("erased alice:")
    assert rows(database_url, "SELECT id FROM people WHERE key = 'alice'") == []


def test_an_erase_killed_once_committed_is_told_apart_from_a_wrong_key_when_run_again(
        database_url: str) -> None:
    """The operator's SSH session drops (or the OOM killer strikes) as `erase alice --yes`
    commits: nothing was printed. Run again, it said only "no person 'alice' in the
    database (use their key)", which reads as a typo: was she erased or not? Nothing may
    keep her key (README, A person's data), so the line says that an erased person is no
    longer found by it, and `former-<id>` rows are counted for the operator to see."""
    step(database_url, TEST_ORG, "prepare", "none")
    killed(database_url, TEST_ORG, "cli", "first-committed", "erase", "alice", "--yes")
    assert rows(database_url, "SELECT id FROM people WHERE key = 'alice'") == []
    again = step(database_url, TEST_ORG, "cli", "none", "erase", "alice", "--yes")
    assert again.returncode == 2 and again.stdout == ""
    assert again.stderr.strip().splitlines() == [
        "teampulse: no person 'alice' in the database (use their key): never there, or "
        "erased already (an erased person is no longer found by their key; 1 person "
        "erased so far)"]


# --- migrating -----------------------------------------------------------------------------

def test_a_migrate_killed_at_its_commit_left_the_database_as_it_was_and_runs_again(
        tmp_path: Path) -> None:
    """An operator upgrades teampulse and runs `teampulse migrate`; it is killed with every
    migration run and the COMMIT not yet sent (SQLite's and PostgreSQL's own rollback
    after a dead process, not an exception's). The database is at its old revision with
    every row, and `migrate` run again brings it up to date, every row kept."""
    from storage.migrate import current_revision, head_revision, upgrade
    from tests.test_migrations import _counts, fill_every_table
    from tests.test_snapshot_keys import fresh_engine

    with fresh_engine(tmp_path) as engine:
        upgrade(engine, "0014_outboxttl")
        before = _counts(engine, fill_every_table(engine))
        url = engine.url.render_as_string(hide_password=False)
        engine.dispose()
        killed(url, TEST_ORG, "cli", "migrate-commit", "migrate")
        assert current_revision(engine) == "0014_outboxttl"
        assert _counts(engine, list(before)) == before
        engine.dispose()
        again = step(url, TEST_ORG, "cli", "none", "migrate")
        assert again.returncode == 0, again.stderr
        assert again.stdout == f"database is at revision {head_revision(engine)}\n"
        assert current_revision(engine) == head_revision(engine)
        assert _counts(engine, list(before)) == before


# --- an answer and the next question -----------------------------------------------------

def answered_then_killed(tmp_path: Path, moment: str) -> Bot:
    """Alice answers the first question of her check-in in the console, and the bot is
    killed at `moment`; returns the bot started again, up and reading."""
    first = KilledBot(tmp_path, moment)
    try:
        first.wait_for("/quit")
        first.say("/fire checkin alice")
        first.say("/as alice")
        first.wait_for("Question 1 of")
        first.say("52000")
        assert first.proc.wait(timeout=STARTUP) == -signal.SIGKILL, first.stop_output()
    finally:
        first.kill()
    assert "Question 2 of" not in first.seen  # killed before the reply went out
    again = Bot(tmp_path, ("CHECKIN_GRACE_PERIOD", ROUND_ENV["CHECKIN_GRACE_PERIOD"]))
    again.wait_for("/quit")
    return again


@sqlite_only
def test_an_answer_stored_as_the_bot_is_killed_gets_its_next_question_once_after_restart(
        tmp_path: Path) -> None:
    """Killed once Alice's revenue and her next question are committed, before the
    question went out: the restart sends Question 2 once, and her revenue is stored once."""
    bot = answered_then_killed(tmp_path, "answer-committed")
    try:
        bot.wait_for("Question 2 of")
        bot.say("/as alice")
        bot.say("5")
        bot.wait_for("Question 3 of")
        bot.proc.send_signal(signal.SIGTERM)
        assert bot.proc.wait(timeout=PROMPT) == 0
    finally:
        bot.kill()
    assert bot.seen.count("Question 2 of") == 1
    assert [(key, number) for key, _, number, _ in bot.answers()] == [
        ("kpi:revenue", 52000.0), ("kpi:new_customers", 5.0)]


@sqlite_only
def test_an_answer_killed_before_its_commit_is_asked_for_again_not_skipped(
        tmp_path: Path) -> None:
    """Killed as Alice's revenue was being committed: it is lost (README, Reliability: an
    acknowledged event still in hand at a kill), and she hears nothing until she types.
    Typed again after the restart it is taken as the revenue, not as the next question's
    answer, and Question 2 comes once."""
    bot = answered_then_killed(tmp_path, "answer-commit")
    try:
        assert bot.answers() == []
        bot.say("/as alice")
        bot.say("52000")
        bot.wait_for("Question 2 of")
        bot.proc.send_signal(signal.SIGTERM)
        assert bot.proc.wait(timeout=PROMPT) == 0
    finally:
        bot.kill()
    assert bot.seen.count("Question 2 of") == 1
    assert [(key, number) for key, _, number, _ in bot.answers()] == [("kpi:revenue", 52000.0)]


# --- the monthly review ----------------------------------------------------------------------

#: The first working day of December 2026, after the monthly jobs' hour (9:00 in the test
#: org's New York): November's reviews are due.
MONTH_OPENING = "2026-12-01T15:00:00+00:00"
#: Friday 27 November 2026, 16:00 in New York: 2026-W48's check-in moment.
NOVEMBER_CHECKIN = "2026-11-27T21:00:00+00:00"


def queued(database_url: str) -> list[tuple[str, str]]:
    """Everything in the outbox, as (address, dedupe key or ''), sorted: a multiset."""
    return sorted((r[0], r[1] or "") for r in rows(
        database_url, "SELECT address, dedupe_key FROM outbox"))


def test_monthly_reviews_killed_after_the_first_director_are_sent_once_each_after_restart(
        tmp_path: Path, database_url: str) -> None:
    """November's reviews go out on 1 December; the bot is killed while writing the second
    director's. The restart sends the rest and the GM's overview: the outbox holds what
    a run never killed queues, nothing twice, nothing missing."""
    # Running since November (its weekly check-in went out): a fresh install reviews no
    # month before it.
    for url in (database_url, never_killed := f"sqlite:///{tmp_path / 'reference.db'}"):
        step(url, TEST_ORG, "zone-job", "none", now=NOVEMBER_CHECKIN)
    killed(database_url, TEST_ORG, "monthly", "monthly-director:2")
    assert len([k for _, k in queued(database_url) if k.startswith("monthly:2026-11:")
                and k.count(":") == 2]) == 1  # the first director's review, no other
    restarted(database_url, TEST_ORG, "monthly")
    restarted(database_url, TEST_ORG, "monthly")

    restarted(never_killed, TEST_ORG, "monthly")
    assert queued(database_url) == queued(never_killed)
    assert len([k for _, k in queued(database_url) if k.startswith("monthly:2026-11:")
                and k.count(":") == 2]) == 3  # Alice's, Bruno's and Li's reviews


@pytest.mark.parametrize(("revision", "how"), [("0006_sumspeed", "start"),
                                               ("0011_roundmgr", "migrate")])
def test_a_migration_of_an_older_database_killed_part_way_left_it_whole_and_runs_again(
        tmp_path: Path, revision: str, how: str) -> None:
    """An operator upgrades teampulse over a database of 0005_sumperf (a year old) and starts
    it (or runs `teampulse migrate`); it is killed right after `revision` ran (0006 copies
    the rounds and answers tables on SQLite; 0011 rewrites the rounds), the later ones not
    begun (a start: its migrating child killed so, then the start itself, migrating in the
    child's place): nothing is half-migrated, every row is there at 0005_sumperf, and `migrate` run
    again brings it up to date with every row."""
    from storage.migrate import current_revision, head_revision, upgrade
    from tests.test_migrations import _counts, fill_every_table
    from tests.test_snapshot_keys import fresh_engine

    with fresh_engine(tmp_path) as engine:
        upgrade(engine, "0005_sumperf")
        before = _counts(engine, fill_every_table(engine))
        url = engine.url.render_as_string(hide_password=False)
        engine.dispose()
        if how == "start":
            killed(url, TEST_ORG, "prepare", f"migrated:{revision}")
        else:
            killed(url, TEST_ORG, "cli", f"migrated:{revision}", "migrate")
        assert current_revision(engine) == "0005_sumperf"
        assert _counts(engine, list(before)) == before
        engine.dispose()
        again = step(url, TEST_ORG, "cli", "none", "migrate")
        assert again.returncode == 0, again.stderr
        assert current_revision(engine) == head_revision(engine)
        assert _counts(engine, list(before)) == before
        engine.dispose()

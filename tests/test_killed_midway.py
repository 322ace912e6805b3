"""The bot's process SIGKILLed (the OOM killer, kill -9, a power cut) at the worst moment of
a step, and started again: what users get after the restart is what they would have got
without the kill, nothing twice and nothing never. Each test kills a real process at a
chosen point (tests/kill_bot.py), never after a wait on the clock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from tests.support import TEST_ORG
from tests.test_crm_import import settled
from tests.test_crm_twins import daily
from tests.test_resilience_stop import ROOT


def step(database_url: str, org_file: Path, name: str, moment: str
         ) -> subprocess.CompletedProcess[str]:
    """tests/kill_bot.py's STEP run once in its own process, killed at MOMENT."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "TELEGRAM_", "TEAMPULSE_", "DATABASE_"))}
    env.update(DATABASE_URL=database_url, TEAMPULSE_ORG_FILE=str(org_file),
               PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "tests.kill_bot", name, moment],
                          capture_output=True, text=True, env=env, cwd=org_file.parent,
                          timeout=120, stdin=subprocess.DEVNULL)


def killed(database_url: str, org_file: Path, name: str, moment: str) -> None:
    done = step(database_url, org_file, name, moment)
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

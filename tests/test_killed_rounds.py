"""The weekly round and the reminder sweep of a large org, in a process SIGKILLed (the OOM
killer, kill -9, a power cut) part-way through, and started again (tests/kill_bot.py): each
of 250 directors is asked once and reminded once, for the right week."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.test_killed_midway import rows
from tests.test_resilience_stop import ROOT
from tests.test_round_scale import org_yaml

DIRECTORS = 250
#: Friday 27 November 2026, 16:00 in New York: 2026-W48's check-in moment.
MOMENT = "2026-11-27T21:00:00+00:00"
#: The restart ten minutes later, within the grace period.
RESTART = "2026-11-27T21:10:00+00:00"
#: Two hours and a quarter after the moment: the reminders are due.
REMINDERS = "2026-11-27T23:15:00+00:00"


def step(database_url: str, org: Path, name: str, moment: str, now: str,
         **extra: str) -> subprocess.CompletedProcess[str]:
    """tests/kill_bot.py's STEP in its own process at `now`, killed at MOMENT."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "TELEGRAM_", "TEAMPULSE_", "DATABASE_", "KILL_"))}
    env.update(extra, DATABASE_URL=database_url, TEAMPULSE_ORG_FILE=str(org),
               PYTHONPATH=str(ROOT), KILL_BOT_NOW=now)
    return subprocess.run([sys.executable, "-m", "tests.kill_bot", name, moment],
                          capture_output=True, text=True, env=env, cwd=org.parent,
                          timeout=120, stdin=subprocess.DEVNULL)


def big_org(tmp_path: Path) -> Path:
    org = tmp_path / "org.yaml"
    org.write_text(org_yaml(DIRECTORS), encoding="utf-8")
    return org


def keyed(database_url: str, like: str) -> list[str]:
    """The outbox's dedupe keys like `like`, one a message."""
    return [r[0] for r in rows(database_url, "SELECT dedupe_key FROM outbox "
                               "WHERE dedupe_key LIKE :like", like=like)]


def test_a_weekly_round_killed_part_way_asks_everyone_once_after_the_restart(
        tmp_path: Path, database_url: str) -> None:
    """Friday 16:00: the weekly job builds the round of 250 directors in batches of 100 and
    the process is killed while it writes the second batch. Started again ten minutes later,
    the catch-up and the job (run late, as APScheduler runs a job missed within its grace
    period) ask the other 150; nobody twice, everyone for 2026-W48."""
    org = big_org(tmp_path)
    assert step(database_url, org, "prepare", "none", MOMENT).returncode == 0
    killed = step(database_url, org, "zone-job", "round-batch:2", MOMENT,
                  KILL_BOT_ROUND_BATCH="100")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert len(keyed(database_url, "checkin:%:prompt")) == 100  # the first batch's

    for name in ("catch-up", "zone-job"):
        done = step(database_url, org, name, "none", RESTART)
        assert done.returncode == 0, done.stderr
    prompts = keyed(database_url, "checkin:%:prompt")
    assert len(prompts) == len(set(prompts)) == DIRECTORS
    assert {key.split(":")[2] for key in prompts} == {"2026-W48"}
    assert rows(database_url, "SELECT COUNT(*), COUNT(DISTINCT person_id) FROM "
                "checkin_rounds") == [(DIRECTORS, DIRECTORS)]


def test_a_reminder_sweep_killed_part_way_reminds_everyone_once(
        tmp_path: Path, database_url: str) -> None:
    """Two hours after the prompts, the sweep reminds the 250 who have not answered, 100 a
    transaction, and is killed in the second. The next sweep (after the restart) reminds
    the 150 left; the first 100 are not reminded twice."""
    org = big_org(tmp_path)
    assert step(database_url, org, "zone-job", "none", MOMENT).returncode == 0
    killed = step(database_url, org, "reminders", "reminder-batch:2", REMINDERS)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert rows(database_url, "SELECT COUNT(*) FROM checkin_rounds "
                "WHERE reminded_at IS NOT NULL") == [(100,)]

    for _ in range(2):
        done = step(database_url, org, "reminders", "none", REMINDERS)
        assert done.returncode == 0, done.stderr
    reminders = keyed(database_url, "checkin:%remind%")
    assert len(reminders) == len(set(reminders)) == DIRECTORS, reminders[:3]
    assert rows(database_url, "SELECT COUNT(*) FROM checkin_rounds "
                "WHERE reminded_at IS NOT NULL") == [(DIRECTORS,)]

"""An org file edit synced while a check-in round's batch is written (PostgreSQL, two
transactions at once). The round batch holds its people's rows FOR SHARE, taken in id order
(RoundBatchRepo.people); the sync wrote the changed people in the file's order. With the
file listing Bruno before Alice (added first, lower id), the sync held Bruno's row and waited
for Alice's, the batch held Alice's and waited for Bruno's: a deadlock, which PostgreSQL broke
after `deadlock_timeout` by undoing one of them (the sync, or the round's batch). The sync now
writes in id order too. (SQLite lets one writer in at a time: they cannot interleave.)"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine, text

from bot.org import load_org
from storage.repositories import PeopleRepo
from tests.conftest import SERVER_URL
from tests.support import TEST_ORG
from tests.test_people_deadlock import deadlocks_found_fast
from tests.test_pulse_close_race import STEP

pytestmark = pytest.mark.skipif(not SERVER_URL, reason="two transactions interleaving need "
                                                       "PostgreSQL (TEST_DATABASE_URL)")


def waiting(engine) -> int:
    """How many transactions on this database wait for a lock another one holds."""
    with engine.connect() as conn:
        return int(conn.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()")).scalar() or 0)


def until_waiting(engine) -> None:
    """Until a transaction waits on a lock."""
    for _ in range(STEP * 200):
        if waiting(engine):
            return
        threading.Event().wait(0.005)
    raise AssertionError("no transaction ever waited on a lock")


def bruno_listed_before_alice(tmp_path: Path) -> Path:
    """The test org with Bruno moved above Alice, both names edited."""
    raw = yaml.safe_load(TEST_ORG.read_text(encoding="utf-8"))
    people = {p["key"]: p for p in raw["people"]}
    people["alice"]["name"] = "Alice Martin-Lee"
    people["bruno"]["name"] = "Bruno Rossi Jr."
    order = [k for k in people if k not in ("alice", "bruno")]
    raw["people"] = [people[order[0]], people["bruno"], people["alice"],
                     *(people[k] for k in order[1:])]
    path = tmp_path / "org.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


async def test_an_org_edit_synced_during_a_round_batch_deadlocks_neither(
        database_url, bot, chat, tmp_path):
    """The operator moves Bruno above Alice in the org file and fixes both names while
    the leader writes Alice's and Bruno's check-in prompts. Both get their prompt and the
    new names are stored: neither the edit nor the round is undone by a deadlock."""
    edited = load_org(bruno_listed_before_alice(tmp_path))

    # A third transaction holds Alice's row FOR SHARE, as another round batch would: the
    # sync, having written Bruno, waits for it before writing Alice.
    holder = create_engine(database_url)
    try:
        with deadlocks_found_fast(bot.engine):
            with holder.connect() as conn:
                conn.execute(text("SELECT id FROM people WHERE key = 'alice' FOR SHARE"))
                sync = asyncio.create_task(asyncio.to_thread(bot.sync_org_to, edited))
                await asyncio.to_thread(until_waiting, holder)
                # The round's batch: Alice's row FOR SHARE beside the holder's, then
                # Bruno's (which the sync held, written in the file's order). Until it
                # waits too, or is done (the sync, in id order, waits at Alice holding
                # nothing).
                run = asyncio.create_task(bot.run_checkins(["alice", "bruno"]))
                for _ in range(STEP * 200):
                    if run.done() or await asyncio.to_thread(waiting, holder) >= 2:
                        break
                    await asyncio.sleep(0.005)
                else:
                    raise AssertionError("the round's batch neither finished nor waited")
                conn.rollback()  # the holder lets go
            result, _ = await asyncio.wait_for(asyncio.gather(run, sync), STEP)
            await bot.drain()
    finally:
        holder.dispose()
    assert result.results == {"alice": "prompted", "bruno": "prompted"}, result
    with bot.sessions() as session:
        people = PeopleRepo(session)
        assert people.by_key("alice").display_name == "Alice Martin-Lee"
        assert people.by_key("bruno").display_name == "Bruno Rossi Jr."
    for key in ("alice", "bruno"):
        assert [t for t in chat.to(key) if "Question 1 of" in t], chat.to(key)

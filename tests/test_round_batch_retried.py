"""A check-in round's batch meeting another transaction's write to the same people
(PostgreSQL: two transactions at once). The GM's `/checkin send` and the scheduled round
both write this week's rounds of the same directors; the batch that came second met the
first's rounds (a unique key taken once that one committed) and failed whole: the GM was
told the round failed, and everyone of that batch and of the batches after it was left
unasked until the next round. A batch that meets a concurrent change (a key taken, a
deadlock, a serialization failure) is now done again, a few times at most, on what is
there now. (SQLite lets one writer in at a time: the two cannot interleave there.)"""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy import Engine
from sqlalchemy import event as sa_event
from sqlalchemy.exc import OperationalError

from bot import core
from bot.core import TeamPulse
from storage.round_batch import RoundBatchRepo
from tests.conftest import SERVER_URL
from tests.support import RecordingAdapter, say
from tests.test_people_deadlock import deadlocks_found_fast
from tests.test_pulse_close_race import STEP, held_after_first


def prompts(chat: RecordingAdapter, key: str) -> list[str]:
    return [t for t in chat.to(key) if "Time for your weekly check-in" in t
            or "每周签到" in t]


@pytest.mark.skipif(not SERVER_URL, reason="two transactions interleaving need PostgreSQL "
                                           "(TEST_DATABASE_URL)")
async def test_the_gms_round_sent_as_the_scheduled_one_writes_the_same_people_asks_each_once(
        bot: TeamPulse, chat: RecordingAdapter, watcher: Engine, caplog) -> None:
    hold = held_after_first(watcher)

    def before(_conn, _cursor, statement, *_args) -> None:
        if statement.lstrip().startswith("INSERT INTO checkin_rounds"):
            hold()  # each batch waits for the other to get here too: both write at once

    sa_event.listen(bot.engine, "before_cursor_execute", before)
    try:
        with deadlocks_found_fast(bot.engine), caplog.at_level(logging.INFO, "bot.core"):
            await asyncio.wait_for(asyncio.gather(
                bot.run_checkins(["alice", "bruno", "li"]),
                say(bot, "grace", "/checkin send")), STEP)
    finally:
        sa_event.remove(bot.engine, "before_cursor_execute", before)

    for key in ("alice", "bruno", "li"):
        assert len(prompts(chat, key)) == 1, chat.to(key)
    report = chat.last("grace")
    assert report.startswith("Check-in round sent:"), report
    assert "writing it again" in caplog.text  # it did meet the other: the test tried what it says


async def test_a_batch_deadlocked_more_often_than_it_is_tried_fails_as_before(
        bot: TeamPulse, chat: RecordingAdapter, monkeypatch) -> None:
    """The retry is bounded: a batch that keeps failing is not tried for ever (the
    scheduled job then catches up at the next reminder sweep, as for an outage)."""
    tries = 0
    people = RoundBatchRepo.people

    def deadlocked(self, ids):
        nonlocal tries
        tries += 1
        people(self, ids)
        raise OperationalError("INSERT", {}, Deadlock("deadlock detected"))
    monkeypatch.setattr(RoundBatchRepo, "people", deadlocked)

    with pytest.raises(OperationalError):
        await bot.run_checkins(["alice"])
    assert tries == core.ROUND_BATCH_TRIES
    assert prompts(chat, "alice") == []


class Deadlock(Exception):
    """What psycopg raises for a deadlock (SQLSTATE 40P01)."""

    sqlstate = "40P01"

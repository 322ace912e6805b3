"""A reminder sweep's batch meeting another transaction's write to the same people
(PostgreSQL: two transactions at once). The sweep holds the rounds it reminds, then writes
each person's dialog; the GM's `/checkin remind bruno` on another replica writes Bruno's
dialog, then his round: each waits for what the other holds, and PostgreSQL undid the
sweep. Its whole batch failed: Alice and 李雷, due that hour, were reminded only by a later
sweep (if still within their week). The batch is now done again, as a round's is (three
tries in all), on what the other committed: Alice and 李雷 are reminded by this sweep,
Bruno once, by the GM's word. (SQLite lets one writer in at a time: the two cannot
interleave there.)"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine
from sqlalchemy import event as sa_event
from sqlalchemy.exc import OperationalError

from bot import core
from bot.app import prepare
from bot.core import TeamPulse
from tests.conftest import SERVER_URL
from tests.support import RecordingAdapter, say
from tests.test_people_deadlock import deadlocks_found_fast
from tests.test_pulse_close_race import STEP, until_waiting_or
from tests.test_round_batch_retried import Deadlock


def reminders(chat: RecordingAdapter, key: str) -> list[str]:
    return [t for t in chat.to(key) if "check-in for 2026-W48 isn't finished" in t
            or "2026-W48 的签到还没有完成" in t]


@contextmanager
def deadlock_found_after(engine: Engine, timeout: str) -> Iterator[None]:
    """This engine's transactions look for a deadlock only after `timeout` (PostgreSQL's
    deadlock_timeout), so that of two transactions in one, the other, looking after 100 ms
    (deadlocks_found_fast), finds it first and is the one undone, however slow the
    machine."""
    def slow(dbapi_conn, _record, _proxy) -> None:
        with dbapi_conn.cursor() as cursor:
            cursor.execute(f"SET deadlock_timeout = '{timeout}'")
        dbapi_conn.commit()

    sa_event.listen(engine.pool, "checkout", slow)
    try:
        yield
    finally:
        sa_event.remove(engine.pool, "checkout", slow)


@pytest.mark.skipif(not SERVER_URL, reason="two transactions interleaving need PostgreSQL "
                                           "(TEST_DATABASE_URL)")
async def test_the_gms_remind_as_the_sweep_reminds_leaves_nobody_due_to_a_later_sweep(
        settings, bot: TeamPulse, chat: RecordingAdapter, clock, watcher: Engine,
        caplog) -> None:
    await bot.run_checkins(["alice", "bruno", "li"])
    clock.advance(bot.settings.reminder_delay)  # Friday 17:00 in New York: all due
    chat.clear()
    other, engine = prepare(settings, clock)
    elsewhere = RecordingAdapter()
    other.register(elsewhere)
    sweeping, remind_done = threading.Event(), threading.Event()
    held = False

    def before(_conn, _cursor, statement, *_args) -> None:
        nonlocal held
        if not held and statement.lstrip().startswith("INSERT INTO conversations"):
            # The sweep holds its rounds: the GM's remind writes Bruno's dialog, then
            # waits for his round, and only then does the sweep write the dialogs.
            held = True
            sweeping.set()
            until_waiting_or(watcher, remind_done)

    async def remind() -> None:
        assert await asyncio.to_thread(sweeping.wait, STEP)
        try:
            await say(other, "grace", "/checkin remind bruno")
        finally:
            remind_done.set()

    sa_event.listen(bot.engine, "before_cursor_execute", before)
    try:
        with deadlocks_found_fast(bot.engine), deadlock_found_after(engine, f"{STEP}s"), \
                caplog.at_level(logging.INFO, "bot.core"):
            sent, _ = await asyncio.wait_for(asyncio.gather(bot.run_reminders(), remind()),
                                             STEP)
        await bot.drain()
        await other.drain()
    finally:
        sa_event.remove(bot.engine, "before_cursor_execute", before)
        engine.dispose()

    assert "writing it again" in caplog.text  # it did meet the GM's: the test tried it
    told = {key: reminders(chat, key) + reminders(elsewhere, key)
            for key in ("alice", "bruno", "li")}
    # Reminded by this sweep, on time; Bruno once, as the GM asked.
    assert [t.split(":")[0] for t in told["alice"]] == ["Friendly reminder, Alice Martin"]
    assert [t.split("：")[0] for t in told["li"]] == ["李雷，温馨提醒"]
    assert [t.split(":")[0] for t in told["bruno"]] == [
        "Grace Chen asked me to remind you, Bruno Rossi"], told["bruno"]
    assert sent == 2
    assert (chat.to("grace") + elsewhere.to("grace"))[-1].startswith(
        "Reminded 1 person whose 2026-W48 check-in is not finished: Bruno Rossi.")


async def test_a_sweep_batch_deadlocked_more_often_than_it_is_tried_fails_as_before(
        bot: TeamPulse, chat: RecordingAdapter, clock, monkeypatch) -> None:
    """The retry is bounded, as a round's: a batch that keeps failing is not tried for
    ever (the next sweep, five minutes later, reminds them)."""
    await bot.run_checkins(["alice"])
    clock.advance(bot.settings.reminder_delay)
    chat.clear()
    tries = 0
    send = core.checkin.send_reminders

    def deadlocked(ctx, after_id, limit):
        nonlocal tries
        tries += 1
        send(ctx, after_id, limit)
        raise OperationalError("INSERT", {}, Deadlock("deadlock detected"))
    monkeypatch.setattr(core.checkin, "send_reminders", deadlocked)

    with pytest.raises(OperationalError):
        await bot.run_reminders()
    assert tries == core.ROUND_BATCH_TRIES
    monkeypatch.undo()
    await bot.deliver()
    assert reminders(chat, "alice") == []  # nothing of the failed tries went out

    await bot.run_reminders()  # the next sweep
    assert len(reminders(chat, "alice")) == 1

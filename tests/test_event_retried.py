"""An event handled alone that PostgreSQL undoes for another transaction (a deadlock, a
serialization failure). Its work, the event's claim included, was undone, and its sender
was told "Sorry, something went wrong on my side" and had to type the answer again. It is
now handled again, as a round's batch is written again (bot.core.worth_again), a few
times at most: Alice's answer is stored once and she is asked her next question once."""

from __future__ import annotations

import asyncio
import logging
import threading

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import OperationalError

from bot import core
from bot.core import TeamPulse
from storage.models import Answer
from storage.repositories import ConversationRepo
from tests.conftest import SERVER_URL
from tests.support import RecordingAdapter, say
from tests.test_pulse_close_race import STEP, waits_on_lock
from tests.test_round_batch_retried import Deadlock

SORRY = "Sorry, something went wrong on my side"


def revenue_answers(bot: TeamPulse) -> list[float | None]:
    with bot.unit() as ctx:
        return list(ctx.session.scalars(select(Answer.number_value).where(
            Answer.question_key == "kpi:revenue")))


def second_questions(chat: RecordingAdapter) -> int:
    return sum("Question 2 of" in t for t in chat.to("alice"))


async def test_an_answer_undone_once_by_a_deadlock_is_stored_once(
        bot: TeamPulse, chat: RecordingAdapter, monkeypatch, caplog) -> None:
    """The deadlock injected as psycopg raises it (SQLSTATE 40P01), after the answer and
    the next question were written: on SQLite too, which never raises one itself."""
    await say(bot, "alice", "/checkin")
    tries = 0
    wait_for = ConversationRepo.wait_for

    def deadlocked_once(self, *args, **kwargs):
        nonlocal tries
        tries += 1
        conv = wait_for(self, *args, **kwargs)
        if tries == 1:
            raise OperationalError("UPDATE conversations", {}, Deadlock("deadlock detected"))
        return conv
    monkeypatch.setattr(ConversationRepo, "wait_for", deadlocked_once)

    with caplog.at_level(logging.INFO, "bot.core"):
        await say(bot, "alice", "52000")

    assert tries == 2
    assert revenue_answers(bot) == [52000]
    assert second_questions(chat) == 1
    assert not any(SORRY in t for t in chat.to("alice"))
    assert "writing it again" in caplog.text


async def test_an_event_undone_more_often_than_it_is_tried_is_asked_again(
        bot: TeamPulse, chat: RecordingAdapter, monkeypatch) -> None:
    """The retry is bounded: one that keeps failing gets the apology, as before, and
    nothing of it is stored."""
    await say(bot, "alice", "/checkin")
    tries = 0

    def deadlocked(self, *args, **kwargs):
        nonlocal tries
        tries += 1
        raise OperationalError("UPDATE conversations", {}, Deadlock("deadlock detected"))
    monkeypatch.setattr(ConversationRepo, "wait_for", deadlocked)

    await say(bot, "alice", "52000")

    assert tries == core.ROUND_BATCH_TRIES
    assert revenue_answers(bot) == []
    assert second_questions(chat) == 0
    assert SORRY in chat.last("alice")


@pytest.mark.skipif(not SERVER_URL, reason="a real deadlock needs PostgreSQL "
                                           "(TEST_DATABASE_URL)")
async def test_an_answer_deadlocked_with_another_transaction_is_stored_once(
        bot: TeamPulse, chat: RecordingAdapter, watcher: Engine, caplog) -> None:
    """A real deadlock: another transaction holds Alice's dialog, her answer holds her row
    (as every event holds its sender's) and waits for the dialog, then the other wants
    her row. PostgreSQL undoes her answer (it waited first, so it finds the deadlock,
    after the default second; the other looks only after ten)."""
    await say(bot, "alice", "/checkin")
    with bot.unit() as ctx:
        alice = ctx.people.by_key("alice").id
    dialog_held = threading.Event()

    def other_transaction() -> None:
        with watcher.connect() as conn, conn.begin():
            conn.execute(text("SET LOCAL deadlock_timeout = '10s'"))
            conn.execute(text("SELECT 1 FROM conversations WHERE person_id = :p FOR UPDATE"),
                         {"p": alice})
            dialog_held.set()
            for _ in range(STEP * 200):  # until her answer waits for the dialog
                if waits_on_lock(watcher):
                    break
                threading.Event().wait(0.005)
            else:
                raise AssertionError("her answer never waited for the dialog")
            conn.execute(text("SELECT 1 FROM people WHERE id = :p FOR UPDATE"), {"p": alice})

    async def answer() -> None:
        assert await asyncio.to_thread(dialog_held.wait, STEP)
        await say(bot, "alice", "52000")

    with caplog.at_level(logging.INFO, "bot.core"):
        await asyncio.wait_for(asyncio.gather(asyncio.to_thread(other_transaction),
                                              answer()), STEP)

    assert "deadlock" in caplog.text.lower() and "writing it again" in caplog.text
    assert revenue_answers(bot) == [52000]
    assert second_questions(chat) == 1
    assert not any(SORRY in t for t in chat.to("alice"))
    with bot.unit() as ctx:  # one answer row, not two
        assert ctx.session.scalar(select(func.count()).select_from(Answer)) == 1

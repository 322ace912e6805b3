"""README, check-ins: "your check-in isn't finished yet" never arrives after it is --
tried with two replicas on one PostgreSQL database (README, *Several replicas*): the
leader's reminder sweep and the last answer, handled by a follower, at the same moment."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from sqlalchemy import event as sa_event

from bot.app import prepare
from bot.config import Settings
from storage.repositories import CheckinRepo
from storage.round_batch import RoundBatchRepo
from tests.conftest import SERVER_URL
from tests.support import TEST_ORG, RecordingAdapter, say
from tests.test_checkin import ALICE_ANSWERS, answer_all
from tests.test_ingest_batch import typed

pytestmark = pytest.mark.skipif(not SERVER_URL, reason="two replicas need PostgreSQL "
                                "(SQLite lets one writer in at a time)")


def follower(database_url: str, clock, locking: threading.Event | None = None
             ) -> tuple[Any, Any, RecordingAdapter]:
    """A second replica on the same database, with its own chat: (bot, engine, chat).
    `locking` is set once it sends a statement locking check-in rounds (an answer's)."""
    other, engine = prepare(Settings(database_url=database_url, org_file=TEST_ORG), clock)
    elsewhere = RecordingAdapter()
    other.register(elsewhere)
    if locking is not None:
        @sa_event.listens_for(engine, "before_cursor_execute")
        def locked(_conn, _cursor, statement, *_args) -> None:
            if "FOR NO KEY UPDATE" in statement and "checkin_rounds" in statement:
                locking.set()
    return other, engine, elsewhere


def sweep_held_after_marking(monkeypatch, until: threading.Event, what: str
                             ) -> threading.Event:
    """The leader's reminder sweep held, once it has marked its rounds reminded (not yet
    committed), until `until` is set (by the follower's `what`); the event returned is
    set once it has marked them."""
    marked = threading.Event()
    mark = RoundBatchRepo.mark_reminded

    def mark_reminded(self, *args, **kwargs):
        still = mark(self, *args, **kwargs)
        marked.set()
        assert until.wait(timeout=20), f"the follower's {what} never came"
        return still
    monkeypatch.setattr(RoundBatchRepo, "mark_reminded", mark_reminded)
    return marked


def deliver_after(bot, monkeypatch) -> asyncio.Event:
    """The leader's outbox gets to what it queued only once the event returned is set
    (the follower's step is in): not sent in that moment, before the follower read it."""
    done = asyncio.Event()
    deliver = bot.deliver

    async def deliver_later(**kwargs) -> None:
        await done.wait()
        await deliver(**kwargs)
    monkeypatch.setattr(bot, "deliver", deliver_later)
    return done


async def test_a_reminder_swept_as_the_last_answer_lands_on_another_replica_is_not_sent(
        database_url, bot, chat, clock, monkeypatch):
    """Alice has answered 7 of her 8 questions; the reminder is due. The leader's sweep
    reads her round still open; meanwhile her last answer, handled by a follower, commits
    (nothing queued yet to withdraw); the sweep then queues "Friendly reminder … Question
    8 of 8". She must not get it: her check-in is in. The sweep's read now holds her
    round: the answer waits for the sweep's commit, then withdraws what it queued. (The
    leader's outbox gets to it once the answer is stored: one sent in that moment still
    arrives, as README says.)"""
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ALICE_ANSWERS[:-1])
    clock.advance(bot.settings.reminder_delay)
    answering = threading.Event()
    read = RoundBatchRepo.awaiting_reminder

    def awaiting_reminder(self, *args, **kwargs):
        found = read(self, *args, **kwargs)
        # Held until the follower's last answer comes to her round (which the sweep holds).
        assert answering.wait(timeout=20), "the follower's answer never came"
        return found
    monkeypatch.setattr(RoundBatchRepo, "awaiting_reminder", awaiting_reminder)
    other, engine, elsewhere = follower(database_url, clock, answering)
    stored = deliver_after(bot, monkeypatch)

    async def last_answer() -> None:
        await say(other, "alice", ALICE_ANSWERS[-1])
        answering.set()
        stored.set()
    try:
        await asyncio.gather(bot.run_reminders(), last_answer())
        await bot.drain()
    finally:
        engine.dispose()
    assert elsewhere.last("alice").startswith("Thanks"), elsewhere.last("alice")
    assert not [t for t in chat.to("alice") if "reminder" in t.lower()], chat.to("alice")


@pytest.mark.parametrize("batched", [False, True], ids=["alone", "in-a-batch"])
async def test_a_reminder_swept_as_an_answer_lands_on_another_replica_does_not_ask_it_again(
        database_url, bot, chat, clock, monkeypatch, batched):
    """Alice (and Bruno) have answered 5 of their 8 questions; the reminder is due. The
    leader's sweep marks their rounds reminded and, before it commits, each answers
    the question open through a follower (one event alone, or a batch of both). The
    follower read the rounds "not reminded yet" (the sweep's write was not committed),
    so there was no reminder to withdraw; the sweep then committed "Friendly reminder …
    Question 6 of 8", and it went out once the leader's outbox got to it. Neither must
    get it: they have just answered it (README: "never arrives after it is"); their
    reply is the next question. (The follower now waits for the sweep's commit, and
    withdraws it.)"""
    people = ["alice", "bruno"] if batched else ["alice"]
    await bot.run_checkins(people)
    for key in people:
        await answer_all(bot, key, ALICE_ANSWERS[:5])
    # The question each was asked last ("Question 6 of 8": Bruno's count differs).
    open_question = {key: chat.last(key).split("\n")[0] for key in people}
    assert open_question["alice"] == "Question 6 of 8", open_question
    clock.advance(bot.settings.reminder_delay)
    chat.clear()
    # Held until the follower's answer is stored, or waits for this sweep's rounds; the
    # leader's outbox gets to it once the answer is stored.
    reached = threading.Event()
    marked = sweep_held_after_marking(monkeypatch, reached, "answer")
    stored = deliver_after(bot, monkeypatch)
    # (`reached` also once it is about to wait for the sweep's rounds to be committed.)
    other, engine, elsewhere = follower(database_url, clock, reached)

    async def answer() -> None:
        assert await asyncio.to_thread(marked.wait, 20), "the sweep never marked the rounds"
        if batched:
            await other.handle_batch([typed(key, ALICE_ANSWERS[5], f"{key}-6")
                                      for key in people])
        else:
            await say(other, "alice", ALICE_ANSWERS[5])
        reached.set()
        stored.set()
    try:
        await asyncio.gather(bot.run_reminders(), answer())
        await other.drain()
        await bot.drain()
    finally:
        engine.dispose()
    assert "Question 7 of 8" in elsewhere.last("alice"), elsewhere.to("alice")
    for key in people:
        assert open_question[key] not in elsewhere.last(key), elsewhere.to(key)
        asked_again = [t for t in chat.to(key) + elsewhere.to(key)
                       if "reminder" in t.lower() and open_question[key] in t]
        assert not asked_again, asked_again


async def test_a_sweep_waiting_for_an_answer_being_stored_elsewhere_does_not_ask_it_again(
        database_url, bot, chat, clock, monkeypatch):
    """The other way round: Alice's answer to question 6, on a follower, holds her round
    when the leader's sweep comes to it. Read as it was (5 answers), the round got
    "Friendly reminder … Question 6 of 8" after her answer to it (the follower had seen
    no reminder to withdraw). The sweep now passes over a round an answer holds (a
    later sweep reminds her of what is left, if anything)."""
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ALICE_ANSWERS[:5])
    clock.advance(bot.settings.reminder_delay)
    chat.clear()
    locked, updating = threading.Event(), threading.Event()
    lock = CheckinRepo.lock_for_answer

    def lock_for_answer(self, rnd):
        lock(self, rnd)
        locked.set()
        # Held until the sweep has marked the rounds it reminds, or is over.
        assert updating.wait(timeout=20), "the sweep never came"
    monkeypatch.setattr(CheckinRepo, "lock_for_answer", lock_for_answer)

    @sa_event.listens_for(bot.engine, "before_cursor_execute")
    def marking(_conn, _cursor, statement, *_args) -> None:
        if statement.lstrip().upper().startswith("UPDATE CHECKIN_ROUNDS SET REMINDED_AT"):
            updating.set()
    other, engine, elsewhere = follower(database_url, clock)

    async def sweep() -> None:
        assert await asyncio.to_thread(locked.wait, 20), "the answer never took the round"
        await bot.run_reminders()
        updating.set()
    try:
        await asyncio.gather(say(other, "alice", ALICE_ANSWERS[5]), sweep())
        await other.drain()
        await bot.drain()
    finally:
        sa_event.remove(bot.engine, "before_cursor_execute", marking)
        engine.dispose()
    assert "Question 7 of 8" in elsewhere.last("alice"), elsewhere.to("alice")
    asked_again = [t for t in chat.to("alice") + elsewhere.to("alice")
                   if "reminder" in t.lower() and "Question 6 of" in t]
    assert not asked_again, asked_again

"""README, Time away: nothing of a check-in reaches someone who has just said they are away
-- tried with two replicas on one PostgreSQL database (README, *Several replicas*): the
director's `/away`, handled by a follower, commits while the leader's round batch or
reminder sweep, which read them "not away", is writing to them."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from sqlalchemy import event as sa_event

from tests.conftest import SERVER_URL
from tests.support import say
from tests.test_checkin import ALICE_ANSWERS, answer_all
from tests.test_checkin_remind import back_up, go_down
from tests.test_promises_reminder_race import (
    deliver_after,
    follower,
    sweep_held_after_marking,
)
from tests.test_reminders_withdrawn import reminded

pytestmark = pytest.mark.skipif(not SERVER_URL, reason="two replicas need PostgreSQL "
                                "(SQLite lets one writer in at a time)")


def waiting_on_person(engine, reached: threading.Event) -> None:
    """Set `reached` once `engine` sends a statement locking a person's row (the `/away`
    about to wait for what holds it)."""
    @sa_event.listens_for(engine, "before_cursor_execute")
    def locking(_conn, _cursor, statement, *_args) -> None:
        if "FOR NO KEY UPDATE" in statement and "FROM people" in statement:
            reached.set()


async def away_said_during(bot, chat, run, started: threading.Event, never: str,
                           follower_: tuple[Any, Any, threading.Event], monkeypatch) -> None:
    """The leader's `run` (a round or a reminder sweep) with the platform down; once
    `started` is set (else `never` is the failure), Alice's `/away 2026-12-10` said on the
    follower, which then sets its event; the leader's outbox held until that is in. Then
    the platform back up and the follower's engine disposed."""
    other, engine, reached = follower_
    away_in = deliver_after(bot, monkeypatch)

    async def away() -> None:
        assert await asyncio.to_thread(started.wait, 20), never
        await say(other, "alice", "/away 2026-12-10")
        reached.set()
        away_in.set()
    go_down(chat)
    try:
        await asyncio.gather(run, away())
        await back_up(bot, chat)
    finally:
        engine.dispose()


async def test_an_away_said_as_the_round_batch_is_written_gets_no_prompt(
        database_url, bot, chat, clock, monkeypatch):
    """Friday 16:00: the leader's round batch reads that Alice is not away and writes her
    prompt; before it commits, her `/away` until 10 December, on a follower, commits
    (no prompt queued yet for it to drop). The platform was rate limiting the leader, so
    the prompt waited in the outbox, and went once it was back: "Question 1 of 8" on
    holiday. The batch now holds its people's rows, as `/away` does the sender's: the
    `/away` waits for the batch's commit, then drops the prompt still waiting."""
    written, reached = threading.Event(), threading.Event()

    def hold(_number: int) -> None:
        written.set()
        # Held until the follower's /away is committed, or waits for this batch.
        assert reached.wait(timeout=20), "the follower's /away never came"
    bot.round_batch_hook = hold
    other, engine, elsewhere = follower(database_url, clock)
    waiting_on_person(engine, reached)
    await away_said_during(bot, chat, bot.run_checkins(["alice", "bruno"]), written,
                           "the batch was never written", (other, engine, reached),
                           monkeypatch)
    # (Its reply goes by whichever replica's outbox gets to it first.)
    assert [t for t in elsewhere.to("alice") + chat.to("alice")
            if "away from now until 2026-12-10" in t], elsewhere.to("alice")
    to_alice = chat.to("alice") + elsewhere.to("alice")
    assert not [t for t in to_alice if "Question 1 of" in t], to_alice
    # (Bruno, not away, is asked.)
    assert [t for t in chat.to("bruno") + elsewhere.to("bruno") if "Question 1 of" in t]


async def test_an_away_said_as_the_reminder_sweep_queues_gets_no_reminder(
        database_url, bot, chat, clock, monkeypatch):
    """Alice has answered 2 of 8; her reminder is due. The leader's sweep reads that she
    is not away and marks her round reminded; before it commits, her `/away` on a
    follower commits (no reminder queued yet for it to drop). Held up in the outbox
    (the platform rate limiting), "your check-in isn't finished yet" reached her on
    holiday. `/away` now takes her open rounds, which the sweep holds: it waits for the
    sweep's commit, then drops the reminder."""
    await bot.run_checkins(["alice", "bruno"])
    await answer_all(bot, "alice", ALICE_ANSWERS[:2])
    clock.advance(bot.settings.reminder_delay)
    chat.clear()
    # Held until the follower's /away is committed, or waits for this sweep's rounds.
    reached = threading.Event()
    marked = sweep_held_after_marking(monkeypatch, reached, "/away")
    other, engine, elsewhere = follower(database_url, clock, reached)
    await away_said_during(bot, chat, bot.run_reminders(), marked,
                           "the sweep never marked the rounds", (other, engine, reached),
                           monkeypatch)
    # (Its reply goes by whichever replica's outbox gets to it first.)
    assert [t for t in elsewhere.to("alice") + chat.to("alice")
            if "away from now until 2026-12-10" in t], elsewhere.to("alice")
    assert not reminded(chat, "alice") + reminded(elsewhere, "alice"), chat.to("alice")
    # (Bruno, not away, is reminded.)
    assert len(reminded(chat, "bruno") + reminded(elsewhere, "bruno")) == 1


async def test_a_pause_said_as_the_reminder_sweep_queues_leaves_a_reminder_that_takes_answers(
        database_url, bot, chat, clock, monkeypatch):
    """/pause, unlike /away, does not keep the sweep from reminding (a sweep after it
    reminds, asking the question again: `/pause` stops the questions for now). Said on a
    follower while the leader's sweep holds Alice's round, it commits before the sweep
    re-asks her (it clears her dialog, which the sweep then sets again): she gets
    "Paused", then the reminder, as if she had paused before the sweep, and the reminder's
    question takes her answer -- never a question that no longer takes what is typed."""
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ALICE_ANSWERS[:2])
    clock.advance(bot.settings.reminder_delay)
    chat.clear()
    paused = threading.Event()
    marked = sweep_held_after_marking(monkeypatch, paused, "/pause")
    other, engine, elsewhere = follower(database_url, clock)

    async def pause() -> None:
        assert await asyncio.to_thread(marked.wait, 20), "the sweep never marked the rounds"
        await say(other, "alice", "/pause")
        paused.set()
    try:
        await asyncio.gather(bot.run_reminders(), pause())
        await bot.drain()
        assert elsewhere.last("alice").startswith("Paused"), elsewhere.to("alice")
        assert len(reminded(chat, "alice")) == 1, chat.to("alice")
        await say(other, "alice", ALICE_ANSWERS[2])
    finally:
        engine.dispose()
    assert "Question 4 of 8" in elsewhere.last("alice"), elsewhere.to("alice")

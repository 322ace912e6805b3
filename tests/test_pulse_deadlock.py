"""Two pulse polls open at once, on PostgreSQL: last time's, whose close the bot missed
(down over it), and this week's. One replica's sweep reminds this week's poll and closes
the old one while the other replica handles a batch of taps on both. An answer holds its
poll (FOR SHARE, PulseRepo.hold_open) and then moves its person on; a close takes its poll
with a guarded UPDATE. Reminding and closing in one transaction, the sweep held the
reminded person's progress while it waited for the old poll, which the batch held while
it waited for that person's progress: a deadlock, which PostgreSQL broke after a second by
undoing one side. (SQLite lets one writer at a time in: the two cannot interleave there.)"""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

import handlers.pulse
from bot.clock import FakeClock
from bot.events import InboundEvent
from storage.pulse import PulsePoll, PulseRepo
from tests.conftest import SERVER_URL
from tests.test_people_deadlock import deadlocks_found_fast
from tests.test_pulse import POLL_DAY, PREVIOUS_POLL_DAY, last_choices
from tests.test_pulse_close_race import (
    STEP,
    held_after_first,
    press,
    replica,
    told,
    until_waiting_or,
)

pytestmark = pytest.mark.skipif(not SERVER_URL, reason="two transactions interleaving need "
                                                       "PostgreSQL (TEST_DATABASE_URL)")


async def test_a_sweep_closing_one_poll_and_reminding_another_never_deadlocks_with_answers(
        database_url, watcher, monkeypatch, caplog):
    """The poll of 25 November went out; the bot was down over its close. Back on 9
    December it sends this week's poll (and has not yet closed the old one). A day later,
    as the sweep reminds this week's poll and closes the old one, Alice taps a button of
    the old poll and East Person 1 her morale in this week's, both handled in one batch by
    the other replica. Alice hears the old poll closed, East Person 1 gets her next
    question, the old poll closes, and PostgreSQL never has to break a deadlock."""
    caplog.set_level(logging.INFO)
    clock = FakeClock(PREVIOUS_POLL_DAY)
    sweeper, chat, engine = replica(database_url, clock)
    await sweeper.run_pulse()
    old_tap = last_choices(chat, "alice")[3]
    clock.set(POLL_DAY)
    # This week's poll asked, not the rest of the sweep: the old poll stays open.
    due = await sweeper.db(sweeper._in_unit, handlers.pulse.due_people)
    await sweeper.db(sweeper._in_unit, handlers.pulse.ask_people, due)
    await sweeper.deliver()
    tap = last_choices(chat, "east1")[3]
    with sweeper.unit() as ctx:
        old_key = ctx.session.scalars(select(PulsePoll.key).order_by(PulsePoll.key)).first()
    clock.set(POLL_DAY + timedelta(days=1))  # everyone's reminder of this week's poll is due
    chat.clear()
    answerer, other_chat, other_engine = replica(database_url, FakeClock(clock.now()))

    ready, swept = threading.Event(), threading.Event()
    advance = PulseRepo.advance
    held = []

    def as_the_sweep_closes(self, part, step, **kw):  # both polls held, East 1 not moved on
        if not held:
            held.append(part)
            ready.set()
            until_waiting_or(watcher, swept)
        return advance(self, part, step, **kw)

    monkeypatch.setattr(PulseRepo, "advance", as_the_sweep_closes)
    result = await swept_as_answered(
        answerer, sweeper, [press("alice", old_tap), press("east1", tap)], ready, swept)
    monkeypatch.setattr(PulseRepo, "advance", advance)

    assert result.closed == [old_key]
    assert "deadlock" not in caplog.text.lower(), caplog.text
    east1 = await told([answerer, sweeper], [other_chat, chat], "east1")
    assert "Question 2 of 2" in east1, east1
    assert "closed" in await told([answerer, sweeper], [other_chat, chat], "alice")
    other_engine.dispose()
    engine.dispose()


async def test_the_reminders_going_out_as_two_people_answer_never_deadlock_with_their_answers(
        database_url, watcher, monkeypatch, caplog):
    """A day after this week's poll went out, the sweep reminds everyone who has not
    finished it as East Person 2 and East Person 1 (asked in that order) tap their morale,
    both handled in one batch by the other replica, hers first. Both get their next
    question, and PostgreSQL never has to break a deadlock. Before, the reminders took East Person
    1's progress, then waited for East Person 2's, which the batch held while waiting for
    East Person 1's (PostgreSQL undid the sweep: nobody reminded until the next)."""
    caplog.set_level(logging.INFO)
    clock = FakeClock(POLL_DAY)
    sweeper, chat, engine = replica(database_url, clock)
    await sweeper.run_pulse()
    taps = {key: last_choices(chat, key)[3] for key in ("east1", "east2")}
    clock.set(POLL_DAY + timedelta(days=1))  # everyone's reminder is due
    chat.clear()
    answerer, other_chat, other_engine = replica(database_url, FakeClock(clock.now()))

    ready, swept = threading.Event(), threading.Event()
    advance = PulseRepo.advance
    held = []

    def as_the_reminders_go_out(self, part, step, **kw):  # East 2 moved on, East 1 not yet
        moved = advance(self, part, step, **kw)
        if not held:
            held.append(part)
            ready.set()
            until_waiting_or(watcher, swept)
        return moved

    monkeypatch.setattr(PulseRepo, "advance", as_the_reminders_go_out)
    result = await swept_as_answered(
        answerer, sweeper, [press("east2", taps["east2"]), press("east1", taps["east1"])],
        ready, swept)
    monkeypatch.setattr(PulseRepo, "advance", advance)

    # All twelve asked but East Person 2, whose answer was being stored: left to a later
    # sweep (which finds her moved on, and reminds her if she has not finished by then).
    assert result.reminded == 11
    assert "deadlock" not in caplog.text.lower(), caplog.text
    for key in ("east1", "east2"):
        said = await told([answerer, sweeper], [other_chat, chat], key)
        assert "Question 2 of 2" in said, said
    other_engine.dispose()
    engine.dispose()


async def swept_as_answered(answerer, sweeper, batch, ready: threading.Event,
                            swept: threading.Event):
    """The sweep run once `answerer`'s batch of taps is held mid-way (`ready`), the batch
    let go once the sweep is done (`swept`): the sweep's result."""
    answering = asyncio.ensure_future(answerer.handle_batch(batch))
    try:
        assert await asyncio.to_thread(ready.wait, STEP)
        result = await asyncio.wait_for(sweeper.run_pulse(), STEP)
        swept.set()
        await asyncio.wait_for(answering, STEP)
    finally:
        swept.set()
    return result


async def test_two_replicas_each_given_both_double_taps_in_opposite_order_never_deadlock(
        database_url, watcher, monkeypatch, caplog):
    """East Person 1 and East Person 2 each tap their morale twice in quick succession;
    one replica's batch has East Person 1's first tap then East Person 2's, the other's
    East Person 2's second tap then East Person 1's. Each is moved on once, to her next
    question, and PostgreSQL never has to break a deadlock. Before, each batch moved one of
    them on and waited for the other, whom the other batch had moved on (PostgreSQL undid
    one batch after deadlock_timeout: a stall for both). A batch now locks its senders up
    front, in id order (PeopleRepo.lock)."""
    caplog.set_level(logging.INFO)
    clock = FakeClock(POLL_DAY)
    one, chat, engine = replica(database_url, clock)
    await one.run_pulse()
    taps = {key: last_choices(chat, key)[3] for key in ("east1", "east2")}
    chat.clear()
    two, other_chat, other_engine = replica(database_url, FakeClock(clock.now()))

    def tap(key: str, n: int) -> InboundEvent:
        return InboundEvent(platform="console", user_id=key, chat_id=key,
                            chat_type="direct", text="", action=taps[key],
                            event_id=f"tap-{key}-{n}")

    advance = PulseRepo.advance
    hold = held_after_first(watcher)

    def each_batch_after_its_first(self, part, step, **kw):  # one moved on, not the other
        moved = advance(self, part, step, **kw)
        hold()
        return moved

    monkeypatch.setattr(PulseRepo, "advance", each_batch_after_its_first)
    try:
        with deadlocks_found_fast(one.engine, two.engine):
            await asyncio.wait_for(asyncio.gather(
                one.handle_batch([tap("east1", 1), tap("east2", 1)]),
                two.handle_batch([tap("east2", 2), tap("east1", 2)])), STEP)
    finally:
        monkeypatch.setattr(PulseRepo, "advance", advance)
    assert "deadlock" not in caplog.text.lower(), caplog.text
    for key in ("east1", "east2"):
        said = await told([one, two], [chat, other_chat], key)
        assert said.count("Question 2 of 2") == 1, said
    other_engine.dispose()
    engine.dispose()


async def test_the_poll_asked_as_two_people_say_pulse_in_a_batch_never_deadlocks(
        database_url, watcher, monkeypatch, caplog):
    """The weekly poll opens; as the leader's sweep asks East Person 1 and then East Person
    2, both type `/pulse` to the other replica, handled in one batch, hers second. Each is
    asked once and gets the first question, and PostgreSQL never has to break a deadlock.
    Before, the sweep added East Person 1 to those asked and waited for East Person 2,
    whom the batch had added and which waited for East Person 1 (PostgreSQL undid one
    side: the sweep's asking, or the batch's replies, a stall late). The sweep now locks
    the people it asks first, in id order, as a batch locks its senders (PeopleRepo.lock)."""
    caplog.set_level(logging.INFO)
    clock = FakeClock(POLL_DAY)
    sweeper, chat, engine = replica(database_url, clock)
    answerer, other_chat, other_engine = replica(database_url, FakeClock(clock.now()))
    due = await sweeper.db(sweeper._in_unit, handlers.pulse.due_people)  # the poll opens
    with sweeper.unit() as ctx:
        ids = [ctx.people.by_key(key).id for key in ("east1", "east2")]
    assert set(ids) <= set(due)

    def said(key: str) -> InboundEvent:
        return InboundEvent(platform="console", user_id=key, chat_id=key,
                            chat_type="direct", text="/pulse", event_id=f"pulse-{key}")

    add = PulseRepo.add_participant
    hold = held_after_first(watcher)

    def each_after_its_first(self, poll, person, team=None):  # one added, not the other
        part = add(self, poll, person, team)
        hold()
        return part

    monkeypatch.setattr(PulseRepo, "add_participant", each_after_its_first)
    try:
        with deadlocks_found_fast(sweeper.engine, answerer.engine):
            await asyncio.wait_for(asyncio.gather(
                sweeper.db(sweeper._in_unit, handlers.pulse.ask_people, ids),
                answerer.handle_batch([said("east2"), said("east1")])), STEP)
    finally:
        monkeypatch.setattr(PulseRepo, "add_participant", add)
    assert "deadlock" not in caplog.text.lower(), caplog.text
    assert "failed" not in caplog.text, caplog.text
    for key in ("east1", "east2"):
        # (Asked by the sweep first, `/pulse` asks the question again, as it should.)
        told_them = await told([answerer, sweeper], [other_chat, chat], key)
        assert "Question 1 of 2" in told_them, told_them
    other_engine.dispose()
    engine.dispose()


async def test_the_reminders_going_out_as_pulse_is_said_by_someone_without_a_dialog(
        database_url, watcher, monkeypatch, caplog):
    """A day after the poll went out, East Person 1 (no dialog open any more: hers was
    ended) types `/pulse` and East Person 2 taps her morale, both in one batch on the other
    replica, as the sweep sends the reminders. Each gets her next question, and PostgreSQL
    never has to break a deadlock. Before, the sweep took both to remind and waited for
    East Person 1's new dialog row, written by the batch, which waited for East Person 2's
    progress, held by the sweep (PostgreSQL undid one side). The sweep now passes over
    someone with no dialog row whom a batch holds (senders are locked up front), for a
    later sweep."""
    caplog.set_level(logging.INFO)
    clock = FakeClock(POLL_DAY)
    sweeper, chat, engine = replica(database_url, clock)
    await sweeper.run_pulse()
    tap = last_choices(chat, "east2")[3]
    with sweeper.unit() as ctx:  # East Person 1's dialog ended (the row goes with it)
        ctx.conversations.clear(ctx.people.by_key("east1"))
    clock.set(POLL_DAY + timedelta(days=1))  # everyone's reminder is due
    chat.clear()
    answerer, other_chat, other_engine = replica(database_url, FakeClock(clock.now()))

    ready, swept = threading.Event(), threading.Event()
    advance = PulseRepo.advance

    def as_the_reminders_go_out(self, part, step, **kw):  # East 1's dialog row written
        if not ready.is_set():
            ready.set()
            until_waiting_or(watcher, swept)
        return advance(self, part, step, **kw)

    monkeypatch.setattr(PulseRepo, "advance", as_the_reminders_go_out)
    with deadlocks_found_fast(sweeper.engine, answerer.engine):
        result = await swept_as_answered(answerer, sweeper, [
            InboundEvent(platform="console", user_id="east1", chat_id="east1",
                         chat_type="direct", text="/pulse", event_id="pulse-east1"),
            press("east2", tap)], ready, swept)
    monkeypatch.setattr(PulseRepo, "advance", advance)

    assert "deadlock" not in caplog.text.lower(), caplog.text
    # All twelve but East Person 1, whose dialog was being written: left to a later sweep.
    assert result.reminded == 11
    east1 = await told([answerer, sweeper], [other_chat, chat], "east1")
    assert east1.count("Question 1 of 2") == 1, east1
    assert "reminder" not in east1, east1
    east2 = await told([answerer, sweeper], [other_chat, chat], "east2")
    assert "Question 2 of 2" in east2, east2
    other_engine.dispose()
    engine.dispose()

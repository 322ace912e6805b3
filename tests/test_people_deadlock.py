"""Two batches of events handled at once by two replicas (PostgreSQL), each with two people
in opposite order, where each event locks or writes its sender's row: an `/away` (its row
held for a round batch on another replica, CheckinRepo.lock_for_away), a `/language` (the
row's language written), a kudos (the giver held for the daily allowance). Locked one by one
as the events came, each batch held one person and waited for the other: a deadlock, which
PostgreSQL broke after `deadlock_timeout` by undoing one batch (done again, both people saw
their replies a stall late; a retry meeting it again gave up). A batch now locks all its
senders up front, in id order, in one statement (PeopleRepo.lock). (SQLite lets one writer
at a time in: the two cannot interleave there.)"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine
from sqlalchemy import event as sa_event

from bot.adapters.console import console_mentions
from bot.app import prepare
from bot.config import Settings
from bot.events import InboundEvent
from storage.kudos import KudosRepo
from storage.repositories import PeopleRepo
from tests.conftest import SERVER_URL
from tests.support import TEST_ORG, RecordingAdapter
from tests.test_kudos import count_kudos
from tests.test_pulse_close_race import STEP, held_after_first

pytestmark = pytest.mark.skipif(not SERVER_URL, reason="two transactions interleaving need "
                                                       "PostgreSQL (TEST_DATABASE_URL)")


def said(key: str, text: str, n: int, *, direct: bool = False) -> InboundEvent:
    """`key` says `text` in the team chat (or, `direct`, to the bot)."""
    return InboundEvent(platform="console", user_id=key, chat_id=key if direct else "team",
                        chat_type="direct" if direct else "group", text=text,
                        event_id=f"pd-{n}", message_id=f"pd-m{n}",
                        mentions=console_mentions(text))


def locks_a_person(statement: str) -> bool:
    return statement.startswith("UPDATE people ") or (
        "FROM people" in statement and "FOR NO KEY UPDATE" in statement)


@contextmanager
def each_batch_after_its_first_person(watcher: Engine, *engines: Engine,
                                      first: Callable[[str], bool] = locks_a_person
                                      ) -> Iterator[None]:
    """Each batch, once its first statement locking or writing a person's row is done
    (or, given, its first statement that `first` picks), waits until the other batch has
    done the same, or waits for this one: locked as the events come, each then holds one
    person and goes on to the other's. Fail fast: a deadlock is found after 100 ms, not a
    second."""
    hold = held_after_first(watcher)

    def after(_conn, _cursor, statement, *_args) -> None:
        if first(statement):
            hold()

    for engine in engines:
        sa_event.listen(engine, "after_cursor_execute", after)
    try:
        with deadlocks_found_fast(*engines):
            yield
    finally:
        for engine in engines:
            sa_event.remove(engine, "after_cursor_execute", after)


@contextmanager
def deadlocks_found_fast(*engines: Engine) -> Iterator[None]:
    """These engines' transactions find a deadlock after 100 ms, not a second: a test
    that meets one fails fast (each connection is set as the pool hands it out)."""
    def fast(dbapi_conn, _record, _proxy) -> None:
        with dbapi_conn.cursor() as cursor:
            cursor.execute("SET deadlock_timeout = '100ms'")
        dbapi_conn.commit()

    for engine in engines:
        sa_event.listen(engine.pool, "checkout", fast)
    try:
        yield
    finally:
        for engine in engines:
            sa_event.remove(engine.pool, "checkout", fast)


async def both_batches(database_url, bot, clock, watcher, first: list[InboundEvent],
                       second: list[InboundEvent]) -> tuple[RecordingAdapter, RecordingAdapter]:
    """`first` on this replica, `second` on another, at the same moment; their chats."""
    other, engine = prepare(Settings(database_url=database_url, org_file=TEST_ORG), clock)
    chat, other_chat = RecordingAdapter(), RecordingAdapter()
    bot.register(chat)
    other.register(other_chat)
    try:
        with each_batch_after_its_first_person(watcher, bot.engine, engine):
            await asyncio.wait_for(asyncio.gather(bot.handle_batch(first),
                                                  other.handle_batch(second)), STEP)
        await bot.drain()
        await other.drain()
    finally:
        engine.dispose()
    return chat, other_chat


def locale_of(bot, key: str) -> str:
    with bot.sessions() as session:
        person = PeopleRepo(session).by_key(key)
        assert person is not None
        return person.locale


def given_by(bot, key: str) -> int:
    with bot.sessions() as session:
        person = PeopleRepo(session).by_key(key)
        return len([k for k in KudosRepo(session).between(None, None) if k.giver_id == person.id])


async def test_an_away_and_a_kudos_in_each_of_two_batches_in_opposite_order(
        database_url, bot, clock, watcher, caplog):
    """Alice says she is away and Bruno praises Sam in one batch, while another replica's
    batch has Bruno's `/away` and Alice's kudos to Li. Both periods and both kudos are in,
    and PostgreSQL never has to break a deadlock."""
    caplog.set_level(logging.INFO)
    await both_batches(database_url, bot, clock, watcher,
                       [said("alice", "/away 2026-12-10", 1),
                        said("bruno", "/kudos @sam for the follow-up call", 2)],
                       [said("bruno", "/away 2026-12-11", 3),
                        said("alice", "/kudos @li for the pricing review", 4)])
    assert "deadlock" not in caplog.text.lower(), caplog.text
    assert count_kudos(bot) == 2
    assert given_by(bot, "alice") == given_by(bot, "bruno") == 1


async def test_a_language_choice_and_a_kudos_in_each_of_two_batches_in_opposite_order(
        database_url, bot, clock, watcher, caplog):
    """Alice switches to Chinese and Bruno praises Sam in one batch; Bruno switches to
    Chinese and Alice praises Li in another replica's. Both read Chinese from then on,
    both kudos are given, with no deadlock for PostgreSQL to break."""
    caplog.set_level(logging.INFO)
    await both_batches(database_url, bot, clock, watcher,
                       [said("alice", "/language 中文", 1),
                        said("bruno", "/kudos @sam for the follow-up call", 2)],
                       [said("bruno", "/language 中文", 3),
                        said("alice", "/kudos @li for the pricing review", 4)])
    assert "deadlock" not in caplog.text.lower(), caplog.text
    assert locale_of(bot, "alice") == locale_of(bot, "bruno") == "zh-CN"
    assert count_kudos(bot) == 2


async def test_checkin_said_by_two_people_as_the_round_batch_prompts_them(
        database_url, bot, clock, watcher, caplog):
    """Friday 16:00: Bruno and then Alice type `/checkin`, handled in one batch on a
    follower, as the leader's round batch prompts them both. Each gets her check-in once
    started, and PostgreSQL never has to break a deadlock. Before, the batch wrote Bruno's
    round and went on to Alice's, which the round batch (holding their rows only FOR SHARE)
    had written and which waited for Bruno's: PostgreSQL undid one (the round's batch, done
    again; or the two replies a stall late). The batch now holds its senders' rows up
    front, which the round batch waits for."""
    caplog.set_level(logging.INFO)
    other, engine = prepare(Settings(database_url=database_url, org_file=TEST_ORG), clock)
    chat, other_chat = RecordingAdapter(), RecordingAdapter()
    bot.register(chat)
    other.register(other_chat)
    started = threading.Event()

    def round_after(_conn, _cursor, statement, *_args) -> None:
        if statement.startswith("INSERT INTO checkin_rounds"):
            started.set()

    async def the_round():
        assert await asyncio.to_thread(started.wait, STEP), "the batch never wrote a round"
        return await bot.run_checkins(["alice", "bruno"])

    sa_event.listen(engine, "after_cursor_execute", round_after)
    try:
        with each_batch_after_its_first_person(
                watcher, bot.engine, engine,
                first=lambda sql: sql.startswith("INSERT INTO checkin_rounds")):
            run, _ = await asyncio.wait_for(asyncio.gather(the_round(), other.handle_batch(
                [said("bruno", "/checkin", 1, direct=True),
                 said("alice", "/checkin", 2, direct=True)])), STEP)
        await bot.drain()
        await other.drain()
    finally:
        engine.dispose()
    assert "deadlock" not in caplog.text.lower(), caplog.text
    # (Prompted by whichever came first: the other finds the round begun.)
    assert set(run.results) == {"alice", "bruno"}, run.results
    assert set(run.results.values()) <= {"prompted", "already-prompted"}, run.results
    for key in ("alice", "bruno"):
        said_to = chat.to(key) + other_chat.to(key)
        assert [t for t in said_to if "Question 1 of" in t], said_to

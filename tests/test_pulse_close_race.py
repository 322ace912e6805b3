"""A pulse answer given at the very moment the poll closes, on PostgreSQL: two replicas, one
storing the answer, the other's sweep closing the poll, interleaved at the worst moment.

Every answer is either counted in the closed poll's results (and the decision its close took
of what may be shown) or refused with the time the poll closed; never stored after the close
decided without it, its sender thanked for an answer the decision never saw. (SQLite lets
one writer at a time in: the two cannot interleave there.)"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text

import handlers.pulse
from bot.app import prepare
from bot.clock import FakeClock
from bot.config import Settings
from bot.core import TeamPulse
from bot.events import InboundEvent
from storage.pulse import PulsePoll, PulseRepo, PulseVote
from tests.conftest import SERVER_URL
from tests.support import RecordingAdapter, say
from tests.test_pulse import POLL_DAY, PULSE_ORG, answer_all, last_choices

pytestmark = pytest.mark.skipif(not SERVER_URL, reason="two transactions interleaving need "
                                                       "PostgreSQL (TEST_DATABASE_URL)")

#: How long a step of the interleaving may take before the test gives up (a hang, not a
#: timing the test relies on: each step waits for what the other transaction did).
STEP = 30


def waits_on_lock(engine: Engine) -> bool:
    """Whether a transaction on this database is waiting for a lock another one holds."""
    with engine.connect() as conn:
        return bool(conn.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()")).scalar())


def held_after_first(watcher: Engine) -> Callable[[], None]:
    """A hold for two transactions on two threads: each, the first time it calls the hold,
    waits until the other has called it too, or until one of them waits on a lock another
    holds (seen on `watcher`). Taken in opposite orders, each then holds its first row and
    goes on to the other's: the moment a deadlock needs."""
    lock = threading.Lock()
    arrived: set[int] = set()

    def hold() -> None:
        with lock:
            first = threading.get_ident() not in arrived
            arrived.add(threading.get_ident())
        pause = threading.Event()
        for _ in range(STEP * 200 if first else 0):
            with lock:
                if len(arrived) >= 2:
                    return
            if waits_on_lock(watcher):
                return
            pause.wait(0.005)

    return hold


def until_waiting_or(engine: Engine, done: threading.Event) -> None:
    """Hold this transaction until the other one has finished (`done`) or waits for it."""
    for _ in range(STEP * 200):
        if done.wait(0.005) or waits_on_lock(engine):
            return
    raise AssertionError("the other transaction neither finished nor waited")


def replica(database_url: str, clock: FakeClock) -> tuple[TeamPulse, RecordingAdapter, Engine]:
    bot, engine = prepare(Settings(database_url=database_url, org_file=PULSE_ORG), clock)
    chat = RecordingAdapter()
    bot.register(chat)
    return bot, chat, engine


def press(key: str, action: str) -> InboundEvent:
    return InboundEvent(platform="console", user_id=key, chat_id=key, chat_type="direct",
                        text="", action=action, event_id=f"race-{key}")


def typed(key: str, words: str) -> InboundEvent:
    return InboundEvent(platform="console", user_id=key, chat_id=key, chat_type="direct",
                        text=words, event_id=f"race-{key}")


async def poll_answered_by(bot: TeamPulse, chat: RecordingAdapter, keys: list[str]
                           ) -> tuple[str, object]:
    """The poll goes out; `keys` answer it (morale 4, stress 2); its closing time."""
    await bot.run_pulse()
    for key in keys:
        await answer_all(bot, chat, key, 4, 2)
    with bot.unit() as ctx:
        poll = ctx.session.scalars(select(PulsePoll)).one()
        return poll.key, poll.closes_at


def morale_stored(bot: TeamPulse) -> int:
    with bot.unit() as ctx:
        return int(ctx.session.scalar(select(func.count()).select_from(PulseVote).where(
            PulseVote.question_key == "morale")) or 0)


def at_the_close(database_url: str, clock: FakeClock, chat: RecordingAdapter,
                 closes: datetime) -> tuple[TeamPulse, RecordingAdapter, Engine]:
    """A second replica whose clock reads a second before the poll `closes`, the sweeping
    replica's (`clock`, `chat`) moved to a minute after it and its chat cleared."""
    other = replica(database_url, FakeClock(closes - timedelta(seconds=1)))
    clock.set(closes + timedelta(minutes=1))
    chat.clear()
    return other


async def told(bots: list[TeamPulse], chats: list[RecordingAdapter], key: str) -> str:
    """Everything `key` was sent since the chats were cleared, by either replica, each
    delivering in the order given. (The answering replica first: the next question of a
    poll expires at its close, which the sweeping replica's clock has passed; delivered by
    the sweeper first, it was dropped unsent, as it should be, and the test read nothing.
    Shared by both replicas, the outbox is delivered by whichever gets there first.)"""
    for bot in bots:
        await bot.drain()
        await bot.deliver()
    return "\n---\n".join(t for chat in chats for t in chat.to(key))


async def handled_as_the_close_decides(sweeper: TeamPulse, answerer: TeamPulse,
                                       event: InboundEvent, watcher: Engine,
                                       monkeypatch: pytest.MonkeyPatch) -> Any:
    """The sweeper's pulse run, its close held once it has decided (not yet committed)
    while `answerer` handles `event`, until the watcher sees that one wait for the close
    (or it is done); the run's result."""
    decided, handled = threading.Event(), threading.Event()
    decide: Callable[..., object] = handlers.pulse.decide

    def then_the_event(session, poll, *args, **kwargs):
        found = decide(session, poll, *args, **kwargs)
        decided.set()
        until_waiting_or(watcher, handled)
        return found

    monkeypatch.setattr(handlers.pulse, "decide", then_the_event)
    closing = asyncio.ensure_future(sweeper.run_pulse())
    try:
        assert await asyncio.to_thread(decided.wait, STEP)
        await asyncio.wait_for(answerer.handle(event), STEP)
        handled.set()
        return await asyncio.wait_for(closing, STEP)
    finally:
        handled.set()
        monkeypatch.setattr(handlers.pulse, "decide", decide)


async def test_an_answer_stored_as_the_poll_closes_is_counted_in_what_its_close_decided(
        database_url, watcher, monkeypatch):
    """Five of twelve answered; Nova presses her morale button a second before the poll
    closes, on one replica, and the other's sweep closes it while her answer is being
    stored. Told "Question 2 of 2", her answer must count: six answers are enough to show
    the org's morale (five and the GM, who reads it, asked in it). Before, the close counted
    five, decided the org's morale hidden for good, and her answer was stored after it: the
    GM read six of twelve answered beside "Morale: hidden"."""
    clock = FakeClock(POLL_DAY)
    sweeper, chat, engine = replica(database_url, clock)
    _, closes = await poll_answered_by(sweeper, chat, ["alice", "east1", "east2", "east3",
                                                       "bruno"])
    tap = last_choices(chat, "nova")[3]
    answerer, other_chat, other_engine = at_the_close(database_url, clock, chat, closes)

    ready, closed = threading.Event(), threading.Event()
    advance = PulseRepo.advance

    def at_the_worst_moment(self, part, step, **kw):  # her answer read the poll open
        ready.set()
        until_waiting_or(watcher, closed)
        return advance(self, part, step, **kw)

    monkeypatch.setattr(PulseRepo, "advance", at_the_worst_moment)
    answering = asyncio.ensure_future(answerer.handle(press("nova", tap)))
    try:
        assert await asyncio.to_thread(ready.wait, STEP)
        result = await sweeper.run_pulse()
        closed.set()
        await asyncio.wait_for(answering, STEP)
    finally:
        closed.set()
    assert result.closed
    monkeypatch.setattr(PulseRepo, "advance", advance)

    nova = await told([answerer, sweeper], [other_chat, chat], "nova")
    assert "Question 2 of 2" in nova and "closed" not in nova, nova
    assert morale_stored(sweeper) == 6
    await say(sweeper, "grace", "/pulse results")
    results = chat.last("grace")
    assert "Participation: 6 of 12 answered." in results.splitlines(), results
    assert "Morale: 4.0 (6 answers)" in results, results
    other_engine.dispose()
    engine.dispose()


@pytest.mark.parametrize("how", ["button", "typed"])
async def test_an_answer_arriving_while_the_poll_closes_is_refused_saying_when_it_closed(
        database_url, watcher, monkeypatch, how):
    """Six answered; the sweep closes the poll and has decided what its results show when
    East Person 5 (who reads Chinese) presses a morale button, on the other replica, whose
    clock still reads a second before the close. Before, her answer was stored after the
    decision and she was asked the next question as if it counted; now she hears, in
    Chinese, that the poll closed and when, and the GM reads the six answers the close
    counted, as many as are stored. The same for '四' typed."""
    clock = FakeClock(POLL_DAY)
    sweeper, chat, engine = replica(database_url, clock)
    _, closes = await poll_answered_by(sweeper, chat, ["alice", "east1", "east2", "east3",
                                                       "east4", "bruno"])
    tap = last_choices(chat, "east5")[3]
    answerer, other_chat, other_engine = at_the_close(database_url, clock, chat, closes)

    result = await handled_as_the_close_decides(
        sweeper, answerer, press("east5", tap) if how == "button" else typed("east5", "四"),
        watcher, monkeypatch)
    assert result.closed

    east5 = await told([answerer, sweeper], [other_chat, chat], "east5")
    # 17:00 UTC on Saturday 12 December: when it closed, in her own time (Shanghai).
    assert "本次脉搏调查已于 12月13日（周日）01:00 截止" in east5, east5
    assert "这次的回答不会计入" in east5 and "第 2 题" not in east5, east5
    assert morale_stored(sweeper) == 6
    await say(sweeper, "grace", "/pulse results")
    results = chat.last("grace")
    assert "Morale: 4.0 (6 answers)" in results, results
    other_engine.dispose()
    engine.dispose()


async def test_an_answer_stored_while_a_sweep_reshuffles_the_answers_is_counted_once(
        database_url, watcher, monkeypatch):
    """Every sweep writes an open poll's answers again in random order (PulseRepo.shuffle),
    and an answer rewrites a few others with it (storage/pulse.py, `_in_company`). Nova's
    answer had rewritten four of them, not yet committed, when the sweep read the answers
    to shuffle them: the sweep then wrote those four again beside her copies, and the GM
    read eleven morale answers where seven people had answered."""
    clock = FakeClock(POLL_DAY)
    sweeper, chat, engine = replica(database_url, clock)
    # Outside East (the one team kept with answers) with Nova: the slice she answers in.
    await poll_answered_by(sweeper, chat, ["alice", "east1", "bruno", "west1", "west2",
                                           "west3"])
    tap = last_choices(chat, "nova")[3]
    answerer, _, other_engine = replica(database_url, FakeClock(POLL_DAY))
    clock.advance(timedelta(minutes=5))  # the next sweep: the poll still open

    stored, swept = threading.Event(), threading.Event()
    vote = PulseRepo.vote

    def then_the_sweep(self, poll, question_key, value, team):  # written, not committed
        vote(self, poll, question_key, value, team)
        stored.set()
        until_waiting_or(watcher, swept)

    monkeypatch.setattr(PulseRepo, "vote", then_the_sweep)
    answering = asyncio.ensure_future(answerer.handle(press("nova", tap)))
    try:
        assert await asyncio.to_thread(stored.wait, STEP)
        await asyncio.wait_for(sweeper.run_pulse(), STEP)
        swept.set()
        await asyncio.wait_for(answering, STEP)
    finally:
        swept.set()
    monkeypatch.setattr(PulseRepo, "vote", vote)

    assert morale_stored(sweeper) == 7
    with sweeper.unit() as ctx:
        closes = ctx.session.scalars(select(PulsePoll.closes_at)).one()
    clock.set(closes + timedelta(minutes=1))
    await sweeper.run_pulse()
    await say(sweeper, "grace", "/pulse results")
    results = chat.last("grace")
    assert "Participation: 7 of 12 answered." in results.splitlines(), results
    assert "(7 answers)" in results, results
    other_engine.dispose()
    engine.dispose()


async def test_pulse_sent_while_the_poll_closes_asks_nothing_of_the_closed_poll(
        database_url, watcher, monkeypatch):
    """Nova, away when the poll went out and so never asked, sends /pulse a second before it
    closes (by her replica's clock) while the other's sweep closes it and has decided what
    its results show. Before, she was added to those asked after that decision and sent its
    first question, one no answer to could count; now she hears no poll is open, and the
    GM reads the participation the close decided with."""
    clock = FakeClock(POLL_DAY - timedelta(days=5))
    sweeper, chat, engine = replica(database_url, clock)
    await say(sweeper, "nova", "/away 2026-12-07 2026-12-10")
    clock.set(POLL_DAY)
    _, closes = await poll_answered_by(sweeper, chat, ["alice", "east1", "east2", "east3",
                                                       "east4", "bruno"])
    answerer, other_chat, other_engine = at_the_close(database_url, clock, chat, closes)

    result = await handled_as_the_close_decides(sweeper, answerer, typed("nova", "/pulse"),
                                                watcher, monkeypatch)
    assert result.closed

    nova = await told([answerer, sweeper], [other_chat, chat], "nova")
    assert "There's no pulse poll open right now." in nova and "Question" not in nova, nova
    await say(sweeper, "grace", "/pulse results")
    assert "Participation: 6 of 11 answered." in chat.last("grace").splitlines(), \
        chat.last("grace")
    other_engine.dispose()
    engine.dispose()

"""Fan-out: many chats at once, each in order, paced, and a 429 holding back only its own."""

from __future__ import annotations

import asyncio
import collections
import gc
import heapq
import itertools
import threading
from collections.abc import Coroutine
from datetime import datetime, timedelta
from typing import Any, TypeVar

import pytest
from sqlalchemy import func, select

from bot.adapters.base import Pacing, RetryLater
from bot.clock import FakeClock
from bot.gc_pause import BURST_GEN0_THRESHOLD
from bot.outbox import OutboxWorker
from storage.models import OutboxMessage
from storage.repositories import OutboxRepo
from tests.fakes.rate_limits import Limit, SimulatedLimits
from tests.support import RecordingAdapter
from tests.test_outbox import enqueue, statuses

#: How long the held claim waits for the first call before the test fails (a hang, not a
#: timing it relies on).
STEP = 10

T = TypeVar("T")


class Timeline:
    """Waits on the fake clock: whoever waits for the earliest moment wakes first, and the
    clock moves to that moment (once everything runnable has run, and the database work
    on its thread is done: it takes a fraction of a millisecond, not a pacing gap). While
    `held`, the clock stays where it is (a test doing something "at once")."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.held = False
        self.waiting: list[tuple[datetime, int, asyncio.Future[None]]] = []
        self.count = 0
        self.on_threads = 0
        self.thread_ends = 0

    async def wait_until(self, moment: datetime) -> None:
        if moment <= self.clock.now():
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.count += 1
        heapq.heappush(self.waiting, (moment, self.count, future))
        await future

    async def run(self, work: Coroutine[Any, Any, T]) -> T:
        real = asyncio.to_thread

        async def to_thread(func: Any, /, *args: Any, **kwargs: Any) -> Any:
            self.on_threads += 1
            try:
                return await real(func, *args, **kwargs)
            finally:
                self.on_threads -= 1
                self.thread_ends += 1
        asyncio.to_thread = to_thread  # type: ignore[assignment]
        try:
            return await self._run(work)
        finally:
            asyncio.to_thread = real

    async def _run(self, work: Coroutine[Any, Any, T]) -> T:
        task = asyncio.ensure_future(work)
        while not task.done():
            ends = self.thread_ends
            for _ in range(20):
                await asyncio.sleep(0)
            if self.on_threads or self.thread_ends != ends:
                # Work came back from the thread during these turns: whoever waited on it
                # gets its own 20 turns before the clock moves (under load the call could
                # end at the 19th, and the clock move past a send's moment that its
                # caller had yet to wait for: two sends at one moment).
                if self.on_threads:
                    await asyncio.wait([task], timeout=0.01)
                continue
            if self.waiting and not self.held:
                moment, _, future = heapq.heappop(self.waiting)
                if future.done():  # its waiter gave up (cancelled): nobody to wake
                    continue
                self.clock.set(max(moment, self.clock.now()))
                future.set_result(None)
            else:
                await asyncio.wait([task], timeout=0.01)  # database work on its thread
        return task.result()


async def test_chats_are_sent_to_at_once_and_each_chat_keeps_its_order(bot, clock):
    bruno_served = asyncio.Event()

    class SlowForAlice(RecordingAdapter):
        async def deliver(self, target, message):
            if target.address == "alice":
                # Sent one at a time across all chats, alice's first message would hold
                # bruno's back and this would never end.
                await bruno_served.wait()
            else:
                bruno_served.set()
            await asyncio.sleep(0)  # let the other chat's call interleave with this one
            return await super().deliver(target, message)

    chat = SlowForAlice()
    bot.register(chat)
    for i in range(3):
        enqueue(bot, "alice", f"alice {i}")
        enqueue(bot, "bruno", f"bruno {i}")
    # The timeout only bounds a failing run; nothing here waits on the wall clock.
    await asyncio.wait_for(bot.outbox.flush(), timeout=10)
    assert chat.to("alice") == ["alice 0", "alice 1", "alice 2"]
    assert chat.to("bruno") == ["bruno 0", "bruno 1", "bruno 2"]
    assert chat.sent[0].target.address == "bruno"  # bruno did not wait for alice
    assert {status for _, status, _ in statuses(bot)} == {"sent"}



async def test_a_chat_with_five_messages_among_hundreds_gets_them_in_order_one_at_a_time(
        bot, clock):
    """A round to 300 people while alice has five messages queued: she gets all five in
    order, never two at once, everyone else gets theirs once, and no more calls are under
    way together than the outbox allows."""
    from bot.outbox import CONCURRENCY

    under_way: dict[str, int] = {}
    most = {"alice": 0, "all": 0}

    class Slow(RecordingAdapter):
        async def deliver(self, target, message):
            under_way[target.address] = under_way.get(target.address, 0) + 1
            total = sum(under_way.values())
            most["all"] = max(most["all"], total)
            most["alice"] = max(most["alice"], under_way.get("alice", 0))
            for _ in range(3):  # calls take a while: the others interleave with this one
                await asyncio.sleep(0)
            under_way[target.address] -= 1
            return await super().deliver(target, message)

    chat = Slow()
    bot.register(chat)
    people = [f"p{i:03d}" for i in range(300)]
    for n, person in enumerate(people):
        enqueue(bot, person, f"round for {person}")
        if n % 60 == 0:
            enqueue(bot, "alice", f"alice {n // 60}")
    await asyncio.wait_for(bot.outbox.flush(), timeout=30)
    assert chat.to("alice") == [f"alice {i}" for i in range(5)]
    assert most["alice"] == 1
    assert all(chat.to(person) == [f"round for {person}"] for person in people)
    assert 1 < most["all"] <= CONCURRENCY
    assert {status for _, status, _ in statuses(bot)} == {"sent"}

async def test_a_429_on_one_chat_delays_only_that_chat(bot, clock):
    class LimitedForAlice(RecordingAdapter):
        async def deliver(self, target, message):
            if target.address == "alice" and not self.sent_to_alice_once:
                self.sent_to_alice_once = True
                raise RetryLater(30)
            return await super().deliver(target, message)

    chat = LimitedForAlice()
    chat.sent_to_alice_once = False
    bot.register(chat)
    enqueue(bot, "alice", "alice 1")
    enqueue(bot, "alice", "alice 2")
    for i in range(3):
        enqueue(bot, "bruno", f"bruno {i}")
    assert await bot.outbox.flush() == clock.now() + timedelta(seconds=30)
    assert chat.to("bruno") == ["bruno 0", "bruno 1", "bruno 2"]  # not held up at all
    assert chat.to("alice") == []
    clock.advance(timedelta(seconds=30))
    await bot.outbox.flush()
    assert chat.to("alice") == ["alice 1", "alice 2"]  # in order, once each


async def test_when_several_chats_are_rate_limited_at_once_the_whole_platform_waits(bot, clock):
    # Two chats refused together is the platform's overall limit: sending on to a third
    # chat would only collect another 429.
    chat = RecordingAdapter(fail_next=[RetryLater(10), RetryLater(10)])
    bot.register(chat)
    for person in ("alice", "bruno", "chen"):
        enqueue(bot, person, f"hi {person}")
    await bot.outbox.flush()
    assert chat.sent == []
    assert [s for _, s, _ in statuses(bot)] == ["pending"] * 3
    clock.advance(timedelta(seconds=10))
    await bot.outbox.flush()
    assert sorted(s.text for s in chat.sent) == ["hi alice", "hi bruno", "hi chen"]


async def test_paced_messages_go_out_at_the_allowed_rate_within_one_flush(bot, clock):
    # The real loop plans a second ahead and waits for each message's moment; here the
    # wait moves the fake clock instead of sleeping.
    sent_at: list[tuple[str, datetime]] = []

    class Timed(RecordingAdapter):
        async def deliver(self, target, message):
            sent_at.append((target.address, clock.now()))
            return await super().deliver(target, message)

    chat = Timed(pacing=Pacing(per_chat=1.0, overall=0.1))
    worker = OutboxWorker(bot.sessions, {"console": chat}, clock, lookahead=timedelta(seconds=1))

    timeline = Timeline(clock)
    worker._sleep_until = timeline.wait_until  # type: ignore[method-assign]
    start = clock.now()
    for i in range(20):
        enqueue(bot, f"p{i % 10}", f"message {i}")
    await timeline.run(worker.flush())
    assert len(sent_at) == 20
    moments = [moment for _, moment in sent_at]
    assert moments == sorted(moments)
    gaps = [b - a for a, b in itertools.pairwise(moments)]
    assert min(gaps) >= timedelta(seconds=0.1)  # never faster than allowed ...
    assert moments[-1] - start <= timedelta(seconds=2.0)  # ... nor much slower
    for person in {address for address, _ in sent_at}:
        mine = [moment for address, moment in sent_at if address == person]
        assert mine[1] - mine[0] >= timedelta(seconds=1)
    assert {status for _, status, _ in statuses(bot)} == {"sent"}


async def test_two_workers_on_one_database_never_send_the_same_message(bot, clock):
    # As with two processes: each message claimed by one of them and sent once.
    first, second = RecordingAdapter(), RecordingAdapter()
    one = OutboxWorker(bot.sessions, {"console": first}, clock)
    two = OutboxWorker(bot.sessions, {"console": second}, clock)
    for i in range(40):
        enqueue(bot, f"person{i}", f"message {i}")
    await asyncio.wait_for(asyncio.gather(one.flush(), two.flush()), timeout=30)
    texts = [s.text for s in first.sent + second.sent]
    assert sorted(texts) == sorted(f"message {i}" for i in range(40))
    assert {status for _, status, _ in statuses(bot)} == {"sent"}


async def test_on_postgresql_a_row_another_process_holds_is_skipped_not_waited_for(bot, clock):
    if bot.engine.dialect.name != "postgresql":
        pytest.skip("row locks: PostgreSQL (SQLite runs one process)")
    chat = RecordingAdapter()
    bot.register(chat)
    enqueue(bot, "alice", "held elsewhere")
    enqueue(bot, "bruno", "free")
    with bot.sessions.begin() as other:  # another process in the middle of claiming it
        other.scalars(select(OutboxMessage).where(OutboxMessage.address == "alice")
                      .with_for_update()).one()
        await asyncio.wait_for(bot.outbox.flush(), timeout=30)
        assert chat.to("bruno") == ["free"] and chat.to("alice") == []
    await bot.outbox.flush()
    assert chat.to("alice") == ["held elsewhere"]


def enqueue_reply(bot, address: str, text: str) -> None:
    """A message as a handler answering someone records it (a reply, not bulk)."""
    with bot.unit() as ctx:
        OutboxRepo(ctx.session, replies=True).enqueue(
            platform="console", target_kind="dm", address=address, payload={"text": text},
            now=bot.clock.now())


async def test_replies_go_first_and_the_round_still_gets_a_share(bot, clock):
    chat = RecordingAdapter()
    bot.register(chat)
    for i in range(20):
        enqueue(bot, f"member{i}", f"round {i}")
    for i in range(12):
        enqueue_reply(bot, f"asker{i}", f"reply {i}")
    await bot.outbox.flush()
    order = [s.target.address for s in chat.sent]
    assert len(order) == 32
    assert order[0] == "asker0"
    # Replies overtake the round, yet one place in four still goes to it.
    assert [a.startswith("asker") for a in order[:8]] == [True, True, True, False] * 2
    assert [a for a in order if a.startswith("member")] == [f"member{i}" for i in range(20)]


async def test_a_reply_never_overtakes_an_earlier_message_to_its_chat(bot, clock):
    chat = RecordingAdapter()
    bot.register(chat)
    enqueue(bot, "alice", "your check-in")  # part of a round, queued first
    for i in range(30):
        enqueue(bot, f"member{i}", f"round {i}")
    enqueue_reply(bot, "alice", "answer to /help")
    await bot.outbox.flush()
    assert chat.to("alice") == ["your check-in", "answer to /help"]
    order = [s.target.address for s in chat.sent]
    alice = [n for n, address in enumerate(order) if address == "alice"]
    assert alice == [0, 1]  # her chat went ahead of the round, as a whole and in order


async def test_paced_sending_runs_close_to_the_limit_without_a_429_when_calls_take_time(
        bot, clock):
    # Telegram's 30 a second, counted by the platform when each request arrives: somewhere
    # between the call starting and its answer. Most calls take 5 ms, every seventh 80 ms,
    # and the slow ones are counted late, the others at once: the jitter a network adds.
    limits = SimulatedLimits([Limit(30, 1.0), Limit(1, 1.0, "chat")],
                             clock=lambda: clock.now().timestamp())
    timeline = Timeline(clock)

    class Platform(RecordingAdapter):
        async def deliver(self, target, message):
            slow = len(self.sent) % 7 == 6
            if not slow:
                refused = limits.check(target.address)
            await timeline.wait_until(clock.now() + timedelta(milliseconds=80 if slow else 5))
            if slow:
                refused = limits.check(target.address)
            if refused:
                raise RetryLater(refused)
            return await super().deliver(target, message)

    platform = Platform(pacing=Pacing(per_chat=1.0, overall=1 / 30))
    worker = OutboxWorker(bot.sessions, {"console": platform}, clock,
                          lookahead=timedelta(seconds=1), realtime=True)
    worker._sleep_until = timeline.wait_until  # type: ignore[method-assign]
    for i in range(150):
        enqueue(bot, f"person{i}", f"message {i}")
    enqueue(bot, "person0", "a second one to the first person")

    async def deliver_all() -> None:
        while (due := await worker.flush()) is not None:
            await timeline.wait_until(due)

    await timeline.run(deliver_all())
    assert limits.rejected == 0  # our pacing never caused a 429 ...
    assert len(platform.sent) == 151
    rate = (len(limits.accepted_at) - 1) / (limits.accepted_at[-1] - limits.accepted_at[0])
    assert rate >= 0.95 * 30  # ... and ran at 95% of the allowed rate or more


async def test_a_fan_out_is_sent_with_fewer_garbage_collections_and_the_usual_after(
        bot, clock):
    # While the outbox sends, the young generation is collected less often (its
    # collections cost a tenth of an uncapped fan-out); afterwards, and after a flush
    # that failed, as usual.
    usual = gc.get_threshold()
    seen: list[int] = []

    class Watching(RecordingAdapter):
        async def deliver(self, target, message):
            seen.append(gc.get_threshold()[0])
            return await super().deliver(target, message)

    chat = Watching()
    bot.register(chat)
    for n in range(5):
        enqueue(bot, f"person{n}", f"check-in {n}")
    await bot.outbox.flush()
    assert sorted(chat.to(f"person{n}")[0] for n in range(5)) == [
        f"check-in {n}" for n in range(5)]
    assert seen and all(t >= BURST_GEN0_THRESHOLD for t in seen)
    assert gc.get_threshold() == usual

    enqueue(bot, "person0", "again")

    async def broken(*args: Any) -> Any:
        raise OSError("database gone")

    bot.outbox._db = broken
    with pytest.raises(OSError):
        await bot.outbox.flush()
    assert gc.get_threshold() == usual


async def test_the_first_person_of_a_big_round_is_sent_to_before_the_whole_batch_is_claimed(
        bot, clock, monkeypatch):
    # A round to 600 people: the first message goes out once a small first batch is
    # claimed (not after reading and claiming a whole batch of 500), and everyone still
    # gets theirs once. The next claim (made at once: the first batch is already "low")
    # is held until the first call has begun, so what that call finds claimed does not
    # depend on which thread the host ran first; were the first call to wait for the
    # next claim, the hold would time out and the test fail.
    from bot.outbox import BATCH, FIRST_BATCH

    claimed_at_first_call: list[int] = []
    first_call = threading.Event()
    claims: list[int] = []
    claim = OutboxWorker._claim

    def next_claims_wait_for_the_first_call(self, ids):
        if claims and not first_call.is_set():
            claims.append(-1 if not first_call.wait(STEP) else 0)
        got = claim(self, ids)
        claims.append(len(got))
        return got

    monkeypatch.setattr(OutboxWorker, "_claim", next_claims_wait_for_the_first_call)

    class Watching(RecordingAdapter):
        async def deliver(self, target, message):
            if not claimed_at_first_call:
                with bot.sessions() as other:  # what was committed when the call began
                    claimed_at_first_call.append(other.scalar(
                        select(func.count()).select_from(OutboxMessage)
                        .where(OutboxMessage.status == "sending")))
                first_call.set()
            return await super().deliver(target, message)

    chat = Watching()
    bot.register(chat)
    people = [f"p{i:03d}" for i in range(600)]
    for person in people:
        enqueue(bot, person, f"round for {person}")
    await asyncio.wait_for(bot.outbox.flush(), timeout=30)
    assert -1 not in claims, "the first call waited for the next batch's claim"
    assert 0 < claims[0] <= FIRST_BATCH < BATCH
    assert claimed_at_first_call[0] <= FIRST_BATCH
    assert all(chat.to(person) == [f"round for {person}"] for person in people)
    assert {status for _, status, _ in statuses(bot)} == {"sent"}


async def test_a_big_round_keeps_sending_while_its_next_batch_is_read_and_claimed(bot, clock):
    # A round to 600 people, on a busy database thread: reading the next batch and
    # claiming it each take as long as 60 calls. The next batch is claimed while the
    # first still has people to send to, so sending never pauses for the database (with
    # a first batch of 100 it ran out before the next was claimed), and everyone gets
    # their message once.
    calls_per_trip = 60
    turns: collections.deque[asyncio.Future[None]] = collections.deque()
    answered = 0
    claimed = 0
    db_working = 0
    news = asyncio.Event()

    class OneCallAtATime(RecordingAdapter):
        async def deliver(self, target, message):
            nonlocal answered
            turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            turns.append(turn)
            await turn
            result = await super().deliver(target, message)
            answered += 1
            news.set()
            return result

    async def answer_calls() -> None:
        # Calls are answered one a loop turn, never while the database works for real
        # (so a trip lasts exactly as long as the calls it is made to wait for).
        while True:
            await asyncio.sleep(0)
            if turns and not db_working:
                turns.popleft().set_result(None)

    real_db = bot.outbox._db
    claims_seen: list[tuple[int, int]] = []  # (calls answered, rows claimed before it)

    async def busy_db(work, *args):
        nonlocal claimed, db_working
        slow = claimed > 0 and work.__name__ in {"_load_plan", "_claim"}
        before = claimed
        db_working += 1
        try:
            result = await real_db(work, *args)
        finally:
            db_working -= 1
        if work.__name__ == "_claim":
            claimed += len(result)
        if slow:
            until = answered + calls_per_trip
            while answered < until and answered < before:
                news.clear()
                await news.wait()
            if work.__name__ == "_claim":
                claims_seen.append((answered, before))
        return result

    chat = OneCallAtATime()
    bot.register(chat)
    bot.outbox._db = busy_db
    people = [f"p{i:03d}" for i in range(600)]
    for person in people:
        enqueue(bot, person, f"round for {person}")
    answering = asyncio.ensure_future(answer_calls())
    try:
        await asyncio.wait_for(bot.outbox.flush(), timeout=60)
    finally:
        answering.cancel()
    second_claim_answered, first_batch = claims_seen[0]
    assert second_claim_answered < first_batch  # calls were still to be made
    assert all(chat.to(person) == [f"round for {person}"] for person in people)
    assert {status for _, status, _ in statuses(bot)} == {"sent"}

"""Durable delivery: nothing lost or doubled by rate limits, failures or restarts."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.adapters.base import DeliveryError, Pacing, RetryLater
from bot.outbox import MAX_ATTEMPTS, OutboxWorker
from storage.models import OutboxMessage
from tests.support import RecordingAdapter


def enqueue(bot, address: str, text: str, dedupe_key: str | None = None) -> bool:
    with bot.unit() as ctx:
        row = ctx.outbox.enqueue(platform="console", target_kind="dm", address=address,
                                 payload={"text": text}, now=bot.clock.now(),
                                 dedupe_key=dedupe_key)
        return row is not None


def statuses(bot) -> list[tuple[str, str, int]]:
    with bot.unit() as ctx:
        return [(r.payload["text"], r.status, r.attempts) for r in
                ctx.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


async def test_rate_limited_message_waits_then_goes_out_exactly_once(bot, clock):
    chat = RecordingAdapter(fail_next=[RetryLater(30)])
    bot.register(chat)
    enqueue(bot, "alice", "hello")
    next_due = await bot.outbox.flush()
    assert chat.sent == [] and next_due == clock.now() + timedelta(seconds=30)
    clock.advance(timedelta(seconds=29))
    await bot.outbox.flush()
    assert chat.sent == []
    clock.advance(timedelta(seconds=1))
    await bot.outbox.flush()
    await bot.outbox.flush()
    assert chat.to("alice") == ["hello"]
    assert statuses(bot) == [("hello", "sent", 1)]


async def test_later_messages_to_the_same_chat_keep_their_order(bot, clock):
    chat = RecordingAdapter(fail_next=[RetryLater(5)])
    bot.register(chat)
    enqueue(bot, "alice", "first")
    enqueue(bot, "alice", "second")
    enqueue(bot, "bruno", "other chat")
    await bot.outbox.flush()
    assert [s.text for s in chat.sent] == ["other chat"]
    clock.advance(timedelta(seconds=5))
    await bot.outbox.flush()
    assert chat.to("alice") == ["first", "second"]


async def test_network_errors_are_retried_with_backoff(bot, clock):
    chat = RecordingAdapter(fail_next=[ConnectionError("down"), ConnectionError("down")])
    bot.register(chat)
    enqueue(bot, "alice", "hello")
    await bot.outbox.flush()
    assert statuses(bot) == [("hello", "pending", 1)]
    clock.advance(timedelta(seconds=2))
    await bot.outbox.flush()
    assert statuses(bot) == [("hello", "pending", 2)]
    clock.advance(timedelta(seconds=3))
    await bot.outbox.flush()
    assert statuses(bot) == [("hello", "pending", 2)]  # backoff is 4s now
    clock.advance(timedelta(seconds=1))
    await bot.outbox.flush()
    assert statuses(bot) == [("hello", "sent", 3)]
    assert chat.to("alice") == ["hello"]


async def test_permanent_failures_stop_and_do_not_block_the_chat(bot, clock):
    chat = RecordingAdapter(fail_next=[DeliveryError("user blocked the bot", permanent=True)])
    bot.register(chat)
    enqueue(bot, "alice", "lost cause")
    enqueue(bot, "alice", "next")
    await bot.outbox.flush()
    assert statuses(bot)[0][:2] == ("lost cause", "failed")
    assert chat.to("alice") == ["next"]


async def test_a_message_gives_up_after_max_attempts(bot, clock):
    chat = RecordingAdapter(fail_next=[ConnectionError("down")] * MAX_ATTEMPTS)
    bot.register(chat)
    enqueue(bot, "alice", "hello")
    for _ in range(MAX_ATTEMPTS):
        await bot.outbox.flush()
        clock.advance(timedelta(minutes=10))
    assert statuses(bot) == [("hello", "failed", MAX_ATTEMPTS)]


async def test_pending_messages_survive_a_restart(bot, clock):
    enqueue(bot, "alice", "queued before the crash")  # no adapter running: stays pending
    chat = RecordingAdapter()
    worker = OutboxWorker(bot.sessions, {"console": chat}, clock)
    await worker.flush()
    assert chat.to("alice") == ["queued before the crash"]
    await worker.flush()
    assert len(chat.sent) == 1


async def test_pacing_spaces_messages_to_one_chat(bot, clock):
    chat = RecordingAdapter(pacing=Pacing(per_chat=1.0))
    bot.register(chat)
    for text in ("one", "two"):
        enqueue(bot, "alice", text)
    enqueue(bot, "bruno", "three")
    next_due = await bot.outbox.flush()
    assert chat.to("alice") == ["one"] and chat.to("bruno") == ["three"]
    assert next_due == clock.now() + timedelta(seconds=1)
    clock.advance(timedelta(seconds=1))
    await bot.outbox.flush()
    assert chat.to("alice") == ["one", "two"]


async def test_overall_pacing_spaces_messages_across_chats(bot, clock):
    chat = RecordingAdapter(pacing=Pacing(overall=0.5))
    bot.register(chat)
    enqueue(bot, "alice", "a")
    enqueue(bot, "bruno", "b")
    await bot.outbox.flush()
    assert len(chat.sent) == 1
    clock.advance(timedelta(seconds=0.5))
    await bot.outbox.flush()
    assert len(chat.sent) == 2


async def test_dedupe_key_records_a_message_once(bot):
    assert enqueue(bot, "alice", "prompt", dedupe_key="k1") is True
    assert enqueue(bot, "alice", "prompt", dedupe_key="k1") is False
    assert len(statuses(bot)) == 1


async def test_a_backlog_larger_than_one_batch_goes_out_in_one_flush(bot, clock):
    from bot.outbox import BATCH

    chat = RecordingAdapter()
    bot.register(chat)
    for i in range(BATCH + 5):
        enqueue(bot, f"person{i}", f"message {i}")
    assert await bot.outbox.flush() is None
    assert len(chat.sent) == BATCH + 5


async def test_a_message_is_recorded_as_being_sent_before_the_platform_call(bot, clock):
    seen: list[str] = []

    class Watching(RecordingAdapter):
        async def deliver(self, target, message):
            with bot.sessions() as other:  # another connection sees only what was committed
                seen.append(other.get(OutboxMessage, message.outbox_id).status)
            return await super().deliver(target, message)

    bot.register(Watching())
    enqueue(bot, "alice", "hello")
    await bot.outbox.flush()
    assert seen == ["sending"]
    assert statuses(bot) == [("hello", "sent", 1)]


async def test_a_send_this_run_left_unrecorded_is_settled_after_the_in_flight_timeout(
        bot, clock):
    from bot.outbox import IN_FLIGHT_TIMEOUT

    enqueue(bot, "alice", "hello")
    chat = RecordingAdapter()
    worker = OutboxWorker(bot.sessions, {"console": chat}, clock)
    clock.advance(timedelta(seconds=1))
    with bot.unit() as ctx:  # as if recording the outcome of a send begun now had failed
        row = ctx.session.scalars(select(OutboxMessage)).one()
        row.status, row.sending_at = "sending", clock.now()
    assert await worker.flush() == clock.now() + IN_FLIGHT_TIMEOUT
    assert chat.sent == []  # maybe still on its way: not sent a second time yet
    clock.advance(IN_FLIGHT_TIMEOUT)
    await worker.flush()
    assert chat.to("alice") == ["hello"]  # the console cannot look it up: sent again, once
    await worker.flush()
    assert statuses(bot) == [("hello", "sent", 1)]


async def test_the_outbox_database_work_leaves_the_event_loop_free(bot, clock, monkeypatch):
    import asyncio
    import threading

    chat = RecordingAdapter()
    bot.register(chat)
    enqueue(bot, "alice", "hello")
    loop_ran = threading.Event()
    real_load = bot.outbox._load_plan

    def load_while_the_loop_runs(*args):
        # Run on the event loop, this would hold it: `meanwhile` could never run.
        assert loop_ran.wait(timeout=5), "the outbox's database work blocked the event loop"
        return real_load(*args)

    async def meanwhile() -> None:  # another person's event, say
        loop_ran.set()

    monkeypatch.setattr(bot.outbox, "_load_plan", load_while_the_loop_runs)
    other = asyncio.ensure_future(meanwhile())
    await bot.outbox.flush()
    await other
    assert chat.to("alice") == ["hello"]


async def test_a_stop_mid_fan_out_leaves_the_rest_queued_and_a_last_flush_sends_it_once(
        bot, clock):
    """A stop (halt) arriving while a round goes out: the call under way is answered and
    recorded, the rest of the round stays queued (not in doubt), and nothing is sent
    twice when it goes out later."""
    class StoppedMidway(RecordingAdapter):
        async def deliver(self, target, message):
            result = await super().deliver(target, message)
            if len(self.sent) == 3:
                bot.outbox.halt()  # the operator's SIGTERM, as bot.app relays it
            return result

    chat = StoppedMidway()
    bot.register(chat)
    for n in range(10):
        enqueue(bot, f"person{n}", f"check-in {n}")
    await bot.outbox.flush()
    states = [status for _, status, _ in statuses(bot)]
    assert states.count("sent") == len(chat.sent) >= 3
    assert set(states) == {"sent", "pending"}  # none left 'sending'
    await bot.outbox.flush()  # halted: nothing more goes out
    assert len(chat.sent) == states.count("sent")
    await bot.outbox.flush_for(5)
    assert sorted(s.text for s in chat.sent) == sorted(f"check-in {n}" for n in range(10))
    assert {status for _, status, _ in statuses(bot)} == {"sent"}


async def test_the_last_flush_at_exit_stops_when_its_time_is_up(bot, monkeypatch):
    """The last flush at exit (bot.app: FINAL_FLUSH_SECONDS) sends only until its time is
    up: the call under way is answered and recorded, the rest stays queued (none left in
    doubt) and goes out once at the next start. The time bound is the loop's timer: the
    test fires it itself, at the fourth message, instead of waiting for it."""
    from bot.app import FINAL_FLUSH_SECONDS

    loop = asyncio.get_running_loop()
    timers: list[tuple[float, Any]] = []
    real_call_later = loop.call_later

    def call_later(delay, callback, *args, **kwargs):
        if delay == FINAL_FLUSH_SECONDS:
            timers.append((delay, callback))
        return real_call_later(delay, callback, *args, **kwargs)

    monkeypatch.setattr(loop, "call_later", call_later)

    class SlowToTheEnd(RecordingAdapter):
        async def deliver(self, target, message):
            result = await super().deliver(target, message)
            if len(self.sent) == 4:
                [(_delay, time_is_up)] = timers
                time_is_up()  # FINAL_FLUSH_SECONDS have passed
            return result

    chat = SlowToTheEnd()
    bot.register(chat)
    for n in range(12):
        enqueue(bot, f"person{n}", f"reply {n}")
    await bot.outbox.flush_for(FINAL_FLUSH_SECONDS)
    states = [status for _, status, _ in statuses(bot)]
    assert states.count("sent") == len(chat.sent) >= 4
    assert states.count("pending") >= 1 and set(states) == {"sent", "pending"}
    # The next start: the rest goes out, and nothing twice.
    await bot.outbox.flush_for(FINAL_FLUSH_SECONDS)
    assert sorted(s.text for s in chat.sent) == sorted(f"reply {n}" for n in range(12))
    assert {status for _, status, _ in statuses(bot)} == {"sent"}


async def test_messages_past_their_expiry_are_dropped_and_the_rest_go_at_once(bot, clock,
                                                                               caplog):
    """A backlog (the bot was stopped) of more time-bound messages than one read takes,
    all past their moment, and one without expiry behind them: one flush drops the
    lot, logs how many, and sends the other without waiting for a later wake-up."""
    chat = RecordingAdapter()
    bot.register(chat)
    stale = clock.now() + timedelta(minutes=15)
    with bot.unit() as ctx:
        for n in range(300):
            ctx.outbox.add(platform="console", target_kind="dm", address=f"p{n}",
                           payload={"text": "starts soon"}, now=clock.now(), expires_at=stale)
        ctx.outbox.enqueue(platform="console", target_kind="dm", address="p7",
                           payload={"text": "not timed"}, now=clock.now(), dedupe_key="k",
                           expires_at=None)
        ctx.outbox.add(platform="console", target_kind="dm", address="p8",
                       payload={"text": "still true"}, now=clock.now(),
                       expires_at=stale + timedelta(hours=1))
    clock.advance(timedelta(minutes=40))
    await bot.outbox.flush()
    assert [(s.target.address, s.text) for s in chat.sent] == [("p7", "not timed"),
                                                                ("p8", "still true")]
    assert [t for t, status, _ in statuses(bot)].count("starts soon") == 300
    assert {status for t, status, _ in statuses(bot) if t == "starts soon"} == {"expired"}
    assert sum(int(r.getMessage().split()[1]) for r in caplog.records
               if "expired before they could be sent" in r.getMessage()) == 300

"""The outbox's pacing state stays proportional to the chats active within a pacing gap,
not to every chat ever sent to, and paces exactly as before."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.adapters.base import Pacing
from bot.clock import FakeClock
from bot.outbox import SWEEP_MIN, OutboxWorker
from tests.support import RecordingAdapter
from tests.test_outbox_fanout import Timeline


def enqueue_all(bot, messages: list[tuple[str, str]]) -> None:
    """Record (address, text) messages in one transaction, in order."""
    with bot.unit() as ctx:
        for address, text in messages:
            ctx.outbox.enqueue(platform="console", target_kind="dm", address=address,
                               payload={"text": text}, now=bot.clock.now())


def paced_worker(bot, clock: FakeClock, platform: RecordingAdapter
                 ) -> tuple[OutboxWorker, Timeline]:
    """A worker pacing as with the real clock (both per-chat records in use), on fake time."""
    timeline = Timeline(clock)
    worker = OutboxWorker(bot.sessions, {"console": platform}, clock,
                          lookahead=timedelta(seconds=1), realtime=True)
    worker._sleep_until = timeline.wait_until  # type: ignore[method-assign]
    return worker, timeline


async def deliver_all(worker: OutboxWorker, timeline: Timeline) -> None:
    while (due := await worker.flush()) is not None:
        await timeline.wait_until(due)


async def test_an_hour_of_messages_to_5000_people_leaves_pacing_state_for_recent_chats_only(
        bot, clock):
    # 10,000 people each written to once used to leave 10,000 entries in each of the
    # pacer's per-chat records for the life of the process.
    platform = RecordingAdapter(pacing=Pacing(per_chat=1.0, per_group=3.0))
    worker, timeline = paced_worker(bot, clock, platform)

    async def an_hour() -> None:
        for step in range(50):  # 100 new people every 72 seconds
            enqueue_all(bot, [(f"person{step * 100 + i}", "check-in") for i in range(100)])
            await deliver_all(worker, timeline)
            await timeline.wait_until(clock.now() + timedelta(seconds=72))

    await timeline.run(an_hour())
    assert len(platform.sent) == 5000
    assert len({s.target.address for s in platform.sent}) == 5000
    pacer = worker._pacer("console")
    assert len(pacer._next_chat) < 2 * SWEEP_MIN
    assert len(pacer._answered_to) < 2 * SWEEP_MIN


async def test_a_chat_answered_just_before_a_sweep_still_waits_its_gap(bot, clock):
    # Alice's call takes 0.4 s; her next message may start only a whole gap (1 s) after
    # that answer, even though the pacer swept its records in between.
    started: list[tuple[str, datetime]] = []

    class Platform(RecordingAdapter):
        async def deliver(self, target, message):
            started.append((target.address, clock.now()))
            if target.address == "alice":
                await timeline.wait_until(clock.now() + timedelta(milliseconds=400))
            return await super().deliver(target, message)

    platform = Platform(pacing=Pacing(per_chat=1.0))
    worker, timeline = paced_worker(bot, clock, platform)
    start = clock.now()

    async def scenario() -> None:
        # Enough chats that the next message sets off a sweep; their gaps then pass.
        enqueue_all(bot, [(f"early{i}", "hello") for i in range(SWEEP_MIN - 1)])
        await deliver_all(worker, timeline)
        await timeline.wait_until(start + timedelta(seconds=2))
        enqueue_all(bot, [("alice", "first")])
        await deliver_all(worker, timeline)  # answered at +2.4 s; the answers swept
        await timeline.wait_until(start + timedelta(milliseconds=2500))
        enqueue_all(bot, [(f"later{i}", "hello") for i in range(300)] + [("alice", "second")])
        await deliver_all(worker, timeline)  # the next plan sweeps first

    await timeline.run(scenario())
    assert platform.to("alice") == ["first", "second"]
    alice = [moment for address, moment in started if address == "alice"]
    assert alice == [start + timedelta(seconds=2), start + timedelta(milliseconds=3400)]
    # The sweeps did happen: the early chats' long-past moments are gone, alice's kept
    # until it had passed.
    pacer = worker._pacer("console")
    assert not any(address.startswith("early") for address in pacer._next_chat)
    assert not any(address.startswith("early") for address in pacer._answered_to)
    assert len(platform.sent) == SWEEP_MIN - 1 + 302

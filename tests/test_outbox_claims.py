"""The outbox's claims and records as a user sees them: each message sent once, and its
record saying when, also when another process claims part of a batch meanwhile."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from bot.outbox import OutboxWorker
from storage.models import OutboxMessage
from tests.support import RecordingAdapter
from tests.test_outbox import enqueue, statuses


async def test_messages_another_process_claims_after_our_read_are_left_to_it(
        bot, clock, monkeypatch):
    # Between the worker reading a batch and claiming it, another process (a second bot
    # on the same database) claims two of its five messages. This worker sends the
    # other three once each, and leaves the two to the process that holds them.
    chat = RecordingAdapter()
    bot.register(chat)
    for name in ("ana", "ben", "cai", "dev", "eli"):
        enqueue(bot, name, f"hello {name}")
    read = OutboxWorker._load_plan

    def read_then_taken(self: OutboxWorker, *args: Any) -> Any:
        plan = read(self, *args)
        with bot.sessions.begin() as other:
            other.execute(update(OutboxMessage)
                          .where(OutboxMessage.address.in_(["ben", "dev"]),
                                 OutboxMessage.status == "pending")
                          .values(status="sending", sending_at=clock.now()))
        return plan

    monkeypatch.setattr(OutboxWorker, "_load_plan", read_then_taken)
    await bot.outbox.flush()

    assert sorted(chat.to("ana") + chat.to("cai") + chat.to("eli")) == [
        "hello ana", "hello cai", "hello eli"]
    assert chat.to("ben") == [] and chat.to("dev") == []
    assert statuses(bot) == [("hello ana", "sent", 1), ("hello ben", "sending", 0),
                             ("hello cai", "sent", 1), ("hello dev", "sending", 0),
                             ("hello eli", "sent", 1)]


async def test_each_message_records_the_moment_it_was_sent(bot, clock):
    # The record of a batch says, for each message, when it went (to the microsecond),
    # and the times compare as the clock does.
    chat = RecordingAdapter()
    bot.register(chat)
    clock.advance(timedelta(microseconds=123457))
    sent_at = clock.now()
    for name in ("ana", "ben", "cai"):
        enqueue(bot, name, f"hello {name}")
    await bot.outbox.flush()
    with bot.sessions() as session:
        times = session.scalars(select(OutboxMessage.sent_at).order_by(OutboxMessage.id)).all()
        assert times == [sent_at] * 3
        assert all(moment.utcoffset() == timedelta(0) for moment in times)
        later = session.scalars(select(OutboxMessage.id).where(
            OutboxMessage.sent_at > sent_at - timedelta(microseconds=1))).all()
        assert len(later) == 3
        assert session.scalars(select(OutboxMessage.id).where(
            OutboxMessage.sent_at > sent_at)).all() == []

"""README, check-ins: "your check-in isn't finished yet" never arrives after it is --
tried with two replicas on one PostgreSQL database (README, *Several replicas*): the
leader's reminder sweep and the last answer, handled by a follower, at the same moment."""

from __future__ import annotations

import asyncio
import threading

import pytest

from bot.app import prepare
from bot.config import Settings
from storage.round_batch import RoundBatchRepo
from tests.conftest import SERVER_URL
from tests.support import TEST_ORG, RecordingAdapter, say
from tests.test_checkin import ALICE_ANSWERS, answer_all

pytestmark = pytest.mark.skipif(not SERVER_URL, reason="two replicas need PostgreSQL "
                                "(SQLite lets one writer in at a time)")


async def test_a_reminder_swept_as_the_last_answer_lands_on_another_replica_is_not_sent(
        database_url, bot, chat, clock, monkeypatch):
    """Alice has answered 7 of her 8 questions; the reminder is due. The leader's sweep
    reads her round still open; meanwhile her last answer, handled by a follower, commits
    (nothing queued yet to withdraw); the sweep then queues "Friendly reminder … Question
    8 of 8". She must not get it: her check-in is in. The sweep now marks a round
    reminded only where it is still as read: hers is submitted, and left alone."""
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ALICE_ANSWERS[:-1])
    clock.advance(bot.settings.reminder_delay)
    answered = threading.Event()
    read = RoundBatchRepo.awaiting_reminder

    def awaiting_reminder(self, *args, **kwargs):
        found = read(self, *args, **kwargs)
        answered.wait(timeout=2)  # the follower's answer commits meanwhile
        return found
    monkeypatch.setattr(RoundBatchRepo, "awaiting_reminder", awaiting_reminder)
    other, engine = prepare(Settings(database_url=database_url, org_file=TEST_ORG), clock)
    elsewhere = RecordingAdapter()
    other.register(elsewhere)

    async def last_answer() -> None:
        await say(other, "alice", ALICE_ANSWERS[-1])
        answered.set()
    try:
        await asyncio.gather(bot.run_reminders(), last_answer())
        await bot.drain()
    finally:
        engine.dispose()
    assert elsewhere.last("alice").startswith("Thanks"), elsewhere.last("alice")
    assert not [t for t in chat.to("alice") if "reminder" in t.lower()], chat.to("alice")

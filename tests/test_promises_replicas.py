"""README's "at most" promises with two replicas on one database (README, *Several
replicas*): two messages from one person handled at the same moment by two processes."""

from __future__ import annotations

import asyncio
import threading

from bot.adapters.console import console_mentions
from bot.app import prepare
from bot.config import Settings
from bot.events import InboundEvent
from storage.kudos import KudosRepo
from tests.support import TEST_ORG, RecordingAdapter
from tests.test_kudos import count_kudos, kudo


async def test_two_kudos_handled_at_once_by_two_replicas_never_pass_the_daily_allowance(
        database_url, bot, chat, clock, monkeypatch):
    """README, Kudos: "each person may give at most `org.kudos.allowance` kudos a day".
    Alice has given 4 of her 5. She sends `/kudos @sam …` and `/kudos @li …` in quick
    succession; each reaches a different replica, and both count what she gave today
    before either has written. One may be given, not both: six would pass the limit."""
    other, engine = prepare(Settings(database_url=database_url, org_file=TEST_ORG), clock)
    other.register(RecordingAdapter())
    await kudo(bot, "alice", "/kudos @sam @li @bruno @vera for a great quarter kickoff")
    assert count_kudos(bot) == 4
    # Each replica, once it has counted, waits (a second at most) for the other to have
    # counted too: without a guard both have then read 4; with one, the second is still
    # held at it, and counts only once the first has written.
    counted = threading.Condition()
    readers: list[int] = []
    count = KudosRepo.given_since

    def given_since(self, giver, since):
        found = count(self, giver, since)
        with counted:
            readers.append(found)
            counted.notify_all()
            counted.wait_for(lambda: len(readers) >= 2, timeout=1)
        return found

    monkeypatch.setattr(KudosRepo, "given_since", given_since)
    texts = ("/kudos @sam for the follow-up call", "/kudos @li for the pricing review")
    try:
        await asyncio.gather(*(b.handle(InboundEvent(
            platform="console", user_id="alice", chat_id="team", chat_type="group",
            text=text, event_id=f"kudos-{n}", message_id=f"m{n}",
            mentions=console_mentions(text))) for n, (b, text) in enumerate(
                zip((bot, other), texts, strict=True))))
    finally:
        engine.dispose()
    assert count_kudos(bot) == 5
    assert sorted(readers) == [4, 5]  # the second counted the first's kudos

"""README's "at most" and "once" promises of kudos with two replicas on one database
(README, *Several replicas*): two messages from one person, or one message delivered
twice, handled at the same moment by two processes."""

from __future__ import annotations

import asyncio
import threading

import pytest

from bot.adapters.console import console_mentions
from bot.app import prepare
from bot.config import Settings
from bot.events import InboundEvent
from storage.kudos import KudosRepo
from tests.support import TEST_ORG, RecordingAdapter
from tests.test_kudos import count_kudos, kudo


def side_by_side(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Each replica, once it has counted the giver's kudos of the day, waits (a second at
    most) for the other to have counted too: without a guard both have then read the same
    count; with one, the second is still held before it, and reads once the first has
    written. The counts read, in order."""
    counted = threading.Condition()
    readers: list[int] = []
    count = KudosRepo.given_since

    def given_since(self, giver, since, until=None):
        found = count(self, giver, since, until)
        with counted:
            readers.append(found)
            counted.notify_all()
            counted.wait_for(lambda: len(readers) >= 2, timeout=1)
        return found

    monkeypatch.setattr(KudosRepo, "given_since", given_since)
    return readers


async def at_once(database_url, bot, clock, *events: InboundEvent) -> RecordingAdapter:
    """The events handled at the same moment, the first by `bot`, the second by another
    replica on the same database; what the other replica sent."""
    other, engine = prepare(Settings(database_url=database_url, org_file=TEST_ORG), clock)
    sent = RecordingAdapter()
    other.register(sent)
    try:
        await asyncio.gather(*(b.handle(e) for b, e in zip((bot, other), events, strict=True)))
        await other.drain()
    finally:
        engine.dispose()
    return sent


def in_team(text: str, n: int, message_id: str) -> InboundEvent:
    return InboundEvent(platform="console", user_id="alice", chat_id="team", chat_type="group",
                        text=text, event_id=f"kudos-{n}", message_id=message_id,
                        mentions=console_mentions(text))


async def test_two_kudos_handled_at_once_by_two_replicas_never_pass_the_daily_allowance(
        database_url, bot, chat, clock, monkeypatch):
    """README, Kudos: "each person may give at most `org.kudos.allowance` kudos a day".
    Alice has given 4 of her 5. She sends `/kudos @sam …` and `/kudos @li …` in quick
    succession; each reaches a different replica, and both count what she gave today
    before either has written. One may be given, not both: six would pass the limit."""
    await kudo(bot, "alice", "/kudos @sam @li @bruno @vera for a great quarter kickoff")
    assert count_kudos(bot) == 4
    counts = side_by_side(monkeypatch)
    await at_once(database_url, bot, clock,
                  in_team("/kudos @sam for the follow-up call", 1, "m1"),
                  in_team("/kudos @li for the pricing review", 2, "m2"))
    assert count_kudos(bot) == 5
    assert sorted(counts) == [4, 5]  # the second counted the first's kudos


async def test_one_kudos_message_delivered_twice_at_once_gives_once_and_refuses_nothing(
        database_url, bot, chat, clock, monkeypatch):
    """README: "the same Slack message arriving both as a mention and as a channel
    message, gives kudos once". Alice's fifth kudo of the day arrives twice at once, one
    copy at each replica: one kudo, and no "You've given all 5 kudos" to Alice for the
    copy (the guard on the allowance must not make the copy read as a sixth)."""
    await kudo(bot, "alice", "/kudos @sam @li @bruno @vera for a great quarter kickoff")
    chat.clear()
    side_by_side(monkeypatch)
    text = "thanks @grace for the pricing review 👏"
    other = await at_once(database_url, bot, clock, in_team(text, 1, "m1"),
                          in_team(text, 2, "m1"))
    assert count_kudos(bot) == 5
    said = chat.to("alice") + other.to("alice")
    assert not [t for t in said if "kudos you have today" in t], said

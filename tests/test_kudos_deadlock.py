"""Kudos of two givers in two batches of events handled at once by two replicas, on
PostgreSQL, the givers in opposite order: each batch locks its givers (the daily allowance,
KudosRepo.lock_giver). Locked one by one as their kudos came, each batch held one giver and
waited for the other: a deadlock, which PostgreSQL broke after a second by undoing one
batch (done again, the team saw its kudos a stall late). (SQLite lets one writer at a time
in: the two cannot interleave there.)"""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy import Engine

from bot.adapters.console import console_mentions
from bot.app import prepare
from bot.config import Settings
from bot.events import InboundEvent
from storage.kudos import KudosRepo
from tests.conftest import SERVER_URL
from tests.support import TEST_ORG, RecordingAdapter
from tests.test_kudos import count_kudos
from tests.test_pulse_close_race import STEP, held_after_first

pytestmark = pytest.mark.skipif(not SERVER_URL, reason="two transactions interleaving need "
                                                       "PostgreSQL (TEST_DATABASE_URL)")


def praise(key: str, text: str, n: int) -> InboundEvent:
    return InboundEvent(platform="console", user_id=key, chat_id="team", chat_type="group",
                        text=text, event_id=f"dl-{n}", message_id=f"dl-m{n}",
                        mentions=console_mentions(text))


def each_batch_at_its_first_giver(watcher: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each batch, once it has counted its first giver's kudos of the day (its giver's row
    locked), waits until the other batch has done the same, or waits for this one: without
    an order, each then holds one giver and goes on to the other's."""
    count = KudosRepo.given_since
    hold = held_after_first(watcher)

    def given_since(self, giver, since, until=None):
        found = count(self, giver, since, until)
        hold()
        return found

    monkeypatch.setattr(KudosRepo, "given_since", given_since)


async def test_two_batches_with_two_givers_in_opposite_order_give_all_without_a_deadlock(
        database_url, bot, chat, clock, watcher, monkeypatch, caplog):
    """Alice praises Sam and Bruno praises Li in the team chat at the same moment; one
    replica takes Alice's message first in its batch, the other Bruno's second message
    first. Every kudo is given, and PostgreSQL never has to break a deadlock (a stall of a
    second for the whole batch, and one more trip through it)."""
    caplog.set_level(logging.INFO)
    other, engine = prepare(Settings(database_url=database_url, org_file=TEST_ORG), clock)
    other_chat = RecordingAdapter()
    other.register(other_chat)
    each_batch_at_its_first_giver(watcher, monkeypatch)
    try:
        await asyncio.wait_for(asyncio.gather(
            bot.handle_batch([praise("alice", "/kudos @sam for the follow-up call", 1),
                              praise("bruno", "/kudos @li for the pricing review", 2)]),
            other.handle_batch([praise("bruno", "/kudos @vera for the demo", 3),
                                praise("alice", "/kudos @grace for the offsite", 4)])), STEP)
        await other.drain()
    finally:
        engine.dispose()
    assert count_kudos(bot) == 4
    assert "deadlock" not in caplog.text.lower(), caplog.text

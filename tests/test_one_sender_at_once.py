"""One director's events handled at the same moment: a Slack retry of a message beside the
next one, a button pressed while an answer is typed on another device, quick messages that
reach two replicas. Each answer is stored once, in the order the events were handled, none
skipped and none dropped without a word.

On one process a person's events are taken in order (one ingest lane per person, see
bot/ingest.py). Two replicas (PostgreSQL) each take some of them: a batch of events locks
its senders first, and an event handled alone now does the same (TeamPulse._handle_sync),
so the second waits for the first's commit and reads the dialog as the first left it."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from sqlalchemy import Engine

from bot.app import prepare
from bot.events import InboundEvent
from storage.repositories import ConversationRepo
from tests.conftest import SERVER_URL
from tests.support import RecordingAdapter, direct_message
from tests.test_checkin import ALICE_ANSWERS, answer_all, answers_of
from tests.test_pulse_close_race import STEP, waits_on_lock


def pressed(key: str, action: str, event_id: str) -> InboundEvent:
    """`key` presses a button of a question the bot sent them."""
    return InboundEvent(platform="console", user_id=key, chat_id=key, chat_type="direct",
                        text="", action=action, event_id=event_id)


def button(chat: RecordingAdapter, key: str, label: str) -> str:
    """The action of the button labelled `label` on the last question sent to `key`."""
    last = next(s for s in reversed(chat.sent) if s.target.address == key)
    return next(c.value for c in last.message.choices if c.label == label)


async def test_a_retried_message_and_a_press_beside_a_typed_answer_store_each_once(
        bot, chat):
    """Alice, at the support question, presses "Budget" on her phone and types her
    support detail on her laptop at the same moment; Slack redelivers the press (no
    acknowledgement seen in time). All three are queued at once: the press answers the
    support question, the typed words the detail, the redelivery nothing. Nothing is
    stored twice and no question is skipped."""
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ALICE_ANSWERS[:4])
    assert chat.last("alice").startswith("Question 5 of 8"), chat.last("alice")
    budget = button(chat, "alice", "Budget")

    for event in (pressed("alice", budget, "press-1"),
                  direct_message("alice", "Travel budget", "typed-1"),
                  pressed("alice", budget, "press-1")):
        await bot.submit(event)
    await bot.drain()

    answers = answers_of(bot, "alice")
    assert answers["support_type"][0] == "budget", answers
    assert answers["support_detail"][0] == "Travel budget", answers
    assert "plan" not in answers, answers
    assert chat.last("alice").startswith("Question 7 of 8"), chat.to("alice")
    assert sum(t.startswith("Question 6 of 8") for t in chat.to("alice")) == 1, chat.to("alice")


@pytest.mark.skipif(not SERVER_URL, reason="two replicas at once need PostgreSQL "
                                           "(TEST_DATABASE_URL); SQLite has one writer")
async def test_three_quick_messages_over_two_replicas_are_all_stored(
        settings, bot, chat, clock, watcher, monkeypatch):
    """Alice types her wins, her blockers and her support choice in quick succession: the
    first and third reach this replica, the second another one, whose reading of her
    dialog is overtaken each time by this replica's commit. Handled on a dialog moved on,
    it was done again, was overtaken again by the third, and was then dropped as
    "processed concurrently": her blockers were lost and she was told nothing. Each of
    the three is an answer now."""
    other, engine = prepare(settings, clock)
    # One record of what both replicas deliver, in the order they deliver it: each
    # replica's own list, put end to end, could end on the other's older question.
    elsewhere = RecordingAdapter(sent=chat.sent)
    other.register(elsewhere)
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ALICE_ANSWERS[:2])
    texts = ["Closed Acme", "Pricing pushback", "2"]

    handled_here = 0
    here = bot._handle_sync

    def counted(*args: Any, **kwargs: Any) -> str:
        nonlocal handled_here
        try:
            return here(*args, **kwargs)
        finally:
            handled_here += 1
    monkeypatch.setattr(bot, "_handle_sync", counted)
    over_there = overtaken_reads(monkeypatch, engine, watcher, lambda: handled_here)

    async def this_replica() -> None:
        await bot.handle(direct_message("alice", texts[0], "q-1"))
        await bot.handle(direct_message("alice", texts[2], "q-3"))
    try:
        await asyncio.wait_for(asyncio.gather(
            this_replica(), other.handle(direct_message("alice", texts[1], "q-2"))), STEP)
        await other.drain()
        await bot.drain()
    finally:
        engine.dispose()

    assert over_there, "the other replica never read the dialog"
    answers = answers_of(bot, "alice")
    assert {answers["wins"][0], answers["blockers"][0]} == set(texts[:2]), answers
    assert answers["support_type"][0] == "budget", answers
    assert chat.last("alice").startswith("Question 6 of 8"), chat.to("alice")


def overtaken_reads(monkeypatch: pytest.MonkeyPatch, engine: Engine, watcher: Engine,
                    handled_here: Any) -> list[int]:
    """On the replica of `engine`, the n-th transaction's first read of a dialog waits
    until this replica has handled n events, or until one waits on a lock (the other
    waits for this one: nothing to overtake). Returns the list of reads seen."""
    read = ConversationRepo.get
    seen: list[int] = []
    # (The transactions themselves: an id may come back once one is gone.)
    first_of: list[Any] = []

    def get(self: Any, person: Any) -> Any:
        found = read(self, person)
        transaction = self.session.get_transaction()
        if self.session.get_bind() is engine and \
                not any(t is transaction for t in first_of):
            first_of.append(transaction)
            seen.append(len(seen) + 1)
            pause = threading.Event()
            for _ in range(STEP * 200):
                if handled_here() >= len(seen) or waits_on_lock(watcher):
                    break
                pause.wait(0.005)
        return found
    monkeypatch.setattr(ConversationRepo, "get", get)
    return seen


@pytest.mark.parametrize("batched", [False, True], ids=["alone", "in-a-batch"])
async def test_an_answer_undone_twice_by_others_changes_is_asked_for_again_not_ignored(
        bot, chat, monkeypatch, batched):
    """An answer whose work another transaction's change undid, and undid again when it was
    done once more, was then taken for a copy of an event handled elsewhere and ignored:
    Alice heard nothing, and her revenue was not stored. She is asked to send it again
    (and nothing of it was stored, so sending it again, or the platform's redelivery, is
    taken as that answer). A real copy is still ignored."""
    from bot import core
    from storage.db import ConcurrentChange

    await bot.run_checkins(["alice", "bruno"])
    chat.clear()
    route = core.route

    def overtaken(ctx, *args):
        if ctx.event.event_id == "rev-1":
            raise ConcurrentChange("the dialog moved on meanwhile")
        return route(ctx, *args)
    monkeypatch.setattr(core, "route", overtaken)
    revenue = direct_message("alice", "52000", "rev-1")
    if batched:
        await bot.handle_batch([revenue, direct_message("bruno", "41000", "rev-2")])
    else:
        await bot.handle(revenue)
    await bot.drain()
    assert "Sorry, something went wrong on my side" in chat.last("alice"), chat.to("alice")
    assert answers_of(bot, "alice") == {}
    monkeypatch.setattr(core, "route", route)

    assert await bot.handle(revenue)  # delivered again: taken, as the answer it was
    assert answers_of(bot, "alice")["kpi:revenue"][1] == 52000.0
    assert chat.last("alice").startswith("Question 2 of 8")
    assert not await bot.handle(revenue)  # a copy now: ignored

"""A burst of answers moves every sender's dialog on together: on PostgreSQL in one
statement for the whole batch, each dialog still checked against the version it was read
at (storage.versioned_writes), so what another replica changed meanwhile is never
written over. Not a timing test: it counts statements, and a dialog changed by another
replica between the batch's read and its write is seen from the director's side."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import create_engine, select, text

from bot.core import TeamPulse
from bot.events import InboundEvent
from storage.models import Conversation
from storage.repositories import ConversationRepo
from tests.conftest import SERVER_URL
from tests.support import RecordingAdapter
from tests.test_ingest_batch import answers_of, statements, typed, waiting_for
from tests.test_round_scale import big_bot

postgresql_only = pytest.mark.skipif(
    not SERVER_URL, reason="the dialogs go in one statement on PostgreSQL; on SQLite "
    "one each (no replica can write between a batch's read and its write there)")


@postgresql_only
async def test_a_burst_of_answers_costs_the_same_statements_for_8_people_as_for_40(
        settings, clock, tmp_path):
    bot, engine = big_bot(settings, clock, tmp_path, 40)
    bot.register(RecordingAdapter())
    await bot.run_checkins()
    clock.advance(timedelta(minutes=3))  # (the dialogs' time of asking changes too)
    counts = []
    try:
        for people in (range(8), range(8, 40)):
            batch = [InboundEvent("console", f"d{i:04d}", f"d{i:04d}", text="52000",
                                  event_id=f"revenue-{i}") for i in people]
            with statements(bot) as seen:
                assert await bot.handle_batch(batch, deliver=False) == [True] * len(batch)
            counts.append(len(seen))
            heads = [s.lstrip()[:30].upper() for s in seen]
            assert sum(head.startswith("UPDATE CONVERSATIONS") for head in heads) == 1, heads
        # Every director's answer stored once, and each now waits for their second answer.
        for i in range(40):
            assert answers_of(bot, f"d{i:04d}") == {"kpi:revenue": 52000.0}
            assert waiting_for(bot, f"d{i:04d}") == "kpi:new_customers"
    finally:
        engine.dispose()
    # A handful for the batch (the senders, their dialogs, rounds and answers, the
    # claims, the answers, the replies, the dialogs), whether 8 answer or 40: one UPDATE
    # a dialog made it 8 + 11 against 40 + 11.
    assert counts[0] == counts[1], counts
    assert counts[1] <= 12, counts


@postgresql_only
async def test_a_dialog_another_replica_moved_on_during_a_batch_is_not_written_over(
        bot: TeamPulse, chat: RecordingAdapter, monkeypatch: pytest.MonkeyPatch,
        database_url: str) -> None:
    """Alice and Bruno answer in one batch. Between the batch's reading of the dialogs
    and its write, another replica stores Alice's revenue (typed on her phone) and asks
    her question 2. The batch, which read her at question 1, must not put her back there
    or take her "3" for her revenue: it is done again, and her "3" answers question 2."""
    await bot.run_checkins(["alice", "bruno"])
    with bot.unit() as ctx:
        alice = ctx.people.by_key("alice")
        assert alice is not None
        dialog = ctx.session.get(Conversation, alice.id)
        assert dialog is not None and dialog.question_key == "kpi:revenue"
        alice_id, round_id, version = alice.id, dialog.round_id, dialog.version
    other_replica = create_engine(database_url)
    preload = ConversationRepo.preload
    moved: list[bool] = []

    def read_then_overtaken(self: ConversationRepo, person_ids):
        found = preload(self, person_ids)
        if not moved:  # the first read only: done again, the batch reads what is there
            moved.append(True)
            with other_replica.begin() as conn:
                conn.execute(text(
                    "INSERT INTO answers (round_id, question_key, number_value, skipped, "
                    "answered_at, updated_at) VALUES (:r, 'kpi:revenue', 52000, false, "
                    ":t, :t)"), {"r": round_id, "t": bot.clock.now()})
                conn.execute(text(
                    "UPDATE conversations SET question_key = 'kpi:new_customers', "
                    "version = version + 1 WHERE person_id = :p"), {"p": alice_id})
        return found

    monkeypatch.setattr(ConversationRepo, "preload", read_then_overtaken)
    try:
        done = await bot.handle_batch([typed("alice", "3", "a1"),
                                       typed("bruno", "41000", "b1")])
    finally:
        other_replica.dispose()
    assert moved and done == [True, True]
    assert answers_of(bot, "alice") == {"kpi:revenue": 52000.0, "kpi:new_customers": 3.0}
    assert answers_of(bot, "bruno") == {"kpi:revenue": 41000.0}
    assert waiting_for(bot, "alice") == "wins" and waiting_for(bot, "bruno") == "wins"
    with bot.unit() as ctx:
        # Moved on by the other replica, then by this one's answer: two changes.
        assert ctx.session.scalar(select(Conversation.version).where(
            Conversation.person_id == alice_id)) == version + 2
    assert "Question 3 of" in chat.last("alice") and "Question 2 of" in chat.last("bruno")


async def test_a_large_figure_held_for_confirmation_in_a_burst_is_kept_and_confirmed(
        bot: TeamPulse, chat: RecordingAdapter) -> None:
    # In one burst Bruno answers his revenue and Alice types a figure far above her
    # target, which her dialog holds while she is asked whether it is right (written with
    # Bruno's dialog on PostgreSQL: the held figure as JSON among them). In the next
    # burst she says yes and Bruno answers his second question: both move on.
    await bot.run_checkins(["alice", "bruno"])
    assert await bot.handle_batch([typed("bruno", "41000", "b1"),
                                   typed("alice", "5200000", "a1")]) == [True, True]
    assert answers_of(bot, "alice") == {} and answers_of(bot, "bruno") == {
        "kpi:revenue": 41000.0}
    with bot.unit() as ctx:
        held = dict(ctx.session.execute(select(Conversation.question_key,
                                               Conversation.pending_numbers)).all())
    assert held == {"kpi:revenue": [5200000.0], "wins": None}
    assert "5,200,000 USD is more than 20 times your weekly target" in chat.last("alice")
    bot.clock.advance(timedelta(minutes=1))
    assert await bot.handle_batch([typed("alice", "yes", "a2"),
                                   typed("bruno", "Closed Acme", "b2")]) == [True, True]
    assert answers_of(bot, "alice") == {"kpi:revenue": 5200000.0}
    assert answers_of(bot, "bruno") == {"kpi:revenue": 41000.0, "wins": "Closed Acme"}
    with bot.unit() as ctx:
        held = dict(ctx.session.execute(select(Conversation.question_key,
                                               Conversation.pending_numbers)).all())
    assert held == {"kpi:new_customers": None, "blockers": None}
    assert "Question 2 of" in chat.last("alice") and "Question 3 of" in chat.last("bruno")

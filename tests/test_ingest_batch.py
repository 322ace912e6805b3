"""Answers stored in batches: what a burst of check-in answers does, seen by the people typing.

The ingest workers hand the core up to 64 queued events at once (bot.core.handle_batch):
their senders, dialogs and rounds are loaded for the whole batch, and every event is
still handled in order, exactly once, on its own.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, select

import handlers.checkin
from bot import ingest
from bot.core import TeamPulse
from bot.events import InboundEvent
from bot.gc_pause import BURST_GEN0_THRESHOLD
from storage.models import Answer, CheckinRound, Conversation
from tests.support import RecordingAdapter
from tests.test_checkin import ALICE_ANSWERS


def typed(key: str, text: str, event_id: str) -> InboundEvent:
    """A direct message from a person on the console platform."""
    return InboundEvent(platform="console", user_id=key, chat_id=key, chat_type="direct",
                        text=text, event_id=event_id)


def answers_of(bot: TeamPulse, key: str) -> dict[str, float | str | None]:
    with bot.unit() as ctx:
        person = ctx.people.by_key(key)
        assert person is not None
        rows = ctx.session.scalars(select(Answer).join(CheckinRound).where(
            CheckinRound.person_id == person.id)).all()
        return {a.question_key: a.text_value if a.number_value is None else a.number_value
                for a in rows}


def waiting_for(bot: TeamPulse, key: str) -> str | None:
    with bot.unit() as ctx:
        person = ctx.people.by_key(key)
        assert person is not None
        conv = ctx.session.get(Conversation, person.id)
        return conv.question_key if conv else None


@contextmanager
def statements(bot: TeamPulse) -> Iterator[list[str]]:
    """The SQL statements the bot sends while the block runs."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append(statement)

    event.listen(bot.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(bot.engine, "before_cursor_execute", record)


async def test_two_answers_from_one_person_in_a_batch_each_get_the_next_question(
        bot: TeamPulse, chat: RecordingAdapter) -> None:
    await bot.run_checkins(["alice", "bruno"])
    chat.clear()
    done = await bot.handle_batch([typed("alice", "52000", "e1"), typed("bruno", "48000", "e2"),
                                   typed("alice", "3", "e3")])
    assert done == [True, True, True]
    assert answers_of(bot, "alice") == {"kpi:revenue": 52000.0, "kpi:new_customers": 3.0}
    assert answers_of(bot, "bruno") == {"kpi:revenue": 48000.0}
    # Alice was asked question 2 after her first answer and question 3 after her second.
    asked = chat.to("alice")
    assert len(asked) == 2
    assert "Question 2 of" in asked[0] and "Question 3 of" in asked[1]
    assert "Question 2 of" in chat.last("bruno")
    assert waiting_for(bot, "alice") == "wins"


async def test_a_reminder_held_up_is_withdrawn_by_answers_handled_as_a_batch(
        bot: TeamPulse, chat: RecordingAdapter) -> None:
    # Alice's reminder waits in the outbox (the platform rate limiting); her first answers
    # come in a burst, handled as one batch. The reminder, which asks the question she has
    # just answered, is withdrawn with the batch, and her next question still goes.
    from storage.models import OutboxMessage
    from storage.repositories import OutboxRepo

    await bot.run_checkins(["alice"])
    with bot.unit() as ctx:
        week = ctx.session.scalars(select(CheckinRound.week)).one()
        OutboxRepo(ctx.session).enqueue(
            platform="console", target_kind="dm", address="alice",
            payload={"text": "Friendly reminder"}, now=bot.clock.now(),
            dedupe_key=f"checkin:alice:{week}:reminder")
    chat.clear()
    done = await bot.handle_batch([typed("alice", "52000", "e1"), typed("alice", "3", "e2")],
                                  deliver=False)
    assert done == [True, True]
    with bot.unit() as ctx:
        rows = ctx.session.execute(select(OutboxMessage.payload, OutboxMessage.status)
                                   .where(OutboxMessage.address == "alice")).all()
    assert ({"text": "Friendly reminder"}, "expired") in rows
    waiting = [p["text"] for p, status in rows if status == "pending"]
    assert any("Question 3 of" in text for text in waiting), waiting
    await bot.deliver()
    assert not any("Friendly reminder" in text for text in chat.to("alice"))


async def test_a_redelivered_answer_in_the_same_batch_is_stored_once(
        bot: TeamPulse, chat: RecordingAdapter) -> None:
    await bot.run_checkins(["alice"])
    chat.clear()
    done = await bot.handle_batch([typed("alice", "52000", "e1"), typed("alice", "52000", "e1")])
    assert done == [True, False]
    # The copy was not taken as the answer to question 2.
    assert answers_of(bot, "alice") == {"kpi:revenue": 52000.0}
    assert len(chat.to("alice")) == 1


async def test_one_failing_answer_in_a_batch_loses_no_one_elses(
        bot: TeamPulse, chat: RecordingAdapter, monkeypatch: pytest.MonkeyPatch) -> None:
    await bot.run_checkins(["alice", "bruno", "li"])
    chat.clear()
    store = handlers.checkin._store

    def flaky(ctx, person, rnd, q, text, **kwargs):
        # A bug that strikes on one answer, after part of its work was written.
        ctx.conversations.set_pending(person, [1.0], ctx.clock.now())
        if text == "48000":
            raise RuntimeError("a bug")
        ctx.conversations.set_pending(person, None, ctx.clock.now())
        return store(ctx, person, rnd, q, text, **kwargs)

    monkeypatch.setattr(handlers.checkin, "_store", flaky)
    done = await bot.handle_batch([
        typed("alice", "52000", "e1"), typed("bruno", "48000", "e2"),
        typed("bruno", "47000", "e3"), typed("li", "61000", "e4")])
    assert done == [True, True, True, True]
    # Bruno heard that something went wrong; what he typed next still answered question 1,
    # as if the failed answer had never been tried.
    told = chat.to("bruno")
    assert len(told) == 2
    assert any("went wrong" in text for text in told)
    assert any("Question 2 of" in text for text in told)
    assert answers_of(bot, "bruno") == {"kpi:revenue": 47000.0}
    # The others' answers in the same batch are all stored and answered.
    assert answers_of(bot, "alice") == {"kpi:revenue": 52000.0}
    assert answers_of(bot, "li") == {"kpi:revenue": 61000.0}
    assert "Question 2 of" in chat.last("alice")
    assert waiting_for(bot, "bruno") == "wins"  # his one KPI is answered
    # The failed event left no claim behind: delivered again, it is processed.
    assert await bot.handle_batch([typed("bruno", "Closed Acme", "e2"),
                                   typed("alice", "3", "e5")]) == [True, True]
    assert answers_of(bot, "bruno")["wins"] == "Closed Acme"


async def test_a_checkin_started_and_answered_in_one_batch(
        bot: TeamPulse, chat: RecordingAdapter) -> None:
    # Alice has no round and no open question when the batch starts.
    done = await bot.handle_batch([typed("alice", "/checkin", "e1"),
                                   typed("alice", "52000", "e2")])
    assert done == [True, True]
    assert answers_of(bot, "alice") == {"kpi:revenue": 52000.0}
    assert "Question 2 of" in chat.last("alice")


async def two_answers_each_of_three(bot: TeamPulse) -> tuple[list[Any], list[str]]:
    """Alice, Bruno and Li each type their first two answers, handled as one batch
    (replies left in the outbox): the batch and the SQL statements it ran."""
    await bot.run_checkins(["alice", "bruno", "li"])
    batch = [typed(key, value, f"{key}{n}") for n, value in enumerate(["52000", "3"])
             for key in ("alice", "bruno", "li")]
    with statements(bot) as seen:
        done = await bot.handle_batch(batch, deliver=False)
    assert done == [True] * 6
    return batch, seen


async def test_a_burst_of_answers_costs_a_few_statements_each(
        bot: TeamPulse, chat: RecordingAdapter) -> None:
    # What a burst of answers costs the database grows by a small constant per answer,
    # not by a dozen lookups and writes each.
    batch, seen = await two_answers_each_of_three(bot)
    assert answers_of(bot, "alice") == {"kpi:revenue": 52000.0, "kpi:new_customers": 3.0}
    # Per answer: the answer, the dialog, the next question (3, not 12); per batch a few.
    assert len(seen) <= 3 * len(batch) + 8, "\n".join(s.split("\n")[0][:60] for s in seen)


async def test_a_burst_of_answers_asks_once_whether_a_one_on_one_question_came_since(
        bot: TeamPulse, chat: RecordingAdapter) -> None:
    # Each answer goes to the question asked last, a check-in's or a 1:1's (bot.router):
    # the 1:1 dialogs of the whole batch are read in one statement, not one per answer.
    _batch, seen = await two_answers_each_of_three(bot)
    assert sum("oneonone_dialogs" in s for s in seen) <= 1
    assert answers_of(bot, "alice") == {"kpi:revenue": 52000.0, "kpi:new_customers": 3.0}


async def test_a_burst_of_answers_is_written_together(
        bot: TeamPulse, chat: RecordingAdapter) -> None:
    # The answers, dialog changes and replies (each answer's next question) of a batch
    # go to the database together at its commit (one INSERT for all the replies, the
    # answers one after another), not event by event.
    batch, seen = await two_answers_each_of_three(bot)
    heads = [s.lstrip()[:20].upper() for s in seen]
    answers = [n for n, head in enumerate(heads) if head.startswith("INSERT INTO ANSWERS")]
    replies = [n for n, head in enumerate(heads) if head.startswith("INSERT INTO OUTBOX")]
    assert len(replies) == 1, "\n".join(heads)
    assert answers and min(answers) > max(replies), heads  # all at the end, together
    # The replies in one statement; per answer only the answer itself (the ORM needs each
    # new answer's id back) is a statement of its own, and the dialogs' changes: on
    # PostgreSQL one statement for the three people's, each checked against the version it
    # was read at (storage.versioned_writes); on SQLite one per person (the ORM's
    # version check: see storage.models.Conversation.version).
    # Per batch also one withdrawal of the reminders (and prompts) its answers made stale,
    # should any still wait in the outbox (handlers.checkin._withdraw_soon): one statement
    # for the whole batch, after its replies, not one per answer.
    assert sum(head.startswith("UPDATE OUTBOX") for head in heads) == 1, heads
    assert len(seen) <= len(batch) + 3 + 8 + 1, "\n".join(heads)
    dialogs = 1 if bot.engine.dialect.name == "postgresql" else 3
    assert sum(head.startswith("UPDATE CONVERSATIONS") for head in heads) == dialogs, heads
    assert answers_of(bot, "alice") == {"kpi:revenue": 52000.0, "kpi:new_customers": 3.0}
    assert answers_of(bot, "li") == {"kpi:revenue": 52000.0, "wins": "3"}
    await bot.deliver()
    assert "Question 3 of" in chat.last("alice") and "Question 3 of" in chat.last("bruno")


async def test_the_gm_reading_the_summary_in_a_burst_sees_the_answers_typed_before(
        bot: TeamPulse, chat: RecordingAdapter) -> None:
    # The GM's /summary reads with plain SQL; within a batch it still sees the answers
    # of the events queued before it, though they are written together at the end.
    await bot.run_checkins(["alice", "bruno", "li"])
    chat.clear()
    done = await bot.handle_batch([typed("alice", "52000", "e1"), typed("li", "61000", "e2"),
                                   typed("grace", "/summary", "e3"),
                                   typed("bruno", "41000", "e4")])
    assert done == [True] * 4
    text = chat.last("grace")
    assert "Revenue 113,000 / 150,000 USD" in text, text
    assert answers_of(bot, "bruno") == {"kpi:revenue": 41000.0}


async def test_a_burst_is_stored_with_fewer_garbage_collections_and_the_usual_after(
        bot: TeamPulse, chat: RecordingAdapter, monkeypatch: pytest.MonkeyPatch) -> None:
    # While queued answers are being stored, the young generation is collected less
    # often (full collections of the heap stalled every ack); afterwards, as usual.
    await bot.run_checkins(["alice", "bruno", "li"])
    usual = gc.get_threshold()
    seen: list[int] = []
    handle_batch = bot.handle_batch

    async def watched(events: list[InboundEvent], **kwargs: Any) -> list[bool]:
        seen.append(gc.get_threshold()[0])
        return await handle_batch(events, **kwargs)

    monkeypatch.setattr(bot, "handle_batch", watched)
    for n, key in enumerate(("alice", "bruno", "li")):
        await bot.submit(typed(key, "52000", f"g{n}"))
    await bot.drain()
    assert seen and all(t >= BURST_GEN0_THRESHOLD for t in seen)
    assert gc.get_threshold() == usual
    assert answers_of(bot, "li") == {"kpi:revenue": 52000.0}
    assert "第 2 题" in chat.last("li")


async def test_in_a_burst_the_answers_are_stored_first_and_everyone_still_gets_the_next_question(
        bot: TeamPulse, chat: RecordingAdapter, monkeypatch: pytest.MonkeyPatch) -> None:
    # While queued answers are still being stored, their replies wait for the lanes to
    # be idle (sending shares the interpreter with storing) instead of going out after
    # every batch; once everything is stored, every person gets their next question.
    monkeypatch.setattr(ingest, "INGEST_BATCH", 1)  # one batch per answer
    monkeypatch.setattr(ingest, "BURST_DELIVERY_GAP", 3600.0)  # only idle lanes end it
    people = ("alice", "bruno", "li")
    await bot.run_checkins(list(people))
    chat.clear()
    passes_while_storing: list[int] = []
    first_pass = asyncio.Event()
    deliver, handle_batch = bot.deliver, bot.handle_batch

    async def watched() -> None:
        if any(bot.ingest._workers):
            passes_while_storing.append(bot.ingest.waiting())
        await deliver()
        first_pass.set()

    async def storing(events: list[InboundEvent], **kwargs: Any) -> list[bool]:
        # The later batches are stored while the first batch's replies were sent.
        if passes_while_storing:
            await first_pass.wait()
        return await handle_batch(events, **kwargs)

    monkeypatch.setattr(bot, "deliver", watched)
    monkeypatch.setattr(bot, "handle_batch", storing)
    for n, key in enumerate(people * 2):
        await bot.submit(typed(key, "52000" if n < len(people) else "3", f"b{n}"))
    await bot.drain()
    # One pass at the first batch; none of the later batches' replies while storing.
    assert len(passes_while_storing) <= 1, passes_while_storing
    for key in people:
        stored = answers_of(bot, key)
        assert len(stored) == 2 and stored["kpi:revenue"] == 52000.0, (key, stored)
        assert any(mark in chat.last(key) for mark in ("Question 3 of", "第 3 题")), key


async def test_a_batch_keeps_a_persons_messages_in_the_order_they_were_written(
        bot: TeamPulse, chat: RecordingAdapter) -> None:
    # The replies of a batch are written together, but a message written on its own
    # in between (the support request's number, which is sent once per round) still
    # comes after the reply before it and before the one after it, as one at a time.
    await bot.run_checkins(["alice", "bruno"])
    for n, text in enumerate(ALICE_ANSWERS[:-2]):
        assert await bot.handle(typed("alice", text, f"a{n}"))
    await bot.deliver()
    chat.clear()
    done = await bot.handle_batch([typed("alice", ALICE_ANSWERS[-2], "a-plan"),
                                   typed("bruno", "52000", "b1"),
                                   typed("alice", ALICE_ANSWERS[-1], "a-confidence")])
    assert done == [True, True, True]
    told = chat.to("alice")
    assert len(told) == 3, told
    assert "Question 8 of 8" in told[0]
    assert "tracked as #1" in told[1]
    assert "your check-in for 2026-W48 is in" in told[2]
    assert chat.to("bruno") == [chat.last("bruno")] and "Question 2 of" in chat.last("bruno")


async def test_people_in_one_batch_are_each_asked_their_own_question(
        bot: TeamPulse, chat: RecordingAdapter) -> None:
    # A question's wording is worked out once per batch, but for each person's own
    # question: Alice and Bruno have different revenue targets, Li reads Chinese.
    done = await bot.handle_batch([typed("alice", "/checkin", "e1"),
                                   typed("bruno", "/checkin", "e2"),
                                   typed("li", "/checkin", "e3"),
                                   typed("alice", "52000", "e4"),
                                   typed("li", "61000", "e5")])
    assert done == [True] * 5
    alice, bruno, li = chat.to("alice"), chat.to("bruno"), chat.to("li")
    assert "Your weekly target is 50,000 USD." in alice[0]
    assert "Your weekly target is 40,000 USD." in bruno[0]
    assert "60,000" in li[0] and "Your weekly target" not in li[0]
    assert "New customers: what did you achieve this week" in alice[1]
    assert "Question 2 of" not in li[1] and "第 2 题" in li[1]


async def test_a_checkin_answered_over_many_batches_keeps_every_earlier_answer(
        bot: TeamPulse, chat: RecordingAdapter) -> None:
    # Each batch loads the rounds of its senders with the answers stored so far: what
    # Alice typed in earlier batches decides what she is asked next and is all there
    # in her summary at the end, while Bruno answers beside her.
    await bot.run_checkins(["alice", "bruno"])
    answers = ["52000", "3", "Closed Acme", "Pricing pushback", "none", "Visit 5", "4"]
    for n, text in enumerate(answers):
        batch = [typed("alice", text, f"a{n}")]
        if n < 4:
            batch.append(typed("bruno", ["41000", "Won Beta", "Churn", "none"][n], f"b{n}"))
        assert await bot.handle_batch(batch) == [True] * len(batch)
    stored = answers_of(bot, "alice")
    assert stored == {"kpi:revenue": 52000.0, "kpi:new_customers": 3.0, "wins": "Closed Acme",
                      "blockers": "Pricing pushback", "support_type": "none",
                      "plan": "Visit 5", "confidence": 4.0}
    done = chat.last("alice")
    assert "your check-in for 2026-W48 is in" in done
    for shown in ("52,000 USD", "3 customers", "Closed Acme", "Pricing pushback", "Visit 5",
                  "4/5"):
        assert shown in done, shown
    assert "Question 6 of 7" in chat.to("alice")[-3]  # no support needed: one fewer
    assert answers_of(bot, "bruno") == {"kpi:revenue": 41000.0, "wins": "Won Beta",
                                        "blockers": "Churn", "support_type": "none"}


async def test_a_dialog_ended_and_started_again_in_one_batch(
        bot: TeamPulse, chat: RecordingAdapter) -> None:
    # Alice finishes her check-in (her dialog ends), asks to edit her first answer (a
    # new dialog) and types the new figure, all in one batch: each event sees the
    # dialog the one before left, and pausing afterwards finds none open.
    await bot.run_checkins(["alice"])
    for n, text in enumerate(ALICE_ANSWERS[:-1]):
        assert await bot.handle(typed("alice", text, f"a{n}"))
    chat.clear()
    done = await bot.handle_batch([typed("alice", ALICE_ANSWERS[-1], "e1"),
                                   typed("alice", "/edit 1", "e2"),
                                   typed("alice", "51000", "e3"),
                                   typed("alice", "/pause", "e4")])
    assert done == [True] * 4
    told = chat.to("alice")
    assert len(told) == 5, told
    assert "tracked as #1" in told[0]  # her support request
    assert "your check-in for 2026-W48 is in" in told[1]
    assert "Revenue: what did you achieve this week" in told[2]
    assert told[3] == "Saved. Your check-in for 2026-W48 is updated."
    assert told[4] == "Nothing to pause: no question is waiting for your answer."
    assert answers_of(bot, "alice")["kpi:revenue"] == 51000.0
    assert waiting_for(bot, "alice") is None


async def test_a_savepoint_undone_in_a_batch_keeps_the_replies_queued_before_it(
        bot: TeamPulse, chat: RecordingAdapter, monkeypatch: pytest.MonkeyPatch) -> None:
    # A feature may try something in a savepoint and carry on without it (the digest's
    # chart does). The replies the batch queued before it are not undone with it.
    await bot.run_checkins(["alice", "bruno", "li"])
    chat.clear()
    store = handlers.checkin._store

    def trying(ctx, person, rnd, q, text, **kwargs):
        if text == "48000":
            try:
                with ctx.session.begin_nested():
                    ctx.people.by_key("grace")  # reads, then fails
                    raise RuntimeError("could not draw")
            except RuntimeError:
                pass
        return store(ctx, person, rnd, q, text, **kwargs)

    monkeypatch.setattr(handlers.checkin, "_store", trying)
    done = await bot.handle_batch([typed("alice", "52000", "e1"), typed("bruno", "48000", "e2"),
                                   typed("li", "61000", "e3")])
    assert done == [True, True, True]
    assert "Question 2 of" in chat.last("alice") and len(chat.to("alice")) == 1
    assert "Question 2 of" in chat.last("bruno") and len(chat.to("bruno")) == 1
    assert "第 2 题" in chat.last("li") and len(chat.to("li")) == 1
    assert answers_of(bot, "bruno") == {"kpi:revenue": 48000.0}


async def test_an_answer_redelivered_in_a_later_batch_is_not_taken_again(
        bot: TeamPulse, chat: RecordingAdapter) -> None:
    # The event ids a batch claims are checked against those claimed by earlier batches:
    # Alice's "52000" delivered again in the next batch is not taken as her answer to
    # question 2, while the new events beside it are handled.
    await bot.run_checkins(["alice", "bruno"])
    assert await bot.handle_batch([typed("alice", "52000", "e1"),
                                   typed("bruno", "41000", "e2")]) == [True, True]
    chat.clear()
    done = await bot.handle_batch([typed("bruno", "Won Beta", "e3"),
                                   typed("alice", "52000", "e1"),
                                   typed("alice", "3", "e4")])
    assert done == [True, False, True]
    assert answers_of(bot, "alice") == {"kpi:revenue": 52000.0, "kpi:new_customers": 3.0}
    assert answers_of(bot, "bruno") == {"kpi:revenue": 41000.0, "wins": "Won Beta"}
    assert len(chat.to("alice")) == 1 and "Question 3 of" in chat.last("alice")


async def test_a_burst_that_finishes_a_check_in_withdraws_its_questions_held_up_before(
        bot: TeamPulse, chat: RecordingAdapter) -> None:
    # Alice's questions 2 to 7 each waited in the outbox (the platform rate limiting, as
    # she typed on); her last two answers come in a burst. What waited from before asks
    # what she has answered: it is withdrawn with the batch. The batch's own question 8
    # still comes, in order, before her check-in is in.
    await bot.run_checkins(["alice"])
    await bot.deliver()
    chat.clear()
    for n, text in enumerate(ALICE_ANSWERS[:-2]):
        assert await bot.handle_batch([typed("alice", text, f"a{n}")], deliver=False) == [True]
    done = await bot.handle_batch([typed("alice", ALICE_ANSWERS[-2], "a-plan"),
                                   typed("alice", ALICE_ANSWERS[-1], "a-confidence")],
                                  deliver=False)
    assert done == [True, True]
    await bot.deliver()
    told = chat.to("alice")
    assert [t for t in told if "Question " in t and " of 8" in t] == [told[0]]
    assert "Question 8 of 8" in told[0]
    assert "your check-in for 2026-W48 is in" in told[-1]


class Killed(BaseException):
    """The process dying at that statement: no `except Exception` of the bot's sees it."""


async def test_a_batch_killed_at_its_commit_is_handled_whole_when_delivered_again(
        bot: TeamPulse, chat: RecordingAdapter, settings, clock) -> None:
    """docs/performance.md: a batch's event ids are claimed in its own transaction, "a crash
    before the commit leaves them all unclaimed, so a redelivery is processed". Three
    directors' answers in one batch, the bot killed as it commits: nothing of them was
    stored, nobody was sent anything. Delivered again to the restarted bot (a Telegram
    update not confirmed), each is taken once, as the answer it was, and each director
    gets their next question once."""
    from bot.app import prepare

    await bot.run_checkins(["alice", "bruno", "li"])
    chat.clear()
    burst = [typed("alice", "52000", "k1"), typed("bruno", "41000", "k2"),
             typed("li", "66000", "k3")]
    dying = True

    def die(_session: Any) -> None:
        if dying:
            raise Killed
    event.listen(bot.sessions, "before_commit", die)
    try:
        with pytest.raises(Killed):
            await bot.handle_batch(burst)
    finally:
        dying = False
        event.remove(bot.sessions, "before_commit", die)
    assert chat.sent == []
    assert all(answers_of(bot, key) == {} for key in ("alice", "bruno", "li"))

    restarted, engine = prepare(settings, clock)
    again = RecordingAdapter()
    restarted.register(again)
    try:
        assert await restarted.handle_batch(burst) == [True, True, True]
        # (And a further copy, should the platform send one, is a duplicate.)
        assert await restarted.handle_batch(burst[:1]) == [False]
        await restarted.drain()
    finally:
        engine.dispose()
    assert answers_of(bot, "alice") == {"kpi:revenue": 52000.0}
    assert answers_of(bot, "bruno") == {"kpi:revenue": 41000.0}
    assert answers_of(bot, "li") == {"kpi:revenue": 66000.0}
    for key in ("alice", "bruno", "li"):
        assert len(again.to(key)) == 1, again.to(key)
    assert again.last("alice").startswith("Question 2 of 8")
    assert again.last("bruno").startswith("Question 2 of")
    assert again.last("li").startswith("第 2 题")

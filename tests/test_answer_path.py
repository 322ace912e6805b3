"""A typed check-in answer end to end, as the director meets it: one reply per answer, in
order, sent only once the answer is stored; and what the answer path's speed work must
keep (withdrawals of what an answer made stale, a flush that sends what is queued
meanwhile)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.events import InboundEvent, OutboundMessage, SendResult, Target
from handlers.checkin import applicable, question_text, round_questions
from storage.models import Answer, CheckinRound, OutboxMessage
from storage.repositories import OutboxRepo
from tests.support import RecordingAdapter

#: Alice (English, two KPIs) and Li (Chinese, one) answer every question; support is
#: needed (2: budget), so every question applies.
TYPED = {"alice": ["52000", "3", "Closed Acme", "Pricing pushback", "2", "Travel budget",
                   "Visit 5", "4"],
         "li": ["52000", "签下大单", "价格压力", "2", "差旅预算", "拜访五家", "4"]}


class StoredFirst(RecordingAdapter):
    """Records, with each message, how many answers the database held when it was sent."""

    def __init__(self, bot_ref: list) -> None:
        super().__init__()
        self.bot_ref = bot_ref
        self.answers_when_sent: list[int] = []

    async def deliver(self, target: Target, message: OutboundMessage) -> SendResult:
        with self.bot_ref[0].engine.connect() as conn:  # what is committed, as anyone reads it
            self.answers_when_sent.append(conn.scalar(select(func.count()).select_from(Answer)))
        return await super().deliver(target, message)


def expected_prompts(bot, key: str) -> tuple[list[str], str]:
    """The prompts of the person's round, in the order asked, and their locale."""
    with bot.unit() as ctx:
        person = ctx.people.by_key(key)
        rnd = ctx.checkins.latest(person)
        return ([question_text(ctx, person.locale, q)
                 for q in applicable(rnd, round_questions(ctx, rnd))], person.locale)


@pytest.mark.parametrize("key", ["alice", "li"])
async def test_each_answer_gets_one_reply_in_order_sent_after_it_is_stored(bot, key):
    ref = [bot]
    chat = StoredFirst(ref)
    bot.register(chat)
    await bot.run_checkins([key])
    prompts, locale = expected_prompts(bot, key)
    typed_all = TYPED[key]
    assert len(prompts) == len(typed_all) and prompts[0] in chat.last(key)
    for n, typed in enumerate(typed_all):
        before = len(chat.to(key))
        assert await bot.handle(InboundEvent("console", key, key, text=typed,
                                             event_id=f"{key}-{n}")) is True
        replies = chat.to(key)[before:]
        # handle() returns once the reply was sent: the next question; at the end the
        # support request's number, then the check-in's summary.
        if n + 1 < len(prompts):
            assert len(replies) == 1 and prompts[n + 1] in replies[0], replies
        else:
            assert len(replies) == 2 and "#1" in replies[0], replies
        # Sent only once this answer (and each before it) was committed.
        assert chat.answers_when_sent[-1] == n + 1
    done = chat.last(key)
    assert ("is in" in done) if locale == "en" else ("签到已提交" in done), done
    for prompt, typed in zip(prompts, typed_all, strict=True):
        if typed.isdigit() and int(typed) > 5:
            assert f"{int(typed):,}" in done
        elif not typed.isdigit():
            assert f"{prompt}\n  {typed}" in done or typed in done, (prompt, typed)
    with bot.unit() as ctx:
        rnd = ctx.checkins.latest(ctx.people.by_key(key))
        assert rnd.status == "submitted"
        stored = {a.question_key: (a.text_value, a.number_value) for a in rnd.answers}
    assert stored["kpi:revenue"] == (None, 52000.0)
    assert stored["wins"] == (typed_all[-6], None)
    assert stored["support_detail"] == (typed_all[-3], None)
    assert stored["confidence"] == (None, 4.0)
    assert len(stored) == len(typed_all)
    # An answer retried with the same event id is a duplicate: stored once, no reply.
    sent = len(chat.sent)
    assert await bot.handle(InboundEvent("console", key, key, text="4",
                                         event_id=f"{key}-{len(typed_all) - 1}")) is False
    assert len(chat.sent) == sent
    with bot.unit() as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(Answer)) == len(typed_all)


async def test_a_reply_is_sent_with_two_reads_of_the_outbox(bot, chat):
    """A reply's flush reads the outbox once to send it and once after (finding nothing);
    it read three times, a third read planned while the reply was being sent."""
    await bot.run_checkins(["alice"])
    reads = []
    load_plan = bot.outbox._load_plan

    def counted(*args):
        reads.append(args)
        return load_plan(*args)

    bot.outbox._load_plan = counted
    await bot.handle(InboundEvent("console", "alice", "alice", text="52000", event_id="a1"))
    assert "Question 2 of 8" in chat.last("alice")
    assert len(reads) == 2


async def test_what_is_queued_while_a_reply_is_sent_goes_in_the_same_flush(bot, chat):
    """A message committed while the reply is on its way (another event's reply, a
    scheduled job's DM) is sent by the same deliver(), after the reply's batch."""
    await bot.run_checkins(["alice"])
    deliver = chat.deliver
    queued = []

    async def queue_one_meanwhile(target: Target, message: OutboundMessage) -> SendResult:
        if not queued:
            queued.append(True)
            with bot.unit() as ctx:
                ctx.outbox.enqueue(platform="console", target_kind="dm", address="bob",
                                   payload={"text": "meanwhile"}, now=bot.clock.now())
        return await deliver(target, message)

    chat.deliver = queue_one_meanwhile
    await bot.handle(InboundEvent("console", "alice", "alice", text="52000", event_id="a1"))
    assert "Question 2 of 8" in chat.last("alice")
    assert chat.to("bob")[-1:] == ["meanwhile"]


def _row(ctx, address: str, key: str | None, payload: dict) -> int:
    return ctx.outbox.enqueue(platform="console", target_kind="dm", address=address,
                              payload=payload, now=ctx.clock.now(), dedupe_key=key)


@pytest.mark.parametrize("batched", [False, True])
async def test_withdrawal_takes_the_keys_and_the_questions_asked_before(bot, batched):
    """What an answer withdraws: pending rows of the keys, and keyless questions marked as
    asking it that an earlier unit of work queued; not those its own unit queued, nor
    rows already sent, nor other keys or marks. One by one (withdraw_soon outside a
    batch) and deferred to the batch's end (inside one)."""
    now = bot.clock.now()
    with bot.unit() as ctx:
        reminder = _row(ctx, "alice", "remind:1", {"text": "reminder"})
        other_key = _row(ctx, "alice", "remind:2", {"text": "another"})
        earlier = _row(ctx, "alice", None, {"text": "q1", "asks": "round:1"})
        other_mark = _row(ctx, "alice", None, {"text": "q9", "asks": "round:9"})
        sent = _row(ctx, "alice", "remind:3", {"text": "sent"})
        ctx.session.get(OutboxMessage, sent).status = "sent"
    bot.clock.advance(timedelta(minutes=1))
    later = bot.clock.now()
    with bot.unit() as ctx:
        if batched:
            from storage.db import DEFERRED_FLUSH
            ctx.session.info[DEFERRED_FLUSH] = True
        mine = _row(ctx, "alice", None, {"text": "q2", "asks": "round:1"})
        repo = OutboxRepo(ctx.session)
        repo.withdraw_soon(["remind:1", "remind:3"], later, asks=["round:1"])
        ctx.session.execute(select(func.count()).select_from(CheckinRound))  # (a next statement)
    with bot.unit() as ctx:
        rows = {r.id: r for r in ctx.session.scalars(select(OutboxMessage))}
        assert (rows[reminder].status, rows[reminder].dedupe_key,
                rows[reminder].expires_at) == ("expired", None, later)
        assert (rows[earlier].status, rows[earlier].expires_at) == ("expired", later)
        assert rows[other_key].status == rows[other_mark].status == rows[mine].status \
            == "pending"
        assert (rows[sent].status, rows[sent].dedupe_key) == ("sent", "remind:3")
        assert now < later
        # Given back its key, a reminder of the same key may be queued again.
        assert _row(ctx, "alice", "remind:1", {"text": "again"}) is not None


async def test_withdraw_counts_and_keeps_keys_or_payload_as_asked(bot):
    """OutboxRepo.withdraw's other shapes: the count dropped, keys kept (a reminder its
    sweep must not queue again), a payload kept instead of theirs."""
    with bot.unit() as ctx:
        kept = _row(ctx, "alice", "k:1", {"text": "secret"})
        asked = _row(ctx, "bob", None, {"text": "q", "asks": "poll:1"})
    with bot.unit() as ctx:
        repo = OutboxRepo(ctx.session)
        assert repo.withdraw(["k:1"], bot.clock.now(), {"text": ""}, keep_keys=True) == 1
        assert repo.withdraw([], bot.clock.now(), asks=["poll:1"]) == 1
        assert repo.withdraw(["k:1"], bot.clock.now(), asks=["poll:1"]) == 0
    with bot.unit() as ctx:
        row = ctx.session.get(OutboxMessage, kept)
        assert (row.status, row.dedupe_key, row.payload) == ("expired", "k:1", {"text": ""})
        row = ctx.session.get(OutboxMessage, asked)
        assert (row.status, row.dedupe_key, row.payload["text"]) == ("expired", None, "q")

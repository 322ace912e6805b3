"""A pulse poll and the monthly review beside another dialog written at the same moment.

The pulse sweep and the monthly review read who is in the middle of another dialog, then
record their own first question (a poll's reminder: its step) as the one that person's
next message answers. Asked something else in between (their own `/checkin` on another
replica, the GM's survey), that question was written over: Alice, back at her check-in,
had her next answer taken for a monthly answer, and the check-in waited for an answer
she had already given (the pulse sweep, which keeps the dialogs it read, instead failed
its whole batch on the dialog's moved version). Both now write only over a dialog still
not under way as they write (ConversationRepo.wait_for_unless_under_way), as the round's
first question and `/review start` do: the poll then comes with a later sweep once she
is free, and the monthly review says its questions follow, which come once the check-in
is in.

On both databases the read is made to see Alice as she was a moment before her check-in
began (the moment another replica's write lands in between); on PostgreSQL, two
transactions really interleave. (SQLite lets one writer in at a time: they cannot there.)
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

import handlers.monthly_review
import handlers.pulse
from bot.app import prepare
from bot.clock import FakeClock
from bot.config import Settings
from bot.core import TeamPulse
from storage.review import MonthlyRepo, ReviewAnswer
from tests.conftest import SERVER_URL
from tests.support import TEST_ORG, RecordingAdapter, running_since, say
from tests.test_checkin import ALICE_ANSWERS, answer_all
from tests.test_one_dialog import DEC_1_9AM_NY, POLL_DAY, figures, votes
from tests.test_pulse_close_race import STEP, until_waiting_or

POLL = "time for the anonymous pulse poll"
REMINDER = "A gentle reminder: the anonymous pulse poll"
MONTHLY_FIRST = "Monthly review 2026-11, question 1 of 3:\nWhat worked well this month?"
FOLLOWS = "You're in the middle of answering something else: the three questions follow"
on_postgresql = pytest.mark.skipif(not SERVER_URL, reason="two transactions interleaving "
                                                          "need PostgreSQL (TEST_DATABASE_URL)")


@pytest.fixture
def pulse_settings(tmp_path, database_url) -> Settings:
    org = tmp_path / "org.yaml"
    org.write_text(TEST_ORG.read_text(encoding="utf-8") + "\npulse:\n  threshold: 3\n",
                   encoding="utf-8")
    return Settings(database_url=database_url, org_file=org)


@pytest.fixture
def setup(pulse_settings) -> Iterator[tuple[TeamPulse, RecordingAdapter, FakeClock]]:
    clock = FakeClock(POLL_DAY)
    bot, engine = prepare(pulse_settings, clock)
    chat = RecordingAdapter()
    bot.register(chat)
    yield bot, chat, clock
    engine.dispose()


def read_free(module: Any, monkeypatch, key: str) -> None:
    """`module`'s read of who is in another dialog sees `key` free, as it did a moment
    before their dialog was written by another replica."""
    real = module.under_way

    def under_way(ctx, person, now, besides=None):
        return False if person.key == key else real(ctx, person, now, besides)
    monkeypatch.setattr(module, "under_way", under_way)


async def test_a_poll_read_free_as_her_check_in_began_waits_for_it(setup, monkeypatch):
    bot, chat, clock = setup
    await say(bot, "alice", "/checkin")
    await say(bot, "alice", "52000")
    assert "Question 2 of 8" in chat.last("alice")
    read_free(handlers.pulse, monkeypatch, "alice")
    await bot.run_pulse()  # the poll opens; the sweep read her before her check-in began
    assert not any(POLL in t for t in chat.to("alice"))
    assert any(POLL in t for t in chat.to("bruno"))  # free: asked at once

    await say(bot, "alice", "3")  # her new customers, not a vote
    assert figures(bot, "alice")["kpi:new_customers"] == 3
    assert votes(bot) == 0
    await answer_all(bot, "alice", ALICE_ANSWERS[2:])
    assert "your check-in for 2026-W50 is in" in chat.last("alice")
    clock.advance(timedelta(minutes=5))
    await bot.run_pulse()  # the next sweep: she is free
    assert POLL in chat.last("alice")
    await say(bot, "alice", "4")
    assert votes(bot) == 1
    assert sum(POLL in t for t in chat.to("alice")) == 1


async def test_a_poll_reminder_read_free_does_not_cut_into_her_check_in(setup, monkeypatch):
    bot, chat, clock = setup
    await bot.run_pulse()
    assert POLL in chat.last("alice")
    clock.advance(timedelta(hours=30))  # past the reminder's time
    await say(bot, "alice", "/checkin")
    await say(bot, "alice", "52000")
    read_free(handlers.pulse, monkeypatch, "alice")
    await bot.run_pulse()
    assert not any(REMINDER in t for t in chat.to("alice"))
    assert "Question 2 of 8" in chat.last("alice")

    await say(bot, "alice", "3")
    assert figures(bot, "alice")["kpi:new_customers"] == 3
    await answer_all(bot, "alice", ALICE_ANSWERS[2:])
    clock.advance(timedelta(minutes=5))
    await bot.run_pulse()  # reminded once her check-in is in
    assert REMINDER in chat.last("alice")
    await say(bot, "alice", "4")
    assert votes(bot) == 1


async def test_the_monthly_review_read_free_as_her_check_in_began_waits_for_it(
        setup, monkeypatch):
    bot, chat, clock = setup
    clock.set(DEC_1_9AM_NY - timedelta(minutes=10))
    await running_since(bot, clock)  # running since November: a fresh install reviews none
    await say(bot, "alice", "/checkin")
    await say(bot, "alice", "52000")
    clock.set(DEC_1_9AM_NY)
    read_free(handlers.monthly_review, monkeypatch, "alice")
    assert await bot.run_monthly_review()
    review = next(t for t in chat.to("alice") if "2026-11" in t and FOLLOWS in t)
    assert MONTHLY_FIRST not in review
    assert not any(MONTHLY_FIRST in t for t in chat.to("alice"))

    await say(bot, "alice", "3")  # her new customers, not what worked well
    assert figures(bot, "alice")["kpi:new_customers"] == 3
    await answer_all(bot, "alice", ALICE_ANSWERS[2:])
    done, question = chat.to("alice")[-2:]
    assert "is in" in done
    assert question == MONTHLY_FIRST
    # Bruno was free: asked with his review, once.
    assert sum(MONTHLY_FIRST in t for t in chat.to("bruno")) == 1


def hold_after_reading(module: Any, monkeypatch, key: str, watcher: Engine
                       ) -> tuple[threading.Event, threading.Event]:
    """`module`'s read of who is in another dialog, held once it has read `key` (the
    first time) until `done` is set or the other transaction waits for this one. Returns
    (read, done)."""
    read, done = threading.Event(), threading.Event()
    real = module.under_way

    def under_way(ctx, person, now, besides=None):
        found = real(ctx, person, now, besides)
        if person.key == key and not read.is_set():
            read.set()
            until_waiting_or(watcher, done)
        return found
    monkeypatch.setattr(module, "under_way", under_way)
    return read, done


@on_postgresql
async def test_a_survey_started_as_the_poll_opens_keeps_the_raters_answer(
        setup, pulse_settings, watcher: Engine, monkeypatch) -> None:
    """The sweep holds the people it asks, so their own `/checkin` waits for it; the GM's
    survey does not: Bruno, his check-in's first question left two hours before, was sent
    the survey's between the sweep's read and its write. The sweep's write then met the
    dialog's moved version and its whole batch failed (nobody in it asked, nothing
    reminded or closed by that sweep); now Bruno alone waits, his "3" is his rating, and
    the poll comes once his dialogs are done. (The sweep's batch here is Bruno alone: it
    would hold Grace too, whose `/review start` would then wait for it.)"""
    bot, chat, clock = setup
    await bot.run_checkins(["bruno"])
    clock.advance(timedelta(hours=2))  # his question waits since: not under way
    due = handlers.pulse.due_people

    def bruno_alone(ctx):
        return [i for i in due(ctx) if i == ctx.people.by_key("bruno").id]
    monkeypatch.setattr(handlers.pulse, "due_people", bruno_alone)
    read, started = hold_after_reading(handlers.pulse, monkeypatch, "bruno", watcher)
    other, engine = prepare(pulse_settings, clock)
    elsewhere = RecordingAdapter()
    other.register(elsewhere)

    async def survey() -> None:
        assert await asyncio.to_thread(read.wait, STEP)
        try:
            await say(other, "grace", "/review start alice")
        finally:
            started.set()
    try:
        await asyncio.wait_for(asyncio.gather(bot.run_pulse(), survey()), STEP)
        await bot.drain()
        await other.drain()
    finally:
        engine.dispose()
    told = chat.to("bruno") + elsewhere.to("bruno")
    assert any("rate Alice Martin, 1 (poor) to 5" in t for t in told), told
    assert not any(POLL in t for t in told), told

    await say(bot, "bruno", "3")  # his rating of the survey's first criterion
    with bot.unit() as ctx:
        ratings = [a.rating for a in ctx.session.scalars(select(ReviewAnswer))]
    assert ratings == [3]
    assert votes(bot) == 0
    await answer_all(bot, "bruno", ["3", "2 Slow to share leads", "3", "3"])
    assert "Back to your check-in" in chat.last("bruno")  # what the survey came after
    await answer_all(bot, "bruno", ALICE_ANSWERS)
    assert "is in" in chat.last("bruno")
    clock.advance(timedelta(minutes=5))
    await bot.run_pulse()  # his dialogs are done: the poll comes
    assert POLL in chat.last("bruno")
    await say(bot, "bruno", "4")
    assert votes(bot) == 1


@on_postgresql
async def test_alice_back_at_her_check_in_as_the_monthly_review_goes_out(
        setup, pulse_settings, watcher: Engine, monkeypatch) -> None:
    """The monthly review reads Alice free, then she sends `/checkin` on another replica;
    the review's first question was written over her check-in's, and her revenue was
    taken for what worked well this month."""
    bot, chat, clock = setup
    clock.set(DEC_1_9AM_NY - timedelta(minutes=10))
    await running_since(bot, clock)
    clock.set(DEC_1_9AM_NY)
    read, back = hold_after_reading(handlers.monthly_review, monkeypatch, "alice", watcher)
    other, engine = prepare(pulse_settings, clock)
    elsewhere = RecordingAdapter()
    other.register(elsewhere)

    async def alice_back() -> None:
        assert await asyncio.to_thread(read.wait, STEP)
        try:
            await say(other, "alice", "/checkin")
        finally:
            back.set()
    try:
        await asyncio.wait_for(asyncio.gather(bot.run_monthly_review(), alice_back()), STEP)
        await bot.drain()
        await other.drain()
    finally:
        engine.dispose()
    told = chat.to("alice") + elsewhere.to("alice")
    assert any("Question 1 of 8" in t for t in told), told
    assert any("2026-11" in t and FOLLOWS in t for t in told), told
    assert not any(MONTHLY_FIRST in t for t in told), told

    await answer_all(bot, "alice", ALICE_ANSWERS)  # "52000" first: her revenue
    assert figures(bot, "alice")["kpi:revenue"] == 52000
    done, question = chat.to("alice")[-2:]
    assert "is in" in done
    assert question == MONTHLY_FIRST
    await say(bot, "alice", "Two renewals")
    with bot.unit() as ctx:
        answers = MonthlyRepo(ctx.session).answers(
            ctx.people.by_key("alice"), "2026-11")
    assert list(answers.values()) == ["Two renewals"]

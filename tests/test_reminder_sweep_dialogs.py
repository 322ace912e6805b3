"""The reminder sweep (and a round's batch) beside another replica's writes to the same
person's dialog (PostgreSQL: two transactions at once). The sweep reads who is in the
middle of another dialog, then records the check-in question its reminder asks as the one
their next message answers; a survey question sent to them in between (the GM's `/review
start` on a follower) was written over. Bruno's rating then went into his check-in, and
the survey waited for an answer he had already given. The sweep now writes the question
only over a dialog that is still not another one under way, and tells such a person their
check-in waits (as it tells anyone it finds in another dialog). (SQLite lets one writer in
at a time: the two cannot interleave there.)"""

from __future__ import annotations

import asyncio
import threading

import pytest
from sqlalchemy import Engine, select

import handlers.checkin
from bot.app import prepare
from storage.review import ReviewAnswer
from tests.conftest import SERVER_URL
from tests.support import RecordingAdapter, say
from tests.test_checkin import ALICE_ANSWERS, answer_all, answers_of
from tests.test_pulse_close_race import STEP, waits_on_lock

pytestmark = pytest.mark.skipif(not SERVER_URL, reason="two transactions interleaving need "
                                                       "PostgreSQL (TEST_DATABASE_URL)")


async def test_a_survey_started_as_the_sweep_reminds_keeps_the_raters_answer(
        settings, bot, chat, clock, watcher: Engine, monkeypatch) -> None:
    await bot.run_checkins(["bruno"])
    await answer_all(bot, "bruno", ALICE_ANSWERS[:2])
    clock.advance(bot.settings.reminder_delay)  # his question waits since: not under way
    other, engine = prepare(settings, clock)
    elsewhere = RecordingAdapter()
    other.register(elsewhere)
    started = threading.Event()
    busy_read = handlers.checkin._in_other_dialogs

    def in_other_dialogs(ctx, people, now):
        found = busy_read(ctx, people, now)
        # Held once it has read who is busy, until the survey is sent on the follower.
        for _ in range(STEP * 200):
            if started.wait(0.005) or waits_on_lock(watcher):
                break
        return found
    monkeypatch.setattr(handlers.checkin, "_in_other_dialogs", in_other_dialogs)

    async def survey() -> None:
        await say(other, "grace", "/review start alice")
        started.set()
    try:
        await asyncio.wait_for(asyncio.gather(bot.run_reminders(), survey()), STEP)
        await bot.drain()
        await other.drain()
    finally:
        engine.dispose()
    told = chat.to("bruno") + elsewhere.to("bruno")
    assert any("rate Alice Martin, 1 (poor) to 5" in t for t in told), told
    # Told his check-in waits, not asked its question over the survey's.
    reminder = next(t for t in told if "Friendly reminder" in t)
    assert "Question 3 of" not in reminder, reminder

    await say(bot, "bruno", "3")  # his rating of the survey's first criterion

    with bot.unit() as ctx:
        ratings = [a.rating for a in ctx.session.scalars(select(ReviewAnswer))]
    assert ratings == [3], (ratings, chat.to("bruno")[-1])
    assert "blockers" not in answers_of(bot, "bruno")


async def test_a_survey_started_as_the_round_prompts_keeps_the_raters_answer(
        settings, bot, chat, clock, watcher: Engine, monkeypatch) -> None:
    """The same for the weekly round's batch: it reads Bruno free, the GM's survey question
    reaches him from a follower, and the round's first question was written over it. Now
    the round tells him his check-in follows, and his "3" is the survey's."""
    other, engine = prepare(settings, clock)
    elsewhere = RecordingAdapter()
    other.register(elsewhere)
    started = threading.Event()
    busy_read = handlers.checkin._in_other_dialogs

    def in_other_dialogs(ctx, people, now):
        found = busy_read(ctx, people, now)
        for _ in range(STEP * 200):
            if started.wait(0.005) or waits_on_lock(watcher):
                break
        return found
    monkeypatch.setattr(handlers.checkin, "_in_other_dialogs", in_other_dialogs)

    async def survey() -> None:
        await say(other, "grace", "/review start alice")
        started.set()
    try:
        await asyncio.wait_for(asyncio.gather(bot.run_checkins(["bruno"]), survey()), STEP)
        await bot.drain()
        await other.drain()
    finally:
        engine.dispose()
    told = chat.to("bruno") + elsewhere.to("bruno")
    assert any("rate Alice Martin, 1 (poor) to 5" in t for t in told), told
    prompt = next(t for t in told if "Time for your weekly check-in" in t)
    assert "Question 1 of" not in prompt, prompt

    await say(bot, "bruno", "3")

    with bot.unit() as ctx:
        ratings = [a.rating for a in ctx.session.scalars(select(ReviewAnswer))]
    assert ratings == [3], (ratings, chat.to("bruno")[-1])
    assert answers_of(bot, "bruno") == {}

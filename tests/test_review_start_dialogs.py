"""The GM's `/review start` beside a rater's own message on another replica (PostgreSQL:
two transactions at once). `/review start` reads each rater free (no other dialog under
way), then records the survey's first question as the one their next message answers.
Bruno, whose check-in had waited an hour, sent `/checkin` on another replica in between:
he was asked his check-in's third question again, and the survey's first question was
written over it. His answer to the check-in ("Pricing pushback") was then refused as a
rating, and a "3" meant for it was stored as his rating of Alice. The survey's question is
now written only over a dialog still not under way: Bruno is told the survey follows once
he has finished, his answers go into his check-in, and the survey's first question comes
after it. (SQLite lets one writer in at a time: the two cannot interleave there.)"""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

import handlers.review
from bot.app import prepare
from storage.review import ReviewAnswer
from tests.conftest import SERVER_URL
from tests.support import RecordingAdapter, say
from tests.test_checkin import answer_all, answers_of
from tests.test_pulse_close_race import STEP, until_waiting_or

pytestmark = pytest.mark.skipif(not SERVER_URL, reason="two transactions interleaving need "
                                                       "PostgreSQL (TEST_DATABASE_URL)")

SURVEY_QUESTION = "1/5 · Goal and plan completion: how would you rate Alice Martin"


async def test_a_rater_back_at_his_checkin_as_the_gm_starts_a_review_keeps_his_answers(
        settings, bot, chat, clock, watcher: Engine, monkeypatch) -> None:
    await bot.run_checkins(["bruno"])
    await answer_all(bot, "bruno", ["41000", "Won Globex"])
    clock.advance(timedelta(hours=2))  # his third question waits since: not under way
    other, engine = prepare(settings, clock)
    elsewhere = RecordingAdapter()
    other.register(elsewhere)
    read, back = threading.Event(), threading.Event()
    read_free = handlers.review.under_way

    def under_way(ctx, person, now, besides=None):
        found = read_free(ctx, person, now, besides)
        if person.key == "bruno" and not read.is_set():
            # Held once it has read Bruno free, until he is back at his check-in.
            read.set()
            until_waiting_or(watcher, back)
        return found
    monkeypatch.setattr(handlers.review, "under_way", under_way)

    async def bruno_back() -> None:
        assert await asyncio.to_thread(read.wait, STEP)
        try:
            await say(other, "bruno", "/checkin")
        finally:
            back.set()
    try:
        await asyncio.wait_for(asyncio.gather(say(bot, "grace", "/review start alice"),
                                              bruno_back()), STEP)
        await bot.drain()
        await other.drain()
    finally:
        engine.dispose()

    told = chat.to("bruno") + elsewhere.to("bruno")
    assert any("Let's finish your check-in" in t and "Question 3 of 7" in t for t in told)
    invite = next(t for t in told if "feedback on Alice Martin" in t)
    assert "I'll ask the first question when you've finished what you're answering now" \
        in invite, invite
    assert not any(SURVEY_QUESTION in t for t in told), told
    assert chat.last("grace").startswith("360° review of Alice Martin started")
    chat.clear()

    # His answers are his check-in's; the survey's first question follows it.
    await answer_all(bot, "bruno", ["Pricing pushback", "1", "Call 3", "3"])
    assert answers_of(bot, "bruno")["blockers"][0] == "Pricing pushback"
    assert any("your check-in for 2026-W48 is in" in t for t in chat.to("bruno"))
    assert SURVEY_QUESTION in chat.last("bruno"), chat.to("bruno")
    with bot.unit() as ctx:
        assert list(ctx.session.scalars(select(ReviewAnswer))) == []

    await say(bot, "bruno", "4 clear weekly plans")  # his rating, now the survey's
    with bot.unit() as ctx:
        assert [a.rating for a in ctx.session.scalars(select(ReviewAnswer))] == [4]

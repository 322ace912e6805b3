"""Check-in edge cases from the director's side: who may check in, /edit across weeks,
reminders, conditional questions, the question count, and confirmed numbers."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from storage.models import CheckinRound
from tests.support import say
from tests.test_checkin import ALICE_ANSWERS, answer_all, answers_of, round_status


def round_count(bot, key: str) -> int:
    with bot.unit() as ctx:
        person = ctx.people.by_key(key)
        return len(ctx.session.scalars(select(CheckinRound).where(
            CheckinRound.person_id == person.id)).all())


# --- 13: someone who does not check in ------------------------------------------------------

async def test_someone_who_does_not_check_in_gets_a_clear_answer_not_a_round(bot, chat):
    await say(bot, "sam", "/checkin")
    assert "You don't answer the weekly check-in" in chat.last("sam")
    assert "/summary" not in chat.last("sam")
    assert "Question" not in chat.last("sam")
    await say(bot, "grace", "/checkin")
    assert "You don't answer the weekly check-in" in chat.last("grace")
    assert "send /summary" in chat.last("grace")
    assert round_count(bot, "sam") == 0 and round_count(bot, "grace") == 0
    await say(bot, "sam", "52000")
    assert "not waiting for an answer" in chat.last("sam")


# --- 12: /edit across weeks, reminders only for the current round ---------------------------

async def test_edit_reaches_last_weeks_answers_when_this_weeks_round_is_empty(bot, chat, clock):
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ALICE_ANSWERS)
    clock.advance(timedelta(days=7))  # next Friday: this week's round is created, unanswered
    assert (await bot.run_checkins(["alice"])).results == {"alice": "prompted"}
    await say(bot, "alice", "/pause")
    await say(bot, "alice", "/edit")
    listing = chat.last("alice")
    assert "Your answers for 2026-W48" in listing and "52,000 USD" in listing
    await say(bot, "alice", "/edit 1")
    await say(bot, "alice", "61000")
    assert "Your check-in for 2026-W48 is updated" in chat.last("alice")
    with bot.unit() as ctx:
        rnd = ctx.checkins.round_for(ctx.people.by_key("alice"), "2026-W48")
        assert ctx.checkins.answer(rnd, "kpi:revenue").number_value == 61000.0


async def test_reminders_only_concern_the_current_round(bot, chat, clock):
    await bot.run_checkins(["alice"])  # W48, never answered
    clock.advance(timedelta(days=21))  # the bot was down; now it is W51
    assert await bot.run_reminders() == 0
    assert not any("2026-W48 isn't finished" in t for t in chat.to("alice"))
    await bot.run_checkins(["alice"])  # this week's round
    clock.advance(bot.settings.reminder_delay)
    assert await bot.run_reminders() == 1
    assert "your check-in for 2026-W51 isn't finished" in chat.last("alice")
    assert not any("2026-W48 isn't" in t for t in chat.to("alice"))

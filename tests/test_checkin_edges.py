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


# --- 11: skipping the support question skips its follow-up ---------------------------------

async def test_skipping_the_support_question_skips_its_follow_up(bot, chat):
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ["52000", "3", "w", "b", "/skip"])
    assert "What is your plan for next week?" in chat.last("alice")
    await answer_all(bot, "alice", ["Plan", "4"])
    assert round_status(bot, "alice") == "submitted"
    assert "support_detail" not in answers_of(bot, "alice")
    assert "Tell me more" not in chat.last("alice")  # not listed as skipped either


async def test_editing_support_back_to_needed_asks_the_follow_up_afresh(bot, chat):
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ALICE_ANSWERS)  # budget, "Travel budget"
    await say(bot, "alice", "/edit 5")
    await say(bot, "alice", "1")  # no support needed after all
    assert "Saved" in chat.last("alice")
    assert "support_detail" not in answers_of(bot, "alice")
    await say(bot, "alice", "/edit")
    assert "Travel budget" not in chat.last("alice")
    await say(bot, "alice", "/edit 5")
    await say(bot, "alice", "3")  # training: the detail is asked again, the old one is gone
    assert "Tell me more" in chat.last("alice")
    await say(bot, "alice", "A negotiation course")
    assert answers_of(bot, "alice")["support_detail"][0] == "A negotiation course"
    await say(bot, "alice", "/edit")
    assert "Travel budget" not in chat.last("alice")


# --- 14: the question count stays stable, or says why it changed -----------------------------

async def test_the_count_says_why_it_drops_when_no_support_is_needed(bot, chat):
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ["52000", "3", "w", "b"])
    assert "Question 5 of 8" in chat.last("alice")
    await say(bot, "alice", "1")
    assert "Question 6 of 7 (one question fewer, since you need no support)" in chat.last("alice")
    await say(bot, "alice", "Plan")
    assert "Question 7 of 7" in chat.last("alice") and "fewer" not in chat.last("alice")


async def test_the_count_says_why_when_the_support_question_is_skipped_in_chinese(bot, chat):
    await bot.run_checkins(["li"])
    await answer_all(bot, "li", ["66000", "w", "b"])
    assert "第 4 题，共 7 题" in chat.last("li")
    await say(bot, "li", "跳过")
    assert "第 5 题，共 6 题（少了一题，因为你跳过了支持问题）" in chat.last("li")


async def test_the_count_does_not_change_when_support_is_needed(bot, chat):
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ["52000", "3", "w", "b", "2"])
    assert "Question 6 of 8" in chat.last("alice")
    assert "fewer" not in chat.last("alice") and "more question" not in chat.last("alice")

"""A check-in reminder held up in the outbox (the platform down, or rate limiting us) is
withdrawn once the person puts the check-in aside (/pause) or goes away (/away), and a
check-in question asked again after a 1:1 expires with its week, as its prompt does.

As in tests/test_reminders_withdrawn.py: the reminder is queued at its time; the platform
refuses everything meanwhile, but what the person says still comes in.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from tests import test_reply_target
from tests.support import say
from tests.test_away import away_line
from tests.test_checkin import ALICE_ANSWERS, answer_all
from tests.test_checkin_remind import back_up, go_down
from tests.test_reminders_withdrawn import reminded
from tests.test_reply_target import grace_finishes_her_one_on_one_with_alice
from tests.test_review_rate import answer, reminders, reminders_held_up, scheduled

setup = test_reply_target.setup  # the 1:1s' fixture: a bot, chat and clock


def question_buttons(chat, key: str) -> list[str]:
    """The actions of the buttons on the last message to `key` that has any."""
    for sent in reversed(chat.sent):
        if sent.target.address == key and sent.message.choices:
            return [c.action for c in sent.message.choices]
    return []


async def test_a_reminder_held_up_is_not_sent_after_the_check_in_was_paused(
        bot, chat, clock):
    # Friday: Alice answers two questions; the reminder is queued at 18:00 while the
    # platform refuses everything, and she sends /pause meanwhile. The reminder came
    # after "Paused", asking a question that no longer took what she typed, with buttons
    # that answered "no longer open".
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ALICE_ANSWERS[:2])
    chat.clear()
    go_down(chat)
    clock.advance(timedelta(hours=2))
    assert await bot.run_reminders() == 1
    await say(bot, "alice", "/pause")
    await back_up(bot, chat)
    assert not reminded(chat, "alice")
    assert chat.last("alice").startswith("Paused. Your answers so far are saved")
    # /checkin carries on at the question the reminder would have asked, and takes it.
    await say(bot, "alice", "/checkin")
    assert "Question 3 of 8" in chat.last("alice")
    await answer_all(bot, "alice", ALICE_ANSWERS[2:])
    assert "your check-in for 2026-W48 is in" in chat.last("alice")


async def test_a_reminder_in_chinese_held_up_is_not_sent_after_the_check_in_was_paused(
        bot, chat, clock):
    await bot.run_checkins(["li"])
    await say(bot, "li", "50000")
    chat.clear()
    go_down(chat)
    clock.advance(timedelta(hours=2))
    assert await bot.run_reminders() == 1
    await say(bot, "li", "暂停")
    await back_up(bot, chat)
    assert not reminded(chat, "li")
    assert not question_buttons(chat, "li")


async def test_a_reminder_held_up_is_not_sent_once_the_person_went_away(bot, chat, clock):
    # Friday 16:00 Alice is asked and answers nothing; at 18:00 the reminder is queued
    # while the platform refuses everything; at 18:30 she goes away for two weeks.
    await bot.run_checkins(["alice", "bruno"])
    chat.clear()
    go_down(chat)
    clock.advance(timedelta(hours=2))
    assert await bot.run_reminders() == 2
    await say(bot, "grace", "/summary")  # (read as it is now, sent once the platform is back)
    clock.advance(timedelta(minutes=30))
    await say(bot, "alice", "/away 2026-12-10")
    await say(bot, "grace", "/summary")
    await back_up(bot, chat)
    # Away, she is not reminded: "your check-in isn't finished yet" does not follow her.
    assert not reminded(chat, "alice")
    assert "away from now until 2026-12-10" in chat.last("alice")
    assert len(reminded(chat, "bruno")) == 1  # (Bruno, not away, is)
    # Her week reads as it did: the period does not reach back to Friday 16:00.
    before, after = ([line for line in text.splitlines() if "Alice" in line]
                     for text in chat.to("grace"))
    assert before == after
    assert "❌ Alice Martin — not checked in" in after and not away_line("\n".join(after), "Alice")
    # Back, she can still finish it.
    clock.set(datetime(2026, 11, 29, 15, 0, tzinfo=UTC))
    await say(bot, "alice", "/back")
    await say(bot, "alice", "/checkin")
    assert "Question 1 of 8" in chat.last("alice")


async def test_a_prompt_sent_ahead_is_withdrawn_for_a_week_the_absence_covers(
        bot, chat, clock):
    # Wednesday: the GM has this week's check-in sent to Alice early while the platform
    # refuses everything; she then goes away over Friday. The week reads away (nothing
    # is expected of her), and the check-in does not reach her on holiday.
    clock.set(datetime(2026, 11, 25, 15, 0, tzinfo=UTC))
    go_down(chat)
    await say(bot, "grace", "/checkin send alice")
    await say(bot, "alice", "/away 2026-12-10")
    await back_up(bot, chat)
    assert not [t for t in chat.to("alice") if "Question 1 of" in t]
    clock.set(datetime(2026, 11, 27, 22, 0, tzinfo=UTC))
    await say(bot, "grace", "/summary")
    assert "🌴 Alice Martin — away until 2026-12-10" in chat.last("grace")


async def test_a_check_in_question_asked_again_after_a_1on1_expires_with_its_week(
        setup):
    # Alice was asked her check-in on Monday and left it. Late on Sunday Grace closes
    # their 1:1, and Alice, asked how it went, answers while the platform refuses
    # everything, until Monday morning. "Back to your check-in for 2026-W49", asked once
    # the 1:1 is done, is not sent into the next week, as its prompt and a question that
    # waited behind another dialog would not be; /checkin still takes the round.
    bot, chat, clock = setup
    await bot.run_checkins(["alice"])
    await grace_finishes_her_one_on_one_with_alice(
        bot, chat, clock, datetime(2026, 12, 6, 23, 40, tzinfo=ZoneInfo("America/New_York")))
    chat.clear()
    go_down(chat)
    await say(bot, "alice", "5")
    await say(bot, "alice", "Shorter agenda")
    clock.set(datetime(2026, 12, 7, 9, 30, tzinfo=ZoneInfo("America/New_York")))
    await back_up(bot, chat)
    assert any(t.startswith("Thanks") for t in chat.to("alice"))
    assert not [t for t in chat.to("alice") if "Back to your check-in" in t]
    await say(bot, "alice", "/checkin")
    assert "2026-W49" in chat.last("alice") and "Question 1 of 8" in chat.last("alice")


# --- a 360° reminder naming several surveys, some finished before it is sent --------------

async def test_a_360_reminder_held_up_names_only_the_surveys_still_open(
        settings, tmp_path, clock):
    # Bruno rates Alice, Dan, Eve, 李雷 and himself, all closing the same day. The
    # reminders fall due while the platform refuses everything; Bruno then finishes
    # Alice's survey, and the GM closes 李雷's review early. The reminder he reads names
    # the three left to him, as do everyone's: a survey done or closed is not named.
    bot, chat, engine = scheduled(settings, tmp_path, clock)
    try:
        await reminders_held_up(bot, chat, clock)
        await answer(bot, "bruno")  # his first survey, Alice's, done
        await say(bot, "grace", "/review close li")
        await back_up(bot, chat)
        bruno = reminders(chat, "bruno")
        assert len(bruno) == 1 and bruno[0].startswith("⏰ A reminder: 3 360° surveys")
        assert "Alice Martin" not in bruno[0] and "李雷" not in bruno[0]
        assert "Dan Wu" in bruno[0] and "your self-assessment" in bruno[0]
        # 李雷 reads hers in Chinese, without her own review, closed: her peers' alone.
        li = reminders(chat, "li")
        assert len(li) == 1 and li[0].startswith("⏰ 提醒：邀请你填写的 4 份 360° 问卷即将截止")
        assert "你的自评" not in li[0]
        # Nothing else changed: Alice's names her five, once.
        assert len(reminders(chat, "alice")) == 1 and "李雷" not in reminders(chat, "alice")[0]
    finally:
        engine.dispose()

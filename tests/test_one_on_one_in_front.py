"""A 1:1 dialog under way, from the director's side: what arrives meanwhile (the check-in,
a pulse poll, a 360° survey, the monthly questions) waits behind it, /pause pauses it, and
a sticker sent in it is told the question needs text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from storage.oneonone import MeetingNote
from tests import test_reply_target
from tests.support import say
from tests.test_reply_target import (
    DEC_1_9AM_NY,
    MONDAY_SLOT,
    answers,
    grace_finishes_her_one_on_one_with_alice,
    ratings,
    votes,
)

setup = test_reply_target.setup  # the fixture: the same bot, chat and clock

WED_1440_NY = datetime(2026, 12, 9, 19, 40, tzinfo=UTC)  # Alice's 1:1 with Sam just ended


def notes(bot) -> list[str]:
    with bot.unit() as ctx:
        return list(ctx.session.scalars(select(MeetingNote.text).order_by(MeetingNote.id)))


async def alice_is_typing_notes_on_her_one_on_one_with_sam(bot, chat, clock) -> None:
    clock.set(WED_1440_NY)
    await bot.run_oneonones()
    assert "Sam Lee" in chat.last("alice")  # did it happen?
    await say(bot, "alice", "yes")
    await say(bot, "alice", "Sam wants two intros")
    clock.set(WED_1440_NY + timedelta(minutes=10))


async def alice_finishes_the_one_on_one_dialog(bot) -> None:
    for typed in ("next", "done", "4", "skip"):  # her own rating of it, nothing to improve
        await say(bot, "alice", typed)


@pytest.mark.parametrize("arrives", ["checkin", "pulse", "survey"])
async def test_what_arrives_while_notes_are_typed_waits_for_the_one_on_one(setup, arrives):
    """Alice is typing notes on her 1:1 with Sam when the check-in (or a poll, a survey)
    arrives: her next note is a note, not a refused revenue (or vote, or rating); once
    her 1:1 dialog is over, what waited is asked and takes her answer."""
    bot, chat, clock = setup
    await alice_is_typing_notes_on_her_one_on_one_with_sam(bot, chat, clock)
    if arrives == "checkin":
        await bot.run_checkins(["alice"])
        assert "You're in the middle of answering something else" in chat.last("alice")
    elif arrives == "pulse":
        await bot.run_pulse()
        assert "pulse poll" not in chat.last("alice")  # not yet: the next sweep asks
    else:
        await say(bot, "grace", "/review start bruno")
        assert "when you've finished what you're answering now" in chat.last("alice")
    await say(bot, "alice", "Pipeline looks thin")
    assert notes(bot) == ["Sam wants two intros", "Pipeline looks thin"]
    assert chat.last("alice").startswith("Shared note saved.")
    await alice_finishes_the_one_on_one_dialog(bot)
    assert ratings(bot, "alice") == [4]
    if arrives == "checkin":
        assert chat.last("alice").startswith("Back to your check-in for 2026-W50:\n\n"
                                             "Question 1 of 8")
        await say(bot, "alice", "52000")
        assert answers(bot, "alice") == {"kpi:revenue": 52000.0}
    elif arrives == "pulse":
        await bot.run_pulse()
        assert "time for the anonymous pulse poll" in chat.last("alice")
        await say(bot, "alice", "4")
        assert votes(bot) == 1
    else:
        assert chat.last("alice").startswith("1/5")
        await say(bot, "alice", "4")
        assert chat.last("alice").startswith("2/5")


async def test_the_monthly_questions_wait_behind_a_rating_question_just_asked(setup):
    """Grace closes their 1:1 ten minutes before the monthly review goes out: Alice's "5"
    is the 1:1's rating, not her answer to the month's first question, which follows."""
    bot, chat, clock = setup
    await grace_finishes_her_one_on_one_with_alice(bot, chat, clock,
                                                   DEC_1_9AM_NY - timedelta(minutes=10))
    clock.set(DEC_1_9AM_NY)
    assert await bot.run_monthly_review()
    await say(bot, "alice", "5")
    assert ratings(bot, "alice") == [5]
    await say(bot, "alice", "skip")
    assert chat.last("alice").startswith("Monthly review 2026-11, question 1 of 3")


async def test_pause_in_the_one_on_one_pauses_it_and_the_check_in_comes_back(setup):
    """A check-in question left from Monday, then Alice's rating question on Thursday:
    /pause pauses the 1:1 (what she sees last), not the check-in, whose question is asked
    again and takes her next answer; /1on1 carries the 1:1 on."""
    bot, chat, clock = setup
    await bot.run_checkins(["alice"])
    await grace_finishes_her_one_on_one_with_alice(bot, chat, clock,
                                                   datetime(2026, 12, 3, 16, 0, tzinfo=UTC))
    await say(bot, "alice", "/pause")
    paused, back = chat.to("alice")[-2:]
    assert paused == ("Paused. Your 1:1 with Grace Chen can wait; send /1on1 whenever you "
                      "want to continue (or use the buttons above).")
    assert back.startswith("Back to your check-in for 2026-W49:\n\nQuestion 1 of 8")
    await say(bot, "alice", "52000")
    assert answers(bot, "alice") == {"kpi:revenue": 52000.0} and ratings(bot, "alice") == []
    clock.set(clock.now() + timedelta(minutes=2))
    await say(bot, "alice", "/1on1")
    again, question = chat.to("alice")[-2:]
    assert again == "Back to your 1:1 with Grace Chen:"
    assert question.startswith("How useful was your 1:1 with Grace Chen?")
    await say(bot, "alice", "4")
    assert ratings(bot, "alice") == [4]
    assert answers(bot, "alice") == {"kpi:revenue": 52000.0}


async def test_pause_typed_while_taking_notes_is_no_note_and_nothing_else_is_paused(setup):
    bot, chat, clock = setup
    await alice_is_typing_notes_on_her_one_on_one_with_sam(bot, chat, clock)
    await say(bot, "alice", "pause")
    assert chat.last("alice") == (
        "Paused. The notes and action items you've sent on your 1:1 with Sam Lee are saved; "
        "send /1on1 whenever you want to continue.")
    await say(bot, "alice", "Unrelated thought")
    assert notes(bot) == ["Sam wants two intros"]
    await say(bot, "alice", "/1on1")
    assert chat.last("alice").startswith("Good. Send short notes on your 1:1 with Sam Lee")
    await say(bot, "alice", "Pipeline looks thin")
    assert notes(bot) == ["Sam wants two intros", "Pipeline looks thin"]


async def test_in_chinese_pause_in_the_one_on_one_says_so(setup):
    bot, chat, clock = setup
    await say(bot, "alice", "/language 中文")
    await alice_is_typing_notes_on_her_one_on_one_with_sam(bot, chat, clock)
    await say(bot, "alice", "暂停")
    assert chat.last("alice") == (
        "已暂停。你发送的与Sam Lee一对一面谈的记录和行动项都已保存；想继续时发送 /1on1 即可。")
    await say(bot, "alice", "/1on1")
    assert chat.to("alice")[-2] == "回到你与Sam Lee的一对一面谈："


@pytest.mark.parametrize("chinese", [False, True])
async def test_a_sticker_in_the_one_on_one_dialog_is_told_the_question_needs_text(
        setup, chinese):
    bot, chat, clock = setup
    if chinese:
        await say(bot, "alice", "/language 中文")
    await alice_is_typing_notes_on_her_one_on_one_with_sam(bot, chat, clock)
    await say(bot, "alice")  # a sticker: no text
    assert chat.last("alice") == ("我只能读取文字消息：请用文字回答上面的问题。" if chinese else
                                  "I can only read text messages: please type your answer "
                                  "to the question above.")
    await say(bot, "alice", "Pipeline looks thin")
    assert notes(bot) == ["Sam wants two intros", "Pipeline looks thin"]


async def test_a_rating_question_arriving_since_monday_slot_is_not_held_by_old_dialogs(setup):
    """An hour after the 1:1 question, nothing is held back any more: the check-in sent
    then is asked at once (and takes what is typed)."""
    bot, chat, clock = setup
    await grace_finishes_her_one_on_one_with_alice(bot, chat, clock,
                                                   MONDAY_SLOT + timedelta(minutes=40))
    clock.set(MONDAY_SLOT + timedelta(hours=2))
    await bot.run_checkins(["alice"])
    assert "Question 1 of 8" in chat.last("alice")
    await say(bot, "alice", "52000")
    assert answers(bot, "alice") == {"kpi:revenue": 52000.0}


@pytest.mark.parametrize("chinese", [False, True])
async def test_pause_sent_again_says_there_is_nothing_to_pause(setup, chinese):
    """Alice pauses her notes on her 1:1 with Sam, then sends /pause again: she was told
    "There's no check-in in progress.", about a check-in she never mentioned. Now: nothing
    to pause, and that her 1:1 is paused, with what carries it on."""
    bot, chat, clock = setup
    if chinese:
        await say(bot, "alice", "/language 中文")
    await say(bot, "alice", "/pause")  # nothing at all under way
    assert chat.last("alice") == ("没有可以暂停的内容：没有问题在等你回答。" if chinese else
                                  "Nothing to pause: no question is waiting for your answer.")
    await alice_is_typing_notes_on_her_one_on_one_with_sam(bot, chat, clock)
    await say(bot, "alice", "/pause")
    await say(bot, "alice", "/pause")
    assert chat.last("alice") == (
        "没有可以暂停的内容：没有问题在等你回答。你与Sam Lee的一对一面谈已暂停，发送 /1on1 继续。"
        if chinese else
        "Nothing to pause: no question is waiting for your answer. Your 1:1 with Sam Lee is "
        "paused; send /1on1 to carry it on.")
    await say(bot, "alice", "/1on1")
    assert chat.last("alice").startswith("好的。" if chinese else "Good. Send short notes")


@pytest.mark.parametrize("stop", ["/pause", "/away 2026-12-10"])
async def test_a_dialog_question_held_up_is_withdrawn_by_pause_or_away(setup, stop):
    """Alice sends "next" after her notes with the platform down: the action items question
    waits in the outbox. She pauses (or goes away) meanwhile; once the platform was back
    that question still arrived, after "Paused", and took her next message as an action
    item. It is withdrawn, and /1on1 asks it again."""
    from tests.test_checkin_remind import back_up, go_down

    bot, chat, clock = setup
    await alice_is_typing_notes_on_her_one_on_one_with_sam(bot, chat, clock)
    go_down(chat)
    await say(bot, "alice", "next")
    await say(bot, "alice", stop)
    await back_up(bot, chat)
    assert not [t for t in chat.to("alice") if t.startswith("Action items:")], chat.to("alice")
    if stop == "/pause":
        assert chat.last("alice").startswith("Paused.")
    else:
        await say(bot, "alice", "/back")
    await say(bot, "alice", "/1on1")
    assert chat.last("alice").startswith("Action items:"), chat.last("alice")

"""A reminder held up in the outbox (the platform down, or rate limiting us) is withdrawn
once what it asks for is done: it never arrives after the person answered.

The reminder is queued at its time; the platform refuses everything meanwhile, but the
person's answers still come in (they type on, or answer on another platform or the
console), and they finish. When the outbox drains, "your check-in isn't finished yet" (or
the poll's "gentle reminder", or the 360° survey's "closes soon") is not sent.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.support import say
from tests.test_checkin import ALICE_ANSWERS, answer_all
from tests.test_checkin_remind import BRUNO, back_up, expired_keys, go_down
from tests.test_pulse import pbot, pchat, pclock, press, remind  # noqa: F401 (fixtures)
from tests.test_review_rate import answer, reminders, reminders_held_up, scheduled
from tests.test_review_schedule import JAN_1_10AM_NY


def reminded(chat, key: str) -> list[str]:
    """What reached `key` that reminds them of something unfinished."""
    return [t for t in chat.to(key) if "remind" in t or "isn't finished" in t
            or "提醒" in t or t.startswith("⏰")]


async def test_a_check_in_reminder_held_up_is_not_sent_once_the_check_in_is_in(
        bot, chat, clock):
    # Friday 16:00: Alice answers two questions, Bruno none, 李雷 none. At 18:00 the
    # automatic reminders are queued while the platform refuses everything; Alice then
    # finishes her check-in and Bruno answers his first question. 李雷 does nothing.
    await bot.run_checkins(["alice", "bruno", "li"])
    await answer_all(bot, "alice", ALICE_ANSWERS[:2])
    chat.clear()
    go_down(chat)
    clock.advance(timedelta(hours=2))
    assert await bot.run_reminders() == 3
    await answer_all(bot, "alice", ALICE_ANSWERS[2:])
    await answer_all(bot, "bruno", BRUNO[:1])
    await back_up(bot, chat)
    # Alice reads her check-in in, with her answers, and no reminder after it; nor the
    # questions she answered meanwhile, each queued as the reply to the answer before.
    assert not reminded(chat, "alice")
    assert "your check-in for 2026-W48 is in" in chat.last("alice")
    assert not [t for t in chat.to("alice") if "Question " in t]
    # Bruno's reminder asked the question he has just answered: it would take his next
    # message for that one. He reads his second question instead.
    assert not reminded(chat, "bruno")
    assert "Question 2 of" in chat.last("bruno")
    # 李雷 did nothing since: his reminder, in Chinese, still comes.
    assert len(reminded(chat, "li")) == 1
    # Withdrawn rows give up their keys (the two reminders; her questions 4 to 8 had none).
    assert sorted(expired_keys(bot)) == [""] * 7


async def test_a_reminder_the_gm_asked_for_is_not_sent_once_the_check_in_is_in(
        bot, chat, clock):
    # Monday: the GM chases last week's check-ins while the platform is down; Alice
    # finishes hers with /checkin before it is back.
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ALICE_ANSWERS[:2])
    clock.advance(timedelta(days=3))
    chat.clear()
    go_down(chat)
    await say(bot, "grace", "/checkin remind alice")
    await say(bot, "alice", "/checkin")
    await answer_all(bot, "alice", ALICE_ANSWERS[2:])
    await back_up(bot, chat)
    assert any(t.startswith("Reminded 1 person") for t in chat.to("grace"))
    assert not reminded(chat, "alice")
    assert "your check-in for 2026-W48 is in" in chat.last("alice")


async def test_a_pulse_reminder_held_up_is_not_sent_once_the_poll_is_answered(
        pbot, pchat, pclock):  # noqa: F811 - the pulse tests' fixtures
    # Bruno answers the poll's first question; a day later its reminder is queued while
    # the platform is down, and he answers the rest meanwhile (typing, as he may).
    await pbot.run_pulse()
    await press(pbot, pchat, "bruno", 3)
    assert await remind(pbot, pchat, pclock, down=True) >= 2
    await say(pbot, "bruno", "4")
    await say(pbot, "bruno", "skip")
    await back_up(pbot, pchat)
    assert not [t for t in pchat.to("bruno") if "gentle reminder" in t]
    assert any("gentle reminder" in t for t in pchat.to("west1"))  # not answered: sent
    with pbot.unit() as ctx:
        dropped = [r for r in ctx.outbox.by_status("expired")]
    # What is left of the withdrawn DM says nothing (an anonymous poll's, as when sent).
    assert dropped and all(r.payload.get("text") == "" for r in dropped)


async def test_a_360_reminder_held_up_is_not_sent_once_the_survey_is_done(
        settings, tmp_path, clock):
    # Sam answered two of five; the reminders fall due two days before the close while
    # the platform refuses everything, and Sam answers the other three meanwhile.
    bot, chat, engine = scheduled(settings, tmp_path, clock)
    try:
        await reminders_held_up(bot, chat, clock, "sam")
        await answer(bot, "sam", ["4", "4", "4"])
        await back_up(bot, chat)
        assert not reminders(chat, "sam")
        assert any("Thank you" in t for t in chat.to("sam"))
        # Ray, who rates Alice too and has not answered, still gets his.
        assert len(reminders(chat, "ray")) == 1
    finally:
        engine.dispose()


async def test_a_360_reminder_held_up_is_not_sent_once_the_gm_closed_the_review(
        settings, tmp_path, clock):
    bot, chat, engine = scheduled(settings, tmp_path, clock)
    try:
        await reminders_held_up(bot, chat, clock)
        await say(bot, "grace", "/review close alice")
        await back_up(bot, chat)
        # Sam and Ray rate only Alice: nothing left to remind them of.
        assert not reminders(chat, "sam") and not reminders(chat, "ray")
        # Bruno rates his other peers too: his reminder still comes.
        assert len(reminders(chat, "bruno")) == 1
    finally:
        engine.dispose()


# --- a question held behind another dialog, asked once its time is over ---------------------

async def test_a_survey_held_behind_the_check_in_is_not_asked_after_the_review_closed(
        settings, tmp_path, clock):
    # Friday 10:00: Alice is answering her check-in when the quarter's reviews start, so
    # her surveys wait for it. She finishes it while the platform refuses everything,
    # and it does until after the reviews closed: the survey's first question, asked
    # then, is not sent, as its invitation is not.
    bot, chat, engine = scheduled(settings, tmp_path, clock)
    try:
        clock.set(JAN_1_10AM_NY)
        await bot.run_checkins(["alice"])
        await answer_all(bot, "alice", ALICE_ANSWERS[:1])
        await bot.run_review_schedule()
        assert "when you've finished" in chat.last("alice")
        chat.clear()
        go_down(chat)
        await answer_all(bot, "alice", ALICE_ANSWERS[1:])
        clock.set(JAN_1_10AM_NY + timedelta(days=14, hours=1))
        await bot.run_review_schedule()  # closes them
        await back_up(bot, chat)
        assert any("is in" in t for t in chat.to("alice"))
        assert not [t for t in chat.to("alice") if "how would you rate" in t]
    finally:
        engine.dispose()


async def test_a_check_in_held_behind_a_survey_is_not_asked_once_its_week_is_over(
        bot, chat, clock):
    # Friday 16:00: Bruno is rating Alice when his check-in comes, so it waits for the
    # survey. He finishes the survey late on Sunday while the platform refuses
    # everything, until Monday: the week's first question, asked then, is dropped at the
    # week's end, as the prompt itself would be; /checkin still takes the round.
    await say(bot, "grace", "/review start alice")
    await say(bot, "bruno", "4")
    assert (await bot.run_checkins(["bruno"])).results == {"bruno": "prompted"}
    assert "follow" in chat.last("bruno")
    clock.set(datetime(2026, 11, 29, 23, 50, tzinfo=ZoneInfo("Europe/Rome")))
    chat.clear()
    go_down(chat)
    for _ in range(4):
        await say(bot, "bruno", "4")
    clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=ZoneInfo("Europe/Rome")))
    await back_up(bot, chat)
    assert any("Thank you" in t for t in chat.to("bruno"))
    assert not [t for t in chat.to("bruno") if "Back to your check-in" in t]
    await say(bot, "bruno", "/checkin")
    assert "2026-W48" in chat.last("bruno") and "Question 1 of" in chat.last("bruno")

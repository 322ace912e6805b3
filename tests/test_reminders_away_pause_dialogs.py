"""A pulse poll's or a 360° survey's reminder held up in the outbox (the platform down, or
rate limiting us) is withdrawn once the person goes away (/away from now), and what is
queued for a poll, a 360° survey or the monthly questions once they put it aside
(/pause), as a check-in's is (tests/test_reminders_paused_away.py).

As there: the reminder is queued at its time; the platform refuses everything meanwhile,
but what the person says still comes in.
"""

from __future__ import annotations

from datetime import timedelta

from tests.support import say
from tests.test_checkin_remind import back_up, go_down
from tests.test_monthly_review import DEC_1_9AM_NY, november
from tests.test_pulse import pbot, pchat, pclock, remind  # noqa: F401 (fixtures)
from tests.test_review_rate import reminders, reminders_held_up, scheduled
from tests.test_review_schedule import JAN_1_10AM_NY

GENTLE = ("gentle reminder", "温馨提醒")


def pulse_reminders(chat, key: str) -> list[str]:
    return [t for t in chat.to(key) if any(word in t for word in GENTLE)]


# --- /away ----------------------------------------------------------------------------------

async def test_a_pulse_reminder_held_up_is_not_sent_once_the_person_went_away(
        pbot, pchat, pclock):  # noqa: F811 - the pulse tests' fixtures
    # The poll's reminders are queued a day after it opened while the platform refuses
    # everything; Bruno and 东五 (in Chinese) then go away for ten days. West1 does not.
    await pbot.run_pulse()
    assert await remind(pbot, pchat, pclock, down=True) >= 3
    await say(pbot, "bruno", "/away 2026-12-20")
    await say(pbot, "east5", "/away 2026-12-20")
    await back_up(pbot, pchat)
    # Away, they are not reminded of the poll; West1, not away, is.
    assert not pulse_reminders(pchat, "bruno") and not pulse_reminders(pchat, "east5")
    assert len(pulse_reminders(pchat, "west1")) == 1
    # Back while the poll is still open, a later sweep reminds them, once.
    await say(pbot, "bruno", "/back")
    await say(pbot, "east5", "/back")
    await pbot.run_pulse()
    await pbot.run_pulse()
    assert len(pulse_reminders(pchat, "bruno")) == 1
    assert len(pulse_reminders(pchat, "east5")) == 1
    assert pulse_reminders(pchat, "east5")[0].startswith("温馨提醒")


async def test_a_pulse_reminder_stays_for_time_away_planned_later(
        pbot, pchat, pclock):  # noqa: F811 - the pulse tests' fixtures
    await pbot.run_pulse()
    await remind(pbot, pchat, pclock, down=True)
    await say(pbot, "bruno", "/away 2026-12-20 2026-12-24")  # not away now: still reminded
    await back_up(pbot, pchat)
    assert len(pulse_reminders(pchat, "bruno")) == 1


async def test_a_360_reminder_held_up_is_not_sent_once_the_rater_went_away(
        settings, tmp_path, clock):
    # The reminders fall due two days before the close while the platform refuses
    # everything; Bruno, who rates several directors, then goes away over the close, and
    # 李雷 (in Chinese) for a day. Ray does not.
    bot, chat, engine = scheduled(settings, tmp_path, clock)
    try:
        await reminders_held_up(bot, chat, clock)
        await say(bot, "bruno", "/away 2027-01-20")
        await say(bot, "li", "/away 2027-01-13")
        await back_up(bot, chat)
        assert not reminders(chat, "bruno") and not reminders(chat, "li")
        assert len(reminders(chat, "ray")) == 1
        # 李雷, back the next morning with the reviews still open, is reminded then, in
        # Chinese, naming what is open to her as it is then.
        clock.set(JAN_1_10AM_NY + timedelta(days=13, hours=1))
        await say(bot, "li", "/back")
        await bot.run_review_schedule()
        li = reminders(chat, "li")
        assert len(li) == 1 and li[0].startswith("⏰ 提醒")
        assert not reminders(chat, "bruno")
    finally:
        engine.dispose()


# --- /pause ---------------------------------------------------------------------------------

async def test_a_pulse_reminder_held_up_is_not_sent_after_the_poll_was_paused(
        pbot, pchat, pclock):  # noqa: F811 - the pulse tests' fixtures
    # The reminder (asking the question in front of Bruno) is queued while the platform
    # is down, and he puts the poll aside meanwhile, 东五 too, in Chinese. A question after
    # "Paused" would no longer take what they type.
    await pbot.run_pulse()
    await remind(pbot, pchat, pclock, down=True)
    await say(pbot, "bruno", "/pause")
    await say(pbot, "east5", "暂停")
    await back_up(pbot, pchat)
    assert not pulse_reminders(pchat, "bruno") and not pulse_reminders(pchat, "east5")
    assert pchat.last("bruno").startswith("Paused")
    assert len(pulse_reminders(pchat, "west1")) == 1
    # Not reminded again by a later sweep; /pulse carries on.
    await pbot.run_pulse()
    assert not pulse_reminders(pchat, "bruno")
    await say(pbot, "bruno", "/pulse")
    assert "Question 1 of" in pchat.last("bruno")


async def test_a_360_reminder_held_up_is_not_sent_after_the_survey_was_paused(
        settings, tmp_path, clock):
    # Sam answered two of five; the reminders fall due while the platform refuses
    # everything, and Sam, and 李雷 in Chinese, put the survey aside meanwhile.
    bot, chat, engine = scheduled(settings, tmp_path, clock)
    try:
        await reminders_held_up(bot, chat, clock, "sam")
        await say(bot, "sam", "/pause")
        await say(bot, "li", "暂停")
        await back_up(bot, chat)
        assert not reminders(chat, "sam") and not reminders(chat, "li")
        assert chat.last("sam").startswith("Paused")
        assert len(reminders(chat, "ray")) == 1
        # Nor a moment later: the sweep takes it as sent. /review carries on.
        clock.advance(timedelta(minutes=10))
        await bot.run_review_schedule()
        assert not reminders(chat, "sam") and not reminders(chat, "li")
        await say(bot, "sam", "/review")
        assert "3/5" in chat.last("sam")
    finally:
        engine.dispose()


async def test_the_monthly_question_held_up_is_not_sent_after_it_was_paused(bot, chat, clock):
    # The month's review and its first question go out while the platform is down; Alice,
    # and 李雷 in Chinese, put the questions aside before they arrive.
    november(bot)
    clock.set(DEC_1_9AM_NY)
    go_down(chat)
    assert await bot.run_monthly_review()
    await say(bot, "alice", "/pause")
    await say(bot, "li", "暂停")
    await back_up(bot, chat)
    assert any(t.startswith("📅 Month in review — 2026-11") for t in chat.to("alice"))
    assert not [t for t in chat.to("alice") if "question 1 of 3" in t]
    assert not [t for t in chat.to("li") if "第 1 / 3 题" in t]
    assert chat.last("alice").startswith("Paused")
    # /monthly carries on, at the first question.
    await say(bot, "alice", "/monthly")
    assert chat.last("alice").endswith("What worked well this month?")

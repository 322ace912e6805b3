"""Which question a typed answer goes to, from the director's side: the one the bot asked
them most recently. A check-in prompt left unstarted since Monday must not take the
rating typed on Thursday for a one-on-one, nor the other way round; the question put
aside comes back once the newer dialog is done."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.app import prepare
from bot.clock import FakeClock
from bot.config import Settings
from bot.core import TeamPulse
from storage.models import Answer, CheckinRound
from storage.oneonone import MeetingFeedback
from storage.pulse import PulseVote
from tests.oneonone_support import MONDAY_SLOT, ONEONONES, write_org
from tests.support import RecordingAdapter, say
from tests.test_checkin import ALICE_ANSWERS, answer_all

MONDAY_9AM_NY = MONDAY_SLOT - timedelta(hours=1)  # Mon 2026-11-30, the check-in prompt
THURSDAY_NY = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)  # Thu 2026-12-03 11:00 New York
DEC_1_9AM_NY = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)  # the monthly review goes out
POLL_DAY = datetime(2026, 12, 9, 17, 5, tzinfo=UTC)  # Wed 12:05 New York: a poll opens


@pytest.fixture
def setup(tmp_path, database_url) -> Iterator[tuple[TeamPulse, RecordingAdapter, FakeClock]]:
    org = write_org(tmp_path, ONEONONES + "\npulse:\n  threshold: 3\n")
    clock = FakeClock(MONDAY_9AM_NY)
    bot, engine = prepare(Settings(database_url=database_url, org_file=org), clock)
    chat = RecordingAdapter()
    bot.register(chat)
    yield bot, chat, clock
    engine.dispose()


def answers(bot: TeamPulse, key: str) -> dict[str, float | str | None]:
    with bot.unit() as ctx:
        person = ctx.people.by_key(key)
        return {a.question_key: a.text_value if a.number_value is None else a.number_value
                for a in ctx.session.scalars(select(Answer).join(CheckinRound).where(
                    CheckinRound.person_id == person.id))}


def ratings(bot: TeamPulse, key: str) -> list[int | None]:
    with bot.unit() as ctx:
        person = ctx.people.by_key(key)
        return [f.rating for f in ctx.session.scalars(select(MeetingFeedback).where(
            MeetingFeedback.from_id == person.id))]


def votes(bot: TeamPulse) -> int:
    with bot.unit() as ctx:
        return ctx.session.scalar(select(func.count()).select_from(PulseVote))


def buttons(chat: RecordingAdapter, key: str) -> list[str]:
    return [c.value for s in chat.sent if s.target.address == key for c in s.message.choices]


async def grace_finishes_her_one_on_one_with_alice(
        bot, chat, clock, when: datetime,
        asked: str = "How useful was your 1:1 with Grace Chen?") -> None:
    """The 10:00 slot is asked about at 10:31; Grace confirms it at `when` and ends the
    dialog: both are asked how it went."""
    clock.set(MONDAY_SLOT + timedelta(minutes=31))
    await bot.run_oneonones()
    clock.set(when)
    yes = next(v for v in buttons(chat, "grace") if v.endswith(":y"))
    await say(bot, "grace", action=yes)
    await say(bot, "grace", "next")
    await say(bot, "grace", "done")
    assert asked in chat.last("alice")


async def test_a_rating_typed_after_an_unstarted_check_in_is_the_rating(setup):
    """Alice was asked Monday's check-in and never started it; on Thursday Grace closes
    their 1:1 and Alice is asked how useful it was. Her "5" is the rating, not a revenue
    of 5 USD in Grace's summary; once the 1:1 is done, the check-in question comes back."""
    bot, chat, clock = setup
    await bot.run_checkins(["alice"])
    assert "Revenue" in chat.last("alice")  # Monday: asked, never started
    await grace_finishes_her_one_on_one_with_alice(bot, chat, clock, THURSDAY_NY)
    assert "check-in is waiting" not in chat.last("alice")  # days old: not in the middle
    await say(bot, "alice", "5")
    assert ratings(bot, "alice") == [5]
    assert "One thing to improve" in chat.last("alice")
    assert answers(bot, "alice") == {}
    await say(bot, "grace", "/summary")
    summary = chat.last("grace")
    assert "Revenue 5 /" not in summary and "Revenue: no numbers yet" in summary
    await say(bot, "alice", "Shorter agenda")
    thanks, back = chat.to("alice")[-2:]
    assert thanks.startswith("Thanks")
    assert back.startswith("Back to your check-in for 2026-W49:\n\nQuestion 1 of 8")
    assert "Revenue" in back
    await say(bot, "alice", "52000")
    assert answers(bot, "alice") == {"kpi:revenue": 52000.0}
    assert "Question 2 of 8" in chat.last("alice")


async def test_skip_sent_for_the_one_on_one_question_skips_that_not_the_check_in(setup):
    bot, chat, clock = setup
    await bot.run_checkins(["alice"])
    await grace_finishes_her_one_on_one_with_alice(bot, chat, clock, THURSDAY_NY)
    await say(bot, "alice", "/skip")  # the rating cannot be skipped: it says so
    assert chat.last("alice") == "Please answer with a number from 1 to 5. Nothing was saved."
    await say(bot, "alice", "4")
    await say(bot, "alice", "/skip")  # nothing to improve
    assert ratings(bot, "alice") == [4]
    assert chat.last("alice").startswith("Back to your check-in for 2026-W49:")
    with bot.unit() as ctx:  # the check-in's revenue was not skipped
        assert ctx.session.scalar(select(func.count()).select_from(Answer)) == 0
    await say(bot, "alice", "/skip")  # now the check-in's question
    assert answers(bot, "alice") == {"kpi:revenue": None}
    assert "Question 2 of 8" in chat.last("alice")


async def test_in_chinese_the_check_in_question_comes_back_too(setup):
    bot, chat, clock = setup
    await say(bot, "alice", "/language 中文")
    await bot.run_checkins(["alice"])
    await grace_finishes_her_one_on_one_with_alice(bot, chat, clock, THURSDAY_NY,
                                                   asked="你与Grace Chen的一对一面谈有多大帮助？")
    await say(bot, "alice", "４")
    await say(bot, "alice", "跳过")
    assert ratings(bot, "alice") == [4] and answers(bot, "alice") == {}
    assert chat.last("alice").startswith("回到你 2026-W49 的签到：")


async def test_in_chinese_a_rating_question_in_the_middle_of_a_check_in_says_it_waits(setup):
    bot, chat, clock = setup
    await say(bot, "alice", "/language 中文")
    clock.set(MONDAY_SLOT + timedelta(minutes=31))
    await bot.run_oneonones()
    await say(bot, "alice", "/checkin")
    await say(bot, "alice", "52000")
    await grace_finishes_her_one_on_one_with_alice(bot, chat, clock, clock.now(),
                                                   asked="你与Grace Chen的一对一面谈有多大帮助？")
    assert chat.last("alice").endswith(
        "（你的签到正在等待回答：请用这里的按钮，或在它完成或用 /pause 暂停后回复1–5。）")
    await say(bot, "alice", "3")
    assert answers(bot, "alice") == {"kpi:revenue": 52000.0, "kpi:new_customers": 3.0}


async def test_a_check_in_prompt_after_an_unanswered_rating_takes_the_answer(setup):
    """The other way round: the rating question of Monday's 1:1 left unanswered, the
    check-in asked on Friday is the question in front of her."""
    bot, chat, clock = setup
    await grace_finishes_her_one_on_one_with_alice(bot, chat, clock,
                                                   MONDAY_SLOT + timedelta(hours=1))
    clock.set(datetime(2026, 12, 4, 15, 0, tzinfo=UTC))  # Friday 10:00 New York
    await bot.run_checkins(["alice"])
    await say(bot, "alice", "5")
    # The check-in's revenue question takes it: 5 USD, far under the 50,000 target, is
    # asked back first (not a rating either way).
    assert "5 USD is less than a hundredth of your weekly target" in chat.last("alice")
    await say(bot, "alice", "yes")
    assert answers(bot, "alice") == {"kpi:revenue": 5.0}
    assert ratings(bot, "alice") == []


async def test_a_one_on_one_question_in_the_middle_of_a_check_in_waits_behind_it(setup):
    """Alice is on question 2 when the rating question arrives: it says the check-in
    keeps her typed answers; her "3" is her new customers. Once the check-in is in,
    the rating question is asked again and takes her "4"."""
    bot, chat, clock = setup
    clock.set(MONDAY_SLOT + timedelta(minutes=31))
    await bot.run_oneonones()
    await say(bot, "alice", "/checkin")
    await say(bot, "alice", "52000")
    yes = next(v for v in buttons(chat, "grace") if v.endswith(":y"))
    await say(bot, "grace", action=yes)
    await say(bot, "grace", "next")
    await say(bot, "grace", "done")
    asked = chat.last("alice")
    assert asked.startswith("How useful was your 1:1 with Grace Chen?")
    assert asked.endswith("(Your check-in is waiting for an answer: use the buttons here, "
                          "or reply 1–5 once it is done or paused with /pause.)")
    await say(bot, "alice", "3")
    assert answers(bot, "alice") == {"kpi:revenue": 52000.0, "kpi:new_customers": 3.0}
    assert ratings(bot, "alice") == []
    await answer_all(bot, "alice", ALICE_ANSWERS[2:])
    done, again = chat.to("alice")[-2:]
    assert "your check-in for 2026-W49 is in" in done
    assert again.startswith("How useful was your 1:1 with Grace Chen?")
    assert "check-in is waiting" not in again
    await say(bot, "alice", "4")
    assert ratings(bot, "alice") == [4]


async def test_a_did_it_happen_question_takes_yes_ahead_of_an_old_poll_question(setup):
    """A poll question left unanswered at noon; at 14:40 Alice is asked whether her 1:1
    with Sam happened: her "yes" is that answer, and after the 1:1 dialog the poll
    question comes back and takes her vote."""
    bot, chat, clock = setup
    clock.set(POLL_DAY)
    await bot.run_pulse()
    assert "time for the anonymous pulse poll" in chat.last("alice")
    clock.set(datetime(2026, 12, 9, 19, 40, tzinfo=UTC))  # Wed 14:40 New York
    await bot.run_oneonones()
    assert chat.last("alice").startswith("Did your 1:1 with Sam Lee")
    await say(bot, "alice", "yes")
    assert "Send short notes on your 1:1 with Sam Lee" in chat.last("alice")
    await say(bot, "alice", "next")
    await say(bot, "alice", "done")
    await say(bot, "alice", "4")  # how useful it was
    await say(bot, "alice", "skip")
    thanks, back, question = chat.to("alice")[-3:]
    assert thanks.startswith("Thanks") and back == "Back to the anonymous pulse poll:"
    assert "Question 1 of" in question
    assert ratings(bot, "alice") == [4] and votes(bot) == 0
    await say(bot, "alice", "4")
    assert votes(bot) == 1


@pytest.mark.parametrize("dialog", ["pulse", "monthly", "survey"])
async def test_a_newer_poll_monthly_question_or_survey_takes_the_answer_then_the_check_in(
        setup, dialog):
    """Monday's check-in prompt never started: the pulse poll, the monthly questions or a
    360° survey asked since take her answers, and the check-in question follows them."""
    bot, chat, clock = setup
    clock.set(MONDAY_9AM_NY + timedelta(days=7) if dialog == "pulse" else MONDAY_9AM_NY)
    await bot.run_checkins(["alice"])
    week = "2026-W50" if dialog == "pulse" else "2026-W49"
    if dialog == "pulse":
        clock.set(POLL_DAY)
        await bot.run_pulse()
        for typed in ("4", "2", "no"):
            await say(bot, "alice", typed)
        assert votes(bot) == 2
    elif dialog == "monthly":
        clock.set(DEC_1_9AM_NY)
        assert await bot.run_monthly_review()
        for typed in ("Two new logos", "Legal review", "Push Globex"):
            await say(bot, "alice", typed)
    else:
        clock.set(MONDAY_9AM_NY + timedelta(hours=3))
        await say(bot, "grace", "/review start bruno")
        for typed in ("4", "5", "3", "4", "5"):
            await say(bot, "alice", typed)
    assert answers(bot, "alice") == {}
    assert chat.last("alice").startswith(f"Back to your check-in for {week}:\n\nQuestion 1 of 8")
    await say(bot, "alice", "52000")
    assert answers(bot, "alice") == {"kpi:revenue": 52000.0}


async def test_a_started_check_in_a_poll_took_over_comes_back_after_it(setup):
    """Alice answered her revenue on Monday and left; Wednesday's poll takes her answers
    (the check-in question was over an hour old); once the poll is done, the check-in
    asks the question it stopped at."""
    bot, chat, clock = setup
    clock.set(MONDAY_9AM_NY + timedelta(days=7))
    await bot.run_checkins(["alice"])
    await say(bot, "alice", "52000")
    clock.set(POLL_DAY)
    await bot.run_pulse()
    for typed in ("4", "2", "no"):
        await say(bot, "alice", typed)
    assert votes(bot) == 2
    assert chat.last("alice").startswith("Back to your check-in for 2026-W50:")
    assert "Question 2 of 8" in chat.last("alice")
    await say(bot, "alice", "3")
    assert answers(bot, "alice") == {"kpi:revenue": 52000.0, "kpi:new_customers": 3.0}


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
async def test_a_rating_question_that_waited_behind_an_edit_comes_back_once_saved(
        setup, locale):
    """Alice, her check-in in, changes her revenue (/edit 1) when the rating question of
    her 1:1 arrives: it says the check-in keeps her typed replies until done, and her
    number changes the revenue. Saved, the rating question never came back: her "4" was
    refused ("Please answer with a number from 1 to 5") by a question she did not see."""
    bot, chat, clock = setup
    asked = {"en": "How useful was your 1:1 with Grace Chen?",
             "zh-CN": "你与Grace Chen的一对一面谈有多大帮助？"}[locale]
    if locale != "en":
        await say(bot, "alice", "/language 中文")
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ALICE_ANSWERS)
    clock.set(MONDAY_SLOT + timedelta(minutes=20))  # (the 1:1's question comes at 10:31)
    await say(bot, "alice", "/edit 1")
    await grace_finishes_her_one_on_one_with_alice(bot, chat, clock, MONDAY_SLOT + timedelta(
        minutes=40), asked=asked)
    await say(bot, "alice", "55000")
    assert answers(bot, "alice")["kpi:revenue"] == 55000.0
    saved, again = chat.to("alice")[-2:]
    assert saved == {"en": "Saved. Your check-in for 2026-W49 is updated.",
                     "zh-CN": "已保存。你 2026-W49 的签到已更新。"}[locale], saved
    assert again.startswith(asked) and "签到正在等待" not in again \
        and "is waiting" not in again, again
    await say(bot, "alice", "4")
    assert ratings(bot, "alice") == [4]

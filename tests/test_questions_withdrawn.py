"""A question sent without a dedupe key — the next one, sent as the reply to an answer,
and a 360° survey's first question, sent with its invitation — held up in the outbox (the
platform down, or rate limiting us) is withdrawn once the person puts that dialog aside
(/pause), goes away from now (/away), finishes it elsewhere, or the GM closes the review,
as the reminders are (tests/test_reminders_paused_away.py,
tests/test_reminders_away_pause_dialogs.py). Nothing answered is lost: the dialog's own
command carries on at the question that never arrived.

As there: the platform refuses everything meanwhile, but what the person says still
comes in.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.support import say
from tests.test_checkin import ALICE_ANSWERS, answer_all
from tests.test_checkin_remind import back_up, go_down
from tests.test_monthly_review import DEC_1_9AM_NY, november
from tests.test_pulse import pbot, pchat, pclock  # noqa: F401 (fixtures)
from tests.test_reminders_paused_away import question_buttons
from tests.test_reply_target import ratings, setup  # noqa: F401 (the 1:1s' fixture)
from tests.test_review_rate import answer

ANSWERED_AWAY = "away from now until 2026-12-10"


def asked(chat, key: str, *marks: str) -> list[str]:
    """What reached `key` holding any of `marks` (a question's numbering)."""
    return [t for t in chat.to(key) if any(m in t for m in marks)]


# --- the check-in ---------------------------------------------------------------------------

async def test_the_next_check_in_question_held_up_does_not_follow_paused(bot, chat):
    # Alice answers her first question while the platform refuses everything, so her
    # second question waits in the outbox; she sends /pause. It came after "Paused",
    # asking a question that no longer took what she typed.
    await bot.run_checkins(["alice"])
    chat.clear()
    go_down(chat)
    await say(bot, "alice", ALICE_ANSWERS[0])
    await say(bot, "alice", "/pause")
    await back_up(bot, chat)
    assert chat.to("alice") == [chat.last("alice")]
    assert chat.last("alice").startswith("Paused. Your answers so far are saved")
    # /checkin carries on at the question that never arrived; nothing answered is lost.
    await say(bot, "alice", "/checkin")
    assert "Question 2 of 8" in chat.last("alice")
    await answer_all(bot, "alice", ALICE_ANSWERS[1:])
    assert "your check-in for 2026-W48 is in" in chat.last("alice")
    assert "52,000 USD" in chat.last("alice")


async def test_in_chinese_the_next_check_in_question_held_up_does_not_follow_paused(
        bot, chat):
    await bot.run_checkins(["li"])
    chat.clear()
    go_down(chat)
    await say(bot, "li", "50000")
    await say(bot, "li", "暂停")
    await back_up(bot, chat)
    assert chat.to("li") == [chat.last("li")] and chat.last("li").startswith("已暂停")
    assert not question_buttons(chat, "li")
    await say(bot, "li", "/checkin")
    assert "第 2 题，共" in chat.last("li")


async def test_a_number_to_confirm_held_up_does_not_follow_paused(bot, chat):
    # "Is that right?" (with its buttons) is a question too: after "Paused" its buttons
    # answered "no longer open". /checkin asks the number again; nothing was saved.
    await bot.run_checkins(["alice"])
    chat.clear()
    go_down(chat)
    await say(bot, "alice", "2000000")
    await say(bot, "alice", "/pause")
    await back_up(bot, chat)
    assert chat.to("alice") == [chat.last("alice")] and chat.last("alice").startswith("Paused")
    await say(bot, "alice", "/checkin")
    assert "Question 1 of 8" in chat.last("alice")


async def test_the_next_check_in_question_held_up_does_not_reach_someone_gone_away(
        bot, chat, clock):
    # Alice answers her first question with the platform down, then goes away for two
    # weeks: her second question does not reach her on holiday, and what she types next
    # is no answer to a question she never saw.
    await bot.run_checkins(["alice"])
    chat.clear()
    go_down(chat)
    await say(bot, "alice", ALICE_ANSWERS[0])
    await say(bot, "alice", "/away 2026-12-10")
    await back_up(bot, chat)
    assert not asked(chat, "alice", "Question 2 of")
    assert ANSWERED_AWAY in chat.last("alice")
    # Back, /checkin asks it, and she finishes her check-in with her first answer kept.
    clock.set(datetime(2026, 11, 29, 15, 0, tzinfo=UTC))
    await say(bot, "alice", "/back")
    await say(bot, "alice", "/checkin")
    assert "Question 2 of 8" in chat.last("alice")
    await answer_all(bot, "alice", ALICE_ANSWERS[1:])
    assert "your check-in for 2026-W48 is in" in chat.last("alice")
    assert "52,000 USD" in chat.last("alice")


async def test_time_away_planned_later_leaves_the_next_check_in_question(bot, chat):
    await bot.run_checkins(["alice"])
    chat.clear()
    go_down(chat)
    await say(bot, "alice", ALICE_ANSWERS[0])
    await say(bot, "alice", "/away 2026-12-20 2026-12-24")  # not away now: still asked
    await back_up(bot, chat)
    assert len(asked(chat, "alice", "Question 2 of 8")) == 1
    await say(bot, "alice", ALICE_ANSWERS[1])
    assert "Question 3 of 8" in chat.last("alice")


# --- the 360° survey ------------------------------------------------------------------------

async def test_a_survey_question_held_up_does_not_follow_paused(bot, chat):
    # The GM starts Alice's review while the platform is down: each rater's invitation and
    # its first question wait in the outbox. Sam puts the survey aside; Bruno rates the
    # first question, so his second waits, and then does so too; 李雷 in Chinese.
    go_down(chat)
    await say(bot, "grace", "/review start alice")
    await say(bot, "sam", "/pause")
    await say(bot, "bruno", "4")
    await say(bot, "bruno", "/pause")
    await say(bot, "li", "暂停")
    await back_up(bot, chat)
    for key in ("sam", "bruno"):
        assert not asked(chat, key, "/5 ·"), key
        assert chat.last(key).startswith("Paused"), key
    assert not asked(chat, "li", "/5 ·") and chat.last("li").startswith("已暂停")
    assert len(asked(chat, "grace", "1/5 ·")) == 1  # (the GM, who did not, is asked)
    # /review carries on where each stopped.
    await say(bot, "sam", "/review")
    assert "1/5 ·" in chat.last("sam")
    await say(bot, "bruno", "/review")
    assert "2/5 ·" in chat.last("bruno")


async def test_survey_questions_held_up_are_not_sent_once_the_survey_is_done(bot, chat):
    # Sam rates all five with the platform down: each next question waited in the
    # outbox. Once back, Sam reads the thanks, not five questions already answered.
    go_down(chat)
    await say(bot, "grace", "/review start alice")
    await answer(bot, "sam")
    await back_up(bot, chat)
    assert not asked(chat, "sam", "/5 ·")
    assert "Thank you" in chat.last("sam")


async def test_a_survey_question_held_up_does_not_reach_a_rater_gone_away(bot, chat, clock):
    go_down(chat)
    await say(bot, "grace", "/review start alice")
    await say(bot, "bruno", "4")
    await say(bot, "sam", "/away 2026-12-10")
    await say(bot, "bruno", "/away 2026-12-10")
    await back_up(bot, chat)
    assert not asked(chat, "sam", "/5 ·") and not asked(chat, "bruno", "/5 ·")
    # Back, they carry on with /review, Bruno's first rating kept.
    clock.set(datetime(2026, 12, 11, 15, 0, tzinfo=UTC))
    await say(bot, "bruno", "/back")
    await say(bot, "bruno", "/review")
    assert "2/5 ·" in chat.last("bruno")


async def test_a_survey_invitation_held_up_waits_for_a_rater_gone_away_until_back(
        bot, chat, clock):
    # The GM starts Alice's review while the platform is down; Sam (in English) and 李雷
    # (in Chinese) go away from now before their invitations arrive. On holiday, nothing
    # of the survey reaches them; back (/back, or the period's end and the next sweep),
    # the invitation and its first question come once, as to a rater away when the review
    # began, and the survey is answered as ever.
    go_down(chat)
    await say(bot, "grace", "/review start alice")
    await say(bot, "sam", "/away 2026-12-02")
    await say(bot, "li", "/away 2026-12-02")
    await back_up(bot, chat)
    assert chat.to("sam") == [chat.last("sam")]
    assert "away from now until 2026-12-02" in chat.last("sam")
    assert len(chat.to("li")) == 1 and not asked(chat, "li", "邀请", "/5 ·")
    assert "as a fellow director" in chat.to("bruno")[0]  # (not away: asked)
    assert await bot.run_review_held() == 0  # still away: nothing
    clock.set(datetime(2026, 12, 1, 15, 0, tzinfo=UTC))
    chat.clear()
    await say(bot, "sam", "/back")
    reply, invite, question = chat.to("sam")
    assert reply.endswith("What waited for you while you were away follows now: "
                          "1 360° survey.")
    assert invite.startswith("📋 You're asked for feedback on Alice Martin as one of their team")
    assert question.startswith("1/5 · Goal and plan completion: how would you rate Alice")
    assert await bot.run_review_held() == 0  # 李雷 is still away
    # 李雷's period ended: the sweep sends hers, in Chinese.
    clock.set(datetime(2026, 12, 3, 15, 0, tzinfo=UTC))
    assert await bot.run_review_held() == 1
    assert chat.to("li")[0].startswith("📋 邀请你以") and chat.last("li").startswith("1/5 · ")
    assert await bot.run_review_held() == 0  # once
    await answer(bot, "sam")
    assert "Thank you" in chat.last("sam")
    assert len(asked(chat, "sam", "📋")) == 1 and len(asked(chat, "sam", "1/5 ·")) == 1
    assert len(asked(chat, "li", "📋")) == 1 and len(asked(chat, "li", "1/5 ·")) == 1


async def test_a_survey_question_held_up_is_not_sent_once_the_gm_closed_the_review(
        bot, chat):
    # A review the GM started has no closing time for its questions to expire by.
    go_down(chat)
    await say(bot, "grace", "/review start alice")
    await say(bot, "bruno", "4")
    await say(bot, "grace", "/review close alice")
    await back_up(bot, chat)
    assert not asked(chat, "bruno", "/5 ·") and not asked(chat, "sam", "/5 ·")


# --- the monthly questions ------------------------------------------------------------------

async def test_the_monthly_first_question_held_up_does_not_reach_someone_gone_away(
        bot, chat, clock):
    # The month's review and its first question go out while the platform is down; Alice,
    # and 李雷 in Chinese, go away before they arrive. The review, a report on a month
    # gone by, still comes; its questions, work on holiday, do not.
    november(bot)
    clock.set(DEC_1_9AM_NY)
    go_down(chat)
    assert await bot.run_monthly_review()
    await say(bot, "alice", "/away 2026-12-10")
    await say(bot, "li", "/away 2026-12-10")
    await back_up(bot, chat)
    assert any(t.startswith("📅 Month in review — 2026-11") for t in chat.to("alice"))
    assert not asked(chat, "alice", "question 1 of 3")
    assert not asked(chat, "li", "第 1 / 3 题")
    # Back, /monthly asks it.
    clock.set(datetime(2026, 12, 11, 15, 0, tzinfo=UTC))
    await say(bot, "alice", "/back")
    await say(bot, "alice", "/monthly")
    assert chat.last("alice").endswith("What worked well this month?")


async def test_the_next_monthly_question_held_up_does_not_follow_paused(bot, chat, clock):
    november(bot)
    clock.set(DEC_1_9AM_NY)
    assert await bot.run_monthly_review()
    chat.clear()
    go_down(chat)
    await say(bot, "alice", "Closing Acme")
    await say(bot, "alice", "/pause")
    await say(bot, "li", "签下两个客户")
    await say(bot, "li", "暂停")
    await back_up(bot, chat)
    assert chat.to("alice") == [chat.last("alice")] and chat.last("alice").startswith("Paused")
    assert chat.to("li") == [chat.last("li")] and chat.last("li").startswith("已暂停")
    # /monthly carries on at the second question; the first answer is kept.
    await say(bot, "alice", "/monthly")
    assert chat.last("alice").endswith("What did not work, and why?")


async def test_the_next_monthly_question_held_up_does_not_reach_someone_gone_away(
        bot, chat, clock):
    november(bot)
    clock.set(DEC_1_9AM_NY)
    assert await bot.run_monthly_review()
    chat.clear()
    go_down(chat)
    await say(bot, "alice", "Closing Acme")
    await say(bot, "alice", "/away 2026-12-10")
    await back_up(bot, chat)
    assert not asked(chat, "alice", "question 2 of 3")


# --- the pulse poll -------------------------------------------------------------------------

async def test_the_next_pulse_question_held_up_does_not_follow_paused(
        pbot, pchat, pclock):  # noqa: F811 - the pulse tests' fixtures
    await pbot.run_pulse()
    pchat.clear()
    go_down(pchat)
    await say(pbot, "bruno", "4")
    await say(pbot, "bruno", "/pause")
    await say(pbot, "east5", "4")
    await say(pbot, "east5", "暂停")
    await back_up(pbot, pchat)
    assert pchat.to("bruno") == [pchat.last("bruno")]
    assert pchat.last("bruno").startswith("Paused")
    assert pchat.to("east5") == [pchat.last("east5")]
    await say(pbot, "bruno", "/pulse")
    assert "Question 2 of" in pchat.last("bruno")


async def test_pulse_questions_held_up_are_not_sent_once_the_poll_is_done(
        pbot, pchat, pclock):  # noqa: F811 - the pulse tests' fixtures
    await pbot.run_pulse()
    pchat.clear()
    go_down(pchat)
    await say(pbot, "bruno", "4")
    await say(pbot, "bruno", "2")
    await say(pbot, "bruno", "skip")
    await back_up(pbot, pchat)
    assert not asked(pchat, "bruno", "Question ")
    assert len(pchat.to("bruno")) == 1


async def test_the_next_pulse_question_held_up_does_not_reach_someone_gone_away(
        pbot, pchat, pclock):  # noqa: F811 - the pulse tests' fixtures
    await pbot.run_pulse()
    pchat.clear()
    go_down(pchat)
    await say(pbot, "bruno", "4")
    await say(pbot, "bruno", "/away 2026-12-20")
    await back_up(pbot, pchat)
    assert not asked(pchat, "bruno", "Question 2 of")


async def test_a_poll_question_asked_again_after_a_1on1_does_not_follow_paused(
        setup):  # noqa: F811 - the 1:1s' fixture
    # Alice's poll question was put aside by her 1:1's questions; as she ends that dialog
    # the platform is down, so "Back to the anonymous pulse poll:" and its question wait;
    # she sends /pause. Neither arrives after "Paused"; /pulse asks it.
    from tests.test_reply_target import POLL_DAY

    bot, chat, clock = setup
    clock.set(POLL_DAY)
    await bot.run_pulse()
    clock.set(datetime(2026, 12, 9, 19, 40, tzinfo=UTC))  # Wed 14:40 New York
    await bot.run_oneonones()
    await say(bot, "alice", "yes")
    await say(bot, "alice", "next")
    await say(bot, "alice", "done")
    await say(bot, "alice", "4")  # how useful it was
    seen = len(chat.to("alice"))
    go_down(chat)
    await say(bot, "alice", "skip")
    await say(bot, "alice", "/pause")
    await back_up(bot, chat)
    thanks, paused = chat.to("alice")[seen:]
    assert thanks.startswith("Thanks") and paused.startswith("Paused")
    await say(bot, "alice", "/pulse")
    assert "Question 1 of" in chat.last("alice")


# --- the 1:1's rating question (sent with a dedupe key) --------------------------------------

async def test_the_1on1_rating_question_held_up_does_not_follow_paused(
        setup):  # noqa: F811 - the 1:1s' fixture
    # Alice ends her 1:1's record with "done" while the platform is down: the rating
    # question, queued under its own key (not marked as the keyless ones are), waited and
    # came after "Paused", with its buttons and a prompt taking her next typed reply.
    bot, chat, clock = setup
    clock.set(datetime(2026, 12, 9, 19, 40, tzinfo=UTC))  # Wed 14:40 New York
    await bot.run_oneonones()
    await say(bot, "alice", "yes")
    await say(bot, "alice", "next")
    seen = len(chat.to("alice"))
    go_down(chat)
    await say(bot, "alice", "done")
    await say(bot, "alice", "/pause")
    await back_up(bot, chat)
    after = chat.to("alice")[seen:]
    assert not [t for t in after if t.startswith("How useful was your 1:1")], after
    paused = after[-1]
    assert paused.startswith("Paused.") and "buttons above" not in paused, paused
    await say(bot, "alice", "/1on1")  # asks it again; nothing answered is lost
    assert "How useful was your 1:1 with Sam" in chat.last("alice")
    await say(bot, "alice", "4")
    assert ratings(bot, "alice") == [4]


async def _asked_while_down_then(running: Any, command: str) -> list[str]:
    """Wednesday 14:40 in New York, the platform down: the round asks Alice whether her
    1:1 with Sam happened (the question held up in the outbox), she sends `command`, the
    platform comes back. What reached her since."""
    bot, chat, clock = running
    clock.set(datetime(2026, 12, 9, 19, 40, tzinfo=UTC))
    seen = len(chat.to("alice"))
    go_down(chat)
    await bot.run_oneonones()
    await say(bot, "alice", command)
    await back_up(bot, chat)
    return chat.to("alice")[seen:]


async def test_the_1on1_did_it_happen_question_held_up_does_not_follow_paused(
        setup):  # noqa: F811 - the 1:1s' fixture
    # "Did your 1:1 with Sam happen?" (sent under its own key by the round) waits while the
    # platform is down; Alice puts the 1:1 aside with /pause meanwhile. The README promises
    # the question is withdrawn: it must not arrive after "Paused", and /1on1 asks it again.
    bot, chat, _ = setup
    after = await _asked_while_down_then(setup, "/pause")
    assert not [t for t in after if t.startswith("Did your 1:1 with Sam")], after
    assert after[-1].startswith("Paused.") and "buttons above" not in after[-1], after
    await say(bot, "alice", "/1on1")
    assert "Did your 1:1 with Sam" in chat.last("alice")
    await say(bot, "alice", "yes")
    assert not chat.last("alice").startswith("Did your 1:1"), chat.last("alice")


async def test_the_1on1_did_it_happen_question_held_up_does_not_reach_someone_gone_away(
        setup):  # noqa: F811 - the 1:1s' fixture
    # "Did your 1:1 with Sam happen?" waits (the platform down); Alice goes away from now.
    # It must not reach her on holiday; /1on1 asks it once she is back.
    bot, chat, _ = setup
    after = await _asked_while_down_then(setup, "/away 2026-12-20")
    assert not [t for t in after if t.startswith("Did your 1:1 with Sam")], after
    await say(bot, "alice", "/back")
    await say(bot, "alice", "/1on1")
    assert "Did your 1:1 with Sam" in chat.last("alice")


async def test_the_1on1_rating_question_held_up_does_not_reach_someone_gone_away(
        setup):  # noqa: F811 - the 1:1s' fixture
    # Sam's rating question of the 1:1 Alice just recorded waits (the platform down); Sam
    # goes away from now. It reached him on holiday; /1on1 asks it once he is back.
    bot, chat, clock = setup
    clock.set(datetime(2026, 12, 9, 19, 40, tzinfo=UTC))
    await bot.run_oneonones()
    await say(bot, "alice", "yes")
    await say(bot, "alice", "next")
    go_down(chat)
    await say(bot, "alice", "done")
    await say(bot, "sam", "/away 2026-12-20")
    await back_up(bot, chat)
    assert not [t for t in chat.to("sam") if "How useful was your 1:1" in t], chat.to("sam")
    assert any("away from now" in t for t in chat.to("sam"))
    await say(bot, "sam", "/back")
    await say(bot, "sam", "/1on1")
    assert "How useful was your 1:1 with Alice" in chat.last("sam")
    await say(bot, "sam", "5")
    assert ratings(bot, "sam") == [5]


def test_the_1on1_paused_reply_points_at_buttons_only_when_they_arrived():
    """The reply to /pause after a withdrawn rating question: its buttons never showed."""
    from types import SimpleNamespace

    from bot.render import shared_renderer

    sam = SimpleNamespace(display_name="Sam Lee")
    for locale, pointer in (("en", "buttons above"), ("zh-CN", "上面的按钮")):
        shown = shared_renderer().message(locale, "oo_paused", other=sam, step="rating")
        gone = shared_renderer().message(locale, "oo_paused", other=sam, step="rating",
                                         buttons=False)
        assert pointer in shown and pointer not in gone, (shown, gone)
        assert "/1on1" in gone

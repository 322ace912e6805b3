"""The group's note on a private answer that could not go, from the user's side: the real
python-telegram-bot client against the fake Bot API, the note worded for why it failed.

Someone uses a private command (/checkin, /kudos me) in the group; the group hears "I've
answered you in a private message", and should Telegram never take that private message,
a second note. "You may have blocked me, or never pressed Start" is true of a 403 (or a
400 'chat not found'); after hours of 502s it was not, nor of any other refusal.
"""

from __future__ import annotations

import pytest

from bot.outbox import MAX_ATTEMPTS, RETRY_FOR
from storage.models import OutboxMessage
from tests.support import settle_outbox
from tests.telegram.conftest import ALICE, GRACE, GROUP, LI, TG

ANSWERED = "I've answered you in a private message."
ANSWERED_ZH = "我已通过私信回复你。"
BLOCKED = ("I couldn't send you my answer in a private chat: you may have blocked me, or never "
           "pressed Start there. Open a private chat with me, press Start (or Restart), and "
           "ask again.")
BLOCKED_ZH = ("我无法在私聊中把回复发给你：你可能屏蔽了我，或从未在私聊中点击“开始”（Start）。"
              "请与我私聊，点击“开始”（或“重新开始”），然后再发一次。")
GAVE_UP = ("I couldn't send you my answer in a private chat: Telegram kept failing for hours, "
           "so I gave up on it. Nothing is wrong on your side: ask again.")
GAVE_UP_ZH = ("我无法在私聊中把回复发给你：Telegram 连续几个小时发送失败，我只好放弃了。"
              "这不是你那边的问题，请再发一次。")
REJECTED = ("I couldn't send you my answer in a private chat: Telegram refused it, for a reason "
            "that is not yours to fix. Ask again; if it fails again, tell the person who runs "
            "teampulse.")
REJECTED_ZH = ("我无法在私聊中把回复发给你：Telegram 拒绝了这条消息，原因不在你这边。请再发一次；"
               "如果仍然失败，请告诉负责运行 teampulse 的人。")


def _first_dm(tg: TG, user_id: int) -> OutboxMessage:
    """The first private message queued to `user_id` (the answer the group was told of)."""
    with tg.bot.unit() as ctx:
        row = ctx.session.query(OutboxMessage).filter_by(
            target_kind="dm", address=str(user_id)).order_by(OutboxMessage.id).first()
        assert row is not None
        ctx.session.expunge(row)
        return row


@pytest.mark.parametrize("refusal", [
    "Forbidden: bot can't initiate conversation with a user",  # never pressed Start
    "Forbidden: bot was blocked by the user",
])
async def test_a_refusal_by_the_person_tells_them_to_press_start(tg: TG, refusal: str) -> None:
    """Cases (a) and (b): Telegram's 403 is theirs to undo, and the note says how."""
    tg.fake.fail_chat("sendMessage", ALICE, 403, refusal)
    tg.fake.fail_chat("sendMessage", LI, 403, refusal)
    await tg.say_in_group(ALICE, "/checkin")
    await tg.say_in_group(LI, "/kudos me")
    assert tg.texts(GROUP) == [ANSWERED, BLOCKED, ANSWERED_ZH, BLOCKED_ZH]
    assert _first_dm(tg, ALICE).attempts == 1  # given up at once, not retried


async def test_chat_not_found_reads_as_never_started(tg: TG) -> None:
    """Telegram's other answer to a private chat never opened: the same note."""
    tg.fake.fail_chat("sendMessage", ALICE, 400, "Bad Request: chat not found")
    await tg.say_in_group(ALICE, "/checkin")
    assert tg.texts(GROUP) == [ANSWERED, BLOCKED]


async def test_hours_of_telegram_failing_do_not_blame_the_person(tg: TG) -> None:
    """Case (c): Alice's and 李雷's private chats answer 502 Bad Gateway for the outbox's
    whole retry window (about six hours of fake time). The answer is given up, and the
    group hears that Telegram kept failing and to ask again, not that they blocked the
    bot; nothing else is posted meanwhile."""
    tg.fake.fail_chat("sendMessage", ALICE, 502, "Bad Gateway", times=None)
    tg.fake.fail_chat("sendMessage", LI, 502, "Bad Gateway", times=None)
    asked_at = tg.clock.now()
    await tg.send(tg.fake.group_message(GROUP, ALICE, "/checkin"), settle=False)
    await tg.send(tg.fake.group_message(GROUP, LI, "/kudos me"), settle=False)
    await settle_outbox(tg.bot, tg.clock)
    assert tg.texts(GROUP) == [ANSWERED, ANSWERED_ZH, GAVE_UP, GAVE_UP_ZH]
    row = _first_dm(tg, ALICE)
    assert (row.status, row.attempts) == ("failed", MAX_ATTEMPTS)
    assert tg.clock.now() - asked_at >= RETRY_FOR


async def test_a_refusal_not_theirs_to_fix_does_not_blame_the_person(tg: TG) -> None:
    """Case (d): any other permanent error (a 400 that is not 'chat not found'): given up
    at once, and the note neither blames the person nor sends them to press Start."""
    tg.fake.fail_chat("sendMessage", ALICE, 400, "Bad Request: BUTTON_DATA_INVALID")
    tg.fake.fail_chat("sendMessage", LI, 400, "Bad Request: BUTTON_DATA_INVALID")
    await tg.say_in_group(ALICE, "/checkin")
    await tg.say_in_group(LI, "/kudos me")
    assert tg.texts(GROUP) == [ANSWERED, REJECTED, ANSWERED_ZH, REJECTED_ZH]


async def test_a_chart_that_cannot_go_is_noted_the_same_way(tg: TG) -> None:
    """A chart (sendPhoto) given up after hours of 502s: the same truthful note."""
    tg.fake.fail_chat("sendPhoto", GRACE, 502, "Bad Gateway", times=None)
    await tg.send(tg.fake.group_message(GROUP, GRACE, "/summary chart kudos"), settle=False)
    await settle_outbox(tg.bot, tg.clock)
    assert tg.texts(GROUP)[-1] == GAVE_UP


SENDING = "Sending the check-in round now; I'll tell you in a private message who was prompted."
SENDING_ZH = "正在发送签到，谁收到了，我会通过私信告诉你。"
ROUND_BLOCKED = (
    "I couldn't send you the check-in round's report in a private chat: you may have blocked "
    "me, or never pressed Start there. The round went out: 2 prompted. To see who was "
    "prompted, open a private chat with me, press Start (or Restart), and send /checkin send "
    "there: it prompts only those not prompted yet.")
ROUND_BLOCKED_ZH = (
    "我无法在私聊中把签到发送结果发给你：你可能屏蔽了我，或从未在私聊中点击“开始”（Start）。"
    "签到已发出：已提醒 2 人。要查看提醒了谁，请与我私聊，点击“开始”（或“重新开始”），"
    "然后在私聊中发送 /checkin send：只会提醒尚未收到的人。")
ROUND_GAVE_UP = (
    "I couldn't send you the check-in round's report in a private chat: Telegram kept failing "
    "for hours, so I gave up on it. The round went out: 2 prompted. Send /checkin send in a "
    "private chat with me to see who was prompted: it prompts only those not prompted yet. "
    "Nothing is wrong on your side.")


@pytest.mark.parametrize("refusal", ["Forbidden: bot was blocked by the user",
                                     "Forbidden: bot can't initiate conversation with a user"],
                         ids=["blocked", "never-started"])
@pytest.mark.parametrize("chinese", [False, True], ids=["en", "zh-CN"])
async def test_a_rounds_report_the_gm_never_gets_in_private_is_owned_up_to_in_the_group(
        tg: TG, chinese: bool, refusal: str) -> None:
    """Grace types `/checkin send` in the group, having blocked the bot (or never pressed
    Start): the round goes out, but its report (who was prompted, who is unreachable) was
    refused in her private chat and nobody was told: she waited for a report that never
    came, not knowing whether the round went. The group now hears that it went and how many
    were prompted, why the report did not come and what to do, and no names: Bruno, whom no
    platform reaches, is named in the report only."""
    if chinese:
        await tg.say(GRACE, "/language 中文")
    tg.fake.fail_chat("sendMessage", GRACE, 403, refusal, times=None)
    await tg.say_in_group(GRACE, "/checkin send")
    # One message in the group, not three ("I've answered you in a private message", "I
    # couldn't send you my answer", then this): what was said as the round went ("Sending
    # the check-in round now …") becomes what happened and what to do.
    assert tg.texts(GROUP) == [SENDING_ZH if chinese else SENDING]
    assert tg.shown(GROUP) == [ROUND_BLOCKED_ZH if chinese else ROUND_BLOCKED]
    assert not any("Bruno" in text or "Alice" in text for text in tg.shown(GROUP))
    assert "Question 1 of 8" in tg.shown(ALICE)[-1]  # the round itself went out
    with tg.bot.unit() as ctx:  # the report itself given up at once, not retried
        report = ctx.session.query(OutboxMessage).filter_by(
            target_kind="dm", address=str(GRACE)).order_by(OutboxMessage.id.desc()).first()
        assert report is not None and "Bruno Rossi" in report.payload["text"]
        assert (report.status, report.attempts) == ("failed", 1)


async def test_a_rounds_report_given_up_after_hours_does_not_blame_the_gm(tg: TG) -> None:
    """Grace's private chat answers 502 for the outbox's whole retry window: the group hears
    that Telegram kept failing, not that she blocked the bot, and that the round went out."""
    tg.fake.fail_chat("sendMessage", GRACE, 502, "Bad Gateway", times=None)
    await tg.send(tg.fake.group_message(GROUP, GRACE, "/checkin send"), settle=False)
    await settle_outbox(tg.bot, tg.clock)
    assert tg.texts(GROUP) == [SENDING]
    assert tg.shown(GROUP) == [ROUND_GAVE_UP]

"""Starting up, the command menu, people, groups and input the bot does not use."""

from __future__ import annotations

import logging
import re
import traceback
from dataclasses import replace
from typing import Any

import pytest
from telegram.warnings import PTBUserWarning

from bot.config import Settings
from bot.core import TeamPulse
from storage.models import OutboxMessage, Person, ProcessedEvent
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.operator_log import operator_log, quoting
from tests.telegram.conftest import (
    ALICE,
    BOT_USERNAME,
    BRUNO,
    GRACE,
    GROUP,
    LI,
    SAM,
    STRANGER,
    TG,
    TOKEN,
    Handled,
    running,
)

MENU = ["help", "checkin", "skip", "edit", "pause", "away", "back", "summary", "kudos", "honours",
        "1on1", "agenda", "actions",
        "goals",
        "pulse",
        "support",
        "language"]


def without_text(update: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """The same update with its text replaced by other content (a sticker, a photo...)."""
    message = update.get("message") or update["edited_message"]
    message.pop("text", None)
    message.pop("entities", None)
    message.update(fields)
    return update


STICKER = {"file_id": "STK1", "file_unique_id": "U1", "type": "regular", "width": 512,
           "height": 512, "is_animated": False, "is_video": False, "emoji": "👍"}
PHOTO = [{"file_id": "PH1", "file_unique_id": "U2", "width": 90, "height": 67}]


async def test_start_registers_menu_and_polls_without_own_job_queue(tg: TG) -> None:
    assert tg.bot.bot_usernames["telegram"] == BOT_USERNAME
    with pytest.warns(PTBUserWarning, match="No `JobQueue` set up"):
        assert tg.adapter.application.job_queue is None  # one scheduler: ours
    assert tg.fake.called("deleteWebhook")  # long polling, pending updates kept
    assert not tg.fake.last_call("deleteWebhook").params.get("drop_pending_updates")
    poll = (await tg.fake.wait_for_call("getUpdates"))[0].params
    assert poll["allowed_updates"] == ["message", "edited_message", "callback_query"]

    english = tg.fake.commands_for("")
    chinese = tg.fake.commands_for("zh")
    assert english is not None and chinese is not None
    assert [c["command"] for c in english] == MENU == [c["command"] for c in chinese]
    descriptions = {c["command"]: c["description"] for c in english}
    assert descriptions["checkin"] == "Start or resume this week's check-in"
    assert {c["command"]: c["description"] for c in chinese}["help"] == "我能做什么"
    # docs/telegram.md: the menu "in English and in Chinese": every command described in
    # each (a command with no description would show its own name, in English only).
    assert all(c["description"] != c["command"] for c in english + chinese)
    assert all(re.search(r"[\u4e00-\u9fff]", c["description"]) for c in chinese)


async def test_wrong_token_is_a_clear_error_without_the_token(
        fake: FakeTelegramAPI, bot: TeamPulse) -> None:
    from bot.config import ConfigError, Secret

    wrong = Secret("42:" + "revoked-secret-value")  # kept off the line a traceback shows
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN") as excinfo:
        async with running(bot, telegram_bot_token=wrong):
            pass
    # PTB's own message quotes the token: it must not reach the user's terminal.
    printed = "".join(traceback.format_exception(excinfo.value))
    assert "revoked-secret-value" not in printed
    assert "getMe answered 401" in printed
    assert fake.last_call("getMe").status == 401


async def test_token_never_logged(fake: FakeTelegramAPI, bot: TeamPulse, settings: Settings,
                                  monkeypatch: pytest.MonkeyPatch,
                                  caplog: pytest.LogCaptureFixture) -> None:
    # The log as the operator reads it: through teampulse's own handler, whose filter
    # leaves secrets out of every line (PTB logs its Bot API URL, token and all, at DEBUG).
    caplog.set_level(logging.DEBUG)
    handled = Handled(bot, monkeypatch)
    with operator_log(settings) as log:
        async with running(bot):
            fake.push_update(fake.private_message(GRACE, "/help"))
            await handled.wait(1)
            await fake.wait_for_call("sendMessage")
    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING
    assert caplog.records  # PTB and the core did log, at DEBUG even
    assert "api.telegram" in log.getvalue() or "/bot" in log.getvalue()
    assert quoting(log.getvalue(), TOKEN, TOKEN.split(":", 1)[1]) == []


async def test_unknown_user_is_told_their_id(tg: TG) -> None:
    await tg.say(STRANGER, "hello", username="new_rep")
    text = tg.shown(STRANGER)[-1]
    assert "I don't know you yet" in text
    assert "telegram_id: 9999" in text and "telegram_username: new_rep" in text
    assert "<code>telegram_id: 9999</code>" in tg.texts(STRANGER)[-1]


async def test_unknown_user_gets_chinese_when_their_client_is(tg: TG) -> None:
    await tg.say(STRANGER, "你好", language_code="zh-hans")
    assert "我还不认识你" in tg.shown(STRANGER)[-1]


async def test_person_known_by_username_is_recognised_and_reachable(tg: TG) -> None:
    await tg.say(BRUNO, "/help", username="bruno_r")
    assert "/checkin" in tg.shown(BRUNO)[-1]
    with tg.bot.unit() as ctx:
        bruno = ctx.session.query(Person).filter_by(key="bruno").one()
        assert bruno.telegram_id == BRUNO  # remembered: scheduled prompts can reach him
    await tg.checkins("bruno")
    assert "Question 1 of" in tg.shown(BRUNO)[-1]


async def test_summary_in_a_group_goes_private(tg: TG) -> None:
    update = tg.fake.group_message(GROUP, GRACE, f"/summary@{BOT_USERNAME}")
    await tg.send(update)
    group = tg.sent(GROUP)
    assert [p["text"] for p in group] == ["I've answered you in a private message."]
    assert group[0]["reply_parameters"]["message_id"] == update["message"]["message_id"]
    assert "Weekly summary" in tg.shown(GRACE)[-1]
    assert "No check-in was sent for this week." in tg.shown(GRACE)[-1]

    # Addressed to another bot, or just chatter: not ours, so silence.
    await tg.say_in_group(GRACE, "/summary@SomeOtherBot")
    await tg.say_in_group(GRACE, "nice work, team")
    await tg.say_in_group(STRANGER, "who is this bot?")
    assert len(tg.sent(GROUP)) == 1
    assert len(tg.texts(GRACE)) == 1


async def test_checkin_command_in_a_group_moves_to_private(tg: TG) -> None:
    await tg.say_in_group(ALICE, "/checkin")
    assert "private message" in tg.shown(GROUP)[-1]
    assert "Question 1 of 8" in tg.shown(ALICE)[-1]
    assert not any("Question" in text for text in tg.shown(GROUP))


@pytest.mark.parametrize("chinese", [False, True], ids=["en", "zh-CN"])
async def test_a_round_sent_from_a_group_says_where_its_report_goes(
        tg: TG, chinese: bool) -> None:
    """`/checkin send` in the group: its report came to the GM's private chat and the
    group showed nothing under her command, so she could not tell where it went."""
    if chinese:
        await tg.say(GRACE, "/language 中文")
    before = len(tg.shown(GRACE))
    await tg.say_in_group(GRACE, "/checkin send alice")
    # Said in the group, once (tests/telegram/test_private_note.py: edited there should
    # the report's private message be refused), and the report alone in private.
    assert tg.shown(GROUP) == (
        ["正在发送签到，谁收到了，我会通过私信告诉你。"] if chinese else
        ["Sending the check-in round now; I'll tell you in a private message who was "
         "prompted."])
    assert tg.shown(GRACE)[before:] == (["签到已发送给 Alice Martin：已提醒 1 人。"] if chinese
                                        else ["Check-in round sent to Alice Martin: 1 prompted."])
    assert "Question 1 of 8" in tg.shown(ALICE)[-1]


async def test_summary_refusal_in_a_group_is_private_too(tg: TG) -> None:
    await tg.say_in_group(SAM, "/summary")
    assert tg.shown(GROUP) == ["I've answered you in a private message."]
    assert "only for the GM" in tg.shown(SAM)[-1]


async def test_two_private_answers_to_one_group_command_tell_the_group_once(tg: TG) -> None:
    # A director's '/monthly answers' is answered with two private messages (that /monthly
    # takes nothing after it for a director, then their own review's state): the group
    # read "I've answered you in a private message." twice.
    await tg.say_in_group(ALICE, "/monthly answers")
    assert len(tg.shown(ALICE)) == 2
    assert tg.shown(GROUP) == ["I've answered you in a private message."]


async def test_malformed_arguments_get_the_usage_line(tg: TG) -> None:
    await tg.say(ALICE, "/away whenever")
    assert tg.shown(ALICE)[-1].startswith("Usage: /away YYYY-MM-DD")
    await tg.say(GRACE, "/summary last 0w")
    assert 'I didn\'t understand "0w"' in tg.shown(GRACE)[-1]
    assert "Usage: /summary" in tg.shown(GRACE)[-1]
    await tg.say(ALICE, "/frobnicate")
    assert "I don't know the command /frobnicate" in tg.shown(ALICE)[-1]


async def test_stickers_photos_and_edits_get_a_hint_in_private(tg: TG) -> None:
    hint = "I can only read text messages. Send /help to see what I can do."
    await tg.send(without_text(tg.fake.private_message(ALICE, ""), sticker=STICKER))
    assert tg.shown(ALICE) == [hint]
    await tg.send(without_text(tg.fake.private_message(ALICE, ""), photo=PHOTO,
                               caption="/summary"))
    edited = tg.fake.private_message(ALICE, "52000")
    edited["edited_message"] = {**edited.pop("message"), "edit_date": 1}
    await tg.send(edited)
    # An edit is text, but it is not read (only kudos are corrected by an edit): it says so.
    assert tg.shown(ALICE) == [hint, hint, "I don't read edited messages, only new ones: "
                               "send it again as a new message. To change a check-in answer, "
                               "send /edit."]


async def test_an_answer_edited_mid_check_in_is_not_sent_again_to_the_next_question(
        tg: TG) -> None:
    # Alice fixes her wins in place while the blockers question waits. She was told to
    # "send it again as a new message": sent, her wins were filed as her blockers.
    await tg.checkins("alice")
    for answer in ("52000", "3"):
        await tg.say(ALICE, answer)
    wins = tg.fake.private_message(ALICE, "Closed Acme")
    await tg.send(wins)
    assert "What challenges or blockers" in tg.shown(ALICE)[-1]
    edited = tg.fake.private_message(ALICE, "Closed Acme and Globex")
    edited["edited_message"] = {**edited.pop("message"),
                                "message_id": wins["message"]["message_id"], "edit_date": 1}
    await tg.send(edited)
    assert tg.shown(ALICE)[-1] == (
        "I don't read edited messages. A new message answers the question I asked last; to "
        "change a check-in answer you already gave, send /edit.")


async def test_a_sticker_in_the_middle_of_a_check_in_asks_for_the_answer_in_text(
        tg: TG) -> None:
    await tg.say(ALICE, "/checkin")
    await tg.send(without_text(tg.fake.private_message(ALICE, ""), sticker=STICKER))
    assert tg.shown(ALICE)[-1] == ("I can only read text messages: please type your answer "
                                   "to the question above.")
    await tg.say(ALICE, "52000")  # the question still waits, and takes the typed answer
    assert "Question 2 of 8" in tg.shown(ALICE)[-1]


async def test_stickers_edits_and_service_messages_are_silent_in_groups(tg: TG) -> None:
    await tg.send(without_text(tg.fake.group_message(GROUP, ALICE, ""), sticker=STICKER))
    await tg.send(without_text(tg.fake.group_message(GROUP, STRANGER, ""), sticker=STICKER))
    edited = tg.fake.group_message(GROUP, GRACE, "/summary")
    edited["edited_message"] = {**edited.pop("message"), "edit_date": 1}
    await tg.send(edited)
    joined = without_text(tg.fake.group_message(GROUP, STRANGER, ""),
                          new_chat_members=[tg.fake.make_user(STRANGER)])
    tg.fake.push_update(joined)
    await tg.say_in_group(ALICE, "/help")  # handled after the join: updates go in order
    assert tg.shown(GROUP) == ["I've answered you in a private message."]
    assert tg.fake.call_count("sendMessage") == 2  # that note, and the help in private


def in_a_chats_name(update: dict[str, Any], chat: dict[str, Any] | None = None,
                    **fields: Any) -> dict[str, Any]:
    """`update` as Telegram sends it when its message was sent in a chat's name: by an
    anonymous admin (from GroupAnonymousBot, sender_chat the group itself), or as `chat`
    (a channel: from Channel_Bot)."""
    message = update["message"]
    message["from"] = {"id": 136817688, "is_bot": True, "first_name": "Channel",
                       "username": "Channel_Bot"} if chat else {
        "id": 1087968824, "is_bot": True, "first_name": "Group",
        "username": "GroupAnonymousBot"}
    message["sender_chat"] = chat or message["chat"]
    message.update(fields)
    return update


async def test_messages_from_bots_and_channels_are_ignored(tg: TG) -> None:
    from_bot = tg.fake.private_message(ALICE, "/help")
    from_bot["message"]["from"]["is_bot"] = True
    tg.fake.push_update(from_bot)
    # An anonymous admin's chatter, and a linked channel's post forwarded to the group.
    tg.fake.push_update(in_a_chats_name(tg.fake.group_message(GROUP, 1, "thanks all 👏")))
    channel = {"id": -1_009_876_543_210, "type": "channel", "title": "Sales News"}
    tg.fake.push_update(in_a_chats_name(tg.fake.group_message(GROUP, 1, "/summary is out"),
                                        channel, is_automatic_forward=True))
    await tg.say(GRACE, "/help")  # handled after them: updates go in order
    assert tg.sent(ALICE) == [] and tg.sent(GROUP) == [] and len(tg.sent(GRACE)) == 1
    assert [e.user_id for e, _ in tg.handled.events] == [str(GRACE)]


async def test_a_command_sent_as_the_group_says_whose_account_to_send_it_from(
        tg: TG) -> None:
    """The GM is an anonymous admin of the team group: her '/summary' there comes from
    GroupAnonymousBot in the group's name, and someone posting as a channel sends in the
    channel's. Nothing at all was answered, so nobody knew why. Telegram names no person,
    so the group is told, under the command, to send it from one's own account."""
    told = ("I can't tell who sent this: it came in the group's name (an anonymous admin) "
            "or a channel's, not from a person's account. Send it from your own account: "
            "turn off <b>Remain anonymous</b> in your admin rights, or write to me in a "
            "private chat.")
    summary = in_a_chats_name(tg.fake.group_message(GROUP, 1, "/summary"))
    await tg.send(summary)
    channel = {"id": -1_009_876_543_210, "type": "channel", "title": "Sales News"}
    text = "/kudos @bruno_r for the demo"
    await tg.send(in_a_chats_name(tg.fake.group_message(GROUP, 1, text, entities=[
        {"type": "bot_command", "offset": 0, "length": 6},
        {"type": "mention", "offset": 7, "length": 8}]), channel))
    sent = tg.sent(GROUP)
    assert [p["text"] for p in sent] == [told, told]
    assert sent[0]["reply_parameters"]["message_id"] == summary["message"]["message_id"]
    assert tg.fake.call_count("sendMessage") == 2  # nobody's private chat
    await tg.send(in_a_chats_name(tg.fake.group_message(GROUP, 1, "/summary@OtherBot")))
    assert len(tg.sent(GROUP)) == 2  # another bot's
    tg.bot.org = replace(tg.bot.org, locale="zh-CN")  # the team's posts are in Chinese
    await tg.send(in_a_chats_name(tg.fake.group_message(GROUP, 1, "/kudos me")))
    assert tg.texts(GROUP)[-1] == (
        "我无法知道这是谁发的：它是以群组（匿名管理员）或频道的名义发出的，而不是从个人账号"
        "发出的。请用你自己的账号发送：在管理员权限中关闭“保持匿名”（Remain anonymous），"
        "或在私聊中发给我。")


async def test_a_failing_update_does_not_stop_polling(
        tg: TG, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    handle_batch = tg.bot.handle_batch
    failed: list[str] = []

    async def flaky(events: list[Any], **kwargs: Any) -> list[bool]:
        if not failed:
            failed.append(events[0].event_id)
            raise RuntimeError("database went away")
        return await handle_batch(events, **kwargs)

    monkeypatch.setattr(tg.bot, "handle_batch", flaky)
    tg.fake.push_update(tg.fake.private_message(GRACE, "/help"))
    await tg.say(ALICE, "/help")
    assert failed and "teampulse" in tg.shown(ALICE)[-1]
    assert any("queued events failed" in r.getMessage() and r.exc_info
               for r in caplog.records)


async def test_every_update_is_claimed_once(tg: TG) -> None:
    await tg.say(GRACE, "/help")
    await tg.say(ALICE, "/help")
    with tg.bot.unit() as ctx:
        ids = {e.event_id for e in ctx.session.query(ProcessedEvent)}
        assert ids == {e.event_id for e, _ in tg.handled.events}
        assert all(r.status == "sent" for r in ctx.session.query(OutboxMessage))


async def test_help_and_usage_for_the_gm_are_valid_telegram_html(tg: TG) -> None:
    await tg.say(GRACE, "/help")
    await tg.say(GRACE, "/summary last 0w")
    # Telegram accepted it as HTML the first time (the adapter's plain-text fallback
    # would otherwise have re-sent it without formatting).
    assert [c.status for c in tg.fake.calls_for("sendMessage")] == [200, 200]
    assert "/summary <person>" in tg.shown(GRACE)[0]  # a placeholder, shown as typed


async def test_a_private_answer_that_cannot_go_says_so_in_the_group(tg: TG) -> None:
    """Alice blocked the bot (李雷 never pressed Start in a private chat): her '/checkin'
    in the group was answered "I've answered you in a private message" and nothing
    came, for Telegram refuses the private message for good. The group now hears that it
    could not go and what to do, once, in the asker's language; so does a chart."""
    tg.fake.block_bot(ALICE, LI, GRACE)
    await tg.say_in_group(ALICE, "/checkin")
    assert tg.texts(GROUP) == [
        "I've answered you in a private message.",
        "I couldn't send you my answer in a private chat: you may have blocked me, or never "
        "pressed Start there. Open a private chat with me, press Start (or Restart), and "
        "ask again."]
    asked = tg.sent(GROUP)[-1]["reply_parameters"]["message_id"]
    assert asked == tg.sent(GROUP)[0]["reply_parameters"]["message_id"]  # under /checkin
    await tg.say_in_group(LI, "/kudos me")
    assert tg.texts(GROUP)[-1] == ("我无法在私聊中把回复发给你：你可能屏蔽了我，或从未在私聊中"
                                   "点击“开始”（Start）。请与我私聊，点击“开始”（或“重新开始”），"
                                   "然后再发一次。")
    await tg.say_in_group(GRACE, "/summary chart kudos")
    assert tg.texts(GROUP)[-1].startswith("I couldn't send you my answer in a private chat")
    assert len(tg.texts(GROUP)) == 6

    tg.fake.start_bot(ALICE)  # a guard: once it can go, the group hears only the first note
    await tg.say_in_group(ALICE, "/checkin")
    assert tg.texts(GROUP)[-1] == "I've answered you in a private message."
    assert "Question 1 of 8" in tg.texts(ALICE)[-1]

"""Kudos on Telegram through python-telegram-bot, against the fake Bot API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.adapters.telegram_format import split_html
from storage.kudos import Kudos
from storage.models import Person
from tests.telegram.conftest import ALICE, BOT_USERNAME, BRUNO, GRACE, GROUP, LI, SAM, TG


def count(tg: TG) -> int:
    with tg.bot.sessions() as session:
        return session.scalar(select(func.count()).select_from(Kudos)) or 0


def mention(text: str, name: str) -> dict:
    """A `mention` entity for `@name` in `text` (ASCII test texts: offsets are plain)."""
    return {"type": "mention", "offset": text.index("@" + name), "length": len(name) + 1}


async def test_kudos_with_a_username_and_a_text_mention_and_a_value(tg: TG) -> None:
    # Bruno is known by username; Sam has no username, so his client sends a text mention.
    text = "/kudos @bruno_r Sam for the joint pitch #customer-first"
    entities = [{"type": "bot_command", "offset": 0, "length": 6}, mention(text, "bruno_r"),
                {"type": "text_mention", "offset": text.index("Sam"), "length": 3,
                 "user": {"id": SAM, "is_bot": False, "first_name": "Sam"}}]
    await tg.say_in_group(GRACE, text, entities=entities)

    shout = tg.sent(GROUP)[-1]
    assert shout["text"] == ('👏 Bruno Rossi, <a href="tg://user?id=1006">Sam Lee</a> — kudos '
                             "from <b>Grace Chen</b>: the joint pitch\nValues: Customer first")
    assert shout["reply_parameters"]["message_id"] > 0  # answers the message it praises
    assert tg.texts(SAM)[-1].startswith('🎉 You got kudos from <a href="tg://user?id=1001">'
                                        "Grace Chen</a>: the joint pitch")
    assert count(tg) == 2


async def test_reply_to_kudos_names_the_author_of_the_replied_message(tg: TG) -> None:
    original = tg.fake.group_message(GROUP, ALICE, "Signed the Globex renewal!")["message"]
    await tg.say_in_group(LI, "/kudos 续约谈得非常漂亮", reply_to_message=original)

    assert "Alice Martin</a> —— 来自 <b>李雷</b> 的点赞：续约谈得非常漂亮" in tg.texts(GROUP)[-1]
    assert "You got kudos from" in tg.texts(ALICE)[-1]
    assert count(tg) == 1


async def test_plain_group_message_with_a_kudos_word(tg: TG) -> None:
    text = "thanks @bruno_r for the translation help 👏"
    await tg.say_in_group(ALICE, text, entities=[mention(text, "bruno_r")])
    assert "Bruno Rossi — kudos from <b>Alice Martin</b>: thanks for the translation help 👏" \
        in tg.texts(GROUP)[-1]


async def test_self_kudos_and_kudos_to_the_bot_are_refused(tg: TG) -> None:
    text = "/kudos @alice_m for my own great work"
    await tg.say_in_group(ALICE, text, username="alice_m", entities=[
        {"type": "bot_command", "offset": 0, "length": 6},
        {"type": "text_mention", "offset": 7, "length": 8,
         "user": {"id": ALICE, "is_bot": False, "first_name": "Alice"}}])
    assert "you can't give them to yourself" in tg.texts(ALICE)[-1]  # privately
    text = f"/kudos @{BOT_USERNAME} for the reminders"
    await tg.say_in_group(ALICE, text, entities=[
        {"type": "bot_command", "offset": 0, "length": 6}, mention(text, BOT_USERNAME)])
    assert "I'm just the bot" in tg.texts(ALICE)[-1]
    # Said in reply to the bot's own message: the bot again, not "name someone".
    reminder = tg.fake.group_message(GROUP, ALICE, "x")["message"]
    reminder["from"] = tg.fake.bot_user
    await tg.say_in_group(GRACE, "/kudos for the reminders", reply_to_message=reminder)
    assert "I'm just the bot" in tg.texts(GRACE)[-1]
    assert count(tg) == 0


async def test_unknown_username_is_named_in_the_refusal(tg: TG) -> None:
    text = "/kudos @mallory for the help"
    await tg.say_in_group(LI, text, entities=[{"type": "bot_command", "offset": 0, "length": 6},
                                              mention(text, "mallory")])
    assert "无法给 @mallory 点赞：对方不在组织文件中" in tg.texts(LI)[-1]


async def test_redelivered_update_counts_once(tg: TG) -> None:
    original = tg.fake.group_message(GROUP, ALICE, "Demo went great")["message"]
    update = tg.fake.group_message(GROUP, GRACE, "/kudos for a flawless demo",
                                   reply_to_message=original)
    assert await tg.send(update)
    assert not await tg.send(update)  # Telegram redelivers until the offset confirms it
    assert count(tg) == 1
    assert len([t for t in tg.texts(GROUP) if "kudos from" in t]) == 1
    assert len([t for t in tg.texts(ALICE) if "You got kudos" in t]) == 1


async def test_allowance_runs_out_on_telegram(tg: TG) -> None:
    for _ in range(5):
        original = tg.fake.group_message(GROUP, ALICE, "Another deal closed")["message"]
        await tg.say_in_group(GRACE, "/kudos for another closed deal",
                              reply_to_message=original)
    original = tg.fake.group_message(GROUP, ALICE, "And one more")["message"]
    await tg.say_in_group(GRACE, "/kudos for yet another deal", reply_to_message=original)
    assert "You've given all 5 kudos you have today" in tg.texts(GRACE)[-1]
    assert count(tg) == 5


def edit_of(update: dict, text: str, *, seconds: int, entities: list[dict]) -> dict:
    """The update Telegram sends when the author edits `update`'s message to `text`,
    `seconds` after sending it."""
    message = {**update["message"], "text": text, "entities": entities,
               "edit_date": update["message"]["date"] + seconds}
    return {"update_id": update["update_id"] + 1000, "edited_message": message}


async def test_an_edit_that_fixes_the_name_gives_the_kudos_and_a_late_edit_says_why_not(
        tg: TG) -> None:
    # "@bruno" is not anyone's username (Bruno's is bruno_r): refused, privately.
    typo = "thanks @bruno for the translation help 👏"
    first = tg.fake.group_message(GROUP, ALICE, typo, entities=[mention(typo, "bruno")])
    await tg.send(first)
    assert "I can't give kudos to @bruno" in tg.texts(ALICE)[-1] and count(tg) == 0
    fixed = "thanks @bruno_r for the translation help 👏"
    await tg.send(edit_of(first, fixed, seconds=60, entities=[mention(fixed, "bruno_r")]))
    assert "Bruno Rossi — kudos from <b>Alice Martin</b>: thanks for the translation help" \
        in tg.texts(GROUP)[-1]
    assert count(tg) == 1
    # 李雷 praises Sam's username-less self by mistake as Bruno, and fixes it 20 minutes on.
    wrong = "谢谢 @bruno_r 帮忙准备投标材料"
    second = tg.fake.group_message(GROUP, LI, wrong, entities=[mention(wrong, "bruno_r")])
    await tg.send(second)
    assert count(tg) == 2
    right = "谢谢 Sam 帮忙准备投标材料"
    await tg.send(edit_of(second, right, seconds=20 * 60, entities=[
        {"type": "text_mention", "offset": 3, "length": 3,
         "user": {"id": SAM, "is_bot": False, "first_name": "Sam"}}]))
    assert tg.texts(LI)[-1].startswith(
        "我没有读取你的编辑：消息发出后 15 分钟内才能通过编辑更正点赞。点赞保持最初的样子。")
    assert count(tg) == 2


async def test_an_edit_that_changes_who_is_praised_moves_the_kudos(tg: TG) -> None:
    def named(user_id: int, first: str) -> list[dict]:
        return [{"type": "text_mention", "offset": 7, "length": len(first),
                 "user": {"id": user_id, "is_bot": False, "first_name": first}}]

    first = tg.fake.group_message(GROUP, GRACE, "thanks Alice for closing the Globex deal 👏",
                                  entities=named(ALICE, "Alice"))
    await tg.send(first)
    assert tg.texts(ALICE)[-1].startswith("🎉 You got kudos from")
    shout = tg.last_message(GROUP)
    await tg.send(edit_of(first, "thanks Sam for closing the Globex deal 👏", seconds=30,
                          entities=named(SAM, "Sam")))
    # The shout-out that praised Alice now says who has the kudos (editMessageText in
    # place): the group no longer shows "👏 Alice" above a separate "✏️ Corrected" post.
    [edit] = tg.fake.calls_for("editMessageText")
    assert edit.params["message_id"] == shout["message_id"]
    assert edit.params["text"] == ('✏️ Corrected: <a href="tg://user?id=1006">Sam Lee</a> — '
                                   "kudos from <b>Grace Chen</b>: thanks for closing the "
                                   "Globex deal 👏")
    assert len(tg.shown(GROUP)) == 1 and "Alice" not in tg.shown(GROUP)[0]
    assert tg.texts(SAM)[-1].startswith("🎉 You got kudos from")
    assert "corrected their kudos: it was meant for someone else" in tg.texts(ALICE)[-1]
    with tg.bot.sessions() as session:
        assert [k.recipient.key for k in session.scalars(select(Kudos))] == ["sam"]


async def test_a_reply_to_someone_not_in_the_org_file_names_them_in_the_refusal(tg: TG) -> None:
    # 张三 has no Telegram username and is not in the org file: the refusal read
    # "无法给 ? 点赞" (to "?"), leaving 李雷 to guess what went wrong.
    original = tg.fake.group_message(GROUP, 777, "续约签好了！", first_name="张三")["message"]
    await tg.say_in_group(LI, "/kudos 续约谈得非常漂亮", reply_to_message=original)
    assert tg.texts(LI)[-1].startswith("无法给 张三 点赞：对方不在组织文件中。")
    original = tg.fake.group_message(GROUP, 778, "Signed!", first_name="Wei")["message"]
    await tg.say_in_group(ALICE, "/kudos for the great renewal", reply_to_message=original)
    assert tg.texts(ALICE)[-1].startswith("I can't give kudos to Wei: they are not in the org")
    assert count(tg) == 0


async def test_an_edit_that_takes_the_praise_out_takes_the_kudos_back(tg: TG) -> None:
    """Telegram tells a bot of no deleted message: to take kudos back there, the author
    edits the praise out within 15 minutes, and the count follows what the group shows."""
    said = "thanks @bruno_r for the translation help 👏"
    first = tg.fake.group_message(GROUP, LI, said, entities=[mention(said, "bruno_r")])
    await tg.send(first)
    assert count(tg) == 1
    now = "@bruno_r can you check the translation"
    await tg.send(edit_of(first, now, seconds=45, entities=[mention(now, "bruno_r")]))
    assert count(tg) == 0
    assert tg.texts(LI)[-1].startswith(
        "编辑后的消息不再是点赞，因此它给出的点赞已撤回（Bruno Rossi）。")
    # Sent again after a restart, the same edit changes nothing more.
    assert not await tg.send(edit_of(first, now, seconds=45, entities=[mention(now, "bruno_r")]))
    assert count(tg) == 0


def command(text: str, *names: str) -> list[dict]:
    """The entities of a `/kudos …` group message naming `names` by username."""
    return [{"type": "bot_command", "offset": 0, "length": 6},
            *(mention(text, name) for name in names)]


async def test_kudos_to_the_whole_group_say_to_name_people_as_on_slack(tg: TG) -> None:
    """Telegram marks '@channel' and '@everyone' as username mentions (5 letters or
    more): "/kudos @channel …" was refused as "I can't give kudos to @channel: they are
    not in the org file … ask the person who runs teampulse to add them", as if a
    colleague were missing. It now gets Slack's answer for '/kudos @here …', in the
    giver's language, and a plain "thanks @everyone" is the group's own thank-you."""
    text = "/kudos @channel for shipping the launch"
    await tg.say_in_group(ALICE, text, entities=command(text, "channel"))
    assert tg.texts(ALICE)[-1].startswith("Kudos go to people by name, not to @channel")
    text = "/kudos @everyone 上线做得很漂亮"
    await tg.say_in_group(LI, text, entities=command(text, "everyone"))
    assert tg.texts(LI)[-1].startswith("点赞要写明给谁，不能给 @everyone")
    sent = len(tg.fake.calls)
    text = "thanks @everyone for shipping the launch 👏"
    await tg.say_in_group(ALICE, text, entities=[mention(text, "everyone")])
    assert [c.method for c in tg.fake.calls[sent:] if c.method.startswith("send")] == []
    assert count(tg) == 0


async def test_here_and_all_on_telegram_are_the_whole_group_too(tg: TG) -> None:
    """'@here' and '@all' are too short for a Telegram username, so Telegram marks nothing:
    "/kudos @here …" and "/kudos @all …" still get the answer they get on Slack, in the
    giver's language, and "thanks @all 👏" in the group is left alone."""
    text = "/kudos @here for shipping the launch"
    await tg.say_in_group(ALICE, text, entities=command(text))
    assert tg.texts(ALICE)[-1].startswith("Kudos go to people by name, not to @here")
    text = "/kudos @all 上线做得很漂亮"
    await tg.say_in_group(LI, text, entities=command(text))
    assert tg.texts(LI)[-1].startswith("点赞要写明给谁，不能给 @all")
    sent = len(tg.fake.calls)
    await tg.say_in_group(ALICE, "thanks @all for shipping the launch 👏")
    assert [c.method for c in tg.fake.calls[sent:] if c.method.startswith("send")] == []
    assert count(tg) == 0


async def test_a_person_whose_username_is_channel_gets_the_kudos(tg: TG) -> None:
    """A Telegram username can be 'channel': someone of the org who has it is named by it."""
    with tg.bot.sessions.begin() as session:
        bruno = session.scalar(select(Person).where(Person.key == "bruno"))
        assert bruno is not None
        bruno.telegram_username = "Channel"
    text = "/kudos @channel for the translation help"
    await tg.say_in_group(ALICE, text, entities=command(text, "channel"))
    assert "Bruno Rossi — kudos from <b>Alice Martin</b>: the translation help" \
        in tg.texts(GROUP)[-1]
    assert count(tg) == 1


async def test_the_reason_does_not_carry_a_call_to_the_whole_group(tg: TG) -> None:
    """"/kudos @bruno_r @channel for the demo" praises Bruno; the shout-out read
    "…: @channel for the demo" (and the refusal before that, "@channel: not in the org
    file"). Now the reason is "the demo", on the shout-out, the DM and the board."""
    text = "/kudos @bruno_r @channel for the demo prep"
    await tg.say_in_group(ALICE, text, entities=command(text, "bruno_r", "channel"))
    assert tg.texts(GROUP)[-1] == \
        "👏 Bruno Rossi — kudos from <b>Alice Martin</b>: the demo prep"
    text = "谢谢 @bruno_r 和 @everyone 帮忙准备投标材料"
    await tg.say_in_group(LI, text, entities=[mention(text, "bruno_r"),
                                              mention(text, "everyone")])
    assert "来自 <b>李雷</b> 的点赞：谢谢 帮忙准备投标材料" in tg.texts(GROUP)[-1]
    with tg.bot.sessions() as session:
        assert sorted(k.reason for k in session.scalars(select(Kudos))) == [
            "the demo prep", "谢谢 帮忙准备投标材料"]


async def test_a_corrected_shout_out_is_withdrawn_with_the_first(tg: TG) -> None:
    """Alice corrects her kudos' reason (the shout-out edited in place to "✏️ Corrected"),
    then edits the praise out: the bot's one post now says the kudos were withdrawn (a
    second editMessageText of it), none goes on praising Bruno."""
    said = "thanks @bruno_r for the demo 👏"
    first = tg.fake.group_message(GROUP, ALICE, said, entities=[mention(said, "bruno_r")])
    await tg.send(first)
    fixed = "thanks @bruno_r for the demo prep 👏"
    await tg.send(edit_of(first, fixed, seconds=30, entities=[mention(fixed, "bruno_r")]))
    [praising] = [t for t in tg.shown(GROUP) if "Bruno Rossi" in t]
    assert praising.startswith("✏️ Corrected"), tg.shown(GROUP)
    now = "@bruno_r can you send the demo deck?"
    await tg.send({**edit_of(first, now, seconds=60, entities=[mention(now, "bruno_r")]),
                   "update_id": first["update_id"] + 2000})
    edits = tg.fake.calls_for("editMessageText")
    assert len(edits) == 2 and len({str(e.params["message_id"]) for e in edits}) == 1
    withdrawn = ("↩️ Kudos withdrawn: the message that gave them was edited and no longer "
                 "praises anyone.")
    assert [t for t in tg.shown(GROUP) if t.startswith("↩️")] == [withdrawn]
    assert not [t for t in tg.shown(GROUP) if "Bruno Rossi" in t] and count(tg) == 0


async def test_the_whole_group_named_within_the_reason_keeps_its_word(tg: TG) -> None:
    """"for helping @everyone ship" (Telegram marks '@everyone' as a username): the whole
    group named inside the reason, not beside Bruno, keeps its word without the '@', as on
    Slack; the shout-out calls nobody."""
    text = "/kudos @bruno_r for helping @everyone ship the launch"
    await tg.say_in_group(ALICE, text, entities=command(text, "bruno_r", "everyone"))
    assert tg.texts(GROUP)[-1] == \
        "👏 Bruno Rossi — kudos from <b>Alice Martin</b>: helping everyone ship the launch"
    assert count(tg) == 1


async def test_kudos_edited_out_turn_the_shout_out_into_a_withdrawal(tg: TG) -> None:
    """李雷 edits the praise out of his message: the group went on showing the bot's
    "👏 Bruno Rossi —— 来自李雷的点赞" under a message that no longer praises anyone. The
    bot edits its shout-out (editMessageText of the message it recorded) to say, in 李雷's
    language, that the kudos were withdrawn; edited back, they get a new shout-out."""
    said = "谢谢 @bruno_r 帮忙准备投标材料 👏"
    first = tg.fake.group_message(GROUP, LI, said, entities=[mention(said, "bruno_r")])
    await tg.send(first)
    shout = tg.last_message(GROUP)
    assert "Bruno Rossi" in tg.shown(GROUP)[-1]
    now = "@bruno_r 投标材料发我一下"
    await tg.send(edit_of(first, now, seconds=45, entities=[mention(now, "bruno_r")]))
    [edit] = tg.fake.calls_for("editMessageText")
    assert edit.params["message_id"] == shout["message_id"]
    # (After it, "我已通过私信回复你。": 李雷 was told privately why.)
    assert tg.shown(GROUP)[0] == "↩️ 点赞已撤回：给出点赞的那条消息已被编辑，不再点赞任何人。"
    assert not [t for t in tg.shown(GROUP) if "Bruno Rossi" in t]
    again = "谢谢 @bruno_r 帮忙准备投标材料，辛苦了 👏"
    await tg.send({**edit_of(first, again, seconds=90, entities=[mention(again, "bruno_r")]),
                   "update_id": first["update_id"] + 2000})
    assert tg.shown(GROUP)[0].startswith("↩️ 点赞已撤回")
    assert "Bruno Rossi" in tg.shown(GROUP)[-1] and count(tg) == 1


async def test_a_corrected_shout_out_is_edited_in_the_givers_language(tg: TG) -> None:
    """李雷 meant Bruno, not Alice: his shout-out, in Chinese, is edited in place to the
    correction in Chinese; Alice no longer shows as praised."""
    said = "谢谢 Alice 帮忙准备投标材料 👏"
    first = tg.fake.group_message(GROUP, LI, said, entities=[
        {"type": "text_mention", "offset": 3, "length": 5,
         "user": {"id": ALICE, "is_bot": False, "first_name": "Alice"}}])
    await tg.send(first)
    assert "Alice Martin" in tg.shown(GROUP)[0]
    now = "谢谢 @bruno_r 帮忙准备投标材料 👏"
    await tg.send(edit_of(first, now, seconds=45, entities=[mention(now, "bruno_r")]))
    assert [t for t in tg.shown(GROUP) if "点赞" in t] == [
        "✏️ 已更正：Bruno Rossi —— 来自 李雷 的点赞：谢谢 帮忙准备投标材料 👏"]


async def test_kudos_taken_back_while_the_shout_out_is_being_sent_do_not_stay_praised(
        tg: TG) -> None:
    """李雷 edits the praise out while Telegram is still answering the bot's shout-out: the
    shout-out had no id yet to edit, and once sent it went on praising Bruno for good. The
    withdrawal is now done once its send is recorded."""
    import asyncio

    said = "谢谢 @bruno_r 帮忙准备投标材料 👏"
    first = tg.fake.group_message(GROUP, LI, said, entities=[mention(said, "bruno_r")])
    release = tg.fake.hold_chat("sendMessage", GROUP)  # Telegram slow to answer the group
    sending = asyncio.create_task(tg.send(first))
    await tg.fake.wait_for(lambda: any(c.params.get("chat_id") == GROUP for c in
                                       tg.fake.calls_for("sendMessage")), 5)
    handled = len(tg.handled.events)
    now = "@bruno_r 投标材料发我一下"
    tg.fake.push_update(edit_of(first, now, seconds=45, entities=[mention(now, "bruno_r")]))
    await tg.handled.wait(handled + 1)
    assert count(tg) == 0
    release.set()
    await sending
    for _ in range(3):  # the withdrawal waits for the send to be recorded
        tg.clock.advance(timedelta(seconds=5))
        await tg.settle()
    assert tg.shown(GROUP)[0] == "↩️ 点赞已撤回：给出点赞的那条消息已被编辑，不再点赞任何人。"
    assert not [t for t in tg.shown(GROUP) if "Bruno Rossi" in t]


async def test_a_long_shout_out_edited_out_leaves_only_the_withdrawal(
        tg: TG, monkeypatch: pytest.MonkeyPatch) -> None:
    """A shout-out too long for one Telegram message goes out in two: the praise edited out,
    only the last was edited and the first went on praising Bruno. Now the first says the
    kudos were withdrawn and the other part is deleted."""
    # Telegram counts `&amp;` as the one `&` it shows: a reason of 2,000 characters (the
    # most it takes) nearly always fits one message now. A message of 1,000 here, so that
    # this one, with its names, takes two as a longer one would.
    from bot.adapters import telegram as adapter

    monkeypatch.setattr(adapter, "split_html", lambda text: split_html(text, limit=1000))
    reason = " ".join(f"step {n} <&&&&&&&&>" for n in range(95))
    said = f"thanks @bruno_r for {reason} 👏"
    assert len(said) <= 2000
    first = tg.fake.group_message(GROUP, ALICE, said, entities=[mention(said, "bruno_r")])
    await tg.send(first)
    assert len([t for t in tg.shown(GROUP) if "step" in t]) == 2
    now = "@bruno_r can you check the translation"
    await tg.send(edit_of(first, now, seconds=45, entities=[mention(now, "bruno_r")]))
    assert tg.shown(GROUP)[0] == ("↩️ Kudos withdrawn: the message that gave them was edited "
                                  "and no longer praises anyone.")
    assert not [t for t in tg.shown(GROUP) if "Bruno Rossi" in t or "step" in t]


async def test_a_username_typed_with_a_full_width_at_sign_names_that_person(tg: TG) -> None:
    # A Chinese keyboard in full-width mode types '＠': Telegram makes no mention entity of
    # '＠bruno_r', and the kudos were answered with how to give kudos.
    text = "/kudos ＠bruno_r 帮忙翻译投标材料"
    await tg.say_in_group(LI, text, entities=[{"type": "bot_command", "offset": 0, "length": 6}])
    assert "Bruno Rossi —— 来自 <b>李雷</b> 的点赞：帮忙翻译投标材料" in tg.texts(GROUP)[-1]
    text = "谢谢＠bruno_r的翻译，帮了大忙👏"  # in the group's chat, no command
    await tg.say_in_group(LI, text)
    # (The 的 that made the translation Bruno's goes with his name: it read "谢谢 的翻译".)
    assert "Bruno Rossi —— 来自 <b>李雷</b> 的点赞：翻译，帮了大忙👏" in tg.texts(GROUP)[-1]
    assert count(tg) == 2


async def test_a_thank_you_for_someones_support_reads_as_chinese(tg: TG) -> None:
    # "感谢 @bruno_r 的支持" (thanks for Bruno's support) shouted out "…的点赞：的支持" and
    # DMed him "的支持": the 的 that made the support his started the reason.
    text = "感谢 @bruno_r 的支持"
    await tg.say_in_group(LI, text, entities=[mention(text, "bruno_r")])
    assert tg.texts(GROUP)[-1].endswith("Bruno Rossi —— 来自 <b>李雷</b> 的点赞：支持")
    text = "感谢 Sam 的支持"  # Sam has no username: a text mention, and his DM
    await tg.say_in_group(LI, text, entities=[
        {"type": "text_mention", "offset": text.index("Sam"), "length": 3,
         "user": {"id": SAM, "is_bot": False, "first_name": "Sam"}}])
    assert tg.texts(GROUP)[-1].endswith("Sam Lee</a> —— 来自 <b>李雷</b> 的点赞：支持")
    assert tg.texts(SAM)[-1].endswith("</a>: 支持"), tg.texts(SAM)[-1]
    text = "谢谢 @bruno_r 对我的帮助"
    await tg.say_in_group(LI, text, entities=[mention(text, "bruno_r")])
    assert tg.texts(GROUP)[-1].endswith("的点赞：对我的帮助"), tg.texts(GROUP)[-1]
    assert count(tg) == 3


async def test_a_kudos_typed_all_in_full_width_names_that_person(tg: TG) -> None:
    # A Chinese keyboard in full-width mode types the whole line wide: the username too
    # ('＠ｂｒｕｎｏ＿ｒ'), which Telegram makes no mention of; it was answered with how to
    # give kudos, and in the group's chat nothing happened.
    await tg.say_in_group(LI, "／ｋｕｄｏｓ　＠ｂｒｕｎｏ＿ｒ　帮忙翻译投标材料")
    assert "Bruno Rossi —— 来自 <b>李雷</b> 的点赞：帮忙翻译投标材料" in tg.texts(GROUP)[-1]
    await tg.say_in_group(LI, "谢谢＠ｂｒｕｎｏ＿ｒ的翻译，帮了大忙👏")
    assert "Bruno Rossi —— 来自 <b>李雷</b> 的点赞：翻译，帮了大忙👏" in tg.texts(GROUP)[-1]
    assert count(tg) == 2


async def test_a_name_inside_a_chinese_sentence_stays_in_the_shout_out(tg: TG) -> None:
    # '从@bruno_r那里学到很多' (learned a lot from Bruno) shouted out "从 那里学到很多"
    # (learned a lot from there): the name, a part of the sentence, was cut out of it.
    text = "从@bruno_r那里学到很多，谢谢👏"
    await tg.say_in_group(LI, text, entities=[mention(text, "bruno_r")])
    shout = tg.texts(GROUP)[-1]
    said = "从@bruno_r那里学到很多，谢谢👏"
    assert shout.endswith(f"Bruno Rossi —— 来自 <b>李雷</b> 的点赞：{said}"), shout
    # Where the thank-you itself names him, the name still goes with it, as before.
    text = "谢谢 @bruno_r 帮忙准备投标材料"
    await tg.say_in_group(LI, text, entities=[mention(text, "bruno_r")])
    assert tg.texts(GROUP)[-1].endswith("的点赞：谢谢 帮忙准备投标材料"), tg.texts(GROUP)[-1]
    assert count(tg) == 2


async def test_a_command_for_another_bot_is_not_kudos_for_us(tg: TG) -> None:
    """A group with two bots: "/kudos@OtherBot thanks @bruno_r for the demo" is the other
    bot's command (docs/telegram.md: ignored). With privacy mode off teampulse read it as
    praise all the same: Bruno got kudos from Alice, reason '/kudos@OtherBot thanks for
    the demo', a shout-out, and one of Alice's five of the day. An edit of it is not ours
    either; the same command addressed to teampulse gives the kudos."""
    text = "/kudos@OtherBot thanks @bruno_r for the demo 👏"
    entities = [{"type": "bot_command", "offset": 0, "length": 15}, mention(text, "bruno_r")]
    first = tg.fake.group_message(GROUP, ALICE, text, entities=entities)
    await tg.send(first)
    await tg.send(edit_of(first, text.replace("demo", "demo prep"), seconds=30,
                          entities=entities))
    text = "谢谢 @bruno_r 帮忙准备投标材料"
    await tg.say_in_group(LI, f"/kudos@OtherBot {text}", entities=[
        {"type": "bot_command", "offset": 0, "length": 15},
        mention(f"/kudos@OtherBot {text}", "bruno_r")])
    assert tg.fake.calls_for("sendMessage") == [] and count(tg) == 0

    text = f"/kudos@{BOT_USERNAME} @bruno_r for the demo"
    await tg.say_in_group(ALICE, text, entities=[
        {"type": "bot_command", "offset": 0, "length": 7 + len(BOT_USERNAME)},
        mention(text, "bruno_r")])
    assert tg.texts(GROUP) == ["👏 Bruno Rossi — kudos from <b>Alice Martin</b>: the demo"]
    assert count(tg) == 1


def forwarded_from(user_id: int, first_name: str, username: str | None = None) -> dict:
    """The forward_origin Telegram gives a message forwarded from a person's account."""
    user = {"id": user_id, "is_bot": False, "first_name": first_name}
    if username:
        user["username"] = username
    return {"type": "user", "date": 1_700_000_000, "sender_user": user}


async def test_forwarded_kudos_are_not_given_again_in_the_forwarders_name(tg: TG) -> None:
    """李雷 gives Bruno kudos in the group; Alice forwards that message (and a thank-you
    from another chat) to the group to show it off. Each was read as Alice's own: Bruno got
    the same praise again from her, with a shout-out, out of her five a day. Forwarded
    words are nobody's command or kudos now: silence in the group, and in a private chat
    the forwarder is told to type it themselves, in their language."""
    text = "/kudos @bruno_r 投标材料准备得很好"
    await tg.say_in_group(LI, text, entities=command(text, "bruno_r"))
    assert count(tg) == 1
    sent = len(tg.fake.calls_for("sendMessage"))
    await tg.say_in_group(ALICE, text, entities=command(text, "bruno_r"),
                          forward_origin=forwarded_from(LI, "李雷"))
    thanks = "thanks @bruno_r for the translation help 👏"
    await tg.say_in_group(ALICE, thanks, entities=[mention(thanks, "bruno_r")],
                          forward_origin=forwarded_from(SAM, "Sam"))
    assert len(tg.fake.calls_for("sendMessage")) == sent and count(tg) == 1

    await tg.say(ALICE, text, entities=command(text, "bruno_r"),
                 forward_origin=forwarded_from(LI, "李雷"))
    assert tg.texts(ALICE)[-1] == ("That message was forwarded, so I don't act on it: to "
                                   "use a command or give kudos, type it yourself.")
    await tg.say(LI, thanks, entities=[mention(thanks, "bruno_r")],
                 forward_origin=forwarded_from(SAM, "Sam"))
    assert tg.texts(LI)[-1] == "这条消息是转发的，我不会据此操作：要使用命令或点赞，请自己输入。"
    assert count(tg) == 1


async def test_a_forwarded_answer_still_answers_the_question(tg: TG) -> None:
    """A guard: a figure forwarded (from a colleague's report, say) while a check-in
    question waits is the person's answer, as typed."""
    await tg.say(ALICE, "/checkin")
    await tg.say(ALICE, "52000", forward_origin=forwarded_from(SAM, "Sam"))
    assert "Question 2 of 8" in tg.texts(ALICE)[-1]


async def test_kudos_in_reply_to_a_forwarded_message_go_to_whoever_wrote_it(tg: TG) -> None:
    """Alice forwards Bruno's news to the group and replies '/kudos for …' to it: she was
    told she can't give kudos to herself (Telegram's reply names the forwarder); and 李雷
    replying so would have praised Alice for Bruno's work. The kudos go to the message's
    author. A message forwarded from a hidden account or a channel names no account:
    the giver is asked to name the person, in their language."""
    news = tg.fake.group_message(GROUP, ALICE, "Globex renewed for 3 years!",
                                 forward_origin=forwarded_from(BRUNO, "Bruno", "bruno_r"))
    await tg.send(news)
    await tg.say_in_group(ALICE, "/kudos for the Globex renewal",
                          reply_to_message=news["message"])
    assert tg.texts(GROUP)[-1] == \
        "👏 Bruno Rossi — kudos from <b>Alice Martin</b>: the Globex renewal"
    await tg.say_in_group(LI, "/kudos 续约谈得非常漂亮", reply_to_message=news["message"])
    assert "Bruno Rossi —— 来自 <b>李雷</b> 的点赞：续约谈得非常漂亮" in tg.texts(GROUP)[-1]
    with tg.bot.sessions() as session:
        assert {k.recipient.key for k in session.scalars(select(Kudos))} == {"bruno"}

    hidden = tg.fake.group_message(GROUP, ALICE, "Closed Initech!", forward_origin={
        "type": "hidden_user", "date": 1_700_000_000, "sender_user_name": "Bruno <R>"})
    await tg.send(hidden)
    await tg.say_in_group(LI, "/kudos 干得漂亮", reply_to_message=hidden["message"])
    assert tg.texts(LI)[-1].startswith("无法为那条消息给 Bruno &lt;R&gt; 点赞：")
    post = tg.fake.group_message(GROUP, ALICE, "Q3 results are in", forward_origin={
        "type": "channel", "date": 1_700_000_000, "message_id": 7,
        "chat": {"id": -1_009_876_543_210, "type": "channel", "title": "Sales News"}})
    await tg.send(post)
    await tg.say_in_group(GRACE, "/kudos", reply_to_message=post["message"])
    assert tg.texts(GRACE)[-1] == (
        "I can't give kudos to Sales News for that message: Telegram does not say whose "
        "account wrote it (forwarded from an account that hides itself, or sent in a "
        "group's or channel's name). Name them instead, for example "
        "<code>/kudos @alice for the demo</code>.")
    assert count(tg) == 2


async def test_kudos_in_reply_to_a_message_of_another_chat_or_of_the_group_itself(
        tg: TG) -> None:
    """'/kudos for …' quoting Bruno's message from another chat (Telegram's reply to
    another chat: external_reply) was answered with how to give kudos, naming nobody; it
    praises Bruno now. One answering a message an anonymous admin sent in the group's name
    says that no account is named, instead of how to give kudos."""
    await tg.say_in_group(ALICE, "/kudos for the Globex renewal", external_reply={
        "origin": forwarded_from(BRUNO, "Bruno", "bruno_r"),
        "chat": {"id": -1_005_555_555_555, "type": "supergroup", "title": "Europe"},
        "message_id": 41})
    assert tg.texts(GROUP)[-1] == \
        "👏 Bruno Rossi — kudos from <b>Alice Martin</b>: the Globex renewal"
    anonymous = tg.fake.group_message(GROUP, 1087968824, "Office closed Friday 🎉",
                                      username="GroupAnonymousBot")
    anonymous["message"]["from"]["is_bot"] = True
    anonymous["message"]["sender_chat"] = anonymous["message"]["chat"]
    await tg.say_in_group(LI, "/kudos 安排得很周到", reply_to_message=anonymous["message"])
    assert tg.texts(LI)[-1].startswith("无法为那条消息给 Test Group 点赞：")
    assert count(tg) == 1


async def test_a_username_that_is_the_givers_own_is_kudos_to_themselves(tg: TG) -> None:
    # Telegram usernames are one account's at a time: '@alice_m' typed by the account that
    # has it names the giver. Alice (known by id, her username not in the org file) was
    # told '@alice_m' is not in the org file and to ask for it to be added.
    text = "thanks @alice_m for my own great work 👏"
    await tg.say_in_group(ALICE, text, username="alice_m", entities=[mention(text, "alice_m")])
    assert tg.texts(ALICE)[-1] == ("Nice try 🙂 Kudos are for recognising others, so you "
                                   "can't give them to yourself.")
    # Grace took the username 'bruno_r' that Bruno gave up (the org file still gives it to
    # him): her '@bruno_r' is a link to herself in the group, and the kudos went to Bruno.
    text = "/kudos @BRUNO_R for the demo prep"
    await tg.say_in_group(GRACE, text, username="bruno_r", entities=[
        {"type": "bot_command", "offset": 0, "length": 6}, mention(text, "BRUNO_R")])
    assert "you can't give them to yourself" in tg.texts(GRACE)[-1]
    assert not [t for t in tg.texts(GROUP) if "kudos from" in t]
    assert count(tg) == 0
    # Anyone else's '@bruno_r' is Bruno's, as the org file says.
    text = "thanks @bruno_r for the demo prep 👏"
    await tg.say_in_group(ALICE, text, username="alice_m", entities=[mention(text, "bruno_r")])
    assert "Bruno Rossi — kudos from <b>Alice Martin</b>" in tg.texts(GROUP)[-1]
    assert count(tg) == 1


async def test_a_text_mentions_name_said_again_in_the_reason_stays_there(tg: TG) -> None:
    """Sam has no username, so his name is a text mention; the reason says his name again.
    Every "Sam" was taken out of it: the group read "thanks for 's deck"."""
    text = "thanks Sam for Sam's deck, it won us Globex 👏"
    await tg.say_in_group(GRACE, text, entities=[
        {"type": "text_mention", "offset": 7, "length": 3,
         "user": {"id": SAM, "is_bot": False, "first_name": "Sam"}}])
    assert tg.sent(GROUP)[-1]["text"] == (
        '👏 <a href="tg://user?id=1006">Sam Lee</a> — kudos from <b>Grace Chen</b>: thanks '
        "for Sam's deck, it won us Globex 👏")
    assert count(tg) == 1

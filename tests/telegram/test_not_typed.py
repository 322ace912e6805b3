"""What a director sends mid check-in that is not plain typed text: media, a location, a
contact, a poll, a message an inline bot wrote, a quote of an earlier question."""

from __future__ import annotations

from typing import Any

import pytest

from storage.models import Answer
from tests.telegram.conftest import ALICE, GRACE, LI, TG

FILE = {"file_id": "F1", "file_unique_id": "U1"}
MEDIA: dict[str, Any] = {
    "photo": [{**FILE, "width": 90, "height": 67}],
    "document": {**FILE, "file_name": "q4.xlsx", "mime_type": "application/vnd.ms-excel"},
    "sticker": {**FILE, "type": "regular", "width": 512, "height": 512, "is_animated": False,
                "is_video": False, "emoji": "👍"},
    "voice": {**FILE, "duration": 3},
    "video_note": {**FILE, "duration": 3, "length": 240},
    "animation": {**FILE, "duration": 1, "width": 320, "height": 240},
    "location": {"latitude": 31.23, "longitude": 121.47},
    "contact": {"phone_number": "+8613800000000", "first_name": "Bob"},
    "poll": {"id": "P1", "question": "Lunch?", "options": [
        {"persistent_id": "o1", "text": "yes", "voter_count": 0},
        {"persistent_id": "o2", "text": "no", "voter_count": 0}],
        "total_voter_count": 0, "is_closed": False, "is_anonymous": False,
        "type": "regular", "allows_multiple_answers": False, "allows_revoting": False,
        "members_only": False},
    "dice": {"emoji": "🎲", "value": 4},
    "venue": {"location": {"latitude": 31.23, "longitude": 121.47}, "title": "Office",
              "address": "1 Main St"},
}


def answers(tg: TG) -> int:
    with tg.bot.unit() as ctx:
        return ctx.session.query(Answer).count()


def not_text(update: dict[str, Any], kind: str) -> dict[str, Any]:
    message = update["message"]
    message.pop("text", None)
    message.pop("entities", None)
    message[kind] = MEDIA[kind]
    if kind == "venue":
        message["location"] = MEDIA["venue"]["location"]
    return update


@pytest.mark.parametrize("kind", list(MEDIA))
async def test_media_mid_check_in_asks_for_the_answer_in_text(tg: TG, kind: str) -> None:
    await tg.checkins("alice", "li")
    await tg.say(ALICE, "52000")
    await tg.send(not_text(tg.fake.private_message(ALICE, ""), kind))
    await tg.send(not_text(tg.fake.private_message(LI, ""), kind))
    assert tg.shown(ALICE)[-1] == ("I can only read text messages: please type your answer "
                                   "to the question above.")
    assert tg.shown(LI)[-1] == "我只能读取文字消息：请用文字回答上面的问题。"
    assert answers(tg) == 1
    await tg.say(ALICE, "3")
    assert "Question 3 of 8" in tg.shown(ALICE)[-1]
    assert answers(tg) == 2


CALC = {"id": 777, "is_bot": True, "first_name": "Calc", "username": "calcbot"}


async def test_text_an_inline_bot_wrote_is_no_answer(tg: TG) -> None:
    """Alice, asked her revenue, picks "52000" from an inline bot (@calcbot 50000+2000):
    Telegram sends it from her account, marked via_bot. It was stored as her revenue:
    words a bot wrote are nobody's answer, command or kudos. She is told to type it, in
    her language (李雷 in Chinese); in the group such a message is left alone."""
    from tests.telegram.conftest import GROUP

    await tg.checkins("alice", "li")
    await tg.say(ALICE, "52000", via_bot=CALC)
    assert tg.shown(ALICE)[-1] == (
        "That message was sent through @calcbot, another bot, so I don't read it: type it "
        "yourself. The question above still waits for your answer.")
    await tg.say(LI, "/summary", via_bot=CALC)
    assert tg.shown(LI)[-1] == (
        "这条消息是通过另一个机器人 @calcbot 发送的，我不读取它：请自己输入。"
        "上面的问题仍在等待你的回答。")
    await tg.say_in_group(ALICE, "thanks @bruno_r for the demo 👏", via_bot=CALC)
    assert tg.shown(GROUP) == []
    assert answers(tg) == 0
    await tg.say(ALICE, "52000")  # typed: the question took it
    assert "Question 2 of 8" in tg.shown(ALICE)[-1]
    assert answers(tg) == 1
    await tg.say(GRACE, "/help", via_bot=CALC)  # nobody asked: no "still waits"
    assert tg.shown(GRACE)[-1] == (
        "That message was sent through @calcbot, another bot, so I don't read it: type it "
        "yourself.")


async def test_a_reply_to_an_earlier_question_is_not_filed_under_the_next(tg: TG) -> None:
    """Alice answers her revenue, then sees the typo and replies to the revenue question
    with "61000", as Telegram invites her to: it was stored as her new customers, the
    question asked since. A reply to a question asked before the one waiting answers
    nothing: she is told how to change an answer (李雷 in Chinese), as for a reply to her
    own earlier answer. A reply to the question waiting is its answer."""
    from datetime import timedelta

    tg.fake.clock = lambda: tg.clock.now().timestamp()  # Telegram's clock and ours agree
    await tg.checkins("alice", "li")
    answered = {}
    for who in (ALICE, LI):
        revenue = tg.last_message(who)
        tg.clock.advance(timedelta(seconds=30))  # time to type it
        answered[who] = tg.fake.private_message(who, "52000")["message"]
        await tg.send({"message": answered[who]})
        customers = tg.last_message(who)
        tg.clock.advance(timedelta(seconds=30))
        await tg.say(who, "61000", reply_to_message=revenue)
    assert tg.shown(ALICE)[-1] == (
        "You replied to an earlier message, so I didn't take this as an answer: a new "
        "message answers the question I asked last. To change an answer you already gave, "
        "send /edit.")
    assert tg.shown(LI)[-1] == (
        "你回复的是之前的一条消息，所以我没有把它当作回答：直接发送的新消息会作为我最后提出的那个问题的"
        "回答。要修改已经给出的回答，请发送 /edit。")
    # Replying to her own answer to fix it is the same: no answer to the question waiting.
    tg.clock.advance(timedelta(seconds=30))
    await tg.say(ALICE, "61000", reply_to_message=answered[ALICE])
    assert tg.shown(ALICE)[-1].startswith("You replied to an earlier message")
    with tg.bot.unit() as ctx:
        assert sorted(a.number_value for a in ctx.session.query(Answer)) == [52000, 52000]
    await tg.say(ALICE, "3", reply_to_message=customers)  # the question waiting: taken
    assert "Question 3 of 8" in tg.shown(ALICE)[-1]
    assert answers(tg) == 3

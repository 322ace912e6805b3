"""Kudos in a photo's caption on Telegram (the real python-telegram-bot client, fake API).

Teams post a screenshot of the closed deal with their thanks as its caption: the caption
counts as the same words typed would, under the same rules.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from storage.kudos import Kudos
from tests.telegram.conftest import ALICE, GROUP, LI, SAM, TG
from tests.telegram.test_chat import PHOTO, without_text
from tests.telegram.test_kudos import count, forwarded_from, mention


def photo(update: dict[str, Any], caption: str, entities: list[dict]) -> dict[str, Any]:
    """`update`'s message as a photo with `caption` (and its caption_entities) instead of
    text, as Telegram sends a picture posted with a caption."""
    return without_text(update, photo=PHOTO, caption=caption, caption_entities=entities)


def in_group(tg: TG, user_id: int, caption: str, entities: list[dict],
             **fields: Any) -> dict[str, Any]:
    return photo(tg.fake.group_message(GROUP, user_id, "", **fields), caption, entities)


def caption_edit(update: dict, caption: str, *, seconds: int, entities: list[dict]) -> dict:
    """The update Telegram sends when the author edits the photo's caption."""
    message = {**update["message"], "caption": caption, "caption_entities": entities,
               "edit_date": update["message"]["date"] + seconds}
    return {"update_id": update["update_id"] + 1000 + seconds, "edited_message": message}


async def test_a_photo_with_a_thank_you_caption_gives_kudos(tg: TG) -> None:
    """Alice posts the deal's screenshot, "thanks @bruno_r for the demo deck 👏": the
    caption was ignored (a photo), so Bruno got nothing. Now it is kudos, as the same words
    typed: a shout-out answering the photo; the same in Chinese for a person without a
    username picked from the list (a text mention, Sam told privately), and `/kudos` too."""
    said = "thanks @bruno_r for the demo deck 👏"
    update = in_group(tg, ALICE, said, [mention(said, "bruno_r")])
    await tg.send(update)
    [shout] = tg.sent(GROUP)
    assert shout["text"] == ("👏 Bruno Rossi — kudos from <b>Alice Martin</b>: thanks for "
                             "the demo deck 👏")
    assert shout["reply_parameters"]["message_id"] == update["message"]["message_id"]
    said = "谢谢 Sam 帮忙做的报价单 👏"
    await tg.send(in_group(tg, LI, said, [
        {"type": "text_mention", "offset": 3, "length": 3,
         "user": {"id": SAM, "is_bot": False, "first_name": "Sam"}}]))
    assert tg.texts(GROUP)[-1].endswith("—— 来自 <b>李雷</b> 的点赞：谢谢 帮忙做的报价单 👏")
    assert tg.texts(SAM)[-1].startswith('🎉 You got kudos from <a href="tg://user?id=1004">'
                                        "李雷</a>: 谢谢 帮忙做的报价单")
    said = "/kudos @bruno_r for the pricing sheet"
    await tg.send(in_group(tg, SAM, said, [{"type": "bot_command", "offset": 0, "length": 6},
                                           mention(said, "bruno_r")]))
    assert tg.texts(GROUP)[-1] == "👏 Bruno Rossi — kudos from <b>Sam Lee</b>: the pricing sheet"
    with tg.bot.sessions() as session:
        assert sorted((k.giver.key, k.recipient.key) for k in session.scalars(select(Kudos))) \
            == [("alice", "bruno"), ("li", "sam"), ("sam", "bruno")]


async def test_a_look_alike_username_in_a_caption_credits_nobody(tg: TG) -> None:
    """"@brunoxr" is not Bruno (bruno_r): a username is matched exactly, never as a
    pattern ('_' matching any letter). The giver is told privately whom the bot does not
    know (and who was perhaps meant), in their language, and nobody gets the kudos."""
    for who, said in ((ALICE, "thanks @brunoxr for the demo deck 👏"),
                      (LI, "谢谢 @brunoxr 准备的演示材料 👏")):
        await tg.send(in_group(tg, who, said, [mention(said, "brunoxr")]))
    assert tg.texts(ALICE)[-1] == ("I can't give kudos to @brunoxr: nobody in the org file "
                                   "goes by that. Did you mean @bruno_r (Bruno Rossi)? Nothing "
                                   "was given: send your kudos again with their handle.")
    assert tg.texts(LI)[-1].startswith("无法给 @brunoxr 点赞")
    assert not [t for t in tg.texts(GROUP) if "kudos from" in t or "点赞：" in t]
    assert count(tg) == 0


async def test_a_forwarded_photo_or_one_for_another_bot_gives_nothing(tg: TG) -> None:
    """Alice forwards 李雷's captioned screenshot to the group, and posts one whose caption
    is another bot's command: neither is her kudos (silence in the group); a forwarded one
    sent to the bot privately is answered to type it herself. Her own caption gives them."""
    said = "thanks @bruno_r for the demo deck 👏"
    await tg.send(in_group(tg, ALICE, said, [mention(said, "bruno_r")],
                           forward_origin=forwarded_from(LI, "李雷")))
    other = "/kudos@OtherBot thanks @bruno_r for the demo deck"
    await tg.send(in_group(tg, ALICE, other, [
        {"type": "bot_command", "offset": 0, "length": 15}, mention(other, "bruno_r")]))
    assert tg.fake.calls_for("sendMessage") == [] and count(tg) == 0
    await tg.send(photo(tg.fake.private_message(ALICE, "", forward_origin=forwarded_from(
        LI, "李雷")), said, [mention(said, "bruno_r")]))
    assert tg.texts(ALICE) == ["That message was forwarded, so I don't act on it: to use a "
                               "command or give kudos, type it yourself."]
    assert count(tg) == 0
    await tg.send(in_group(tg, ALICE, said, [mention(said, "bruno_r")]))
    assert count(tg) == 1 and "kudos from <b>Alice Martin</b>" in tg.texts(GROUP)[-1]


async def test_an_edited_caption_corrects_the_kudos_as_an_edited_message_does(tg: TG) -> None:
    """A caption naming "@bruno" (nobody) is refused; fixed to "@bruno_r" a minute later,
    the kudos are given. Edited again so that it praises nobody, they are taken back."""
    typo = "thanks @bruno for the demo deck 👏"
    first = in_group(tg, ALICE, typo, [mention(typo, "bruno")])
    await tg.send(first)
    assert tg.texts(ALICE)[-1].startswith("I can't give kudos to @bruno") and count(tg) == 0
    fixed = "thanks @bruno_r for the demo deck 👏"
    await tg.send(caption_edit(first, fixed, seconds=60, entities=[mention(fixed, "bruno_r")]))
    assert tg.texts(GROUP)[-1] == ("👏 Bruno Rossi — kudos from <b>Alice Martin</b>: thanks "
                                   "for the demo deck 👏")
    assert count(tg) == 1
    plain = "@bruno_r the deck for Monday"
    await tg.send(caption_edit(first, plain, seconds=120, entities=[mention(plain, "bruno_r")]))
    assert count(tg) == 0
    assert tg.texts(ALICE)[-1].startswith("Your edited message no longer reads as kudos, so "
                                          "the kudos it gave are taken back (Bruno Rossi).")


async def test_a_photo_in_private_still_gets_the_hint_unless_its_caption_is_kudos(
        tg: TG) -> None:
    """In a private chat a photo is no answer and its caption no command ("/summary" under
    a screenshot gets the text-only hint, as before); a thank-you caption is kudos."""
    await tg.send(photo(tg.fake.private_message(ALICE, ""), "/summary", []))
    assert tg.texts(ALICE) == ["I can only read text messages. Send /help to see what I "
                               "can do."]
    said = "thanks @bruno_r for the demo deck 👏"
    await tg.send(photo(tg.fake.private_message(ALICE, ""), said,
                        [mention(said, "bruno_r")]))
    assert tg.texts(ALICE)[-1] == ("👏 Bruno Rossi — kudos from <b>Alice Martin</b>: thanks "
                                   "for the demo deck 👏")
    assert count(tg) == 1

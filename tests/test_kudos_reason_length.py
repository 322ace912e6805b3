"""A kudos reason is typed text like any other: over 2,000 characters it is refused with
the limit, in the giver's language, and nothing is given or posted. Before, a 5,000-
character reason posted a channel shout-out in several messages, the first holding only
"👏 Sam Lee — kudos from Alice Martin:"."""

from __future__ import annotations

from bot.adapters.console import console_mentions
from bot.events import InboundEvent
from storage.kudos import KudosRepo
from tests.test_kudos import count_kudos, kudo

LONG = "the demo" + " and the follow-up" * 280  # 5,048 characters


async def test_a_reason_over_2000_characters_is_refused_and_nothing_is_posted(bot, chat):
    await kudo(bot, "alice", f"/kudos @sam {LONG}")
    assert chat.last("alice") == ("That reason is 5,048 characters; a kudos reason can be up "
                                  "to 2,000. Please shorten it. No kudos were given.")
    assert not [t for t in chat.to("team") if "kudos from" in t] and chat.to("sam") == []
    assert count_kudos(bot) == 0
    await kudo(bot, "li", f"谢谢 @alice {LONG}")
    assert chat.last("li") == ("这条原因有 5,051 个字符，点赞原因最多 2,000 个字符。请缩短。"
                               "这次没有送出点赞。")
    assert count_kudos(bot) == 0


async def test_a_reason_of_2000_characters_is_posted_whole(bot, chat):
    reason = "the demo " + "x" * 1991
    assert len(reason) == 2000
    await kudo(bot, "alice", f"/kudos @sam {reason}")
    assert chat.last("team").endswith(f"Sam Lee — kudos from Alice Martin: {reason}")
    assert count_kudos(bot) == 1


async def test_an_edit_that_makes_the_reason_too_long_keeps_the_kudos_as_they_were(bot, chat):
    await kudo(bot, "alice", "thanks @sam for the demo", message_id="m1")
    text = f"thanks @sam {LONG}"
    await bot.handle(InboundEvent(platform="console", user_id="alice", chat_id="team",
                                  chat_type="group", text=text, message_id="m1",
                                  event_id="edit-1", edited_after=60.0,
                                  mentions=console_mentions(text)))
    assert chat.last("alice") == (
        "That reason is 5,055 characters; a kudos reason can be up to 2,000. Please shorten "
        "it: your kudos stay as they were before this edit.")
    with bot.unit() as ctx:
        assert [k.reason for k in KudosRepo(ctx.session).between(None, None)] == [
            "thanks for the demo"]

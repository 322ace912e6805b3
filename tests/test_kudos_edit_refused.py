"""An edit of a message that gave kudos, which the rules refuse (a name nobody in the org
file has, a value that is not the org's, the giver themselves, more than today's
allowance): the kudos stay with whom the message first praised, and the giver is told so.

Before, the refusal read as for a new message: "Nothing was given: send your kudos again
with their handle" (or "I haven't given these kudos yet") while Sam kept the kudos and the
channel's shout-out. A giver moving their kudos to Bruno who did as told sent new kudos,
and Sam kept the ones meant for Bruno.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.adapters.console import console_mentions
from bot.events import InboundEvent
from storage.kudos import KudosRepo
from tests.test_kudos import kudo


async def edit(bot, key: str, text: str, *, message_id: str = "m1", event_id: str = "edit-1",
               seconds: float = 60.0) -> None:
    """Person `key` edits their message `message_id` in the team's group to `text`."""
    await bot.handle(InboundEvent(platform="console", user_id=key, chat_id="team",
                                  chat_type="group", text=text, message_id=message_id,
                                  event_id=event_id, edited_after=seconds,
                                  mentions=console_mentions(text)))


def credited(bot) -> list[tuple[str, str, str]]:
    """(giver, recipient, reason) of every kudos stored."""
    with bot.unit() as ctx:
        return [(k.giver.key, k.recipient.key, k.reason)
                for k in KudosRepo(ctx.session).between(None, None)]


KEPT_EN = ("Your kudos stay as they were before this edit, with Sam Lee. To correct them, "
           "edit the message again within 15 minutes of sending it.")


async def test_an_edit_to_a_mistyped_name_keeps_the_kudos_and_says_with_whom(bot, chat):
    await kudo(bot, "alice", "thanks @sam for the demo 👏", message_id="m1")
    await edit(bot, "alice", "thanks @brunoo for the demo 👏")
    assert chat.last("alice") == (
        "I can't give kudos to @brunoo: nobody in the org file goes by that. Did you mean "
        "@bruno (Bruno Rossi)?\n" + KEPT_EN)
    assert credited(bot) == [("alice", "sam", "thanks for the demo 👏")]
    # Following the advice moves them: the edit with Bruno's handle.
    await edit(bot, "alice", "thanks @bruno for the demo 👏", event_id="edit-2", seconds=90)
    assert credited(bot) == [("alice", "bruno", "thanks for the demo 👏")]


async def test_an_edit_to_a_stranger_keeps_the_kudos_in_chinese_too(bot, chat):
    await kudo(bot, "li", "谢谢 @alice 帮忙准备投标材料", message_id="m1")
    await edit(bot, "li", "谢谢 @mallory 帮忙准备投标材料")
    assert chat.last("li") == (
        "无法给 @mallory 点赞：对方不在组织文件中。点赞是给一起工作的同事的，不能给应用或机器人；"
        "如果 @mallory 是你的同事，请联系 teampulse 管理员把此人加入组织文件。\n"
        "你的点赞保持这次编辑之前的样子，仍给 Alice Martin。如需更正，请在消息发出后 15 分钟内"
        "再次编辑。")
    assert [r for _, r, _ in credited(bot)] == ["alice"]


async def test_an_edit_with_a_value_not_the_orgs_keeps_the_kudos(bot, chat):
    await kudo(bot, "alice", "thanks @sam for the demo #ownership", message_id="m1")
    await edit(bot, "alice", "thanks @sam for the demo #speed")
    assert chat.last("alice") == (
        "#speed is not one of our values, so I haven't read this edit. Our values: "
        "#customer-first (Customer first), #ownership (Ownership).\n" + KEPT_EN)
    with bot.unit() as ctx:
        assert [k.values for k in KudosRepo(ctx.session).between(None, None)] == [["ownership"]]
    await kudo(bot, "li", "谢谢 @sam 帮忙准备投标材料", message_id="m2")
    await edit(bot, "li", "谢谢 @sam 帮忙准备投标材料 #speed", message_id="m2", event_id="edit-2")
    assert chat.last("li").startswith("#speed 不是我们的价值观，这次编辑没有被读取。")
    assert chat.last("li").endswith(
        "你的点赞保持这次编辑之前的样子，仍给 Sam Lee。"
        "如需更正，请在消息发出后 15 分钟内再次编辑。")


async def test_an_edit_naming_oneself_or_over_the_allowance_says_the_kudos_stay(bot, chat):
    await kudo(bot, "alice", "thanks @sam for the demo 👏", message_id="m1")
    await edit(bot, "alice", "thanks @alice @sam for the demo 👏")
    assert chat.last("alice") == ("Nice try 🙂 Kudos are for recognising others, so you "
                                  "can't give them to yourself.\n" + KEPT_EN)
    for n in range(4):  # the rest of Alice's 5 a day
        await kudo(bot, "alice", f"/kudos @li for the pitch number {n}", message_id=f"x{n}")
    await edit(bot, "alice", "thanks @sam @bruno for the demo 👏", event_id="edit-2")
    assert chat.last("alice") == ("You've given all 5 kudos you have today. Your allowance "
                                  "starts again tomorrow (in your timezone).\n" + KEPT_EN)
    assert [r for _, r, _ in credited(bot)][:1] == ["sam"]


async def test_an_edit_after_midnight_never_gives_more_than_the_allowance_of_the_day_it_is_dated(
        bot, chat, clock):
    """README: "each person may give at most `org.kudos.allowance` kudos a day", and "the
    daily allowance counts the corrected kudos". Thursday 23:50 in New York Alice gives her
    fifth kudo of the day; at 00:02 she edits that message to name Sam as well. The kudos
    an edit adds are dated as the message (Thursday): counted against Friday's fresh
    allowance, Thursday came to six."""
    clock.set(datetime(2026, 12, 4, 4, 40, tzinfo=UTC))  # Thu 2026-12-03 23:40 in New York
    await kudo(bot, "alice", "/kudos @li @bruno @vera @grace for a great quarter kickoff")
    clock.set(datetime(2026, 12, 4, 4, 50, tzinfo=UTC))
    await kudo(bot, "alice", "thanks @sam for the demo 👏", message_id="m1")
    clock.set(datetime(2026, 12, 4, 5, 2, tzinfo=UTC))  # Fri 00:02, within the 15 minutes
    await edit(bot, "alice", "thanks @sam @li for the demo 👏", seconds=12 * 60)
    assert chat.last("alice") == (
        "You had given all 5 kudos of 2026-12-03, the day this message was sent, so an edit "
        "of it can add nobody.\n" + KEPT_EN)
    assert len(credited(bot)) == 5
    # Friday's own allowance is untouched: new kudos go.
    await kudo(bot, "alice", "/kudos @li for the follow-up call")
    assert len(credited(bot)) == 6
    with bot.unit() as ctx:  # in Chinese too
        assert ctx.renderer.message(
            "zh-CN", "kudos_allowance", allowance=5, left=2, wanted=3, day="2026-12-03") == (
            "这条消息发送当天（2026-12-03）你还剩 2 个点赞，但这次编辑新增了 3 人。")

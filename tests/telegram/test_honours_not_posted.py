"""The GM's note on an honour roll Telegram never took, from the GM's side: the real
python-telegram-bot client against the fake Bot API, the note worded for why the outbox
gave it up.

"I may have been removed from the group, it is gone, or I may not send messages there" is
true of a 403 (or a 400 'chat not found', tests/telegram/test_topics.py, or 'not enough
rights'). After hours of 502s it was not, and its advice (add me again, let me send
messages, name another channel) would have the GM change an org file that was right; nor
is it true of a post Telegram refuses for another reason.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.outbox import MAX_ATTEMPTS, RETRY_FOR
from tests.support import settle_outbox
from tests.telegram.conftest import GRACE, TG

HONOURS = -1_009_876_543_210
OPENING = (f"⚠️ I could not post the honour roll of November 2026 in its channel "
           f"(<code>{HONOURS}</code>, <code>org.kudos.honours_channel.telegram</code> in the "
           "org file): ")
OPENING_ZH = (f"⚠️ 2026年11月的荣誉榜没能发到它的频道（<code>{HONOURS}</code>，即组织文件中的 "
              "<code>org.kudos.honours_channel.telegram</code>）：")
FORWARD = " The team has not seen the roll: forward them the copy I sent you."
FORWARD_ZH = "团队还没有看到这份荣誉榜：可以把我发给你的那份转发给大家。"
#: ... then the roll itself, as the GM's copy may have been given up in the same outage.
GAVE_UP = (OPENING + "Telegram kept failing for hours, so I gave up on it. Nothing in the org "
           "file needs changing. The team has not seen the roll: forward it to them. In case "
           "my copy did not reach you either (the same hours of failing), here it is:\n\n")
GAVE_UP_ZH = (OPENING_ZH + "Telegram 连续几个小时发送失败，我只好放弃了。组织文件无需修改。"
              "团队还没有看到这份荣誉榜：请转发给大家。发给你的那份可能也因同样的故障没有送达，"
              "所以这里再附一次：\n\n")
REJECTED = (OPENING + "Telegram refused it, for a reason other than the channel being gone or "
            "my not being in it; whoever runs teampulse finds the reason in its log." + FORWARD)
REJECTED_ZH = (OPENING_ZH + "Telegram 拒绝了这条消息，但原因不是频道不存在或我不在频道里；"
               "负责运行 teampulse 的人可以在日志中查到原因。" + FORWARD_ZH)
NO_RIGHTS = (OPENING + "Telegram refused it, so I may have been removed from the group, it is "
             "gone, or I may not send messages there. Add me to it again, let me send "
             "messages there (a group admin can), or name another channel in the org file."
             + FORWARD)
NO_RIGHTS_ZH = (OPENING_ZH + "Telegram 拒绝了这条消息，我可能已被移出这个群、群已不存在，"
                "或者我在群里没有发言权限。请重新把我加进去、让群管理员允许我发消息，"
                "或在组织文件中改用别的频道。" + FORWARD_ZH)


async def _honours_month(tg: TG, locale: str) -> None:
    """Grace (the GM, reading `locale`) and an honours group the org file names, on an
    install running in November (a fresh one posts no roll of a month before it)."""
    tg.bot.org = replace(tg.bot.org, kudos=replace(
        tg.bot.org.kudos, honours_channel={"telegram": str(HONOURS)}))
    await tg.say(GRACE, "/language 中文" if locale == "zh-CN" else "/language")


async def _post_the_roll(tg: TG) -> datetime:
    """The monthly job runs on Tue 1 December, 09:00 in New York; the outbox then retries
    as it is told to, the fake clock moved to each retry (never sleeping), until nothing
    is left to send. Returns when the job ran."""
    ran = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
    tg.clock.set(ran)
    assert await tg.bot.run_honours()
    await settle_outbox(tg.bot, tg.clock)
    return ran


def _tries(tg: TG) -> int:
    return len([c for c in tg.fake.calls_for("sendMessage")
                if c.params.get("chat_id") == HONOURS])


@pytest.mark.parametrize(("locale", "expected"), [("en", GAVE_UP), ("zh-CN", GAVE_UP_ZH)])
async def test_hours_of_telegram_failing_do_not_say_the_bot_was_removed(
        tg: TG, locale: str, expected: str) -> None:
    """The honours group's posts answer 502 Bad Gateway for the outbox's whole retry
    window (about six hours of fake time): the roll is given up, and Grace hears that
    Telegram kept failing, not that the bot may have been removed or the group is gone,
    and that nothing in the org file needs changing."""
    await _honours_month(tg, locale)
    tg.fake.fail_chat("sendMessage", HONOURS, 502, "Bad Gateway", times=None)
    ran = await _post_the_roll(tg)

    assert tg.fake.sent_messages(HONOURS) == []
    assert _tries(tg) == MAX_ATTEMPTS  # tried all along, then given up
    assert tg.clock.now() - ran >= RETRY_FOR
    note, copy = tg.texts(GRACE)[-1], tg.texts(GRACE)[-2]
    assert copy.startswith("🏆")  # her copy reached her: only the group was failing
    assert note == expected + copy  # the roll once more: she cannot know hers came
    assert "removed" not in note and "移出" not in note


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
async def test_an_outage_that_swallowed_her_copy_too_still_leaves_her_the_roll(
        tg: TG, locale: str) -> None:
    """Telegram answers every message 502 for longer than the outbox keeps trying: the
    group's roll and Grace's own copy are both given up. Once Telegram is back, her note
    must not send her to a copy she never got: it carries the roll itself."""
    await _honours_month(tg, locale)
    before = len(tg.texts(GRACE))
    tg.fake.fail("sendMessage", 502, "Bad Gateway", times=None)
    ran = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
    tg.clock.set(ran)
    assert await tg.bot.run_honours()
    back = ran + RETRY_FOR + timedelta(hours=1)
    for _ in range(10 * MAX_ATTEMPTS):  # the outbox tries, on fake time, until Telegram is back
        due = await tg.bot.outbox.flush()
        if due is None or due >= back:
            break
        tg.clock.set(max(tg.clock.now(), due))
    tg.clock.set(back)
    tg.fake.clear_responses()  # Telegram is back
    await settle_outbox(tg.bot, tg.clock)

    assert tg.fake.sent_messages(HONOURS) == []
    [note] = tg.texts(GRACE)[before:]  # her copy never came: the note alone
    assert note.startswith(GAVE_UP if locale == "en" else GAVE_UP_ZH)
    heading = ("🏆 <b>Honour roll — November 2026</b>" if locale == "en"
               else "🏆 <b>荣誉榜 —— 2026年11月</b>")
    assert heading in note


@pytest.mark.parametrize(("locale", "expected"), [("en", REJECTED), ("zh-CN", REJECTED_ZH)])
async def test_a_refusal_that_is_not_the_groups_is_said_plainly(
        tg: TG, locale: str, expected: str) -> None:
    """Telegram refuses the post for good with a 400 that is not the group's (the message
    itself, here one longer than Telegram takes): given up at once, and Grace is told
    that plainly, not that the bot was removed."""
    await _honours_month(tg, locale)
    tg.fake.fail_chat("sendMessage", HONOURS, 400, "Bad Request: message is too long")
    await _post_the_roll(tg)

    assert tg.fake.sent_messages(HONOURS) == []
    assert _tries(tg) == 1  # given up at once, not retried
    assert tg.texts(GRACE)[-1] == expected


@pytest.mark.parametrize("error", [
    "Bad Request: not enough rights to send text messages to the chat",
    "Bad Request: have no rights to send a message",
    "Bad Request: CHAT_WRITE_FORBIDDEN",
])
@pytest.mark.parametrize(("locale", "expected"), [("en", NO_RIGHTS), ("zh-CN", NO_RIGHTS_ZH)])
async def test_a_group_that_does_not_let_the_bot_post_is_named_as_what_to_change(
        tg: TG, locale: str, expected: str, error: str) -> None:
    """The bot is in the honours group, but the group lets only its admins post (or has
    muted the bot): Telegram answers 400, the group's rule, which its admins can change.
    Grace is told what to do about it, not sent to whoever runs teampulse."""
    await _honours_month(tg, locale)
    tg.fake.fail_chat("sendMessage", HONOURS, 400, error)
    await _post_the_roll(tg)

    assert tg.fake.sent_messages(HONOURS) == []
    assert _tries(tg) == 1  # given up at once, not retried
    assert tg.texts(GRACE)[-1] == expected

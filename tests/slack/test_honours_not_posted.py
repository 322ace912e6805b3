"""The GM's note on an honour roll Slack never took, from the GM's side: the real slack_sdk
client against the fake Slack Web API, the note worded for why the outbox gave it up.

"The channel may be archived or gone, or I am not in it" is true of Slack's is_archived,
channel_not_found or not_in_channel (tests/slack/test_kudos.py). After hours of 503s it was
not, and its advice (invite me, name another channel) would have the GM change an org file
that was right; nor is it true of a post Slack refuses for another reason.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.outbox import MAX_ATTEMPTS, RETRY_FOR
from tests.slack.harness import GRACE, SlackHarness

CHANNEL = "C0HONOURS"
OPENING = ("⚠️ I could not post the honour roll of November 2026 in its channel (`C0HONOURS`, "
           "`org.kudos.honours_channel.slack` in the org file): ")
OPENING_ZH = ("⚠️ 2026年11月的荣誉榜没能发到它的频道（`C0HONOURS`，即组织文件中的 "
              "`org.kudos.honours_channel.slack`）：")
FORWARD = " The team has not seen the roll: forward them the copy I sent you."
FORWARD_ZH = "团队还没有看到这份荣誉榜：可以把我发给你的那份转发给大家。"
#: ... then the roll itself, as the GM's copy may have been given up in the same outage.
GAVE_UP = (OPENING + "Slack kept failing for hours, so I gave up on it. Nothing in the org "
           "file needs changing. The team has not seen the roll: forward it to them. In case "
           "my copy did not reach you either (the same hours of failing), here it is:\n\n")
GAVE_UP_ZH = (OPENING_ZH + "Slack 连续几个小时发送失败，我只好放弃了。组织文件无需修改。"
              "团队还没有看到这份荣誉榜：请转发给大家。发给你的那份可能也因同样的故障没有送达，"
              "所以这里再附一次：\n\n")
REJECTED = (OPENING + "Slack refused it, for a reason other than the channel being gone or my "
            "not being in it; whoever runs teampulse finds the reason in its log." + FORWARD)
REJECTED_ZH = (OPENING_ZH + "Slack 拒绝了这条消息，但原因不是频道不存在或我不在频道里；"
               "负责运行 teampulse 的人可以在日志中查到原因。" + FORWARD_ZH)


async def _honours_month(slack: SlackHarness, locale: str) -> None:
    """Grace (the GM, reading `locale`) gives a kudos in November; the roll's channel is
    C0HONOURS, the bot a member of it."""
    bot = slack.bot
    bot.org = replace(bot.org, kudos=replace(bot.org.kudos, honours_channel={"slack": CHANNEL}))
    slack.fake.join(CHANNEL)
    if locale == "zh-CN":
        await slack.command(GRACE, "/language", "中文", channel="D0GRACE")
    await slack.command(GRACE, "/kudos", "<@U0SAM|sam> for the Acme renewal #ownership",
                        raw=True)


async def _post_the_roll(slack: SlackHarness) -> datetime:
    """The monthly job runs on Tue 1 December, 09:00 in New York; the outbox then retries
    as it is told to, the fake clock moved to each retry (never sleeping), until nothing
    is left to send. Returns when the job ran."""
    ran = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
    slack.clock.set(ran)
    assert await slack.bot.run_honours()
    for _ in range(10 * MAX_ATTEMPTS):
        due = await slack.bot.outbox.flush()
        if due is None:
            return ran
        slack.clock.set(max(slack.clock.now(), due))
    raise AssertionError("the outbox did not settle")


@pytest.mark.parametrize(("locale", "expected"), [("en", GAVE_UP), ("zh-CN", GAVE_UP_ZH)])
async def test_hours_of_slack_failing_do_not_blame_the_channel(
        slack: SlackHarness, locale: str, expected: str) -> None:
    """Slack answers the roll's channel post 503 for the outbox's whole retry window
    (about six hours of fake time): the roll is given up, and Grace hears that Slack kept
    failing, not that the channel may be archived or that she should invite the bot, and
    that nothing in the org file needs changing."""
    await _honours_month(slack, locale)
    slack.fake.fail_channel("chat.postMessage", CHANNEL, "service_unavailable", status=503,
                            times=10 * MAX_ATTEMPTS)
    ran = await _post_the_roll(slack)

    assert slack.fake.posted(CHANNEL) == []
    assert len(slack.posts(CHANNEL)) == MAX_ATTEMPTS  # tried all along, then given up
    assert slack.clock.now() - ran >= RETRY_FOR
    note, copy = slack.last_text(GRACE), slack.posts(GRACE)[-2].params["text"]
    assert copy.startswith("🏆")  # her copy reached her: only the channel was failing
    assert note == expected + copy  # the roll once more: she cannot know hers came
    assert "archived" not in note and "归档" not in note


@pytest.mark.parametrize(("locale", "expected"), [("en", REJECTED), ("zh-CN", REJECTED_ZH)])
async def test_a_refusal_that_is_not_the_channels_is_said_plainly(
        slack: SlackHarness, locale: str, expected: str) -> None:
    """Slack refuses the post for good for a reason that is not the channel or the bot's
    membership (restricted_action: a workspace preference keeps the bot from posting):
    given up at once, and Grace is told that plainly, not to invite the bot."""
    await _honours_month(slack, locale)
    slack.fake.fail_channel("chat.postMessage", CHANNEL, "restricted_action")
    await _post_the_roll(slack)

    assert slack.fake.posted(CHANNEL) == []
    assert len(slack.posts(CHANNEL)) == 1  # given up at once, not retried
    assert slack.last_text(GRACE) == expected

"""A check-in or pulse poll Slack never delivers to the DM, from the asker's side: the real
slack_sdk client against the fake Slack Web API.

Alice types `/checkin` (or `/pulse`) in a channel; a note only she sees says the questions
are in her DM. Should Slack refuse that DM for good (the bot may not open it) or keep
failing for the outbox's whole retry window, that note must not be the last word: she
would wait in her DM for questions that are not coming.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.outbox import MAX_ATTEMPTS, RETRY_FOR
from tests.slack.harness import ALICE, CHANNEL, GRACE, SlackHarness, dm_channel, through_outage

#: Enough answers to outlast every try the outbox makes: failing "for good".
ALWAYS = 10 * MAX_ATTEMPTS
POLL_DAY = datetime(2026, 12, 9, 17, 5, tzinfo=UTC)  # past 11:00 everywhere in the test org

MOVED = {
    "checkin": ("Check-ins are private, so I've sent your questions in a private message.",
                "签到内容是私密的，我已通过私信把问题发给你。"),
    "pulse": ("The pulse poll is anonymous, so I've sent it to you in a private message.",
              "脉搏调查是匿名的，我已通过私信发给你。"),
}
REFUSED = {
    "checkin": ("I couldn't send you your check-in questions in a private message after "
                "all: Slack refused them, for a reason that is not yours to fix. Send "
                "/checkin again; if it fails again, tell the person who runs teampulse "
                "(its log says why).",
                "我最终没能通过私信把签到问题发给你：Slack 拒绝了它们，原因不在你这边。请再发一次 "
                "/checkin；如果仍然失败，请告诉负责运行 teampulse 的人（日志里有原因）。"),
    "pulse": ("I couldn't send you the pulse poll in a private message after all: Slack "
              "refused it, for a reason that is not yours to fix. Send /pulse again; if it "
              "fails again, tell the person who runs teampulse (its log says why).",
              "我最终没能通过私信把脉搏调查发给你：Slack 拒绝了它，原因不在你这边。请再发一次 "
              "/pulse；如果仍然失败，请告诉负责运行 teampulse 的人（日志里有原因）。"),
}
GAVE_UP = {
    "checkin": ("I couldn't send you your check-in question: Slack kept failing for hours, "
                "so I gave up on it. Nothing is wrong on your side: send /checkin to carry "
                "on.",
                "我没能把签到问题发给你：Slack 连续几个小时发送失败，我只好放弃了。"
                "这不是你那边的问题，发送 /checkin 继续。"),
    "pulse": ("I couldn't send you the pulse poll: Slack kept failing for hours, so I gave "
              "up on it. Nothing is wrong on your side: send /pulse to carry on while the "
              "poll is open.",
              "我没能把脉搏调查发给你：Slack 连续几个小时发送失败，我只好放弃了。"
              "这不是你那边的问题，调查截止前发送 /pulse 继续。"),
}


def _notes(slack: SlackHarness, user: str = ALICE) -> list[str]:
    """The notes only `user` sees in the channel."""
    return [str(c.params["text"]) for c in slack.ephemerals(user)]


async def _in_chinese(slack: SlackHarness) -> None:
    await slack.command(ALICE, "/language", "中文", channel=dm_channel(ALICE))


async def _open_poll(slack: SlackHarness) -> None:
    """A pulse poll opens (its DMs sent, Alice's too, or tried)."""
    slack.clock.set(POLL_DAY)
    await slack.bot.run_pulse()
    await slack.settle()


@pytest.mark.parametrize("locale", [0, 1], ids=["en", "zh-CN"])
@pytest.mark.parametrize("what", ["checkin", "pulse"])
async def test_a_dm_slack_refuses_is_owned_up_to_where_she_asked(
        slack: SlackHarness, what: str, locale: int) -> None:
    """Slack refuses every post to Alice's DM for good (`channel_not_found`): a second
    note only she sees, right under the first, says the questions are not coming."""
    if locale:
        await _in_chinese(slack)
    if what == "pulse":
        await _open_poll(slack)
    slack.fake.fail_channel("chat.postMessage", ALICE, "channel_not_found", times=ALWAYS)

    await slack.command(ALICE, f"/{what}", channel=CHANNEL)

    assert _notes(slack)[-2:] == [MOVED[what][locale], REFUSED[what][locale]]
    assert slack.posts(CHANNEL) == []  # nothing for the channel to see


@pytest.mark.parametrize("locale", [0, 1], ids=["en", "zh-CN"])
@pytest.mark.parametrize("what", ["checkin", "pulse"])
async def test_hours_of_slack_failing_are_said_in_her_dm_once_it_is_back(
        slack: SlackHarness, what: str, locale: int) -> None:
    """Slack answers every post 503 for longer than the outbox keeps trying (hours of
    fake time): the check-in's question is given up, and once Slack is back Alice hears so
    in her DM, where she was sent to look (a note only she sees in the channel is shown
    only while she is online), and that nothing is wrong on her side. The poll's question
    is true until the poll closes (days later): it is not given up, and reaches her DM
    itself once Slack is back."""
    if locale:
        await _in_chinese(slack)
    if what == "pulse":
        await _open_poll(slack)
    before = len(slack.fake.posted(dm_channel(ALICE)))
    slack.fake.clock = lambda: slack.clock.now().timestamp()
    start = slack.clock.now()
    back = start + RETRY_FOR + timedelta(hours=1)
    slack.fake.outage("chat.postMessage", back.timestamp(), status=503)

    await slack.command(ALICE, f"/{what}", channel=CHANNEL, settle=False)
    await slack.adapter.drain()
    await through_outage(slack, back + timedelta(hours=1))
    await slack.settle()

    assert _notes(slack) == [MOVED[what][locale]]
    # (What reached her DM, not every try the outbox made.)
    landed = [m["text"] for m in slack.fake.posted(dm_channel(ALICE))[before:]]
    if what == "pulse":
        [question] = landed
        assert ("第 1 题，共 2 题" if locale else "Question 1 of 2") in question, question
    else:
        assert landed == [GAVE_UP[what][locale]]


async def test_in_her_dm_nothing_more_is_said_when_slack_refuses_it(
        slack: SlackHarness) -> None:
    """Typed in her DM, `/checkin` was promised nowhere else: no note follows anywhere
    (the DM refused is what the log and the GM's "not reached" are for)."""
    slack.fake.fail_channel("chat.postMessage", ALICE, "channel_not_found", times=ALWAYS)

    await slack.command(ALICE, "/checkin", channel=dm_channel(ALICE))

    assert _notes(slack) == [] and _notes(slack, GRACE) == []
    assert slack.posts(CHANNEL) == []

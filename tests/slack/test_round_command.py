"""The GM sends a check-in round from Slack."""

from __future__ import annotations

import pytest

from tests.slack.harness import ALICE, CHANNEL, GRACE, SlackHarness, dm_channel


async def test_gm_sends_a_round_with_a_slash_command_and_gets_the_report(
        slack: SlackHarness) -> None:
    resp = await slack.command(GRACE, "/checkin", "send team east")
    assert resp.status == 200
    assert "Time for your weekly check-in" in slack.last_text(ALICE)
    assert "Check-in round sent to team East: 1 prompted." in slack.last_text(GRACE)


async def test_a_director_is_refused_in_slack(slack: SlackHarness) -> None:
    await slack.command(ALICE, "/checkin", "send")
    refusal = slack.ephemerals(ALICE)[-1].params["text"]
    assert "Only the GM and the admins named in the org file" in refusal


@pytest.mark.parametrize("chinese", [False, True], ids=["en", "zh-CN"])
async def test_a_round_sent_from_a_channel_says_where_its_report_goes(
        slack: SlackHarness, chinese: bool) -> None:
    """The report comes to the GM's DM; the channel she typed it in showed her nothing
    at all. A note only she sees says where it goes; the channel sees nothing."""
    if chinese:
        await slack.command(GRACE, "/language", "中文", channel=dm_channel(GRACE))
    await slack.command(GRACE, "/checkin", "send team east", channel=CHANNEL)
    assert slack.ephemerals(GRACE)[-1].params["text"] == (
        "正在发送签到，谁收到了，我会通过私信告诉你。" if chinese else
        "Sending the check-in round now; I'll tell you in a private message who was "
        "prompted.")
    assert slack.last_text(GRACE) == ("签到已发送给团队 East：已提醒 1 人。" if chinese else
                                      "Check-in round sent to team East: 1 prompted.")
    assert slack.posts(CHANNEL) == []


@pytest.mark.parametrize("chinese", [False, True], ids=["en", "zh-CN"])
async def test_a_rounds_report_slack_refuses_in_the_dm_is_shown_where_she_asked(
        slack: SlackHarness, chinese: bool) -> None:
    """Slack refuses every post to the GM's DM for good (`channel_not_found`): the note
    said the report would come there, and it never did, without a word. The report now
    comes in a second note only she sees, right under the first, saying why; the channel
    still sees nothing."""
    from tests.slack.test_dm_not_sent import ALWAYS

    if chinese:
        await slack.command(GRACE, "/language", "中文", channel=dm_channel(GRACE))
    slack.fake.fail_channel("chat.postMessage", GRACE, "channel_not_found", times=ALWAYS)
    await slack.command(GRACE, "/checkin", "send team east", channel=CHANNEL)
    notes = [str(c.params["text"]) for c in slack.ephemerals(GRACE)]
    assert notes[-2:] == (
        ["正在发送签到，谁收到了，我会通过私信告诉你。",
         "Slack 拒绝了我发给你的私信，所以把签到发送结果放在这里，只有你看得到：\n\n"
         "签到已发送给团队 East：已提醒 1 人。"] if chinese else
        ["Sending the check-in round now; I'll tell you in a private message who was "
         "prompted.",
         "Slack refused my private message to you, so here is the check-in round's report, "
         "where only you can see it:\n\nCheck-in round sent to team East: 1 prompted."])
    assert "Time for your weekly check-in" in slack.last_text(ALICE)
    assert slack.posts(CHANNEL) == []



async def test_a_rounds_report_given_up_after_hours_of_slack_failing_comes_to_her_dm_again(
        slack: SlackHarness) -> None:
    """Slack answers every post to the GM's DM 503 for the outbox's whole retry window:
    the report is given up, and a new one goes to her DM, where she was sent to look (a
    note only she sees in the channel, hours later, is shown only while she is online),
    and gets there once Slack takes it again; the channel still sees nothing."""
    from datetime import timedelta

    from bot.outbox import MAX_ATTEMPTS, RETRY_FOR
    from tests.slack.harness import through_outage

    slack.fake.fail_channel("chat.postMessage", GRACE, "service_unavailable", status=503,
                            times=MAX_ATTEMPTS)
    await slack.command(GRACE, "/checkin", "send team east", channel=CHANNEL, settle=False)
    await slack.adapter.drain()
    await through_outage(slack, slack.clock.now() + RETRY_FOR + timedelta(hours=2))
    await slack.settle()

    assert [m["text"] for m in slack.fake.posted(dm_channel(GRACE))] == [
        "Check-in round sent to team East: 1 prompted."]
    assert [str(c.params["text"]) for c in slack.ephemerals(GRACE)] == [
        "Sending the check-in round now; I'll tell you in a private message who was "
        "prompted."]
    assert "Time for your weekly check-in" in slack.last_text(ALICE)
    assert slack.posts(CHANNEL) == []

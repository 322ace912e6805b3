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

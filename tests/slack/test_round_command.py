"""The GM sends a check-in round from Slack."""

from __future__ import annotations

from tests.slack.harness import ALICE, GRACE, SlackHarness


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

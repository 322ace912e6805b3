"""/summary's words in any order, as a GM types them in Slack (see
tests/test_summary_word_order.py for the console chat)."""

from __future__ import annotations

from tests.slack.harness import GRACE, SlackHarness, dm_channel


async def test_week_team_east_in_slack_is_this_weeks_team_summary(slack: SlackHarness) -> None:
    await slack.command(GRACE, "/summary", "team East", channel=dm_channel(GRACE))
    expected = slack.last_text(GRACE)
    await slack.command(GRACE, "/summary", "week team East", channel=dm_channel(GRACE))
    assert slack.last_text(GRACE) == expected
    assert "team East" in expected and "is not a week" not in expected
    await slack.command(GRACE, "/summary", "last 4w", channel=dm_channel(GRACE))
    four_weeks = slack.last_text(GRACE)
    await slack.command(GRACE, "/summary", "week last 4w", channel=dm_channel(GRACE))
    assert slack.last_text(GRACE) == four_weeks and "is not a week" not in four_weeks
    await slack.command(GRACE, "/summary", "this week W45", channel=dm_channel(GRACE))
    assert '"this week" and "W45" ask for two different periods' in slack.last_text(GRACE)

"""The GM's /summary on Slack says why a director's check-in did not reach them: the real
slack_sdk client against the fake Web API."""

from __future__ import annotations

from bot.outbox import MAX_ATTEMPTS
from tests.fakes.slack_api import FakeSlackAPI
from tests.slack.harness import ALICE, GRACE, SlackHarness, dm_channel


async def test_a_slack_id_that_is_no_user_reads_check_their_slack_id(
        slack: SlackHarness, fake: FakeSlackAPI, bot) -> None:
    """Slack answers `user_not_found` to Alice's check-in (a wrong or removed member id):
    the GM reads that her Slack account was not found and to check her slack_id, not a
    bare "could not be delivered"."""
    fake.fail_channel("chat.postMessage", ALICE, "user_not_found", times=10 * MAX_ATTEMPTS)
    await bot.run_checkins()
    await slack.settle()

    await slack.command(GRACE, "/summary", channel=dm_channel(GRACE))

    summary = slack.last_text(GRACE)
    assert "Alice Martin" in summary and "not reached: the check-in could not be delivered " \
        "(Slack account not found or deactivated — check their slack_id in the org " \
        "file)" in summary, summary


async def test_her_team_and_her_history_say_so_too(
        slack: SlackHarness, fake: FakeSlackAPI, bot) -> None:
    """Not only the GM's overview: `/summary team East` and `/summary alice` (her
    history) say her Slack account was not found, and to check her slack_id."""
    fake.fail_channel("chat.postMessage", ALICE, "user_not_found", times=10 * MAX_ATTEMPTS)
    await bot.run_checkins()
    await slack.settle()

    why = ("not reached: the check-in could not be delivered (Slack account not found or "
           "deactivated — check their slack_id in the org file)")
    await slack.command(GRACE, "/summary", "team East", channel=dm_channel(GRACE))
    assert f"⚠️ <@U0ALICE> — {why}" in slack.last_text(GRACE), slack.last_text(GRACE)
    await slack.command(GRACE, "/summary", "alice", channel=dm_channel(GRACE))
    assert f"*2026-W48* (2026-11-23 – 2026-11-29): {why}" in slack.last_text(GRACE), \
        slack.last_text(GRACE)

"""What people write never reaches a Slack-side log line at INFO or WARNING."""

from __future__ import annotations

import logging

import pytest

from tests.slack.harness import ALICE, SlackHarness, dm_channel, message

WIN = "Closed the Zephyr-7731 deal"
BLOCKER = "Legal sits on contract Q-5521"
FORGED_DM = "my salary is 123,456 please keep quiet"


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Everything logged at DEBUG, from before the adapter is built (as LOG_LEVEL would)."""
    caplog.set_level(logging.DEBUG)
    return caplog


def leaked(caplog: pytest.LogCaptureFixture, *secrets: str) -> list[str]:
    """Log lines at INFO or above that quote any of the secrets."""
    lines = [caplog.handler.format(r) for r in caplog.records if r.levelno >= logging.INFO]
    return [line for line in lines if any(s in line for s in secrets)]


async def test_a_refused_request_is_not_logged_with_its_text(
        debug_logs: pytest.LogCaptureFixture, slack: SlackHarness) -> None:
    body = slack.callback(message(ALICE, FORGED_DM, channel=dm_channel(ALICE),
                                  channel_type="im"))
    resp = await slack.dispatch(body, secret="not-the-signing-secret")
    assert resp.status == 401
    assert leaked(debug_logs, "salary is 123,456") == []
    # An operator chasing a signing problem with LOG_LEVEL=DEBUG still sees it.
    assert any("Invalid request signature" in r.getMessage() for r in debug_logs.records
               if r.levelno == logging.DEBUG)


async def test_a_checkin_in_slack_leaves_no_answer_in_the_log(
        debug_logs: pytest.LogCaptureFixture, slack: SlackHarness, bot) -> None:
    await bot.run_checkins(["alice"])
    await slack.settle()
    for answer in ["52000", "3", WIN, BLOCKER]:
        assert (await slack.dm(ALICE, answer)).status == 200
    assert "What support do you need" in slack.last_text(ALICE)
    # Slack fails the next message for good: its failure is logged, its text is not.
    slack.fake.add_response("chat.postMessage", status=200,
                            body={"ok": False, "error": "channel_not_found"})
    await slack.dm(ALICE, "/edit")
    assert slack.counts()["answers"] == 4
    assert debug_logs.records  # the core, bolt and slack_sdk did log
    assert leaked(debug_logs, WIN, BLOCKER, "Zephyr", "Q-5521") == []


async def test_at_info_the_web_api_client_builds_no_debug_line_for_a_message(
        bot, slack: SlackHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    # slack_sdk writes out a DEBUG line (the whole request, the message's text included)
    # for every call and every answer whenever its logger's own level lets DEBUG through,
    # and only then learns that nothing takes DEBUG: a twentieth of a fan-out's time.
    built: list[str] = []
    monkeypatch.setattr(slack.adapter.client.logger, "debug",
                        lambda msg, *args, **kwargs: built.append(msg))
    await bot.run_checkins(["alice"])
    await slack.settle()
    assert "weekly check-in" in slack.last_text(ALICE).lower()
    assert built == []


async def test_at_debug_the_web_api_client_still_logs_its_requests(
        debug_logs: pytest.LogCaptureFixture, slack: SlackHarness, bot) -> None:
    await bot.run_checkins(["alice"])
    await slack.settle()
    assert any(r.getMessage().startswith("Sending a request") for r in debug_logs.records
               if r.name.startswith("slack_sdk"))

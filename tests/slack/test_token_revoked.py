"""The bot token revoked while teampulse runs (the app uninstalled, the token revoked or
the workspace deactivated): the operator reads it once in the log with what to do, no
secret in it; Slack is not asked again for every queued message, and nothing queued is
given up: it goes out once Slack accepts a token again. Meanwhile /readyz says Slack is
down ("token_refused", 503), and ready again once Slack accepts the token."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from storage.models import OutboxMessage
from tests.slack.harness import ALICE, BOT_TOKEN, SlackHarness, dm_channel, through_outage


async def readyz(slack: SlackHarness) -> tuple[int, dict[str, Any]]:
    """/readyz as a load balancer reads it, on the Slack HTTP listener's port."""
    async with aiohttp.ClientSession() as http, \
            http.get(f"http://127.0.0.1:{slack.adapter.http_port}/readyz") as resp:
        return resp.status, await resp.json()


def statuses(slack: SlackHarness) -> list[str]:
    with slack.bot.unit() as ctx:
        return list(ctx.session.scalars(select(OutboxMessage.status)
                                        .order_by(OutboxMessage.id)))


@pytest.mark.parametrize("code", ["token_revoked", "invalid_auth", "account_inactive"])
async def test_a_token_revoked_while_running_keeps_the_round_queued_and_says_so_once(
        slack: SlackHarness, caplog: pytest.LogCaptureFixture, code: str) -> None:
    slack.bot.platform_state["slack"] = "connected"  # as `teampulse run` marks it
    assert (await readyz(slack))[0] == 200
    slack.fake.set_handler("chat.postMessage", lambda call: {"ok": False, "error": code})
    caplog.set_level(logging.INFO)
    await slack.bot.run_checkins()
    queued = len(statuses(slack))
    assert queued >= 3
    start = slack.clock.now()
    await through_outage(slack, start + timedelta(minutes=30))
    assert statuses(slack) == ["pending"] * queued  # nothing given up
    status, report = await readyz(slack)
    assert status == 503 and report["platforms"] == {"slack": "token_refused"}, report
    posts = len(slack.fake.calls_for("chat.postMessage"))
    # The first batch meets the refusal together; then one try a minute, not one per
    # message and retry.
    assert posts <= queued + 30
    told = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(told) == 1, [r.getMessage() for r in told]
    line = told[0].getMessage()
    assert f"Slack no longer accepts SLACK_BOT_TOKEN ({code})" in line
    assert "SLACK_BOT_TOKEN" in line and "restart" in line and "queued" in line
    assert BOT_TOKEN not in caplog.text
    assert not any(r.levelno == logging.WARNING and "failed" in r.getMessage()
                   for r in caplog.records)  # no retry line per message either

    # The operator reinstalls the app and Slack accepts the token again: all of it goes out.
    slack.fake.set_handler("chat.postMessage", None)
    await through_outage(slack, slack.clock.now() + timedelta(minutes=2))
    await slack.settle()
    assert statuses(slack) == ["sent"] * queued
    assert len(slack.fake.history) == queued  # each prompt once, to its own person
    assert all(len(posts) == 1 for posts in slack.fake.history.values())
    assert "weekly check-in" in str(slack.fake.history[dm_channel(ALICE)][0].get("text"))
    assert any("Slack accepts SLACK_BOT_TOKEN again" in r.getMessage()
               for r in caplog.records)
    status, report = await readyz(slack)
    assert status == 200 and report["platforms"] == {"slack": "connected"}, report

"""Socket Mode with the app-level token refused while teampulse runs (the app uninstalled,
its tokens revoked): Slack closes the socket and refuses apps.connections.open. The
operator reads one ERROR line naming SLACK_APP_TOKEN and what to do (no secret in it),
not slack_sdk's two ERROR lines every 10 seconds; /readyz says Slack is down
("token_refused", 503) rather than "connected"; teampulse asks again once a minute and
reconnects on its own once Slack accepts the token; a stop meanwhile is prompt."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from bot.adapters.slack import SlackAdapter
from bot.core import TeamPulse
from bot.health import HealthServer
from tests.fakes.slack_api import FakeSlackAPI
from tests.slack.harness import APP_TOKEN, BOT_TOKEN, GRACE, dm_channel, message
from tests.slack.test_socket_mode import socket_settings


@contextlib.asynccontextmanager
async def socket_running(bot: TeamPulse, fake: FakeSlackAPI) -> AsyncIterator[SlackAdapter]:
    """`teampulse run` in Socket Mode with /readyz on a port of its own (HEALTH_PORT)."""
    health = HealthServer(bot, "127.0.0.1", 0)
    await health.start()
    bot.health_port = health.port
    adapter = SlackAdapter(bot, socket_settings(bot))
    bot.register(adapter)
    try:
        await adapter.start()
        bot.platform_state["slack"] = "connected"  # as `teampulse run` marks it
        await fake.wait_for_socket_connection()
        yield adapter
    finally:
        await adapter.stop()
        await health.stop()


@pytest_asyncio.fixture
async def running(bot: TeamPulse, fake: FakeSlackAPI) -> AsyncIterator[SlackAdapter]:
    async with socket_running(bot, fake) as adapter:
        yield adapter


async def readyz(bot: TeamPulse) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as http, \
            http.get(f"http://127.0.0.1:{bot.health_port}/readyz") as resp:
        return resp.status, await resp.json()


def revoke_app_token(fake: FakeSlackAPI, code: str) -> None:
    fake.set_handler("apps.connections.open", lambda call: {"ok": False, "error": code})


@pytest.mark.parametrize("code", ["token_revoked", "invalid_auth"])
async def test_a_revoked_app_token_is_said_once_shown_in_readyz_and_recovered_from(
        running: SlackAdapter, fake: FakeSlackAPI, bot: TeamPulse,
        caplog: pytest.LogCaptureFixture, code: str) -> None:
    assert (await readyz(bot))[0] == 200
    running.app_token_retry_seconds = 0.01  # "once a minute", without waiting minutes
    caplog.set_level(logging.INFO)
    revoke_app_token(fake, code)
    await fake.close_sockets()  # Slack drops the connection of an uninstalled app
    await fake.wait_for_call("apps.connections.open", count=6)  # 1 at start, then retries

    status, report = await readyz(bot)
    assert status == 503 and report["platforms"] == {"slack": "token_refused"}, report
    told = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(told) == 1, [r.getMessage() for r in told]  # not one (or two) per retry
    line = told[0].getMessage()
    assert f"Slack no longer accepts SLACK_APP_TOKEN ({code})" in line
    assert "connections:write" in line and "restart" in line
    assert told[0].exc_info is None  # a sentence, not a traceback
    assert APP_TOKEN not in caplog.text and BOT_TOKEN not in caplog.text

    # Slack accepts the token again: teampulse reconnects by itself and receives again.
    fake.set_handler("apps.connections.open", None)
    await fake.wait_for_socket_connection(count=2)
    envelope_id = await fake.push_event(message(GRACE, "hello", channel=dm_channel(GRACE),
                                                channel_type="im"))
    assert await fake.wait_for_ack(envelope_id) == {"envelope_id": envelope_id}
    assert any("Slack accepts SLACK_APP_TOKEN again" in r.getMessage()
               for r in caplog.records)
    status, report = await readyz(bot)
    assert status == 200 and report["platforms"] == {"slack": "connected"}, report


async def test_guard_a_bot_token_still_refused_keeps_readyz_down_when_the_app_token_is_back(
        running: SlackAdapter, fake: FakeSlackAPI, bot: TeamPulse) -> None:
    running.app_token_retry_seconds = 0.01
    revoke_app_token(fake, "token_revoked")
    await fake.close_sockets()
    await fake.wait_for_call("apps.connections.open", count=2)
    running._token_refused_now("token_revoked")  # a post met the revoked bot token too
    fake.set_handler("apps.connections.open", None)
    await fake.wait_for_socket_connection(count=2)
    status, report = await readyz(bot)
    assert status == 503 and report["platforms"] == {"slack": "token_refused"}, report


async def test_guard_a_stop_while_the_app_token_is_refused_is_prompt(
        bot: TeamPulse, fake: FakeSlackAPI) -> None:
    adapter = SlackAdapter(bot, socket_settings(bot))
    await adapter.start()
    await fake.wait_for_socket_connection()
    revoke_app_token(fake, "token_revoked")
    await fake.close_sockets()
    await fake.wait_for_call("apps.connections.open", count=2)  # now waiting a minute
    async with asyncio.timeout(5):
        await adapter.stop()
    assert not fake._open_sockets()


async def test_a_reconnect_slack_rate_limits_with_a_retry_date_waits_and_reconnects_quietly(
        running: SlackAdapter, fake: FakeSlackAPI, caplog: pytest.LogCaptureFixture) -> None:
    """Slack may say when to ask again as an HTTP date (HTTP allows either form): one
    already past is no wait; it had raised in the reconnect, an ERROR line with its
    traceback every 10 seconds, and no reconnect until slack_sdk's next try."""
    caplog.set_level(logging.INFO)
    fake.add_response("apps.connections.open", {"ok": False, "error": "ratelimited"},
                      status=429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
    await fake.close_sockets()
    async with asyncio.timeout(5):  # slack_sdk's own retry after an error is 10 s away
        await fake.wait_for_socket_connection(count=2)
    assert fake.call_count("apps.connections.open") == 3  # at start, limited, then open
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text


def test_a_retry_after_date_is_the_seconds_until_it() -> None:
    from bot.adapters.slack import retry_after_seconds

    assert retry_after_seconds({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0
    assert retry_after_seconds({"Retry-After": "Fri, 01 Jan 2100 00:00:00 GMT"}) > 86_400
    assert retry_after_seconds({"Retry-After": "12"}) == 12.0
    assert retry_after_seconds({"Retry-After": "soon"}) is None

"""Slack's tokens, the signing secret and the Socket Mode ticket never reach the
operator's log: LOG_LEVEL=DEBUG, either LOG_FORMAT, through teampulse's own handler, with
the real slack_sdk and slack_bolt clients on the fake Slack."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from dataclasses import replace

import aiohttp
import pytest

from bot.adapters.slack import SlackAdapter
from bot.config import Secret, Settings
from bot.core import TeamPulse
from tests.fakes.slack_api import FakeSlackAPI, event_callback, sign_request
from tests.operator_log import FORMATS, operator_log, quoting
from tests.slack.harness import ALICE, dm_channel, message

BOT_TOKEN = "xoxb-1111-2222-BOTsecretNeverLogged"
APP_TOKEN = "xapp-1-A0TEAMPULSE-3333-APPsecretNeverLogged"
SIGNING_SECRET = "signing0secret0never0logged0abc"
TICKET = "TICKETsecretNeverLogged-4444"
SECRETS = (BOT_TOKEN, "BOTsecret", APP_TOKEN, "APPsecret", SIGNING_SECRET, TICKET)


@pytest.fixture(params=FORMATS)
def log(request: pytest.FixtureRequest, settings: Settings) -> Iterator[io.StringIO]:
    with operator_log(settings, request.param) as stream:
        yield stream


async def test_socket_mode_logs_no_token_and_no_ticket(
        log: io.StringIO, fake: FakeSlackAPI, bot: TeamPulse) -> None:
    """A DM over Socket Mode, after Slack refused the first ticket (a used or expired one:
    slack_sdk logs that failure at ERROR, quoting the URL it could not open)."""
    fake.ticket = TICKET
    fake.refuse_handshakes = 1
    adapter = SlackAdapter(bot, replace(bot.settings, slack_bot_token=Secret(BOT_TOKEN),
                                        slack_app_token=Secret(APP_TOKEN),
                                        slack_signing_secret=None))
    bot.register(adapter)
    await adapter.start()
    try:
        await fake.wait_for_socket_connection()
        envelope = await fake.push_event(message(ALICE, "/help", channel=dm_channel(ALICE),
                                                 channel_type="im"))
        await fake.wait_for_ack(envelope)
        await adapter.drain()
        await bot.outbox.flush()
        await fake.wait_for_call("chat.postMessage")
    finally:
        await adapter.stop()
    assert fake.calls_for("apps.connections.open")[0].token == APP_TOKEN
    written = log.getvalue()
    assert "apps.connections.open" in written  # slack_sdk's DEBUG lines are there
    assert "Failed to connect" in written  # and its ERROR line for the refused ticket
    assert quoting(written, *SECRETS) == []


async def test_http_mode_logs_no_token_and_no_signing_secret(
        log: io.StringIO, fake: FakeSlackAPI, bot: TeamPulse) -> None:
    """A signed DM and a forged one (bolt logs the refused request, body and headers)."""
    adapter = SlackAdapter(bot, replace(bot.settings, slack_bot_token=Secret(BOT_TOKEN),
                                        slack_signing_secret=Secret(SIGNING_SECRET)))
    bot.register(adapter)
    await adapter.start()
    try:
        url = f"http://127.0.0.1:{adapter.http_port}{adapter.settings.slack_http_path}"
        now = int(time.time())  # bolt checks the signature's time against its own clock
        body = json.dumps(event_callback(message(ALICE, "/help", channel=dm_channel(ALICE),
                                                 channel_type="im"), event_id="Ev0LOG1"))
        async with aiohttp.ClientSession() as http:
            for secret, status in ((SIGNING_SECRET, 200), ("not-the-secret", 401)):
                async with http.post(url, data=body.encode(),
                                     headers=sign_request(secret, body, now)) as resp:
                    assert resp.status == status
        await adapter.drain()
        await bot.outbox.flush()
        await fake.wait_for_call("chat.postMessage")
    finally:
        await adapter.stop()
    written = log.getvalue()
    assert "chat.postMessage" in written and "Invalid request signature" in written
    assert quoting(written, *SECRETS) == []

"""Slack's tokens, the signing secret and the Socket Mode ticket never reach the
operator's log: LOG_LEVEL=DEBUG, either LOG_FORMAT, through teampulse's own handler, with
the real slack_sdk and slack_bolt clients on the fake Slack."""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Iterator
from dataclasses import replace
from urllib.parse import urlencode

import aiohttp
import pytest
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.adapters.slack import SlackAdapter
from bot.config import Secret, Settings
from bot.core import TeamPulse
from tests.fakes.slack_api import FakeSlackAPI, event_callback, instant_retry_sleeps, sign_request
from tests.operator_log import FORMATS, operator_log, quoting
from tests.slack.harness import ALICE, GRACE, SlackHarness, dm_channel, message

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


#: Slack's legacy verification token, in every payload (teampulse checks the signature).
LEGACY_TOKEN = "legacyVerificationTokenNeverLogged"
#: Where a slash command's answer goes when the bot is not in the channel: its response_url.
ELSEWHERE = "C0ELSEWHERE"


def slack_json(payload: object) -> str:
    """JSON as Slack writes it, every '/' escaped ("https:\\/\\/hooks.slack.com\\/…")."""
    return json.dumps(payload).replace("/", "\\/")


def hook_secrets(*urls: str) -> list[str]:
    """What makes each hooks.slack.com address a credential: the parts after the team."""
    return [part for url in urls for part in url.split("/")[-2:]]


def command_form(fake: FakeSlackAPI, name: str, channel: str = ELSEWHERE) -> dict[str, str]:
    """/help as Slack sends it (a form; as a Socket Mode payload, the same fields)."""
    return {"token": LEGACY_TOKEN, "team_id": fake.team_id,
            "team_domain": "teampulse-test", "channel_id": channel, "channel_name": "elsewhere",
            "user_id": ALICE, "user_name": "alice", "command": "/help", "text": "",
            "api_app_id": fake.app_id, "response_url": fake.response_url(name),
            "trigger_id": fake.trigger_id(name)}


def button_press(fake: FakeSlackAPI, name: str) -> dict[str, object]:
    """A block_actions payload for a button teampulse never posted (acknowledged, unused)."""
    return {"type": "block_actions", "token": LEGACY_TOKEN,
            "api_app_id": fake.app_id, "trigger_id": fake.trigger_id(name),
            "team": {"id": fake.team_id, "domain": "teampulse-test"},
            "user": {"id": ALICE, "username": "alice", "team_id": fake.team_id},
            "container": {"type": "message", "message_ts": "1700000001.000100",
                          "channel_id": dm_channel(ALICE), "is_ephemeral": True},
            "channel": {"id": dm_channel(ALICE), "name": "directmessage"},
            "response_url": fake.response_url(name, kind="actions"),
            "actions": [{"type": "button", "action_id": "tp_unknown", "block_id": "b0",
                         "value": "unknown", "action_ts": "1700000100.000100"}]}


async def test_http_mode_logs_no_response_url_and_no_trigger_id(
        log: io.StringIO, fake: FakeSlackAPI, bot: TeamPulse) -> None:
    """/help in a channel the bot is not in is answered through the command's response_url
    (slack_sdk's webhook client logs the address it posts to at DEBUG, and at INFO when it
    retries one Slack rate-limited), a forged command and a forged button press are
    refused (bolt logs their bodies: form-encoded, the press's JSON Slack-escaped inside),
    and an incoming webhook is posted to, as any library might: a response_url lets anyone
    post in that channel as the app for 30 minutes, an incoming webhook's for good."""
    adapter = SlackAdapter(bot, replace(bot.settings, slack_bot_token=Secret(BOT_TOKEN),
                                        slack_signing_secret=Secret(SIGNING_SECRET)))
    bot.register(adapter)
    await adapter.start()
    urls: list[str] = []
    triggers: list[str] = []
    try:
        url = f"http://127.0.0.1:{adapter.http_port}{adapter.settings.slack_http_path}"
        now = int(time.time())  # bolt checks the signature's time against its own clock
        fake.rate_limit("response_url", retry_after=1)
        command, forged_command = command_form(fake, "cmd-1"), command_form(fake, "cmd-2")
        press = button_press(fake, "act-1")
        bodies = [(urlencode(command), SIGNING_SECRET, 200),
                  (urlencode(forged_command), "not-the-secret", 401),
                  (urlencode({"payload": slack_json(press)}), "not-the-secret", 401)]
        with instant_retry_sleeps():
            async with aiohttp.ClientSession() as http:
                for body, secret, status in bodies:
                    async with http.post(url, data=body.encode(), headers={
                            **sign_request(secret, body, now),
                            "Content-Type": "application/x-www-form-urlencoded"}) as resp:
                        assert resp.status == status
            await adapter.drain()
            await bot.outbox.flush()
            await fake.wait_for_call("response_url", count=2)  # rate limited, then shown
            webhook = fake.incoming_webhook_url("announcements")
            assert (await AsyncWebhookClient(webhook).send(text="hello")).status_code == 200
        for payload in (command, forged_command, press):
            urls.append(str(payload["response_url"]))
            triggers.append(str(payload["trigger_id"]).rsplit(".", 1)[1])
        urls.append(webhook)
    finally:
        await adapter.stop()
    assert "/teampulse help" in fake.responses_shown[0].params["text"]  # Alice's answer
    written = log.getvalue()
    assert "A retry handler found" in written  # slack_sdk's INFO line, URL and all
    assert "Invalid request signature" in written  # bolt's, quoting the bodies
    # Slack's legacy verification token rides in every body, as a form field too.
    assert quoting(written, *hook_secrets(*urls), *triggers, LEGACY_TOKEN, *SECRETS) == []
    # What is left says which kind of address, for which workspace, and which trigger.
    assert f"/commands/{fake.team_id}/***" in written
    assert f"%2Fcommands%2F{fake.team_id}%2F***" in written
    assert f"/services/{fake.team_id}/***" in written
    assert str(forged_command["trigger_id"]).rsplit(".", 1)[0] + ".***" in written


async def test_socket_mode_logs_no_response_url_and_no_trigger_id(
        log: io.StringIO, fake: FakeSlackAPI, bot: TeamPulse) -> None:
    """A slash command and a button press over Socket Mode: slack_sdk logs each envelope
    whole at DEBUG, as Slack wrote it (its '/' escaped), and the command's answer goes
    through its response_url."""
    adapter = SlackAdapter(bot, replace(bot.settings, slack_bot_token=Secret(BOT_TOKEN),
                                        slack_app_token=Secret(APP_TOKEN),
                                        slack_signing_secret=None))
    bot.register(adapter)
    await adapter.start()
    command, press = command_form(fake, "cmd-sm"), button_press(fake, "act-sm")
    try:
        await fake.wait_for_socket_connection()
        for envelope in ({"envelope_id": "env-cmd-1", "type": "slash_commands",
                          "accepts_response_payload": True, "payload": command},
                         {"envelope_id": "env-act-1", "type": "interactive",
                          "accepts_response_payload": False, "payload": press}):
            await fake.wait_for_ack(str(await fake.socket_send(envelope)))
        await adapter.drain()
        await bot.outbox.flush()
        await fake.wait_for_call("response_url")
    finally:
        await adapter.stop()
    written = log.getvalue()
    assert "slash_commands" in written and "block_actions" in written  # the envelopes
    secrets = hook_secrets(str(command["response_url"]), str(press["response_url"]))
    triggers = [str(p["trigger_id"]).rsplit(".", 1)[1] for p in (command, press)]
    assert quoting(written, *secrets, *triggers, LEGACY_TOKEN, *SECRETS) == []
    # In the envelope as Slack escaped it (and the JSON log escapes once more).
    assert re.search(rf"actions\\+/{fake.team_id}\\+/\*\*\*", written)


async def test_a_chart_uploads_pre_signed_url_is_masked_at_debug(
        log: io.StringIO, fake: FakeSlackAPI, slack: SlackHarness) -> None:
    """/summary chart: slack_sdk logs files.getUploadURLExternal's answer and its POST to
    the upload_url at DEBUG; that URL is pre-signed (whoever holds it uploads into the
    workspace until it expires), so only its host and path's start are left."""
    await slack.command(GRACE, "/summary", "chart attainment")
    assert fake.last_call("files.completeUploadExternal")
    [key] = fake.upload_keys  # the upload went through it
    written = log.getvalue()
    assert "files.getUploadURLExternal" in written and "upload_url" in written
    assert f"{fake.root_url}/upload/v1/***" in written  # the POST to it, named
    assert quoting(written, key, key[8:]) == []

"""Socket Mode: no public URL; envelopes over a WebSocket, each acknowledged at once."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
import pytest_asyncio

from bot.adapters.slack import SlackAdapter
from bot.config import ConfigError, Secret
from bot.core import TeamPulse
from tests.fakes.slack_api import FakeSlackAPI, events_api_envelope
from tests.slack.harness import APP_TOKEN, CHANNEL, GRACE, SAM, dm_channel, message


def socket_settings(bot: TeamPulse, app_token: str = APP_TOKEN):
    return replace(bot.settings, slack_app_token=Secret(app_token), slack_signing_secret=None)


@pytest_asyncio.fixture
async def socket_adapter(bot: TeamPulse, fake: FakeSlackAPI) -> AsyncIterator[SlackAdapter]:
    adapter = SlackAdapter(bot, socket_settings(bot))
    bot.register(adapter)
    await adapter.start()
    yield adapter
    await adapter.stop()  # closes the socket before the fake stops


async def settle(adapter: SlackAdapter, bot: TeamPulse) -> None:
    await adapter.drain()
    await bot.outbox.flush()


async def test_socket_mode_connects_acks_events_and_replies(
        socket_adapter: SlackAdapter, fake: FakeSlackAPI, bot: TeamPulse) -> None:
    await fake.wait_for_socket_connection()
    opened = fake.calls_for("apps.connections.open")
    assert len(opened) == 1 and opened[0].token == APP_TOKEN
    assert socket_adapter.http_port is None  # no web server in Socket Mode

    envelope_id = await fake.push_event(message(GRACE, "hello", channel=dm_channel(GRACE),
                                                channel_type="im"), event_id="Ev0SOCKET1")
    assert await fake.wait_for_ack(envelope_id) == {"envelope_id": envelope_id}
    await settle(socket_adapter, bot)

    reply = fake.last_call("chat.postMessage")
    assert reply.params["channel"] == GRACE
    assert "I'm not waiting for an answer" in reply.params["text"]


async def test_socket_mode_redelivery_is_processed_once(
        socket_adapter: SlackAdapter, fake: FakeSlackAPI, bot: TeamPulse) -> None:
    event = message(GRACE, "hello", channel=dm_channel(GRACE), channel_type="im")
    first = await fake.socket_send(events_api_envelope(event, event_id="Ev0SOCKET2"))
    again = await fake.socket_send(events_api_envelope(event, event_id="Ev0SOCKET2",
                                                       retry_attempt=1, retry_reason="timeout"))
    assert first and again
    await fake.wait_for_ack(first)
    await fake.wait_for_ack(again)
    await settle(socket_adapter, bot)

    assert fake.call_count("chat.postMessage") == 1


async def test_socket_mode_slash_command_is_acked_and_answered_ephemerally(
        socket_adapter: SlackAdapter, fake: FakeSlackAPI, bot: TeamPulse) -> None:
    envelope_id = await fake.socket_send({
        "envelope_id": "env-command-1", "type": "slash_commands",
        "accepts_response_payload": True,
        "payload": {"command": "/summary", "text": "", "user_id": SAM, "user_name": "sam",
                    "channel_id": CHANNEL, "channel_name": "general",
                    "team_id": fake.team_id, "trigger_id": "1.2.3",
                    "response_url": fake.response_url("cmd-sm")},
    })
    assert envelope_id is not None
    assert await fake.wait_for_ack(envelope_id) == {"envelope_id": envelope_id}
    await settle(socket_adapter, bot)

    note = fake.last_call("chat.postEphemeral").params
    assert (note["channel"], note["user"]) == (CHANNEL, SAM)
    assert note["text"].startswith("Sorry, the summary is only for the GM")


async def test_an_envelope_nobody_understands_is_still_acked(
        socket_adapter: SlackAdapter, fake: FakeSlackAPI,
        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.adapters.slack"):
        unknown = await fake.push_event({"type": "reaction_added", "user": GRACE})
        odd = await fake.socket_send({"envelope_id": "env-odd-1", "type": "interactive",
                                      "payload": {"type": "view_submission",
                                                  "view": {"callback_id": "x"}}})
        assert odd is not None
        assert await fake.wait_for_ack(unknown) == {"envelope_id": unknown}
        assert await fake.wait_for_ack(odd) == {"envelope_id": odd}

    assert "event=reaction_added" in caplog.text
    assert "Socket Mode envelope that could not be processed" in caplog.text


async def test_stop_closes_the_socket(bot: TeamPulse, fake: FakeSlackAPI) -> None:
    adapter = SlackAdapter(bot, socket_settings(bot))
    await adapter.start()
    await fake.wait_for_socket_connection()
    await adapter.stop()
    await fake._wait(lambda: not fake._open_sockets(), 5.0, "the socket to close")


async def test_a_bot_token_in_place_of_the_app_token_is_a_config_error(bot: TeamPulse) -> None:
    with pytest.raises(ConfigError, match="SLACK_APP_TOKEN must be an app-level token"):
        SlackAdapter(bot, socket_settings(bot, app_token="xoxb-oops"))


async def test_a_refused_app_token_stops_start_up_with_a_clear_message(
        bot: TeamPulse, fake: FakeSlackAPI) -> None:
    fake.fail("apps.connections.open", "invalid_auth")
    adapter = SlackAdapter(bot, socket_settings(bot))
    with pytest.raises(ConfigError, match=r"Slack refused SLACK_APP_TOKEN \(invalid_auth\)"):
        await adapter.start()


async def test_a_refused_bot_token_stops_start_up_with_a_clear_message(
        bot: TeamPulse, fake: FakeSlackAPI) -> None:
    fake.fail("auth.test", "invalid_auth")
    adapter = SlackAdapter(bot, bot.settings)
    with pytest.raises(ConfigError, match=r"Slack rejected SLACK_BOT_TOKEN \(invalid_auth\)"):
        await adapter.start()
    assert adapter.http_port is None  # nothing was left listening


async def test_the_log_says_the_bot_signed_in_and_connected_in_socket_mode(
        bot: TeamPulse, fake: FakeSlackAPI, caplog: pytest.LogCaptureFixture) -> None:
    """docs/slack.md, step 6: "When the connection works, the log shows a line like
    `Slack: signed in as teampulse (U07...) in workspace Northwind` / `Slack: connected in
    Socket Mode`": what the operator looks for to know the tokens work."""
    adapter = SlackAdapter(bot, socket_settings(bot))
    bot.register(adapter)
    with caplog.at_level(logging.INFO, logger="bot.adapters.slack"):
        await adapter.start()
        try:
            await fake.wait_for_socket_connection()
        finally:
            await adapter.stop()
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.adapters.slack"]
    assert f"Slack: signed in as {fake.bot_name} ({fake.bot_user_id}) in workspace " \
        f"{fake.team}" in lines
    assert "Slack: connected in Socket Mode" in lines

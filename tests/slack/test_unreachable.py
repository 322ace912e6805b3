"""Slack's servers unreachable while teampulse runs (a network outage: connections refused,
not a refused token). The operator reads one WARNING naming Slack and what is tried, a
reminder every ten minutes at most (not slack_sdk's ERROR line every 10 seconds, nor the
outbox's line per message and attempt), and one INFO line when Slack is back with how long
it lasted and how many queued messages go out; /readyz answers 503 "unreachable"
meanwhile; every message waits in the outbox and goes out once; a stop is prompt."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
import pytest_asyncio
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator

from bot.adapters.slack import SlackAdapter
from bot.core import TeamPulse
from bot.health import readiness
from tests.fakes.slack_api import FakeSlackAPI
from tests.outage import one_try_a_pass, rows, said, until, warnings_and_worse
from tests.slack.harness import APP_TOKEN, BOT_TOKEN, GRACE, SlackHarness, dm_channel, message
from tests.slack.test_socket_token_revoked import readyz, socket_running


@pytest.fixture(autouse=True)
def _no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    # slack_sdk retries a refused connection twice after a backoff: not waited out here.
    monkeypatch.setattr(BackoffRetryIntervalCalculator, "calculate_sleep_duration",
                        lambda self, attempt: 0.0)


async def test_http_mode_sends_wait_for_slack_said_once_and_each_goes_out_once(
        slack: SlackHarness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    bot = slack.bot
    bot.platform_state["slack"] = "connected"  # as `teampulse run` marks it
    await slack.fake.unplug()
    await bot.run_checkins()
    queued = rows(bot, "slack")
    assert len(queued) >= 3
    for _ in range(45):  # 22 minutes of the outbox trying, 30 seconds apart
        await bot.outbox.flush()
        slack.clock.advance(timedelta(seconds=30))

    assert rows(bot, "slack") == {i: ("pending", 0) for i in queued}  # none given up, none counted
    report = await readiness(bot)
    assert not report["ready"] and report["platforms"] == {"slack": "unreachable"}, report
    told = warnings_and_worse(caplog)
    assert len(told) == 3, told  # the outage, then a reminder at 10 and at 20 minutes
    assert told[0].startswith("Slack cannot be reached (chat.postMessage: "
                              "ClientConnectorError: Cannot connect to host 127.0.0.1:"), told
    assert "messages wait in the outbox, none is given up" in told[0]
    assert "tries again every 30 s" in told[0] and "SLACK_API_URL" in told[0]
    assert told[1].startswith("Slack still cannot be reached, for 10 min now")
    assert told[2].startswith("Slack still cannot be reached, for 20 min now")
    assert BOT_TOKEN not in caplog.text

    await slack.fake.plug_in()
    slack.clock.advance(timedelta(seconds=30))
    await slack.settle()
    await until(said(caplog, "Slack can be reached again"))
    back = [r.getMessage() for r in caplog.records if "reached again" in r.getMessage()]
    assert back == [f"Slack can be reached again after 23 min; {len(queued)} message(s) "
                    "queued meanwhile go out now"], back
    assert rows(bot, "slack") == {i: ("sent", 1) for i in queued}
    posted = [c.params["channel"] for c in slack.fake.calls_for("chat.postMessage")]
    assert len(posted) == len(set(posted)) == len(queued)  # each once, to its own person
    assert (await readiness(bot))["platforms"] == {"slack": "connected"}
    assert len(warnings_and_worse(caplog)) == 3


@pytest_asyncio.fixture
async def running(bot: TeamPulse, fake: FakeSlackAPI) -> AsyncIterator[SlackAdapter]:
    async with socket_running(bot, fake) as adapter:
        adapter.unreachable_retry_seconds = 0.01  # "every 30 s", without waiting
        yield adapter


def count_reconnects(adapter: SlackAdapter) -> list[int]:
    """How often apps.connections.open is asked (the fake, unplugged, cannot count them)."""
    asked = [0]
    original = adapter.client.apps_connections_open

    async def counted(**kwargs: Any) -> Any:
        asked[0] += 1
        return await original(**kwargs)

    adapter.client.apps_connections_open = counted  # type: ignore[method-assign]
    return asked


async def test_socket_mode_unreachable_is_said_once_shown_in_readyz_and_recovered_from(
        running: SlackAdapter, fake: FakeSlackAPI, bot: TeamPulse,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    asked = count_reconnects(running)
    await fake.unplug()
    await until(lambda: asked[0] >= 6)  # the socket dropped; reconnects keep being tried

    status, report = await readyz(bot)
    assert status == 503 and report["platforms"] == {"slack": "unreachable"}, report
    told = warnings_and_worse(caplog)
    assert len(told) == 1, told  # not an ERROR line every 10 seconds
    assert told[0].startswith("Slack cannot be reached (apps.connections.open: "), told
    assert "nothing is sent to or received from Slack meanwhile" in told[0]
    assert "asks again every 0.01 s and reconnects in Socket Mode" in told[0]
    assert APP_TOKEN not in caplog.text and BOT_TOKEN not in caplog.text

    await fake.plug_in()
    await fake.wait_for_socket_connection(count=2)
    envelope_id = await fake.push_event(message(GRACE, "hello", channel=dm_channel(GRACE),
                                                channel_type="im"))
    assert await fake.wait_for_ack(envelope_id) == {"envelope_id": envelope_id}
    await until(said(caplog, "Slack can be reached again after 0 s"))
    status, report = await readyz(bot)
    assert status == 200 and report["platforms"] == {"slack": "connected"}, report
    assert len(warnings_and_worse(caplog)) == 1


async def test_guard_a_stop_while_slack_is_unreachable_is_prompt(
        running: SlackAdapter, fake: FakeSlackAPI) -> None:
    asked = count_reconnects(running)
    await fake.unplug()
    await until(lambda: asked[0] >= 2)
    async with asyncio.timeout(5):
        await running.stop()


async def test_while_slack_is_unreachable_one_queued_message_tries_it_every_30_s(
        slack: SlackHarness, caplog: pytest.LogCaptureFixture) -> None:
    """docs/slack.md: 'Every message waits in the outbox; one of them tries Slack every
    30 s while the others wait' — not each of them at every pass of the outbox."""
    bot = slack.bot
    bot.platform_state["slack"] = "connected"
    tries: list[str] = []
    original = slack.adapter.client.chat_postMessage

    async def counted(**kwargs: Any) -> Any:
        tries.append(str(kwargs.get("channel")))
        return await original(**kwargs)

    slack.adapter.client.chat_postMessage = counted  # type: ignore[method-assign]
    await slack.fake.unplug()
    await bot.run_checkins()
    queued = rows(bot, "slack")
    assert len(queued) >= 3
    await one_try_a_pass(bot, slack.clock, "slack", tries, queued)


async def test_http_mode_slack_coming_and_going_is_one_outage_in_the_log(
        slack: SlackHarness, caplog: pytest.LogCaptureFixture) -> None:
    """Slack lost and back six times in six minutes wrote six WARNINGs and six INFO lines.
    Now the outage, its first return, one line that it comes and goes, and once it has
    stayed back five minutes one line saying so; /readyz follows every flap."""
    caplog.set_level(logging.INFO)
    bot = slack.bot
    bot.platform_state["slack"] = "connected"
    reach = slack.adapter._reach
    reach.steady_wait = 3600  # its timer: checked by hand below, on the fake clock
    for flap in range(6):
        await slack.fake.unplug()
        with bot.unit() as ctx:
            ctx.outbox.enqueue(platform="slack", target_kind="dm", address=GRACE,
                               payload={"text": f"message {flap}"}, now=bot.clock.now())
        await bot.outbox.flush()
        assert (await readiness(bot))["platforms"] == {"slack": "unreachable"}
        slack.clock.advance(timedelta(seconds=30))
        await slack.fake.plug_in()
        await slack.settle()
        assert (await readiness(bot))["platforms"] == {"slack": "connected"}
        # Its line counts the queued messages in a thread first: written long before a
        # real loss 30 s later, so waited for here.
        await until(said(caplog, "Slack can be reached again"))
        slack.clock.advance(timedelta(seconds=30))
    told = [(r.levelname, r.getMessage()) for r in caplog.records
            if r.name == "bot.adapters.reach"]
    assert [level for level, _ in told] == ["WARNING", "INFO", "WARNING"], told
    assert told[1][1].startswith("Slack can be reached again after 30 s")
    assert "it comes and goes" in told[2][1]
    slack.clock.advance(timedelta(minutes=5))
    reach.steady()
    assert caplog.records[-1].getMessage().startswith(
        "Slack has stayed reachable for 5 min: it came and went 6 times")
    posted = [c.params["text"] for c in slack.fake.calls_for("chat.postMessage")]
    assert posted == [f"message {n}" for n in range(6)]  # each once, in order

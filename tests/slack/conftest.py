"""Fixtures for Slack tests: a FakeSlackAPI on loopback and a started SlackAdapter."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
import pytest_asyncio

from bot.adapters.slack import SlackAdapter
from bot.clock import FakeClock
from bot.config import Secret, Settings
from bot.core import TeamPulse
from tests.fakes.slack_api import FakeSlackAPI, pin_signature_clock
from tests.slack.harness import BOT_TOKEN, CHANNEL, FROZEN_NOW, SIGNING_SECRET, SlackHarness


@pytest.fixture(autouse=True)
def _no_slack_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # bolt reads SLACK_* itself (proxies are cleared for every test by tests/conftest.py).
    for name in ("SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN",
                 "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeSlackAPI]:
    """The fake Slack Web API + Socket Mode server."""
    async with FakeSlackAPI() as server:
        server.join(CHANNEL)  # the bot was invited to #general; any other channel it is not in
        yield server


@pytest.fixture
def settings(settings: Settings, fake: FakeSlackAPI) -> Settings:
    """The test settings plus Slack in HTTP mode, pointed at the fake, on a free port."""
    return replace(settings, slack_bot_token=Secret(BOT_TOKEN),
                   slack_signing_secret=Secret(SIGNING_SECRET), slack_api_url=fake.base_url,
                   slack_http_host="127.0.0.1", slack_http_port=0)


@pytest_asyncio.fixture
async def adapter(bot: TeamPulse) -> AsyncIterator[SlackAdapter]:
    """The Slack adapter, registered with the bot and started (stopped afterwards)."""
    slack = SlackAdapter(bot, bot.settings)
    pin_signature_clock(slack.app, FROZEN_NOW)
    bot.register(slack)
    await slack.start()
    yield slack
    await slack.stop()


@pytest.fixture
def slack(adapter: SlackAdapter, fake: FakeSlackAPI, bot: TeamPulse,
          clock: FakeClock) -> SlackHarness:
    """People in a Slack workspace talking to the bot."""
    return SlackHarness(adapter, fake, bot, clock)

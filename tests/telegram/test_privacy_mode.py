"""Group privacy mode: the operator learns at start what the bot can see in groups.

With privacy mode on (BotFather's default) Telegram hands a bot only commands, mentions
of it and replies to it from a group, so kudos said without /kudos never reach it and
nobody can be told. getMe says which mode is set (`can_read_all_group_messages`); the
start-up log says what it means and how to change it.
"""

from __future__ import annotations

import logging

import pytest

from bot.core import TeamPulse
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.telegram.conftest import running


async def test_privacy_mode_on_is_named_with_what_the_bot_misses_and_the_fix(
        bot: TeamPulse, fake: FakeTelegramAPI, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="bot.adapters.telegram"):
        async with running(bot):
            pass

    [line] = [r.getMessage() for r in caplog.records if "privacy mode" in r.getMessage()]
    assert "privacy mode is on" in line
    assert "kudos said without /kudos" in line
    assert "/setprivacy" in line and "add the bot to each group again" in line


async def test_privacy_mode_off_says_plain_group_messages_are_read(
        bot: TeamPulse, fake: FakeTelegramAPI, caplog: pytest.LogCaptureFixture) -> None:
    fake.bot_user["can_read_all_group_messages"] = True
    with caplog.at_level(logging.INFO, logger="bot.adapters.telegram"):
        async with running(bot):
            pass

    [line] = [r.getMessage() for r in caplog.records if "privacy mode" in r.getMessage()]
    assert "privacy mode is off" in line

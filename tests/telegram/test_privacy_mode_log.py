"""docs/telegram.md, step 5: "teampulse's start-up log says which mode is set: `telegram:
group privacy mode is on …` or `… is off …`" (Telegram tells a bot nothing of what privacy
mode hid from it: the log is where the operator learns why kudos said in a group never
arrive)."""

from __future__ import annotations

import logging

import pytest

from bot.core import TeamPulse
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.telegram.conftest import BOT_USERNAME, running


async def _start_up_log(bot: TeamPulse, caplog: pytest.LogCaptureFixture) -> list[str]:
    with caplog.at_level(logging.INFO, logger="bot.adapters.telegram"):
        async with running(bot):
            pass
    return [r.getMessage() for r in caplog.records if r.name == "bot.adapters.telegram"]


async def test_the_start_up_log_says_privacy_mode_is_on_by_default(
        bot: TeamPulse, fake: FakeTelegramAPI, caplog: pytest.LogCaptureFixture) -> None:
    lines = await _start_up_log(bot, caplog)
    assert f"telegram: running as @{BOT_USERNAME} (long polling)" in lines
    on = [line for line in lines if line.startswith("telegram: group privacy mode is on")]
    assert len(on) == 1 and "/setprivacy" in on[0]
    assert not any("privacy mode is off" in line for line in lines)


async def test_the_start_up_log_says_privacy_mode_is_off_once_disabled(
        bot: TeamPulse, fake: FakeTelegramAPI, caplog: pytest.LogCaptureFixture) -> None:
    fake.bot_user["can_read_all_group_messages"] = True  # BotFather /setprivacy → Disable
    lines = await _start_up_log(bot, caplog)
    assert any(line.startswith("telegram: group privacy mode is off") for line in lines)
    assert not any("privacy mode is on" in line for line in lines)

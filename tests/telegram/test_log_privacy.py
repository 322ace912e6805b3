"""What people write never reaches a Telegram-side log line at INFO or WARNING (the
token, at no level: tests/telegram/test_log_secrets.py)."""

from __future__ import annotations

import logging

import pytest

from tests.telegram.conftest import ALICE, GRACE, TG

WIN = "Closed the Zephyr-7731 deal"
BLOCKER = "Legal sits on contract Q-5521"


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Everything logged at DEBUG, from before the adapter starts (as LOG_LEVEL would)."""
    caplog.set_level(logging.DEBUG)
    return caplog


async def test_a_checkin_in_telegram_leaves_no_answer_in_the_log(
        debug_logs: pytest.LogCaptureFixture, tg: TG) -> None:
    await tg.checkins("alice")
    for answer in ["52000", "3", WIN, BLOCKER]:
        assert await tg.say(ALICE, answer)
    await tg.press(ALICE, "No support needed")
    # Telegram refuses the GM's summary (which quotes the answers) for good.
    tg.fake.fail("sendMessage", 400, "Bad Request: chat not found")
    await tg.say(GRACE, "/summary")
    assert debug_logs.records
    lines = [debug_logs.handler.format(r) for r in debug_logs.records
             if r.levelno >= logging.INFO]
    assert any("failed for good" in line for line in lines)
    assert [line for line in lines if "Zephyr" in line or "Q-5521" in line] == []


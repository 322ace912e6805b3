"""What people write never reaches a Telegram-side log line at INFO or WARNING."""

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


async def test_telegram_failing_and_flooding_leaves_the_token_in_no_log_and_no_record(
        fake, bot, monkeypatch: pytest.MonkeyPatch, clock,
        debug_logs: pytest.LogCaptureFixture) -> None:
    """Telegram answering 500 to polling and to a send, then 429: the errors are logged
    and recorded in the outbox, and the token (which is part of every Bot API URL) is in
    none of it, at any level, tracebacks included."""
    from datetime import timedelta

    from storage.models import OutboxMessage
    from tests.telegram.conftest import TOKEN, Handled, running

    handled = Handled(bot, monkeypatch)
    fake.fail("getUpdates", 500, "Internal Server Error", times=2)
    fake.fail("sendMessage", 500, "Internal Server Error", times=1)
    fake.flood("sendMessage", retry_after=3, times=1)
    async with running(bot):
        fake.push_update(fake.private_message(GRACE, "/help"))
        await handled.wait(1)
        for _ in range(10):
            await bot.drain()
            due = await bot.outbox.flush()
            if fake.call_count("sendMessage") >= 3 or due is None:
                break
            clock.set(max(clock.now() + timedelta(seconds=1), due))
        await fake.wait_for_call("sendMessage", 3)
    assert [c.status for c in fake.calls_for("sendMessage")][:3] == [500, 429, 200]
    assert [c.status for c in fake.calls_for("getUpdates")][:2] == [500, 500]
    secret = TOKEN.partition(":")[2]
    lines = [debug_logs.handler.format(r) for r in debug_logs.records]
    assert any("500" in line or "Internal Server Error" in line for line in lines)
    assert [line for line in lines if secret in line] == []
    with bot.unit() as ctx:
        errors = [m.last_error or "" for m in ctx.session.query(OutboxMessage)]
    assert [e for e in errors if secret in e] == []

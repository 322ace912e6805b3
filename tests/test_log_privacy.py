"""What people answer never reaches a log line at INFO or WARNING, nor the outbox's errors."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.core import TeamPulse
from bot.log_privacy import held_at_debug
from storage.models import OutboxMessage, Person
from tests.support import RecordingAdapter, say

ANSWER = "Closed the Zephyr-7731 deal"


def at_info_or_above(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(caplog.handler.format(r) for r in caplog.records
                     if r.levelno >= logging.INFO)


async def test_a_failed_send_logs_and_records_no_message_text(
        bot: TeamPulse, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    # A library error that quotes what it could not send (as some do).
    chat = RecordingAdapter(fail_next=[ValueError(f"cannot send {ANSWER!r}")] * 2)
    bot.register(chat)
    await bot.run_checkins(["alice"])
    await say(bot, "alice", "52000")
    await say(bot, "alice", "3")
    await say(bot, "alice", ANSWER)
    with bot.unit() as ctx:
        errors = [r.last_error or "" for r in ctx.session.scalars(select(OutboxMessage))]
    assert "ValueError" in errors  # the failure is still recorded, by its type
    assert not any("Zephyr" in e for e in errors)
    assert "Zephyr" not in at_info_or_above(caplog)
    assert "failed (attempt 1), retrying: ValueError" in at_info_or_above(caplog)


def test_a_database_error_does_not_quote_the_values(bot: TeamPulse) -> None:
    with pytest.raises(IntegrityError) as excinfo, bot.unit() as ctx:
        ctx.session.add(Person(key="alice", display_name="Zephyr-7731 secret", role="member",
                               timezone="UTC", locale="en"))
        ctx.session.flush()
    assert "Zephyr" not in str(excinfo.value)


def test_a_held_logger_speaks_at_info_only_when_debug_is_on(
        caplog: pytest.LogCaptureFixture) -> None:
    logger = held_at_debug("tests.held")
    caplog.set_level(logging.INFO)
    logger.info("body: %s", ANSWER)
    logger.error("something broke")
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("ERROR", "something broke")]
    caplog.clear()
    caplog.set_level(logging.DEBUG)
    logger.warning("body: %s", ANSWER)
    assert [r.levelname for r in caplog.records] == ["DEBUG"]

"""What people answer never reaches a log line at INFO or WARNING, nor the outbox's errors."""

from __future__ import annotations

import logging
import sys

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


async def test_a_handler_failing_on_an_answer_leaves_it_out_of_the_text_log(
        bot: TeamPulse, chat: RecordingAdapter, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The operator's log (LOG_FORMAT=text, the default) at DEBUG after a handler fails on
    what a director typed: the traceback says where and what kind of error, never the
    answer that a library quoted in its message."""
    from bot.cli import log_formatter
    from bot.config import Settings
    from handlers import checkin

    def fails_on(ctx: object, text: str) -> bool:
        return bool(int(text))  # as a parser would: "invalid literal …: 'Closed the …'"

    caplog.set_level(logging.DEBUG)
    await bot.run_checkins(["alice"])
    monkeypatch.setattr(checkin, "on_text", fails_on)
    await say(bot, "alice", ANSWER)
    log = "\n".join(log_formatter(Settings.from_mapping({})).format(r)
                    for r in caplog.records)
    assert "handling a console event failed" in log
    assert "Traceback (most recent call last)" in log and "in fails_on" in log
    assert "ValueError (its message is left out of the log" in log
    assert "Zephyr" not in log
    assert chat.sent  # Alice is still told something went wrong


def test_a_chained_exception_keeps_its_types_and_frames_not_its_messages() -> None:
    from bot.adapters.base import DeliveryError
    from bot.log_privacy import TextFormatter

    try:
        try:
            raise KeyError(ANSWER)
        except KeyError as exc:
            raise DeliveryError("Slack answered channel_not_found") from exc
    except DeliveryError:
        record = logging.getLogger("t").makeRecord(
            "t", logging.ERROR, __file__, 1, "sending failed", (), sys.exc_info())
    line = TextFormatter("%(levelname)s %(message)s").format(record)
    assert "KeyError (its message is left out" in line
    assert "direct cause" in line
    assert "DeliveryError: Slack answered channel_not_found" in line
    assert "Zephyr" not in line

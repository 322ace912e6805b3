"""Pulse polls as an operator with the metrics, the logs and the database sees them: one
person's answer must move nothing there that tells whether, when or how they answered."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from bot.adapters.base import DeliveryError
from bot.core import TeamPulse
from bot.health import HealthServer
from storage.models import OutboxMessage
from tests.support import say
from tests.test_checkin_remind import back_up, go_down
from tests.test_pulse import pbot, pchat, pclock, press  # noqa: F401 - its fixtures

CARE = "you don't have to carry it alone"
RESOURCE = "Employee assistance line: 800-555-0199"


@pytest.fixture
async def scrape(pbot: TeamPulse) -> AsyncIterator[Any]:  # noqa: F811 - the fixture
    """GET /metrics, as the operator's Prometheus does."""
    server = HealthServer(pbot, "127.0.0.1", 0)
    await server.start()

    async def get() -> str:
        async with aiohttp.ClientSession() as session, \
                session.get(f"http://127.0.0.1:{server.port}/metrics") as response:
            assert response.status == 200
            return await response.text()

    yield get
    await server.stop()


def pending_pulse_rows(bot: TeamPulse, key: str) -> list[dict[str, Any]]:
    """The payloads waiting in the outbox for `key`, as the database holds them, less what
    names the person (ASKS_KEY) and the unit of work that queued them."""
    with bot.sessions() as session:
        rows = session.scalars(select(OutboxMessage).where(
            OutboxMessage.address == key, OutboxMessage.status == "pending")
            .order_by(OutboxMessage.id)).all()
        return [{k: v for k, v in r.payload.items() if k not in ("asks", "asked_in")}
                for r in rows]


async def test_metrics_do_not_move_when_someone_answers_the_poll(
        pbot, pchat, scrape):  # noqa: F811 - the pulse tests' fixtures
    # Each answer was replied to at once and counted: messages_sent and the handler's
    # count rose by one, so an operator watching /metrics after asking west2 "did you
    # answer?" saw when they did. A morale by button, a high stress typed, a comment.
    await pbot.run_pulse()
    await pbot.outbox.flush()
    first = await scrape()
    await say(pbot, "grace", "/help")  # other traffic is counted as before
    before = await scrape()
    assert before != first
    await press(pbot, pchat, "west2", 2)
    assert await scrape() == before
    await say(pbot, "west2", "5")
    assert await scrape() == before
    await say(pbot, "west2", "Tired of the quarterly travel")
    assert await scrape() == before
    assert "Thank you, that's all" in pchat.last("west2")  # all of them were sent


async def test_an_outage_keeps_nothing_that_tells_a_high_stress_answer(
        pbot, pchat, pclock, scrape, caplog):  # noqa: F811 - the pulse tests' fixtures
    # The care note went only to a high stress answer, in the next question's text: while
    # the platform was down, that text waited in the outbox, and whoever read the table
    # learnt that west2 had answered 4 or 5. Now every answer's row reads the same, and
    # the note reaches each of them once the platform is back.
    caplog.set_level(logging.INFO)
    await pbot.run_pulse()
    await press(pbot, pchat, "west2", 2)
    await press(pbot, pchat, "west3", 2)
    go_down(pchat)
    await pbot.outbox.flush()
    before = await scrape()
    caplog.clear()
    await press(pbot, pchat, "west2", 5)  # high stress
    await press(pbot, pchat, "west3", 1)  # calm
    await pbot.outbox.flush()
    high, low = pending_pulse_rows(pbot, "west2"), pending_pulse_rows(pbot, "west3")
    assert len(high) == len(low) == 1
    assert high == low
    # Nor did the outbox's depth, or its tries, show that they answered: not in the
    # metrics, not in the log at INFO or above.
    assert await scrape() == before
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO] == []

    await back_up(pbot, pchat)
    for key in ("west2", "west3"):
        notes = [t for t in pchat.to(key) if CARE in t]
        assert len(notes) == 1, pchat.to(key)  # once, with the org's support resources
        assert RESOURCE in notes[0] and "Anything you'd like to add?" in notes[0]
    # Delivered, it keeps no text (as every pulse DM).
    assert pending_pulse_rows(pbot, "west2") == []
    with pbot.sessions() as session:
        assert not any(CARE in repr(p) for p in session.scalars(select(OutboxMessage.payload)))


async def test_a_failing_pulse_dm_is_not_logged_per_message_above_debug(
        pbot, pchat, caplog):  # noqa: F811 - the pulse tests' fixtures
    # "outbox 12 to console:west2 failed (attempt 1), retrying" at WARNING, a second after
    # west2's answer, named who had just answered.
    caplog.set_level(logging.DEBUG)
    await pbot.run_pulse()
    await pbot.outbox.flush()
    pchat.fail_next[:] = [DeliveryError("boom")] * 3
    caplog.clear()
    await press(pbot, pchat, "west2", 2)
    await pbot.outbox.flush()
    lines = [r for r in caplog.records if "west2" in r.getMessage()]
    assert lines and all(r.levelno == logging.DEBUG for r in lines), \
        [(r.levelname, r.getMessage()) for r in lines]
    # Any other message still fails at WARNING, as before.
    caplog.clear()
    await say(pbot, "grace", "/help")
    assert any(r.levelno == logging.WARNING and "grace" in r.getMessage()
               for r in caplog.records)


async def test_a_poll_closing_through_an_outage_logs_nothing_of_who_had_not_finished(
        pbot, pchat, pclock, caplog):  # noqa: F811 - the pulse tests' fixtures
    # The GM asked west2 "did you finish the poll?". Everyone else had; the platform then
    # went down until past the close. west2's reminder, still waiting, was dropped at the
    # close, and the operator read "outbox: 1 message(s) to console expired ... not sent"
    # at WARNING: west2 had not finished. Had they, nothing would have expired. (README:
    # "At INFO and above the log names no poll message".)
    from tests.test_pulse import answer_all, close, remind

    caplog.set_level(logging.INFO)
    await pbot.run_pulse()
    await pbot.outbox.flush()
    for key in ["grace", "alice", "bruno", "east1", "east2", "east3", "east4", "east5",
                "west1", "west3", "nova"]:
        await answer_all(pbot, pchat, key, 4, 2)
    await press(pbot, pchat, "west2", 3)  # morale only
    assert await remind(pbot, pchat, pclock, down=True) == 1  # west2's, left waiting
    await pbot.outbox.flush()
    caplog.clear()
    await close(pbot, pclock)
    await pbot.outbox.flush()
    with pbot.sessions() as session:  # the reminder was dropped unsent, as it should be
        assert session.scalars(select(OutboxMessage.id).where(
            OutboxMessage.status == "expired")).all()
    assert [r.getMessage() for r in caplog.records
            if r.levelno >= logging.INFO and "expired" in r.getMessage()] == []


async def test_a_pulse_dm_whose_send_a_crash_interrupted_is_not_logged_above_debug(
        pbot, pchat, pclock, caplog):  # noqa: F811 - the pulse tests' fixtures
    # The bot was killed within a second of west2's answer, the next question to west2 in
    # flight; at the next start "outbox 31 to console:west2: a send was interrupted ..."
    # at WARNING told the log's reader that west2 had just answered, and when.
    from bot.outbox import IN_FLIGHT_TIMEOUT, OutboxWorker
    from tests.support import RecordingAdapter

    caplog.set_level(logging.DEBUG)
    await pbot.run_pulse()
    await pbot.outbox.flush()
    pchat.fail_next[:] = [DeliveryError("boom")]  # (holds the reply back: queued, unsent)
    await press(pbot, pchat, "west2", 2)
    with pbot.unit() as ctx:  # as the killed process left it: being sent
        row = ctx.session.scalars(select(OutboxMessage).where(
            OutboxMessage.address == "west2", OutboxMessage.status == "pending")).one()
        row.status, row.sending_at = "sending", pclock.now()
    restarted = OutboxWorker(pbot.sessions, {"console": RecordingAdapter()}, pclock)
    pclock.advance(IN_FLIGHT_TIMEOUT + IN_FLIGHT_TIMEOUT)
    caplog.clear()
    await restarted.flush()
    lines = [r for r in caplog.records if "west2" in r.getMessage()
             or "interrupted" in r.getMessage()]
    assert lines and all(r.levelno == logging.DEBUG for r in lines), \
        [(r.levelname, r.getMessage()) for r in lines]

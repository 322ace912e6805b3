"""The org file's pulse options README documents beside the cadence: `remind_after_hours`
(when the one reminder comes) and `first_week` (which weeks of the cadence have a poll)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import prepare
from bot.clock import FakeClock
from bot.config import Settings
from bot.core import TeamPulse
from tests.support import RecordingAdapter
from tests.test_pulse import POLL_DAY, PULSE_ORG, answer_all


def _bot(tmp_path: Path, database_url: str, clock: FakeClock, options: str
         ) -> Iterator[tuple[TeamPulse, RecordingAdapter]]:
    org_file = tmp_path / "org.yaml"
    org_file.write_text(PULSE_ORG.read_text().replace("pulse:\n", f"pulse:\n{options}"))
    bot, engine = prepare(Settings(database_url=database_url, org_file=org_file), clock)
    chat = RecordingAdapter()
    bot.register(chat)
    yield bot, chat
    engine.dispose()


@pytest.fixture
def late_reminder(tmp_path: Path, database_url: str, clock: FakeClock
                  ) -> Iterator[tuple[TeamPulse, RecordingAdapter]]:
    clock.set(POLL_DAY)
    yield from _bot(tmp_path, database_url, clock, "  remind_after_hours: 48\n")


async def test_remind_after_hours_sets_when_the_one_reminder_comes(late_reminder, clock):
    """README: `remind_after_hours: 24  # the one reminder, this long after the poll
    opened`. Set to 48, nobody is reminded a day later; two days later whoever has not
    finished is, and whoever has is not."""
    bot, chat = late_reminder
    await bot.run_pulse()
    await answer_all(bot, chat, "alice", 3, 3)
    chat.clear()
    clock.advance(timedelta(hours=25))
    assert (await bot.run_pulse()).reminded == 0
    assert chat.sent == []
    clock.advance(timedelta(hours=24))
    assert (await bot.run_pulse()).reminded > 0
    reminded = {s.target.address for s in chat.sent}
    assert "bruno" in reminded and "alice" not in reminded
    assert "gentle reminder" in chat.last("bruno")


@pytest.fixture
def other_weeks(tmp_path: Path, database_url: str, clock: FakeClock
                ) -> Iterator[tuple[TeamPulse, RecordingAdapter]]:
    clock.set(POLL_DAY)
    # 2026-01-12 is in the week after the default's (2026-01-05): the other fortnights.
    yield from _bot(tmp_path, database_url, clock, "  first_week: 2026-01-12\n")


async def test_first_week_chooses_which_weeks_of_the_cadence_have_a_poll(other_weeks, clock):
    """README: `first_week: 2026-01-05  # any date in a week that has a poll`. Moved a week
    on, the Wednesday the default asks on (9 December) asks nobody; the next one does."""
    bot, chat = other_weeks
    await bot.run_pulse()
    assert chat.sent == []
    clock.set(datetime(2026, 12, 16, 17, 5, tzinfo=UTC))
    await bot.run_pulse()
    assert {"alice", "bruno"} <= {s.target.address for s in chat.sent}

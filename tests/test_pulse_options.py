"""The org file's pulse options README documents beside the cadence: `remind_after_hours`
(when the one reminder comes) and `first_week` (which weeks of the cadence have a poll)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import prepare
from bot.clock import FakeClock
from bot.config import Settings
from bot.core import TeamPulse
from tests.support import RecordingAdapter, say
from tests.test_org_reload import running  # noqa: F401 (the fixture)
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


async def test_a_reminder_set_at_or_past_the_close_is_refused_at_reload(running, caplog):  # noqa: F811
    """`remind_after_hours: 72` with `close_after_days: 3` was taken without a word: the
    poll closed as its reminder fell due, and nobody was ever reminded. The edit is now
    refused at reload, the GM told (in their language) which two values clash, the log
    too; the running org, and the file as written, are kept as they are. One hour less is
    taken."""
    caplog.set_level(logging.WARNING, logger="bot.org_reload")
    before = running.bot.org.pulse
    running.edit("values:", "pulse:\n  close_after_days: 3\n  remind_after_hours: 72\nvalues:")
    written = running.path.read_text(encoding="utf-8")
    assert await running.watcher.check() is None
    assert await running.watcher.check() is None  # still there at the next look: the GM is told
    await running.bot.drain()
    told = running.chat.last("grace")
    assert "The org file org.yaml was edited, but the edit was not applied" in told
    assert ("pulse.remind_after_hours: 72 is not before the poll closes (close_after_days: "
            "3, 72 hours): the reminder would never be sent; use at most 71") in told, told
    assert "pulse.remind_after_hours: 72 is not before the poll closes" in caplog.text
    assert running.bot.org.pulse == before  # the running org is kept
    assert (running.bot.org.pulse.close_after_days,
            running.bot.org.pulse.remind_after_hours) == (3, 24)
    assert running.path.read_text(encoding="utf-8") == written  # nor is the file rewritten
    # Past the close, in Chinese for a GM who reads it.
    await say(running.bot, "grace", "/language 中文")
    running.chat.clear()
    running.write(written.replace("remind_after_hours: 72", "remind_after_hours: 100"))
    assert await running.watcher.check() is None
    assert await running.watcher.check() is None  # still there at the next look: the GM is told
    await running.bot.drain()
    told = running.chat.last("grace")
    assert ("pulse.remind_after_hours：100 不早于调查关闭的时间（close_after_days: 3，即 72 "
            "小时）：提醒永远不会发出；最多用 71，或让调查开放更久") in told, told
    assert running.bot.org.pulse == before
    # An hour before the close: taken.
    running.write(written.replace("remind_after_hours: 72", "remind_after_hours: 71"))
    assert await running.watcher.check() is not None
    assert running.bot.org.pulse.remind_after_hours == 71

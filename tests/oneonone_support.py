"""Shared set-up for the one-on-one tests: the test org with a `oneonones:` section."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.support import TEST_ORG

ONEONONES = """
oneonones:
  default: {cadence: weekly, day: mon, time: "10:00", duration: 30}
  roles:
    member: {cadence: biweekly, day: wed, time: "14:00"}
  pairs:
    - {report: li, cadence: monthly, day: tue, time: "09:00"}
  remind_minutes_before: 15
  feedback_overdue_days: 7
"""

# Grace (New York) meets Alice and Bruno weekly on Monday 10:00 New York time.
MONDAY_SLOT = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # Mon 2026-11-30 10:00 EST


def write_org(folder: Path, extra: str = ONEONONES) -> Path:
    """The test org plus a `oneonones:` section, written to a file in `folder`."""
    path = folder / "org.yaml"
    path.write_text(TEST_ORG.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return path


async def sweep_at(bot, clock, when: datetime) -> int:
    """The one-on-one sweep run at `when` on the test's clock: what it sent."""
    clock.set(when)
    return await bot.run_oneonones()

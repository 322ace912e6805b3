"""The day-before reminder of a one-on-one across a daylight-saving change, from the
people's side (the sweep on the test's clock): it comes at the meeting's own wall-clock
time the day before on each reader's clock, not 24 hours before in UTC, which an
overnight change makes an hour early or late. Each side reads their own clock, so the
two sides of one pair may be reminded an hour apart."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.config import Settings
from tests.oneonone_support import ONEONONES, sweep_at
from tests.support import TEST_ORG, RecordingAdapter

FAR = """  - key: kiri
    name: Kiri Ngata
    role: director
    manager: grace
    team: Pacific
    timezone: Pacific/Auckland
    locale: en
    slack_id: U0KIRI
  - key: greta
    name: Greta Vogel
    role: member
    manager: kiri
    team: Pacific
    timezone: Europe/Berlin
    locale: en
    slack_id: U0GRETA
"""


@pytest.fixture
def settings(database_url, tmp_path):
    """Grace (New York) meets 李雷 (Shanghai) weekly on Sundays at 19:30 New York time,
    Monday 08:30 in Shanghai; Kiri (Auckland) meets Greta (Berlin) weekly on Mondays at
    09:00 Auckland time, Sunday evening in Berlin."""
    head, values = TEST_ORG.read_text(encoding="utf-8").split("# Company values", 1)
    rules = ONEONONES.replace(
        '{report: li, cadence: monthly, day: tue, time: "09:00"}',
        '{report: li, cadence: weekly, day: sun, time: "19:30"}\n'
        '    - {report: greta, cadence: weekly, day: mon, time: "09:00"}')
    path = tmp_path / "org.yaml"
    path.write_text(head + FAR + "# Company values" + values + rules, encoding="utf-8")
    return Settings(database_url=database_url, org_file=path)


def day_before(chat: RecordingAdapter, key: str) -> list[str]:
    """The day-before 1:1 reminders one person received, each cut to its first line."""
    return [t.split("\n")[0] for t in chat.to(key)
            if t.startswith(("Reminder: your 1:1", "提醒：你与"))]


async def test_new_york_falls_back_overnight_the_reminder_keeps_its_evening_hour(
        bot, chat, clock):
    """New York leaves summer time at 02:00 on Sunday 1 November 2026. The 1:1 is that
    Sunday at 19:30 (00:30 UTC on Monday): Grace's reminder is Saturday 19:30, still
    summer time (23:30 UTC); 24 hours in UTC would be 20:30 on her clock. 李雷's is
    Sunday 08:30 in Shanghai, which keeps no summer time (00:30 UTC)."""
    await sweep_at(bot, clock, datetime(2026, 10, 31, 23, 29, tzinfo=UTC))
    assert day_before(chat, "grace") == [] and day_before(chat, "li") == []
    await sweep_at(bot, clock, datetime(2026, 10, 31, 23, 30, tzinfo=UTC))
    assert day_before(chat, "grace") == [
        "Reminder: your 1:1 with 李雷 is tomorrow, Sun 2026-11-01 19:30 (America/New_York)."]
    assert day_before(chat, "li") == []  # 07:30 on Sunday in Shanghai: not yet
    await sweep_at(bot, clock, datetime(2026, 11, 1, 0, 29, tzinfo=UTC))
    assert day_before(chat, "li") == []
    await sweep_at(bot, clock, datetime(2026, 11, 1, 0, 30, tzinfo=UTC))
    assert day_before(chat, "li") == ["提醒：你与Grace Chen的一对一面谈在明天，"
                                      "2026-11-02 08:30（周一，Asia/Shanghai）。"]
    # Each once, however many sweeps follow.
    await sweep_at(bot, clock, datetime(2026, 11, 1, 1, 30, tzinfo=UTC))
    assert len(day_before(chat, "grace")) == 1 and len(day_before(chat, "li")) == 1


async def test_berlin_falls_back_overnight_the_reminder_keeps_its_evening_hour(
        bot, chat, clock):
    """Berlin leaves summer time at 03:00 on Sunday 25 October 2026; Auckland changed in
    September. Kiri's Monday 09:00 (20:00 UTC on Sunday) is Sunday 21:00 in Berlin:
    Greta's reminder is Saturday 21:00, summer time (19:00 UTC), not 22:00 as 24 hours in
    UTC made it. Kiri's is Sunday 09:00 in Auckland (20:00 UTC on Saturday)."""
    await sweep_at(bot, clock, datetime(2026, 10, 24, 18, 59, tzinfo=UTC))
    assert day_before(chat, "greta") == []
    await sweep_at(bot, clock, datetime(2026, 10, 24, 19, 0, tzinfo=UTC))
    assert day_before(chat, "greta") == [
        "Reminder: your 1:1 with Kiri Ngata is tomorrow, Sun 2026-10-25 21:00 "
        "(Europe/Berlin)."]
    assert day_before(chat, "kiri") == []
    await sweep_at(bot, clock, datetime(2026, 10, 24, 20, 0, tzinfo=UTC))
    assert day_before(chat, "kiri") == [
        "Reminder: your 1:1 with Greta Vogel is tomorrow, Mon 2026-10-26 09:00 "
        "(Pacific/Auckland)."]
    assert len(day_before(chat, "greta")) == 1


async def test_spring_forward_the_reminder_is_not_an_hour_early(bot, chat, clock):
    """New York starts summer time at 02:00 on Sunday 14 March 2027: the Sunday 19:30
    1:1 is 23:30 UTC, and Grace's reminder Saturday 19:30, still winter time (00:30 UTC
    on Sunday), not 18:30 on her clock."""
    await sweep_at(bot, clock, datetime(2027, 3, 13, 23, 30, tzinfo=UTC))
    assert day_before(chat, "grace") == []
    await sweep_at(bot, clock, datetime(2027, 3, 14, 0, 30, tzinfo=UTC))
    assert day_before(chat, "grace") == [
        "Reminder: your 1:1 with 李雷 is tomorrow, Sun 2027-03-14 19:30 (America/New_York)."]

"""README: one-on-one reminders go "the day before and 15 minutes before (both
configurable)": `oneonones.remind_day_before` and `oneonones.remind_minutes_before`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.config import Settings
from tests.oneonone_support import MONDAY_SLOT, ONEONONES, sweep_at, write_org
from tests.test_oneonone import texts

# Sunday 10:05 in New York: Grace's Monday 10:00 1:1 with Alice is tomorrow.
DAY_BEFORE = datetime(2026, 11, 29, 15, 5, tzinfo=UTC)


@pytest.fixture
def settings(database_url, tmp_path, request):
    """The test org's one-on-ones, with the reminder options the test gives."""
    rules = ONEONONES.replace("  remind_minutes_before: 15\n", request.param)
    return Settings(database_url=database_url, org_file=write_org(tmp_path, rules))


@pytest.mark.parametrize("settings", ["  remind_day_before: false\n"], indirect=True)
async def test_remind_day_before_false_sends_only_the_one_shortly_before(bot, chat, clock):
    await sweep_at(bot, clock, DAY_BEFORE)
    assert not texts(chat, "alice", "Grace Chen")
    assert not texts(chat, "grace", "Alice Martin")
    await sweep_at(bot, clock, MONDAY_SLOT - timedelta(minutes=10))
    assert texts(chat, "alice", "starts soon: Mon 2026-11-30 10:00")
    assert texts(chat, "grace", "starts soon: Mon 2026-11-30 10:00")


@pytest.mark.parametrize("settings", ["  remind_minutes_before: 45\n"], indirect=True)
async def test_remind_minutes_before_sets_when_the_last_reminder_comes(bot, chat, clock):
    await sweep_at(bot, clock, DAY_BEFORE)
    assert texts(chat, "alice", "is tomorrow, Mon 2026-11-30 10:00")  # still on by default
    await sweep_at(bot, clock, MONDAY_SLOT - timedelta(minutes=50))
    assert not texts(chat, "alice", "starts soon")
    await sweep_at(bot, clock, MONDAY_SLOT - timedelta(minutes=40))
    assert texts(chat, "alice", "starts soon: Mon 2026-11-30 10:00")
    assert texts(chat, "grace", "starts soon: Mon 2026-11-30 10:00")

"""README's time promises across a daylight-saving change, with the clock in the test's
hand: an action item "is reminded to their owner on the due date, once, at the start of
their working hours there (07:00 by default, in the owner's timezone)"; `/checkin remind`
"at most once a day (their day)"; a deleted DM told of "once an hour at most"."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.app import prepare
from bot.config import Settings
from bot.events import InboundEvent
from tests.oneonone_support import sweep_at, write_org
from tests.support import TEST_ORG, RecordingAdapter, say
from tests.test_checkin_remind import monday


@pytest.fixture
def settings(database_url, tmp_path):
    """The test org with one-on-one rules (Grace meets Alice, in New York, on Mondays)."""
    return Settings(database_url=database_url, org_file=write_org(tmp_path))


def due_notes(chat, key: str) -> list[str]:
    return [t for t in chat.to(key) if t.startswith("Action item #")]


@pytest.mark.parametrize(("added", "due", "too_early", "at_seven"), [
    # Sunday 1 November 2026: New York falls back at 06:00 UTC; 07:00 EST is 12:00 UTC.
    (datetime(2026, 10, 29, 15, 0, tzinfo=UTC), "Nov 1",
     datetime(2026, 11, 1, 11, 30, tzinfo=UTC), datetime(2026, 11, 1, 12, 0, tzinfo=UTC)),
    # Sunday 14 March 2027: New York springs forward at 07:00 UTC; 07:00 EDT is 11:00 UTC.
    (datetime(2027, 3, 11, 15, 0, tzinfo=UTC), "Mar 14",
     datetime(2027, 3, 14, 10, 30, tzinfo=UTC), datetime(2027, 3, 14, 11, 0, tzinfo=UTC)),
])
async def test_an_action_item_due_on_a_clock_change_day_is_reminded_once_at_seven_there(
        bot, chat, clock, added, due, too_early, at_seven):
    """Grace gives Alice an item due on the Sunday the clocks change in New York. At 06:30
    there (by the day's own offset) nothing; at 07:00 the reminder; the sweeps after it
    (every minute, and a restarted bot's) send nothing more. An offset kept from the day
    before would remind her at 06:00 or 08:00."""
    clock.set(added)
    await say(bot, "grace", f"/actions add send the pricing deck @alice by {due}")
    await sweep_at(bot, clock, too_early)
    assert due_notes(chat, "alice") == []
    await sweep_at(bot, clock, at_seven)
    (note,) = due_notes(chat, "alice")
    assert note.startswith("Action item #1 is due ") and "send the pricing deck" in note
    for minutes in (1, 2, 90):
        await sweep_at(bot, clock, at_seven.replace(minute=minutes % 60,
                                                     hour=at_seven.hour + minutes // 60))
    assert len(due_notes(chat, "alice")) == 1


async def test_checkin_remind_is_once_a_day_by_each_persons_day_not_the_gms(
        database_url, tmp_path, clock):
    """README, `/checkin remind`: "at most once a day (their day)". Grace in New York asks
    at 23:30 on Monday and again at 00:30 on Tuesday: a new day for her and for Alice (New
    York), who is reminded again, but one Tuesday afternoon for 李雷 in Shanghai, who must
    not be reminded twice in it."""
    bot, engine = prepare(Settings(database_url=database_url, org_file=TEST_ORG), clock)
    chat = RecordingAdapter()
    bot.register(chat)
    try:
        await monday(bot, chat, clock)
        clock.set(datetime(2026, 12, 1, 4, 30, tzinfo=UTC))  # Mon 23:30 NY, Tue 12:30 there
        await say(bot, "grace", "/checkin remind")
        assert chat.last("grace").startswith("Reminded 2 people")
        chat.clear()
        clock.set(datetime(2026, 12, 1, 5, 30, tzinfo=UTC))  # Tue 00:30 NY, Tue 13:30 there
        await say(bot, "grace", "/checkin remind")
        assert chat.last("grace") == (
            "Reminded 1 person whose 2026-W48 check-in is not finished: Alice Martin. Each was "
            "told you asked.\nReminded already today: 李雷")
        assert chat.to("li") == [] and len(chat.to("alice")) == 1
    finally:
        engine.dispose()


async def test_a_deleted_dm_is_said_to_stay_recorded_once_an_hour_at_most_not_per_clock_hour(
        bot, chat, clock):
    """README: deleting a message you sent the bot "the bot says at once (once an hour at
    most) that what it read stays recorded". Alice deletes one answer at 10:59 and another
    at 11:00: told once, not twice a minute apart because the clock's hour turned; told
    again an hour after the first."""
    def deleted(n: int) -> InboundEvent:
        return InboundEvent(platform="console", user_id="alice", chat_id="alice",
                            chat_type="direct", text="", message_id=f"m{n}", deleted=True,
                            event_id=f"deleted-{n}")

    def told() -> int:
        return sum("Deleting a message does not take back" in t for t in chat.to("alice"))

    clock.set(datetime(2026, 12, 1, 15, 59, tzinfo=UTC))  # 10:59 in New York
    await bot.handle(deleted(1))
    assert told() == 1
    clock.set(datetime(2026, 12, 1, 16, 0, tzinfo=UTC))
    await bot.handle(deleted(2))
    clock.set(datetime(2026, 12, 1, 16, 58, tzinfo=UTC))
    await bot.handle(deleted(3))
    assert told() == 1
    clock.set(datetime(2026, 12, 1, 17, 0, tzinfo=UTC))  # over an hour since the first
    await bot.handle(deleted(4))
    assert told() == 2

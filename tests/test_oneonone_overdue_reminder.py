"""The GM's 1:1 reminders say when the 1:1 is overdue, by the rule of the GM's summary.

Before, a reminder named overdue action items but never that the 1:1 itself was: Grace,
whose Monday 1:1 with Alice had not happened the week before, was reminded of the next
one as of any other, and only `/summary` said it was overdue. Then Grace was told, and
Alice, the other side of the same 1:1, still was not: her reminders now say it too,
worded for her. Grace (New York) meets Alice and Bruno weekly, Mondays 10:00; the clock
is the test's.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.config import Settings
from tests.oneonone_support import MONDAY_SLOT, sweep_at, write_org
from tests.support import RecordingAdapter, say
from tests.test_oneonone_switched_back import OFF, ON, reloaded

WEEK = timedelta(days=7)
OVERDUE = ("⚠️ Your 1:1 with Alice Martin is overdue: last held 2026-11-30, due every week; "
           "Mon 2026-12-07 10:00 (America/New_York) did not happen.")


@pytest.fixture
def settings(database_url, tmp_path):
    """The test org with one-on-one rules (Grace meets Alice and Bruno on Mondays)."""
    return Settings(database_url=database_url, org_file=write_org(tmp_path))


def reminder_of(chat: RecordingAdapter, key: str, name: str) -> list[str]:
    """The 1:1 reminders `key` got of their 1:1 with `name`."""
    return [t for t in chat.to(key) if t.startswith(
        (f"Reminder: your 1:1 with {name}", f"Your 1:1 with {name} starts soon",
         f"提醒：你与{name}", f"你与{name}的一对一面谈即将开始"))]


async def alice_held_then_missed(bot, clock) -> None:
    """30 November: both 1:1s held. 7 December: Alice's did not happen, Bruno's did."""
    await sweep_at(bot, clock, MONDAY_SLOT + timedelta(minutes=31))
    for text in ("yes", "done", "done", "4", "skip"):  # Alice's (asked first), rated
        await say(bot, "grace", text)
    for text in ("yes", "done", "done", "4", "skip"):  # Bruno's
        await say(bot, "grace", text)
    await sweep_at(bot, clock, MONDAY_SLOT + WEEK + timedelta(minutes=31))
    for text in ("no", "yes", "done", "done"):
        await say(bot, "grace", text)


async def test_the_gm_is_told_the_1on1_is_overdue_in_its_reminders(bot, chat, clock):
    await alice_held_then_missed(bot, clock)
    chat.clear()
    await sweep_at(bot, clock, MONDAY_SLOT + 2 * WEEK - timedelta(days=1))  # Sun 10:00
    await sweep_at(bot, clock, MONDAY_SLOT + 2 * WEEK - timedelta(minutes=14))
    day, soon = reminder_of(chat, "grace", "Alice Martin")
    assert day.split("\n")[:2] == [
        "Reminder: your 1:1 with Alice Martin is tomorrow, Mon 2026-12-14 10:00 "
        "(America/New_York).", OVERDUE], day
    assert OVERDUE in soon.split("\n"), soon
    # Bruno's 1:1 is on time: nothing said, to either side.
    assert len(reminder_of(chat, "grace", "Bruno Rossi")) == 2
    assert not any("overdue" in t for t in reminder_of(chat, "grace", "Bruno Rossi"))
    assert not any("overdue" in t for t in reminder_of(chat, "bruno", "Grace Chen"))
    # The GM's summary says the same of the same 1:1.
    await say(bot, "grace", "/summary")
    assert "overdue: Mon 2026-12-07 10:00 (America/New_York) did not happen" in \
        chat.last("grace")


async def test_once_held_again_the_reminder_no_longer_says_overdue(bot, chat, clock):
    await alice_held_then_missed(bot, clock)
    await sweep_at(bot, clock, MONDAY_SLOT + 2 * WEEK + timedelta(minutes=31))
    for text in ("yes", "done", "done"):
        await say(bot, "grace", text)
    chat.clear()
    await sweep_at(bot, clock, MONDAY_SLOT + 3 * WEEK - timedelta(days=1))
    (day,) = reminder_of(chat, "grace", "Alice Martin")
    assert "overdue" not in day, day


async def test_in_chinese(bot, chat, clock):
    await alice_held_then_missed(bot, clock)
    await say(bot, "grace", "/language 中文")
    chat.clear()
    await sweep_at(bot, clock, MONDAY_SLOT + 2 * WEEK - timedelta(days=1))
    (day,) = reminder_of(chat, "grace", "Alice Martin")
    assert day.split("\n")[1] == (
        "⚠️ 你与Alice Martin的一对一面谈已逾期：上次进行于 2026-11-30（应每周一次）；"
        "2026-12-07 10:00（周一，America/New_York）的面谈没有进行。"), day
    (bruno,) = reminder_of(chat, "grace", "Bruno Rossi")
    assert "逾期" not in bruno


async def test_never_held_and_unanswered(bot, chat, clock):
    # Grace never answered "did it happen?" of 30 November: not confirmed, and never held.
    await sweep_at(bot, clock, MONDAY_SLOT + timedelta(minutes=31))
    chat.clear()
    await sweep_at(bot, clock, MONDAY_SLOT + WEEK - timedelta(days=1))
    (day,) = reminder_of(chat, "grace", "Alice Martin")
    assert ("⚠️ Your 1:1 with Alice Martin is overdue: never held yet, due every week; "
            "Mon 2026-11-30 10:00 (America/New_York) was not confirmed "
            '("did it happen?" unanswered).') in day.split("\n"), day


async def test_a_pair_switched_off_and_back_on_is_not_told_of_a_miss_from_before(
        bot, chat, clock):
    # Alice's 30 November 1:1 did not happen; her 1:1s were switched off on 9 December
    # and back on on 12 January: nobody could make that one up (the summary's rule).
    await sweep_at(bot, clock, MONDAY_SLOT + timedelta(minutes=31))
    for text in ("no", "yes", "done", "done"):
        await say(bot, "grace", text)
    clock.set(datetime(2026, 12, 9, 15, 0, tzinfo=UTC))
    await reloaded(bot, OFF)
    chat.clear()
    await sweep_at(bot, clock, datetime(2026, 12, 13, 15, 0, tzinfo=UTC))  # Sun 10:00
    assert reminder_of(chat, "grace", "Alice Martin") == []  # off: no reminder at all
    assert not any("overdue" in t for t in chat.to("grace"))
    clock.set(datetime(2027, 1, 12, 15, 0, tzinfo=UTC))
    await reloaded(bot, ON)
    chat.clear()
    await sweep_at(bot, clock, datetime(2027, 1, 17, 15, 0, tzinfo=UTC))  # Sun 10:00
    (day,) = reminder_of(chat, "grace", "Alice Martin")
    assert "overdue" not in day, day


ALICE_OVERDUE = ("⚠️ Your 1:1 with Grace Chen is overdue: last held 2026-11-30, due every "
                 "week; Mon 2026-12-07 10:00 (America/New_York) did not happen.")


async def test_the_report_is_told_the_same_1on1_is_overdue(bot, chat, clock):
    """Alice's reminders of her next 1:1 with Grace read as any other week's, though the
    GM's summary and Grace's own reminders call it overdue: both sides now read the
    same fact, on their own calendar."""
    await alice_held_then_missed(bot, clock)
    chat.clear()
    await sweep_at(bot, clock, MONDAY_SLOT + 2 * WEEK - timedelta(days=1))  # Sun 10:00
    await sweep_at(bot, clock, MONDAY_SLOT + 2 * WEEK - timedelta(minutes=14))
    day, soon = reminder_of(chat, "alice", "Grace Chen")
    assert day.split("\n")[:2] == [
        "Reminder: your 1:1 with Grace Chen is tomorrow, Mon 2026-12-14 10:00 "
        "(America/New_York).", ALICE_OVERDUE], day
    assert ALICE_OVERDUE in soon.split("\n"), soon
    (bruno_day, bruno_soon) = reminder_of(chat, "bruno", "Grace Chen")  # on time: nothing
    assert "overdue" not in bruno_day + bruno_soon
    # Held again: neither side is told any more.
    await sweep_at(bot, clock, MONDAY_SLOT + 2 * WEEK + timedelta(minutes=31))
    for text in ("yes", "done", "done"):
        await say(bot, "grace", text)
    chat.clear()
    await sweep_at(bot, clock, MONDAY_SLOT + 3 * WEEK - timedelta(days=1))
    (day,) = reminder_of(chat, "alice", "Grace Chen")
    assert "overdue" not in day, day


async def test_the_report_is_told_in_chinese_on_their_own_calendar(bot, chat, clock):
    await alice_held_then_missed(bot, clock)
    await say(bot, "alice", "/language 中文")
    chat.clear()
    await sweep_at(bot, clock, MONDAY_SLOT + 2 * WEEK - timedelta(days=1))
    (day,) = reminder_of(chat, "alice", "Grace Chen")
    assert day.split("\n")[1] == (
        "⚠️ 你与Grace Chen的一对一面谈已逾期：上次进行于 2026-11-30（应每周一次）；"
        "2026-12-07 10:00（周一，America/New_York）的面谈没有进行。"), day


async def test_the_report_is_not_asked_to_confirm_what_only_the_manager_records(
        bot, chat, clock):
    # Grace never answered "did it happen?" of 30 November: Alice cannot answer it, so
    # her reminder says whose confirmation is missing rather than "unanswered".
    await sweep_at(bot, clock, MONDAY_SLOT + timedelta(minutes=31))
    chat.clear()
    await sweep_at(bot, clock, MONDAY_SLOT + WEEK - timedelta(days=1))
    (day,) = reminder_of(chat, "alice", "Grace Chen")
    assert ("⚠️ Your 1:1 with Grace Chen is overdue: never held yet, due every week; "
            "Mon 2026-11-30 10:00 (America/New_York) is not recorded as held (Grace Chen "
            "has not said whether it happened).") in day.split("\n"), day
    await say(bot, "alice", "/language 中文")
    chat.clear()
    await sweep_at(bot, clock, MONDAY_SLOT + WEEK - timedelta(minutes=14))
    (soon,) = reminder_of(chat, "alice", "Grace Chen")
    assert ("⚠️ 你与Grace Chen的一对一面谈已逾期：还从未进行过（应每周一次）；"
            "2026-11-30 10:00（周一，America/New_York）的面谈未记录为已进行"
            "（Grace Chen尚未确认是否进行）。") in soon.split("\n"), soon

"""Can the GM trust "overdue" and the one-on-one lines? Cases a GM and a director meet,
tried as they meet them (the console chat, the sweep on the test's clock, the org file
reloaded, the in-process CLI): the cadence changed right after a meeting or right before
one was due, a 1:1 held early or twice in a week, a "No" put right, a meeting confirmed
after its week ended, a GM in Shanghai with a director in Los Angeles, and an action
item carried over three meetings. (Time away: tests/test_oneonone_away.py; a pair that
ended and began again: tests/test_oneonone_restarted.py.)"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.config import Settings
from bot.org import parse_org
from handlers.oneonone import oneonone_overview
from tests.oneonone_support import MONDAY_SLOT, ONEONONES, sweep_at, write_org
from tests.support import TEST_ORG, RecordingAdapter, run_cli, say

FORTNIGHTLY = ONEONONES.replace("default: {cadence: weekly", "default: {cadence: biweekly")


@pytest.fixture
def settings(database_url, tmp_path):
    """Grace (New York) meets Alice and Bruno weekly, Monday 10:00 New York time."""
    return Settings(database_url=database_url, org_file=write_org(tmp_path))


def yes_for(chat: RecordingAdapter, name: str = "Alice Martin") -> str:
    """The "Yes" button of the latest "did your 1:1 with <name> happen?" to Grace."""
    asked = [m for m in chat.sent if m.target.address == "grace"
             and f"Did your 1:1 with {name}" in m.message.text]
    return next(c.value for c in asked[-1].message.choices if c.value.endswith(":y"))


def alices(bot, now: datetime | None = None, **past):
    """Alice's 1:1 with Grace as the overview (`teampulse oneonones`, the team summary)
    has it at `now`."""
    with bot.unit() as ctx:
        return next(d for d in oneonone_overview(ctx.session, ctx.org, now or bot.clock.now(),
                                                 **past) if d.key == "alice").own


def block(text: str) -> str:
    """Alice's block in the GM's /summary."""
    return text.split("Alice Martin · team East", 1)[1].split("\n\n", 1)[0]


def edit_org(bot, extra: str) -> None:
    """The org file's `oneonones:` section edited, and reloaded while the bot runs."""
    org = parse_org(TEST_ORG.read_text(encoding="utf-8") + extra)
    bot.sync_org_to(org)
    bot.apply_org(org)


async def held(bot, chat, clock, when: datetime, item: str = "") -> None:
    """Grace's 1:1 with Alice asked about at `when`, and held (an action item agreed)."""
    await sweep_at(bot, clock, when)
    await say(bot, "grace", action=yes_for(chat))
    await say(bot, "grace", "next")
    if item:
        await say(bot, "grace", item)
    await say(bot, "grace", "done")


# --- the cadence changed ---------------------------------------------------------------

async def test_made_fortnightly_right_after_a_meeting_the_next_is_the_orgs_next_fortnight(
        bot, chat, clock):
    """Every two weeks is the org's fortnights (even weeks from Mon 2026-01-05), the same
    for every pair, not two weeks from the pair's last meeting: held on 30 November (an
    odd week), the next is 7 December, and nothing is overdue."""
    await held(bot, chat, clock, MONDAY_SLOT + timedelta(minutes=31))
    edit_org(bot, FORTNIGHTLY)
    clock.set(MONDAY_SLOT + timedelta(days=2))
    await say(bot, "alice", "/1on1")
    assert "Grace Chen: every two weeks, Mon 10:00 (America/New_York) — next: Mon " \
        "2026-12-07 10:00" in chat.last("alice")
    await say(bot, "grace", "/summary")
    assert "One-on-one with you: last 2026-11-30 · next 2026-12-07" in block(chat.last("grace"))
    assert not alices(bot).overdue


async def test_made_fortnightly_the_day_before_a_slot_it_no_longer_gives(bot, chat, clock):
    """Sunday: the file says every two weeks, and Monday 30 November is no slot any more.
    It is not asked about, and never overdue; the next is 7 December."""
    clock.set(datetime(2026, 11, 29, 14, 0, tzinfo=UTC))
    edit_org(bot, FORTNIGHTLY)
    await sweep_at(bot, clock, MONDAY_SLOT + timedelta(minutes=31))
    assert not [t for t in chat.to("grace") if "Did your 1:1 with Alice" in t]
    clock.set(MONDAY_SLOT + timedelta(days=3))
    own = alices(bot)
    assert not own.overdue and own.next == datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
    code, out = run_cli(bot.settings, "oneonones", "--format", "json")
    (alice,) = [d for d in json.loads(out)["directors"] if d["key"] == "alice"]
    assert code == 0 and alice["own"]["overdue"] is False


# --- held early, twice in a week, a "No" put right, confirmed late ---------------------

async def test_the_next_1on1_held_early_the_same_week_is_two_held_and_none_overdue(
        bot, chat, clock):
    await bot.run_checkins()
    await held(bot, chat, clock, MONDAY_SLOT + timedelta(minutes=31))
    clock.set(datetime(2026, 12, 1, 15, 0, tzinfo=UTC))
    await say(bot, "grace", "/1on1 move @alice 2026-12-03 15:00")  # 7 December's, early
    await held(bot, chat, clock, datetime(2026, 12, 3, 20, 31, tzinfo=UTC))
    # Monday 7 December passes with no slot (its meeting was held on Thursday).
    clock.set(datetime(2026, 12, 9, 12, 0, tzinfo=UTC))
    own = alices(bot)
    assert not own.overdue
    assert own.last_held == datetime(2026, 12, 3, 20, 0, tzinfo=UTC)
    assert own.next == datetime(2026, 12, 14, 15, 0, tzinfo=UTC)
    await say(bot, "alice", "/1on1 history")
    assert "2026-12-03: Grace Chen · Alice Martin\n2026-11-30: Grace Chen · Alice Martin" \
        in chat.last("alice")
    await bot.run_checkins()
    await say(bot, "grace", "/summary 2026-W49")
    assert "One-on-one with you: last 2026-12-03 · next 2026-12-14" \
        in block(chat.last("grace"))


async def test_a_no_put_right_with_yes_is_no_longer_overdue(bot, chat, clock):
    await sweep_at(bot, clock, MONDAY_SLOT + timedelta(minutes=31))
    await say(bot, "grace", "no")
    clock.set(MONDAY_SLOT + timedelta(days=2))
    assert alices(bot).missed_reason == "not_held"
    await say(bot, "grace", action=yes_for(chat))
    own = alices(bot)
    assert not own.overdue and own.last_held == MONDAY_SLOT


async def test_a_meeting_confirmed_after_its_week_reads_held_in_that_week(bot, chat, clock):
    """Unconfirmed at the end of its week the GM read it overdue; confirmed the Tuesday
    after, the week reads it held: the meeting took place in it (the week's other
    figures as they stood then)."""
    await bot.run_checkins()
    await sweep_at(bot, clock, MONDAY_SLOT + timedelta(minutes=31))
    clock.set(datetime(2026, 12, 6, 12, 0, tzinfo=UTC))  # Sunday: still unanswered
    assert alices(bot).missed_reason == "unanswered"
    clock.set(datetime(2026, 12, 8, 12, 0, tzinfo=UTC))
    await say(bot, "grace", action=yes_for(chat))
    await say(bot, "grace", "next")
    await say(bot, "grace", "Send the Q1 forecast 2026-12-10")
    await say(bot, "grace", "done")
    await bot.run_checkins()
    await say(bot, "grace", "/summary 2026-W49")
    line = block(chat.last("grace"))
    assert "One-on-one with you: last 2026-11-30 · next 2026-12-07" in line
    assert "overdue" not in line and "action item" not in line  # agreed after the week


# --- time zones ------------------------------------------------------------------------

SHANGHAI_GM = TEST_ORG.read_text(encoding="utf-8").replace(
    "role: gm\n    timezone: America/New_York", "role: gm\n    timezone: Asia/Shanghai").replace(
    "team: East\n    timezone: America/New_York", "team: East\n    timezone: America/Los_Angeles")


@pytest.fixture
def shanghai(database_url, tmp_path):
    path = tmp_path / "org.yaml"
    path.write_text(SHANGHAI_GM + ONEONONES, encoding="utf-8")
    return Settings(database_url=database_url, org_file=path)




async def test_a_gm_in_shanghai_and_a_director_in_los_angeles_monday_is_the_managers(
        shanghai, clock):
    """The pair's Monday 10:00 is Grace's (Shanghai): Sunday 18:00 for Alice in Los
    Angeles. Overdue a day after that slot ends, the same moment for everyone; the
    GM's past week is her own calendar's, and reads the state of its end."""
    from bot.app import prepare

    bot, engine = prepare(shanghai, clock)
    chat = RecordingAdapter()
    bot.register(chat)
    try:
        slot = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # Mon 10:00 Shanghai, Sun 18:00 LA
        await say(bot, "alice", "/1on1")
        assert "Grace Chen: weekly, Mon 10:00 (Asia/Shanghai) — next: Sun 2026-11-29 " \
            "18:00 (America/Los_Angeles)" in chat.last("alice")
        await sweep_at(bot, clock, slot + timedelta(minutes=31))
        assert [t for t in chat.to("grace") if "Did your 1:1 with Alice Martin (Mon "
                "2026-11-30 10:00 (Asia/Shanghai)) happen?" in t]
        assert not alices(bot, slot + timedelta(days=1, minutes=29)).overdue
        assert alices(bot, slot + timedelta(days=1, minutes=31)).overdue
        # The next one held; the week of the missed one still reads it overdue.
        await held(bot, chat, clock, slot + timedelta(days=7, minutes=31))
        clock.set(slot + timedelta(days=9))
        assert not alices(bot).overdue
        await bot.run_checkins()  # 2026-W50's is out: 2026-W49 is history
        await say(bot, "grace", "/summary 2026-W49")  # 30 Nov - 6 Dec in Shanghai
        assert "overdue: Mon 2026-11-30 10:00 (Asia/Shanghai) not confirmed" \
            in block(chat.last("grace"))
        await say(bot, "grace", "/summary 2026-W48")  # before the slot, in Shanghai
        assert "One-on-one with you: last never · next 2026-11-30" in block(chat.last("grace"))
        assert "overdue" not in block(chat.last("grace"))
    finally:
        engine.dispose()


# --- action items ----------------------------------------------------------------------

async def test_an_item_carried_over_three_meetings_counts_once_as_actions_lists_it(
        bot, chat, clock):
    await bot.run_checkins()
    await held(bot, chat, clock, MONDAY_SLOT + timedelta(minutes=31),
               "Send the Q1 forecast 2026-12-02")
    for week in (1, 2):
        await held(bot, chat, clock, MONDAY_SLOT + timedelta(days=7 * week, minutes=31))
    clock.set(MONDAY_SLOT + timedelta(days=15))
    await say(bot, "alice", "/actions")
    assert chat.last("alice").count("Send the Q1 forecast") == 1
    await say(bot, "grace", "/summary")
    assert "1 open action item (1 overdue)" in block(chat.last("grace"))
    _, out = run_cli(bot.settings, "oneonones", "--format", "json")
    (alice,) = [d for d in json.loads(out)["directors"] if d["key"] == "alice"]
    assert (alice["open_actions"], alice["overdue_actions"]) == (1, 1)
    # Closed: off the counts now; the weeks it was open in still count it.
    await say(bot, "alice", "/actions done 1")
    await say(bot, "alice", "/actions done 1")
    assert "was already closed" in chat.last("alice")
    clock.set(MONDAY_SLOT + timedelta(days=15, minutes=1))
    await say(bot, "grace", "/summary")
    assert "open action item" not in block(chat.last("grace"))
    clock.set(datetime(2026, 12, 18, 21, 0, tzinfo=UTC))
    await bot.run_checkins()  # 2026-W51's: 2026-W50 reads as it stood at its end
    await say(bot, "grace", "/summary")
    assert "open action item" not in block(chat.last("grace"))
    await say(bot, "grace", "/summary 2026-W50")
    assert "1 open action item (1 overdue)" in block(chat.last("grace"))


# --- a past week's next meeting ----------------------------------------------------------

async def test_a_skip_made_after_a_week_never_changes_its_next_one_on_one(bot, chat, clock):
    """Monday 7 December, 08:00 in New York (2026-W49 over): Grace skips that day's 1:1
    with Alice. 2026-W49 read since said "next 2026-12-14", a plan made after the week;
    at its end the next was Monday's, and the week reads as it stood then."""
    await bot.run_checkins()
    await held(bot, chat, clock, MONDAY_SLOT + timedelta(minutes=31))
    clock.set(datetime(2026, 12, 7, 13, 0, tzinfo=UTC))
    await say(bot, "grace", "/1on1 skip @alice")
    assert "2026-12-07" in chat.last("grace")
    clock.set(datetime(2026, 12, 11, 21, 0, tzinfo=UTC))
    await bot.run_checkins()  # 2026-W50's is out: 2026-W49 is history
    await say(bot, "grace", "/summary 2026-W49")
    assert "One-on-one with you: last 2026-11-30 · next 2026-12-07" \
        in block(chat.last("grace"))
    await say(bot, "grace", "/summary team East 2026-W49")
    assert "with Grace Chen: last held Mon 2026-11-30 10:00 (America/New_York) · next Mon " \
        "2026-12-07 10:00" in chat.last("grace")
    # Read as now, the skip holds.
    await say(bot, "grace", "/summary")
    assert "One-on-one with you: last 2026-11-30 · next 2026-12-14" \
        in block(chat.last("grace"))

"""One-on-one reminders from the people's side, with the clock in the test's hand: a
reminder held up in the outbox (the platform down) for a meeting moved or skipped
meanwhile never arrives with the old time, and the new time's comes as usual; someone
back minutes before a meeting gets one reminder of it, not two; /1on1 and /agenda say
when either side is away at the next meeting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import generate_latest

from bot.config import Settings
from tests.oneonone_support import MONDAY_SLOT, sweep_at, write_org
from tests.support import RecordingAdapter, say
from tests.test_checkin_remind import back_up, go_down

# Sunday 2026-11-29 10:00 in New York: the day-before reminders of Monday's 10:00 1:1s.
DAY_BEFORE = MONDAY_SLOT - timedelta(days=1)


@pytest.fixture
def settings(database_url, tmp_path):
    """The test org with one-on-one rules (Grace meets Alice and Bruno on Mondays)."""
    return Settings(database_url=database_url, org_file=write_org(tmp_path))


def reminders(chat: RecordingAdapter, key: str) -> list[str]:
    """The 1:1 reminders one person received, each cut to its first line."""
    return [t.split("\n")[0] for t in chat.to(key)
            if t.startswith(("Reminder: your 1:1", "Your 1:1 with"))]


async def test_a_reminder_held_up_for_a_meeting_moved_meanwhile_never_says_the_old_time(
        bot, chat, clock):
    # Sunday 10:00: Bruno's reminder of Monday's 1:1 falls due while the platform refuses
    # everything. At 11:00 Grace moves the meeting to Tuesday 11:00; at noon the platform
    # is back, and Bruno was told "tomorrow, Mon 16:00": a time that no longer held.
    go_down(chat)
    await sweep_at(bot, clock, DAY_BEFORE + timedelta(minutes=1))
    clock.set(DAY_BEFORE + timedelta(hours=1))
    await say(bot, "grace", "/1on1 move @bruno 2026-12-01 11:00")
    await back_up(bot, chat)
    assert "Grace Chen moved your next 1:1 to Tue 2026-12-01 17:00 (Europe/Rome)." in \
        chat.to("bruno")
    assert reminders(chat, "bruno") == []
    assert reminders(chat, "grace") == ["Reminder: your 1:1 with Alice Martin is tomorrow, "
                                        "Mon 2026-11-30 10:00 (America/New_York)."]
    # The new time's reminders come as usual, each once.
    await sweep_at(bot, clock, datetime(2026, 11, 30, 16, 1, tzinfo=UTC))  # Mon 11:01
    await sweep_at(bot, clock, datetime(2026, 12, 1, 15, 46, tzinfo=UTC))  # Tue 10:46
    await sweep_at(bot, clock, datetime(2026, 12, 1, 15, 50, tzinfo=UTC))
    assert reminders(chat, "bruno") == [
        "Reminder: your 1:1 with Grace Chen is tomorrow, Tue 2026-12-01 17:00 (Europe/Rome).",
        "Your 1:1 with Grace Chen starts soon: Tue 2026-12-01 17:00 (Europe/Rome)."]


async def test_a_meeting_moved_earlier_or_skipped_is_not_reminded_of_late(bot, chat, clock):
    # The platform is down from Sunday 10:00. Grace moves Alice's 1:1 to this afternoon
    # and skips Bruno's; back at 13:00, each was reminded of Monday 10:00 all the same.
    go_down(chat)
    await sweep_at(bot, clock, DAY_BEFORE + timedelta(minutes=1))
    clock.set(DAY_BEFORE + timedelta(minutes=30))
    await say(bot, "grace", "/1on1 move @alice 2026-11-29 15:00")
    await say(bot, "grace", "/1on1 skip @bruno")
    clock.set(DAY_BEFORE + timedelta(hours=2))
    await back_up(bot, chat)
    assert reminders(chat, "bruno") == []
    assert "Grace Chen skipped your 1:1 on Mon 2026-11-30 16:00 (Europe/Rome)." in \
        chat.to("bruno")
    assert reminders(chat, "alice") == []
    await sweep_at(bot, clock, datetime(2026, 11, 29, 19, 46, tzinfo=UTC))  # Sun 14:46
    assert reminders(chat, "alice") == [
        "Your 1:1 with Grace Chen starts soon: Sun 2026-11-29 15:00 (America/New_York)."]


async def test_a_meeting_moved_away_and_back_while_the_platform_is_down_is_reminded_once(
        bot, chat, clock):
    # Moved to Tuesday and back to Monday 10:00 during the outage: the reminder of
    # Monday 10:00 is true again, and comes once.
    go_down(chat)
    await sweep_at(bot, clock, DAY_BEFORE + timedelta(minutes=1))
    clock.set(DAY_BEFORE + timedelta(minutes=20))
    await say(bot, "grace", "/1on1 move @bruno 2026-12-01 11:00")
    await say(bot, "grace", "/1on1 move @bruno 2026-11-30 10:00")
    await sweep_at(bot, clock, DAY_BEFORE + timedelta(minutes=21))
    await back_up(bot, chat)
    await sweep_at(bot, clock, DAY_BEFORE + timedelta(hours=2))
    assert reminders(chat, "bruno") == [
        "Reminder: your 1:1 with Grace Chen is tomorrow, Mon 2026-11-30 16:00 (Europe/Rome)."]


async def test_back_minutes_before_a_meeting_is_one_reminder_not_two(bot, chat, clock):
    # Alice is away until Monday; her reminder of Monday's 10:00 1:1 was held. Back at
    # 09:40, she got the held one ("today, 10:00") at 09:41 and "starts soon" at 09:45.
    await say(bot, "alice", "/away 2026-11-30")
    await sweep_at(bot, clock, DAY_BEFORE + timedelta(minutes=1))
    clock.set(MONDAY_SLOT - timedelta(minutes=20))
    await say(bot, "alice", "/back")
    for minutes in (19, 15, 14, 5):
        await sweep_at(bot, clock, MONDAY_SLOT - timedelta(minutes=minutes))
    assert reminders(chat, "alice") == [
        "Your 1:1 with Grace Chen starts soon: Mon 2026-11-30 10:00 (America/New_York)."]
    # Grace, never away, had both, as always.
    assert [t.split(":")[0] for t in reminders(chat, "grace") if "Alice" in t] == [
        "Reminder", "Your 1"]


async def test_back_early_on_the_meeting_day_is_reminded_today_then_soon(bot, chat, clock):
    # Back at 09:00, well before the 15-minute reminder: the held one says "today" at
    # once, and the 15-minute one comes at 09:45 as everyone's does.
    await say(bot, "alice", "/away 2026-11-30")
    clock.set(MONDAY_SLOT - timedelta(hours=1))
    await say(bot, "alice", "/back")
    for minutes in (59, 15):
        await sweep_at(bot, clock, MONDAY_SLOT - timedelta(minutes=minutes))
    assert reminders(chat, "alice") == [
        "Reminder: your 1:1 with Grace Chen is today, Mon 2026-11-30 10:00 (America/New_York).",
        "Your 1:1 with Grace Chen starts soon: Mon 2026-11-30 10:00 (America/New_York)."]


async def test_1on1_says_when_the_other_side_is_away_at_the_next_meeting(bot, chat, clock):
    # Alice plans next week off, Monday's 1:1 included; Grace lists her 1:1s on Friday
    # and plans Monday around it: nothing said Alice would not be there.
    await say(bot, "alice", "/away 2026-11-30 2026-12-04")
    await say(bot, "grace", "/1on1")
    rows = {line.split(":")[0].lstrip("• "): line for line in chat.last("grace").split("\n")}
    assert "next: Mon 2026-11-30 10:00 (America/New_York) · " in rows["Alice Martin"]
    assert rows["Alice Martin"].endswith(" · Alice Martin is away then (until 2026-12-04): "
                                         "/1on1 skip @alice or /1on1 move @alice")
    assert "away" not in rows["Bruno Rossi"] and "away" not in rows["李雷"]
    await say(bot, "grace", "/1on1 alice")  # that one alone, then its agenda
    assert "Alice Martin is away then (until 2026-12-04)" in chat.to("grace")[-2]
    # Alice herself is the one away: her own list says so (see the test below), and
    # names nobody else away.
    await say(bot, "alice", "/1on1")
    assert "is away then" not in chat.last("alice")
    assert "you're away then (until 2026-12-04)" in chat.last("alice")
    # In Chinese: 李雷's next (Tue 22:00 his time) falls in Grace's Tuesday off.
    await say(bot, "grace", "/away 2026-12-01")
    await say(bot, "li", "/1on1")
    assert "Grace Chen届时不在（休假至 2026-12-01）：可以用 /1on1 skip @grace 或 " \
        "/1on1 move @grace" in chat.last("li"), chat.last("li")
    # Moved to after her return, it is no longer said.
    await say(bot, "li", "/1on1 move 2026-12-03 22:00")
    await say(bot, "li", "/1on1")
    assert "届时不在" not in chat.last("li")


async def test_1on1_says_until_the_end_of_back_to_back_time_away(bot, chat, clock):
    # Alice plans next week off and, from the Saturday after, a trip to the 13th: away
    # without a break. Grace was told "until 2026-12-04", moved the 1:1 to the week after
    # on that word, and found Alice still away.
    await say(bot, "alice", "/away 2026-11-30 2026-12-04")
    await say(bot, "alice", "/away 2026-12-05 2026-12-13")
    await say(bot, "grace", "/1on1")
    rows = {line.split(":")[0].lstrip("• "): line for line in chat.last("grace").split("\n")}
    assert rows["Alice Martin"].endswith(" · Alice Martin is away then (until 2026-12-13): "
                                         "/1on1 skip @alice or /1on1 move @alice")
    await say(bot, "alice", "/1on1")
    assert "you're away then (until 2026-12-13)" in chat.last("alice")
    # The day-before reminder says the same.
    await sweep_at(bot, clock, datetime(2026, 11, 29, 15, 5, tzinfo=UTC))  # Sun, NY
    assert "\nAlice Martin is away then (until 2026-12-13)" in [
        t for t in chat.to("grace") if t.startswith("Reminder: your 1:1 with Alice")][-1]


async def test_1on1_and_agenda_say_when_the_reader_is_away_at_their_own_next_meeting(
        bot, chat, clock):
    """Alice plans next week off, Monday's 1:1 with Grace included: /1on1 told Grace, not
    Alice, who plans her week from that list too; /agenda, the list of what to raise at
    each next meeting, told neither."""
    await say(bot, "alice", "/away 2026-11-30 2026-12-04")
    await say(bot, "alice", "/1on1")
    [row] = [t for t in chat.last("alice").split("\n") if "Grace Chen:" in t]
    assert row.endswith(" · you're away then (until 2026-12-04): /1on1 skip @grace or "
                        "/1on1 move @grace"), row
    await say(bot, "alice", "/agenda")
    assert chat.last("alice").startswith(
        "1:1 with Grace Chen — Mon 2026-11-30 10:00 (America/New_York) · you're away then "
        "(until 2026-12-04): /1on1 skip @grace or /1on1 move @grace\n"), chat.last("alice")
    await say(bot, "grace", "/agenda")
    sections = {t.split(" — ")[0]: t for t in chat.last("grace").split("\n")
                if t.startswith("1:1 with")}
    assert sections["1:1 with Alice Martin"].endswith(
        " · Alice Martin is away then (until 2026-12-04): /1on1 skip @alice or "
        "/1on1 move @alice"), sections
    assert "away" not in sections["1:1 with Bruno Rossi"]
    # In Chinese: 李雷 is off on Tuesday, his next (Tue 22:00 his time); Grace too.
    await say(bot, "li", "/away 2026-12-01")
    await say(bot, "li", "/1on1")
    assert " · 你届时不在（休假至 2026-12-01）：可以用 /1on1 skip @grace 或 /1on1 move @grace" \
        in chat.last("li"), chat.last("li")
    await say(bot, "grace", "/away 2026-12-01")
    await say(bot, "li", "/agenda")
    head = chat.last("li").split("\n")[0]
    assert "Grace Chen届时不在（休假至 2026-12-01）" in head and "你届时不在（休假至 2026-12-01）" \
        in head, head


@pytest.mark.parametrize(("edit", "bruno_after"), [
    # Bruno's 1:1s move to Tuesdays 11:00: reminded of that, the day before, as usual.
    ('    - {report: li, cadence: monthly, day: tue, time: "09:00"}\n',
     ["Reminder: your 1:1 with Grace Chen is tomorrow, Tue 2026-12-01 17:00 (Europe/Rome)."]),
    # Bruno's 1:1s are switched off: no reminder at all.
    ('    - {report: li, cadence: monthly, day: tue, time: "09:00"}\n', [])])
async def test_a_reminder_held_up_for_a_pair_the_org_file_retimed_never_says_the_old_time(
        bot, chat, clock, settings, edit, bruno_after):
    # Sunday 10:00: the reminders of Monday's 10:00 1:1s fall due while the platform
    # refuses everything. At 11:00 the org file gives Bruno's 1:1s another time (or none)
    # and the running bot reloads it; back at noon, Bruno (and Grace) were reminded of
    # Monday 10:00, a meeting that no longer was.
    from bot.org_reload import OrgWatcher

    go_down(chat)
    await sweep_at(bot, clock, DAY_BEFORE + timedelta(minutes=1))
    clock.set(DAY_BEFORE + timedelta(hours=1))
    pair = ('{report: bruno, cadence: weekly, day: tue, time: "11:00"}' if bruno_after
            else "{report: bruno, enabled: false}")
    text = settings.org_file.read_text(encoding="utf-8")
    settings.org_file.write_text(text.replace(edit, f"{edit}    - {pair}\n"), encoding="utf-8")
    change = await OrgWatcher(bot, settings.org_file, stamp=bot.org_stamp).check(force=True)
    assert change is not None and "oneonones" in change.sections
    # README, Health and metrics: each withdrawn, counted once (Bruno's and Grace's of it).
    metrics = generate_latest(bot.metrics.registry).decode()
    assert 'teampulse_messages_withdrawn_total{reason="oneonone_moved"} 2.0' in metrics
    await back_up(bot, chat)
    assert reminders(chat, "bruno") == []
    # Alice's 1:1 kept its time: her reminder, and Grace's of it, still go out.
    assert reminders(chat, "alice") == [
        "Reminder: your 1:1 with Grace Chen is tomorrow, Mon 2026-11-30 10:00 "
        "(America/New_York)."]
    assert reminders(chat, "grace") == ["Reminder: your 1:1 with Alice Martin is tomorrow, "
                                        "Mon 2026-11-30 10:00 (America/New_York)."]
    await sweep_at(bot, clock, datetime(2026, 11, 30, 16, 1, tzinfo=UTC))  # Mon 11:01
    assert reminders(chat, "bruno") == bruno_after


async def test_a_reminder_held_up_over_a_restart_with_the_org_file_edited_is_withdrawn(
        bot, chat, clock, settings):
    # The bot stops with Bruno's reminder of Monday 10:00 still queued (the platform was
    # down); the org file moves his 1:1s to Tuesdays meanwhile. The start sends nothing
    # with the old time.
    from bot.app import prepare

    go_down(chat)
    await sweep_at(bot, clock, DAY_BEFORE + timedelta(minutes=1))
    edit = '    - {report: li, cadence: monthly, day: tue, time: "09:00"}\n'
    text = settings.org_file.read_text(encoding="utf-8")
    settings.org_file.write_text(text.replace(edit, edit + '    - {report: bruno, day: tue, '
                                              'time: "11:00"}\n'), encoding="utf-8")
    clock.set(DAY_BEFORE + timedelta(hours=1))
    later, engine = prepare(settings, clock)
    try:
        again = RecordingAdapter()
        later.register(again)
        await back_up(later, again)
        assert reminders(again, "bruno") == []
        assert reminders(again, "alice") == [
            "Reminder: your 1:1 with Grace Chen is tomorrow, Mon 2026-11-30 10:00 "
            "(America/New_York)."]
    finally:
        engine.dispose()


async def test_a_reminder_held_up_is_not_sent_once_its_reader_went_away(bot, chat, clock):
    # Sunday 10:00: the day-before reminders of Monday's 1:1s fall due while the platform
    # refuses everything. At 11:00 Bruno goes away until Wednesday; at noon the platform
    # is back. He is not reminded on holiday of a meeting he will miss; Grace, who may
    # still move it, is; Alice, not away, is.
    go_down(chat)
    await sweep_at(bot, clock, DAY_BEFORE + timedelta(minutes=1))
    clock.set(DAY_BEFORE + timedelta(hours=1))
    await say(bot, "bruno", "/away 2026-12-02")
    await back_up(bot, chat)
    assert reminders(chat, "bruno") == []
    assert "Reminder: your 1:1 with Bruno Rossi is tomorrow, Mon 2026-11-30 10:00 " \
        "(America/New_York)." in reminders(chat, "grace")
    assert reminders(chat, "alice") == ["Reminder: your 1:1 with Grace Chen is tomorrow, "
                                        "Mon 2026-11-30 10:00 (America/New_York)."]

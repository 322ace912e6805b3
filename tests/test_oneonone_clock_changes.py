"""One-on-ones in the hour a clock change repeats (tried as users: the console chat and
the sweep on the test's clock). Sydney leaves summer time at 03:00 on Sunday 4 April 2027:
02:00-03:00 comes twice, 02:30 being 15:30 UTC (UTC+11) and then 16:30 UTC (UTC+10)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.config import Settings
from tests.oneonone_support import ONEONONES, sweep_at
from tests.support import TEST_ORG, say

SID = """  - key: sid
    name: Sid Park
    role: director
    manager: grace
    team: ANZ
    timezone: Australia/Sydney
    locale: en
    slack_id: U0SID
    telegram_id: 1010
"""


@pytest.fixture
def settings(database_url, tmp_path):
    """The test org with a director in Sydney, who meets Grace (New York) on Mondays at
    10:00 New York time, as the other directors do; 李雷 (Shanghai) meets her on Sundays at
    02:30 New York time."""
    head, values = TEST_ORG.read_text(encoding="utf-8").split("# Company values", 1)
    path = tmp_path / "org.yaml"
    rules = ONEONONES.replace('{report: li, cadence: monthly, day: tue, time: "09:00"}',
                              '{report: li, cadence: weekly, day: sun, time: "02:30"}')
    path.write_text(head + SID + "# Company values" + values + rules, encoding="utf-8")
    return Settings(database_url=database_url, org_file=path)


async def test_a_time_the_clocks_show_twice_is_told_with_which_one_it_is(bot, chat, clock):
    clock.set(datetime(2027, 4, 1, 15, 0, tzinfo=UTC))  # Thu 11:00 in New York
    # 12:30 on Saturday in New York is the second 02:30 in Sydney, after the clocks went
    # back: Sid was told '02:30' alone, and would have joined an hour early.
    await say(bot, "grace", "/1on1 move @sid 2027-04-03 12:30")
    assert chat.last("sid").startswith("Grace Chen moved your next 1:1 to Sun 2027-04-04 "
                                       "02:30 UTC+10 (Australia/Sydney).")
    await say(bot, "sid", "/1on1")
    assert "next: Sun 2027-04-04 02:30 UTC+10 (Australia/Sydney)" in chat.last("sid")
    # The reminder comes 15 minutes before the meeting, at the second 02:15, and says so.
    chat.clear()
    await sweep_at(bot, clock, datetime(2027, 4, 3, 15, 15, tzinfo=UTC))  # the first 02:15
    assert not [m for m in chat.to("sid") if "starts soon" in m]
    await sweep_at(bot, clock, datetime(2027, 4, 3, 16, 15, tzinfo=UTC))
    assert chat.last("sid").startswith(
        "Your 1:1 with Grace Chen starts soon: Sun 2027-04-04 02:30 UTC+10 "
        "(Australia/Sydney).")
    # New York's side of it is a plain 12:30: its clock shows it once.
    assert "starts soon: Sat 2027-04-03 12:30 (America/New_York)" in \
        [m for m in chat.to("grace") if "Sid Park" in m][-1]


async def test_the_first_of_the_two_is_told_too_in_chinese(bot, chat, clock):
    with bot.unit() as ctx:
        ctx.people.by_key("sid").locale = "zh-CN"
    clock.set(datetime(2027, 4, 1, 15, 0, tzinfo=UTC))
    await say(bot, "grace", "/1on1 move @sid 2027-04-03 11:30")
    assert "2027-04-04 02:30 UTC+11（周日，Australia/Sydney）" in chat.last("sid")
    # Sid moving it himself to '02:30' gets the first, and is told which.
    await say(bot, "sid", "/1on1 move 2027-04-04 02:30")
    assert "2027-04-04 02:30 UTC+11（周日，Australia/Sydney）" in chat.last("sid")
    assert "Sat 2027-04-03 11:30 (America/New_York)" in chat.last("grace")
    # An hour with no change keeps its plain time.
    await say(bot, "sid", "/1on1 move 2027-04-04 09:00")
    assert "2027-04-04 09:00（周日，Australia/Sydney）" in chat.last("sid")


async def test_a_slot_the_clocks_skip_is_the_hour_after_for_both_sides(bot, chat, clock):
    """New York's clocks go from 02:00 to 03:00 on 14 March 2027: the 02:30 slot is 03:30
    (07:30 UTC), the week before and after 02:30 (07:30 UTC, then 06:30 UTC)."""
    clock.set(datetime(2027, 3, 10, 15, 0, tzinfo=UTC))
    await say(bot, "grace", "/1on1")
    assert "李雷: weekly, Sun 02:30 (America/New_York) — next: Sun 2027-03-14 03:30 " \
        "(America/New_York)" in chat.last("grace")
    await say(bot, "li", "/1on1")
    assert "下次：2027-03-14 15:30（周日，Asia/Shanghai）" in chat.last("li")
    chat.clear()
    await sweep_at(bot, clock, datetime(2027, 3, 14, 7, 15, tzinfo=UTC))  # 03:15 EDT
    assert "starts soon: Sun 2027-03-14 03:30 (America/New_York)" in chat.last("grace")
    assert "即将开始：2027-03-14 15:30（周日，Asia/Shanghai）" in chat.last("li")
    await sweep_at(bot, clock, datetime(2027, 3, 14, 8, 0, tzinfo=UTC))
    assert chat.last("grace").startswith("Did your 1:1 with 李雷 (Sun 2027-03-14 03:30 "
                                         "(America/New_York)) happen?")
    await say(bot, "grace", "no")
    # The week after, 02:30 again: 06:30 UTC, 14:30 in Shanghai.
    await sweep_at(bot, clock, datetime(2027, 3, 21, 6, 15, tzinfo=UTC))
    assert "即将开始：2027-03-21 14:30（周日，Asia/Shanghai）" in chat.last("li")


# --- a day apart: Auckland and Honolulu -------------------------------------------------

FAR = """  - key: kiri
    name: Kiri Ngata
    role: director
    manager: grace
    team: NZ
    timezone: Pacific/Auckland
    locale: en
  - key: kai
    name: Kai Akana
    role: director
    manager: grace
    team: Hawaii
    timezone: Pacific/Honolulu
    locale: en
"""


async def test_away_the_same_date_in_auckland_and_honolulu_is_a_day_apart_for_the_gm(
        make_far_bot):
    """Both say `/away 2027-03-15`, each their own Monday. Grace's Monday 10:00 in New York
    (14:00 UTC) is Tuesday 03:00 in Auckland, Kiri back by then, and Monday 04:00 in
    Honolulu, Kai away: Grace reads so, each period's last day in its own calendar."""
    bot, chat, clock = make_far_bot
    clock.set(datetime(2027, 3, 12, 16, 0, tzinfo=UTC))  # Fri 11:00 in New York
    await say(bot, "kiri", "/away 2027-03-15 2027-03-15")
    await say(bot, "kai", "/away 2027-03-15 2027-03-15")
    await say(bot, "grace", "/1on1")
    lines = chat.last("grace").splitlines()
    kai = next(line for line in lines if line.startswith("Kai Akana"))
    kiri = next(line for line in lines if line.startswith("Kiri Ngata"))
    assert "Kai Akana is away then (until 2027-03-15)" in kai, kai
    assert "away" not in kiri, kiri
    chat.clear()
    await sweep_at(bot, clock, datetime(2027, 3, 14, 14, 5, tzinfo=UTC))  # Sun 10:05 NY
    assert "Kai Akana is away then (until 2027-03-15)" in \
        [m for m in chat.to("grace") if "Kai Akana" in m][-1]
    assert "away" not in [m for m in chat.to("grace") if "Kiri Ngata" in m][-1]
    # Kiri (Monday 03:05 in Auckland, away) is reminded once her Monday is over: at
    # midnight there, three hours before the meeting, which is then 'today' for her.
    assert not chat.to("kiri") and not chat.to("kai")
    await sweep_at(bot, clock, datetime(2027, 3, 15, 11, 0, tzinfo=UTC))
    assert chat.last("kiri").startswith("Reminder: your 1:1 with Grace Chen is today, "
                                        "Tue 2027-03-16 03:00 (Pacific/Auckland)")
    await sweep_at(bot, clock, datetime(2027, 3, 15, 13, 45, tzinfo=UTC))
    assert not chat.to("kai")  # away at the meeting: not reminded
    await sweep_at(bot, clock, datetime(2027, 3, 15, 14, 30, tzinfo=UTC))
    asked = [m for m in chat.to("grace") if m.startswith("Did your 1:1")]
    assert [m for m in asked if "Kiri Ngata" in m] and not [m for m in asked if "Kai" in m]


@pytest.fixture
def make_far_bot(database_url, tmp_path, clock):
    from bot.app import prepare
    from tests.support import RecordingAdapter
    head, values = TEST_ORG.read_text(encoding="utf-8").split("# Company values", 1)
    path = tmp_path / "far.yaml"
    path.write_text(head + FAR + "# Company values" + values + ONEONONES, encoding="utf-8")
    bot, engine = prepare(Settings(database_url=database_url, org_file=path), clock)
    chat = RecordingAdapter()
    bot.register(chat)
    yield bot, chat, clock
    engine.dispose()

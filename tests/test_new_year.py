"""The first days of a new year as users meet them: a day written without its year that
passed only days ago, last December, is a slip or the past, as "Nov 30" said on December 1
is, never the December of the year just begun; and a day typed without its year is read by
the reader's calendar, where the year may have turned before it has in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.config import Settings
from storage.away import AwayPeriod
from tests.oneonone_support import sweep_at, write_org
from tests.support import say

# Saturday 2 January 2027, 10:00 in New York (23:00 in Shanghai).
JAN_2 = datetime(2027, 1, 2, 15, 0, tzinfo=UTC)


@pytest.fixture
def settings(database_url, tmp_path):
    """The test org with one-on-one rules (Grace meets Alice weekly, Monday 10:00)."""
    return Settings(database_url=database_url, org_file=write_org(tmp_path))


def away_periods(bot) -> int:
    with bot.unit() as ctx:
        return len(ctx.session.query(AwayPeriod).all())


async def test_last_decembers_day_said_in_january_is_not_read_as_next_december(bot, chat,
                                                                               clock):
    # On 2 January "/away Dec 31" set Alice away until 2027-12-31: a year without check-ins,
    # one-on-one reminders or pulse polls, said back as done. "/1on1 move @grace Dec 31
    # 10:00" moved the next one-on-one a year away. The same slip on 2 December ("Nov 30")
    # was named as passed; across the new year it was not.
    clock.set(JAN_2)
    await say(bot, "alice", "/away Dec 31")
    assert chat.last("alice") == (
        "December 31, 2026 has passed (today is 2027-01-02), and without a year it would be "
        "this year's, 2027-12-31. Nothing was set. If you meant that, send it with the year: "
        "/away 2027-12-31.")
    await say(bot, "li", "/away 12月30日到1月8日")
    assert chat.last("li") == (
        "2026年12月30日已经过去了（今天是 2027-01-02），不写年份就会读成今年的 2027-12-30。"
        "未做任何设置。如果你指的是今年的这一天，请连同年份写出两天：/away 2027-12-30 和另一天"
        "（YYYY-MM-DD）。")
    assert away_periods(bot) == 0
    await say(bot, "alice", "/1on1 move @grace Dec 31 10:00")
    assert chat.last("alice") == (
        "2026-12-31 has passed (today is 2027-01-02), and without a year it would be this "
        "year's, 2027-12-31: nothing was moved. To move it there, send the date with its year "
        "(/1on1 move @grace 2027-12-31 HH:MM).")
    # A day of January ahead is read as ever; so is a day of December a year ahead said
    # with its year, and one said in early December, still next year's.
    await say(bot, "alice", "/away Jan 8")
    assert "you're away from now until 2027-01-08 (inclusive)" in chat.last("alice")
    await say(bot, "alice", "/back")
    await say(bot, "alice", "/away 2027-12-20 2027-12-31")
    assert "away 2027-12-20 – 2027-12-31" in chat.last("alice"), chat.last("alice")
    clock.set(datetime(2026, 12, 2, 15, 0, tzinfo=UTC))
    await say(bot, "bruno", "/away Nov 30")
    assert "and without a year it would be next year's, 2027-11-30." in chat.last("bruno")


async def test_an_action_item_due_last_december_is_named_as_passed_in_january(bot, chat,
                                                                            clock):
    # After Monday 4 January's one-on-one, "Send the recap by Dec 31" was saved as due
    # 2027-12-31, an item nobody is reminded of for a year.
    monday = datetime(2027, 1, 4, 15, 0, tzinfo=UTC)  # 10:00 in New York
    await sweep_at(bot, clock, monday + timedelta(minutes=31))
    yes = next(c.value for s in chat.sent if s.target.address == "grace"
               for c in s.message.choices if c.value.endswith(":y"))
    await say(bot, "grace", action=yes)
    await say(bot, "grace", "next")
    await say(bot, "grace", "Send the recap by Dec 31")
    assert chat.last("grace") == (
        "2026-12-31 has passed (today is 2027-01-04), and without a year it would be this "
        "year's, 2027-12-31. Nothing was saved. Give a due date from today on or, if you meant "
        "this year's, the date with its year: 2027-12-31.")
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "发送总结 12月31日前")
    assert chat.last("grace") == (
        "2026-12-31 已经过去了（今天是 2027-01-04），不写年份就会读成今年的 2027-12-31。未保存。"
        "请给出今天或之后的截止日期；如果指的是今年的这一天，请连同年份写出：2027-12-31。")
    await say(bot, "grace", "发送总结 1月8日前")  # a day ahead: saved
    assert "发送总结" in chat.last("grace") and "2027-01-08" in chat.last("grace"), \
        chat.last("grace")




async def test_a_poll_day_typed_without_its_year_is_the_readers_today(database_url, tmp_path):
    # At 11:30 on Friday 1 January in Auckland (22:30 on 31 December in UTC), the GM asked
    # "/pulse results 1月1日" of the poll that had just opened there, and was told "There was
    # no pulse poll on 2026-01-01": the day was read against the date in UTC.
    from bot.app import prepare
    from bot.clock import FakeClock
    from tests.support import DATA, RecordingAdapter

    org = tmp_path / "org.yaml"
    org.write_text((DATA / "org_pulse.yaml").read_text(encoding="utf-8")
                   .replace("pulse:\n", "pulse:\n  weekday: fri\n  first_week: 2026-01-12\n")
                   .replace("role: gm\n    timezone: America/New_York",
                            "role: gm\n    timezone: Pacific/Auckland"), encoding="utf-8")
    clock = FakeClock(datetime(2026, 12, 31, 22, 30, tzinfo=UTC))
    bot, engine = prepare(Settings(database_url=database_url, org_file=org), clock)
    chat = RecordingAdapter()
    bot.register(chat)
    try:
        await bot.run_pulse()
        assert "anonymous pulse poll" in chat.last("grace")
        await say(bot, "grace", "/pulse results 2027-01-01")
        expected = chat.last("grace")
        assert expected.startswith("Pulse poll 2027-01-01 (open"), expected
        for typed in ("/pulse results 1月1日", "/pulse 结果 1月1日"):
            await say(bot, "grace", typed)
            assert chat.last("grace") == expected, (typed, chat.last("grace"))
    finally:
        engine.dispose()

"""Away periods: /away, /back, planned holidays, and what the GM's summary shows.

A week is away only if an away period covered its check-in moment (Friday 16:00 in
the person's timezone by default); nothing said later rewrites an earlier week.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import event, inspect

from storage.db import create_db_engine
from storage.migrate import current_revision, head_revision, upgrade
from tests.support import say

# Times in New York (EST, UTC-5), where Alice lives; the fixture clock starts Friday 16:00.
SUNDAY_NY = datetime(2026, 11, 29, 15, 0, tzinfo=UTC)  # Sunday 10:00, after Friday's check-in
WEDNESDAY_NY = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # before Friday's check-in


def away_line(text: str, name: str) -> bool:
    """Whether the summary lists `name` as away."""
    return any(line.startswith("🌴") and name in line for line in text.splitlines())


async def test_away_sent_on_sunday_leaves_the_missed_friday_missed(bot, chat, clock):
    await bot.run_checkins()  # Friday 16:00: Alice is asked and does not answer
    clock.set(SUNDAY_NY)
    await say(bot, "alice", "/away 2026-12-10")
    assert "away from now until 2026-12-10" in chat.last("alice")
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "❌ Alice Martin — not checked in" in text
    assert not away_line(text, "Alice")
    assert "Check-ins: 0 of 3" in text
    await say(bot, "grace", "/summary last 4w")
    assert "2026-W48: 0 of 3 · missing: Alice Martin" in chat.last("grace")
    # Her next check-in falls inside the period: not asked, and away in the summary.
    clock.set(datetime(2026, 12, 4, 21, 0, tzinfo=UTC))
    run = await bot.run_checkins()
    assert run.results["alice"] == "away"
    await say(bot, "grace", "/summary")
    assert "🌴 Alice Martin — away until 2026-12-10" in chat.last("grace")


async def test_back_does_not_turn_covered_weeks_back(bot, chat, clock):
    clock.set(WEDNESDAY_NY)
    await say(bot, "alice", "/away 2026-12-10")
    clock.set(datetime(2026, 11, 27, 21, 0, tzinfo=UTC))
    assert (await bot.run_checkins()).results["alice"] == "away"
    clock.set(datetime(2026, 12, 1, 14, 0, tzinfo=UTC))  # back early, Tuesday morning
    await say(bot, "alice", "/back")
    # (The reply, and then November's review, which waited while she was away.)
    reply = next(t for t in chat.to("alice") if "Welcome back" in t)
    assert "2026-W48 stays marked as away." in reply  # the Friday she missed
    assert reply.endswith("follows now: your monthly review of 2026-11.")
    await say(bot, "grace", "/summary 2026-W48")
    text = chat.last("grace")
    assert "🌴 Alice Martin — away until 2026-12-01" in text
    assert "Check-ins: 0 of 2" in text
    # This week's Friday is after /back: she is asked again, and not away.
    clock.set(datetime(2026, 12, 4, 21, 0, tzinfo=UTC))
    assert (await bot.run_checkins(["alice"])).results == {"alice": "prompted"}
    await say(bot, "grace", "/summary")
    assert not away_line(chat.last("grace"), "Alice")
    await say(bot, "grace", "/summary 2026-W48")
    assert away_line(chat.last("grace"), "Alice")


async def test_back_the_same_day_says_no_week_shows_as_away(bot, chat, clock):
    # Away and back before any check-in: "the weeks you were away stay marked as away"
    # told her of weeks there were none of.
    clock.advance(timedelta(hours=1))  # Friday 17:00: this week's check-in is out
    await say(bot, "alice", "/away 2026-12-10")
    clock.advance(timedelta(hours=2))
    await say(bot, "alice", "/back")
    assert chat.last("alice") == ("Welcome back! Check-in prompts are on again; no check-in "
                                  "fell in your time away, so no week shows as away.")
    await say(bot, "li", "/away 12月10日")
    await say(bot, "li", "/back")
    assert "你外出期间没有签到，所以没有哪一周记为外出。" in chat.last("li")


@pytest.mark.parametrize(("key", "ahead"), [
    ("alice", ("2026-12-04", "2026-12-08")),  # a week from her Friday the 27th
    ("li", ("2026-12-05", "2026-12-09"))])  # in Shanghai it is already Saturday
async def test_the_plan_ahead_example_is_a_plan_the_bot_accepts(bot, chat, key, ahead):
    # It had read "/away 2026-11-27 2026-11-27": today to today, as the way to plan ahead.
    await say(bot, key, "/away")
    example = re.search(r"/away (\d{4}-\d\d-\d\d) (\d{4}-\d\d-\d\d)", chat.last(key))
    assert example is not None and example.groups() == ahead
    await say(bot, key, example.group())
    await say(bot, key, "/away")
    assert f"{ahead[0]} – {ahead[1]}" in chat.last(key)


async def test_a_planned_holiday_three_weeks_out_does_not_affect_this_week(bot, chat, clock):
    clock.set(WEDNESDAY_NY)
    await say(bot, "alice", "/away 2026-12-14 2026-12-18")
    reply = chat.last("alice")
    assert "Planned: you're away 2026-12-14 – 2026-12-18" in reply
    clock.set(datetime(2026, 11, 27, 21, 0, tzinfo=UTC))
    assert (await bot.run_checkins(["alice"])).results == {"alice": "prompted"}
    await say(bot, "grace", "/summary")
    assert not away_line(chat.last("grace"), "Alice")
    await say(bot, "alice", "/away")
    assert "You're not away now." in chat.last("alice")
    assert "Planned: 2026-12-14 – 2026-12-18" in chat.last("alice")
    clock.set(datetime(2026, 12, 18, 21, 0, tzinfo=UTC))  # Friday of the holiday
    assert (await bot.run_checkins()).results["alice"] == "away"
    await say(bot, "grace", "/summary")
    assert "🌴 Alice Martin — away until 2026-12-18" in chat.last("grace")
    clock.set(datetime(2026, 12, 25, 21, 0, tzinfo=UTC))
    assert (await bot.run_checkins(["alice"])).results == {"alice": "prompted"}


async def test_a_planned_holiday_can_be_cancelled(bot, chat, clock):
    await say(bot, "alice", "/away 2026-12-14 to 2026-12-18")
    await say(bot, "alice", "/back")
    assert "You weren't away" in chat.last("alice")
    assert "Still planned: 2026-12-14 – 2026-12-18" in chat.last("alice")
    await say(bot, "alice", "/away cancel")
    assert "Cancelled your planned time away: 2026-12-14 – 2026-12-18." in chat.last("alice")
    clock.set(datetime(2026, 12, 18, 21, 0, tzinfo=UTC))
    assert (await bot.run_checkins(["alice"])).results == {"alice": "prompted"}
    await say(bot, "alice", "/away cancel")
    assert "no planned time away to cancel" in chat.last("alice")


async def test_extending_and_overlapping_periods(bot, chat, clock):
    await say(bot, "alice", "/away 2026-12-01")
    await say(bot, "alice", "/away 2026-12-05")
    assert "Updated: you're away from 2026-11-27 until 2026-12-05" in chat.last("alice")
    await say(bot, "alice", "/away 2026-12-03 2026-12-20")
    assert "overlaps time away you already have: 2026-11-27 – 2026-12-05" in chat.last("alice")
    await say(bot, "alice", "/away 2026-12-20 2026-12-10")
    assert "comes before the first" in chat.last("alice")
    await say(bot, "alice", "/away")
    assert "You're away now, from 2026-11-27 until 2026-12-05" in chat.last("alice")


async def test_away_replies_in_chinese(bot, chat, clock):
    await say(bot, "li", "/away 2026-12-20 2026-12-24")
    assert "已计划：你将在 2026-12-20 – 2026-12-24（含）外出" in chat.last("li")
    await say(bot, "li", "/away 2026-12-10")
    assert "你从现在起外出至 2026-12-10" in chat.last("li")
    await say(bot, "li", "/back")
    assert "欢迎回来" in chat.last("li") and "仍有计划：2026-12-20 – 2026-12-24" in chat.last("li")
    await say(bot, "li", "/away 2026-12-24 2026-12-20")
    assert "早于开始日期" in chat.last("li")


async def test_help_tells_what_away_does(bot, chat):
    await say(bot, "alice", "/help")
    assert "those weeks show as away" in chat.last("alice")
    await say(bot, "li", "/help")
    assert "这些周在概况中显示为外出" in chat.last("li")
    # /away works for everyone (one-on-one reminders, pulse polls and action items wait
    # for those away), so those who do not check in are told of it too.
    await say(bot, "sam", "/help")
    assert "/away YYYY-MM-DD — away from today to that date" in chat.last("sam")
    assert "not reminded or polled meanwhile" in chat.last("sam")
    await say(bot, "sam", "/away 2026-12-10")
    assert "you're away from now until 2026-12-10" in chat.last("sam")
    # ... and its replies speak of what away means for them, not of check-ins.
    assert "You won't be reminded or polled meanwhile." in chat.last("sam")
    assert "Check-in" not in chat.last("sam")
    await say(bot, "sam", "/back")
    assert chat.last("sam") == "Welcome back! Reminders and polls come again."
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/help")
    assert "期间不会收到提醒和调查" in chat.last("grace")


async def test_summary_loads_away_periods_in_one_query(bot, chat, clock):
    await say(bot, "alice", "/away 2026-12-10")
    queries: list[str] = []

    def count(conn, cursor, statement, *args):
        if "away_periods" in statement:
            queries.append(statement)

    engine = bot.sessions.kw["bind"]
    event.listen(engine, "before_cursor_execute", count)
    try:
        await say(bot, "grace", "/summary last 8w")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert "Summary of the last 8 weeks" in chat.last("grace")
    assert len(queries) == 1


def test_upgrade_turns_away_until_into_a_period_and_keeps_history(tmp_path):
    engine = create_db_engine(f"sqlite:///{tmp_path}/old.db")
    upgrade(engine, "0001")
    today = datetime.now(UTC).date()
    with engine.begin() as conn:
        for pid, key, until in ((1, "alice", today + timedelta(days=5)),
                                (2, "bruno", today - timedelta(days=3)), (3, "li", None)):
            conn.execute(sa.text(
                "INSERT INTO people (id, key, display_name, role, timezone, locale, checks_in, "
                "can_view_summary, away_until, active) VALUES (:id, :key, :key, 'director', "
                "'UTC', 'en', :t, :f, :until, :t)"),
                {"id": pid, "key": key, "until": until, "t": True, "f": False})
        conn.execute(sa.text(
            "INSERT INTO checkin_rounds (person_id, week, questions, status, created_at) "
            "VALUES (1, '2026-W40', '[]', 'submitted', :now)"), {"now": datetime.now(UTC)})
    upgrade(engine)
    assert current_revision(engine) == head_revision(engine)
    assert "away_until" not in {c["name"] for c in inspect(engine).get_columns("people")}
    with engine.connect() as conn:
        periods = conn.execute(sa.text(
            "SELECT person_id, starts_on, ends_on, ended_at FROM away_periods")).all()
        rounds = conn.execute(sa.text("SELECT count(*) FROM checkin_rounds")).scalar()
    assert [(p[0], str(p[1]), str(p[2]), p[3]) for p in periods] == [
        (1, today.isoformat(), (today + timedelta(days=5)).isoformat(), None)]
    assert rounds == 1  # the people table was not rebuilt (that would cascade into rounds)
    engine.dispose()


@pytest.mark.parametrize(("typed", "until"), [
    ("12月5日", "2026-12-05"),
    ("2026年12月5日", "2026-12-05"),
    ("12月5号", "2026-12-05"),
    ("１２月５日", "2026-12-05"),  # full-width digits, as a Chinese keyboard may type them
    ("2026/12/05", "2026-12-05"),
    ("2026.12.5", "2026-12-05"),
    ("1月3日", "2027-01-03")])  # no year: the next 3 January
async def test_a_date_as_people_write_it_is_read(bot, chat, typed, until):
    # In Shanghai it is Saturday 2026-11-28; Li writes dates the way she would anywhere.
    await say(bot, "li", f"/away {typed}")
    assert f"外出至 {until}（含当天）" in chat.last("li")


async def test_a_chinese_range_plans_ahead_and_a_day_that_is_no_day_is_named(bot, chat):
    await say(bot, "li", "/away 12月21日至12月31日")
    assert "2026-12-21 – 2026-12-31" in chat.last("li")
    await say(bot, "li", "/away cancel")

    await say(bot, "li", "/away 2月30日")

    assert "2027-2-30" in chat.last("li") and "用法" not in chat.last("li")
    with bot.unit() as ctx:
        li = ctx.people.by_key("li")
        assert ctx.away.open_periods(li.id, li.timezone, ctx.clock.now()) == []


@pytest.mark.parametrize(("key", "typed", "said"), [
    # Alice in New York on Friday 2026-11-27; Li in Shanghai, where it is Saturday.
    ("alice", "Dec 20", "away from now until 2026-12-20"),
    ("alice", "December 20th, 2026", "away from now until 2026-12-20"),
    ("alice", "20 Dec", "away from now until 2026-12-20"),
    ("alice", "jan 3", "away from now until 2027-01-03"),  # no year: the next 3 January
    ("alice", "until tomorrow", "away from now until 2026-11-28"),
    ("alice", "Sunday", "away from now until 2026-11-29"),
    ("alice", "Friday", "away from now until 2026-11-27"),  # said on a Friday: today
    ("alice", "next week", "away 2026-11-30 – 2026-12-06"),  # Monday to Sunday
    ("alice", "next Wed", "away from now until 2026-12-02"),
    ("alice", "from Dec 20 to Jan 3", "away 2026-12-20 – 2027-01-03"),
    ("li", "下周", "你将在 2026-11-30 – 2026-12-06（含）外出"),  # her today is Saturday the 28th
    ("li", "明天", "外出至 2026-11-29"),
    ("li", "下周五", "外出至 2026-12-04"),
    ("li", "周日", "外出至 2026-11-29")])
async def test_a_day_said_in_words_is_read_as_that_day(bot, chat, key, typed, said):
    # "/away Dec 20" was answered with the usage while Chinese 12月20日 was read: a
    # director typing as they speak had to learn YYYY-MM-DD first.
    await say(bot, key, f"/away {typed}")
    reply = chat.last(key)
    assert said in reply, reply


async def test_a_day_that_does_not_exist_said_in_words_is_named(bot, chat):
    await say(bot, "alice", "/away Feb 30")
    assert chat.last("alice").startswith("2027-2-30 is not a real date")
    await say(bot, "alice", "/away 12/20")  # US or European order: not guessed
    assert chat.last("alice").startswith("Usage: /away YYYY-MM-DD (or Dec 20, Friday")
    with bot.unit() as ctx:
        alice = ctx.people.by_key("alice")
        assert ctx.away.open_periods(alice.id, alice.timezone, ctx.clock.now()) == []


async def test_the_usage_example_is_a_week_ahead_not_today(bot, chat):
    await say(bot, "alice", "/away soon")
    example = re.search(r"for example /away (\d{4}-\d\d-\d\d)", chat.last("alice"))
    assert example is not None and example.group(1) == "2026-12-04"
    await say(bot, "alice", f"/away {example.group(1)}")
    assert "away from now until 2026-12-04" in chat.last("alice")


async def test_with_two_trips_planned_cancel_drops_the_one_named_not_both(bot, chat, clock):
    """`/away cancel`, meant for the one trip called off, dropped every planned period: the
    other trip's weeks were prompted as if it had never been planned."""
    await say(bot, "alice", "/away 2026-12-14 2026-12-18")
    await say(bot, "alice", "/away 2027-01-04 2027-01-08")
    await say(bot, "alice", "/away cancel")
    assert chat.last("alice") == (
        "You have 2 planned periods away, so none was cancelled. Name the one to drop by a day "
        "in it: /away cancel 2026-12-14 (2026-12-14 – 2026-12-18), /away cancel 2027-01-04 "
        "(2027-01-04 – 2027-01-08); or drop them all with /away cancel all.")
    await say(bot, "alice", "/away cancel 2026-12-20")
    assert chat.last("alice").startswith("No planned time away covers 2026-12-20, so none was "
                                         "cancelled. Planned: 2026-12-14 – 2026-12-18, ")
    await say(bot, "alice", "/away cancel 2026-12-16")
    assert chat.last("alice") == "Cancelled your planned time away: 2026-12-14 – 2026-12-18."
    # In Chinese, by a day as Li writes it; and every one of them at once.
    await say(bot, "li", "/away 12月21日到31日")
    await say(bot, "li", "/away 2027年1月10日至2027年1月12日")
    await say(bot, "li", "/away 取消")
    assert chat.last("li").startswith("你有 2 段计划的外出，所以没有取消任何一段。")
    await say(bot, "li", "/away 取消 全部")
    assert chat.last("li") == ("已取消计划的外出：2026-12-21 – 2026-12-31、"
                               "2027-01-10 – 2027-01-12。")
    clock.set(datetime(2026, 12, 18, 21, 0, tzinfo=UTC))
    assert (await bot.run_checkins(["alice"])).results == {"alice": "prompted"}
    clock.set(datetime(2027, 1, 8, 21, 0, tzinfo=UTC))
    assert (await bot.run_checkins(["alice"])).results["alice"] == "away"


async def test_from_monday_to_friday_said_on_a_friday_is_next_weeks_working_days(bot, chat):
    # Friday 2026-11-27 in New York: "Friday" alone is today, but after "from Monday" it
    # is the Friday after that Monday (it read as a period ending before it began).
    await say(bot, "alice", "/away from Monday to Friday")
    assert "Planned: you're away 2026-11-30 – 2026-12-04" in chat.last("alice")
    await say(bot, "bruno", "/away from Dec 20 to Friday")
    assert "Planned: you're away 2026-12-20 – 2026-12-25" in chat.last("bruno")
    # Saturday in Shanghai: 周六 alone is today; after 周日 it is the Saturday after it.
    await say(bot, "li", "/away 从周日到周六")
    assert "2026-11-29 – 2026-12-05" in chat.last("li")


async def test_a_date_with_its_weekday_is_that_one_day_not_a_period(bot, chat):
    # "Monday, Dec 7" (as calendars write it) read as Monday the 30th to December 7.
    await say(bot, "alice", "/away Monday, Dec 7")
    assert chat.last("alice").startswith("Got it: you're away from now until 2026-12-07")
    await say(bot, "li", "/away 12月20日（周日）")
    assert chat.last("li").startswith("好的：你从现在起外出至 2026-12-20")
    await say(bot, "bruno", "/away from Mon Dec 14 to Fri Dec 18")
    assert "Planned: you're away 2026-12-14 – 2026-12-18" in chat.last("bruno")


async def test_a_date_with_another_days_weekday_is_asked_back_and_nothing_is_set(bot, chat):
    """12月20日（周一） when the 20th is a Sunday was asked back as the period 20-21
    December ("I couldn't read ... Did you mean December 20 – December 21?"): the reply
    names the clash and offers each day as the command to send; nothing is set."""
    await say(bot, "li", "/away 12月20日（周一）")
    assert chat.last("li") == (
        "2026年12月20日是周日，不是周一，所以没有做任何设置。你指的是哪一天？"
        "周日：/away 2026-12-20 · 周一（2026年12月21日）：/away 2026-12-21。")
    await say(bot, "alice", "/away Dec 20 (Mon)")
    assert chat.last("alice") == (
        "December 20, 2026 is a Sunday, not a Monday, so nothing was set. Which did you "
        "mean? The Sunday: /away 2026-12-20 · the Monday, December 21, 2026: "
        "/away 2026-12-21.")
    # In a period the other day is kept; a Friday said of a Saturday is the day before.
    await say(bot, "bruno", "/away from Dec 7 to Friday, Dec 12")
    assert chat.last("bruno").endswith(
        "The Saturday: /away 2026-12-07 2026-12-12 · the Friday, December 11, 2026: "
        "/away 2026-12-07 2026-12-11.")
    for key, word in (("li", "/away"), ("alice", "/away"), ("bruno", "/away")):
        await say(bot, key, word)
        assert chat.last(key).startswith(("You're not away now.", "你当前没有外出。"))
        assert "Planned" not in chat.last(key) and "已计划" not in chat.last(key)


async def test_a_day_ending_a_sentence_with_a_full_stop_is_read(bot, chat):
    await say(bot, "alice", "/away Dec 20.")
    assert chat.last("alice").startswith("Got it: you're away from now until 2026-12-20")
    await say(bot, "li", "/away 12月20日。")
    assert chat.last("li").startswith("好的：你从现在起外出至 2026-12-20")
    await say(bot, "grace", "/1on1 move @bruno Dec 3 09:00.")
    assert chat.last("grace").startswith("Moved: your next 1:1 with Bruno Rossi is Thu "
                                         "2026-12-03 09:00")


@pytest.mark.parametrize(("key", "typed", "said"), [
    ("alice", "Decmber 20", 'I couldn\'t read "Decmber 20" as a day. Did you mean December 20, '
     "2026? If so, send /away 2026-12-20."),
    ("alice", "Dec 20th-ish", "Did you mean December 20, 2026? If so, send /away 2026-12-20."),
    ("alice", "Decmber 20 to Janury 3", "Did you mean December 20, 2026 – January 3, 2027? "
     "If so, send /away 2026-12-20 2027-01-03."),
    ("li", "12月20日左右", '没能把"12月20日左右"读成日期。你是说 2026年12月20日 吗？'
     "如果是，请发送 /away 2026-12-20。"),
    ("li", "Decmber 20", "你是说 2026年12月20日 吗？")])
async def test_a_day_nearly_as_said_is_asked_back_not_answered_with_the_usage(
        bot, chat, key, typed, said):
    # A misspelt month or a day with words around it got the plain usage, as if nothing
    # in it were a day. It is asked back, and nothing is set until it is confirmed.
    await say(bot, key, f"/away {typed}")
    assert said in chat.last(key), chat.last(key)
    with bot.unit() as ctx:
        person = ctx.people.by_key(key)
        assert ctx.away.open_periods(person.id, person.timezone, ctx.clock.now()) == []


async def test_a_space_inside_a_chinese_weekday_is_read(bot, chat):
    await say(bot, "li", "/away 下 周五")
    assert chat.last("li").startswith("好的：你从现在起外出至 2026-12-04")
    await say(bot, "li", "/back")
    await say(bot, "li", "/away 下 个 星期 五")
    assert "2026-12-04" in chat.last("li") and "用法" not in chat.last("li")


async def test_a_day_just_passed_said_without_a_year_is_not_read_as_next_years(bot, chat, clock):
    # "Nov 30" said on December 1 was read by the next-such-day rule as 2027-11-30: a slip
    # or a day in the past became a trip next November. It is named as passed, the year
    # asked for; a day long passed (September) is still next year's.
    clock.set(datetime(2026, 12, 1, 21, 0, tzinfo=UTC))  # Tuesday; Wednesday in Shanghai
    await say(bot, "alice", "/away Nov 30")
    assert chat.last("alice") == (
        "November 30, 2026 has passed (today is 2026-12-01), and without a year it would be "
        "next year's, 2027-11-30. Nothing was set. If you meant that, send it with the "
        "year: /away 2027-11-30.")
    await say(bot, "li", "/away 11月30日")
    assert chat.last("li").startswith("2026年11月30日已经过去了（今天是 2026-12-02），不写年份"
                                      "就会读成明年的 2027-11-30。未做任何设置。")
    await say(bot, "bruno", "/away from Nov 30 to Dec 5")
    assert "the days with their years: /away 2027-11-30 and the other" in chat.last("bruno")
    for key in ("alice", "li", "bruno"):
        with bot.unit() as ctx:
            person = ctx.people.by_key(key)
            assert ctx.away.open_periods(person.id, person.timezone, ctx.clock.now()) == []
    await say(bot, "alice", "/away 2027-11-30")
    assert "away from now until 2027-11-30" in chat.last("alice")
    await say(bot, "bruno", "/away Sep 20")
    assert "away from now until 2027-09-20" in chat.last("bruno")


async def test_cancel_with_a_day_nearly_as_said_asks_it_back_and_drops_nothing(bot, chat):
    # "/away Decmber 20" was asked back, "/away cancel Decmber 20" got the usage (and so did
    # "/away cancel Dec 20." with its full stop). Asked back with the cancel to send.
    await say(bot, "alice", "/away 2026-12-20 2026-12-22")
    await say(bot, "alice", "/away cancel Decmber 20")
    assert chat.last("alice") == ('I couldn\'t read "Decmber 20" as a day. Did you mean '
                                  "December 20, 2026? If so, send /away cancel 2026-12-20.")
    await say(bot, "li", "/away 12月20日到22日")
    await say(bot, "li", "/away 取消 12月20日左右")
    assert chat.last("li") == ('没能把"12月20日左右"读成日期。你是说 2026年12月20日 吗？'
                               "如果是，请发送 /away cancel 2026-12-20。")
    for key in ("alice", "li"):
        with bot.unit() as ctx:
            person = ctx.people.by_key(key)
            assert len(ctx.away.planned(person.id, person.timezone, ctx.clock.now())) == 1
    await say(bot, "alice", "/away cancel Dec 20.")
    assert chat.last("alice") == "Cancelled your planned time away: 2026-12-20 – 2026-12-22."


async def test_feb_29_said_in_a_year_without_one_is_the_next_leap_day_not_an_error(
        bot, chat, clock):
    # Said on 2027-03-01, Feb 29 is 2028's, a year ahead: it was taken for a day just
    # passed, and naming this year's Feb 29 (there is none) failed the reply.
    clock.set(datetime(2027, 3, 1, 21, 0, tzinfo=UTC))
    await say(bot, "alice", "/away Feb 29")
    assert chat.last("alice").startswith("Got it: you're away from now until 2028-02-29")


@pytest.mark.parametrize(("typed", "said"), [
    # Alice in New York on Friday 2026-11-27.
    ("Dec 24-26", "away 2026-12-24 – 2026-12-26"),
    ("Dec 24 - 26", "away 2026-12-24 – 2026-12-26"),
    ("December 24th to 26th", "away 2026-12-24 – 2026-12-26"),
    ("from Dec 21–31, 2026", "away 2026-12-21 – 2026-12-31"),
    ("24-26 Dec", "away 2026-12-24 – 2026-12-26"),
    ("21 to 31 December 2026", "away 2026-12-21 – 2026-12-31"),
    ("Dec 28-3", "away 2026-12-28 – 2027-01-03"),  # into the next month, as 12月28日到3日
    ("28-3 Jan", "away 2026-12-28 – 2027-01-03"),  # the month the last day's
    ("30 to 2 January 2027", "away 2026-12-30 – 2027-01-02")])
async def test_an_english_range_with_the_month_said_once_is_those_days(bot, chat, typed, said):
    """`/away Dec 24-26` was asked back as "Did you mean December 24, 2026? If so, send
    /away 2026-12-24", and `24-26 Dec` as December 26: following it set Alice away from
    now for a month, where 12月24日到26日 planned the three days."""
    await say(bot, "alice", f"/away {typed}")
    reply = chat.last("alice")
    assert reply.startswith("Planned: you're " + said), reply
    with bot.unit() as ctx:
        alice = ctx.people.by_key("alice")
        assert not ctx.away.is_away(alice.id, alice.timezone, ctx.clock.now())


async def test_an_english_range_in_chinese_and_a_passed_one(bot, chat):
    await say(bot, "li", "/away Dec 24-26")
    assert "你将在 2026-12-24 – 2026-12-26（含）外出" in chat.last("li")
    # A day passed lately, said so, is asked for with its year, as "Nov 20" alone is.
    await say(bot, "alice", "/away Nov 20-22")
    assert "2027-11-20" in chat.last("alice") and "Planned" not in chat.last("alice")
    # Both days said whole, each with its month, read as before.
    await say(bot, "alice", "/away Dec 20 to 22 Dec")
    assert chat.last("alice").startswith("Planned: you're away 2026-12-20 – 2026-12-22")


@pytest.mark.parametrize(("key", "typed", "asked"), [
    # Alice in New York on Friday 2026-11-27; Li in Shanghai, where it is Saturday the 28th.
    ("alice", "3 days", 'Did you mean November 29, 2026? If so, send /away 2026-11-29.'),
    ("alice", "for 2 weeks", 'Did you mean December 10, 2026? If so, send /away 2026-12-10.'),
    ("li", "3天", "你是说 2026年11月30日 吗？如果是，请发送 /away 2026-11-30。"),
    ("li", "两周", "你是说 2026年12月11日 吗？如果是，请发送 /away 2026-12-11。"),
    ("li", "一个星期", "你是说 2026年12月4日 吗？如果是，请发送 /away 2026-12-04。")])
async def test_a_length_of_time_is_asked_back_as_its_last_day(bot, chat, key, typed, asked):
    """`/away 3天` was answered with the usage alone: how long someone is away is how many
    say it. Whether today is one of the days is theirs to say, so the last day is asked
    back, today the first, and nothing is set."""
    await say(bot, key, f"/away {typed}")
    assert asked in chat.last(key), chat.last(key)
    with bot.unit() as ctx:
        person = ctx.people.by_key(key)
        assert ctx.away.open_periods(person.id, person.timezone, ctx.clock.now()) == []


async def test_a_week_number_without_its_di_is_still_not_read_as_weeks_away(bot, chat):
    await say(bot, "li", "/away 50周")  # week 50, or fifty weeks: neither guessed
    assert chat.last("li").startswith("用法")


async def test_cancel_names_a_planned_trip_by_its_days(bot, chat):
    """`/away cancel Dec 14-18`, the trip as it was planned and as /away lists it, was
    answered with the usage (12月14日到18日 too): only one day of it was read."""
    await say(bot, "alice", "/away 2026-12-14 2026-12-18")
    await say(bot, "alice", "/away 2027-01-04 2027-01-08")
    await say(bot, "alice", "/away cancel Dec 14-18")
    assert chat.last("alice") == "Cancelled your planned time away: 2026-12-14 – 2026-12-18."
    await say(bot, "li", "/away 2026-12-14 2026-12-18")
    await say(bot, "li", "/away 2027-01-04 2027-01-08")
    await say(bot, "li", "/away cancel 12月14日到18日")
    assert chat.last("li") == "已取消计划的外出：2026-12-14 – 2026-12-18。"
    # Days that hold both trips drop neither, and name each.
    await say(bot, "li", "/away 2026-12-14 2026-12-18")
    await say(bot, "li", "/away cancel 2026-12-01 2027-01-31")
    assert "2026-12-14" in chat.last("li") and "2027-01-04" in chat.last("li")
    with bot.unit() as ctx:
        for key, left in (("alice", 1), ("li", 2)):
            who = ctx.people.by_key(key)
            assert len(ctx.away.planned(who.id, who.timezone, ctx.clock.now())) == left


async def test_a_chinese_date_in_chinese_numerals_is_read(bot, chat):
    # '十二月二十日' was answered with the usage, though '12月20日' was read.
    await say(bot, "li", "/away 十二月二十日")
    assert "外出至 2026-12-20（含当天）" in chat.last("li"), chat.last("li")
    await say(bot, "li", "/back")
    await say(bot, "li", "/away 十二月二十一号到三十一号")
    assert "2026-12-21 – 2026-12-31" in chat.last("li"), chat.last("li")
    await say(bot, "li", "/away cancel")
    await say(bot, "alice", "/away 一月三日至一月五日")  # in English, the next 3 January
    assert "2027-01-03 – 2027-01-05" in chat.last("alice"), chat.last("alice")
    await say(bot, "li", "/away 二月三十日")  # no such day: named, nothing set
    assert "2027-2-30" in chat.last("li") and "用法" not in chat.last("li"), chat.last("li")

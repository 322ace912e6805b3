"""The period words every command takes alike (handlers/period_words.py): `/kudos top this
month` as `/kudos top month`, `/summary 这个星期` as `/summary 本周`, and `/summary this
month` told what the summary shows rather than read as a person's name. The clock is the
tests' Friday 27 November 2026 (2026-W48) in New York."""

from __future__ import annotations

from datetime import date

import pytest

from bot.charts import chart_data_for
from tests.support import say


@pytest.mark.parametrize(("words", "heading"), [
    ("this week", "this week (since 2026-11-23)"),
    ("this-week", "this week (since 2026-11-23)"),
    ("this month", "this month (since 2026-11-01)"),
    ("current month", "this month (since 2026-11-01)"),
    ("this quarter", "this quarter (since 2026-10-01)"),
    ("this year", "this year (since 2026-01-01)"),
    ("previous month", "last month (2026-10-01 – 2026-10-31)"),
    ("last-quarter", "last quarter (2026-07-01 – 2026-09-30)"),
])
async def test_kudos_top_takes_this_and_last_as_said(bot, chat, words, heading):
    await say(bot, "grace", f"/kudos top {words}")
    assert f"Kudos leaderboard — {heading}" in chat.last("grace")


@pytest.mark.parametrize(("words", "heading"), [
    ("这个星期", "本周（自 2026-11-23 起）"),
    ("这一周", "本周（自 2026-11-23 起）"),
    ("这个季度", "本季度（自 2026-10-01 起）"),
    ("今年度", "今年（自 2026-01-01 起）"),
    ("上个星期", "上周（2026-11-16 至 2026-11-22）"),
    ("上一个月", "上月（2026-10-01 至 2026-10-31）"),
    ("上个季度", "上季度（2026-07-01 至 2026-09-30）"),
    ("上一年", "去年（2025-01-01 至 2025-12-31）"),
])
async def test_kudos_top_takes_the_chinese_words_for_a_period(bot, chat, words, heading):
    await say(bot, "li", f"/kudos top {words}")
    assert heading in chat.last("li")


async def test_kudos_top_this_month_with_a_team_after_it(bot, chat):
    await say(bot, "grace", "/kudos top this month team East")
    assert "Kudos leaderboard — this month (since 2026-11-01), team East" in chat.last("grace")


@pytest.mark.parametrize(("words", "week"), [
    ("这周", "2026-W48 (2026-11-23"), ("这个星期", "2026-W48 (2026-11-23"),
    ("this-week", "2026-W48 (2026-11-23"), ("current week", "2026-W48 (2026-11-23"),
    ("上个星期", "2026-W47 (2026-11-16"), ("上一周", "2026-W47 (2026-11-16"),
    ("previous week", "2026-W47 (2026-11-16"),
])
async def test_summary_takes_every_word_for_this_and_last_week(bot, chat, words, week):
    await say(bot, "grace", f"/summary {words}")
    assert week in chat.last("grace")


@pytest.mark.parametrize("words", ["this month", "last quarter", "this year", "本月"])
async def test_summary_of_a_month_says_what_the_summary_shows(bot, chat, words):
    """Not "I don't know anyone called 'this month'": the GM is told the summary is of a
    week, with month and quarter to date, and what to type."""
    await say(bot, "grace", f"/summary {words}")
    reply = chat.last("grace")
    assert f'The summary has no view of "{words}" of its own' in reply
    assert "month and quarter to date" in reply and "/goals" in reply
    assert "I don't know anyone" not in reply


async def test_summary_of_a_month_is_told_in_chinese(bot, chat):
    await say(bot, "li", "/summary 上个月")
    reply = chat.last("li")
    assert "概况没有单独的“上个月”视图" in reply and "本季度累计" in reply


@pytest.mark.parametrize(("words", "weeks"), [
    ("这个星期", "2026-W41 to 2026-W48"), ("this-week", "2026-W41 to 2026-W48"),
    ("上个星期", "2026-W40 to 2026-W47"), ("previous week", "2026-W40 to 2026-W47"),
])
async def test_the_chart_takes_the_same_week_words(bot, chat, words, weeks):
    await say(bot, "grace", f"/summary chart {words}")
    assert weeks in chat.last("grace")


def test_the_charts_week_labels_are_written_as_the_summary_writes_weeks(bot):
    """W01 as in 2027-W01, not W1; in Chinese as Chinese says a week (第1周)."""
    with bot.unit() as ctx:
        en = chart_data_for(ctx.session, bot.org, "attainment", "en",
                            end_week=date(2027, 1, 11), weeks=3)
        zh = chart_data_for(ctx.session, bot.org, "attainment", "zh-CN",
                            end_week=date(2027, 1, 11), weeks=3)
    assert en.week_labels == ["W53", "W01", "W02"]
    assert zh.week_labels == ["第53周", "第1周", "第2周"]


@pytest.mark.parametrize(("words", "roll"), [
    ("last month", "Honour roll — October 2026"), ("上个月", "Honour roll — October 2026"),
    ("this month", "Honour roll — November 2026 (so far)"),
    ("this year", "Honour roll — 2026 (so far)"), ("去年", "Honour roll — 2025"),
])
async def test_honours_takes_the_month_and_year_words(bot, chat, words, roll):
    """Not "Usage: /honours …" for `last month`: the roll of that month (a year's roll is the
    calendar's, January to December, as `/honours 2026`)."""
    await say(bot, "grace", f"/honours {words}")
    assert roll in chat.last("grace")


@pytest.mark.parametrize(("words", "month"), [
    ("last month", "Month in review — 2026-10"), ("上个月", "Month in review — 2026-10"),
    ("this month", "Month in review — 2026-11"),
    ("last month alice", "Month in review — 2026-10 · Alice Martin"),
])
async def test_monthly_takes_this_and_last_month(bot, chat, words, month):
    """Not "last month is not a director in the org file"."""
    await say(bot, "grace", f"/monthly {words}")
    assert month in chat.last("grace")


@pytest.mark.parametrize(("words", "shown"), [
    ("last 2 months", "last 2 months"), ("last 30 days", "last 30 days"),
    ("past three months", "past three months")])
async def test_summary_of_a_span_of_days_or_months_says_what_the_summary_shows(
        bot, chat, words, shown):
    """'last 2 months' was the last 2 weeks of someone called "months", and 'last 30 days'
    30 weeks, "more than a summary covers", with '/summary last 12w days' to type."""
    await say(bot, "grace", f"/summary {words}")
    reply = chat.last("grace")
    assert reply.startswith(f'The summary has no view of "{shown}" of its own'), reply
    assert "/summary last 4w" in reply


@pytest.mark.parametrize("words", ["最近一个月", "过去两个月", "最近30天", "近三个月"])
async def test_summary_of_a_span_of_days_or_months_is_told_in_chinese(bot, chat, words):
    """'/summary 最近一个月' (the last month) was "我不认识“最近一个月”" (no such person)."""
    await say(bot, "li", f"/summary {words}")
    reply = chat.last("li")
    assert reply.startswith(f"概况没有单独的“{words}”视图"), reply


@pytest.mark.parametrize(("words", "weeks"), [
    ("last four weeks", "2026-W44 – 2026-W47"), ("past three weeks", "2026-W45 – 2026-W47"),
    ("last twelve weeks", "2026-W36 – 2026-W47")])
async def test_summary_reads_a_count_of_weeks_said_in_words(bot, chat, words, weeks):
    """'last four weeks' was "I didn't understand 'four'" (最近四周 was read), and 'past
    three weeks' a person's name."""
    await say(bot, "grace", f"/summary {words}")
    assert weeks in chat.last("grace"), chat.last("grace")


async def test_summary_of_no_weeks_is_no_persons_name(bot, chat):
    """'/summary 最近0周' was "我不认识“最近0周”" (no such person); it is 'last 0w', which
    says what /summary takes."""
    await say(bot, "li", "/summary 最近0周")
    assert "我不认识" not in chat.last("li")
    # What 李雷 wrote, and the Chinese form to write (it had quoted "0w" and `last 4w`).
    assert chat.last("li").startswith("我没看懂“最近0周”。用法：/summary、/summary 最近4周（最多 "
                                      "12 周）"), chat.last("li")


@pytest.mark.parametrize(("typed", "said", "command"), [
    ("最近13周", "最近13周", "/summary 最近12周"),
    ("过去十三周", "过去十三周", "/summary 过去12周"),
    ("alice 近 20 个星期", "近 20 个星期", "/summary alice 近 12 个星期"),
])
async def test_too_many_weeks_in_chinese_is_quoted_and_offered_in_chinese(
        bot, chat, typed, said, command):
    """`/summary 最近13周` in a Chinese chat quoted "13w" and offered `/summary last 12w`:
    the reply quotes what was written and offers the same words for 12 weeks, which work."""
    await say(bot, "li", f"/summary {typed}")
    reply = chat.last("li")
    assert reply == f"一份概况最多显示 12 周，“{said}”超过了。最近 12 周：{command}。", reply
    assert "13w" not in reply and "last" not in reply
    await say(bot, "grace", command)  # the command offered works
    assert "12" in chat.last("grace") and "最多" not in chat.last("grace")


async def test_too_many_weeks_in_words_is_quoted_as_written(bot, chat):
    """In English too: 'past 13 weeks' was quoted back as "13w"."""
    await say(bot, "grace", "/summary past thirteen weeks")
    assert chat.last("grace") == ('A summary covers at most 12 weeks, and "past thirteen '
                                  'weeks" is more. For the last 12: /summary past 12 weeks.')
    await say(bot, "grace", "/summary past 12 weeks")
    assert chat.last("grace").startswith("Summary of the last 12 weeks")


async def test_two_counts_of_weeks_in_chinese_are_named_back_as_written(bot, chat):
    """`/summary 最近4周 最近2周` named "last 4w" and "last 2w" back to a Chinese reader."""
    await say(bot, "li", "/summary 最近4周 最近2周")
    reply = chat.last("li")
    assert reply.startswith("“最近4周”和“最近2周”是两个不同的时间段"), reply
    assert "/summary 最近4周" in reply and "last 4w" not in reply

"""Months, years and days as a GM or director names them in commands, in English and in
Chinese: a month without its year ('/honours December', '/kudos top 12月') is the latest
such month that has begun, said back with its year."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from tests.support import bot_on_org, say
from tests.test_fiscal_quarter import fiscal_org
from tests.test_kudos import kudo

# Saturday 2 January 2027, 10:00 in New York (23:00 in Shanghai).
JAN_2 = datetime(2027, 1, 2, 15, 0, tzinfo=UTC)
DEC_15 = datetime(2026, 12, 15, 15, 0, tzinfo=UTC)


@pytest.fixture
def fiscal(settings, clock, tmp_path) -> Iterator[tuple]:
    """An org whose fiscal year starts in December (2027-Q1 is December to February)."""
    with bot_on_org(settings, clock, fiscal_org(tmp_path)) as made:
        yield made


async def test_a_month_named_without_its_year_is_the_latest_one_begun(bot, chat, clock):
    # "/honours December" on 2 January got the usage; so did 12月, /kudos top December and
    # /kudos top 12月. It is the December just gone, and the reply names its year.
    clock.set(DEC_15)
    await kudo(bot, "grace", "/kudos @alice for closing Acme before the holidays")
    clock.set(JAN_2)
    await kudo(bot, "grace", "/kudos @li for the new year's first order")
    await say(bot, "alice", "/honours December")
    assert chat.last("alice").startswith("🏆 Honour roll — December 2026\n")
    assert "Alice Martin" in chat.last("alice") and "李雷" not in chat.last("alice")
    await say(bot, "li", "/honours 12月")
    assert chat.last("li").startswith("🏆 荣誉榜 —— 2026年12月\n")
    await say(bot, "alice", "/kudos top December")
    board = chat.last("alice")
    assert board.startswith("Kudos leaderboard — December 2026 (2026-12-01 – 2026-12-31)\n")
    assert "1. Alice Martin — 1" in board and "李雷 —" not in board
    await say(bot, "li", "/kudos top 12月")
    assert chat.last("li").startswith("点赞排行榜 —— 2026年12月（2026-12-01 至 2026-12-31）\n")
    # With its year, as a GM writes it too; and January, begun, is this one so far.
    await say(bot, "alice", "/kudos top Dec 2026")
    assert chat.last("alice") == board
    await say(bot, "alice", "/kudos top January")
    assert chat.last("alice").startswith(
        "Kudos leaderboard — January 2027 (since 2027-01-01)\n")
    assert "1. 李雷 — 1" in chat.last("alice")
    # A month with its year that has not begun is said so, in the reader's language.
    await say(bot, "alice", "/kudos top March 2027")
    assert chat.last("alice") == ("March 2027 has not begun yet, so it has no kudos. "
                                  "/kudos top shows this month's, /kudos top last month "
                                  "last month's.")
    await say(bot, "li", "/kudos top 2027年3月")
    assert chat.last("li") == ("2027年3月还没有开始，所以还没有点赞。/kudos top 本月 查看本月的，"
                               "/kudos top 上个月 查看上个月的。")


async def test_a_month_asked_of_the_summary_is_named_with_its_year(bot, chat, clock):
    # "/summary December" was "I don't know anyone called "December"".
    clock.set(JAN_2)
    await say(bot, "grace", "/summary December")
    assert chat.last("grace").startswith(
        'The summary has no view of "December" (December 2026) of its own: it shows a week')
    assert "that month's kudos: /kudos top 2026-12;" in chat.last("grace")
    await say(bot, "grace", "/summary 十二月")
    assert 'no view of "十二月" (December 2026)' in chat.last("grace")


async def test_a_misspelt_day_just_gone_is_offered_as_the_one_spelt_right_is(bot, chat, clock):
    # "/away Decmber 31" on 2 January offered 2027-12-31 ("Did you mean December 31,
    # 2027?"), a year away, where "Dec 31" is named as passed and asked for with its year.
    clock.set(JAN_2)
    await say(bot, "alice", "/away Decmber 31")
    assert chat.last("alice") == (
        'I couldn\'t read "Decmber 31" as a day. Did you mean December 31, 2026? December 31, '
        "2026 has passed (today is 2027-01-02). Nothing was set. If you meant this year's, "
        "2027-12-31, send it with the year: /away 2027-12-31.")
    await say(bot, "li", "/away Decmber 30 to Janury 8")
    assert chat.last("li") == (
        '没能把"Decmber 30 to Janury 8"读成日期。你是说 2026年12月30日 – 2027年1月8日 吗？'
        "2026年12月30日已经过去了（今天是 2027-01-02）。未做任何设置。如果你指的是今年的 "
        "2027-12-30，请连同年份写出两天：/away 2027-12-30 和另一天（YYYY-MM-DD）。")
    # On 2 December, "Novmber 30" likewise; a day ahead is offered as ever.
    clock.set(datetime(2026, 12, 2, 15, 0, tzinfo=UTC))
    await say(bot, "alice", "/away Novmber 30")
    assert "Did you mean November 30, 2026? November 30, 2026 has passed (today is " \
        "2026-12-02)" in chat.last("alice")
    assert "If you meant next year's, 2027-11-30, send it with the year: /away 2027-11-30." \
        in chat.last("alice")
    await say(bot, "alice", "/away Decmber 20")
    assert chat.last("alice") == ('I couldn\'t read "Decmber 20" as a day. Did you mean '
                                  "December 20, 2026? If so, send /away 2026-12-20.")


async def test_a_quarter_or_fiscal_year_by_its_name(fiscal, clock):
    # fiscal_year_start 12. "/kudos top Q4", 2026Q4, 第四季度, "this fiscal year", 本财年 got
    # the usage, and "/summary Q4" was "I don't know anyone called "Q4"".
    bot, chat, _settings = fiscal
    clock.set(DEC_15)  # fiscal 2027-Q1 (December to February) has begun
    await kudo(bot, "grace", "/kudos @alice for the December push")
    clock.set(datetime(2026, 11, 10, 15, 0, tzinfo=UTC))  # fiscal 2026-Q4, Sep-Nov
    await kudo(bot, "grace", "/kudos @li for the November close")
    clock.set(JAN_2)
    await say(bot, "alice", "/kudos top Q4")
    board = chat.last("alice")
    assert board.startswith("Kudos leaderboard — 2026-Q4 (2026-09-01 – 2026-11-30)\n")
    assert "1. 李雷 — 1" in board and "Alice Martin —" not in board.split("generous")[0]
    assert "The quarter runs" not in board
    for same in ("2026Q4", "2026-Q4", "Q4 2026"):
        await say(bot, "alice", f"/kudos top {same}")
        assert chat.last("alice") == board, same
    await say(bot, "li", "/kudos top 第四季度")
    assert chat.last("li").startswith("点赞排行榜 —— 2026-Q4（2026-09-01 至 2026-11-30）\n")
    await say(bot, "alice", "/kudos top Q1")  # the quarter in progress, begun 1 December
    assert chat.last("alice").startswith("Kudos leaderboard — 2027-Q1 (since 2026-12-01)\n")
    await say(bot, "alice", "/kudos top 2027-Q2")
    assert chat.last("alice").startswith("2027-Q2 has not begun yet, so it has no kudos.")
    await say(bot, "li", "/kudos top 2027年第二季度")
    assert chat.last("li").startswith("2027-Q2还没有开始，所以还没有点赞。")
    await say(bot, "alice", "/kudos top this fiscal year")
    assert chat.last("alice").startswith("Kudos leaderboard — this year (since 2026-12-01)\n")
    await say(bot, "li", "/kudos top 上财年")
    assert chat.last("li").startswith("点赞排行榜 —— 去年（2025-12-01 至 2026-11-30）\n")
    await say(bot, "grace", "/summary Q4")
    assert chat.last("grace").startswith('The summary has no view of "Q4" (2026-Q4) of its own')
    assert "that quarter's kudos: /kudos top 2026-Q4;" in chat.last("grace")
    await say(bot, "grace", "/summary this fiscal year")
    assert chat.last("grace").startswith('The summary has no view of "this fiscal year"')
    # An honour roll's year is the calendar's: a fiscal year is not offered as one.
    await say(bot, "li", "/honours 本财年")
    assert chat.last("li").startswith("用法：/honours")


async def test_goals_asked_for_a_period_says_what_it_shows(bot, chat, clock):
    # "/goals Q4", "/goals last quarter", 上季度, 本财年 were "I don't know Q4".
    clock.set(JAN_2)
    for typed in ("Q4", "last quarter", "2026-Q4", "December"):
        await say(bot, "grace", f"/goals {typed}")
        assert chat.last("grace").startswith(
            f'/goals shows the goals in progress today, with their figures to date; it has no '
            f'view of "{typed}" of its own.'), typed
    for typed in ("上季度", "第四季度", "本财年"):
        await say(bot, "li", f"/goals {typed}")
        assert chat.last("li").startswith(
            f"/goals 显示今天进行中的目标及其累计数字，没有单独的“{typed}”视图。"), typed
    await say(bot, "grace", "/goals nobody")  # a name still is one
    assert chat.last("grace").startswith("I don't know nobody:")

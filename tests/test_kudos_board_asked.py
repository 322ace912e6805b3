"""A kudos board asked for a team or a value: the value named by its label as the board
names it, and the command an empty board points to keeps the team and value asked for."""

from __future__ import annotations

import json

from tests.support import run_cli
from tests.test_kudos import kudo


async def test_a_value_is_asked_for_by_its_label_of_several_words(bot, chat):
    # The board heads itself "value Customer first"; typed back, that label had been read
    # as the value "customer" and a stray word "first", and got the usage.
    await kudo(bot, "alice", "/kudos @sam for the Acme renewal #customer-first")
    await kudo(bot, "grace", "/kudos @li for the tender help #ownership")
    await kudo(bot, "grace", "/kudos top value Customer first", group=False)
    board = chat.last("grace")
    assert "Usage" not in board
    assert "Kudos leaderboard — this month (since 2026-11-01), value Customer first" in board
    assert "1. Sam Lee — 1" in board and "李雷" not in board
    # The label followed by more of the command, and in lower case.
    await kudo(bot, "grace", "/kudos top value customer first team East week", group=False)
    board = chat.last("grace")
    assert "this week (since 2026-11-23), team East, value Customer first" in board
    assert "1. Sam Lee — 1" in board
    await kudo(bot, "li", "/kudos top 价值观 Customer first 本月", group=False)
    assert "价值观 客户第一" in chat.last("li") and "1. Sam Lee —— 1 次" in chat.last("li")


async def test_an_empty_boards_pointer_to_the_period_before_keeps_the_team_and_value(
        bot, chat):
    # Kudos this month, none this week for East's Customer first: the board pointed to
    # "/kudos top last week", the whole org's board, not the one asked for.
    await kudo(bot, "alice", "/kudos @sam for the Acme renewal #ownership")
    await kudo(bot, "grace", "/kudos top week team East value customer-first", group=False)
    board = chat.last("grace")
    assert "the week before: /kudos top last week team East value customer-first" in board
    await kudo(bot, "li", "/kudos top 今年 团队 East 价值观 客户第一", group=False)
    board = chat.last("li")
    # (and "上一个年" was no Chinese: last year is 去年)
    assert "上一个" not in board
    assert "去年：/kudos top 去年 团队 East 价值观 customer-first" in board


async def test_a_board_before_the_bot_ran_points_to_this_periods_board_of_that_team(
        bot, chat):
    await kudo(bot, "grace", "/kudos top last month team East", group=False)
    board = chat.last("grace")
    assert "The bot was not running yet then" in board
    assert "This month's so far: /kudos top month team East" in board
    await kudo(bot, "li", "/kudos top 上个月 团队 East", group=False)
    assert "本月至今：/kudos top 本月 团队 East" in chat.last("li")


async def test_the_command_line_reads_a_value_by_its_label_as_the_chat_does(
        bot, chat, clock, settings):
    # `/kudos top value 客户第一` ranked the value's kudos; `--value 客户第一` had answered
    # "no company value '客户第一'".
    await kudo(bot, "alice", "/kudos @sam for the Acme renewal #customer-first")
    await kudo(bot, "li", "/kudos @bruno for the tender help #ownership")
    for written in ("Customer first", "客户第一", "#customer-first"):
        code, out = run_cli(settings, "kudos", "top", "--value", written)
        assert code == 0, written
        assert "· value Customer first" in out
        assert "Sam Lee (East) — 1" in out and "Bruno Rossi" not in out
    code, out = run_cli(settings, "kudos", "top", "--value", "Customer first",
                        "--format", "json")
    assert json.loads(out)["value"] == "customer-first"
    code, _ = run_cli(settings, "kudos", "top", "--value", "customer")
    assert code == 2


async def test_a_quarter_before_the_bot_ran_points_to_this_quarters_board(bot, chat):
    # It had pointed to this month's board, "This month's so far: /kudos top month".
    await kudo(bot, "grace", "/kudos top Q2 team East", group=False)
    board = chat.last("grace")
    assert "2026-Q2 (2026-04-01 – 2026-06-30), team East" in board
    assert "This quarter's so far: /kudos top quarter team East" in board
    await kudo(bot, "li", "/kudos top 第二季度", group=False)
    assert "本季度至今：/kudos top 本季度" in chat.last("li")


async def test_a_month_or_quarter_not_begun_points_to_boards_of_that_team_and_kind(bot, chat):
    # It had pointed to the whole org's month, for a quarter too ("/kudos top shows this
    # month's").
    await kudo(bot, "grace", "/kudos top March 2027 team East", group=False)
    assert chat.last("grace") == (
        "March 2027 has not begun yet, so it has no kudos. /kudos top team East shows this "
        "month's, /kudos top last month team East last month's.")
    await kudo(bot, "grace", "/kudos top 2027-Q2 value customer-first", group=False)
    assert chat.last("grace") == (
        "2027-Q2 has not begun yet, so it has no kudos. /kudos top quarter value "
        "customer-first shows this quarter's, /kudos top last quarter value customer-first "
        "last quarter's.")
    await kudo(bot, "li", "/kudos top 2027年第二季度 团队 East", group=False)
    assert chat.last("li") == (
        "2027-Q2还没有开始，所以还没有点赞。/kudos top 本季度 团队 East 查看本季度的，"
        "/kudos top 上季度 团队 East 查看上季度的。")

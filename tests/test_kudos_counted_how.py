"""The GM's `/summary` and `/kudos top week` count kudos differently on purpose (the
summary: each team's kudos, Monday to Sunday in the reader's time, people who have left
included; the board: the org's week, only people in the org file ranked). A GM reading
both for one week saw East "3 received" beside a board with nobody from East on it; each
view now says what it counts. The counting itself is unchanged."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import yaml

from tests.support import TEST_ORG, bot_on_org, run_cli, say
from tests.test_honours import DEC_1_9AM_NY
from tests.test_kudos import kudo
from tests.test_kudos_team_moves import november_in_east
from tests.test_summary_output import markdown_blocks


def without(tmp_path: Path, key: str) -> Path:
    """The test org file with one person taken out (they have left)."""
    data = yaml.safe_load(TEST_ORG.read_text(encoding="utf-8"))
    data["people"] = [p for p in data["people"] if p["key"] != key]
    path = tmp_path / f"org-without-{key}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


async def test_the_summary_and_the_board_say_what_they_count(bot, chat, clock, tmp_path):
    await november_in_east(bot)  # Friday: Grace and Alice praise Sam, Sam praises 李雷
    # Monday 08:00 in Shanghai, still Sunday evening in New York (the GM's and org's time).
    clock.set(datetime(2026, 11, 30, 0, 0, tzinfo=UTC))
    await kudo(bot, "li", "/kudos @sam 感谢 介绍 上海 客户")
    clock.set(DEC_1_9AM_NY)
    with bot_on_org(bot.settings, clock, without(tmp_path, "sam")) as (later, chat, _):
        await say(later, "grace", "/summary 2026-W48")
        summary = chat.last("grace")
        # The counting is as before: Sam's three kudos received count for East.
        assert "kudos 2 given, 3 received" in summary
        # One short line, not a paragraph the GM reads every week.
        assert summary.endswith(
            "Kudos: Monday–Sunday in your time (America/New_York), teams as when given, "
            "leavers included (/kudos top ranks by the org's time, current people only while "
            "the period runs).")
        await say(later, "grace", "/kudos top last week")
        board = chat.last("grace")
        # A week that is over reads as it was: Sam, who has left since, is still first.
        assert "1. Sam Lee (no longer in the org file) — 3\n2. 李雷 — 1" in board
        assert board.endswith(
            "Counted in the org's time (America/New_York), leavers included "
            "(/summary: your time).")
        with later.unit() as ctx:
            ctx.people.by_key("grace").locale = "zh-CN"
        await say(later, "grace", "/summary 2026-W48")
        assert chat.last("grace").endswith(
            "点赞：按你的时区（America/New_York）周一至周日，计入送出时的团队，含已离开的人"
            "（/kudos top 按组织时区，进行中的时段只排现有成员）。")
        await say(later, "grace", "/kudos top last week")
        assert chat.last("grace").endswith(
            "按组织时区（America/New_York）统计，含已离开的人"
            "（/summary：按你的时区）。")


async def test_no_kudos_no_footnote(bot, chat, clock):
    await bot.run_checkins()
    await say(bot, "grace", "/summary")
    assert "Kudos: Monday–Sunday" not in chat.last("grace")
    await say(bot, "grace", "/kudos top week")
    assert "Counted in the org's time" not in chat.last("grace")


async def test_the_command_lines_board_says_what_it_counts(bot, clock, monkeypatch):
    """`teampulse kudos top` (Markdown) ranked like the chat board without saying how; an
    operator comparing it with the GM's /summary saw different counts unexplained. JSON
    and CSV are data and stay as they were."""
    await november_in_east(bot)
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    code, md = run_cli(bot.settings, "kudos", "top")
    assert code == 0 and "Sam Lee" in md
    # Read as a Markdown viewer shows it (the "_" in the zone name is escaped).
    assert markdown_blocks(md)[-1] == (
        "p", "Counted in the org's time (America/New_York), current people only "
             "(/summary: the reader's time, leavers included).")
    code, md = run_cli(bot.settings, "kudos", "top", "--locale", "zh-CN")
    assert markdown_blocks(md)[-1] == (
        "p", "按组织时区（America/New_York）统计，只排现有成员"
             "（/summary：按阅读者的时区，含已离开的人）。")
    for fmt in ("json", "csv"):
        code, data = run_cli(bot.settings, "kudos", "top", "--format", fmt)
        assert code == 0 and "org's time" not in data and "America/New_York)" not in data


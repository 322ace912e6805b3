"""Kudos views read from the user's side at their edges: a board whose one side is empty,
a roll in progress whose giver has left, dates in the reader's own calendar."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.support import run_cli
from tests.test_kudos import kudo
from tests.test_kudos_leavers import after_sam_left

# Friday 2026-11-20 10:00 in New York: the middle of November.
MID_NOVEMBER = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


async def test_a_team_that_gave_kudos_but_received_none_shows_its_givers(bot, chat, clock):
    # East praised China and Europe; nobody praised East. The board had said "No kudos yet
    # in this period. Be the first", hiding the most generous team of the month.
    clock.set(MID_NOVEMBER)
    await kudo(bot, "alice", "/kudos @li @bruno for the joint pitch deck")
    await kudo(bot, "grace", "/kudos top team East", group=False)
    board = chat.last("grace")
    assert "No kudos yet" not in board
    assert "Most recognised (kudos received)\nNobody yet." in board
    assert "Most generous (kudos given)\n1. Alice Martin — 2" in board
    await kudo(bot, "li", "/kudos top 团队 East", group=False)
    board = chat.last("li")
    assert "还没有点赞" not in board
    assert "最受认可（收到点赞）\n暂无。" in board
    assert "最慷慨（送出点赞）\n1. Alice Martin —— 2 次" in board


async def test_the_cli_board_of_a_team_that_only_gave_lists_its_givers(bot, chat, clock,
                                                                       settings):
    clock.set(MID_NOVEMBER)
    await kudo(bot, "alice", "/kudos @li for the joint pitch deck")
    for locale, nobody, giver in (("en", "Nobody yet.", "Alice Martin"),
                                  ("zh-CN", "暂无。", "Alice Martin")):
        code, out = run_cli(settings, "kudos", "top", "--period", "all", "--team", "East",
                            "--locale", locale)
        assert code == 0
        assert nobody in out and giver in out
        assert "No kudos yet" not in out and "还没有点赞" not in out


async def test_a_board_whose_only_recipient_left_still_ranks_the_giver(bot, chat, clock, tmp_path):
    clock.set(MID_NOVEMBER)
    await kudo(bot, "alice", "/kudos @sam for the joint pitch deck")
    later, chat, engine = after_sam_left(bot, tmp_path)
    try:
        await kudo(later, "grace", "/kudos top", group=False)
        board = chat.last("grace")
        assert "Sam Lee" not in board
        assert "Most generous (kudos given)\n1. Alice Martin — 1" in board
    finally:
        engine.dispose()


async def test_the_year_so_far_whose_only_giver_left_reads_without_an_error(
        bot, chat, clock, tmp_path, settings, monkeypatch):
    # (The CLI reads the clock of the machine: the test's, as the running bot's.)
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    # Sam gave this year's only kudos and left: "/honours 2026" answered "Sorry, something
    # went wrong on my side" (a roll in progress ranks nobody who left: no giver at all).
    clock.set(MID_NOVEMBER)
    await kudo(bot, "sam", "/kudos @li @bruno for the joint pitch deck")
    later, chat, engine = after_sam_left(bot, tmp_path)
    try:
        await kudo(later, "grace", "/honours 2026", group=False)
        roll = chat.last("grace")
        assert roll.startswith("🏆 Honour roll — 2026 (so far)\n2 kudos in all.")
        assert "• China: 李雷 — 1 kudo" in roll
        assert "Sam Lee" not in roll and "Most generous" not in roll
        await kudo(later, "li", "/honours 2026年", group=False)
        roll = chat.last("li")
        assert roll.startswith("🏆 荣誉榜 —— 2026年（截至目前）\n共 2 次点赞。")
        assert "最慷慨" not in roll and "Sam Lee" not in roll
        code, out = run_cli(later.settings, "kudos", "honours", "--period", "2026")
        assert code == 0 and "Most generous" not in out and "Sam Lee" not in out
        code, out = run_cli(later.settings, "kudos", "honours", "--period", "2026",
                            "--locale", "zh-CN")
        assert code == 0 and "最慷慨" not in out
    finally:
        engine.dispose()


async def test_the_month_so_far_whose_only_recipient_left_has_no_empty_heading(
        bot, chat, clock, tmp_path):
    clock.set(MID_NOVEMBER)
    await kudo(bot, "alice", "/kudos @sam for the joint pitch deck")
    later, chat, engine = after_sam_left(bot, tmp_path)
    try:
        await kudo(later, "grace", "/honours 2026-11", group=False)
        roll = chat.last("grace")
        assert "Most recognised, per team" not in roll and "Sam Lee" not in roll
        assert "Most generous: Alice Martin — 1 kudo given" in roll
        await kudo(later, "li", "/honours 2026-11", group=False)
        assert "各团队最受认可" not in chat.last("li")
    finally:
        engine.dispose()


async def test_kudos_me_dates_each_kudos_by_the_readers_calendar(bot, chat, clock):
    # 07:00 on Tuesday 1 December in Shanghai is still 30 November in UTC (and in New
    # York): 李雷 read her kudos of that morning as given on the 30th.
    clock.set(datetime(2026, 11, 30, 23, 0, tzinfo=UTC))
    await kudo(bot, "li", "/kudos @alice 帮忙准备投标材料")
    await kudo(bot, "li", "/kudos me", group=False)
    assert "• 2026-12-01 Alice Martin：帮忙准备投标材料" in chat.last("li")
    await kudo(bot, "alice", "/kudos me", group=False)
    assert "• 2026-11-30 李雷: 帮忙准备投标材料" in chat.last("alice")  # 18:00 in New York



async def test_the_board_of_a_team_whose_name_has_a_space(settings, clock, tmp_path):
    # "/kudos top team North America" answered "There is no team North", when /summary
    # team North America reads the team.
    from dataclasses import replace

    from bot.app import prepare
    from tests.support import TEST_ORG, RecordingAdapter
    org_file = tmp_path / "org.yaml"
    org_file.write_text(TEST_ORG.read_text(encoding="utf-8").replace(
        "team: East", "team: North America"), encoding="utf-8")
    bot, engine = prepare(replace(settings, org_file=org_file), clock)
    chat = RecordingAdapter()
    bot.register(chat)
    try:
        clock.set(MID_NOVEMBER)
        await kudo(bot, "grace", "/kudos @sam for the Acme renewal")
        await kudo(bot, "li", "/kudos @bruno 帮忙翻译合同")
        await kudo(bot, "grace", "/kudos top team north america last month", group=False)
        assert chat.last("grace").startswith("Kudos leaderboard — last month (2026-10-01 – "
                                             "2026-10-31), team North America")
        await kudo(bot, "grace", "/kudos top team North America", group=False)
        board = chat.last("grace")
        assert board.startswith("Kudos leaderboard — this month (since 2026-11-01), team "
                                "North America\nMost recognised (kudos received)\n1. Sam Lee — 1")
        assert "Bruno" not in board
        await kudo(bot, "li", "/kudos top 团队 North America 本月", group=False)
        assert "1. Sam Lee —— 1 次" in chat.last("li")
        await kudo(bot, "grace", "/kudos top team North Pole month", group=False)
        assert chat.last("grace") == ("There is no team North Pole. Teams: China, Europe, "
                                      "North America.")
    finally:
        engine.dispose()

"""Recognition over a month as the GM and the directors read it: what would make the board
or the honour roll wrong (someone leaving or moving mid-month, two people of one name
tied)."""

from __future__ import annotations

from datetime import timedelta

from tests.support import NAMESAKES, TEST_ORG, bot_on_org, run_cli
from tests.test_honours import DEC_1_9AM_NY, with_honours_channel
from tests.test_kudos import kudo
from tests.test_kudos_leavers import after_sam_left
from tests.test_kudos_team_moves import moved, november_in_east


async def test_two_people_of_one_name_tied_on_the_board_are_listed_by_key(
        settings, clock, tmp_path):
    # The board listed a tie "by name", but two 王伟 have one name: they came in the order
    # they were first praised (wangwei2 above wangwei), where the honour roll lists them
    # by key. Praise the second one first; both views now read wangwei, then wangwei2.
    path = tmp_path / "org.yaml"
    path.write_text(TEST_ORG.read_text(encoding="utf-8").replace(
        "# Company values", NAMESAKES + "# Company values"), encoding="utf-8")
    with bot_on_org(settings, clock, path) as (bot, chat, cli):
        await kudo(bot, "alice", "/kudos @wangwei2 for closing Acme")
        await kudo(bot, "grace", "/kudos @wangwei for the tender documents")
        await kudo(bot, "grace", "/kudos top", group=False)
        assert "1=. 王伟 (@wangwei) — 1\n1=. 王伟 (@wangwei2) — 1\n" in chat.last("grace")
        await kudo(bot, "li", "/kudos 排行榜", group=False)
        assert "1=. 王伟 (@wangwei) —— 1 次\n1=. 王伟 (@wangwei2) —— 1 次\n" in chat.last("li")
        await kudo(bot, "grace", "/honours this month", group=False)
        assert "• China: 王伟 (@wangwei) and 王伟 (@wangwei2) — 1 kudo each, a tie" in \
            chat.last("grace")
        code, out = run_cli(cli, "kudos", "top", "--format", "csv")
        assert code == 0
        received = [line.split(",")[3] for line in out.splitlines() if
                    line.startswith("received,")]
        assert received == ["wangwei", "wangwei2"]


async def test_a_leavers_kudos_stay_with_the_team_they_were_in(bot, chat, clock, tmp_path):
    # README: someone who left is ranked on no board of the month in progress, but the
    # kudos they received while on a team still count for that team (team of the month),
    # in progress and once the month is over; never for another team.
    await kudo(bot, "grace", "/kudos @sam for the Acme renewal")
    await kudo(bot, "bruno", "/kudos @sam for the Acme deck")
    await kudo(bot, "grace", "/kudos @alice for the demo")
    await kudo(bot, "li", "/kudos @bruno 帮忙翻译合同")
    await kudo(bot, "grace", "/kudos @bruno for the Milan visit")
    later, chat, engine = after_sam_left(bot, tmp_path)
    with_honours_channel(later)
    try:
        await kudo(later, "grace", "/honours this month", group=False)
        roll = chat.last("grace")
        assert "• East: Alice Martin — 1 kudo\n" in roll and "Sam Lee" not in roll
        # East: Alice's 1 and the 2 Sam got there before he left.
        assert "Team of the month: East — 3 kudos received" in roll
        await kudo(later, "li", "/honours 本月", group=False)
        assert "月度最佳团队：East —— 收到 3 次点赞" in chat.last("li")
        clock.set(DEC_1_9AM_NY)
        assert await later.run_honours()
        posted = chat.last("honours")
        assert "• East: Sam Lee — 2 kudos" in posted
        assert "Team of the month: East — 3 kudos received" in posted
    finally:
        engine.dispose()


async def test_kudos_before_a_mid_month_move_stay_with_the_old_team(
        bot, chat, clock, tmp_path, monkeypatch):
    # Sam got 2 kudos in East, then moved to Europe on the 28th and got 1 there: the roll
    # of the month (in progress, then posted) counts the 2 for East, where he earned them,
    # and only the 1 for Europe; the team of the month is East, not a move's gift to Europe.
    await november_in_east(bot)  # Sam: 2 received in East (and 1 given, to 李雷)
    await kudo(bot, "li", "/kudos @alice 帮忙准备投标材料")
    clock.set(clock.now() + timedelta(days=1))
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    with bot_on_org(bot.settings, clock, moved(tmp_path, "sam", "Europe")) as (later, chat, _):
        with_honours_channel(later)
        await kudo(later, "bruno", "/kudos @sam for the Munich workshop")
        await kudo(later, "grace", "/honours this month", group=False)
        roll = chat.last("grace")
        assert "• East: Sam Lee — 2 kudos\n" in roll
        assert "• Europe: Sam Lee — 1 kudo\n" in roll
        assert "Team of the month: East — 3 kudos received" in roll
        await kudo(later, "li", "/honours 本月", group=False)
        zh = chat.last("li")
        assert "• East：Sam Lee —— 2 次" in zh and "• Europe：Sam Lee —— 1 次" in zh
        assert "月度最佳团队：East —— 收到 3 次点赞" in zh
        clock.set(DEC_1_9AM_NY)
        assert await later.run_honours()
        posted = chat.last("honours")
        assert "• East: Sam Lee — 2 kudos\n" in posted
        assert "Team of the month: East — 3 kudos received" in posted

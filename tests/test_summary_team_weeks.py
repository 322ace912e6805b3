"""A team's view over several weeks (`/summary team East last 4w`, a director's own
`/summary last 4w`, `teampulse summary --team East --weeks 4`) as the GM and a director
meet it (console chat, on the test's clock)."""

from __future__ import annotations

from tests.support import run_cli, say

KPI_HEAD = "Team KPI attainment\n"


async def test_weeks_nobody_was_asked_do_not_read_as_no_kpis_set(bot, chat, clock, settings):
    """Alice, East's one director, has KPIs in the org file, but was not sent a check-in
    in any of the weeks shown (the bot ran first this week): the view said "No KPIs are
    set.", which the org file contradicts. It says nobody was asked, and why."""
    await say(bot, "grace", "/summary team East last 4w")
    text = chat.last("grace")
    assert "No KPIs are set." not in text
    assert KPI_HEAD + "None: nobody with KPIs in the org file was asked in these weeks " \
        "(no check-in sent: Alice Martin).\n" in text
    code, out = run_cli(settings, "summary", "--team", "East", "--weeks", "4", "--format", "md")
    assert code == 0 and "No KPIs are set." not in out
    assert "None: nobody with KPIs in the org file was asked in these weeks " \
        "(no check-in sent: Alice Martin)." in out
    await say(bot, "li", "/summary 最近2周")
    text = chat.last("li")
    assert "未设置 KPI。" not in text
    assert "团队 KPI 完成率\n无：这几周没有问到组织文件中设有 KPI 的人（未发送签到：李雷）。\n" \
        in text


async def test_a_director_away_every_week_asked_is_named_away(bot, chat, clock):
    """Alice away for this Friday's check-in, the week before not sent (the bot's first
    run): her own `/summary last 2w` names both reasons."""
    await say(bot, "alice", "/away 2026-12-10")
    await bot.run_checkins()
    await say(bot, "alice", "/summary last 2w")
    text = chat.last("alice")
    assert "No KPIs are set." not in text
    assert KPI_HEAD + "None: nobody with KPIs in the org file was asked in these weeks " \
        "(away: Alice Martin; no check-in sent: Alice Martin).\n" in text


async def test_once_asked_the_team_reads_its_figures_without_the_note(bot, chat, clock):
    """Once Alice is asked (answered or not), East's KPI lines are back, with no note."""
    await bot.run_checkins()
    await say(bot, "alice", "/summary last 2w")
    text = chat.last("alice")
    assert "None: nobody with KPIs" not in text
    assert "Revenue" in text.split(KPI_HEAD, 1)[1].split("By person")[0]

"""A team's view over several weeks (`/summary team East last 4w`, a director's own
`/summary last 4w`, `teampulse summary --team East --weeks 4`) as the GM and a director
meet it (console chat, on the test's clock)."""

from __future__ import annotations

from datetime import timedelta

from tests.support import bot_on_org, csv_records, run_cli, say
from tests.test_checkin import ALICE_ANSWERS, answer_all
from tests.test_summary_truth import _with_roles

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


async def _alice_moved_to_west(bot, clock, tmp_path):
    """Alice answers 2026-W48 in East; the org file then moves her to West, where she
    answers 2026-W49 (the CLI reads the same clock). The moved org file."""
    await bot.run_checkins()
    await answer_all(bot, "alice", ALICE_ANSWERS)
    clock.advance(timedelta(days=7))
    return _with_roles(tmp_path, {"alice": {"team": "West"}}, "moved.yaml")


async def test_a_director_moved_mid_period_counts_in_each_teams_own_weeks(
        bot, chat, clock, settings, tmp_path):
    """East's view keeps Alice's W48 (history is never rewritten) and West's starts in
    W49. The week a team had nobody in it read "no check-in sent", as if the bot had not
    sent one, and its blockers "None reported.", as if someone had been asked: it says
    nobody is on record in the team; chat and the CLI agree."""
    org = await _alice_moved_to_west(bot, clock, tmp_path)
    with bot_on_org(settings, clock, org) as (later, chat, moved):
        await later.run_checkins()
        await answer_all(later, "alice", ["61000", *ALICE_ANSWERS[1:]])
        await say(later, "grace", "/summary team East last 2w")
        east = chat.last("grace")
        assert "2026-W48: 1 of 1\n" in east
        assert "2026-W49: nobody on record in the team\n" in east
        assert "Revenue (USD): W48 104% · W49 —" in east
        assert "Blockers and support requests in 2026-W49\n" \
            "None: nobody on record in the team this week." in east
        assert "None reported." not in east and "no check-in sent" not in east
        await say(later, "grace", "/summary team West last 2w")
        west = chat.last("grace")
        assert "2026-W48: nobody on record in the team\n" in west
        assert "2026-W49: 1 of 1\n" in west
        assert "Revenue (USD): W48 — · W49 122%" in west
        # Alice's own view is West's: her East week is not in it.
        await say(later, "alice", "/summary last 2w")
        assert chat.last("alice").split("\n", 1)[1] == west.split("\n", 1)[1]
        code, out = run_cli(moved, "summary", "--team", "East", "--weeks", "2",
                            "--format", "md")
        assert code == 0
        assert "- 2026-W49: nobody on record in the team\n" in out
        assert "- Revenue (USD): W48 104% · W49 —" in out
        rows = csv_records(run_cli(moved, "summary", "--team", "West", "--weeks", "2",
                                   "--format", "csv")[1])
        assert [(r["week"], r["person"], r["team"], r["revenue_actual"]) for r in rows] \
            == [("2026-W49", "alice", "West", "61000")]
    zh = _with_roles(tmp_path, {"alice": {"team": "West"}, "grace": {"locale": "zh-CN"}},
                     "moved_zh.yaml")
    with bot_on_org(settings, clock, zh) as (later, chat, _):
        await say(later, "grace", "/summary 团队 East 最近2周")
        text = chat.last("grace")
        assert "2026-W49：团队中没有记录到任何人\n" in text
        assert "2026-W49 的阻碍与支持需求\n无：该周团队中没有记录到任何人。" in text


async def test_a_team_whose_last_director_left_shows_its_weeks_and_says_so(
        bot, chat, clock, settings, tmp_path):
    """Alice left East for West; Sam, a member, is still in East: `/summary team East last
    2w` shows Alice's week there and says nobody in East checks in now. Once Sam is gone
    too, East is no longer in the org file, which the view says of its past weeks."""
    org = await _alice_moved_to_west(bot, clock, tmp_path)
    with bot_on_org(settings, clock, org) as (later, chat, moved):
        await say(later, "grace", "/summary team East last 2w")
        text = chat.last("grace")
        assert "2026-W48: 1 of 1\n" in text
        assert "Nobody in East checks in now: the org file gives it no director.\n" in text
        code, out = run_cli(moved, "summary", "--team", "East", "--weeks", "2",
                            "--format", "md")
        assert code == 0
        assert "Nobody in East checks in now: the org file gives it no director." in out
    gone = _with_roles(tmp_path, {"alice": {"team": "West"}, "sam": {"team": "West"},
                                  "li": {"locale": "zh-CN"}}, "gone.yaml")
    with bot_on_org(settings, clock, gone) as (later, chat, moved):
        await say(later, "grace", "/summary team East last 2w")
        text = chat.last("grace")
        assert "2026-W48: 1 of 1\n" in text
        assert "East is no longer in the org file: these are its past weeks.\n" in text
        await say(later, "grace", "/summary team West last 2w")
        assert "no longer in the org file: these" not in chat.last("grace")
        assert "checks in now" not in chat.last("grace")

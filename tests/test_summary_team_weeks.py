"""A team's view over several weeks (`/summary team East last 4w`, a director's own
`/summary last 4w`, `teampulse summary --team East --weeks 4`) as the GM and a director
meet it (console chat, on the test's clock)."""

from __future__ import annotations

import json
from datetime import timedelta

from tests.support import TEST_ORG, bot_on_org, csv_records, run_cli, say
from tests.test_checkin import ALICE_ANSWERS, answer_all
from tests.test_summary_truth import LI_ANSWERS, _with_roles

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
    """Once Alice is asked (not answered yet), East's KPI lines are back, with no note."""
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
        code, raw = run_cli(moved, "summary", "--team", "East", "--weeks", "2",
                            "--format", "json")
        assert code == 0 and json.loads(raw)["team_now"] == "nobody"
        code, raw = run_cli(moved, "summary", "--team", "West", "--format", "json")
        assert code == 0 and json.loads(raw)["team_now"] == "in_org"
    gone = _with_roles(tmp_path, {"alice": {"team": "West"}, "sam": {"team": "West"}},
                       "gone.yaml")
    with bot_on_org(settings, clock, gone) as (later, chat, moved):
        await say(later, "grace", "/summary team East last 2w")
        text = chat.last("grace")
        assert "2026-W48: 1 of 1\n" in text
        assert "East is no longer in the org file: these are its past weeks.\n" in text
        await say(later, "grace", "/summary team West last 2w")
        assert "no longer in the org file: these" not in chat.last("grace")
        assert "checks in now" not in chat.last("grace")
        # A script reading the CLI's JSON of East's weeks learns it too.
        code, raw = run_cli(moved, "summary", "--team", "East", "--weeks", "2",
                            "--format", "json")
        assert code == 0
        data = json.loads(raw)
        assert data["team_now"] == "gone"
        assert [(w["week"], w["checked_in"]) for w in data["weeks"]] == [("2026-W47", 0),
                                                                          ("2026-W48", 1)]
    zh = _with_roles(tmp_path, {"alice": {"team": "West"}, "grace": {"locale": "zh-CN"}},
                     "nobody_zh.yaml")
    with bot_on_org(settings, clock, zh) as (later, chat, _):
        await say(later, "grace", "/summary 团队 East 最近2周")
        assert "East 现在没有需要签到的人：组织文件中它没有总监。\n" in chat.last("grace")
    gone_zh = _with_roles(tmp_path, {"alice": {"team": "West"}, "sam": {"team": "West"},
                                     "grace": {"locale": "zh-CN"}}, "gone_zh.yaml")
    with bot_on_org(settings, clock, gone_zh) as (later, chat, _):
        await say(later, "grace", "/summary 团队 East 最近2周")
        assert "East 已不在组织文件中：以下是它过去的几周。\n" in chat.last("grace")


async def test_a_week_the_bot_was_stopped_is_not_a_week_nobody_answered(
        bot, chat, clock, settings):
    """W48 answered, W49 no check-in at all (the bot stopped), W50 sent and not answered:
    each week reads what happened, the same in chat (en, zh-CN) and on the CLI (Markdown
    the chat's text, JSON the same counts and the same person named)."""
    await bot.run_checkins()
    await answer_all(bot, "alice", ALICE_ANSWERS)
    await answer_all(bot, "li", LI_ANSWERS)
    clock.advance(timedelta(days=14))
    await bot.run_checkins()
    clock.advance(timedelta(days=3))  # Monday of W51: W50 is the latest week shown
    await say(bot, "grace", "/summary team East last 3w")
    text = chat.last("grace")
    assert "2026-W48: 1 of 1\n2026-W49: no check-in sent\n" \
        "2026-W50: 0 of 1 · missing: Alice Martin\n" in text
    assert "Blockers and support requests in 2026-W50\nNone reported." in text
    await say(bot, "alice", "/summary last 3w")
    assert chat.last("alice") == text
    code, out = run_cli(settings, "summary", "--team", "East", "--weeks", "3", "--format", "md")
    assert code == 0
    assert "- 2026-W48: 1 of 1\n- 2026-W49: no check-in sent\n" \
        "- 2026-W50: 0 of 1 · missing: Alice Martin\n" in out
    code, raw = run_cli(settings, "summary", "--team", "East", "--weeks", "3",
                        "--format", "json")
    assert code == 0
    weeks = json.loads(raw)["weeks"]
    assert [(w["week"], w["checked_in"], w["expected"], w["missing"], w["not_sent"])
            for w in weeks] == [("2026-W48", 1, 1, [], []), ("2026-W49", 0, 0, [], ["alice"]),
                                ("2026-W50", 0, 1, ["alice"], [])]
    await say(bot, "li", "/summary 最近3周")
    zh = chat.last("li")
    assert "2026-W48：1 / 1\n2026-W49：未发送签到\n2026-W50：0 / 1 · 未签到：李雷\n" in zh
    assert "2026-W50 的阻碍与支持需求\n无。" in zh


async def test_a_team_renamed_mid_period_is_two_names_each_with_its_own_weeks(
        bot, chat, clock, settings, tmp_path):
    """East became "Americas East" after 2026-W48 (nothing stored dates a rename: it is
    another team). East's view keeps its week and says East is gone from the org file;
    the new name's view starts where it was first used; the CLI reads the same."""
    await bot.run_checkins()
    await answer_all(bot, "alice", ALICE_ANSWERS)
    clock.advance(timedelta(days=7))
    org = _with_roles(tmp_path, {"alice": {"team": "Americas East"},
                                 "sam": {"team": "Americas East"}}, "renamed.yaml")
    with bot_on_org(settings, clock, org) as (later, chat, renamed):
        await later.run_checkins()
        await answer_all(later, "alice", ["61000", *ALICE_ANSWERS[1:]])
        await say(later, "grace", "/summary team East last 2w")
        east = chat.last("grace")
        assert "East is no longer in the org file: these are its past weeks.\n" in east
        assert "2026-W48: 1 of 1\n2026-W49: nobody on record in the team\n" in east
        await say(later, "grace", "/summary team americas east last 2w")
        new = chat.last("grace")
        assert "· team Americas East\n" in new and "no longer in the org file" not in new
        assert "2026-W48: nobody on record in the team\n2026-W49: 1 of 1\n" in new
        code, out = run_cli(renamed, "summary", "--team", "East", "--weeks", "2",
                            "--format", "md")
        assert code == 0
        assert "East is no longer in the org file: these are its past weeks." in out
        assert "- 2026-W48: 1 of 1\n- 2026-W49: nobody on record in the team\n" in out


async def test_a_team_spelt_two_ways_is_one_team_over_the_weeks(
        bot, chat, clock, settings, tmp_path):
    """The org file wrote "Straße" in 2026-W48 and "STRASSE" since: one team by its
    caseless name (bot.team_names.team_key), both weeks in one view, asked for either
    way, headed as the org file spells it today; its CSV names it so in both weeks."""
    before = _with_roles(tmp_path, {"alice": {"team": "Straße"}, "sam": {"team": "Straße"}},
                         "strasse.yaml")
    with bot_on_org(settings, clock, before) as (first, _chat, _):
        await first.run_checkins()
        await answer_all(first, "alice", ALICE_ANSWERS)
    clock.advance(timedelta(days=7))
    org = _with_roles(tmp_path, {"alice": {"team": "STRASSE"}, "sam": {"team": "STRASSE"}},
                      "upper.yaml")
    with bot_on_org(settings, clock, org) as (later, chat, upper):
        await later.run_checkins()
        await answer_all(later, "alice", ["61000", *ALICE_ANSWERS[1:]])
        for typed in ("Straße", "strasse"):
            await say(later, "grace", f"/summary team {typed} last 2w")
            text = chat.last("grace")
            assert "· team STRASSE\n" in text and "no longer in the org file" not in text
            assert "2026-W48: 1 of 1\n2026-W49: 1 of 1\n" in text
            assert "Revenue (USD): W48 104% · W49 122%" in text
        rows = csv_records(run_cli(upper, "summary", "--team", "Straße", "--weeks", "2",
                                   "--format", "csv")[1])
        assert [(r["week"], r["team"]) for r in rows] == [("2026-W48", "STRASSE"),
                                                          ("2026-W49", "STRASSE")]


async def test_a_check_in_still_to_come_is_not_read_as_none_sent(
        bot, chat, clock, settings, tmp_path):
    """Friday 08:00 in New York: 李雷's check-in went out in Shanghai, so this week is the
    one shown, but Alice's goes out at 16:00. East's `/summary team East last 2w` read
    "2026-W48: no check-in sent" (the one-week view says when it goes out) and its
    blockers "None reported.", as if she had been asked."""
    clock.set(clock.now() - timedelta(hours=8))
    await bot.run_checkins(timezone="Asia/Shanghai")
    for reader, command in (("grace", "/summary team East last 2w"),
                            ("alice", "/summary last 2w")):
        await say(bot, reader, command)
        text = chat.last(reader)
        assert "2026-W48: 0 of 0 · still to come: Alice Martin " \
            "(Fri 2026-11-27 16:00 your time)\n" in text
        assert "2026-W48: no check-in sent" not in text and "None reported." not in text
        assert "Blockers and support requests in 2026-W48\nNone yet: nobody has been " \
            "asked this week so far (still to come: Alice Martin)." in text
        assert "None: nobody with KPIs in the org file was asked in these weeks " \
            "(no check-in sent: Alice Martin; still to come: Alice Martin).\n" in text
    zh = _with_roles(tmp_path, {"grace": {"locale": "zh-CN"}}, "zh.yaml")
    with bot_on_org(settings, clock, zh) as (later, chat, _):
        await say(later, "grace", "/summary 团队 East 最近2周")
        text = chat.last("grace")
        assert "2026-W48：0 / 0 · 签到尚未发送：Alice Martin" \
            "（你的时间 2026-11-27（周五）16:00）\n" in text
        assert "2026-W48 的阻碍与支持需求\n" \
            "暂无：本周至今尚未问到任何人（签到尚未发送：Alice Martin）。" in text


async def test_the_crms_figures_of_weeks_not_asked_are_shown_not_a_dash(
        bot, chat, clock, settings, tmp_path):
    """Alice away, W47 not sent, and the CRM booked her 20,000 and 30,000 USD: the one-week
    view shows them (no target), but the trend read "W47 — · W48 —", as if nothing was
    sold. Each figure is shown, without a target; chat and the CLI agree."""
    await say(bot, "alice", "/away 2026-12-10")
    await bot.run_checkins()
    export = tmp_path / "crm.csv"
    export.write_text("person,metric,week,value\nalice,revenue,2026-W47,20000\n"
                      "alice,revenue,2026-W48,30000\n", encoding="utf-8")
    assert run_cli(settings, "import-actuals", str(export))[0] == 0
    await say(bot, "grace", "/summary team East last 2w")
    text = chat.last("grace")
    assert "Revenue (USD): W47 20,000 (no target) · W48 30,000 (no target)\n" in text
    assert "• Alice Martin: Revenue 20,000 (no target) → 30,000 (no target)\n" in text
    code, out = run_cli(settings, "summary", "--team", "East", "--weeks", "2", "--format", "md")
    assert code == 0
    assert "- Revenue (USD): W47 20,000 (no target) · W48 30,000 (no target)\n" in out
    zh = _with_roles(tmp_path, {"grace": {"locale": "zh-CN"}}, "zh.yaml")
    with bot_on_org(settings, clock, zh) as (later, chat, _):
        await say(later, "grace", "/summary 团队 East 最近2周")
        assert "W47 20,000（无目标） · W48 30,000（无目标）\n" in chat.last("grace")


DANA = """  - key: dana
    name: Dana Wu
    role: director
    manager: grace
    team: North
    timezone: America/New_York
    locale: en
    kpis:
      - {metric: revenue, unit: USD, weekly_target: 10000}
"""


async def test_weeks_before_a_new_team_had_anyone_do_not_say_no_kpis_are_set(
        bot, chat, clock, settings, tmp_path):
    """North and its director Dana, with a revenue KPI, were added to the org file this
    week: its weeks before had nobody in it, which its KPI section read "No KPIs are set."
    though the org file sets Dana's."""
    org = tmp_path / "north.yaml"
    org.write_text(TEST_ORG.read_text(encoding="utf-8").replace(
        "# Company values", DANA + "# Company values"), encoding="utf-8")
    with bot_on_org(settings, clock, org) as (later, chat, _):
        await say(later, "grace", "/summary team North last 3w")
        text = chat.last("grace")
        assert "2026-W47: nobody on record in the team\n" in text
        assert KPI_HEAD + "None: nobody on record in the team in these weeks.\n" in text
        assert "No KPIs are set." not in text
    zh = org.read_text(encoding="utf-8").replace("    locale: en\n    slack_id: U0GRACE",
                                                 "    locale: zh-CN\n    slack_id: U0GRACE")
    org.write_text(zh, encoding="utf-8")
    with bot_on_org(settings, clock, org) as (later, chat, _):
        await say(later, "grace", "/summary 团队 North 最近3周")
        assert "团队 KPI 完成率\n无：这几周团队中没有记录到任何人。\n" in chat.last("grace")

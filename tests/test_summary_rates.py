"""A percentage KPI (a win rate) in the GM's numbers: rates are averaged, never added up."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.support import bot_on_org, csv_records, run_cli, say
from tests.test_checkin import answer_all

ORG = """\
org:
  name: Rates
people:
  - {key: grace, name: Grace Chen, role: gm, timezone: America/New_York, locale: en}
  - key: dana
    name: Dana Wu
    role: director
    manager: grace
    team: Ops
    timezone: America/New_York
    locale: en
    kpis:
      - {metric: win_rate, unit: "%", weekly_target: 30}
  - key: eli
    name: Eli Park
    role: director
    manager: grace
    team: Ops
    timezone: America/New_York
    locale: en
    kpis:
      - {metric: win_rate, unit: "%", weekly_target: 30}
  - key: fay
    name: Fay Lin
    role: director
    manager: grace
    team: Ops
    timezone: America/New_York
    locale: en
    kpis:
      - {metric: win_rate, unit: "%", weekly_target: 30}
"""


def answers(rate: str) -> list[str]:
    return [rate, "Won", "none", "1", "More", "4"]


@pytest.fixture
def rates(settings, clock, tmp_path: Path) -> Iterator[tuple]:
    org = tmp_path / "rates.yaml"
    org.write_text(ORG, encoding="utf-8")
    with bot_on_org(settings, clock, org) as made:
        yield made


async def two_weeks(bot, clock) -> None:
    """2026-W47: everyone's win rate 20 %. 2026-W48: Dana 20 %, Eli 40 %, Fay no check-in."""
    friday = clock.now()
    clock.set(friday - timedelta(weeks=1))
    await bot.run_checkins()
    for key in ("dana", "eli", "fay"):
        await answer_all(bot, key, answers("20"))
    clock.set(friday)
    await bot.run_checkins()
    await answer_all(bot, "dana", answers("20"))
    await answer_all(bot, "eli", answers("40"))


async def test_a_teams_win_rate_is_the_mean_of_those_who_reported(rates, clock):
    """Three directors with a 30 % target, two reporting 20 % and 40 %: the team's rate is
    30 % against 30 %, not 60 % against 90 %, and Fay's missing figure is named, not read
    as 0 %: in the GM's headline, the team's view and both JSON exports."""
    bot, chat, settings = rates
    await two_weeks(bot, clock)
    team_line = "Team · win rate 30 / 30 % (100%), 2 of 3 reporting · not reported: Fay Lin"
    await say(bot, "grace", "/summary")
    assert team_line in chat.last("grace")
    await say(bot, "grace", "/summary team Ops")
    assert team_line in chat.last("grace")
    _code, out = run_cli(settings, "summary", "--format", "json")
    week = json.loads(out)["headline"]["week"][0]
    assert (week["target"], week["actual"], week["attainment"]) == (30, 30, 1)
    assert (week["reported"], week["expected"]) == (2, 3)
    _code, out = run_cli(settings, "summary", "--team", "Ops", "--format", "json")
    team = json.loads(out)["weeks"][-1]["team_kpis"][0]
    assert (team["target"], team["actual"], team["attainment"]) == (30, 30, 1)
    assert team["not_reported"] == ["fay"]


async def test_a_month_of_a_win_rate_is_the_mean_of_its_weeks(rates, clock):
    """Eli's 20 % and 40 % make a month of 30 % (100% of 30 %), not 60 % of 60 %; Fay's
    20 % of the one week she reported is 20 %, not 10 %; the org's month is the mean of
    the five figures reported (24 % of 30 %): in chat, in the CSV and in the JSON."""
    bot, chat, settings = rates
    await two_weeks(bot, clock)
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "Month to date (2026-11): win rate 24 / 30 % (80%)" in text
    assert "Quarter to date (2026-Q4): win rate 24 / 30 % (80%)" in text
    assert "win rate 40 / 30 % (133%) · month 100% · quarter 100%" in text
    assert "win rate — / 30 % · month 67% · quarter 67%" in text
    _code, out = run_cli(settings, "summary", "--format", "csv")
    rows = {r["director"]: r for r in csv_records(out)}
    assert (rows["eli"]["win_rate_mtd_actual"], rows["eli"]["win_rate_mtd_target"],
            rows["eli"]["win_rate_mtd_attainment"]) == ("30", "30", "1")
    assert (rows["fay"]["win_rate_qtd_actual"], rows["fay"]["win_rate_qtd_target"],
            rows["fay"]["win_rate_qtd_attainment"]) == ("20", "30", "0.6667")
    _code, out = run_cli(settings, "summary", "--format", "json")
    month = json.loads(out)["headline"]["month_to_date"][0]
    assert (month["target"], month["actual"], month["attainment"]) == (30, 24, 0.8)
    assert (month["reported"], month["expected"]) == (5, 6)


async def test_the_month_in_review_reads_a_win_rate_as_the_summary_does(rates, clock):
    """November: 30 % everyone in W45 and W46, then two_weeks. Eli's month is 30 % of
    30 % (not 120 of 120 %), and Fay's, who missed W48, the 26.7 % she reported: 89% in
    the GM's /monthly as in /summary's month to date (not 67% in one, 89% in the other)."""
    bot, chat, _settings = rates
    friday = clock.now()
    for back in (3, 2):
        clock.set(friday - timedelta(weeks=back))
        await bot.run_checkins()
        for key in ("dana", "eli", "fay"):
            await answer_all(bot, key, answers("30"))
    clock.set(friday)
    await two_weeks(bot, clock)
    await say(bot, "grace", "/summary")
    assert "win rate — / 30 % · month 89% · quarter 89%" in chat.last("grace")
    clock.set(friday + timedelta(days=4))
    await say(bot, "grace", "/monthly 2026-11 eli")
    assert "win rate: 30 of 30 % (100% of the month's target)" in chat.last("grace")
    await say(bot, "grace", "/monthly 2026-11")
    text = chat.last("grace")
    assert "Eli Park · Ops — check-ins 4 of 4 · win rate 100%" in text
    assert "Fay Lin · Ops — check-ins 3 of 4 · win rate 89%" in text


def test_check_org_says_a_goal_on_a_rate_is_read_as_its_mean(tmp_path: Path, capsys):
    """A quarter goal of 30 % on Eli's win rate: /goals reads it as the mean of its weeks
    (tests/test_goals_rate.py), so a target written as their sum (120 for four weeks of
    30 %) would read behind all quarter: check-org says how the goal is read and what to
    write, in both languages, where it gives its other goal advice."""
    from bot.cli import main

    path = tmp_path / "org.yaml"
    path.write_text(ORG + "goals:\n  targets:\n"
                    "    - {metric: win_rate, period: 2026-Q4, person: eli, target: 30}\n"
                    "    - {metric: win_rate, period: 2026-Q4, team: Ops, target: 30,"
                    " unit: \"%\"}\n", encoding="utf-8")
    assert main(["--env-file", "/dev/null", "check-org", str(path)]) == 0
    out = capsys.readouterr().out
    for i, who in ((0, "eli"), (1, "team Ops")):
        assert (f"  unit: goals[{i}] (win_rate 2026-Q4 ({who})): win_rate is a rate (%): "
                "/goals and the monthly review read this goal as the mean of its weeks' "
                "figures (four weeks at 30 % are 30 % of it, not 120 %), held against the "
                "target as it is, never pro-rated: write the target as the rate to average "
                "(30 for 30 %), not the sum of its weeks") in out, out
    assert "adds up" not in out
    assert main(["--env-file", "/dev/null", "check-org", str(path), "--format", "md",
                 "--locale", "zh-CN"]) == 0
    md = capsys.readouterr().out
    assert (r"（win\_rate 2026-Q4 (eli)）：win\_rate 是比率（%）：/goals 和月度回顾把此目标读作"
            r"各周数字的平均值") in md, md
    assert "相加" not in md


async def test_a_quarter_of_a_win_rate_counts_its_older_weeks_once_each(rates, clock):
    """October's 2026-W43 (older than the weeks looked back on: the database adds those up
    apart) at 10 % for everyone, then two_weeks: Eli's quarter is the mean of 10, 20 and 40,
    23.3 % of 30 % (78%); the org's the mean of its eight figures, 18.75 % (63%): in chat
    and in the CSV and JSON alike."""
    bot, chat, settings = rates
    friday = clock.now()
    clock.set(friday - timedelta(weeks=5))
    await bot.run_checkins()
    for key in ("dana", "eli", "fay"):
        await answer_all(bot, key, answers("10"))
    clock.set(friday)
    await two_weeks(bot, clock)
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "Quarter to date (2026-Q4): win rate 18.75 / 30 % (63%)" in text
    assert "win rate 40 / 30 % (133%) · month 100% · quarter 78%" in text
    _code, out = run_cli(settings, "summary", "--format", "csv")
    eli = next(r for r in csv_records(out) if r["director"] == "eli")
    assert (eli["win_rate_qtd_target"], eli["win_rate_qtd_attainment"]) == ("30", "0.7778")
    assert float(eli["win_rate_qtd_actual"]) == pytest.approx(70 / 3, abs=1e-6)
    _code, out = run_cli(settings, "summary", "--format", "json")
    quarter = json.loads(out)["headline"]["quarter_to_date"][0]
    assert (quarter["actual"], quarter["target"], quarter["reported"], quarter["expected"]) \
        == (18.75, 30, 8, 9)


async def test_a_team_whose_rate_nobody_reported_reads_no_numbers_not_0_percent(rates):
    """Nobody of Ops answered: its win rate is "no numbers yet" against the mean target,
    never 0 % (a rate nobody gave is unknown, not nil), in chat and in the JSON."""
    bot, chat, settings = rates
    await bot.run_checkins()
    await say(bot, "grace", "/summary team Ops")
    assert ("Team · win rate: no numbers yet (target 30 %) · not reported: Dana Wu, "
            "Eli Park, Fay Lin") in chat.last("grace")
    _code, out = run_cli(settings, "summary", "--team", "Ops", "--format", "json")
    team = json.loads(out)["weeks"][-1]["team_kpis"][0]
    assert (team["target"], team["actual"], team["attainment"]) == (30, None, None)

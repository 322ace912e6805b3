"""A rate (a win rate in %) with targets that differ between directors: the team's mean
figure is held against the mean target of those who reported, never of everyone asked
(a director who did not report would shift the target the others are read against)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.org import parse_org
from tests.support import bot_on_org, csv_records, run_cli, say
from tests.test_checkin import answer_all
from tests.test_summary_rates import ORG, answers

#: Dana's target 20 %, Eli's 40 %, Fay's 60 %.
OWN = ORG.replace("weekly_target: 30", "weekly_target: 20", 1) \
    .replace("weekly_target: 30", "weekly_target: 40", 1) \
    .replace("weekly_target: 30", "weekly_target: 60", 1)


@pytest.fixture
def own_targets(settings, clock, tmp_path: Path) -> Iterator[tuple]:
    org = tmp_path / "own.yaml"
    org.write_text(OWN, encoding="utf-8")
    with bot_on_org(settings, clock, org) as made:
        yield made


async def test_a_director_who_did_not_report_does_not_move_the_team_s_target(own_targets,
                                                                            clock):
    """Dana 20 % of 20 %, Eli 40 % of 40 %, Fay (60 %) silent: the team is at 30 % against
    the 30 % of those who reported, 100%; not against 40 % (everyone's mean), 75%. Fay is
    still named as not reported: in the GM's headline, the team's view and the JSON."""
    bot, chat, settings = own_targets
    await bot.run_checkins()
    await answer_all(bot, "dana", answers("20"))
    await answer_all(bot, "eli", answers("40"))
    team_line = "Team · win rate 30 / 30 % (100%), 2 of 3 reporting · not reported: Fay Lin"
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert team_line in text, text
    assert "Month to date (2026-11): win rate 30 / 30 % (100%)" in text, text
    await say(bot, "grace", "/summary team Ops")
    assert team_line in chat.last("grace"), chat.last("grace")
    _code, out = run_cli(settings, "summary", "--format", "json")
    head = json.loads(out)["headline"]
    week, month = head["week"][0], head["month_to_date"][0]
    assert (week["target"], week["actual"], week["attainment"]) == (30, 30, 1)
    assert (week["reported"], week["expected"]) == (2, 3)
    assert (month["target"], month["actual"], month["attainment"]) == (30, 30, 1)
    _code, out = run_cli(settings, "summary", "--team", "Ops", "--format", "json")
    team = json.loads(out)["weeks"][-1]["team_kpis"][0]
    assert (team["target"], team["actual"], team["attainment"]) == (30, 30, 1)
    assert team["not_reported"] == ["fay"]


async def test_a_director_s_month_is_read_against_the_targets_of_the_weeks_reported(
        own_targets, clock):
    """Eli 40 % of 40 % in 2026-W43 (older than the weeks looked back on: added up apart)
    and W47, silent in W48 with his target then 80 %: his month is 40 % against 40 %,
    100% (not against 60 %, 67%), in chat, in the CSV and in his month in review; the
    org's quarter, Dana's three 20 % and Eli's two 40 %, 28 % of 28 % (not of 44.4 %)."""
    bot, chat, settings = own_targets
    friday = clock.now()
    clock.set(friday - timedelta(weeks=5))
    await bot.run_checkins()
    await answer_all(bot, "dana", answers("20"))
    await answer_all(bot, "eli", answers("40"))
    clock.set(friday - timedelta(weeks=1))
    await bot.run_checkins()
    await answer_all(bot, "dana", answers("20"))
    await answer_all(bot, "eli", answers("40"))
    clock.set(friday)
    raised = OWN.replace("weekly_target: 40", "weekly_target: 80")
    settings.org_file.write_text(raised, encoding="utf-8")  # (the CLI reads the file)
    bot.org = parse_org(raised)
    await bot.run_checkins()
    await answer_all(bot, "dana", answers("20"))
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "win rate — / 80 % · month 100% · quarter 100%" in text, text
    assert "Quarter to date (2026-Q4): win rate 28 / 28 % (100%)" in text, text
    _code, out = run_cli(settings, "summary", "--format", "csv")
    eli = next(r for r in csv_records(out) if r["director"] == "eli")
    assert (eli["win_rate_mtd_actual"], eli["win_rate_mtd_target"],
            eli["win_rate_mtd_attainment"]) == ("40", "40", "1")
    assert (eli["win_rate_qtd_target"], eli["win_rate_qtd_attainment"]) == ("40", "1")
    _code, out = run_cli(settings, "summary", "--format", "json")
    quarter = json.loads(out)["headline"]["quarter_to_date"][0]
    assert (quarter["actual"], quarter["target"], quarter["reported"], quarter["expected"]) \
        == (28, 28, 5, 9)
    clock.set(friday + timedelta(days=4))
    await say(bot, "grace", "/monthly 2026-11 eli")
    assert "win rate: 40 of 40 % (100% of the month's target)" in chat.last("grace"), \
        chat.last("grace")

"""A rate (a win rate in %) the CRM gives for someone whose KPIs do not include it (Bruno's
KPI is revenue; the CRM still keeps a win rate for him): shown as his, never averaged into
the team's or the org's mean, which is the mean of those the KPI is asked of. Sums (his
revenue) count as before."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.support import bot_on_org, csv_records, run_cli, say
from tests.test_checkin import answer_all
from tests.test_summary_rates import ORG, answers
from tests.test_summary_rates_crm import booked

BRUNO = """\
  - key: bruno
    name: Bruno Rossi
    role: director
    manager: grace
    team: Ops
    timezone: America/New_York
    locale: en
    kpis:
      - {metric: revenue, unit: USD, weekly_target: 40000}
"""


def _bot(settings, clock, tmp_path: Path, org: str) -> Iterator[tuple]:
    path = tmp_path / "rates.yaml"
    path.write_text(org, encoding="utf-8")
    with bot_on_org(settings, clock, path) as made:
        yield made


@pytest.fixture
def rates(settings, clock, tmp_path: Path) -> Iterator[tuple]:
    yield from _bot(settings, clock, tmp_path, ORG + BRUNO)


@pytest.fixture
def rates_zh(settings, clock, tmp_path: Path) -> Iterator[tuple]:
    org = ORG.replace("role: gm, timezone: America/New_York, locale: en",
                      "role: gm, timezone: America/New_York, locale: zh-CN")
    assert org != ORG
    yield from _bot(settings, clock, tmp_path, org + BRUNO)


async def all_asked(bot) -> None:
    """Dana 20 %, Eli 40 %, Bruno's revenue 41,000 (his check-in asks no win rate)."""
    await bot.run_checkins(["dana", "eli", "bruno"])
    await answer_all(bot, "dana", answers("20"))
    await answer_all(bot, "eli", answers("40"))
    await answer_all(bot, "bruno", answers("41000"))


async def test_a_rate_of_no_kpi_of_theirs_is_shown_but_not_in_the_team_s_mean(rates,
                                                                               tmp_path):
    """Bruno checked in (revenue), the CRM's 90 % win rate for him: the team's win rate is
    Dana's and Eli's mean, 30 / 30 % (100%), not 50 % (20, 40 and 90); in the GM's
    headline, month and quarter to date, the team's view, JSON and CSV. His block and line
    show his 90 % and say why it is not in the mean; his revenue counts as it did."""
    bot, chat, settings = rates
    await all_asked(bot)
    await booked(bot, settings, tmp_path, "bruno,win_rate,2026-W48,90\n")
    team_line = "Team · win rate 30 / 30 % (100%), 2 of 2 reporting"
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert team_line in text, text
    assert "Team · Revenue 41,000 / 40,000 USD (103%), 1 of 1 reporting" in text
    assert "Month to date (2026-11): Revenue 41,000 / 40,000 USD (103%) · win rate 30 / 30 % " \
        "(100%)" in text, text
    assert "Quarter to date (2026-Q4): Revenue 41,000 / 40,000 USD (103%) · win rate 30 / " \
        "30 % (100%)" in text, text
    assert "Goals: Revenue 41,000 / 40,000 USD (103%) · win rate 90 % (not their KPI: not in " \
        "the team's mean) [CRM] · month Revenue 103%, win rate 90 % (CRM, no target)" in text
    await say(bot, "grace", "/summary team Ops")
    text = chat.last("grace")
    assert team_line in text, text
    assert "• Bruno Rossi: Revenue 41,000 / 40,000 USD (103%) · win rate 90 % (not their " \
        "KPI: not in the team's mean) [CRM]" in text, text
    _code, out = run_cli(settings, "summary", "--format", "json")
    data = json.loads(out)
    for part in ("week", "month_to_date", "quarter_to_date"):
        rate = next(f for f in data["headline"][part] if f["metric"] == "win_rate")
        assert (rate["actual"], rate["target"], rate["reported"], rate["expected"]) == \
            (30, 30, 2, 2), (part, rate)
        revenue = next(f for f in data["headline"][part] if f["metric"] == "revenue")
        assert (revenue["actual"], revenue["target"]) == (41000, 40000), (part, revenue)
    _code, out = run_cli(settings, "summary", "--format", "csv")
    bruno = next(r for r in csv_records(out) if r["director"] == "bruno")
    assert (bruno["win_rate_mtd_actual"], bruno["win_rate_qtd_actual"]) == ("90", "90")
    _code, out = run_cli(settings, "summary", "--team", "Ops", "--format", "json")
    week = json.loads(out)["weeks"][-1]
    team = next(k for k in week["team_kpis"] if k["metric"] == "win_rate")
    assert (team["target"], team["actual"], team["reported"]) == (30, 30, 2)
    his = next(p for p in week["people"] if p["key"] == "bruno")
    assert [(k["metric"], k["actual"]) for k in his["kpis"]] == \
        [("revenue", 41000), ("win_rate", 90)]


async def test_a_week_not_asked_counts_a_rate_of_theirs_not_one_of_someone_else(rates,
                                                                                tmp_path):
    """Dana 20 % and Eli 40 % asked; Fay and Bruno not asked that week, the CRM's 60 % for
    Fay (a win rate is her KPI: one more figure in the mean) and 90 % and 30,000 USD for
    Bruno (his KPI is revenue): the team's win rate is 40 / 30 % (133%), not 52.5 %; his
    revenue still counts, with no target."""
    bot, chat, settings = rates
    await bot.run_checkins(["dana", "eli"])
    await answer_all(bot, "dana", answers("20"))
    await answer_all(bot, "eli", answers("40"))
    await booked(bot, settings, tmp_path, "fay,win_rate,2026-W48,60\n"
                 "bruno,win_rate,2026-W48,90\nbruno,revenue,2026-W48,30000\n")
    team_line = "Team · win rate 40 / 30 % (133%), 2 of 2 reporting"
    await say(bot, "grace", "/summary team Ops")
    text = chat.last("grace")
    assert team_line in text, text
    assert "Team · Revenue 30,000 USD (CRM, of those not asked this week: no target)" in text
    assert "• Fay Lin: win rate 60 % (not asked this week: no target) [CRM]" in text, text
    assert "• Bruno Rossi: Revenue 30,000 USD (not asked this week: no target) [CRM] · " \
        "win rate 90 % (not their KPI: not in the team's mean) [CRM]" in text, text
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert team_line in text, text
    assert "Month to date (2026-11): Revenue 30,000 USD (CRM, no target) · win rate 40 / 30 % " \
        "(133%)" in text, text
    _code, out = run_cli(settings, "summary", "--format", "json")
    head = json.loads(out)["headline"]
    for part in ("week", "month_to_date", "quarter_to_date"):
        rate = next(f for f in head[part] if f["metric"] == "win_rate")
        assert (rate["actual"], rate["target"], rate["reported"]) == (40, 30, 2), (part, rate)


async def test_an_older_week_s_rate_of_no_kpi_of_theirs_stays_out_of_the_quarter(rates, clock,
                                                                                tmp_path):
    """2026-W43 (older than the weeks looked back on): everyone at 10 %, Bruno his revenue
    and the CRM's 90 % win rate; 2026-W48 as all_asked. The org's quarter is the mean of
    the five win rates asked, 18 / 30 % (60%), not 31.67 %; Bruno's own quarter is 90 %."""
    bot, chat, settings = rates
    friday = clock.now()
    clock.set(friday - timedelta(weeks=5))
    await bot.run_checkins()
    for key in ("dana", "eli", "fay"):
        await answer_all(bot, key, answers("10"))
    await answer_all(bot, "bruno", answers("41000"))
    clock.set(friday)
    await all_asked(bot)
    await booked(bot, settings, tmp_path, "bruno,win_rate,2026-W43,90\n")
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "Quarter to date (2026-Q4): win rate 18 / 30 % (60%) · Revenue 82,000 / 80,000 " \
        "USD (103%)" in text, text
    assert "quarter Revenue 103%, win rate 90 % (CRM, no target)" in text, text
    _code, out = run_cli(settings, "summary", "--format", "json")
    quarter = json.loads(out)["headline"]["quarter_to_date"]
    rate = next(f for f in quarter if f["metric"] == "win_rate")
    assert (rate["actual"], rate["target"], rate["reported"]) == (18, 30, 5)


async def test_in_chinese_a_rate_of_no_kpi_of_theirs_says_it_is_not_in_the_mean(rates_zh,
                                                                                tmp_path):
    """The same in a zh-CN GM's view and team view: 非其考核指标，不计入团队均值."""
    bot, chat, settings = rates_zh
    await all_asked(bot)
    await booked(bot, settings, tmp_path, "bruno,win_rate,2026-W48,90\n")
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "win rate 90 %（非其考核指标，不计入团队均值） [CRM]" in text, text
    assert "win rate 30 / 30 %（100%）" in text, text
    await say(bot, "grace", "/summary team Ops")
    text = chat.last("grace")
    assert "win rate 90 %（非其考核指标，不计入团队均值） [CRM]" in text, text
    assert "win rate 30 / 30 %（100%）" in text, text


async def test_a_team_goal_on_a_rate_leaves_out_a_rate_of_no_kpi_of_theirs(settings, clock,
                                                                           tmp_path: Path):
    """A quarter goal of 30 % on team Ops' win rate: Dana's 20 % and Eli's 40 % are its
    mean, 30 of 30 % over 2 weekly figures; the CRM's 90 % for Bruno (a week he checked in
    for his revenue, and one with no round) is not in it, as in /summary; a goal on his
    own win rate counts them."""
    goals = ("goals:\n  targets:\n"
             "    - {metric: win_rate, period: 2026-Q4, team: Ops, target: 30, unit: \"%\"}\n"
             "    - {metric: win_rate, period: 2026-Q4, person: bruno, target: 30,"
             " unit: \"%\"}\n")
    for made in _bot(settings, clock, tmp_path, ORG + BRUNO + goals):
        bot, chat, settings = made
        await all_asked(bot)
        await booked(bot, settings, tmp_path,
                     "bruno,win_rate,2026-W48,90\nbruno,win_rate,2026-W47,70\n")
        await say(bot, "grace", "/goals")
        team = chat.last("grace")
        _code, out = run_cli(settings, "goals", "--format", "json")
        team_goal = json.loads(out)["goals"][0]
        await say(bot, "grace", "/goals bruno")
        his = chat.last("grace")
    assert "30 of 30 % (100%) · average of 2 weekly figures · ✅ on track" in team, team
    assert (team_goal["scope"], team_goal["actual"], team_goal["averaged_over"]) == \
        ("team", 30, 2)
    assert "80 of 30 % (267%) · average of 2 weeks" in his, his

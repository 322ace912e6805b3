"""A rate (a win rate in %) the CRM booked for a week a director was not asked: a figure
reported like any other in the team's and the org's mean, never added to the sum the
others' count divides."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.support import bot_on_org, csv_records, run_cli, say
from tests.test_checkin import answer_all
from tests.test_summary_rates import ORG, answers


@pytest.fixture
def rates(settings, clock, tmp_path: Path) -> Iterator[tuple]:
    org = tmp_path / "rates.yaml"
    org.write_text(ORG, encoding="utf-8")
    with bot_on_org(settings, clock, org) as made:
        yield made


async def booked(bot, settings, tmp_path: Path, rows: str) -> None:
    """The CRM's export of `rows` (person,metric,week,value lines) imported."""
    export = tmp_path / "win.csv"
    export.write_text("person,metric,week,value\n" + rows, encoding="utf-8")
    code, out = run_cli(settings, "import-actuals", str(export))
    assert code == 0, out


async def dana_and_eli_asked(bot) -> None:
    """The week's check-in asked of Dana (20 %) and Eli (40 %) only: Fay has no round."""
    await bot.run_checkins(["dana", "eli"])
    await answer_all(bot, "dana", answers("20"))
    await answer_all(bot, "eli", answers("40"))


async def test_a_rate_the_crm_booked_is_one_more_figure_in_the_team_s_mean(rates, tmp_path):
    """Dana 20 %, Eli 40 %, and the CRM's 60 % for Fay, not asked that week: the team's
    win rate is their mean, 40 % (133% of 30 %), not 120 % shared by the two who were
    asked (60 %, 200%); Fay is still not in the targets. In the GM's headline and month
    and quarter to date, the team's view, and the JSON."""
    bot, chat, settings = rates
    await dana_and_eli_asked(bot)
    await booked(bot, settings, tmp_path, "fay,win_rate,2026-W48,60\n")
    team_line = "Team · win rate 40 / 30 % (133%), 2 of 2 reporting"
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert team_line in text, text
    assert "No check-in sent, not in the targets: Fay Lin" in text
    assert "Month to date (2026-11): win rate 40 / 30 % (133%)" in text
    assert "Quarter to date (2026-Q4): win rate 40 / 30 % (133%)" in text
    await say(bot, "grace", "/summary team Ops")
    text = chat.last("grace")
    assert team_line in text, text
    assert "• Fay Lin: win rate 60 % (not asked this week: no target) [CRM]" in text
    _code, out = run_cli(settings, "summary", "--format", "json")
    head = json.loads(out)["headline"]
    for part in ("week", "month_to_date", "quarter_to_date"):
        figure = head[part][0]
        assert (figure["actual"], figure["target"], figure["reported"],
                figure["expected"]) == (40, 30, 2, 2), (part, figure)
    _code, out = run_cli(settings, "summary", "--team", "Ops", "--format", "json")
    team = json.loads(out)["weeks"][-1]["team_kpis"][0]
    assert (team["target"], team["actual"], team["attainment"]) == (30, 40, 4 / 3)


async def test_a_director_s_month_of_rates_the_crm_booked_is_their_mean(rates, clock,
                                                                         tmp_path):
    """Fay never asked, the CRM's 60 % and 40 % for her in 2026-W47 and W48: her month is
    50 % (CRM, no target), not 100 %, in chat and in the CSV; the org's month the mean of
    the six figures, 36.67 % of 30 % (not 220 / 4 = 55 %); a team none of whose people
    were asked reads the CRM's mean."""
    bot, chat, settings = rates
    friday = clock.now()
    clock.set(friday - timedelta(weeks=1))
    await dana_and_eli_asked(bot)
    clock.set(friday)
    await dana_and_eli_asked(bot)
    await booked(bot, settings, tmp_path,
                 "fay,win_rate,2026-W47,60\nfay,win_rate,2026-W48,40\n")
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "Goals: win rate 40 % (not asked this week: no target) [CRM] · month 50 % (CRM, " \
        "no target) · quarter 50 % (CRM, no target)" in text, text
    assert "Month to date (2026-11): win rate 36.67 / 30 % (122%)" in text, text
    _code, out = run_cli(settings, "summary", "--format", "csv")
    fay = next(r for r in csv_records(out) if r["director"] == "fay")
    assert (fay["win_rate_mtd_actual"], fay["win_rate_qtd_actual"]) == ("50", "50")
    _code, out = run_cli(settings, "summary", "--format", "json")
    month = json.loads(out)["headline"]["month_to_date"][0]
    assert (month["target"], month["reported"], month["expected"]) == (30, 4, 4)
    assert month["actual"] == pytest.approx(220 / 6, abs=1e-6)


async def test_a_team_nobody_was_asked_of_reads_the_mean_of_the_crm_s_rates(rates, tmp_path):
    """No check-in sent in 2026-W47 (the bot's first run is this week's), the CRM's 30 %
    for Dana and 50 % for Eli: the team's win rate is 40 % (CRM, with no target), not 80 %;
    in the team's view and the GM's."""
    bot, chat, settings = rates
    await booked(bot, settings, tmp_path,
                 "dana,win_rate,2026-W47,30\neli,win_rate,2026-W47,50\n")
    line = "Team · win rate 40 % (CRM, of those not asked this week: no target)"
    await say(bot, "grace", "/summary team Ops")
    assert line in chat.last("grace"), chat.last("grace")
    await say(bot, "grace", "/summary")
    assert "win rate 40 % (CRM, of those not asked this week: no target)" in \
        chat.last("grace"), chat.last("grace")

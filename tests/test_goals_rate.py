"""A goal on a rate (a win rate in %): /goals reads it as the mean of its weeks, never
their sum, and judges it against the target as a rate, not against a plan pro-rated by
the weeks gone by."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.support import bot_on_org, csv_records, run_cli, say
from tests.test_checkin import answer_all
from tests.test_summary_rates import ORG, answers

GOALS = """\
goals:
  targets:
    - {metric: win_rate, period: 2026-Q4, person: eli, target: 30}
    - {metric: win_rate, period: 2026-Q4, team: Ops, target: 30, unit: "%"}
"""


@pytest.fixture
def rate_goals(settings, clock, tmp_path: Path) -> Iterator[tuple]:
    org = tmp_path / "rates.yaml"
    org.write_text(ORG + GOALS, encoding="utf-8")
    with bot_on_org(settings, clock, org) as made:
        yield made


async def four_weeks(bot, clock, eli: tuple[str, str, str, str]) -> None:
    """2026-W45 to W48 (this Friday's): Eli's win rate week by week, Dana's 20 % each
    week, Fay's none."""
    friday = clock.now()
    for back, rate in zip((3, 2, 1, 0), eli, strict=True):
        clock.set(friday - timedelta(weeks=back))
        await bot.run_checkins()
        await answer_all(bot, "eli", answers(rate))
        await answer_all(bot, "dana", answers("20"))
    clock.set(friday)


async def test_a_goal_on_a_win_rate_reads_the_mean_of_its_weeks(rate_goals, clock):
    """Four weeks of 30 % against a quarter goal of 30 %: 30 of 30 % (100%), the average
    of 4 weeks, on track; not 120 of 30 %, achieved. The team's, with Dana's 20 %, is the
    mean of its eight figures, 25 %: behind, with no pace "a week" to add up to it."""
    bot, chat, settings = rate_goals
    await four_weeks(bot, clock, ("30", "30", "30", "30"))
    await say(bot, "eli", "/goals")
    text = chat.last("eli")
    assert "30 of 30 % (100%) · average of 4 weeks · ✅ on track" in text, text
    assert "120" not in text and "achieved" not in text
    assert "25 of 30 % (83%) · average of 8 weekly figures · ⚠️ behind" \
        in text, text
    assert "Pace needed" not in text and "Still needed" not in text
    _code, out = run_cli(settings, "goals", "eli", "--format", "json")
    eli = json.loads(out)["goals"][0]
    assert (eli["actual"], eli["attainment"], eli["averaged_over"], eli["state"],
            eli["planned_to_date"], eli["pace_needed"]) == (30, 1, 4, "on_track", 30, None)
    _code, out = run_cli(settings, "goals", "eli", "--format", "csv")
    assert csv_records(out)[0]["averaged_over"] == "4"


async def test_a_goal_on_a_win_rate_in_chinese(settings, clock, tmp_path: Path):
    """The same read by a GM in Chinese: the average of the weeks, never their sum."""
    org = tmp_path / "rates.yaml"
    org.write_text(ORG.replace("locale: en}", "locale: zh-CN}", 1) + GOALS, encoding="utf-8")
    with bot_on_org(settings, clock, org) as (bot, chat, _settings):
        await four_weeks(bot, clock, ("30", "30", "30", "30"))
        await say(bot, "grace", "/goals")
        team = chat.last("grace")
        await say(bot, "grace", "/goals eli")
    text = chat.last("grace")
    assert "30 / 30 %（100%）· 4 周的平均值 · ✅ 进度正常" in text, text
    assert "25 / 30 %（83%）· 8 个周数字的平均值 · ⚠️ 落后" in team, team
    assert "所需进度" not in text + team and "还需完成" not in text + team


async def test_a_rate_goal_is_behind_while_its_mean_is_below_not_achieved_early(
        rate_goals, clock):
    """Eli at 20, 20, 20, 30 %: 22.5 % on average, behind, not "achieved" (the weeks' sum
    passed 30 % in the second week), with the mean the weeks left need, never a pace to
    add up."""
    bot, chat, _settings = rate_goals
    await four_weeks(bot, clock, ("20", "20", "20", "30"))
    await say(bot, "eli", "/goals eli")
    text = chat.last("eli")
    assert "22.5 of 30 % (75%) · average of 4 weeks · ⚠️ behind" in text, text
    # What the five weeks to come (W49 to W53) need on average: (30 × 9 − 22.5 × 4) / 5.
    assert "  To average 30 %: 36 % a week over the 5 weeks left\n" in text + "\n", text


async def test_the_month_in_review_judges_a_rate_goal_s_quarter_by_its_mean(rate_goals, clock):
    """Eli's November at 20, 20, 20, 30 %: his month reads 22.5 of the quarter goal's
    30 % (not 90 of its month's share, 9 %: 1050%), and the quarter is behind in his
    monthly review as in /goals (the sum read "achieved")."""
    bot, chat, _settings = rate_goals
    await four_weeks(bot, clock, ("20", "20", "20", "30"))
    clock.set(clock.now() + timedelta(days=4))
    await say(bot, "grace", "/monthly 2026-11 eli")
    text = chat.last("grace")
    assert "win rate: 23 of 30 % (75% of the month's target)" in text, text
    assert "Quarter 2026-Q4: behind" in text, text


async def test_a_rate_goal_s_crm_figures_are_counted_as_weeks_not_summed(settings, clock,
                                                                        tmp_path: Path):
    """Eli at 30 % four weeks, the CRM's 20 % in W47 (counted in its place, as any CRM
    figure) and 50 % for a week he was not asked (W44): 30, 30, 20, 30, 50 make 32 % over
    5 weeks; the CRM's part is said as how many of the figures, averaging what (35 %),
    not "From the CRM: 70"; in both languages."""
    org = tmp_path / "rates.yaml"
    org.write_text(ORG.replace("locale: en}", "locale: zh-CN}", 1) + GOALS, encoding="utf-8")
    with bot_on_org(settings, clock, org) as (bot, chat, settings):
        await four_weeks(bot, clock, ("30", "30", "30", "30"))
        export = tmp_path / "win.csv"
        export.write_text("person,metric,week,value\neli,win_rate,2026-W47,20\n"
                          "eli,win_rate,2026-W44,50\n", encoding="utf-8")
        code, out = run_cli(settings, "import-actuals", str(export))
        assert code == 0, out
        await say(bot, "eli", "/goals")
        text = chat.last("eli")
        await say(bot, "grace", "/goals eli")
        zh = chat.last("grace")
    assert "32 of 30 % (107%) · average of 5 weeks · ✅ on track" in text, text
    assert "From the CRM: 2 of the 5 weekly figures (averaging 35 %)" in text, text
    assert "32 / 30 %（107%）· 5 周的平均值 · ✅ 进度正常" in zh, zh
    assert "来自 CRM：5 个周数字中的 2 个（平均 35 %）" in zh, zh


async def test_what_a_rate_goal_behind_needs_in_chinese(settings, clock, tmp_path: Path):
    """Eli at 20, 20, 20, 30 % read by a GM in Chinese: behind, and the mean the five
    weeks left need, 36 %."""
    org = tmp_path / "rates.yaml"
    org.write_text(ORG.replace("locale: en}", "locale: zh-CN}", 1) + GOALS, encoding="utf-8")
    with bot_on_org(settings, clock, org) as (bot, chat, _settings):
        await four_weeks(bot, clock, ("20", "20", "20", "30"))
        await say(bot, "grace", "/goals eli")
    text = chat.last("grace")
    assert "22.5 / 30 %（75%）· 4 周的平均值 · ⚠️ 落后" in text, text
    assert "  要平均达到 30 %：剩余 5 周每周平均需 36 %\n" in text + "\n", text

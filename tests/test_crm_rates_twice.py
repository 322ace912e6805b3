"""Two rows of one person's rate in one week, in one CRM export.

Win rate 60% on one line and 40% on another, for Bruno's week 47, were added up, as two
rows of revenue are, and the week read 100%. A rate is not a sum, and their mean is no
safer a guess (one row may correct the other): the file is refused, naming both lines,
and nothing of it is stored; money or a count given on two lines is added up as before.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.support import TEST_ORG, run_cli
from tests.test_crm_bad_input import weekly
from tests.test_crm_import import crm_scan, settled, stored, watched_inbox


@pytest.fixture
def rate_settings(settings: Any, tmp_path: Path) -> Any:
    """The test org with Bruno's win rate a KPI in %."""
    org = tmp_path / "org.yaml"
    org.write_text(TEST_ORG.read_text(encoding="utf-8").replace(
        "      - {metric: revenue, unit: USD, weekly_target: 40000}",
        "      - {metric: revenue, unit: USD, weekly_target: 40000}\n"
        '      - {metric: win_rate, unit: "%", weekly_target: 30}', 1), encoding="utf-8")
    return replace(settings, org_file=org)


def test_two_rates_of_one_week_refuse_the_file_naming_both_lines(
        bot, rate_settings, clock, tmp_path, capsys):
    export = weekly(tmp_path, "rates.csv", "bruno,win_rate,2026-W47,60%",
                    "bruno,revenue,2026-W47,1000", "bruno,revenue,2026-W47,2000",
                    "bruno,win_rate,2026-W47,40%", "bruno,win_rate,2026-W48,50")
    assert run_cli(rate_settings, "import-actuals", str(export)) == (1, "")
    assert capsys.readouterr().err == (
        "teampulse import-actuals: rates.csv: nothing imported, 1 problem:\n"
        "  - line 5: value '40%' is a second win_rate for bruno in 2026-W47, after '60%' on "
        "line 2: a rate is not added up, so give one row with the week's rate and remove "
        "the other\n")
    assert stored(bot) == []  # not 100% for the week
    # A file by day is no different: one week, two rates.
    daily = weekly(tmp_path, "daily.csv", text="person,metric,date,value\n"
                   "bruno,win_rate,2026-11-23,60\nbruno,win_rate,2026-11-26,40\n")
    assert run_cli(rate_settings, "import-actuals", str(daily)) == (1, "")
    assert "line 3: value '40' is a second win_rate for bruno in 2026-W48, after '60' on " \
        "line 2" in capsys.readouterr().err
    # Corrected, the week's rate is the one row kept; money given twice is added up still.
    weekly(tmp_path, "rates.csv", "bruno,win_rate,2026-W47,60%",
           "bruno,revenue,2026-W47,1000", "bruno,revenue,2026-W47,2000",
           "bruno,win_rate,2026-W48,50")
    assert run_cli(rate_settings, "import-actuals", str(export))[0] == 0
    assert [(r[1], r[2]) for r in stored(bot)] == [
        ("2026-W47", 60), ("2026-W47", 1000), ("2026-W47", 2000), ("2026-W48", 50)]


async def test_the_gm_is_told_of_two_rates_in_her_language(bot, chat, clock, tmp_path):
    from bot.org import parse_org

    text = TEST_ORG.read_text(encoding="utf-8").replace(
        "      - {metric: revenue, unit: USD, weekly_target: 40000}",
        "      - {metric: revenue, unit: USD, weekly_target: 40000}\n"
        '      - {metric: win_rate, unit: "%", weekly_target: 30}', 1)
    bot.org = parse_org(text)
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    inbox = watched_inbox(bot, tmp_path)
    weekly(inbox, "rates.csv", "bruno,win_rate,2026-W47,60%", "bruno,win_rate,2026-W47,40%")
    settled(*inbox.iterdir())
    await crm_scan(bot)
    assert "第 3 行：value“40%”是 bruno 在 2026-W47 的第二个 win_rate（第 2 行已有“60%”）：" \
        "比率不能相加，请只保留一行该周的比率，删除另一行" in chat.last("grace")
    assert stored(bot) == []


def test_a_rate_another_file_gives_for_the_week_refuses_the_second_file(
        bot, rate_settings, clock, tmp_path, capsys):
    """Two files, each giving Bruno's week-47 win rate (Q4.csv, then November.csv with a
    new week too): both were stored and added up when read (60% + 60% read 120%). The
    second is refused, naming the first file's line and how to take it out; nothing of it
    is stored. A file that takes the whole first one's place, or the first corrected under
    its own name, is imported as before."""
    q4 = weekly(tmp_path, "Q4.csv", "bruno,revenue,2026-W46,500",
                "bruno,win_rate,2026-W47,60%")
    assert run_cli(rate_settings, "import-actuals", str(q4))[0] == 0
    capsys.readouterr()
    november = weekly(tmp_path, "November.csv", "bruno,win_rate,2026-W47,60%",
                      "bruno,revenue,2026-W48,700")
    assert run_cli(rate_settings, "import-actuals", str(november)) == (1, "")
    assert capsys.readouterr().err == (
        "teampulse import-actuals: November.csv: nothing imported, 1 problem:\n"
        "  - line 2: value '60%' is bruno's win_rate for 2026-W47, which Q4.csv (line 3) "
        "already gives: a rate is not added up, so keep the week's rate in one file "
        "(correct the other and import it again, or take it out: teampulse import-actuals "
        "--remove Q4.csv)\n")
    assert [(r[1], r[2]) for r in stored(bot)] == [("2026-W46", 500), ("2026-W47", 60)]
    # Q4.csv corrected under its own name: its own rate replaced, not a second one.
    weekly(tmp_path, "Q4.csv", "bruno,revenue,2026-W46,500", "bruno,win_rate,2026-W47,55%")
    assert run_cli(rate_settings, "import-actuals", str(q4))[0] == 0
    # A file holding all of Q4.csv's rows and more takes its place, its rate included.
    whole = weekly(tmp_path, "Q4-full.csv", "bruno,revenue,2026-W46,500",
                   "bruno,win_rate,2026-W47,55%", "bruno,revenue,2026-W48,700")
    assert run_cli(rate_settings, "import-actuals", str(whole))[0] == 0
    assert [(r[1], r[2]) for r in stored(bot)] == [
        ("2026-W46", 500), ("2026-W47", 55), ("2026-W48", 700)]

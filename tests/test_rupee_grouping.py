"""A GM whose org counts revenue in Indian rupees reads every rupee figure in lakhs and
crores (41,00,000), as the summary and the check-in show them: the breakdown of /goals
and `check-org` read '4.4M' or '440万', and a CRM file's totals in `import-actuals --list`
and `--remove` '1,045,000', where the rest of the product writes '10,45,000'."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.goals import compact
from bot.org import parse_org
from tests.support import TEST_ORG, run_cli, say
from tests.test_goals import NOW

#: The test org with every revenue KPI in INR (a weekly target of 5 lakh for Alice).
INR_ORG = TEST_ORG.read_text(encoding="utf-8").replace("unit: USD", "unit: INR").replace(
    "weekly_target: 50000}", "weekly_target: 500000}", 1)
#: The org's quarter broken down by team: 44 lakh of its 48 lakh allocated.
INR_GOALS = """
goals:
  - {metric: revenue, period: 2026-Q4, target: 4800000}
  - {metric: revenue, period: 2026-Q4, team: East, target: 2000000}
  - {metric: revenue, period: 2026-Q4, team: Europe, target: 1200000}
  - {metric: revenue, period: 2026-Q4, team: China, target: 1200000}
"""


def test_a_rupee_figure_is_written_whole_in_lakhs_in_both_languages():
    """compact() wrote 4,400,000 INR as '4.4M' (and '440万'); any other unit keeps it."""
    assert compact(4_400_000, "en", "INR") == compact(4_400_000, "zh-CN", "₹") == "44,00,000"
    assert compact(123_456_789.6, "en", "INR") == "12,34,56,790"
    assert compact(4_400_000, "en", "USD") == "4.4M"
    assert compact(4_400_000, "zh-CN", "USD") == "440万"


async def test_the_gm_reads_the_unallocated_rupees_of_goals_in_lakhs(bot, chat, clock):
    bot.org = parse_org(INR_ORG + INR_GOALS)
    clock.set(NOW)
    await say(bot, "grace", "/goals")
    text = chat.last("grace")
    assert ("• East + Europe + China = 44,00,000 of the org's 48,00,000 Revenue (2026-Q4); "
            "4,00,000 not allocated") in text, text
    assert "4.4M" not in text and "400k" not in text


def test_check_org_writes_the_breakdown_and_targets_in_lakhs(tmp_path: Path, capsys):
    from bot.cli import main

    path = tmp_path / "org.yaml"
    path.write_text(INR_ORG + INR_GOALS, encoding="utf-8")
    assert main(["--env-file", "/dev/null", "check-org", str(path)]) == 0
    out = capsys.readouterr().out
    assert ("breakdown: revenue 2026-Q4: East + Europe + China = 44,00,000 of the org's "
            "48,00,000; 4,00,000 not allocated") in out, out
    assert main(["--env-file", "/dev/null", "check-org", str(path), "--format", "md",
                 "--locale", "zh-CN"]) == 0
    md = capsys.readouterr().out
    assert "East + Europe + China = 44,00,000，全公司 2026-Q4 营收目标为 48,00,000；" \
           "4,00,000 尚未分配" in md, md
    assert "revenue 5,00,000 INR" in md, md  # Alice's weekly target, as her check-in says it


@pytest.fixture
def inr_settings(settings, tmp_path: Path):
    org = tmp_path / "org_inr.yaml"
    org.write_text(INR_ORG, encoding="utf-8")
    return replace(settings, org_file=org)


async def test_a_crm_files_rupee_totals_are_listed_in_lakhs(inr_settings, tmp_path, capsys):
    """`import-actuals --list` (text, both languages) and `--remove` wrote a rupee total
    as 1,045,000; JSON and CSV keep the number."""
    export = tmp_path / "india q4.csv"
    export.write_text("person,metric,date,value\nalice,revenue,2026-11-23,\"₹8,00,000\"\n"
                      "sam,revenue,2026-11-24,245000\n", encoding="utf-8")
    assert run_cli(inr_settings, "import-actuals", str(export))[0] == 0
    code, out = run_cli(inr_settings, "import-actuals", "--list")
    assert code == 0 and out.rstrip().endswith(" · revenue 10,45,000 (2 rows)"), out
    code, out = run_cli(inr_settings, "import-actuals", "--list", "--locale", "zh-CN")
    assert " · revenue 10,45,000（2 行）" in out, out
    code, out = run_cli(inr_settings, "import-actuals", "--list", "--format", "csv")
    assert "1045000" in out
    capsys.readouterr()
    code, _ = run_cli(inr_settings, "import-actuals", "--remove", "india q4.csv")
    assert "  revenue: 10,45,000 (2 rows)" in capsys.readouterr().err.splitlines()

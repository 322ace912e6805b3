"""The GM's headline says when its org totals add up a figure changed after its week.

Alice's block says her W49 revenue was changed after the week ended (52,000 -> 58,000)
and what it was, and that her month and quarter to date hold it; but the headline's
`Team · Revenue` total, and the org's month and quarter to date, moved with it unmarked:
the GM who read the org's total on Monday read another one on Thursday, with nothing to
say why. Each org total that adds up such a figure now says so (`· includes a figure
changed after its week ended`; month and quarter to date per KPI, `(53%; includes a
figure changed after its week ended)`), in chat and the CLI's text, and the JSON's
headline figures carry `includes_edited`. A total of nothing so changed says nothing.
"""

from __future__ import annotations

from datetime import timedelta

from tests.support import run_cli, say
from tests.test_cli_views import valid
from tests.test_summary_edited import TUESDAY, submitted_in_w49
from tests.test_summary_edited_periods import w44_changed_then_w49
from tests.test_summary_edited_was import edited_twice
from tests.test_summary_pages import answered, big  # noqa: F401 (a fixture)

CHANGED = "includes a figure changed after its week ended"
CHANGED_ZH = "含周结束后被修改的数据"
WEEK_REVENUE = ("Team · Revenue 58,000 / 110,000 USD (53%), 1 of 2 reporting · "
                f"{CHANGED} · not reported: 李雷")
WEEK_REVENUE_ZH = (f"团队 · 营收 58,000 / 110,000 USD（53%），1/2 人已填报 · {CHANGED_ZH} · "
                   "未填报：李雷")


def headline(text: str) -> list[str]:
    """The headline's lines (up to the attention list)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line in {"Headline", "概览"})
    end = next(i for i, line in enumerate(lines) if line in {"Needs your attention", "需要您关注"})
    return lines[start + 1:end]


def line_of(text: str, start: str) -> str:
    return next(line for line in headline(text) if line.startswith(start))


async def test_the_weeks_total_says_it_holds_a_changed_figure(bot, chat, clock):
    await edited_twice(bot, chat, clock)
    await say(bot, "grace", "/summary 2026-W49")
    text = chat.last("grace")
    assert WEEK_REVENUE in headline(text)
    # New customers was not changed: its total says nothing.
    assert line_of(text, "Team · New customers") == \
        "Team · New customers 3 / 4 customers (75%), 1 of 1 reporting"
    # The week is December's: its month and quarter to date hold it too, the revenue's.
    for start in ("Month to date (2026-12): ", "Quarter to date (2026-Q4): "):
        assert line_of(text, start) == (
            f"{start}Revenue 58,000 / 110,000 USD (53%; {CHANGED}) · "
            "New customers 3 / 4 customers (75%)")
    await say(bot, "grace", "/language 中文")
    await say(bot, "grace", "/summary 2026-W49")
    text = chat.last("grace")
    assert WEEK_REVENUE_ZH in headline(text)
    assert line_of(text, "本季度累计") == (
        f"本季度累计（2026-Q4）：营收 58,000 / 110,000 USD（53%；{CHANGED_ZH}） · "
        "新客户 3 / 4 customers（75%）")
    assert sum(CHANGED_ZH in line for line in headline(text)) == 3


async def test_totals_of_nothing_changed_say_nothing(bot, chat, clock, settings):
    await submitted_in_w49(bot, clock)
    clock.set(TUESDAY)  # the week over, nothing changed
    await say(bot, "grace", "/summary 2026-W49")
    text = chat.last("grace")
    assert "Team · Revenue 52,000 / 110,000 USD (47%), 1 of 2 reporting · not reported: 李雷" \
        in headline(text)
    assert "changed after" not in text
    await say(bot, "grace", "/language 中文")
    await say(bot, "grace", "/summary 2026-W49")
    assert CHANGED_ZH not in chat.last("grace")
    code, raw = run_cli(settings, "summary", "--format", "json", "--week", "2026-W49")
    assert code == 0
    head = valid("summary", raw)["headline"]
    assert [f["includes_edited"] for part in head.values() for f in part] == [False] * 6


async def test_an_older_week_changed_marks_the_quarter_not_the_week_or_month(bot, chat, clock):
    # Alice's W44 (October's) revenue changed on 2 November: W49's quarter adds it up.
    await w44_changed_then_w49(bot, chat, clock)
    await say(bot, "grace", "/summary 2026-W49")
    text = chat.last("grace")
    assert line_of(text, "Quarter to date") == (
        f"Quarter to date (2026-Q4): Revenue 97,000 / 100,000 USD (97%; {CHANGED}) · "
        "New customers 6 / 8 customers (75%)")
    assert sum(CHANGED in line for line in headline(text)) == 1  # not the week's, the month's
    await say(bot, "grace", "/language 中文")
    await say(bot, "grace", "/summary 2026-W49")
    text = chat.last("grace")
    assert f"营收 97,000 / 100,000 USD（97%；{CHANGED_ZH}）" in line_of(text, "本季度累计")
    assert sum(CHANGED_ZH in line for line in headline(text)) == 1


async def test_the_json_and_the_cli_text_say_which_totals(bot, chat, clock, settings):
    await w44_changed_then_w49(bot, chat, clock)
    code, raw = run_cli(settings, "summary", "--format", "json", "--week", "2026-W49")
    assert code == 0
    head = valid("summary", raw)["headline"]
    marked = {(period, f["metric"]): f["includes_edited"]
              for period, part in head.items() for f in part}
    assert marked == {("week", "revenue"): False, ("week", "new_customers"): False,
                      ("month_to_date", "revenue"): False,
                      ("month_to_date", "new_customers"): False,
                      ("quarter_to_date", "revenue"): True,
                      ("quarter_to_date", "new_customers"): False}
    code, out = run_cli(settings, "summary", "--week", "2026-W49")
    assert code == 0
    assert f"Revenue 97,000 / 100,000 USD (97%; {CHANGED})" in out
    assert out.count(f"; {CHANGED})") == 1  # (the quarter's revenue; her block says it too)


async def test_the_week_changed_in_the_json(bot, chat, clock, settings):
    await edited_twice(bot, chat, clock)
    code, raw = run_cli(settings, "summary", "--format", "json", "--week", "2026-W49")
    assert code == 0
    head = valid("summary", raw)["headline"]
    for period in ("week", "month_to_date", "quarter_to_date"):
        assert {f["metric"]: f["includes_edited"] for f in head[period]} == \
            {"revenue": True, "new_customers": False}


async def test_a_figure_the_crm_gives_marks_no_total(bot, chat, clock, settings, tmp_path):
    # Her typed revenue changed, but the CRM's figure is the one the totals add up.
    await edited_twice(bot, chat, clock)
    export = tmp_path / "crm.csv"
    export.write_text("person,metric,week,value\nalice,revenue,2026-W49,57000\n",
                      encoding="utf-8")
    assert run_cli(settings, "import-actuals", str(export))[0] == 0
    clock.advance(timedelta(hours=1))
    await say(bot, "grace", "/summary 2026-W49")
    text = chat.last("grace")
    assert any(line.startswith("Team · Revenue 57,000 / 110,000 USD") for line in headline(text))
    assert "changed after its week ended" not in text


async def test_a_director_on_a_later_page_marks_page_ones_totals(
        big, clock):  # noqa: F811 - the fixture
    # 45 directors: page 1 shows the headline, Director 42's block is on a later page.
    bot, chat = big
    await answered(bot)  # W48, Friday 27 November
    clock.set(TUESDAY - timedelta(days=7))  # Tuesday 1 December: W48 over
    await say(bot, "d42", "/edit 1")
    await say(bot, "d42", "45000")
    assert "Your check-in for 2026-W48 is updated" in chat.last("d42")
    await say(bot, "grace", "/summary 2026-W48")
    text = chat.last("grace")
    assert "Director 42" not in text  # (their block: a later page)
    assert "Directors 1–20 of 45" in text
    revenue = line_of(text, "Team · Revenue")
    assert f"reporting · {CHANGED} · not reported: " in revenue
    for start in ("Month to date", "Quarter to date"):
        assert f"; {CHANGED})" in line_of(text, start)

"""The org's fiscal year (goals' `fiscal_year_start`) is the quarter every view means: a GM
whose goal is "2027-Q1 revenue" (December to February) reads the same quarter in /summary,
its exports, /goals and /kudos top quarter."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from handlers.summary import SummaryRequest, resolve_week
from handlers.summary_gm import build_gm_summary
from tests.support import TEST_ORG, bot_on_org, say
from tests.test_checkin import answer_all
from tests.test_kudos import kudo

ALICE = ["{revenue}", "3", "Won Acme", "none", "1", "More calls", "4"]


def fiscal_org(tmp_path: Path, start: int = 12) -> Path:
    data = yaml.safe_load(TEST_ORG.read_text(encoding="utf-8"))
    data["goals"] = {"fiscal_year_start": start, "targets": [
        {"metric": "revenue", "period": "2027-Q1", "person": "alice", "target": 600000}]}
    path = tmp_path / "fiscal.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def fiscal(settings, clock, tmp_path) -> Iterator[tuple]:
    with bot_on_org(settings, clock, fiscal_org(tmp_path)) as made:
        yield made


async def alice_week(bot, revenue: int) -> None:
    await bot.run_checkins()
    await answer_all(bot, "alice", [a.format(revenue=revenue) for a in ALICE])


async def two_weeks(bot, clock) -> None:
    """Alice reports 45,000 in 2026-W48 (Thursday 26 November: fiscal 2026-Q4, Sep-Nov)
    and 30,000 in 2026-W49 (Thursday 3 December: fiscal 2027-Q1, Dec-Feb)."""
    await alice_week(bot, 45000)
    clock.set(clock.now() + timedelta(weeks=1))
    await alice_week(bot, 30000)


def gm_json(bot) -> dict:
    """The CLI's JSON of the GM's view of the latest week."""
    with bot.unit() as ctx:
        week = resolve_week(ctx, SummaryRequest("week"), "UTC")
        return json.loads(json.dumps(build_gm_summary(ctx, "en", week, 1, "UTC").to_dict()))


async def test_the_summarys_quarter_to_date_is_the_goals_fiscal_quarter(fiscal, clock):
    """fiscal_year_start 12: 2026-W49 is in 2027-Q1 (Dec-Feb), so its quarter to date is
    W49 alone: Alice's 30,000 of 50,000 (60%), not W48 and W49 of calendar Q4 (75,000 of
    100,000, 75%); the page names the quarter as the goal does, with its days."""
    bot, chat, _settings = fiscal
    await two_weeks(bot, clock)
    await say(bot, "grace", "/summary")
    page = chat.last("grace")
    assert "month 2026-12 · quarter 2027-Q1 (fiscal, 2026-12-01 – 2027-02-28)" in page
    assert "Quarter to date (2027-Q1): Revenue 30,000 / 150,000 USD (20%)" in page
    assert "month Revenue 60%, New customers 75% · quarter Revenue 60%, New customers 75%" \
        in page
    data = gm_json(bot)
    assert (data["quarter"], data["quarter_first_day"], data["quarter_last_day"]) == \
        ("2027-Q1", "2026-12-01", "2027-02-28")
    alice = next(d for d in data["directors"] if d["key"] == "alice")
    revenue = next(f for f in alice["goals"]["quarter_to_date"] if f["metric"] == "revenue")
    assert (revenue["actual"], revenue["target"]) == (30000, 50000)
    # /goals names the same quarter and the same figure to date.
    await say(bot, "alice", "/goals")
    assert "2027-Q1 (2026-12-01 – 2027-02-28)" in chat.last("alice")
    assert "30,000 of 600,000 USD" in chat.last("alice")


async def test_the_week_before_reads_its_own_fiscal_quarter(fiscal, clock):
    """2026-W48 (Thursday 26 November) is the last week of 2026-Q4, September to November:
    its quarter to date holds it, the September weeks included, none of December."""
    bot, chat, _settings = fiscal
    await two_weeks(bot, clock)
    await say(bot, "grace", "/summary 2026-W48")
    page = chat.last("grace")
    assert "quarter 2026-Q4 (fiscal, 2026-09-01 – 2026-11-30)" in page
    assert "Quarter to date (2026-Q4): Revenue 45,000 /" in page


async def test_a_chinese_gm_reads_the_fiscal_quarter_too(settings, clock, tmp_path):
    data = yaml.safe_load(fiscal_org(tmp_path).read_text(encoding="utf-8"))
    data["people"][0]["locale"] = "zh-CN"
    path = tmp_path / "zh.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with bot_on_org(settings, clock, path) as (bot, chat, _settings):
        await two_weeks(bot, clock)
        await say(bot, "grace", "/summary")
        page = chat.last("grace")
    assert "季度 2027-Q1（财年，2026-12-01 – 2027-02-28）" in page
    assert "本季度累计（2027-Q1）：营收 30,000 / 150,000 USD（20%）" in page


async def test_a_calendar_year_org_reads_as_before(settings, clock, tmp_path):
    """fiscal_year_start 1 (or none): calendar quarters, the header as it always was."""
    with bot_on_org(settings, clock, fiscal_org(tmp_path, start=1)) as (bot, chat, _settings):
        await two_weeks(bot, clock)
        await say(bot, "grace", "/summary")
        page = chat.last("grace")
    assert "month 2026-12 · quarter 2026-Q4\n" in page
    assert "Quarter to date (2026-Q4): Revenue 75,000 /" in page


async def test_kudos_top_quarter_is_the_fiscal_quarter(fiscal, clock):
    """A kudos of 27 November is fiscal 2026-Q4's (Sep-Nov): on 4 December this quarter's
    board starts on 1 December, and last quarter's holds it."""
    bot, chat, _settings = fiscal
    await kudo(bot, "alice", "/kudos @bruno for the joint pitch in Milan")
    clock.set(clock.now() + timedelta(weeks=1))
    await say(bot, "grace", "/kudos top quarter")
    assert "this quarter (since 2026-12-01)" in chat.last("grace")
    assert "Bruno" not in chat.last("grace")
    await say(bot, "grace", "/kudos top last quarter")
    assert "last quarter (2026-09-01 – 2026-11-30)" in chat.last("grace")
    assert "Bruno Rossi" in chat.last("grace")
    await say(bot, "grace", "/kudos top year")
    assert "this year (since 2026-12-01)" in chat.last("grace")


async def test_an_action_due_by_eoq_is_due_at_the_fiscal_quarters_end(fiscal, clock):
    """On Friday 4 December, `by EOQ` in an org whose year starts in December is the end
    of February (2027-Q1), not 31 December; `季度末` likewise; a year's end is the fiscal
    year's too, 30 November 2027, as `/kudos top year` counts it (it had stayed 31
    December: "end of quarter" fiscal and "end of year" not); `by end of last quarter`
    is refused naming 30 November, `by end of last year` and 去年底前 too."""
    bot, chat, _settings = fiscal
    clock.set(clock.now() + timedelta(weeks=1))
    await say(bot, "grace", "/actions add close the Acme deal @bruno by EOQ")
    assert "close the Acme deal — Bruno Rossi, due 2027-02-28." in chat.last("grace")
    await say(bot, "grace", "/actions add plan the next quarter @bruno by end of next quarter")
    assert "plan the next quarter — Bruno Rossi, due 2027-05-31." in chat.last("grace")
    await say(bot, "grace", "/actions add hire two reps @bruno before year end")
    assert "hire two reps — Bruno Rossi, due 2027-11-30." in chat.last("grace")
    await say(bot, "li", "/actions 添加 完成招聘 年底前")
    assert "完成招聘 —— 你，截止 2027-11-30。" in chat.last("li")
    await say(bot, "grace", "/actions add close the books @bruno by end of last year")
    assert "(2026-11-30) is already past" in chat.last("grace"), chat.last("grace")
    await say(bot, "li", "/actions 添加 结账 去年底前")
    assert "（2026-11-30） 已经过去" in chat.last("li"), chat.last("li")
    await say(bot, "li", "/actions 添加 准备季度复盘 季度末")
    assert "准备季度复盘 —— 你，截止 2027-02-28。" in chat.last("li")
    await say(bot, "grace", "/actions add send the forecast @bruno by end of last quarter")
    assert "(2026-11-30) is already past" in chat.last("grace"), chat.last("grace")

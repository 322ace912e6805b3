"""A goal is not "missed" before its period's last day is over (in the org's timezone).

A week counts whole in the period of its Thursday (Period.working_days), so a period
ending on a Monday, Tuesday or Wednesday hands its last days' week to the next period:
with `fiscal_year_start: 4`, fiscal 2027-Q4 (January to March 2027) counts its weeks to
2027-W12 (Sunday 28 March), and 2027-W13 (29 March to 4 April, its Thursday 1 April) is
the next quarter's. On 29, 30 and 31 March the quarter still runs and a late figure of its
weeks may still come in: /goals read "❌ missed" there. So do calendar quarters ending on
such a day (31 March 2027, 31 December 2030) and months (30 November 2026, see
tests/test_goals.py).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.goals import progress
from bot.org import parse_org
from handlers.monthly_review import build_review
from tests.support import run_cli, say
from tests.test_goals import answer_kpi, goal, org_text

FISCAL_Q4 = """goals:
  fiscal_year_start: 4
  targets:
    - {metric: revenue, period: 2027-Q4, person: alice, target: 600000}
    - {metric: revenue, period: 2027-Q4, person: li, target: 600000}
"""


def at_noon(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 12, 0, tzinfo=UTC)


@pytest.fixture
def fiscal_q4(bot, clock):
    """Alice and 李雷 at 500,000 of a 600,000 fiscal Q4 (2027-W01 to 2027-W12)."""
    bot.org = parse_org(org_text(FISCAL_Q4))
    for key in ("alice", "li"):
        answer_kpi(bot, key, "2027-W01", 100_000)
        answer_kpi(bot, key, "2027-W12", 400_000)
    clock.set(at_noon(2027, 3, 28))
    return bot


BEHIND = ("• Revenue · 2027-Q4 (2027-01-01 – 2027-03-31) · Alice Martin\n"
          "  500,000 of 600,000 USD (83%) · plan to date 600,000 · ⚠️ behind\n"
          "  Still needed: 100,000, with no working day left")
BEHIND_ZH = ("• 营收 · 2027-Q4（2027-01-01 – 2027-03-31） · 李雷\n"
             "  500,000 / 600,000 USD（83%）· 计划进度 600,000 · ⚠️ 落后\n"
             "  还需完成：100,000（已没有剩余工作日）")


@pytest.mark.parametrize("day", [28, 29, 30, 31])
async def test_a_fiscal_q4_goal_short_of_target_is_behind_until_31_march(fiscal_q4, chat,
                                                                         clock, day):
    """Its weeks are all counted by Sunday 28 March (plan to date the whole target), but the
    quarter runs to Wednesday 31 March: behind, with the amount still needed, not missed."""
    clock.set(at_noon(2027, 3, day))
    await say(fiscal_q4, "alice", "/goals")
    assert BEHIND in chat.last("alice"), chat.last("alice")
    assert "missed" not in chat.last("alice")
    await say(fiscal_q4, "li", "/goals")
    assert BEHIND_ZH in chat.last("li"), chat.last("li")
    assert "未达成" not in chat.last("li")


async def test_a_fiscal_q4_goal_short_of_target_is_missed_on_1_april(fiscal_q4, chat, clock):
    clock.set(at_noon(2027, 4, 1))
    await say(fiscal_q4, "alice", "/goals")
    assert chat.last("alice").endswith(
        "500,000 of 600,000 USD (83%) · plan to date 600,000 · ❌ missed"), chat.last("alice")
    await say(fiscal_q4, "li", "/goals")
    assert chat.last("li").endswith("500,000 / 600,000 USD（83%）· 计划进度 600,000 · ❌ 未达成")


async def test_the_last_day_is_the_org_s_in_its_timezone(fiscal_q4, chat, clock):
    """Goals count days in the org's timezone: at 20:00 UTC on 31 March it is already
    1 April in Shanghai, so an org there reads the quarter missed; in New York (the test
    org's), not yet."""
    clock.set(datetime(2027, 3, 31, 20, 0, tzinfo=UTC))
    await say(fiscal_q4, "alice", "/goals")
    assert "⚠️ behind" in chat.last("alice")
    fiscal_q4.org = parse_org(org_text(FISCAL_Q4).replace(
        "  name: Test Sales\n", "  name: Test Sales\n  timezone: Asia/Shanghai\n"))
    assert fiscal_q4.org.timezone == "Asia/Shanghai"
    await say(fiscal_q4, "alice", "/goals")
    assert "❌ missed" in chat.last("alice")


async def test_teampulse_goals_reads_the_same(fiscal_q4, clock, settings, tmp_path,
                                             monkeypatch):
    """The CLI's JSON on 30 March: behind, no working day left, no pace (no division by
    zero days); on 1 April missed."""
    org_file = tmp_path / "fiscal_q4.yaml"
    org_file.write_text(org_text(FISCAL_Q4), encoding="utf-8")
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    for day, state in ((at_noon(2027, 3, 30), "behind"), (at_noon(2027, 4, 1), "missed")):
        clock.set(day)
        code, out = run_cli(replace(settings, org_file=org_file), "goals", "alice",
                            "--format", "json")
        assert code == 0, out
        [goal] = json.loads(out)["goals"]
        assert (goal["period"], goal["state"], goal["days_left"], goal["pace_needed"]) == \
            ("2027-Q4", state, 0, None)


async def test_a_calendar_q4_ending_on_a_tuesday_is_behind_to_31_december(bot, chat, clock):
    """fiscal_year_start 1: 31 December 2030 is a Tuesday, 2031-W01 (its Thursday 2
    January) is the next year's week; Q4 2030 counts to Sunday 29 December."""
    bot.org = parse_org(org_text(
        "goals:\n  - {metric: revenue, period: 2030-Q4, person: alice, target: 600000}\n"))
    answer_kpi(bot, "alice", "2030-W40", 100_000)
    answer_kpi(bot, "alice", "2030-W52", 400_000)
    for day in (30, 31):
        clock.set(at_noon(2030, 12, day))
        await say(bot, "alice", "/goals")
        assert ("500,000 of 600,000 USD (83%) · plan to date 600,000 · ⚠️ behind\n"
                "  Still needed: 100,000, with no working day left") in chat.last("alice")
    clock.set(at_noon(2031, 1, 1))
    await say(bot, "alice", "/goals")
    assert "500,000 of 600,000 USD (83%) · plan to date 600,000 · ❌ missed" \
        in chat.last("alice")


async def test_the_march_review_sent_on_1_april_reads_the_quarter_missed(fiscal_q4, chat,
                                                                          clock):
    """March's review reads the quarter as of March's weeks (to Sunday 28 March) but goes
    out on Thursday 1 April, the quarter over: missed, not behind with no pace."""
    clock.set(datetime(2027, 4, 1, 13, 0, tzinfo=UTC))  # 09:00 in New York
    assert await fiscal_q4.run_monthly_review()
    review = chat.to("alice")[0]
    assert review.startswith("📅 Month in review — 2027-03"), review
    assert "Quarter 2027-Q4: missed\n" in review, review
    zh = chat.to("li")[0]
    assert "季度 2027-Q4：未达成" in zh and "所需进度" not in zh, zh


async def test_march_read_in_its_last_days_reads_the_quarter_as_goals_does(fiscal_q4, chat,
                                                                           clock):
    """The GM reads March's review while March runs (`/monthly this month` on Tuesday 30
    March): the quarter still runs, behind with the amount still needed, as /goals reads
    it that day, not missed a day before its end."""
    clock.set(at_noon(2027, 3, 30))
    await say(fiscal_q4, "grace", "/monthly 2027-03 alice")
    assert "Quarter 2027-Q4: behind" in chat.last("grace"), chat.last("grace")
    assert "missed" not in chat.last("grace")
    clock.set(at_noon(2027, 4, 2))
    await say(fiscal_q4, "grace", "/monthly 2027-03 alice")
    assert "Quarter 2027-Q4: missed" in chat.last("grace"), chat.last("grace")


async def test_december_s_review_on_1_january_reads_the_quarter_as_goals_does(bot, chat,
                                                                               clock):
    """Q4 2026 counts to Sunday 3 January (2026-W53, its Thursday 31 December); December's
    review goes out on Friday 1 January, W53 still running: not missed, as /goals reads
    it that day; once the week is over, missed."""
    bot.org = parse_org(org_text(
        "goals:\n  - {metric: revenue, period: 2026-Q4, person: alice, target: 700000}\n"))
    answer_kpi(bot, "alice", "2026-W40", 100_000)
    answer_kpi(bot, "alice", "2026-W52", 400_000)
    clock.set(datetime(2027, 1, 1, 14, 0, tzinfo=UTC))  # 09:00 in New York
    assert await bot.run_monthly_review()
    review = chat.to("alice")[0]
    assert review.startswith("📅 Month in review — 2026-12"), review
    # One working day left (Friday 1 January): the amount, not "1,000,000 a week".
    assert "Quarter 2026-Q4: behind; still needed 200,000 on the last working day (today)" \
        in review, review
    await say(bot, "alice", "/goals")
    assert ("500,000 of 700,000 USD (71%) · plan to date 650,000 · ⚠️ behind\n"
            "  Still needed: 200,000 on the last working day (today)") in chat.last("alice")
    with bot.unit() as ctx:
        zh = ctx.render("monthly_review", locale="zh-CN", review=build_review(
            ctx, ctx.people.by_key("alice"), 2026, 12, "zh-CN"))
    assert "季度 2026-Q4：落后；还需完成 200,000（剩余 1 个工作日，即今天）" in zh, zh
    with bot.unit() as ctx:
        clock.set(datetime(2027, 1, 4, 14, 0, tzinfo=UTC))
        later = build_review(ctx, ctx.people.by_key("alice"), 2026, 12, "en")
    assert [m.quarter_state for m in later.metrics if m.quarter] == ["missed"]


@pytest.mark.parametrize("fiscal", [1, 4])
def test_no_period_is_missed_before_its_last_day_nor_after_it_unmissed(fiscal):
    """Every quarter and month of 2025-2032: on its last day not missed (behind or on
    track, its plan the whole target at most, no pace 'a week' over no days; its last
    week still running when that week's Thursday is in it); the day after both its last
    day and its last week's Sunday, missed. A quarter ends on a Monday to Wednesday in
    most years (calendar: 31 March 2026 and 2027, 31 December 2025, 2029-2031; from April:
    31 March 2026 and 2027, 31 December 2025, 30 June 2026...)."""
    early = 0
    for year in range(2025, 2033):
        labels = [f"{year}-Q{q}" for q in range(1, 5)] + [f"{year}-{m:02d}" for m in range(1, 13)]
        for label in labels:
            g = goal(label, 600_000, fiscal=fiscal)
            end, over = g.period.end, max(g.period.end, g.period.last_sunday)
            early += g.period.last_sunday < end
            last = progress(g, 500_000, end, weeks_in=set())
            assert last.state in {"behind", "on_track"}, (label, end, last)
            assert last.planned_to_date <= 600_000 + 1e-6
            assert last.pace_needed is None or last.days_left > 0
            assert progress(g, 500_000, over + timedelta(days=1)).state == "missed", label
            assert progress(g, 500_000, over).state == "behind", label
    assert early > 20  # the case is common, not one odd year


async def test_a_quarter_written_from_a_start_date_is_named_in_the_reader_s_language(
        bot, chat, clock):
    """A quarter goal written with a start date has the label 'quarter from 2026-11-13':
    December's review read "季度 quarter from 2026-11-13：…" to a Chinese GM, and "Quarter
    quarter from 2026-11-13: …" in English."""
    bot.org = parse_org(org_text(
        "goals:\n  - {metric: revenue, period: quarter, start: 2026-11-13, person: alice, "
        "target: 700000}\n"))
    answer_kpi(bot, "alice", "2026-W48", 100_000)
    clock.set(at_noon(2027, 1, 5))
    await say(bot, "grace", "/monthly 2026-12 alice")
    english = chat.last("grace")
    assert "Quarter from 2026-11-13: " in english and "quarter from" not in english, english
    await say(bot, "grace", "/language 中文")
    await say(bot, "grace", "/monthly 2026-12 alice")
    chinese = chat.last("grace")
    assert "自 2026-11-13 起的季度：" in chinese, chinese
    assert "quarter" not in chinese.lower() and "季度 自" not in chinese

"""The attainment chart marks a point whose figure was changed after its week ended.

Alice's W48 revenue, 52,000 when the week ended, is changed to 45,000 with /edit on
Monday 30 November: the GM's `/summary chart` of W49 draws W48's point at the new figure
(as /summary reads it) ringed, its legend names the ring, and the caption says so, in
English and Chinese. A week changed before it ended is drawn as any other.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.charts import chart_data_for, figure
from tests.support import say
from tests.test_charts import images
from tests.test_checkin import ALICE_ANSWERS, answer_all
from tests.test_summary_edited_weeks import MONDAY, w48_edited_then_w49

W49 = date(2026, 11, 30)


async def test_a_point_edited_after_its_week_is_ringed_and_said(bot, chat, clock):
    await w48_edited_then_w49(bot, chat, clock)
    with bot.unit() as ctx:
        data = chart_data_for(ctx.session, ctx.org, "attainment", "en", end_week=W49,
                              weeks=2)
        (alice,) = [line for line in data.lines if line.label == "Alice Martin"]
        assert alice.values == [82.5, 89.5]  # (W48 at 45,000: the figure /summary reads)
        assert alice.edited == [0]  # W48's point, ringed
        assert data.edited == 1
        ax = figure(data).axes[0]
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        rings = [tuple(xy) for c in ax.collections for xy in c.get_offsets()]
        assert rings == [(0.0, 82.5)]  # (the legend's own ring has no point)
        assert "Ringed: changed after its week ended" in legend
        zh = chart_data_for(ctx.session, ctx.org, "attainment", "zh-CN", end_week=W49,
                            weeks=2)
        zh_legend = [t.get_text() for t in figure(zh).axes[0].get_legend().get_texts()]
        assert "圈出：该周结束后被修改" in zh_legend
    await say(bot, "grace", "/summary chart last 2w 2026-W49")
    assert images(chat, "grace")[-1].text == (
        "KPI attainment, Test Sales, 2026-W48 to 2026-W49. A ringed point's figure was "
        "changed after its week ended (1).")
    await say(bot, "grace", "/language 中文")
    await say(bot, "grace", "/summary chart last 2w 2026-W49")
    assert images(chat, "grace")[-1].text == (
        "KPI 达成率，Test Sales，2026-W48 至 2026-W49。圈出的数据在其所在周结束后被修改"
        "（1 个）。")


@pytest.mark.parametrize("team", [None, "East"])
async def test_a_team_line_is_ringed_where_one_of_its_figures_was_edited(bot, chat, clock,
                                                                         team, monkeypatch):
    monkeypatch.setattr("bot.charts.MAX_PEOPLE_LINES", 0)  # (a line per team)
    await w48_edited_then_w49(bot, chat, clock)
    with bot.unit() as ctx:
        data = chart_data_for(ctx.session, ctx.org, "attainment", "en", end_week=W49,
                              weeks=2, team=team)
    marked = {line.label: line.edited for line in data.lines}
    assert [i for edited in marked.values() for i in edited] == [0]


async def test_a_week_edited_before_it_ended_is_not_ringed(bot, chat, clock):
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ALICE_ANSWERS)
    clock.advance(timedelta(days=1))  # Saturday 28 November: W48 still running
    await say(bot, "alice", "/edit 1")
    await say(bot, "alice", "45000")
    clock.set(MONDAY + timedelta(days=4, hours=1))
    await say(bot, "grace", "/summary chart last 2w 2026-W49")
    assert images(chat, "grace")[-1].text == (
        "KPI attainment, Test Sales, 2026-W48 to 2026-W49.")
    with bot.unit() as ctx:
        data = chart_data_for(ctx.session, ctx.org, "attainment", "en", end_week=W49,
                              weeks=2)
    assert data.edited == 0 and all(not line.edited for line in data.lines)

"""Charts (issue 13 item 2): attainment, morale and kudos as PNG images, in English and
Chinese, from the same numbers as /summary, in chat and from the shell."""

from __future__ import annotations

import io
import json
import struct
import warnings
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from sqlalchemy import select

from bot.charts import chart_data_for, figure, font, render_chart_png
from handlers.summary import SummaryRequest, recognition_over, summaries
from storage.chart_data import attainment, kudos_per_team
from tests.support import run_cli, say
from tests.test_pulse import (  # noqa: F401 - fixtures of the pulse org
    EAST,
    PREVIOUS_POLL_DAY,
    WEST,
    answer_all,
    close,
    pbot,
    pchat,
    pclock,
    run_poll,
)
from tests.test_summary import checked_in
from tests.test_summary_kudos import kudos_this_week

W48 = date(2026, 11, 23)  # the Monday of the tests' current week
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    assert png[:8] == PNG_SIGNATURE, "not a PNG"
    return struct.unpack(">II", png[16:24])


def pixels(png: bytes) -> np.ndarray:
    from matplotlib.image import imread

    return imread(io.BytesIO(png), format="png")


def glyph(text: str, props: FontProperties) -> np.ndarray:
    """`text` drawn alone with a font, as pixels."""
    fig = Figure(figsize=(1.2, 0.8), dpi=100)
    canvas = FigureCanvasAgg(fig)
    fig.text(0.1, 0.2, text, fontproperties=props)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba()).copy()


@pytest.fixture
def no_missing_glyphs():
    """Any warning (matplotlib's "Glyph ... missing from font(s)" above all) fails."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def charts_drawn(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every chart's data as it is drawn from now on (bot.charts.chart_data_for's
    results, latest last)."""
    from bot import charts

    drawn: list[Any] = []
    real = charts.chart_data_for

    def recording(*args: Any, **kwargs: Any) -> Any:
        drawn.append(data := real(*args, **kwargs))
        return data

    monkeypatch.setattr(charts, "chart_data_for", recording)
    return drawn


# --- the images ------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["attainment", "morale", "kudos"])
@pytest.mark.parametrize("locale", ["en", "zh-CN"])
async def test_every_chart_renders_a_png_in_both_languages(bot, chat, clock, kind, locale):
    await checked_in(bot, chat, clock)
    await kudos_this_week(bot, clock)
    with bot.unit() as ctx, warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph would warn: it fails here
        png = render_chart_png(ctx.session, ctx.org, kind, locale, end_week=W48)
        data = chart_data_for(ctx.session, ctx.org, kind, locale, end_week=W48)
    assert png_size(png) == (1000, 560)
    assert pixels(png).shape[:2] == (560, 1000)
    if locale == "zh-CN":
        assert data.title.startswith({"attainment": "KPI 达成率", "morale": "团队士气与压力",
                                      "kudos": "各团队表扬"}[kind])
        assert data.week_labels[-1] == "第48周"
    else:
        assert data.week_labels[-1] == "W48"


def test_chinese_labels_are_drawn_with_real_glyphs_not_boxes(no_missing_glyphs):
    cjk = font(20)
    tuan, dui = glyph("团", cjk), glyph("队", cjk)
    assert (tuan != dui).any()  # two different characters look different: no tofu
    assert (tuan < 250).any()  # and something is drawn at all
    # A font without CJK glyphs draws the same empty box for both, and says so.
    dejavu = FontProperties(family="DejaVu Sans", size=20)
    with pytest.warns(UserWarning, match="missing from font"):
        box_tuan, box_dui = glyph("团", dejavu), glyph("队", dejavu)
    assert (box_tuan == box_dui).all()
    assert (tuan != box_tuan).any()


async def test_a_chart_without_data_says_so(bot, no_missing_glyphs):
    with bot.unit() as ctx:
        for locale, says in (("en", "No KPI numbers were reported"),
                             ("zh-CN", "这几周没有上报任何 KPI 数据")):
            data = chart_data_for(ctx.session, ctx.org, "attainment", locale, end_week=W48)
            assert not data.lines and data.empty.startswith(says)
            png = render_chart_png(ctx.session, ctx.org, "attainment", locale, end_week=W48)
            assert png_size(png) == (1000, 560)


async def test_an_unknown_chart_is_a_clear_error(bot):
    with bot.unit() as ctx, pytest.raises(ValueError, match=r"unknown chart 'pie'.*attainment"):
        render_chart_png(ctx.session, ctx.org, "pie", "en", end_week=W48)


# --- the numbers -----------------------------------------------------------------------------

async def test_attainment_series_are_what_the_summary_reports(bot, chat, clock):
    await checked_in(bot, chat, clock)
    with bot.unit() as ctx:
        weeks = summaries(ctx, SummaryRequest("trend", weeks=2, week="this"), "en",
                          "America/New_York")
        series = {p.name: p.weeks for p in attainment(ctx.session, [w.week for w in weeks])}
        data = chart_data_for(ctx.session, ctx.org, "attainment", "en", end_week=W48, weeks=2)
    expected: dict[str, dict[str, float]] = {}
    for w in weeks:
        for p in w.people:
            shown = [k.attainment for k in p.kpis if k.attainment is not None]
            if shown:
                expected.setdefault(p.name, {})[w.week] = sum(shown) / len(shown)
    flat = {(name, week): v for name, by_week in series.items() for week, v in by_week.items()}
    assert flat == pytest.approx({(name, week): v for name, by_week in expected.items()
                                  for week, v in by_week.items()})
    assert len(flat) == 3
    assert series["Alice Martin"]["2026-W48"] == pytest.approx((1.04 + 0.75) / 2)
    drawn = {line.label: line.values for line in data.lines}
    assert drawn["Alice Martin"] == [None, 89.5]  # % of target, no point for W47
    assert drawn["李雷"] == [None, 110.0]


async def copy_round(ctx, key: str, week: str, revenue_target: float | None,
                     revenue: float) -> None:
    """Give `key` a submitted round in `week` like this week's (another revenue target and
    number, if given: None keeps the very same snapshot)."""
    from storage.models import Answer, CheckinRound, Person

    person = ctx.session.scalars(select(Person).where(Person.key == key)).one()
    source = ctx.session.scalars(select(CheckinRound).where(
        CheckinRound.person_id == person.id, CheckinRound.week == "2026-W48")).one()
    snapshot = [dict(q, target=revenue_target)
                if q["key"] == "kpi:revenue" and revenue_target is not None else dict(q)
                for q in source.questions]
    copy = CheckinRound(person_id=person.id, week=week, questions=snapshot, status="submitted",
                        team=source.team, created_at=source.created_at,
                        prompted_at=source.prompted_at, submitted_at=source.submitted_at)
    copy.answers = [Answer(question_key=a.question_key, text_value=a.text_value,
                           number_value=revenue if a.question_key == "kpi:revenue"
                           else a.number_value, skipped=a.skipped,
                           answered_at=a.answered_at, updated_at=a.updated_at)
                    for a in source.answers]
    ctx.session.add(copy)


async def test_targets_that_change_back_and_forth_are_each_weeks_own(bot, chat, clock):
    await checked_in(bot, chat, clock)
    # W46 asked the same as W48 (50,000), W47 80,000 in between: W46 and W48 share one
    # snapshot, whose weeks enclose W47's.
    with bot.unit() as ctx:
        await copy_round(ctx, "alice", "2026-W46", None, 50000)
        await copy_round(ctx, "alice", "2026-W47", 80000, 40000)
    with bot.unit() as ctx:
        weeks = summaries(ctx, SummaryRequest("trend", weeks=3, week="this"), "en",
                          "America/New_York")
        [alice] = [p for p in attainment(ctx.session, [w.week for w in weeks])
                   if p.key == "alice"]
    for w in weeks:
        [row] = [p for p in w.people if p.key == "alice"]
        shown = [k.attainment for k in row.kpis if k.attainment is not None]
        assert alice.weeks[w.week] == pytest.approx(sum(shown) / len(shown))
    assert alice.weeks == pytest.approx({"2026-W46": (1.0 + 0.75) / 2,
                                         "2026-W47": (0.5 + 0.75) / 2,
                                         "2026-W48": (1.04 + 0.75) / 2})


def reporting(bot, teams: dict[str, list[float]],
              weeks: tuple[str, ...] = ("2026-W47", "2026-W48")) -> None:
    """Directors who checked in each of `weeks`: team -> each one's attainment (1.0 is the
    target met, on both of Alice's KPIs), named "<team> 01", "<team> 02", ..."""
    from datetime import UTC, datetime

    from storage.models import Answer, CheckinRound, Person

    snapshot = [q.to_dict() for q in bot.org.questions_for(bot.org.person("alice"))]
    moment = datetime(2026, 11, 23, 14, tzinfo=UTC)
    with bot.unit() as ctx:
        for team, levels in teams.items():
            for n, level in enumerate(levels, start=1):
                person = Person(key=f"{team}-{n}", display_name=f"{team} {n:02d}",
                                role="director", team=team, timezone="America/New_York",
                                locale="en", checks_in=True)
                ctx.session.add(person)
                ctx.session.flush()
                for week in weeks:
                    ctx.session.add(CheckinRound(
                        person_id=person.id, week=week, questions=snapshot, team=team,
                        status="submitted", created_at=moment, prompted_at=moment,
                        submitted_at=moment,
                        answers=[Answer(question_key=key, number_value=target * level,
                                        skipped=False, answered_at=moment,
                                        updated_at=moment)
                                 for key, target in (("kpi:revenue", 50000),
                                                     ("kpi:new_customers", 4))]))


# Twelve teams of two, T01 at 60% of target, T02 at 70%, ... T12 at 170%.
TWELVE_TEAMS = {f"T{i:02d}": [0.5 + 0.1 * i] * 2 for i in range(1, 13)}


@pytest.mark.parametrize(("locale", "median", "team", "note"), [
    ("en", "Median of 24 people", "{} (team average)",
     "12 teams, too many to draw each: the 3 highest and 3 lowest (average of these weeks), "
     "over the median and middle half of all 24 people."),
    ("zh-CN", "24 人的中位数", "{}（团队平均）",
     "共 12 个团队，无法每队一条线：只画出这几周平均达成率最高和最低的各 3 个团队，"
     "背景为全部 24 人的中位数和中间一半。")])
async def test_a_large_orgs_attainment_chart_shows_the_spread_and_the_extremes_and_says_so(
        bot, no_missing_glyphs, locale, median, team, note):
    # 24 people in 12 teams: 12 lines would be noise. The GM sees the middle half of the
    # people shaded, their median, and the three best and three worst teams.
    reporting(bot, TWELVE_TEAMS)
    with bot.unit() as ctx:
        data = chart_data_for(ctx.session, ctx.org, "attainment", locale, end_week=W48,
                              weeks=2)
        png = render_chart_png(ctx.session, ctx.org, "attainment", locale, end_week=W48,
                               weeks=2)
    assert [line.label for line in data.lines] == [median] + [
        team.format(t) for t in ("T12", "T11", "T10", "T03", "T02", "T01")]
    assert [line.tone for line in data.lines] == ["median"] + ["high"] * 3 + ["low"] * 3
    # 24 values, two each of 60, 70 ... 170: median 115, quartiles 87.5 and 142.5.
    assert data.lines[0].values == [115.0, 115.0]
    assert (data.band.low, data.band.high) == ([87.5, 87.5], [142.5, 142.5])
    assert data.lines[1].values == [170.0, 170.0] and data.lines[-1].values == [60.0, 60.0]
    assert data.note == note
    assert png_size(png) == (1000, 560)
    image = pixels(png)[:, :, :3]

    def drawn(hex_colour: str, alpha: float = 1.0) -> bool:
        rgb = np.array([int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)])
        expected = 1 - alpha * (1 - rgb)  # over the white background
        return bool((np.abs(image - expected).max(axis=2) < 0.02).any())

    assert drawn("#1b7837") and drawn("#b2182b")  # the best team green, the worst red
    assert drawn("#9aa7b4", 0.35)  # the shaded middle half


async def test_up_to_ten_teams_keep_a_line_per_team(bot, no_missing_glyphs):
    reporting(bot, {f"T{i:02d}": [0.5 + 0.1 * i] * 2 for i in range(1, 11)})
    with bot.unit() as ctx:
        data = chart_data_for(ctx.session, ctx.org, "attainment", "en", end_week=W48,
                              weeks=2)
    assert [line.label for line in data.lines] == [f"T{i:02d} (team average)"
                                                   for i in range(1, 11)]
    assert data.band is None and data.note is None
    assert {line.tone for line in data.lines} == {None}


async def test_a_team_line_holds_each_person_in_the_team_of_that_week(bot, clock):
    """Twelve people, one line per team. Moss led a team in A in 2026-W47 and moved to B
    for 2026-W48 (each round keeps its week's team): /summary team A of 2026-W47 counts
    him, and so must A's line that week; B's line drew his 2026-W47 too (B 55% where
    /summary team B counts five people at 50%), A's none of it."""
    from storage.models import CheckinRound, Person

    reporting(bot, {"A": [1.0] * 6, "B": [0.5] * 5, "Moss": [0.8]})
    with bot.unit() as ctx:
        moss = ctx.session.scalars(select(Person).where(Person.key == "Moss-1")).one()
        moss.team = "B"  # today's, and 2026-W48's
        for rnd in ctx.session.scalars(select(CheckinRound).where(
                CheckinRound.person_id == moss.id)):
            rnd.team = "A" if rnd.week == "2026-W47" else "B"
    with bot.unit() as ctx:
        data = chart_data_for(ctx.session, ctx.org, "attainment", "en", end_week=W48,
                              weeks=2)
        [a_w47] = summaries(ctx, SummaryRequest("team", week="2026-W47", team="A"), "en",
                            "America/New_York")
        [b_w47] = summaries(ctx, SummaryRequest("team", week="2026-W47", team="B"), "en",
                            "America/New_York")
    assert "Moss 01" in [p.name for p in a_w47.people]
    assert "Moss 01" not in [p.name for p in b_w47.people]
    assert {line.label: line.values for line in data.lines} == {
        "A (team average)": [97.1, 100.0],  # (6 x 100% + 80%) / 7, then six at 100%
        "B (team average)": [50.0, 55.0]}  # five at 50%, then (5 x 50% + 80%) / 6


async def test_a_small_orgs_chart_is_one_line_per_person_as_before(
        bot, chat, clock, no_missing_glyphs):
    await checked_in(bot, chat, clock)
    with bot.unit() as ctx:
        data = chart_data_for(ctx.session, ctx.org, "attainment", "en", end_week=W48)
    assert [line.label for line in data.lines] == ["李雷", "Alice Martin", "Bruno Rossi"]
    assert data.band is None and data.note is None
    lines = figure(data).axes[0].get_lines()
    assert len(lines) == 4  # three people and the 100% line
    assert [line.get_marker() for line in lines[:3]] == ["o"] * 3


async def test_a_directors_chart_of_a_big_team_stays_per_member(bot, chat, no_missing_glyphs):
    # Li's team China has twelve people: Li sees the team's spread and their own people
    # (the best and worst three), not one line for the whole team.
    reporting(bot, {"China": [0.5 + 0.1 * i for i in range(1, 13)]})
    await say(bot, "li", "/summary chart last 2w")
    [image] = images(chat, "li")
    assert png_size(image.image) == (1000, 560)
    with bot.unit() as ctx:
        data = chart_data_for(ctx.session, ctx.org, "attainment", "zh-CN", end_week=W48,
                              weeks=2, team="China")
        english = chart_data_for(ctx.session, ctx.org, "attainment", "en", end_week=W48,
                                 weeks=2, team="China")
    assert [line.label for line in data.lines] == ["12 人的中位数", "China 12", "China 11",
                                                   "China 10", "China 03", "China 02",
                                                   "China 01"]
    assert data.lines[0].values == [115.0, 115.0]
    assert data.note == ("共 12 人，无法每人一条线：只画出这几周平均达成率最高和最低的各 3 人，"
                         "背景为全团队的中位数和中间一半。")
    assert english.note == ("12 people, too many to draw each: the 3 highest and 3 lowest "
                            "(average of these weeks), over the team's median and middle half.")


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
async def test_names_with_dollar_signs_are_drawn_as_written(bot, clock, locale,
                                                            no_missing_glyphs):
    # "$...$" is TeX to matplotlib: "Team $West$" would lose its dollars (set in italics)
    # and "Ops $^_^$" would not draw at all. Every text shows the names as typed.
    from datetime import UTC, datetime

    from matplotlib.text import Text

    from storage.kudos import Kudos
    from storage.models import Person

    teams = {"Team $West$": [0.9, 1.1], "R&D $1M club$": [1.0], "Ops $^_^$": [0.8]}
    reporting(bot, teams)
    with bot.unit() as ctx:
        ids = dict(ctx.session.execute(select(Person.key, Person.id)).all())
        ctx.session.add(Kudos(giver_id=ids["Team $West$-1"], recipient_id=ids["Ops $^_^$-1"],
                              reason="thanks", values=[], platform="console",
                              given_at=datetime(2026, 11, 24, tzinfo=UTC),
                              giver_team="Team $West$", recipient_team="Ops $^_^$"))
    with bot.unit() as ctx:
        charts = [chart_data_for(ctx.session, ctx.org, kind, locale, end_week=W48, weeks=2,
                                 team=team)
                  for kind, team in (("attainment", None), ("attainment", "Team $West$"),
                                     ("kudos", None))]
        png = render_chart_png(ctx.session, ctx.org, "attainment", locale, end_week=W48,
                               team="Ops $^_^$")
    assert png_size(png) == (1000, 560)
    seen: set[str] = set()
    for data in charts:
        fig = figure(data)
        renderer = fig.canvas.get_renderer()
        for text in fig.findobj(Text):
            if "$" not in text.get_text() or not text.get_visible():
                continue
            seen.add(text.get_text())
            literal = fig.text(0, 0, text.get_text(), fontproperties=text.get_fontproperties(),
                               parse_math=False)
            assert text.get_window_extent(renderer).width == pytest.approx(
                literal.get_window_extent(renderer).width), text.get_text()
            literal.remove()
        fig.canvas.draw()
    # titles, legend entries and the kudos chart's team names (tick labels) among them
    assert {"Team $West$ 01", "R&D $1M club$ 01", "Ops $^_^$ 01", "Ops $^_^$",
            "Team $West$"} <= seen
    assert any("$West$" in t for t in seen if t.startswith(("KPI", "KPI 达成率")))


async def test_kudos_bars_are_what_the_summary_counts(bot, chat, clock):
    await kudos_this_week(bot, clock)
    with bot.unit() as ctx:
        weeks = summaries(ctx, SummaryRequest("trend", weeks=2, week="this"), "en",
                          ctx.org.timezone)
        data = chart_data_for(ctx.session, ctx.org, "kudos", "en", end_week=W48, weeks=2)
        one_week = chart_data_for(ctx.session, ctx.org, "kudos", "en", end_week=W48, weeks=1)
    summary = [(t.team or "No team", t.given, t.received) for t in recognition_over(weeks)]
    assert data.bars == summary
    assert ("Europe", 1, 0) in data.bars and ("Europe", 1, 0) not in one_week.bars


async def test_kudos_counts_match_the_summarys_per_team_counts(bot, chat, clock):
    await kudos_this_week(bot, clock)
    from datetime import UTC, datetime

    from storage.kudos import kudos_by_team
    with bot.unit() as ctx:
        start, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
        assert [(k.team, k.given, k.received) for k in kudos_per_team(ctx.session, start, end)] \
            == [(k.team, k.given, k.received) for k in kudos_by_team(ctx.session, start, end)]


async def test_morale_below_the_threshold_is_never_drawn(
        pbot, pchat, pclock, no_missing_glyphs):  # noqa: F811 - the pulse tests' fixtures
    # East has 7 people, West 4: below the threshold of 5, so West is hidden.
    await run_poll(pbot, pchat, pclock, PREVIOUS_POLL_DAY,
                   dict.fromkeys([*EAST, *WEST, "grace", "nova"], 4) | dict.fromkeys(WEST, 2))
    end = date(2026, 11, 23)
    with pbot.unit() as ctx:
        data = chart_data_for(ctx.session, ctx.org, "morale", "en", end_week=end, weeks=4)
        west = chart_data_for(ctx.session, ctx.org, "morale", "zh-CN", end_week=end,
                              team="West")
        png = render_chart_png(ctx.session, ctx.org, "morale", "en", end_week=end)
    labels = [line.label for line in data.lines]
    assert "West" not in labels and "East" in labels
    east = next(line for line in data.lines if line.label == "East")
    assert east.values[-1] == 4.0
    assert data.note == ("Hidden for anonymity (fewer than 5 answers, or beside the org's a "
                         "smaller group would show): West")
    assert not any(2.0 in line.values for line in data.lines)  # West's answers: nowhere
    assert not west.lines and not west.stress
    assert west.empty == "这几周没有可显示的脉搏调查结果。"
    assert west.note == "为匿名隐藏（回答少于 5 人，或与全组织对照会暴露更小的群体）：West"
    assert png_size(png) == (1000, 560)



async def test_a_deal_dated_later_this_week_is_drawn_from_its_day_as_the_summary_counts_it(
        bot, chat, clock, monkeypatch):
    """Wednesday 25 November (2026-W48): Alice typed 52,000 of her 50,000 and 3 of 4 new
    customers; the CRM export holds a deal of hers closing on Friday (30,000). /summary
    counts that deal from Friday on, so on Wednesday her week reads 104% and 75% (89.5%);
    the GM's /summary chart drew it already (60% and 75%: 67.5%)."""
    from bot.crm_import import import_actuals

    drawn = charts_drawn(monkeypatch)
    wednesday = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
    clock.set(wednesday)
    await checked_in(bot, chat, clock)
    with bot.unit() as ctx:
        import_actuals(ctx.session, "deals.csv",
                       b"person,metric,date,value\nalice,revenue,2026-11-27,30000\n",
                       bot.org.crm, [(p.key, p.name) for p in bot.org.people], wednesday)

    async def summary_and_chart() -> tuple[str, float | None, float]:
        await say(bot, "grace", "/summary")
        text = chat.last("grace")
        await say(bot, "grace", "/summary chart attainment")
        line = {line.label: line.values for line in drawn[-1].lines}["Alice Martin"]
        with bot.unit() as ctx:
            [week] = summaries(ctx, SummaryRequest("week", week="this"), "en",
                               "America/New_York")
        [alice] = [p for p in week.people if p.name == "Alice Martin"]
        shown = [k.attainment for k in alice.kpis if k.attainment is not None]
        return text, line[-1], round(sum(shown) / len(shown) * 100, 1)

    text, chart, summary = await summary_and_chart()
    assert "Goals: Revenue 52,000 / 50,000 USD (104%)" in text
    assert chart == summary == (1.04 + 0.75) / 2 * 100
    # From Friday on, both count the deal.
    clock.set(datetime(2026, 11, 27, 15, 0, tzinfo=UTC))
    text, chart, summary = await summary_and_chart()
    assert "Revenue 30,000 / 50,000 USD (60%) [CRM" in text
    assert chart == summary == (0.6 + 0.75) / 2 * 100

# --- in chat ---------------------------------------------------------------------------------

def images(chat, key: str) -> list:
    return [s.message for s in chat.sent if s.target.address == key and s.message.image]


async def test_gm_asks_for_a_chart_in_chat_and_gets_an_image(bot, chat, clock):
    await checked_in(bot, chat, clock)
    await say(bot, "grace", "/summary chart")
    [image] = images(chat, "grace")
    assert png_size(image.image) == (1000, 560)
    assert image.image_name == "attainment-2026-W48.png"
    assert image.text == "KPI attainment, Test Sales, 2026-W41 to 2026-W48."
    await say(bot, "grace", "/summary chart kudos team east last 4w")
    assert images(chat, "grace")[-1].text == "Kudos by team, team East, 2026-W45 to 2026-W48."


async def test_director_sees_charts_of_their_own_team_only(bot, chat, clock):
    await checked_in(bot, chat, clock)
    await say(bot, "li", "/summary chart")
    [image] = images(chat, "li")
    assert image.text == "KPI 达成率，China 团队，2026-W41 至 2026-W48。"
    await say(bot, "li", "/summary chart team East")
    assert chat.last("li") == "作为总监，您只能查看本团队（China）的图表。"
    await say(bot, "sam", "/summary chart")
    assert chat.last("sam").startswith("Sorry, charts are for the GM")
    assert not images(chat, "sam")


async def test_bad_chart_requests_are_explained(bot, chat):
    await say(bot, "grace", "/summary chart pie")
    assert chat.last("grace").startswith('I didn\'t understand "pie". Usage: /summary chart')
    await say(bot, "grace", "/summary chart team Mars")
    assert 'There is no team called "Mars"' in chat.last("grace")
    await say(bot, "grace", "/summary chart 2026-W99")
    assert '"2026-W99" is not a week' in chat.last("grace")
    assert not images(chat, "grace")


async def test_a_chart_of_the_week_is_this_weeks_chart(bot, chat, clock):
    """`/summary chart week` answered with its usage, though README's *Period words* reads a
    bare `week` as the current week for /summary chart as for /kudos top: it is the chart
    up to this week, as `this week` is; `week 2026-W47` names a week as /summary reads it."""
    await checked_in(bot, chat, clock)
    await say(bot, "grace", "/summary chart week")
    [image] = images(chat, "grace")
    assert image.text == "KPI attainment, Test Sales, 2026-W41 to 2026-W48."
    assert image.image_name == "attainment-2026-W48.png"
    await say(bot, "grace", "/summary chart this week")
    assert images(chat, "grace")[-1].text == image.text
    await say(bot, "grace", "/summary chart morale week 2026-W47")
    assert images(chat, "grace")[-1].text == \
        "Team morale and stress, Test Sales, 2026-W40 to 2026-W47."
    await say(bot, "grace", "/summary chart kudos week last 4w")
    assert images(chat, "grace")[-1].text == "Kudos by team, Test Sales, 2026-W45 to 2026-W48."
    await say(bot, "grace", "/summary chart team East week")
    assert images(chat, "grace")[-1].text == \
        "KPI attainment, team East, 2026-W41 to 2026-W48."
    await say(bot, "li", "/summary chart week")
    assert images(chat, "li")[-1].text == "KPI 达成率，China 团队，2026-W41 至 2026-W48。"
    await say(bot, "li", "/summary 图表 week 2026-W47")
    assert images(chat, "li")[-1].text == "KPI 达成率，China 团队，2026-W40 至 2026-W47。"
    assert len(images(chat, "grace")) == 5 and len(images(chat, "li")) == 2


# --- the shell -------------------------------------------------------------------------------

async def test_cli_writes_a_chart_png(bot, chat, clock, settings, tmp_path, no_missing_glyphs):
    await checked_in(bot, chat, clock)
    out = tmp_path / "a.png"
    code, _ = run_cli(settings, "summary", "--chart", "attainment", "--out", str(out),
                      "--lang", "zh-CN", "--week", "2026-W48", "--team", "china")
    assert code == 0
    assert png_size(out.read_bytes()) == (1000, 560)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".chart-")]


async def test_cli_chart_errors_are_clear(bot, settings, tmp_path, capsys):
    code, _ = run_cli(settings, "summary", "--chart", "attainment",
                      "--out", str(tmp_path / "missing" / "a.png"))
    assert code == 2 and "folder" in capsys.readouterr().err
    code, _ = run_cli(settings, "summary", "--chart", "kudos")
    assert code == 2 and "--chart needs --out" in capsys.readouterr().err
    code, _ = run_cli(settings, "summary", "--chart", "kudos", "--out", str(tmp_path / "k.png"),
                      "--team", "Mars")
    assert code == 2 and "no team 'Mars'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        run_cli(settings, "summary", "--chart", "pie", "--out", str(tmp_path / "p.png"))
    assert exc.value.code == 2
    assert "invalid choice: 'pie'" in capsys.readouterr().err


async def test_cli_chart_never_writes_over_a_file_that_is_no_png(bot, settings, tmp_path,
                                                                 capsys):
    """`--out data/teampulse.db` (a tab completion one word off) replaced the database with
    the chart, and said it had written it: everything stored was gone. A file there that is
    no PNG (the database, .env, the org file) is refused, changing nothing; a PNG written
    before (a weekly cron job's) or an empty file is replaced, as before."""
    backup = tmp_path / "nightly.db"
    backup.write_bytes(b"SQLite format 3\x00" + bytes(4080))
    settings_file = tmp_path / ".env"
    settings_file.write_text("SLACK_BOT_TOKEN=xoxb-1\n", encoding="utf-8")
    targets = [backup, settings_file]
    if settings.database_url.startswith("sqlite:///"):  # the database in use itself
        targets.append(Path(settings.database_url.removeprefix("sqlite:///")))
    for target in targets:
        before = target.read_bytes()
        code, out = run_cli(settings, "summary", "--chart", "kudos", "--out", str(target))
        err = capsys.readouterr().err
        assert code == 2 and out == ""
        assert err == (f"teampulse: --out: {target} exists and is no PNG image: a chart replaces "
                       "only a PNG; give a new file name (nothing was written)\n"), err
        assert target.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".chart-")]

    last_week = tmp_path / "kudos.png"
    code, _ = run_cli(settings, "summary", "--chart", "kudos", "--out", str(last_week))
    assert code == 0
    last_week.write_bytes(last_week.read_bytes()[:100])  # not this week's
    empty = tmp_path / "empty.png"
    empty.touch()
    for target in (last_week, empty):
        code, _ = run_cli(settings, "summary", "--chart", "kudos", "--out", str(target))
        assert code == 0, capsys.readouterr().err
        assert png_size(target.read_bytes()) == (1000, 560)


def test_summary_help_gives_the_weeks_a_chart_takes(bot, settings, tmp_path, capsys):
    """`teampulse summary --help` said --weeks is 1-12 (default 1): an operator asked for a
    chart of the last 26 weeks believed it impossible, yet a chart takes up to 52 (default
    8, as /summary chart draws). The help says both, and the command keeps to them."""
    from bot.charts import MAX_WEEKS

    with pytest.raises(SystemExit) as stop:
        run_cli(settings, "summary", "--help")
    assert stop.value.code == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert f"with --chart 1-{MAX_WEEKS}, default 8" in help_text
    code, _ = run_cli(settings, "summary", "--chart", "kudos", "--out",
                      str(tmp_path / "k.png"), "--weeks", str(MAX_WEEKS))
    assert code == 0
    code, _ = run_cli(settings, "summary", "--chart", "kudos", "--out",
                      str(tmp_path / "k.png"), "--weeks", str(MAX_WEEKS + 1))
    assert code == 2 and f"from 1 to {MAX_WEEKS} for a chart" in capsys.readouterr().err


async def test_console_saves_the_chart_and_says_where(settings, clock, tmp_path, monkeypatch):
    from dataclasses import replace

    from bot.app import run

    monkeypatch.setenv("TEAMPULSE_CACHE_DIR", str(tmp_path / "cache"))
    out = io.StringIO()
    await run(replace(settings, console=True),
              stdin=io.StringIO("/as grace\n/summary chart kudos\n/summary chart\n/quit\n"),
              stdout=out, clock=clock)
    text = out.getvalue()
    saved = sorted((tmp_path / "cache" / "charts").iterdir())
    assert sorted(p.name.split("-", 1)[1] for p in saved) == [
        "attainment-2026-W48.png", "kudos-2026-W48.png"]  # numbered: none overwritten
    for path in saved:
        assert f"image saved to {path}" in text
        assert png_size(path.read_bytes()) == (1000, 560)
    assert "Kudos by team, Test Sales, 2026-W41 to 2026-W48." in text


@pytest.mark.parametrize("xdg", [True, False])
async def test_without_a_cache_dir_set_the_console_saves_charts_in_the_users_cache(
        settings, clock, tmp_path, monkeypatch, xdg):
    """README, *Charts*: with no TEAMPULSE_CACHE_DIR, the console's chart goes under
    $XDG_CACHE_HOME/teampulse/charts/, else ~/.cache/teampulse/charts/."""
    from dataclasses import replace

    from bot.app import run

    monkeypatch.delenv("TEAMPULSE_CACHE_DIR")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    if xdg:
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    else:
        monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    out = io.StringIO()
    await run(replace(settings, console=True),
              stdin=io.StringIO("/as grace\n/summary chart kudos\n/quit\n"),
              stdout=out, clock=clock)
    folder = (tmp_path / "xdg" if xdg else tmp_path / "home" / ".cache") / "teampulse" / "charts"
    saved = list(folder.iterdir())
    assert [p.name.split("-", 1)[1] for p in saved] == ["kudos-2026-W48.png"]
    assert f"image saved to {saved[0]}" in out.getvalue()


def test_chart_requests_read_as_typed():
    from handlers.summary_chart import ChartRequest, ChartUsageError, parse_chart

    assert parse_chart("chart") == ChartRequest("attainment", 8, None, None)
    assert parse_chart("chart morale team North America last 12w") == ChartRequest(
        "morale", 12, None, "North America")
    assert parse_chart("chart team East kudos 2026-W47") == ChartRequest(
        "kudos", 8, "2026-W47", "East")
    assert parse_chart("图表 上周").week == "last"
    for bad, word in (("chart team", "team"), ("chart last 99w", "99w"), ("chart pie", "pie")):
        with pytest.raises(ChartUsageError, match=word):
            parse_chart(bad)


async def test_a_chart_covers_up_to_52_weeks_and_says_so_beyond(bot, chat):
    """README: `/summary chart … last 12w (up to 52)`."""
    await say(bot, "grace", "/summary chart last 52w")
    assert images(chat, "grace")[-1].text == "KPI attainment, Test Sales, 2025-W48 to 2026-W47."
    await say(bot, "grace", "/summary chart last 53w")
    assert chat.last("grace").startswith('I didn\'t understand "53w"')
    assert "(up to 52)" in chat.last("grace") and len(images(chat, "grace")) == 1


async def test_a_point_is_drawn_where_a_half_rounds_up(bot, no_missing_glyphs):
    # 57.25% of target: a spreadsheet (and every figure teampulse shows) reads 57.3;
    # round() on the float 57.24999... drew the point at 57.2.
    reporting(bot, {"T": [0.5725], "U": [0.8225]})
    with bot.unit() as ctx:
        data = chart_data_for(ctx.session, ctx.org, "attainment", "en", end_week=W48,
                              weeks=2)
    assert {line.label: line.values for line in data.lines} == {
        "T 01": [57.3, 57.3], "U 01": [82.3, 82.3]}


async def test_an_open_polls_morale_is_never_drawn(
        pbot, pchat, pclock):  # noqa: F811 - the pulse tests' fixtures
    # Drawn while the poll was open, the chart moved with each answer: drawn before and
    # after east5 answered, East's line went from 4.0 to 3.5, east5's morale (1) in plain
    # sight. As /pulse results and /summary, an open poll's morale is drawn once it closes.
    await pbot.run_pulse()
    for key in EAST[:5]:
        await answer_all(pbot, pchat, key, 4, 2)
    end = date(2026, 12, 7)
    with pbot.unit() as ctx:
        before = chart_data_for(ctx.session, ctx.org, "morale", "en", end_week=end, weeks=2)
    await answer_all(pbot, pchat, "east5", 1, 5)
    with pbot.unit() as ctx:
        after = chart_data_for(ctx.session, ctx.org, "morale", "zh-CN", end_week=end, weeks=2,
                               team="East")
    for data in (before, after):
        assert not data.lines and not data.stress
    assert before.empty == "No pulse poll results to show in these weeks."
    assert after.empty == "这几周没有可显示的脉搏调查结果。"
    await close(pbot, pclock)
    with pbot.unit() as ctx:
        closed = chart_data_for(ctx.session, ctx.org, "morale", "en", end_week=end, weeks=2)
    east = next(line for line in closed.lines if line.label == "East")
    assert east.values == [None, 3.5]


async def test_a_week_away_reads_as_a_gap_in_the_chart_as_in_the_summary(
        bot, chat, clock, settings, tmp_path, monkeypatch):
    """The GM sent Bruno his 2026-W48 check-in on Tuesday; he went away on Wednesday until
    Sunday without answering, and the CRM booked 10,000 for him that week. /summary reads
    the week away (the CRM's sale with no target, no trend point); the chart drew it at
    25% of the 40,000 his unanswered check-in had asked, a point the summary never shows."""
    from tests.test_checkin import answer_all as answer_all_checkin
    from tests.test_summary_truth import BRUNO_ANSWERS

    drawn = charts_drawn(monkeypatch)
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    clock.set(datetime(2026, 11, 20, 21, 0, tzinfo=UTC))  # 2026-W47: he checks in
    await bot.run_checkins(["bruno"])
    await answer_all_checkin(bot, "bruno", BRUNO_ANSWERS)
    clock.set(datetime(2026, 11, 24, 15, 0, tzinfo=UTC))  # Tuesday of 2026-W48
    await say(bot, "grace", "/checkin send bruno")
    clock.set(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    await say(bot, "bruno", "/away 2026-11-29")
    clock.set(datetime(2026, 11, 27, 21, 0, tzinfo=UTC))
    await bot.run_checkins()
    export = tmp_path / "crm.csv"
    export.write_text("person,metric,week,value\nbruno,revenue,2026-W48,10000\n",
                      encoding="utf-8")
    assert run_cli(settings, "import-actuals", str(export))[0] == 0
    clock.set(datetime(2026, 11, 30, 14, 0, tzinfo=UTC))
    await say(bot, "grace", "/summary")
    assert ("🌴 Bruno Rossi — away until 2026-11-29\nGoals: Revenue 10,000 USD (not asked "
            "this week: no target) [CRM]") in chat.last("grace")
    code, raw = run_cli(settings, "summary", "--format", "json")
    [bruno] = [d for d in json.loads(raw)["directors"] if d["key"] == "bruno"]
    assert code == 0 and bruno["goals"]["series"][-2:] == [1.025, None]  # no trend point
    await say(bot, "grace", "/summary chart attainment")
    assert {line.label: line.values[-2:] for line in drawn[-1].lines} == {
        "Bruno Rossi": [102.5, None]}
    # The command line's chart reads it alike.
    assert run_cli(settings, "summary", "--chart", "attainment",
                   "--out", str(tmp_path / "a.png"))[0] == 0
    assert {line.label: line.values[-2:] for line in drawn[-1].lines} == {
        "Bruno Rossi": [102.5, None]}


async def test_a_week_is_away_or_not_by_the_check_in_schedule_in_the_chart_too(
        chat, clock, settings, tmp_path, monkeypatch):
    """With check-ins on Monday at 09:00 (CHECKIN_SCHEDULE), Bruno's time away from
    Wednesday did not cover 2026-W48's check-in moment: /summary reads the week missed and
    counts the CRM's 10,000 against his 40,000 (25%); so does the chart, not a gap as on
    the default Friday's schedule."""
    from dataclasses import replace
    from datetime import time

    from bot.app import prepare
    from bot.config import CheckinSchedule

    drawn = charts_drawn(monkeypatch)
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    monkeypatch.setenv("CHECKIN_SCHEDULE", "mon 09:00")
    monday = replace(settings, checkin_schedule=CheckinSchedule(0, time(9, 0)))
    clock.set(datetime(2026, 11, 24, 15, 0, tzinfo=UTC))  # Tuesday of 2026-W48
    bot, engine = prepare(monday, clock)
    bot.register(chat)
    try:
        await say(bot, "grace", "/checkin send bruno")
        clock.set(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
        await say(bot, "bruno", "/away 2026-11-29")
        export = tmp_path / "crm.csv"
        export.write_text("person,metric,week,value\nbruno,revenue,2026-W48,10000\n",
                          encoding="utf-8")
        assert run_cli(monday, "import-actuals", str(export))[0] == 0
        clock.set(datetime(2026, 11, 30, 7, 0, tzinfo=UTC))  # before Monday's check-ins
        await say(bot, "grace", "/summary")
        assert "❌ Bruno Rossi — not checked in\nGoals: Revenue 10,000 / 40,000 USD (25%) " \
            "[CRM]" in chat.last("grace")
        await say(bot, "grace", "/summary chart attainment")
        assert {line.label: line.values[-1] for line in drawn[-1].lines} == {
            "Bruno Rossi": 25.0}
        assert run_cli(monday, "summary", "--chart", "attainment",
                       "--out", str(tmp_path / "a.png"))[0] == 0
        assert {line.label: line.values[-1] for line in drawn[-1].lines} == {
            "Bruno Rossi": 25.0}
    finally:
        engine.dispose()


async def test_the_kudos_chart_counts_the_readers_week_as_their_summary_does(
        bot, chat, clock, monkeypatch):
    """Alice praises 李雷 on Friday of 2026-W48 and again on Sunday at 21:00 in New York:
    Monday 10:00 for 李雷 in Shanghai, the next week where he reads. His /summary of
    2026-W48 counts China's kudos Monday to Sunday in his time (1 received); his chart of
    that week counted them in the org's time (New York) and drew 2. The GM in New York
    reads 2 in both."""
    from tests.test_kudos import kudo

    drawn = charts_drawn(monkeypatch)
    await bot.run_checkins()  # Friday 2026-11-27 16:00 in New York
    await kudo(bot, "alice", "/kudos @li for the pricing deck")
    clock.set(datetime(2026, 11, 30, 2, 0, tzinfo=UTC))  # Sun 21:00 NY, Mon 10:00 Shanghai
    await kudo(bot, "alice", "/kudos @li for the weekend demo")
    clock.set(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))
    await say(bot, "li", "/summary 2026-W48")
    assert "• China（李雷）：送出 0 次，收到 1 次（1 人）" in chat.last("li")
    await say(bot, "li", "/summary chart kudos 2026-W48 last 1w")
    assert drawn[-1].bars == [("China", 0, 1)]
    await say(bot, "grace", "/summary team China 2026-W48")
    assert "• China (李雷): 0 given, 2 received by 1 person" in chat.last("grace")
    await say(bot, "grace", "/summary chart kudos team China 2026-W48 last 1w")
    assert drawn[-1].bars == [("China", 0, 2)]

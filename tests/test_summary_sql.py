"""The summary's fast path gives the very numbers a hand-written SQL query gives.

A varied history is written in bulk (as bench/summary.py does): people who submit, skip
every question, stop half-way, miss, cannot be reached, get no round, are away, skip one
KPI, left the org half-way, and targets that change in the last weeks. For every week,
the participation per status and the team KPI totals the GM reads must equal the raw SQL
reference (bench.summary.checkin_sql), on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import pytest

from bench.summary import checkin_sql, fill
from bot.weeks import week_of, weeks_back
from handlers.summary import EXPECTED, SummaryRequest, render_summary, summaries

NY = "America/New_York"
WEEKS = 6


def reference(engine, week: str) -> tuple[Counter[str], dict[tuple[str, str], tuple]]:
    """Per status the number of people, per KPI (target, actual, reported, expected)."""
    statuses: Counter[str] = Counter()
    kpis: dict[tuple[str, str], list] = defaultdict(lambda: [0.0, None, 0, 0])
    for row in checkin_sql(engine, [week]):
        if row.metric == "revenue":  # every round asks it: one count per person
            statuses[row.status] += row.people
        line = kpis[(row.metric, row.unit)]
        line[0] += float(row.target)
        if row.actual is not None:
            line[1] = (line[1] or 0.0) + float(row.actual)
        line[2] += row.reported
        line[3] += row.people
    return statuses, {k: tuple(v) for k, v in kpis.items()}


def fast(week_summary) -> tuple[Counter[str], dict[tuple[str, str], tuple]]:
    statuses = Counter(p.status for p in week_summary.people if p.status in EXPECTED)
    kpis = {(k.metric, k.unit): (k.target, k.actual, k.reported, k.expected)
            for k in week_summary.team_kpis}
    return statuses, kpis


def same_numbers(week_summary) -> tuple[Any, ...]:
    """What must not depend on which texts were read: the totals, and each person's
    status and counts."""
    return fast(week_summary), [(p.key, p.status, p.answered, p.total, p.skipped)
                                for p in week_summary.people]


def test_every_weeks_numbers_equal_the_raw_sql(bot, clock):
    fill(bot, bot.engine, 150, WEEKS, seed=3, template="alice", now=clock.now())
    weeks = weeks_back(week_of(clock.now().date()), WEEKS)
    with bot.unit() as ctx:
        trend = summaries(ctx, SummaryRequest("trend", weeks=WEEKS), "en", NY)
    assert [w.week for w in trend] == weeks
    seen: Counter[str] = Counter()
    targets = set()
    for w in trend:
        with bot.unit() as ctx:
            (single,) = summaries(ctx, SummaryRequest("week", week=w.week), "en", NY)
        want = reference(bot.engine, w.week)
        assert fast(w) == want
        assert fast(single) == want  # one week alone reads as it does in the trend
        seen.update(p.status for p in w.people)
        targets.add(want[1][("revenue", "USD")][0] / max(want[1][("revenue", "USD")][3], 1))
    # The data really holds every edge case the comparison is about.
    for status in ("submitted", "skipped", "in_progress", "missed", "unreachable", "away",
                   "not_sent"):
        assert seen[status], status
    assert len(targets) > 1  # targets changed over the weeks


def test_people_who_left_keep_their_weeks_in_the_numbers(bot, clock):
    fill(bot, bot.engine, 100, 4, seed=4, template="alice", now=clock.now())
    old = weeks_back(week_of(clock.now().date()), 4)[0]
    with bot.unit() as ctx:
        (w,) = summaries(ctx, SummaryRequest("week", week=old), "en", NY)
    left = [p for p in w.people if p.key in {"d00007", "d00057"}]
    assert left and all(p.status != "not_sent" for p in left)
    assert fast(w) == reference(bot.engine, old)


def test_a_rendered_trend_reads_the_same_when_older_weeks_skip_their_texts(bot, clock):
    fill(bot, bot.engine, 80, 4, seed=5, template="alice", now=clock.now())
    request = SummaryRequest("trend", weeks=4)
    with bot.unit() as ctx:
        full = summaries(ctx, request, "en", NY)
        lean = summaries(ctx, request, "en", NY, texts="latest")
    for a, b in zip(full, lean, strict=True):
        assert same_numbers(a) == same_numbers(b)
    assert full[-1].to_dict() == lean[-1].to_dict()  # the latest week keeps everything
    # With no texts at all (the GM's digest header, which names who did not answer): the
    # same people, statuses and counts, for a trend and for one week alone.
    for req in (request, SummaryRequest("week", week=full[-1].week)):
        with bot.unit() as ctx:
            whole = summaries(ctx, req, "en", NY)
            bare = summaries(ctx, req, "en", NY, texts="none")
        for a, b in zip(whole, bare, strict=True):
            assert same_numbers(a) == same_numbers(b)
            assert [(p.name, p.status) for p in a.missing] == \
                [(p.name, p.status) for p in b.missing]
            assert (len(a.submitted), len(a.expected), [p.name for p in a.away]) == \
                (len(b.submitted), len(b.expected), [p.name for p in b.away])
            assert any(p.blockers for p in a.people)
            assert not any(p.blockers or p.wins for p in b.people)  # no text was read
    for markup in ("slack", "markdown"):
        assert render_summary(bot.renderer, "en", markup, request, lean, "Test") == \
            render_summary(bot.renderer, "en", markup, request, full, "Test")


@pytest.mark.parametrize("own_targets", [False, True], ids=["shared", "own-targets"])
def test_the_gm_views_numbers_equal_the_raw_sql_and_the_check_in_detail(bot, clock,
                                                                        own_targets):
    """Every person here is a director: the GM's headline (check-ins, KPI totals against
    the whole target) must equal the SQL reference week by week, and each director's
    status and figures the check-in detail's; with targets shared by many directors, and
    with every director's own."""
    from handlers.summary_gm import build_gm_summary

    fill(bot, bot.engine, 120, WEEKS, seed=6, template="alice", now=clock.now(),
         own_targets=own_targets)
    weeks = weeks_back(week_of(clock.now().date()), WEEKS)
    for week in weeks[-3:]:
        with bot.unit() as ctx:
            view = build_gm_summary(ctx, "en", week, 1, NY)
            (detail,) = summaries(ctx, SummaryRequest("week", week=week), "en", NY)
        statuses, kpis = reference(bot.engine, week)
        count = view.weeks[-1]
        assert (count.checked_in, count.expected) == (statuses["submitted"],
                                                      sum(statuses.values()))
        got = {(f.metric, f.unit): (f.target, f.actual, f.reported, f.expected)
               for f in view.headline}
        assert got.keys() == kpis.keys()
        for key, (target, actual, reported, expected) in kpis.items():
            assert got[key][0] == target and got[key][2:] == (reported, expected)
            assert abs((got[key][1] or 0) - (actual or 0)) < 1e-6
        people = {p.key: p for p in detail.people}
        for d in view.directors:
            p = people[d.key]
            assert d.status == p.status, d.key
            if d.status not in {"away", "not_sent"}:
                assert (d.answered, d.total, d.skipped) == (p.answered, p.total, p.skipped)
            # (Away or not sent: the CRM's figures alone, in both.)
            assert [(f.metric, f.target, f.actual) for f in d.week] == \
                [(k.metric, k.target, k.actual) for k in p.kpis], d.key


@pytest.mark.parametrize("own_targets", [False, True], ids=["shared", "own-targets"])
def test_month_and_quarter_to_date_add_up_every_week_the_director_was_asked(bot, clock,
                                                                             own_targets):
    """A GM reading quarter to date late in the quarter: each director's month and quarter
    figures must be exactly their weekly figures added up, week by week, the CRM's figure
    counting where it has one (with no target in a week they were not asked),
    whichever weeks the view reads in detail and whichever it adds up in bulk."""
    from sqlalchemy import insert

    from storage.goals import CrmActual, CrmImport

    weeks = weeks_back(week_of(clock.now().date()), 12)
    fill(bot, bot.engine, 80, 12, seed=9, template="alice", now=clock.now(),
         own_targets=own_targets)
    with bot.engine.begin() as conn:
        imp = conn.execute(insert(CrmImport).values(
            source="crm.csv", content_hash="x", format="generic", row_count=0,
            imported_at=clock.now())).inserted_primary_key[0]
        # The CRM's figures for some directors in old and recent weeks (two rows for one
        # week add up), some where the director typed a figure, some where they did not.
        rows = [{"import_id": imp, "line": n, "person_key": f"d{i:05d}", "metric": "revenue",
                 "day": None, "week": wk, "value": 1000.0 * (i + n)}
                for n, (i, wk) in enumerate([(i, wk) for i in range(0, 80, 7)
                                             for wk in weeks[::3]] + [(3, weeks[2])])]
        conn.execute(insert(CrmActual), rows)
    # Late in the quarter, and the last week of a five-week month (2026-10: five Thursdays).
    for week in (weeks[-1], "2026-W44"):
        _to_date_adds_up(bot, week, weeks)


def _to_date_adds_up(bot, week: str, weeks: list[str]) -> None:
    from handlers.summary_gm import PAGE_SIZE, build_gm_summary, month_of, quarter_of

    quarter = [w for w in weeks if quarter_of(w) == quarter_of(week) and w <= week]
    month = [w for w in quarter if month_of(w) == month_of(week)]
    # Weeks the view adds up beyond the four it reads in detail.
    assert len(quarter) > 4 and (len(month) > 4 or week != "2026-W44")
    with bot.unit() as ctx:
        view = build_gm_summary(ctx, "en", week, 1, NY)
        by_week = {w: {d.key: d for d in build_gm_summary(ctx, "en", w, 1, NY).directors}
                   for w in quarter}
    checked = 0
    for d in view.directors:
        for figures, period in ((d.qtd, quarter), (d.mtd, month)):
            want: dict[tuple[str, str], list] = {}
            for w in period:
                past = by_week[w].get(d.key)
                for f in past.week if past is not None else []:
                    line = want.setdefault((f.metric, f.unit), [0.0, None, 0, 0])
                    line[0] += f.target
                    if f.actual is not None:
                        line[1] = (line[1] or 0.0) + f.actual
                    line[2] += f.reported
                    line[3] += f.expected
            got = {(f.metric, f.unit): [f.target, f.actual, f.reported, f.expected]
                   for f in figures}
            assert got.keys() == want.keys(), d.key
            for key, (target, actual, reported, expected) in want.items():
                assert (got[key][0], got[key][2], got[key][3]) == \
                    pytest.approx((target, reported, expected)), (d.key, key)
                assert (got[key][1] is None) == (actual is None), (d.key, key)
                assert (got[key][1] or 0) == pytest.approx(actual or 0), (d.key, key)
                checked += 1
    assert checked > 50
    # One director's full picture (/summary <director>) reads their weeks the same way.
    with bot.unit() as ctx:
        for d in view.directors[::9]:
            (alone,) = build_gm_summary(ctx, "en", week, 1, NY, only=d.key).directors
            assert [(f.metric, f.target, f.actual, f.reported, f.expected)
                    for f in alone.qtd + alone.mtd] == \
                [(f.metric, f.target, f.actual, f.reported, f.expected)
                 for f in d.qtd + d.mtd], d.key
    # The org's headline is every week's figures added up, those of directors since
    # removed from the org file (no block this week) included: what the GM read in a
    # past week's headline stays in the month and quarter.
    for head, period in ((view.headline_qtd, quarter), (view.headline_mtd, month)):
        for f in head:
            mine = [x for w in period for d in by_week[w].values() for x in d.week
                    if (x.metric, x.unit) == (f.metric, f.unit)]
            assert f.target == pytest.approx(sum(x.target for x in mine))
            assert (f.actual or 0) == pytest.approx(sum(x.actual or 0 for x in mine))
            assert f.reported == sum(x.reported for x in mine)
            assert f.expected == sum(x.expected for x in mine)
    # The CRM's sales in weeks a director was not asked (away, no round) count with no
    # target, in the week and in the month and quarter alike (the data holds such weeks).
    assert any(x.expected == 0 and x.actual for w in quarter for d in by_week[w].values()
               for x in d.week)
    leavers = {k for w in quarter for k in by_week[w]} - {d.key for d in view.directors}
    assert leavers  # (the fill removes some directors from the org file)
    # A chat page (what the GM reads in chat) adds the older weeks up for the whole org
    # and, per director, for its page's only: the same headline and the same directors'
    # figures as the whole view, page by page.
    def figures(fs: list) -> list[tuple]:
        return [(f.metric, f.unit, pytest.approx(f.target), f.actual is None,
                 pytest.approx(f.actual or 0), f.reported, f.expected) for f in fs]

    whole = {d.key: d for d in view.directors}
    seen = []
    with bot.unit() as ctx:
        for page in range(1, len(view.directors) // PAGE_SIZE + 2):
            paged = build_gm_summary(ctx, "en", week, 1, NY, page=page)
            assert figures(paged.headline_qtd) == figures(view.headline_qtd)
            assert figures(paged.headline_mtd) == figures(view.headline_mtd)
            for d in paged.directors[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]:
                assert figures(d.qtd) == figures(whole[d.key].qtd), (page, d.key)
                assert figures(d.mtd) == figures(whole[d.key].mtd), (page, d.key)
                seen.append(d.key)
    assert sorted(seen) == sorted(whole) and len(seen) > 3 * PAGE_SIZE


def test_a_directors_month_and_quarter_read_the_same_in_chat_and_in_the_export(bot, clock):
    """The GM reads a director's quarter to date on the first page in chat and again in
    `teampulse summary --format json`: the very same figure, to the last digit, also
    when the figures have cents (floating-point sums added in another order differ in
    their last digits: 0.1 + 0.2 + 0.3 is not 0.1 + (0.2 + 0.3))."""
    from sqlalchemy import text

    from handlers.summary_gm import PAGE_SIZE, build_gm_summary

    weeks = weeks_back(week_of(clock.now().date()), 12)
    fill(bot, bot.engine, 60, 12, seed=4, template="alice", now=clock.now())
    with bot.engine.begin() as conn:  # cents on every figure typed
        conn.execute(text("UPDATE answers SET number_value = number_value + 0.1 * (id % 7) "
                          "+ 0.01 * (id % 13) WHERE number_value IS NOT NULL"))
    week = weeks[-1]
    with bot.unit() as ctx:
        whole = build_gm_summary(ctx, "en", week, 1, NY)
        chat = build_gm_summary(ctx, "en", week, 1, NY, page=1)
    export = {d.key: d for d in whole.directors}
    page = chat.directors[:PAGE_SIZE]
    # The org's month and quarter to date (a chat page adds the older weeks up for the
    # whole org, the export director by director), and no figure with a tail of digits
    # its figures never had.
    for mine, theirs in ((chat.headline, whole.headline), (chat.headline_mtd,
                                                            whole.headline_mtd),
                         (chat.headline_qtd, whole.headline_qtd)):
        assert [(f.metric, f.target, f.actual) for f in mine] == \
            [(f.metric, f.target, f.actual) for f in theirs]
        assert all(f.actual == round(f.actual, 2) for f in mine), mine
    compared = 0
    for d in page:
        for mine, theirs in ((d.mtd, export[d.key].mtd), (d.qtd, export[d.key].qtd)):
            assert [(f.metric, f.unit, f.target, f.actual, f.reported, f.expected)
                    for f in mine] == \
                [(f.metric, f.unit, f.target, f.actual, f.reported, f.expected)
                 for f in theirs], d.key
            compared += len(mine)
            assert all(f.actual == round(f.actual, 2) for f in mine if f.actual), mine
    assert compared >= PAGE_SIZE * 2


@pytest.mark.parametrize("shown", [1, 4])
def test_the_cli_json_is_the_views_dicts_byte_for_byte(bot, clock, shown):
    """`teampulse summary --format json` writes each director's view as orjson reaches it
    (bot/cli_output.json_bytes' records): the very bytes of to_dict's dicts, every
    director, figure, support request and attention kind in the same order."""
    from bot.cli_output import json_bytes
    from handlers.summary_gm import build_gm_summary

    fill(bot, bot.engine, 60, WEEKS, seed=9, template="alice", now=clock.now())
    week = week_of(clock.now().date())
    with bot.unit() as ctx:
        view = build_gm_summary(ctx, "en", week, shown, NY)
    made = view.to_dict()
    assert len(made["directors"]) >= 60 and any(d["support"] for d in made["directors"])
    assert any(d["attention"] for d in made["directors"])
    assert json_bytes(view.for_json(), records=True) == json_bytes(made)


def test_rounds_stored_before_rounds_had_a_role_read_as_their_persons_role_today(bot, clock):
    """A database upgraded from before rounds recorded their role (0007_roundrole) may
    hold rounds with none: every statement of the GM's view, the weeks read in detail and
    the older weeks it adds up alike, takes the person's role today for them. The export
    (every director), a chat page and one director's view read exactly as with the same
    roles stored on the rounds."""
    from sqlalchemy import text

    from handlers.summary_gm import build_gm_summary, gm_page

    weeks = weeks_back(week_of(clock.now().date()), 12)
    fill(bot, bot.engine, 40, 12, seed=5, template="alice", now=clock.now())
    week = weeks[-1]
    with bot.engine.begin() as conn:
        keys = [k for (k,) in conn.execute(text(
            "SELECT key FROM people WHERE role = 'director' AND active ORDER BY key"))]
        # One director made a member today: the rounds' stored role says so as well.
        conn.execute(text("UPDATE people SET role = 'member' WHERE key = :k"), {"k": keys[1]})
        conn.execute(text("UPDATE checkin_rounds SET role = 'member' WHERE person_id = "
                          "(SELECT id FROM people WHERE key = :k)"), {"k": keys[1]})

    def views() -> list[Any]:
        with bot.unit() as ctx:
            return [build_gm_summary(ctx, "en", week, 4, NY).to_dict(),
                    gm_page(ctx, "en", "slack", week, 8, NY, 1),
                    build_gm_summary(ctx, "en", week, 4, NY, only=keys[0]).to_dict(),
                    build_gm_summary(ctx, "en", week, 4, NY, only=keys[1]).to_dict()]

    stored = views()
    assert keys[1] not in {d["key"] for d in stored[0]["directors"]}
    assert stored[0]["headline"]["quarter_to_date"] and stored[2]["directors"]
    with bot.engine.begin() as conn:
        conn.execute(text("UPDATE checkin_rounds SET role = NULL"))
    assert views() == stored


@pytest.mark.parametrize("own_targets", [False, True], ids=["shared", "own-targets"])
def test_each_look_back_weeks_figures_read_as_that_weeks_own_view(bot, clock, own_targets):
    """A director's trend (attainment per look-back week) and confidence in the GM's view
    of this week read the earlier weeks' figures apart from this week's: each must equal
    what the view of that week itself shows as its latest, whoever skipped a KPI, skipped
    everything, stopped half-way or was away."""
    from handlers.summary_gm import build_gm_summary

    fill(bot, bot.engine, 80, WEEKS, seed=8, template="alice", now=clock.now(),
         own_targets=own_targets)
    week = week_of(clock.now().date())
    look = weeks_back(week, 4)
    with bot.unit() as ctx:
        now = build_gm_summary(ctx, "en", week, 1, NY)
        own = {wk: {d.key: d for d in build_gm_summary(ctx, "en", wk, 1, NY).directors}
               for wk in look}
    assert any(d.series.count(None) not in {0, len(look)} for d in now.directors)
    for d in now.directors:
        assert len(d.series) == len(d.confidence) == len(look)
        for i, wk in enumerate(look):
            then = own[wk].get(d.key)
            series = then.series[-1] if then else None
            confidence = then.confidence[-1] if then else None
            assert (d.series[i], d.confidence[i]) == (series, confidence), (d.key, wk)

"""Chart benchmarks: each chart rendered on a year of a 1,000-person org.

The data is bench/summary.py's (1,000 directors in 20 teams, 52 weeks of check-ins) plus
a year of kudos (about one per person per week) and a pulse poll every second week. Each
chart is rendered for the full 52 weeks (the heaviest a chart gets) and for the default 8.

  chart-<kind>-52w   render_chart_png, median of several runs, divided by the same-run
                     baseline: hand-written SQL for the same series plus a bare matplotlib
                     render (Figure + Agg, the same panels and number of lines or bars, no
                     labels, legend or fonts) of those arrays. Attainment here is a large
                     org's chart (20 teams): per week the median and middle half of the
                     people, and the 3 highest and 3 lowest teams, each read and computed
                     the fastest bare way found (see _ROUNDS)
  chart-<kind>-8w    the same for the default 8 weeks
  (each also as <name>-abs: the median against the issue's target of 1 s)
"""

from __future__ import annotations

import io
import json
import math
import random
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, text

from bench.databases import settle
from bench.report import Figure
from bench.summary import NOW, fill, make_bot, median_ms
from bot.charts import render_chart_png
from bot.weeks import week_of, week_start, weeks_back
from storage.kudos import Kudos
from storage.pulse import PulsePoll, PulseVote

RATIO_TARGET = 2.0
TARGET_MS = 1000.0
KINDS = ("attainment", "morale", "kudos")
CHUNK = 5000


def fill_kudos_and_pulse(engine: Engine, weeks: int, seed: int = 3) -> None:
    """A year of kudos (about one per person and week) and a pulse poll every second week."""
    rng = random.Random(seed)
    with engine.begin() as conn:
        people = [(pid, team) for pid, team in conn.execute(text(
            "SELECT id, team FROM people WHERE role = 'director'"))]
    shown = weeks_back(week_of(NOW.date()), weeks)
    kudos: list[dict[str, Any]] = []
    polls: list[dict[str, Any]] = []
    for n, week in enumerate(shown):
        monday = datetime.combine(week_start(week), datetime.min.time(), UTC)
        for i in range(len(people)):
            (giver, giver_team), (recipient, recipient_team) = people[i], rng.choice(people)
            if giver == recipient or rng.random() < 0.1:
                continue
            # (Each kudos keeps both teams as they were when given, as KudosRepo.give.)
            kudos.append({"giver_id": giver, "recipient_id": recipient, "reason": "thanks",
                          "giver_team": giver_team, "recipient_team": recipient_team,
                          "values": ["teamwork"], "platform": "slack", "chat_id": "C1",
                          "message_id": f"{n}.{i}", "source_key": f"slack:C1:{n}.{i}",
                          "given_at": monday + timedelta(hours=rng.randrange(0, 160))})
        if n % 2 == 0:
            day = week_start(week) + timedelta(days=2)
            polls.append({"key": day.isoformat(), "questions": [], "threshold": 5,
                          "teams": sorted({t for _, t in people if t}),
                          "closes_at": monday + timedelta(days=4), "closed": True})
    with engine.begin() as conn:
        for start in range(0, len(kudos), CHUNK):
            conn.execute(insert(Kudos), kudos[start:start + CHUNK])
        conn.execute(insert(PulsePoll), polls)
        poll_ids = dict(conn.execute(text("SELECT key, id FROM pulse_polls")).all())
        votes: list[dict[str, Any]] = []
        for poll_id in poll_ids.values():
            for _, team in people:
                if rng.random() < 0.8:
                    votes.append({"poll_id": poll_id, "question_key": "morale",
                                  "value": rng.randrange(2, 6), "team": team})
                    votes.append({"poll_id": poll_id, "question_key": "stress",
                                  "value": rng.randrange(1, 5), "team": team})
        for start in range(0, len(votes), CHUNK):
            conn.execute(insert(PulseVote), votes[start:start + CHUNK])
    settle(engine)


# --- the baseline: the same series straight from SQL, drawn bare ---------------------------

# Attainment as the chart computes it (each person-week: the mean over their KPIs of the
# figure / the target their round's snapshot asked), by the fastest bare route found: the
# rounds with their snapshot's key, each distinct snapshot's text once (by key), and the
# KPI figures, one row per round.
_ROUNDS = """
SELECT r.id, r.person_id, COALESCE(r.team, p.team), r.week, r.snapshot_key
FROM checkin_rounds r JOIN people p ON p.id = r.person_id WHERE r.week IN ({weeks})
"""

_SNAPSHOTS = """
SELECT snapshot_key, CAST(questions AS TEXT) FROM checkin_rounds
WHERE id IN (SELECT MIN(id) FROM checkin_rounds WHERE week IN ({weeks}) GROUP BY snapshot_key)
"""

_FIGURES = """
SELECT round_id, {columns} FROM answers
WHERE round_id IN (SELECT id FROM checkin_rounds WHERE week IN ({weeks}))
  AND question_key IN ({keys}) AND NOT skipped AND number_value IS NOT NULL
GROUP BY round_id
"""

_MORALE = """
SELECT v.team, v.question_key, p.key, COUNT(*), SUM(v.value)
FROM pulse_votes v JOIN pulse_polls p ON p.id = v.poll_id
WHERE p.key >= :since AND p.key <= :until AND v.question_key IN ('morale', 'stress')
GROUP BY v.team, v.question_key, p.key
"""

_KUDOS = """
SELECT k.{side}_team, COUNT(*) FROM kudos k
WHERE k.given_at >= :start AND k.given_at < :end GROUP BY k.{side}_team
"""


def baseline(engine: Engine, kind: str, weeks: list[str]) -> bytes:
    """The chart's series by hand-written SQL, drawn with bare matplotlib (no labels)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure as MplFigure

    index = {w: i for i, w in enumerate(weeks)}
    lines: dict[Any, list[float]] = {}
    bars: list[tuple[Any, int, int]] = []
    with engine.connect() as conn:
        if kind == "attainment":
            return _attainment_baseline(conn, weeks)
        elif kind == "morale":
            since = week_start(weeks[0]).isoformat()
            until = (week_start(weeks[-1]) + timedelta(days=6)).isoformat()
            for team, question, key, n, total in conn.execute(
                    text(_MORALE), {"since": since, "until": until}):
                week = week_of(date.fromisoformat(key))
                lines.setdefault((team, question), [math.nan] * len(weeks))[index[week]] = \
                    total / n
        else:
            start = datetime.combine(week_start(weeks[0]), datetime.min.time(), UTC)
            end = datetime.combine(week_start(weeks[-1]) + timedelta(days=7),
                                   datetime.min.time(), UTC)
            given = dict(conn.execute(text(_KUDOS.format(side="giver")),
                                      {"start": start, "end": end}).all())
            received = dict(conn.execute(text(_KUDOS.format(side="recipient")),
                                         {"start": start, "end": end}).all())
            bars = [(t, given.get(t, 0), received.get(t, 0))
                    for t in sorted(set(given) | set(received), key=str)]
    fig = MplFigure(figsize=(10, 5.6), dpi=100)
    FigureCanvasAgg(fig)
    # The same panels as the chart (morale and stress apart), nothing else.
    panels = [fig.add_subplot(2, 1, 1), fig.add_subplot(2, 1, 2)] if kind == "morale" \
        else [fig.add_subplot()]
    ax = panels[0]
    xs = list(range(len(weeks)))
    for key, values in lines.items():
        panel = panels[1] if kind == "morale" and key[1] == "stress" else ax
        panel.plot(xs, values, marker="o")
    if bars:
        ax.bar([i - 0.2 for i in range(len(bars))], [b[1] for b in bars], 0.4)
        ax.bar([i + 0.2 for i in range(len(bars))], [b[2] for b in bars], 0.4)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def _raw(conn: Any, sql: str) -> list[tuple[Any, ...]]:
    """The driver's own tuples, no SQLAlchemy Row per row."""
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.execute(sql)
        return cursor.fetchall()
    finally:
        cursor.close()


def _attainment_baseline(conn: Any, weeks: list[str]) -> bytes:
    """A large org's attainment chart, bare: per week the median and middle half of the
    people, and the 3 highest and 3 lowest teams (the mean of their people) as lines."""
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure as MplFigure

    marks = ", ".join(f"'{w}'" for w in weeks)
    index = {w: i for i, w in enumerate(weeks)}
    parsed: dict[str, int] = {}
    snapshots: list[dict[str, float]] = []
    for key, snapshot in _raw(conn, _SNAPSHOTS.format(weeks=marks)):
        parsed[key] = len(snapshots)
        snapshots.append({q["key"]: float(q["target"]) for q in json.loads(snapshot)
                          if q.get("category") == "kpi" and q.get("target")})
    rounds: dict[int, tuple[int, str, int, int]] = {}
    for rid, pid, team, week, key in _raw(conn, _ROUNDS.format(weeks=marks)):
        at = parsed[key]
        if snapshots[at]:
            rounds[rid] = (pid, team, index[week], at)
    keys = sorted({k for kpis in snapshots for k in kpis})
    aligned = [[(i, kpis[k]) for i, k in enumerate(keys, start=1) if k in kpis]
               for kpis in snapshots]
    columns = ", ".join(f"MAX(CASE WHEN question_key = '{k}' THEN number_value END)"
                        for k in keys)
    people: dict[int, list[float]] = {}
    team_of: dict[int, str] = {}
    for row in _raw(conn, _FIGURES.format(columns=columns, weeks=marks,
                                          keys=", ".join(f"'{k}'" for k in keys))):
        pid, team, week, at = rounds[row[0]]
        total, count = 0.0, 0
        for i, target in aligned[at]:
            if row[i] is not None:
                total += row[i] / target
                count += 1
        if count:
            values = people.get(pid)
            if values is None:
                values = people[pid] = [math.nan] * len(weeks)
                team_of[pid] = team
            values[week] = 100 * total / count
    matrix = np.array(list(people.values()))
    q1, median, q3 = np.nanpercentile(matrix, [25, 50, 75], axis=0)  # each week has some
    members = np.array([team_of[pid] for pid in people])
    teams = {t: np.nanmean(matrix[members == t], axis=0) for t in set(team_of.values())}
    ranked = sorted(teams, key=lambda t: -np.nanmean(teams[t]))
    fig = MplFigure(figsize=(10, 5.6), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    xs = list(range(len(weeks)))
    marker = "o" if len(weeks) <= 13 else None  # as the chart
    ax.fill_between(xs, q1, q3, alpha=0.35, linewidth=0)
    ax.plot(xs, median, linewidth=2.4)
    for team in ranked[:3] + ranked[-3:]:
        ax.plot(xs, teams[team], marker=marker)
    ax.axhline(100, linestyle="--")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def chart_action(bot: Any, kind: str, weeks: int) -> Callable[[], bytes]:
    """render_chart_png as /summary chart calls it: one transaction, the GM's language."""
    end = week_start(week_of(NOW.date()))

    def act() -> bytes:
        with bot.unit() as ctx:
            return render_chart_png(ctx.session, bot.org, kind, "zh-CN", end_week=end,
                                    weeks=weeks, today=NOW.astimezone(bot.org.tz).date())
    return act


async def run() -> list[Figure]:
    """The chart suite's figures."""
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as tmp:
        bot, engine, _clock, _settings = make_bot(Path(tmp), "c1k")
        t0 = time.perf_counter()
        fill(bot, engine, 1000, 52)
        fill_kudos_and_pulse(engine, 52)
        print(f"    filled 1,000 people x 52 weeks (check-ins, kudos, pulse) in "
              f"{time.perf_counter() - t0:.1f} s", flush=True)
        for count in (52, 8):
            shown = weeks_back(week_of(NOW.date()), count)
            for kind in KINDS:
                base = median_ms(lambda k=kind, s=shown: baseline(engine, k, s))
                value = median_ms(chart_action(bot, kind, count))
                name = f"chart-{kind}-{count}w"
                what = f"{kind} chart, {count} weeks, 1,000 x 52"
                figures += [Figure(name, what, value, base, "ms",
                                   "raw SQL + bare matplotlib", RATIO_TARGET),
                            Figure(f"{name}-abs", what, value, TARGET_MS, "ms", "target time",
                                   1.0)]
        bot.close()
        engine.dispose()
    return figures

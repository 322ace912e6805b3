"""The GM's view when every director has a target of their own: each is measured against
their own, in the first summary after a start and in every one after it (the parsed
snapshots are kept between summaries), however many snapshots there are."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

import handlers.summary as summary
from bot.app import prepare
from bot.org import load_org
from bot.weeks import week_of
from handlers.summary import SummaryRequest, resolve_week
from handlers.summary_gm import build_gm_summary, quarter_of, to_csv
from tests.support import TEST_ORG, RecordingAdapter
from tests.test_checkin import answer_all

DIRECTORS = 30
REVENUE = "41000"


def target(i: int, later: bool = False) -> int:
    """Director i's weekly revenue target (raised by 5,000 in the later week)."""
    return 30000 + 1000 * i + (5000 if later else 0)


def own_targets_org(tmp_path: Path, later: bool = False) -> Path:
    data = yaml.safe_load(TEST_ORG.read_text(encoding="utf-8"))
    data["people"] += [{"key": f"t{i:02d}", "name": f"Director {i:02d}", "role": "director",
                        "manager": "grace", "team": f"T{i % 3}",
                        "timezone": "America/New_York", "locale": "en",
                        "kpis": [{"metric": "revenue", "unit": "USD",
                                  "weekly_target": target(i, later)}]}
                       for i in range(1, DIRECTORS + 1)]
    path = tmp_path / ("later.yaml" if later else "own.yaml")
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def own(settings, clock, tmp_path) -> Iterator[tuple]:
    bot, engine = prepare(replace(settings, org_file=own_targets_org(tmp_path)), clock)
    bot.register(RecordingAdapter())
    yield bot, engine
    engine.dispose()


def gm_csv(bot, weeks: int = 1) -> dict[str, dict[str, str]]:
    """The GM's view as the CLI's CSV has it, by director key, with the questions each
    answered of those that applied (as the JSON and the chat view have them)."""
    with bot.unit() as ctx:
        week = resolve_week(ctx, SummaryRequest("week"), "UTC")
        view = build_gm_summary(ctx, "en", week, weeks, "UTC")
        rows = {row["director"]: row for row in csv.DictReader(io.StringIO(to_csv(view)))}
        for d in view.directors:
            rows[d.key]["answered"] = f"{d.answered} of {d.total}"
        return rows


async def answered_week(bot, answers: list[str] | None = None) -> None:
    await bot.run_checkins()
    for i in range(1, DIRECTORS + 1):
        await answer_all(bot, f"t{i:02d}", answers or [REVENUE, "Won", "none", "1", "More",
                                                      "4"])


async def test_each_director_is_measured_against_their_own_target(own):
    bot, _engine = own
    await answered_week(bot)
    first = gm_csv(bot)
    for i in range(1, DIRECTORS + 1):
        row = first[f"t{i:02d}"]
        assert (row["revenue_week_actual"], row["revenue_week_target"]) == \
            (REVENUE, str(target(i)))
        assert float(row["revenue_week_attainment"]) == pytest.approx(41000 / target(i),
                                                                     abs=1e-4)
        assert row["revenue_qtd_target"] == str(target(i))
    # Again, with every snapshot kept from the first: the same view.
    assert gm_csv(bot) == first


async def test_a_raised_target_counts_from_its_week_on_for_everyone(own, clock, tmp_path):
    """Last week at the old targets, this week at the new: each week keeps its own, in a
    view built with the snapshots kept and in one built from scratch."""
    bot, _engine = own
    friday = clock.now()
    clock.set(friday - timedelta(weeks=1))
    await answered_week(bot)
    clock.set(friday)
    bot.org = load_org(own_targets_org(tmp_path, later=True))  # the org file edited
    bot.sync_org()
    await answered_week(bot)
    warm = gm_csv(bot, weeks=2)
    summary.forget_snapshots()  # as after a restart
    assert gm_csv(bot, weeks=2) == warm
    this_week = week_of(friday.date())
    same_quarter = quarter_of(this_week) == quarter_of(week_of((friday - timedelta(weeks=1))
                                                               .date()))
    for i in range(1, DIRECTORS + 1):
        row = warm[f"t{i:02d}"]
        assert row["revenue_week_target"] == str(target(i, later=True))
        assert row["revenue_qtd_target"] == str(target(i, later=True) + (
            target(i) if same_quarter else 0))


async def test_a_view_with_more_snapshots_than_are_kept_is_still_right(own, monkeypatch):
    """Past the number of snapshots kept, the cache starts again in the middle of a view:
    nothing read before is mistaken for another snapshot (one director's target for
    another's, or which questions applied)."""
    bot, _engine = own
    await bot.run_checkins()
    for i in range(1, DIRECTORS + 1):
        # Half ask for support (one more question applies), half do not.
        need = "2" if i % 2 else "1"
        await answer_all(bot, f"t{i:02d}", [REVENUE, "Won", "none", need, "More", "4"]
                         if need == "1" else [REVENUE, "Won", "none", need, "Budget",
                                              "More", "4"])
    expected = gm_csv(bot)
    summary.forget_snapshots()
    monkeypatch.setattr(summary, "_PARSED_MAX", 4)
    assert gm_csv(bot) == expected
    assert gm_csv(bot) == expected
    assert {expected[f"t{i:02d}"]["answered"] for i in range(1, DIRECTORS + 1)} == \
        {"6 of 6", "7 of 7"}

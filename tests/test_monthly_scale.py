"""The GM's monthly overview of a big org: a page of 20 directors reads their check-in
rounds in as many statements as a page of one (each director's were read four times:
the month's weeks, once per KPI for its target, and the weeks already asked)."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.support import bot_on_org, say
from tests.test_ingest_batch import statements
from tests.test_monthly_review import DEC_1_9AM_NY

DIRECTORS = 21  # a full page of 20, and one on page 2
NOVEMBER = ("2026-W45", "2026-W46", "2026-W47", "2026-W48")
QUESTIONS = [{"category": "kpi", "metric": "revenue", "unit": "USD", "target": 50000},
             {"category": "kpi", "metric": "new_customers", "unit": "customers", "target": 4}]


def org_yaml(directors: int) -> str:
    """A GM and `directors` directors with two KPIs each, in three teams."""
    lines = ["org: {name: Big}", "people:",
             "  - {key: gm, name: Grace GM, role: gm, timezone: America/New_York, "
             "slack_id: U0GM}"]
    for i in range(directors):
        lines.append(
            f"  - {{key: d{i:02d}, name: Director {i:02d}, role: director, manager: gm, "
            f"team: T{i % 3}, timezone: America/New_York, slack_id: U0D{i:02d}, kpis: ["
            "{metric: revenue, unit: USD, weekly_target: 50000}, "
            "{metric: new_customers, unit: customers, weekly_target: 4}]}")
    return "\n".join(lines) + "\n"


def round_reads(seen: list[str]) -> int:
    """Statements that read check-in rounds whole, or the answers loaded with them (not
    the figures a KPI's sums read)."""
    return sum(1 for s in seen if re.match(
        r"SELECT (checkin_rounds\.id, checkin_rounds\.person_id|answers\.round_id, "
        r"answers\.id)", s))


async def test_a_page_of_20_directors_reads_their_rounds_as_a_page_of_one_does(
        settings, clock, tmp_path):
    """Each director of the page checked in every week of November; the GM reads
    /monthly on 3 December (page 1: 20 directors) and /monthly page 2 (one). Each
    director's rounds were read four times, three statements each: 240 for the page of
    20 where 12 read the one on page 2. Read together for the page now, both cost the
    same; and page 3, past the last, reads the month's directors once."""
    org = tmp_path / "org.yaml"
    org.write_text(org_yaml(DIRECTORS), encoding="utf-8")
    with bot_on_org(settings, clock, org) as (bot, chat, _):
        with bot.unit() as ctx:
            for person in ctx.people.active():
                for week in NOVEMBER if person.role == "director" else ():
                    rnd = ctx.checkins.create_round(person, week, QUESTIONS, DEC_1_9AM_NY)
                    rnd.status = "submitted"
                    ctx.checkins.save_answer(rnd, "kpi:revenue", text=None, number=40000,
                                             skipped=False, now=DEC_1_9AM_NY)
        clock.set(DEC_1_9AM_NY + timedelta(days=2))
        counts = {}
        for command in ("/monthly", "/monthly page 2", "/monthly page 3"):
            with statements(bot) as seen:
                await say(bot, "gm", command)
            counts[command] = (round_reads(seen), len(seen),
                               sum(1 for s in seen if "coalesce(checkin_rounds.role" in s))
        overview = chat.to("gm")[0]
        assert overview.count("• Director") == 20, overview
        assert "• Director 00 · T0 — check-ins 4 of 4 · Revenue 80% · New customers — ·" \
            in overview, overview
        assert chat.to("gm")[1].count("• Director") == 1
        assert chat.last("gm") == "There is no page 3: 2026-11's overview fills 2 pages."
        page, one, past = counts.values()
        assert page[0] == one[0] <= 2, counts
        # The rest a director's line reads (its KPIs' figures, its support requests) is
        # a few statements each, no more.
        assert (page[1] - one[1]) / 19 <= 15, counts
        assert past[2] == 1, counts  # the month's directors (and their teams then)

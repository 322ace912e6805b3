"""The README's example charts: `python -m bench.chart_demo docs/img`.

The example org (org.example.yaml) with twelve weeks of generated check-ins, kudos and a
pulse poll every second week, in a throwaway SQLite database; each chart is written as
<kind>.png (English) and <kind>.zh-CN.png (Chinese) by render_chart_png, exactly as
/summary chart draws it. A fixed seed and date give the same images on every run.
"""

from __future__ import annotations

import random
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from bot.app import prepare
from bot.charts import KINDS, render_chart_png
from bot.clock import FakeClock
from bot.config import Settings
from bot.weeks import week_of, week_start, weeks_back
from storage.kudos import Kudos
from storage.models import Answer, CheckinRound, Person
from storage.pulse import PulsePoll, PulseVote

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)
WEEKS = 12


def generate(bot: Any, engine: Any, seed: int = 7) -> None:
    """Twelve weeks of check-ins (KPI numbers around each target), kudos and pulse votes."""
    rng = random.Random(seed)
    weeks = weeks_back(week_of(NOW.date()), WEEKS)
    with engine.begin() as conn:
        people = list(conn.execute(select(Person.id, Person.key, Person.checks_in, Person.team)
                                   .where(Person.active.is_(True))))
        everyone = [p.id for p in people]
        team_of = {p.id: p.team for p in people}
        form = {p.key: 0.75 + 0.1 * i for i, p in enumerate(people)}  # each their own level
        for n, week in enumerate(weeks):
            monday = datetime.combine(week_start(week), datetime.min.time(), UTC)
            for person in people:
                org_person = bot.org.person(person.key)
                if not person.checks_in or org_person is None:
                    continue
                questions = bot.org.questions_for(org_person)
                round_id = conn.execute(insert(CheckinRound).values(
                    person_id=person.id, week=week, questions=[q.to_dict() for q in questions],
                    status="submitted", team=org_person.team, created_at=monday,
                    prompted_at=monday, submitted_at=monday + timedelta(days=1))
                    .returning(CheckinRound.id)).scalar_one()
                level = form[person.key] + 0.03 * n + rng.uniform(-0.15, 0.15)
                answers = [{"round_id": round_id, "question_key": q.key, "text_value": None,
                            "number_value": round(float(q.target or 0) * level, 0),
                            "skipped": False, "answered_at": monday, "updated_at": monday}
                           for q in questions if q.category == "kpi"]
                conn.execute(insert(Answer), answers)
            for _ in range(rng.randrange(3, 9)):
                giver, recipient = rng.sample(everyone, 2)
                conn.execute(insert(Kudos).values(
                    giver_id=giver, recipient_id=recipient, reason="thanks", values=[],
                    platform="console", chat_id=None, message_id=None, source_key=None,
                    given_at=monday + timedelta(hours=rng.randrange(0, 120)),
                    giver_team=team_of[giver], recipient_team=team_of[recipient]))
            if n % 2 == 0:  # a pulse poll: too few per team to show any team, so none is
                day: date = week_start(week) + timedelta(days=2)
                poll_id = conn.execute(insert(PulsePoll).values(
                    key=day.isoformat(), questions=[], threshold=5, teams=[],
                    closes_at=monday + timedelta(days=4), closed=True)
                    .returning(PulsePoll.id)).scalar_one()
                for _ in everyone:
                    conn.execute(insert(PulseVote), [
                        {"poll_id": poll_id, "question_key": "morale", "team": None,
                         "value": rng.choice([3, 4, 4, 5]) if n < 8 else rng.choice([2, 3, 4])},
                        {"poll_id": poll_id, "question_key": "stress", "team": None,
                         "value": rng.choice([2, 2, 3]) if n < 8 else rng.choice([3, 4, 4])}])


def main(argv: list[str]) -> int:
    """Write the example charts into the folder named (default docs/img)."""
    folder = Path(argv[0]) if argv else ROOT / "docs" / "img"
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite:///{tmp}/demo.db",
                            org_file=ROOT / "org.example.yaml")
        bot, engine = prepare(settings, FakeClock(NOW))
        generate(bot, engine)
        end = week_start(week_of(NOW.date()))
        with bot.unit() as ctx:
            for kind in KINDS:
                for locale, suffix in (("en", ""), ("zh-CN", ".zh-CN")):
                    png = render_chart_png(ctx.session, bot.org, kind, locale, end_week=end,
                                           weeks=WEEKS)
                    path = folder / f"{kind}{suffix}.png"
                    path.write_bytes(png)
                    print(f"wrote {path} ({len(png):,} bytes)")
        bot.close()
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

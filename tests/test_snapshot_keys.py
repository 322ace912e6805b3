"""Rounds name their question snapshot by key: rounds asked the same questions share one,
a target change starts a new one, and past weeks keep theirs (history is not rewritten)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm.attributes import flag_modified

from bot.app import prepare
from storage.db import create_db_engine
from storage.migrate import current_revision, head_revision, upgrade
from storage.models import CheckinRound
from storage.snapshot_keys import snapshot_key
from tests.conftest import SERVER_URL, _admin
from tests.support import say
from tests.test_checkin import ALICE_ANSWERS, answer_all
from tests.test_summary_truth import org_file


def keys(engine: sa.Engine, person: str) -> dict[str, str]:
    """A person's snapshot key per week."""
    with engine.connect() as conn:
        return dict(conn.execute(sa.text(
            "SELECT r.week, r.snapshot_key FROM checkin_rounds r "
            "JOIN people p ON p.id = r.person_id WHERE p.key = :key"), {"key": person}).all())


async def test_rounds_share_a_snapshot_until_a_target_changes(bot, chat, clock, settings,
                                                               tmp_path):
    await bot.run_checkins()  # 2026-W48
    await answer_all(bot, "alice", ALICE_ANSWERS)
    clock.advance(timedelta(days=7))
    await bot.run_checkins()  # 2026-W49, the same questions and targets
    later, later_engine = prepare(replace(settings, org_file=org_file(
        tmp_path, targets={"alice": 80000})), clock)
    later.register(chat)
    try:
        clock.advance(timedelta(days=7))
        await later.run_checkins()  # 2026-W50, after Alice's target went up
        await answer_all(later, "alice", ALICE_ANSWERS)
        found = keys(later_engine, "alice")
        assert found["2026-W48"] == found["2026-W49"]
        assert found["2026-W50"] != found["2026-W48"]
        # Another director with other targets has a snapshot of their own.
        assert keys(later_engine, "bruno")["2026-W48"] != found["2026-W48"]
        # The older week still shows the target Alice was asked against.
        await say(later, "grace", "/summary 2026-W48")
        assert "Goals: Revenue 52,000 / 50,000 USD (104%)" in chat.last("grace")
        await say(later, "grace", "/summary")
        assert "Goals: Revenue 52,000 / 80,000 USD (65%)" in chat.last("grace")
        # A four-week view reads both snapshots: the month adds up both targets.
        await say(later, "grace", "/summary last 4w")
        assert "Alice Martin" in chat.last("grace")
    finally:
        later_engine.dispose()


async def test_a_snapshot_replaced_in_place_gets_its_own_key(bot):
    await bot.run_checkins()
    with bot.unit() as ctx:
        rnd = ctx.session.scalars(sa.select(CheckinRound)).first()
        before = rnd.snapshot_key
        assert before == snapshot_key(rnd.questions)
        rnd.questions = [q for q in rnd.questions if q["key"] != "blockers"]
        ctx.session.flush()
        assert rnd.snapshot_key == snapshot_key(rnd.questions) != before
        rnd.status = "submitted"  # another change leaves the key alone
        ctx.session.flush()
        assert rnd.snapshot_key == snapshot_key(rnd.questions)


async def test_a_snapshot_changed_in_place_and_flagged_gets_its_own_key(bot, chat):
    # The key is recomputed only for a round whose snapshot changed: a snapshot edited
    # in place (and flagged modified) counts, an answer added to the round does not.
    await bot.run_checkins()
    with bot.unit() as ctx:
        rnd = ctx.session.scalars(sa.select(CheckinRound)).first()
        before = rnd.snapshot_key
        rnd.questions[0]["target"] = 123456.0
        flag_modified(rnd, "questions")
        ctx.session.flush()
        assert rnd.snapshot_key == snapshot_key(rnd.questions) != before
        person = rnd.person.key
    await say(bot, person, "52000")  # an answer: the round is written, its key stays
    with bot.unit() as ctx:
        again = ctx.session.get(CheckinRound, rnd.id)
        assert len(again.answers) == 1
        assert again.snapshot_key == snapshot_key(again.questions) != before


@contextmanager
def fresh_engine(tmp_path) -> Iterator[Engine]:
    """An engine on a new, empty database (on the suite's PostgreSQL server where it runs
    on one, else a SQLite file in `tmp_path`), disposed of and dropped afterwards."""
    name = None
    if SERVER_URL:
        name = f"teampulse_test_{uuid.uuid4().hex[:12]}"
        _admin(f"CREATE DATABASE {name}")
        url = make_url(SERVER_URL).set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp_path}/old.db"
    engine = create_db_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()
        if name:
            _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_upgrade_gives_existing_rounds_their_keys(tmp_path):
    with fresh_engine(tmp_path) as engine:
        upgrade(engine, "0005_sumperf")
        now = datetime.now(UTC)
        questions = [{"key": "kpi:revenue", "category": "kpi", "target": 50000.0,
                      "text": {"en": "Revenue", "zh-CN": "收入"}}, {"key": "wins"}]
        # The same snapshot written twice with other spacing and key order, and another.
        texts = [json.dumps(questions), json.dumps(questions, indent=2, sort_keys=True),
                 json.dumps([{**questions[0], "target": 80000.0}, questions[1]])]
        with engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO people (id, key, display_name, role, timezone, locale, "
                "checks_in, can_view_summary, active) VALUES (1, 'alice', 'Alice', "
                "'director', 'UTC', 'en', :t, :f, :t)"), {"t": True, "f": False})
            for n, text in enumerate(texts):
                conn.execute(sa.text(
                    "INSERT INTO checkin_rounds (person_id, week, questions, status, "
                    "created_at) VALUES (1, :week, :q, 'open', :now)"),
                    {"week": f"2026-W4{n}", "q": text, "now": now})
        upgrade(engine)
        assert current_revision(engine) == head_revision(engine)
        with engine.connect() as conn:
            found = dict(conn.execute(sa.text(
                "SELECT week, snapshot_key FROM checkin_rounds")).all())
        assert found["2026-W40"] == found["2026-W41"] == snapshot_key(questions)
        assert found["2026-W42"] != found["2026-W40"]

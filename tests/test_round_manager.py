"""A new manager in the org file never rewrites a past week of the GM's summary: each
check-in round keeps the manager it was made under, and the GM's view of that week names
the one-on-one with them (README, summary section, question 5)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from bot.app import prepare
from bot.config import Settings
from storage.migrate import upgrade
from tests.oneonone_support import MONDAY_SLOT, sweep_at, write_org
from tests.support import run_cli, say
from tests.test_checkin import ALICE_ANSWERS, answer_all
from tests.test_oneonone import buttons

W49_FRIDAY = datetime(2026, 12, 4, 21, 0, tzinfo=UTC)  # Fri 16:00 New York: W49's check-in
W50_FRIDAY = W49_FRIDAY + timedelta(days=7)


@pytest.fixture
def settings(database_url, tmp_path):
    """The test org with one-on-one rules: Grace meets Alice on Mondays 10:00."""
    return Settings(database_url=database_url, org_file=write_org(tmp_path))


def _managed_by_bruno(settings: Settings, tmp_path: Path) -> Path:
    """The same org file with Bruno made Alice's manager."""
    data = yaml.safe_load(settings.org_file.read_text(encoding="utf-8"))
    for person in data["people"]:
        if person["key"] == "alice":
            person["manager"] = "bruno"
    path = tmp_path / "bruno-manages-alice.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _block(text: str, name: str) -> str:
    """One director's block of the GM's view."""
    return text.split(f"{name} · team", 1)[1].split("\n\n", 1)[0]


async def test_a_new_manager_never_rewrites_a_past_weeks_one_on_one(
        bot, chat, clock, settings, tmp_path, monkeypatch):
    """Grace holds her one-on-one with Alice on Mon 2026-11-30 and Alice checks in for
    2026-W49; the org file then makes Bruno Alice's manager. The GM's 2026-W49, in chat
    and in the CLI's JSON, still reads Grace's one-on-one ('with you', held 2026-11-30);
    the current week, 2026-W50, names Bruno's. (It read 'One-on-one with Bruno Rossi: last
    never' of 2026-W49: the manager came from today's org file.)"""
    await say(bot, "alice", "/agenda add @grace Q1 hiring plan")
    await sweep_at(bot, clock, MONDAY_SLOT + timedelta(minutes=31))
    yes = next(v for v in buttons(chat, "grace") if v.endswith(":y"))
    await say(bot, "grace", action=yes)  # held
    await say(bot, "grace", "done")
    await say(bot, "grace", "done")
    clock.set(W49_FRIDAY)
    await bot.run_checkins()
    await answer_all(bot, "alice", ALICE_ANSWERS)
    clock.set(W50_FRIDAY)
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    moved = replace(settings, org_file=_managed_by_bruno(settings, tmp_path))
    later, engine = prepare(moved, clock)
    later.register(chat)
    try:
        await later.run_checkins()  # 2026-W50's check-in is out: 2026-W49 is history
        await say(later, "grace", "/summary 2026-W49")
        then = _block(chat.last("grace"), "Alice Martin")
        assert "One-on-one with you: last 2026-11-30 · next 2026-12-07" in then
        await say(later, "vera", "/summary 2026-W49")  # a summary viewer reads whose
        assert "One-on-one with Grace Chen: last 2026-11-30" in \
            _block(chat.last("vera"), "Alice Martin")
        await say(later, "grace", "/summary")
        assert "2026-W50" in chat.last("grace")
        now = _block(chat.last("grace"), "Alice Martin")
        assert "One-on-one with Bruno Rossi: last never · next 2026-12-14" in now

        code, raw = run_cli(moved, "summary", "--week", "2026-W49", "--format", "json")
        assert code == 0
        alice = next(d for d in json.loads(raw)["directors"] if d["key"] == "alice")
        assert alice["oneonone"]["with"] == "grace"
        assert alice["oneonone"]["last"].startswith("2026-11-30")
        assert alice["oneonone"]["next"].startswith("2026-12-07")
        code, raw = run_cli(moved, "summary", "--format", "json")
        assert code == 0
        alice = next(d for d in json.loads(raw)["directors"] if d["key"] == "alice")
        assert (alice["oneonone"]["with"], alice["oneonone"]["last"]) == ("bruno", None)
    finally:
        engine.dispose()


def test_an_upgrade_gives_existing_rounds_their_persons_manager(tmp_path):
    """Rounds made before rounds had a manager take the person's manager at the upgrade
    (none for someone with none): the best there is to know, and what the summary named
    for them until then. The summaries read it from their covering index."""
    from tests.test_snapshot_keys import fresh_engine
    with fresh_engine(tmp_path) as engine:
        upgrade(engine, "0010_crmtwin")
        with engine.begin() as conn:
            for pid, key, manager in ((1, "grace", None), (2, "alice", "grace"),
                                      (3, "sam", "alice")):
                conn.execute(sa.text(
                    "INSERT INTO people (id, key, display_name, role, manager_key, timezone, "
                    "locale, checks_in, can_view_summary, active) VALUES (:id, :key, :key, "
                    "'director', :manager, 'UTC', 'en', :t, :f, :t)"),
                    {"id": pid, "key": key, "manager": manager, "t": True, "f": False})
                for week in ("2026-W40", "2026-W41"):
                    conn.execute(sa.text(
                        "INSERT INTO checkin_rounds (person_id, week, questions, snapshot_key, "
                        "status, role, timezone, created_at) VALUES (:id, :week, '[]', 'k', "
                        "'open', 'director', 'UTC', :now)"),
                        {"id": pid, "week": week, "now": datetime.now(UTC)})
        upgrade(engine)
        with engine.connect() as conn:
            managers = set(conn.execute(sa.text(
                "SELECT p.key, r.week, r.manager_key FROM checkin_rounds r "
                "JOIN people p ON p.id = r.person_id")).all())
            covered = [i["column_names"] for i in sa.inspect(conn).get_indexes("checkin_rounds")
                       if i["name"] == "ix_checkin_rounds_summary"]
        assert managers == {(key, week, manager) for key, manager in
                            (("grace", None), ("alice", "grace"), ("sam", "alice"))
                            for week in ("2026-W40", "2026-W41")}
        assert "manager_key" in covered[0]


async def test_a_moved_one_on_one_is_that_pairs_alone(bot, chat):
    """Grace meets Alice and Bruno on Mondays 10:00: the GM's view works their next meeting
    out once for both, but the one she moved to Wednesday is that pair's alone."""
    await bot.run_checkins()
    await say(bot, "grace", "/1on1 move @bruno 2026-12-02 11:00")
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "One-on-one with you: last never · next 2026-11-30" in _block(text, "Alice Martin")
    assert "One-on-one with you: last never · next 2026-12-02" in _block(text, "Bruno Rossi")


async def test_an_erased_manager_is_named_by_their_anonymous_key_in_past_weeks(
        bot, chat, clock, settings, tmp_path, monkeypatch):
    """Bruno checks in for 2026-W48 under Alice; Alice leaves (Bruno back under Grace) and
    is erased. The GM's 2026-W48 names Bruno's one-on-one with `former-<id>`, and her key
    is nowhere in the rounds (it read 'with you: none set up', her key left behind)."""
    data = yaml.safe_load(settings.org_file.read_text(encoding="utf-8"))
    for person in data["people"]:
        if person["key"] == "bruno":
            person["manager"] = "alice"
    under_alice = tmp_path / "under-alice.yaml"
    under_alice.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    first, engine = prepare(replace(settings, org_file=under_alice), clock)
    first.register(chat)
    try:
        await first.run_checkins()
        await say(first, "bruno", "41000")
    finally:
        engine.dispose()
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    data["people"] = [p for p in data["people"] if p["key"] != "alice"]
    for person in data["people"]:
        if person.get("manager") == "alice":
            person["manager"] = "grace"
    gone = tmp_path / "without-alice.yaml"
    gone.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    moved = replace(settings, org_file=gone)
    code, out = run_cli(moved, "erase", "alice", "--yes")
    assert code == 0, out
    clock.set(clock.now() + timedelta(days=7))
    later, engine = prepare(moved, clock)
    later.register(chat)
    try:
        await later.run_checkins()  # 2026-W49 is out: 2026-W48 is history
        with later.unit() as ctx:
            former = ctx.session.scalar(sa.text(
                "SELECT key FROM people WHERE key LIKE 'former-%'"))
            managers = set(ctx.session.scalars(sa.text(
                "SELECT manager_key FROM checkin_rounds WHERE manager_key IS NOT NULL")))
        assert managers == {former, "grace"}
        await say(later, "grace", "/summary 2026-W48")
        assert f"One-on-one with {former}: last never" in _block(chat.last("grace"),
                                                                 "Bruno Rossi")
    finally:
        engine.dispose()

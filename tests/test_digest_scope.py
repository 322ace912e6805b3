"""A director's weekly digest covers their team, and costs what their team costs.

From the directors' side: each sees their own team's week, one-on-ones (an overdue 1:1
with a report included) and kudos, and nothing of another team's, also when someone
moved team after the week. And what a digest reads from the database does not grow
with the org: not a timing test, it counts the rows the database returns and the
objects loaded while one director's digest is queued, before and after the org grows
tenfold around the same team (issue #8: every Monday, one digest per director).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, insert, select

from bot.app import prepare
from bot.core import TeamPulse
from bot.org import load_org
from handlers.digest import queue_digest
from storage.kudos import Kudos
from storage.models import Base, CheckinRound, Person
from storage.oneonone import ActionItem, OneOnOneRepo
from storage.pulse import PulseComment, PulseParticipant, PulsePoll, PulseVote
from tests.support import RecordingAdapter, say
from tests.test_digest import digests
from tests.test_kudos import kudo

MONDAY_8AM_ROME = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
MONDAY_8AM_NY = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)
# Monday of the week before: every pair's weekly 10:00 slot has ended (New York and Rome).
AFTER_LAST_WEEKS_SLOTS = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
WEEK = "2026-W48"

ONEONONES = """
oneonones:
  default: {cadence: weekly, day: mon, time: "10:00", duration: 30}
"""


def two_teams(sam_team: str = "East") -> str:
    """Grace's org: Alice's team East (with Sam), Bruno's team Europe (with Pia)."""
    return f"""org: {{name: Scope Sales}}
people:
  - {{key: grace, name: Grace Chen, role: gm, timezone: America/New_York}}
  - {{key: alice, name: Alice Martin, role: director, manager: grace, team: East,
     timezone: America/New_York, kpis: [{{metric: revenue, unit: USD, weekly_target: 50000}}]}}
  - {{key: sam, name: Sam Lee, role: member, manager: alice, team: {sam_team},
     timezone: America/New_York, checks_in: true}}
  - {{key: bruno, name: Bruno Rossi, role: director, manager: grace, team: Europe,
     timezone: Europe/Rome, kpis: [{{metric: revenue, unit: USD, weekly_target: 40000}}]}}
  - {{key: pia, name: Pia Weber, role: member, manager: bruno, team: Europe,
     timezone: Europe/Rome, checks_in: true}}
""" + ONEONONES


def bot_on(settings: Any, clock: Any, folder: Path, text: str,
           engine: Engine | None = None) -> tuple[TeamPulse, RecordingAdapter]:
    """A bot on this org file (on `engine`'s database, synced with the file, if given)."""
    path = folder / f"org-{abs(hash(text))}.yaml"
    path.write_text(text, encoding="utf-8")
    if engine is None:
        bot, _ = prepare(replace(settings, org_file=path), clock)
    else:
        bot = TeamPulse(replace(settings, org_file=path), load_org(path), engine, clock=clock)
        bot.sync_org()
    chat = RecordingAdapter()
    bot.register(chat)
    return bot, chat


async def last_week(bot: TeamPulse, clock: Any) -> None:
    """The week of 2026-W48: every pair's 1:1 asked about and never confirmed (overdue a
    week later), everyone asked to check in, Sam and Pia answer something, Pia gives Sam
    kudos."""
    clock.set(AFTER_LAST_WEEKS_SLOTS)
    await bot.run_oneonones()
    clock.set(datetime(2026, 11, 27, 21, 0, tzinfo=UTC))  # Friday 16:00 in New York
    await bot.run_checkins()
    await say(bot, "sam", "Closed Acme")
    await say(bot, "pia", "Opened Milan")
    await say(bot, "alice", "52000")
    await kudo(bot, "pia", "/kudos @sam for the joint demo", group=True)
    with bot.unit() as ctx:  # an action item Bruno and Pia agreed on
        bruno, pia = ctx.people.by_key("bruno"), ctx.people.by_key("pia")
        OneOnOneRepo(ctx.session).add_action(bruno, pia, None, "Call Milan", pia,
                                             date(2026, 12, 4), clock.now())


async def monday_digests(bot, clock) -> None:
    """Monday's digest sweeps at 08:00 in Rome, then in New York."""
    for moment in (MONDAY_8AM_ROME, MONDAY_8AM_NY):
        clock.set(moment)
        await bot.run_digests()


async def test_each_director_sees_their_teams_one_on_ones_and_kudos_only(
        settings, clock, tmp_path):
    bot, chat = bot_on(settings, clock, tmp_path, two_teams())
    try:
        await last_week(bot, clock)
        await monday_digests(bot, clock)
    finally:
        bot.engine.dispose()
    (alice,) = digests(chat, "alice")
    assert alice.startswith(f"📬 Weekly digest — {WEEK} (2026-11-23 – 2026-11-29) · team East\n")
    # Her report's 1:1 with her was asked about a week ago and never confirmed: overdue.
    (line,) = [t for t in alice.splitlines() if "their 1:1 with Sam Lee" in t]
    assert "overdue" in line
    (own,) = [t for t in alice.splitlines() if "with Grace Chen" in t]
    assert "overdue" in own  # her own with the GM, too
    assert "⏳ Sam Lee — in progress (1 of 6 answered)" in alice  # his week
    assert "East (Alice Martin): 0 given, 1 received by 1 person" in alice
    assert "action items: 0 open" in alice
    # Nothing of Bruno's team: not its people, not its overdue 1:1, not its kudos.
    for other in ("Pia", "Bruno", "Europe"):
        assert other not in alice
    (bruno,) = digests(chat, "bruno")
    assert "· team Europe\n" in bruno.splitlines()[0] + "\n"
    (line,) = [t for t in bruno.splitlines() if "their 1:1 with Pia Weber" in t]
    assert "overdue" in line
    assert "Europe (Bruno Rossi): 1 given by 1 person, 0 received" in bruno
    assert "action items: 1 open" in bruno
    for other in ("Sam", "Alice", "East"):
        assert other not in bruno


async def test_someone_who_moved_team_after_the_week_stays_in_their_old_teams_digest(
        settings, clock, tmp_path):
    bot, _ = bot_on(settings, clock, tmp_path, two_teams())
    await last_week(bot, clock)
    # After the week, Sam moves to Europe (the org file changes, the bot restarts).
    moved, chat = bot_on(settings, clock, tmp_path, two_teams(sam_team="Europe"), bot.engine)
    try:
        await monday_digests(moved, clock)
    finally:
        bot.engine.dispose()
    (alice,) = digests(chat, "alice")
    # Last week Sam was in East: his check-in is in East's digest of that week...
    assert "0 of 2 answered. Not answered: Alice Martin (started, not finished), Sam Lee " \
        "(started, not finished)." in alice
    assert "⏳ Sam Lee — in progress (1 of 6 answered)" in alice
    (bruno,) = digests(chat, "bruno")
    # ... and not in Europe's, although he is in Europe now.
    assert "0 of 2 answered. Not answered: Bruno Rossi (no answer), Pia Weber (started, " \
        "not finished)." in bruno
    assert "Sam" not in bruno
    # Kudos count for the teams of when they were given, as the check-ins do: Pia's kudos
    # to Sam was given by Europe and received in East, his move after the week rewrites
    # neither digest.
    assert "Europe (Bruno Rossi): 1 given by 1 person, 0 received" in bruno
    assert "East (Alice Martin): 0 given, 1 received by 1 person" in alice


# --- what a digest reads, as the org grows ---------------------------------------------------

def org_around_east(others: int) -> str:
    """Alice's team East (Alice, Sam, Tom) as in every org, and `others` more people in
    teams West and North, each team with its director; everyone checks in and has a
    weekly 1:1 with their manager."""
    lines = ["org: {name: Growing}", "people:",
             "  - {key: grace, name: Grace Chen, role: gm, timezone: America/New_York}",
             "  - {key: alice, name: Alice Martin, role: director, manager: grace, team: East, "
             "timezone: America/New_York, kpis: [{metric: revenue, unit: USD, "
             "weekly_target: 50000}]}"]
    for key, name in (("sam", "Sam Lee"), ("tom", "Tom Hart")):
        lines.append(f"  - {{key: {key}, name: {name}, role: member, manager: alice, "
                     "team: East, timezone: America/New_York, checks_in: true}")
    for team in ("West", "North"):
        lines.append(f"  - {{key: {team.lower()}, name: {team} Lead, role: director, "
                     f"manager: grace, team: {team}, timezone: America/New_York, kpis: "
                     "[{metric: revenue, unit: USD, weekly_target: 40000}]}")
    for i in range(others):
        team = ("West", "North")[i % 2]
        lines.append(f"  - {{key: o{i:04d}, name: Other {i}, role: member, "
                     f"manager: {team.lower()}, team: {team}, timezone: America/New_York, "
                     "checks_in: true}")
    return "\n".join(lines) + "\n" + ONEONONES


class Reads:
    """What the database returns while it is open: rows of every SELECT (counted by the
    database itself, with the statement's own parameters) and ORM objects per class."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.rows = 0
        self.loaded: Counter[str] = Counter()

    def __enter__(self) -> Reads:
        event.listen(self.engine, "after_cursor_execute", self._rows)
        event.listen(Base, "load", self._load, propagate=True)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self.engine, "after_cursor_execute", self._rows)
        event.remove(Base, "load", self._load)

    def _rows(self, _conn: Any, cursor: Any, statement: str, parameters: Any, _context: Any,
              executemany: bool) -> None:
        text = statement.lstrip().upper()
        if executemany or not text.startswith("SELECT") or "FOR UPDATE" in text:
            return
        counting = cursor.connection.cursor()
        try:
            counting.execute(f"SELECT count(*) FROM ({statement}) AS counted", parameters)
            self.rows += counting.fetchone()[0]
        finally:
            counting.close()

    def _load(self, target: Any, _context: Any) -> None:
        self.loaded[type(target).__name__] += 1


class _Undo(Exception):
    """Raised to roll a unit of work back."""


def queue_alices_digest(bot: TeamPulse) -> Reads:
    """Queue Alice's digest of the week in one transaction, as the sweep does, counting
    what it reads; then undo it, so that it can be queued again."""
    reads = Reads(bot.engine)
    try:
        with reads, bot.unit() as ctx:
            alice = ctx.people.by_key("alice")
            assert queue_digest(ctx, alice, WEEK, "schedule") == "queued"
            raise _Undo
    except _Undo:
        pass
    return reads


async def grow_history(bot: TeamPulse, clock: Any) -> None:
    """Last week for whoever has none yet: 1:1s asked about, check-ins sent, one answer
    each, an overdue action item each, a kudos each (to the next of their team), a pulse
    poll's votes and comments."""
    clock.set(AFTER_LAST_WEEKS_SLOTS)
    await bot.run_oneonones()
    clock.set(datetime(2026, 11, 27, 21, 0, tzinfo=UTC))
    await bot.run_checkins()
    now = clock.now()
    with bot.unit() as ctx:
        conn = ctx.session.connection()
        others = list(ctx.session.scalars(select(Person).where(Person.key.like("o%"))
                                          .order_by(Person.key)))
        rounds = dict(conn.execute(select(CheckinRound.person_id, CheckinRound.id).where(
            CheckinRound.week == WEEK)).all())
        answered = {r for (r,) in conn.execute(select(CheckinRound.id).where(
            CheckinRound.id.in_(list(rounds.values())), CheckinRound.answers.any()))}
        fresh = [p for p in others if rounds[p.id] not in answered]
        for p in fresh:
            ctx.checkins.save_answer(ctx.session.get(CheckinRound, rounds[p.id]), "wins",
                                     text="A deal", number=None, skipped=False, now=now)
        poll = ctx.session.scalar(select(PulsePoll))
        if poll is None:
            poll = PulsePoll(key="2026-11-25", threshold=3, teams=["East", "West", "North"],
                             questions=[{"key": "morale", "kind": "scale",
                                         "prompt": {"en": "Morale?"}}],
                             closes_at=now, closed=True)
            ctx.session.add(poll)
            ctx.session.flush()
            east = ctx.session.scalars(select(Person).where(Person.team == "East")).all()
            fresh_east = [(p, "East", 4) for p in east]
        else:
            fresh_east = []
        voters = fresh_east + [(p, p.team, 3 if p.team == "West" else 5) for p in fresh]
        conn.execute(insert(PulseParticipant), [
            {"poll_id": poll.id, "person_id": p.id, "team": team, "step": 2, "done": True,
             "reminded": False} for p, team, _ in voters])
        conn.execute(insert(PulseVote), [
            {"poll_id": poll.id, "question_key": "morale", "value": value, "team": team}
            for _, team, value in voters])
        conn.execute(insert(PulseComment), [
            {"poll_id": poll.id, "team": team, "text": f"Comment {p.key}"}
            for p, team, _ in voters])
        leads = {p.team: p for p in ctx.session.scalars(select(Person).where(
            Person.key.in_(["west", "north"])))}
        if fresh:
            conn.execute(insert(ActionItem), [
                {"manager_id": leads[p.team].id, "report_id": p.id, "text": "Follow up",
                 "owner_id": p.id, "due": date(2026, 11, 20), "created_at": now}
                for p in fresh])
        by_team: dict[str, list[Person]] = {}
        for p in others:
            by_team.setdefault(p.team or "", []).append(p)
        conn.execute(insert(Kudos), [
            {"giver_id": p.id, "recipient_id": team[(i + 1) % len(team)].id,
             "reason": "thanks", "values": [], "platform": "console",
             "source_key": f"k:{p.key}", "given_at": now, "giver_team": p.team,
             "recipient_team": p.team}
            for team in by_team.values() for i, p in enumerate(team) if p in fresh])


async def test_a_directors_digest_reads_the_same_when_the_org_grows_tenfold_around_their_team(
        settings, clock, tmp_path):
    small, _ = bot_on(settings, clock, tmp_path, org_around_east(20))
    try:
        await grow_history(small, clock)
        # Sam checks in; West's lead gives Sam kudos: East's week, the same in both orgs.
        await say(small, "sam", "Closed Acme")
        await kudo(small, "west", "/kudos @sam for the joint demo", group=True)
        clock.set(MONDAY_8AM_NY)
        before = queue_alices_digest(small)
        # Ten times as many other people, with the same history each; East unchanged.
        big, _ = bot_on(settings, clock, tmp_path, org_around_east(200), small.engine)
        await grow_history(big, clock)
        clock.set(MONDAY_8AM_NY)
        after = queue_alices_digest(big)
        with big.unit() as ctx:
            assert ctx.session.scalar(select(Person.id).where(Person.key == "o0199"))
    finally:
        small.engine.dispose()
    assert before.rows > 0 and before.loaded["Person"] > 0
    # Not one more row nor object: the digest reads East's people, rounds, answers,
    # one-on-ones, kudos and pulse slices, never the org's (it read ~10x more before).
    assert after.rows == before.rows, (before.rows, after.rows)
    assert after.loaded == before.loaded, (before.loaded, after.loaded)
    # East is Alice, Sam and Tom, with Grace (Alice's manager) and West's lead (the
    # kudos giver) around them: a handful of people, whatever the size of the org (Alice
    # twice: the digest is read in a transaction of its own, handlers.context.one_moment).
    assert after.loaded["Person"] <= 7

"""Closing a period of scheduled 360° reviews in a large org, on SQLite (not a `make bench`
suite: a measurement to run by hand).

    .venv/bin/python -m bench.review_close [directors] [reports_each] [runs]

Builds a GM, `directors` directors (all reviewed each quarter) and `reports_each` members
under each, the period's reviews and invites, and the raters' answers written straight
into the database (starting the reviews through the bot would send every director a
survey about every other director: 1,000,000 DMs at 1,000 directors). Every other director
is a peer of each, as the org file's `peers: all` asks (and the org written here says): the
worst case; the default of 8 peers gives a review of a director with 9 reports 19 raters,
not 1,010. 60% of the raters answered all five criteria, 10% stopped part-way (their
dialog waits on the survey), 30% never began. Then the close moment's sweep runs
(`run_review_schedule`), and this prints its wall time, its process CPU time, the number
of transactions and the longest one (BEGIN to COMMIT, from SQLAlchemy's engine events),
and a digest of the messages queued (one line per recipient), to compare two versions of
the code on the same org.

Measured on the shared 2-core machine (CPU time is the steady figure; wall time doubled or
worse with other jobs running), 9 members under each director:

  directors  before (one transaction)                after (a review a transaction; longest in CPU)
  100        6.5 s CPU, the transaction 7.5 s        1.5 s CPU, 112 transactions, longest 84 ms
  300        54 s CPU, the transaction 123 s         6.1 s CPU, 349 transactions, longest 168 ms
  1,000      674 s CPU, the transaction 1,797 s      41 s CPU, 1,506 transactions, longest 182 ms

The messages' digest is the same before and after at each size (51f17535af4c109a,
f4c6b55a89dd6cb9, 87113d1234f10abc).
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import event, select

from bot.app import prepare
from bot.clock import FakeClock
from bot.config import Settings
from bot.core import TeamPulse
from handlers import review_schedule
from storage.models import OutboxMessage, Person
from tests.support import RecordingAdapter

#: Friday 2027-01-01 10:00 in New York: the quarter's reviews start.
START = datetime(2027, 1, 1, 15, 0, tzinfo=UTC)
OPEN_DAYS = 14
SCHEDULE = f"""
reviews:
  schedule: quarterly
  day: 1
  time: "10:00"
  directors: all
  open_days: {OPEN_DAYS}
  peers: all  # every other director rates each: the largest close (fill() asks them all)
"""


def org_yaml(directors: int, reports_each: int) -> str:
    """A GM, the directors under the GM, and members under each director."""
    lines = ["org: {name: Reviews}", "people:",
             "  - {key: gm, name: GM, role: gm, timezone: America/New_York}"]
    for i in range(directors):
        lines.append(f"  - {{key: d{i:04d}, name: Director {i}, role: director, "
                     f"manager: gm, team: T{i}, timezone: America/New_York}}")
        lines += [f"  - {{key: m{i:04d}_{j}, name: Member {i}.{j}, role: member, "
                  f"manager: d{i:04d}, team: T{i}, timezone: America/New_York}}"
                  for j in range(reports_each)]
    return "\n".join(lines) + SCHEDULE


def fill(bot: TeamPulse, seed: int = 8) -> tuple[int, int]:
    """The period's reviews, invites, answers and waiting dialogs; (invites, answers)."""
    rng = random.Random(seed)
    with bot.sessions() as session:
        people = list(session.scalars(select(Person)))
    by_key = {p.key: p for p in people}
    directors = sorted(p.key for p in people if p.role == "director")
    reports: dict[str, list[int]] = {}
    for p in people:
        if p.manager_key:
            reports.setdefault(p.manager_key, []).append(p.id)
    period = bot.org.reviews.period_key(START.date().replace(day=1))
    closes = START + timedelta(days=OPEN_DAYS)
    stamp = START.strftime("%Y-%m-%d %H:%M:%S.000000")
    criteria = ("goals", "team", "cooperation", "strategy", "communication")
    rounds, runs, invites, answers, waiting = [], [], [], [], {}
    invite_id = 0
    for n, key in enumerate(directors, start=1):
        rounds.append((n, key, "schedule", "open", stamp))
        runs.append((n, period, key, n, stamp, closes.strftime("%Y-%m-%d %H:%M:%S.000000"), 0))
        subject = by_key[key]
        raters = [(by_key["gm"].id, "manager")]
        raters += [(by_key[d].id, "peer") for d in directors if d != key]
        raters += [(pid, "report") for pid in reports.get(key, [])]
        raters.append((subject.id, "self"))
        for pid, group in raters:
            invite_id += 1
            draw = rng.random()
            done = draw < 0.6
            answered = 5 if done else (rng.randint(1, 4) if draw < 0.7 else 0)
            invites.append((invite_id, n, pid, group, answered, int(done)))
            if 0 < answered < 5 and pid not in waiting:
                waiting[pid] = invite_id
            named = group in ("manager", "self")
            for c in criteria[:answered]:
                comment = f"comment {rng.randint(1, 99)}" if rng.random() < 0.05 else None
                answers.append((n, group, by_key_of(people, pid) if named else None, c,
                                rng.randint(1, 5), comment))
    with bot.engine.begin() as conn:
        raw = conn.exec_driver_sql
        conn.connection.executemany(
            "INSERT INTO review_rounds (id, subject_key, started_by, status, started_at) "
            "VALUES (?, ?, ?, ?, ?)", rounds)
        conn.connection.executemany(
            "INSERT INTO review_schedule_runs (id, period, subject_key, round_id, claimed_at, "
            "closes_at, closed) VALUES (?, ?, ?, ?, ?, ?, ?)", runs)
        conn.connection.executemany(
            "INSERT INTO review_invites (id, round_id, person_id, rater_group, answered, done)"
            " VALUES (?, ?, ?, ?, ?, ?)", invites)
        conn.connection.executemany(
            "INSERT INTO review_answers (id, round_id, rater_group, rater_key, criterion, rating,"
            " comment) VALUES (lower(hex(randomblob(16))), ?, ?, ?, ?, ?, ?)", answers)
        conn.connection.executemany(
            "INSERT INTO conversations (person_id, kind, question_key, editing, updated_at) "
            "VALUES (?, 'review', ?, 0, ?)",
            [(pid, f"review:{iid}", stamp) for pid, iid in waiting.items()])
        raw("SELECT 1")
    return len(invites), len(answers)


def by_key_of(people: list[Person], pid: int) -> str:
    return _keys(people)[pid]


_KEY_CACHE: dict[int, dict[int, str]] = {}


def _keys(people: list[Person]) -> dict[int, str]:
    found = _KEY_CACHE.get(id(people))
    if found is None:
        found = _KEY_CACHE[id(people)] = {p.id: p.key for p in people}
    return found


class Transactions:
    """BEGIN-to-COMMIT (or ROLLBACK) times of every transaction on an engine."""

    def __init__(self, engine: object) -> None:
        self.times: list[float] = []
        #: The same in CPU time of the thread that ran it (the machine may be shared).
        self.cpu: list[float] = []
        self._began: dict[int, tuple[float, float]] = {}
        event.listen(engine, "begin", self._begin)
        event.listen(engine, "commit", self._end)
        event.listen(engine, "rollback", self._end)

    def _begin(self, conn: object) -> None:
        self._began[id(conn)] = (time.perf_counter(), time.thread_time())

    def _end(self, conn: object) -> None:
        began = self._began.pop(id(conn), None)
        if began is not None:
            self.times.append(time.perf_counter() - began[0])
            self.cpu.append(time.thread_time() - began[1])


def digest(bot: TeamPulse) -> tuple[int, str, dict[str, int]]:
    """(messages queued, a hash of who got what, messages per recipient kind)."""
    with bot.sessions() as session:
        rows = session.execute(select(OutboxMessage.address, OutboxMessage.payload)
                               .order_by(OutboxMessage.address, OutboxMessage.id)).all()
    h = hashlib.sha256()
    kinds: dict[str, int] = {}
    for address, payload in rows:
        h.update(f"{address}\0{payload['text']}\0".encode())
        kind = "gm" if address == "gm" else address[0]
        kinds[kind] = kinds.get(kind, 0) + 1
    return len(rows), h.hexdigest()[:16], kinds


async def close_once(folder: Path, directors: int, reports_each: int) -> None:
    org = folder / "org.yaml"
    org.write_text(org_yaml(directors, reports_each), encoding="utf-8")
    db = folder / f"close{directors}.db"
    db.unlink(missing_ok=True)
    clock = FakeClock(START - timedelta(days=1))
    bot, engine = prepare(Settings(database_url=f"sqlite:///{db}", org_file=org), clock)
    bot.register(RecordingAdapter())

    async def no_delivery(*_: object, **__: object) -> None:  # the outbox's business
        return None

    bot.deliver = no_delivery  # type: ignore[method-assign]
    t0 = time.perf_counter()
    invites, answers = fill(bot)
    print(f"filled {directors} reviews: {invites:,} invites, {answers:,} answers in "
          f"{time.perf_counter() - t0:.1f} s", flush=True)
    # The GM was told the reviews started when they did: not part of the close.
    clock.set(START + timedelta(hours=1))
    await bot.db(bot._in_unit, review_schedule.tell_started)
    clock.set(START + timedelta(days=OPEN_DAYS, minutes=1))
    seen = Transactions(engine)
    wall, cpu = time.perf_counter(), time.process_time()
    await bot.run_review_schedule()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    count, fingerprint, kinds = digest(bot)
    print(f"close: wall {wall:.2f} s, cpu {cpu:.2f} s, {len(seen.times)} transactions, "
          f"longest {max(seen.times) * 1e3:.0f} ms (cpu {max(seen.cpu) * 1e3:.0f} ms), "
          f"sum {sum(seen.times):.2f} s; "
          f"{count} messages queued {kinds}, digest {fingerprint}", flush=True)
    top = sorted(range(len(seen.cpu)), key=lambda i: -seen.cpu[i])[:5]
    print("longest by cpu (transaction #, ms): " + ", ".join(
        f"#{i} {seen.cpu[i] * 1e3:.0f}" for i in top), flush=True)
    bot.close()
    engine.dispose()


def main(argv: list[str]) -> None:
    directors = int(argv[0]) if argv else 1000
    reports_each = int(argv[1]) if len(argv) > 1 else 9
    runs = int(argv[2]) if len(argv) > 2 else 1
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(runs):
            asyncio.run(close_once(Path(folder), directors, reports_each))


if __name__ == "__main__":
    main(sys.argv[1:])

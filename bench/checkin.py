"""Check-in benchmarks: how the hot paths scale, as ratios to baselines in the same run.

Absolute times depend on the machine; ratios to a baseline measured a moment before on
the same machine do not (much). Each figure says what it is divided by.

  answer  - handling one typed check-in answer end to end (dedupe, route, validate, store,
            render the next question, record it in the outbox, deliver it), per event,
            divided by one bare SQLAlchemy insert-and-commit on the same database.
  summary - building and rendering /summary for a 120-person org with 12 weeks of history,
            divided by the same for a 10-person org (ideal: about 12x, linear in people).
  outbox  - delivering 1,000 queued messages, per message, divided by one bare insert.
  memory  - peak Python memory while building the 12-week summary for 120 people, divided
            by the peak for 10 people.

  answer-batch - a burst of typed answers from 100 people handled as the ingest lanes do
            (handle_batch, 64 at a time, replies left in the outbox), CPU time per answer,
            divided by the CPU time per answer of raw SQL writing the same rows (event
            claim, answer, dialog update, outbox row) with executemany, 64 per transaction.

Targets: answer <= 60x, answer-batch <= 20x, summary <= 20x, outbox <= 15x, memory <= 20x.
"""

from __future__ import annotations

import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from bench.report import Figure
from bot.app import prepare
from bot.clock import FakeClock
from bot.config import Settings
from bot.events import InboundEvent
from bot.weeks import current_week
from handlers.summary import SummaryRequest, render_summary, summaries
from storage.models import Answer, CheckinRound
from tests.support import RecordingAdapter

TARGETS = {"answer": 60.0, "answer-batch": 20.0, "summary": 20.0, "outbox": 15.0,
           "memory": 20.0}
BATCH = 64  # as bot.ingest.INGEST_BATCH
START = datetime(2026, 9, 4, 20, 0, tzinfo=UTC)  # a Friday, 16:00 in New York


def org_yaml(people: int, slack_id: Callable[[int], str] | None = None) -> str:
    """A GM and `people` directors in New York, two KPIs each; with `slack_id`, each
    director also has that Slack id and a Telegram id (10,000 + i), for the ingest suite."""
    lines = ["org: {name: Bench}", "people:",
             "  - {key: gm, name: GM, role: gm, timezone: America/New_York}"]
    for i in range(people):
        ids = f"    slack_id: {slack_id(i)}\n    telegram_id: {10_000 + i}\n" if slack_id else ""
        lines.append(f"  - key: d{i}\n    name: Director {i}\n    role: director\n"
                     f"    manager: gm\n    team: T{i % 5}\n    timezone: America/New_York\n"
                     f"{ids}    kpis:\n"
                     "      - {metric: revenue, unit: USD, weekly_target: 50000}\n"
                     "      - {metric: new_customers, unit: customers, weekly_target: 4}")
    return "\n".join(lines) + "\n"


def make_bot(folder: Path, people: int) -> tuple:
    org = folder / f"org{people}.yaml"
    org.write_text(org_yaml(people), encoding="utf-8")
    clock = FakeClock(START)
    settings = Settings(database_url=f"sqlite:///{folder}/bench{people}.db", org_file=org)
    bot, engine = prepare(settings, clock)
    chat = RecordingAdapter()
    bot.register(chat)
    return bot, engine, clock, chat


def baseline_insert(bot, batches: int = 5, n: int = 60) -> float:
    """Median time of one insert-and-commit: the unit every write path pays at least once."""
    with bot.engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS bench_rows (id INTEGER PRIMARY KEY, v TEXT)"))
    samples = []
    for _ in range(batches):
        t0 = time.perf_counter()
        for i in range(n):
            with bot.sessions.begin() as session:
                session.execute(text("INSERT INTO bench_rows (v) VALUES (:v)"), {"v": str(i)})
        samples.append((time.perf_counter() - t0) / n)
    return statistics.median(samples)


def fill_history(bot, clock, weeks: int) -> None:
    """Submitted rounds for everyone, written straight through the repositories (fast)."""
    values = {"kpi:revenue": (None, 52000.0), "kpi:new_customers": (None, 3.0),
              "wins": ("win", None), "blockers": ("blocker", None),
              "support_type": ("budget", None), "support_detail": ("details", None),
              "plan": ("plan", None), "confidence": (None, 4.0)}
    for _ in range(weeks):
        with bot.unit() as ctx:
            for person in ctx.people.checking_in():
                questions = bot.org.questions_for(bot.org.person(person.key))
                week = current_week(clock.now(), person.timezone)
                ctx.session.add(CheckinRound(
                    person_id=person.id, week=week, questions=[q.to_dict() for q in questions],
                    status="submitted", created_at=clock.now(), prompted_at=clock.now(),
                    submitted_at=clock.now(), answers=[
                        Answer(question_key=key, text_value=txt, number_value=num,
                               skipped=False, answered_at=clock.now(), updated_at=clock.now())
                        for key, (txt, num) in values.items()]))
        clock.advance(timedelta(weeks=1))


async def bench_answer(bot, clock) -> float:
    await bot.run_checkins()
    samples = []
    for i in range(20):
        t0 = time.perf_counter()
        for a in ["52000", "3", "win", "blocker", "2", "budget", "plan", "4"]:
            await bot.handle(InboundEvent("console", f"d{i}", f"d{i}", text=a,
                                          event_id=f"e{i}{a}"))
        samples.append((time.perf_counter() - t0) / 8)
    return statistics.median(samples)


async def bench_answer_batch(bot, people: range) -> tuple[float, float]:
    """CPU seconds per answer: handled in batches, and raw SQL writing the same rows.

    CPU time (all threads), not wall-clock: on a shared machine it measures our work.
    """
    await bot.run_checkins([f"d{i}" for i in people])
    await bot.deliver()
    handled = 0
    t0 = time.process_time()
    for step, typed in enumerate(["52000", "3"]):
        events = [InboundEvent("console", f"d{i}", f"d{i}", text=typed, event_id=f"b{step}-{i}")
                  for i in people]
        for start in range(0, len(events), BATCH):
            handled += sum(await bot.handle_batch(events[start:start + BATCH], deliver=False))
    ours = (time.process_time() - t0) / handled
    with bot.engine.connect() as conn:
        rows = conn.execute(text(
            # The replies just queued, with their people's dialogs and rounds.
            "SELECT c.person_id, c.round_id, o.payload FROM outbox o "
            "JOIN people p ON p.key = o.address JOIN conversations c ON c.person_id = p.id "
            "WHERE c.round_id IS NOT NULL ORDER BY o.id DESC LIMIT :n"), {"n": handled}).all()
    assert len(rows) == handled, (len(rows), handled)
    now = bot.clock.now().isoformat()
    t0 = time.process_time()
    for start in range(0, len(rows), BATCH):
        chunk = rows[start:start + BATCH]
        with bot.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO processed_events (platform, event_id, received_at) "
                "VALUES ('raw', :e, :t)"), [{"e": f"raw{start + i}", "t": now}
                                           for i in range(len(chunk))])
            conn.execute(text(
                "INSERT INTO answers (round_id, question_key, number_value, skipped, "
                "answered_at, updated_at) VALUES (:r, :k, 1, false, :t, :t)"),
                [{"r": r.round_id, "k": f"raw:{start}", "t": now} for r in chunk])
            conn.execute(text(
                "UPDATE conversations SET question_key = :k, updated_at = :t "
                "WHERE person_id = :p"), [{"k": "kpi:new_customers", "t": now,
                                           "p": r.person_id} for r in chunk])
            conn.execute(text(
                "INSERT INTO outbox (platform, target_kind, address, payload, status, "
                "attempts, not_before, created_at) VALUES ('raw', 'dm', 'x', :payload, "
                "'sent', 0, :t, :t)"), [{"payload": r.payload, "t": now} for r in chunk])
    raw = (time.process_time() - t0) / max(1, len(rows))
    return ours, raw


def summary_time(bot) -> float:
    request = SummaryRequest("trend", weeks=12)
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        with bot.unit() as ctx:
            weeks = summaries(ctx, request, "en", "America/New_York")
            render_summary(bot.renderer, "en", "slack", request, weeks, "Bench")
        runs.append(time.perf_counter() - t0)
    return min(runs)


def summary_memory(bot) -> int:
    request = SummaryRequest("trend", weeks=12)
    tracemalloc.start()
    with bot.unit() as ctx:
        weeks = summaries(ctx, request, "en", "America/New_York")
        render_summary(bot.renderer, "en", "slack", request, weeks, "Bench")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


async def bench_outbox(bot, n: int = 1000) -> float:
    with bot.unit() as ctx:
        for i in range(n):
            ctx.outbox.enqueue(platform="console", target_kind="dm", address=f"d{i % 50}",
                               payload={"text": f"message {i}"}, now=bot.clock.now())
    t0 = time.perf_counter()
    while await bot.outbox.flush() is not None or _pending(bot):
        pass
    return (time.perf_counter() - t0) / n


def _pending(bot) -> bool:
    with bot.unit() as ctx:
        return bool(ctx.outbox.pending(["console"], limit=1))


async def run() -> list[Figure]:
    """The check-in suite's figures."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        small, small_engine, small_clock, _ = make_bot(folder, 10)
        big, big_engine, big_clock, _ = make_bot(folder, 120)
        base = baseline_insert(big)
        fill_history(small, small_clock, 12)
        fill_history(big, big_clock, 12)
        small.clock.advance(-timedelta(weeks=1))  # summarise the 12 filled weeks
        big.clock.advance(-timedelta(weeks=1))
        small_summary, big_summary = summary_time(small), summary_time(big)
        small_mem, big_mem = summary_memory(small), summary_memory(big)
        big.clock.advance(timedelta(weeks=1))
        answer = await bench_answer(big, big_clock)
        batch, raw = await bench_answer_batch(big, range(20, 120))
        outbox = await bench_outbox(big)
        small.close()
        big.close()
        small_engine.dispose()
        big_engine.dispose()
    ms = 1e3
    return [
        Figure("answer", "one typed answer end to end", answer * ms, base * ms, "ms",
               "one insert-and-commit", TARGETS["answer"]),
        Figure("answer-batch", "CPU per answer, a burst in batches of 64", batch * ms,
               raw * ms, "ms", "raw SQL writing the same rows", TARGETS["answer-batch"]),
        Figure("summary-scaling", "12-week summary, 120 people", big_summary * ms,
               small_summary * ms, "ms", "the same for 10 people", TARGETS["summary"]),
        Figure("outbox", "one outbox message delivered", outbox * ms, base * ms, "ms",
               "one insert-and-commit", TARGETS["outbox"]),
        Figure("summary-memory", "peak memory, 120-person summary", big_mem / 1e6,
               small_mem / 1e6, "MB", "the same for 10 people", TARGETS["memory"]),
    ]

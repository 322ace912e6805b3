"""Where the uncapped Slack fan-out's time goes: `python -m bench.fanout_cpu [runs]`.

Not a suite (it makes no Figure): a diagnostic for the slack-fanout figure. The same setup
as bench/fanout.py (fake Slack on loopback, the bot's outbox on SQLite, the start-up heap
frozen), the raw chat_postMessage loop and teampulse taking turns, each delivering 2,000
DMs. Per turn it prints the throughput, the process CPU time per message (both loops run
in this one process with the fake server, so when the machine is busy the rate follows
the CPU each message costs), the time spent in garbage collection, and for teampulse: the
CPU of the outbox's database thread, the number of database round trips, how long after
the start the first call went, and how long after the last call ended flush() returned.
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.fanout import (
    SLACK_TOKEN,
    UNCAPPED,
    deliver_all,
    enqueue,
    forget_calls,
    make_bot,
    raw_slack,
)
from bench.heap import settled
from bot.adapters.slack import SlackAdapter
from bot.config import Secret
from tests.fakes.slack_api import FakeSlackAPI


class GcTimer:
    """Wall time spent in the collector while active (gc.callbacks)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.collections = 0
        self._began = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._began = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._began
            self.collections += 1

    def reset(self) -> None:
        self.seconds, self.collections = 0.0, 0


async def measure(runs: int) -> None:
    """Print one line per loop and turn, then the medians."""
    collector = GcTimer()
    rows: dict[str, list[dict[str, float]]] = {"raw": [], "teampulse": []}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        async with FakeSlackAPI() as fake:
            fake.joined = None  # throughput, not membership
            bot = make_bot(folder, f"sqlite:///{folder}/bench.db",
                           slack_bot_token=Secret(SLACK_TOKEN),
                           slack_signing_secret=Secret("bench"), slack_api_url=fake.base_url,
                           slack_http_host="127.0.0.1", slack_http_port=0)
            adapter = SlackAdapter(bot, bot.settings)
            bot.register(adapter)
            await adapter.start()
            db = {"cpu": 0.0, "trips": 0.0}
            calls: dict[str, float] = {}
            outbox_db = bot.outbox._db

            async def counted_db(work: Callable[..., Any], *args: Any) -> Any:
                def timed(*inner: Any) -> Any:
                    began = time.thread_time()
                    try:
                        return work(*inner)
                    finally:
                        db["cpu"] += time.thread_time() - began
                db["trips"] += 1
                return await outbox_db(timed, *args)

            bot.outbox._db = counted_db  # type: ignore[method-assign]
            deliver = adapter.deliver

            async def timed_deliver(*args: Any) -> Any:
                calls.setdefault("first", time.perf_counter())
                try:
                    return await deliver(*args)
                finally:
                    calls["last"] = time.perf_counter()

            adapter.deliver = timed_deliver  # type: ignore[method-assign]
            try:
                with settled():
                    for run in range(runs):
                        users = [f"U{run}X{i:05d}" for i in range(UNCAPPED)]
                        forget_calls(fake)
                        collector.reset()
                        cpu = time.process_time()
                        rate = await raw_slack(fake, [u + "R" for u in users])
                        rows["raw"].append({
                            "msg/s": rate,
                            "cpu us/msg": (time.process_time() - cpu) / UNCAPPED * 1e6,
                            "gc us/msg": collector.seconds / UNCAPPED * 1e6})
                        forget_calls(fake)
                        enqueue(bot, "slack", [("dm", user) for user in users])
                        collector.reset()
                        db.update(cpu=0.0, trips=0.0)
                        calls.clear()
                        cpu, start = time.process_time(), time.perf_counter()
                        await deliver_all(bot)
                        end = time.perf_counter()
                        rows["teampulse"].append({
                            "msg/s": UNCAPPED / (end - start),
                            "cpu us/msg": (time.process_time() - cpu) / UNCAPPED * 1e6,
                            "gc us/msg": collector.seconds / UNCAPPED * 1e6,
                            "db cpu us/msg": db["cpu"] / UNCAPPED * 1e6,
                            "db trips": db["trips"],
                            "first call ms": (calls["first"] - start) * 1e3,
                            "tail ms": (end - calls["last"]) * 1e3})
                        for name in ("raw", "teampulse"):
                            print(f"run {run} {name:9s} " + "  ".join(
                                f"{key} {value:.0f}" for key, value in rows[name][-1].items()),
                                flush=True)
            finally:
                await adapter.stop()
                bot.close()
                bot.engine.dispose()
    ratios = [ours["msg/s"] / raw["msg/s"] for ours, raw in zip(rows["teampulse"], rows["raw"],
                                                                  strict=True)]
    print("ratios " + " ".join(f"{r:.2f}" for r in ratios))
    for name, measured in rows.items():
        print(f"median {name:9s} " + "  ".join(
            f"{key} {statistics.median(r[key] for r in measured):.0f}" for key in measured[0]))


if __name__ == "__main__":
    asyncio.run(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 5))

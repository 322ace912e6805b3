"""Benchmarks: `python -m bench [suite ...]` (or `make bench`).

Every figure is a ratio to a baseline measured in the same run on the same machine (a
raw SQL query, a bare SDK loop, a bare insert), printed with its target. Each suite is a
module of this package with `async def run() -> list[Figure]`; list new ones in SUITES.
Exit code 1 when a target is missed, unless BENCH_REPORT_ONLY=1 (CI on shared hardware).
"""

from __future__ import annotations

import asyncio
import importlib
import os
import sys

from bench.report import Figure

SUITES = [
    "bench.checkin",
    "bench.summary",
    "bench.ingest",
    "bench.rounds",
    "bench.fanout",
    "bench.charts",
]


async def main(names: list[str]) -> int:
    chosen = [s for s in SUITES if not names or s.rsplit(".", 1)[-1] in names]
    unknown = set(names) - {s.rsplit(".", 1)[-1] for s in SUITES}
    if unknown:
        print(f"unknown suite(s): {', '.join(sorted(unknown))}; "
              f"known: {', '.join(s.rsplit('.', 1)[-1] for s in SUITES)}", file=sys.stderr)
        return 2
    figures: list[Figure] = []
    for name in chosen:
        module = importlib.import_module(name)
        print(f"--- {name}", flush=True)
        for figure in await module.run():
            print(figure.line(), flush=True)
            figures.append(figure)
    missed = [f.name for f in figures if not f.met]
    if missed:
        print(f"missed targets: {', '.join(missed)}")
    if os.environ.get("BENCH_REPORT_ONLY") == "1":
        return 0
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))

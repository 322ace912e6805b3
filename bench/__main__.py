"""Benchmarks: `python -m bench [suite ...]` (or `make bench`).

Every figure is a ratio to a baseline measured in the same run on the same machine (a
raw SQL query, a bare SDK loop, a bare insert), printed with its target. Each suite is a
module of this package with `async def run() -> list[Figure]`; list new ones in SUITES.
Exit code 1 when a target is missed, unless BENCH_REPORT_ONLY=1 (CI on shared hardware).

Two or more suites run each in an interpreter of its own, one after the other, as pyperf
runs each benchmark in a worker process: in one process a suite ran on the heap the suites
before it left (the check-in suite's thousand bots, freed), and the summary suite's
1,000-director views then took up to 40% longer than alone while the statements they send
(their `-sql` baseline, in the same process) did not, so their ratios told of the suite
before them rather than of the view. Each figure and its baseline are still measured side
by side in one process.
"""

from __future__ import annotations

import asyncio
import dataclasses
import importlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.report import Figure

SUITES = [
    "bench.checkin",
    "bench.summary",
    "bench.ingest",
    "bench.rounds",
    "bench.fanout",
    "bench.charts",
]

#: The child's option: run one suite (a module name) and write its figures as JSON.
ONE_SUITE = "--one-suite"


async def run_here(name: str) -> list[Figure]:
    """Run suite `name` in this interpreter, printing each figure as it comes."""
    module = importlib.import_module(name)
    figures = await module.run()
    for figure in figures:
        print(figure.line(), flush=True)
    return figures


def run_isolated(name: str) -> list[Figure] | None:
    """Run suite `name` in a fresh interpreter (its lines printed as it goes); its
    figures, or None if it did not finish."""
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        found = Path(tmp) / "figures.json"
        done = subprocess.run([sys.executable, "-m", "bench", ONE_SUITE, name, str(found)],
                              check=False)
        if done.returncode != 0 or not found.exists():
            print(f"suite {name} did not finish (exit code {done.returncode})", flush=True)
            return None
        return [Figure(**data) for data in json.loads(found.read_text(encoding="utf-8"))]


async def main(names: list[str], isolate: bool | None = None) -> int:
    """Run the suites named (all when none), each in its own interpreter when there are
    several (`isolate`), print every figure and the missed targets; the exit code."""
    chosen = [s for s in SUITES if not names or s.rsplit(".", 1)[-1] in names]
    unknown = set(names) - {s.rsplit(".", 1)[-1] for s in SUITES}
    if unknown:
        print(f"unknown suite(s): {', '.join(sorted(unknown))}; "
              f"known: {', '.join(s.rsplit('.', 1)[-1] for s in SUITES)}", file=sys.stderr)
        return 2
    isolate = len(chosen) > 1 if isolate is None else isolate
    figures: list[Figure] = []
    failed: list[str] = []
    for name in chosen:
        print(f"--- {name}", flush=True)
        found = run_isolated(name) if isolate else await run_here(name)
        if found is None:
            failed.append(name)
        else:
            figures += found
    missed = [f.name for f in figures if not f.met]
    if missed:
        print(f"missed targets: {', '.join(missed)}")
    if failed:
        print(f"suites that did not finish: {', '.join(failed)}")
        return 1
    if os.environ.get("BENCH_REPORT_ONLY") == "1":
        return 0
    return 1 if missed else 0


async def one_suite(name: str, out: Path) -> int:
    """The child of run_isolated: run `name`, write its figures to `out` as JSON."""
    figures = await run_here(name)
    out.write_text(json.dumps([dataclasses.asdict(f) for f in figures]), encoding="utf-8")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == [ONE_SUITE]:
        sys.exit(asyncio.run(one_suite(sys.argv[2], Path(sys.argv[3]))))
    sys.exit(asyncio.run(main(sys.argv[1:])))

"""Memory and time of `teampulse import-actuals` on a large CRM export, on SQLite (not a
`make bench` suite: a measurement to run by hand).

    .venv/bin/python -m bench.crm_import [rows]

Writes an export of `rows` rows (default 200,000: some 6 MB; a year of a large org's
deals, 50 MB, is about 1.5 million), imports it with the command line into a new database
and prints the bytes Python held at the peak per row (tracemalloc) and the wall time,
beside the same for the baseline of reading the file with the csv module and writing its
rows with the sqlite3 driver's executemany (no checks, no parsing of dates or values
beyond float()), measured in the same run.

Measured on the shared 2-core machine (busy), 20,000 rows: before rows were written as
plain rows in batches (fcbe98c), 3.4 KB a row at the peak; after, 949 bytes (the parsed
file, held whole: streaming the parse would be the next step), against the baseline's 302
(3.1x), and 1.8 s against 0.10 s (the checks, the dates and the duplicate detection the
baseline does not do). At 1.5 million rows (`/usr/bin/time -v`): 5.3 GB and 5 minutes
before, 1.5 GB and 1 min 41 s after.
"""

from __future__ import annotations

import csv
import io
import os
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from bot.cli import main as teampulse

ORG = Path(__file__).resolve().parent.parent / "tests" / "data" / "org.yaml"
PEOPLE = ("alice", "sam", "bruno")


def export(path: Path, rows: int) -> None:
    """An export of `rows` revenue rows for three people over a year."""
    path.write_text("person,metric,date,value\n" + "".join(
        f"{PEOPLE[i % 3]},revenue,2026-{1 + i % 11:02d}-{1 + i % 28:02d},{100 + i}\n"
        for i in range(rows)), encoding="utf-8")


def measured(action: Callable[[], None]) -> tuple[int, float]:
    """(peak bytes Python held, seconds) of `action`."""
    tracemalloc.start()
    began = time.perf_counter()
    try:
        action()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, time.perf_counter() - began


def raw_import(csv_path: Path, db: Path) -> None:
    """The baseline: the rows read with csv and written with executemany."""
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE actuals (line INTEGER, person TEXT, metric TEXT, day TEXT, "
                 "value REAL)")
    with csv_path.open(encoding="utf-8", newline="") as f:
        rows = [(n, r["person"], r["metric"], r["date"], float(r["value"]))
                for n, r in enumerate(csv.DictReader(f), start=2)]
    conn.executemany("INSERT INTO actuals VALUES (?, ?, ?, ?, ?)", rows)
    conn.commit()
    conn.close()


def run(rows: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        here = Path(folder)
        data = here / "year.csv"
        export(data, rows)
        os.environ["TEAMPULSE_ORG_FILE"] = str(ORG)

        def ours(db: Path) -> Callable[[], None]:
            # Migrated first, so that the measure is the import's alone.
            os.environ["DATABASE_URL"] = f"sqlite:///{db}"
            assert teampulse(["--env-file", "/dev/null", "migrate"], stdout=io.StringIO()) == 0
            return lambda: print(end="" if teampulse(
                ["--env-file", "/dev/null", "import-actuals", str(data)],
                stdout=io.StringIO()) == 0 else "import-actuals failed\n")

        # Each measured twice, into a new database each time: the time without tracemalloc
        # (which slows Python several times over), then the memory with it.
        _, seconds = timed(ours(here / "t1.db"))
        peak, _ = measured(ours(here / "t2.db"))
        _, raw_seconds = timed(lambda: raw_import(data, here / "r1.db"))
        raw_peak, _ = measured(lambda: raw_import(data, here / "r2.db"))
        print(f"rows: {rows:,} ({data.stat().st_size / 1e6:.1f} MB)")
        print(f"teampulse import-actuals: {peak / rows:,.0f} bytes a row at the peak, "
              f"{seconds:.2f} s")
        print(f"raw csv + executemany:    {raw_peak / rows:,.0f} bytes a row at the peak, "
              f"{raw_seconds:.2f} s")
        print(f"ratio: memory {peak / raw_peak:.2f}x, time {seconds / raw_seconds:.2f}x")


def timed(action: Callable[[], None]) -> tuple[None, float]:
    """(None, seconds) of `action`."""
    began = time.perf_counter()
    action()
    return None, time.perf_counter() - began

if __name__ == "__main__":
    run(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)

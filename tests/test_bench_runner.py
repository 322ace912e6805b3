"""`make bench` as the operator meets it: every figure with its baseline, ratio and target,
a missed target failing the run unless reports only were asked for, and a mistyped suite
named (README, "Tests and benchmarks")."""

from __future__ import annotations

import sys
import types

import pytest

import bench.__main__ as runner
from bench.report import Figure


@pytest.fixture
def two_suites(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two stand-in suites: one whose figure meets its target, one whose figure misses."""
    def suite(name: str, figure: Figure) -> None:
        module = types.ModuleType(name)

        async def run() -> list[Figure]:
            return [figure]

        module.run = run  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, name, module)

    suite("bench.fast", Figure("fast-one", "a quick thing", 10.0, 8.0, "ms", "bare", 2.0))
    suite("bench.slow", Figure("slow-one", "a slow thing", 30.0, 10.0, "ms", "bare", 2.0))
    monkeypatch.setattr(runner, "SUITES", ["bench.fast", "bench.slow"])
    monkeypatch.delenv("BENCH_REPORT_ONLY", raising=False)


async def test_a_missed_target_fails_the_run_and_is_named(
        two_suites: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert await runner.main([], isolate=False) == 1
    out = capsys.readouterr().out
    assert "ok   fast-one" in out and "1.25x  (target <= 2x)" in out
    assert "MISS slow-one" in out and "3.00x  (target <= 2x)" in out
    assert "a slow thing: 30 ms vs bare: 10 ms" in out
    assert out.rstrip().endswith("missed targets: slow-one")


async def test_reports_only_still_names_the_miss_but_passes(
        two_suites: None, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("BENCH_REPORT_ONLY", "1")
    assert await runner.main([], isolate=False) == 0
    assert "missed targets: slow-one" in capsys.readouterr().out


async def test_one_suite_by_name_runs_only_that_one(
        two_suites: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert await runner.main(["fast"], isolate=False) == 0
    out = capsys.readouterr().out
    assert "fast-one" in out and "slow-one" not in out and "missed" not in out


async def test_a_mistyped_suite_is_named_with_the_known_ones(
        two_suites: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert await runner.main(["sumary"], isolate=False) == 2
    err = capsys.readouterr().err
    assert "unknown suite(s): sumary" in err and "known: fast, slow" in err


def test_readme_names_every_suite_the_runner_has() -> None:
    from pathlib import Path
    readme = Path(__file__).resolve().parents[1].joinpath("README.md").read_text()
    names = [s.rsplit(".", 1)[-1] for s in runner.SUITES]
    words = {5: "five", 6: "six", 7: "seven", 8: "eight"}
    assert f"`make bench` runs {words[len(names)]} suites" in readme
    for name in names:
        assert f"`{name}`" in readme


SUITE = """
import sys

from bench.report import Figure


async def run():
    # What one suite leaves in its interpreter (here a module; in make bench, the heap a
    # thousand bots left freed) is there for the next suite only if they share one.
    shared = "tp_left_behind" in sys.modules
    sys.modules.setdefault("tp_left_behind", sys)
    return [Figure("{name}", "a thing", 3.0 if shared else 1.0, 1.0, "ms", "bare", 2.0)]
"""


async def test_several_suites_run_each_in_an_interpreter_of_its_own(
        tmp_path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]) -> None:
    """`make bench` ran every suite in one process: the summary suite's views, run on the
    heap the check-in suite left, took up to 40% longer than alone (README, Performance)."""
    import os
    from pathlib import Path

    for name in ("tp_suite_a", "tp_suite_b"):
        (tmp_path / f"{name}.py").write_text(SUITE.replace("{name}", name), encoding="utf-8")
    root = Path(__file__).resolve().parents[1]
    monkeypatch.setenv("PYTHONPATH", f"{tmp_path}{os.pathsep}{root}")
    monkeypatch.chdir(root)
    monkeypatch.setattr(runner, "SUITES", ["tp_suite_a", "tp_suite_b"])
    monkeypatch.delenv("BENCH_REPORT_ONLY", raising=False)
    assert await runner.main([]) == 0
    out = capfd.readouterr().out
    assert "--- tp_suite_a" in out and "ok   tp_suite_a" in out
    assert "--- tp_suite_b" in out and "ok   tp_suite_b" in out and "missed" not in out
    # In one interpreter, the second reads what the first left.
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "tp_left_behind", raising=False)
    assert await runner.main([], isolate=False) == 1
    assert "MISS tp_suite_b" in capfd.readouterr().out


async def test_a_suite_that_dies_fails_the_run_even_for_reports_only(
        tmp_path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]) -> None:
    import os
    from pathlib import Path

    (tmp_path / "tp_suite_dies.py").write_text("async def run():\n    raise SystemExit(3)\n",
                                              encoding="utf-8")
    root = Path(__file__).resolve().parents[1]
    monkeypatch.setenv("PYTHONPATH", f"{tmp_path}{os.pathsep}{root}")
    monkeypatch.chdir(root)
    monkeypatch.setattr(runner, "SUITES", ["tp_suite_dies", "bench.none"])
    monkeypatch.setenv("BENCH_REPORT_ONLY", "1")
    assert await runner.main(["tp_suite_dies"], isolate=True) == 1
    out = capfd.readouterr().out
    assert "suite tp_suite_dies did not finish (exit code 3)" in out
    assert "suites that did not finish: tp_suite_dies" in out

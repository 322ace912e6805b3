"""bench/rounds.py's idle memory: measured at a moment that does not depend on the hour
the benchmark is run (a start owes a round at some hours, and was measured part-way
through it), and, after a start that owes one, only once its catch-up is done."""

from __future__ import annotations

from pathlib import Path

import pytest

import bench.rounds as rounds


@pytest.fixture(autouse=True)
def _sqlite_only(monkeypatch: pytest.MonkeyPatch) -> None:
    # (The bench's own choice of database: a file in the test's folder.)
    monkeypatch.delenv("BENCH_DATABASE_URL", raising=False)


def test_an_idle_start_owes_nothing_and_a_due_one_is_measured_once_caught_up(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEAMPULSE_CACHE_DIR", str(tmp_path / "cache"))
    seen: list[str | None] = []
    real = rounds._idle_rss

    def watched(folder, people, env, idle, wait_for=None, patience=120.0):
        seen.append(env["BENCH_START"])
        seen.append(wait_for)
        return real(folder, people, env, idle, wait_for, patience)

    monkeypatch.setattr(rounds, "_idle_rss", watched)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    [(quiet, ready)] = rounds.idle_rss(tmp_path / "a", 10, idle=0.1)
    [(due, _)] = rounds.idle_rss(tmp_path / "b", 10, idle=0.1, at=rounds.DUE_TIME)
    assert seen == [rounds.QUIET_TIME.isoformat(), None,
                    rounds.DUE_TIME.isoformat(), rounds.CAUGHT_UP]
    # Both real processes started, ran and were measured (a start that never logged its
    # catch-up raises instead: the due one did).
    assert 20 < quiet < 500 and 20 < due < 500 and 0 < ready < 60


def test_a_start_at_the_quiet_moment_prompts_nobody(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """What makes rss-10k's moment quiet: nothing is owed at it, for any of the bench's
    timezones (the same org and schedule the benchmark starts)."""
    monkeypatch.setenv("TEAMPULSE_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "c"
    folder.mkdir()
    with pytest.raises(RuntimeError, match="never logged"):
        # Waiting for the catch-up line of a start at the quiet moment: none comes.
        rounds._idle_rss(folder, 10, rounds.run_env(folder, 10, f"sqlite:///{folder}/bot.db",
                                                       rounds.QUIET_TIME), 0.0,
                         wait_for=rounds.CAUGHT_UP, patience=3.0)

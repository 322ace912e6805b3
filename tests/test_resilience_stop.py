"""Stopping `teampulse run`: SIGTERM and Ctrl-C end it promptly, keeping the work in hand.

These run the real command in a subprocess, as an operator (systemd, docker stop,
Ctrl-C in a terminal) would stop it. Stdin is a pipe that stays open, as under a
supervisor: the case that used to hang forever.
"""

from __future__ import annotations

import asyncio
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

ROOT = Path(__file__).parent.parent
# A bound on how long a stop may take, not a sleep: the tests go on as soon as it exits.
PROMPT = 10
# A bound on waiting for the bot's output (its start, a reply), not a sleep either: it only
# ends a hang. Generous, as a loaded machine is slow to start a process (CI's 2 busy cores
# took over 10 s to start `python -m bot run`, and the start-up wait failed there).
STARTUP = 120


class Bot:
    """`python -m bot run` in the console, with a stdin pipe we keep open."""

    def __init__(self, tmp_path: Path, *extra_env: tuple[str, str]) -> None:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("SLACK_", "TELEGRAM_", "TEAMPULSE_"))}
        self.db = tmp_path / "tp.db"
        env.update(DATABASE_URL=f"sqlite:///{self.db}",
                   TEAMPULSE_ORG_FILE=str(ROOT / "org.example.yaml"),
                   CHECKIN_SCHEDULE="mon 09:00", PYTHONPATH=str(ROOT), **dict(extra_env))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "--env-file", "/dev/null", "run"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, env=env, cwd=tmp_path)
        self.seen = ""
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line)
        self._lines.put("")

    def say(self, line: str) -> None:
        """Type a line (the pipe stays open afterwards)."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def wait_for(self, needle: str) -> None:
        """Read output until `needle` shows up (bounded, never a fixed sleep)."""
        while needle not in self.seen:
            try:
                line = self._lines.get(timeout=STARTUP)
            except queue.Empty:
                pytest.fail(f"{needle!r} did not appear; output so far:\n{self.seen}")
            if not line:
                pytest.fail(f"the bot exited before {needle!r}; output:\n{self.seen}"
                            f"\nstderr:\n{self.stop_output()}")
            self.seen += line

    def stop_output(self) -> str:
        """Stderr of an exited process."""
        assert self.proc.stderr is not None
        return self.proc.stderr.read()

    def answers(self) -> list[tuple[str, str | None, float | None, bool]]:
        """The check-in answers stored in the database."""
        engine = create_engine(f"sqlite:///{self.db}")
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT question_key, text_value, number_value, skipped FROM answers "
                "ORDER BY id")).all()
        engine.dispose()
        return [tuple(r) for r in rows]  # type: ignore[misc]

    def kill(self) -> None:
        """Clean up after a failed test."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def bot_process(tmp_path: Path) -> Iterator[Bot]:
    bot = Bot(tmp_path)
    yield bot
    bot.kill()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_a_signal_stops_the_console_promptly_with_stdin_left_open(
        bot_process: Bot, sig: signal.Signals) -> None:
    bot = bot_process
    bot.wait_for("/quit")  # the banner is out: the bot is running and reading
    bot.proc.send_signal(sig)
    assert bot.proc.wait(timeout=PROMPT) == 0
    assert bot.stop_output() == ""  # no traceback, no noise


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_an_answer_typed_just_before_the_signal_is_kept(
        bot_process: Bot, sig: signal.Signals) -> None:
    bot = bot_process
    bot.wait_for("/quit")
    bot.say("/fire checkin alice")
    bot.wait_for("Question 1 of 8")
    bot.say("/as alice")
    bot.wait_for("You are now Alice Martin")
    bot.say("52000")
    bot.wait_for("alice> 52000")  # read and being handled: now the operator stops the bot
    bot.proc.send_signal(sig)
    assert bot.proc.wait(timeout=PROMPT) == 0
    assert [(key, number) for key, _, number, _ in bot.answers()] == [("kpi:revenue", 52000.0)]


def test_restarted_after_a_stop_the_director_carries_on_where_they_were(
        tmp_path: Path) -> None:
    first = Bot(tmp_path)
    try:
        first.wait_for("/quit")
        first.say("/fire checkin alice")
        first.say("/as alice")
        first.say("52000")
        first.wait_for("Question 2 of 8")
        first.proc.send_signal(signal.SIGTERM)
        assert first.proc.wait(timeout=PROMPT) == 0
    finally:
        first.kill()
    second = Bot(tmp_path)
    try:
        second.wait_for("/quit")
        second.say("/as alice")
        second.say("3")
        second.wait_for("Question 3 of 8")
        second.proc.send_signal(signal.SIGINT)
        assert second.proc.wait(timeout=PROMPT) == 0
        assert [number for _, _, number, _ in second.answers()] == [52000.0, 3.0]
    finally:
        second.kill()


async def run_signalled(tmp_path: Path, env: dict[str, str], sig: signal.Signals,
                        ready: Callable[[], Awaitable[object]] | None = None
                        ) -> tuple[int, str]:
    """Start `python -m bot run` with `env` (the platform and database settings of this
    process left out), signal it once running (and once `ready` returns, if given); its
    exit code and stderr (bounded waits on events, never a sleep).

    Asserts no traceback.
    """
    full = {k: v for k, v in os.environ.items()
            if not k.startswith(("SLACK_", "TELEGRAM_", "TEAMPULSE_", "DATABASE_"))}
    full.update({"PYTHONPATH": str(ROOT), "LOG_LEVEL": "INFO", **env})  # env may override
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "--env-file", "/dev/null", "run",
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env=full, cwd=tmp_path)
    assert proc.stderr is not None
    seen = ""
    try:
        async with asyncio.timeout(STARTUP):
            while "teampulse is running on" not in seen:
                line = (await proc.stderr.readline()).decode()
                assert line, f"the bot exited before running:\n{seen}"
                seen += line
        # Keep reading its log, so that a full pipe never blocks it.
        drain = asyncio.ensure_future(proc.stderr.read())
        if ready is not None:
            await ready()
        proc.send_signal(sig)
        async with asyncio.timeout(PROMPT):
            code = await proc.wait()
            seen += (await drain).decode()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert "Traceback" not in seen, seen
    return code, seen


async def signal_a_running_platform_bot(
        tmp_path: Path, env: dict[str, str], sig: signal.Signals,
        ready: Callable[[], Awaitable[object]] | None = None) -> str:
    """Start `python -m bot run` with `env`, signal it once running (and once `ready`
    returns, if given); return its stderr.

    Asserts it exits promptly with code 0 and no traceback.
    """
    code, seen = await run_signalled(tmp_path, env, sig, ready)
    assert code == 0, seen
    return seen


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_a_signal_stops_the_interactive_console_on_a_terminal(
        tmp_path: Path, sig: signal.Signals) -> None:
    import pty
    import select

    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "TELEGRAM_", "TEAMPULSE_"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'tp.db'}", TERM="dumb",
               TEAMPULSE_ORG_FILE=str(ROOT / "org.example.yaml"), PYTHONPATH=str(ROOT))
    terminal, child_end = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "--env-file", "/dev/null", "run"],
        stdin=child_end, stdout=child_end, stderr=subprocess.PIPE, env=env, cwd=tmp_path,
        start_new_session=True)
    os.close(child_end)
    screen = b""

    def wait_for(needle: bytes) -> None:
        nonlocal screen
        deadline = time.monotonic() + STARTUP
        while needle not in screen:
            assert time.monotonic() < deadline, screen.decode(errors="replace")
            if select.select([terminal], [], [], 0.1)[0]:
                screen += os.read(terminal, 4096)

    try:
        wait_for(b"grace> ")  # the prompt: the console waits for typing
        os.write(terminal, b"/who\n")
        wait_for("← you".encode())
        os.write(terminal, b"/as alice\n")
        wait_for(b"alice> ")  # the prompt follows the answer and names who you are now
        proc.send_signal(sig)
        assert proc.wait(timeout=PROMPT) == 0
        assert proc.stderr is not None and proc.stderr.read() == b""
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(terminal)

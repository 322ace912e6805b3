"""What Python prints itself while `teampulse run` runs (a library's warning, a thread's
uncaught exception, an asyncio task's exception nobody retrieved, an exception Python
ignored in a `__del__`) reaches the operator's stderr as the log writes every line:
secrets masked, an exception's message left out.

The bot runs as an operator runs it, `python -m bot run`, in a process of its own (so its
stderr is the one Python writes to, not pytest's capture), on Slack and Telegram against
the fake APIs; a few lines added to that process make a library misbehave once it runs."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from bot.config import Settings
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.telegram_api import FakeTelegramAPI, free_port
from tests.operator_log import FORMATS, quoting

ROOT = Path(__file__).resolve().parent.parent
TELEGRAM_TOKEN = "123456:TG-python-report-secret-never-logged"
SLACK_TOKEN = "xoxb-1111-2222-PYreportBOTsecretNeverLogged"
SIGNING_SECRET = "signing0secret0python0report0never"
TYPED = "my salary is 123,456"

#: `teampulse run`, with what a library might do once the bot is up: warn (a deprecation
#: whose text quotes the Bot API URL it was given), fail in a thread of its own, in an
#: asyncio task nobody awaits and in a `__del__` (which Python can only ignore), each
#: quoting the URL, the signing secret and what someone wrote. Then the operator's Ctrl-C.
CHILD = """
import asyncio, gc, os, signal, sys, threading, warnings
from bot import app
from bot.cli import main

url, secret, typed = sys.argv[1:4]
started = app.LeaderWork.start

def fails():
    raise RuntimeError(f"POST {url} failed (signing secret {secret}) on text={typed!r}")

async def fails_later():
    raise RuntimeError(f"GET {url} failed (signing secret {secret}) on text={typed!r}")

class Connection:
    def __del__(self):
        raise RuntimeError(f"closing {url} failed (signing secret {secret})")

async def start(self):
    await started(self)
    warnings.warn(f"{url} is deprecated (signing secret {secret})", DeprecationWarning)
    thread = threading.Thread(target=fails, name="library-worker")
    thread.start()
    thread.join()
    task = asyncio.get_running_loop().create_task(fails_later(), name="library-task")
    while not task.done():
        await asyncio.sleep(0)
    del task  # never retrieved: asyncio reports it when the task goes
    gc.collect()
    Connection()  # its __del__ fails: "Exception ignored in …"
    print("reported", file=sys.stderr, flush=True)
    os.kill(os.getpid(), signal.SIGINT)

app.LeaderWork.start = start
sys.argv = ["teampulse"]
raise SystemExit(main(["--env-file", "/dev/null", "run"]))
"""


@pytest.mark.parametrize("log_format", FORMATS)
async def test_warnings_and_uncaught_exceptions_reach_stderr_masked(
        settings: Settings, log_format: str, tmp_path: Path) -> None:
    async with FakeSlackAPI() as slack, FakeTelegramAPI(token=TELEGRAM_TOKEN) as telegram:
        env = {name: value for name, value in os.environ.items()
               if not name.startswith(("SLACK_", "TELEGRAM_", "TEAMPULSE_", "LOG_"))}
        env.update({
            "PYTHONPATH": str(ROOT), "DATABASE_URL": settings.database_url,
            "TEAMPULSE_ORG_FILE": str(settings.org_file), "LOG_FORMAT": log_format,
            "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN, "TELEGRAM_API_URL": telegram.url,
            "SLACK_BOT_TOKEN": SLACK_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.base_url, "SLACK_HTTP_HOST": "127.0.0.1",
            "SLACK_HTTP_PORT": str(free_port())})
        bot_url = f"https://api.telegram.org/bot{TELEGRAM_TOKEN}/getUpdates"
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-c", CHILD, bot_url, SIGNING_SECRET, TYPED, cwd=tmp_path,
            env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        async with asyncio.timeout(120):  # a guard only: it stops itself
            out, err = await child.communicate()
    stderr = err.decode()
    assert child.returncode == 0, stderr
    assert "reported" in stderr  # the misbehaving library ran
    assert quoting(stderr + out.decode(), TELEGRAM_TOKEN.partition(":")[2], SLACK_TOKEN,
                   SIGNING_SECRET, "salary") == []
    assert "DeprecationWarning" in stderr and "https://api.telegram.org/bot" in stderr
    assert "uncaught exception in thread library-worker" in stderr
    assert "Task exception was never retrieved (task library-task)" in stderr
    assert "exception ignored in Connection.__del__" in stderr
    assert stderr.count("RuntimeError") >= 3  # each exception named by its type

"""`teampulse run` when the platform's API cannot be reached at start: one line, no traceback."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator

ROOT = Path(__file__).resolve().parent.parent


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then let go)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(("platform", "expected"), [
    ("telegram", "teampulse: cannot reach the Telegram Bot API at http://relay:***@127.0.0.1:"
                 "{port}/ to check TELEGRAM_BOT_TOKEN: httpx.ConnectError"),
    ("slack", "teampulse: cannot reach Slack's Web API at http://127.0.0.1:{port}/ to check "
              "SLACK_BOT_TOKEN: Cannot connect to host 127.0.0.1:{port}"),
])
def test_a_platform_api_nothing_answers_stops_run_with_one_line(
        platform: str, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """An operator whose TELEGRAM_API_URL or SLACK_API_URL names a server that is down (or
    whose network cannot reach the platform) got a 60-line httpx or aiohttp traceback and
    exit code 1. Now one line names the URL (its password masked) and the variable to
    check, never the token, with exit code 2 like every other start-up check."""
    from bot.cli import main

    port = _closed_port()
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'teampulse.db'}",
           "TEAMPULSE_ORG_FILE": str(ROOT / "org.example.yaml")}
    if platform == "telegram":
        env |= {"TELEGRAM_BOT_TOKEN": "123456:tg-token-secret",
                "TELEGRAM_API_URL": f"http://relay:relay-secret@127.0.0.1:{port}/"}
    else:
        env |= {"SLACK_BOT_TOKEN": "xoxb-bot-token-secret",
                "SLACK_APP_TOKEN": "xapp-app-token-secret",
                "SLACK_API_URL": f"http://127.0.0.1:{port}/"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    # slack_sdk retries a refused connection twice after a backoff: not waited out here.
    monkeypatch.setattr(BackoffRetryIntervalCalculator, "calculate_sleep_duration",
                        lambda self, attempt: 0.0)
    assert main(["--env-file", "/dev/null", "run"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(expected.format(port=port)), err
    assert len(err.splitlines()) == 1 and "secret" not in err

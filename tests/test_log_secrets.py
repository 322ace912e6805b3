"""A database password and the settings' secrets never reach the operator's log, at
LOG_LEVEL=DEBUG, in either LOG_FORMAT, nor what a CLI command prints about the database."""

from __future__ import annotations

import contextlib
import logging
import socket
import struct
import threading
from dataclasses import replace
from urllib.parse import unquote_plus, urlencode

import pytest

from bot.cli import main
from bot.config import Secret, Settings
from tests.operator_log import FORMATS, operator_log, quoting
from tests.support import TEST_ORG

PASSWORD = "Pg-pass-never-logged-77"
REFUSED = f"postgresql+psycopg://teampulse:{PASSWORD}@127.0.0.1:1/teampulse"


@pytest.mark.parametrize("log_format", FORMATS)
@pytest.mark.parametrize("command", [["run"], ["migrate"], ["summary"], ["config", "--check-db"]])
def test_a_database_that_refuses_the_connection_is_named_without_its_password(
        settings: Settings, log_format: str, command: list[str],
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    for name, value in {"DATABASE_URL": REFUSED, "LOG_LEVEL": "DEBUG",
                        "LOG_FORMAT": log_format, "TEAMPULSE_CONSOLE": "true",
                        "TEAMPULSE_ORG_FILE": str(TEST_ORG)}.items():
        monkeypatch.setenv(name, value)
    with operator_log(replace(settings, database_url=REFUSED), log_format) as log:
        assert main(["--env-file", "/dev/null", *command]) == 2
    out, err = capsys.readouterr()
    assert "127.0.0.1" in err and "teampulse:***@" in out + err
    assert quoting(log.getvalue() + out + err, PASSWORD) == []


@pytest.mark.parametrize("log_format", FORMATS)
def test_a_line_that_logs_the_settings_or_a_library_quoting_a_url_shows_no_secret(
        settings: Settings, log_format: str) -> None:
    """The settings' repr masks its secrets; a library line that quotes the database's URL
    or a Slack token (as a connection pool or an HTTP client may, in an error) is
    redacted by the log handler itself."""
    held = replace(settings, database_url=REFUSED,
                   slack_bot_token=Secret("xoxb-9-9-BOTsecretNeverLogged"),
                   slack_signing_secret=Secret("signing0secret0never0logged"),
                   telegram_bot_token=Secret("123456:TG-secret-part-never-logged-000000"))
    with operator_log(held, log_format) as log:
        logging.getLogger("teampulse.test").debug("settings: %r", held)
        logging.getLogger("some.library").error(
            "reconnecting to %s", REFUSED.replace("teampulse:", "other:"))
        logging.getLogger("some.library").debug("Authorization: Bearer %s",
                                                "xoxb-1-2-OtherBOTsecretNeverLogged")
        logging.getLogger("some.library").warning("verifying with %s",
                                                  "signing0secret0never0logged")
    # A password with an unencoded '@' in it, as the README allows: masked whole.
    at_sign = "postgresql+psycopg://teampulse:Pg@ss-never-logged@db.example/teampulse"
    with operator_log(replace(held, database_url=at_sign), log_format) as log_at:
        logging.getLogger("some.library").error("pool: cannot reach %s", at_sign)
    written = log.getvalue() + log_at.getvalue()
    assert "reconnecting to postgresql+psycopg://other:***@127.0.0.1:1" in written
    assert "cannot reach postgresql+psycopg://teampulse:***@db.example/teampulse" in written
    assert quoting(written, PASSWORD, "BOTsecret", "signing0secret",
                   "TG-secret-part", "ss-never-logged") == []


@pytest.mark.parametrize("log_format", FORMATS)
def test_an_unexpected_crash_is_written_as_the_log_writes_errors(
        settings: Settings, log_format: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """`teampulse run` stopped by an error nothing expected, whose message (a library's)
    quotes a URL with the token and what someone wrote: Python printed it whole on stderr,
    past the log's handler; now the log writes it, frames and type, and the exit code is
    Python's for an uncaught error."""
    from bot import app as app_module

    token = "123456:TG-crash-secret-never-logged-0000"

    async def crashes(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"POST https://api.telegram.org/bot{token}/sendMessage failed "
                           "on text='my salary is 123,456'")

    monkeypatch.setattr(app_module, "run", crashes)
    for name, value in {"DATABASE_URL": settings.database_url, "LOG_LEVEL": "DEBUG",
                        "LOG_FORMAT": log_format, "TEAMPULSE_CONSOLE": "true",
                        "TEAMPULSE_ORG_FILE": str(TEST_ORG)}.items():
        monkeypatch.setenv(name, value)
    with operator_log(settings, log_format) as log:
        assert main(["--env-file", "/dev/null", "run"]) == 1
    out, err = capsys.readouterr()
    written = log.getvalue() + out + err
    assert "teampulse stopped on an unexpected error" in written
    assert "RuntimeError" in written and "crashes" in written  # its type and its frame
    assert quoting(written, "crash-secret", "salary") == []


class _PasswordRefusingServer:
    """A PostgreSQL server, as far as a client's login goes: it asks for the password in
    clear (the method that puts it on the wire as typed), keeps what it was sent, and
    refuses it as a server does a wrong one (SQLSTATE 28P01)."""

    def __init__(self) -> None:
        self.passwords: list[bytes] = []
        self._socket = socket.create_server(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def close(self) -> None:
        self._socket.close()

    def _serve(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                conn, _ = self._socket.accept()
                threading.Thread(target=self._login, args=(conn,), daemon=True).start()

    @staticmethod
    def _message(conn: socket.socket, typed: bool) -> bytes:
        head = conn.recv(5 if typed else 4, socket.MSG_WAITALL)
        length = struct.unpack("!I", head[-4:])[0]
        return conn.recv(length - 4, socket.MSG_WAITALL)

    def _login(self, conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError, struct.error):
            while struct.unpack("!I", self._message(conn, typed=False)[:4])[0] in (
                    80877103, 80877104):  # SSLRequest, GSSENCRequest: not offered
                conn.sendall(b"N")
            conn.sendall(b"R" + struct.pack("!II", 8, 3))  # AuthenticationCleartextPassword
            self.passwords.append(self._message(conn, typed=True).rstrip(b"\0"))
            fields = (b"SFATAL\0VFATAL\0C28P01\0Mpassword authentication failed for user "
                      b"\"teampulse\"\0\0")
            conn.sendall(b"E" + struct.pack("!I", len(fields) + 4) + fields)


@pytest.mark.parametrize("log_format", FORMATS)
@pytest.mark.parametrize("command", [["run"], ["migrate"], ["summary"], ["config", "--check-db"],
                                     ["move-db"]])
def test_a_wrong_database_password_is_refused_by_the_server_and_never_shown(
        settings: Settings, log_format: str, command: list[str], tmp_path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """DATABASE_URL (or move-db's TARGET_URL) with a password the server refuses: the
    password goes to the server, and nowhere else: one line naming the URL with `***` and
    the server's reason, exit code 2, and a DEBUG log without it. (The test above's server
    is not listening, so no password is ever sent.)"""
    pytest.importorskip("psycopg")
    server = _PasswordRefusingServer()
    url = f"postgresql+psycopg://teampulse:{PASSWORD}@127.0.0.1:{server.port}/teampulse"
    in_use = url
    if command == ["move-db"]:
        in_use = f"sqlite:///{tmp_path / 'tp.db'}"
        command = ["move-db", url]
    for name, value in {"DATABASE_URL": in_use, "LOG_LEVEL": "DEBUG",
                        "LOG_FORMAT": log_format, "TEAMPULSE_CONSOLE": "true",
                        "TEAMPULSE_ORG_FILE": str(TEST_ORG)}.items():
        monkeypatch.setenv(name, value)
    try:
        if in_use != url:
            assert main(["--env-file", "/dev/null", "migrate"]) == 0
        with operator_log(replace(settings, database_url=in_use), log_format) as log:
            assert main(["--env-file", "/dev/null", *command]) == 2
    finally:
        server.close()
    out, err = capsys.readouterr()
    assert PASSWORD.encode() in server.passwords  # the login was really tried with it
    masked = f"postgresql+psycopg://teampulse:***@127.0.0.1:{server.port}/teampulse"
    assert err.strip().splitlines()[-1].startswith("teampulse: cannot use the ")
    assert masked in err and "password authentication failed" in err
    assert quoting(log.getvalue() + out + err, PASSWORD) == []


@pytest.mark.parametrize("log_format", FORMATS)
def test_slack_hook_addresses_and_trigger_ids_are_masked_however_a_library_quotes_them(
        settings: Settings, log_format: str) -> None:
    """Slack's own addresses, as slack_sdk and slack_bolt quote them at DEBUG (the fake
    Slack in tests/slack serves on 127.0.0.1): a command's and a button's response_url, an
    incoming webhook, as a URL, inside Slack's JSON ('\\/') and inside a form (%2F). What
    someone typed that only looks like part of one (`/actions add`) stays as typed."""
    command = "https://hooks.slack.com/commands/T0123ABCD/8123456789012/HooKsecretCommand0a1B2c3"
    action = "https://hooks.slack.com/actions/E0GRID42/8123456789013/HooKsecretAction0a1B2c3d"
    webhook = "https://hooks.slack.com/services/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"
    trigger = "13345224609.738474920.8088930838d88f008e0"
    escaped = action.replace("/", "\\/")
    with operator_log(settings, log_format) as log:
        library = logging.getLogger("slack_sdk.webhook.async_client")
        library.debug("Sending a request - url: %s, body: {}", command)
        library.info("A retry handler found: RateLimitErrorRetryHandler for POST %s - "
                     "status: 429", webhook)
        logging.getLogger("slack_bolt.RequestVerification").debug(
            "Invalid request signature detected (body: %s)",
            urlencode({"command": "/actions", "text": "add <@U0BOB> /actions/ABC/ review",
                       "response_url": command, "trigger_id": trigger}))
        logging.getLogger("slack_bolt.RequestVerification").debug(
            "Invalid request signature detected (body: %s)",
            urlencode({"payload": f'{{"response_url":"{escaped}","trigger_id":"{trigger}"}}'}))
        logging.getLogger("slack_sdk.socket_mode").debug(
            "Received message (data: %r)", f'{{"response_url": "{escaped}"}}')
        logging.getLogger("teampulse.test").debug(
            "typed: /actions add Bob review by 1700000001.000100 (Python 3.11.7)")
    written = log.getvalue()
    assert quoting(written, "HooKsecret", "812345678901", "8088930838d88f008e0") == []
    assert "https://hooks.slack.com/commands/T0123ABCD/***" in written
    assert "https://hooks.slack.com/services/T0123ABCD/***" in written
    assert "hooks.slack.com%2Fcommands%2FT0123ABCD%2F***" in written
    assert "13345224609.738474920.***" in written
    assert "add <@U0BOB> /actions/ABC/ review" in unquote_plus(written)
    assert "by 1700000001.000100 (Python 3.11.7)" in written


@pytest.mark.parametrize("log_format", FORMATS)
def test_a_pre_signed_url_a_library_logs_keeps_its_host_not_its_signature(
        settings: Settings, log_format: str) -> None:
    """Pre-signed addresses (S3's, Google Cloud Storage's, Azure's, Slack's upload_url
    whatever its path) let whoever holds them upload or read until they expire: an HTTP
    client's DEBUG line quoting one says where, never the signature."""
    s3 = ("https://bucket.s3.amazonaws.com/chart.png?X-Amz-Algorithm=AWS4-HMAC-SHA256"
          "&X-Amz-Credential=AKIAEXAMPLE%2F20261206%2Fus-east-1%2Fs3%2Faws4_request"
          "&X-Amz-Expires=900&X-Amz-Signature=S3sigNeverLogged0123456789abcdef")
    gcs = "https://storage.googleapis.com/b/o.png?X-Goog-Signature=GCSsigNeverLogged0123"
    azure = "https://acct.blob.core.windows.net/c/o.png?sv=2024-01-01&sig=AZsigNeverLogged%3D"
    with operator_log(settings, log_format) as log:
        library = logging.getLogger("some.storage.client")
        for url in (s3, gcs, azure):
            library.debug("HTTP Request: PUT %s \"HTTP/1.1 200 OK\"", url)
        logging.getLogger("slack_sdk.web").debug(
            "Received the following response - status: 200, body: %s",
            {"ok": True, "upload_url": "https://files.example.com/up/NEWsecretPathNeverLogged",
             "file_id": "F0001"})
    written = log.getvalue()
    assert quoting(written, "sigNeverLogged", "AKIAEXAMPLE", "NEWsecretPath") == []
    assert "https://bucket.s3.amazonaws.com/chart.png?" in written
    assert "'upload_url': 'https://files.example.com/***'" in written

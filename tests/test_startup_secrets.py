"""What the operator sees on the terminal before the log is set up: a bad setting or a bad
command line holding a secret, a Ctrl-C while teampulse is still starting. Secrets masked,
one clear line naming what is wrong, the conventional exit code."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SECRET = "Zq9SECRETpw"


def teampulse(tmp_path: Path, *args: str, env: dict[bytes, bytes] | None = None,
              ) -> subprocess.CompletedProcess[bytes]:
    """`python -m bot` as the operator runs it, on a clean environment plus `env` (bytes:
    a value may hold a byte that is not UTF-8, as a hand-edited unit's can)."""
    clean = {k: v for k, v in os.environb.items()
             if not k.startswith((b"SLACK_", b"TELEGRAM_", b"TEAMPULSE_", b"DATABASE_"))}
    clean.update({b"DATABASE_URL": os.fsencode(f"sqlite:///{tmp_path / 'tp.db'}"),
                  b"TEAMPULSE_ORG_FILE": os.fsencode(ROOT / "org.example.yaml"),
                  b"PYTHONPATH": os.fsencode(ROOT)})
    clean.update(env or {})
    return subprocess.run([sys.executable, "-m", "bot", "--env-file", "/dev/null", *args],
                          capture_output=True, env=clean, cwd=tmp_path, timeout=60,
                          stdin=subprocess.DEVNULL)


def test_a_database_url_typed_once_too_often_is_not_echoed_with_its_password(
        tmp_path: Path) -> None:
    """argparse quoted the extra argument whole: `unrecognized arguments: postgresql+
    psycopg://u:<password>@h/db2`, the password on the terminal and in any captured log."""
    url = f"postgresql+psycopg://u:{SECRET}@h/db"
    done = teampulse(tmp_path, "move-db", url, url + "2")
    err = done.stderr.decode()
    assert done.returncode == 2
    assert SECRET not in err
    assert err.strip().splitlines() == [
        "teampulse move-db: unrecognized arguments: postgresql+psycopg://u:***@h/db2 "
        "(see: teampulse move-db --help)"]


def test_an_in_memory_database_url_is_refused_with_its_password_masked(
        tmp_path: Path) -> None:
    """`run` refused a SQLite database in memory quoting DATABASE_URL as set."""
    done = teampulse(tmp_path, "run", env={b"DATABASE_URL": f"sqlite://u:{SECRET}@/".encode()})
    err = done.stderr.decode()
    assert done.returncode == 2
    assert SECRET not in err
    assert err.startswith("teampulse: DATABASE_URL sqlite://u:***@/ is a SQLite database in "
                          "memory"), err


def test_a_token_with_a_byte_that_is_not_utf8_is_named_not_a_traceback(
        tmp_path: Path) -> None:
    """A stray byte in a secret (a unit's Environment= line saved as Latin-1) crashed start-up
    inside the very code that masks secrets (quoting the value for its URL-encoded form):
    a traceback, exit 1, no word on which setting was wrong."""
    token = f"123456789:AAH{SECRET}secretSECRETsecret12".encode()
    cases = {
        b"TELEGRAM_BOT_TOKEN": token + b"\xff",
        b"DATABASE_URL": f"postgresql+psycopg://u:{SECRET}".encode() + b"\xe9@127.0.0.1:1/db",
    }
    for name, value in cases.items():
        for command in ("migrate", "run"):
            done = teampulse(tmp_path, command, env={name: value})
            err = done.stderr.decode(errors="replace")
            assert done.returncode == 2, err
            assert SECRET not in err and "Traceback" not in err
            assert err == (f"teampulse: {name.decode()} holds a byte that is not UTF-8 text "
                           "(a stray character, or a file saved in another encoding): set it "
                           "again as plain UTF-8 text\n")


def test_masking_a_secret_with_a_byte_that_is_not_utf8_masks_it() -> None:
    """The masking itself, for any other way such a value reaches it: masked, not raised."""
    from bot.log_privacy import redact

    secret = f"{SECRET}\udcff"
    assert redact(f"token {secret} and %{secret}", known=False, also=[secret]) == (
        "token *** and %***")


#: `python -m bot` with a Ctrl-C arriving while `module` is being imported (as the operator's
#: would, between two bytecodes), after a library `wraps` it in an error of its own or not.
CTRL_C_WHILE_IMPORTING = """
import os, runpy, signal, sys

class CtrlC:
    def find_spec(self, name, path=None, target=None):
        if name == {module!r}:
            sys.meta_path.remove(self)
            try:
                os.kill(os.getpid(), signal.SIGINT)
                for _ in range(100000):
                    pass
            except KeyboardInterrupt as exc:
                if {wraps!r}:
                    raise RuntimeError("SchemaError: KeyboardInterrupt") from exc
                raise
        return None

sys.meta_path.insert(0, CtrlC())
sys.argv = ["teampulse", "--env-file", "/dev/null", *sys.argv[1:]]
runpy.run_module("bot", run_name="__main__")
"""


def ctrl_c(tmp_path: Path, module: str, *args: str, wraps: bool = False,
           ) -> subprocess.CompletedProcess[str]:
    """The command with a Ctrl-C while `module` is imported (see CTRL_C_WHILE_IMPORTING)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "TELEGRAM_", "TEAMPULSE_", "DATABASE_"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'tp.db'}", PYTHONPATH=str(ROOT),
               TEAMPULSE_ORG_FILE=str(ROOT / "org.example.yaml"))
    script = CTRL_C_WHILE_IMPORTING.format(module=module, wraps=wraps)
    return subprocess.run([sys.executable, "-c", script, *args], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=60,
                          stdin=subprocess.DEVNULL)


def test_ctrl_c_while_teampulse_loads_is_one_line_and_exit_130(tmp_path: Path) -> None:
    """A Ctrl-C in the first second (teampulse loading its modules) printed Python's
    traceback; wrapped by pydantic while it built a model, a traceback of pydantic's error
    and exit code 1, as if teampulse had failed."""
    for wraps in (False, True):
        done = ctrl_c(tmp_path, "bot.org", "run", wraps=wraps)
        assert done.stderr == ("teampulse: interrupted (Ctrl-C) while starting; nothing "
                               "was run\n")
        assert done.returncode == 130
        assert not (tmp_path / "tp.db").exists()


def test_ctrl_c_during_start_up_is_one_line_and_exit_130(tmp_path: Path) -> None:
    """Once loaded, a Ctrl-C before the bot is running (here while the database is being
    migrated) exited 130 without a word; now one line says why it stopped."""
    done = ctrl_c(tmp_path, "storage.migrate", "run")
    assert done.stderr == "teampulse: interrupted (Ctrl-C)\n"
    assert done.returncode == 130


#: A library that logs while the settings are read (before teampulse's log is set up), and
#: one whose error quotes the URL it failed on.
LOGS_WHILE_READING = """
import logging, sys
from bot.config import Settings

real = Settings.from_mapping.__func__

def reading(cls, env, *args, **kwargs):
    url = env.get("DATABASE_URL", "")
    logging.getLogger("some.library").warning("connecting to %s", url)
    if {fails!r}:
        raise RuntimeError(f"cannot parse {{url}}")
    return real(cls, env, *args, **kwargs)

Settings.from_mapping = classmethod(reading)
from bot.cli import main
raise SystemExit(main(["--env-file", "/dev/null", "migrate"]))
"""


def test_a_line_logged_while_the_settings_are_read_is_masked(tmp_path: Path) -> None:
    """Before the log was set up (settings still being read), a library's log line went
    through Python's fallback handler, and an error nobody expected was printed by Python
    with its message: either one quoted DATABASE_URL whole, password and all."""
    url = f"postgresql+psycopg://u:{SECRET}@127.0.0.1:1/db"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "TELEGRAM_", "TEAMPULSE_", "DATABASE_"))}
    env.update(DATABASE_URL=url, PYTHONPATH=str(ROOT),
               TEAMPULSE_ORG_FILE=str(ROOT / "org.example.yaml"))
    for fails in (False, True):
        done = subprocess.run([sys.executable, "-c", LOGS_WHILE_READING.format(fails=fails)],
                              capture_output=True, text=True, env=env, cwd=tmp_path,
                              timeout=60, stdin=subprocess.DEVNULL)
        assert SECRET not in done.stderr
        assert "WARNING some.library: connecting to postgresql+psycopg://u:***@127.0.0.1" in (
            done.stderr)
        if fails:
            assert done.returncode == 1
            assert "CRITICAL bot.cli: teampulse stopped on an unexpected error" in done.stderr
            assert done.stderr.rstrip().endswith("RuntimeError (its message is left out of "
                                                 "the log: it may quote what someone wrote)")
        else:  # what the settings say is wrong: still its own line
            assert done.returncode == 2
            assert "teampulse: cannot use the database at postgresql+psycopg://u:***@" in (
                done.stderr)

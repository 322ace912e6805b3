"""A SQLite DATABASE_URL written wrong, as the operator meets it at the terminal: one line
naming DATABASE_URL and what is wrong with it, any password masked (user:***@), exit code 2,
no traceback, and no database made or changed. SQLAlchemy refused each of these deep inside
(a user part, a host, a query value it cannot read, a path no file can have, a path from a
HOME that is not UTF-8): the log's last-resort report printed a traceback whose message was
left out, since it quoted the URL whole, so the operator was told nothing at all."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import SERVER_URL
from tests.test_startup_secrets import SECRET, teampulse

pytestmark = pytest.mark.skipif(bool(SERVER_URL), reason="SQLite's own URLs")

#: The commands an operator first runs on a new DATABASE_URL.
COMMANDS = (("migrate",), ("summary",), ("check-org",), ("config",), ("backup", "copy.db"))


def refused(tmp_path: Path, url: bytes | str, *commands: tuple[str, ...],
            env: dict[bytes, bytes] | None = None) -> set[str]:
    """The line each of `commands` says for DATABASE_URL=`url`, each exit code 2 with that
    one line alone, the password nowhere, and nothing left in the working directory."""
    value = url if isinstance(url, bytes) else url.encode()
    lines = set()
    for command in commands or COMMANDS:
        done = teampulse(tmp_path, *command, env={b"DATABASE_URL": value, **(env or {})})
        err = done.stderr.decode(errors="replace")
        assert done.returncode == 2, (command, err)
        assert "Traceback" not in err and SECRET not in err + done.stdout.decode(), err
        assert err.count("\n") == 1 and err.startswith("teampulse: DATABASE_URL"), err
        lines.add(err)
        assert sorted(p.name for p in tmp_path.iterdir()) == [], command
    return lines


@pytest.mark.parametrize("url", [f"sqlite://user:{SECRET}@/:memory:",
                                 f"sqlite://user:{SECRET}@/data/tp.db"])
def test_a_sqlite_url_with_a_user_and_password_says_sqlite_takes_none(
        tmp_path: Path, url: str) -> None:
    """`teampulse migrate` with DATABASE_URL=sqlite://user:pw@/:memory: printed a traceback
    ending 'ArgumentError (its message is left out of the log)' and exit code 1; then a line
    reading '…@/:memory:: a SQLite URL…', the URL's last colon run into the line's. The URL
    is quoted, as in each of these lines."""
    database = url.partition("@/")[2]
    assert refused(tmp_path, url) == {
        f"teampulse: DATABASE_URL '{url.replace(SECRET, '***')}': a SQLite URL takes no user or "
        "password (SQLite has no login: the file's permissions guard it); write "
        f"sqlite:///{database}\n"}


def test_a_sqlite_url_with_two_slashes_says_it_names_a_host(tmp_path: Path) -> None:
    """sqlite://data/tp.db, one slash short: SQLAlchemy reads 'data' as a host, and said so
    only inside the same hidden traceback."""
    assert refused(tmp_path, "sqlite://data/tp.db") == {
        "teampulse: DATABASE_URL 'sqlite://data/tp.db': a SQLite URL has no host (here 'data'): "
        "write three slashes before a path from the working directory "
        "(sqlite:///data/tp.db) or four before a full path (sqlite:////srv/teampulse/"
        "teampulse.db)\n"}


@pytest.mark.parametrize("query, problem", [
    ("check_same_thread=maybe", "check_same_thread='maybe' is not true or false"),
    ("timeout=soon", "timeout='soon' is not a number"),
])
def test_a_sqlite_url_whose_query_cannot_be_read_names_the_parameter(
        tmp_path: Path, query: str, problem: str) -> None:
    """A query value the SQLite driver reads as a number or true/false: a ValueError
    traceback with its message hidden."""
    url = f"sqlite:///data/tp.db?{query}"
    assert refused(tmp_path, url, ("migrate",), ("summary",)) == {
        f"teampulse: DATABASE_URL '{url}': {problem}\n"}


def test_a_sqlite_path_no_file_can_have_is_named(tmp_path: Path) -> None:
    """A NUL (%00) in the path, and a file name longer than the file system allows: a
    ValueError or OSError traceback, its message hidden."""
    assert refused(tmp_path, "sqlite:///data/tp%00.db", ("migrate",), ("summary",)) == {
        "teampulse: DATABASE_URL 'sqlite:///data/tp%00.db': the path holds a NUL character "
        "(%00), which no file name can hold\n"}
    long = "a" * 300 + ".db"
    assert refused(tmp_path, f"sqlite:///{long}", ("migrate",), ("summary",)) == {
        f"teampulse: DATABASE_URL: cannot use {long} as the SQLite database (File name too "
        "long); give a path teampulse may write to\n"}


def test_a_sqlite_path_from_a_home_folder_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    """DATABASE_URL=sqlite:///~/tp.db, HOME a folder whose name has a byte that is not UTF-8
    (a Latin-1 name): `migrate` made the database, then `run` and `summary` stopped on a
    UnicodeEncodeError traceback whose message was hidden."""
    home = os.fsencode(tmp_path) + b"/caf\xe9"
    os.mkdir(home)
    work = tmp_path / "work"
    work.mkdir()
    lines = refused(work, "sqlite:///~/tp.db", ("migrate",), ("run",), ("summary",),
                    ("backup", "copy.db"), env={b"HOME": home})
    assert lines == {
        f"teampulse: DATABASE_URL: the SQLite database's path {tmp_path}/caf\\xe9/tp.db "
        "holds a byte that is not UTF-8 text (\\xe9), which teampulse cannot use: give a "
        "path in UTF-8, or rename the folder\n"}
    assert os.listdir(home) == []


def test_a_backup_of_a_file_that_is_no_database_blames_the_database_not_the_backup(
        tmp_path: Path) -> None:
    """DATABASE_URL=sqlite:///org.yaml (the wrong file named): `backup copy.db` said 'cannot
    write the backup copy.db: file is not a database', as if the new copy were at fault."""
    org = tmp_path / "org.yaml"
    org.write_text("org:\n  name: Northwind\n", encoding="utf-8")
    done = teampulse(tmp_path, "backup", "copy.db", env={b"DATABASE_URL": b"sqlite:///org.yaml"})
    assert done.returncode == 2
    assert done.stderr.decode() == (
        "teampulse: DATABASE_URL: org.yaml is not a SQLite database (is it the file meant?); "
        "nothing was backed up\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["org.yaml"]
    assert org.read_text(encoding="utf-8") == "org:\n  name: Northwind\n"


def test_a_percent_escape_in_a_sqlite_path_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    """sqlite:///data/t%FF.db (a Latin-1 file name, %-escaped): SQLAlchemy decoded %FF as
    '\ufffd', and `migrate` made a new, empty database of that other name, saying nothing,
    while the operator's file stood unread beside it."""
    assert refused(tmp_path, "sqlite:///data/t%FF.db", ("migrate",), ("run",)) == {
        "teampulse: DATABASE_URL 'sqlite:///data/t%FF.db': a %-escape in the path is not UTF-8 "
        "text once decoded, so SQLite would open a file of another name: write the file's "
        "name in UTF-8 (rename a file whose name is not)\n"}


@pytest.mark.parametrize("query, problem", [
    ("mode=ro", "SQLite reads mode only with uri=true in the URL as well, and ignores it "
                "without: write sqlite:///data/tp.db?mode=ro&uri=true"),
    ("cache=shared&timeout=5", "SQLite reads cache only with uri=true in the URL as well, "
                               "and ignores it without: write "
                               "sqlite:///data/tp.db?cache=shared&timeout=5&uri=true"),
    ("mod=ro&uri=true", "mod is no SQLite setting, so it would be ignored; a SQLite URL "
                        "takes uri, check_same_thread, timeout, detect_types, "
                        "cached_statements, isolation_level and, with uri=true, cache, "
                        "immutable, mode, modeof, nolock, psow, vfs"),
])
def test_a_sqlite_setting_that_would_be_ignored_is_named(
        tmp_path: Path, query: str, problem: str) -> None:
    """DATABASE_URL=sqlite:///data/tp.db?mode=ro, the operator asking for read-only: without
    uri=true SQLAlchemy drops the setting with two warnings (logged as noise, the commands
    went on) and every command could write. A setting SQLite does not know (a typo) was
    dropped even with uri=true, without a word."""
    url = f"sqlite:///data/tp.db?{query}"
    assert refused(tmp_path, url, ("migrate",), ("summary",)) == {
        f"teampulse: DATABASE_URL '{url}': {problem}\n"}


def test_a_read_only_sqlite_url_with_uri_true_is_read_only(tmp_path: Path) -> None:
    """The URL the refusal above suggests: `summary` reads the database, warning of nothing,
    and `migrate` cannot change it."""
    assert teampulse(tmp_path, "migrate").returncode == 0
    before = (tmp_path / "tp.db").read_bytes()
    url = f"sqlite:///{tmp_path / 'tp.db'}?mode=ro&uri=true".encode()
    done = teampulse(tmp_path, "summary", env={b"DATABASE_URL": url})
    assert done.returncode == 0 and done.stderr == b"", done.stderr
    assert (tmp_path / "tp.db").read_bytes() == before

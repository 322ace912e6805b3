"""CSV as a GM opens it in Excel: every CSV `teampulse` writes starts with the UTF-8
byte-order mark (without it Excel on a Chinese Windows reads the file as GBK and shows
李雷 as mojibake), also where the server's locale is not UTF-8; and the CRM import reads a
file saved from Excel as "CSV UTF-8" (with the mark) as it reads one without."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import update

from bot.crm_import import watch_folder
from storage.goals import CrmImport
from tests import test_cli_views, test_crm_import
from tests.support import csv_records, run_cli
from tests.test_cli_views import ROOT
from tests.test_crm_import import CHINESE, SALESFORCE, settled, stored, watched_inbox

# The views' org file (李雷 among the people) and the CRM import's command.
fsettings = test_cli_views.fsettings
fbot = test_cli_views.fbot
cli = test_crm_import.cli

BOM = b"\xef\xbb\xbf"


@pytest.mark.parametrize("args", [
    ("summary",), ("summary", "--team", "China"), ("summary", "--person", "li"),
    ("kudos",), ("kudos", "top"), ("kudos", "honours"), ("oneonones",), ("support",),
    ("goals",), ("check-org",),
])
def test_every_csv_view_starts_with_the_byte_order_mark(fbot, fsettings, args):
    extra = (str(fsettings.org_file),) if args == ("check-org",) else ()
    code, raw = run_cli(fsettings, *args, *extra, "--format", "csv")
    assert code == 0, raw
    rows = csv_records(raw)  # the mark once, at the start, not in the first column's name
    if args[0] in {"summary", "check-org"}:
        assert "李雷" in {r["name"] for r in rows}


@pytest.mark.parametrize("encoding", [None, "latin-1"])
@pytest.mark.parametrize("args", [("summary",), ("check-org",)])
def test_a_csv_redirected_to_a_file_is_utf8_with_the_mark(fbot, fsettings, tmp_path, args,
                                                           encoding):
    """`teampulse summary --format csv > summary.csv`, as the GM runs it, also on a server
    whose locale is not UTF-8 (Latin-1 here: 李雷 could not even be written)."""
    env = {**os.environ, "DATABASE_URL": fsettings.database_url,
           "TEAMPULSE_ORG_FILE": str(fsettings.org_file)}
    env.pop("PYTHONIOENCODING", None)
    if encoding:
        env["PYTHONIOENCODING"] = encoding
    extra = [str(fsettings.org_file)] if args == ("check-org",) else []
    target = tmp_path / "summary.csv"
    with target.open("wb") as out:
        result = subprocess.run(
            [sys.executable, "-m", "bot", "--env-file", "/dev/null", *args, *extra,
             "--format", "csv"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.PIPE,
            timeout=60, check=False)
    assert result.returncode == 0, result.stderr.decode()
    data = target.read_bytes()
    assert data.startswith(BOM) and data.count(BOM) == 1
    assert "李雷".encode() in data
    # What Excel does with a file starting with the mark: read it as UTF-8.
    rows = csv_records(data.decode("utf-8"))
    assert "李雷" in {r["name"] for r in rows}


def with_bom(path: Path, target: Path) -> Path:
    """`path` as Excel's "Save as CSV UTF-8" writes it: the mark, then the UTF-8 text."""
    target.write_bytes(BOM + path.read_bytes().removeprefix(BOM))
    return target


def test_a_crm_export_saved_as_csv_utf8_by_excel_imports_as_without_the_mark(
        cli, bot, tmp_path, capsys):
    marked = with_bom(SALESFORCE, tmp_path / "salesforce_opportunities.csv")
    assert cli("import-actuals", str(marked)) == 0
    assert capsys.readouterr().out == ("salesforce_opportunities.csv: imported 4 rows "
                                       "(salesforce format)\n")
    # The owner column, the first, behind the mark, was found: each row read as without it.
    assert stored(bot) == [("alice", "2026-W48", 30_000, 2), ("alice", "2026-W48", 22_000, 3),
                           ("sam", "2026-W48", 12_500, 4), ("bruno", "2026-W47", 38_000, 5)]


def test_the_same_export_with_and_without_the_mark_is_imported_once(cli, bot, tmp_path,
                                                                     capsys):
    """The GM imports the CRM's report, then opens it in Excel and saves it as "CSV UTF-8"
    under another name: the same deals, not counted twice."""
    plain = tmp_path / "report.csv"
    shutil.copy(SALESFORCE, plain)
    assert cli("import-actuals", str(plain)) == 0
    marked = with_bom(SALESFORCE, tmp_path / "report (1).csv")
    capsys.readouterr()
    assert cli("import-actuals", str(marked)) == 0
    assert capsys.readouterr().out == ("report (1).csv: the same content as report.csv, "
                                       "already imported; nothing changed\n")
    assert len(stored(bot)) == 4
    # And the marked file first, then the plain one under its own name: unchanged.
    capsys.readouterr()
    with_bom(SALESFORCE, plain)
    assert cli("import-actuals", str(plain)) == 0
    assert "already imported with this content; nothing changed (4 rows)" in \
        capsys.readouterr().out


def test_a_marked_file_imported_before_the_mark_was_ignored_is_not_doubled(
        cli, bot, tmp_path, capsys):
    """A database from the version that hashed the mark too: importing the file again reads
    it once more and finds the rows it brought (before 0010_crmtwin: its rows replaced
    themselves, "corrected file: 4 rows replaced by 4")."""
    marked = with_bom(SALESFORCE, tmp_path / "report.csv")
    assert cli("import-actuals", str(marked)) == 0
    with bot.unit() as ctx:
        ctx.session.execute(update(CrmImport).values(
            content_hash=hashlib.sha256(marked.read_bytes()).hexdigest()))
    capsys.readouterr()
    assert cli("import-actuals", str(marked)) == 0
    assert capsys.readouterr().out == ("report.csv: already imported with this content; "
                                       "nothing changed (4 rows)\n")
    assert len(stored(bot)) == 4


def test_the_watched_folder_takes_a_marked_copy_for_the_same_content(bot, chat, tmp_path):
    inbox = watched_inbox(bot, tmp_path)
    shutil.copy(SALESFORCE, inbox / "report.csv")
    settled(inbox / "report.csv")
    assert [(r.source, r.status) for r in watch_folder(bot)] == [("report.csv", "new")]
    settled(with_bom(SALESFORCE, inbox / "report (1).csv"))
    assert watch_folder(bot) == []  # the same deals: not imported a second time
    assert len(stored(bot)) == 4


@pytest.mark.parametrize("bom", [True, False])
def test_a_chinese_crm_export_with_or_without_the_mark(cli, bot, tmp_path, capsys, bom):
    export = tmp_path / "销售易_成交.csv"
    text = CHINESE.read_bytes().removeprefix(BOM)
    export.write_bytes((BOM if bom else b"") + text)
    assert cli("import-actuals", str(export)) == 0
    assert "imported 2 rows (chinese format)" in capsys.readouterr().out
    assert stored(bot) == [("li", "2026-W48", 40_000, 2), ("li", "2026-W48", 26_000, 3)]



@pytest.mark.parametrize("encoding", ["latin-1", "gbk"])
@pytest.mark.parametrize("fmt", ["json", "md"])
def test_json_and_markdown_are_utf8_whatever_the_locale(fbot, fsettings, tmp_path, encoding,
                                                         fmt):
    """README: JSON in UTF-8. On a server whose locale is Latin-1, `teampulse summary
    --format json > summary.json` failed on 李雷 (an error, and a file cut short); with
    GBK it wrote GBK bytes a JSON reader takes for broken UTF-8."""
    env = {**os.environ, "DATABASE_URL": fsettings.database_url,
           "TEAMPULSE_ORG_FILE": str(fsettings.org_file), "PYTHONIOENCODING": encoding}
    target = tmp_path / f"summary.{fmt}"
    with target.open("wb") as out:
        result = subprocess.run(
            [sys.executable, "-m", "bot", "--env-file", "/dev/null", "summary",
             "--format", fmt], cwd=ROOT, env=env, stdout=out, stderr=subprocess.PIPE,
            timeout=60, check=False)
    assert result.returncode == 0, result.stderr.decode()
    text = target.read_bytes().decode("utf-8")
    assert "李雷" in text
    if fmt == "json":
        assert "李雷" in {d["name"] for d in json.loads(text)["directors"]}


@pytest.mark.parametrize("fmt", ["json", "md"])
def test_every_view_prints_utf8_on_a_latin1_server(fsettings, tmp_path, fmt):
    """README: every view prints UTF-8 whatever the locale, not the summary alone:
    `teampulse check-org --format json|md`, which lists 李雷, on a Latin-1 server."""
    env = {**os.environ, "PYTHONIOENCODING": "latin-1"}
    target = tmp_path / f"org.{fmt}"
    with target.open("wb") as out:
        result = subprocess.run(
            [sys.executable, "-m", "bot", "--env-file", "/dev/null", "check-org",
             str(fsettings.org_file), "--format", fmt], cwd=ROOT, env=env, stdout=out,
            stderr=subprocess.PIPE, timeout=60, check=False)
    assert result.returncode == 0, result.stderr.decode()
    text = target.read_bytes().decode("utf-8")
    assert "李雷" in text
    if fmt == "json":
        assert "李雷" in {p["name"] for p in json.loads(text)["people"]}

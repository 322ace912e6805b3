"""Taking back a CRM file imported by mistake: `teampulse import-actuals --list` shows each
file imported (rows, format, when, weeks, total per metric), `--remove NAME` says what
would go and needs `--yes`, and the GM's /goals and /summary then read without it; the
watched folder cannot bring it back in silence."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.clock import SystemClock
from tests.support import csv_records, run_cli
from tests.test_crm_import import crm_scan, settled, stored
from tests.test_crm_twins import Q4, daily, goals_and_summary

#: The wrong export: another region's deals, booked to Alice and Sam by mistake.
WRONG = daily("alice,revenue,2026-11-25,50000", "sam,revenue,2026-11-27,7500")


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    """Q4's export (104,500: Alice 92,000 of it) and the wrong one (57,500)."""
    (tmp_path / "q4.csv").write_text(Q4, encoding="utf-8")
    (tmp_path / "wrong region.csv").write_text(WRONG, encoding="utf-8")
    return tmp_path / "q4.csv", tmp_path / "wrong region.csv"


def import_both(settings, files) -> None:
    for path in files:
        assert run_cli(settings, "import-actuals", str(path))[0] == 0


def today() -> str:
    """The day the CLI's own clock stamps its imports with, in the org's timezone."""
    return SystemClock().now().astimezone(ZoneInfo("America/New_York")).date().isoformat()


async def test_the_operator_lists_the_files_imported_in_every_format(settings, files):
    import_both(settings, files)
    code, out = run_cli(settings, "import-actuals", "--list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "# Imported CRM files — Test Sales"
    assert lines[2].startswith("2 files, oldest import first (times in America/New\\_York). "
                               "Take one back out of the goals and summaries with "
                               "`teampulse import-actuals --remove NAME`.")
    q4, wrong = (line for line in lines if line.startswith("- "))
    assert q4.startswith(f"- **q4.csv** · 4 rows · teampulse-daily format · imported {today()}")
    assert q4.endswith(" · weeks 2026-W42, 2026-W48 · revenue 104,500 (4 rows)")
    assert wrong.startswith("- **wrong region.csv** · 2 rows · teampulse-daily format · ")
    assert wrong.endswith(" · weeks 2026-W48 · revenue 57,500 (2 rows)")
    code, out = run_cli(settings, "import-actuals", "--list", "--locale", "zh-CN")
    assert "# 已导入的 CRM 文件 —— Test Sales" in out
    assert "**wrong region.csv** · 2 行 · teampulse-daily 格式 · 导入于 " in out
    assert " · 周 2026-W48 · revenue 57,500（2 行）" in out
    code, out = run_cli(settings, "import-actuals", "--list", "--format", "json")
    assert code == 0  # and the schema holds (run_cli checks it)
    data = json.loads(out)
    assert [(f["source"], f["rows"], f["first_week"], f["last_week"], f["weeks"], f["totals"])
            for f in data["files"]] == [
        ("q4.csv", 4, "2026-W42", "2026-W48", ["2026-W42", "2026-W48"],
         [{"metric": "revenue", "rows": 4, "total": 104_500}]),
        ("wrong region.csv", 2, "2026-W48", "2026-W48", ["2026-W48"],
         [{"metric": "revenue", "rows": 2, "total": 57_500}])]
    assert data["files"][0]["imported_at"].startswith(today())
    code, out = run_cli(settings, "import-actuals", "--list", "--format", "csv")
    assert [(r["source"], r["rows"], r["first_week"], r["last_week"], r["weeks"], r["metric"],
             r["metric_rows"], r["total"]) for r in csv_records(out)] == [
        ("q4.csv", "4", "2026-W42", "2026-W48", "2", "revenue", "4", "104500"),
        ("wrong region.csv", "2", "2026-W48", "2026-W48", "1", "revenue", "2", "57500")]


async def test_removing_without_yes_says_what_would_go_and_changes_nothing(
        settings, bot, chat, clock, files, capsys):
    import_both(settings, files)
    imported = today()  # (before goals_and_summary moves the clock on)
    before = await goals_and_summary(bot, chat, clock)
    capsys.readouterr()
    code, out = run_cli(settings, "import-actuals", "--remove", "wrong region.csv")
    assert code == 2 and out == ""
    err = capsys.readouterr().err.splitlines()
    assert err[0] == ("teampulse import-actuals: --remove wrong region.csv would take out of "
                      "the goals and summaries:")
    assert err[1].startswith("wrong region.csv: 2 rows (teampulse-daily format), imported "
                             f"{imported} ")
    assert err[2:] == [
        "  weeks: 2026-W48",
        "  revenue: 57,500 (2 rows)",
        "Nothing removed. To remove it: teampulse import-actuals --remove 'wrong region.csv' "
        "--yes"]
    assert len(stored(bot)) == 6
    assert await goals_and_summary(bot, chat, clock) == before


async def test_a_removed_file_is_gone_from_the_gms_figures_and_can_be_imported_again(
        settings, bot, chat, clock, files, capsys):
    import_both(settings, files)
    goals, summary = await goals_and_summary(bot, chat, clock)
    # Alice: Q4's 92,000 and the wrong file's 50,000.
    assert "142,000 of 150,000 USD" in goals
    assert "Goals: Revenue 102,000 USD (" in summary  # W48: 30,000 + 22,000 + 50,000
    code, out = run_cli(settings, "import-actuals", "--remove", "wrong region.csv", "--yes")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("removed wrong region.csv: 2 rows (teampulse-daily format), "
                               "imported ")
    assert lines[1:] == [
        "  weeks: 2026-W48",
        "  revenue: 57,500 (2 rows)",
        "wrong region.csv is no longer counted in the goals and summaries; importing it "
        "again counts it again."]
    goals, summary = await goals_and_summary(bot, chat, clock)
    assert "92,000 of 150,000 USD" in goals  # exactly the wrong file's 50,000 less
    assert "Goals: Revenue 52,000 USD (" in summary
    assert sorted(r[2] for r in stored(bot)) == [12_500, 22_000, 30_000, 40_000]
    code, out = run_cli(settings, "import-actuals", "--list", "--format", "json")
    assert [f["source"] for f in json.loads(out)["files"]] == ["q4.csv"]
    # Imported again (on purpose, say), it is a new file, not "already imported".
    code, out = run_cli(settings, "import-actuals", str(files[1]))
    assert (code, out) == (0, "wrong region.csv: imported 2 rows (teampulse-daily format)\n")
    goals, _ = await goals_and_summary(bot, chat, clock)
    assert "142,000 of 150,000 USD" in goals


async def test_an_unknown_name_is_refused_with_the_names_imported(settings, bot, files,
                                                                  capsys):
    import_both(settings, files)
    capsys.readouterr()
    assert run_cli(settings, "import-actuals", "--remove", "wrong.csv", "--yes") == (2, "")
    assert capsys.readouterr().err == (
        "teampulse import-actuals: --remove 'wrong.csv': no imported file by that name "
        "(imported files: q4.csv, wrong region.csv; see --list)\n")
    assert len(stored(bot)) == 6
    # The path it was imported from names it too.
    code, out = run_cli(settings, "import-actuals", "--remove", str(files[1]), "--yes")
    assert code == 0 and out.startswith("removed wrong region.csv: 2 rows")


def test_the_options_are_checked_before_anything_is_read(settings, capsys):
    for args, why in [
            ((), "give the CRM exports to import (FILE.csv …), or --list, or --remove NAME"),
            (("--list", "--format", "salesforce"),
             "--format 'salesforce' with --list: expected one of md, json, csv"),
            (("--list", "q4.csv"), "give files to import, or --list, or --remove NAME: not "
                                   "both"),
            (("--remove", "q4.csv", "--format", "json"),
             "--format is for importing or --list, not --remove"),
            (("q4.csv", "--yes"), "--yes is for --remove NAME")]:
        assert run_cli(settings, "import-actuals", *args) == (2, ""), args
        assert capsys.readouterr().err == f"teampulse import-actuals: {why}\n"
    code, out = run_cli(settings, "import-actuals", "--list")
    assert code == 0 and "No CRM file is imported." in out


async def test_a_file_the_watched_folder_would_import_again_is_not_removed(
        settings, bot, chat, clock, tmp_path, capsys, caplog):
    from tests.test_crm_twins import RESAVED, resave

    inbox = tmp_path / "crm-inbox"
    inbox.mkdir()
    org = tmp_path / "org.yaml"
    org.write_text(settings.org_file.read_text(encoding="utf-8")
                   + f"crm:\n  watch_folder: {inbox}\n", encoding="utf-8")
    settings = replace(settings, org_file=org)
    bot.org = replace(bot.org, crm=replace(bot.org.crm, watch_folder=inbox))
    caplog.set_level("INFO", logger="bot.crm_import")
    # The GM drops Q4's export in the folder, a copy Excel saved again, and November's
    # export (a part of Q4's: never stored).
    (inbox / "q4.csv").write_text(Q4, encoding="utf-8")
    (inbox / "q4_excel.csv").write_text(resave(Q4, **RESAVED["all of them"]), encoding="utf-8")
    (inbox / "november.csv").write_text(daily("sam,revenue,2026-11-24,12500",
                                              "alice,revenue,2026-11-23,30000"),
                                        encoding="utf-8")
    (inbox / "other.csv").write_text(WRONG, encoding="utf-8")
    settled(*inbox.iterdir())
    await crm_scan(bot)
    await crm_scan(bot)
    assert len(stored(bot)) == 6  # q4.csv and other.csv
    # Removed while q4.csv is still there, the next scan would import it again; and
    # each of the others would bring its rows back as well.
    capsys.readouterr()
    code, out = run_cli(settings, "import-actuals", "--remove", "q4.csv", "--yes")
    assert (code, out) == (1, "")
    err = capsys.readouterr().err
    assert err.splitlines()[-5:] == [
        f"It cannot be removed while the watched folder {inbox} holds files the bot would "
        "import again within a minute, bringing its rows back:",
        "  - november.csv (2 rows of q4.csv)",
        "  - q4.csv (4 rows of q4.csv)",
        "  - q4_excel.csv (4 rows of q4.csv)",
        "Move them out of the folder (or delete them), then run this again. Nothing removed."]
    assert len(stored(bot)) == 6
    # Checking changed nothing the bot sees: the folder is as quiet as before.
    await crm_scan(bot)
    assert len(stored(bot)) == 6
    goals, _ = await goals_and_summary(bot, chat, clock)
    assert "142,000 of 150,000 USD" in goals
    done = tmp_path / "done"
    done.mkdir()
    for name in ("q4.csv", "q4_excel.csv", "november.csv"):
        shutil.move(inbox / name, done / name)
    code, out = run_cli(settings, "import-actuals", "--remove", "q4.csv", "--yes")
    assert code == 0 and out.startswith("removed q4.csv: 4 rows")
    caplog.clear()
    for _ in range(3):
        await crm_scan(bot)
    assert "CRM file" not in caplog.text  # nothing imported, nothing to say
    assert sorted(r[2] for r in stored(bot)) == [7_500, 50_000]
    goals, _ = await goals_and_summary(bot, chat, clock)
    assert "50,000 of 150,000 USD" in goals  # Q4's 92,000 out, and staying out


async def test_a_watched_folder_that_cannot_be_read_warns_and_the_removal_goes_ahead(
        settings, bot, files, tmp_path, capsys, monkeypatch):
    """README: "The check reads the folder named in the org file; if the folder cannot be
    read, the removal says so and goes ahead, with a warning to make sure the file is not
    in it." The watched folder is a share the operator's account may not list: without
    `--yes` the warning comes with what would go (nothing removed); with it the file's rows
    go and the warning follows what was removed."""
    inbox = tmp_path / "crm-inbox"
    inbox.mkdir()
    org = tmp_path / "org.yaml"
    org.write_text(settings.org_file.read_text(encoding="utf-8")
                   + f"crm:\n  watch_folder: {inbox}\n", encoding="utf-8")
    settings = replace(settings, org_file=org)
    import_both(settings, files)
    listing = Path.iterdir

    def refused(path: Path):  # type: ignore[no-untyped-def]
        if path == inbox:
            raise PermissionError(13, "Permission denied", str(path))
        return listing(path)

    monkeypatch.setattr(Path, "iterdir", refused)
    warning = (f"warning: the watched folder {inbox} could not be read (Permission denied): "
               "if it holds wrong region.csv, a copy or a part of it, the bot imports it "
               "again; move it out.")
    capsys.readouterr()
    assert run_cli(settings, "import-actuals", "--remove", "wrong region.csv") == (2, "")
    assert warning in capsys.readouterr().err.splitlines()
    assert len(stored(bot)) == 6
    code, out = run_cli(settings, "import-actuals", "--remove", "wrong region.csv", "--yes")
    assert code == 0 and out.startswith("removed wrong region.csv: 2 rows")
    assert out.splitlines()[-1] == warning
    assert len(stored(bot)) == 4


def test_every_import_actuals_message_names_the_command_alike(settings, files, capsys,
                                                                tmp_path):
    """`--remove NAME` without --yes opened with `teampulse:`, a refused file's problems
    too, where `--remove` of no such file and a missing file said `teampulse
    import-actuals:`: each message of the command now opens with the same words."""
    import_both(settings, files)
    capsys.readouterr()
    bad = tmp_path / "customers.csv"
    bad.write_text("name,email\nAcme,a@acme.example\n", encoding="utf-8")
    firsts = []
    for args in (("--remove", "wrong region.csv"), ("--remove", "nope.csv"),
                 ("--remove", "q4.csv", "--locale", "en"), (str(tmp_path / "none.csv"),),
                 ("--yes", str(bad)), (str(bad),)):
        code, out = run_cli(settings, "import-actuals", *args)
        assert code in (1, 2) and out == ""
        firsts.append(capsys.readouterr().err.splitlines()[0])
    assert firsts[:4] == [
        "teampulse import-actuals: --remove wrong region.csv would take out of the goals "
        "and summaries:",
        "teampulse import-actuals: --remove 'nope.csv': no imported file by that name "
        "(imported files: q4.csv, wrong region.csv; see --list)",
        "teampulse import-actuals: --locale is for --list",
        f"teampulse import-actuals: {tmp_path / 'none.csv'}: no such file"]
    assert firsts[4] == "teampulse import-actuals: --yes is for --remove NAME"
    assert firsts[5].startswith("teampulse import-actuals: customers.csv: nothing imported, ")

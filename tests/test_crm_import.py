"""CRM actuals: importing report exports (Salesforce, a Chinese CRM), bad rows, re-imports,
corrections, the watched folder, and the CRM figure winning in /goals."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.crm_import import parse_value, watch_folder
from bot.org import OrgError, parse_org
from storage.goals import CrmActual
from tests.support import DATA, TEST_ORG, say
from tests.test_goals import GOALS, NOW, answer_kpi

SALESFORCE = DATA / "crm" / "salesforce_opportunities.csv"
CHINESE = DATA / "crm" / "xiaoshouyi_deals.csv"


@pytest.fixture
def cli(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch):
    """Run `teampulse` against the test database and an org file with goals."""
    org = tmp_path / "org.yaml"
    org.write_text(TEST_ORG.read_text(encoding="utf-8") + GOALS, encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("TEAMPULSE_ORG_FILE", str(org))

    def run(*args: str) -> int:
        return main(["--env-file", "/dev/null", *args])
    return run


def stored(bot) -> list[tuple[str, str, float, int]]:
    with bot.unit() as ctx:
        return [(r.person_key, r.week, r.value, r.line) for r in ctx.session.scalars(
            select(CrmActual).order_by(CrmActual.line))]


def test_values_as_crms_write_them():
    assert parse_value("30,000.00") == 30_000
    assert parse_value("USD 12,500") == 12_500
    assert parse_value("¥40,000.00") == 40_000
    assert parse_value("2.6万") == 26_000
    assert parse_value("(1,000)") == -1_000
    assert parse_value("n/a") is None


def test_a_salesforce_export_is_imported_and_a_reimport_changes_nothing(cli, bot, capsys):
    assert cli("import-actuals", str(SALESFORCE)) == 0
    assert capsys.readouterr().out == ("salesforce_opportunities.csv: imported 4 rows "
                                       "(salesforce format)\n")
    # The footer lines after the blank line are not rows.
    assert stored(bot) == [("alice", "2026-W48", 30_000, 2), ("alice", "2026-W48", 22_000, 3),
                           ("sam", "2026-W48", 12_500, 4), ("bruno", "2026-W47", 38_000, 5)]
    assert cli("import-actuals", str(SALESFORCE)) == 0
    assert "already imported with this content; nothing changed (4 rows)" in \
        capsys.readouterr().out
    assert len(stored(bot)) == 4


def test_a_corrected_file_replaces_its_rows(cli, bot, tmp_path, capsys):
    export = tmp_path / "salesforce_opportunities.csv"
    shutil.copy(SALESFORCE, export)
    assert cli("import-actuals", str(export)) == 0
    text = SALESFORCE.read_text(encoding="utf-8")
    # The Globex deal was booked twice in the CRM; the corrected export drops it and
    # fixes the Acme amount.
    corrected = "\n".join(line for line in text.splitlines() if "Globex" not in line)
    export.write_text(corrected.replace("30,000.00", "31,000.00"), encoding="utf-8")
    capsys.readouterr()
    assert cli("import-actuals", str(export)) == 0
    assert capsys.readouterr().out == ("salesforce_opportunities.csv: corrected file: 4 rows "
                                       "replaced by 3 (salesforce format)\n")
    assert stored(bot) == [("alice", "2026-W48", 31_000, 2), ("sam", "2026-W48", 12_500, 3),
                           ("bruno", "2026-W47", 38_000, 4)]


def test_bad_rows_are_named_by_line_and_nothing_is_half_imported(cli, bot, tmp_path, capsys):
    export = tmp_path / "salesforce_opportunities.csv"
    shutil.copy(SALESFORCE, export)
    assert cli("import-actuals", str(export)) == 0
    lines = SALESFORCE.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace('"Alice Martin"', '"Dana White"')
    lines[4] = lines[4].replace("11/20/2026", "2026-13-45").replace("38,000.00", "lots")
    export.write_text("\n".join(lines), encoding="utf-8")
    capsys.readouterr()
    assert cli("import-actuals", str(export)) == 1
    err = capsys.readouterr().err
    assert "salesforce_opportunities.csv: nothing imported, 2 problems:" in err
    assert ("line 3: Opportunity Owner 'Dana White' is not a person of the org (map the CRM "
            "name or e-mail to a key under crm.owners in the org file)") in err
    assert "line 5: Amount 'lots' is not a number; Close Date '2026-13-45' is not a date" in err
    # The earlier import of this file stands, untouched.
    assert [r[2] for r in stored(bot)] == [30_000, 22_000, 12_500, 38_000]


def test_a_western_european_excel_export_in_its_ansi_encoding_is_read(
        cli, bot, tmp_path, capsys):
    """Excel's plain "CSV" in Germany or France is semicolons, decimal commas and the ANSI
    code page, Windows-1252, not UTF-8. Read as GB18030 (Chinese Excel's), 'Jürgen Müller'
    became 'J黵gen M黮ler', "not a person of the org (map the CRM name … under
    crm.owners)", and a '€' made the whole file "neither UTF-8 nor GB18030 text". The
    file is read in the encoding in which it names the org's people."""
    org = tmp_path / "org.yaml"
    org.write_text(org.read_text(encoding="utf-8").replace("name: Bruno Rossi",
                                                           "name: Jürgen Müller"),
                   encoding="utf-8")
    export = tmp_path / "Verkaufschancen.csv"
    export.write_bytes("Opportunity Owner;Opportunity Name;Close Date;Amount\r\n"
                       "Jürgen Müller;Bäckerei Schäfer – Rahmenvertrag;23.11.2026;12.500,00\r\n"
                       "Alice Martin;Café Crème (50 € Rabatt);24.11.2026;3.000,50\r\n"
                       .encode("cp1252"))
    assert cli("import-actuals", str(export)) == 0
    assert capsys.readouterr().out == ("Verkaufschancen.csv: imported 2 rows (salesforce "
                                       "format)\n")
    assert stored(bot) == [("bruno", "2026-W48", 12_500, 2), ("alice", "2026-W48", 3_000.5, 3)]
    # A bad row is named as written, not as GB18030 reads it.
    export.write_bytes("Opportunity Owner;Close Date;Amount\r\n"
                       "Françoise Noël;23.11.2026;1.000,00\r\n"
                       "Jürgen Müller;23.11.2026;12.500,00\r\n".encode("cp1252"))
    assert cli("import-actuals", str(export)) == 1
    assert capsys.readouterr().err == (
        "teampulse import-actuals: Verkaufschancen.csv: nothing imported, 1 problem:\n"
        "  - line 2: Opportunity Owner 'Françoise Noël' is not a person of the org (map the "
        "CRM name or e-mail to a key under crm.owners in the org file)\n")


def test_a_chinese_export_in_gb18030_with_a_totals_row(cli, bot, tmp_path, capsys):
    export = tmp_path / "销售易_成交.csv"
    export.write_bytes(CHINESE.read_text(encoding="utf-8-sig").encode("gb18030"))
    assert cli("import-actuals", str(export)) == 0
    assert "imported 2 rows (chinese format)" in capsys.readouterr().out
    assert stored(bot) == [("li", "2026-W48", 40_000, 2), ("li", "2026-W48", 26_000, 3)]


def test_crm_owner_names_and_column_mappings_from_the_org_file(tmp_path):
    org = parse_org(TEST_ORG.read_text(encoding="utf-8") + """
crm:
  tolerance: 0.05
  owners: {"a.martin@example.com": alice}
  formats:
    - {name: pipedrive, person: Deal owner, date: Won time, value: Deal value,
       metric: revenue}
""")
    from bot.crm_import import parse_export

    parsed = parse_export("Deal owner,Won time,Deal value\nA.Martin@example.com,2026-11-24,"
                          "9000\n", org.crm, [(p.key, p.name) for p in org.people])
    assert parsed.format == "pipedrive" and parsed.errors == []
    assert parsed.rows[0].person_key == "alice" and parsed.rows[0].value == 9000
    with pytest.raises(OrgError) as err:
        parse_org(TEST_ORG.read_text(encoding="utf-8") + """
crm:
  owners: {"Dana White": dana}
  formats:
    - {name: x, person: Owner, value: Amount, metric: revenue}
""")
    # A key not in the file may be someone who left: only the database can tell (check-org
    # asks it, see test_a_crm_owner_mapping_for_someone_who_left_is_accepted).
    assert err.value.problems == [
        "crm.formats[0]: give the date column or the week column (one of them)"]


def test_two_crm_owner_names_that_match_alike_may_not_map_to_two_people():
    """crm.owners matches a CRM name whatever its case, width or spacing, so 'Bruno R.' and
    'bruno r.' are one name: mapped to two people, the last entry silently took every deal
    of both spellings. The org file is refused, naming both; mapped to one person, or
    written once, it is fine."""
    with pytest.raises(OrgError) as err:
        parse_org(TEST_ORG.read_text(encoding="utf-8") + """
crm:
  owners: {"Bruno R.": bruno, "a.martin@x.com": alice, "bruno  r.": alice,
           "A.Martin@X.com": alice}
""")
    assert err.value.problems == [
        "crm.owners: 'Bruno R.' and 'bruno  r.' are the same CRM name (matched whatever the "
        "case, width or spacing) but map to bruno and alice: keep the one that is right"]


def test_a_date_format_written_as_excel_writes_it_is_refused_with_the_org_file():
    """`date_format: YYYY-MM-DD` (how Excel and most CRMs write a date pattern) is no
    strptime pattern: the org file was accepted, and then every row of every export was
    refused with "Won time '2026-11-24' is not a date (YYYY-MM-DD)", which it is. The org
    file says so, with the pattern to write."""
    with pytest.raises(OrgError) as err:
        parse_org(TEST_ORG.read_text(encoding="utf-8") + """
crm:
  formats:
    - {name: pipedrive, person: Deal owner, date: Won time, value: Deal value,
       metric: revenue, date_format: YYYY-MM-DD}
    - {name: hubspot, person: Owner, date: Close, value: Amount, metric: revenue,
       date_format: "dd.MM.yyyy HH:mm"}
    - {name: zoho, person: Owner, date: Close, value: Amount, metric: revenue,
       date_format: "%d.%m"}
    - {name: good, person: Owner, date: Close, value: Amount, metric: revenue,
       date_format: "%Y-%m-%d %H:%M"}
""")
    assert err.value.problems == [
        "crm.formats[0]: date_format 'YYYY-MM-DD' is not a date pattern as teampulse reads "
        "it (did you mean '%Y-%m-%d'?): a pattern is written with Python's codes, %Y the "
        "year, %m the month, %d the day (%Y-%m-%d, %d/%m/%Y, %m/%d/%Y %H:%M)",
        "crm.formats[1]: date_format 'dd.MM.yyyy HH:mm' is not a date pattern as teampulse "
        "reads it (did you mean '%d.%m.%Y %H:%M'?): a pattern is written with Python's "
        "codes, %Y the year, %m the month, %d the day (%Y-%m-%d, %d/%m/%Y, %m/%d/%Y %H:%M)",
        "crm.formats[2]: date_format '%d.%m' is not a date pattern as teampulse reads it: a "
        "pattern is written with Python's codes, %Y the year, %m the month, %d the day "
        "(%Y-%m-%d, %d/%m/%Y, %m/%d/%Y %H:%M)"]


def test_an_unknown_format_option_is_one_line_and_exit_2_before_any_file_is_read(
        cli, bot, capsys):
    """docs/cli.md: a bad option or value is one line and exit 2. `import-actuals
    q4.csv --format salesfroce` reported it as each file's failure ('nothing imported, 1
    problem'), two lines and status 1, once per file given."""
    assert cli("import-actuals", str(SALESFORCE), str(CHINESE), "--format", "salesfroce") == 2
    shown = capsys.readouterr()
    assert shown.out == ""
    assert shown.err == ("teampulse import-actuals: --format 'salesfroce': expected one of "
                         "salesforce, chinese, teampulse-daily, teampulse-weekly (or leave it "
                         "out: the format is found from the header row)\n")
    assert stored(bot) == []
    assert cli("import-actuals", str(SALESFORCE), "--format", "salesforce") == 0


def test_a_salesforce_export_in_the_exporting_user_s_date_format(cli, bot, tmp_path, capsys):
    """Salesforce writes Close Date in the exporting user's locale. A UK user's export
    (23/11/2026) was refused row by row as 'not a date', and a Chinese user's (2026/11/23)
    too, so neither could be imported; the UK one's 03/11/2026 is 3 November (2026-W45),
    not 11 March."""
    text = SALESFORCE.read_text(encoding="utf-8")
    uk = tmp_path / "uk.csv"
    uk.write_text(text.replace("11/23/2026", "23/11/2026").replace("11/26/2026", "03/11/2026")
                  .replace("11/24/2026", "24/11/2026").replace("11/20/2026", "20/11/2026"),
                  encoding="utf-8")
    assert cli("import-actuals", str(uk)) == 0
    assert capsys.readouterr().out == "uk.csv: imported 4 rows (salesforce format)\n"
    assert stored(bot) == [("alice", "2026-W48", 30_000, 2), ("alice", "2026-W45", 22_000, 3),
                           ("sam", "2026-W48", 12_500, 4), ("bruno", "2026-W47", 38_000, 5)]
    assert cli("import-actuals", "--remove", "uk.csv", "--yes") == 0
    china = tmp_path / "china.csv"
    china.write_text(text.replace('"11/', '"2026/11/').replace('/2026","10', '","10')
                     .replace('/2026","09', '","09').replace('/2026","08', '","08'),
                     encoding="utf-8")
    assert '"2026/11/23"' in china.read_text(encoding="utf-8")
    assert cli("import-actuals", str(china)) == 0
    assert [(key, week) for key, week, *_ in stored(bot)] == [
        ("alice", "2026-W48"), ("alice", "2026-W48"), ("sam", "2026-W48"), ("bruno", "2026-W47")]
    # A file with dates of both kinds is not guessed at: its day-first dates are named.
    mixed = tmp_path / "mixed.csv"
    mixed.write_text(text.replace("11/26/2026", "26/11/2026"), encoding="utf-8")
    capsys.readouterr()
    assert cli("import-actuals", str(mixed)) == 1
    assert "line 3: Close Date '26/11/2026' is not a date" in capsys.readouterr().err


def test_a_semicolon_export_from_a_european_excel_is_read_with_its_numbers(cli, bot, tmp_path,
                                                                         capsys):
    """Excel where the decimal mark is a comma (Germany, France, Italy…) saves "CSV" with
    semicolons and writes 30.000,00: the export was refused as having 'no header row with
    the columns of a known format', its columns all there. Its 12.500 alone, 12,500 there
    but 12.5 anywhere else, is refused, not guessed, in both languages."""
    from bot.crm_import import CrmProblem

    de = tmp_path / "de.csv"
    de.write_text(
        "Opportunity Owner;Account Name;Stage;Amount;Close Date\n"
        "Alice Martin;Acme Corp;Closed Won;30.000,00;23.11.2026\n"
        "Alice Martin;Globex;Closed Won;22000,5;26.11.2026\n"
        "Sam Lee;Initech;Closed Won;\"1.250.000\";24.11.2026\n"
        "Bruno Rossi;Umbrella;Closed Lost;38.000,00;20.11.2026\n", encoding="utf-8-sig")
    assert cli("import-actuals", str(de)) == 0
    assert capsys.readouterr().out == ("de.csv: imported 3 rows (salesforce format); 1 row "
                                       "not counted, its stage not won (Closed Lost)\n")
    assert stored(bot) == [("alice", "2026-W48", 30_000, 2), ("alice", "2026-W48", 22_000.5, 3),
                           ("sam", "2026-W48", 1_250_000, 4)]
    unclear = tmp_path / "unclear.csv"
    unclear.write_text("Opportunity Owner;Amount;Close Date\nAlice Martin;12.500;23.11.2026\n",
                       encoding="utf-8")
    assert cli("import-actuals", str(unclear)) == 1
    assert ("line 2: Amount '12.500' could be 12,500 or 12.500: this file's columns are "
            "separated by semicolons, as where a comma is the decimal mark and a dot separates "
            "thousands; write it without the dot (12500) or with its decimals (12500,00)"
            ) in capsys.readouterr().err
    assert CrmProblem("dot_thousands", {"column": "Amount", "value": "12.500"}).text(
        "zh-CN") == ("Amount“12.500”可能是 12,500，也可能是 12.500：此文件的列以分号分隔，"
                     "即逗号为小数点、点为千位分隔符的写法；请去掉点（12500）或写出小数（12500,00）")
    assert len(stored(bot)) == 3  # nothing of the refused file


def test_a_hubspot_deal_export_counts_its_won_deals_only(cli, bot, tmp_path, capsys):
    """HubSpot's deal export lists every deal, lost and open ones too. The org file's own
    format could not name its stage column ('unknown field(s) stage, won'), so a GM who
    described the export counted lost deals as revenue."""
    org = tmp_path / "org.yaml"
    org.write_text(org.read_text(encoding="utf-8") + """
crm:
  owners: {"a.martin@northwind.example": alice}
  formats:
    - {name: hubspot, person: Deal owner, date: Close date, value: Amount, metric: revenue,
       date_format: "%Y-%m-%d %H:%M", stage: Deal stage, won: [Closed won]}
""", encoding="utf-8")
    export = tmp_path / "hubspot-deals.csv"
    export.write_text(
        "Record ID,Deal Name,Deal Stage,Close Date,Deal owner,Amount\n"
        "101,Acme renewal,Closed won,2026-11-23 14:02,a.martin@northwind.example,30000\n"
        "102,Globex pilot,Closed lost,2026-11-24 09:00,a.martin@northwind.example,22000\n"
        "103,Initech seats,Contract sent,2026-11-25 10:30,Sam Lee,12500\n", encoding="utf-8")
    assert cli("import-actuals", str(export)) == 0
    assert capsys.readouterr().out == (
        "hubspot-deals.csv: imported 1 row (hubspot format); 2 rows not counted, their stage "
        "not won (Closed lost, Contract sent)\n")
    assert stored(bot) == [("alice", "2026-W48", 30_000, 2)]
    with pytest.raises(OrgError) as err:
        parse_org(TEST_ORG.read_text(encoding="utf-8") + """
crm:
  formats:
    - {name: hubspot, person: Deal owner, date: Close date, value: Amount, metric: revenue,
       stage: Deal stage}
""")
    assert err.value.problems == ["crm.formats[0]: with stage, give won: the stage or stages "
                                  "of a won deal (won: [Closed won])"]


async def test_a_deal_dated_later_this_week_counts_from_its_day_in_summary_as_in_goals(
        bot, chat, clock):
    """Wednesday 2 December (2026-W49): the CRM export holds a deal of Alice's closing on
    Friday. The import says it counts only from then, and /goals leaves it out until then;
    the GM's /summary counted it already, the week's 30,000 and the quarter's 80,000
    against /goals' 50,000 for the same quarter."""
    from bot.crm_import import import_actuals

    bot.org = parse_org(TEST_ORG.read_text(encoding="utf-8") + GOALS)
    wednesday = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
    clock.set(wednesday)
    data = (b"person,metric,date,value\nalice,revenue,2026-12-04,30000\n"
            b"alice,revenue,2026-11-25,50000\n")
    with bot.unit() as ctx:
        result = import_actuals(ctx.session, "deals.csv", data, bot.org.crm,
                                [(p.key, p.name) for p in bot.org.people], wednesday)
    assert result.future == ((2, "2026-12-04"),)
    await say(bot, "grace", "/goals alice")
    assert "50,000 of 150,000 USD" in chat.last("grace")
    await say(bot, "grace", "/summary 2026-W49")
    week = chat.last("grace")
    assert "quarter 50,000 USD (CRM, no target)" in week
    assert "30,000" not in week and "80,000" not in week
    # From Friday on, both count it.
    clock.set(datetime(2026, 12, 4, 15, 0, tzinfo=UTC))
    await say(bot, "grace", "/goals alice")
    assert "80,000 of 150,000 USD" in chat.last("grace")
    await say(bot, "grace", "/summary 2026-W49")
    assert "quarter 80,000 USD (CRM, no target)" in chat.last("grace")


def test_an_unknown_header_is_explained(cli, tmp_path, capsys):
    export = tmp_path / "report.csv"
    export.write_text("Owner,When,How much\nalice,2026-11-24,1\n", encoding="utf-8")
    assert cli("import-actuals", str(export)) == 1
    err = capsys.readouterr().err
    assert "no header row with the columns of a known format" in err
    assert "salesforce: Opportunity Owner, Amount, Close Date" in err


async def test_goals_show_the_crm_figure_and_flag_a_differing_self_report(bot, chat, clock):
    bot.org = parse_org(TEST_ORG.read_text(encoding="utf-8") + GOALS)
    clock.set(NOW)
    answer_kpi(bot, "alice", "2026-W47", 40_000)
    answer_kpi(bot, "alice", "2026-W48", 45_000)  # the CRM says 52,000 for this week
    answer_kpi(bot, "sam", "2026-W48", 12_000)    # the CRM says 12,500: within 10%
    from bot.crm_import import import_actuals

    with bot.unit() as ctx:
        import_actuals(ctx.session, SALESFORCE.name, SALESFORCE.read_bytes(), bot.org.crm,
                       [(p.key, p.name) for p in bot.org.people], NOW)
    await say(bot, "alice", "/goals alice")
    text = chat.last("alice")
    # W47 as typed (40k) + W48 from the CRM (30k + 22k).
    assert "92,000 of 150,000 USD (61%)" in text
    assert "From the CRM: 52,000" in text
    assert ("⚑ Alice Martin, 2026-W48: CRM 52,000, self-reported 45,000 (more than 10% "
            "apart; the CRM figure counts)") in text
    await say(bot, "alice", "/goals team East")
    team = chat.last("alice")
    # Sam's 12,000 against the CRM's 12,500 is within the 10% tolerance: not flagged.
    assert "⚑ Alice Martin, 2026-W48" in team and "⚑ Sam Lee" not in team
    assert "104,500 of 200,000 USD" in team  # 92,000 + Sam's 12,500 from the CRM


def watched_inbox(bot, tmp_path: Path) -> Path:
    """An empty folder under `tmp_path`, made the org's `crm.watch_folder`."""
    inbox = tmp_path / "crm-inbox"
    inbox.mkdir()
    bot.org = replace(bot.org, crm=replace(bot.org.crm, watch_folder=inbox))
    return inbox


def settled(*paths: Path, ago: float = 120) -> None:
    """Files saved `ago` seconds ago by the process's clock (120: a scan takes them as
    complete at once; 0: just written, whatever the file system's clock says)."""
    import os
    import time

    for path in paths:
        os.utime(path, (time.time() - ago, time.time() - ago))


def test_the_watched_folder_imports_new_and_changed_files_once(bot, chat, tmp_path):

    inbox = watched_inbox(bot, tmp_path)
    assert watch_folder(bot) == []
    shutil.copy(SALESFORCE, inbox / SALESFORCE.name)
    (inbox / "notes.txt").write_text("not a CSV", encoding="utf-8")
    settled(inbox / SALESFORCE.name)
    first = watch_folder(bot)
    assert [(r.source, r.status, r.rows) for r in first] == [(SALESFORCE.name, "new", 4)]
    assert watch_folder(bot) == []  # nothing new: nothing read into the database again
    text = SALESFORCE.read_text(encoding="utf-8").replace("30,000.00", "31,000.00")
    (inbox / SALESFORCE.name).write_text(text, encoding="utf-8")
    settled(inbox / SALESFORCE.name, ago=0)
    assert watch_folder(bot) == []  # just changed: maybe still being written
    assert [r.status for r in watch_folder(bot)] == ["replaced"]  # unchanged since
    assert sum(r[2] for r in stored(bot)) == 31_000 + 22_000 + 12_500 + 38_000
    # A bad file: refused whole, the GM told once, and not tried again until it changes.
    (inbox / "bad.csv").write_text("person,metric,week,value\nalice,revenue,2026-W48,x\n",
                                   encoding="utf-8")
    settled(inbox / "bad.csv")
    refused = watch_folder(bot)
    assert len(refused) == 1 and refused[0].reasons() == [(2, "value 'x' is not a number")]
    assert watch_folder(bot) == []


async def test_a_watched_folder_that_is_not_there_is_said_not_passed_over(
        cli, bot, chat, tmp_path, capsys, caplog):
    """`watch_folder: crm-inbx` (a typo, or a share not mounted): every scan found no folder
    and returned without a word, check-org said OK, and the exports the GM dropped in
    crm-inbox were never imported. check-org names it; the bot logs it once, and again if
    it goes missing after it was there."""
    org = tmp_path / "org.yaml"
    org.write_text(org.read_text(encoding="utf-8") + "crm:\n  watch_folder: crm-inbx\n",
                   encoding="utf-8")
    (tmp_path / "crm-inbox").mkdir()
    assert cli("check-org", str(org)) == 0
    assert (f"crm.watch_folder: {tmp_path / 'crm-inbx'} is not a folder (there is no such "
            "folder; a relative path is read from the org file's folder): the running bot "
            "imports nothing from it until it is; create it, or correct the path\n"
            ) in capsys.readouterr().out
    caplog.set_level("INFO", logger="bot.crm_import")
    bot.org = replace(bot.org, crm=replace(bot.org.crm, watch_folder=tmp_path / "crm-inbx"))
    await crm_scan(bot)
    await crm_scan(bot)
    said = [r.getMessage() for r in caplog.records if "crm-inbx" in r.getMessage()]
    assert said == [f"CRM watch folder {tmp_path / 'crm-inbx'} is not a folder (there is "
                    "no such folder): nothing is imported from it until it is"]
    assert [r.levelname for r in caplog.records if "crm-inbx" in r.getMessage()] == [
        "WARNING"]
    (tmp_path / "crm-inbx").mkdir()
    await crm_scan(bot)
    (tmp_path / "crm-inbx").rmdir()
    await crm_scan(bot)
    assert len([r for r in caplog.records if "crm-inbx" in r.getMessage()]) == 2


async def test_a_refused_file_in_the_folder_is_reported_to_the_gm(bot, chat, tmp_path):

    inbox = watched_inbox(bot, tmp_path)
    (inbox / "bad.csv").write_text("person,metric,week,value\nalice,revenue,2026-W99,5\n",
                                   encoding="utf-8")
    settled(inbox / "bad.csv")
    from bot.jobs import bind, crm_watch_job

    bind(bot)
    try:
        await crm_watch_job()
        await crm_watch_job()
    finally:
        bind(None)
    assert chat.to("grace") == [
        "⚠️ The CRM file bad.csv in the watched folder was not imported: nothing from it is "
        "stored. Fix these rows and save the file again:\n"
        "• line 2: week '2026-W99' is not an ISO week (the weeks of 2026 run from 2026-W01 to "
        "2026-W53)"]
    with bot.unit() as ctx:
        assert ctx.session.scalar(select(func.count(CrmActual.id))) == 0


async def test_a_chinese_gm_reads_why_a_file_was_refused_in_chinese(bot, chat, tmp_path):
    """The DM about a refused file was Chinese around rows' reasons in English ("line 2:
    person 'dana' is not a person of the org …"): every reason is said in the GM's
    language, as the rest of the message."""
    inbox = watched_inbox(bot, tmp_path)
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    (inbox / "bad.csv").write_text("person,metric,date,value\n"
                                   "dana,revenue,2026-11-20,5000\n"
                                   "alice,revenue,2026-13-45,\"1,5\"\n"
                                   "alice,Revenue!,2026-11-20,lots\n"
                                   "alice,revenu,2026-11-20,5000\n", encoding="utf-8")
    settled(inbox / "bad.csv")
    await crm_scan(bot)
    assert chat.to("grace") == [
        "⚠️ 监控文件夹中的 CRM 文件 bad.csv 未导入，其中的数据均未保存。"
        "请修正以下各行后重新保存文件：\n"
        "• 第 2 行：person“dana”不是组织中的人（请在组织文件的 crm.owners 下把这个 CRM 名称或邮箱"
        "对应到某人的 key）\n"
        "• 第 3 行：value“1,5”按此文件的写法不是数字：逗号只能用作千位分隔符（1,500 或 1.5）；"
        "date“2026-13-45”不是日期（%Y-%m-%d 或 %Y/%m/%d 或 %Y.%m.%d 或 %Y年%m月%d日）\n"
        "• 第 4 行：指标“revenue!”不是指标名称（例如 revenue）；value“lots”不是数字\n"
        "• 第 5 行：指标“revenu”既不是组织文件中任何人的 KPI，也不是任何目标的指标（是否应为"
        "“revenue”？）：这些行不会计入任何目标；请在导出文件中更正"]
    text = chat.last("grace")
    for english in ("not a person", "is not", "map the CRM", "comma", "a date", "metric name",
                    "line ", "KPI and", "did you mean"):
        assert english not in text
    # An English GM reads the same reasons in English.
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "en"
    (inbox / "bad.csv").write_text("person,metric,date,value\ndana,revenue,2026-11-20,5\n",
                                   encoding="utf-8")
    settled(inbox / "bad.csv")
    await crm_scan(bot)
    assert chat.last("grace").endswith(
        "• line 2: person 'dana' is not a person of the org (map the CRM name or e-mail to a "
        "key under crm.owners in the org file)")


def test_week_checks_give_the_summary_the_crm_figure_and_the_flag(bot, clock):
    from handlers.goals import week_checks

    bot.org = parse_org(TEST_ORG.read_text(encoding="utf-8") + GOALS)
    answer_kpi(bot, "alice", "2026-W48", 45_000)
    answer_kpi(bot, "sam", "2026-W48", 12_000)
    answer_kpi(bot, "li", "2026-W48", 66_000)
    from bot.crm_import import import_actuals

    with bot.unit() as ctx:
        import_actuals(ctx.session, SALESFORCE.name, SALESFORCE.read_bytes(), bot.org.crm,
                       [(p.key, p.name) for p in bot.org.people], NOW)
        checks = week_checks(ctx.session, bot.org, "2026-W48")
    assert checks[("alice", "revenue")].value == 52_000
    assert checks[("alice", "revenue")].differs and checks[("alice", "revenue")].source == "crm"
    assert not checks[("sam", "revenue")].differs
    assert checks[("li", "revenue")].source == "self" and checks[("li", "revenue")].value == 66_000


async def test_the_gm_reads_the_crm_figure_and_a_differing_self_report_in_the_summary(
        bot, chat, clock):
    from bot.crm_import import import_actuals
    from tests.test_checkin import ALICE_ANSWERS, answer_all

    bot.org = parse_org(TEST_ORG.read_text(encoding="utf-8") + GOALS)
    await bot.run_checkins()
    # Alice types 45,000 where the CRM's closed deals for her week add up to 52,000.
    await answer_all(bot, "alice", ["45000", *ALICE_ANSWERS[1:]])
    await answer_all(bot, "li", ["66000", *ALICE_ANSWERS[1:]])  # nothing in the CRM for Li

    with bot.unit() as ctx:
        import_actuals(ctx.session, SALESFORCE.name, SALESFORCE.read_bytes(), bot.org.crm,
                       [(p.key, p.name) for p in bot.org.people], NOW)
    await say(bot, "grace", "/summary 2026-W48")
    text = chat.last("grace")
    alice = next(b for b in text.split("\n\n") if b.startswith("Alice Martin · team East"))
    # The number the GM trusts is the CRM's; the typed one is shown beside it, flagged.
    assert "Revenue 52,000 / 50,000 USD (104%) [CRM; reported 45,000 ⚠ differs]" in alice
    attention = text.split("Needs your attention\n", 1)[1].split("\n\n", 1)[0]
    assert "Alice Martin: self-reported figures differ from the CRM (Revenue)" in attention
    li = next(b for b in text.split("\n\n") if b.startswith("李雷 · team China"))
    assert "Revenue 66,000" in li and "CRM" not in li


async def test_the_same_export_saved_under_another_name_is_not_counted_twice(
        cli, bot, chat, clock, tmp_path, capsys):
    # The GM downloads the report twice; the browser saves the second as "… (1).csv".
    again = tmp_path / "salesforce_opportunities (1).csv"
    shutil.copy(SALESFORCE, again)
    assert cli("import-actuals", str(SALESFORCE)) == 0
    capsys.readouterr()
    assert cli("import-actuals", str(again)) == 0
    assert capsys.readouterr().out == (
        "salesforce_opportunities (1).csv: the same content as salesforce_opportunities.csv, "
        "already imported; nothing changed\n")
    assert len(stored(bot)) == 4
    bot.org = parse_org(TEST_ORG.read_text(encoding="utf-8") + GOALS)
    clock.set(NOW)
    await say(bot, "alice", "/goals alice")
    assert "52,000 of 150,000 USD" in chat.last("alice")  # not 104,000
    # The watched folder skips such a copy too.
    from dataclasses import replace

    inbox = tmp_path / "crm-inbox"
    inbox.mkdir()
    shutil.copy(SALESFORCE, inbox / "copy.csv")
    settled(inbox / "copy.csv")
    bot.org = replace(bot.org, crm=replace(bot.org.crm, watch_folder=inbox))
    assert watch_folder(bot) == []
    assert len(stored(bot)) == 4


def test_a_decimal_comma_is_refused_not_read_as_thousands(cli, bot, tmp_path, capsys):
    # A CRM set to a European locale writes one and a half thousand as "1,5" (in k) and
    # twelve and a half thousand as "12.500,00": read as 15 and 12.5 they would be wrong
    # by a factor of a hundred or a thousand, silently.
    export = tmp_path / "deals.csv"
    export.write_text("person,metric,week,value\n"
                      "alice,revenue,2026-W48,\"1,5\"\n"
                      "alice,revenue,2026-W48,\"12.500,00\"\n"
                      "sam,revenue,2026-W48,\"1,250,000.50\"\n", encoding="utf-8")
    assert cli("import-actuals", str(export)) == 1
    err = capsys.readouterr().err
    assert "deals.csv: nothing imported, 2 problems:" in err
    assert ("line 2: value '1,5' is not a number as this file writes it: a comma may only "
            "separate thousands (1,500 or 1.5)") in err
    assert "line 3: value '12.500,00' is not a number as this file writes it" in err
    assert stored(bot) == []
    assert parse_value("1,250,000.50") == 1_250_000.5


def test_a_large_export_is_imported_whole(cli, bot, tmp_path, capsys):
    """A year's export of a large org is stored as plain rows in batches (a 50 MB file's
    1.5 million rows as ORM objects took 5.3 GB, enough for the OOM killer to stop the
    bot): every row there, as the file has it, across the batches. Its memory is measured
    by `python -m bench.crm_import`, not here (the standards: no memory targets in tests)."""
    rows = 12_345  # (more than two batches of 5,000, the last one short)
    export = tmp_path / "year.csv"
    export.write_text("person,metric,date,value\n" + "".join(
        f"{('alice', 'sam', 'bruno')[i % 3]},revenue,2026-{1 + i % 10:02d}-{1 + i % 28:02d},"
        f"{100 + i}\n" for i in range(rows)), encoding="utf-8")
    assert cli("import-actuals", str(export)) == 0
    assert capsys.readouterr().out == "year.csv: imported 12345 rows (teampulse-daily format)\n"
    with bot.unit() as ctx:
        assert ctx.session.execute(select(func.count(CrmActual.id), func.sum(CrmActual.value),
                                          func.max(CrmActual.line))).one() == (
            rows, sum(100 + i for i in range(rows)), rows + 1)
        assert ctx.session.scalar(select(CrmActual.person_key).where(
            CrmActual.line == 3)) == "sam"


def test_a_name_two_people_share_credits_neither(cli, bot, tmp_path, capsys):
    """Two people called 王伟: a Chinese CRM's rows owned by '王伟' all went to the first
    of them in the file, silently (one's goal read ahead, the other's behind). As everywhere
    else a shared name picks neither: the rows are refused, with both keys and the way to
    tell them apart; by key, or a crm.owners mapping, they are imported."""
    from tests.support import NAMESAKES

    org = tmp_path / "org.yaml"
    org.write_text(org.read_text(encoding="utf-8").replace(
        "# Company values", NAMESAKES + "# Company values"), encoding="utf-8")
    export = tmp_path / "deals.csv"
    export.write_text("销售负责人,成交日期,金额\n"
                      "王伟,2026-11-23,1000\n"
                      "李雷,2026-11-23,3000\n"
                      "王伟,2026-11-24,2000\n", encoding="utf-8")
    assert cli("import-actuals", str(export)) == 1
    assert capsys.readouterr().err == (
        "teampulse import-actuals: deals.csv: nothing imported, 2 problems:\n"
        "  - line 2: 销售负责人 '王伟' is the name of 2 people (wangwei, wangwei2): write "
        "the key in the export, or map the CRM name or e-mail to a key under crm.owners in "
        "the org file\n"
        "  - line 4: 销售负责人 '王伟' is the name of 2 people (wangwei, wangwei2): write "
        "the key in the export, or map the CRM name or e-mail to a key under crm.owners in "
        "the org file\n")
    assert stored(bot) == []
    export.write_text(export.read_text(encoding="utf-8").replace("王伟,2026-11-24",
                                                                 "wangwei2,2026-11-24"),
                      encoding="utf-8")
    org.write_text(org.read_text(encoding="utf-8") + "crm:\n  owners: {王伟: wangwei}\n",
                   encoding="utf-8")
    assert cli("import-actuals", str(export)) == 0
    assert [(key, value) for key, _, value, _ in stored(bot)] == [
        ("wangwei", 1000), ("li", 3000), ("wangwei2", 2000)]


def test_a_metric_that_is_a_typo_of_a_kpi_is_refused_with_the_likely_one(
        cli, bot, tmp_path, capsys):
    """'revenu' for revenue was imported as a metric of its own: stored, listed, and counted
    in no goal, so the quarter read behind by exactly those deals with nothing to say why.
    The goals in the org file refuse the same typo ("did you mean 'revenue'?"); so does the
    import, naming the line. A metric only the CRM brings, like no KPI, is still taken."""
    export = tmp_path / "deals.csv"
    export.write_text("person,metric,date,value\n"
                      "alice,revenue,2026-11-23,30000\n"
                      "alice,revenu,2026-11-24,22000\n"
                      "alice,New_Customer,2026-11-24,2\n", encoding="utf-8")
    assert cli("import-actuals", str(export)) == 1
    err = capsys.readouterr().err
    assert err == ("teampulse import-actuals: deals.csv: nothing imported, 2 problems:\n"
                   "  - line 3: metric 'revenu' is no one's KPI and no goal's in the org file "
                   "(did you mean 'revenue'?): its rows would count toward no goal; correct it "
                   "in the export\n"
                   "  - line 4: metric 'new_customer' is no one's KPI and no goal's in the org "
                   "file (did you mean 'new_customers'?): its rows would count toward no goal; "
                   "correct it in the export\n")
    assert stored(bot) == []
    export.write_text("person,metric,date,value\n"
                      "alice,revenue,2026-11-23,30000\n"
                      "alice,pipeline,2026-11-24,90000\n", encoding="utf-8")
    assert cli("import-actuals", str(export)) == 0
    assert capsys.readouterr().out == "deals.csv: imported 2 rows (teampulse-daily format)\n"
    # A metric of its own that takes a KPI's name and more (or less) is no typo: taken.
    export.write_text("person,metric,date,value\n"
                      "alice,net_revenue,2026-11-24,25000\n"
                      "alice,revenue_eu,2026-11-24,4000\n"
                      "alice,customers,2026-11-24,7\n", encoding="utf-8")
    assert cli("import-actuals", str(export)) == 0
    assert capsys.readouterr().out == (
        "deals.csv: corrected file: 2 rows replaced by 3 (teampulse-daily format)\n")


async def test_an_export_with_the_deals_of_someone_who_left_is_imported(
        cli, bot, chat, clock, tmp_path, capsys):
    from tests.test_goals import without_sam

    # Sam left at the end of November and was taken out of the org file; the quarter's
    # CRM report still has the deal he closed on the 24th.
    (tmp_path / "org.yaml").write_text(without_sam(GOALS), encoding="utf-8")
    assert cli("import-actuals", str(SALESFORCE)) == 0
    assert "imported 4 rows (salesforce format)" in capsys.readouterr().out
    assert ("sam", "2026-W48", 12_500, 4) in stored(bot)
    bot.org = parse_org(without_sam(GOALS))
    clock.set(NOW)
    await say(bot, "alice", "/goals team East")
    assert "64,500 of 200,000 USD" in chat.last("alice")  # Alice's 52,000 + Sam's 12,500


async def test_lost_and_open_deals_in_an_opportunity_report_are_not_revenue(
        cli, bot, chat, clock, tmp_path, capsys):
    # A Salesforce opportunity report lists every stage unless filtered: Alice's lost
    # Hooli deal and her open Stark deal were imported as revenue, and /goals showed her
    # 110,000 ahead of what she had won.
    lines = SALESFORCE.read_text(encoding="utf-8").splitlines()
    lines[3:3] = [
        '"Alice Martin","Hooli","Hooli - Suite","Closed Lost","Q4-2026","60,000.00","0",'
        '"11/25/2026","10/01/2026","Web","New Customer"',
        '"Alice Martin","Stark","Stark - Seats","Negotiation/Review","Q4-2026","50,000.00",'
        '"70","11/27/2026","10/05/2026","Web","New Customer"']
    export = tmp_path / "salesforce_opportunities.csv"
    export.write_text("\n".join(lines), encoding="utf-8")
    assert cli("import-actuals", str(export)) == 0
    assert capsys.readouterr().out == (
        "salesforce_opportunities.csv: imported 4 rows (salesforce format); 2 rows not "
        "counted, their stage not won (Closed Lost, Negotiation/Review)\n")
    bot.org = parse_org(TEST_ORG.read_text(encoding="utf-8") + GOALS)
    clock.set(NOW)
    await say(bot, "alice", "/goals alice")
    assert "52,000 of 150,000 USD" in chat.last("alice")
    # A Chinese CRM's export: 输单 (lost) is not revenue either.
    text = CHINESE.read_text(encoding="utf-8-sig").replace(
        "深圳渠道扩展,深圳华星电子有限公司,李雷,中国区,赢单",
        "深圳渠道扩展,深圳华星电子有限公司,李雷,中国区,输单")
    zh = tmp_path / "销售易_成交.csv"
    zh.write_text(text, encoding="utf-8")
    assert cli("import-actuals", str(zh)) == 0
    assert "imported 1 row (chinese format); 1 row not counted, its stage not won (输单)" \
        in capsys.readouterr().out


def test_people_and_figures_typed_in_full_width_or_with_extra_spaces(cli, bot, tmp_path,
                                                                      capsys):
    # A CRM export typed by hand on a Chinese keyboard: a full-width key and digits, a
    # full-width comma, a name with two spaces. Each row was refused ("not a person of
    # the org", "is not a number"), and the whole file with it.
    export = tmp_path / "手工录入.csv"
    export.write_text("person,metric,week,value\n"
                      "ａｌｉｃｅ,revenue,2026-W48,\"４０，０００\"\n"
                      "Sam  Lee,revenue,2026-W48,12500\n"
                      "ＬＩ,revenue,2026-W48,＄8，800\n", encoding="utf-8")
    assert cli("import-actuals", str(export)) == 0, capsys.readouterr().err
    assert stored(bot) == [("alice", "2026-W48", 40_000, 2), ("sam", "2026-W48", 12_500, 3),
                           ("li", "2026-W48", 8_800, 4)]


async def test_a_row_dated_in_the_future_is_pointed_out(cli, bot, chat, clock, tmp_path,
                                                       capsys):
    # A typo of the year (2027-W48 for 2026-W48) was imported without a word: the figure
    # was missing from /goals, and nobody was told why.
    export = tmp_path / "weekly.csv"
    export.write_text("person,metric,week,value\n"
                      "alice,revenue,2026-W48,30000\n"
                      "alice,revenue,2027-W48,22000\n", encoding="utf-8")
    from bot.clock import SystemClock

    assert cli("import-actuals", str(export)) == 0
    out = capsys.readouterr().out
    today = SystemClock().now().astimezone(bot.org.tz).date().isoformat()  # the CLI's own
    assert out == ("weekly.csv: imported 2 rows (teampulse-weekly format); 1 row dated after "
                   f"today ({today}), counted only from then: line 3 (2027-W48)\n")


async def test_a_flag_on_a_director_who_left_names_them(bot, chat, clock):
    # Bruno typed 30,000 for W47 where the CRM has 38,000, then left the org file: the
    # GM's /goals flagged "bruno, 2026-W47", his org key, not his name.
    from bot.crm_import import import_actuals

    bot.org = parse_org(TEST_ORG.read_text(encoding="utf-8") + GOALS)
    clock.set(NOW)
    answer_kpi(bot, "bruno", "2026-W47", 30_000)
    with bot.unit() as ctx:
        import_actuals(ctx.session, SALESFORCE.name, SALESFORCE.read_bytes(), bot.org.crm,
                       [(p.key, p.name) for p in bot.org.people], NOW)
    text = TEST_ORG.read_text(encoding="utf-8") + GOALS
    start, end = text.index("  - key: bruno"), text.index("  - key: li")
    bot.org = parse_org((text[:start] + text[end:]).replace(
        "  - {metric: revenue, period: 2026-11, person: bruno, target: 160000}\n", "").replace(
        "  - {metric: revenue, period: 2026-Q4, team: Europe, target: 120000}\n", ""))
    bot.sync_org()
    await say(bot, "grace", "/goals")
    text = chat.last("grace")
    assert "⚑ Bruno Rossi, 2026-W47: CRM 38,000, self-reported 30,000" in text
    assert "⚑ bruno" not in text


def test_a_crm_owner_mapping_for_someone_who_left_is_accepted(cli, bot, tmp_path, capsys):
    # Bruno left and is taken out of people; the CRM still lists his deals as "Bruno R.".
    # check-org had refused the file ("maps to 'bruno', who is not a person in this file"),
    # so his sales history could not map to him at all.
    text = TEST_ORG.read_text(encoding="utf-8") + GOALS
    start, end = text.index("  - key: bruno"), text.index("  - key: li")
    org = tmp_path / "org.yaml"
    org.write_text((text[:start] + text[end:]).replace(
        "  - {metric: revenue, period: 2026-11, person: bruno, target: 160000}\n", "").replace(
        "  - {metric: revenue, period: 2026-Q4, team: Europe, target: 120000}\n", "")
        + 'crm:\n  owners: {"Bruno R.": bruno, "Dana White": dana}\n', encoding="utf-8")
    bot.org = parse_org(org.read_text(encoding="utf-8"))
    bot.sync_org()  # bruno is now someone who left; nobody was ever called dana
    assert cli("check-org", str(org)) == 2
    err = capsys.readouterr().err
    assert "bruno" not in err
    assert ("crm.owners: 'Dana White' maps to 'dana', who is neither in this file nor "
            "someone who left it (the database has nobody called 'dana'): correct the key, "
            "or add dana to people") in err
    org.write_text(org.read_text(encoding="utf-8").replace(', "Dana White": dana', ""),
                   encoding="utf-8")
    assert cli("check-org", str(org)) == 0
    out = capsys.readouterr().out
    assert ("crm.owners: 'Bruno R.' maps to bruno (Bruno Rossi), who has left the org file: "
            "their deals still import to them") in out
    export = tmp_path / "deals.csv"
    export.write_text("person,metric,week,value\nBruno R.,revenue,2026-W47,38000\n",
                      encoding="utf-8")
    assert cli("import-actuals", str(export)) == 0
    assert ("bruno", "2026-W47", 38_000, 2) in stored(bot)


async def crm_scan(bot) -> None:
    """One run of the bot's minute job over the watched folder."""
    from bot.jobs import bind, crm_watch_job

    bind(bot)
    try:
        await crm_watch_job()
    finally:
        bind(None)


async def test_a_file_caught_mid_copy_is_imported_once_complete_and_the_gm_not_misled(
        bot, chat, tmp_path, caplog):

    inbox = watched_inbox(bot, tmp_path)
    whole = SALESFORCE.read_bytes()
    target = inbox / SALESFORCE.name
    target.write_bytes(whole[:len(whole) // 2])  # the scan comes in the middle of a copy
    settled(target, ago=0)
    caplog.set_level("INFO", logger="bot.crm_import")
    await crm_scan(bot)
    # It had been read half-written: imported with the rows copied so far (the GM's
    # figures short until the next scan), or, cut mid-row, refused with the GM told to
    # fix rows of a file that had nothing wrong with it.
    assert chat.to("grace") == [] and stored(bot) == []
    assert f"CRM file {SALESFORCE.name} is new or changed; imported once it has not " \
        "changed for a minute" in caplog.text
    target.write_bytes(whole)  # the copy ends
    settled(target, ago=0)
    await crm_scan(bot)
    assert stored(bot) == []  # changed since the last scan: it may still be growing
    await crm_scan(bot)
    assert len(stored(bot)) == 4 and chat.to("grace") == []


async def test_a_file_the_folder_cannot_import_is_never_skipped_in_silence(
        bot, chat, tmp_path, caplog, monkeypatch):

    inbox = watched_inbox(bot, tmp_path)
    caplog.set_level("INFO", logger="bot.crm_import")
    # An Excel export, and a CSV a copy keeps locked: both had been passed over silently.
    (inbox / "pipeline.xlsx").write_bytes(b"PK\x03\x04")
    locked = inbox / "locked.csv"
    shutil.copy(SALESFORCE, locked)
    settled(locked)
    (inbox / "deals.csv.part").write_bytes(b"Opportunity")  # a download in progress
    real = Path.read_bytes

    def read_bytes(path: Path) -> bytes:
        if path.name in {"locked.csv", "locked2.csv"}:
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    await crm_scan(bot)
    assert chat.to("grace") == [
        "⚠️ The file pipeline.xlsx in the watched CRM folder is not imported: only .csv "
        "files are. Export the report as CSV (comma-separated) and save it in the folder."]
    assert "CRM folder: pipeline.xlsx not imported: only .csv files are" in caplog.text
    assert "CRM file locked.csv could not be read (Permission denied)" in caplog.text
    assert "deals.csv.part looks like a file still being copied" in caplog.text
    await crm_scan(bot)  # still locked a minute later: now the GM hears of it, once
    await crm_scan(bot)
    assert chat.to("grace")[1:] == [
        "⚠️ The CRM file locked.csv in the watched folder cannot be read (Permission denied), "
        "so it is not imported yet. If it is still being copied, nothing to do: it is "
        "imported once complete. Otherwise check that the bot may read it; I try again "
        "every minute."]
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    (inbox / "q4.numbers").write_bytes(b"x")
    await crm_scan(bot)
    assert chat.last("grace").startswith("⚠️ 监控的 CRM 文件夹中的文件 q4.numbers 未导入")
    # The system's reason is English ("Permission denied"): the GM reads it in Chinese.
    shutil.copy(SALESFORCE, inbox / "locked2.csv")
    settled(inbox / "locked2.csv")
    await crm_scan(bot)
    await crm_scan(bot)
    assert chat.last("grace").startswith(
        "⚠️ 监控文件夹中的 CRM 文件 locked2.csv 无法读取（没有读取权限），暂未导入。")
    monkeypatch.setattr(Path, "read_bytes", real)  # the lock is released
    await crm_scan(bot)
    assert len(stored(bot)) == 4


async def test_hidden_files_in_the_watched_folder_are_left_alone(bot, chat, tmp_path, caplog):
    """README: the system's and an editor's hidden files (.DS_Store, .~lock…#) are neither
    imported nor reported to the GM, while a download in progress is logged and waited for."""

    inbox = watched_inbox(bot, tmp_path)
    caplog.set_level("INFO", logger="bot.crm_import")
    hidden = [inbox / ".DS_Store", inbox / ".~lock.deals.csv#", inbox / ".deals.csv"]
    for path in hidden:
        shutil.copy(SALESFORCE, path)
    (inbox / "deals.csv.crdownload").write_bytes(b"Opportunity")
    settled(*hidden, inbox / "deals.csv.crdownload")
    await crm_scan(bot)
    await crm_scan(bot)
    assert stored(bot) == [] and chat.to("grace") == []
    assert "deals.csv.crdownload looks like a file still being copied" in caplog.text
    assert not any(path.name in caplog.text for path in hidden)


def test_an_amount_in_another_currency_than_the_kpi_s_is_refused(cli, bot, tmp_path, capsys):
    """Li's revenue is counted in USD: a Chinese CRM's '¥40,000.00' (about 5,600 USD) was
    imported as 40,000 USD, and Bruno's 'EUR 9,000.00' was added to the org's USD total, as
    the check-in refuses '¥52000' for a USD target. Refused, the row named, nothing stored;
    the same file imports where the org file counts Li's revenue in CNY."""
    export = tmp_path / "成交.csv"
    export.write_text("销售负责人,成交日期,金额,销售阶段\n李雷,2026/11/24,\"¥40,000.00\",赢单\n"
                      "李雷,2026/11/26,2.6万,赢单\n", encoding="utf-8")
    assert cli("import-actuals", str(export)) == 1
    assert ("line 2: 金额 '¥40,000.00' is in ¥, but 李雷's revenue is counted in USD: "
            "convert it to USD in the export (or leave out the currency if it is already)"
            ) in capsys.readouterr().err
    sf = tmp_path / "sf.csv"
    sf.write_text('"Opportunity Owner","Close Date","Amount"\n'
                  '"Alice Martin","11/24/2026","USD 12,500.00"\n'
                  '"Bruno Rossi","11/25/2026","EUR 9,000.00"\n', encoding="utf-8")
    assert cli("import-actuals", str(sf)) == 1
    err = capsys.readouterr().err
    assert "line 3: Amount 'EUR 9,000.00' is in EUR, but Bruno Rossi's revenue" in err
    assert "line 2" not in err  # USD for a USD target is the KPI's own currency
    assert stored(bot) == []
    org = tmp_path / "org.yaml"
    org.write_text(org.read_text(encoding="utf-8").replace(
        "{metric: revenue, unit: USD, weekly_target: 60000}",
        "{metric: revenue, unit: CNY, weekly_target: 400000}"), encoding="utf-8")
    assert cli("import-actuals", str(export)) == 0
    assert stored(bot) == [("li", "2026-W48", 40_000, 2), ("li", "2026-W48", 26_000, 3)]


async def test_an_excel_workbook_is_named_as_one_not_as_a_file_without_a_header(
        cli, bot, chat, tmp_path, capsys):
    """`import-actuals report.xlsx` (or an .xlsx saved with a .csv name into the watched
    folder) said "no header row with the columns of a known format (salesforce: …)", and
    the GM checked the columns of a report whose columns were right."""
    workbook = tmp_path / "report.xlsx"
    workbook.write_bytes(b"PK\x03\x04\x14\x00\x06\x00" + bytes(200))
    # A wrong file given, as a missing one: status 2 (tests/test_crm_unreadable.py).
    assert cli("import-actuals", str(workbook)) == 2
    assert capsys.readouterr().err == (
        f"teampulse import-actuals: {workbook}: the file is an Excel workbook, not a CSV: "
        "open it and save or export it as CSV (CSV UTF-8), then import that file\n")
    inbox = watched_inbox(bot, tmp_path)
    (inbox / "report.csv").write_bytes(workbook.read_bytes())
    settled(inbox / "report.csv")
    from bot.jobs import bind, crm_watch_job

    bind(bot)
    try:
        await crm_watch_job()
    finally:
        bind(None)
    assert chat.to("grace") == [
        "⚠️ The CRM file report.csv in the watched folder was not imported: nothing from it is "
        "stored. Fix these rows and save the file again:\n"
        "• the file is an Excel workbook, not a CSV: open it and save or export it as CSV "
        "(CSV UTF-8), then import that file"]
    assert stored(bot) == []


async def test_a_quarter_a_little_below_nothing_does_not_read_as_nothing(
        bot, chat, clock, tmp_path):
    """The CRM's only row for Alice this quarter is a refund, (400.00): -400 of her
    150,000 is -0.27%, which read '(0%)', as Sam's nothing booked does."""
    bot.org = parse_org(TEST_ORG.read_text(encoding="utf-8") + GOALS)
    clock.set(NOW)
    export = tmp_path / "refund.csv"
    lines = SALESFORCE.read_text(encoding="utf-8").splitlines()
    export.write_text("\n".join([lines[0], lines[1].replace('"30,000.00"', '"(400.00)"')])
                      + "\n", encoding="utf-8")
    from bot.crm_import import import_actuals

    with bot.unit() as ctx:
        import_actuals(ctx.session, export.name, export.read_bytes(), bot.org.crm,
                       [(p.key, p.name) for p in bot.org.people], NOW)
    await say(bot, "alice", "/goals alice")
    assert "-400 of 150,000 USD (<0%)" in chat.last("alice")

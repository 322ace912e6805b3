"""The operator's CRM import fed what real exports hold: half a customer, a negative in
parentheses with a sign too, a path typed wrong, a figure with an unquoted comma, a week
given twice; and the messy exports it reads right (a BOM, thousands separators, currency
signs, blank lines at the end, a key in capitals with spaces, a Chinese name)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.crm_import import CrmImportError, import_actuals, import_people, parse_value
from tests.support import TEST_ORG, run_cli
from tests.test_crm_import import crm_scan, settled, stored, watched_inbox

HEADER = "person,metric,week,value\n"


def weekly(tmp_path: Path, name: str, *rows: str, text: str | None = None) -> Path:
    """A plain `person, metric, week, value` export of these rows, in `tmp_path`."""
    path = tmp_path / name
    path.write_text(text if text is not None else HEADER + "".join(r + "\n" for r in rows),
                    encoding="utf-8")
    return path


def test_half_a_customer_refuses_the_file_naming_its_line_and_value(
        bot, settings, clock, tmp_path, capsys):
    export = weekly(tmp_path, "customers.csv", "alice,new_customers,2026-W47,3",
                    "alice,revenue,2026-W47,30000")
    assert run_cli(settings, "import-actuals", str(export)) == (
        0, "customers.csv: imported 2 rows (teampulse-weekly format)\n")
    # The corrected export has half a customer: the check-in refuses it, and so does this.
    weekly(tmp_path, "customers.csv", "alice,new_customers,2026-W47,2.5",
           "alice,new_customers,2026-W48,2.0", "alice,revenue,2026-W47,30000.50")
    capsys.readouterr()
    assert run_cli(settings, "import-actuals", str(export)) == (1, "")
    assert capsys.readouterr().err == (
        "teampulse import-actuals: customers.csv: nothing imported, 1 problem:\n"
        "  - line 2: value '2.5' is not a whole number, but alice's new_customers is a "
        "count (customers): write it as a whole number, as the check-in asks it\n")
    # What the file brought before stands: 3 customers, not 2.5, nor nothing.
    assert sorted((r[0], r[1], r[2]) for r in stored(bot)) == [
        ("alice", "2026-W47", 3), ("alice", "2026-W47", 30_000)]
    # Sam's org-file entry asks no KPIs; new_customers is counted in customers all the
    # same, so half of one is refused for him too.
    sams = weekly(tmp_path, "sam.csv", "sam,new_customers,2026-W47,1.5")
    capsys.readouterr()
    assert run_cli(settings, "import-actuals", str(sams)) == (1, "")
    assert "line 2: value '1.5' is not a whole number, but sam's new_customers is a count " \
        "(customers)" in capsys.readouterr().err


async def test_half_a_customer_in_the_watched_folder_is_told_to_a_chinese_gm_in_chinese(
        bot, chat, clock, tmp_path):
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    inbox = watched_inbox(bot, tmp_path)
    weekly(inbox, "客户.csv", "alice,new_customers,2026-W47,2.5")
    settled(*inbox.iterdir())
    await crm_scan(bot)
    told = chat.last("grace")
    assert "第 2 行：value“2.5”不是整数，但 alice 的 new_customers 是计数（customers）：" \
        "请写成整数，与签到的要求一致" in told
    assert stored(bot) == []


def test_an_accounting_negative_is_a_refund_and_one_negative_twice_is_refused(
        bot, settings, clock, tmp_path, capsys):
    refunds = weekly(tmp_path, "refunds.csv", "alice,revenue,2026-W46,(400)",
                     'sam,revenue,2026-W46,"($1,200.50)"', "bruno,revenue,2026-W46,-250",
                     "li,revenue,2026-W46,\u2212100")
    assert run_cli(settings, "import-actuals", str(refunds))[0] == 0
    # Salesforce and HubSpot print a refund in parentheses: a negative, never a sale; a
    # typeset report's minus sign (U+2212) is a minus too.
    assert sorted((r[0], r[2]) for r in stored(bot)) == [
        ("alice", -400), ("bruno", -250), ("li", -100), ("sam", -1_200.5)]
    twice = weekly(tmp_path, "twice.csv", "alice,revenue,2026-W47,(-5)",
                   "sam,revenue,2026-W47,(+5)", "bruno,revenue,2026-W47,(5")
    capsys.readouterr()
    assert run_cli(settings, "import-actuals", str(twice)) == (1, "")
    assert capsys.readouterr().err == (
        "teampulse import-actuals: twice.csv: nothing imported, 3 problems:\n"
        "  - line 2: value '(-5)' is negative twice, in parentheses and with a sign: write "
        "a negative figure (a refund) as (5) or -5\n"
        "  - line 3: value '(+5)' is negative twice, in parentheses and with a sign: write "
        "a negative figure (a refund) as (5) or -5\n"
        "  - line 4: value '(5' is not a number\n")
    assert len(stored(bot)) == 4  # the refunds, untouched
    assert parse_value("(-5)") is None and parse_value("(5)") == -5


def test_a_file_that_is_not_there_is_a_wrong_command_and_nothing_is_imported(
        bot, settings, clock, tmp_path, capsys):
    good = weekly(tmp_path, "good.csv", "alice,revenue,2026-W47,100")
    missing = tmp_path / "Q4 (final).csv"
    code, out = run_cli(settings, "import-actuals", str(good), str(missing), str(tmp_path))
    assert (code, out) == (2, "")  # as a bad option: docs/cli.md's status 2
    assert capsys.readouterr().err == (
        f"teampulse import-actuals: {missing}: no such file\n"
        f"teampulse import-actuals: {tmp_path}: a folder, not a CSV export\n")
    assert stored(bot) == []  # not good.csv either: the command is corrected and run again
    assert run_cli(settings, "import-actuals", str(good))[0] == 0


def test_two_exports_of_one_name_in_one_command_are_refused_not_one_replacing_the_other(
        bot, settings, clock, tmp_path, capsys):
    (tmp_path / "oct").mkdir()
    (tmp_path / "nov").mkdir()
    october = weekly(tmp_path / "oct", "report.csv", "alice,revenue,2026-W42,100")
    november = weekly(tmp_path / "nov", "report.csv", "alice,revenue,2026-W46,200")
    # Known by its name, November's was "corrected file: 1 row replaced by 1": October's
    # sales gone from the goals.
    assert run_cli(settings, "import-actuals", str(october), str(november)) == (2, "")
    assert capsys.readouterr().err == (
        f"teampulse import-actuals: {october} and {november} have the same file name: an "
        "import is known by its file name, so each would replace the rows of the one "
        "before it; rename them apart (report-2026-10.csv) and run the command again\n")
    assert stored(bot) == []
    # The same file named twice is no such case.
    again = tmp_path / "oct" / ".." / "oct" / "report.csv"
    assert run_cli(settings, "import-actuals", str(october), str(again)) == (0, (
        "report.csv: imported 1 row (teampulse-weekly format)\n"
        "report.csv: already imported with this content; nothing changed (1 row)\n"))


def test_a_figure_with_an_unquoted_comma_is_refused_not_read_as_its_first_part(
        bot, settings, clock, tmp_path, capsys):
    # '1 234,50' written bare in a comma-separated file is two cells: read as 1234 before.
    export = weekly(tmp_path, "eu.csv", text=HEADER + "alice,revenue,2026-W47,1 234,50\n"
                    "sam,revenue,2026-W47,1,200.00\n" "bruno,revenue,2026-W47,900,\n")
    assert run_cli(settings, "import-actuals", str(export)) == (1, "")
    assert capsys.readouterr().err == (
        "teampulse import-actuals: eu.csv: nothing imported, 2 problems:\n"
        "  - line 2: the row has 5 cells where the header has 4 (its extra cells: 50): a "
        'value with a comma in it must be in double quotes ("1,234.50"); save the export '
        "again as CSV\n"
        "  - line 3: the row has 5 cells where the header has 4 (its extra cells: 200.00): "
        'a value with a comma in it must be in double quotes ("1,234.50"); save the '
        "export again as CSV\n")
    assert stored(bot) == []
    with pytest.raises(CrmImportError) as refused, bot.unit() as ctx:
        import_actuals(ctx.session, "eu.csv", export.read_bytes(), bot.org.crm,
                       import_people(ctx.session, bot.org), clock.now())
    assert refused.value.reasons("zh-CN")[0] == (
        2, '这一行有 5 个单元格，而表头只有 4 个（多出的单元格：50）：含逗号的值必须用双引号括起来'
        '（"1,234.50"）；请重新另存为 CSV')


async def test_a_week_given_twice_in_a_file_by_week_is_added_up_and_said(
        bot, chat, settings, clock, tmp_path, caplog):
    export = weekly(tmp_path, "weekly.csv", "sam,revenue,2026-W47,100",
                    "alice,revenue,2026-W47,500", "sam,revenue,2026-W47,200")
    assert run_cli(settings, "import-actuals", str(export)) == (0, (
        "weekly.csv: imported 3 rows (teampulse-weekly format); 1 week given on several "
        "lines, added up: sam revenue 2026-W47 (lines 2, 4): if one of them replaces the "
        "other, keep only it and import the file again\n"))
    # A file by day lists deals, several a week: nothing to say of those.
    daily = weekly(tmp_path, "deals.csv", text="person,metric,date,value\n"
                   "sam,revenue,2026-11-23,100\nsam,revenue,2026-11-24,100\n")
    assert run_cli(settings, "import-actuals", str(daily)) == (
        0, "deals.csv: imported 2 rows (teampulse-daily format)\n")
    # From the watched folder, the GM is told.
    inbox = watched_inbox(bot, tmp_path)
    weekly(inbox, "w48.csv", "alice,revenue,2026-W48,300", "alice,revenue,2026-W48,300")
    settled(*inbox.iterdir())
    caplog.set_level("INFO", logger="bot.crm_import")
    await crm_scan(bot)
    assert chat.to("grace") == [
        "⚠️ The CRM file w48.csv from the watched folder is imported, but it gives a "
        "person's figure for one week on several lines, added up: alice revenue 2026-W48 "
        "(lines 2, 3). If one of them replaces the other, keep only it and save the file "
        "again."]
    assert "CRM file w48.csv: 1 week given on several lines, added up: alice revenue " \
        "2026-W48 (lines 2, 3)" in caplog.text
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    weekly(inbox, "w49.csv", "sam,revenue,2026-W49,10", "sam,revenue,2026-W49,20")
    settled(inbox / "w49.csv")
    await crm_scan(bot)
    assert chat.last("grace") == (
        "⚠️ 监控文件夹中的 CRM 文件 w49.csv 已导入，但其中同一人员同一周的数字出现在多行中，已相加："
        "sam revenue 2026-W49（第 2、3 行）。如果其中一行是对另一行的更正，"
        "请只保留它并重新保存文件。")


def test_messy_exports_an_operator_saves_are_read_right(
        bot, settings, clock, tmp_path, capsys):
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + (HEADER + 'alice,revenue,2026-W45,"1,234.50"\n'
                                       'sam,revenue,2026-W45,"$1,200"\n'
                                       'bruno,revenue,2026-W45,"1 234.50"\n\n\n,,,\n')
                    .encode("utf-8"))
    assert run_cli(settings, "import-actuals", str(bom))[0] == 0
    names = weekly(tmp_path, "names.csv", " ALICE ,revenue,2026-W44,10", "李雷,revenue,2026-W44,20",
                   "Sam  Lee,revenue,2026-W44,30")
    assert run_cli(settings, "import-actuals", str(names))[0] == 0
    chinese = tmp_path / "销售易.csv"
    chinese.write_text("销售负责人,成交日期,金额\n 李雷 ,2026-11-02,\"3,000\"\n", encoding="utf-8")
    assert run_cli(settings, "import-actuals", str(chinese))[0] == 0
    assert sorted((r[0], r[1], r[2]) for r in stored(bot)) == [
        ("alice", "2026-W44", 10), ("alice", "2026-W45", 1_234.5), ("bruno", "2026-W45", 1_234.5),
        ("li", "2026-W44", 20), ("li", "2026-W45", 3_000), ("sam", "2026-W44", 30),
        ("sam", "2026-W45", 1_200)]
    # A value in another currency than the KPI's is refused, as before.
    yen = weekly(tmp_path, "yen.csv", 'li,revenue,2026-W43,"¥3,000"')
    capsys.readouterr()
    assert run_cli(settings, "import-actuals", str(yen))[0] == 1
    assert "line 2: value '¥3,000' is in ¥, but li's revenue is counted in USD" in \
        capsys.readouterr().err



def test_an_empty_file_is_said_to_be_empty(bot, settings, clock, tmp_path, capsys):
    # A download that failed leaves 0 bytes (or Excel's BOM alone): it was "no header row
    # with the columns of a known format", and the operator went looking at columns.
    empty, bom = tmp_path / "pipeline.csv", tmp_path / "bom.csv"
    empty.write_bytes(b"")
    bom.write_bytes(b"\xef\xbb\xbf\r\n")
    assert run_cli(settings, "import-actuals", str(empty), str(bom)) == (1, "")
    assert capsys.readouterr().err == (
        "teampulse import-actuals: pipeline.csv: nothing imported, 1 problem:\n"
        "  - the file is empty: export the report again (as CSV) and import that file\n"
        "teampulse import-actuals: bom.csv: nothing imported, 1 problem:\n"
        "  - the file is empty: export the report again (as CSV) and import that file\n")
    with pytest.raises(CrmImportError) as refused, bot.unit() as ctx:
        import_actuals(ctx.session, "pipeline.csv", b"", bot.org.crm, [], clock.now())
    assert refused.value.reasons("zh-CN") == [
        (0, "文件是空的：请重新导出报表（CSV 格式），然后导入那个文件")]


def test_excel_s_unicode_text_saved_as_csv_is_read(bot, settings, clock, tmp_path, capsys):
    # Excel's "Unicode Text": UTF-16 with its byte order mark, tab-separated. Read as
    # GB18030 it was "not valid CSV: its lines end with a lone carriage return".
    export = tmp_path / "Verkauf.csv"
    export.write_bytes("person\tmetric\tweek\tvalue\r\n李雷\trevenue\t2026-W47\t1,234.50\r\n"
                       "alice\trevenue\t2026-W47\t(200)\r\n".encode("utf-16"))
    assert run_cli(settings, "import-actuals", str(export)) == (
        0, "Verkauf.csv: imported 2 rows (teampulse-weekly format)\n")
    assert [(r[0], r[2]) for r in stored(bot)] == [("li", 1_234.5), ("alice", -200)]
    # Tab-separated in UTF-8 too ("Text (Tab delimited)"), its bad rows named as ever.
    tabs = tmp_path / "tabs.csv"
    tabs.write_text("person\tmetric\tweek\tvalue\nalice\tnew_customers\t2026-W47\t2.5\n",
                    encoding="utf-8")
    assert run_cli(settings, "import-actuals", str(tabs)) == (1, "")
    assert "line 2: value '2.5' is not a whole number" in capsys.readouterr().err


def test_a_rate_written_with_its_percent_sign_is_read_and_money_with_one_refused(
        bot, settings, clock, tmp_path, capsys):
    org = tmp_path / "org.yaml"
    org.write_text(TEST_ORG.read_text(encoding="utf-8").replace(
        "      - {metric: revenue, unit: USD, weekly_target: 40000}",
        "      - {metric: revenue, unit: USD, weekly_target: 40000}\n"
        '      - {metric: win_rate, unit: "%", weekly_target: 30}', 1), encoding="utf-8")
    settings = replace(settings, org_file=org)
    rates = weekly(tmp_path, "rates.csv", "bruno,win_rate,2026-W47,60%",
                   'bruno,win_rate,2026-W46,"45.5 %"')
    assert run_cli(settings, "import-actuals", str(rates))[0] == 0
    assert sorted((r[0], r[1], r[2]) for r in stored(bot)) == [
        ("bruno", "2026-W46", 45.5), ("bruno", "2026-W47", 60)]
    money = weekly(tmp_path, "money.csv", "bruno,revenue,2026-W47,60%")
    assert run_cli(settings, "import-actuals", str(money)) == (1, "")
    assert capsys.readouterr().err == (
        "teampulse import-actuals: money.csv: nothing imported, 1 problem:\n"
        "  - line 2: value '60%' is a percentage, but bruno's revenue is counted in USD: "
        "write the figure itself\n")

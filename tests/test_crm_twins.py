"""A CRM export imported twice never counts twice: the same export saved otherwise under
another name (Excel: CRLF, other quoting, `12500` for `12,500.00`, columns in another
order, trailing blank lines), a part of an export already imported, an export holding
every row of an earlier one, and a file whose rows only partly overlap another's."""

from __future__ import annotations

import csv
import io
import shutil

import pytest

from bot.crm_import import watch_folder
from bot.org import parse_org
from tests.support import TEST_ORG, say
from tests.test_crm_import import SALESFORCE, cli, crm_scan, settled, stored, watched_inbox
from tests.test_goals import GOALS, NOW

__all__ = ["cli"]


def resave(text: str, *, crlf: bool = False, quoting: bool = False, plain_numbers: bool = False,
           reorder: bool = False, blank_lines: bool = False) -> str:
    """The Salesforce export as Excel or another tool saves it again."""
    records = list(csv.reader(io.StringIO(text)))
    if reorder:
        records = [list(reversed(r)) for r in records]
    if plain_numbers:  # "30,000.00" -> "30000"
        records = [[c.replace(",", "").removesuffix(".00") if c[:1].isdigit() else c
                    for c in r] for r in records]
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n" if crlf else "\n",
               quoting=csv.QUOTE_MINIMAL if quoting else csv.QUOTE_ALL).writerows(records)
    return out.getvalue() + ("\n\n\n" if blank_lines else "")


RESAVED = {
    "crlf": {"crlf": True},
    "other quoting": {"quoting": True},
    "12500 for 12,500.00": {"plain_numbers": True},
    "columns reordered": {"reorder": True},
    "trailing blank lines": {"blank_lines": True},
    "all of them": {"crlf": True, "quoting": True, "plain_numbers": True, "reorder": True,
                    "blank_lines": True},
}


async def goals_and_summary(bot, chat, clock) -> tuple[str, str]:
    """What the GM reads of Alice's revenue in /goals and /summary."""
    bot.org = parse_org(TEST_ORG.read_text(encoding="utf-8") + GOALS)
    clock.set(NOW)
    await say(bot, "grace", "/goals alice")
    goals = chat.last("grace")
    await say(bot, "grace", "/summary 2026-W48")
    summary = chat.last("grace")
    alice = next(b for b in summary.split("\n\n") if b.startswith("Alice Martin · team East"))
    return goals, alice


@pytest.mark.parametrize("how", list(RESAVED))
async def test_the_same_export_saved_otherwise_under_another_name_counts_once(
        cli, bot, chat, clock, tmp_path, capsys, how):
    assert cli("import-actuals", str(SALESFORCE)) == 0
    copy = tmp_path / "pipeline (1).csv"
    copy.write_text(resave(SALESFORCE.read_text(encoding="utf-8"), **RESAVED[how]),
                    encoding="utf-8")
    assert copy.read_bytes() != SALESFORCE.read_bytes()  # its byte hash is another
    capsys.readouterr()
    assert cli("import-actuals", str(copy)) == 0
    assert capsys.readouterr().out == (
        "pipeline (1).csv: the same content as salesforce_opportunities.csv, already "
        "imported; nothing changed\n")
    assert len(stored(bot)) == 4
    goals, summary = await goals_and_summary(bot, chat, clock)
    assert "52,000 of 150,000 USD" in goals  # 30,000 + 22,000, not 104,000
    assert "Goals: Revenue 52,000 USD (" in summary


async def test_the_same_file_saved_again_is_unchanged_and_a_real_change_replaces_it(
        cli, bot, tmp_path, capsys):
    export = tmp_path / SALESFORCE.name
    shutil.copy(SALESFORCE, export)
    assert cli("import-actuals", str(export)) == 0
    text = SALESFORCE.read_text(encoding="utf-8")
    export.write_text(resave(text, **RESAVED["all of them"]), encoding="utf-8")
    capsys.readouterr()
    assert cli("import-actuals", str(export)) == 0
    assert capsys.readouterr().out == (f"{SALESFORCE.name}: already imported with this "
                                       "content; nothing changed (4 rows)\n")
    # Saved again by Excel and corrected: the Acme deal was 31,000.
    export.write_text(resave(text.replace("30,000.00", "31,000.00"), crlf=True, quoting=True),
                      encoding="utf-8")
    assert cli("import-actuals", str(export)) == 0
    assert capsys.readouterr().out == (f"{SALESFORCE.name}: corrected file: 4 rows replaced "
                                       "by 4 (salesforce format)\n")
    assert sorted(r[2] for r in stored(bot)) == [12_500, 22_000, 31_000, 38_000]


def daily(*rows: str) -> str:
    return "person,metric,date,value\n" + "".join(f"{r}\n" for r in rows)


Q4 = daily("alice,revenue,2026-11-23,30000", "alice,revenue,2026-11-26,22000",
           "sam,revenue,2026-11-24,12500", "alice,revenue,2026-10-14,40000")


async def test_a_file_overlapping_another_is_imported_and_the_overlap_named(
        cli, bot, chat, clock, tmp_path, capsys):
    (tmp_path / "q4.csv").write_text(Q4, encoding="utf-8")
    assert cli("import-actuals", str(tmp_path / "q4.csv")) == 0
    # Alice's 22,000 of the 26th again, twice (two equal deals are two deals: one of them
    # matches q4.csv's), and a new deal of Li's.
    late = tmp_path / "late deals.csv"
    late.write_text(daily("alice,revenue,2026-11-26,22000", "alice,revenue,2026-11-26,22000",
                          "li,revenue,2026-11-25,8000"), encoding="utf-8")
    capsys.readouterr()
    assert cli("import-actuals", str(late)) == 0
    assert capsys.readouterr().out == (
        "late deals.csv: imported 3 rows (teampulse-daily format); 1 row the same as rows "
        "already imported (1 of q4.csv), counted again: if they are the same deals, take "
        "them out of one of the files and import it again\n")
    goals, _ = await goals_and_summary(bot, chat, clock)
    assert "136,000 of 150,000 USD" in goals  # 30k + 22k + 40k + the two 22k imported now


async def test_a_part_of_an_export_already_imported_is_not_counted_again(
        cli, bot, chat, clock, tmp_path, capsys):
    (tmp_path / "q4.csv").write_text(Q4, encoding="utf-8")
    assert cli("import-actuals", str(tmp_path / "q4.csv")) == 0
    november = tmp_path / "november.csv"
    november.write_text(daily('sam,revenue,2026-11-24,"12,500.00"',
                              "alice,revenue,2026-11-23,30000"), encoding="utf-8")
    capsys.readouterr()
    assert cli("import-actuals", str(november)) == 0
    assert capsys.readouterr().out == (
        "november.csv: every row already imported (2 of q4.csv); nothing changed\n")
    assert len(stored(bot)) == 4
    goals, _ = await goals_and_summary(bot, chat, clock)
    assert "92,000 of 150,000 USD" in goals


async def test_an_export_holding_every_row_of_an_earlier_one_takes_its_place(
        cli, bot, chat, clock, tmp_path, capsys):
    november = tmp_path / "november.csv"
    november.write_text(daily("sam,revenue,2026-11-24,12500", "alice,revenue,2026-11-23,30000"),
                        encoding="utf-8")
    assert cli("import-actuals", str(november)) == 0
    (tmp_path / "q4.csv").write_text(Q4, encoding="utf-8")
    capsys.readouterr()
    assert cli("import-actuals", str(tmp_path / "q4.csv")) == 0
    assert capsys.readouterr().out == (
        "q4.csv: imported 4 rows (teampulse-daily format); it holds every row of "
        "november.csv (2 rows): november.csv's rows were replaced, nothing counted twice\n")
    goals, _ = await goals_and_summary(bot, chat, clock)
    assert "92,000 of 150,000 USD" in goals  # not 134,000
    # November's file imported again later is a part of q4.csv: still counted once.
    assert cli("import-actuals", str(november)) == 0
    assert "every row already imported (2 of q4.csv); nothing changed" in \
        capsys.readouterr().out
    assert len(stored(bot)) == 4


async def test_the_watched_folder_counts_a_resaved_copy_once_and_tells_the_gm_of_an_overlap(
        bot, chat, clock, tmp_path, caplog):
    inbox = watched_inbox(bot, tmp_path)
    caplog.set_level("INFO", logger="bot.crm_import")
    shutil.copy(SALESFORCE, inbox / "pipeline.csv")
    (inbox / "pipeline_resaved.csv").write_text(
        resave(SALESFORCE.read_text(encoding="utf-8"), **RESAVED["all of them"]),
        encoding="utf-8")
    settled(*inbox.iterdir())
    for _ in range(3):
        await crm_scan(bot)
    assert len(stored(bot)) == 4 and chat.to("grace") == []
    assert caplog.text.count("CRM file pipeline_resaved.csv: the same content as "
                             "pipeline.csv, already imported; nothing changed") == 1
    # A file with one of Sam's deals again and a new one of Li's: imported, the GM told
    # once which file the equal row came from.
    (inbox / "extra.csv").write_text(daily("sam,revenue,2026-11-24,12500",
                                           "li,revenue,2026-11-25,8000"), encoding="utf-8")
    settled(inbox / "extra.csv")
    await crm_scan(bot)
    await crm_scan(bot)
    assert len(stored(bot)) == 6
    assert chat.to("grace") == [
        "⚠️ The CRM file extra.csv from the watched folder is imported, but 1 of its rows "
        "is the same (person, metric, day, amount) as rows already imported from "
        "pipeline.csv (1), and counted again. If they are the same deals, take them out "
        "of one of the files and save it again."]
    assert "CRM file extra.csv: 1 row the same as rows already imported (1 of pipeline.csv)" \
        in caplog.text
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    (inbox / "extra 2.csv").write_text(daily("sam,revenue,2026-11-24,12500",
                                             "li,revenue,2026-11-27,1000"), encoding="utf-8")
    settled(inbox / "extra 2.csv")
    await crm_scan(bot)
    assert chat.last("grace") == (
        "⚠️ 监控文件夹中的 CRM 文件 extra 2.csv 已导入，但其中 1 行与已导入的 extra.csv"
        "（1 行）、pipeline.csv（1 行）中的行相同（人员、指标、日期、金额），已被重复计算。"
        "如果是同一笔交易，请从其中一个文件中删除这些行后重新保存。")
    assert watch_folder(bot) == []


async def test_the_watched_folder_counts_an_export_and_a_part_of_it_once(
        bot, chat, clock, tmp_path, caplog):
    inbox = watched_inbox(bot, tmp_path)
    caplog.set_level("INFO", logger="bot.crm_import")
    (inbox / "november.csv").write_text(daily("sam,revenue,2026-11-24,12500",
                                              "alice,revenue,2026-11-23,30000"),
                                        encoding="utf-8")
    settled(inbox / "november.csv")
    await crm_scan(bot)
    (inbox / "q4.csv").write_text(Q4, encoding="utf-8")  # November's deals and two more
    settled(inbox / "q4.csv")
    for _ in range(3):
        await crm_scan(bot)
    assert sorted(r[2] for r in stored(bot)) == [12_500, 22_000, 30_000, 40_000]
    assert "CRM file q4.csv holds every row of november.csv (2 rows): november.csv's rows " \
        "were replaced, nothing counted twice" \
        in caplog.text
    # november.csv, still in the folder, is a part of q4.csv now: said once, not imported.
    assert caplog.text.count("CRM file november.csv: every row already imported (2 of "
                             "q4.csv); nothing changed") == 1
    # The GM is told of the replace once (test below), and of nothing else.
    assert len(chat.to("grace")) == 1
    goals, _ = await goals_and_summary(bot, chat, clock)
    assert "92,000 of 150,000 USD" in goals  # not 134,000


async def test_the_gm_is_told_when_a_watched_file_replaces_earlier_ones_in_their_language(
        bot, chat, clock, tmp_path):
    # q4.csv holds every row of november.csv and october.csv: it replaced them, and only
    # the log said so. The GM saw two files gone from --list and wondered where.
    inbox = watched_inbox(bot, tmp_path)
    (inbox / "november.csv").write_text(daily("sam,revenue,2026-11-24,12500",
                                              "alice,revenue,2026-11-23,30000"),
                                        encoding="utf-8")
    (inbox / "october.csv").write_text(daily("alice,revenue,2026-10-14,40000"),
                                       encoding="utf-8")
    settled(*inbox.iterdir())
    await crm_scan(bot)
    assert len(stored(bot)) == 3 and chat.to("grace") == []
    (inbox / "q4.csv").write_text(Q4, encoding="utf-8")
    settled(inbox / "q4.csv")
    for _ in range(3):
        await crm_scan(bot)
    assert chat.to("grace") == [
        "ℹ️ The CRM file q4.csv from the watched folder is imported. It holds every row of "
        "november.csv (2 rows) and october.csv (1 row): their rows were replaced, nothing "
        "counted twice. Nothing to do."]
    assert sorted(r[2] for r in stored(bot)) == [12_500, 22_000, 30_000, 40_000]
    # A fuller Q4 export later, to a GM who reads Chinese: q4.csv's rows give way to it.
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    (inbox / "q4 final.csv").write_text(Q4 + "li,revenue,2026-11-25,8000\n", encoding="utf-8")
    settled(inbox / "q4 final.csv")
    for _ in range(3):
        await crm_scan(bot)
    assert chat.to("grace")[1:] == [
        "ℹ️ 监控文件夹中的 CRM 文件 q4 final.csv 已导入。它包含 q4.csv（4 行）的全部行："
        "q4.csv 的行已被替换，没有重复计算。无需处理。"]
    assert len(stored(bot)) == 5
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "en"
    goals, _ = await goals_and_summary(bot, chat, clock)
    assert "92,000 of 150,000 USD" in goals  # each of Alice's deals once

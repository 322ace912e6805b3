"""What the GM reads about a past period is not rewritten by later changes: a director
leaving the org file, a company value renamed in it."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tests.support import TEST_ORG, bot_on_org, run_cli, say
from tests.test_honours import DEC_1_9AM_NY
from tests.test_kudos import kudo


def org_file(tmp_path: Path, name: str, *, without: str | None = None,
             labels: dict[str, dict[str, str]] | None = None,
             drop_value: str | None = None) -> Path:
    """The test org file with one person taken out (they left), values relabelled or one
    value taken out."""
    data = yaml.safe_load(TEST_ORG.read_text(encoding="utf-8"))
    data["people"] = [p for p in data["people"] if p["key"] != without]
    for value in data["values"]:
        if labels and value["key"] in labels:
            value["label"] = labels[value["key"]]
    data["values"] = [v for v in data["values"] if v["key"] != drop_value]
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


async def bruno_leads_november(bot) -> None:
    """Bruno (a director) receives 2 kudos and gives 2, the most of anyone, in November."""
    await kudo(bot, "grace", "/kudos @bruno for the Milan renewal")
    await kudo(bot, "li", "/kudos @bruno for the joint pitch deck")
    await kudo(bot, "bruno", "/kudos @alice @sam for the Acme demo prep")


async def test_the_gm_reads_last_months_board_as_it_was_after_a_director_left(
        bot, chat, clock, tmp_path):
    await bruno_leads_november(bot)
    clock.set(DEC_1_9AM_NY)
    gone = org_file(tmp_path, "without-bruno", without="bruno")
    with bot_on_org(bot.settings, clock, gone) as (later, chat, settings):
        for asked in ("/kudos top last month", "/kudos top November"):
            await say(later, "grace", asked)
            board = chat.last("grace")
            # Bruno is still first on both sides, under his name, said to have left since;
            # the others keep their places (none moved up into his).
            assert ("Most recognised (kudos received)\n"
                    "1. Bruno Rossi (no longer in the org file) — 2\n"
                    "2=. Alice Martin — 1\n2=. Sam Lee — 1\n") in board
            assert ("Most generous (kudos given)\n"
                    "1. Bruno Rossi (no longer in the org file) — 2\n"
                    "2=. Grace Chen — 1\n2=. 李雷 — 1\n") in board
            assert board.endswith("Counted in the org's time (America/New_York), leavers "
                                  "included (/summary: your time).")
        # November's honour roll names him too (it did already: a month over is history).
        await say(later, "grace", "/honours 2026-11")
        assert "Most generous: Bruno Rossi — 2 kudos given" in chat.last("grace")
        with later.unit() as ctx:
            ctx.people.by_key("grace").locale = "zh-CN"
        await say(later, "grace", "/kudos top 上个月")
        board = chat.last("grace")
        assert "1. Bruno Rossi（已不在组织文件中） —— 2 次" in board
        assert board.endswith("按组织时区（America/New_York）统计，含已离开的人"
                              "（/summary：按你的时区）。")
        # The operator's command line reads the same board.
        code, md = run_cli(settings, "kudos", "top", "--period", "last-month")
        assert code == 0
        assert "Bruno Rossi (no longer in the org file) (Europe) — 2" in md
        code, md = run_cli(settings, "kudos", "top", "--period", "last-month",
                           "--locale", "zh-CN")
        assert "Bruno Rossi（已不在组织文件中）（Europe） —— 2 次" in md
        assert "按组织时区（America/New\\_York）统计，含已离开的人" in md
        code, out = run_cli(settings, "kudos", "top", "--period", "last-month",
                            "--format", "json")
        data = json.loads(out)
        first = data["received"][0]
        assert (first["person"], first["rank"], first["count"], first["left"]) == \
            ("bruno", 1, 2, True)
        assert [p["left"] for p in data["received"][1:]] == [False, False]
        # This month's board is today's people: he left, and December is still going.
        await kudo(later, "grace", "/kudos @li for the Shanghai visit prep")
        await say(later, "grace", "/kudos top")
        assert "Bruno" not in chat.last("grace")


async def test_a_kudos_given_under_customer_first_still_reads_so_after_the_value_is_renamed(
        bot, chat, clock, tmp_path):
    await kudo(bot, "grace", "/kudos @alice for the Acme renewal #customer-first")
    await kudo(bot, "grace", "/kudos @li for the Shanghai visit #customer-first")
    clock.set(DEC_1_9AM_NY)
    renamed = org_file(tmp_path, "renamed", labels={
        "customer-first": {"en": "Customer obsession", "zh-CN": "客户至上"}})
    with bot_on_org(bot.settings, clock, renamed) as (later, chat, settings):
        await say(later, "alice", "/kudos me")
        assert "Grace Chen: the Acme renewal (Customer first)" in chat.last("alice")
        await say(later, "li", "/kudos me")  # (a Chinese reader: the Chinese label then)
        assert "Grace Chen：the Shanghai visit（客户第一）" in chat.last("li")
        await say(later, "grace", "/honours 2026-11")
        assert "Most cited value: Customer first — 2 times" in chat.last("grace")
        code, md = run_cli(settings, "kudos", "honours", "--period", "2026-11")
        assert code == 0 and "Most cited value: Customer first — 2 times" in md
        # Kudos given under the new label read the new label.
        await kudo(later, "sam", "/kudos @alice for the renewal call #customer-first")
        await say(later, "alice", "/kudos me")
        mine = chat.last("alice")
        assert "Sam Lee: the renewal call (Customer obsession)" in mine
        assert "Grace Chen: the Acme renewal (Customer first)" in mine
    # The value taken out of the org file: its past kudos still read its label, not its key.
    dropped = org_file(tmp_path, "dropped", drop_value="customer-first")
    with bot_on_org(bot.settings, clock, dropped) as (later, chat, _):
        await say(later, "alice", "/kudos me")
        assert "Grace Chen: the Acme renewal (Customer first)" in chat.last("alice")
        await say(later, "grace", "/honours 2026-11")
        assert "Most cited value: Customer first — 2 times" in chat.last("grace")


async def test_last_months_board_by_a_value_names_it_as_its_kudos_did(
        bot, chat, clock, tmp_path):
    """November's kudos were given under "Customer first" (客户第一); in December the org
    file renames it "Customer obsession", then takes it out. November's board by that
    value is headed by the name its kudos gave it, in chat and at the command line, in
    each reader's language, still asked for by its key; December's board in progress
    names it as the org file does today."""
    await kudo(bot, "grace", "/kudos @alice for the Acme renewal #customer-first")
    await kudo(bot, "grace", "/kudos @li for the Shanghai visit #customer-first")
    clock.set(DEC_1_9AM_NY)
    renamed = org_file(tmp_path, "renamed", labels={
        "customer-first": {"en": "Customer obsession", "zh-CN": "客户至上"}})
    with bot_on_org(bot.settings, clock, renamed) as (later, chat, settings):
        await say(later, "grace", "/kudos top last month value customer-first")
        assert "(2026-11-01 – 2026-11-30), value Customer first\n" in chat.last("grace"), \
            chat.last("grace")
        await say(later, "li", "/kudos top 上个月 价值观 customer-first")
        assert "，价值观 客户第一\n" in chat.last("li"), chat.last("li")
        code, md = run_cli(settings, "kudos", "top", "--period", "last-month", "--value",
                           "customer-first")
        assert code == 0 and " · value Customer first" in md and "obsession" not in md, md
        await say(later, "grace", "/kudos top value customer-first")
        assert ", value Customer obsession\n" in chat.last("grace"), chat.last("grace")
    dropped = org_file(tmp_path, "dropped", drop_value="customer-first")
    with bot_on_org(bot.settings, clock, dropped) as (later, chat, settings):
        await say(later, "grace", "/kudos top last month value customer-first")
        board = chat.last("grace")
        assert "value Customer first\n" in board and "1=. Alice Martin — 1" in board, board
        code, md = run_cli(settings, "kudos", "top", "--period", "last-month", "--value",
                           "customer-first", "--locale", "zh-CN")
        assert code == 0 and " · 价值观 客户第一" in md, md


async def test_the_kudos_export_gives_each_values_labels_as_given(bot, chat, clock, tmp_path):
    """The operator exports November's kudos after "Customer first" was renamed, then
    taken out of the org file: beside the value keys (as before), the JSON gives each
    kudos' values' labels as given, per language, keyed by value, and the CSV a column of
    those labels in the language asked for (the GM's by default)."""
    from tests.support import csv_records

    await kudo(bot, "grace", "/kudos @alice for the Acme renewal #customer-first #ownership")
    await kudo(bot, "li", "/kudos @sam 第一单拿下了")
    clock.set(DEC_1_9AM_NY)
    dropped = org_file(tmp_path, "dropped", drop_value="customer-first", labels={
        "ownership": {"en": "Ownership now", "zh-CN": "主人翁"}})
    with bot_on_org(bot.settings, clock, dropped) as (_, _, settings):
        code, out = run_cli(settings, "kudos", "export", "--format", "json")
        assert code == 0, out
        first, second = json.loads(out)["kudos"]
        assert first["values"] == ["customer-first", "ownership"]
        assert first["value_labels"]["customer-first"] == {"en": "Customer first",
                                                           "zh-CN": "客户第一"}
        assert first["value_labels"]["ownership"] == {"en": "Ownership", "zh-CN": "主人翁精神"}
        assert second["values"] == [] and second["value_labels"] == {}
        code, raw = run_cli(settings, "kudos", "export", "--format", "csv")
        rows = csv_records(raw)
        assert list(rows[0])[-2:] == ["source", "value_labels"]  # (after the columns before)
        assert (rows[0]["values"], rows[0]["value_labels"]) == (
            "customer-first;ownership", "Customer first;Ownership")
        code, raw = run_cli(settings, "kudos", "export", "--format", "csv", "--locale", "zh-CN")
        assert csv_records(raw)[0]["value_labels"] == "客户第一;主人翁精神"


async def test_the_markdown_kudos_export_names_values_by_their_labels_as_the_csv_does(
        bot, chat, clock, tmp_path):
    """The GM reads November's kudos as Markdown after "Customer first" was taken out of the
    org file and "Ownership" renamed: each kudos' values read as given, in the export's
    language, as the CSV's value_labels and the chat do; it had shown the keys
    (customer-first, ownership)."""
    from tests.support import csv_records
    from tests.test_summary_output import markdown_blocks

    await kudo(bot, "grace", "/kudos @alice for the Acme renewal #customer-first #ownership")
    clock.set(DEC_1_9AM_NY)
    dropped = org_file(tmp_path, "dropped", drop_value="customer-first", labels={
        "ownership": {"en": "Ownership now", "zh-CN": "主人翁"}})
    with bot_on_org(bot.settings, clock, dropped) as (_, _, settings):
        for locale, said in (("en", "(Customer first, Ownership)"),
                             ("zh-CN", "（客户第一、主人翁精神）")):
            code, md = run_cli(settings, "kudos", "export", "--format", "md", "--locale", locale)
            assert code == 0, md
            item = next(text for kind, text in markdown_blocks(md) if kind == "li")
            assert item.endswith(said), item
            assert "customer-first" not in md and "ownership" not in md
            code, raw = run_cli(settings, "kudos", "export", "--locale", locale)
            labels = csv_records(raw)[0]["value_labels"].split(";")
            assert said.strip("()（）").replace("、", ", ").split(", ") == labels

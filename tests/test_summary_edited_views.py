"""A team's week and a person's history say what an edited figure was when its week ended.

Alice submits 52,000 in 2026-W49 and, the week over, changes it to 60,000 and then 58,000
(tests/test_summary_edited_was.py). The GM's view reads "58,000 ... (116%; was 52,000 when
the week ended)"; a director reading her team's week (`/summary team East`) or a history
(`/summary alice`, `/summary alice last 4w`) read the 58,000 alone, beside the status's
"edited" but with nothing of the 52,000 the week was read with.
"""

from __future__ import annotations

import csv
from io import StringIO

from tests.support import run_cli, say
from tests.test_cli_views import valid
from tests.test_summary_edited_was import edited_twice

WAS = "Revenue 58,000 / 50,000 USD (116%; was 52,000 when the week ended)"
WAS_ZH = "58,000 / 50,000 USD（116%；本周结束时为 52,000）"


async def test_her_teams_week_says_what_the_figure_was(bot, chat, clock):
    await edited_twice(bot, chat, clock)
    await say(bot, "alice", "/summary team East")
    text = chat.last("alice")
    assert f"• Alice Martin: {WAS} · New customers 3 / 4 customers (75%)\n" in text
    assert text.count("was ") == 1  # (the team's total says what it holds, not a "was")
    # The team's total adds up her new figure: it says it holds one so changed (the GM
    # comparing it with the total read on Monday would otherwise find it moved unmarked).
    [total] = [line for line in text.splitlines() if line.startswith("Team · Revenue")]
    assert "· includes a figure changed after its week ended" in total, total
    [total] = [line for line in text.splitlines() if line.startswith("Team · New customers")]
    assert "changed after" not in total, total
    await say(bot, "grace", "/summary team East 2026-W49")
    assert WAS in chat.last("grace")
    await say(bot, "grace", "/language 中文")
    await say(bot, "grace", "/summary team East 2026-W49")
    assert WAS_ZH in chat.last("grace")
    [total] = [line for line in chat.last("grace").splitlines()
               if line.startswith("团队 · 营收") or line.startswith("团队 · Revenue")]
    assert "· 含周结束后被修改的数据" in total, total


async def test_a_history_says_what_the_figure_was(bot, chat, clock):
    await edited_twice(bot, chat, clock)
    for reader, asked in (("alice", "/summary alice"), ("alice", "/summary alice last 4w"),
                          ("grace", "/summary alice last 4w")):
        await say(bot, reader, asked)
        text = chat.last(reader)
        history = text[text.index("· last 4 weeks"):]
        assert f"\n  {WAS}\n  New customers 3 / 4 customers (75%)\n" in history, asked
    await say(bot, "alice", "/language 中文")
    await say(bot, "alice", "/summary alice last 4w")
    assert WAS_ZH in chat.last("alice")


async def test_li_not_edited_reads_no_was(bot, chat, clock):
    await edited_twice(bot, chat, clock)
    await say(bot, "li", "/summary li")
    assert "本周结束时为" not in chat.last("li")


async def test_the_team_and_person_exports_give_the_figure_as_the_week_ended(
        bot, chat, clock, settings):
    await edited_twice(bot, chat, clock)
    for scope in (("--team", "East"), ("--person", "alice")):
        code, raw = run_cli(settings, "summary", "--format", "json", *scope,
                            "--week", "2026-W49")
        assert code == 0
        (w49,) = [w for w in valid("summary", raw)["weeks"] if w["week"] == "2026-W49"]
        (alice,) = w49["people"]
        assert alice["edited_from"] == {"revenue": 52000}
        assert alice["kpis"][0]["actual"] == 58000
    code, raw = run_cli(settings, "summary", "--format", "csv", "--team", "East",
                        "--week", "2026-W49")
    assert code == 0
    (row,) = csv.DictReader(StringIO(raw.lstrip("\ufeff")))
    assert (row["revenue_actual"], row["revenue_was"]) == ("58000", "52000")
    assert row["new_customers_was"] == ""
    # The new columns come last: a sheet reading the older ones by place reads on.
    # (Then left_on, added after them likewise.)
    assert raw.lstrip("\ufeff").splitlines()[0].endswith(
        "new_customers_attainment,revenue_was,new_customers_was,left_on")
    # A director's own CSV is their history, a row per week, as a team's.
    code, raw = run_cli(settings, "summary", "--format", "csv", "--person", "alice",
                        "--week", "2026-W49")
    (row,) = [r for r in csv.DictReader(StringIO(raw.lstrip("\ufeff")))
              if r["week"] == "2026-W49"]
    assert (row["revenue_actual"], row["revenue_was"]) == ("58000", "52000")

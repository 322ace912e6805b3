"""An edit after the week keeps what the week read: the GM sees the figure it was.

Alice submits 52,000 in 2026-W49. On Tuesday 8 December, the week over, she changes it to
60,000, and on Wednesday to 58,000: the GM who read 52,000 on Monday reads 58,000 on
Thursday, marked edited, and what it was when the week ended (52,000: kept at the first
change after the week, never overwritten by a later one). An edit made while the week
still ran keeps nothing (the week had not been read as over yet).
"""

from __future__ import annotations

import csv
import json
from datetime import timedelta
from io import StringIO

from tests.support import run_cli, say
from tests.test_checkin import ALICE_ANSWERS, answer_all
from tests.test_cli_views import valid
from tests.test_summary_edited import TUESDAY, alice_line, edit_revenue, submitted_in_w49


def goals_line(text: str) -> str:
    lines = text.splitlines()
    at = lines.index(alice_line(text))
    return lines[at + 1]


async def edited_twice(bot, chat, clock) -> None:
    await submitted_in_w49(bot, clock)
    clock.set(TUESDAY)
    await edit_revenue(bot, chat, "60000")
    clock.set(TUESDAY + timedelta(days=1))
    await edit_revenue(bot, chat, "58000")
    clock.set(TUESDAY + timedelta(days=2))


async def test_the_gm_reads_what_the_figure_was_when_the_week_ended(bot, chat, clock):
    await edited_twice(bot, chat, clock)
    await say(bot, "grace", "/summary 2026-W49")
    text = chat.last("grace")
    assert alice_line(text).endswith("· check-in edited 2026-12-09, after the week ended")
    assert goals_line(text).startswith(
        "Goals: Revenue 58,000 / 50,000 USD (116%; was 52,000 when the week ended) · "
        "New customers 3 / 4 customers (75%) ·")  # (not edited: nothing said)
    await say(bot, "grace", "/language 中文")
    await say(bot, "grace", "/summary 2026-W49")
    assert "58,000 / 50,000 USD（116%；本周结束时为 52,000）" in chat.last("grace")


async def test_the_json_gives_the_figures_as_the_week_ended(bot, chat, clock, settings):
    await edited_twice(bot, chat, clock)
    code, raw = run_cli(settings, "summary", "--format", "json", "--week", "2026-W49")
    assert code == 0
    directors = {d["key"]: d for d in valid("summary", raw)["directors"]}
    assert directors["alice"]["goals"]["week"][0]["actual"] == 58000
    assert directors["alice"]["edited_from"] == {"revenue": 52000}
    assert directors["li"]["edited_from"] == {}


async def test_an_edit_while_the_week_ran_keeps_nothing(bot, chat, clock):
    await submitted_in_w49(bot, clock)
    clock.advance(timedelta(days=1))  # Saturday 5 December: still W49 in New York
    await edit_revenue(bot, chat, "60000")
    clock.set(TUESDAY)
    await edit_revenue(bot, chat, "61000")
    await say(bot, "grace", "/summary 2026-W49")
    # What the week ended with was 60,000 (Saturday's), not the 52,000 first typed.
    assert "Revenue 61,000 / 50,000 USD (122%; was 60,000 when the week ended)" in \
        chat.last("grace")


async def test_her_export_holds_the_figure_kept(bot, chat, clock, settings):
    await edited_twice(bot, chat, clock)
    code, out = run_cli(settings, "export", "alice")
    assert code == 0
    (w49,) = [r for r in json.loads(out)["checkins"] if r["week"] == "2026-W49"]
    assert w49["edited_at"].startswith("2026-12-09")
    (revenue,) = [a for a in w49["answers"] if a["question"] == "kpi:revenue"]
    assert (revenue["number"], revenue["number_at_week_end"]) == (58000, 52000)
    assert revenue["changed_after_week_at"].startswith("2026-12-08")


async def test_the_csv_gives_the_figure_as_the_week_ended(bot, chat, clock, settings):
    # The GM's spreadsheet read 58,000 with no trace of the 52,000 the week ended with.
    await edited_twice(bot, chat, clock)
    code, raw = run_cli(settings, "summary", "--format", "csv", "--week", "2026-W49")
    assert code == 0
    rows = {r["director"]: r for r in csv.DictReader(StringIO(raw.lstrip("\ufeff")))
            if r["row"] == "director"}
    assert rows["alice"]["revenue_week_actual"] == "58000"
    assert rows["alice"]["revenue_week_was"] == "52000"
    assert rows["alice"]["new_customers_week_was"] == ""  # (not changed)
    assert rows["li"]["revenue_week_was"] == ""
    # The new columns come last: a sheet reading the older columns by place reads on.
    assert raw.lstrip("\ufeff").splitlines()[0].endswith(
        "revenue_week_crm,new_customers_week_crm,revenue_week_was,new_customers_week_was")


async def test_the_csv_says_when_there_was_no_figure_then(bot, chat, clock, settings):
    # New customers skipped in the week, given after it: no figure then, as the chat's "was —".
    clock.advance(timedelta(days=7))  # Friday 4 December: W49
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", [ALICE_ANSWERS[0], "skip", *ALICE_ANSWERS[2:]])
    clock.set(TUESDAY)
    await say(bot, "alice", "/edit 2")
    await say(bot, "alice", "5")
    assert "Your check-in for 2026-W49 is updated" in chat.last("alice")
    await say(bot, "grace", "/summary 2026-W49")
    assert "New customers 5 / 4 customers (125%; was — when the week ended)" in \
        chat.last("grace")
    code, raw = run_cli(settings, "summary", "--format", "csv", "--week", "2026-W49")
    assert code == 0
    rows = {r["director"]: r for r in csv.DictReader(StringIO(raw.lstrip("\ufeff")))
            if r["row"] == "director"}
    assert rows["alice"]["new_customers_week_was"] == "—"
    assert rows["alice"]["revenue_week_was"] == ""

"""`teampulse kudos honours` of the month in progress gave no dates: an operator pasting
it into a report read half a month as the month. It says it is the month so far, counted
from which day through which (today, in the org's time, the GM's by default), in Markdown
in both languages and in JSON (in-process CLI, on the test's clock: Friday 2026-11-27)."""

from __future__ import annotations

import json
from datetime import timedelta

from tests.support import run_cli, running_since
from tests.test_kudos import kudo
from tests.test_summary_output import markdown_blocks


async def test_the_month_in_progress_says_from_and_through_which_day(bot, settings, clock):
    await running_since(bot, clock, timedelta(weeks=10))  # running since September
    await kudo(bot, "grace", "/kudos @alice for closing Acme #customer-first")
    await bot.drain()
    code, md = run_cli(settings, "kudos", "honours", "--period", "2026-11")
    assert code == 0
    blocks = markdown_blocks(md)
    assert blocks[0] == ("h1", "Honour roll — November 2026 (so far) — Test Sales")
    assert blocks[1] == ("p", "The month so far: counted from 2026-11-01 through 2026-11-27 "
                              "(today, America/New_York).")
    code, md = run_cli(settings, "kudos", "honours", "--period", "2026-11", "--locale",
                       "zh-CN")
    assert markdown_blocks(md)[1] == (
        "p", "本月截至目前：自 2026-11-01 起，计至 2026-11-27（今天，America/New_York）。")
    code, raw = run_cli(settings, "kudos", "honours", "--period", "2026-11", "--format",
                        "json")  # (run_cli holds it to docs/schema/kudos-honours.schema.json)
    data = json.loads(raw)
    assert (data["in_progress"], data["counted_from"], data["counted_to"]) == (
        True, "2026-11-01", "2026-11-27")
    # A month that is over counts it all, and says nothing of "so far".
    code, md = run_cli(settings, "kudos", "honours", "--period", "2026-10")
    assert "so far" not in md and "through" not in md
    data = json.loads(run_cli(settings, "kudos", "honours", "--period", "2026-10",
                              "--format", "json")[1])
    assert (data["in_progress"], data["counted_from"], data["counted_to"]) == (
        False, "2026-10-01", "2026-10-31")


async def test_a_month_the_bot_first_ran_in_counts_from_that_day(bot, settings, clock):
    """The bot first ran on 2026-11-18: November's roll (so far) counts from then, and says
    so, as the chat's /honours does; a month before it counted nothing (null)."""
    await running_since(bot, clock, timedelta(days=9))
    code, md = run_cli(settings, "kudos", "honours", "--period", "2026-11")
    assert markdown_blocks(md)[1] == (
        "p", "The month so far: counted from 2026-11-18, when the bot first ran (nothing "
             "before it was recorded), through 2026-11-27 (today, America/New_York).")
    assert "No kudos were given in November 2026 yet." in md
    code, md = run_cli(settings, "kudos", "honours", "--period", "2026", "--locale", "zh-CN")
    assert code == 0
    assert markdown_blocks(md)[1] == (
        "p", "本年截至目前：自 2026-11-18（机器人首次运行，此前没有记录）起，计至 2026-11-27"
             "（今天，America/New_York）。")
    data = json.loads(run_cli(settings, "kudos", "honours", "--period", "2026-10",
                              "--format", "json")[1])
    assert (data["before_first_run"], data["counted_from"], data["counted_to"]) == (
        "2026-11-18", None, None)
    # Once November is over, its roll still says from when it counted, through its end.
    clock.set(clock.now() + timedelta(days=5))
    code, md = run_cli(settings, "kudos", "honours", "--period", "2026-11")
    assert markdown_blocks(md)[:2] == [
        ("h1", "Honour roll — November 2026 — Test Sales"),
        ("p", "Counted from 2026-11-18, when the bot first ran (nothing before it was "
              "recorded), through 2026-11-30.")]
    code, md = run_cli(settings, "kudos", "honours", "--period", "2026-11", "--locale",
                       "zh-CN")
    assert markdown_blocks(md)[1] == (
        "p", "自 2026-11-18（机器人首次运行，此前没有记录）起，计至 2026-11-30。")

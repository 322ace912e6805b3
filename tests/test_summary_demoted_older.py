"""The org's month and quarter to date read the same in chat and in the CLI's export when
someone who reported as a director in an older week of the quarter (before the weeks the
view looks at, added up by the database) has been made a member since, or was a member
then and is a director now.

A round counts for the GM only if it was made for a director: a promotion or a demotion
since never rewrites a week. Alice's December revenue as a director stays in the org's
month and quarter after she is made a member, in `/summary` (a chat page), over several
weeks, in `teampulse summary` (every director's block) and its JSON; and a figure she
changed after its week ended is said to be in them in chat as in the export (chat said
nothing: her older week was added up for the whole org, but only directors and those
listed for the weeks looked at were asked about changed figures). Sam's week as a member
counts nowhere after he is made a director.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.support import run_cli, say
from tests.test_checkin import answer_all
from tests.test_summary_edited_periods import MONDAY_W45
from tests.test_summary_quarter_walk import edited_org, person, reload

#: Alice's check-in with no support request (an open one would list her as owed).
ALICE_PLAIN = ["52000", "3", "Closed Acme", "none", "1", "Visit 5", "4"]
CHANGED = "includes a figure changed after its week ended"


def to_date(text: str) -> list[str]:
    """The headline's month and quarter to date lines (chat or Markdown)."""
    return [line.removeprefix("- ") for line in text.splitlines()
            if line.removeprefix("- ").startswith(("Month to date", "Quarter to date"))]


def head(raw: str, period: str) -> list[tuple[Any, ...]]:
    """The CLI JSON's headline figures of `period` as (metric, actual, target, reported,
    expected, includes_edited)."""
    return [(f["metric"], f["actual"], f["target"], f["reported"], f["expected"],
             f["includes_edited"]) for f in json.loads(raw)["headline"][period]]


def leaves_directing(data: dict[str, Any], how: str) -> None:
    """Alice made a member (her KPIs gone), or taken out of the org file: Sam, her report,
    now reports to Grace."""
    if how == "member":
        person(data, "alice").update({"role": "member", "kpis": []})
    else:
        data["people"] = [p for p in data["people"] if p["key"] != "alice"]
    person(data, "sam")["manager"] = "grace"


async def chat_and_cli(bot, chat, settings, org: Path, week: str, weeks: int
                       ) -> tuple[list[str], list[str], str]:
    """The GM's month and quarter to date lines in chat and in the CLI's Markdown, and the
    CLI's JSON, for `weeks` weeks ending with `week`."""
    await say(bot, "grace", f"/summary {week}" + (f" last {weeks}w" if weeks > 1 else ""))
    in_chat = to_date(chat.last("grace"))
    cli = [*("--week", week), *(("--weeks", str(weeks)) if weeks > 1 else ())]
    later = replace(settings, org_file=org)
    code, markdown = run_cli(later, "summary", *cli)
    assert code == 0
    code, raw = run_cli(later, "summary", "--format", "json", *cli)
    assert code == 0
    return in_chat, to_date(markdown), raw


@pytest.mark.parametrize("how", ["member", "removed"])
async def test_a_director_made_a_member_keeps_her_older_december_week_in_month_and_quarter(
        bot, chat, clock, settings, tmp_path, monkeypatch, how):
    """Alice reports 52,000 as a director in 2026-W49 and is made a member (or taken out
    of the org file) in W51; Bruno and 李雷 are asked W50 to W53 and report nothing. In
    W53 her W49 is four weeks before those looked at: the org's December and Q4 hold her
    52,000 against her 50,000 and their 400,000, in chat and in the export alike."""
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    friday = clock.now()
    clock.set(friday + timedelta(weeks=1))  # Friday 4 December: 2026-W49
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ALICE_PLAIN)
    org = edited_org(tmp_path, "later.yaml", lambda data: leaves_directing(data, how))
    clock.set(friday + timedelta(weeks=3, days=-2))  # Wednesday of W51
    reload(bot, org)
    for k in range(2, 6):  # W50 to W53 (Friday 1 January 2027)
        clock.set(friday + timedelta(weeks=k))
        await bot.run_checkins()
    expected = ["Month to date (2026-12): Revenue 52,000 / 450,000 USD (12%) · "
                "New customers 3 / 4 customers (75%)",
                "Quarter to date (2026-Q4): Revenue 52,000 / 450,000 USD (12%) · "
                "New customers 3 / 4 customers (75%)"]
    figures = [("revenue", 52000, 450000, 1, 9, False), ("new_customers", 3, 4, 1, 1, False)]
    for weeks in (1, 2, 4):  # (four: W49 is still older than the weeks looked at)
        in_chat, markdown, raw = await chat_and_cli(bot, chat, settings, org, "2026-W53", weeks)
        assert in_chat == expected and markdown == expected
        assert head(raw, "month_to_date") == figures
        assert head(raw, "quarter_to_date") == figures


@pytest.mark.parametrize("how", ["member", "removed"])
async def test_an_older_week_changed_after_it_ended_is_said_so_in_chat_as_in_the_export(
        bot, chat, clock, settings, tmp_path, monkeypatch, how):
    """Alice's W44 revenue was changed on Monday of W45 (52,000 -> 45,000); she was made a
    member (or taken out of the org file) in W47. The GM's /summary of W49 (W44 older than
    the weeks looked at) read 'Quarter to date (2026-Q4): Revenue 45,000 / 150,000 USD
    (30%)' unmarked, while `teampulse summary` of the same week said it includes a figure
    changed after its week ended (JSON includes_edited true): chat now says so too."""
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    friday = clock.now()
    clock.set(friday - timedelta(weeks=4))  # Friday 30 October: 2026-W44
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ALICE_PLAIN)
    clock.set(MONDAY_W45)
    await say(bot, "alice", "/edit 1")
    await say(bot, "alice", "45000")
    assert "Your check-in for 2026-W44 is updated" in chat.last("alice")
    org = edited_org(tmp_path, "later.yaml", lambda data: leaves_directing(data, how))
    clock.set(friday - timedelta(weeks=2))
    reload(bot, org)
    clock.set(friday + timedelta(weeks=1))  # W49: Bruno and 李雷 asked, nothing reported
    await bot.run_checkins()
    for weeks in (1, 2):
        in_chat, markdown, raw = await chat_and_cli(bot, chat, settings, org, "2026-W49", weeks)
        assert in_chat == markdown == [
            "Month to date (2026-12): Revenue — / 100,000 USD (—)",
            f"Quarter to date (2026-Q4): Revenue 45,000 / 150,000 USD (30%; {CHANGED}) · "
            "New customers 3 / 4 customers (75%)"]
        assert head(raw, "quarter_to_date") == [("revenue", 45000, 150000, 1, 3, True),
                                                ("new_customers", 3, 4, 1, 1, False)]
    await say(bot, "grace", "/language 中文")
    await say(bot, "grace", "/summary 2026-W49")
    assert "本季度累计（2026-Q4）：营收 45,000 / 150,000 USD（30%；含周结束后被修改的数据）" \
        in chat.last("grace")


async def test_a_member_made_a_director_adds_none_of_his_older_member_weeks(
        bot, chat, clock, settings, tmp_path, monkeypatch):
    """Sam checks in as a member in 2026-W44 (the CRM books 25,000 for him that week, his
    answer changed after the week) and is made a director with a revenue KPI in W47: the
    org's quarter in W49 holds none of his member week, in chat and in the export."""
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    asked = edited_org(tmp_path, "asked.yaml",
                       lambda data: person(data, "sam").update({"checks_in": True}))
    reload(bot, asked)
    friday = clock.now()
    clock.set(friday - timedelta(weeks=4))  # W44
    await bot.run_checkins(["sam", "alice"])
    await answer_all(bot, "sam", ["Demo booked", "none", "1", "Calls", "4"])
    await answer_all(bot, "alice", ALICE_PLAIN)
    export = tmp_path / "crm.csv"
    export.write_text("person,metric,week,value\nsam,revenue,2026-W44,25000\n",
                      encoding="utf-8")
    assert run_cli(settings, "import-actuals", str(export))[0] == 0

    def promote(data: dict[str, Any]) -> None:
        person(data, "sam").update({"role": "director", "manager": "grace", "checks_in": True,
                                    "kpis": [{"metric": "revenue", "unit": "USD",
                                              "weekly_target": 30000}]})
    org = edited_org(tmp_path, "promoted.yaml", promote)
    clock.set(friday - timedelta(weeks=1, days=2))
    reload(bot, org)
    clock.set(friday + timedelta(weeks=1))  # W49: everyone asked, nothing reported
    await bot.run_checkins()
    for weeks in (1, 2):
        in_chat, markdown, raw = await chat_and_cli(bot, chat, settings, org, "2026-W49", weeks)
        assert in_chat == markdown == [
            "Month to date (2026-12): Revenue — / 180,000 USD (—) · "
            "New customers — / 4 customers (—)",
            "Quarter to date (2026-Q4): Revenue 52,000 / 230,000 USD (23%) · "
            "New customers 3 / 8 customers (38%)"]
        assert head(raw, "quarter_to_date") == [("revenue", 52000, 230000, 1, 5, False),
                                                ("new_customers", 3, 8, 1, 2, False)]

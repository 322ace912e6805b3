"""A past week's members' one-on-ones are never rewritten by a later change of the org
file: Sam (a member) meets Alice, then the org file makes him Bruno's report, and the GM's
older weeks still count Sam's one-on-ones with Alice (README, summary section, question 2)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.config import Settings
from bot.org import parse_org
from tests.oneonone_support import ONEONONES, sweep_at, write_org
from tests.support import TEST_ORG, run_cli, say

SAM_UNDER_ALICE = "    manager: alice\n    team: East\n    timezone: America/Chicago"
SAM_UNDER_BRUNO = SAM_UNDER_ALICE.replace("alice", "bruno")
NOW = datetime(2027, 1, 4, 15, 0, tzinfo=UTC)  # Mon 2027-01-04 10:00 New York


@pytest.fixture
def settings(database_url, tmp_path):
    """The test org with one-on-one rules: Sam (member, Chicago) meets his manager every
    two weeks on Wednesday at 14:00 in the manager's timezone."""
    return Settings(database_url=database_url, org_file=write_org(tmp_path))


def _moved_org(settings: Settings, checks_in: bool = False) -> Settings:
    """The org file edited so that Sam reports to Bruno (still of team East), saved."""
    text = TEST_ORG.read_text(encoding="utf-8").replace(SAM_UNDER_ALICE, SAM_UNDER_BRUNO)
    if checks_in:
        text = text.replace(SAM_UNDER_BRUNO, SAM_UNDER_BRUNO + "\n    checks_in: true")
    path = settings.org_file.with_name("moved.yaml")
    path.write_text(text + ONEONONES, encoding="utf-8")
    return replace(settings, org_file=path)


def _reload(bot, settings: Settings) -> None:
    org = parse_org(settings.org_file.read_text(encoding="utf-8"))
    bot.sync_org_to(org)
    bot.apply_org(org)


def _block(text: str, name: str) -> str:
    return text.split(name, 1)[1].split("\n\n", 1)[0]


async def _alice_meets_sam(bot, clock) -> None:
    """Held on Wed 2026-12-09 (2026-W50); not held on Wed 2026-12-23 (2026-W52)."""
    await sweep_at(bot, clock, datetime(2026, 12, 9, 19, 31, tzinfo=UTC))
    await say(bot, "alice", "yes")
    await say(bot, "alice", "done")
    await say(bot, "alice", "done")
    await say(bot, "alice", "skip")
    await sweep_at(bot, clock, datetime(2026, 12, 23, 19, 31, tzinfo=UTC))
    await say(bot, "alice", "no")


async def test_a_move_never_rewrites_a_past_weeks_members_one_on_ones(
        bot, chat, clock, settings, monkeypatch):
    """The GM's 2026-W50 read after Sam moved to Bruno: Alice's block still reads Sam's
    one-on-one held that week and Bruno's none (it read Alice's without any and 'Bruno:
    members' one-on-ones: 0 held': the pairs came from today's org file), in chat, in the
    CLI's JSON and in the team view; the current week has Sam with Bruno."""
    await _alice_meets_sam(bot, clock)
    moved = _moved_org(settings)
    clock.set(datetime(2026, 12, 28, 15, 0, tzinfo=UTC))
    _reload(bot, moved)
    clock.set(NOW)
    await say(bot, "grace", "/summary 2026-W50")
    text = chat.last("grace")
    assert "members' one-on-ones: 1 held" in _block(text, "Alice Martin · team East"), text
    assert "members' one-on-ones" not in _block(text, "Bruno Rossi · team Europe"), text
    await say(bot, "grace", "/summary 2026-W52")  # the one on the 23rd not held: overdue
    text = chat.last("grace")
    assert "members' one-on-ones: 0 held, 1 overdue" in \
        _block(text, "Alice Martin · team East"), text
    assert "members' one-on-ones" not in _block(text, "Bruno Rossi · team Europe"), text
    await say(bot, "grace", "/summary")  # today: Sam is Bruno's
    text = chat.last("grace")
    assert "members' one-on-ones: 0 held" in _block(text, "Bruno Rossi · team Europe"), text
    assert "members' one-on-ones" not in _block(text, "Alice Martin · team East"), text

    # The team view of that week: Alice's 1:1s with her team then, none of Bruno's.
    await say(bot, "grace", "/summary team East 2026-W50")
    east = chat.last("grace").split("One-on-ones", 1)[1]
    assert "their 1:1 with Sam Lee: last held Wed 2026-12-09" in east, east
    await say(bot, "grace", "/summary team Europe 2026-W50")
    europe = chat.last("grace").split("One-on-ones", 1)[-1]
    assert "Sam Lee" not in europe, europe
    await say(bot, "grace", "/summary team Europe")  # today's: Bruno's with Sam
    assert "their 1:1 with Sam Lee: last held never" in chat.last("grace")

    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    code, raw = run_cli(moved, "summary", "--week", "2026-W50", "--format", "json")
    assert code == 0
    directors = {d["key"]: d for d in json.loads(raw)["directors"]}
    assert directors["alice"]["team_management"]["oneonones"] == \
        {"pairs": 1, "held": 1, "overdue": 0}
    assert directors["bruno"]["team_management"]["oneonones"] == \
        {"pairs": 0, "held": 0, "overdue": 0}
    code, raw = run_cli(moved, "summary", "--format", "json")
    directors = {d["key"]: d for d in json.loads(raw)["directors"]}
    assert directors["bruno"]["team_management"]["oneonones"]["pairs"] == 1
    assert directors["alice"]["team_management"]["oneonones"]["pairs"] == 0


async def test_a_move_keeps_a_past_weeks_members_check_ins_with_the_old_team(
        bot, chat, clock, settings):
    """Sam checks in (members of East do) under Alice in 2026-W50, then moves to Bruno and
    team Europe: the GM's 2026-W50 still counts him among Alice's members, by the team his
    round of that week was made for, and Bruno's block has none (a guard: this held)."""
    text = settings.org_file.read_text(encoding="utf-8").replace(
        SAM_UNDER_ALICE, SAM_UNDER_ALICE + "\n    checks_in: true")
    settings.org_file.write_text(text, encoding="utf-8")
    _reload(bot, settings)
    clock.set(datetime(2026, 12, 11, 22, 30, tzinfo=UTC))  # Fri 16:30 in Chicago
    await bot.run_checkins(["sam"])
    await _alice_meets_sam(bot, clock)
    moved = text.replace(SAM_UNDER_ALICE, SAM_UNDER_BRUNO.replace("East", "Europe"))
    assert moved != text
    settings.org_file.write_text(moved, encoding="utf-8")
    _reload(bot, settings)
    clock.set(NOW)
    await say(bot, "grace", "/summary alice 2026-W50")
    alice = _block(chat.last("grace"), "Alice Martin · team East")
    assert "Team: 0 of 1 member checked in (not: Sam Lee)" in alice, alice
    assert "members' one-on-ones: 1 held" in alice, alice
    await say(bot, "grace", "/summary 2026-W50")
    bruno = _block(chat.last("grace"), "Bruno Rossi · team Europe")
    assert "no members check in" in bruno and "members' one-on-ones" not in bruno, bruno


async def _alice_meets_grace_and_checks_in_w50(bot: Any, clock: Any) -> None:
    """2026-W50: Alice, a director, meets Grace, her manager, on Monday (held, Grace says)
    and checks in on Friday at 16:00 in New York."""
    await sweep_at(bot, clock, datetime(2026, 12, 7, 15, 31, tzinfo=UTC))  # Mon Grace–Alice
    await say(bot, "grace", "yes")
    clock.set(datetime(2026, 12, 11, 21, 0, tzinfo=UTC))  # Friday 16:00 in New York
    await bot.run_checkins(timezone="America/New_York")
    for text in ("50000", "3", "Won a deal", "none", "1", "Call back", "4"):
        await say(bot, "alice", text)


async def test_a_director_made_gm_since_keeps_her_old_weeks_one_on_ones(
        bot, chat, clock, settings, monkeypatch):
    """Alice checked in as a director in 2026-W50 and met Grace, her manager, that Monday;
    since then Grace left and Alice is the GM. Her W50 in the GM's view still reads her
    one-on-one with Grace (named: no longer the reader's), and her own history of that
    week (`/summary alice 2026-W50`, chat and CLI) still has her full picture above it: it
    was dropped because she is no director today."""
    await _alice_meets_grace_and_checks_in_w50(bot, clock)
    text = TEST_ORG.read_text(encoding="utf-8")
    text = text.replace("  - key: grace\n    name: Grace Chen\n    role: gm\n",
                        "  - key: grace\n    name: Grace Chen\n    role: member\n"
                        "    manager: alice\n")
    text = text.replace("    name: Alice Martin\n    role: director\n    manager: grace\n",
                        "    name: Alice Martin\n    role: gm\n")
    path = settings.org_file.with_name("promoted.yaml")
    path.write_text(text.replace("manager: grace", "manager: alice") + ONEONONES,
                    encoding="utf-8")
    promoted = replace(settings, org_file=path)
    clock.set(datetime(2026, 12, 28, 15, 0, tzinfo=UTC))
    _reload(bot, promoted)
    clock.set(NOW)
    await say(bot, "alice", "/summary 2026-W50")
    assert "One-on-one with Grace Chen: last 2026-12-07" in \
        _block(chat.last("alice"), "Alice Martin · team East")
    await say(bot, "alice", "/summary alice 2026-W50 last 1w")
    text = chat.last("alice")
    assert text.startswith("Full picture — Alice Martin"), text
    assert "One-on-one with Grace Chen: last 2026-12-07" in text
    assert "2026-W50 (2026-12-07 – 2026-12-13): checked in" in text
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    code, raw = run_cli(promoted, "summary", "--person", "alice", "--week", "2026-W50",
                        "--weeks", "1", "--format", "json")
    assert code == 0
    assert json.loads(raw)["director"]["directors"][0]["oneonone"]["with"] == "grace"


async def test_a_director_made_a_member_since_keeps_his_old_weeks_one_on_ones(
        bot, chat, clock, settings):
    """The README's `/summary <person>` promise, for a director made a member: Alice
    checked in as a director in 2026-W50 and met Grace, her manager, that Monday; since
    then she is a member of Bruno's. Grace's view of W50 still lists her as a director
    there, her one-on-one of then with Grace ("with you") included, and `/summary alice
    2026-W50` has her full picture."""
    await _alice_meets_grace_and_checks_in_w50(bot, clock)
    text = TEST_ORG.read_text(encoding="utf-8")
    text = text.replace("    name: Alice Martin\n    role: director\n    manager: grace\n",
                        "    name: Alice Martin\n    role: member\n    manager: bruno\n")
    text = text.replace("    name: Sam Lee\n    role: member\n    manager: alice\n",
                        "    name: Sam Lee\n    role: member\n    manager: bruno\n")
    path = settings.org_file.with_name("demoted.yaml")
    path.write_text(text + ONEONONES, encoding="utf-8")
    clock.set(datetime(2026, 12, 28, 15, 0, tzinfo=UTC))
    _reload(bot, replace(settings, org_file=path))
    clock.set(NOW)
    await say(bot, "grace", "/summary 2026-W50")
    assert "One-on-one with you: last 2026-12-07" in \
        _block(chat.last("grace"), "Alice Martin · team East"), chat.last("grace")
    await say(bot, "grace", "/summary alice 2026-W50 last 1w")
    text = chat.last("grace")
    assert text.startswith("Full picture — Alice Martin"), text
    assert "One-on-one with you: last 2026-12-07" in text, text
    assert "2026-W50 (2026-12-07 – 2026-12-13): checked in" in text


async def test_a_member_removed_since_still_counts_in_a_past_weeks_one_on_ones(
        bot, chat, clock, settings):
    """A guard (it held before): Sam, removed from the org file after 2026-W52, whose
    one-on-one with Alice that week was not held, still counts in Alice's W52 ("1
    overdue") and W50 ("1 held"), and in East's one-on-ones of W52."""
    await _alice_meets_sam(bot, clock)
    text = TEST_ORG.read_text(encoding="utf-8")
    head, tail = text.split("  - key: sam\n", 1)
    path = settings.org_file.with_name("without-sam.yaml")
    path.write_text(head + "# Company values" + tail.split("# Company values", 1)[1]
                    + ONEONONES, encoding="utf-8")
    clock.set(datetime(2026, 12, 28, 15, 0, tzinfo=UTC))
    _reload(bot, replace(settings, org_file=path))
    clock.set(NOW)
    await say(bot, "grace", "/summary 2026-W52")
    assert "members' one-on-ones: 0 held, 1 overdue" in \
        _block(chat.last("grace"), "Alice Martin · team East")
    await say(bot, "grace", "/summary 2026-W50")
    assert "members' one-on-ones: 1 held" in \
        _block(chat.last("grace"), "Alice Martin · team East")
    await say(bot, "grace", "/summary team East 2026-W52")
    assert "their 1:1 with Sam Lee: last held Wed 2026-12-09" in chat.last("grace")

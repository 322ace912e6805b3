"""A one-on-one that ended and began again (the director given another manager and then
Grace again, or taken out of the org file and put back): in January the GM's summary,
the team's and `teampulse oneonones` called Alice's 1:1 with Grace "overdue: Mon
2026-11-30 10:00 did not happen", a slot from before the gap that nobody could make up,
first in what needs the GM's attention. A past week still reads as it stood then."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.config import Settings
from bot.org import parse_org
from tests.oneonone_support import MONDAY_SLOT, ONEONONES, sweep_at, write_org
from tests.support import TEST_ORG, run_cli, say

# Grace's Monday 10:00 1:1 with Alice on 30 November did not happen (Grace said "no").
BACK = datetime(2027, 1, 12, 15, 0, tzinfo=UTC)  # Tue 2027-01-12 10:00 in New York
LATER = datetime(2027, 1, 13, 15, 0, tzinfo=UTC)


@pytest.fixture
def settings(database_url, tmp_path):
    """The test org with one-on-one rules (Grace meets Alice weekly, Mondays 10:00)."""
    return Settings(database_url=database_url, org_file=write_org(tmp_path))


def org_text(alice_manager: str | None) -> str:
    """The test org with Alice reporting to `alice_manager`, or without her (None; Sam
    then reports to Grace)."""
    text = TEST_ORG.read_text(encoding="utf-8")
    if alice_manager is None:
        text = text[:text.index("  - key: alice")] + text[text.index("  - key: bruno"):]
        text = text.replace("    manager: alice\n", "    manager: grace\n")
    else:
        text = text.replace("    manager: grace\n    team: East",
                            f"    manager: {alice_manager}\n    team: East", 1)
    return text + ONEONONES


def edit_org(bot, text: str) -> None:
    """The org file edited and reloaded while the bot runs."""
    org = parse_org(text)
    bot.sync_org_to(org)
    bot.apply_org(org)


async def missed_on_november_30(bot, clock) -> None:
    await sweep_at(bot, clock, MONDAY_SLOT + timedelta(minutes=31))
    await say(bot, "grace", "no")  # Alice's (asked first)
    await say(bot, "grace", "yes")  # Bruno's: held
    await say(bot, "grace", "done")
    await say(bot, "grace", "done")


async def alices_line(bot, chat) -> tuple[str, str]:
    """What needs the GM's attention, and Alice's one-on-one line, in /summary now."""
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    attention = text.split("Needs your attention", 1)[1].split("\n\n", 1)[0] \
        if "Needs your attention" in text else ""
    line = next(t for t in text.split("Alice Martin · team East", 1)[1].splitlines()
                if t.startswith("One-on-one with you"))
    return attention, line


def cli_overdue(bot) -> bool:
    code, out = run_cli(bot.settings, "oneonones", "--format", "json")
    assert code == 0
    (alice,) = [d for d in json.loads(out)["directors"] if d["key"] == "alice"]
    return alice["own"]["overdue"]


async def test_a_director_back_under_her_manager_reads_no_overdue_slot_from_before(
        bot, chat, clock):
    await missed_on_november_30(bot, clock)
    clock.set(MONDAY_SLOT + timedelta(days=2))
    _, line = await alices_line(bot, chat)
    assert "overdue: Mon 2026-11-30 10:00 (America/New_York) did not happen" in line
    # December: Alice reports to Bruno, checks in under him (from the week after the
    # missed slot's); in January to Grace again.
    clock.set(datetime(2026, 12, 7, 15, 0, tzinfo=UTC))
    edit_org(bot, org_text("bruno"))
    clock.set(datetime(2026, 12, 11, 21, 0, tzinfo=UTC))  # Fri 16:00 in New York
    await bot.run_checkins(["alice"])
    clock.set(BACK)
    edit_org(bot, org_text("grace"))
    clock.set(LATER)
    attention, line = await alices_line(bot, chat)
    assert "Alice Martin: one-on-one" not in attention
    assert line == "One-on-one with you: last never · next 2027-01-18"
    assert not cli_overdue(bot)
    code, out = run_cli(bot.settings, "oneonones", "--locale", "zh-CN")
    alice = out.split("**Alice Martin**", 1)[1].split("**Bruno Rossi**", 1)[0]
    assert code == 0 and "与 Grace Chen：上次 从未进行 · 下次 2027-01-18" in alice
    assert "已逾期" not in alice
    await say(bot, "grace", "/summary team East")
    assert "overdue" not in chat.last("grace").split("One-on-ones", 1)[1]
    # The week of the missed slot still reads as it stood then.
    await say(bot, "grace", "/summary 2026-W49")
    assert "One-on-one with you: last never · next 2026-12-07 · overdue: Mon 2026-11-30 " \
        "10:00 (America/New_York) did not happen" in chat.last("grace")


async def test_a_director_put_back_in_the_org_file_reads_no_overdue_slot_from_before(
        bot, chat, clock):
    await missed_on_november_30(bot, clock)
    clock.set(datetime(2026, 12, 2, 15, 0, tzinfo=UTC))
    edit_org(bot, org_text(None))
    clock.set(BACK)
    edit_org(bot, org_text("grace"))
    clock.set(LATER)
    assert not cli_overdue(bot)
    # Her first week back, once its check-in is out, as the GM and the team read it.
    clock.set(datetime(2027, 1, 15, 21, 0, tzinfo=UTC))
    await bot.run_checkins()
    await say(bot, "grace", "/summary team East")
    assert "overdue" not in chat.last("grace").split("One-on-ones", 1)[1]
    attention, line = await alices_line(bot, chat)
    assert "Alice Martin: one-on-one" not in attention
    assert line == "One-on-one with you: last never · next 2027-01-18"


async def test_a_pair_that_never_ended_stays_overdue(bot, chat, clock):
    """The other side: Alice checks in under Grace all along, and the missed slot is
    still overdue in January (nothing since says otherwise)."""
    await missed_on_november_30(bot, clock)
    clock.set(datetime(2026, 12, 4, 21, 0, tzinfo=UTC))
    await bot.run_checkins(["alice"])
    clock.set(LATER)
    assert cli_overdue(bot)
    _, line = await alices_line(bot, chat)
    assert "overdue: Mon 2026-11-30 10:00 (America/New_York) did not happen" in line

"""`/1on1 move` onto a time either side is away (`/away` planned ahead), tried as users on
the console chat.

Before, the move was confirmed as any other and the other side's notice said nothing: a
meeting that could not happen was planned on (the one away is not reminded of it, and
a slot someone was away at is not asked about), the other side finding out from the
day-before reminder at best. `/1on1` said who was away then; the move, made a minute
after, did not. The move is still made (as onto another 1:1 of either side), and both
sides are told who is away then and until when, in their language.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.config import Settings
from tests.oneonone_support import write_org
from tests.support import say

# Friday 2026-11-27 10:00 in New York: Grace plans her week.
FRIDAY = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)


@pytest.fixture
def settings(database_url, tmp_path):
    """The test org with one-on-one rules (Grace meets Alice on Mondays, 李雷 monthly)."""
    return Settings(database_url=database_url, org_file=write_org(tmp_path))


async def test_a_move_onto_the_reports_time_away_says_so_to_both(bot, chat, clock):
    clock.set(FRIDAY)
    await say(bot, "alice", "/away 2026-12-02 2026-12-04")
    chat.clear()
    await say(bot, "grace", "/1on1 move @alice 2026-12-03 11:00")
    grace = chat.last("grace")
    assert grace.startswith("Moved: your next 1:1 with Alice Martin is Thu 2026-12-03 11:00"), grace
    assert "Alice Martin is away then (until 2026-12-04). As it stands it cannot take " \
        "place: /1on1 move @alice … to another time, or /1on1 skip @alice." in grace, grace
    alice = chat.last("alice")
    assert alice.startswith("Grace Chen moved your next 1:1 to Thu 2026-12-03 11:00"), alice
    assert "You're away then (until 2026-12-04)" in alice, alice
    # The move stands: /1on1 names the new time, with who is away then.
    await say(bot, "grace", "/1on1 alice")
    assert "2026-12-03 11:00" in chat.last("grace")


async def test_a_move_onto_the_movers_own_time_away_says_so(bot, chat, clock):
    clock.set(FRIDAY)
    await say(bot, "grace", "/away 2026-12-07 2026-12-11")
    chat.clear()
    await say(bot, "grace", "/1on1 move @alice 2026-12-08 10:00")
    grace = chat.last("grace")
    assert "You're away then (until 2026-12-11)" in grace, grace
    alice = chat.last("alice")
    assert "Grace Chen is away then (until 2026-12-11)" in alice, alice


async def test_a_move_onto_time_away_is_said_in_chinese(bot, chat, clock):
    # 李雷 (Shanghai, Chinese) moves his monthly 1:1 with Grace onto her time away.
    clock.set(FRIDAY)
    await say(bot, "grace", "/away 2026-12-07 2026-12-11")
    chat.clear()
    await say(bot, "li", "/1on1 move 2026-12-09 09:00")
    li = chat.last("li")
    assert li.startswith("已调整"), li
    assert "Grace Chen届时不在（休假至 2026-12-11）" in li, li
    grace = chat.last("grace")
    assert "You're away then (until 2026-12-11)" in grace, grace


async def test_a_move_clear_of_time_away_says_nothing_of_it(bot, chat, clock):
    clock.set(FRIDAY)
    await say(bot, "alice", "/away 2026-12-02 2026-12-04")
    chat.clear()
    await say(bot, "grace", "/1on1 move @alice 2026-12-07 11:00")
    assert "away" not in chat.last("grace") and "away" not in chat.last("alice")


async def test_time_away_is_read_on_the_calendar_of_whoever_is_away(bot, chat, clock):
    # Grace is away until Thursday 3 December in New York. Bruno, in Rome, moves their
    # 1:1 to Friday 05:00 his time: Thursday 23:00 for Grace, still away; an hour later
    # than that (Friday 00:00 in New York) she is back.
    clock.set(FRIDAY)
    await say(bot, "grace", "/away 2026-12-01 2026-12-03")
    chat.clear()
    await say(bot, "bruno", "/1on1 move 2026-12-04 05:00")
    assert "Grace Chen is away then (until 2026-12-03)" in chat.last("bruno"), \
        chat.last("bruno")
    await say(bot, "bruno", "/1on1 move 2026-12-04 06:00")
    assert "away" not in chat.last("bruno"), chat.last("bruno")

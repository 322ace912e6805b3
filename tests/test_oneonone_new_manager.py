"""One-on-ones when the org file gives someone a new manager, and across a DST change with
the two sides in timezones that change on different dates (tried as users: the console
chat, the sweep, /summary)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.config import Settings
from bot.org import parse_org
from tests.oneonone_support import ONEONONES, sweep_at, write_org
from tests.support import TEST_ORG, say

SAM_UNDER_ALICE = "    manager: alice\n    team: East\n    timezone: America/Chicago"
SAM_UNDER_BRUNO = SAM_UNDER_ALICE.replace("alice", "bruno")


@pytest.fixture
def settings(database_url, tmp_path):
    """The test org with one-on-one rules: Sam (member, Chicago) meets his manager every
    two weeks on Wednesday at 14:00 in the manager's timezone."""
    return Settings(database_url=database_url, org_file=write_org(tmp_path))


def sam_reports_to_bruno(bot) -> None:
    """The org file edited (and reloaded) so that Sam reports to Bruno (Rome)."""
    org = parse_org(TEST_ORG.read_text(encoding="utf-8").replace(SAM_UNDER_ALICE,
                                                                 SAM_UNDER_BRUNO) + ONEONONES)
    bot.sync_org_to(org)
    bot.apply_org(org)


async def test_a_new_manager_starts_clean_and_the_old_pair_keeps_its_history(bot, chat, clock):
    await say(bot, "sam", "/agenda add @alice pipeline review")
    await sweep_at(bot, clock, datetime(2026, 12, 9, 19, 31, tzinfo=UTC))  # Wed 14:31 NY
    await say(bot, "alice", "yes")
    await say(bot, "alice", "Sam takes the Boston deal")
    await say(bot, "alice", "next")
    await say(bot, "alice", "Send the deck 2026-12-31")
    await say(bot, "alice", "done")
    await say(bot, "alice", "skip")  # (the feedback question)
    # The next one, on the 23rd, did not happen: Alice's team has a 1:1 overdue.
    await sweep_at(bot, clock, datetime(2026, 12, 23, 19, 31, tzinfo=UTC))
    await say(bot, "alice", "no")
    clock.set(datetime(2026, 12, 28, 15, 0, tzinfo=UTC))
    await say(bot, "grace", "/summary")
    alice = chat.last("grace").split("Alice Martin · team East", 1)[1].split("\n\n", 1)[0]
    assert "members' one-on-ones: 0 held, 1 overdue" in alice, alice
    sam_reports_to_bruno(bot)
    # The new pair: Bruno's time (Rome), no agenda, nothing overdue.
    await say(bot, "sam", "/1on1")
    assert "Bruno Rossi: every two weeks, Wed 14:00 (Europe/Rome) — next: Wed 2027-01-06 " \
        "07:00 (America/Chicago)" in chat.last("sam")
    assert "Alice Martin" not in chat.last("sam")
    await say(bot, "sam", "/agenda")
    assert "1:1 with Bruno Rossi" in chat.last("sam") and "No agenda items yet" in \
        chat.last("sam")
    # The old pair's meeting, notes and action item are still there, as they were.
    await say(bot, "sam", "/1on1 history")
    assert "2026-12-09: Alice Martin · Sam Lee — Sam takes the Boston deal" in chat.last("sam")
    await say(bot, "alice", "/1on1 history sam")
    assert "2026-12-09: Alice Martin · Sam Lee — Sam takes the Boston deal" in \
        chat.last("alice")
    await say(bot, "sam", "/actions")
    assert "#1 Send the deck — Sam Lee, due 2026-12-31" in chat.last("sam")
    # The old pair's 1:1 that did not happen is not the new pair's overdue one (Bruno has
    # not met Sam yet), nor Alice's team's any more (Sam is not in it).
    clock.set(datetime(2027, 1, 4, 15, 0, tzinfo=UTC))
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    bruno = text.split("Bruno Rossi · team Europe", 1)[1].split("\n\n", 1)[0]
    team = next(line for line in bruno.splitlines() if line.startswith("Team:"))
    assert team.endswith("members' one-on-ones: 0 held"), bruno
    # Sam's own item, overdue since 31 December, went with him: it is Bruno's to follow
    # up (tests/test_oneonone_moved.py), the only overdue thing on his lines.
    assert bruno.count("overdue") == 1 and "1 open action item (1 overdue)" in bruno, bruno
    alice = text.split("Alice Martin · team East", 1)[1].split("\n\n", 1)[0]
    assert "members' one-on-ones" not in alice and "action item" not in alice, alice
    # Action items overdue across the month's end: due 31 December, read on 4 January.
    await say(bot, "sam", "/actions")
    assert "#1 Send the deck — Sam Lee, due 2026-12-31 (overdue)" in chat.last("sam")


async def test_every_two_weeks_across_two_dst_changes_each_side_reads_their_own_time(
        bot, chat, clock):
    """Bruno (Rome) meets Sam (Chicago) every other Wednesday at 14:00 Rome time. Chicago
    moves to summer time on 14 March 2027, Rome on 28 March: on the 17th 14:00 in Rome is
    08:00 in Chicago, on the 31st 07:00 again."""
    sam_reports_to_bruno(bot)
    await sweep_at(bot, clock, datetime(2027, 3, 16, 13, 0, tzinfo=UTC))
    assert "is tomorrow, Wed 2027-03-17 08:00 (America/Chicago)" in chat.last("sam")
    assert [t for t in chat.to("bruno") if "Sam Lee is tomorrow, Wed 2027-03-17 14:00 "
            "(Europe/Rome)" in t]
    await sweep_at(bot, clock, datetime(2027, 3, 17, 12, 50, tzinfo=UTC))
    assert "starts soon: Wed 2027-03-17 08:00 (America/Chicago)" in chat.last("sam")
    await sweep_at(bot, clock, datetime(2027, 3, 30, 12, 0, tzinfo=UTC))
    assert "is tomorrow, Wed 2027-03-31 07:00 (America/Chicago)" in chat.last("sam")
    assert "Sam Lee is tomorrow, Wed 2027-03-31 14:00 (Europe/Rome)" in chat.last("bruno")
    # None the week between (every two weeks), whoever's calendar it is read in.
    assert not [t for t in chat.to("sam") if "2027-03-24" in t]

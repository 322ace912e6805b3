"""One-on-ones with someone taken out of the org file since (tried as users: the console
chat, the sweep on the test's clock, the org file reloaded while the bot runs): nothing
more about their one-on-ones reaches them, and nobody is asked for feedback meant for
them. The meeting, its notes and action items stay on record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.config import Settings
from bot.org import parse_org
from tests.oneonone_support import ONEONONES, sweep_at, write_org
from tests.support import TEST_ORG, say

# Alice (New York) meets Sam (Chicago) every two weeks, Wednesday 14:00 New York time.
SAM_SLOT = datetime(2026, 12, 9, 19, 0, tzinfo=UTC)
ALICE = TEST_ORG.read_text(encoding="utf-8").split("  - key: bruno")[0].split(
    "  - key: alice")[1]


@pytest.fixture
def settings(database_url, tmp_path):
    """The test org with one-on-one rules (feedback overdue after 7 days)."""
    return Settings(database_url=database_url, org_file=write_org(tmp_path))


def alice_leaves(bot) -> None:
    """The org file edited (and reloaded): Alice is out of it, Sam reports to Grace."""
    text = TEST_ORG.read_text(encoding="utf-8").replace("  - key: alice" + ALICE, "")
    org = parse_org(text.replace("    manager: alice\n", "    manager: grace\n") + ONEONONES)
    bot.sync_org_to(org)
    bot.apply_org(org)


def sam_leaves(bot) -> None:
    """The org file edited (and reloaded): Sam is out of it."""
    text = TEST_ORG.read_text(encoding="utf-8")
    sam = "  - key: sam" + text.split("  - key: sam")[1].split("# Company values")[0]
    org = parse_org(text.replace(sam, "") + ONEONONES)
    bot.sync_org_to(org)
    bot.apply_org(org)


async def record(bot, clock) -> None:
    """Alice says the 1:1 happened, with a note and an action item for Sam."""
    await sweep_at(bot, clock, SAM_SLOT + timedelta(minutes=31))
    await say(bot, "alice", "yes")
    await say(bot, "alice", "Sam takes the Boston deal")
    await say(bot, "alice", "done")
    await say(bot, "alice", "Send the deck 2026-12-31")


async def test_a_manager_who_left_is_not_asked_for_overdue_feedback(bot, chat, clock):
    await record(bot, clock)
    await say(bot, "alice", "done")
    alice_leaves(bot)
    chat.clear()
    for day in range(1, 12):
        await sweep_at(bot, clock, SAM_SLOT + timedelta(days=day, hours=1))
    assert chat.to("alice") == []


async def test_feedback_on_a_manager_who_left_is_not_asked_for_nor_sent_to_her(
        bot, chat, clock):
    await record(bot, clock)
    await say(bot, "alice", "done")
    await say(bot, "alice", "4")
    await say(bot, "alice", "skip")
    alice_leaves(bot)
    chat.clear()
    # Sam rates the meeting after Alice left: thanked, and nothing goes to her.
    await say(bot, "sam", "5")
    await say(bot, "sam", "more time on pipeline")
    assert chat.last("sam").startswith("Thanks")
    assert chat.to("alice") == []


async def test_a_report_who_left_gets_no_recap_and_nobody_is_asked_about_him(
        bot, chat, clock):
    await record(bot, clock)
    sam_leaves(bot)
    chat.clear()
    await say(bot, "alice", "done")
    # The record is kept; nothing is sent to Sam, and Alice is told so, not that he gets
    # the notes; no feedback meant for Sam is asked for, then or later.
    assert chat.to("sam") == []
    assert chat.last("alice") == ("Thanks, the 1:1 with Sam Lee is recorded. Sam Lee is no "
                                  "longer in the org file: the notes and action items were "
                                  "not sent.")
    for day in range(1, 12):
        await sweep_at(bot, clock, SAM_SLOT + timedelta(days=day, hours=1))
    assert chat.to("sam") == []
    assert not [t for t in chat.to("alice") if "feedback" in t]
    await say(bot, "alice", "/1on1 history")
    assert "Sam takes the Boston deal" in chat.last("alice")


async def test_closing_the_action_item_of_someone_who_left_tells_them_nothing(
        bot, chat, clock):
    await record(bot, clock)
    await say(bot, "alice", "done")
    sam_leaves(bot)
    chat.clear()
    await say(bot, "alice", "/actions done 1")
    assert chat.last("alice") == "Done: #1 Send the deck"
    assert chat.to("sam") == []


async def test_a_record_finished_for_a_report_who_left_does_not_come_back(bot, chat, clock):
    # The record was finished ("done") without a recap or a feedback question: it must not
    # read as left unfinished, to be brought back once Alice's next dialog is over.
    await say(bot, "grace", "/1on1 move @alice 2026-12-10 10:00")
    await record(bot, clock)
    sam_leaves(bot)
    await say(bot, "alice", "done")
    await sweep_at(bot, clock, datetime(2026, 12, 10, 15, 31, tzinfo=UTC))  # Thu 10:31 NY
    await say(bot, "grace", "yes")
    await say(bot, "grace", "done")
    await say(bot, "grace", "done")
    chat.clear()
    await say(bot, "alice", "4")  # her feedback on her own 1:1 with Grace
    await say(bot, "alice", "skip")
    assert not [t for t in chat.to("alice") if "Sam Lee" in t], chat.to("alice")


async def test_a_manager_reads_the_history_with_a_report_who_left_by_key_or_name(
        bot, chat, clock):
    # Sam is out of the org file: Alice's '/1on1 history' alone still lists their meeting,
    # and so must '/1on1 history sam' (or 'Sam Lee', the name he had); it answered
    # "I don't know sam".
    await record(bot, clock)
    await say(bot, "alice", "done")
    sam_leaves(bot)
    for typed in ("sam", "Sam Lee", "@SAM"):
        await say(bot, "alice", f"/1on1 history {typed}")
        text = chat.last("alice")
        assert "Sam takes the Boston deal" in text, text
        assert text.startswith("One-on-ones of Sam Lee\n2026-12-09"), text
    await say(bot, "alice", "/language 中文")
    await say(bot, "alice", "/1on1 历史 sam")
    text = chat.last("alice")
    assert "Sam takes the Boston deal" in text and "Sam Lee的一对一面谈" in text, text


async def test_no_one_reads_the_history_of_a_leaver_they_never_met(bot, chat, clock):
    # Bruno never met Sam, and the GM was not in Sam's one-on-ones: a leaver's history is
    # only the pairs one was part of, so neither reads a meeting or a note of it. (Both
    # were answered "I don't know sam.", untrue: they are told Sam left the org.)
    await record(bot, clock)
    await say(bot, "alice", "done")
    sam_leaves(bot)
    for reader in ("bruno", "grace"):
        await say(bot, reader, "/1on1 history sam")
        text = chat.last(reader)
        assert text.startswith("Sam Lee (sam) has left the org, and you were in none of "
                               "their one-on-ones"), text
        assert "Boston" not in text and "2026-12-09" not in text

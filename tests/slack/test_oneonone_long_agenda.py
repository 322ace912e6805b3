"""A 1:1 reminder with a long agenda on Slack, through slack-bolt and the real WebClient
against FakeSlackAPI (which refuses a text over Slack's 4,000 characters as Slack does):
30 items of 1,000 characters, each added with /agenda, reach both sides whole, in parts
cut between items, in the order they were added, nothing lost; so do 25 long action
items, in the reminder and in /actions, and a recap of long notes."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.adapters.slack_blocks import escape_mrkdwn
from storage.models import OutboxMessage
from tests.fakes.slack_api import MAX_TEXT
from tests.oneonone_support import MONDAY_SLOT, write_org
from tests.slack.harness import ALICE, GRACE, SlackHarness, dm_channel
from tests.text_cuts import (
    agenda_item,
    assert_cut_at_line_breaks,
    assert_cut_between_characters,
    assert_whole_in_order,
)

ITEMS = [agenda_item(n) for n in range(1, 31)]


def rendered(bot, address: str, first: str) -> str:
    """The day-before 1:1 reminder to `address` starting with `first`, as the bot rendered
    it before any cut."""
    with bot.sessions() as session:
        (text,) = [row.payload["text"] for row in session.scalars(select(OutboxMessage).where(
            OutboxMessage.dedupe_key.like("oo:day:%"), OutboxMessage.address == address))
            if row.payload["text"].startswith(first)]
        return text


@pytest.fixture
def settings(settings, tmp_path):
    """The Slack test settings on the test org with one-on-one rules."""
    return replace(settings, org_file=write_org(tmp_path))


def reminder_parts(slack: SlackHarness, user: str, first: str) -> list[str]:
    """The parts of the latest message to `user` starting with `first`: as many posts as
    its first part's tag says it has (the adapter's metadata)."""
    posts = slack.posts(user)
    start = max(i for i, c in enumerate(posts) if str(c.params["text"]).startswith(first))
    tag = posts[start].params.get("metadata")
    tag = json.loads(tag) if isinstance(tag, str) else tag
    count = tag["event_payload"].get("parts", 1) if tag else 1
    return [str(c.params["text"]) for c in posts[start:start + count]]


async def test_a_reminder_with_30_long_agenda_items_arrives_whole_on_slack(
        slack: SlackHarness) -> None:
    for n, item in enumerate(ITEMS):
        who = ALICE if n % 2 else GRACE
        await slack.command(who, "/agenda", f"add {'@grace' if who == ALICE else '@alice'} "
                            f"{item}", channel=dm_channel(who))
        assert "Added to the agenda" in slack.last_text(who), slack.last_text(who)

    slack.clock.set(MONDAY_SLOT - timedelta(hours=20))
    await slack.bot.run_oneonones()
    await slack.settle()

    for user, other in ((ALICE, "Grace Chen"), (GRACE, "Alice Martin")):
        parts = reminder_parts(slack, user, f"Reminder: your 1:1 with {other} is tomorrow")
        assert len(parts) >= 8 and all(len(p) <= MAX_TEXT for p in parts), \
            [len(p) for p in parts]
        # Slack shows "&" for the "&amp;" the bot escaped: each item as typed, whole.
        assert_whole_in_order(parts, [escape_mrkdwn(i) for i in ITEMS])
        assert_cut_between_characters(parts)
        assert_cut_at_line_breaks(parts, rendered(slack.bot, user, parts[0][:40]))
        assert all(not p.startswith((" ", "\n")) for p in parts)
    with slack.bot.sessions() as session:
        assert "failed" not in set(session.scalars(select(OutboxMessage.status)))


ACTIONS = [agenda_item(n, 950).replace("Item-", "Action-") for n in range(1, 26)]


async def test_25_long_action_items_reach_the_reminder_and_actions_whole_on_slack(
        slack: SlackHarness) -> None:
    for action in ACTIONS:
        await slack.command(GRACE, "/actions", f"add {action} @alice by Dec 10",
                            channel=dm_channel(GRACE))
        assert slack.last_text(GRACE).startswith("Action item #"), slack.last_text(GRACE)
    shown = [escape_mrkdwn(a) for a in ACTIONS]

    slack.clock.set(MONDAY_SLOT - timedelta(hours=20))
    await slack.bot.run_oneonones()
    await slack.settle()
    for user, other in ((ALICE, "Grace Chen"), (GRACE, "Alice Martin")):
        parts = reminder_parts(slack, user, f"Reminder: your 1:1 with {other} is tomorrow")
        assert len(parts) >= 6 and all(len(p) <= MAX_TEXT for p in parts)
        assert_whole_in_order(parts, shown)
        assert_cut_at_line_breaks(parts, rendered(slack.bot, user, parts[0][:40]))

    await slack.command(ALICE, "/actions", "", channel=dm_channel(ALICE))
    parts = reminder_parts(slack, ALICE, "*Your open action items*")
    assert all(len(p) <= MAX_TEXT for p in parts)
    assert_whole_in_order(parts, shown[:20])  # the first 20, then how many more
    assert "and 5 more, due later" in parts[-1], parts[-1][-200:]
    with slack.bot.sessions() as session:
        assert "failed" not in set(session.scalars(select(OutboxMessage.status)))


NOTES = [agenda_item(n, 1000).replace("Item-", "Note-") for n in range(1, 16)]


async def test_a_recap_of_long_notes_and_many_action_items_reaches_the_report_whole(
        slack: SlackHarness) -> None:
    """Grace records 15 notes of 1,000 characters and 25 long action items after her 1:1
    with Alice: Alice's recap holds every one of them whole, in order."""
    slack.clock.set(MONDAY_SLOT + timedelta(minutes=35))
    await slack.bot.run_oneonones()
    await slack.settle()
    ask = next(c for c in slack.posts(GRACE)
               if "Did your 1:1 with Alice Martin" in c.params["text"])
    await slack.press(GRACE, ask, "Yes")
    for note in NOTES:
        await slack.dm(GRACE, note)
    await slack.dm(GRACE, "next")
    for action in ACTIONS:
        await slack.dm(GRACE, f"{action} 2026-12-10")
        assert slack.last_text(GRACE).startswith("Action item #"), slack.last_text(GRACE)
    await slack.dm(GRACE, "done")

    parts = reminder_parts(slack, ALICE, "Your 1:1 with Grace Chen on 2026-11-30")
    assert len(parts) >= 8 and all(len(p) <= MAX_TEXT for p in parts)
    assert_whole_in_order(parts, [escape_mrkdwn(i) for i in NOTES + ACTIONS])
    assert_cut_between_characters(parts)
    with slack.bot.sessions() as session:
        assert "failed" not in set(session.scalars(select(OutboxMessage.status)))

"""A 1:1 reminder with a long agenda on Slack, through slack-bolt and the real WebClient
against FakeSlackAPI (which refuses a text over Slack's 4,000 characters as Slack does):
30 items of 1,000 characters, each added with /agenda, reach both sides whole, in parts
cut between items, in the order they were added, nothing lost."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.adapters.slack_blocks import escape_mrkdwn
from storage.models import OutboxMessage
from tests.fakes.slack_api import MAX_TEXT
from tests.oneonone_support import MONDAY_SLOT, write_org
from tests.slack.harness import ALICE, GRACE, SlackHarness, dm_channel
from tests.text_cuts import agenda_item, assert_cut_between_characters, assert_whole_in_order

ITEMS = [agenda_item(n) for n in range(1, 31)]


@pytest.fixture
def settings(settings, tmp_path):
    """The Slack test settings on the test org with one-on-one rules."""
    return replace(settings, org_file=write_org(tmp_path))


def reminder_parts(slack: SlackHarness, user: str, first: str) -> list[str]:
    """The posts to `user` from the one starting with `first` on (a reminder in parts)."""
    texts = [str(c.params["text"]) for c in slack.posts(user)]
    start = max(i for i, t in enumerate(texts) if t.startswith(first))
    return texts[start:]


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

    await slack.command(ALICE, "/actions", "", channel=dm_channel(ALICE))
    parts = reminder_parts(slack, ALICE, "*Your open action items*")
    assert all(len(p) <= MAX_TEXT for p in parts)
    assert_whole_in_order(parts, shown[:20])  # the first 20, then how many more
    assert "and 5 more, due later" in parts[-1], parts[-1][-200:]
    with slack.bot.sessions() as session:
        assert "failed" not in set(session.scalars(select(OutboxMessage.status)))

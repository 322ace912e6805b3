"""Time-bound messages held up by Slack are dropped, not sent late: a 1:1's "starts soon"
reminder held by an hour of refusals never arrives after the meeting began, the operator
sees it counted as expired, and what has no expiry still arrives, in order."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from storage.models import OutboxMessage
from tests.oneonone_support import MONDAY_SLOT, write_org
from tests.slack.harness import ALICE, GRACE, LILEI, SlackHarness, dm_channel, through_outage

BRUNO = "U0BRUNO"


@pytest.fixture
def settings(settings, tmp_path):
    """The Slack test settings on the test org with one-on-one rules."""
    return replace(settings, org_file=write_org(tmp_path))


def expired_total(slack: SlackHarness) -> str:
    return next(line for line in slack.bot.metrics.exposition().decode().splitlines()
                if line.startswith('teampulse_messages_expired_total{platform="slack"}'))


async def test_a_starts_soon_reminder_held_past_the_meeting_is_not_sent(
        slack: SlackHarness, caplog: pytest.LogCaptureFixture) -> None:
    slack.fake.clock = lambda: slack.clock.now().timestamp()
    # 09:46 in New York, the 10:00 1:1s 14 minutes away: Slack rate limits every post
    # for the next hour (a workspace-wide limit, an incident on Slack's side).
    slack.clock.set(MONDAY_SLOT - timedelta(minutes=14))
    back = MONDAY_SLOT + timedelta(minutes=40)
    slack.fake.outage("chat.postMessage", back.timestamp(), status=429, retry_after=120)
    await slack.bot.run_oneonones()
    with slack.bot.unit() as ctx:
        queued = [r.dedupe_key or "" for r in ctx.outbox.by_status("pending")]
    soon = [k for k in queued if k.startswith("oo:soon:")]  # Grace's two, Alice's, Bruno's
    assert len(soon) == 4 and len(queued) == 6  # (and the day-before ones of Li's, Tue)

    # Meanwhile Alice adds to her agenda twice: those answers have no expiry.
    await slack.command(ALICE, "/agenda", "add <@U0GRACE|grace> Pipeline review", raw=True,
                        channel=dm_channel(ALICE), settle=False)
    await slack.adapter.drain()
    await through_outage(slack, MONDAY_SLOT + timedelta(minutes=20))
    await slack.command(ALICE, "/agenda", "add <@U0GRACE|grace> Hiring plan", raw=True,
                        channel=dm_channel(ALICE), settle=False)
    await slack.adapter.drain()
    caplog.set_level(logging.WARNING, logger="bot.outbox")
    await through_outage(slack, back)
    assert not any(slack.fake.history.values())  # nothing got through the outage

    # Slack is back at 10:40: the reminders of meetings that began 40 minutes ago are
    # dropped; Alice's two answers arrive, in the order she asked, and so do the reminders
    # of tomorrow's 1:1 with Li, still true.
    await slack.settle()
    delivered = {channel: [str(m.get("text")) for m in messages]
                 for channel, messages in slack.fake.history.items()}
    assert not any("starts soon" in t for texts in delivered.values() for t in texts), delivered
    to_alice = delivered[dm_channel(ALICE)]
    assert len(to_alice) == 2, to_alice
    assert "Pipeline review" in to_alice[0] and "Hiring plan" in to_alice[1]
    assert [t.split(":")[0] for t in delivered[dm_channel(GRACE)]] == ["Reminder"], delivered
    assert "is tomorrow" in delivered[dm_channel(GRACE)][0]
    assert "明天" in delivered[dm_channel(LILEI)][0]  # tomorrow, in Li's Chinese
    assert dm_channel(BRUNO) not in delivered

    # The operator sees them as expired: the rows, the metric, one log line.
    with slack.bot.unit() as ctx:
        rows = ctx.session.scalars(select(OutboxMessage).where(
            OutboxMessage.dedupe_key.in_(soon))).all()
        assert {r.status for r in rows} == {"expired"}
    assert expired_total(slack).endswith(" 4.0")
    assert any("4 message(s) to slack expired" in r.getMessage() for r in caplog.records)


async def test_a_poll_reminder_held_until_the_poll_closed_is_not_sent(
        slack: SlackHarness) -> None:
    """A pulse reminder, held by Slack refusing posts until after the poll closed, would
    ask a question nobody can answer any more: it is dropped, and counted nowhere."""
    from storage.pulse import PulsePoll

    slack.fake.clock = lambda: slack.clock.now().timestamp()
    slack.clock.set(datetime(2026, 12, 9, 17, 5, tzinfo=UTC))  # a poll day, past 11:00
    await slack.bot.run_pulse()
    await slack.settle()
    assert "anonymous pulse poll" in slack.last_text(ALICE)
    with slack.bot.unit() as ctx:
        closes = ctx.session.scalars(select(PulsePoll.closes_at)).one()

    # A day later, when the reminders fall due, Slack starts refusing posts (429) until
    # an hour after the poll's closing time.
    slack.clock.advance(timedelta(hours=25))
    slack.fake.outage("chat.postMessage", (closes + timedelta(hours=1)).timestamp(),
                      status=429, retry_after=3600)
    await slack.bot.run_pulse()
    with slack.bot.unit() as ctx:
        held = [r for r in ctx.outbox.by_status("pending")
                if (r.dedupe_key or "").endswith(":reminder")]
    assert held and all(r.expires_at == closes for r in held)
    await through_outage(slack, closes + timedelta(hours=1))
    await slack.bot.run_pulse()  # the poll closes
    await slack.settle()

    delivered = [str(m.get("text")) for messages in slack.fake.history.values()
                 for m in messages]
    assert not any("gentle reminder" in t for t in delivered), delivered
    with slack.bot.unit() as ctx:
        assert {r.status for r in ctx.session.scalars(select(OutboxMessage).where(
            OutboxMessage.id.in_([r.id for r in held])))} == {"expired"}
    # Counted in no metric (README, *Your answers are anonymous*): through an outage over
    # the close, the expired counter going up told how many had not finished the poll, on
    # a platform one person uses whether they had.
    assert not any(line.startswith('teampulse_messages_expired_total{platform="slack"}')
                   for line in slack.bot.metrics.exposition().decode().splitlines())
    # Alice still has her unanswered poll DM, and nothing after it from the poll.
    assert "anonymous pulse poll" in [str(m.get("text")) for m in
                                      slack.fake.history[dm_channel(ALICE)]][-1]

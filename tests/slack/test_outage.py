"""Slack down for a while: what was queued meanwhile arrives once it is back, in order,
not given up after a few minutes of retries; only an outage longer than the outbox keeps
trying (bot.outbox.RETRY_FOR) gives a message up, and a time-bound one (a check-in's
prompt) not before its moment (expires_at)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.outbox import RETRY_FOR
from storage.models import OutboxMessage
from tests.slack.harness import ALICE, SlackHarness, dm_channel, through_outage


def statuses(slack: SlackHarness) -> list[str]:
    with slack.bot.unit() as ctx:
        return list(ctx.session.scalars(select(OutboxMessage.status)
                                        .order_by(OutboxMessage.id)))


async def test_the_check_in_sent_during_an_hour_long_outage_arrives_when_slack_is_back(
        slack: SlackHarness) -> None:
    slack.fake.clock = lambda: slack.clock.now().timestamp()
    back = slack.clock.now() + timedelta(hours=1)
    slack.fake.outage("chat.postMessage", back.timestamp(), status=503)
    await slack.bot.run_checkins()
    queued = len(statuses(slack))
    assert queued >= 3
    await through_outage(slack, back)
    assert not any(slack.fake.history.values())  # nothing got through the outage
    assert statuses(slack) == ["pending"] * queued  # (it gave up after 8 tries: ~8 min)
    await through_outage(slack, back + timedelta(minutes=11))  # the next try, 10 minutes apart
    await slack.settle()
    assert statuses(slack) == ["sent"] * queued
    assert "Time for your weekly check-in" in str(
        slack.fake.history[dm_channel(ALICE)][0].get("text"))


async def test_a_check_in_slack_refuses_longer_than_the_outbox_retries_arrives_in_its_week(
        slack: SlackHarness) -> None:
    # Twelve hours of 503s from Friday 16:00 in New York: longer than the outbox tries
    # what has no expiry (RETRY_FOR), but the check-in prompts are true until Monday. They
    # are not given up (nothing would have sent them again), and arrive once Slack is back.
    # (What has no expiry is still given up after RETRY_FOR: tests/test_outbox.py and
    # tests/telegram/test_honours_not_posted.py.)
    slack.fake.clock = lambda: slack.clock.now().timestamp()
    start = slack.clock.now()
    back = start + RETRY_FOR * 2
    slack.fake.outage("chat.postMessage", back.timestamp(), status=503)
    await slack.bot.run_checkins()
    queued = len(statuses(slack))
    await through_outage(slack, start + RETRY_FOR + timedelta(minutes=15))
    assert statuses(slack) == ["pending"] * queued
    await through_outage(slack, back + timedelta(minutes=11))
    await slack.settle()
    assert statuses(slack) == ["sent"] * queued
    assert "Time for your weekly check-in" in str(
        slack.fake.history[dm_channel(ALICE)][0].get("text"))


async def test_the_next_question_queued_while_slack_is_down_does_not_follow_paused(
        slack: SlackHarness) -> None:
    # Alice answers her first question in her DM while Slack refuses every post, so her
    # second question waits in the outbox; she types "pause". Once Slack is back she reads
    # "Paused" alone, not a question after it that no longer takes what she types.
    slack.fake.clock = lambda: slack.clock.now().timestamp()
    await slack.bot.run_checkins(["alice"])
    await slack.settle()
    assert "Question 1 of 8" in slack.last_text(ALICE)
    seen = len(slack.fake.history[dm_channel(ALICE)])
    back = slack.clock.now() + timedelta(hours=1)
    slack.fake.outage("chat.postMessage", back.timestamp(), status=503)
    await slack.dm(ALICE, "52000", settle=False)
    await slack.dm(ALICE, "pause", settle=False)
    await slack.adapter.drain()
    await through_outage(slack, back + timedelta(minutes=11))
    await slack.settle()
    after = [str(m.get("text")) for m in slack.fake.history[dm_channel(ALICE)][seen:]]
    assert len(after) == 1 and after[0].startswith("Paused"), after
    # /checkin carries on at the question that never arrived.
    await slack.command(ALICE, "/checkin", channel=dm_channel(ALICE))
    assert "Question 2 of 8" in slack.last_text(ALICE)

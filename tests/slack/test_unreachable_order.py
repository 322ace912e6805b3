"""Slack unreachable with many people's messages queued: once Slack answers again, every
chat gets its messages in the order they were queued, each once, and at once (not after
another RETRY_SECONDS of waiting behind the message that found Slack back)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from sqlalchemy import select

from bot.adapters.reach import RETRY_SECONDS
from bot.core import TeamPulse
from storage.models import OutboxMessage
from tests.slack.harness import SlackHarness

PEOPLE = [f"U{n:04d}" for n in range(50)]
QUEUED = ("Time for your weekly check-in", "Reminder: your check-in is waiting",
          "Question 1 of 8")


@pytest.fixture(autouse=True)
def _no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(BackoffRetryIntervalCalculator, "calculate_sleep_duration",
                        lambda self, attempt: 0.0)


def queue(bot: TeamPulse, text: str) -> None:
    with bot.unit() as ctx:
        for person in PEOPLE:
            ctx.outbox.enqueue(platform="slack", target_kind="dm", address=person,
                               payload={"text": text}, now=bot.clock.now())


def statuses(bot: TeamPulse) -> dict[str, int]:
    with bot.sessions() as session:
        found: dict[str, int] = {}
        for status, attempts in session.execute(
                select(OutboxMessage.status, OutboxMessage.attempts)):
            found[f"{status}/{attempts}"] = found.get(f"{status}/{attempts}", 0) + 1
        return found


async def test_fifty_people_get_prompt_reminder_question_in_order_once_slack_is_back(
        slack: SlackHarness) -> None:
    bot, clock = slack.bot, slack.clock
    bot.platform_state["slack"] = "connected"
    await slack.fake.unplug()
    for text in QUEUED:  # a check-in prompt, a reminder, a question, minutes apart
        queue(bot, text)
        for _ in range(4):
            await bot.outbox.flush()
            clock.advance(timedelta(seconds=RETRY_SECONDS / 2))
    assert statuses(bot) == {"pending/0": 3 * len(PEOPLE)}

    await slack.fake.plug_in()
    clock.advance(timedelta(seconds=RETRY_SECONDS))
    back = clock.now()
    await slack.settle()

    for person in PEOPLE:
        assert [c.params["text"] for c in slack.posts(person)] == list(QUEUED), person
    assert statuses(bot) == {"sent/1": 3 * len(PEOPLE)}
    # Paced as any fan-out (one a second per chat), not RETRY_SECONDS behind the probe.
    assert clock.now() - back <= timedelta(seconds=len(QUEUED)), clock.now() - back
    assert (await bot.outbox.flush()) is None


async def test_slack_answering_the_probe_with_an_error_is_back_for_everyone_else(
        slack: SlackHarness) -> None:
    """The message that tries Slack first is refused (its person's account was
    deactivated meanwhile): Slack answered, so it is reachable, and /readyz and the other
    people's messages say so at once, not RETRY_SECONDS later."""
    bot, clock = slack.bot, slack.clock
    bot.platform_state["slack"] = "connected"
    await slack.fake.unplug()
    queue(bot, QUEUED[0])
    await bot.outbox.flush()
    assert bot.platform_state["slack"] == "unreachable"

    await slack.fake.plug_in()
    slack.fake.fail("chat.postMessage", "user_not_found")
    clock.advance(timedelta(seconds=RETRY_SECONDS))
    await bot.outbox.flush()
    assert bot.platform_state["slack"] == "connected"
    got = [p for p in PEOPLE if slack.fake.posted(p)]
    assert len(got) == len(PEOPLE) - 1, len(got)  # all but the one Slack refused
    assert statuses(bot) == {"sent/1": len(PEOPLE) - 1, "failed/1": 1}


async def test_guard_the_probe_cut_off_after_slack_took_it_is_looked_up_not_sent_twice(
        slack: SlackHarness) -> None:
    """The connection drops after the probe's post reached Slack: it is looked up and
    found, and every message still arrives once."""
    bot, clock = slack.bot, slack.clock
    slack.fake.clock = lambda: clock.now().timestamp()  # posts stamped as the bot's clock
    await slack.fake.unplug()
    queue(bot, QUEUED[0])
    await bot.outbox.flush()
    await slack.fake.plug_in()
    slack.fake.drop_after_accepting("chat.postMessage")
    clock.advance(timedelta(seconds=RETRY_SECONDS))
    await slack.settle()
    for person in PEOPLE:
        assert [m["text"] for m in slack.fake.posted(person)] == [QUEUED[0]], person
    assert set(statuses(bot)) <= {"sent/1", "sent/2"}

"""A crash in the middle of sending on Slack: the next start sends each message exactly once.

The bot runs against the fake Slack API with the real slack_sdk client. A crash is a
`SimulatedCrash` raised around the adapter's send: like a killed process, nothing after
it runs, so the outbox row is left 'sending'. A second bot on the same database then
starts, as after a restart, and the test reads what Slack holds in Alice's DM.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.adapters.slack import OUTBOX_EVENT_TYPE, SlackAdapter
from bot.app import prepare
from bot.clock import FakeClock
from bot.config import Settings
from bot.core import TeamPulse
from bot.events import OutboundMessage, SendResult, Target
from storage.models import OutboxMessage
from tests.fakes.slack_api import MANIFEST_SCOPES, FakeSlackAPI, pin_signature_clock
from tests.slack.harness import ALICE, CHANNEL, FROZEN_NOW, SlackHarness, dm_channel

FIRST_QUESTION = "*Question 1 of 8*"


class SimulatedCrash(BaseException):
    """The process dies here (a BaseException: no `except Exception` handler runs)."""


Deliver = Callable[[Target, OutboundMessage], Awaitable[SendResult]]


def crash_after_slack_accepts(adapter: SlackAdapter, monkeypatch: pytest.MonkeyPatch) -> None:
    """The next post reaches Slack, then the bot dies before recording that it was sent."""
    real: Deliver = adapter.deliver

    async def deliver(target: Target, message: OutboundMessage) -> SendResult:
        monkeypatch.setattr(adapter, "deliver", real)
        await real(target, message)
        raise SimulatedCrash

    monkeypatch.setattr(adapter, "deliver", deliver)


def crash_before_slack_hears(adapter: SlackAdapter, monkeypatch: pytest.MonkeyPatch) -> None:
    """The bot dies after marking the next message as being sent, before the request."""
    real: Deliver = adapter.deliver

    async def deliver(target: Target, message: OutboundMessage) -> SendResult:
        monkeypatch.setattr(adapter, "deliver", real)
        raise SimulatedCrash

    monkeypatch.setattr(adapter, "deliver", deliver)


@asynccontextmanager
async def restarted(settings: Settings, clock: FakeClock) -> AsyncIterator[TeamPulse]:
    """A new bot process on the same database and Slack workspace, a little later."""
    clock.advance(timedelta(seconds=30))
    bot, engine = prepare(settings, clock)
    adapter = SlackAdapter(bot, settings)
    pin_signature_clock(adapter.app, FROZEN_NOW)
    bot.register(adapter)
    await adapter.start()
    try:
        yield bot
    finally:
        await adapter.stop()
        engine.dispose()


def alice_prompts(fake: FakeSlackAPI) -> list[dict[str, Any]]:
    """The check-in's first question as Alice's DM with the app shows it."""
    return [m for m in fake.posted(ALICE) if FIRST_QUESTION in m["text"]]


def outbox_rows(bot: TeamPulse) -> list[tuple[str, str | None]]:
    with bot.sessions() as session:
        return [(r.status, r.external_id) for r in
                session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


@pytest.fixture(autouse=True)
def _slack_time_follows_the_clock(fake: FakeSlackAPI, clock: FakeClock) -> None:
    # Slack stamps each message with the time it accepted it; the lookup searches by time.
    fake.clock = lambda: clock.now().timestamp()


async def test_a_prompt_slack_accepted_before_a_crash_is_not_sent_again(
        slack: SlackHarness, fake: FakeSlackAPI, bot: TeamPulse, settings: Settings,
        clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    crash_after_slack_accepts(slack.adapter, monkeypatch)
    with pytest.raises(SimulatedCrash):
        await bot.run_checkins(["alice"])
    assert len(alice_prompts(fake)) == 1
    assert outbox_rows(bot) == [("sending", None)]  # Slack has it; the database cannot know

    async with restarted(settings, clock) as again:
        assert await again.outbox.flush() is None

    prompts = alice_prompts(fake)
    assert len(prompts) == 1  # Alice sees the question once
    assert fake.call_count("chat.postMessage") == 1
    # Found by the outbox id it carries, and recorded as sent with Slack's ts.
    assert prompts[0]["metadata"]["event_type"] == OUTBOX_EVENT_TYPE
    history = fake.last_call("conversations.history").params
    assert history["channel"] == dm_channel(ALICE)
    assert outbox_rows(bot) == [("sent", prompts[0]["ts"])]


async def test_a_prompt_that_never_reached_slack_is_sent_once_on_restart(
        slack: SlackHarness, fake: FakeSlackAPI, bot: TeamPulse, settings: Settings,
        clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    crash_before_slack_hears(slack.adapter, monkeypatch)
    with pytest.raises(SimulatedCrash):
        await bot.run_checkins(["alice"])
    assert alice_prompts(fake) == [] and outbox_rows(bot) == [("sending", None)]

    async with restarted(settings, clock) as again:
        await again.outbox.flush()
        await again.outbox.flush()  # a second pass changes nothing

    assert len(alice_prompts(fake)) == 1
    assert fake.called("conversations.history")  # it looked before sending
    assert [status for status, _ in outbox_rows(bot)] == ["sent"]


async def test_alice_answers_the_prompt_after_the_restart_and_gets_the_next_question(
        slack: SlackHarness, fake: FakeSlackAPI, bot: TeamPulse, settings: Settings,
        clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    crash_after_slack_accepts(slack.adapter, monkeypatch)
    with pytest.raises(SimulatedCrash):
        await bot.run_checkins(["alice"])
    await slack.adapter.stop()

    async with restarted(settings, clock) as again:
        await again.outbox.flush()
        harness = SlackHarness(again.adapters["slack"], fake, again, clock)  # type: ignore[arg-type]
        await harness.dm(ALICE, "52000")

    texts = [m["text"] for m in fake.posted(ALICE)]
    assert len(texts) == 2
    assert FIRST_QUESTION in texts[0] and "*Question 2 of 8*" in texts[1]


async def test_when_slack_cannot_be_asked_nothing_is_resent_until_it_can(
        slack: SlackHarness, fake: FakeSlackAPI, bot: TeamPulse, settings: Settings,
        clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    crash_after_slack_accepts(slack.adapter, monkeypatch)
    with pytest.raises(SimulatedCrash):
        await bot.run_checkins(["alice"])
    fake.rate_limit("conversations.history", retry_after=60)

    async with restarted(settings, clock) as again:
        with bot.unit() as ctx:  # another message for Alice waits behind the unsettled one
            ctx.outbox.enqueue(platform="slack", target_kind="dm", address=ALICE,
                               payload={"text": "a later note"}, now=clock.now())
        next_due = await again.outbox.flush()
        assert next_due == clock.now() + timedelta(seconds=60)
        assert len(fake.posted(ALICE)) == 1  # neither resent blindly nor overtaken
        clock.advance(timedelta(seconds=60))
        await again.outbox.flush()

    assert [m["text"] for m in fake.posted(ALICE)][1:] == ["a later note"]
    assert len(alice_prompts(fake)) == 1


async def test_without_the_history_scope_an_interrupted_post_is_resent_once(
        slack: SlackHarness, fake: FakeSlackAPI, bot: TeamPulse, settings: Settings,
        clock: FakeClock, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    # An app installed before teampulse asked for the …:history scopes cannot look channels
    # up: docs/slack.md promises one extra copy, never none, and names the log line.
    fake.scopes = MANIFEST_SCOPES - {"channels:history", "groups:history", "mpim:history"}
    crash_after_slack_accepts(slack.adapter, monkeypatch)
    with bot.unit() as ctx:
        ctx.outbox.enqueue(platform="slack", target_kind="channel", address=CHANNEL,
                           payload={"text": "Kudos to Alice!"}, now=clock.now())
    with pytest.raises(SimulatedCrash):
        await bot.outbox.flush()

    async with restarted(settings, clock) as again:
        await again.outbox.flush()

    assert [m["text"] for m in fake.posted(CHANNEL)] == ["Kudos to Alice!"] * 2
    assert [status for status, _ in outbox_rows(bot)] == ["sent"]
    assert any("cannot check whether an interrupted send arrived" in r.getMessage()
               and "missing_scope" in r.getMessage() for r in caplog.records), caplog.text


async def test_an_interrupted_thread_reply_is_found_among_the_threads_replies(
        slack: SlackHarness, fake: FakeSlackAPI, bot: TeamPulse, settings: Settings,
        clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    parent = await slack.adapter.post_to_channel(CHANNEL, OutboundMessage("Weekly thread"))
    crash_after_slack_accepts(slack.adapter, monkeypatch)
    with bot.unit() as ctx:
        ctx.outbox.enqueue(platform="slack", target_kind="thread", address=CHANNEL,
                           thread_id=parent.external_id, payload={"text": "In the thread"},
                           now=clock.now())
    with pytest.raises(SimulatedCrash):
        await bot.outbox.flush()

    async with restarted(settings, clock) as again:
        await again.outbox.flush()

    assert [m["text"] for m in fake.posted(CHANNEL)] == ["Weekly thread", "In the thread"]
    assert fake.last_call("conversations.replies").params["ts"] == parent.external_id


async def test_a_connection_lost_after_slack_posted_the_prompt_does_not_post_it_twice(
        slack: SlackHarness, fake: FakeSlackAPI, bot: TeamPulse) -> None:
    # Neither slack_sdk's retry inside the call nor the outbox's retry may post it again:
    # the outbox looks it up first.
    fake.drop_after_accepting("chat.postMessage")
    await bot.run_checkins(["alice"])
    assert outbox_rows(bot) == [("sending", None)]  # the outcome is unknown for now
    await slack.settle()

    prompts = alice_prompts(fake)
    assert len(prompts) == 1
    assert fake.call_count("chat.postMessage") == 1
    assert outbox_rows(bot) == [("sent", prompts[0]["ts"])]
    await slack.dm(ALICE, "52000")  # and the check-in goes on as usual
    assert "*Question 2 of 8*" in slack.last_text(ALICE)


def long_summary() -> str:
    """A GM summary longer than one Slack message takes: two posts."""
    return "\n".join(f"*Line {n:03d}* Alice & Bob: on track, 12 deals, 3 at risk"
                     for n in range(120))


@pytest.mark.parametrize("parts_posted", [1, 2])
async def test_a_long_message_a_crash_cut_after_some_parts_shows_each_part_once(
        slack: SlackHarness, fake: FakeSlackAPI, bot: TeamPulse, settings: Settings,
        clock: FakeClock, monkeypatch: pytest.MonkeyPatch, parts_posted: int) -> None:
    # Killed between Slack accepting a part and the next (or the record of the last): the
    # restarted bot must not post the first part again, nor lose the rest.
    text = long_summary()
    post_one = slack.adapter._post_one
    posted = 0

    async def dies_after_parts(*args: Any, **kwargs: Any) -> Any:
        nonlocal posted
        answer = await post_one(*args, **kwargs)
        posted += 1
        if posted == parts_posted:
            raise SimulatedCrash
        return answer

    monkeypatch.setattr(slack.adapter, "_post_one", dies_after_parts)
    with bot.unit() as ctx:
        ctx.outbox.enqueue(platform="slack", target_kind="dm", address=ALICE,
                           payload={"text": text}, now=clock.now())
    with pytest.raises(SimulatedCrash):
        await bot.outbox.flush()
    assert len(fake.posted(ALICE)) == parts_posted

    async with restarted(settings, clock) as again:
        await again.outbox.flush()
        await again.outbox.flush()

    shown = [m["text"] for m in fake.posted(ALICE)]
    assert len(shown) == 2  # each part once
    assert "\n".join(shown).replace("\n", "") == text.replace("\n", "")
    assert [status for status, _ in outbox_rows(bot)] == ["sent"]


async def test_a_token_revoked_when_looking_up_an_interrupted_post_resends_nothing(
        slack: SlackHarness, fake: FakeSlackAPI, bot: TeamPulse, settings: Settings,
        clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    # Slack accepted the prompt, the bot died; after the restart the token is revoked
    # before the lookup: "cannot look it up" must not become "send it again".
    crash_after_slack_accepts(slack.adapter, monkeypatch)
    with pytest.raises(SimulatedCrash):
        await bot.run_checkins(["alice"])

    async with restarted(settings, clock) as again:
        for method in ("conversations.open", "conversations.history", "chat.postMessage"):
            fake.set_handler(method, lambda call: {"ok": False, "error": "token_revoked"})
        for _ in range(3):
            await again.outbox.flush()
            clock.advance(timedelta(minutes=2))
        assert outbox_rows(bot)[0][0] == "sending"  # still to be looked up
        assert again.platform_state["slack"] == "token_refused"  # /readyz: 503
        for method in ("conversations.open", "conversations.history", "chat.postMessage"):
            fake.set_handler(method, None)  # a new token, say
        for _ in range(3):
            await again.outbox.flush()
            clock.advance(timedelta(minutes=2))
        # The lookup alone (nothing is posted) shows Slack accepts the token again.
        assert again.platform_state["slack"] == "connected"

    assert len(alice_prompts(fake)) == 1
    assert [status for status, _ in outbox_rows(bot)] == ["sent"]


async def test_a_lookup_held_up_by_a_refused_token_is_logged_when_it_starts_and_ends(
        slack: SlackHarness, fake: FakeSlackAPI, bot: TeamPulse, settings: Settings,
        clock: FakeClock, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    # The operator reading the log through a night of a revoked token saw an INFO line a
    # minute for the post a crash left unknown: two lines now, when the wait starts and
    # when the lookup is done, and the one ERROR that says what to fix.
    crash_after_slack_accepts(slack.adapter, monkeypatch)
    with pytest.raises(SimulatedCrash):
        await bot.run_checkins(["alice"])
    caplog.set_level(logging.INFO)

    async with restarted(settings, clock) as again:
        for method in ("conversations.open", "conversations.history", "chat.postMessage"):
            fake.set_handler(method, lambda call: {"ok": False, "error": "token_revoked"})
        until = clock.now() + timedelta(hours=3)
        while clock.now() < until:
            due = await again.outbox.flush()
            clock.set(min(until, due) if due is not None and due > clock.now() else until)
        assert outbox_rows(bot)[0][0] == "sending"  # still to be looked up
        assert fake.call_count("conversations.open") >= 100  # asked again all along
        for method in ("conversations.open", "conversations.history", "chat.postMessage"):
            fake.set_handler(method, None)  # the app reinstalled, say
        for _ in range(3):
            await again.outbox.flush()
            clock.advance(timedelta(minutes=2))

    assert len(alice_prompts(fake)) == 1
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.outbox"]
    assert [line for line in lines if "interrupted send" in line] == [
        "outbox 1: cannot look up yet whether an interrupted send reached slack (Slack "
        "refuses SLACK_BOT_TOKEN (token_revoked); retry after 60s); it is not sent again, and "
        "looked up once "
        "slack can be asked",
        "outbox 1: an interrupted send had reached slack; not sending it again (looked up "
        "after waiting since 2026-11-27 21:00 UTC)"]
    assert len(lines) <= 4, lines
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "SLACK_BOT_TOKEN" in errors[0].getMessage()

"""Outbound through the outbox: rate limits, failures, pacing, buttons, threads and images."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.adapters.slack import SlackAdapter, SlackDeliveryError
from bot.events import Choice, OutboundMessage, Target
from storage.models import OutboxMessage
from tests.fakes.slack_api import FakeSlackAPI, instant_retry_sleeps
from tests.slack.harness import ALICE, CHANNEL, SlackHarness


def enqueue(bot, address: str, text: str, *, kind: str = "dm", **extra: object) -> None:
    with bot.unit() as ctx:
        ctx.outbox.enqueue(platform="slack", target_kind=kind, address=address,
                           payload={"text": text, **extra}, now=bot.clock.now())


def rows(bot) -> list[tuple[str, str, int]]:
    with bot.sessions() as session:
        return [(r.payload["text"], r.status, r.attempts)
                for r in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


async def test_short_429_is_retried_in_the_call_and_delivered_once(
        bot, fake: FakeSlackAPI, adapter: SlackAdapter) -> None:
    fake.rate_limit("chat.postMessage", retry_after=1)
    enqueue(bot, ALICE, "hello")

    with instant_retry_sleeps() as sleeps:
        assert await bot.outbox.flush() is None

    first, second = fake.calls_for("chat.postMessage")
    assert first.params == second.params
    assert len(sleeps) == 1 and 1 <= sleeps[0] < 2  # waited Retry-After (no wall clock spent)
    assert rows(bot) == [("hello", "sent", 1)]


async def test_long_429_defers_the_message_until_retry_after_then_sends_it_once(
        bot, clock, fake: FakeSlackAPI, adapter: SlackAdapter) -> None:
    fake.rate_limit("chat.postMessage", retry_after=30)
    enqueue(bot, ALICE, "hello")
    enqueue(bot, "U0BRUNO", "other chat")

    with instant_retry_sleeps() as sleeps:
        next_due = await bot.outbox.flush()
    assert sleeps == []  # too long to sleep in the call: the outbox waits instead
    assert next_due == clock.now() + timedelta(seconds=30)
    assert [c.params["channel"] for c in fake.calls_for("chat.postMessage")] == [
        ALICE, "U0BRUNO"]  # only Alice's chat waits

    clock.advance(timedelta(seconds=29))
    await bot.outbox.flush()
    assert fake.call_count("chat.postMessage") == 2

    clock.advance(timedelta(seconds=1))
    await bot.outbox.flush()
    to_alice = [c for c in fake.calls_for("chat.postMessage") if c.params["channel"] == ALICE]
    assert len(to_alice) == 2  # the refused attempt and the one delivery
    assert rows(bot) == [("hello", "sent", 1), ("other chat", "sent", 1)]
    await bot.outbox.flush()
    assert fake.call_count("chat.postMessage") == 3  # and never again


async def test_429s_beyond_the_retry_budget_go_back_to_the_outbox(
        bot, clock, fake: FakeSlackAPI, adapter: SlackAdapter) -> None:
    fake.rate_limit("chat.postMessage", retry_after=2, times=3)
    enqueue(bot, ALICE, "hello")

    with instant_retry_sleeps() as sleeps:
        next_due = await bot.outbox.flush()
        assert len(sleeps) == 2 and fake.call_count("chat.postMessage") == 3
        assert next_due == clock.now() + timedelta(seconds=2)
        clock.advance(timedelta(seconds=2))
        await bot.outbox.flush()

    assert fake.call_count("chat.postMessage") == 4
    assert rows(bot) == [("hello", "sent", 1)]


# A refused token (invalid_auth, account_inactive, …) is no message's fault: those wait
# (tests/slack/test_token_revoked.py).
@pytest.mark.parametrize("error", ["channel_not_found", "not_in_channel", "is_archived",
                                   "user_not_found"])
async def test_errors_that_can_never_succeed_fail_at_once(
        bot, fake: FakeSlackAPI, adapter: SlackAdapter, error: str) -> None:
    fake.fail("chat.postMessage", error)
    enqueue(bot, ALICE, "hello")
    await bot.outbox.flush()
    assert rows(bot) == [("hello", "failed", 1)]
    with bot.sessions() as session:
        assert error in (session.scalars(select(OutboxMessage)).one().last_error or "")


async def test_other_errors_are_retried_later(
        bot, clock, fake: FakeSlackAPI, adapter: SlackAdapter) -> None:
    fake.fail("chat.postMessage", "internal_error")
    enqueue(bot, ALICE, "hello")
    next_due = await bot.outbox.flush()
    assert rows(bot) == [("hello", "pending", 1)]
    clock.advance(next_due - clock.now())
    await bot.outbox.flush()
    assert rows(bot) == [("hello", "sent", 2)]


async def test_a_dead_connection_is_retried_then_left_to_the_outbox(
        bot, fake: FakeSlackAPI) -> None:
    adapter = SlackAdapter(bot, bot.settings)
    await fake.stop()  # nothing listens on the API port any more

    with instant_retry_sleeps() as sleeps, pytest.raises(SlackDeliveryError) as err:
        await adapter.send_dm(ALICE, OutboundMessage("hello"))

    assert len(sleeps) == 2  # AsyncConnectionErrorRetryHandler(max_retry_count=2)
    assert err.value.permanent is False
    assert "chat.postMessage" in str(err.value)


async def test_one_message_per_second_per_channel(
        bot, clock, slack: SlackHarness, fake: FakeSlackAPI) -> None:
    for text in ("one", "two", "three"):
        enqueue(bot, CHANNEL, text, kind="channel")
    enqueue(bot, ALICE, "elsewhere")

    await bot.outbox.flush()
    assert [c.params["text"] for c in slack.posts()] == ["one", "elsewhere"]
    clock.advance(timedelta(milliseconds=999))
    await bot.outbox.flush()
    assert len(slack.posts(CHANNEL)) == 1
    clock.advance(timedelta(milliseconds=1))
    await bot.outbox.flush()
    assert [c.params["text"] for c in slack.posts(CHANNEL)] == ["one", "two"]
    clock.advance(timedelta(seconds=1))
    await bot.outbox.flush()
    assert [c.params["text"] for c in slack.posts(CHANNEL)] == ["one", "two", "three"]


async def test_rejected_blocks_fall_back_to_the_text(
        fake: FakeSlackAPI, adapter: SlackAdapter) -> None:
    fake.fail("chat.postMessage", "invalid_blocks")
    message = OutboundMessage("Pick one (or reply 1 or 2)", (Choice("A", "ans:1:0:1"),
                                                             Choice("B", "ans:1:0:2")))

    result = await adapter.send_dm(ALICE, message)

    rejected, plain = fake.calls_for("chat.postMessage")
    assert "blocks" in rejected.params and "blocks" not in plain.params
    assert plain.params["text"] == "Pick one (or reply 1 or 2)"
    assert result.external_id


async def test_thread_replies_images_and_ephemeral_in_threads(
        fake: FakeSlackAPI, adapter: SlackAdapter) -> None:
    await adapter.deliver(Target("slack", "thread", CHANNEL, "1700000000.000100"),
                          OutboundMessage("in the thread"))
    await adapter.deliver(Target("slack", "ephemeral", CHANNEL, "1700000000.000100",
                                 user_ref=ALICE), OutboundMessage("just for you"))
    result = await adapter.deliver(Target("slack", "dm", ALICE),
                                   OutboundMessage("Your chart", image=b"\x89PNG...",
                                                   image_name="trend.png"))

    assert fake.last_call("chat.postMessage").params["thread_ts"] == "1700000000.000100"
    eph = fake.last_call("chat.postEphemeral").params
    assert (eph["channel"], eph["user"], eph["thread_ts"]) == (
        CHANNEL, ALICE, "1700000000.000100")
    assert fake.last_call("conversations.open").params["users"] == ALICE
    complete = fake.last_call("files.completeUploadExternal")
    assert complete.params["channel_id"] == "D0ALICE"
    assert complete.params["initial_comment"] == "Your chart"
    assert fake.uploads[result.external_id].data == b"\x89PNG..."


async def test_messages_do_not_unfurl_links_people_typed(
        fake: FakeSlackAPI, adapter: SlackAdapter) -> None:
    await adapter.post_to_channel(CHANNEL, OutboundMessage("see https://example.com"))
    params = fake.last_call("chat.postMessage").params
    assert (params["unfurl_links"], params["unfurl_media"]) == (False, False)


@pytest.mark.parametrize(("status", "body"), [
    (500, {"ok": False, "error": "internal_error"}),
    (503, "<html><body>Service Unavailable</body></html>"),
])
async def test_a_5xx_from_slack_is_retried_and_the_message_lands_once(
        bot, clock, fake: FakeSlackAPI, adapter: SlackAdapter, status: int, body) -> None:
    """Slack answers a post with a server error (its own, or a gateway's HTML page): the
    message is neither lost nor given up, and once Slack is well it lands exactly once."""
    fake.add_response("chat.postMessage", body, status=status, times=3)
    enqueue(bot, ALICE, "hello")
    for _ in range(10):
        next_due = await bot.outbox.flush()
        if next_due is None:
            break
        clock.advance(max(next_due - clock.now(), timedelta(0)))
    assert [m["text"] for m in fake.posted(ALICE)] == ["hello"]
    assert rows(bot)[0][:2] == ("hello", "sent")

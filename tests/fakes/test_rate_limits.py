"""The fakes' simulated rate limits: windows per scope, Retry-After, and the real SDKs' view."""

from __future__ import annotations

from datetime import timedelta

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from telegram import Bot
from telegram.error import RetryAfter

from .rate_limits import Limit, SimulatedLimits
from .slack_api import FakeSlackAPI
from .telegram_api import FakeTelegramAPI


class Ticks:
    """A settable time source (seconds)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_chat_over_its_window_is_refused_until_the_oldest_request_leaves_it() -> None:
    ticks = Ticks()
    limits = SimulatedLimits([Limit(1, 1.0, "chat")], clock=ticks)
    assert limits.check("C1") is None
    assert limits.check("C2") is None  # another chat has its own window
    ticks.now += 0.4
    assert limits.check("C1") == 1  # 0.6 s to go, rounded up like Retry-After
    ticks.now += 0.6
    assert limits.check("C1") is None
    assert (limits.accepted, limits.rejected, limits.rejected_chats) == (3, 1, {"C1": 1})


def test_overall_and_group_limits_count_separately_and_refusals_do_not_count() -> None:
    ticks = Ticks()
    limits = SimulatedLimits([Limit(3, 1.0), Limit(1, 1.0, "chat"), Limit(2, 60.0, "group")],
                             is_group=lambda chat: chat.startswith("-"), clock=ticks)
    assert [limits.check(c) for c in ("1", "2", "3")] == [None, None, None]
    assert limits.check("4") == 1  # the overall window is full
    ticks.now += 1.0
    assert limits.check("-9") is None
    ticks.now += 1.0
    assert limits.check("-9") is None  # a group is not held to 1/s, only to 2 a minute
    ticks.now += 1.0
    assert limits.check("-9") == 58
    assert limits.rejected == 2


async def test_the_fake_slack_answers_posts_over_the_limit_with_429_and_retry_after() -> None:
    async with FakeSlackAPI() as fake:
        fake.join("C1", "C2")
        fake.limits = SimulatedLimits([Limit(1, 60.0, "chat")])
        client = AsyncWebClient(token="xoxb-test", base_url=fake.base_url)
        await client.chat_postMessage(channel="C1", text="first")
        with pytest.raises(SlackApiError) as caught:
            await client.chat_postMessage(channel="C1", text="second")
        assert caught.value.response.status_code == 429
        retry_after = caught.value.response.headers["Retry-After"]
        assert retry_after in ("60", ["60"])
        await client.chat_postMessage(channel="C2", text="other channel")
        assert [m["text"] for m in fake.posted("C1")] == ["first"]
        assert fake.limits.rejected == 1


async def test_the_fake_telegram_floods_sends_over_the_limit_with_retry_after(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # RetryAfter.retry_after as an int is deprecated since PTB 22.2 (its own constructor
    # reads it, so even raising one warns): opt in to the timedelta it will be.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    async with FakeTelegramAPI(token="123:abc") as fake:
        fake.start_bot(1, 2)
        fake.limits = SimulatedLimits([Limit(1, 60.0, "chat")])
        bot = Bot("123:abc", base_url=fake.base_url)
        async with bot:
            await bot.send_message(chat_id=1, text="first")
            with pytest.raises(RetryAfter) as caught:
                await bot.send_message(chat_id=1, text="second")
            await bot.send_message(chat_id=2, text="other chat")
        assert caught.value.retry_after == timedelta(seconds=60)
        assert [m["text"] for m in fake.sent_messages(1)] == ["first"]
        assert fake.limits.rejected == 1

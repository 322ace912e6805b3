"""The bot token (part of every Bot API URL) and the webhook secret never reach the
operator's log: LOG_LEVEL=DEBUG, either LOG_FORMAT, through teampulse's own handler, with
the real python-telegram-bot client on the fake Bot API failing in the ways Telegram does."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.clock import FakeClock
from bot.config import ConfigError, Secret, Settings
from bot.core import TeamPulse
from storage.models import OutboxMessage
from tests.fakes.telegram_api import FakeTelegramAPI, free_port, post_webhook
from tests.operator_log import FORMATS, operator_log, quoting
from tests.telegram.conftest import ALICE, GRACE, TOKEN, Handled, running

#: What an operator would search the log for: the whole token and the part after the
#: colon, which alone is the secret (the digits before it are the bot's public id).
TOKEN_PARTS = (TOKEN, TOKEN.partition(":")[2])
WEBHOOK_SECRET = "Wh00k-SECRET-never-logged"


async def delivered(fake: FakeTelegramAPI, bot: TeamPulse, clock: FakeClock,
                    calls: int) -> None:
    """Let the outbox try until sendMessage was called `calls` times (retries included)."""
    for _ in range(20):
        await bot.drain()
        due = await bot.outbox.flush()
        if fake.call_count("sendMessage") >= calls or due is None:
            break
        clock.set(max(clock.now() + timedelta(seconds=1), due))
    await fake.wait_for_call("sendMessage", calls)


@pytest.fixture(params=FORMATS)
def log(request: pytest.FixtureRequest, settings: Settings) -> Iterator[io.StringIO]:
    with operator_log(settings, request.param) as stream:
        yield stream


async def test_polling_through_errors_floods_and_a_revoked_token_logs_no_token(
        log: io.StringIO, fake: FakeTelegramAPI, bot: TeamPulse, clock: FakeClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    handled = Handled(bot, monkeypatch)
    fake.fail("getUpdates", 500, "Internal Server Error", times=2)
    fake.fail("sendMessage", 500, "Internal Server Error", times=1)
    fake.flood("sendMessage", retry_after=3, times=1)
    async with running(bot):
        fake.push_update(fake.private_message(ALICE, "/help"))
        await handled.wait(1)
        await delivered(fake, bot, clock, 3)
        # The token is revoked at @BotFather while the bot runs: Telegram answers 401.
        fake.fail("sendMessage", 401, "Unauthorized", times=1)
        fake.push_update(fake.private_message(GRACE, "/help"))
        await handled.wait(2)
        await delivered(fake, bot, clock, 4)
    assert [c.status for c in fake.calls_for("sendMessage")][:4] == [500, 429, 200, 401]
    assert [c.status for c in fake.calls_for("getUpdates")][:2] == [500, 500]
    written = log.getvalue()
    assert "Bot API" in written and "getUpdates" in written  # PTB's DEBUG lines are there
    assert "Internal Server Error" in written  # and the failures
    # PTB names the file download address (…/file/bot<token>/…) as it starts.
    assert "Set Bot API File URL" in written and "/file/bot***" in written
    assert quoting(written, *TOKEN_PARTS) == []
    with bot.unit() as ctx:  # nor does the outbox's record of each failure
        errors = [m.last_error or "" for m in ctx.session.query(OutboxMessage)]
    assert any(errors) and quoting("\n".join(errors), *TOKEN_PARTS) == []


async def test_a_webhook_logs_neither_the_token_nor_its_secret(
        log: io.StringIO, fake: FakeTelegramAPI, bot: TeamPulse,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """setWebhook carries the secret Telegram sends back on every request; PTB logs each
    call's parameters at DEBUG."""
    handled = Handled(bot, monkeypatch)
    port = free_port()
    fake.reverse_proxy = f"http://127.0.0.1:{port}"
    async with running(bot, telegram_webhook_url="https://bot.example.com/telegram/hook",
                       telegram_webhook_secret=Secret(WEBHOOK_SECRET),
                       telegram_webhook_host="127.0.0.1", telegram_webhook_port=port):
        assert fake.last_call("setWebhook").params["secret_token"] == WEBHOOK_SECRET
        hook = f"http://127.0.0.1:{port}/telegram/hook"
        assert await post_webhook(hook, fake.private_message(ALICE, "/help"),
                                  secret_token="a-forged-one") == 403
        assert await post_webhook(hook, fake.private_message(ALICE, "/help"),
                                  secret_token=WEBHOOK_SECRET) == 200
        await handled.wait(1)
    written = log.getvalue()
    assert "setWebhook" in written
    assert quoting(written, WEBHOOK_SECRET, *TOKEN_PARTS) == []


@pytest.mark.parametrize("problem", ["wrong token", "unreachable"])
async def test_a_start_that_fails_logs_no_token(
        log: io.StringIO, fake: FakeTelegramAPI, bot: TeamPulse, problem: str) -> None:
    """A token @BotFather revoked, or a Bot API that cannot be reached: the start stops
    with one line, and nothing PTB or httpx logged on the way quotes the token."""
    wrong = "654321:AAE-revoked-token-still-a-secret"
    overrides: dict[str, object] = (
        {"telegram_bot_token": Secret(wrong)} if problem == "wrong token"
        else {"telegram_api_url": f"http://127.0.0.1:{free_port()}"})
    with pytest.raises(ConfigError) as refused:
        async with running(bot, **overrides):
            pass
    written = log.getvalue() + str(refused.value)
    assert quoting(written, *TOKEN_PARTS, wrong, wrong.partition(":")[2]) == []

"""The Telegram Bot API unreachable while teampulse runs (connections refused: a network
outage, not a revoked token), by long polling and with a webhook. The operator reads one
WARNING naming Telegram and what is tried, a reminder every ten minutes at most (not
python-telegram-bot's ERROR traceback at every poll, nor the outbox's line per message and
attempt), one INFO line when it is back; /readyz answers 503 "unreachable" meanwhile;
every message waits in the outbox and goes out once; a stop meanwhile is prompt."""

from __future__ import annotations

import asyncio
import gc
import logging
from datetime import timedelta
from typing import Any

import httpx
import pytest
from telegram.ext._utils import networkloop

from bot.adapters.telegram import PTB_POLL_RETRY_MAX
from bot.clock import FakeClock
from bot.config import Secret
from bot.core import TeamPulse
from bot.health import readiness
from tests.fakes.telegram_api import FakeTelegramAPI, free_port
from tests.outage import one_try_a_pass, rows, said, until, warnings_and_worse
from tests.support import settle_outbox
from tests.telegram.conftest import ALICE, TOKEN, running


class _NoWaiting:
    """asyncio for python-telegram-bot's polling loop, its waits between tries (1 s up to
    30 s after network errors) skipped: the test counts tries, not seconds."""

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)

    @staticmethod
    async def sleep(_seconds: float) -> None:
        await asyncio.sleep(0.001)


async def test_webhook_mode_sends_wait_for_telegram_said_once_and_each_goes_out_once(
        fake: FakeTelegramAPI, bot: TeamPulse, clock: FakeClock,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    async with running(bot, telegram_webhook_url="https://bot.example.com/telegram/hook",
                       telegram_webhook_secret=Secret("hook-secret"),
                       telegram_webhook_host="127.0.0.1", telegram_webhook_port=free_port()):
        bot.platform_state["telegram"] = "connected"  # as `teampulse run` marks it
        await fake.stop()
        await bot.run_checkins()
        queued = rows(bot, "telegram")
        assert len(queued) >= 2
        for _ in range(45):  # 22 minutes of the outbox trying, 30 seconds apart
            await bot.outbox.flush()
            clock.advance(timedelta(seconds=30))

        # None given up or counted.
        assert rows(bot, "telegram") == {i: ("pending", 0) for i in queued}
        report = await readiness(bot)
        assert not report["ready"] and report["platforms"] == {"telegram": "unreachable"}
        told = warnings_and_worse(caplog)
        assert len(told) == 3, told  # the outage, then a reminder at 10 and at 20 minutes
        assert told[0].startswith("Telegram cannot be reached (sendMessage: httpx.Connect"), told
        assert "nothing is sent to Telegram meanwhile" in told[0]
        assert "tries again every 30 s" in told[0] and "TELEGRAM_API_URL" in told[0]
        assert told[1].startswith("Telegram still cannot be reached, for 10 min now")
        assert told[2].startswith("Telegram still cannot be reached, for 20 min now")

        await fake.start()
        clock.advance(timedelta(seconds=30))
        await settle_outbox(bot, clock)
        await until(said(caplog, "Telegram can be reached again"))
        back = [r.getMessage() for r in caplog.records if "reached again" in r.getMessage()]
        assert back == [f"Telegram can be reached again after 23 min; {len(queued)} "
                        "message(s) queued meanwhile go out now"], back
        assert rows(bot, "telegram") == {i: ("sent", 1) for i in queued}
        chats = [c.params["chat_id"] for c in fake.calls_for("sendMessage") if c.status == 200]
        assert len(chats) == len(set(chats)) == len(queued)  # each once, to its own person
        assert (await readiness(bot))["platforms"] == {"telegram": "connected"}
    assert len(warnings_and_worse(caplog)) == 3
    assert TOKEN not in caplog.text


async def test_polling_unreachable_is_said_once_shown_in_readyz_and_recovered_from(
        fake: FakeTelegramAPI, bot: TeamPulse, clock: FakeClock,
        caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    caplog.set_level(logging.INFO)
    monkeypatch.setattr(networkloop, "asyncio", _NoWaiting())
    async with running(bot) as adapter:
        bot.platform_state["telegram"] = "connected"
        tries = [0]
        request = adapter.application.bot._request[0]  # getUpdates' own client
        original = request.do_request

        async def counted(*args: Any, **kwargs: Any) -> Any:
            tries[0] += 1
            return await original(*args, **kwargs)

        request.do_request = counted  # type: ignore[method-assign]
        await fake.stop()
        await until(lambda: tries[0] >= 6)  # polls that met a refused connection

        assert bot.platform_state["telegram"] == "unreachable"
        assert not (await readiness(bot))["ready"]
        told = warnings_and_worse(caplog)
        assert len(told) == 1, told  # not a traceback at every poll
        assert told[0].startswith("Telegram cannot be reached (getUpdates: httpx.Connect"), told
        assert "nothing is sent to or received from Telegram meanwhile" in told[0]
        assert "polls again (at most 30 s apart)" in told[0]

        # A check-in queued meanwhile waits, then goes out once Telegram is back.
        await bot.run_checkins(["alice"])
        await bot.outbox.flush()
        assert set(rows(bot, "telegram").values()) == {("pending", 0)}
        await fake.start()
        await until(said(caplog, "Telegram can be reached again"))
        assert bot.platform_state["telegram"] == "connected"
        clock.advance(timedelta(seconds=30))
        await settle_outbox(bot, clock)
        assert set(rows(bot, "telegram").values()) == {("sent", 1)}
        assert [c.params["chat_id"] for c in fake.calls_for("sendMessage")
                if c.status == 200] == [ALICE]
        await fake.stop()  # down again: the stop below is prompt all the same
        await until(lambda: bot.platform_state["telegram"] == "unreachable")
        async with asyncio.timeout(10):
            await adapter.stop()
    assert len(warnings_and_worse(caplog)) == 2, warnings_and_worse(caplog)
    assert "RuntimeError" not in caplog.text and TOKEN not in caplog.text


async def test_a_stop_meeting_a_failing_poll_writes_no_asyncio_traceback(
        fake: FakeTelegramAPI, bot: TeamPulse, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The bot stopped while Telegram cannot be reached, the stop and a getUpdates failing
    to connect ending together (python-telegram-bot's network_retry_loop then drops the
    poll's error: PTB PR #5310): the operator read asyncio's ERROR 'Task exception was
    never retrieved' with a traceback. Now only the one WARNING that Telegram is down."""
    caplog.set_level(logging.INFO)
    monkeypatch.setattr(networkloop, "asyncio", _NoWaiting())
    async with running(bot) as adapter:
        bot.platform_state["telegram"] = "connected"
        await fake.stop()
        await until(lambda: bot.platform_state["telegram"] == "unreachable")

        updater = adapter.application.updater
        assert updater is not None
        stop_event: asyncio.Event = updater._Updater__polling_task_stop_event  # type: ignore[attr-defined]
        client = adapter.application.bot._request[0]._client  # getUpdates' own httpx client
        refused = client.request
        parked = [False]

        async def fails_as_the_stop_comes(*args: Any, **kwargs: Any) -> Any:
            if parked[0]:  # the stop's own confirming getUpdates: refused as before
                return await refused(*args, **kwargs)
            parked[0] = True
            # Woken by the very set() that wakes PTB's stop task: both end in the same
            # turn of the loop, as two network events arriving together do under load.
            await stop_event.wait()
            raise httpx.ConnectError("All connection attempts failed")

        monkeypatch.setattr(client, "request", fails_as_the_stop_comes)
        await until(lambda: parked[0])
        async with asyncio.timeout(10):
            await adapter.stop()
        gc.collect()  # the dropped poll task is let go: asyncio speaks (or not) now

    told = warnings_and_worse(caplog)
    assert len(told) == 1, told
    assert told[0].startswith("Telegram cannot be reached (getUpdates: httpx.Connect"), told
    assert "never retrieved" not in caplog.text and "Traceback" not in caplog.text
    assert not any(r.exc_info for r in caplog.records), caplog.text


async def test_while_telegram_is_unreachable_one_queued_message_tries_it_every_30_s(
        fake: FakeTelegramAPI, bot: TeamPulse, clock: FakeClock) -> None:
    """docs/telegram.md: 'every message waits in the outbox …, one of them trying every
    30 s' — not each of them at every pass of the outbox."""
    async with running(bot, telegram_webhook_url="https://bot.example.com/telegram/hook",
                       telegram_webhook_secret=Secret("hook-secret"),
                       telegram_webhook_host="127.0.0.1",
                       telegram_webhook_port=free_port()) as adapter:
        bot.platform_state["telegram"] = "connected"
        tries: list[object] = []
        original = adapter._call_once

        async def counted(method: Any, text_field: str, **params: Any) -> Any:
            tries.append(params.get("chat_id"))
            return await original(method, text_field, **params)

        adapter._call_once = counted  # type: ignore[method-assign]
        await fake.stop()
        await bot.run_checkins()
        queued = rows(bot, "telegram")
        assert len(queued) >= 2
        await one_try_a_pass(bot, clock, "telegram", tries, queued)


async def test_guard_polling_tries_again_at_most_30_s_apart_as_the_docs_say(
        fake: FakeTelegramAPI, bot: TeamPulse, monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/telegram.md and the WARNING line: 'long polling polls again at most 30 s
    apart'. python-telegram-bot decides the waits; this notices if an upgrade changes them."""
    waits: list[float] = []

    class Recording(_NoWaiting):
        @staticmethod
        async def sleep(seconds: float) -> None:
            waits.append(seconds)
            await asyncio.sleep(0.001)

    monkeypatch.setattr(networkloop, "asyncio", Recording())
    async with running(bot):
        await fake.stop()
        await until(lambda: len(waits) >= 14)  # enough failed polls for the waits to top out
    assert max(waits) == PTB_POLL_RETRY_MAX == 30, waits


async def test_an_error_answer_to_the_try_means_telegram_is_back_and_the_rest_go_at_once(
        fake: FakeTelegramAPI, bot: TeamPulse, clock: FakeClock,
        caplog: pytest.LogCaptureFixture) -> None:
    """Telegram comes back and answers the one message trying it with an error of that
    message's own (400 "chat not found"): an answer all the same. /readyz says connected
    and the messages held meanwhile go at once, not 30 s later (as Slack's do)."""
    caplog.set_level(logging.INFO)
    async with running(bot, telegram_webhook_url="https://bot.example.com/telegram/hook",
                       telegram_webhook_secret=Secret("hook-secret"),
                       telegram_webhook_host="127.0.0.1", telegram_webhook_port=free_port()):
        bot.platform_state["telegram"] = "connected"
        await fake.stop()
        await bot.run_checkins()
        queued = rows(bot, "telegram")
        assert len(queued) >= 2
        await bot.outbox.flush()
        assert (await readiness(bot))["platforms"] == {"telegram": "unreachable"}

        await fake.start()
        fake.fail("sendMessage", status=400, description="Bad Request: chat not found")
        clock.advance(timedelta(seconds=30))
        await bot.outbox.flush()  # the try: Telegram answers it with an error
        assert (await readiness(bot))["platforms"] == {"telegram": "connected"}
        started = clock.now()
        await settle_outbox(bot, clock)
        assert clock.now() - started < timedelta(seconds=5)  # not RETRY_SECONDS later
        assert sorted(s for s, _ in rows(bot, "telegram").values()) == \
            ["failed", *["sent"] * (len(queued) - 1)]
        await until(said(caplog, "Telegram can be reached again"))


async def test_webhook_mode_telegram_coming_and_going_is_one_outage_in_the_log(
        fake: FakeTelegramAPI, bot: TeamPulse, clock: FakeClock,
        caplog: pytest.LogCaptureFixture) -> None:
    """Telegram lost and back four times in four minutes wrote a WARNING and an INFO line
    each time. Now the outage, its first return, one line that it comes and goes, and
    once it has stayed back five minutes one line saying so; /readyz follows every flap."""
    caplog.set_level(logging.INFO)
    async with running(bot, telegram_webhook_url="https://bot.example.com/telegram/hook",
                       telegram_webhook_secret=Secret("hook-secret"),
                       telegram_webhook_host="127.0.0.1",
                       telegram_webhook_port=free_port()) as adapter:
        bot.platform_state["telegram"] = "connected"
        adapter._reach.steady_wait = 3600  # its timer: checked by hand, on the fake clock
        for flap in range(4):
            await fake.stop()
            with bot.unit() as ctx:
                ctx.outbox.enqueue(platform="telegram", target_kind="dm", address=ALICE,
                                   payload={"text": f"message {flap}"}, now=clock.now())
            await bot.outbox.flush()
            assert (await readiness(bot))["platforms"] == {"telegram": "unreachable"}
            clock.advance(timedelta(seconds=30))
            await fake.start()
            await settle_outbox(bot, clock)
            assert (await readiness(bot))["platforms"] == {"telegram": "connected"}
            # Its line counts the queued messages in a thread first: written long before
            # a real loss 30 s later, so waited for here.
            await until(said(caplog, "Telegram can be reached again"))
            clock.advance(timedelta(seconds=30))
        told = [(r.levelname, r.getMessage()) for r in caplog.records
                if r.name == "bot.adapters.reach"]
        assert [level for level, _ in told] == ["WARNING", "INFO", "WARNING"], told
        assert "it comes and goes" in told[2][1]
        clock.advance(timedelta(minutes=5))
        adapter._reach.steady()
        assert caplog.records[-1].getMessage().startswith(
            "Telegram has stayed reachable for 5 min: it came and went 4 times")
        sent = [c.params["text"] for c in fake.calls_for("sendMessage") if c.status == 200]
        assert sent == [f"message {n}" for n in range(4)]  # each once, in order

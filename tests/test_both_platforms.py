"""Slack and Telegram in one process, with one scheduler, against both fake APIs."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

from apscheduler.schedulers.base import BaseScheduler

from bot.app import run
from bot.config import Secret
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.slack.harness import ALICE as SLACK_ALICE
from tests.slack.harness import APP_TOKEN, BOT_TOKEN
from tests.support import WAIT

TELEGRAM_TOKEN = "123456:TEST-both-platforms"
LI_TELEGRAM = 1004


async def test_slack_and_telegram_share_one_process_and_one_scheduler(
        settings, clock, monkeypatch):
    started: list[BaseScheduler] = []
    original_start = BaseScheduler.start

    def counting_start(self, *args, **kwargs):
        started.append(self)
        return original_start(self, *args, **kwargs)

    monkeypatch.setattr(BaseScheduler, "start", counting_start)
    async with FakeSlackAPI() as slack, FakeTelegramAPI(token=TELEGRAM_TOKEN) as telegram:
        both = replace(settings, slack_bot_token=Secret(BOT_TOKEN),
                       slack_app_token=Secret(APP_TOKEN), slack_api_url=slack.base_url,
                       telegram_bot_token=Secret(TELEGRAM_TOKEN), telegram_api_url=telegram.url)
        assert not both.console_enabled
        stop = asyncio.Event()
        task = asyncio.create_task(run(both, clock=clock, stop=stop))
        try:
            await slack.wait_for_socket_connection()
            # The catch-up prompt goes to the first platform that knows Alice: Slack.
            prompt = await slack.wait_for_call("chat.postMessage")
            assert prompt.params["channel"] == SLACK_ALICE
            assert telegram.calls_for("sendMessage") == []
            # Li writes on Telegram: the answer comes back on Telegram, in Chinese.
            clock.advance(timedelta(minutes=1))
            telegram.push_update(telegram.private_message(LI_TELEGRAM, "/checkin"))
            [reply] = await telegram.wait_for_call("sendMessage")
            assert reply.params["chat_id"] == LI_TELEGRAM
            assert "第 1 题" in reply.params["text"]
        finally:
            stop.set()
            await asyncio.wait_for(task, timeout=WAIT)
    assert task.exception() is None
    assert len(started) == 1  # PTB was built without its own job queue

"""Signatures, acknowledgements and redeliveries: refused requests change nothing, retries
are processed once, and the HTTP endpoint behaves like bolt's own server."""

from __future__ import annotations

import json
import logging

import aiohttp
import pytest
from slack_bolt.async_app import AsyncBoltRequest

from bot.adapters.slack import SlackAdapter
from tests.fakes.slack_api import FakeSlackAPI, event_callback, now_ts, sign_request
from tests.slack.harness import (
    ALICE,
    BOT_TOKEN,
    FROZEN_NOW,
    GRACE,
    SIGNING_SECRET,
    SlackHarness,
    dm_channel,
    message,
)

NOTHING = {"answers": 0, "outbox": 0, "events": 0}


async def started_checkin(slack: SlackHarness, bot) -> dict[str, int]:
    await bot.run_checkins(["alice"])
    await slack.settle()
    return slack.counts()


@pytest.mark.parametrize("how", ["forged", "stale", "unsigned"])
async def test_bad_or_stale_signature_is_refused_and_changes_nothing(
        slack: SlackHarness, fake: FakeSlackAPI, how: str) -> None:
    body = slack.callback(message(ALICE, "52000", channel=dm_channel(ALICE), channel_type="im"))
    calls_before = len(fake.calls)
    if how == "forged":
        resp = await slack.dispatch(body, secret="not-the-signing-secret")
    elif how == "stale":
        resp = await slack.dispatch(body, timestamp=FROZEN_NOW - 6 * 60)  # outside 5 minutes
    else:
        resp = await slack.adapter.dispatch(slack.signed(body, **{"x-slack-signature": ""}))
    await slack.settle()

    assert resp.status == 401
    assert slack.counts() == NOTHING
    assert len(fake.calls) == calls_before


async def test_refused_request_does_not_touch_a_checkin_in_progress(
        slack: SlackHarness, bot) -> None:
    before = await started_checkin(slack, bot)
    resp = await slack.dm(ALICE, "52000", timestamp=FROZEN_NOW + 301)
    assert resp.status == 401
    assert slack.counts() == before


async def test_a_retried_event_is_processed_once(slack: SlackHarness, bot) -> None:
    before = await started_checkin(slack, bot)
    event = message(ALICE, "52000", channel=dm_channel(ALICE), channel_type="im")

    first = await slack.event(event, event_id="Ev0RETRY01")
    retry = await slack.event(event, event_id="Ev0RETRY01",
                              **{"x-slack-retry-num": "1", "x-slack-retry-reason": "timeout"})

    assert (first.status, retry.status) == (200, 200)  # the retry is acknowledged too
    after = slack.counts()
    assert after["answers"] == before["answers"] + 1 == 1
    assert after["events"] == 1
    assert after["outbox"] == before["outbox"] + 1  # one next question, not two
    assert "*Question 2 of 8*" in slack.last_text(ALICE)


async def test_a_retry_whose_first_delivery_was_lost_is_processed(
        slack: SlackHarness, bot) -> None:
    await started_checkin(slack, bot)
    event = message(ALICE, "52000", channel=dm_channel(ALICE), channel_type="im")

    await slack.event(event, event_id="Ev0LOST01", **{"x-slack-retry-num": "2",
                                                      "x-slack-retry-reason": "http_error"})

    assert slack.counts()["answers"] == 1
    assert "*Question 2 of 8*" in slack.last_text(ALICE)


async def test_the_ack_comes_before_the_work(slack: SlackHarness) -> None:
    resp = await slack.dm(GRACE, "hello", settle=False)

    assert resp.status == 200
    assert slack.counts()["events"] == 0  # acknowledged; the work runs after the response
    await slack.settle()
    assert slack.counts()["events"] == 1
    assert "I'm not waiting for an answer" in slack.last_text(GRACE)


async def test_slack_url_verification_is_answered(slack: SlackHarness) -> None:
    body = json.dumps({"token": "legacy", "challenge": "3eZbrw1aB", "type": "url_verification"})
    resp = await slack.dispatch(body)
    assert resp.status == 200
    assert json.loads(resp.body) == {"challenge": "3eZbrw1aB"}


async def test_http_endpoint_on_a_real_socket(
        adapter: SlackAdapter, slack: SlackHarness, fake: FakeSlackAPI) -> None:
    url = f"http://127.0.0.1:{adapter.http_port}{adapter.settings.slack_http_path}"
    good = slack.callback(message(GRACE, "hello", channel=dm_channel(GRACE), channel_type="im"))
    forged = slack.callback(message(GRACE, "hello again", channel=dm_channel(GRACE),
                                    channel_type="im"))

    async with aiohttp.ClientSession() as http:
        async with http.post(url, data=good.encode(),
                             headers=sign_request(SIGNING_SECRET, good, FROZEN_NOW)) as resp:
            assert resp.status == 200
        async with http.post(url, data=forged.encode(),
                             headers=sign_request("wrong", forged, FROZEN_NOW)) as resp:
            assert resp.status == 401
        async with http.get(url) as resp:
            assert resp.status == 405
        async with http.post(url + "/elsewhere", data=b"{}") as resp:
            assert resp.status == 404
        async with http.post(url, data=b"{not json",
                             headers={"content-type": "application/json"}) as resp:
            assert resp.status == 400
    await slack.settle()

    assert len(slack.posts(GRACE)) == 1
    assert slack.counts()["events"] == 1


async def test_tokens_and_secrets_never_reach_the_logs(
        bot, fake: FakeSlackAPI, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    adapter = SlackAdapter(bot, bot.settings)
    bot.register(adapter)
    await adapter.start()
    try:
        fake.rate_limit("chat.postMessage", retry_after=60)
        body = json.dumps(event_callback(message(GRACE, "hi", channel=dm_channel(GRACE),
                                                 channel_type="im")))
        await adapter.dispatch(AsyncBoltRequest(
            body=body, headers=sign_request(SIGNING_SECRET, body, now_ts())))
        await adapter.dispatch(AsyncBoltRequest(
            body=body, headers=sign_request("forged", body, now_ts())))
        await adapter.drain()
    finally:
        await adapter.stop()

    assert "asked us to wait" in caplog.text  # the run did log, at every level
    for secret in (BOT_TOKEN, SIGNING_SECRET):
        assert secret not in caplog.text

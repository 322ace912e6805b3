"""Health and metrics on the Slack HTTP listener's own port (what a load balancer reaches)."""

from __future__ import annotations

import json

import aiohttp

from bot.adapters.slack import SlackAdapter
from tests.slack.harness import SlackHarness

GRACE = "U0GRACE"


async def test_health_and_metrics_are_served_beside_the_slack_endpoint(
        adapter: SlackAdapter, slack: SlackHarness) -> None:
    slack.bot.platform_state["slack"] = "connected"  # as `teampulse run` marks it
    await slack.dm(GRACE, "/help")
    await slack.dm(GRACE, "/help", event_id="Ev-same")
    await slack.dm(GRACE, "/help", event_id="Ev-same")  # Slack retried it
    base = f"http://127.0.0.1:{adapter.http_port}"
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/healthz") as resp:
            assert resp.status == 200
        async with http.get(f"{base}/readyz") as resp:
            assert resp.status == 200
            assert json.loads(await resp.text())["platforms"] == {"slack": "connected"}
        async with http.get(f"{base}/metrics") as resp:
            assert resp.status == 200
            assert resp.headers["Content-Type"].startswith("text/plain")
            text = await resp.text()
    assert 'teampulse_messages_sent_total{platform="slack"} 2.0' in text
    assert 'teampulse_events_deduplicated_total{platform="slack"} 1.0' in text
    assert 'teampulse_handler_seconds_count{platform="slack"} 3.0' in text

"""Confirming a number in Slack: buttons through bolt against the fake Web API."""

from __future__ import annotations

from tests.fakes.slack_api import FakeSlackAPI
from tests.slack.harness import ALICE, SlackHarness


async def test_a_far_too_large_number_is_confirmed_with_a_button(
        slack: SlackHarness, fake: FakeSlackAPI, bot) -> None:
    await bot.run_checkins(["alice"])
    await slack.settle()
    await slack.dm(ALICE, "5200000")
    confirm = slack.posts(ALICE)[-1]
    assert "5,200,000 USD is more than 20 times your weekly target" in confirm.params["text"]
    labels = [e["text"]["text"] for e in confirm.params["blocks"][-1]["elements"]]
    assert labels == ["Yes, 5,200,000 USD", "No, I'll type it again"]
    assert slack.counts()["answers"] == 0
    assert (await slack.press(ALICE, confirm, "Yes, 5,200,000 USD")).status == 200
    assert slack.counts()["answers"] == 1
    assert "Question 2 of 8" in slack.last_text(ALICE)

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


async def test_an_older_confirmation_button_pressed_leaves_its_message_as_it_was(
        slack: SlackHarness, fake: FakeSlackAPI, bot) -> None:
    """Alice's "12,5k" is asked back with two buttons; she types 2000000 instead, asked back
    in turn, then presses "12,500 USD" on the older message. Nothing is saved and she is
    told so, and the older message keeps its buttons: it was marked "✅ 12,500 USD", a
    choice that was not taken, beside the reply saying nothing was saved."""
    await bot.run_checkins(["alice"])
    await slack.settle()
    await slack.dm(ALICE, "12,5k")
    older = slack.posts(ALICE)[-1]
    await slack.dm(ALICE, "2000000")
    newer = slack.posts(ALICE)[-1]
    assert "2,000,000 USD is more than 20 times" in newer.params["text"]
    await slack.press(ALICE, older, "12,500 USD")
    assert slack.last_text(ALICE).startswith(
        "That button was for a number you have since typed again: nothing was saved.")
    assert slack.counts()["answers"] == 0
    assert fake.call_count("chat.update") == 0  # the older message left as it was
    # The newer one's press is taken, and its message marked.
    await slack.press(ALICE, newer, "Yes, 2,000,000 USD")
    assert slack.counts()["answers"] == 1
    assert fake.call_count("chat.update") == 1
    update = fake.last_call("chat.update")
    assert update.params["ts"] == slack.ts_of(newer)
    assert "✅ *Yes, 2,000,000 USD*" in str(update.params["blocks"])

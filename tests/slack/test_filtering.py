"""What the core never sees: bots, edits, deletions; and payloads nobody expected."""

from __future__ import annotations

import json
import logging
from urllib.parse import urlencode

import pytest

from tests.fakes.slack_api import FakeSlackAPI
from tests.slack.harness import ALICE, CHANNEL, GRACE, SlackHarness, dm_channel, message

NOTHING = {"answers": 0, "outbox": 0, "events": 0}


@pytest.mark.parametrize("event", [
    # another app's bot posting in the DM channel
    message("U0OTHERBOT", "beep", channel=dm_channel(GRACE), channel_type="im",
            bot_id="B0OTHER", subtype="bot_message"),
    # a bot message without a user at all
    {"type": "message", "subtype": "bot_message", "bot_id": "B0OTHER", "text": "beep",
     "channel": dm_channel(GRACE), "channel_type": "im", "ts": "1700000000.000300"},
    # our own message echoed back
    message("U0BOTUSER", "Question 1 of 8", channel=dm_channel(GRACE), channel_type="im",
            bot_id="B0BOT"),
    # a person editing and deleting messages
    {"type": "message", "subtype": "message_changed", "channel": dm_channel(GRACE),
     "channel_type": "im", "hidden": True, "ts": "1700000000.000400",
     "message": {"type": "message", "user": GRACE, "text": "edited", "ts": "1.1"}},
    {"type": "message", "subtype": "message_deleted", "channel": dm_channel(GRACE),
     "channel_type": "im", "hidden": True, "ts": "1700000000.000500", "deleted_ts": "1.1"},
    {"type": "message", "subtype": "channel_join", "user": GRACE, "channel": CHANNEL,
     "channel_type": "channel", "text": "<@U0GRACE> has joined", "ts": "1700000000.000600"},
], ids=["other-bot", "bot-no-user", "own-message", "edit", "delete", "join"])
async def test_bots_edits_and_deletions_are_acknowledged_and_ignored(
        slack: SlackHarness, fake: FakeSlackAPI, event: dict) -> None:
    resp = await slack.event(event)

    assert resp.status == 200
    assert slack.counts() == NOTHING
    assert slack.posts() == [] and slack.ephemerals() == []


async def test_channel_chatter_is_not_answered_but_commands_are(slack: SlackHarness) -> None:
    await slack.event(message(GRACE, "lunch anyone?"))
    assert slack.posts() == [] and slack.ephemerals() == []

    await slack.event(message(GRACE, "/summary last 0w", ts="1700000000.000700"))
    assert "Usage: /summary" in slack.ephemerals(GRACE)[-1].params["text"]


async def test_a_file_without_text_gets_a_polite_answer(slack: SlackHarness) -> None:
    await slack.event(message(GRACE, "", channel=dm_channel(GRACE), channel_type="im",
                              subtype="file_share", files=[{"id": "F1"}]))
    assert "I can only read text messages" in slack.last_text(GRACE)


@pytest.mark.parametrize("body, logged", [
    (json.dumps({"type": "event_callback", "team_id": "T0TEAMPULSE", "api_app_id": "A0",
                 "event_id": "Ev0NEW", "event": {"type": "reaction_added", "user": GRACE}}),
     "event=reaction_added"),
    (json.dumps({"type": "event_callback", "team_id": "T0TEAMPULSE", "event_id": "Ev0ODD",
                 "event": {"type": "message", "channel_type": "im", "text": "no user"}}),
     "unexpected shape"),
    (json.dumps({"type": "brand_new_envelope", "team_id": "T0TEAMPULSE", "token": "t0ken"}),
     "type=brand_new_envelope"),
    (urlencode({"payload": json.dumps({
        "type": "block_actions", "team": {"id": "T0TEAMPULSE"}, "user": {"id": GRACE},
        "container": {"type": "message", "message_ts": "1.2", "channel_id": CHANNEL},
        "actions": [{"action_id": "someone_elses_button", "value": "x", "action_ts": "1.3"}]})}),
     "actions=someone_elses_button"),
    (urlencode({"payload": json.dumps({
        "type": "view_submission", "team": {"id": "T0TEAMPULSE"}, "user": {"id": GRACE},
        "view": {"type": "modal", "callback_id": "mystery"}})}),
     "type=view_submission"),
    (urlencode({"payload": json.dumps({  # so odd that bolt's own helpers raise on it
        "type": "view_submission", "team": {"id": "T0TEAMPULSE"}, "user": {"id": GRACE},
        "view": {"callback_id": "mystery"}})}),
     "could not be processed"),
], ids=["unsubscribed-event", "message-without-user", "unknown-type", "foreign-button",
        "modal", "trips-bolt"])
async def test_unknown_payload_shapes_are_acknowledged_and_logged(
        slack: SlackHarness, caplog: pytest.LogCaptureFixture, body: str, logged: str) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.adapters.slack"):
        resp = await slack.dispatch(body)
        await slack.settle()

    assert resp.status == 200
    warnings = [r.getMessage() for r in caplog.records if r.name == "bot.adapters.slack"]
    assert any(logged in w for w in warnings), warnings
    assert not any("t0ken" in w for w in warnings)  # payloads are described, never dumped
    assert slack.counts() == NOTHING


async def test_a_button_press_with_a_malformed_value_is_logged_not_fatal(
        slack: SlackHarness, caplog: pytest.LogCaptureFixture) -> None:
    payload = {"type": "block_actions", "team": {"id": "T0TEAMPULSE"}, "user": {"id": ALICE},
               "container": {"type": "message", "message_ts": "1.2", "channel_id": "D0ALICE"},
               "actions": [{"action_id": "tp_choice_0", "action_ts": "1.3"}]}
    with caplog.at_level(logging.WARNING, logger="bot.adapters.slack"):
        resp = await slack.dispatch(urlencode({"payload": json.dumps(payload)}))
        await slack.settle()
    assert resp.status == 200
    assert "unexpected shape" in caplog.text
    assert slack.counts() == NOTHING


WORKFLOW = {"app_id": "A0WORKFLOW", "bot_profile": {
    "id": "B0WORKFLOW", "app_id": "A0WORKFLOW", "name": "Standup workflow", "deleted": False}}


@pytest.mark.parametrize("marks", [WORKFLOW, {"app_id": "A0WORKFLOW"},
                                   {"bot_profile": WORKFLOW["bot_profile"]}],
                         ids=["both", "app_id", "bot_profile"])
async def test_an_app_posting_as_a_person_is_not_their_own_words(
        slack: SlackHarness, bot, marks: dict) -> None:
    """A workflow (or any app) posts "52000" in Alice's DM under her user id while her
    check-in asks for revenue, and "thanks @Alice" in the channel under Sam's: the
    messages carry the app's app_id or bot_profile but no bot_id. Neither is taken as
    what they typed: no answer is stored, no kudos is given, nothing is posted; Alice's
    question still waits, and takes what she types herself."""
    from tests.slack.harness import SAM
    from tests.slack.test_kudos import kudos_count

    await bot.run_checkins(["alice"])
    await slack.settle()
    asked = len(slack.posts(ALICE))
    await slack.event(message(ALICE, "52000", channel=dm_channel(ALICE), channel_type="im",
                              ts="1700000000.000801", **marks))
    await slack.event(message(SAM, "thanks <@U0ALICE> for the demo prep",
                              ts="1700000000.000802", **marks))
    assert slack.counts()["answers"] == 0 and kudos_count(slack) == 0
    assert len(slack.posts(ALICE)) == asked and slack.posts(CHANNEL) == []
    await slack.dm(ALICE, "52000")
    assert slack.counts()["answers"] == 1

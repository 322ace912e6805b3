"""A director answers the weekly check-in in Slack; the GM reads it in /summary in Slack."""

from __future__ import annotations

from tests.fakes.slack_api import FakeSlackAPI
from tests.slack.harness import ALICE, GRACE, SlackHarness, dm_channel


async def test_director_answers_in_dm_with_text_and_buttons_and_gm_sees_summary(
        slack: SlackHarness, fake: FakeSlackAPI, bot) -> None:
    await bot.run_checkins(["alice"])
    await slack.settle()
    first = slack.posts(ALICE)[-1]
    assert "*Question 1 of 8*" in first.params["text"]
    assert "blocks" not in first.params  # a number question: typed, no buttons

    for answer in ["52000", "3", "Big <win> & more", "None really"]:
        assert (await slack.dm(ALICE, answer)).status == 200

    support = slack.posts(ALICE)[-1]
    assert "What support do you need" in support.params["text"]
    section, actions = support.params["blocks"]
    assert section["text"] == {"type": "mrkdwn", "text": support.params["text"]}
    assert [e["action_id"] for e in actions["elements"]] == [
        f"tp_choice_{i}" for i in range(5)]
    assert actions["elements"][0]["text"]["text"] == "No support needed"
    assert actions["elements"][0]["value"].startswith("ans:")

    assert (await slack.press(ALICE, support, "No support needed")).status == 200
    update = fake.last_call("chat.update")
    assert update.params["channel"] == dm_channel(ALICE)
    assert update.params["ts"] == slack.ts_of(support)
    assert [b["type"] for b in update.params["blocks"]] == ["section", "context"]
    assert "No support needed" in update.params["blocks"][-1]["elements"][0]["text"]
    assert "What is your plan" in slack.last_text(ALICE)

    await slack.dm(ALICE, "Plan")
    confidence = slack.posts(ALICE)[-1]
    assert [e["text"]["text"] for e in confidence.params["blocks"][-1]["elements"]] == [
        "1", "2", "3", "4", "5"]
    await slack.press(ALICE, confidence, "4")
    assert fake.call_count("chat.update") == 2
    assert "*Thanks — your check-in for 2026-W48 is in.*" in slack.last_text(ALICE)
    assert slack.counts()["answers"] == 7

    await slack.command(GRACE, "/summary", channel=dm_channel(GRACE))
    summary = slack.last_text(GRACE)
    assert "*Weekly summary — Test Sales*" in summary
    assert "Revenue 52,000 / 50,000 USD (104%)" in summary
    assert "✅ <@U0ALICE> — checked in" in summary
    assert "Big &lt;win&gt; &amp; more" in summary
    assert slack.ephemerals() == []  # asked in the DM, answered in the DM


async def test_an_answer_typed_in_a_channel_or_group_dm_is_not_taken_nor_echoed(
        slack: SlackHarness, fake: FakeSlackAPI, bot) -> None:
    """Alice, mid check-in, types her revenue in the team channel and then in a group DM
    that has the bot in it: neither is stored as her answer, the bot posts nothing there,
    and her DM's question still waits and takes the answer typed there."""
    from tests.slack.harness import CHANNEL, message

    await bot.run_checkins(["alice"])
    await slack.settle()
    assert "*Question 1 of 8*" in slack.last_text(ALICE)
    await slack.event(message(ALICE, "52000", ts="1700000000.000301"))
    await slack.event(message(ALICE, "52000", channel="G0GROUPDM", channel_type="mpim",
                              ts="1700000000.000302"))
    assert slack.posts(CHANNEL) == [] and slack.posts("G0GROUPDM") == []
    assert slack.ephemerals() == []
    assert slack.counts()["answers"] == 0
    assert "*Question 1 of 8*" in slack.last_text(ALICE)
    await slack.dm(ALICE, "61000")
    assert "Question 2 of 8" in slack.last_text(ALICE)
    assert slack.counts()["answers"] == 1

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
    # The manifest does not subscribe to message.mpim; an app that did would get it.
    fake.events = None
    await slack.event(message(ALICE, "52000", channel="G0GROUPDM", channel_type="mpim",
                              ts="1700000000.000302"))
    assert slack.posts(CHANNEL) == [] and slack.posts("G0GROUPDM") == []
    assert slack.ephemerals() == []
    assert slack.counts()["answers"] == 0
    assert "*Question 1 of 8*" in slack.last_text(ALICE)
    await slack.dm(ALICE, "61000")
    assert "Question 2 of 8" in slack.last_text(ALICE)
    assert slack.counts()["answers"] == 1


async def test_a_deleted_answer_is_said_to_stay_recorded(slack: SlackHarness, bot) -> None:
    """Alice types 5200 for her revenue, sees the typo and deletes her message, as she
    would to take it back. Nothing was said: she retyped 52000, which became her answer to
    the next question (new customers), while 5200 stayed her revenue. Now she is told at
    once that the answer stays recorded and how to change it; in Chinese to Li Lei."""
    from tests.slack.harness import LILEI, message

    await bot.run_checkins(["alice", "li"])
    await slack.settle()
    for who, typed in ((ALICE, "5200"), (LILEI, "8000")):
        said = message(who, typed, channel=dm_channel(who), channel_type="im",
                       ts="1700000000.000500")
        await slack.event(said)
        assert slack.counts()["answers"] == (1 if who == ALICE else 2)
        await slack.event({"type": "message", "subtype": "message_deleted", "hidden": True,
                           "channel": dm_channel(who), "channel_type": "im",
                           "ts": "1700000060.000000", "deleted_ts": said["ts"],
                           "previous_message": {"type": "message", "user": who,
                                                "text": typed, "ts": said["ts"]}})

    assert slack.last_text(ALICE) == (
        "Deleting a message does not take back what I read in it: an answer you sent stays "
        "recorded. To change a check-in answer, send /edit.")
    assert slack.last_text(LILEI) == (
        "删除消息不会撤回我已读取的内容：你发送的回答仍然有效。要修改签到的回答，请发送 /edit。")
    assert slack.counts()["answers"] == 2  # nothing taken back, nothing stored anew
    # Deleting another message in a row is not told again.
    told = len(slack.posts(ALICE))
    await slack.event({"type": "message", "subtype": "message_deleted", "hidden": True,
                       "channel": dm_channel(ALICE), "channel_type": "im",
                       "ts": "1700000090.000000", "deleted_ts": "1700000000.000400",
                       "previous_message": {"type": "message", "user": ALICE,
                                            "text": "oops", "ts": "1700000000.000400"}})
    assert len(slack.posts(ALICE)) == told


async def test_an_answer_slack_delivers_after_midnight_counts_when_it_was_sent(
        slack: SlackHarness, bot) -> None:
    """Slack retries an event the bot did not take (restarting, say) for minutes: Alice's
    last answer, sent at 23:58 on Sunday in New York and delivered at 00:04, is on time;
    one sent at 00:01 is late."""
    from datetime import UTC, datetime

    from tests.slack.harness import message

    async def last_answer(sent: datetime) -> str:
        await bot.run_checkins(["alice"])
        await slack.settle()
        for answer in ["52000", "3", "Big win", "None really", "1", "Plan"]:
            await slack.dm(ALICE, answer)
        slack.clock.set(datetime(2026, 11, 30, 5, 4, tzinfo=UTC))  # Mon 00:04 in New York
        await slack.event(message(ALICE, "4", channel=dm_channel(ALICE), channel_type="im",
                                  ts=f"{sent.timestamp():.6f}"))
        assert "your check-in for 2026-W48 is in" in slack.last_text(ALICE)
        await slack.command(GRACE, "/summary", "2026-W48", channel=dm_channel(GRACE))
        return next(line for line in slack.last_text(GRACE).splitlines()
                    if "<@U0ALICE>" in line and "checked in" in line)

    assert "(late)" not in await last_answer(datetime(2026, 11, 30, 4, 58, tzinfo=UTC))

"""/summary chart on Slack: the chart is uploaded as a file to the reader's DM (the real
slack_sdk client against the fake Web API: files.getUploadURLExternal, then complete)."""

from __future__ import annotations

from tests.slack.harness import CHANNEL, GRACE, SAM, SlackHarness


async def test_gm_gets_a_chart_uploaded_to_their_dm(slack: SlackHarness) -> None:
    before = len(slack.posts(CHANNEL))
    resp = await slack.command(GRACE, "/summary", "chart attainment")
    assert resp.status == 200
    complete = slack.fake.last_call("files.completeUploadExternal")
    assert complete.params["channel_id"].startswith("D")  # the DM, not the channel
    assert slack.fake.last_call("conversations.open").params["users"] == GRACE
    assert complete.params["initial_comment"].startswith("KPI attainment, Test Sales, ")
    [upload] = slack.fake.uploads.values()
    assert upload.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert upload.filename.startswith("attainment-2026-W") and upload.filename.endswith(".png")
    assert len(slack.posts(CHANNEL)) == before  # nothing in public
    # In the channel, only an ephemeral note says the answer went to the DM.
    assert slack.ephemerals(GRACE)


async def test_a_member_asking_for_a_chart_is_refused(slack: SlackHarness) -> None:
    await slack.command(SAM, "/summary", "chart")
    assert slack.ephemerals(SAM)[-1].params["text"].startswith("Sorry, charts are for the GM")
    assert not slack.fake.uploads

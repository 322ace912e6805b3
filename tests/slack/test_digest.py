"""The weekly digest on Slack: the text as a DM, the chart as a file in the same DM."""

from __future__ import annotations

import json
from datetime import timedelta

from tests.fakes.slack_api import FakeSlackAPI
from tests.slack.harness import GRACE, SlackHarness, dm_channel
from tests.test_digest import MONDAY_8AM_NY, PNG, a_figure


async def test_the_gm_gets_the_digest_and_its_chart_as_a_file_upload(
        slack: SlackHarness, fake: FakeSlackAPI) -> None:
    # An install that has been running: the GM wrote to it two weeks before.
    slack.clock.set(MONDAY_8AM_NY - timedelta(weeks=2))
    await slack.dm(GRACE, "/help")
    a_figure(slack.bot)  # a week with figures: the chart has something to draw
    slack.clock.set(MONDAY_8AM_NY)
    await slack.bot.run_digests()
    await slack.settle()
    (post,) = [c for c in fake.calls_for("chat.postMessage") if c.params["channel"] == GRACE
               and "Weekly digest" in c.params["text"]]
    assert "*📬 Weekly digest — 2026-W48*" in post.params["text"]
    assert "No check-in was sent this week" in post.params["text"]
    (done,) = [c for c in fake.calls_for("files.completeUploadExternal")
               if c.params["channel_id"] == dm_channel(GRACE)]
    # (The install's two weeks, not eight: the weeks before it first ran did not exist.)
    assert done.params["initial_comment"] == (
        "📈 Attainment against target, the 2 weeks since teampulse started (2026-W47 to "
        "2026-W48)")
    (item,) = json.loads(done.params["files"]) if isinstance(done.params["files"], str) \
        else done.params["files"]
    upload = fake.uploads[item["id"]]
    assert upload.filename == "attainment-2026-W48.png"
    assert upload.data is not None and upload.data.startswith(PNG)
    # Posted before the chart, in the GM's DM.
    assert fake.calls.index(post) < fake.calls.index(done)

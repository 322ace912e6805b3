"""The support-request cycle on Slack, through slack-bolt and the real WebClient against
FakeSlackAPI: 李雷 (zh-CN) asks for another department's help in his check-in, the GM gets
the DM, acknowledges, comments and resolves with /support, and Li hears each step in
Chinese; another director cannot resolve it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.slack.harness import GRACE, LILEI, SlackHarness, dm_channel
from tests.test_support import write_org

BRUNO = "U0BRUNO"


@pytest.fixture
def settings(settings, tmp_path):
    """The Slack test settings on the test org with departments."""
    return replace(settings, org_file=write_org(tmp_path))


async def test_the_support_cycle_on_slack(slack: SlackHarness, bot) -> None:
    await bot.run_checkins(["li"])
    await slack.settle()
    for answer in ["61000", "大客户签约", "审批慢"]:
        await slack.dm(LILEI, answer)
    await slack.press(LILEI, slack.posts(LILEI)[-1], "其他部门的协助")
    await slack.dm(LILEI, "需要市场部做一份方案 & 报价")
    await slack.dm(LILEI, "拜访 3 家")
    await slack.press(LILEI, slack.posts(LILEI)[-1], "4")
    texts = [str(c.params["text"]) for c in slack.posts(LILEI)]
    assert any("支持请求已登记，编号 *#1*" in t for t in texts)

    opened = slack.last_text(GRACE)
    assert opened.startswith("🆘 New support request *#1* Help from another department → "
                             "Marketing — 李雷, 2026-W48: 需要市场部做一份方案 &amp; 报价")

    # Another director cannot resolve it; nothing changes and Li hears nothing.
    before = len(slack.posts(LILEI))
    await slack.command(BRUNO, "/support", "resolve 1 done", channel=dm_channel(BRUNO))
    assert slack.last_text(BRUNO) == ("There is no support request #1 that you can see. "
                                      "/support lists the open ones.")
    assert len(slack.posts(LILEI)) == before

    await slack.command(GRACE, "/support", "ack 1", channel=dm_channel(GRACE))
    assert slack.last_text(GRACE) == "✅ Acknowledged *#1*; 李雷 is told."
    assert slack.last_text(LILEI) == "👀 Grace Chen 已确认你的支持请求 *#1*（其他部门的协助）。"
    await slack.command(GRACE, "/support", "comment 1 Marketing drafts it <today>",
                        channel=dm_channel(GRACE))
    assert slack.last_text(LILEI) == ("💬 Grace Chen 评论了你的支持请求 *#1*（其他部门的协助）："
                                      "Marketing drafts it &lt;today&gt;")
    await slack.command(GRACE, "/support", "", channel=dm_channel(GRACE))
    assert "*#1* Help from another department → Marketing — 李雷" in slack.last_text(GRACE)
    assert "acknowledged, today" in slack.last_text(GRACE)
    await slack.command(GRACE, "/support", "resolve 1 Deck sent to the client",
                        channel=dm_channel(GRACE))
    assert slack.last_text(LILEI) == ("✅ Grace Chen 已解决你的支持请求 *#1*（其他部门的协助）："
                                      "Deck sent to the client")
    await slack.command(LILEI, "/support", "", channel=dm_channel(LILEI))
    assert slack.last_text(LILEI).startswith("你没有未解决的支持请求。")

"""The support-request cycle on Telegram, through python-telegram-bot against
FakeTelegramAPI: 李雷 (zh-CN) asks for budget in his check-in, the GM and the finance owner
get the DM, the GM acknowledges, comments and resolves, and Li hears each step in Chinese;
another director cannot resolve it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.telegram.conftest import GRACE, LI, TG, VERA
from tests.test_support import write_org

ALICE = 1002


@pytest.fixture
def settings(settings, tmp_path):
    """The Telegram test settings on the test org with departments."""
    return replace(settings, org_file=write_org(tmp_path))


async def test_the_support_cycle_on_telegram(tg: TG) -> None:
    await tg.checkins("li")
    for answer in ["61000", "大客户签约", "审批慢"]:
        await tg.say(LI, answer)
    await tg.press(LI, "预算")
    await tg.say(LI, "展会预算 <2万")
    await tg.say(LI, "拜访 3 家")
    await tg.press(LI, "4")
    assert any("已登记，编号 #1" in t for t in tg.shown(LI))

    opened = next(t for t in tg.shown(GRACE) if "New support request" in t)
    assert opened.startswith("🆘 New support request #1 Budget → Finance — 李雷, 2026-W48: "
                             "展会预算 <2万")
    assert any("New support request #1" in t for t in tg.shown(VERA))  # finance's owner

    await tg.say(ALICE, "/support resolve 1 mine now")
    assert tg.shown(ALICE)[-1] == ("There is no support request #1 that you can see. "
                                   "/support lists the open ones.")

    await tg.say(GRACE, "/support ack 1")
    assert tg.shown(LI)[-1] == "👀 Grace Chen 已确认你的支持请求 #1（预算）。"
    await tg.say(GRACE, "/support comment 1 Finance reviews it on Monday")
    assert tg.shown(LI)[-1] == ("💬 Grace Chen 评论了你的支持请求 #1（预算）："
                                "Finance reviews it on Monday")
    await tg.say(GRACE, "/support resolve 1 Approved: 20k")
    assert tg.shown(GRACE)[-1] == "✅ Resolved #1 the day it was opened; 李雷 is told."
    assert tg.shown(LI)[-1] == "✅ Grace Chen 已解决你的支持请求 #1（预算）：Approved: 20k"
    assert "Grace Chen resolved #1 (李雷, Budget): Approved: 20k" in tg.shown(VERA)[-1]
    await tg.say(GRACE, "/support resolve 1 again")
    assert tg.shown(GRACE)[-1].startswith("Request #1 is already resolved")

"""Bruno starts his check-in, answers the revenue, and is taken out of the org file before
he finishes. He is told it stopped where he was. The GM's summary of that week still lists
him (he was asked in it), but read "Needs your attention: Bruno Rossi: in progress this
week", as if he would still finish, or could be chased: it says he is no longer in the
org file, and leaves him out of what needs attention. Nobody reminds him."""

from __future__ import annotations

from datetime import timedelta

from tests.support import say
from tests.test_org_reload import BRUNO, running  # noqa: F401 (the fixture)


async def _bruno_leaves_halfway(r) -> None:
    await say(r.bot, "bruno", "/checkin")
    await say(r.bot, "bruno", "41000")
    assert "Question 2 of 7" in r.chat.last("bruno")
    r.edit(BRUNO, "")
    change = await r.watcher.check()
    assert change is not None and change.removed == ("bruno",)


def _attention(summary: str, heading: str) -> str:
    """The summary's attention list (its lines up to the next blank line)."""
    return summary.split(heading + "\n", 1)[1].split("\n\n", 1)[0]


async def test_the_gm_reads_a_director_gone_halfway_as_no_longer_in_the_org(
        running):  # noqa: F811 - the fixture
    r = running
    await _bruno_leaves_halfway(r)
    await say(r.bot, "grace", "/summary")
    summary = r.chat.last("grace")
    assert "⏳ Bruno Rossi — in progress (1 of 7 answered) · no longer in the org file" \
        in summary, summary
    attention = _attention(summary, "Needs your attention")
    assert "Alice Martin: not checked in this week" in attention  # (a guard)
    assert "Bruno" not in attention, attention
    with r.bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(r.bot, "grace", "/summary")
    summary = r.chat.last("grace")
    assert "⏳ Bruno Rossi — 填写中（已答 1/7） · 已不在组织文件中" in summary, summary
    assert "Bruno" not in _attention(summary, "需要您关注"), summary


async def test_a_director_gone_halfway_is_neither_reminded_nor_named_for_reminding(
        running):  # noqa: F811 - the fixture
    """Guards: the reminders and /checkin remind leave him out, as they did."""
    r = running
    await _bruno_leaves_halfway(r)
    seen = len(r.chat.to("bruno"))
    for _ in range(6):
        r.clock.advance(timedelta(hours=12))
        await r.bot.run_reminders()
        await r.bot.drain()
    assert r.chat.to("bruno")[seen:] == []
    await say(r.bot, "grace", "/checkin remind")
    assert "Bruno" not in r.chat.last("grace")

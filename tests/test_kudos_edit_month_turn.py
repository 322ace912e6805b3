"""An edit, within its 15 minutes, of kudos given in a month that is over (org time):
that month's kudos stay as they were, as the README promises ("Neither a deletion nor an
edit takes back kudos of a month that is over"), and the giver is told why.

Before, an edit that took the praise out kept November's kudos, but one that named someone
else moved them: praise of Sam at 23:55 on 30 November, corrected at 00:05 to Bruno, took
Sam's kudos off November's board and roll (and an edit read late, after the roll was
posted, rewrote the month the roll had named).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.test_kudos import kudo
from tests.test_kudos_edit_refused import credited, edit

NEW_YORK = ZoneInfo("America/New_York")  # the org's time: the GM's timezone


async def test_an_edit_after_midnight_leaves_last_months_kudos_where_they_were(
        bot, chat, clock):
    clock.set(datetime(2026, 11, 30, 23, 55, tzinfo=NEW_YORK))
    await kudo(bot, "alice", "thanks @sam for the demo 👏", message_id="m1")
    clock.advance(timedelta(minutes=10))
    chat.clear()
    # Slack sends an edit when it unfurls a link under the message, the same words: no word.
    await edit(bot, "alice", "thanks @sam for the demo 👏", event_id="unfurl", seconds=600)
    assert chat.sent == []
    await edit(bot, "alice", "thanks @bruno for the demo 👏", seconds=600)
    assert chat.last("alice") == (
        "I didn't read your edit: the kudos it gave were given last month, whose honours are "
        "already counted, so they stay as they were, with Sam Lee. To recognise someone now, "
        "send new kudos: /kudos @someone for …")
    assert credited(bot) == [("alice", "sam", "thanks for the demo 👏")]
    assert chat.to("sam") == [] and chat.to("bruno") == []  # nobody told of a move
    assert not [t for t in chat.to("team") if "Corrected" in t]
    await kudo(bot, "grace", "/honours 2026-11", message_id="h1")
    assert "Sam Lee — 1 kudo" in chat.last("team")


async def test_the_giver_is_told_in_chinese_and_a_refused_edit_says_the_month_is_over(
        bot, chat, clock):
    clock.set(datetime(2026, 11, 30, 23, 58, tzinfo=NEW_YORK))
    await kudo(bot, "li", "谢谢 @sam 帮忙准备投标材料", message_id="m1")
    clock.advance(timedelta(minutes=4))
    await edit(bot, "li", "谢谢 @alice 帮忙准备投标材料", seconds=240)
    assert chat.last("li") == (
        "我没有读取你的编辑：它给出的点赞是上个月给出的，该月的荣誉已经统计，因此点赞保持原样，"
        "仍给 Sam Lee。如需认可同事，请重新点赞：/kudos @某人 因为……")
    await edit(bot, "li", "谢谢 @mallory 帮忙准备投标材料", event_id="edit-2", seconds=300)
    assert chat.last("li").endswith(
        "你的点赞保持这次编辑之前的样子，仍给 Sam Lee：它们是上个月给出的，该月的荣誉已经统计。")
    assert [r for _, r, _ in credited(bot)] == ["sam"]


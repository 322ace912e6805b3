"""A summary of several weeks whose latest week nobody in it was asked to check in (away,
no round sent) read "Blockers and support requests: None reported.", as if the directors
had been asked and said nothing. It says nobody was asked, and why (console chat, on the
test's clock)."""

from __future__ import annotations

from tests.support import say

HEAD = "Blockers and support requests in 2026-W48\n"
HEAD_ZH = "2026-W48 的阻碍与支持需求\n"


async def test_a_week_nobody_was_asked_does_not_read_as_nothing_reported(bot, chat, clock):
    """Alice (team East's one director) is away for this Friday's check-in: her own
    `/summary last 2w` and the GM's view of team East say she was not asked, and why."""
    await say(bot, "alice", "/away 2026-12-10")
    await bot.run_checkins()
    await say(bot, "alice", "/summary last 2w")
    text = chat.last("alice")
    assert "None reported." not in text
    assert HEAD + "None: nobody was asked this week (away: Alice Martin).\n" in text
    await say(bot, "grace", "/summary team East last 2w")
    assert HEAD + "None: nobody was asked this week (away: Alice Martin).\n" \
        in chat.last("grace")
    # Her one-week view, with her listed as away just above, no longer says "None
    # reported." under Blockers either.
    await say(bot, "alice", "/summary")
    assert "Blockers\nNone: nobody was asked this week.\n" in chat.last("alice")


async def test_a_week_with_no_round_says_none_was_sent_in_chinese_too(bot, chat, clock):
    """Before the bot's first check-in run, 李雷's `/summary 最近2周` (its latest week the
    one just over, 2026-W47, for which no round was made) read "无。" under blockers, as
    if he had been asked."""
    await say(bot, "li", "/summary 最近2周")
    assert "2026-W47 的阻碍与支持需求\n无：该周没有人被问到（未发送签到：李雷）。\n" \
        in chat.last("li")
    await bot.run_checkins()  # asked now, nothing answered yet: as before
    await say(bot, "li", "/summary 最近2周")
    assert HEAD_ZH + "无。\n" in chat.last("li")
    await say(bot, "alice", "/summary last 2w")
    assert HEAD + "None reported.\n" in chat.last("alice")

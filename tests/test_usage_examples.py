"""A usage line's example is copied as it is: it must still work the day it is read.

The examples of `/1on1 move`, `/actions add`, an action item typed after a 1:1 and `/away`
named fixed days (2026-12-03, 2026-12-10, 2026-12-31): from those days on, someone who
copied the example was told the day had passed. They now name a day ahead of the reader's
today, and a person the command can be for. The clock: Wednesday 10 March 2027, 16:00 in
New York, after every one of those days.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from tests.support import say

LATER = datetime(2027, 3, 10, 21, 0, tzinfo=UTC)


def _example(reply: str, command: str) -> str:
    """The example command in `reply` (up to its closing bracket or full stop)."""
    found = re.search(rf"({re.escape(command)} [^（(。]*?)(?:\.$|\.\s| \(|（|。|$)", reply)
    assert found, reply
    return found.group(1).strip()


async def test_the_1on1_move_examples_move_the_meeting(bot, chat, clock):
    clock.set(LATER)
    await say(bot, "grace", "/1on1 move @bruno 2027-02-30 10:00")
    reply = chat.last("grace")
    assert reply.startswith("2027-02-30 10:00 is not a real date and time"), reply
    example = _example(reply.split("For example", 1)[1], "/1on1 move")
    assert example == "/1on1 move @bruno 2027-03-11 15:30", reply
    await say(bot, "grace", example)
    assert chat.last("grace").startswith("Moved: your next 1:1 with Bruno Rossi is "
                                         "Thu 2027-03-11 15:30"), chat.last("grace")
    await say(bot, "grace", "/1on1 move @alice soon-ish")
    reply = chat.last("grace")
    example = _example(reply.split("for example", 1)[1], "/1on1 move")
    assert example == "/1on1 move @alice 2027-03-11 15:30", reply
    assert "(or Mar 11 3:30pm, Thursday 15:30, tomorrow 9am)" in reply, reply
    await say(bot, "grace", example)
    assert chat.last("grace").startswith("Moved: your next 1:1 with Alice Martin"), \
        chat.last("grace")


async def test_the_1on1_move_example_in_chinese_moves_the_meeting(bot, chat, clock):
    clock.set(LATER)  # 李雷's today is Thursday 11 March in Shanghai
    await say(bot, "li", "/1on1 move 2027-02-30 10:00")
    reply = chat.last("li")
    assert "不是有效的日期和时间" in reply, reply
    example = _example(reply.split("例如", 1)[1], "/1on1 move")
    assert example == "/1on1 move @grace 2027-03-12 15:30", reply
    await say(bot, "li", "/1on1 move 随便")
    reply = chat.last("li")
    assert "或 /1on1 move 3月12日 下午3点半（也可写 周五 15:30、明天上午9点）" in reply, reply
    await say(bot, "li", example)
    assert "2027-03-12" in chat.last("li") and "不是" not in chat.last("li"), chat.last("li")


async def test_the_actions_add_example_adds_an_item(bot, chat, clock):
    clock.set(LATER)
    await say(bot, "grace", "/actions add @bruno")
    reply = chat.last("grace")
    example = _example(reply.split("for example", 1)[1], "/actions add")
    assert example == "/actions add send the Q1 forecast @bruno 2027-03-17", reply
    await say(bot, "grace", example)
    assert "send the Q1 forecast — Bruno Rossi, due 2027-03-17" in chat.last("grace"), \
        chat.last("grace")
    await say(bot, "grace", "/actions add call the CFO @bruno 2027-02-30")
    reply = chat.last("grace")
    assert reply.startswith("2027-02-30 is not a date. Nothing was saved."), reply
    assert "send the Q1 forecast @bruno 2027-03-17" in reply, reply
    await say(bot, "li", "/actions 添加 @grace")
    reply = chat.last("li")
    assert "发送第一季度预测 @grace 2027-03-18" in reply, reply


async def test_the_away_example_sets_time_away(bot, chat, clock):
    clock.set(LATER)
    await say(bot, "alice", "/away 2027-02-30")
    reply = chat.last("alice")
    assert reply == "2027-02-30 is not a real date. Use YYYY-MM-DD, for example " \
                    "/away 2027-03-17.", reply
    await say(bot, "alice", reply.rsplit("for example ", 1)[1].rstrip("."))
    assert "away from now until 2027-03-17" in chat.last("alice"), chat.last("alice")
    await say(bot, "li", "/away 2027-02-30")
    assert chat.last("li").endswith("例如 /away 2027-03-18。"), chat.last("li")

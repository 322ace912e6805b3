"""`/1on1 done`, typed by a manager or a report after a meeting (tried as users on the
console chat). There is no such command; it was answered with `/1on1`'s usage, which
names no "done", so neither the manager thinking it records the meeting nor the report
meaning `/actions done 3` learnt what does. Now the reply says both, in their language."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.config import Settings
from tests.oneonone_support import MONDAY_SLOT, write_org
from tests.support import say


@pytest.fixture
def settings(database_url, tmp_path):
    """The test org with one-on-one rules (Grace meets Alice on Mondays, 李雷 monthly)."""
    return Settings(database_url=database_url, org_file=write_org(tmp_path))


async def test_the_manager_is_told_how_a_meeting_is_recorded(bot, chat, clock):
    clock.set(MONDAY_SLOT + timedelta(minutes=20))
    await say(bot, "grace", "/1on1 done")
    reply = chat.last("grace")
    assert reply.startswith("There is no /1on1 done: once a 1:1 ends, I ask the manager "
                            "whether it happened"), reply
    assert "/actions done N (its number from /actions)" in reply, reply


async def test_the_report_meaning_an_action_item_is_given_the_command(bot, chat, clock):
    clock.set(MONDAY_SLOT + timedelta(days=1))
    await say(bot, "alice", "/1on1 done #3")
    reply = chat.last("alice")
    assert "To close an action item: /actions done 3." in reply, reply


async def test_in_chinese(bot, chat, clock):
    clock.set(MONDAY_SLOT + timedelta(days=1))
    await say(bot, "li", "/1on1 完成 2")
    reply = chat.last("li")
    assert reply.startswith("没有 /1on1 done 这个命令"), reply
    assert "关闭行动项：/actions done 2。" in reply, reply

"""A pair's 1:1s end (the report given another manager, a manager who leaves) with open
action items and a slot never recorded (tried as users: the console chat, the org file
reloaded while the bot runs, the sweep on the test's clock). The items stay open where
each side can see them, but the notice that the 1:1s ended said nothing of them, and
the other side's vanished from each one's /actions unsaid (Sam's promise went with him to
Bruno, off Alice's list). Now the notice says how many stay on the reader's /actions and
how many went with the other side; the slot never recorded is not overdue afterwards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.config import Settings
from tests.oneonone_support import sweep_at, write_org
from tests.support import say
from tests.test_oneonone_ended import ALICE_LEAVES, MONDAY, SAM_MOVED, notices, reloaded

#: Wed 2026-11-25 14:31 in New York: Alice and Sam's 1:1 of 14:00 has just ended.
SLOT_ENDED = datetime(2026, 11, 25, 19, 31, tzinfo=UTC)


@pytest.fixture
def settings(database_url, tmp_path):
    """Alice (New York) meets Sam (Chicago) every other Wednesday at 14:00 her time."""
    return Settings(database_url=database_url, org_file=write_org(tmp_path))


async def sam_and_alice_promised(bot, clock) -> None:
    """Alice is asked whether their 25 November 1:1 happened and never answers; Sam
    adds two action items between meetings, one his, one Alice's."""
    await sweep_at(bot, clock, SLOT_ENDED)
    clock.set(SLOT_ENDED + timedelta(hours=1))
    await say(bot, "sam", "/actions add send the pricing by Dec 4")
    await say(bot, "sam", "/actions add call the client @alice by Dec 4")


async def test_sam_moved_to_bruno_each_side_is_told_where_the_items_are(bot, chat, clock):
    await sam_and_alice_promised(bot, clock)
    clock.set(MONDAY)
    chat.clear()
    await reloaded(bot, SAM_MOVED)
    (alice,) = notices(chat, "alice")
    assert alice.endswith(
        "will not take place. Its open action items stay open: 1 on your /actions (closed "
        "there with /actions done N); 1 with Sam Lee, now on their /actions alone."), alice
    (sam,) = notices(chat, "sam")
    assert sam.endswith("Its open action items stay open: 2 on your /actions (closed there "
                        "with /actions done N)."), sam
    # They are there, the overdue marked; the slot never recorded is nobody's overdue 1:1.
    clock.set(MONDAY + timedelta(days=10))
    await say(bot, "alice", "/actions")
    assert "call the client — Alice Martin, due 2026-12-04 (overdue)" in chat.last("alice")
    assert "send the pricing" not in chat.last("alice")
    await say(bot, "sam", "/actions")
    assert "send the pricing — Sam Lee, due 2026-12-04 (overdue)" in chat.last("sam")
    await say(bot, "grace", "/summary")
    assert "2026-11-25" not in chat.last("grace"), chat.last("grace")


async def test_a_manager_who_leaves_in_chinese(bot, chat, clock):
    await sam_and_alice_promised(bot, clock)
    await say(bot, "sam", "/language zh-CN")
    clock.set(MONDAY)
    chat.clear()
    await reloaded(bot, ALICE_LEAVES)
    (sam,) = notices(chat, "sam")
    assert sam.endswith("不再举行。这项面谈中未完成的行动项仍然有效：2 项在你的 /actions 中"
                        "（用 /actions done N 关闭）。"), sam

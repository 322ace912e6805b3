"""People named wrongly in `/1on1` and `/actions add`, from the GM's side: a skip naming
two people skipped the first alone and said nothing of the second; `/1on1 @nobody` (a
typo) was answered with the usage, as if the name had not been read, where `/1on1 skip
@nobody` says whose 1:1s there are; an action item naming two of one's 1:1s asked "which
one-on-one? Name the person with @" of someone who had."""

from __future__ import annotations

import pytest

from bot.config import Settings
from tests.oneonone_support import write_org
from tests.support import say


@pytest.fixture
def settings(database_url, tmp_path):
    """The test org with one-on-one rules (Grace meets Alice and Bruno on Mondays)."""
    return Settings(database_url=database_url, org_file=write_org(tmp_path))


async def test_a_skip_of_two_people_skips_neither_and_says_how(bot, chat, clock):
    await say(bot, "grace", "/1on1 skip @alice @bruno")
    assert chat.last("grace") == (
        "Nothing was skipped: /1on1 skip skips one person's next 1:1 at a time. Send "
        "/1on1 skip @alice, then /1on1 skip @bruno.")
    assert chat.to("alice") == [] and chat.to("bruno") == []
    await say(bot, "grace", "/1on1")
    assert "next: Mon 2026-11-30 10:00" in next(
        line for line in chat.last("grace").split("\n") if line.startswith("Alice"))
    await say(bot, "grace", "/1on1 skip @alice")  # one person: as before
    assert chat.last("grace").startswith("Skipped: your 1:1 with Alice Martin on Mon "
                                         "2026-11-30 10:00")
    await say(bot, "grace", "/language 中文")
    await say(bot, "grace", "/1on1 跳过 @bruno @li")
    assert chat.last("grace") == (
        "没有跳过任何面谈：/1on1 skip 一次只跳过一个人的下一次一对一面谈。请先发送 /1on1 skip "
        "@bruno，再发送 /1on1 skip @li。")


async def test_1on1_with_an_unknown_name_says_whose_there_are(bot, chat, clock):
    await say(bot, "grace", "/1on1 @alcie")
    assert chat.last("grace") == ("You have no one-on-one with @alcie. Yours: Alice Martin, "
                                  "Bruno Rossi, 李雷.")
    await say(bot, "grace", "/1on1 whatever")  # no name: the usage, as before
    assert chat.last("grace").startswith("/1on1 — your one-on-ones")


async def test_an_action_item_naming_two_of_ones_pairs_says_why_nothing_was_saved(
        bot, chat, clock):
    # Grace named both Alice and Bruno: she was asked "Which one-on-one? Name the person
    # with @", though she had named them with @.
    await say(bot, "grace", "/actions add @alice call the client @bruno")
    assert chat.last("grace") == (
        "An action item is one 1:1's, and you named more than one: nothing was saved. Name "
        "one of Alice Martin, Bruno Rossi.")
    await say(bot, "grace", "/actions")
    assert "call the client" not in chat.last("grace")
    await say(bot, "li", "/actions 添加 打电话 @grace @alice")  # 李雷 has one 1:1: Grace's
    assert chat.last("li").startswith("你与 @alice 没有一对一面谈"), chat.last("li")

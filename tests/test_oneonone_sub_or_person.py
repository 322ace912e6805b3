"""`/1on1 move|skip|note|history|held` where a person's key or name is, or begins with,
that word (tried as users on the console chat): the subcommand word won, so the GM of a
director keyed `note` got "Which one-on-one?" for `/1on1 note`, and `/1on1 Move Li` (a
director called Move Li) was read as a move of 李雷's 1:1 without a time. Now the word is
the subcommand only when followed by what it needs (a move's time, a note's text); the
whole text naming a person otherwise is that person's 1:1; where both readings are whole
commands, nothing is done and both are shown. `@note` is always the person."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.config import Settings
from tests.oneonone_support import MONDAY_SLOT, ONEONONES
from tests.support import TEST_ORG, say

WORDY = """  - key: note
    name: Nora Teng
    role: director
    manager: grace
    team: West
    timezone: America/New_York
    locale: en
  - key: moveli
    name: Move Li
    role: director
    manager: grace
    team: North
    timezone: America/New_York
    locale: en
  - key: nina
    name: Nina Park
    role: member
    manager: note
    team: West
    timezone: America/New_York
    locale: en
  - key: skip
    name: Skip Wu
    role: director
    manager: grace
    team: South
    timezone: America/New_York
    locale: en
  - key: kim
    name: 金敏
    role: member
    manager: skip
    team: South
    timezone: Asia/Shanghai
    locale: zh-CN
  - key: history
    name: Hana Story
    role: member
    manager: note
    team: West
    timezone: America/New_York
    locale: en
  - key: kai
    name: Kai Berg
    role: member
    manager: skip
    team: South
    timezone: America/New_York
    locale: en
"""
FRIDAY = MONDAY_SLOT - timedelta(days=3)  # Fri 2026-11-27 10:00 in New York


@pytest.fixture
def settings(database_url, tmp_path):
    """The test org with one-on-one rules and directors under Grace keyed `note` (Nina
    Park's manager), `skip` (金敏's and Kai Berg's) and called Move Li."""
    path = tmp_path / "org.yaml"
    path.write_text(TEST_ORG.read_text(encoding="utf-8").replace(
        "# Company values", WORDY + "# Company values") + ONEONONES, encoding="utf-8")
    return Settings(database_url=database_url, org_file=path)


async def test_the_gm_reaches_a_director_keyed_note_or_called_move(bot, chat, clock):
    clock.set(FRIDAY)
    for typed, who in (("/1on1 note", "Nora Teng"), ("/1on1 @note", "Nora Teng"),
                       ("/1on1 Nora Teng", "Nora Teng"), ("/1on1 Move Li", "Move Li"),
                       ("/1on1 move li", "Move Li")):
        await say(bot, "grace", typed)
        assert chat.last("grace").startswith(f"1:1 with {who} — Mon 2026-11-30 10:00"), \
            (typed, chat.last("grace"))


async def test_the_subcommands_followed_by_what_they_need_still_work(bot, chat, clock):
    clock.set(FRIDAY)
    await say(bot, "grace", "/1on1 move note 2026-11-30 11:00")
    assert chat.last("grace").startswith(
        "Moved: your next 1:1 with Nora Teng is Mon 2026-11-30 11:00"), chat.last("grace")
    await say(bot, "grace", "/1on1 move Move Li 2026-11-30 14:00")
    assert chat.last("grace").startswith(
        "Moved: your next 1:1 with Move Li is Mon 2026-11-30 14:00"), chat.last("grace")
    await say(bot, "grace", "/1on1 skip @note")
    assert chat.last("grace").startswith("Skipped: your 1:1 with Nora Teng"), chat.last("grace")
    await say(bot, "grace", "/1on1 history note")
    assert "Nora Teng" in chat.last("grace"), chat.last("grace")


async def test_both_readings_whole_commands_do_nothing_and_show_both(bot, chat, clock):
    # 金敏's one 1:1 is with Skip Wu (key `skip`): "/1on1 skip" skips it, or shows it.
    clock.set(FRIDAY)
    await say(bot, "grace", "/1on1 skip")  # Grace has several: a skip would ask which
    assert chat.last("grace").startswith("1:1 with Skip Wu — "), chat.last("grace")
    await say(bot, "nina", "/1on1 note")  # a note lacks its text: Nora's 1:1
    assert chat.last("nina").startswith("1:1 with Nora Teng — "), chat.last("nina")
    await say(bot, "kai", "/1on1 skip")
    assert chat.last("kai") == (
        "/1on1 skip can be read two ways, so nothing was done. The one-on-one with Skip Wu: "
        "/1on1 @skip. To skip your next 1:1: /1on1 skip @skip."), chat.last("kai")
    await say(bot, "kim", "/1on1 skip")
    reply = chat.last("kim")
    assert reply == ("/1on1 skip 有两种理解，所以什么也没做。与Skip Wu的一对一面谈：/1on1 @skip。"
                     "跳过你的下一次面谈：/1on1 skip @skip。"), reply
    await say(bot, "kim", "/1on1")
    assert "跳过" not in chat.last("kim").split("\n")[0], chat.last("kim")


async def test_history_alone_where_someone_is_keyed_history(bot, chat, clock):
    clock.set(FRIDAY)
    await say(bot, "nina", "/1on1 history")
    assert chat.last("nina") == (
        "/1on1 history can be read two ways, so nothing was done. The one-on-one with Hana "
        "Story: /1on1 @history. Past one-on-ones: /1on1 history @nina."), chat.last("nina")
    await say(bot, "nina", "/1on1 history @nina")
    assert "can be read two ways" not in chat.last("nina"), chat.last("nina")

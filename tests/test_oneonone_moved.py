"""A report moved to another manager in the org file, with action items open from the
1:1 with the manager they had (tried as users: the console chat, the sweep).

Before, Sam's own open item stayed with the old pair: Bruno's agenda and reminder for his
first 1:1 with Sam showed none of Sam's commitments, while Alice, Sam's manager no more,
still listed (and could close) them in `/actions`. Alice meets Sam every other Wednesday at
14:00 New York time; Bruno, in Rome, at 14:00 Rome time.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.config import Settings
from bot.org import parse_org
from tests.oneonone_support import ONEONONES, sweep_at, write_org
from tests.support import TEST_ORG, run_cli, say
from tests.test_oneonone_new_manager import SAM_UNDER_ALICE, SAM_UNDER_BRUNO, sam_reports_to_bruno


@pytest.fixture
def settings(database_url, tmp_path):
    """The test org with the one-on-one rules of tests/oneonone_support.py."""
    return Settings(database_url=database_url, org_file=write_org(tmp_path))


async def held_with_two_items(bot, clock) -> None:
    """Alice and Sam's 1:1 of Wednesday 2026-12-09: a shared and a private note of
    Alice's, an item Sam owns (#1) and one Alice owns (#2)."""
    await sweep_at(bot, clock, datetime(2026, 12, 9, 19, 31, tzinfo=UTC))  # 14:31 NY
    for text in ("yes", "Sam takes the Boston deal", "private: Sam seems tired",
                 "next", "Send the deck 2026-12-31", "Book the Boston visit @alice 2026-12-30",
                 "done", "4", "skip"):
        await say(bot, "alice", text)


async def moved_after_the_meeting(bot, clock) -> None:
    """Alice and Sam's 1:1 held, then the org file moves Sam under Bruno (22 December)."""
    await held_with_two_items(bot, clock)
    clock.set(datetime(2026, 12, 22, 20, 0, tzinfo=UTC))
    sam_reports_to_bruno(bot)


async def test_the_new_pair_is_reminded_at_once_with_the_reports_own_items(bot, chat, clock):
    await held_with_two_items(bot, clock)
    # The day before Alice's next 1:1 with Sam (23 December) she is reminded, then the
    # org file moves Sam under Bruno that evening.
    await sweep_at(bot, clock, datetime(2026, 12, 22, 19, 0, tzinfo=UTC))
    assert "Sam Lee is tomorrow" in chat.last("alice")
    clock.set(datetime(2026, 12, 22, 20, 0, tzinfo=UTC))
    sam_reports_to_bruno(bot)
    chat.clear()

    # The new pair is reminded at once: its first meeting, Wed 23 December 14:00 Rome, is
    # tomorrow, with Sam's open item from the 1:1 with Alice on it; not Alice's own.
    await sweep_at(bot, clock, datetime(2026, 12, 22, 20, 1, tzinfo=UTC))
    bruno = chat.last("bruno")
    assert "Sam Lee is tomorrow, Wed 2026-12-23 14:00 (Europe/Rome)" in bruno, bruno
    assert "#1 Send the deck — Sam Lee, due 2026-12-31 (from the 1:1 with Alice Martin)" \
        in bruno, bruno
    assert "Book the Boston visit" not in bruno
    sam = chat.last("sam")
    assert "Bruno Rossi is tomorrow" in sam and "#1 Send the deck" in sam, sam
    # Alice's old slot is not reminded of, nor asked about: Sam is not hers any more.
    # She is told once that it is off (test_both_sides_are_told_once_...), nothing else.
    await sweep_at(bot, clock, datetime(2026, 12, 23, 18, 46, tzinfo=UTC))
    await sweep_at(bot, clock, datetime(2026, 12, 23, 19, 31, tzinfo=UTC))
    alice = chat.to("alice")
    assert len(alice) == 1 and alice[0].startswith(
        "Your regular 1:1 with Sam Lee has ended"), alice


async def test_each_side_sees_the_items_that_are_theirs_after_the_move(bot, chat, clock):
    await moved_after_the_meeting(bot, clock)
    await say(bot, "sam", "/agenda")
    assert "1:1 with Bruno Rossi" in chat.last("sam")
    assert "#1 Send the deck — Sam Lee, due 2026-12-31 (from the 1:1 with Alice Martin)" \
        in chat.last("sam")
    # Sam still sees what Alice owes him; Alice keeps her own item and no longer Sam's.
    await say(bot, "sam", "/actions")
    assert "#1 Send the deck" in chat.last("sam") and "#2 Book the Boston visit" in \
        chat.last("sam")
    await say(bot, "alice", "/actions")
    assert "#2 Book the Boston visit — Alice Martin, due 2026-12-30 (from the 1:1 with Sam " \
        "Lee)" in chat.last("alice")
    assert "Send the deck" not in chat.last("alice")
    await say(bot, "alice", "/actions done 1")
    assert chat.last("alice").startswith("There is no open action item #1 of yours")
    await say(bot, "bruno", "/actions")
    assert "#1 Send the deck — Sam Lee" in chat.last("bruno")
    assert "Book the Boston visit" not in chat.last("bruno")


async def test_past_notes_stay_their_authors_and_items_are_reminded_to_their_owners(
        bot, chat, clock):
    await moved_after_the_meeting(bot, clock)
    # Past notes: Alice reads hers, private one included; Bruno never Alice's private one.
    await say(bot, "alice", "/1on1 history sam")
    assert "Sam takes the Boston deal" in chat.last("alice")
    assert "Sam seems tired" in chat.last("alice")
    # Bruno, above Sam now, reads the shared notes of Sam's 1:1s as the GM does.
    await say(bot, "bruno", "/1on1 history sam")
    assert "Sam takes the Boston deal" in chat.last("bruno")
    assert "Sam seems tired" not in chat.last("bruno")

    # Each owner is reminded of their own item on its day, as before the move.
    await sweep_at(bot, clock, datetime(2026, 12, 30, 13, 0, tzinfo=UTC))
    assert "Action item #2 is due 2026-12-30: Book the Boston visit" in chat.last("alice")
    await sweep_at(bot, clock, datetime(2026, 12, 31, 14, 0, tzinfo=UTC))
    assert "Action item #1 is due 2026-12-31: Send the deck" in chat.last("sam")
    # Bruno, Sam's manager now, may close it with him; Sam is told.
    await say(bot, "bruno", "/actions done 1")
    assert "Bruno Rossi closed your action item #1" in chat.last("sam")


async def test_the_carried_item_reads_in_chinese_too(bot, chat, clock):
    await moved_after_the_meeting(bot, clock)
    await say(bot, "sam", "/language zh-CN")
    await say(bot, "sam", "/agenda")
    assert "#1 Send the deck — Sam Lee，截止 2026-12-31 （来自与Alice Martin的一对一）" \
        in chat.last("sam"), chat.last("sam")


async def test_the_reports_own_topics_go_with_them_until_discussed(bot, chat, clock):
    """Topics typed for the next 1:1 with Alice, not yet discussed: Sam's go with him
    (his private one still his alone), Alice's stay hers."""
    await held_with_two_items(bot, clock)
    await say(bot, "sam", "/agenda pipeline review")
    await say(bot, "sam", "/agenda add private: ask about my raise")
    await say(bot, "alice", "/agenda add @sam Sam's promotion case")
    clock.set(datetime(2026, 12, 22, 20, 0, tzinfo=UTC))
    sam_reports_to_bruno(bot)

    await say(bot, "bruno", "/agenda @sam")
    bruno = chat.last("bruno")
    assert "pipeline review — Sam Lee (from the 1:1 with Alice Martin)" in bruno, bruno
    assert "raise" not in bruno and "promotion" not in bruno
    await say(bot, "sam", "/agenda")
    sam = chat.last("sam")
    assert "pipeline review — Sam Lee (from the 1:1 with Alice Martin)" in sam, sam
    assert "ask about my raise (private: only you see it) (from the 1:1 with Alice " \
        "Martin)" in sam, sam
    assert "promotion" not in sam
    # Discussed in Sam's first 1:1 with Bruno (Wed 23 December 14:00 Rome), they are off.
    await sweep_at(bot, clock, datetime(2026, 12, 23, 13, 31, tzinfo=UTC))
    for text in ("yes", "done", "done", "skip"):
        await say(bot, "bruno", text)
    await say(bot, "sam", "/agenda")
    assert "pipeline review" not in chat.last("sam") and "raise" not in chat.last("sam")


async def test_both_sides_are_told_once_that_the_old_1on1_is_off(bot, chat, clock):
    """Reminded the evening before of tomorrow's 1:1, Alice and Sam heard nothing once the
    org file moved Sam under Bruno: each is now told, once, in their own language."""
    await held_with_two_items(bot, clock)
    await say(bot, "sam", "/language zh-CN")
    await sweep_at(bot, clock, datetime(2026, 12, 22, 19, 0, tzinfo=UTC))
    assert "Sam Lee is tomorrow" in chat.last("alice")
    clock.set(datetime(2026, 12, 22, 20, 0, tzinfo=UTC))
    chat.clear()
    sam_reports_to_bruno(bot)
    await bot.deliver()
    assert chat.to("alice") == [
        "Your regular 1:1 with Sam Lee has ended: the org chart changed, and Sam Lee now "
        "reports to Bruno Rossi. The next one, Wed 2026-12-23 14:00 (America/New_York), "
        "will not take place. Its open action items stay open: 1 on your /actions (closed "
        "there with /actions done N); 1 with Sam Lee, now on their /actions alone."], \
        chat.to("alice")
    assert chat.to("sam") == [
        "你与Alice Martin的定期一对一面谈已结束：组织架构有变动，你的经理现在是Bruno Rossi。"
        "原定的下一次（2026-12-23 13:00（周三，America/Chicago））不再举行。"
        "这项面谈中未完成的行动项仍然有效：2 项在你的 /actions 中（用 /actions done N 关闭）。"], \
        chat.to("sam")
    # The same file reloaded again (a second replica, a restart's look): nothing more.
    chat.clear()
    sam_reports_to_bruno(bot)
    await sweep_at(bot, clock, datetime(2026, 12, 22, 20, 1, tzinfo=UTC))
    assert not chat.to("alice")
    assert all("定期一对一面谈已结束" not in text for text in chat.to("sam")), chat.to("sam")


def test_the_sync_names_only_who_changed_manager(bot):
    """What the reload works from (bot.core.sync_org_to): the sync's own list of people
    given another manager. The same file again, or Alice's key corrected (amartin, her
    Slack id kept: the same manager), gives none; Sam moved gives Sam alone."""
    from storage.repositories import ManagerChanged, PeopleRepo

    text = TEST_ORG.read_text(encoding="utf-8") + ONEONONES
    renamed = text.replace("key: alice", "key: amartin").replace("manager: alice",
                                                                  "manager: amartin")
    with bot.unit() as ctx:
        assert PeopleRepo(ctx.session).sync(parse_org(text).people) == []
    with bot.unit() as ctx:
        assert PeopleRepo(ctx.session).sync(parse_org(renamed).people) == []
    with bot.unit() as ctx:
        moved = renamed.replace(SAM_UNDER_ALICE.replace("alice", "amartin"), SAM_UNDER_BRUNO)
        assert PeopleRepo(ctx.session).sync(parse_org(moved).people) == [
            ManagerChanged("sam", "sam", "amartin", "bruno")]


def own_line(text: str, director: str) -> str:
    """A director's 'One-on-one with you' line in the GM's /summary."""
    return text.split(f"{director} · team", 1)[1].split("One-on-one with you:", 1)[1] \
        .split("\n", 1)[0]


async def test_the_gm_counts_each_open_item_with_the_pair_it_is_in_now(
        bot, chat, clock, settings):
    """After the move, the GM's overview counted Sam's own item on Alice's line (Sam is
    not hers any more) and not on Bruno's, who is to follow it up: read as now, each
    open item counts where it lives now; a past week reads as it stood then."""
    await moved_after_the_meeting(bot, clock)
    clock.set(datetime(2026, 12, 23, 15, 0, tzinfo=UTC))
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "2026-W51" in text  # the week read as now (this week's check-in not out yet)
    assert own_line(text, "Alice Martin").endswith(" · 1 open action item"), text
    assert own_line(text, "Bruno Rossi").endswith(" · 1 open action item"), text
    # A team's summary reads its directors' items alone: Sam's is Bruno's team's now.
    await say(bot, "grace", "/summary team Europe")
    assert "action items: 1 open" in chat.last("grace").split("One-on-ones", 1)[1]
    # The operator at the CLI, on the org file as edited.
    edited = settings.org_file.read_text(encoding="utf-8")
    settings.org_file.write_text(edited.replace(SAM_UNDER_ALICE, SAM_UNDER_BRUNO),
                                 encoding="utf-8")
    code, out = run_cli(settings, "oneonones", "--format", "json")
    assert code == 0
    directors = {d["key"]: d for d in json.loads(out)["directors"]}
    assert (directors["alice"]["open_actions"], directors["bruno"]["open_actions"]) == (1, 1)
    # 2026-W50, when both items were made: Sam was Alice's, both were of their 1:1.
    await say(bot, "grace", "/summary 2026-W50")
    text = chat.last("grace")
    assert own_line(text, "Alice Martin").endswith(" · 2 open action items"), text
    assert "open action item" not in own_line(text, "Bruno Rossi"), text

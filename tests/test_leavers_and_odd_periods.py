"""Replies that were untrue or unhelpful when a person named has left the org, or a period
asked for is odd (a week years before the bot ran, more weeks than a summary covers), or a
one-on-one partner is named without @ (console chat, on the test's clock)."""

from __future__ import annotations

import pytest

from bot.config import Settings
from tests.oneonone_support import write_org
from tests.support import say
from tests.test_oneonone_leavers import record, sam_leaves


@pytest.fixture
def settings(database_url, tmp_path):
    """The test org with one-on-ones: Grace meets Alice, Bruno and 李雷, Alice meets Sam."""
    return Settings(database_url=database_url, org_file=write_org(tmp_path))


async def test_more_weeks_than_a_summary_covers_says_the_most_and_the_command(bot, chat):
    """`/summary last 99w` was "I didn't understand 99w": it was understood, only too
    many; the reply says the most is 12 weeks and gives the command for 12."""
    await say(bot, "grace", "/summary last 99w")
    text = chat.last("grace")
    assert "didn't understand" not in text
    assert "at most 12 weeks" in text and "/summary last 12w" in text
    await say(bot, "grace", "/summary alice last 40w")
    assert "/summary alice last 12w" in chat.last("grace")
    await say(bot, "li", "/summary 最近99周")
    text = chat.last("li")
    assert "最多显示 12 周" in text and "/summary 最近12周" in text and "没看懂" not in text
    await say(bot, "grace", "/summary last 12w")  # the command offered works
    assert chat.last("grace").startswith("Summary of the last 12 weeks")


async def test_a_one_on_one_moved_or_skipped_naming_the_partner_without_at(bot, chat, clock):
    """`/1on1 alice` worked, yet `/1on1 move alice …` was "Which one-on-one? Name the
    person with @": the key or the name, unambiguous among one's own partners, is read."""
    await say(bot, "grace", "/1on1 move @alice 2026-12-20 10:00")
    with_at = chat.last("grace")
    await say(bot, "grace", "/1on1 move alice 2026-12-20 11:00")
    assert "Name the person with @" not in chat.last("grace")
    assert chat.last("grace") == with_at.replace("10:00", "11:00")
    await say(bot, "grace", "/1on1 move Alice Martin 2026-12-20 12:00")
    assert chat.last("grace") == with_at.replace("10:00", "12:00")
    await say(bot, "grace", "/1on1 skip bruno")
    assert "Name the person with @" not in chat.last("grace")
    assert "Bruno Rossi" in chat.last("grace")
    # An agenda item's text that begins with a partner's name is kept whole, not read as
    # naming whose (Sam's only one-on-one is with Alice: "alice" is part of the topic).
    await say(bot, "sam", "/agenda add alice hiring plan for Q1")
    assert chat.last("sam").endswith("1:1 with Alice Martin: alice hiring plan for Q1")
    # Alice has two (Grace her manager, Sam her report): Sam's is the one moved.
    await say(bot, "alice", "/1on1 move sam 2026-12-21 15:00")
    assert "Sam Lee" in chat.last("alice") and "2026-12-21 15:00" in chat.last("alice")


async def test_a_week_years_before_the_bot_ran_invents_no_next_one_on_one(bot, chat, clock):
    """`/summary 2020-W10` read "One-on-one with you: last never · next 2020-03-09": a
    meeting worked out from today's cadence for a week the bot never ran in. Nor is any
    overdue; the director's own view (her one-on-one with Grace) likewise."""
    await say(bot, "grace", "/summary")  # the bot has run (this is its first reply)
    await say(bot, "grace", "/summary 2020-W10")
    text = chat.last("grace")
    assert "The bot was not running yet then" in text
    assert "2020-03-09" not in text and "2020-04-07" not in text and "overdue" not in text
    assert "One-on-one with you: last never · next not scheduled" in text
    await say(bot, "alice", "/summary 2020-W10")
    text = chat.last("alice")
    assert "2020-03-09" not in text and "overdue" not in text
    assert "with Grace Chen: last held never · next none planned" in text
    # Nor "Blockers: None reported": nobody was asked to report any.
    assert "Blockers\nNone: nobody was asked this week.\n\nSupport requests" in text
    await say(bot, "grace", "/summary alice 2020-W10")
    assert "2020-03-09" not in chat.last("grace")
    await say(bot, "li", "/summary 2020-W10")  # 李雷 reads Chinese; his is monthly
    assert "2020-04-07" not in chat.last("li") and "逾期" not in chat.last("li")
    assert "阻碍\n无：该周没有人被问到。\n\n支持需求" in chat.last("li")
    # A week the bot ran in still names the next meeting.
    await say(bot, "grace", "/summary")
    assert "next not scheduled" not in chat.last("grace")
    assert "One-on-one with you: last never · next 2026-12" in chat.last("grace")
    await bot.run_checkins()
    await say(bot, "alice", "/summary")  # asked, nothing reported yet: as before
    assert "Blockers\nNone reported.\n\nSupport requests" in chat.last("alice")


async def test_a_director_reads_the_history_of_a_member_who_left_her_team(bot, chat, clock):
    """Alice types `/summary sam` after Sam (of her team East) left the org: she was told
    "your own team's summary only (team East)", untrue. She reads his history as before
    he left, its header saying since when he is out of the org file (her day); a leaver
    of another team stays refused, his existence unsaid."""
    await say(bot, "alice", "/summary sam")
    before = chat.last("alice")
    assert before.startswith("Sam Lee · team East · last 4 weeks\n")
    sam_leaves(bot)
    await say(bot, "alice", "/summary sam")
    assert chat.last("alice") == before.replace(
        "last 4 weeks\n", "last 4 weeks · no longer in the org file since 2026-11-27\n", 1)
    await say(bot, "alice", "/summary Sam Lee last 1w")
    assert chat.last("alice").startswith("Sam Lee · team East · last 1 week")
    # Bruno (team Europe) is not told Sam's history, nor that a Sam ever was.
    await say(bot, "bruno", "/summary sam")
    assert chat.last("bruno").startswith("You can see your own team's summary only")


async def test_goals_and_one_on_one_history_of_someone_who_left_say_so(bot, chat, clock):
    """`/goals sam` and `/1on1 history sam` after Sam left said "I don't know sam": they
    say he left the org, and to the GM what of his one-on-ones stays and who reads it."""
    await record(bot, clock)  # Alice and Sam's 1:1 held, with a note
    sam_leaves(bot)
    await say(bot, "alice", "/goals sam")
    assert chat.last("alice") == ("Sam Lee (sam) has left the org: the org file sets no goals "
                                  "for them any more. What they checked in stays in their "
                                  "history: /summary sam.")
    await say(bot, "grace", "/goals Sam Lee")
    assert chat.last("grace").startswith("Sam Lee (sam) has left the org")
    await say(bot, "grace", "/goals team sam")  # a team is asked for: there is none
    assert chat.last("grace").startswith("I don't know sam")
    await say(bot, "bruno", "/goals sam")  # not his team: as for anyone else's goals
    assert chat.last("bruno").startswith("You can see your own goals and your team's.")
    await say(bot, "alice", "/1on1 history sam")  # she was in it: hers, as before
    assert "Sam takes the Boston deal" in chat.last("alice")
    await say(bot, "grace", "/1on1 history sam")
    text = chat.last("grace")
    assert "I don't know" not in text and "Boston" not in text
    assert text == ("Sam Lee (sam) has left the org, and you were in none of their "
                    "one-on-ones: those of someone who left are read only by whoever was in "
                    "them. On record: 1 with Alice Martin (/1on1 history sam, sent by Alice "
                    "Martin). Their check-ins stay in /summary sam.")
    await say(bot, "bruno", "/1on1 history sam")
    assert chat.last("bruno").startswith("Sam Lee (sam) has left the org")
    assert "Alice" not in chat.last("bruno")
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/1on1 history sam")
    assert chat.last("grace").startswith("Sam Lee（sam）已离开组织")
    assert "与 Alice Martin 1 次" in chat.last("grace")
    await say(bot, "grace", "/goals sam")
    assert chat.last("grace").startswith("Sam Lee（sam）已离开组织")

"""`/1on1 move` after skips, from the GM's side: it moves the next meeting still planned,
as `/1on1` names it, and says which that was.

Grace skipped her Monday 1:1s with Alice of 30 November and 7 December, then moved "the
next one" to Tuesday 1 December. The one moved was 14 December's (the next one not
skipped), which the reply never said: it read as if a skipped week's meeting were put
back, and 14 December went without a 1:1 unannounced. README said a move was "that
week's", the help "the next one".

A move onto another meeting of the same pair (Monday's 1:1 moved to next Monday's 10:00)
was made: both sides were then reminded of it twice and Grace asked twice whether it
happened. It is refused, with the skip that gives what was meant.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.config import Settings
from tests.oneonone_support import sweep_at, write_org
from tests.support import say


@pytest.fixture
def settings(database_url, tmp_path):
    """The test org with one-on-one rules (Grace meets Alice weekly, Mondays 10:00)."""
    return Settings(database_url=database_url, org_file=write_org(tmp_path))


def alices_row(text: str) -> str:
    return next(line for line in text.split("\n") if line.lstrip("• ").startswith("Alice"))


async def test_after_two_skips_the_next_one_not_skipped_moves_and_the_reply_says_so(
        bot, chat, clock):
    await say(bot, "grace", "/1on1 skip @alice")
    await say(bot, "grace", "/1on1 skip @alice")
    assert "Mon 2026-12-07 10:00" in chat.last("grace")
    await say(bot, "grace", "/1on1")
    assert "next: Mon 2026-12-14 10:00 (America/New_York)" in alices_row(chat.last("grace"))

    await say(bot, "grace", "/1on1 move @alice 2026-12-01 11:00")
    assert chat.last("grace") == (
        "Moved: your next 1:1 with Alice Martin is Tue 2026-12-01 11:00 (America/New_York). "
        "Alice Martin has been told. It was the 1:1 of Mon 2026-12-14 10:00 "
        "(America/New_York), the next one not skipped: the 2 skipped before it stay skipped.")
    assert chat.last("alice") == (
        "Grace Chen moved your next 1:1 to Tue 2026-12-01 11:00 (America/New_York). It was "
        "the 1:1 of Mon 2026-12-14 10:00 (America/New_York), the next one not skipped: the 2 "
        "skipped before it stay skipped.")
    await say(bot, "grace", "/1on1")
    assert "next: Tue 2026-12-01 11:00 (America/New_York) (moved)" in \
        alices_row(chat.last("grace"))

    # The week goes as said: no reminder of the skipped Mondays, the moved one reminded,
    # and after it the cadence's next Monday not skipped nor moved, 21 December.
    chat.clear()
    await sweep_at(bot, clock, datetime(2026, 11, 29, 15, 1, tzinfo=UTC))  # Sun 10:01
    await sweep_at(bot, clock, datetime(2026, 11, 30, 16, 1, tzinfo=UTC))  # Mon 11:01
    await sweep_at(bot, clock, datetime(2026, 12, 1, 15, 46, tzinfo=UTC))  # Tue 10:46
    assert [t.split("\n")[0] for t in chat.to("alice")] == [
        "Reminder: your 1:1 with Grace Chen is tomorrow, Tue 2026-12-01 11:00 "
        "(America/New_York).",
        "Your 1:1 with Grace Chen starts soon: Tue 2026-12-01 11:00 (America/New_York)."]
    clock.set(datetime(2026, 12, 2, 15, 0, tzinfo=UTC))
    await say(bot, "grace", "/1on1")
    assert "next: Mon 2026-12-21 10:00 (America/New_York)" in alices_row(chat.last("grace"))


async def test_with_nothing_skipped_the_reply_is_as_before(bot, chat, clock):
    await say(bot, "grace", "/1on1 move @alice 2026-12-01 11:00")
    assert chat.last("grace") == (
        "Moved: your next 1:1 with Alice Martin is Tue 2026-12-01 11:00 (America/New_York). "
        "Alice Martin has been told.")


async def test_the_help_and_chinese_say_the_same(bot, chat, clock):
    await say(bot, "grace", "/1on1 whatever")
    assert "move the next one not skipped (your timezone)" in chat.last("grace")
    await say(bot, "li", "/1on1 跳过")
    await say(bot, "li", "/1on1 改期 2026-12-03 09:00")
    assert chat.last("li").endswith(
        "调整的是原定2027-01-05 22:00（周二，Asia/Shanghai）的面谈，即下一次未跳过的面谈："
        "之前跳过的 1 次仍然跳过。"), chat.last("li")
    assert chat.last("grace").endswith(
        "It was the 1:1 of Tue 2027-01-05 09:00 (America/New_York), the next one not "
        "skipped: the one skipped before it stays skipped."), chat.last("grace")


async def test_a_move_onto_the_pairs_own_next_meeting_is_refused(bot, chat, clock):
    await say(bot, "grace", "/1on1 move @alice 2026-12-07 10:15")
    assert chat.last("grace") == (
        "Mon 2026-12-07 10:00 (America/New_York) is the time of another of your 1:1s with "
        "Alice Martin already, so nothing was moved: the two would be one meeting. To meet "
        "only then, skip the next one instead: /1on1 skip @alice (Mon 2026-11-30 10:00 "
        "(America/New_York)).")
    assert chat.to("alice") == []
    # Nothing moved: one reminder of each Monday, and one question.
    await sweep_at(bot, clock, datetime(2026, 12, 6, 15, 1, tzinfo=UTC))  # Sun 10:01
    await sweep_at(bot, clock, datetime(2026, 12, 7, 15, 31, tzinfo=UTC))  # Mon 10:31
    assert [t.split("\n")[0] for t in chat.to("alice")] == [
        "Reminder: your 1:1 with Grace Chen is tomorrow, Mon 2026-12-07 10:00 "
        "(America/New_York)."]
    assert sum(t.startswith("Did your 1:1 with Alice Martin") for t in chat.to("grace")) == 1
    # In Chinese: 李雷 moves his next monthly 1:1 (January's) onto February's.
    await say(bot, "li", "/1on1 改期 2027-02-02 22:00")
    assert chat.last("li").startswith(
        "2027-02-02 22:00（周二，Asia/Shanghai）已经是你与Grace Chen的另一次一对一面谈的时间"), \
        chat.last("li")

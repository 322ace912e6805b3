"""A curious GM (or director, or operator) attacks the pulse poll's anonymity from the chat
and the CLI. Each test is one attack, and proves it fails (README: *Your answers are
anonymous — what that means*)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from storage.pulse import PulseVote
from tests.support import say
from tests.test_checkin import ALICE_ANSWERS
from tests.test_checkin import answer_all as answer_checkin

BRUNO = ["41000", "Won Globex", "No blockers", "1", "Call 3", "3"]


# --- timing and metadata ----------------------------------------------------------------------

async def test_the_automatic_check_in_reminder_says_nothing_of_who_is_in_the_poll(
        bot, chat, clock):
    """Friday of a poll week: Alice and Bruno left the week's check-in half done. Alice is
    in the middle of the poll (she answered morale minutes ago) when the automatic
    reminder's sweep comes; Bruno is not. The sweep reminded Bruno and left Alice for a
    later sweep, so the GM's /checkin remind a little later read "Reminded: Alice Martin"
    for her and "Reminded already today: Bruno Rossi" for him: that Alice was answering
    the anonymous poll at the sweep's minute. Now both are reminded alike (Alice without
    the question, which would take her next poll answer), and the replies are the same."""
    clock.set(datetime(2026, 12, 9, 17, 5, tzinfo=UTC))  # Wednesday: the poll goes out
    await bot.run_pulse()
    clock.set(datetime(2026, 12, 11, 14, 0, tzinfo=UTC))  # Friday, the poll still open
    await bot.run_checkins(["alice", "bruno"])
    await answer_checkin(bot, "alice", ALICE_ANSWERS[:2])
    await answer_checkin(bot, "bruno", BRUNO[:2])
    clock.set(datetime(2026, 12, 11, 15, 40, tzinfo=UTC))
    await say(bot, "alice", "/pulse")
    await say(bot, "alice", "4")  # morale: she is in the middle of the poll now
    clock.set(datetime(2026, 12, 11, 16, 5, tzinfo=UTC))  # the reminder is due for both
    chat.clear()
    await bot.run_reminders()
    assert "isn't finished yet" in chat.last("bruno")
    alice = chat.last("alice")
    assert alice == ("Friendly reminder, Alice Martin: your check-in for 2026-W50 isn't "
                     "finished yet. You're in the middle of answering something else: once "
                     "you've finished it, send /checkin to pick up where you left off.")
    clock.set(datetime(2026, 12, 11, 16, 20, tzinfo=UTC))
    await say(bot, "grace", "/checkin remind alice")
    reply_alice = chat.last("grace")
    await say(bot, "grace", "/checkin remind bruno")
    reply_bruno = chat.last("grace")
    assert reply_alice.replace("Alice Martin", "X") == reply_bruno.replace("Bruno Rossi", "X")
    assert "Reminded already today" in reply_alice
    await say(bot, "alice", "2")  # stress: still the poll's, not the check-in's
    with bot.unit() as ctx:
        assert sorted(v.value for v in ctx.session.scalars(select(PulseVote))) == [2, 4]
    await say(bot, "alice", "没有")  # no comment: the poll is done, the check-in is back
    assert "Question 3 of" in chat.last("alice")

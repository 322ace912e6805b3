"""Alice is both Grace's report and Sam's manager: she is typing the record of her 1:1
with Sam (did it happen, notes, action items) when Grace finishes the record of theirs and
Alice is asked how useful it was. Her typed replies still go to Sam's record, so the
question says so, as one arriving in the middle of a check-in does; it comes back once
Sam's is done. Gone away meanwhile, a rating question held up in the outbox must not
reach her on holiday."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.support import say
from tests.test_checkin_remind import back_up, go_down
from tests.test_reply_target import buttons, ratings, setup  # noqa: F401 (the fixture)

GRACE_SLOT_ASKED = datetime(2026, 12, 7, 15, 31, tzinfo=UTC)  # Mon 10:31 New York
SAM_SLOT_ASKED = datetime(2026, 12, 9, 19, 40, tzinfo=UTC)  # Wed 14:40 New York

# Not "or paused with /pause", as behind a check-in: the record paused, the rating does
# not take typed replies (its meeting is not the dialog's); it comes once that one is done.
WAITS = {"en": "(Your record of another 1:1 is waiting for an answer: use the buttons here, "
               "or reply 1–5 once it is done.)",
         "zh-CN": "（你正在记录的另一次一对一面谈正在等待回答：请用这里的按钮，"
                  "或在它完成后回复1–5。）"}
ASKED = {"en": "How useful was your 1:1 with Grace Chen?",
         "zh-CN": "你与Grace Chen的一对一面谈有多大帮助？"}


async def _alice_typing_sams_notes_when_grace_finishes(bot, chat, clock, locale: str,
                                                       *, down: bool = False) -> int:
    """Grace is asked about Monday's 1:1 with Alice; on Wednesday Alice confirms hers
    with Sam and is typing its notes when Grace records theirs as held and ends it
    (`down`: the platform refusing everything meanwhile). How many messages Alice had."""
    if locale != "en":
        await say(bot, "alice", "/language 中文")
    clock.set(GRACE_SLOT_ASKED)
    await bot.run_oneonones()
    clock.set(SAM_SLOT_ASKED)
    await bot.run_oneonones()
    await say(bot, "alice", "yes")
    await say(bot, "alice", "Q1 pipeline")
    seen = len(chat.to("alice"))
    if down:
        go_down(chat)
    held = next(v for v in buttons(chat, "grace") if v == "oo:held:1:y")
    await say(bot, "grace", action=held)
    await say(bot, "grace", "next")
    await say(bot, "grace", "done")
    return seen


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
async def test_a_rating_question_in_the_middle_of_another_record_says_it_waits(
        setup, locale):  # noqa: F811 - the fixture
    # It said only "1 (not at all) – 5 (very)": her "4" went on as a note of her 1:1 with
    # Sam, shared with Sam, and Grace's rating was never given.
    bot, chat, clock = setup
    await _alice_typing_sams_notes_when_grace_finishes(bot, chat, clock, locale)
    asked = chat.last("alice")
    assert asked.startswith(ASKED[locale]) and asked.endswith(WAITS[locale]), asked
    # Typed replies go on to Sam's record, as said; once it is done, Grace's comes back.
    for text in ("Discount policy", "next", "done", "5", "skip"):
        await say(bot, "alice", text)
    assert ratings(bot, "alice") == [5]
    assert ASKED[locale] in chat.last("alice")
    await say(bot, "alice", "3")
    assert ratings(bot, "alice") == [5, 3]


async def test_a_rating_question_in_front_of_no_record_says_nothing_of_waiting(
        setup):  # noqa: F811 - the fixture
    """A guard: Alice done with Sam's record (only its rating left, which the new one
    takes over) reads the question as before."""
    bot, chat, clock = setup
    clock.set(GRACE_SLOT_ASKED)
    await bot.run_oneonones()
    clock.set(SAM_SLOT_ASKED)
    await bot.run_oneonones()
    for text in ("yes", "next", "done"):
        await say(bot, "alice", text)
    await say(bot, "grace", action="oo:held:1:y")
    await say(bot, "grace", "next")
    await say(bot, "grace", "done")
    assert chat.last("alice") == "How useful was your 1:1 with Grace Chen? 1 (not at all) " \
        "– 5 (very)."


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
async def test_a_rating_question_held_up_behind_another_record_does_not_reach_her_away(
        setup, locale):  # noqa: F811 - the fixture
    # Only the questions of the meeting in her dialog (Sam's) were withdrawn: Grace's
    # rating, held up in the outbox, reached her on holiday once the platform was back.
    bot, chat, clock = setup
    seen = await _alice_typing_sams_notes_when_grace_finishes(bot, chat, clock, locale,
                                                              down=True)
    await say(bot, "alice", "/away 2026-12-20")
    await back_up(bot, chat)
    after = chat.to("alice")[seen:]
    assert not [t for t in after if ASKED[locale] in t], after
    assert any("2026-12-20" in t for t in after), after  # her /away was taken
    # Back, she finishes Sam's record: Grace's rating is asked then, nothing lost.
    await say(bot, "alice", "/back")
    for text in ("next", "done", "5", "skip"):
        await say(bot, "alice", text)
    assert ASKED[locale] in chat.last("alice"), chat.to("alice")[-3:]
    await say(bot, "alice", "4")
    assert ratings(bot, "alice") == [5, 4]

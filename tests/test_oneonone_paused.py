"""A 1:1 dialog paused with /pause, from the manager's side, when the next meeting's
"Did it happen?" arrives before they carry it on: the paused one is not lost."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.app import prepare
from bot.clock import FakeClock
from bot.config import Settings
from bot.core import TeamPulse
from tests.oneonone_support import write_org
from tests.support import RecordingAdapter, say

# Grace meets Alice on Mondays and Bruno on Tuesdays, 10:00 New York time.
ONEONONES = """
oneonones:
  default: {cadence: weekly, day: mon, time: "10:00", duration: 30}
  pairs:
    - {report: bruno, cadence: weekly, day: tue, time: "10:00"}
    - {report: li, cadence: weekly, day: fri, time: "09:00"}
"""
MON_1031_NY = datetime(2026, 11, 30, 15, 31, tzinfo=UTC)
TUE_1031_NY = MON_1031_NY + timedelta(days=1)


@pytest.fixture
def setup(tmp_path, database_url) -> Iterator[tuple[TeamPulse, RecordingAdapter, FakeClock]]:
    clock = FakeClock(MON_1031_NY - timedelta(hours=1))
    bot, engine = prepare(Settings(database_url=database_url,
                                   org_file=write_org(tmp_path, ONEONONES)), clock)
    chat = RecordingAdapter()
    bot.register(chat)
    yield bot, chat, clock
    engine.dispose()


async def grace_pauses_her_notes_on_alice(bot, chat, clock, *, chinese: bool = False) -> None:
    if chinese:
        await say(bot, "grace", "/language 中文")
    clock.set(MON_1031_NY)
    await bot.run_oneonones()
    await say(bot, "grace", "yes" if not chinese else "是")
    await say(bot, "grace", "Alice wants a pricing exception")
    await say(bot, "grace", "/pause")
    clock.set(TUE_1031_NY)
    await bot.run_oneonones()  # Tuesday's with Bruno ended: did it happen?


async def test_the_paused_dialog_comes_back_once_the_next_meeting_s_is_done(setup):
    """Grace paused her notes on Monday's 1:1 with Alice; Tuesday's with Bruno was asked
    about and took her dialog's place: Alice never got the recap with Monday's note, and
    neither was asked how useful it was. Now Tuesday's question says the paused one comes
    back, and it does once Bruno's is done."""
    bot, chat, clock = setup
    await grace_pauses_her_notes_on_alice(bot, chat, clock)
    assert chat.last("grace").startswith("Did your 1:1 with Bruno Rossi")
    assert chat.last("grace").endswith(
        "(Your paused 1:1 with Alice Martin comes back once this one is done.)")
    for typed in ("yes", "Bruno needs a demo", "next", "done", "4", "skip"):
        await say(bot, "grace", typed)
    back, notes = chat.to("grace")[-2:]
    assert back == "Back to your 1:1 with Alice Martin:"
    assert notes.startswith("Good. Send short notes on your 1:1 with Alice Martin")
    for typed in ("She will send the numbers", "next", "done"):
        await say(bot, "grace", typed)
    recap = [t for t in chat.to("alice") if t.startswith("Your 1:1 with Grace Chen")]
    assert len(recap) == 1 and "Alice wants a pricing exception" in recap[0] \
        and "She will send the numbers" in recap[0], recap
    assert chat.last("alice").startswith("How useful was your 1:1 with Grace Chen?")
    assert chat.last("grace").startswith("How useful was your 1:1 with Alice Martin?")


async def test_in_chinese_and_with_no_the_paused_dialog_comes_back_at_once(setup):
    bot, chat, clock = setup
    await grace_pauses_her_notes_on_alice(bot, chat, clock, chinese=True)
    assert chat.last("grace").endswith("（你暂停的与Alice Martin的一对一面谈会在这次之后继续。）")
    await say(bot, "grace", "否")  # Tuesday's did not happen
    assert chat.to("grace")[-2] == "回到你与Alice Martin的一对一面谈："
    assert chat.last("grace").startswith("好的。请发送与Alice Martin面谈的简短记录")


async def test_a_paused_rating_comes_back_once_the_next_meeting_s_feedback_is_done(setup):
    """Grace finished Monday's record on Alice and paused its rating; Tuesday's 1:1 with
    Bruno took her dialog's place. Once Bruno's feedback was given, Alice's rating was
    gone from her chat (a typed "5" no longer reached it: only its old buttons, or the
    reminder days later). Now Tuesday's question says it comes back, and it does, in
    English and in Chinese."""
    bot, chat, clock = setup
    clock.set(MON_1031_NY)
    await bot.run_oneonones()
    for typed in ("yes", "Alice wants a pricing exception", "next", "done"):
        await say(bot, "grace", typed)
    assert chat.last("grace").startswith("How useful was your 1:1 with Alice Martin?")
    await say(bot, "grace", "/pause")
    clock.set(TUE_1031_NY)
    await bot.run_oneonones()
    assert chat.last("grace").endswith(
        "(Your paused 1:1 with Alice Martin comes back once this one is done.)")
    for typed in ("yes", "Bruno needs a demo", "next", "done", "4", "skip"):
        await say(bot, "grace", typed)
    back, rating = chat.to("grace")[-2:]
    assert back == "Back to your 1:1 with Alice Martin:"
    assert rating.startswith("How useful was your 1:1 with Alice Martin?")
    await say(bot, "grace", "5")
    await say(bot, "grace", "Shorter next time")
    assert chat.last("alice") == ("Feedback from Grace Chen on your 1:1 of 2026-11-30: 5/5. "
                                  "One thing to improve: Shorter next time")
    assert "Feedback from Grace Chen on your 1:1 of 2026-12-01: 4/5." in chat.to("bruno")


async def test_in_chinese_a_paused_rating_comes_back_too(setup):
    bot, chat, clock = setup
    await say(bot, "grace", "/language 中文")
    clock.set(MON_1031_NY)
    await bot.run_oneonones()
    for typed in ("是", "Alice wants a pricing exception", "next", "done", "暂停"):
        await say(bot, "grace", typed)
    clock.set(TUE_1031_NY)
    await bot.run_oneonones()
    assert chat.last("grace").endswith("（你暂停的与Alice Martin的一对一面谈会在这次之后继续。）")
    await say(bot, "grace", "否")  # Tuesday's did not happen: Alice's rating comes back
    assert chat.to("grace")[-2] == "回到你与Alice Martin的一对一面谈："
    assert chat.last("grace").startswith("你与Alice Martin的一对一面谈有多大帮助？")

"""An anonymous pulse poll in Telegram: sent, answered by buttons and typing, a comment,
a reminder, closing and results — a pressed button is edited to "answered" only."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

from tests.operator_log import operator_log, quoting
from tests.telegram.conftest import ALICE, BRUNO, GRACE, LI, SAM, TG, VERA

POLL_DAY = datetime(2026, 12, 9, 17, 5, tzinfo=UTC)
COMMENT = "Pelican spreadsheet burnout"


async def test_a_pulse_poll_in_telegram_never_shows_a_choice(tg: TG) -> None:
    tg.clock.set(POLL_DAY)
    await tg.bot.run_pulse()
    await tg.settle()
    question = tg.last_message(ALICE)
    assert "Question 1 of 2" in question["text"]
    keyboard = question["reply_markup"]["inline_keyboard"]
    assert [b["text"] for row in keyboard for b in row] == ["1 · low", "2", "3", "4",
                                                            "5 · great"]
    assert all(b["callback_data"].startswith("anon:pulse:") and len(b["callback_data"]) <= 64
               for row in keyboard for b in row)

    await tg.press(ALICE, "4")
    await tg.fake.wait_for_call("editMessageText")
    edit = tg.fake.last_call("editMessageText").params
    assert edit["text"].endswith("\n\n→ <b>answered</b>")
    pressed = tg.fake.messages[(ALICE, question["message_id"])]
    assert pressed["text"].endswith("→ answered") and "reply_markup" not in pressed
    await tg.say(ALICE, "2")  # stress, typed
    assert "Anything you'd like to add?" in tg.shown(ALICE)[-1]
    await tg.say(ALICE, COMMENT)
    assert "Your answers are in" in tg.shown(ALICE)[-1]

    # Li answers in Chinese; the pressed button says 已回答.
    await tg.press(LI, "3")
    await tg.fake.wait_for_call("editMessageText", count=2)
    assert tg.fake.last_call("editMessageText").params["text"].endswith("→ <b>已回答</b>")
    await tg.press(LI, "3")
    await tg.press(LI, "不留言")
    for user in (GRACE, VERA):
        await tg.press(user, "3")
        await tg.press(user, "3")
        await tg.press(user, "No comment")
    await tg.press(SAM, "2")  # Sam stops half-way

    tg.clock.advance(timedelta(hours=25))
    await tg.bot.run_pulse()
    await tg.settle()
    assert "gentle reminder" in tg.shown(SAM)[-1] and "Question 2 of 2" in tg.shown(SAM)[-1]
    assert "gentle reminder" not in tg.shown(ALICE)[-1]
    await tg.press(SAM, "3")
    await tg.press(SAM, "No comment")
    # Bruno, known by his username alone, asks for the poll himself: a sixth answer, so
    # that the five others besides Grace's (or Vera's) own make a group of the threshold.
    await tg.say(BRUNO, "/pulse", username="bruno_r")
    await tg.press(BRUNO, "3")
    await tg.press(BRUNO, "3")
    await tg.press(BRUNO, "No comment")

    tg.clock.advance(timedelta(days=3))
    await tg.bot.run_pulse()
    await tg.settle()
    await tg.say(GRACE, "/pulse results")
    results = tg.shown(GRACE)[-1]
    assert "Pulse poll 2026-12-09 (closed)" in results
    assert "Morale: 3.0 (6 answers)" in results and COMMENT in results
    await tg.say(SAM, "/pulse")
    assert "no pulse poll open" in tg.shown(SAM)[-1]

    # No edit ever names a choice; the comment goes out only in the GM's results.
    for call in tg.fake.calls_for("editMessageText"):
        assert call.params["text"].endswith(("→ <b>answered</b>", "→ <b>已回答</b>"))
    for call in tg.fake.calls:
        if COMMENT in json.dumps(call.params, ensure_ascii=False):
            assert call.method == "sendMessage" and call.params["chat_id"] == GRACE


async def test_at_debug_the_log_never_shows_which_button_was_pressed(tg: TG, settings) -> None:
    """The operator runs at LOG_LEVEL=DEBUG to troubleshoot on poll day: python-telegram-bot
    logs every update with who sent it; the pressed button's choice is masked there."""
    tg.clock.set(POLL_DAY)
    with operator_log(settings) as log:
        await tg.bot.run_pulse()
        await tg.settle()
        pressed = next(b["callback_data"] for row in
                       tg.last_message(ALICE)["reply_markup"]["inline_keyboard"]
                       for b in row if b["text"] == "4")
        await tg.press(ALICE, "4")
        await tg.fake.wait_for_call("editMessageText")
    lines = log.getvalue().splitlines()
    # The update Alice's press came in is logged (with her id), its choice masked.
    update = [line for line in lines if "Processing update" in line and "id=1002" in line]
    assert update and all(pressed.rsplit(":", 1)[0] + ":***" in line for line in update)
    assert quoting(log.getvalue(), pressed) == []


async def test_a_pulse_button_that_cannot_be_marked_is_logged_at_debug_only(tg: TG,
                                                                            caplog) -> None:
    # "telegram: could not mark the pressed button …" at INFO, the moment Alice pressed a
    # pulse button, told the log's reader when she answered.
    tg.clock.set(POLL_DAY)
    await tg.bot.run_pulse()
    await tg.settle()
    caplog.set_level(logging.DEBUG)
    tg.fake.fail("editMessageText")
    caplog.clear()
    await tg.press(ALICE, "4")
    await tg.fake.wait_for_call("editMessageText")
    await tg.settle()
    marks = [r for r in caplog.records
             if "could not mark the pressed button" in r.getMessage()]
    assert marks and all(r.levelno == logging.DEBUG for r in marks)
    assert "Question 2 of 2" in tg.shown(ALICE)[-1]  # answered all the same


async def test_a_button_pressed_after_the_poll_closed_leaves_its_message_as_it_was(
        tg: TG) -> None:
    """Sam presses "3" on the poll's question after it closed: the reply says the poll is
    closed, and the message keeps its buttons (it was edited to "→ answered", an answer
    that was never stored)."""
    tg.clock.set(POLL_DAY)
    await tg.bot.run_pulse()
    await tg.settle()
    tg.clock.advance(timedelta(days=4))
    await tg.bot.run_pulse()
    await tg.settle()
    question = next(m for m in tg.fake.sent_messages(SAM) if "Question 1 of 2" in m["text"])
    three = next(b for row in question["reply_markup"]["inline_keyboard"] for b in row
                 if b["text"] == "3")
    await tg.send(tg.fake.callback_query(SAM, three["callback_data"], question["message_id"]))
    assert "closed" in tg.shown(SAM)[-1]
    await tg.bot.drain()
    assert tg.fake.calls_for("editMessageText") == []
    assert tg.fake.call_count("editMessageReplyMarkup") == 0

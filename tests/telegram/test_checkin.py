"""A director's weekly check-in in Telegram, by typing and by buttons, and the GM's /summary."""

from __future__ import annotations

from datetime import timedelta

from storage.models import Answer, CheckinRound
from tests.telegram.conftest import ALICE, GRACE, LI, SAM, TG


async def test_director_answers_checkin_by_typing(tg: TG) -> None:
    await tg.checkins("alice")
    first = tg.shown(ALICE)[-1]
    assert "Time for your weekly check-in for 2026-W48" in first
    assert "Question 1 of 8" in first
    assert tg.sent(ALICE)[-1]["parse_mode"] == "HTML"
    assert tg.sent(ALICE)[-1]["link_preview_options"] == {"is_disabled": True}

    # Typing works for every question, the choice and the 1-5 scale included.
    for answer in ["52000", "3", "Big win", "None really", "1", "Plan", "4"]:
        assert await tg.say(ALICE, answer)
    assert "your check-in for 2026-W48 is in" in tg.shown(ALICE)[-1]

    await tg.say(GRACE, "/summary")
    summary = tg.shown(GRACE)[-1]
    assert "Check-ins: 1 of 1" in summary  # only Alice was prompted
    assert "Revenue 52,000 / 50,000 USD (104%)" in summary


async def test_director_answers_with_buttons_and_gm_sees_it(tg: TG) -> None:
    await tg.checkins("alice")
    for answer in ["52000", "3", "Closed <b>Acme</b> & Sons", "Hiring is slow"]:
        await tg.say(ALICE, answer)

    question = tg.last_message(ALICE)
    assert "What support do you need from me?" in question["text"]
    keyboard = question["reply_markup"]["inline_keyboard"]
    # Short labels share a row; long ones get a row of their own.
    assert [[b["text"] for b in row] for row in keyboard] == [
        ["No support needed"], ["Budget", "Training"], ["People / hiring"],
        ["Help from another department"]]
    assert all(b["callback_data"].startswith("ans:") and len(b["callback_data"]) <= 64
               for row in keyboard for b in row)

    update = await tg.press(ALICE, "Budget")
    await tg.fake.wait_for_call("editMessageText")
    answered = tg.fake.last_call("answerCallbackQuery").params
    assert answered["callback_query_id"] == update["callback_query"]["id"]
    edit = tg.fake.last_call("editMessageText").params
    assert edit["message_id"] == question["message_id"] and edit["parse_mode"] == "HTML"
    assert edit["text"].endswith("\n\n→ <b>Budget</b>")
    assert edit["text"].startswith("<b>Question 5 of 8</b>")  # formatting kept
    pressed = tg.fake.messages[(ALICE, question["message_id"])]
    assert pressed["text"].endswith("→ Budget") and "reply_markup" not in pressed

    assert "Tell me more" in tg.shown(ALICE)[-1]  # Budget makes the detail question apply
    await tg.say(ALICE, "Two SDRs by January")
    await tg.say(ALICE, "Push renewals")
    scale = tg.last_message(ALICE)["reply_markup"]["inline_keyboard"]
    assert [[b["text"] for b in row] for row in scale] == [["1", "2", "3", "4", "5"]]
    await tg.press(ALICE, "4")
    await tg.fake.wait_for_call("editMessageText", count=2)
    done = tg.shown(ALICE)[-1]
    assert "your check-in for 2026-W48 is in" in done
    assert "Budget" in done and "4/5" in done

    with tg.bot.unit() as ctx:
        rnd = ctx.session.query(CheckinRound).one()
        assert rnd.status == "submitted"
        assert {a.question_key: a.text_value or a.number_value
                for a in ctx.session.query(Answer)}["support_type"] == "budget"

    # The GM's /summary in Telegram shows it, with what Alice typed escaped.
    await tg.say(GRACE, "/summary")
    html = tg.texts(GRACE)[-1]
    assert "Closed &lt;b&gt;Acme&lt;/b&gt; &amp; Sons" in html
    assert "<b>Acme</b>" not in html
    summary = tg.shown(GRACE)[-1]
    assert "Revenue 52,000 / 50,000 USD (104%)" in summary
    assert "New customers 3 / 4 customers (75%)" in summary
    assert "Closed <b>Acme</b> & Sons" in summary  # shown literally, not as bold
    assert "Budget: Two SDRs by January" in summary
    assert "Hiring is slow" in summary


async def test_stale_button_is_answered_and_explained(tg: TG) -> None:
    await tg.checkins("alice")
    for answer in ["52000", "3", "Win", "None"]:
        await tg.say(ALICE, answer)
    await tg.say(ALICE, "2")  # typed instead of pressing
    await tg.say(ALICE, "Budget detail")
    calls = tg.fake.call_count("answerCallbackQuery")
    # Pressing a button of the question already answered:
    support = next(m for m in tg.fake.sent_messages(ALICE)
                   if "What support do you need" in m.get("text", ""))
    button = support["reply_markup"]["inline_keyboard"][0][0]
    edits = tg.fake.call_count("editMessageText") + tg.fake.call_count("editMessageReplyMarkup")
    await tg.send(tg.fake.callback_query(ALICE, button["callback_data"], support["message_id"]))
    assert tg.fake.call_count("answerCallbackQuery") == calls + 1
    assert "no longer open" in tg.shown(ALICE)[-1]
    # The message is left as it was: "→ Budget" under it was a choice not taken.
    await tg.bot.drain()
    assert tg.fake.call_count("editMessageText") + tg.fake.call_count(
        "editMessageReplyMarkup") == edits


async def test_summary_is_refused_to_a_member(tg: TG) -> None:
    await tg.say(SAM, "/summary")
    assert "only for the GM" in tg.shown(SAM)[-1]
    assert len(tg.texts(SAM)) == 1


async def test_chinese_director_gets_chinese(tg: TG) -> None:
    await tg.checkins("li")
    assert "第 1 题，共" in tg.shown(LI)[-1]
    await tg.say(LI, "/help")
    assert "团队的每周节奏" in tg.shown(LI)[-1]


async def test_a_director_who_never_started_the_bot_shows_as_not_reached_and_is_asked_later(
        tg: TG) -> None:
    # Li is in the org file with her Telegram id but never pressed Start: Telegram refuses
    # every message to her. The GM must not read that she ignored the check-in.
    tg.fake.block_bot(LI)
    await tg.checkins("alice", "li")

    await tg.say(GRACE, "/summary")

    summary = tg.shown(GRACE)[-1]
    assert "⚠️ 李雷 — not reached: the check-in could not be delivered" in summary
    assert "❌ 李雷" not in summary
    # She presses Start; the GM sends the check-in again, and this time it reaches her.
    tg.fake.start_bot(LI)
    await tg.say(GRACE, "/checkin send li")
    assert "1 prompted" in tg.shown(GRACE)[-1]
    assert "第 1 题" in tg.shown(LI)[-1]


async def test_a_reminder_that_cannot_be_delivered_leaves_the_prompted_week_missed(
        tg: TG) -> None:
    # Alice got the check-in, then blocked the bot: her reminder fails for good. She was
    # asked, so the week stays "not checked in", and she is not asked again.
    await tg.checkins("alice")
    tg.fake.block_bot(ALICE)
    tg.clock.advance(tg.bot.settings.reminder_delay + timedelta(minutes=1))
    assert await tg.bot.run_reminders() == 1
    await tg.settle()

    await tg.say(GRACE, "/summary")

    assert "❌ Alice Martin — not checked in" in tg.shown(GRACE)[-1]
    with tg.bot.unit() as ctx:
        rnd = ctx.checkins.round_for(ctx.people.by_key("alice"), "2026-W48")
        assert rnd.prompted_at is not None


async def test_an_answer_typed_in_the_group_by_mistake_is_not_taken_nor_shown(tg: TG) -> None:
    """Alice, mid check-in, types her revenue in the team's group instead of the private
    chat: it is not stored as her answer (the group is not where the check-in is), the
    bot says nothing in the group about her check-in, and the private question still
    waits and takes the answer typed there."""
    from tests.telegram.conftest import GROUP

    await tg.checkins("alice")
    assert "Question 1 of 8" in tg.shown(ALICE)[-1]
    await tg.say_in_group(ALICE, "52000")
    await tg.say_in_group(ALICE, "Closed the Acme deal")
    assert not any("52000" in t or "52,000" in t or "Question" in t for t in tg.shown(GROUP))
    assert "Question 1 of 8" in tg.shown(ALICE)[-1]
    with tg.bot.unit() as ctx:
        assert ctx.session.query(Answer).count() == 0
    await tg.say(ALICE, "61000")
    assert "Question 2 of 8" in tg.shown(ALICE)[-1]
    with tg.bot.unit() as ctx:
        [answer] = ctx.session.query(Answer).all()
        assert answer.number_value == 61000

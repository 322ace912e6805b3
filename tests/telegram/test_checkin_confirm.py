"""Confirming a number in Telegram: the real PTB client against the fake Bot API."""

from __future__ import annotations

from storage.models import Answer
from tests.telegram.conftest import ALICE, LI, TG


def stored(tg: TG) -> dict[str, float | None]:
    with tg.bot.unit() as ctx:
        return {a.question_key: a.number_value for a in ctx.session.query(Answer)}


async def test_an_ambiguous_number_is_settled_with_a_button(tg: TG) -> None:
    await tg.checkins("alice")
    await tg.say(ALICE, "45.000")
    question = tg.last_message(ALICE)
    assert '"45.000" two ways: 45 USD or 45,000 USD' in tg.shown(ALICE)[-1]
    keyboard = question["reply_markup"]["inline_keyboard"]
    assert [b["text"] for row in keyboard for b in row] == ["45 USD", "45,000 USD"]
    assert all(b["callback_data"].startswith("num:") for row in keyboard for b in row)
    assert stored(tg) == {}

    await tg.press(ALICE, "45,000 USD")
    await tg.fake.wait_for_call("editMessageText")
    assert tg.fake.last_call("editMessageText").params["text"].endswith("→ <b>45,000 USD</b>")
    assert stored(tg) == {"kpi:revenue": 45000.0}
    assert "Question 2 of 8" in tg.shown(ALICE)[-1]


async def test_a_far_too_large_number_is_confirmed_with_yes_no_buttons(tg: TG) -> None:
    await tg.checkins("li")
    await tg.say(LI, "6000000")
    keyboard = tg.last_message(LI)["reply_markup"]["inline_keyboard"]
    assert [b["text"] for row in keyboard for b in row] == ["是，6,000,000 USD", "否，重新输入"]
    await tg.press(LI, "否，重新输入")
    await tg.fake.wait_for_call("editMessageText")
    assert "没有保存" in tg.shown(LI)[-1]
    assert stored(tg) == {}
    await tg.say(LI, "6000000")
    await tg.press(LI, "是，6,000,000 USD")
    await tg.fake.wait_for_call("editMessageText", count=2)
    assert stored(tg) == {"kpi:revenue": 6000000.0}


async def test_an_older_confirmation_button_is_no_longer_open_once_another_number_is_asked(
        tg: TG) -> None:
    """Alice's "12,5k" is asked back with two buttons; instead she types 2000000, asked back
    in turn, then presses "12,500 USD" on the older message: 2,000,000 USD was stored (the
    reading waiting then) and the older message edited to show "→ 12,500 USD". Now nothing
    is saved, she is told so, and the older message keeps its buttons (a "→ 12,500 USD"
    under it was a choice not taken)."""
    await tg.checkins("alice")
    await tg.say(ALICE, "12,5k")
    older = tg.last_message(ALICE)
    twelve = next(b for row in older["reply_markup"]["inline_keyboard"] for b in row
                  if b["text"] == "12,500 USD")
    await tg.say(ALICE, "2000000")
    assert "2,000,000 USD is more than 20 times" in tg.shown(ALICE)[-1]
    newer = tg.last_message(ALICE)
    yes = next(b for row in newer["reply_markup"]["inline_keyboard"] for b in row
               if b["text"] == "Yes, 2,000,000 USD")
    await tg.send(tg.fake.callback_query(ALICE, twelve["callback_data"], older["message_id"]))
    assert tg.shown(ALICE)[-1] == (
        "That button was for a number you have since typed again: nothing was saved. Answer "
        "the newest message: press one of its buttons, or type the number (or /skip).")
    assert stored(tg) == {}
    # The newer question still takes its answer, by its own button.
    await tg.send(tg.fake.callback_query(ALICE, yes["callback_data"], newer["message_id"]))
    await tg.fake.wait_for_call("editMessageText")
    await tg.bot.drain()  # (the older press's marking, had there been one, is done too)
    assert [c.params["message_id"] for c in tg.fake.calls_for("editMessageText")] == [
        newer["message_id"]]
    assert stored(tg) == {"kpi:revenue": 2000000.0}


async def test_money_typed_while_a_count_awaits_confirmation_is_refused_as_money(
        tg: TG) -> None:
    """Alice's '1.5 million' new customers is asked back (far above her 4); she corrects
    it with '1.5 million dollars', her revenue. That was answered "Is 1,500,000 customers
    right?" again, as if she had typed nothing a figure: typed straight to the question
    it is refused as money for a count, and now it is here too, the far too large figure
    no longer waiting for a yes."""
    await tg.checkins("alice")
    await tg.say(ALICE, "52000")
    await tg.say(ALICE, "1.5 million")
    assert "1,500,000 customers is more than 20 times" in tg.shown(ALICE)[-1]
    asked = tg.last_message(ALICE)
    yes = next(b for row in asked["reply_markup"]["inline_keyboard"] for b in row
               if b["text"] == "Yes, 1,500,000 customers")
    await tg.say(ALICE, "1.5 million dollars")
    refused = tg.shown(ALICE)[-1]
    assert refused.startswith("That figure is an amount of money (dollars), but this "
                              "question asks for a count in customers.")
    assert "Nothing was saved" in refused
    # Its button, pressed after all, saves nothing either.
    await tg.send(tg.fake.callback_query(ALICE, yes["callback_data"], asked["message_id"]))
    assert "nothing was saved" in tg.shown(ALICE)[-1]
    assert stored(tg) == {"kpi:revenue": 52000.0}
    await tg.say(ALICE, "yes")  # no longer a yes to 1,500,000: not a number at all
    assert "isn't a number" in tg.shown(ALICE)[-1]
    await tg.say(ALICE, "3")
    assert "Question 3 of 8" in tg.shown(ALICE)[-1]
    assert stored(tg) == {"kpi:revenue": 52000.0, "kpi:new_customers": 3.0}


async def test_another_currency_typed_while_revenue_awaits_confirmation_is_refused(
        tg: TG) -> None:
    # 李雷 typed 6,000,000 (100 times his target); his correction in yuan was asked back
    # as "6,000,000 USD 对吗？" and a 是 then stored six million dollars.
    await tg.checkins("li")
    await tg.say(LI, "6000000")
    await tg.say(LI, "60万元")
    refused = tg.shown(LI)[-1]
    assert refused.startswith("这个金额的货币是 元，但这个问题要求以 USD 计。")
    await tg.say(LI, "是")
    assert stored(tg) == {}

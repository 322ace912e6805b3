"""A director presses a button of last week's unfinished check-in after this week's
prompt came: she is told which week it was and how to finish it, and the GM's /summary
of last week reads what she then gives, late, the support she asks for included."""

from __future__ import annotations

from datetime import timedelta

from tests.telegram.conftest import ALICE, GRACE, LI, TG


async def test_last_weeks_button_names_both_weeks_and_how_to_finish_it(tg: TG) -> None:
    await tg.checkins("alice")
    for answer in ["52000", "3", "Win", "None"]:
        await tg.say(ALICE, answer)
    support = tg.last_message(ALICE)
    assert "What support do you need" in support["text"]
    tg.clock.advance(timedelta(days=7))
    await tg.checkins("alice")
    assert "check-in for 2026-W49" in tg.shown(ALICE)[-1]

    # She scrolls up and presses Budget under last week's question, still unanswered.
    # She was told it "belongs to a question that is no longer open", as if W48 were lost.
    budget = support["reply_markup"]["inline_keyboard"][1][0]
    assert budget["text"] == "Budget"
    await tg.send(tg.fake.callback_query(ALICE, budget["callback_data"],
                                         support["message_id"]))
    assert tg.shown(ALICE)[-1] == (
        "That button is from your check-in for 2026-W48, which is still unfinished; your "
        "check-in for 2026-W49 is under way, so nothing was saved. Send /checkin last week "
        "to finish 2026-W48 first, or /checkin once this one is in (until 2026-12-06).")
    # Nothing was marked under the old question: no choice was taken.
    assert "→ Budget" not in tg.fake.messages[(ALICE, support["message_id"])]["text"]

    await tg.say(ALICE, "/checkin last week")
    assert "What support do you need" in tg.shown(ALICE)[-1]
    await tg.press(ALICE, "Budget")
    for answer in ["Two SDRs", "Plan", "4"]:
        await tg.say(ALICE, answer)
    await tg.say(GRACE, "/summary 2026-W48")
    summary = tg.shown(GRACE)[-1]
    assert "✅ Alice Martin — checked in (late)" in summary
    # Her late answers are last week's, the support she asked for with them too: it read
    # "Support: none open" there, beside "checked in (late)" and her late wins; then
    # "open, 7 days old" (from W48's Monday) the day she asked: now the day she asked.
    assert ("Support: #1 Budget: Two SDRs — asked for 2026-12-04, after the week (check-in "
            "answered late)") in summary
    assert "Support: none open" not in summary.split("Alice Martin · team East")[1].split(
        "Bruno Rossi ·")[0]
    # This week's view has it as the tracked request /support lists.
    await tg.say(GRACE, "/summary")
    assert "Support: #1 Budget: Two SDRs — open, opened today" in tg.shown(GRACE)[-1]


async def test_in_chinese_and_a_button_already_answered_stays_no_longer_open(tg: TG) -> None:
    await tg.checkins("li")
    for answer in ["52000", "赢单", "无"]:
        await tg.say(LI, answer)
    support = tg.last_message(LI)
    tg.clock.advance(timedelta(days=7))
    await tg.checkins("li")
    button = support["reply_markup"]["inline_keyboard"][1][0]
    await tg.send(tg.fake.callback_query(LI, button["callback_data"], support["message_id"]))
    assert tg.shown(LI)[-1] == (
        "这个按钮来自你 2026-W48 的签到，它还没有完成；你 2026-W49 的签到正在进行，所以这次没有"
        "保存。发送 /checkin 上周 先补完 2026-W48，或提交本周签到后发送 /checkin 补完（截至 "
        "2026-12-06）。")

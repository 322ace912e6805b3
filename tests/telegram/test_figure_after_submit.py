"""A director re-types a corrected figure after her check-in is in: she is told it was
not taken and how to change it, and the GM's /summary keeps the figure stored."""

from __future__ import annotations

from tests.telegram.conftest import ALICE, GRACE, LI, TG


async def test_a_figure_typed_after_submitting_is_said_not_taken_with_edit(tg: TG) -> None:
    await tg.checkins("alice")
    for answer in ["52000", "3", "Win", "None", "1", "Plan", "4"]:
        await tg.say(ALICE, answer)
    assert "your check-in for 2026-W48 is in" in tg.shown(ALICE)[-1]

    # "Oops, it was 62k": typed as a new message, nothing waiting for it. She was told
    # "Send /checkin to start your weekly check-in", as if nothing were in.
    await tg.say(ALICE, "62k")
    told = tg.shown(ALICE)[-1]
    assert told == ("Your check-in for 2026-W48 is already in, so I did not take 62k. To "
                    "change an answer, send /edit: it lists your answers, and /edit N "
                    "changes answer N.")
    await tg.say(GRACE, "/summary")
    assert "Revenue 52,000 / 50,000 USD (104%)" in tg.shown(GRACE)[-1]

    # Following the hint changes it.
    await tg.say(ALICE, "/edit 1")
    await tg.say(ALICE, "62k")
    await tg.say(GRACE, "/summary")
    assert "Revenue 62,000 / 50,000 USD (124%)" in tg.shown(GRACE)[-1]
    # The answer's number, as /edit lists it, still gets the /edit N hint.
    await tg.say(ALICE, "2")
    assert "To change answer 2 of your 2026-W48 check-in, send /edit 2." in \
        tg.shown(ALICE)[-1]


async def test_in_chinese_and_not_for_a_check_in_put_aside(tg: TG) -> None:
    await tg.checkins("li")
    for answer in ["52000", "赢单", "无", "1", "计划", "4"]:
        await tg.say(LI, answer)
    await tg.say(LI, "五万八")
    assert tg.shown(LI)[-1] == ("你 2026-W48 的签到已经提交，所以我没有记录 五万八。如需修改回答，"
                                "请发送 /edit：它会列出你的回答，再发送 /edit N 修改第 N 个回答。")

    # A check-in put aside with /pause is carried on with /checkin, as before.
    await tg.checkins("alice")
    await tg.say(ALICE, "52000")
    await tg.say(ALICE, "/pause")
    await tg.say(ALICE, "61000")
    assert "Send /checkin" in tg.shown(ALICE)[-1]

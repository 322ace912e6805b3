"""Directors whose targets are in rupees and in yen answer in their own currency, as they
write it ('₹38 lakh', 'Rs. 41,00,000', '500万円'), and a figure in another currency is
refused naming it, never stored as if it were theirs."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.config import Settings
from storage.models import Answer
from tests.support import TEST_ORG
from tests.telegram.conftest import ALICE, GRACE, LI, TG


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """Alice's revenue in INR (40 lakh a week, 5.2 crore a quarter), 李雷's in JPY (800万円
    a week)."""
    text = TEST_ORG.read_text(encoding="utf-8").replace(
        "{metric: revenue, unit: USD, weekly_target: 50000}",
        "{metric: revenue, unit: INR, weekly_target: 4000000}").replace(
        "{metric: revenue, unit: USD, weekly_target: 60000}",
        "{metric: revenue, unit: JPY, weekly_target: 8000000}") + (
        "goals:\n  - {metric: revenue, period: 2026-Q4, person: alice, target: 52000000, "
        "unit: INR}\n")
    path = tmp_path / "org.yaml"
    path.write_text(text, encoding="utf-8")
    return replace(settings, org_file=path)


def revenue(tg: TG) -> list[float | None]:
    with tg.bot.unit() as ctx:
        return [a.number_value for a in ctx.session.query(Answer)
                if a.question_key == "kpi:revenue"]


async def test_a_director_in_india_answers_in_rupees(tg: TG) -> None:
    # '₹38 lakh' was "That isn't a number", and '$45,000' "an amount of money, but this
    # question asks for a count in INR": the bot did not know INR for money.
    await tg.checkins("alice")
    await tg.say(ALICE, "$45,000")
    refused = tg.shown(ALICE)[-1]
    assert refused.startswith("That figure is in $, but this question asks for INR.")
    assert "count" not in refused
    await tg.say(ALICE, "50000 USD")
    assert tg.shown(ALICE)[-1].startswith("That figure is in USD, but this question asks "
                                          "for INR.")
    assert revenue(tg) == []
    await tg.say(ALICE, "₹38 lakh")
    assert "Question 2 of 8" in tg.shown(ALICE)[-1]
    await tg.say(ALICE, "₹3")  # money, to new customers
    assert tg.shown(ALICE)[-1].startswith("That figure is an amount of money (₹), but this "
                                          "question asks for a count in customers.")
    for answer in ["3", "Win", "None", "1", "Plan", "4"]:
        await tg.say(ALICE, answer)
    assert revenue(tg) == [3_800_000.0]
    await tg.say(ALICE, "/edit 1")
    await tg.say(ALICE, "Rs. 41,00,000")
    assert revenue(tg) == [4_100_000.0]
    await tg.say(GRACE, "/summary")
    assert "Revenue 41,00,000 / 40,00,000 INR (103%)" in tg.shown(GRACE)[-1]


async def test_yen_is_taken_for_a_yen_target_and_yuan_refused(tg: TG) -> None:
    # '¥' is the sign of both: to a target in JPY it is yen. '500万円' was "这不是一个数字";
    # '60万元' (renminbi) must never be stored as yen.
    await tg.checkins("li")
    await tg.say(LI, "60万元")
    assert tg.shown(LI)[-1].startswith("这个金额的货币是 元，但这个问题要求以 JPY 计。")
    await tg.say(LI, "₹5 lakh")
    assert tg.shown(LI)[-1].startswith("这个金额的货币是 ₹，但这个问题要求以 JPY 计。")
    assert revenue(tg) == []
    await tg.say(LI, "500万円")
    assert "第 2 题" in tg.shown(LI)[-1]
    assert revenue(tg) == [5_000_000.0]
    await tg.say(LI, "/edit 1")
    await tg.say(LI, "¥7,500,000")
    assert revenue(tg) == [7_500_000.0]


async def test_a_figure_in_rupees_after_submitting_gets_the_edit_hint(tg: TG) -> None:
    # '₹62000' typed once the check-in was in got no reply of /edit (it was no figure
    # to the hint, which knew only '$ € £ ¥'); '$62000' got one.
    await tg.checkins("alice")
    for answer in ["₹38 lakh", "3", "Win", "None", "1", "Plan", "4"]:
        await tg.say(ALICE, answer)
    for typed in ["₹62000", "INR 62000", "Rs. 62000", "62000 rupees", "$62000"]:
        await tg.say(ALICE, typed)
        assert tg.shown(ALICE)[-1] == (
            f"Your check-in for 2026-W48 is already in, so I did not take {typed}. To "
            "change an answer, send /edit: it lists your answers, and /edit N changes "
            "answer N.")
    assert revenue(tg) == [3_800_000.0]

    # In Chinese, the same for a figure in 元 or 円 typed after 李雷's check-in is in.
    await tg.checkins("li")
    for answer in ["500万円", "赢单", "无", "1", "计划", "4"]:
        await tg.say(LI, answer)
    for typed in ["600万円", "6万元"]:
        await tg.say(LI, typed)
        assert tg.shown(LI)[-1].startswith(f"你 2026-W48 的签到已经提交，所以我没有记录 {typed}。")
    assert revenue(tg) == [3_800_000.0, 5_000_000.0]


async def test_figures_in_rupees_read_in_lakhs_and_crores(tg: TG) -> None:
    # An Indian director and GM read 41,00,000 (41 lakh), not 4,100,000: the question's
    # target, the confirmation of a far larger figure, /edit's list, the GM's /summary in
    # both languages and /goals group a figure in INR so; yen and JSON stay as they were.
    await tg.checkins("alice", "li")
    assert "Your weekly target is 40,00,000 INR." in tg.shown(ALICE)[-1]
    await tg.say(ALICE, "₹40 crore")  # a hundred times the target: asked back
    keyboard = tg.last_message(ALICE)["reply_markup"]["inline_keyboard"]
    assert next(b["text"] for row in keyboard for b in row) == "Yes, 40,00,00,000 INR"
    await tg.say(ALICE, "Rs. 41,00,000")
    for answer in ["3", "Win", "None", "1", "Plan", "4"]:
        await tg.say(ALICE, answer)
    await tg.say(ALICE, "/edit")
    assert "41,00,000 INR" in tg.shown(ALICE)[-1]
    for answer in ["750万円", "赢单", "无", "1", "计划", "4"]:
        await tg.say(LI, answer)

    await tg.say(GRACE, "/summary")
    assert "Revenue 41,00,000 / 40,00,000 INR (103%)" in tg.shown(GRACE)[-1]
    assert "4,100,000" not in tg.shown(GRACE)[-1]
    assert "Revenue 7,500,000 / 8,000,000 JPY (94%)" in tg.shown(GRACE)[-1]  # yen as before
    await tg.say(GRACE, "/goals alice")
    assert "41,00,000 of 5,20,00,000 INR" in tg.shown(GRACE)[-1], tg.shown(GRACE)[-1]
    await tg.say(GRACE, "/language 中文")
    await tg.say(GRACE, "/summary")
    assert "41,00,000 / 40,00,000 INR" in tg.shown(GRACE)[-1]
    await tg.say(GRACE, "/goals alice")
    assert "41,00,000 / 5,20,00,000 INR" in tg.shown(GRACE)[-1], tg.shown(GRACE)[-1]

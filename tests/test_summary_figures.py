"""Figures of the GM's /summary attacked the way they could mislead: each test builds the
week through the chat and reads what the GM reads."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

from bot.app import prepare
from tests.support import say
from tests.test_checkin import ALICE_ANSWERS, answer_all
from tests.test_summary_gm import alice, attention, blocks, run_cli_json, weeks_of_checkins
from tests.test_summary_truth import BRUNO_ANSWERS, LI_ANSWERS, org_file


async def test_falling_attainment_names_what_it_fell_from(bot, chat, clock):
    # Revenue 191% → 21% → 41%, new customers 75% each week: 133% → 48% → 58%. This week
    # rose from last week's, but fell against the weeks before on average (90.5%): the
    # attention line must not read 'now 58%, 48% the week before' (a rise called a fall).
    await weeks_of_checkins(bot, clock, [alice("95500"), alice("10500"), alice("20500")])
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "trend ↓ (— → 133% → 48% → 58%)" in blocks(text)["Alice Martin · team East"]
    assert ("Alice Martin: attainment falling (now 58%, against 90% on average over the "
            "2 weeks before)") in attention(text)
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/summary")
    assert "Alice Martin：达成率下滑（本周 58%，此前 2 周平均 90%）" in chat.last("grace")


async def test_a_director_removed_keeps_what_they_sold_in_the_orgs_month_and_quarter(
        bot, chat, clock, settings, tmp_path):
    # W46 all three answer: the GM reads 159,000 month to date. Bruno then leaves the org
    # file; by W48 the month must still hold his 41,000 (and his 40,000 target).
    friday = clock.now()
    clock.set(friday - timedelta(weeks=2))
    await bot.run_checkins()
    for key, answers in (("alice", ALICE_ANSWERS), ("bruno", BRUNO_ANSWERS),
                         ("li", LI_ANSWERS)):
        await answer_all(bot, key, answers)
    await say(bot, "grace", "/summary")
    assert "Month to date (2026-11): Revenue 159,000 / 150,000 (106%)" in chat.last("grace")
    clock.set(friday - timedelta(weeks=1))
    later, engine = prepare(replace(settings, org_file=org_file(tmp_path, without="bruno")),
                            clock)
    later.register(chat)
    try:
        for moment in (friday - timedelta(weeks=1), friday):
            clock.set(moment)
            await later.run_checkins()
            await answer_all(later, "alice", ALICE_ANSWERS)
        await say(later, "grace", "/summary")
        text = chat.last("grace")
        # 159,000 + 52,000 + 52,000 against 150,000 + 110,000 + 110,000 (李雷 missed two).
        assert "Month to date (2026-11): Revenue 263,000 / 370,000 (71%)" in text
        assert "Quarter to date (2026-Q4): Revenue 263,000 / 370,000 (71%)" in text
        assert "Bruno" not in text  # no block: he was not asked these weeks
        data = json.loads(run_cli_json(later, clock))
        month = next(f for f in data["headline"]["month_to_date"] if f["metric"] == "revenue")
        assert (month["actual"], month["target"]) == (263000.0, 370000.0)
    finally:
        engine.dispose()

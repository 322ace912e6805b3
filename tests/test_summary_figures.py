"""Figures of the GM's /summary attacked the way they could mislead: each test builds the
week through the chat and reads what the GM reads."""

from __future__ import annotations

from tests.support import say
from tests.test_summary_gm import alice, attention, blocks, weeks_of_checkins


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

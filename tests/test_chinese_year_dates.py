"""A date written year first in Chinese numerals, 二〇二六年十二月二十日 (二零二六年…号
too), is read where dates are typed, as 2026年12月20日 is: its year kept, never guessed."""

from __future__ import annotations

from tests.support import say


async def test_away_reads_a_year_in_chinese_numerals(bot, chat):
    for typed in ("/away 2026年12月20日", "/away 二〇二六年十二月二十日",
                  "/away 二零二六年十二月二十号", "/away 12月二十日"):
        await say(bot, "li", typed)
        assert "外出至 2026-12-20（含当天）" in chat.last("li"), (typed, chat.last("li"))
        await say(bot, "li", "/back")
    # Both days with their year, the second in the next year.
    await say(bot, "li", "/away 二〇二六年十二月二十八号到二〇二七年一月八号")
    assert "2026-12-28 – 2027-01-08" in chat.last("li"), chat.last("li")
    await say(bot, "li", "/away cancel")
    await say(bot, "li", "/away 二〇二六年十二月二十一到三十一号")
    assert "2026-12-21 – 2026-12-31" in chat.last("li"), chat.last("li")


async def test_an_action_item_due_in_chinese_numerals_with_its_year(bot, chat):
    await say(bot, "li", "/actions 添加 准备材料 2026年12月10日")
    assert "准备材料 —— 你，截止 2026-12-10。" in chat.last("li"), chat.last("li")
    await say(bot, "li", "/actions 添加 准备材料 二〇二六年十二月十日")
    assert "准备材料 —— 你，截止 2026-12-10。" in chat.last("li"), chat.last("li")
    await say(bot, "li", "/actions 添加 发报价 截止二零二七年一月五号前")
    assert "发报价 —— 你，截止 2027-01-05。" in chat.last("li"), chat.last("li")
    # A year said that has passed is not next year's same day.
    await say(bot, "li", "/actions 添加 准备材料 2026年1月5日")
    arabic = chat.last("li")
    await say(bot, "li", "/actions 添加 准备材料 二〇二六年一月五日")
    assert chat.last("li") == arabic.replace("2026年1月5日", "二〇二六年一月五日"), \
        chat.last("li")
    assert "2026-01-05" in arabic and "2027" not in arabic, arabic

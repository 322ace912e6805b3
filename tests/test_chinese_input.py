"""A Chinese-speaking director and GM type as a Chinese keyboard does: full-width forms,
Chinese numerals and units, Chinese separators. What the bot takes it reads right; what it
refuses it says why, in Chinese; nothing is stored wrong."""

from __future__ import annotations

from tests.support import say
from tests.test_checkin import answers_of


async def test_a_command_typed_with_a_full_width_slash_is_the_command(bot, chat):
    # A Chinese IME in full-width mode types '／'; mid-check-in '／pause' was filed as
    # the answer to "本周有哪些成绩？" and the check-in went on.
    await bot.run_checkins(["li"])
    await say(bot, "li", "52000")
    await say(bot, "li", "／pause")
    assert "wins" not in answers_of(bot, "li")
    assert "暂停" in chat.last("li")
    await say(bot, "li", "／ｓｕｍｍａｒｙ\u3000last 4w")
    assert "最近 4 周概况" in chat.last("li")


async def test_a_figure_in_another_currency_is_refused_not_stored_as_usd(bot, chat):
    # Li's revenue is in USD. '¥52000' (renminbi, about 7,300 USD) was stored as 52,000 USD
    # and '12万元' refused as 这不是一个数字 though it is one.
    await bot.run_checkins(["li"])
    for typed in ("¥52000", "￥52,000", "12万元", "52000人民币", "€45k"):
        await say(bot, "li", typed)
        assert "kpi:revenue" not in answers_of(bot, "li"), typed
        reply = chat.last("li")
        assert "USD" in reply and "这不是一个数字" not in reply, (typed, reply)
        assert "未保存" in reply, (typed, reply)
    await say(bot, "li", "5.2万美元")  # the question's own currency, in Chinese: taken
    assert answers_of(bot, "li")["kpi:revenue"] == (None, 52000.0, False)


async def test_a_percentage_for_a_revenue_figure_is_refused(bot, chat):
    # '80％' (80% of target, perhaps) was stored as 80 USD of revenue.
    await bot.run_checkins(["li"])
    for typed in ("80％", "80%", "百分之八十"):
        await say(bot, "li", typed)
        assert "kpi:revenue" not in answers_of(bot, "li"), typed
        assert "百分比" in chat.last("li"), (typed, chat.last("li"))
    await bot.run_checkins(["alice"])
    await say(bot, "alice", "104%")
    assert "percentage" in chat.last("alice") and "USD" in chat.last("alice")

"""A director answering in the sizes money is said in: a figure to a question asked in 万元
or k USD is stored in that unit whatever size it was typed in ('5千', '12万5000', '50k'),
a bare figure with the currency's sign or word is asked back, and a hedged answer ('大概5万
吧', 'about 50k', '差不多3个') is its figure, said back as stored.

李雷 answers revenue in 万元 (target 50), Amy in k USD (target 50): see WAN_ORG.
"""

from __future__ import annotations

from tests.support import say
from tests.test_checkin import answers_of
from tests.test_checkin_edges import unit_bot  # noqa: F401 - fixture: 李雷 in 位客户
from tests.test_checkin_number_input import wan_bot  # noqa: F401 - fixture: 万元 and k USD


async def test_a_yuan_sign_to_a_question_in_wan_yuan_is_asked_back_with_both_readings(
        wan_bot):  # noqa: F811 - the fixture
    """'¥5' to a question in 万元 was stored as 5 万元 (50,000 yuan) though ¥5 is five
    yuan. It is refused as '5元' is, with what it is in 万元 and the 5 万元 it may have
    meant; either reply is then read. '$52' to k USD likewise."""
    bot, chat = wan_bot
    await bot.run_checkins(["li", "amy"])
    await say(bot, "li", "¥5")
    assert chat.last("li") == (
        "这个问题以 万元 计，而 ¥5 是以 ¥ 计的金额，即 0.0005 万元；还是你指的是 5 万元？"
        "请回复 0.0005 或 5（或发送 /skip 跳过）。本次未保存。")
    await say(bot, "li", "￥5")  # the full-width sign of a Chinese keyboard: the same
    assert chat.last("li").startswith("这个问题以 万元 计，而 ¥5 是以 ¥ 计的金额")
    await say(bot, "amy", "$52")
    assert chat.last("amy") == (
        "This question asks for k USD, and $52 is in $: that is 0.052 k USD. Or did you "
        "mean 52 k USD? Reply 0.052 or 52 (or /skip). Nothing was saved.")
    assert answers_of(bot, "li") == {} and answers_of(bot, "amy") == {}
    await say(bot, "li", "5")
    await say(bot, "amy", "52")
    assert answers_of(bot, "li") == {"kpi:revenue": (None, 5.0, False)}
    assert answers_of(bot, "amy") == {"kpi:revenue": (None, 52.0, False)}


async def test_a_sign_with_its_size_or_the_unit_written_out_is_stored(wan_bot):  # noqa: F811
    """The sign is no question when the figure says its size or the unit: '¥5万' was read
    as 50,000 万元 and asked "确定吗？" of that."""
    bot, _chat = wan_bot
    await bot.run_checkins(["li", "amy"])
    for typed, meant in (("¥5万", 5.0), ("¥12万5000", 12.5), ("¥45万元", 45.0)):
        await say(bot, "li", typed)
        assert answers_of(bot, "li") == {"kpi:revenue": (None, meant, False)}, typed
        await say(bot, "li", "/edit 1")
    for typed, meant in (("$52k", 52.0), ("$0.5m", 500.0), ("$52k USD", 52.0)):
        await say(bot, "amy", typed)
        assert answers_of(bot, "amy") == {"kpi:revenue": (None, meant, False)}, typed
        await say(bot, "amy", "/edit 1")


async def test_a_figure_in_thousands_or_tens_of_thousands_is_stored_in_wan_yuan(
        wan_bot):  # noqa: F811 - the fixture
    """'5千' to a question in 万元 was read as 5,000 万元 and '12万5000' as 125,000 万元,
    each asked "超过你每周目标的 20 倍。确定吗？" of that figure: a yes stored it. They are
    0.5 and 12.5 万元, stored, and said back before the next question; the check-in's
    confirmation lists them as stored."""
    bot, chat = wan_bot
    await bot.run_checkins(["li"])
    await say(bot, "li", "12万5000")
    assert answers_of(bot, "li") == {"kpi:revenue": (None, 12.5, False)}
    assert chat.last("li").startswith("已记为 12.5 万元。\n\n第 2 题，共 7 题"), chat.last("li")
    for typed, meant in (("5千", 0.5), ("五千", 0.5), ("3万5千", 3.5), ("50k", 5.0),
                         ("5千元", 0.5), ("三十万", 30.0)):
        await say(bot, "li", "/edit 1")
        await say(bot, "li", typed)
        assert answers_of(bot, "li") == {"kpi:revenue": (None, meant, False)}, typed
        assert chat.last("li").startswith(f"已修改。\n已记为 {meant:,g} 万元。"), chat.last("li")
    # The unit's own size, or the unit written out, is the figure as typed: no word more.
    await say(bot, "li", "/edit 1")
    await say(bot, "li", "12万")
    assert chat.last("li").startswith("已修改。\n\n第 2 题"), chat.last("li")
    await say(bot, "li", "/edit 1")
    await say(bot, "li", "1千万元")  # 10,000,000 yuan: 1,000 万元 (the unit written out)
    assert answers_of(bot, "li") == {"kpi:revenue": (None, 1000.0, False)}
    assert chat.last("li").startswith("已修改。\n已记为 1,000 万元。"), chat.last("li")
    await say(bot, "li", "/edit 1")
    await say(bot, "li", "12万5000")
    for answer in ("Closed Acme", "Pricing pushback", "1", "Visit 5", "4"):
        await say(bot, "li", answer)
    assert "本周完成了多少（单位：万元）？" in chat.last("li")
    assert "\n  12.5 万元\n" in chat.last("li"), chat.last("li")
    await say(bot, "li", "/edit 1")  # the check-in is in: the edit's reply says it
    await say(bot, "li", "5千")
    assert chat.last("li") == "已保存，记为 0.5 万元。你 2026-W48 的签到已更新。"
    assert answers_of(bot, "li")["kpi:revenue"] == (None, 0.5, False)


async def test_thousands_to_a_question_in_k_usd_are_read_in_k(wan_bot):  # noqa: F811
    """'5千' and '1.2万' to a question in k USD were 5,000 and 12,000 k USD, asked back as
    over 20 times the target. A size word names no currency: they are 5 and 12 k USD,
    '1.2万' said back (its digits are not the figure stored); 'about 50k' is 50 k USD."""
    bot, chat = wan_bot
    await bot.run_checkins(["amy"])
    await say(bot, "amy", "1.2万")
    assert answers_of(bot, "amy") == {"kpi:revenue": (None, 12.0, False)}
    assert chat.last("amy").startswith("Saved as 12 k USD.\n\nQuestion 2 of 7")
    await say(bot, "amy", "/edit 1")
    await say(bot, "amy", "5千")  # 5 thousand: the 5 typed, no word more
    assert answers_of(bot, "amy") == {"kpi:revenue": (None, 5.0, False)}
    assert chat.last("amy").startswith("Changed.\n\nQuestion 2"), chat.last("amy")
    for typed, meant in (("0.5 million", 500.0), ("about 50k", 50.0), ("~50k", 50.0),
                         ("roughly 48k", 48.0)):
        await say(bot, "amy", "/edit 1")
        await say(bot, "amy", typed)
        assert answers_of(bot, "amy") == {"kpi:revenue": (None, meant, False)}, typed
        assert f"Saved as {meant:g} k USD." in chat.last("amy"), chat.last("amy")
    for answer in ("Closed Acme", "Pricing pushback", "1", "Visit 5", "4"):
        await say(bot, "amy", answer)
    assert "\n  48 k USD\n" in chat.last("amy"), chat.last("amy")
    await say(bot, "amy", "/edit 1")
    await say(bot, "amy", "0.5 million")
    assert chat.last("amy") == "Saved as 500 k USD. Your check-in for 2026-W48 is updated."


async def test_a_hedged_answer_is_its_figure_said_back(unit_bot):  # noqa: F811 - the fixture
    """'大概5万吧' ("about 50k, I guess") was "这不是一个数字", '差不多3个' asked back as a
    figure with words, and 'New customers: 3' likewise: each is its figure, stored and
    said back as read."""
    bot, chat = unit_bot
    await bot.run_checkins(["li", "ann"])
    await say(bot, "li", "大概5万吧")
    assert answers_of(bot, "li") == {"kpi:revenue": (None, 50000.0, False)}
    assert chat.last("li").startswith("已记为 50,000 美元。\n\n第 2 题"), chat.last("li")
    await say(bot, "li", "差不多3个")
    assert answers_of(bot, "li")["kpi:new_customers"] == (None, 3.0, False)
    assert chat.last("li").startswith("已记为 3 位客户。\n\n第 3 题"), chat.last("li")
    for typed, meant in (("约5万", 50000.0), ("5万左右", 50000.0), ("大概有6万", 60000.0),
                         ("5万吧", 50000.0)):
        await say(bot, "li", "/edit 1")
        await say(bot, "li", typed)
        assert answers_of(bot, "li")["kpi:revenue"] == (None, meant, False), typed
        assert f"已记为 {meant:,.0f} 美元。" in chat.last("li"), chat.last("li")
    for typed in ("新客户3个", "新客户：3", "3个吧"):
        await say(bot, "li", "/edit 2")
        await say(bot, "li", typed)
        assert chat.last("li").startswith("已修改。"), (typed, chat.last("li"))
    await say(bot, "ann", "roughly 3")
    assert chat.last("ann").startswith("Saved as 3 customers.\n\nQuestion 2"), chat.last("ann")
    await say(bot, "ann", "/edit 1")
    await say(bot, "ann", "New customers: 4")
    assert answers_of(bot, "ann")["kpi:new_customers"] == (None, 4.0, False)
    assert chat.last("ann").startswith("Changed.\n\nQuestion 2"), chat.last("ann")


async def test_a_hedged_range_or_money_label_is_still_asked_back(unit_bot):  # noqa: F811
    """A hedge reads a figure, never two: '大概4到5万' is a range, asked for one figure;
    the money's label before a figure, '营收：5万', is asked back as before."""
    bot, chat = unit_bot
    await bot.run_checkins(["li"])
    await say(bot, "li", "大概4万到5万吧")
    assert chat.last("li").startswith("大概4万到5万吧 不是一个确定的数。请只回复一个数字，"
                                      "即你的最佳估计（单位：美元）"), chat.last("li")
    await say(bot, "li", "营收：5万")
    assert "里除了数字还有别的文字。如果要填的就是 50000" in chat.last("li"), chat.last("li")
    assert answers_of(bot, "li") == {}

"""KPI answers as directors really type them: each is read as meant, or refused with a
message that says what was wrong and what to write, the question staying open and
nothing already answered lost.

Alice (English) is asked revenue in USD, then new customers; 李雷 (Chinese) revenue in
美元, then new customers in 位客户.
"""

from __future__ import annotations

import pytest

from handlers.answers import AnswerError, read_number
from tests.support import say
from tests.test_checkin import answers_of
from tests.test_checkin_edges import (
    bot_on,
    unit_bot,  # noqa: F401 - fixture: 李雷 in 位客户
)

NEXT_EN = "New customers"  # words of Alice's second question
NEXT_ZH = "新客户"


async def test_digits_with_a_space_between_are_refused_not_joined(bot, chat):
    """'5 3' was stored as 53."""
    await bot.run_checkins(["alice"])
    await say(bot, "alice", "52000")
    await say(bot, "alice", "5 3")
    assert chat.last("alice") == (
        "5 3 has a space inside the number: is it 53, or two figures? Please reply with "
        "one number in customers, such as 3 (or /skip). Nothing was saved.")
    assert answers_of(bot, "alice") == {"kpi:revenue": (None, 52000.0, False)}
    await say(bot, "alice", "5 3 customers")
    assert chat.last("alice").startswith("5 3 customers has a space inside the number: is it "
                                         "53, or two figures?")
    await say(bot, "alice", "5")  # the question is still open
    assert answers_of(bot, "alice")["kpi:new_customers"] == (None, 5.0, False)


async def test_digits_with_a_space_between_are_refused_in_chinese(unit_bot):  # noqa: F811 - the fixture
    bot, chat = unit_bot
    await bot.run_checkins(["li"])
    await say(bot, "li", "6 1000")
    assert chat.last("li") == (
        "6 1000 的数字中间有空格：是 61000，还是两个数？请只回复一个数字（单位：美元），"
        "例如 45000、45,000、45k 或 4.5万（或发送 /skip 跳过）。本次未保存。")
    assert answers_of(bot, "li") == {}


async def test_thousands_grouped_with_spaces_are_still_one_number(bot, chat):
    await bot.run_checkins(["alice"])
    await say(bot, "alice", "45 000")
    assert NEXT_EN in chat.last("alice")
    assert answers_of(bot, "alice")["kpi:revenue"] == (None, 45000.0, False)


async def test_money_typed_for_a_count_is_refused_naming_the_unit(bot, chat):
    """'¥1,200' and '$40' for new customers were stored as 1,200 and 40 customers."""
    await bot.run_checkins(["alice"])
    await say(bot, "alice", "52000")
    for typed, sign in (("$40", "$"), ("¥1,200", "¥"), ("40 USD", "USD")):
        await say(bot, "alice", typed)
        assert chat.last("alice") == (
            f"That figure is an amount of money ({sign}), but this question asks for a "
            f"count in customers. Please reply with the number, such as 3 (or /skip). "
            f"Nothing was saved.")
    assert answers_of(bot, "alice") == {"kpi:revenue": (None, 52000.0, False)}


async def test_money_typed_for_a_count_is_refused_in_chinese(unit_bot):  # noqa: F811 - the fixture
    bot, chat = unit_bot
    await bot.run_checkins(["li"])
    await say(bot, "li", "61000")
    for typed in ("¥1,200", "1200元"):
        await say(bot, "li", typed)
        sign = typed.strip("0123456789,")
        assert chat.last("li") == (
            f"这个数字带有货币（{sign}），但这个问题问的是数量（单位：位客户），不是金额。"
            f"请只回复数量，例如 3（或发送 /skip 跳过）。本次未保存。")
    assert answers_of(bot, "li") == {"kpi:revenue": (None, 61000.0, False)}


async def test_a_figure_about_so_much_is_read_as_that_figure(bot, chat):
    await bot.run_checkins(["alice", "bruno", "li"])
    for key, typed in (("alice", "about 40k"), ("bruno", "40k or so"), ("li", "~40k")):
        await say(bot, key, typed)
        assert answers_of(bot, key)["kpi:revenue"] == (None, 40000.0, False), typed


async def test_a_figure_about_so_much_is_read_as_that_figure_in_chinese(unit_bot):  # noqa: F811 - the fixture
    bot, chat = unit_bot
    await bot.run_checkins(["li"])
    await say(bot, "li", "大约4万")
    assert NEXT_ZH in chat.last("li")
    await say(bot, "li", "3个左右")
    assert answers_of(bot, "li") == {"kpi:revenue": (None, 40000.0, False),
                                     "kpi:new_customers": (None, 3.0, False)}


async def test_a_range_or_an_open_figure_asks_for_one_figure(bot, chat):
    await bot.run_checkins(["alice"])
    for typed in ("40k-50k", "40k to 50k", "40,000+"):
        await say(bot, "alice", typed)
        assert chat.last("alice") == (
            f"{typed} is not one figure. Please reply with a single number, your best "
            f"estimate, in USD, such as 45000, 45,000 or 45k (or /skip). Nothing was saved.")
    assert answers_of(bot, "alice") == {}


async def test_a_range_or_an_open_figure_asks_for_one_figure_in_chinese(unit_bot):  # noqa: F811 - the fixture
    bot, chat = unit_bot
    await bot.run_checkins(["li"])
    await say(bot, "li", "4万到5万")
    assert chat.last("li") == (
        "4万到5万 不是一个确定的数。请只回复一个数字，即你的最佳估计（单位：美元），"
        "例如 45000、45,000、45k 或 4.5万（或发送 /skip 跳过）。本次未保存。")
    await say(bot, "li", "4万多")
    assert chat.last("li").startswith("4万多 不是一个确定的数。")
    assert answers_of(bot, "li") == {}


async def test_no_figure_asks_whether_zero_or_skip_is_meant(bot, chat):
    await bot.run_checkins(["alice"])
    for typed in ("n/a", "none", "TBD"):
        await say(bot, "alice", typed)
        assert chat.last("alice") == (
            f"{typed} is not a figure. Reply 0 if there was none this week, or /skip to "
            f"leave this question unanswered. Nothing was saved.")
    assert answers_of(bot, "alice") == {}


async def test_no_figure_asks_whether_zero_or_skip_is_meant_in_chinese(unit_bot):  # noqa: F811 - the fixture
    bot, chat = unit_bot
    await bot.run_checkins(["li"])
    for typed in ("暂无", "暫無", "沒有"):  # Traditional too, as the reply words are read
        await say(bot, "li", typed)
        assert chat.last("li") == (f"{typed} 不是一个数字。本周没有就回复 0；不想回答这个问题就"
                                   "发送 /skip 跳过。本次未保存。")
    assert answers_of(bot, "li") == {}


async def test_other_forms_a_director_types_are_read_as_meant(bot, chat):
    await bot.run_checkins(["alice"])
    await say(bot, "alice", "40,000.50")
    await say(bot, "alice", "-5")
    assert chat.last("alice") == ("Please reply with a number of zero or more in customers "
                                  "(or /skip). Nothing was saved.")
    await say(bot, "alice", "四")
    assert answers_of(bot, "alice")["kpi:revenue"] == (None, 40000.5, False)
    assert answers_of(bot, "alice")["kpi:new_customers"] == (None, 4.0, False)


async def test_full_width_digits_and_chinese_numerals_are_read(unit_bot):  # noqa: F811 - the fixture
    bot, _ = unit_bot
    await bot.run_checkins(["li"])
    await say(bot, "li", "４００００")
    await say(bot, "li", "四")
    assert answers_of(bot, "li") == {"kpi:revenue": (None, 40000.0, False),
                                     "kpi:new_customers": (None, 4.0, False)}


async def test_english_number_words_are_read_as_typed(bot, chat):
    """'fifty thousand' and 'three' were refused as "That isn't a number"."""
    await bot.run_checkins(["alice", "bruno"])
    await say(bot, "alice", "Fifty thousand")
    assert NEXT_EN in chat.last("alice")
    await say(bot, "alice", "about three")
    assert answers_of(bot, "alice") == {"kpi:revenue": (None, 50000.0, False),
                                        "kpi:new_customers": (None, 3.0, False)}
    await say(bot, "bruno", "forty-two thousand five hundred")
    assert answers_of(bot, "bruno") == {"kpi:revenue": (None, 42500.0, False)}


async def test_a_half_of_a_thousand_or_a_million_is_read(bot, chat):
    """'one and a half thousand' and 'half a million' were refused as "That isn't a
    number", though 'fifty thousand' was read."""
    await bot.run_checkins(["alice", "bruno"])
    await say(bot, "alice", "One and a half thousand")
    assert NEXT_EN in chat.last("alice")
    await say(bot, "bruno", "Half a million")
    assert answers_of(bot, "alice") == {"kpi:revenue": (None, 1500.0, False)}
    assert answers_of(bot, "bruno") == {"kpi:revenue": (None, 500000.0, False)}
    for typed, value in (("a million and a half", 1_500_000.0), ("2 and a half million",
                         2_500_000.0), ("twenty-five and a half thousand", 25_500.0),
                         ("half a thousand", 500.0), ("two million and a half", 2_500_000.0)):
        assert read_number(typed) == [value], typed
    for typed in ("and a half thousand", "a half", "one thousand and a half million",
                  "1.5 and a half thousand"):
        with pytest.raises(AnswerError):
            read_number(typed)


async def test_a_message_of_only_invisible_characters_is_no_wrong_number(bot, chat):
    """A zero-width space or a lone variation selector sent on Slack or Telegram (which
    deliver it as the message's text, as this does) was answered "That isn't a number",
    blaming a figure never typed. It is an empty message: the question waits, nothing is
    stored, and a zero-width character pasted around a figure is not part of it."""
    await bot.run_checkins(["alice"])
    for typed in ("\u200b", "\ufeff", " \u2060 ", "\ufe0f", "\u200b\ufe0f\u200b"):
        await say(bot, "alice", typed)
        assert chat.last("alice") == ("I didn't get an answer. Please type your answer, or "
                                      "/skip."), repr(typed)
    assert answers_of(bot, "alice") == {}
    await say(bot, "alice", "\u200b52000\ufeff")
    assert answers_of(bot, "alice") == {"kpi:revenue": (None, 52000.0, False)}
    sent = len(chat.to("bruno"))
    await say(bot, "bruno", "\u200b")  # asked nothing: nothing said, as for an empty message
    assert len(chat.to("bruno")) == sent


async def test_a_message_of_only_invisible_characters_in_chinese(unit_bot):  # noqa: F811 - the fixture
    bot, chat = unit_bot
    await bot.run_checkins(["li"])
    await say(bot, "li", "\u2060")
    assert chat.last("li") == "我没有收到回答。请输入你的回答，或发送 /skip 跳过。"
    assert answers_of(bot, "li") == {}


def test_english_words_with_digits_and_scales():
    for typed, value in (("1.2 million", 1_200_000.0), ("50 thousand", 50_000.0),
                         ("3 hundred", 300.0), ("a hundred", 100.0),
                         ("one hundred and five", 105.0), ("twelve hundred", 1200.0),
                         ("two million three hundred thousand", 2_300_000.0),
                         ("zero", 0.0), ("TWENTY-FIVE", 25.0)):
        assert read_number(typed) == [value], typed
    for typed in ("hundred", "five and", "twenty-twelve", "zero five", "thousand thousand",
                  "one thousand million", "fifty k", "a", "minus five"):
        with pytest.raises(AnswerError):
            read_number(typed)


async def test_words_not_read_in_full_are_still_refused(bot, chat):
    await bot.run_checkins(["alice"])
    for typed in ("thousand", "two three", "a lot"):
        await say(bot, "alice", typed)
        assert chat.last("alice") == (
            "That isn't a number. Please reply with a number in USD, such as 45000, "
            "45,000 or 45k (or /skip). Nothing was saved."), typed
    assert answers_of(bot, "alice") == {}


async def test_a_count_with_a_fraction_is_refused(bot, chat):
    """'0.5 customers' and '2.5' were stored as half a customer and two and a half."""
    await bot.run_checkins(["alice", "bruno"])
    await say(bot, "alice", "52000")
    for typed in ("0.5 customers", "2.5", "4,5"):
        await say(bot, "alice", typed)
        assert chat.last("alice") == (
            f"A count of customers is a whole number, and {typed} is not one. Please reply "
            f"with a whole number, such as 3 (or /skip). Nothing was saved.")
    assert answers_of(bot, "alice") == {"kpi:revenue": (None, 52000.0, False)}
    await say(bot, "alice", "three")
    assert answers_of(bot, "alice")["kpi:new_customers"] == (None, 3.0, False)


MEASURES_ORG = """
org: {name: Measures}
people:
  - {key: grace, name: Grace, role: gm, timezone: America/New_York, locale: en}
  - key: mia
    name: Mia
    role: director
    manager: grace
    timezone: America/New_York
    locale: en
    kpis:
      - {metric: csat, unit: {en: points, zh-CN: 分}, weekly_target: 90}
      - {metric: training, unit: hours, weekly_target: 4}
      - {metric: demos, unit: {en: demos, zh-CN: 场演示}, weekly_target: 3}
"""


@pytest.fixture
def measures_bot(tmp_path, database_url, clock):
    yield from bot_on(MEASURES_ORG, tmp_path, database_url, clock)


async def test_points_and_hours_keep_their_decimals_a_count_does_not(measures_bot):
    bot, chat = measures_bot
    await bot.run_checkins(["mia"])
    await say(bot, "mia", "92.5")
    await say(bot, "mia", "1.5 hours")
    await say(bot, "mia", "2.5")  # demos: a count by its English noun
    assert chat.last("mia").startswith("A count of demos is a whole number, and 2.5 is not")
    await say(bot, "mia", "two")
    assert answers_of(bot, "mia") == {"kpi:csat": (None, 92.5, False),
                                      "kpi:training": (None, 1.5, False),
                                      "kpi:demos": (None, 2.0, False)}


async def test_a_count_with_a_fraction_is_refused_in_chinese(unit_bot):  # noqa: F811 - the fixture
    bot, chat = unit_bot
    await bot.run_checkins(["li"])
    await say(bot, "li", "6.15万")
    assert NEXT_ZH in chat.last("li")  # money keeps its decimals
    await say(bot, "li", "2.5位客户")
    assert chat.last("li") == (
        "这个问题问的是数量（单位：位客户），应为整数，2.5位客户 不是整数。请回复一个整数，"
        "例如 3（或发送 /skip 跳过）。本次未保存。")
    assert answers_of(bot, "li") == {"kpi:revenue": (None, 61500.0, False)}
    await say(bot, "li", "两个")
    assert answers_of(bot, "li")["kpi:new_customers"] == (None, 2.0, False)


async def test_a_count_typed_with_a_number_sign_is_read(bot, chat):
    """'# 12' and '#12' (# of customers: 12) were refused as "That isn't a number"; before
    an amount of money the sign reads as a place in a list, and the reply says what to
    type, storing nothing."""
    await bot.run_checkins(["alice", "bruno"])
    await say(bot, "alice", "#1 in the region: 52000")  # two figures: which is a guess
    assert chat.last("alice").startswith("That isn't a number.")
    await say(bot, "alice", "#52000")
    assert chat.last("alice") == (
        "#52000 reads as a position in a list (number 52000), not a figure in USD. If "
        "52000 is the figure, reply 52000 alone (or /skip). Nothing was saved.")
    assert answers_of(bot, "alice") == {}
    await say(bot, "alice", "52000")
    await say(bot, "alice", "# 12")
    assert answers_of(bot, "alice")["kpi:new_customers"] == (None, 12.0, False)
    for typed in ("#12", "No. 12", "12#", "#: 12 customers", "＃１２"):
        assert read_number(typed, ("customers",)) == [12.0], typed
    for typed, unit in (("#12", "%"), ("No. 12", "points"), ("12#", "hours"), ("#12", "USD")):
        with pytest.raises(AnswerError) as refused:  # any figure but a count: a place
            read_number(typed, (unit,))
        assert refused.value.message == "answer_number_sign", (typed, unit)
    with pytest.raises(AnswerError) as refused:
        read_number("#2.5", ("customers",))
    assert refused.value.message == "answer_fraction_for_count"
    with pytest.raises(AnswerError) as refused:
        read_number("nope", ("customers",))
    assert refused.value.message == "answer_not_number"


async def test_a_count_typed_with_a_number_sign_in_chinese(unit_bot):  # noqa: F811 - the fixture
    """'＃12' is 12 位客户; '第12' is the 12th, a position: refused, saying to type 12."""
    bot, chat = unit_bot
    await bot.run_checkins(["li"])
    await say(bot, "li", "61000")
    await say(bot, "li", "第12")
    assert chat.last("li") == (
        "第12 看起来是序号或名次（第 12），不是数字本身（单位：位客户）。如果要填的就是 12，"
        "请只回复 12（或发送 /skip 跳过）。本次未保存。")
    assert "kpi:new_customers" not in answers_of(bot, "li")
    await say(bot, "li", "＃12")
    assert answers_of(bot, "li")["kpi:new_customers"] == (None, 12.0, False)


async def test_an_english_ordinal_is_a_position_not_a_figure(bot, chat):
    """'12th' was refused as "That isn't a number", which says nothing of why: it is the
    12th, a place in a list, as '第12' is; the reply now says to type 12 alone, storing
    nothing. '12 thousand' stays an amount."""
    await bot.run_checkins(["alice"])
    await say(bot, "alice", "52000")
    await say(bot, "alice", "12th")
    assert chat.last("alice") == (
        "12th reads as a position in a list (number 12), not a figure in customers. If "
        "12 is the figure, reply 12 alone (or /skip). Nothing was saved.")
    assert "kpi:new_customers" not in answers_of(bot, "alice")
    for typed, figure in (("1st", 1), ("3rd", 3), ("the 2nd", 2), ("1st place", 1),
                          ("21ST", 21)):
        for unit in ("customers", "USD"):
            with pytest.raises(AnswerError) as refused:
                read_number(typed, (unit,))
            assert refused.value.message == "answer_number_sign", (typed, unit)
            assert refused.value.params["figure"] == figure
    assert read_number("12 thousand", ("USD",)) == [12000.0]
    await say(bot, "alice", "12")
    assert answers_of(bot, "alice")["kpi:new_customers"] == (None, 12.0, False)


async def test_an_english_ordinal_is_a_position_in_chinese(unit_bot):  # noqa: F811 - the fixture
    """'3rd' typed in a Chinese check-in gets the reply '第3' gets."""
    bot, chat = unit_bot
    await bot.run_checkins(["li"])
    await say(bot, "li", "61000")
    await say(bot, "li", "3rd")
    assert chat.last("li") == (
        "3rd 看起来是序号或名次（第 3），不是数字本身（单位：位客户）。如果要填的就是 3，"
        "请只回复 3（或发送 /skip 跳过）。本次未保存。")
    assert "kpi:new_customers" not in answers_of(bot, "li")


async def test_a_figure_far_below_a_large_target_is_confirmed(bot, chat):
    """'52' typed for 52k against a 50,000 USD target was stored as 52 USD, and read in the
    GM's summary as 0% of target."""
    await bot.run_checkins(["alice", "li"])
    await say(bot, "alice", "52")
    assert chat.last("alice") == (
        "52 USD is less than a hundredth of your weekly target of 50,000 USD. Is that "
        "right? Press a button, reply yes or no, or type the correct number. Nothing is "
        "saved until you confirm.")
    assert answers_of(bot, "alice") == {}
    await say(bot, "alice", "52k")  # the figure meant, typed again
    assert answers_of(bot, "alice") == {"kpi:revenue": (None, 52000.0, False)}
    await say(bot, "alice", "/edit 1")
    await say(bot, "alice", "450")  # a bad week, said so: stored as typed
    await say(bot, "alice", "yes")
    assert answers_of(bot, "alice")["kpi:revenue"] == (None, 450.0, False)
    await say(bot, "alice", "/edit 1")
    await say(bot, "alice", "500")  # a hundredth of the target is asked of nobody
    assert answers_of(bot, "alice")["kpi:revenue"] == (None, 500.0, False)
    await say(bot, "li", "5.2")  # 5.2万 meant
    assert chat.last("li") == (
        "5.2 USD 不到你每周目标（60,000 USD）的百分之一。确定吗？请点击按钮，回复“是”或"
        "“否”，或输入正确的数字。确认之前不会保存。")
    await say(bot, "li", "5.2万")
    assert answers_of(bot, "li") == {"kpi:revenue": (None, 52000.0, False)}



async def test_zero_is_stored_at_once_never_asked_about(bot, chat):
    """README, *Numbers are confirmed*: a figure under a hundredth of the target is asked
    about, "0 is never asked" (a week with no sale is said so, and stored as typed)."""
    await bot.run_checkins(["alice"])
    await say(bot, "alice", "0")
    assert answers_of(bot, "alice") == {"kpi:revenue": (None, 0.0, False)}
    assert chat.last("alice").startswith("Question 2 of 8"), chat.last("alice")

RATE_ORG = """
org: {name: Rates}
people:
  - {key: grace, name: Grace, role: gm, timezone: America/New_York, locale: en}
  - key: amy
    name: Amy
    role: director
    manager: grace
    timezone: America/New_York
    locale: en
    kpis:
      - {metric: win_rate, unit: "%", weekly_target: 30}
  - key: li
    name: 李雷
    role: director
    manager: grace
    timezone: Asia/Shanghai
    locale: zh-CN
    kpis:
      - {metric: revenue, unit: {en: CNY, zh-CN: 元}, weekly_target: 300000}
      - {metric: win_rate, unit: "%", weekly_target: 30}
"""


@pytest.fixture
def rate_bot(tmp_path, database_url, clock):
    yield from bot_on(RATE_ORG, tmp_path, database_url, clock)


async def test_a_rate_typed_as_a_fraction_or_a_change_is_not_stored_as_the_rate(rate_bot):
    """A win rate of 30 % typed '0.3' was stored as 0.3 %, and '+10%' (up ten points) as a
    rate of 10 %; '30 percent' was 'That isn't a number'."""
    bot, chat = rate_bot
    await bot.run_checkins(["amy", "li"])
    await say(bot, "amy", "0.3")
    assert chat.last("amy").startswith(
        'I can read "0.3" two ways: 0.3 % or 30 %. Which did you mean?')
    assert answers_of(bot, "amy") == {}
    await say(bot, "amy", "30")
    assert answers_of(bot, "amy") == {"kpi:win_rate": (None, 30.0, False)}
    await say(bot, "amy", "/edit 1")
    await say(bot, "amy", "+10%")
    assert chat.last("amy") == (
        "+10% reads as a change, not this week's figure in %. Please reply with the "
        "figure itself, such as 30 (or /skip). Nothing was saved.")
    await say(bot, "amy", "35 percent")
    assert answers_of(bot, "amy") == {"kpi:win_rate": (None, 35.0, False)}
    await say(bot, "li", "30万")
    await say(bot, "li", "+5%")
    assert chat.last("li") == (
        "+5% 看起来是变化量，不是本周的数字本身（单位：%）。请回复数字本身，例如 30（或发送 "
        "/skip 跳过）。本次未保存。")
    await say(bot, "li", "0.25")
    assert chat.last("li").startswith("“0.25”有两种理解：0.25 % 或 25 %。")
    assert answers_of(bot, "li") == {"kpi:revenue": (None, 300000.0, False)}


async def test_dollars_for_a_yuan_question_are_named_as_dollars(rate_bot):
    """'5.2万美元' to a question in 元 was 'That isn't a number' (元 was taken out of 美元,
    leaving 美): the director who sold in dollars was not told why."""
    bot, chat = rate_bot
    await bot.run_checkins(["li"])
    for typed, named in (("5.2万美元", "美元"), ("52000 dollars", "dollars")):
        await say(bot, "li", typed)
        assert chat.last("li") == (
            f"这个金额的货币是 {named}，但这个问题要求以 元 计。请换算后回复以 元 计的金额"
            f"（或发送 /skip 跳过）。本次未保存。"), typed
    assert answers_of(bot, "li") == {}
    await say(bot, "li", "52万元")
    assert answers_of(bot, "li") == {"kpi:revenue": (None, 520000.0, False)}


async def test_a_figure_in_a_currency_the_bot_did_not_know_is_refused_naming_it(bot, chat):
    """'50000 SGD', '₹5 lakh', '50000 yen' to Alice's revenue in USD were answered "has
    words beside the figure. If 50000 is the figure in USD, reply 50000 alone" (or "That
    isn't a number"): doing as told, she stored Singapore dollars as US dollars. Each is
    refused as another currency, in English and Chinese; her own currency still reads."""
    await bot.run_checkins(["alice", "li"])
    for typed, named in (("50000 SGD", "SGD"), ("S$50,000", "S$"), ("₹5 lakh", "₹"),
                         ("Rs. 40,00,000", "Rs"), ("50000 yen", "yen"), ("50000 CHF", "CHF"),
                         ("50k XOF", "XOF"), ("1.5 million euros", "euros")):
        await say(bot, "alice", typed)
        assert chat.last("alice").startswith(
            f"That figure is in {named}, but this question asks for USD. Please convert "
            f"it"), typed
    for typed, named in (("5万新元", "新元"), ("500万日元", "日元"), ("50000円", "円"),
                         ("30万卢比", "卢比"), ("5万韩元", "韩元")):
        await say(bot, "li", typed)
        assert chat.last("li").startswith(
            f"这个金额的货币是 {named}，但这个问题要求以 USD 计。"), typed
    assert answers_of(bot, "alice") == {} and answers_of(bot, "li") == {}
    await say(bot, "alice", "50000 US dollars")
    assert answers_of(bot, "alice") == {"kpi:revenue": (None, 50000.0, False)}


async def test_an_english_word_in_capitals_is_not_taken_for_a_currency_code(bot, chat):
    """'ALL' and 'TOP' are also ISO codes (the Albanian lek, the Tongan pa'anga): typed
    for emphasis beside a figure they were answered "That figure is in ALL". Alice is
    told to reply the figure alone, as for any other words; nothing is stored."""
    await bot.run_checkins(["alice"])
    for typed in ("50000 ALL in", "50000 TOP deal"):
        await say(bot, "alice", typed)
        reply = chat.last("alice")
        assert "That figure is in" not in reply and "reply 50000 alone" in reply, typed
    assert answers_of(bot, "alice") == {}
    await say(bot, "alice", "50000 XOF")  # a code that is no word: another currency still
    assert chat.last("alice").startswith("That figure is in XOF, but this question asks")


WAN_ORG = """
org: {name: Tens of thousands}
people:
  - {key: grace, name: Grace, role: gm, timezone: America/New_York, locale: en}
  - key: amy
    name: Amy
    role: director
    manager: grace
    timezone: America/New_York
    locale: en
    kpis:
      - {metric: revenue, unit: k USD, weekly_target: 50}
  - key: li
    name: 李雷
    role: director
    manager: grace
    timezone: Asia/Shanghai
    locale: zh-CN
    kpis:
      - {metric: revenue, unit: 万元, weekly_target: 50}
"""


@pytest.fixture
def wan_bot(tmp_path, database_url, clock):
    yield from bot_on(WAN_ORG, tmp_path, database_url, clock)


async def test_another_currency_for_a_target_in_wan_yuan_or_k_usd_is_refused(wan_bot):
    """A target in 万元 (or 'k USD') names its currency inside its unit: '$5' was stored as
    5 万元 (50,000 yuan for five dollars), '€52' as 52k USD, and '5 USD' answered "reply 5
    alone". Each is refused naming the currency; the unit's own still reads."""
    bot, chat = wan_bot
    await bot.run_checkins(["li", "amy"])
    for typed, named in (("$5", "$"), ("5万美元", "美元"), ("5 USD", "USD")):
        await say(bot, "li", typed)
        assert chat.last("li").startswith(
            f"这个金额的货币是 {named}，但这个问题要求以 万元 计。"), typed
    for typed, named in (("€52", "€"), ("¥52", "¥")):
        await say(bot, "amy", typed)
        assert chat.last("amy").startswith(
            f"That figure is in {named}, but this question asks for k USD."), typed
    assert answers_of(bot, "li") == {} and answers_of(bot, "amy") == {}
    await say(bot, "li", "45万元")
    await say(bot, "amy", "$52k")  # ('$52' alone is asked back: $52 or 52 k USD?)
    assert answers_of(bot, "li") == {"kpi:revenue": (None, 45.0, False)}
    assert answers_of(bot, "amy") == {"kpi:revenue": (None, 52.0, False)}


async def test_a_director_in_taiwan_answers_in_yuan_as_taiwan_writes_it(tmp_path, database_url,
                                                                        clock):
    """元 and 塊 name Taiwan's dollar as well as the renminbi: '5萬元' to a target in TWD
    was refused as "in 元, but this question asks for TWD", '新台幣5萬' as no number."""
    org = WAN_ORG.replace("unit: 万元, weekly_target: 50", "unit: TWD, weekly_target: 500000")
    for bot, chat in bot_on(org, tmp_path, database_url, clock):
        await bot.run_checkins(["li"])
        await say(bot, "li", "$5000")  # which dollar: TWD's own sign too, and taken
        for typed, meant in (("5萬元", 50000.0), ("新台幣52萬", 520000.0), ("6萬塊", 60000.0)):
            await say(bot, "li", "/edit 1")
            await say(bot, "li", typed)
            assert answers_of(bot, "li") == {"kpi:revenue": (None, meant, False)}, typed
        await say(bot, "li", "/edit 1")
        await say(bot, "li", "5万美元")
        assert chat.last("li").startswith("这个金额的货币是 美元，但这个问题要求以 TWD 计。")


async def test_dollars_spelt_out_and_a_full_stop_are_read(bot, chat):
    """'52000 dollars', '52000.' and '5万。' were 'That isn't a number'."""
    await bot.run_checkins(["alice", "li"])
    await say(bot, "alice", "52000.")
    assert answers_of(bot, "alice") == {"kpi:revenue": (None, 52000.0, False)}
    await say(bot, "alice", "/edit 1")
    await say(bot, "alice", "fifty thousand-ish dollars")
    assert answers_of(bot, "alice") == {"kpi:revenue": (None, 50000.0, False)}
    await say(bot, "li", "6万。")
    assert answers_of(bot, "li") == {"kpi:revenue": (None, 60000.0, False)}
    with pytest.raises(AnswerError):  # a trailing comma may be a figure cut short
        read_number("45,", ("USD",))


async def test_a_figure_with_a_comment_names_the_figure_to_type(bot, chat):
    """'52000, mostly Acme' was answered 'That isn't a number'."""
    await bot.run_checkins(["alice", "li"])
    await say(bot, "alice", "52000, mostly Acme")
    assert chat.last("alice") == (
        "52000, mostly Acme has words beside the figure. If 52000 is the figure in USD, "
        "reply 52000 alone (or /skip). Nothing was saved.")
    await say(bot, "alice", "52 thousand (Acme)")
    assert "If 52000 is the figure" in chat.last("alice")
    assert answers_of(bot, "alice") == {}
    await say(bot, "li", "61000，主要是Acme")
    assert chat.last("li") == (
        "61000,主要是Acme 里除了数字还有别的文字。如果要填的就是 61000（单位：USD），请只回复 "
        "61000（或发送 /skip 跳过）。本次未保存。")
    await say(bot, "li", "4,5 and more")  # no one figure starts it
    assert chat.last("li").startswith("这不是一个数字。")
    assert answers_of(bot, "li") == {}


async def test_a_figure_with_an_emoji_names_the_figure_to_type(bot, chat):
    """'52000 🎉' and '52k👍' were answered "That isn't a number", a number plain to see."""
    await bot.run_checkins(["alice", "li"])
    await say(bot, "alice", "52000 🎉")
    assert chat.last("alice") == (
        "52000 🎉 has words beside the figure. If 52000 is the figure in USD, "
        "reply 52000 alone (or /skip). Nothing was saved.")
    await say(bot, "alice", "52k👍")
    assert "If 52000 is the figure" in chat.last("alice")
    await say(bot, "li", "61,000 ✅")
    assert chat.last("li") == (
        "61,000 ✅ 里除了数字还有别的文字。如果要填的就是 61000（单位：USD），请只回复 "
        "61000（或发送 /skip 跳过）。本次未保存。")
    assert answers_of(bot, "alice") == answers_of(bot, "li") == {}


async def test_a_figure_with_a_decimal_and_a_unit_of_ten_is_the_figure_typed(bot, chat, clock):
    """'64.1k' was stored as 64099.99999999999 (64.1 x 1000 in floats): the GM's JSON
    export read so, a target of 64,100 met to the dollar was 99%, and '2.01k' customers
    (2,010) was refused as no whole number."""
    import json

    from tests.test_checkin import ALICE_ANSWERS, answer_all
    from tests.test_summary_gm import run_cli_json

    await bot.run_checkins(["alice"])
    await say(bot, "alice", "64.1k")
    await say(bot, "alice", "2.01k")
    assert chat.last("alice").startswith("2,010 customers is more than 20 times"), \
        chat.last("alice")
    await say(bot, "alice", "yes")
    await answer_all(bot, "alice", ALICE_ANSWERS[2:])
    assert answers_of(bot, "alice")["kpi:revenue"] == (None, 64100.0, False)
    assert answers_of(bot, "alice")["kpi:new_customers"] == (None, 2010.0, False)
    [revenue] = [g for g in json.loads(run_cli_json(bot, clock))["directors"][0]["goals"]["week"]
                 if g["metric"] == "revenue"]
    assert revenue["actual"] == 64100
    # Said in words, or with a Chinese unit, alike.
    for typed, value in (("4.52万", 45200.0), ("2.01百万", 2010000.0),
                         ("2.01 million", 2010000.0), ("6.41 hundred", 641.0)):
        assert read_number(typed, ("USD",)) == [value], typed


async def test_every_refused_answer_says_nothing_was_saved(bot, chat):
    """'-3', 'a few', a rating of 7 and an option not in the list were refused without
    'Nothing was saved', which every other refused answer says: a director could not
    tell whether -3 had been kept."""
    await bot.run_checkins(["alice"])
    await say(bot, "alice", "-3")
    assert chat.last("alice") == ("Please reply with a number of zero or more in USD (or "
                                  "/skip). Nothing was saved.")
    await say(bot, "alice", "a few")
    assert chat.last("alice").endswith("(or /skip). Nothing was saved.")
    await say(bot, "alice", "52000")
    await say(bot, "alice", "3")
    await say(bot, "alice", "w")
    await say(bot, "alice", "b")
    await say(bot, "alice", "9")  # support type: five options
    assert chat.last("alice") == ("Please reply with one of the options: a number from 1 to "
                                  "5, or its name (or /skip). Nothing was saved.")
    await say(bot, "alice", "none")
    await say(bot, "alice", "Plan")
    await say(bot, "alice", "7")  # confidence, 1 to 5
    assert chat.last("alice") == ("Please reply with a whole number from 1 to 5 (or /skip). "
                                  "Nothing was saved.")
    assert "confidence" not in answers_of(bot, "alice")


async def test_every_refused_answer_says_nothing_was_saved_in_chinese(unit_bot):  # noqa: F811 - the fixture
    bot, chat = unit_bot
    await bot.run_checkins(["li"])
    await say(bot, "li", "-3")
    assert chat.last("li") == ("请回复一个不小于 0 的数字（单位：美元）（或发送 /skip 跳过）。"
                               "本次未保存。")
    await say(bot, "li", "几个")
    assert chat.last("li").endswith("（或发送 /skip 跳过）。本次未保存。")
    assert answers_of(bot, "li") == {}


async def test_commas_that_group_no_thousands_are_refused_not_joined(bot, chat):
    """'5,000,00' (5,000.00 with a comma slipped in for the point) was stored as 500,000
    and '52,000,5' as 520,005, ten times a weekly target, asked nothing: several commas
    were all taken for thousands separators whatever stood between them."""
    await bot.run_checkins(["alice", "li"])
    for typed in ("5,000,00", "52,000,5", "1,2,3"):
        await say(bot, "alice", typed)
        reply = chat.last("alice")
        assert reply.startswith("That isn't a number."), reply
        assert reply.endswith("Nothing was saved.")
        assert answers_of(bot, "alice") == {}
    await say(bot, "li", "5,000,00")
    assert "本次未保存" in chat.last("li") and answers_of(bot, "li") == {}
    await say(bot, "alice", "5,000.00")
    assert answers_of(bot, "alice") == {"kpi:revenue": (None, 5000.0, False)}


def test_thousands_grouped_as_written_in_the_west_and_in_india_still_read():
    assert read_number("1,000,000") == [1_000_000.0]
    assert read_number("12,34,567") == [1_234_567.0]
    assert read_number("1,00,000") == [100_000.0]
    assert read_number("45.000,50") == [45_000.5]
    assert read_number("1,00,000.50") == [100_000.5]
    assert read_number("1.234.567,5") == [1_234_567.5]
    for typed in ("1,234,56", "12,34,56", "1,2345,678", "5,000,00.50", "1,5.00",
                  "1.2,345.6"):
        with pytest.raises(AnswerError):
            read_number(typed)


async def test_a_count_typed_with_its_own_unit_or_name_is_read(bot, chat):
    """Asked "New customers?", Alice typed '3 new customers' and was told to reply 3
    alone: the KPI's own words after the figure (its unit, its name, singular or plural,
    'clients' for customers) are now read as the count; another unit is refused as before,
    and the GM's summary shows the 3."""
    from tests.test_checkin import ALICE_ANSWERS, answer_all

    await bot.run_checkins(["alice"])
    await say(bot, "alice", "52000")
    for typed in ("3 deals", "3 new deals", "3 USD"):
        await say(bot, "alice", typed)
        assert "Nothing was saved." in chat.last("alice"), typed
    assert chat.last("alice").startswith("That figure is an amount of money (USD)")
    assert "kpi:new_customers" not in answers_of(bot, "alice")
    await say(bot, "alice", "3 New Customers")
    assert "Question 3 of 8" in chat.last("alice")
    await answer_all(bot, "alice", ALICE_ANSWERS[2:])
    assert answers_of(bot, "alice")["kpi:new_customers"] == (None, 3.0, False)
    await say(bot, "grace", "/summary")
    assert "New customers 3 / 4 customers" in chat.last("grace"), chat.last("grace")
    units, name = ("customers",), ("New customers", "新客户")
    for typed in ("3 new customers", "3 new customer", "3 customers", "3 customer",
                  "3 clients", "3 new clients", "about 3 new customers.", "3个新客户"):
        assert read_number(typed, units, name) == [3.0], typed
    for typed in ("1 new customer", "1 client"):
        assert read_number(typed, units, name) == [1.0], typed
    for typed in ("3 new", "3 deals", "3 accounts", "3 USD", "3 new customers, mostly Acme"):
        with pytest.raises(AnswerError):
            read_number(typed, units, name)
    with pytest.raises(AnswerError, match="answer_fraction_for_count"):
        read_number("2.5 new customers", units, name)
    # Money keeps its own reading: a label is no unit of it.
    with pytest.raises(AnswerError):
        read_number("52000 revenue", ("USD",), ("Revenue", "营收"))


async def test_a_count_typed_with_its_own_unit_or_name_in_chinese(unit_bot):  # noqa: F811 - the fixture
    """李雷 typed '3个新客户' (three new customers, with its measure word) to 新客户 and was
    refused as no number; '3 位客户' as the unit reads. 'USD' stays refused."""
    bot, chat = unit_bot
    await bot.run_checkins(["li", "ann"])
    await say(bot, "li", "61000")
    await say(bot, "li", "3 USD")
    assert chat.last("li").startswith("这个数字带有货币（USD）")
    await say(bot, "li", "3个新客户")
    assert answers_of(bot, "li")["kpi:new_customers"] == (None, 3.0, False)
    assert "第 3 题" in chat.last("li"), chat.last("li")
    await say(bot, "grace", "/summary li")
    assert "New customers 3 / 3 customers (100%)" in chat.last("grace"), chat.last("grace")
    await say(bot, "ann", "3 new customers")
    assert answers_of(bot, "ann")["kpi:new_customers"] == (None, 3.0, False)
    for typed in ("3 位客户", "三位新客户", "3 新客户", "3个客户"):
        assert read_number(typed, ("customers", "位客户"), ("New customers", "新客户")) \
            == [3.0], typed
    await say(bot, "grace", "/summary")
    assert "New customers 6 / 6 customers" in chat.last("grace"), chat.last("grace")


async def test_a_figure_in_yuan_to_a_target_in_wan_yuan_is_said_in_wan(wan_bot):
    """'5元' to a target in 万元 was "这不是一个数字", and '5000 USD' to one in k USD "reply
    5000 alone", stored as 5,000k USD. Each is refused (as '$5' to 万元 is: no unit is read
    by conversion), with what the figure is in the question's unit; that reply is read."""
    bot, chat = wan_bot
    await bot.run_checkins(["li", "amy"])
    await say(bot, "li", "5元")
    assert chat.last("li") == ("这个问题以 万元 计，而 5元 是以 元 计的金额，即 0.0005 万元。"
                               "如果是这样，请回复 0.0005（或发送 /skip 跳过）。本次未保存。")
    await say(bot, "li", "450000元")
    assert "即 45 万元。如果是这样，请回复 45（" in chat.last("li")
    await say(bot, "amy", "5000 USD")
    assert chat.last("amy") == ("This question asks for k USD, and 5000 USD is in USD: that "
                                "is 5 k USD. If so, reply 5 (or /skip). Nothing was saved.")
    await say(bot, "amy", "52,500 dollars")
    assert "that is 52.5 k USD. If so, reply 52.5 (or /skip)" in chat.last("amy")
    assert answers_of(bot, "li") == {} and answers_of(bot, "amy") == {}
    await say(bot, "li", "45")
    await say(bot, "amy", "52.5")
    assert answers_of(bot, "li") == {"kpi:revenue": (None, 45.0, False)}
    assert answers_of(bot, "amy") == {"kpi:revenue": (None, 52.5, False)}


async def test_the_gms_markdown_export_reads_rupees_in_lakhs_and_json_the_number(
        tmp_path, database_url, clock):
    """`teampulse summary` (Markdown, the GM's human export) read 4,100,000 INR; an Indian
    GM reads 41,00,000. The JSON keeps the number, 4100000, for the machines."""
    import json

    from bot.clock import SystemClock
    from tests.support import run_cli
    from tests.test_checkin import ALICE_ANSWERS, answer_all
    from tests.test_summary_gm import run_cli_json

    org = WAN_ORG.replace("unit: k USD, weekly_target: 50", "unit: INR, weekly_target: 4000000")
    for bot, _chat in bot_on(org, tmp_path, database_url, clock):
        await bot.run_checkins(["amy"])
        await answer_all(bot, "amy", ["Rs. 41,00,000", *ALICE_ANSWERS[1:]])
        assert answers_of(bot, "amy")["kpi:revenue"] == (None, 4_100_000.0, False)
        with pytest.MonkeyPatch.context() as patch:  # the CLI reads the test's clock
            patch.setattr(SystemClock, "now", lambda self: clock.now())
            code, markdown = run_cli(bot.settings, "summary", "--format", "md")
        assert code == 0
        assert "41,00,000 / 40,00,000 INR" in markdown, markdown
        assert "4,100,000" not in markdown
        [revenue] = [g for d in json.loads(run_cli_json(bot, clock))["directors"]
                     for g in d["goals"]["week"] if g["metric"] == "revenue" and g["actual"]]
        assert (revenue["actual"], revenue["target"]) == (4_100_000, 4_000_000)


async def test_a_figure_after_words_names_the_figure_to_type(bot, chat):
    """'营收5万' (the question's own label, then the figure), '合计：61000', 'Revenue: 52000'
    and '🎉52000' were answered "这不是一个数字" / "That isn't a number", a number plain to
    see; as with words after it, the figure is named and nothing is saved."""
    await bot.run_checkins(["alice", "li"])
    await say(bot, "li", "营收5万")
    assert chat.last("li") == (
        "营收5万 里除了数字还有别的文字。如果要填的就是 50000（单位：USD），请只回复 "
        "50000（或发送 /skip 跳过）。本次未保存。")
    for typed, figure in (("合计：61000", "61000"), ("本周 6.1万", "61000"),
                          ("🎉52000", "52000")):
        await say(bot, "li", typed)
        assert chat.last("li").startswith(f"{typed.replace('：', ':')} 里除了数字还有别的文字。"
                                          f"如果要填的就是 {figure}（"), chat.last("li")
    await say(bot, "alice", "Revenue: 52000")
    assert chat.last("alice") == (
        "Revenue: 52000 has words beside the figure. If 52000 is the figure in USD, "
        "reply 52000 alone (or /skip). Nothing was saved.")
    # What reads as no one figure stays no number: '3万50' is not '50' after words.
    for typed in ("3万50", "一共五万2000"):
        await say(bot, "li", typed)
        assert chat.last("li").startswith("这不是一个数字。"), (typed, chat.last("li"))
    assert answers_of(bot, "alice") == answers_of(bot, "li") == {}


async def test_a_figure_in_the_units_own_unit_of_ten_is_read_in_the_unit(wan_bot):
    """'5万' to a question asked in 万元 is the 5 万元 that '5万元' is: it was read as
    50,000 万元 (five hundred million yuan) and asked back as twenty times the target.
    The same for '52k' to one in 'k USD'."""
    bot, chat = wan_bot
    await bot.run_checkins(["li", "amy"])
    await say(bot, "li", "5万")
    await say(bot, "amy", "52k")
    assert answers_of(bot, "li") == {"kpi:revenue": (None, 5.0, False)}
    assert answers_of(bot, "amy") == {"kpi:revenue": (None, 52.0, False)}
    assert chat.last("li").startswith("第 2 题"), chat.last("li")

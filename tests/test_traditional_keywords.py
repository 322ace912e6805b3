"""A Chinese speaker who writes Traditional characters (Taiwan, Hong Kong) types the
bot's reply words as their keyboard writes them: 跳過 for 跳过, 暫停 for 暂停, 確定 for
确定. Each is read as its Simplified form; what is not a keyword stays as typed."""

from __future__ import annotations

from tests.support import say
from tests.test_checkin import answers_of


def test_traditional_forms_of_the_reply_words_read_as_simplified():
    from handlers.answers import keyword

    assert keyword("跳過。") == "跳过"
    assert keyword("暫停") == "暂停"
    assert keyword("沒問題") == "没问题"
    from handlers.answers import NO_WORDS, NONE_WORDS, YES_WORDS
    from handlers.oneonone import _DONE_WORDS, _NOT_HELD_WORDS, _NOTHING_WORDS
    from handlers.pulse import NO_COMMENT_WORDS

    assert {keyword(w) for w in ("確認", "沒錯", "對的")} <= YES_WORDS
    assert {keyword(w) for w in ("不對", "錯了")} <= NO_WORDS
    assert {keyword(w) for w in ("無需", "暫時不需要")} <= NONE_WORDS
    assert {keyword(w) for w in ("無行動項", "沒有記錄")} <= _NOTHING_WORDS | _DONE_WORDS
    assert keyword("沒進行") in _NOT_HELD_WORDS and keyword("開了") not in _NOT_HELD_WORDS
    assert {keyword(w) for w in ("無意見", "沒什麼要說的", "沒有補充")} <= NO_COMMENT_WORDS
    # Characters that are the same in both scripts, and any other text, are untouched.
    assert keyword("好的") == "好的" and keyword("Skip!") == "skip"


async def test_a_check_in_answered_with_traditional_keywords(bot, chat):
    """跳過 to the wins question was filed as the wins the GM reads, 暫停 likewise, and
    確定 / 不對 to "is that right?" were refused as no number."""
    await bot.run_checkins(["li"])
    await say(bot, "li", "6000000")
    await say(bot, "li", "不對")
    assert "kpi:revenue" not in answers_of(bot, "li")
    await say(bot, "li", "6000000")
    await say(bot, "li", "確定")
    assert answers_of(bot, "li")["kpi:revenue"] == (None, 6000000.0, False)
    await say(bot, "li", "跳過")
    assert chat.last("li").startswith("已跳过。"), chat.last("li")
    await say(bot, "li", "暫停。")
    assert chat.last("li").startswith("已暂停"), chat.last("li")
    await say(bot, "li", "/checkin")
    await say(bot, "li", "客戶延遲付款")  # no keyword: kept as typed
    await say(bot, "li", "沒有")  # what support: none
    stored = answers_of(bot, "li")
    assert stored["wins"] == (None, None, True)
    assert stored["blockers"] == ("客戶延遲付款", None, False)
    assert stored["support_type"] == ("none", None, False)

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

"""A fresh install's first quarter: the month and quarter to date have targets only from
the first week the bot asked for check-ins, and the GM's headline says so. Without it,
"Quarter to date (2026-Q4): Revenue 312,000 / 300,000 USD (104%)" read as the quarter's
plan to date in its ninth week, where it was six weeks' (W40 to W42 were never asked),
as a director who joined later says so of their own quarter."""

from __future__ import annotations

import json
from datetime import timedelta

from tests.support import run_cli, say
from tests.test_checkin import ALICE_ANSWERS, answer_all

NOTE = ("Counted from 2026-W43, the first week the bot asked for check-ins: no week of the "
        "quarter before it had a target.")


async def _alice_from(bot, clock, weeks_before: int) -> None:
    """Alice alone is asked, from `weeks_before` weeks before 2026-W48 up to it."""
    friday = clock.now()
    for back in range(weeks_before, -1, -1):
        clock.set(friday - timedelta(weeks=back))
        await bot.run_checkins(["alice"])
        await answer_all(bot, "alice", ALICE_ANSWERS)


async def test_the_quarter_to_date_of_an_install_begun_in_its_fourth_week_says_so(
        bot, chat, clock, settings):
    await _alice_from(bot, clock, 5)  # 2026-W43 to 2026-W48
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert ("Quarter to date (2026-Q4): Revenue 312,000 / 300,000 USD (104%) · New customers "
            "18 / 24 customers (75%)\n" + NOTE + "\n") in text, text
    # The month began (2026-W45) with the bot running: only the quarter is cut short.
    assert "month or quarter" not in text
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/summary")
    assert "自 2026-W43（机器人首次发出签到的一周）起计：本季度此前的周没有目标。" \
        in chat.last("grace")
    code, raw = run_cli(settings, "summary", "--format", "json")
    assert code == 0
    assert json.loads(raw)["counted_from"] == "2026-W43"
    code, md = run_cli(settings, "summary", "--format", "md")
    assert code == 0 and "- " + NOTE in md


async def test_begun_after_the_months_first_week_both_are_named(bot, chat, clock):
    await _alice_from(bot, clock, 1)  # 2026-W47 and 2026-W48
    await say(bot, "grace", "/summary")
    assert ("Counted from 2026-W47, the first week the bot asked for check-ins: no week of "
            "the month or quarter before it had a target.") in chat.last("grace")
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/summary")
    assert "自 2026-W47（机器人首次发出签到的一周）起计：本月及本季度此前的周没有目标。" \
        in chat.last("grace")


async def test_an_install_running_since_before_the_quarter_says_nothing(bot, chat, clock,
                                                                         settings):
    await _alice_from(bot, clock, 9)  # 2026-W39 (the quarter before) to 2026-W48
    await say(bot, "grace", "/summary")
    assert "the first week the bot asked" not in chat.last("grace")
    code, raw = run_cli(settings, "summary", "--format", "json")
    assert code == 0 and json.loads(raw)["counted_from"] is None
    # Its first week's own view, 2026-W39, is of a quarter (Q3) it began within.
    await say(bot, "grace", "/summary 2026-W39")
    assert ("Counted from 2026-W39, the first week the bot asked for check-ins: no week of "
            "the month or quarter before it had a target.") in chat.last("grace")

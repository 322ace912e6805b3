"""A week that spans the turn of a month (2026-W49: Monday 30 November to Sunday 6
December), read in the three places a GM reads a month's figures: /summary's month to
date, /goals and the monthly review's overview. Each day's sales must count in one month,
the same in all three: the month of the week's Thursday (see bot.goals.Period)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bot.org import parse_org
from tests.support import say
from tests.test_checkin import ALICE_ANSWERS, answer_all
from tests.test_goals import org_text

GOALS = """
goals:
  - {metric: revenue, period: 2026-11, person: alice, target: 200000}
  - {metric: revenue, period: 2026-12, person: alice, target: 200000}
"""


def amount(pattern: str, text: str) -> int:
    found = re.search(pattern, text)
    assert found, (pattern, text)
    return int(found.group(1).replace(",", ""))


async def test_a_week_across_the_turn_of_a_month_counts_each_day_in_one_month(bot, chat,
                                                                                clock):
    bot.org = parse_org(org_text(GOALS))
    for day in (27, 4):  # Alice reports 50,000 in W48 and 50,000 in W49
        month = 11 if day == 27 else 12
        clock.set(datetime(2026, month, day, 21, 5, tzinfo=UTC))  # Friday 16:05 in New York
        await bot.run_checkins()
        await answer_all(bot, "alice", ["50000", *ALICE_ANSWERS[1:]])
    await say(bot, "grace", "/summary")
    december_summary = amount(r"Month to date \(2026-12\): Revenue ([\d,]+) /", chat.last("grace"))
    await say(bot, "alice", "/goals")
    goals = chat.last("alice")
    november_goals = amount(r"2026-11 \(2026-11-01 – 2026-11-30\) · Alice Martin\n  ([\d,]+) of",
                            goals)
    december_goals = amount(r"2026-12 \(2026-12-01 – 2026-12-31\) · Alice Martin\n  ([\d,]+) of",
                            goals)
    await say(bot, "grace", "/monthly 2026-11 alice")
    november_review = amount(r"• Revenue: ([\d,]+) of", chat.last("grace"))
    # A week counts in the month of its Thursday, in all three: W49 (Thursday 3 December)
    # is December's. /goals and the review read 60,000 for November (50,000 and Monday 30
    # November's fifth of W49) while /summary read 50,000 for December: 110,000 over the
    # two months for the 100,000 reported.
    assert november_goals == november_review == 50_000
    assert december_summary == december_goals == 50_000

"""The monthly review's texts, every view of a busy month, as they read: a director who
joined mid-month, one away for a week, one who left, a KPI moved to another currency
and a target raised mid-month. Kept byte for byte (tests/data/monthly_november.txt,
written by the code before the review's reads were shared across a page): the reads
may change, what the GM and the directors read may not."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.support import TEST_ORG, RecordingAdapter, say
from tests.test_digest import edit_org
from tests.test_kudos import kudo
from tests.test_monthly_gm import NINA
from tests.test_monthly_review import DEC_1_9AM_NY

GOLDEN = Path(__file__).parent / "data" / "monthly_november.txt"
GOAL = ("goals:\n  - {metric: new_customers, period: 2026-Q4, person: alice, "
        "target: 50}\n")
NINA_KPI = NINA + "    kpis:\n      - {metric: revenue, unit: USD, weekly_target: 20000}\n"
#: Each director's answers to a check-in with one KPI (figure, wins, blockers, support,
#: its detail, plan, confidence); Alice's second KPI follows her first.
ONE_KPI = ["{}", "Won a deal", "{}", "2", "Trade show booth", "Call Globex", "4"]


def org(*, nina: bool = False, moved: bool = False, bruno: bool = True) -> str:
    """The test org in November: Nina added, Alice's revenue moved to CNY and Li's target
    raised, Bruno taken out, as asked."""
    text = TEST_ORG.read_text(encoding="utf-8")
    if nina:
        text = text.replace("people:\n", "people:\n" + NINA_KPI, 1)
    if moved:
        text = text.replace("{metric: revenue, unit: USD, weekly_target: 50000}",
                            "{metric: revenue, unit: CNY, weekly_target: 350000}")
        text = text.replace("{metric: revenue, unit: USD, weekly_target: 60000}",
                            "{metric: revenue, unit: USD, weekly_target: 70000}")
    if not bruno:
        text = text[:text.index("  - key: bruno\n")] + text[text.index("  - key: li\n"):]
    return text + GOAL


async def check_in(bot, chat: RecordingAdapter, key: str, figure: str, blocker: str,
                   customers: str | None = None) -> None:
    answers = [a.format(figure if i == 0 else blocker) for i, a in enumerate(ONE_KPI)]
    if customers is not None:
        answers.insert(1, customers)
    for text in answers:
        await say(bot, key, text)
    assert ("2026-W" in chat.last(key) and " is in." in chat.last(key)) or \
        "已提交" in chat.last(key), chat.last(key)


async def november(bot, chat: RecordingAdapter, clock) -> None:
    """The month, lived through the bot: check-ins on Fridays, an away week, a join, a
    KPI edit and a leaver."""
    edit_org(bot, org())
    # Running since October: a month the bot ran whole (a roll of one it first ran in
    # says from when it counted, tests/test_first_weeks.py; this month's texts did not).
    clock.set(datetime(2026, 10, 30, 14, 0, tzinfo=UTC))
    await say(bot, "grace", "/help")
    clock.set(datetime(2026, 11, 2, 14, 0, tzinfo=UTC))
    await say(bot, "li", "/away 2026-11-16 2026-11-22")
    weeks = {6: {"alice": ("52000", "Pricing pushback", "3"),
                 "bruno": ("41000", "Slow legal review"), "li": ("65000", "招聘")},
             13: {"alice": ("30000", "Hiring", "5"), "bruno": ("38000", "slow legal review!"),
                  "li": ("58000", "招聘慢")},
             20: {"alice": ("400000", "Pricing pushback", "4"),
                  "bruno": ("45000", "Budget"), "nina": ("25000", "Onboarding")},
             27: {"alice": ("300000", "Hiring", "2"), "nina": ("15000", "onboarding")}}
    for day, answers in weeks.items():
        if day == 20:
            edit_org(bot, org(nina=True, moved=True))
        if day == 27:
            edit_org(bot, org(nina=True, moved=True, bruno=False))
        clock.set(datetime(2026, 11, day, 21, 0, tzinfo=UTC))
        await bot.run_checkins()
        for key, (figure, blocker, *customers) in answers.items():
            await check_in(bot, chat, key, figure, blocker, *customers)
        if day == 13:
            await kudo(bot, "alice", "/kudos @li for the pricing deck")
            # Nina joins on Monday 16 November.
            clock.set(datetime(2026, 11, 16, 14, 0, tzinfo=UTC))
            edit_org(bot, org(nina=True))


async def test_every_view_of_a_busy_month_reads_as_it_did(bot, chat, clock):
    await november(bot, chat, clock)
    chat.clear()
    out: list[str] = []

    def took(step: str) -> None:
        out.extend(f"## {step} -> {s.target.address}\n{s.text}" for s in chat.sent)
        chat.clear()

    clock.set(DEC_1_9AM_NY)
    assert await bot.run_monthly_review()
    took("the month's run")
    for text in ("Grew in Boston", "Slow hiring", "Globex"):
        await say(bot, "alice", text)
    took("alice answers")
    clock.advance(timedelta(days=9))
    for locale in ("en", "zh-CN"):
        with bot.unit() as ctx:
            ctx.people.by_key("grace").locale = locale
        for command in ("/monthly", "/monthly page 2", "/monthly answers",
                        "/monthly answers page 3", "/monthly alice", "/monthly 2026-11 bruno",
                        "/monthly li", "/monthly nina", "/monthly this month"):
            await say(bot, "grace", command)
            took(f"{locale} {command}")
    await say(bot, "li", "/monthly")
    await say(bot, "nina", "/monthly")
    took("directors")
    text = "\n".join(out) + "\n"
    if os.environ.get("TEAMPULSE_WRITE_GOLDEN"):  # written once, by the code before
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")

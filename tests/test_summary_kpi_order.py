"""A director's month and quarter to date list their KPIs in the order their week does."""

from __future__ import annotations

from pathlib import Path

from tests.support import run_cli, say
from tests.test_checkin import ALICE_ANSWERS, answer_all


async def test_the_month_and_quarter_list_the_kpis_as_the_week_does(bot, chat, settings,
                                                                    tmp_path: Path):
    """The CRM booked Alice's new customers and revenue of an earlier week: her block read
    `month New customers …, Revenue …` under a week reading Revenue first, so the GM
    comparing blocks took one KPI's attainment for the other's."""
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ALICE_ANSWERS)
    export = tmp_path / "crm.csv"
    export.write_text("person,metric,week,value\n"
                      "alice,revenue,2026-W47,30000\nalice,new_customers,2026-W47,2\n",
                      encoding="utf-8")
    code, out = run_cli(settings, "import-actuals", str(export))
    assert code == 0, out
    await say(bot, "grace", "/summary alice")
    text = chat.last("grace")
    assert ("Goals: Revenue 52,000 / 50,000 USD (104%) · New customers 3 / 4 customers (75%) "
            "· month Revenue 164%, New customers 125% · quarter Revenue 164%, "
            "New customers 125%") in text, text
    # The week the CRM alone booked lists them so too.
    assert ("2026-W47 (2026-11-16 – 2026-11-22): no check-in sent\n"
            "  Revenue 30,000 USD (not asked this week: no target) [CRM]\n"
            "  New customers 2 customers (not asked this week: no target) [CRM]") in text
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/summary alice")
    text = chat.last("grace")
    assert "本月 营收 164%，新客户 125%" in text, text

"""A small quarter lived through the bot's own chat, and every figure the GM reads of it
checked against arithmetic done by hand, written out below as plain sums.

The org (Q4 2026, read on Saturday 28 November, week 2026-W48):

- Grace Chen, the GM, in New York.
- East: Alice Martin (New York, which leaves summer time on Sunday 1 November, in W44)
  and Dan Park (New York, joins the org file on Tuesday 10 November, W46).
- China: 李雷 (Shanghai) and 韩梅梅 (Shanghai); 李雷's reports 王伟 and 李芳 answer
  the pulse polls (threshold 3), not the check-in.
- KPIs: revenue in USD (money) and new customers (a count). Weekly targets: Alice 50,000
  and 4, raised to 70,000 from W47; Dan 30,000 and 2; 李雷 60,000 and 3; 韩梅梅 40,000 and 2.

What happens (the bot first ran in W44: W40–W43 of the quarter were never asked):

- W44: Alice answers on Sunday 1 November at 23:30 New York time, the night the clocks went
  back (on time: her week ends at midnight EST, 05:00 UTC, not EDT's 04:00), and gives
  李雷 kudos then (W44's in Grace's New York week).
- W45: 李雷 skips the new-customers question.
- W46: Dan's first week; 韩梅梅 is away W46 and W47 (`/away` on Thursday of W46); 李雷
  answers on Monday 16 November in Shanghai, after his week ended there (late; it is still
  Sunday in New York); Alice changes her W46 revenue from 48,000 to 58,000 a week later.
- W47: the CRM books 72,000 for Alice (two deals) where she reported 60,000.
- W46 and W48: China's pulse polls (Wednesday 11:00 in Shanghai; 李芳 skips the second).
- W48: the biweekly 1:1s of Tuesday 24 November: Grace confirms Alice's only; Dan does not
  answer his check-in; kudos: Alice to 李雷, 李雷 to 韩梅梅 and Alice. Grace reads on Sunday
  29 November, 07:00 in New York.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from bot.app import prepare
from bot.charts import chart_data_for
from bot.clock import FakeClock
from bot.core import TeamPulse
from bot.org import load_org
from tests.support import RecordingAdapter, csv_records, run_cli, say
from tests.test_kudos import kudo

NY, SH = "America/New_York", "Asia/Shanghai"


def person(key: str, name: str, team: str, tz: str, revenue: int, customers: int,
           locale: str = "en") -> dict[str, Any]:
    return {"key": key, "name": name, "role": "director", "manager": "grace", "team": team,
            "timezone": tz, "locale": locale,
            "kpis": [{"metric": "revenue", "unit": "USD", "weekly_target": revenue},
                     {"metric": "new_customers", "unit": "customers",
                      "weekly_target": customers}]}


def org_yaml(*, dan: bool = False, alice_revenue: int = 50000) -> str:
    people = [{"key": "grace", "name": "Grace Chen", "role": "gm", "timezone": NY,
               "locale": "en"},
              person("alice", "Alice Martin", "East", NY, alice_revenue, 4),
              person("li", "李雷", "China", SH, 60000, 3, "zh-CN"),
              person("mei", "韩梅梅", "China", SH, 40000, 2, "zh-CN")]
    if dan:
        people.insert(2, person("dan", "Dan Park", "East", NY, 30000, 2))
    # 李雷's two reports: they answer the pulse polls, not the check-in.
    people += [{"key": key, "name": name, "role": "member", "manager": "li", "team": "China",
                "timezone": SH, "locale": "zh-CN"} for key, name in (("wei", "王伟"),
                                                                      ("fang", "李芳"))]
    return yaml.safe_dump({"org": {"name": "By Hand", "timezone": NY},
                           "pulse": {"threshold": 3,
                                     "audience": {"roles": ["director", "member"]}},
                           "people": people}, allow_unicode=True)


async def poll(bot: TeamPulse, chat: RecordingAdapter, clock: FakeClock, wednesday: datetime,
               votes: dict[str, tuple[int, int]]) -> None:
    """The pulse poll at 11:00 in Shanghai (03:00 UTC); each votes morale and stress by
    button, no comment."""
    clock.set(wednesday)
    await bot.run_pulse()
    for key, (morale, stress) in votes.items():
        for n in (morale, stress, 1):
            sent = [x for x in chat.sent if x.target.address == key]
            await say(bot, key, action=sent[-1].message.choices[n - 1].value)


def at(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


async def answer(bot: TeamPulse, key: str, revenue: str, customers: str) -> None:
    """A director's whole check-in: the two KPIs, wins, blockers, no support, plan, confidence."""
    for text in (revenue, customers, "Won a deal", "Slow legal reviews", "1", "Call back", "4"):
        await say(bot, key, text)


async def edit_org(bot: TeamPulse, path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    new = load_org(path)
    bot.sync_org_to(new)
    bot.apply_org(new)
    await bot.drain()


def import_crm(settings: Any, name: str, *deals: tuple[str, str, str, str, str]) -> None:
    """`teampulse import-actuals` of a Salesforce export (file `name` beside the org file)
    of closed-won deals: (owner, "Account - Opportunity", amount, close date, created)."""
    crm = settings.org_file.parent / name
    crm.write_text(
        '"Opportunity Owner","Account Name","Opportunity Name","Stage","Fiscal Period",'
        '"Amount","Probability (%)","Close Date","Created Date","Lead Source","Type"\n'
        + "".join(f'"{owner}","{deal.split(" - ")[0]}","{deal}","Closed Won","Q4-2026",'
                  f'"{amount}","100","{closed}","{created}","Web","New Customer"\n'
                  for owner, deal, amount, closed, created in deals), encoding="utf-8")
    assert run_cli(settings, "import-actuals", str(crm))[0] == 0


async def live_the_quarter(bot: TeamPulse, chat: RecordingAdapter, clock: FakeClock,
                           path: Path, settings: Any) -> None:
    async def round_(friday: tuple[int, int, int]) -> None:
        # 16:00 in Shanghai (08:00 UTC), then 16:00 in New York (21:00 UTC, 20:00 in summer).
        clock.set(at(*friday, 8))
        await bot.run_checkins(timezone=SH)
        clock.set(at(*friday, 21 if friday >= (2026, 11, 1) else 20))
        await bot.run_checkins(timezone=NY)

    # W44
    await round_((2026, 10, 30))
    clock.set(at(2026, 10, 30, 9))
    await answer(bot, "li", "55000", "2")
    await answer(bot, "mei", "30000", "1")
    clock.set(at(2026, 11, 2, 4, 30))  # Sunday 1 Nov 23:30 EST
    await answer(bot, "alice", "45000", "3")
    await kudo(bot, "alice", "/kudos @li for the late-night pricing review")
    # W45
    await round_((2026, 11, 6))
    clock.set(at(2026, 11, 6, 9))
    for text in ("61000", "/skip", "Won a deal", "Slow legal reviews", "1", "Call back", "4"):
        await say(bot, "li", text)
    await answer(bot, "mei", "42000", "2")
    clock.set(at(2026, 11, 6, 22))
    await answer(bot, "alice", "52000", "4")
    # W46: Dan joins on Tuesday, 韩梅梅 goes away on Thursday for two weeks.
    clock.set(at(2026, 11, 10, 15))
    await edit_org(bot, path, org_yaml(dan=True))
    # The pulse poll of Wednesday 11 November: China's morale 4, 3, 2, 3; stress 2, 3, 4, 3.
    await poll(bot, chat, clock, at(2026, 11, 11, 3, 5), {
        "li": (4, 2), "mei": (3, 3), "wei": (2, 4), "fang": (3, 3)})
    clock.set(at(2026, 11, 12, 3))  # Thursday 11:00 in Shanghai
    await say(bot, "mei", "/away 2026-11-22")
    await round_((2026, 11, 13))
    clock.set(at(2026, 11, 13, 22))
    await answer(bot, "alice", "48000", "5")
    await answer(bot, "dan", "20000", "1")
    clock.set(at(2026, 11, 16, 2))  # Monday 10:00 in Shanghai, Sunday 21:00 in New York
    await say(bot, "li", "/checkin")
    await answer(bot, "li", "70000", "3")
    # W47: Alice's revenue target goes up on Monday; on Wednesday she corrects W46.
    clock.set(at(2026, 11, 16, 14))
    await edit_org(bot, path, org_yaml(dan=True, alice_revenue=70000))
    clock.set(at(2026, 11, 18, 15))
    await say(bot, "alice", "/edit 1")
    await say(bot, "alice", "58000")
    await round_((2026, 11, 20))
    clock.set(at(2026, 11, 20, 9))
    await answer(bot, "li", "58000", "3")
    clock.set(at(2026, 11, 20, 22))
    await answer(bot, "alice", "60000", "4")
    await answer(bot, "dan", "35000", "2")
    clock.set(at(2026, 11, 23, 14))
    import_crm(settings, "crm.csv",
               ("Alice Martin", "Acme - Renewal", "40,000.00", "11/17/2026", "10/02/2026"),
               ("Alice Martin", "Globex - Pilot", "32,000.00", "11/19/2026", "10/15/2026"))
    # W48: the biweekly one-on-ones, Tuesday 24 November 10:00 in New York (the GM's).
    clock.set(at(2026, 11, 24, 16))
    await bot.run_oneonones()
    await bot.drain()
    # Grace says her 1:1 with Alice happened; the other three she leaves unanswered.
    asked = next(x for x in chat.sent if x.target.address == "grace"
                 and "Did your 1:1 with Alice Martin" in x.message.text)
    await say(bot, "grace", action=asked.message.choices[0].value)
    # The poll of Wednesday 25 November: 李芳 does not answer; morale 5, 4, 4; stress 2, 2, 3.
    await poll(bot, chat, clock, at(2026, 11, 25, 3, 5), {
        "li": (5, 2), "mei": (4, 2), "wei": (4, 3)})
    # W48
    await round_((2026, 11, 27))
    clock.set(at(2026, 11, 27, 9))
    await answer(bot, "li", "64000", "4")
    await answer(bot, "mei", "41000", "2")
    await kudo(bot, "li", "/kudos @mei @alice 谢谢支持")
    clock.set(at(2026, 11, 27, 22))
    await answer(bot, "alice", "75000", "5")
    await kudo(bot, "alice", "/kudos @li for the Shanghai intro")
    clock.set(at(2026, 11, 29, 12))  # Sunday 07:00 in New York, after the poll closed: the GM reads
    await bot.run_pulse()


@pytest.fixture
async def quarter(settings, tmp_path, monkeypatch):
    path = tmp_path / "org.yaml"
    path.write_text(org_yaml(), encoding="utf-8")
    clock = FakeClock(at(2026, 10, 26, 12))
    settings = replace(settings, org_file=path)
    bot, engine = prepare(settings, clock)
    chat = RecordingAdapter()
    bot.register(chat)
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    try:
        await live_the_quarter(bot, chat, clock, path, settings)
        yield bot, chat, settings
    finally:
        engine.dispose()




def pct(actual: float, target: float) -> int:
    """A percentage as the summary shows it: rounded, a half up; short of the target never
    100 (648,000 of 650,000 is 99%: 100% reads as met)."""
    shown = int(actual * 100 / target + 0.5)
    return 99 if shown == 100 and actual < target else shown


# W48 by hand. Expected: Alice, Dan, 李雷, 韩梅梅 (4); Dan did not answer.
W48_REVENUE = (75000 + 64000 + 41000, 70000 + 30000 + 60000 + 40000)  # 180,000 / 200,000
W48_CUSTOMERS = (5 + 4 + 2, 4 + 2 + 3 + 2)  # 11 / 11
# November (W45–W48, the weeks whose Thursday is in November). W45: Alice, 李雷, 韩梅梅;
# W46: Alice (58,000 as corrected, once), Dan, 李雷 (late, in W46); 韩梅梅 away; W47: Alice
# (the CRM's 72,000, not her 60,000) at her new 70,000, Dan, 李雷; 韩梅梅 away.
MONTH_REVENUE = ((52000 + 61000 + 42000) + (58000 + 20000 + 70000)
                 + (72000 + 35000 + 58000) + W48_REVENUE[0],
                 (50000 + 60000 + 40000) + (50000 + 30000 + 60000)
                 + (70000 + 30000 + 60000) + W48_REVENUE[1])  # 648,000 / 650,000
MONTH_CUSTOMERS = ((4 + 0 + 2) + (5 + 1 + 3) + (4 + 2 + 3) + W48_CUSTOMERS[0],  # 李雷 skipped W45
                   (4 + 3 + 2) + (4 + 2 + 3) + (4 + 2 + 3) + W48_CUSTOMERS[1])  # 35 / 38
# The quarter adds W44 (October; W40–W43 were never asked, so carry no target).
QUARTER_REVENUE = (MONTH_REVENUE[0] + 45000 + 55000 + 30000,
                   MONTH_REVENUE[1] + 50000 + 60000 + 40000)  # 778,000 / 800,000
QUARTER_CUSTOMERS = (MONTH_CUSTOMERS[0] + 3 + 2 + 1, MONTH_CUSTOMERS[1] + 4 + 3 + 2)  # 41 / 47


async def test_the_weeks_headline_month_and_quarter_add_up_by_hand(quarter):
    bot, chat, _settings = quarter
    assert (W48_REVENUE, MONTH_REVENUE, QUARTER_REVENUE) == \
        ((180000, 200000), (648000, 650000), (778000, 800000))
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "Check-ins: 3 of 4 · missing: Dan Park" in text
    assert (f"Team · Revenue 180,000 / 200,000 USD ({pct(*W48_REVENUE)}%), 3 of 4 reporting"
            " · not reported: Dan Park") in text
    assert (f"Team · New customers 11 / 11 customers ({pct(*W48_CUSTOMERS)}%), 3 of 4 "
            "reporting · not reported: Dan Park") in text
    # Alice's W46 revenue, changed after W46 ended, is in the org's month and quarter:
    # their revenue says so (the week's total and the customers' hold no such figure).
    changed = "; includes a figure changed after its week ended"
    assert (f"Month to date (2026-11): Revenue 648,000 / 650,000 USD ({pct(*MONTH_REVENUE)}%"
            f"{changed}) · New customers 35 / 38 customers ({pct(*MONTH_CUSTOMERS)}%)") in text
    assert ("Quarter to date (2026-Q4): Revenue 778,000 / 800,000 USD "
            f"({pct(*QUARTER_REVENUE)}%{changed}) · New customers 41 / 47 customers "
            f"({pct(*QUARTER_CUSTOMERS)}%)") in text
    assert "Dan Park: not checked in this week" in text
    await say(bot, "grace", "/language 中文")
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "签到：3 / 4 · 未签到：Dan Park" in text
    assert "团队 · 营收 180,000 / 200,000 USD（90%），3/4 人已填报 · 未填报：Dan Park" in text
    assert ("本月累计（2026-11）：营收 648,000 / 650,000 USD（99%；含周结束后被修改的数据） · "
            "新客户 35 / 38 customers（92%）") in text
    assert ("本季度累计（2026-Q4）：营收 778,000 / 800,000 USD（97%；含周结束后被修改的数据） · "
            "新客户 41 / 47 customers（87%）") in text


async def test_each_directors_week_month_quarter_and_trend_by_hand(quarter):
    bot, chat, _settings = quarter
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    # Alice: month 52+58+72+75 = 257k of 50+50+70+70 = 240k; quarter +45k of +50k.
    # Customers: month 4+5+4+5 = 18 of 16; quarter 21 of 20. Trend: each week the mean of
    # her two KPIs: W45 (104+100)/2 = 102, W46 (116+125)/2 = 120.5, W47 (102.86+100)/2 =
    # 101.43, W48 (107.14+125)/2 = 116.07, up more than 5 points on the earlier 107.98.
    # Her W46 revenue, corrected in W47 (48,000 -> 58,000), is in the month and quarter:
    # the block says they add up a figure changed after its week ended.
    assert ("Revenue 75,000 / 70,000 USD (107%) · New customers 5 / 4 customers (125%) · "
            f"month Revenue {pct(257000, 240000)}%, New customers {pct(18, 16)}% · "
            f"quarter Revenue {pct(302000, 290000)}%, New customers {pct(21, 20)}% · "
            "month and quarter to date include a figure changed after its week ended · "
            "trend ↑ (102% → 121% → 101% → 116%)") in text
    # Dan joined in W46: three weeks asked, 90k of target, not November's four weeks
    # pro-rated (his block says so); he answered 20k and 35k. Trend W46 (66.67+50)/2,
    # W47 (116.67+100)/2.
    assert ("Revenue — / 30,000 USD · New customers — / 2 customers · "
            f"month Revenue {pct(55000, 90000)}%, New customers {pct(3, 6)}% · "
            f"quarter Revenue {pct(55000, 90000)}%, New customers {pct(3, 6)}% (joined "
            "2026-W46: targets of the weeks since, not the whole quarter) · "
            "trend (— → 58% → 108% → —)") in text
    # 李雷: month 61+70+58+64 = 253k of 240k; customers 0 (skipped) +3+3+4 = 10 of 12;
    # quarter +55k of +60k, 12 of 15. W45's trend point is his revenue alone (skipped KPI
    # has no figure): 101.67; W47 (96.67+100)/2 = 98.33; W48 (106.67+133.33)/2 = 120.
    assert ("Revenue 64,000 / 60,000 USD (107%) · New customers 4 / 3 customers (133%) · "
            f"month Revenue {pct(253000, 240000)}%, New customers {pct(10, 12)}% · "
            f"quarter Revenue {pct(308000, 300000)}%, New customers {pct(12, 15)}% · "
            "trend ↑ (102% → 108% → 98% → 120%)") in text
    # 韩梅梅: away W46–W47, so November is W45 and W48: 83k of 80k; quarter 113k of 120k.
    assert ("Revenue 41,000 / 40,000 USD (103%) · New customers 2 / 2 customers (100%) · "
            f"month Revenue {pct(83000, 80000)}%, New customers {pct(4, 4)}% · "
            f"quarter Revenue {pct(113000, 120000)}%, New customers {pct(5, 6)}% · "
            "trend → (103% → — → — → 101%)") in text
    # Kudos in W48: Alice → 李雷; 李雷 → 韩梅梅 and Alice. East gave 1, received 1;
    # China gave 2, received 2.
    assert text.count("kudos 1 given, 1 received") == 2  # Alice's and Dan's team East
    assert text.count("kudos 2 given, 2 received") == 2  # China


async def test_the_away_late_edited_and_crm_weeks_by_hand(quarter):
    bot, chat, _settings = quarter
    await say(bot, "grace", "/summary 2026-W46")
    text = chat.last("grace")
    # 58,000 (Alice, corrected) + 20,000 + 70,000 (李雷, late) against 50k+30k+60k;
    # 韩梅梅 away, out of the target.
    assert "Check-ins: 3 of 3 · away: 韩梅梅" in text
    # (Alice's correction came after the week ended: the totals that add it up say so.)
    assert (f"Team · Revenue 148,000 / 140,000 USD ({pct(148000, 140000)}%), 3 of 3 "
            "reporting · includes a figure changed after its week ended") in text
    assert "Away, not in the targets: 韩梅梅" in text
    assert "✅ 李雷 — checked in (late)" in text
    assert "🌴 韩梅梅 — away until 2026-11-22" in text
    assert ("Month to date (2026-11): Revenue 303,000 / 290,000 USD "
            f"({pct(155000 + 148000, 150000 + 140000)}%; includes a figure changed after its "
            "week ended)") in text
    await say(bot, "grace", "/summary 2026-W47")
    text = chat.last("grace")
    assert ("Revenue 72,000 / 70,000 USD (103%) [CRM; reported 60,000 ⚠ differs]") in text
    assert "Alice Martin: self-reported figures differ from the CRM (Revenue)" in text
    assert f"Team · Revenue 165,000 / 160,000 USD ({pct(72000 + 35000 + 58000, 160000)}%)" \
        in text
    # W44: Alice answered at 23:30 on the Sunday the clocks went back: on time.
    await say(bot, "grace", "/summary 2026-W44")
    text = chat.last("grace")
    assert "✅ Alice Martin — checked in\n" in text
    assert f"Team · Revenue 130,000 / 150,000 USD ({pct(130000, 150000)}%), 3 of 3" in text
    # Her kudos to 李雷 at that 23:30 is W44's (the week ends at 05:00 UTC, not 04:00).
    assert text.count("kudos 1 given, 0 received") == 1  # East: Alice (Dan joined in W46)
    assert text.count("kudos 0 given, 1 received") == 2  # China
    await say(bot, "grace", "/summary 2026-W45")
    assert "kudos 1 given" not in chat.last("grace")
    assert "kudos 0 given, 1 received" not in chat.last("grace")


async def test_the_last_four_weeks_and_a_team_by_hand(quarter):
    bot, chat, _settings = quarter
    await say(bot, "grace", "/summary last 4w")
    text = chat.last("grace")
    for line in ("2026-W45: 3 of 3", "2026-W46: 3 of 3 · away: 韩梅梅",
                 "2026-W47: 3 of 3 · away: 韩梅梅", "2026-W48: 3 of 4 · missing: Dan Park",
                 "Team · 2026-W48 · Revenue 180,000 / 200,000 USD (90%)"):
        assert line in text
    await say(bot, "grace", "/summary team China last 4w")
    text = chat.last("grace")
    # W45 (61k+42k)/(60k+40k); W46 70k/60k; W47 58k/60k; W48 (64k+41k)/(60k+40k).
    assert (f"Revenue (USD): W45 {pct(103000, 100000)}% · W46 {pct(70000, 60000)}% · "
            f"W47 {pct(58000, 60000)}% · W48 {pct(105000, 100000)}%") in text
    # W45: 0 (skipped) + 2 of 3 + 2.
    assert (f"New customers (customers): W45 {pct(2, 5)}% · W46 100% · W47 100% · "
            f"W48 {pct(6, 5)}%") in text


async def test_a_director_added_later_is_not_in_the_weeks_before_he_joined(quarter):
    """Dan was added to the org file on Tuesday of W46: Grace's W44 and W45 listed him as
    "no check-in sent", which reads "Dan was not asked"; he was not in the org yet. Those
    weeks leave him out everywhere (chat in both languages, the team's view, the CLI's
    exports); W46, the week he joined, lists him as before."""
    bot, chat, settings = quarter
    await say(bot, "grace", "/summary 2026-W44")
    text = chat.last("grace")
    assert "Check-ins: 3 of 3\n" in text and "Dan Park" not in text
    await say(bot, "grace", "/summary 2026-W45 last 4w")
    text = chat.last("grace")
    assert "2026-W45: 3 of 3\n" in text and "Dan Park" not in text
    # W42 and W43, before the bot ran, still read so for the org it started with.
    assert "2026-W43: no check-in sent" in text
    await say(bot, "grace", "/summary team East 2026-W44")
    text = chat.last("grace")
    assert "Check-ins: 1 of 1" in text and "Dan Park" not in text
    assert "• East (Alice Martin): 1 given by 1 person, 0 received" in text
    await say(bot, "grace", "/summary 2026-W46")
    assert "Dan Park — checked in" in chat.last("grace")
    await say(bot, "grace", "/language 中文")
    await say(bot, "grace", "/summary 2026-W44")
    text = chat.last("grace")
    assert "签到：3 / 3" in text and "Dan Park" not in text
    await say(bot, "grace", "/summary team East 2026-W44")
    assert "Dan Park" not in chat.last("grace")
    data = json.loads(run_cli(settings, "summary", "--format", "json", "--week", "2026-W45",
                              "--weeks", "4")[1])
    assert "dan" not in {d["key"] for d in data["directors"]}
    assert [(w["week"], w["not_sent"], w["nothing_sent"]) for w in data["weeks"]] == [
        ("2026-W42", ["Alice Martin", "李雷", "韩梅梅"], True),
        ("2026-W43", ["Alice Martin", "李雷", "韩梅梅"], True),
        ("2026-W44", [], False), ("2026-W45", [], False)]
    for fmt in ("csv", "md"):
        out = run_cli(settings, "summary", "--format", fmt, "--week", "2026-W44")[1]
        assert "Dan Park" not in out and ",dan," not in out


async def test_a_persons_history_says_the_weeks_before_he_joined(quarter):
    """`/summary dan` listed W43–W45, before Dan was added to the org file (Tuesday 10
    November, W46), as "no check-in sent", which a GM reads "he was not asked". They read
    as one line saying he was not in the org file yet and when he was added, in both
    languages and the CLI's export; a history of such weeks alone is that line, no empty
    "Full picture". Alice, in the file from the bot's first start (no date), still reads
    W43 (before the bot ran) as "no check-in sent"."""
    bot, chat, settings = quarter
    await say(bot, "grace", "/summary dan last 6w")
    text = chat.last("grace")
    assert "2026-W46 (2026-11-09 – 2026-11-15): checked in" in text
    assert ("2026-W43 – 2026-W45 (2026-10-19 – 2026-11-08): not in the org file yet "
            "(added on 2026-11-10)") in text
    assert "no check-in sent" not in text
    await say(bot, "grace", "/summary dan 2026-W45 last 2w")
    assert chat.last("grace") == (
        "Dan Park · team East · last 2 weeks\n\n"
        "2026-W44 – 2026-W45 (2026-10-26 – 2026-11-08): not in the org file yet "
        "(added on 2026-11-10)")
    await say(bot, "grace", "/summary alice 2026-W44 last 2w")
    text = chat.last("grace")
    assert "2026-W43 (2026-10-19 – 2026-10-25): no check-in sent" in text
    assert "not in the org file" not in text
    await say(bot, "grace", "/language 中文")
    await say(bot, "grace", "/summary dan last 6w")
    text = chat.last("grace")
    assert "2026-W43 – 2026-W45（2026-10-19 – 2026-11-08）：尚未加入组织名单（2026-11-10 加入）" \
        in text and "未发送签到" not in text
    data = json.loads(run_cli(settings, "summary", "--format", "json", "--person", "dan",
                              "--week", "2026-W46", "--weeks", "2")[1])
    assert [(w["week"], w["people"][0]["status"], w["people"][0].get("joined"))
            for w in data["weeks"]] == [("2026-W45", "joined_later", "2026-11-10"),
                                        ("2026-W46", "submitted", None)]
    schema = json.loads((Path(__file__).parent.parent / "docs/schema/summary.schema.json")
                        .read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(data)  # (`joined` is in the schema)
    data = json.loads(run_cli(settings, "summary", "--format", "json", "--person", "dan",
                              "--week", "2026-W45", "--weeks", "1")[1])
    assert "director" not in data  # (no five-question block of a week not his)
    md = run_cli(settings, "summary", "--format", "md", "--person", "dan", "--weeks", "6")[1]
    assert "not in the org file yet (added on 2026-11-10)" in md


async def test_a_crm_figure_booked_before_he_joined_counts_where_he_is_listed(quarter):
    """The CRM books 25,000 for Dan in W44, before he was added to the org file (W46).
    W48's quarter to date counted it, but W44's view left Dan out and his 25,000 with him
    (130,000), and W45's quarter did too: the same sale read two ways. A CRM figure is
    real revenue: the week it was booked in is Dan's (listed as not asked, the figure
    counted with no target) and every later quarter to date counts it, in chat, the
    team's view and the CLI's exports alike."""
    bot, chat, settings = quarter
    import_crm(settings, "crm-dan.csv",
               ("Dan Park", "Initech - Deal", "25,000.00", "10/28/2026", "10/02/2026"))
    await say(bot, "grace", "/summary 2026-W44")
    text = chat.last("grace")
    w44 = (45000 + 55000 + 30000) + 25000  # the three who checked in, and the CRM's sale
    assert f"Team · Revenue {w44:,} / 150,000 USD ({pct(w44, 150000)}%), 3 of 3 reporting" \
        in text
    assert "No check-in sent, not in the targets: Dan Park" in text
    assert "▫️ Dan Park — no check-in sent" in text
    await say(bot, "grace", "/summary 2026-W45")
    quarter_w45 = (45000 + 55000 + 30000) + 25000 + (52000 + 61000 + 42000)  # 310,000
    assert f"Quarter to date (2026-Q4): Revenue {quarter_w45:,} / 300,000 USD" \
        in chat.last("grace")
    assert "Dan Park" not in chat.last("grace")  # (W45: not his, nothing booked)
    await say(bot, "grace", "/summary")
    assert f"Quarter to date (2026-Q4): Revenue {QUARTER_REVENUE[0] + 25000:,} / 800,000 USD" \
        in chat.last("grace")
    await say(bot, "grace", "/summary team East 2026-W44")
    text = chat.last("grace")
    assert "• Dan Park: Revenue 25,000 USD (not asked this week: no target) [CRM]" in text
    await say(bot, "grace", "/summary dan 2026-W45 last 3w")
    text = chat.last("grace")
    assert "2026-W44 (2026-10-26 – 2026-11-01): no check-in sent" in text
    assert "2026-W43 (2026-10-19 – 2026-10-25): not in the org file yet" in text
    rows = {r["director"]: r for r in csv_records(
        run_cli(settings, "summary", "--format", "csv", "--week", "2026-W44")[1])}
    assert (rows["dan"]["status"], rows["dan"]["revenue_week_actual"]) == ("not_sent", "25000")


async def test_a_crm_figure_booked_before_he_joined_names_him_in_a_multi_week_view(quarter):
    """Two weeks to W45 (Dan joined in W46): W44's own view names Dan with those sent no
    check-in, his CRM sale counted; the two weeks' view counted the sale too, but W44's
    list left him out. Now W44 reads the same in both, and W45 (nothing of his) does not
    name him."""
    _bot, _chat, settings = quarter
    import_crm(settings, "crm-dan.csv",
               ("Dan Park", "Initech - Deal", "25,000.00", "10/28/2026", "10/02/2026"))
    one = json.loads(run_cli(settings, "summary", "--format", "json",
                             "--week", "2026-W44")[1])
    two = json.loads(run_cli(settings, "summary", "--format", "json",
                             "--week", "2026-W45", "--weeks", "2")[1])
    assert [w["week"] for w in two["weeks"]] == ["2026-W44", "2026-W45"]
    assert one["weeks"][0]["not_sent"] == ["Dan Park"]
    assert two["weeks"][0] == one["weeks"][0]
    assert two["weeks"][1]["not_sent"] == []


async def test_the_exports_by_hand(quarter):
    _bot, _chat, settings = quarter
    data = json.loads(run_cli(settings, "summary", "--format", "json")[1])
    head = {k["metric"]: k for k in data["headline"]["month_to_date"]}
    # Person-weeks asked in November: 3 + 3 + 3 + 4; revenue reported in all but Dan's W48,
    # new customers also not 李雷's skipped W45.
    assert (head["revenue"]["actual"], head["revenue"]["target"], head["revenue"]["reported"],
            head["revenue"]["expected"]) == (648000, 650000, 12, 13)
    assert (head["new_customers"]["reported"], head["new_customers"]["expected"]) == (11, 13)
    quarter_ = {k["metric"]: k for k in data["headline"]["quarter_to_date"]}
    assert (quarter_["revenue"]["reported"], quarter_["revenue"]["expected"]) == (15, 16)
    # Alice's W46 revenue changed after W46: the month's and quarter's revenue hold it.
    assert [(k["revenue"]["includes_edited"], k["new_customers"]["includes_edited"])
            for k in (head, quarter_)] == [(True, False), (True, False)]
    assert not any(k["includes_edited"] for k in data["headline"]["week"])
    rows = {r["director"]: r for r in csv_records(
        run_cli(settings, "summary", "--format", "csv", "--week", "2026-W47")[1])}
    assert (rows["alice"]["revenue_week_actual"], rows["alice"]["revenue_week_crm"],
            rows["alice"]["revenue_mtd_actual"], rows["alice"]["revenue_mtd_target"]) == \
        ("72000", "72000", str(52000 + 58000 + 72000), str(50000 + 50000 + 70000))
    assert rows["mei"]["status"] == "away" and rows["mei"]["revenue_week_actual"] == ""
    rows = {r["director"]: r for r in csv_records(
        run_cli(settings, "summary", "--format", "csv", "--week", "2026-W46")[1])}
    assert rows["li"]["late"] == "true" and rows["alice"]["revenue_week_actual"] == "58000"
    rows = {r["director"]: r for r in csv_records(
        run_cli(settings, "summary", "--format", "csv", "--week", "2026-W44")[1])}
    assert (rows["alice"]["status"], rows["alice"]["late"]) == ("submitted", "false")
    assert "dan" not in rows  # added to the org file in W46
    md = run_cli(settings, "summary", "--format", "md")[1]
    assert "- Team · Revenue 180,000 / 200,000 USD (90%), 3 of 4 reporting" in md


async def test_the_attainment_chart_counts_the_crm_as_the_summary_does(quarter):
    """The chart drew Alice's W47 at her typed 60,000 (85.7% and 100%: 92.9) where the
    summary's trend counts the CRM's 72,000 (102.9% and 100%: 101.4)."""
    bot, _chat, _settings = quarter
    with bot.unit() as ctx:
        chart = chart_data_for(ctx.session, bot.org, "attainment", "en",
                               end_week=date(2026, 11, 26), weeks=5)
        kudos = chart_data_for(ctx.session, bot.org, "kudos", "en",
                               end_week=date(2026, 11, 26), weeks=1)
    lines = {line.label: line.values for line in chart.lines}
    alice_w47 = (72000 / 70000 + 4 / 4) / 2 * 100  # 101.43
    assert lines["Alice Martin"] == [82.5, 102.0, 120.5, round(alice_w47, 1), 116.1]
    assert lines["Dan Park"] == [None, None, 58.3, 108.3, None]
    assert lines["韩梅梅"] == [62.5, 102.5, None, None, 101.3]
    assert kudos.bars == [("China", 2, 2), ("East", 1, 1)]
    # Morale by week: W46's poll (3.0) and W48's ((5+4+4)/3 = 4.33); only China (the New
    # York poll was never sent: East, none answered, is hidden).
    with bot.unit() as ctx:
        morale = chart_data_for(ctx.session, bot.org, "morale", "en",
                                end_week=date(2026, 11, 26), weeks=5)
    assert {line.label: line.values for line in morale.lines} == {
        "Everyone": [None, None, (4 + 3 + 2 + 3) / 4, None, round((5 + 4 + 4) / 3, 2)],
        "China": [None, None, 3.0, None, 4.33]}
    assert {line.label: line.values for line in morale.stress}["China"] == \
        [None, None, (2 + 3 + 4 + 3) / 4, None, round((2 + 2 + 3) / 3, 2)]
    assert morale.note is not None and morale.note.endswith(": East")


async def test_morale_kudos_and_one_on_ones_by_hand(quarter):
    bot, chat, _settings = quarter
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    blocks = {b.split(" · team")[0]: b for b in text.split("\n\n") if " · team " in b}
    # China's morale: each closed poll's average, then their mean: (4+3+2+3)/4 = 3.0 and
    # (5+4+4)/3 = 4.33, so 3.67; stress (2+3+4+3)/4 = 3.0 and (2+2+3)/3 = 2.33, so 2.67.
    morale = ((4 + 3 + 2 + 3) / 4 + (5 + 4 + 4) / 3) / 2
    stress = ((2 + 3 + 4 + 3) / 4 + (2 + 2 + 3) / 3) / 2
    china = f"morale {morale:.1f} / 5 · stress {stress:.1f} / 5 · kudos 2 given, 2 received"
    assert china == "morale 3.7 / 5 · stress 2.7 / 5 · kudos 2 given, 2 received"
    assert china in blocks["李雷"] and china in blocks["韩梅梅"]
    assert "members' one-on-ones: 0 held, 2 overdue" in blocks["李雷"]  # 王伟's and 李芳's
    # East is two people, below the threshold of 3.
    for name in ("Alice Martin", "Dan Park"):
        assert ("morale and stress hidden (too few answers to stay anonymous) · kudos 1 "
                "given, 1 received") in blocks[name]
    # Grace confirmed her 1:1 with Alice of 24 November; the other three went unanswered.
    assert "One-on-one with you: last 2026-11-24 · next 2026-12-08\n" in \
        blocks["Alice Martin"] + "\n"
    for name in ("Dan Park", "李雷", "韩梅梅"):
        assert "One-on-one with you: last never · next 2026-12-08 · overdue" in blocks[name]
        assert f"{name}: one-on-one with you overdue" in text
    assert "Alice Martin: one-on-one with you overdue" not in text
    await say(bot, "grace", "/summary team China")
    text = chat.last("grace")
    assert "• China (李雷, 韩梅梅): 2 given by 1 person, 2 received by 2 people" in text
    assert f"• China (李雷, 韩梅梅): {morale:.1f} / 5" in text


async def test_a_missed_week_with_a_crm_figure_reads_alike_in_summary_and_chart(quarter):
    """Dan missed W48; the CRM then books 15,000 for him that week: the GM's trend and the
    chart both count it against his 30,000 (50%; he typed no new customers)."""
    bot, chat, settings = quarter
    import_crm(settings, "crm-dan.csv",
               ("Dan Park", "Initech - Seats", "15,000.00", "11/25/2026", "10/02/2026"))
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    dan = f"{pct(15000, 30000)}%"
    assert f"Revenue 15,000 / 30,000 USD ({dan}) [CRM]" in text
    assert f"trend ↓ (— → 58% → 108% → {dan})" in text
    with bot.unit() as ctx:
        chart = chart_data_for(ctx.session, bot.org, "attainment", "en",
                               end_week=date(2026, 11, 26), weeks=5)
    assert {line.label: line.values for line in chart.lines}["Dan Park"] == \
        [None, None, 58.3, 108.3, 15000 / 30000 * 100]

"""The GM's /summary over a quarter that changes under it: a KPI moved to another
currency, someone who joined in its fifth week, a target raised. Each test walks the
weeks with the fake clock and reads what the GM reads, in chat and from the CLI."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from bot.org import load_org
from tests.support import TEST_ORG, csv_records, run_cli, say
from tests.test_checkin import ALICE_ANSWERS, answer_all
from tests.test_summary_truth import BRUNO_ANSWERS, LI_ANSWERS


def edited_org(tmp_path: Path, name: str, edit: Callable[[dict[str, Any]], None]) -> Path:
    """The test org file with `edit` made to it, saved as `name`."""
    data = yaml.safe_load(TEST_ORG.read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def person(data: dict[str, Any], key: str) -> dict[str, Any]:
    return next(p for p in data["people"] if p["key"] == key)


def reload(bot: Any, path: Path) -> None:
    """The org file edited and reloaded, as the running bot does."""
    bot.org = load_org(path)
    bot.sync_org()


def block(text: str, heading: str) -> str:
    """One director's block of the GM's view (from its heading to the next blank line)."""
    return text.split(heading, 1)[1].split("\n\n", 1)[0]


async def test_a_kpi_moved_to_another_currency_names_each_currency_in_the_quarter(
        bot, chat, clock, tmp_path, settings, monkeypatch):
    """李雷 reported revenue in USD in 2026-W47 (66,000 of 60,000) and, the org file moved
    it to CNY, in CNY in W48 (33,000 of 60,000). His block's month and quarter keep the
    two apart, as the headline does: each named with its currency, not "Revenue 110%,
    Revenue 55%", which left the GM to guess which was which."""
    friday = clock.now()
    clock.set(friday - timedelta(weeks=1))
    await bot.run_checkins(["li"])
    await answer_all(bot, "li", LI_ANSWERS)

    def in_cny(data: dict[str, Any]) -> None:
        person(data, "li")["kpis"][0]["unit"] = "CNY"
    cny = edited_org(tmp_path, "cny.yaml", in_cny)
    clock.set(friday - timedelta(days=2))
    reload(bot, cny)
    clock.set(friday)
    await bot.run_checkins(["li", "alice"])
    await answer_all(bot, "li", ["33000", *LI_ANSWERS[1:]])
    await answer_all(bot, "alice", ALICE_ANSWERS)
    await say(bot, "grace", "/summary")
    li = block(chat.last("grace"), "李雷 · team China")
    assert ("· month Revenue (USD) 110%, Revenue (CNY) 55% · quarter Revenue (USD) 110%, "
            "Revenue (CNY) 55%") in li
    # One unit a metric: read as before, without it.
    assert "· month Revenue 104%, New customers 75% ·" in block(chat.last("grace"),
                                                              "Alice Martin · team East")
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/summary")
    li = block(chat.last("grace"), "李雷 · 团队 China")
    assert ("· 本月 营收（USD） 110%，营收（CNY） 55% · 本季度 营收（USD） 110%，营收（CNY） 55%"
            in li)
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    code, markdown = run_cli(replace(settings, org_file=cny), "summary")
    assert code == 0
    li = markdown.split("## 李雷", 1)[1].split("\n## ", 1)[0]
    assert "quarter Revenue (USD) 110%, Revenue (CNY) 55%" in li


DAN = {"key": "dan", "name": "Dan Wu", "role": "director", "manager": "grace", "team": "East",
       "timezone": "America/New_York", "locale": "en",
       "kpis": [{"metric": "revenue", "unit": "USD", "weekly_target": 20000}]}


async def test_a_director_who_joined_in_the_quarters_sixth_week_says_so_beside_it(
        bot, chat, clock, tmp_path, settings, monkeypatch):
    """Dan is added to the org file on Tuesday of 2026-W45, the sixth week of Q4 (from
    W40), and sells 10,000 a week against 20,000. His quarter to date is the four weeks
    asked since (80,000, each whole: not pro-rated by day, nor the quarter's nine weeks'
    180,000), and his block says which, as it otherwise reads like everyone's quarter;
    the CLI's JSON and CSV carry the week he joined. Alice, in the org from the start,
    reads as before."""
    friday = clock.now()  # 2026-W48

    def with_dan(data: dict[str, Any]) -> None:
        data["people"].append(dict(DAN))
    joined = edited_org(tmp_path, "dan.yaml", with_dan)
    clock.set(friday - timedelta(weeks=3, days=3))  # Tuesday of 2026-W45
    reload(bot, joined)
    for weeks_before in (3, 2, 1, 0):
        clock.set(friday - timedelta(weeks=weeks_before))
        await bot.run_checkins(["dan", "alice"])
        await answer_all(bot, "dan", ["10000", "Signed", "none", "1", "More", "3"])
        await answer_all(bot, "alice", ALICE_ANSWERS)
    await say(bot, "grace", "/summary")
    dan = block(chat.last("grace"), "Dan Wu · team East")
    assert ("· month 50% · quarter 50% (joined 2026-W45: targets of the weeks since, not "
            "the whole quarter) · trend") in dan
    assert "joined" not in block(chat.last("grace"), "Alice Martin · team East")
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/summary")
    assert ("· 本月 50% · 本季度 50%（2026-W45 加入：目标按加入后的周计，非整个季度） · 趋势"
            in block(chat.last("grace"), "Dan Wu · 团队 East"))
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    cli = replace(settings, org_file=joined)
    code, raw = run_cli(cli, "summary", "--format", "json")
    assert code == 0
    by_key = {d["key"]: d for d in json.loads(raw)["directors"]}
    (quarter,) = by_key["dan"]["goals"]["quarter_to_date"]
    assert (quarter["target"], quarter["actual"], quarter["expected"]) == (80000, 40000, 4)
    assert by_key["dan"]["goals"]["joined"] == "2026-W45"
    assert by_key["alice"]["goals"]["joined"] is None
    code, raw = run_cli(cli, "summary", "--format", "csv")
    rows = {r["director"]: r for r in csv_records(raw)}
    assert (rows["dan"]["joined"], rows["alice"]["joined"]) == ("2026-W45", "")
    code, markdown = run_cli(cli, "summary")
    assert "quarter 50% (joined 2026-W45: targets of the weeks since, not the whole " \
        "quarter)" in markdown.split("## Dan Wu", 1)[1].split("\n## ", 1)[0]



async def test_a_director_removed_and_added_back_in_the_quarter_is_not_said_to_have_joined(
        bot, chat, clock, tmp_path, settings, monkeypatch):
    """Dan is in the org file from before Q4 (from 2026-W40) and sells 10,000 a week
    against 20,000 in W40 to W42; taken out of the file in W43 and put back on Tuesday of
    W45, he sells the same from W45 on. His quarter counts all seven weeks (70,000 of
    140,000: 50%), yet his block said "joined 2026-W45: targets of the weeks since, not
    the whole quarter", which his weeks before the removal make untrue; the JSON said
    joined W45 too. Now neither says he joined (a guard: the joiner's note stays, see the
    test above)."""
    friday = clock.now()  # 2026-W48

    def with_dan(data: dict[str, Any]) -> None:
        data["people"].append(dict(DAN))
    dan_in = edited_org(tmp_path, "dan.yaml", with_dan)
    clock.set(friday - timedelta(weeks=9, days=3))  # Tuesday of 2026-W39
    reload(bot, dan_in)
    for weeks_before in (8, 7, 6, 3, 2, 1, 0):  # W40 to W42, then W45 to W48
        clock.set(friday - timedelta(weeks=weeks_before))
        await bot.run_checkins(["dan"])
        await answer_all(bot, "dan", ["10000", "Signed", "none", "1", "More", "3"])
        if weeks_before == 6:
            clock.set(friday - timedelta(weeks=5, days=3))  # Tuesday of W43: taken out
            reload(bot, TEST_ORG)
            clock.set(friday - timedelta(weeks=3, days=3))  # Tuesday of W45: back
            reload(bot, dan_in)
    clock.set(friday)
    await say(bot, "grace", "/summary")
    dan = block(chat.last("grace"), "Dan Wu · team East")
    assert "· month 50% · quarter 50% · trend" in dan
    assert "joined" not in dan
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/summary")
    dan = block(chat.last("grace"), "Dan Wu · 团队 East")
    assert "· 本月 50% · 本季度 50% · 趋势" in dan and "加入" not in dan
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    code, raw = run_cli(replace(settings, org_file=dan_in), "summary", "--format", "json")
    assert code == 0
    by_key = {d["key"]: d for d in json.loads(raw)["directors"]}
    (quarter,) = by_key["dan"]["goals"]["quarter_to_date"]
    assert (quarter["target"], quarter["actual"], quarter["expected"]) == (140000, 70000, 7)
    assert by_key["dan"]["goals"]["joined"] is None

async def test_the_crms_sales_of_a_metric_not_asked_count_in_a_week_checked_in(
        bot, chat, clock, tmp_path, settings, monkeypatch):
    """Bruno's KPI is revenue alone; the CRM books new customers for him, 2 in 2026-W43
    and 3 in W48, weeks he checked in. They are real sales: the GM's week, month and
    quarter count them with no target, as in a week he was away, and his team's view too.
    Before, his check-in made them vanish (6 of 8 new customers in the quarter, not 11):
    the same sale counted or not depending on whether he had answered that week."""
    friday = clock.now()  # 2026-W48
    for weeks_before in (5, 0):  # W43, an older week of the quarter, and W48
        clock.set(friday - timedelta(weeks=weeks_before))
        await bot.run_checkins(["alice", "bruno"])
        await answer_all(bot, "alice", ALICE_ANSWERS)
        await answer_all(bot, "bruno", BRUNO_ANSWERS)
    export = tmp_path / "crm.csv"
    export.write_text("person,metric,week,value\nbruno,new_customers,2026-W43,2\n"
                      "bruno,new_customers,2026-W48,3\n", encoding="utf-8")
    assert run_cli(settings, "import-actuals", str(export))[0] == 0
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    # Alice's 3 typed against her 4, Bruno's 3 from the CRM with no target.
    assert "Team · New customers 6 / 4 customers (150%), 1 of 1 reporting" in text
    assert "Month to date (2026-11): Revenue 93,000 / 90,000 USD (103%) · New customers " \
        "6 / 4 customers (150%)" in text
    # W43's too: 3 + 3 of Alice's, 2 + 3 of Bruno's, against Alice's 4 + 4.
    assert "Quarter to date (2026-Q4): Revenue 186,000 / 180,000 USD (103%) · New " \
        "customers 11 / 8 customers (138%)" in text
    assert ("Goals: Revenue 41,000 / 40,000 USD (103%) · New customers 3 customers (not "
            "asked this week: no target) [CRM] · month Revenue 103%, New customers 3 "
            "customers (CRM, no target) · quarter Revenue 103%, New customers 5 customers "
            "(CRM, no target)") in block(text, "Bruno Rossi · team Europe")
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/summary")
    assert "新客户 11 / 8 customers（138%）" in chat.last("grace").split("本季度累计")[1]
    await say(bot, "grace", "/summary team Europe")
    text = chat.last("grace")
    assert "团队 · 新客户 3 customers（CRM，本周未被要求签到者，不计目标）" in text
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "en"
    await say(bot, "grace", "/summary team Europe")
    text = chat.last("grace")
    assert "Team · Revenue 41,000 / 40,000 USD (103%), 1 of 1 reporting" in text
    assert "Team · New customers 3 customers (CRM, of those not asked this week: no " \
        "target)" in text
    assert "• Bruno Rossi: Revenue 41,000 / 40,000 USD (103%) · New customers 3 customers " \
        "(not asked this week: no target) [CRM]" in text
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    code, raw = run_cli(settings, "summary", "--format", "json")
    assert code == 0
    quarter = {f["metric"]: f for f in json.loads(raw)["headline"]["quarter_to_date"]}
    assert (quarter["new_customers"]["actual"], quarter["new_customers"]["target"],
            quarter["new_customers"]["reported"], quarter["new_customers"]["expected"]) == \
        (11, 8, 2, 2)
    code, raw = run_cli(settings, "summary", "--team", "Europe", "--format", "json")
    (bruno,) = json.loads(raw)["weeks"][-1]["people"]
    assert [(k["metric"], k["actual"], k["target"], k["crm"]) for k in bruno["kpis"]] == \
        [("revenue", 41000, 40000, None), ("new_customers", 3, 0, 3)]


async def test_a_key_corrected_in_the_org_file_keeps_the_crms_figures_of_earlier_weeks(
        bot, chat, clock, tmp_path, settings, monkeypatch):
    """The CRM booked Alice 45,000 in 2026-W47, where she had typed 52,000; her key is
    then corrected from alice to amartin (same Slack id: the same person). Her W47 still
    counts the CRM's 45,000 in her quarter, the org's and `/summary amartin`, as before
    the edit: the rename had left the CRM's rows under the old key, and her history read
    the 52,000 she typed instead."""
    friday = clock.now()  # 2026-W48
    clock.set(friday - timedelta(weeks=1))
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ALICE_ANSWERS)
    export = tmp_path / "crm.csv"
    export.write_text("person,metric,week,value\nalice,revenue,2026-W47,45000\n",
                      encoding="utf-8")
    assert run_cli(settings, "import-actuals", str(export))[0] == 0

    def corrected(data: dict[str, Any]) -> None:
        person(data, "alice")["key"] = "amartin"
        person(data, "sam")["manager"] = "amartin"
    renamed = edited_org(tmp_path, "renamed.yaml", corrected)
    clock.set(friday - timedelta(days=2))
    reload(bot, renamed)
    clock.set(friday)
    await bot.run_checkins(["amartin"])
    await answer_all(bot, "amartin", ALICE_ANSWERS)
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    # 45,000 (the CRM's, W47) + 52,000 (W48) of 100,000.
    assert "Quarter to date (2026-Q4): Revenue 97,000 / 100,000 USD (97%)" in text
    assert "· quarter Revenue 97%, New customers 75% ·" in block(text, "Alice Martin · team East")
    await say(bot, "grace", "/summary amartin 2026-W47 last 1w")
    assert "Revenue 45,000 / 50,000 USD (90%) [CRM" in chat.last("grace")
    # The same export imported again is the same rows, not new ones counted twice.
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    cli = replace(settings, org_file=renamed)
    again = tmp_path / "crm again.csv"
    again.write_text("person,metric,week,value\namartin,revenue,2026-W47,45000\n",
                     encoding="utf-8")
    code, out = run_cli(cli, "import-actuals", str(again))
    assert code == 0
    assert out == "crm again.csv: the same content as crm.csv, already imported; nothing " \
        "changed\n"

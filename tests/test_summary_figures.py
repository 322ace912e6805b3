"""Figures of the GM's /summary attacked the way they could mislead: each test builds the
week through the chat and reads what the GM reads."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import yaml

from bot.app import prepare
from tests.support import TEST_ORG, csv_records, run_cli, say
from tests.test_checkin import ALICE_ANSWERS, answer_all
from tests.test_summary_gm import alice, attention, blocks, run_cli_json, weeks_of_checkins
from tests.test_summary_output import markdown_blocks
from tests.test_summary_truth import BRUNO_ANSWERS, LI_ANSWERS, org_file


async def test_falling_attainment_names_what_it_fell_from(bot, chat, clock):
    # Revenue 191% → 21% → 41%, new customers 75% each week: 133% → 48% → 58%. This week
    # rose from last week's, but fell against the weeks before on average (90.5%, which
    # reads 91% as a spreadsheet rounds it, not 90%): the attention line must not read
    # 'now 58%, 48% the week before' (a rise called a fall).
    await weeks_of_checkins(bot, clock, [alice("95500"), alice("10500"), alice("20500")])
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "trend ↓ (— → 133% → 48% → 58%)" in blocks(text)["Alice Martin · team East"]
    assert ("Alice Martin: attainment falling (now 58%, against 91% on average over the "
            "2 weeks before)") in attention(text)
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/summary")
    assert "Alice Martin：达成率下滑（本周 58%，此前 2 周平均 91%）" in chat.last("grace")
    # Read on Tuesday (last week shown, this week's prompts not out yet): not 'now'.
    clock.advance(timedelta(days=4))
    await say(bot, "grace", "/summary")
    assert "Alice Martin：达成率下滑（2026-W48 58%，此前 2 周平均 91%）" in chat.last("grace")
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "en"
    await say(bot, "grace", "/summary")
    assert ("Alice Martin: attainment falling (58% in 2026-W48, against 91% on average over "
            "the 2 weeks before)") in attention(chat.last("grace"))


async def test_a_director_removed_keeps_what_they_sold_in_the_orgs_month_and_quarter(
        bot, chat, clock, settings, tmp_path):
    # W46 all three answer: the GM reads 159,000 month to date. Bruno then leaves the org
    # file; by W48 the month must still hold his 41,000 (and his 40,000 target).
    friday = clock.now()
    clock.set(friday - timedelta(weeks=2))
    await bot.run_checkins()
    for key, answers in (("alice", ALICE_ANSWERS), ("bruno", BRUNO_ANSWERS),
                         ("li", LI_ANSWERS)):
        await answer_all(bot, key, answers)
    await say(bot, "grace", "/summary")
    assert "Month to date (2026-11): Revenue 159,000 / 150,000 USD (106%)" in chat.last("grace")
    clock.set(friday - timedelta(weeks=1))
    later, engine = prepare(replace(settings, org_file=org_file(tmp_path, without="bruno")),
                            clock)
    later.register(chat)
    try:
        for moment in (friday - timedelta(weeks=1), friday):
            clock.set(moment)
            await later.run_checkins()
            await answer_all(later, "alice", ALICE_ANSWERS)
        await say(later, "grace", "/summary")
        text = chat.last("grace")
        # 159,000 + 52,000 + 52,000 against 150,000 + 110,000 + 110,000 (李雷 missed two).
        assert "Month to date (2026-11): Revenue 263,000 / 370,000 USD (71%)" in text
        assert "Quarter to date (2026-Q4): Revenue 263,000 / 370,000 USD (71%)" in text
        assert "Bruno" not in text  # no block: he was not asked these weeks
        data = json.loads(run_cli_json(later, clock))
        month = next(f for f in data["headline"]["month_to_date"] if f["metric"] == "revenue")
        assert (month["actual"], month["target"]) == (263000.0, 370000.0)
    finally:
        engine.dispose()


def org_with_units(tmp_path: Path, units: dict[str, str]) -> Path:
    """The test org with some directors' revenue in another currency."""
    data = yaml.safe_load(TEST_ORG.read_text(encoding="utf-8"))
    for person in data["people"]:
        for kpi in person.get("kpis", []):
            if person["key"] in units and kpi["metric"] == "revenue":
                kpi["unit"] = units[person["key"]]
    path = tmp_path / "org.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


async def test_revenue_in_two_currencies_is_never_added_up_or_left_unnamed(
        chat, clock, settings, tmp_path, monkeypatch):
    # Bruno sells in EUR, the others in USD: the headline keeps them apart and says which
    # is which, in the month and quarter too; the CSV's columns say the currency.
    bot, engine = prepare(replace(settings, org_file=org_with_units(tmp_path, {"bruno": "EUR"})),
                          clock)
    bot.register(chat)
    try:
        await bot.run_checkins()
        for key, answers in (("alice", ALICE_ANSWERS), ("bruno", BRUNO_ANSWERS),
                             ("li", LI_ANSWERS)):
            await answer_all(bot, key, answers)
        await say(bot, "grace", "/summary")
        text = chat.last("grace")
        # (41,000 of 40,000 is 102.5%: 103%, a half rounded up as a spreadsheet does.)
        assert "Team · Revenue 118,000 / 110,000 USD (107%), 2 of 2 reporting" in text
        assert "Team · Revenue 41,000 / 40,000 EUR (103%), 1 of 1 reporting" in text
        assert ("Month to date (2026-11): Revenue 118,000 / 110,000 USD (107%) · "
                "New customers 3 / 4 customers (75%) · Revenue 41,000 / 40,000 EUR (103%)"
                ) in text
        assert "Quarter to date (2026-Q4): Revenue 118,000 / 110,000 USD (107%)" in text
        with bot.unit() as ctx:
            ctx.people.by_key("grace").locale = "zh-CN"
        await say(bot, "grace", "/summary")
        assert "营收 41,000 / 40,000 EUR（103%）" in chat.last("grace").split("本月累计")[1]
        monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
        code, raw = run_cli(bot.settings, "summary", "--format", "csv")
        assert code == 0
        rows = csv_records(raw)
        header = raw.splitlines()[0].split(",")
        assert len(header) == len(set(header))  # no two columns of one name
        by_key = {r["director"]: r for r in rows}
        assert by_key["alice"]["revenue_USD_week_actual"] == "52000"
        assert by_key["bruno"]["revenue_EUR_week_actual"] == "41000"
        assert by_key["bruno"]["revenue_USD_week_actual"] == ""
        assert by_key["alice"]["new_customers_week_actual"] == "3"  # one unit: as before
    finally:
        engine.dispose()


async def test_a_past_week_shows_a_director_with_the_team_they_led_then(
        bot, chat, clock, settings, tmp_path):
    # Alice led East in W48 and moved to China after it: the GM rereading W48 sees her
    # block as East's, not under the team she joined later.
    await bot.run_checkins()
    await answer_all(bot, "alice", ALICE_ANSWERS)
    await say(bot, "grace", "/summary")
    assert "Alice Martin · team East" in blocks(chat.last("grace"))
    clock.advance(timedelta(days=7))
    later, engine = prepare(replace(settings, org_file=org_file(
        tmp_path, teams={"alice": "China"})), clock)
    later.register(chat)
    try:
        await later.run_checkins()
        await say(later, "grace", "/summary 2026-W48")
        text = chat.last("grace")
        assert "Alice Martin · team China" not in text
        assert "✅ Alice Martin — checked in" in blocks(text)["Alice Martin · team East"]
        data = json.loads(run_cli_json(later, clock, "--week", "2026-W48"))
        assert next(d for d in data["directors"] if d["key"] == "alice")["team"] == "East"
        await say(later, "grace", "/summary")  # this week she leads China
        assert "Alice Martin · team China" in chat.last("grace")
    finally:
        engine.dispose()


async def test_a_team_and_a_persons_summary_count_the_crm_as_the_gm_view_does(
        bot, chat, clock, settings, tmp_path, monkeypatch):
    # Alice typed 52,000; the CRM says 0 for the week (her deal fell through). The GM's view
    # counts the CRM; '/summary team East' and '/summary alice' read 52,000 (104%) for the
    # same week: one week, two answers.
    await bot.run_checkins()
    await answer_all(bot, "alice", ALICE_ANSWERS)
    export = tmp_path / "weekly.csv"
    export.write_text("person,metric,week,value\nalice,revenue,2026-W48,0\n", encoding="utf-8")
    assert run_cli(settings, "import-actuals", str(export))[0] == 0
    await say(bot, "grace", "/summary")
    assert "Revenue 0 / 50,000 USD (0%) [CRM; reported 52,000 ⚠ differs]" in chat.last("grace")
    await say(bot, "grace", "/summary team East")
    text = chat.last("grace")
    assert "Team · Revenue 0 / 50,000 USD (0%), 1 of 1 reporting" in text
    assert "• Alice Martin: Revenue 0 / 50,000 USD (0%) [CRM] · New customers 3 / 4" in text
    await say(bot, "grace", "/summary alice last 1w")
    history = chat.last("grace").split("· last 1 week", 1)[1]
    assert "Revenue 0 / 50,000 USD (0%) [CRM]" in history and "52,000" not in history
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/summary team East")
    assert "营收 0 / 50,000 USD（0%） [CRM]" in chat.last("grace")
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    code, raw = run_cli(settings, "summary", "--format", "json", "--team", "East")
    assert code == 0
    (alice_week,) = json.loads(raw)["weeks"][-1]["people"]
    revenue = next(k for k in alice_week["kpis"] if k["metric"] == "revenue")
    assert (revenue["actual"], revenue["crm"]) == (0.0, 0.0)


async def test_a_blocker_that_came_back_is_not_called_weeks_running(bot, chat, clock):
    # W46 and W48 the same blocker, W47 another: two of the last four weeks, not 'running'.
    await weeks_of_checkins(bot, clock, [alice("50000", "Pricing approval is stuck"),
                                         alice("50000", "Travel"),
                                         alice("50000", "pricing approval still stuck!")])
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "Alice Martin: the same blocker in 2 of the last 4 weeks" in attention(text)
    assert "weeks running" not in text
    assert ("Execution: blockers: pricing approval still stuck! (recurring: 2 of the last 4 weeks)"
            in blocks(text)["Alice Martin · team East"])
    # Last week's plan beside this week's wins: the GM judges the follow-through.
    assert "last week's plan: Visit 5 → this week's wins: Closed Acme" in text
    await say(bot, "grace", "/summary last 6w")  # the weeks looked at are those shown
    assert "Alice Martin: the same blocker in 2 of the last 6 weeks" in chat.last("grace")
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "Alice Martin：同一障碍在最近 4 周中出现 2 周" in text
    assert "（反复出现：最近 4 周中 2 周）" in text and "连续" not in text


async def test_a_missing_check_in_names_its_week_when_it_is_not_this_week(bot, chat, clock):
    # Tuesday: this week's prompts have not gone out, so /summary shows last week; Bruno
    # missed last week's, not this week's (nobody has been asked this week yet).
    await bot.run_checkins()
    await answer_all(bot, "alice", ALICE_ANSWERS)
    await answer_all(bot, "li", LI_ANSWERS)
    await say(bot, "grace", "/summary")
    assert "Bruno Rossi: not checked in this week" in attention(chat.last("grace"))
    clock.advance(timedelta(days=4))  # Tuesday 2026-12-01
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "2026-W48 (2026-11-23 – 2026-11-29)" in text
    assert "Bruno Rossi: not checked in (2026-W48)" in attention(text)
    assert "this week" not in "\n".join(attention(text))
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "Bruno Rossi：2026-W48 未签到" in text and "本周未签到" not in text


async def test_a_half_percent_rounds_up_as_a_spreadsheet_shows_it(bot, chat, clock):
    # 28,750 of a 50,000 week is 57.5%: the GM's spreadsheet shows 58%. Python's round()
    # read 57% (0.575 is a float a hair under, and a half goes to the even number).
    await weeks_of_checkins(bot, clock, [alice("28750")])
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "Revenue 28,750 / 50,000 USD (58%)" in blocks(text)["Alice Martin · team East"]
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/summary")
    assert "28,750 / 50,000 USD（58%）" in chat.last("grace")
    # The JSON keeps the ratio itself, not the rounded percentage.
    data = json.loads(run_cli_json(bot, clock))
    alice_row = next(d for d in data["directors"] if d["key"] == "alice")
    revenue = next(f for f in alice_row["goals"]["week"] if f["metric"] == "revenue")
    assert revenue["attainment"] == 0.575


def test_the_exports_ratios_keep_four_places_and_are_empty_without_a_figure_or_target():
    # What `teampulse summary --format json` prints for a KPI and a director's series,
    # morale and stress: four decimal places, null where there is nothing to divide.
    from handlers.summary_gm import DirectorView, Figure

    def attainment(actual: float | None, target: float) -> float | None:
        return Figure("revenue", "Revenue", "USD", target, actual).as_dict()["attainment"]

    assert attainment(52345.0, 60000.0) == 0.8724
    assert attainment(28750.0, 50000.0) == 0.575
    assert attainment(None, 60000.0) is None
    assert attainment(100.0, 0.0) is None
    view = DirectorView("alice", "Alice Martin", "East", "submitted",
                        series=[None, 2 / 3, 0.123456], morale=11 / 3, stress=None)
    data = view.as_dict()
    assert data["goals"]["series"] == [None, 0.6667, 0.1235]
    assert (data["team_management"]["morale"], data["team_management"]["stress"]) == \
        (3.6667, None)


async def test_sums_of_cents_export_as_typed_and_whole_sums_stay_whole(bot, chat, clock):
    # 1,000.10 + 1,000.20 + 1,000.30 is 3000.6000000000004 in binary floating point: the
    # operator's export must read 3000.6, and a whole sum (new customers) stay a whole
    # number, in the director's and the org's month and quarter to date alike.
    await weeks_of_checkins(bot, clock, [alice("1000.10"), alice("1000.20"), alice("1000.30")])
    data = json.loads(run_cli_json(bot, clock, "--weeks", "3"))
    mine = next(d for d in data["directors"] if d["key"] == "alice")["goals"]
    for figures in (mine["month_to_date"], mine["quarter_to_date"]):
        revenue = next(f for f in figures if f["metric"] == "revenue")
        assert (revenue["actual"], revenue["reported"]) == (3000.6, 3)
        customers = next(f for f in figures if f["metric"] == "new_customers")
        assert customers["actual"] == float(int(customers["actual"]))
    org = next(f for f in data["headline"]["quarter_to_date"] if f["metric"] == "revenue")
    assert repr(org["actual"]).count("0000") == 0  # no binary tail on the org's sum either
    assert org["target"] == float(int(org["target"]))


async def test_a_falling_attainment_is_rounded_once_as_shown(bot, chat, clock):
    # This week 19,997.5 of 50,000 revenue and 3 of 4 customers: (39.995% + 75%) / 2 =
    # 57.4975%, which reads 57%. Rounded to 4 places first (0.575), it read 58%.
    await weeks_of_checkins(bot, clock, [alice("95500"), alice("10500"), alice("19997.5")])
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "trend ↓ (— → 133% → 48% → 57%)" in blocks(text)["Alice Martin · team East"]
    assert ("Alice Martin: attainment falling (now 57%, against 91% on average over the "
            "2 weeks before)") in attention(text), text
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/summary")
    assert "Alice Martin：达成率下滑（本周 57%，此前 2 周平均 91%）" in chat.last("grace")
    # JSON keeps the figure to 4 places, as before.
    data = json.loads(run_cli_json(bot, clock))
    [falling] = [a for a in data["attention"] if a["kind"] == "falling"]
    assert falling["detail"] == {"now": 0.575, "before": 0.905, "weeks": 2}


async def test_a_target_missed_by_a_hair_never_reads_100_percent(bot, chat, clock):
    """49,999 of a 50,000 USD target read '(100%)' to the GM, as a met target does; the
    Chinese view of 59,995 of 60,000 too. Met exactly, it reads 100%. The export keeps
    four places, short of one as the chat is (0.99998 is 0.9999 there, not the 1.0 a sheet
    reads as met), and the chat's percentages are made from the exact ratio, never from
    that rounded figure: the org's 149,994 of 150,000 reads 99%."""
    await bot.run_checkins(["alice", "li", "bruno"])
    await say(bot, "alice", "49999")
    await say(bot, "li", "59,995")
    await say(bot, "bruno", "40000")
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "Goals: Revenue 49,999 / 50,000 USD (99%)" in text
    assert "month Revenue 99%" in text
    assert "Goals: Revenue 59,995 / 60,000 USD (99%) · month 99% · quarter 99%" in text
    assert "Goals: Revenue 40,000 / 40,000 USD (100%)" in text
    assert "Revenue 149,994 / 150,000 USD (99%)" in text
    assert "Month to date (2026-11): Revenue 149,994 / 150,000 USD (99%)" in text
    data = json.loads(run_cli_json(bot, clock))
    alice_row = next(d for d in data["directors"] if d["key"] == "alice")
    revenue = next(f for f in alice_row["goals"]["week"] if f["metric"] == "revenue")
    assert revenue["attainment"] == 0.9999
    assert set(revenue) == {"metric", "label", "unit", "target", "actual", "attainment",
                            "reported", "expected", "crm", "self_reported", "crm_differs"}
    await say(bot, "li", "/summary")
    assert "• 李雷：营收 59,995 / 60,000 USD（99%）" in chat.last("li")


async def test_an_attainment_in_the_thousands_of_percent_is_grouped(bot, chat):
    """A target set far too low (or a figure confirmed far above it) read '(500000%)',
    the one figure of the summary without its thousands separator."""
    await bot.run_checkins(["alice"])
    await say(bot, "alice", "250,000,000")
    await say(bot, "alice", "yes")  # confirmed: more than 20 times the target
    await say(bot, "grace", "/summary")
    assert "Goals: Revenue 250,000,000 / 50,000 USD (500,000%)" in chat.last("grace")


async def test_a_figure_booked_never_reads_0_percent_nor_a_miss_100(bot, chat, clock, settings,
                                                                     monkeypatch):
    """Alice's 40 of a 50,000 USD target (0.08%) read '(0%)', as Bruno's nothing does; 李雷's
    59,760 of 60,000 (99.6%) must not read '(100%)', as a met target does. In chat, in
    Chinese, in the directors' own views and in the CLI's Markdown alike."""
    await bot.run_checkins(["alice", "li", "bruno"])
    await say(bot, "alice", "40")
    await say(bot, "alice", "yes")  # confirmed: less than a hundredth of her target
    await say(bot, "bruno", "0")
    await say(bot, "li", "59,760")
    await say(bot, "grace", "/summary")
    director = blocks(chat.last("grace"))
    assert "Goals: Revenue 40 / 50,000 USD (<1%) · New customers — / 4 customers · " \
        "month Revenue <1%, New customers — · quarter Revenue <1%" \
        in director["Alice Martin · team East"]
    assert "Goals: Revenue 0 / 40,000 USD (0%) · month 0% · quarter 0%" \
        in director["Bruno Rossi · team Europe"]
    assert "Goals: Revenue 59,760 / 60,000 USD (99%) · month 99% · quarter 99%" \
        in director["李雷 · team China"]
    await say(bot, "grace", "/summary alice")
    assert "  Revenue 40 / 50,000 USD (<1%)\n" in chat.last("grace")
    await say(bot, "alice", "/summary")  # her team's view
    assert "• Alice Martin: Revenue 40 / 50,000 USD (<1%)" in chat.last("alice")
    await say(bot, "li", "/summary")
    assert "• 李雷：营收 59,760 / 60,000 USD（99%）" in chat.last("li")
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "目标：营收 40 / 50,000 USD（<1%） · 新客户 — / 4 customers · 本月 营收 <1%" in text
    assert "目标：营收 0 / 40,000 USD（0%） · 本月 0% · 本季度 0%" in text
    assert "目标：营收 59,760 / 60,000 USD（99%） · 本月 99% · 本季度 99%" in text
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    code, md = run_cli(settings, "summary", "--format", "md")
    assert code == 0
    items = [text for kind, text in markdown_blocks(md) if kind == "li"]
    assert any(i.startswith("Goals: Revenue 40 / 50,000 USD (<1%) ·") for i in items), items
    assert "Goals: Revenue 0 / 40,000 USD (0%) · month 0% · quarter 0%" in items
    assert "Goals: Revenue 59,760 / 60,000 USD (99%) · month 99% · quarter 99%" in items
    # The JSON keeps the ratios themselves.
    data = json.loads(run_cli_json(bot, clock))
    alice_week = next(d for d in data["directors"] if d["key"] == "alice")["goals"]["week"]
    assert [f["attainment"] for f in alice_week if f["metric"] == "revenue"] == [0.0008]


async def test_a_move_of_exactly_five_points_reads_steady(bot, chat, clock):
    """Bruno sold 32,000 of his 40,000 three weeks running (80%), then 30,000 (75%): five
    points down, which the README reads → ('↑/↓ when it moved more than 5 points'). The
    computer's 0.8 - 0.05 is a hair above 0.75, so the GM read ↓ and 'attainment falling'
    for it. 李雷, 80% three weeks then 74% (44,400 of 60,000), did fall more than five."""
    friday = clock.now()
    for n, (bruno, li) in enumerate([("32000", "48000")] * 3 + [("30000", "44400")]):
        clock.set(friday - timedelta(weeks=3 - n))
        await bot.run_checkins()
        await answer_all(bot, "bruno", [bruno, *BRUNO_ANSWERS[1:]])
        await answer_all(bot, "li", [li, *LI_ANSWERS[1:]])
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "trend → (80% → 80% → 80% → 75%)" in blocks(text)["Bruno Rossi · team Europe"]
    assert "trend ↓ (80% → 80% → 80% → 74%)" in blocks(text)["李雷 · team China"]
    assert [line for line in attention(text) if "falling" in line] == [
        "李雷: attainment falling (now 74%, against 80% on average over the 3 weeks before)"]
    data = json.loads(run_cli_json(bot, clock))
    trends = {d["key"]: d["goals"]["trend"] for d in data["directors"]}
    assert (trends["bruno"], trends["li"]) == ("flat", "down")
    assert [a["director"] for a in data["attention"] if a["kind"] == "falling"] == ["li"]

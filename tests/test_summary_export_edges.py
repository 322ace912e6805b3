"""The GM's exports read a target met or missed as the chat does: a figure a cent short of
its target is short of it in the JSON and the CSV too (the chat's 99%, never 1 = 100%),
and a figure above nothing is above it (the chat's <1%, never 0)."""

from __future__ import annotations

import json

from tests.support import csv_records, run_cli, say
from tests.test_checkin import ALICE_ANSWERS, answer_all
from tests.test_summary_truth import LI_ANSWERS


async def _short_and_tiny(bot, chat) -> None:
    """Alice sells 49,999.99 of her 50,000 (and 4 of 4 new customers); 李雷 0.60 of his
    60,000 (confirmed)."""
    await bot.run_checkins()
    await answer_all(bot, "alice", ["49999.99", "4", *ALICE_ANSWERS[2:]])
    await answer_all(bot, "li", ["0.6", "yes", *LI_ANSWERS[1:]])
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "Goals: Revenue 49,999.99 / 50,000 USD (99%)" in text
    assert "Goals: Revenue 0.6 / 60,000 USD (<1%)" in text


async def test_a_cent_short_of_target_is_short_of_it_in_the_gms_json_and_csv(
        bot, chat, clock, settings):
    await _short_and_tiny(bot, chat)
    code, raw = run_cli(settings, "summary", "--format", "json")
    assert code == 0
    directors = {d["key"]: d for d in json.loads(raw)["directors"]}
    alice = next(f for f in directors["alice"]["goals"]["week"] if f["metric"] == "revenue")
    assert 0.99 < alice["attainment"] < 1
    li = next(f for f in directors["li"]["goals"]["week"] if f["metric"] == "revenue")
    assert 0 < li["attainment"] < 0.01
    # The trend's point of the week is Alice's mean over her KPIs: 4 of 4 new customers
    # and a cent short on revenue is short of 100% too.
    assert 0.99 < directors["alice"]["goals"]["series"][-1] < 1

    code, raw = run_cli(settings, "summary", "--format", "csv")
    assert code == 0
    rows = {r["director"]: r for r in csv_records(raw) if r["row"] == "director"}
    assert 0.99 < float(rows["alice"]["revenue_week_attainment"]) < 1
    assert 0 < float(rows["li"]["revenue_week_attainment"]) < 0.01


async def test_a_cent_short_of_target_is_short_of_it_in_a_teams_csv(bot, chat, clock,
                                                                     settings):
    await _short_and_tiny(bot, chat)
    code, raw = run_cli(settings, "summary", "--team", "East", "--format", "csv")
    assert code == 0
    (alice,) = [r for r in csv_records(raw) if r["person"] == "alice"]
    assert 0.99 < float(alice["revenue_attainment"]) < 1
    code, raw = run_cli(settings, "summary", "--person", "li", "--weeks", "1",
                        "--format", "csv")
    assert code == 0
    (li,) = csv_records(raw)
    assert 0 < float(li["revenue_attainment"]) < 0.01


async def test_a_cent_short_of_target_reads_short_in_chinese_too(bot, chat, clock):
    await _short_and_tiny(bot, chat)
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "目标：营收 49,999.99 / 50,000 USD（99%）" in text
    assert "营收 0.6 / 60,000 USD（<1%）" in text


async def test_a_teams_csv_keeps_an_attainment_to_four_places_as_the_gms_does(
        bot, chat, clock, settings):
    """Alice sells 51,667 of 50,000 and 李雷 7,200,000 of 60,000 (confirmed): the GM's CSV
    reads 1.0333 and 120; a team's and a person's CSV read 1.033 (four digits, not four
    places) and 1.2e+02, which a sheet reads as 120 but a script as no plain number."""
    await bot.run_checkins()
    await answer_all(bot, "alice", ["51667", "4", *ALICE_ANSWERS[2:]])
    await answer_all(bot, "li", ["7200000", "yes", *LI_ANSWERS[1:]])
    code, raw = run_cli(settings, "summary", "--format", "csv")
    assert code == 0
    rows = {r["director"]: r for r in csv_records(raw) if r["row"] == "director"}
    assert (rows["alice"]["revenue_week_attainment"],
            rows["li"]["revenue_week_attainment"]) == ("1.0333", "120")
    code, raw = run_cli(settings, "summary", "--team", "East", "--format", "csv")
    assert code == 0
    (alice,) = [r for r in csv_records(raw) if r["person"] == "alice"]
    assert alice["revenue_attainment"] == "1.0333"
    code, raw = run_cli(settings, "summary", "--person", "li", "--weeks", "1",
                        "--format", "csv")
    assert code == 0
    (li,) = csv_records(raw)
    assert li["revenue_attainment"] == "120"

"""What the GM must be able to trust in /summary: totals against the whole target, who has
not reported, which week is shown, and history that never changes after the fact."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from bot.app import prepare
from tests.support import TEST_ORG, RecordingAdapter, say
from tests.test_checkin import ALICE_ANSWERS, answer_all
from tests.test_summary import run_cli

LI_ANSWERS = ["66000", "新签两家客户", "渠道冲突", "5", "需要市场部支持", "拜访三家", "4"]
BRUNO_ANSWERS = ["41000", "Signed Rome", "none", "1", "Keep going", "3"]


def org_file(tmp_path: Path, *, without: str = "", targets: dict[str, float] | None = None,
             teams: dict[str, str] | None = None) -> Path:
    """The test org with someone removed, or KPI targets / teams changed."""
    data = yaml.safe_load(TEST_ORG.read_text(encoding="utf-8"))
    data["people"] = [p for p in data["people"] if p["key"] != without]
    for person in data["people"]:
        for kpi in person.get("kpis", []):
            if targets and person["key"] in targets and kpi["metric"] == "revenue":
                kpi["weekly_target"] = targets[person["key"]]
        if teams and person["key"] in teams:
            person["team"] = teams[person["key"]]
    path = tmp_path / "org.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


# --- 4. team totals against the whole team's target ----------------------------------------

async def test_one_of_three_directors_answered_total_is_against_the_whole_target(bot, chat):
    await bot.run_checkins()
    await answer_all(bot, "li", LI_ANSWERS)
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "Check-ins: 1 of 3" in text
    assert ("Team · Revenue 66,000 / 150,000 USD (44%), 1 of 3 reporting · "
            "not reported: Alice Martin, Bruno Rossi") in text
    assert ("Team · New customers: no numbers yet (target 4 customers) · "
            "not reported: Alice Martin") in text


async def test_team_total_in_json_names_who_has_not_reported(bot, chat, clock, settings,
                                                              monkeypatch):
    await bot.run_checkins()
    await answer_all(bot, "li", LI_ANSWERS)
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    code, raw = run_cli(settings, "summary", "--format", "json")
    assert code == 0
    week = json.loads(raw)["weeks"][0]
    revenue = next(k for k in week["team_kpis"] if k["metric"] == "revenue")
    assert (revenue["target"], revenue["actual"], revenue["reported"], revenue["expected"]) == \
        (150000.0, 66000.0, 1, 3)
    assert revenue["attainment"] == pytest.approx(0.44)
    assert revenue["not_reported"] == ["alice", "bruno"]
    assert week["not_checked_in"] == ["alice", "bruno"]


async def test_people_away_are_left_out_of_the_target_and_named(bot, chat):
    await say(bot, "bruno", "/away 2026-12-20")
    await bot.run_checkins()
    await answer_all(bot, "li", LI_ANSWERS)
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "Team · Revenue 66,000 / 110,000 USD (60%), 1 of 2 reporting · " \
           "not reported: Alice Martin" in text
    assert "Away, not in the targets: Bruno Rossi" in text
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "团队 · 营收 66,000 / 110,000 USD（60%），1/2 人已填报 · 未填报：Alice Martin" in text
    assert "外出，不计入目标：Bruno Rossi" in text


async def test_someone_not_prompted_that_week_is_not_counted_as_missing(bot, chat):
    # Bruno joined after this week's round went out: nobody asked him.
    await bot.run_checkins(["alice", "li"])
    await answer_all(bot, "li", LI_ANSWERS)
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "Check-ins: 1 of 2" in text
    assert "▫️ Bruno Rossi — no check-in sent" in text
    assert "Team · Revenue 66,000 / 110,000 USD (60%), 1 of 2 reporting" in text
    assert "No check-in sent, not in the targets: Bruno Rossi" in text


async def test_someone_the_check_in_could_not_reach_is_named(bot):
    await bot.run_checkins()  # no platform is running: nobody can be reached
    chat = RecordingAdapter()
    bot.register(chat)
    await say(bot, "grace", "/summary 2026-W48")
    text = chat.last("grace")
    assert "Check-ins: 0 of 3" in text
    assert "⚠️ Alice Martin — not reached: the check-in could not be delivered" in text
    assert "not reported: Alice Martin, Bruno Rossi, 李雷" in text


async def test_a_target_changed_after_the_week_does_not_change_that_week(
        bot, chat, clock, settings, tmp_path):
    await bot.run_checkins()
    await answer_all(bot, "alice", ALICE_ANSWERS)
    clock.advance(timedelta(days=7))
    later, engine = prepare(replace(settings, org_file=org_file(
        tmp_path, targets={"alice": 80000})), clock)
    later.register(chat)
    try:
        await say(later, "grace", "/summary 2026-W48")
        text = chat.last("grace")
        assert "Alice Martin: Revenue 52,000 / 50,000 USD (104%)" in text
        assert "Team · Revenue 52,000 / 150,000 USD (35%), 1 of 3 reporting" in text
    finally:
        engine.dispose()


# --- 8. checked in means answered -----------------------------------------------------------

async def test_a_round_with_every_question_skipped_is_not_a_check_in(bot, chat):
    await bot.run_checkins()
    await answer_all(bot, "alice", ["/skip"] * 8)
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "Check-ins: 0 of 3" in text
    assert "❌ Alice Martin — not checked in: skipped every question" in text


async def test_skipped_questions_are_not_counted_as_answered(bot, chat):
    await bot.run_checkins()
    await answer_all(bot, "alice", ["52000", "/skip", "Closed Acme", "/skip", "2",
                                    "Travel budget", "Visit 5", "/skip"])
    await answer_all(bot, "li", ["66000", "/skip"])
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "✅ Alice Martin — checked in (5 of 8 answered, 3 skipped)" in text
    assert "⏳ 李雷 — in progress (1 of 7 answered, 1 skipped)" in text
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/summary")
    assert "Alice Martin — 已签到（已答 5/8，跳过 3）" in chat.last("grace")

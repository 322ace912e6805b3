"""What the GM must be able to trust in /summary: totals against the whole target, who has
not reported, which week is shown, and history that never changes after the fact."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from bot.app import prepare
from storage.migrate import upgrade
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
    data = json.loads(raw)
    revenue = next(k for k in data["headline"]["week"] if k["metric"] == "revenue")
    assert (revenue["target"], revenue["actual"], revenue["reported"], revenue["expected"]) == \
        (150000.0, 66000.0, 1, 3)
    assert revenue["attainment"] == pytest.approx(0.44)
    # The GM's view names people (the check-in detail of `--team` keeps their keys).
    assert revenue["not_reported"] == ["Alice Martin", "Bruno Rossi"]
    assert data["weeks"][0]["missing"] == ["Alice Martin", "Bruno Rossi"]



async def test_totals_with_cents_read_as_the_figures_add_up(bot, chat, clock, settings,
                                                             tmp_path, monkeypatch):
    """Two directors sell 52,000.10 and 66,000.20: the GM's export and a team's read
    118,000.30, not the 118000.29999999999 floating-point addition leaves behind."""
    later, engine = prepare(replace(settings, org_file=org_file(
        tmp_path, teams={"li": "East"})), clock)
    later.register(chat)
    try:
        await later.run_checkins()
        await answer_all(later, "alice", ["52000.10", *ALICE_ANSWERS[1:]])
        await answer_all(later, "li", ["66000.20", *LI_ANSWERS[1:]])
        monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
        gm_settings = replace(settings, org_file=tmp_path / "org.yaml")
        code, raw = run_cli(gm_settings, "summary", "--format", "json")
        assert code == 0
        revenue = next(k for k in json.loads(raw)["headline"]["week"]
                       if k["metric"] == "revenue")
        assert revenue["actual"] == 118000.3
        code, raw = run_cli(gm_settings, "summary", "--team", "East", "--format", "json")
        assert code == 0
        (week,) = json.loads(raw)["weeks"]
        revenue = next(k for k in week["team_kpis"] if k["metric"] == "revenue")
        assert revenue["actual"] == 118000.3
    finally:
        engine.dispose()


async def test_people_away_are_left_out_of_the_target_and_named(bot, chat, clock):
    friday = clock.now()
    clock.set(friday - timedelta(days=2))  # on Wednesday, ahead of Friday's check-in
    await say(bot, "bruno", "/away 2026-12-20")
    clock.set(friday)
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


async def test_a_check_in_started_before_the_prompt_reads_in_progress_not_unreached(
        bot, chat, clock):
    clock.advance(-timedelta(days=1))  # Thursday: Alice starts on her own, before the prompt
    await say(bot, "alice", "/checkin")
    await say(bot, "alice", "52000")
    clock.advance(timedelta(days=1))
    run = await bot.run_checkins()
    assert run.results["alice"] == "already-prompted"  # she is not asked a second time
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "⏳ Alice Martin — in progress (1 of 8 answered)" in text
    assert "not reached" not in text


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
        assert "Goals: Revenue 52,000 / 50,000 USD (104%)" in text
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


# --- 7. which week --------------------------------------------------------------------------

async def test_summary_on_a_tuesday_before_the_prompts_shows_last_week(bot, chat, clock):
    await bot.run_checkins()
    await answer_all(bot, "li", LI_ANSWERS)
    clock.advance(timedelta(days=4))  # Tuesday 2026-12-01: this week's prompts not sent yet
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "2026-W48 (2026-11-23 – 2026-11-29)" in text
    assert "Check-ins: 1 of 3" in text
    await say(bot, "grace", "/summary last week")
    assert "2026-W48 (2026-11-23 – 2026-11-29)" in chat.last("grace")
    clock.advance(timedelta(days=3))  # Friday: prompts go out, the default moves on
    await bot.run_checkins()
    await say(bot, "grace", "/summary")
    assert "2026-W49 (2026-11-30 – 2026-12-06)" in chat.last("grace")
    await say(bot, "grace", "/summary last week")
    assert "2026-W48 (2026-11-23 – 2026-11-29)" in chat.last("grace")


async def test_a_week_nobody_was_asked_about_reads_no_check_in_sent(bot, chat):
    await bot.run_checkins()
    for week in ("2026-W40", "2026-W52"):  # before the bot, and in the future
        await say(bot, "grace", f"/summary {week}")
        text = chat.last("grace")
        assert "No check-in was sent for this week." in text
        assert "not checked in" not in text and "❌" not in text
    await say(bot, "grace", "/summary last 3w")
    text = chat.last("grace")
    assert "2026-W46: no check-in sent" in text
    assert "2026-W48: 0 of 3 · missing: Alice Martin, Bruno Rossi, 李雷" in text


async def test_a_persons_history_honours_the_weeks_asked_for(bot, chat):
    await bot.run_checkins()
    await answer_all(bot, "alice", ALICE_ANSWERS)
    await say(bot, "grace", "/summary alice last 1w")
    text = chat.last("grace")
    assert "Alice Martin · team East · last 1 week\n" in text
    assert "2026-W48" in text and "2026-W47" not in text
    await say(bot, "grace", "/summary alice")
    text = chat.last("grace")
    assert "2026-W45 (2026-11-02 – 2026-11-08): no check-in sent" in text


async def test_cli_uses_the_same_default_week(bot, chat, clock, settings, monkeypatch):
    await bot.run_checkins()
    await answer_all(bot, "li", LI_ANSWERS)
    clock.advance(timedelta(days=4))
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    code, raw = run_cli(settings, "summary", "--format", "json")
    assert code == 0 and json.loads(raw)["weeks"][0]["week"] == "2026-W48"
    code, raw = run_cli(settings, "summary", "--format", "json", "--week", "last")
    assert code == 0 and json.loads(raw)["weeks"][0]["week"] == "2026-W48"
    code, raw = run_cli(settings, "summary", "--format", "json", "--person", "li",
                        "--weeks", "1")
    assert [w["week"] for w in json.loads(raw)["weeks"]] == ["2026-W48"]


# --- 6. people removed from the org file keep their history ---------------------------------

async def test_a_director_removed_from_the_org_file_keeps_their_past_weeks(
        bot, chat, clock, settings, tmp_path):
    await bot.run_checkins()
    await answer_all(bot, "bruno", BRUNO_ANSWERS)
    await answer_all(bot, "li", LI_ANSWERS)
    clock.advance(timedelta(days=7))
    later, engine = prepare(replace(settings, org_file=org_file(tmp_path, without="bruno")),
                            clock)
    later.register(chat)
    try:
        await later.run_checkins()
        await say(later, "grace", "/summary 2026-W48")
        text = chat.last("grace")
        assert "Check-ins: 2 of 3" in text
        assert "✅ Bruno Rossi — checked in" in text
        assert "Goals: Revenue 41,000 / 40,000 USD (103%)" in text
        assert "Team · Revenue 107,000 / 150,000 USD (71%), 2 of 3 reporting" in text
        await say(later, "grace", "/summary")  # this week: Bruno is no longer asked
        text = chat.last("grace")
        assert "2026-W49" in text and "Check-ins: 0 of 2" in text and "Bruno" not in text
        await say(later, "grace", "/summary bruno")
        text = chat.last("grace")
        assert "Bruno Rossi · team Europe · last 4 weeks" in text
        assert "2026-W48 (2026-11-23 – 2026-11-29): checked in" in text
        assert "Revenue 41,000 / 40,000 USD (103%)" in text
        assert "Wins: Signed Rome" in text
        await say(later, "grace", "/summary team europe last 2w")
        text = chat.last("grace")
        # (Bruno was Europe's only one: in W49 nobody is on record in it, and it is gone.)
        assert "2026-W48: 1 of 1" in text and "2026-W49: nobody on record in the team" in text
        assert "Europe is no longer in the org file: these are its past weeks." in text
        await say(later, "grace", "/summary last 2w")
        text = chat.last("grace")
        assert "Bruno Rossi · team Europe" in text and "trend (— → — → 103% → —)" in text
    finally:
        engine.dispose()


# --- 9. bad week arguments ------------------------------------------------------------------

@pytest.mark.parametrize(("week", "en", "zh"), [
    ("2026-W00", '"2026-W00" is not a week: the weeks of 2026 run from 2026-W01 to 2026-W53.',
     "“2026-W00”不是有效的周：2026 年的周从 2026-W01 到 2026-W53。"),
    ("9999-W52", '"9999-W52" is out of range: ask for a week from 2000-W01 to 2027-W47',
     "“9999-W52”超出范围：请指定 2000-W01 到 2027-W47 之间的周"),
    ("0001-W01", '"0001-W01" is out of range: ask for a week from 2000-W01 to 2027-W47',
     "“0001-W01”超出范围"),
    ("2026-W7x", '"2026-W7x" is not a week: write it as an ISO week such as 2026-W47',
     "“2026-W7x”不是有效的周：请写成 ISO 周"),
])
async def test_a_bad_week_gets_a_clear_message_in_chat(bot, chat, week, en, zh):
    await say(bot, "grace", f"/summary {week}")
    text = chat.last("grace")
    assert "Traceback" not in text and "don't know anyone" not in text
    assert en in text
    await say(bot, "grace", f"/summary alice {week} last 4w")
    assert en in chat.last("grace")
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", f"/summary {week}")
    assert zh in chat.last("grace")


@pytest.mark.parametrize("typed", ["/summary 2026-W7x", "/summary week yesterday",
                                   "/summary alice week yesterday"])
async def test_a_mistyped_week_in_chat_names_every_form_chat_takes(bot, chat, typed):
    # It said only "or say /summary last week", and `week yesterday` (as the shell's
    # --week is written) was looked for as a person's name.
    await say(bot, "grace", typed)
    value = typed.split()[-1]
    assert chat.last("grace") == (
        f'"{value}" is not a week: write it as an ISO week such as 2026-W47, as W47 (the '
        "latest week 47), as a day in it (2026-11-23), or as last week or this week; e.g. "
        "/summary last week.")
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", typed)
    assert chat.last("grace") == (
        f"“{value}”不是有效的周：请写成 ISO 周（例如 2026-W47）、最近的第几周（W47 或 第47周）、"
        "这一周中的某一天（11月23日 或 2026-11-23），或者上周、本周；例如 /summary 上周。")


async def test_a_week_written_as_the_cli_writes_it_is_read_in_chat(bot, chat):
    await say(bot, "grace", "/summary 2026-W47")
    expected = chat.last("grace")
    for typed in ("/summary week 2026-W47", "/summary week 47", "/summary week W47"):
        await say(bot, "grace", typed)
        assert chat.last("grace") == expected



async def test_the_bare_word_week_is_the_weekly_summary_summary_alone_shows(bot, chat, clock):
    """`/summary week` typed alone is the GM asking for the weekly summary: the week
    `/summary` alone shows (last week until this week's prompts are out, then this one),
    not the usage; in English and in Chinese, and with a page or a person after it."""
    await bot.run_checkins()
    await answer_all(bot, "li", LI_ANSWERS)
    clock.advance(timedelta(days=4))  # Tuesday 2026-12-01: this week's prompts not sent yet
    await say(bot, "grace", "/summary")
    expected = chat.last("grace")
    assert "2026-W48 (2026-11-23 – 2026-11-29)" in expected
    await say(bot, "grace", "/summary week")
    assert chat.last("grace") == expected
    await say(bot, "grace", "/summary alice week")
    alone = chat.last("grace")
    await say(bot, "grace", "/summary alice")
    assert alone == chat.last("grace") and "Alice Martin" in alone
    clock.advance(timedelta(days=3))  # Friday: prompts go out, the week moves on with them
    await bot.run_checkins()
    await say(bot, "grace", "/summary week")
    assert "2026-W49 (2026-11-30 – 2026-12-06)" in chat.last("grace")
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/summary")
    expected = chat.last("grace")
    assert "2026-W49（2026-11-30 – 2026-12-06）" in expected
    for typed in ("/summary week", "/summary 本周"):
        await say(bot, "grace", typed)
        assert chat.last("grace") == expected, typed
    # Genuinely bad input keeps its specific answer.
    await say(bot, "grace", "/summary week yesterday")
    assert chat.last("grace").startswith("“yesterday”不是有效的周")


@pytest.mark.parametrize("week", ["2026-W00", "9999-W52", "0001-W01", "junk"])
async def test_a_bad_week_gets_a_clear_line_from_the_cli(settings, bot, capsys, week):
    code, out = run_cli(settings, "summary", "--week", week)
    assert code == 2 and out == ""
    err = capsys.readouterr().err
    assert err.startswith(f'teampulse: --week: "{week}"')
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    # The example is the option to type here, not the chat command.
    assert "/summary" not in err and ("--week last" in err or week in {"2026-W00", "junk"})


@pytest.mark.parametrize(("locale", "expected"), [
    ("en", 'teampulse: --week: "lst" is not a week: give --week an ISO week such as 2026-W47, '
           "last (the week before the current one) or this (the current week).\n"),
    ("zh-CN", "teampulse: --week: “lst”不是有效的周：--week 可以是 ISO 周（例如 2026-W47）、"
              "last（上一周）或 this（本周）。\n")])
async def test_a_mistyped_week_on_the_cli_names_every_form_help_gives(
        settings, bot, capsys, tmp_path, locale, expected):
    # --help offers an ISO week, last and this: the error names the same three, not only
    # "--week last" (the operator who typed "lst" may have meant "this").
    code, out = run_cli(settings, "summary", "--week", "lst", "--locale", locale)
    assert (code, out) == (2, "")
    assert capsys.readouterr().err == expected
    code, _ = run_cli(settings, "summary", "--chart", "kudos", "--out",
                      str(tmp_path / "k.png"), "--week", "lst", "--locale", locale)
    assert code == 2
    assert capsys.readouterr().err == expected


# --- the same summary in Slack mrkdwn and Telegram HTML, both locales -----------------------

@pytest.mark.parametrize("locale", ["en", "zh-CN"])
async def test_new_summary_lines_are_escaped_for_slack_and_telegram(bot, chat, clock, locale):
    from handlers.summary import parse_request, render_summary, summaries

    friday = clock.now()
    clock.set(friday - timedelta(days=2))  # on Wednesday, ahead of Friday's check-in
    await say(bot, "bruno", "/away 2026-12-20")
    clock.set(friday)
    await bot.run_checkins(["alice", "li"])
    await answer_all(bot, "li", LI_ANSWERS)
    with bot.unit() as ctx:
        ctx.people.by_key("alice").display_name = "Alice <R&D>"
        request = parse_request("")
        weeks = summaries(ctx, request, locale, "America/New_York")
        slack = render_summary(ctx.renderer, locale, "slack", request, weeks, "Test")
        telegram = render_summary(ctx.renderer, locale, "telegram", request, weeks, "Test")
        trend = render_summary(ctx.renderer, locale, "telegram", parse_request("last 2w"),
                               summaries(ctx, parse_request("last 2w"), locale,
                                         "America/New_York"), "Test")
    for text, escaped in ((slack, "Alice &lt;R&amp;D&gt;"), (telegram, "Alice &lt;R&amp;D&gt;"),
                          (trend, "Alice &lt;R&amp;D&gt;")):
        assert "<R&D>" not in text
        assert escaped in text
    not_reported = "not reported: " if locale == "en" else "未填报："
    assert f"{not_reported}Alice &lt;R&amp;D&gt;" in slack
    assert ("*KPIs vs target*" if locale == "en" else "*KPI 完成情况*") in slack
    assert ("<b>KPIs vs target</b>" if locale == "en" else "<b>KPI 完成情况</b>") in telegram
    assert "Bruno Rossi" in telegram and "▫️" not in telegram  # away, not "not sent"


async def test_a_director_who_moved_team_counts_with_their_old_team_in_old_weeks(
        bot, chat, clock, settings, tmp_path):
    await bot.run_checkins()
    await answer_all(bot, "alice", ALICE_ANSWERS)
    clock.advance(timedelta(days=7))
    later, engine = prepare(replace(settings, org_file=org_file(
        tmp_path, teams={"alice": "China"})), clock)
    later.register(chat)
    try:
        await later.run_checkins()
        await say(later, "grace", "/summary team East 2026-W48")
        text = chat.last("grace")
        assert "team East" in text and "Check-ins: 1 of 1" in text
        assert "Team · Revenue 52,000 / 50,000 USD (104%), 1 of 1 reporting" in text
        await say(later, "grace", "/summary team China 2026-W48")
        text = chat.last("grace")
        assert "Alice" not in text
        assert "Team · Revenue: no numbers yet (target 60,000 USD) · not reported: 李雷" in text
        await say(later, "grace", "/summary team China")  # this week: Alice is in China
        text = chat.last("grace")
        assert "2026-W49" in text and "Alice Martin" in text and "Check-ins: 0 of 2" in text
    finally:
        engine.dispose()


# --- 10. a change of role never rewrites the weeks before it -------------------------------

def _with_roles(tmp_path: Path, changes: dict[str, dict[str, object]], name: str) -> Path:
    """The test org with some people's entries changed (role, KPIs, checks_in)."""
    data = yaml.safe_load(TEST_ORG.read_text(encoding="utf-8"))
    for person in data["people"]:
        person.update(changes.get(person["key"], {}))
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


async def test_a_director_made_a_member_keeps_their_weeks_as_director(
        bot, chat, clock, settings, tmp_path):
    await bot.run_checkins()
    await answer_all(bot, "bruno", BRUNO_ANSWERS)
    await answer_all(bot, "li", LI_ANSWERS)
    clock.advance(timedelta(days=7))
    demoted = _with_roles(tmp_path, {"bruno": {"role": "member", "manager": "alice",
                                               "kpis": []}}, "demoted.yaml")
    later, engine = prepare(replace(settings, org_file=demoted), clock)
    later.register(chat)
    try:
        await later.run_checkins()
        await say(later, "grace", "/summary 2026-W48")
        text = chat.last("grace")
        assert "Check-ins: 2 of 3" in text
        assert "✅ Bruno Rossi — checked in" in text
        assert "Team · Revenue 107,000 / 150,000 USD (71%), 2 of 3 reporting" in text
        await say(later, "grace", "/summary")  # this week Bruno is a member, not asked
        text = chat.last("grace")
        assert "2026-W49" in text and "Check-ins: 0 of 2" in text and "Bruno" not in text
        # What he sold as a director stays in the org's quarter, in chat and in the export.
        assert "Quarter to date (2026-Q4): Revenue 107,000 / 260,000 USD (41%)" in text
        code, raw = run_cli(replace(settings, org_file=demoted), "summary", "--format",
                            "json", "--week", "2026-W49")
        assert code == 0
        qtd = {f["metric"]: f for f in json.loads(raw)["headline"]["quarter_to_date"]}
        assert (qtd["revenue"]["actual"], qtd["revenue"]["target"]) == (107000, 260000)
    finally:
        engine.dispose()


async def test_a_member_made_a_director_adds_nothing_to_the_weeks_before(
        chat, clock, settings, tmp_path):
    asked = _with_roles(tmp_path, {"sam": {"checks_in": True}}, "asked.yaml")
    before, engine = prepare(replace(settings, org_file=asked), clock)
    before.register(chat)
    try:
        await before.run_checkins()
        await answer_all(before, "alice", ALICE_ANSWERS)
        await answer_all(before, "sam", ["Demo booked", "none", "none", "Calls", "4"])
        await say(before, "grace", "/summary")
        was = chat.last("grace")
    finally:
        engine.dispose()
    assert "Check-ins: 1 of 3" in was and "Sam Lee" not in was.split("Team ·")[0]
    clock.advance(timedelta(days=7))
    promoted = _with_roles(tmp_path, {"sam": {
        "role": "director", "manager": "grace", "checks_in": True,
        "kpis": [{"metric": "revenue", "unit": "USD", "weekly_target": 30000}]}},
        "promoted.yaml")
    later, engine = prepare(replace(settings, org_file=promoted), clock)
    later.register(chat)
    try:
        await later.run_checkins()
        await say(later, "grace", "/summary 2026-W48")
        text = chat.last("grace")
        assert "Check-ins: 1 of 3" in text
        assert "Team · Revenue 52,000 / 150,000 USD (35%)" in text
        assert "✅ Sam Lee" not in text
        await say(later, "grace", "/summary")  # this week Sam is a director
        text = chat.last("grace")
        assert "2026-W49" in text and "Check-ins: 0 of 4" in text and "Sam Lee" in text
    finally:
        engine.dispose()


def test_an_upgrade_gives_existing_rounds_their_persons_role(tmp_path):
    """Rounds made before rounds had a role take the person's role at the upgrade: the
    best there is to know, and what the summary read for them until then."""
    from tests.test_snapshot_keys import fresh_engine
    with fresh_engine(tmp_path) as engine:
        upgrade(engine, "0006_sumspeed")
        with engine.begin() as conn:
            for pid, key, role in ((1, "alice", "director"), (2, "sam", "member")):
                conn.execute(sa.text(
                    "INSERT INTO people (id, key, display_name, role, timezone, locale, "
                    "checks_in, can_view_summary, active) VALUES (:id, :key, :key, :role, "
                    "'UTC', 'en', :t, :f, :t)"),
                    {"id": pid, "key": key, "role": role, "t": True, "f": False})
                conn.execute(sa.text(
                    "INSERT INTO checkin_rounds (person_id, week, questions, snapshot_key, "
                    "status, created_at) VALUES (:id, '2026-W40', '[]', 'k', 'open', :now)"),
                    {"id": pid, "now": datetime.now(UTC)})
        upgrade(engine)
        with engine.connect() as conn:
            roles = dict(conn.execute(sa.text(
                "SELECT p.key, r.role FROM checkin_rounds r "
                "JOIN people p ON p.id = r.person_id")).all())
        assert roles == {"alice": "director", "sam": "member"}


async def test_a_name_two_directors_share_asks_which_one(chat, clock, settings, tmp_path):
    # Two directors called 王伟: '/summary 王伟' showed the first by key order, silently,
    # when the GM may have meant the other.
    data = yaml.safe_load(TEST_ORG.read_text(encoding="utf-8"))
    for key, team in (("wangwei", "North"), ("wangwei2", "South")):
        data["people"].append({"key": key, "name": "王伟", "role": "director",
                               "manager": "grace", "team": team, "timezone": "Asia/Shanghai",
                               "locale": "zh-CN", "kpis": [{"metric": "revenue", "unit": "USD",
                                                            "weekly_target": 30000}]})
    path = tmp_path / "namesakes.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    bot, engine = prepare(replace(settings, org_file=path), clock)
    bot.register(chat)
    try:
        await say(bot, "grace", "/summary 王伟")
        assert chat.last("grace") == ("2 people are called 王伟; name one by key: "
                                      "/summary wangwei (team North), "
                                      "/summary wangwei2 (team South).")
        with bot.unit() as ctx:
            ctx.people.by_key("grace").locale = "zh-CN"
        await say(bot, "grace", "/summary 王伟")
        assert chat.last("grace") == ("有 2 人叫 王伟，请用对方的 key："
                                      "/summary wangwei（团队 North）、"
                                      "/summary wangwei2（团队 South）。")
        await bot.run_checkins()
        await say(bot, "grace", "/summary")  # the lists of names tell them apart too
        assert "未签到：Alice Martin、Bruno Rossi、李雷、王伟（North）、王伟（South）" \
            in chat.last("grace")
        assert "王伟（South）：本周未签到" in chat.last("grace")
        await say(bot, "grace", "/summary wangwei2")
        assert "王伟 · 团队 South" in chat.last("grace")
        code, _ = run_cli(replace(settings, org_file=path), "summary", "--person", "王伟")
        assert code == 2
    finally:
        engine.dispose()


async def test_summary_covers_up_to_12_weeks_and_the_refusal_says_so(bot, chat):
    """README: `/summary last 4w` … (up to 12); 13 weeks is refused naming the limit."""
    await say(bot, "grace", "/summary last 12w")
    assert chat.last("grace").startswith("Summary of the last 12 weeks")
    await say(bot, "grace", "/summary last 13w")
    assert chat.last("grace").startswith("A summary covers at most 12 weeks")
    assert "/summary last 12w" in chat.last("grace")
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/summary last 13w")
    assert "一份概况最多显示 12 周" in chat.last("grace")
    assert "/summary last 12w" in chat.last("grace")


# --- 11. a move to another timezone never makes a past week late or on time ----------------

async def test_a_week_late_or_on_time_stays_so_after_a_move_to_another_timezone(
        bot, chat, clock, settings, tmp_path, monkeypatch):
    """李雷 answers on Monday 09:00 in Shanghai (late: Sunday 17:00 in Los Angeles), Alice
    on Sunday 22:00 in New York (on time: Monday 11:00 in Shanghai). Li moves to Los
    Angeles and Alice to Shanghai in the org file: the week was run where they were."""
    await bot.run_checkins()
    clock.set(datetime(2026, 11, 30, 1, 0, tzinfo=UTC))
    await answer_all(bot, "li", LI_ANSWERS)
    clock.set(datetime(2026, 11, 30, 3, 0, tzinfo=UTC))
    await answer_all(bot, "alice", ALICE_ANSWERS)
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())

    async def views(app, org: Path) -> tuple[str, str, str, dict[str, bool], str]:
        await say(app, "grace", "/summary 2026-W48")
        gm = chat.last("grace")
        await say(app, "grace", "/summary team China 2026-W48")
        team = chat.last("grace")
        await say(app, "grace", "/summary alice last 1w")
        person = chat.last("grace")
        code, raw = run_cli(replace(settings, org_file=org), "summary", "--format", "json",
                            "--week", "2026-W48")
        assert code == 0
        late = {d["key"]: d["late"] for d in json.loads(raw)["directors"]}
        code, csv = run_cli(replace(settings, org_file=org), "summary", "--format", "csv",
                            "--week", "2026-W48")
        assert code == 0
        return gm, team, person, late, csv

    gm, team, person, late, csv = await views(bot, settings.org_file)
    assert "李雷 — checked in (late)" in gm and "Alice Martin — checked in\n" in gm
    assert "李雷 — checked in (late)" in team
    assert "checked in (late)" not in person and "checked in" in person
    assert late == {"alice": False, "bruno": False, "li": True}
    moved = _with_roles(tmp_path, {"li": {"timezone": "America/Los_Angeles"},
                                   "alice": {"timezone": "Asia/Shanghai"}}, "moved.yaml")
    later, engine = prepare(replace(settings, org_file=moved), clock)
    later.register(chat)
    try:
        after = await views(later, moved)
        assert "李雷 — checked in (late)" in after[0] and "Alice Martin — checked in\n" in after[0]
        assert after[3] == late  # the CLI's JSON
        assert after == (gm, team, person, late, csv)  # chat, CSV: nothing else changed
    finally:
        engine.dispose()


def test_an_upgrade_gives_existing_rounds_their_persons_timezone(tmp_path):
    """Rounds made before rounds had a timezone take the person's at the upgrade: the best
    there is to know, and what the summary judged them by until then."""
    from tests.test_snapshot_keys import fresh_engine
    with fresh_engine(tmp_path) as engine:
        upgrade(engine, "0007_roundrole")
        with engine.begin() as conn:
            for pid, key, zone in ((1, "li", "Asia/Shanghai"), (2, "alice", "America/New_York")):
                conn.execute(sa.text(
                    "INSERT INTO people (id, key, display_name, role, timezone, locale, "
                    "checks_in, can_view_summary, active) VALUES (:id, :key, :key, "
                    "'director', :zone, 'en', :t, :f, :t)"),
                    {"id": pid, "key": key, "zone": zone, "t": True, "f": False})
                conn.execute(sa.text(
                    "INSERT INTO checkin_rounds (person_id, week, questions, snapshot_key, "
                    "status, role, created_at) VALUES (:id, '2026-W40', '[]', 'k', 'open', "
                    "'director', :now)"), {"id": pid, "now": datetime.now(UTC)})
        upgrade(engine)
        with engine.connect() as conn:
            zones = dict(conn.execute(sa.text(
                "SELECT p.key, r.timezone FROM checkin_rounds r "
                "JOIN people p ON p.id = r.person_id")).all())
            covered = [i["column_names"] for i in sa.inspect(conn).get_indexes("checkin_rounds")
                       if i["name"] == "ix_checkin_rounds_summary"]
        assert zones == {"li": "Asia/Shanghai", "alice": "America/New_York"}
        assert "timezone" in covered[0]  # the summaries read it from their covering index


# --- 12. the CRM's sales count in weeks nobody was asked ------------------------------------

async def away_while_the_crm_books(bot, clock, settings, tmp_path, who: str, rows: str,
                                   answered: list[tuple[str, list[str]]]) -> None:
    """`who` goes on leave for 2026-W48 (on Wednesday, ahead of Friday's check-in), the
    round goes out, those `answered` check in, and the CRM export `rows` (the lines after
    `person,metric,week,value`) is imported."""
    friday = clock.now()
    clock.set(friday - timedelta(days=2))
    await say(bot, who, "/away 2026-12-06")
    clock.set(friday)
    await bot.run_checkins()
    for key, answers in answered:
        await answer_all(bot, key, answers)
    export = tmp_path / "crm.csv"
    export.write_text("person,metric,week,value\n" + rows, encoding="utf-8")
    assert run_cli(settings, "import-actuals", str(export))[0] == 0

async def test_a_directors_sales_while_on_leave_count_in_the_month_to_date(
        bot, chat, clock, settings, tmp_path, monkeypatch):
    """Bruno is on leave in 2026-W48 while the CRM books his 30,000: the GM's month and
    quarter to date equal the CRM's total for the month; no target is expected of him."""
    await away_while_the_crm_books(
        bot, clock, settings, tmp_path, "bruno",
        "alice,revenue,2026-W48,52000\nli,revenue,2026-W48,66000\n"
        "bruno,revenue,2026-W48,30000\n", [("alice", ALICE_ANSWERS), ("li", LI_ANSWERS)])
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "Month to date (2026-11): Revenue 148,000 / 110,000 USD (135%)" in text
    assert "Quarter to date (2026-Q4): Revenue 148,000 / 110,000 USD (135%)" in text
    assert "Team · Revenue 148,000 / 110,000 USD (135%), 2 of 2 reporting" in text
    assert "Away, not in the targets: Bruno Rossi" in text
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    code, raw = run_cli(settings, "summary", "--format", "json")
    assert code == 0
    data = json.loads(raw)
    mtd = {f["metric"]: f for f in data["headline"]["month_to_date"]}
    assert (mtd["revenue"]["actual"], mtd["revenue"]["target"]) == (148000, 110000)
    assert (mtd["revenue"]["reported"], mtd["revenue"]["expected"]) == (2, 2)
    bruno = next(d for d in data["directors"] if d["key"] == "bruno")
    (week,) = bruno["goals"]["week"]
    assert (week["actual"], week["target"], week["expected"], week["crm"]) == (30000, 0, 0, 30000)
    assert "🌴 Bruno Rossi — away until 2026-12-06\nGoals: Revenue 30,000 USD (not asked this " \
        "week: no target) [CRM]" in text
    code, markdown = run_cli(settings, "summary")
    assert "Month to date (2026-11): Revenue 148,000 / 110,000 USD (135%)" in markdown
    # His team's week and his own read the same sales.
    await say(bot, "grace", "/summary team Europe")
    text = chat.last("grace")
    assert "Team · Revenue 30,000 USD (CRM, of those not asked this week: no target)" in text
    assert "• Bruno Rossi: Revenue 30,000 USD (not asked this week: no target) [CRM]" in text
    await say(bot, "grace", "/summary bruno last 1w")
    history = chat.last("grace").split("· last 1 week", 1)[1]
    assert "Revenue 30,000 USD (not asked this week: no target) [CRM]" in history
    code, raw = run_cli(settings, "summary", "--format", "json", "--team", "Europe")
    (bruno_week,) = json.loads(raw)["weeks"][-1]["people"]
    assert [(k["metric"], k["actual"], k["target"], k["crm"]) for k in bruno_week["kpis"]] == \
        [("revenue", 30000, 0, 30000)]
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/summary")
    assert "营收 30,000 USD（本周未被要求签到，不计目标） [CRM]" in chat.last("grace")
    await say(bot, "grace", "/summary team Europe")
    assert "• Bruno Rossi：营收 30,000 USD（本周未被要求签到，不计目标） [CRM]" in \
        chat.last("grace")


async def test_a_directors_sales_in_a_week_not_sent_count_in_the_quarter(
        bot, chat, clock, settings, tmp_path):
    """No check-in was sent to Bruno in 2026-W47; the CRM has his 25,000 for it: the next
    week's quarter to date counts it, with no target for that week."""
    await bot.run_checkins(["alice", "li"])
    await answer_all(bot, "alice", ALICE_ANSWERS)
    await answer_all(bot, "li", LI_ANSWERS)
    clock.advance(timedelta(days=7))
    await bot.run_checkins()
    export = tmp_path / "crm.csv"
    export.write_text("person,metric,week,value\nbruno,revenue,2026-W48,25000\n"
                      "bruno,new_customers,2026-W48,3\n", encoding="utf-8")
    assert run_cli(settings, "import-actuals", str(export))[0] == 0
    await say(bot, "grace", "/summary 2026-W49")
    text = chat.last("grace")
    # 52,000 + 66,000 typed in W48, Bruno's 25,000 from the CRM; W49's 150,000 target.
    # New customers: Alice's 3 typed (target 4), Bruno's 3 from the CRM.
    assert ("Quarter to date (2026-Q4): Revenue 143,000 / 260,000 USD (55%) · "
            "New customers 6 / 8 customers (75%)") in text
    # Four weeks on, W48 is one of the quarter's older weeks (added up, not read week by
    # week): the same sales, each metric once.
    clock.advance(timedelta(days=21))
    await say(bot, "grace", "/summary 2026-W52")
    text = chat.last("grace")
    assert ("Quarter to date (2026-Q4): Revenue 143,000 / 260,000 USD (55%) · "
            "New customers 6 / 8 customers (75%)") in text


async def test_a_kpi_only_a_director_away_reports_reads_as_the_crms_without_a_target(
        bot, chat, clock, tmp_path, settings):
    """Alice alone has the new-customers KPI; she is away in 2026-W48 and the CRM books her
    two new customers: the headline shows them, with no target, not 'no numbers yet'."""
    await away_while_the_crm_books(bot, clock, settings, tmp_path, "alice",
                                   "alice,new_customers,2026-W48,2\n", [("li", LI_ANSWERS)])
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert ("Team · New customers 2 customers (CRM, of those not asked this week: no target)"
            in text)
    assert "no numbers yet" not in text
    assert ("Month to date (2026-11): New customers 2 customers (CRM, no target) · Revenue "
            "66,000 / 100,000 USD (66%)") in text
    await say(bot, "grace", "/summary team East")
    assert ("Team · New customers 2 customers (CRM, of those not asked this week: no target)"
            in chat.last("grace"))


# --- who was never reached is not "missing" -------------------------------------------------

async def _bruno_not_reached(bot) -> RecordingAdapter:
    """This week's check-in: Bruno's prompt has nowhere to go (no running platform knows
    him), Alice's and Li's arrive, and only Li answers."""
    assert (await bot.run_checkins(["bruno"])).results["bruno"] == "unreachable"
    chat = RecordingAdapter()
    bot.register(chat)
    await bot.run_checkins(["alice", "li"])
    await answer_all(bot, "li", LI_ANSWERS)
    return chat


async def test_the_headline_names_who_was_not_reached_apart_from_who_did_not_answer(bot):
    """Bruno never got the check-in: "missing" would blame him for what the GM (or the
    operator) has to mend. Alice got it and did not answer: she is the one missing."""
    chat = await _bruno_not_reached(bot)
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "Check-ins: 1 of 3 · missing: Alice Martin · not reached: Bruno Rossi" in text
    assert "⚠️ Bruno Rossi — not reached: the check-in could not be delivered" in text
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/summary")
    assert "签到：1 / 3 · 未签到：Alice Martin · 未送达：Bruno Rossi" in chat.last("grace")


async def test_the_exports_keep_not_reached_apart_from_missing(bot, clock, settings,
                                                               monkeypatch):
    """The GM's JSON names them by name, a team's and a person's view by key; the counts
    add up: checked_in + in_progress + missing + not_reached + left = expected."""
    await _bruno_not_reached(bot)
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    code, raw = run_cli(settings, "summary", "--format", "json")
    assert code == 0
    (week,) = json.loads(raw)["weeks"]
    assert (week["checked_in"], week["missing"], week["not_reached"], week["expected"]) == \
        (1, ["Alice Martin"], ["Bruno Rossi"], 3)
    code, raw = run_cli(settings, "summary", "--team", "Europe", "--format", "json")
    assert code == 0
    (week,) = json.loads(raw)["weeks"]
    assert (week["missing"], week["not_reached"], week["not_checked_in"]) == \
        ([], ["bruno"], ["bruno"])
    code, raw = run_cli(settings, "summary", "--team", "East", "--format", "json")
    assert code == 0
    (week,) = json.loads(raw)["weeks"]
    assert (week["missing"], week["not_reached"]) == (["alice"], [])


async def test_a_team_over_weeks_names_who_was_not_reached(bot):
    chat = await _bruno_not_reached(bot)
    await say(bot, "grace", "/summary team Europe last 2w")
    assert "2026-W48: 0 of 1 · not reached: Bruno Rossi" in chat.last("grace")
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/summary team Europe last 2w")
    assert "2026-W48：0 / 1 · 未送达：Bruno Rossi" in chat.last("grace")


async def test_a_week_no_prompt_reached_is_still_the_week_shown(bot):
    """Nobody can be reached (no platform running, or every prompt refused for good):
    /summary must show this week, everyone not reached, the thing to mend, not fall
    back to last week as if this week's check-in had not gone out."""
    await bot.run_checkins()
    chat = RecordingAdapter()
    bot.register(chat)
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "2026-W48" in text and "2026-W47" not in text
    assert "Check-ins: 0 of 3 · not reached: Alice Martin, Bruno Rossi, 李雷" in text
    assert "missing:" not in text

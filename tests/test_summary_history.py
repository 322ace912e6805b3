"""What a GM reads of a past week stays as it was: away or not whatever the org file says
of the person's timezone later, month and quarter to date that show what the CRM booked,
and a CRM figure named in the same unit in every view."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.app import prepare
from tests.support import say
from tests.test_checkin import ALICE_ANSWERS, answer_all
from tests.test_summary import run_cli
from tests.test_summary_truth import (
    BRUNO_ANSWERS,
    LI_ANSWERS,
    _with_roles,
    away_while_the_crm_books,
)


async def _views(app: Any, chat: Any, settings: Any, org: Path, week: str = "2026-W48"
                 ) -> dict[str, Any]:
    """What the GM reads of 李雷's week: chat (the GM's view, China's, his own history)
    and the CLI's JSON and CSV."""
    await say(app, "grace", f"/summary {week}")
    gm = chat.last("grace")
    await say(app, "grace", f"/summary team China {week}")
    team = chat.last("grace")
    await say(app, "grace", f"/summary li {week} last 1w")
    person = chat.last("grace")
    code, raw = run_cli(replace(settings, org_file=org), "summary", "--format", "json",
                        "--week", week)
    assert code == 0
    status = {d["key"]: d["status"] for d in json.loads(raw)["directors"]}
    code, team_raw = run_cli(replace(settings, org_file=org), "summary", "--format", "json",
                             "--week", week, "--team", "China")
    assert code == 0
    team_status = {p["key"]: p["status"] for p in json.loads(team_raw)["weeks"][-1]["people"]}
    return {"gm": gm, "team": team, "person": person, "status": status["li"],
            "team_status": team_status["li"]}


# --- 1. a past week's away-ness is judged where the person was that week ------------------

async def test_a_week_missed_stays_missed_after_a_move_to_another_timezone(
        bot, chat, clock, settings, tmp_path, monkeypatch):
    """李雷 (Shanghai) is prompted on Friday; his check-in moment (16:00 there, 08:00 UTC)
    passes unanswered, and at 10:00 UTC he goes away: the week is missed. Moved to New
    York in the org file, the same away period covers New York's 16:00 (21:00 UTC): the
    week must not turn "away" after the fact."""
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    clock.set(datetime(2026, 11, 27, 7, 0, tzinfo=UTC))
    await bot.run_checkins(["li"])
    clock.set(datetime(2026, 11, 27, 10, 0, tzinfo=UTC))
    await say(bot, "li", "/away 2026-11-29")
    clock.set(datetime(2026, 11, 27, 21, 0, tzinfo=UTC))
    await bot.run_checkins(["alice", "bruno"])
    await answer_all(bot, "alice", ALICE_ANSWERS)
    await answer_all(bot, "bruno", BRUNO_ANSWERS)
    clock.set(datetime(2026, 11, 30, 14, 0, tzinfo=UTC))
    before = await _views(bot, chat, settings, settings.org_file)
    assert before["status"] == before["team_status"] == "missed"
    assert "❌ 李雷 — not checked in" in before["gm"] and "Check-ins: 2 of 3" in before["gm"]
    moved = _with_roles(tmp_path, {"li": {"timezone": "America/New_York"}}, "moved.yaml")
    later, engine = prepare(replace(settings, org_file=moved), clock)
    later.register(chat)
    try:
        after = await _views(later, chat, settings, moved)
        assert after["status"] == after["team_status"] == "missed"
        assert after == before  # chat (three views) and the CLI: nothing changed
    finally:
        engine.dispose()


async def test_a_week_with_no_check_in_is_judged_where_the_last_one_was_made(
        bot, chat, clock, settings, tmp_path, monkeypatch):
    """No round was made for 李雷 in 2026-W48 (he was away when the check-ins went out);
    his last round (2026-W47) was made in Shanghai, so W48 is judged there, before and
    after a move to New York: "no check-in sent", not "away" (the period began after
    Shanghai's check-in moment)."""
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    clock.set(datetime(2026, 11, 20, 21, 0, tzinfo=UTC))
    await bot.run_checkins()
    await answer_all(bot, "li", LI_ANSWERS)
    clock.set(datetime(2026, 11, 27, 10, 0, tzinfo=UTC))
    await say(bot, "li", "/away 2026-11-29")
    clock.set(datetime(2026, 11, 27, 21, 0, tzinfo=UTC))
    assert (await bot.run_checkins()).results["li"] == "away"
    clock.set(datetime(2026, 11, 30, 14, 0, tzinfo=UTC))
    before = await _views(bot, chat, settings, settings.org_file)
    assert before["status"] == before["team_status"] == "not_sent"
    moved = _with_roles(tmp_path, {"li": {"timezone": "America/New_York"}}, "moved.yaml")
    later, engine = prepare(replace(settings, org_file=moved), clock)
    later.register(chat)
    try:
        after = await _views(later, chat, settings, moved)
        assert after == before
    finally:
        engine.dispose()


# --- 2. month and quarter to date show what the CRM booked -----------------------------------

async def test_a_directors_month_of_crm_sales_alone_reads_the_sales_not_a_dash(
        bot, chat, clock, settings, tmp_path, monkeypatch):
    """Bruno is away all of 2026-W48 (his only week of the month) while the CRM books his
    30,000: his block's month and quarter read the 30,000, as the headline does, not "—"."""
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    await away_while_the_crm_books(bot, clock, settings, tmp_path, "bruno",
                                   "bruno,revenue,2026-W48,30000\n", [("alice", ALICE_ANSWERS)])
    block = ("Goals: Revenue 30,000 USD (not asked this week: no target) [CRM] · month "
             "30,000 USD (CRM, no target) · quarter 30,000 USD (CRM, no target)")
    await say(bot, "grace", "/summary")
    assert block in chat.last("grace")
    await say(bot, "grace", "/summary bruno")  # his full picture
    assert block in chat.last("grace")
    code, markdown = run_cli(settings, "summary")
    assert code == 0 and block in markdown
    # A director with two KPIs names each: Alice's figures beside them stay percentages.
    await say(bot, "grace", "/summary")
    assert "month Revenue 104%, New customers 75%" in chat.last("grace")
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/summary")
    assert "本月 30,000 USD（CRM，无目标） · 本季度 30,000 USD（CRM，无目标）" in \
        chat.last("grace")


# --- 3. a CRM figure of a week not asked is named as the org file asks it of the person -----

async def test_a_crm_figure_is_named_in_the_persons_own_currency_in_every_view(
        bot, chat, clock, settings, tmp_path, monkeypatch):
    """李雷 reported revenue in USD in 2026-W47; the org file now asks it of him in CNY
    (元 in Chinese). Away in W48, the CRM books his 300,000: the GM's view, China's and
    his own all name it as the org file asks it of him now, in the week's lines and in
    the month and quarter to date alike."""
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    clock.set(datetime(2026, 11, 20, 21, 0, tzinfo=UTC))
    await bot.run_checkins()
    await answer_all(bot, "li", LI_ANSWERS)
    cny = _with_roles(tmp_path, {"li": {"kpis": [
        {"metric": "revenue", "unit": {"en": "CNY", "zh-CN": "元"},
         "weekly_target": 400000}]}}, "cny.yaml")
    later, engine = prepare(replace(settings, org_file=cny), clock)
    later.register(chat)
    try:
        clock.set(datetime(2026, 11, 25, 21, 0, tzinfo=UTC))
        await say(later, "li", "/away 2026-12-06")
        clock.set(datetime(2026, 11, 27, 21, 0, tzinfo=UTC))
        await later.run_checkins()
        await answer_all(later, "alice", ALICE_ANSWERS)
        export = tmp_path / "crm.csv"
        export.write_text("person,metric,week,value\nli,revenue,2026-W48,300000\n",
                          encoding="utf-8")
        assert run_cli(replace(settings, org_file=cny), "import-actuals", str(export))[0] == 0
        line = "Revenue 300,000 CNY (not asked this week: no target) [CRM]"
        await say(later, "grace", "/summary")
        gm = chat.last("grace")
        assert line in gm
        assert "Team · Revenue 300,000 CNY (CRM, of those not asked this week: no target)" in gm
        await say(later, "grace", "/summary team China")
        assert f"• 李雷: {line}" in chat.last("grace")
        code, raw = run_cli(replace(settings, org_file=cny), "summary", "--format", "json")
        assert code == 0
        li = next(d for d in json.loads(raw)["directors"] if d["key"] == "li")
        assert [(f["unit"], f["actual"]) for f in li["goals"]["week"]] == [("CNY", 300000)]
        with later.unit() as ctx:
            ctx.people.by_key("grace").locale = "zh-CN"
        await say(later, "grace", "/summary")
        gm = chat.last("grace")
        assert "营收 300,000 元（本周未被要求签到，不计目标） [CRM]" in gm
        assert "营收 300,000 元（CRM，无目标）" in gm  # the month and quarter to date
        assert "300,000 CNY" not in gm and "300,000 USD" not in gm
        await say(later, "grace", "/summary team China")
        assert "• 李雷：营收 300,000 元（本周未被要求签到，不计目标） [CRM]" in \
            chat.last("grace")
    finally:
        engine.dispose()


async def test_a_crm_figure_of_a_metric_not_asked_of_the_person_takes_no_ones_currency(
        chat, clock, settings, tmp_path, monkeypatch):
    """Revenue is asked in USD of Alice and in CNY of 李雷; Bruno is asked new customers
    only. Away in 2026-W48, the CRM books his revenue and his new customers: revenue is
    named with no unit (his currency is not known; neither USD nor CNY is his), new
    customers as everyone is asked them, the same in the GM's view and Europe's."""
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    org = _with_roles(tmp_path, {
        "li": {"kpis": [{"metric": "revenue", "unit": "CNY", "weekly_target": 400000}]},
        "bruno": {"kpis": [{"metric": "new_customers", "unit": "customers",
                            "weekly_target": 2}]}}, "mixed.yaml")
    bot, engine = prepare(replace(settings, org_file=org), clock)
    bot.register(chat)
    try:
        await away_while_the_crm_books(
            bot, clock, replace(settings, org_file=org), tmp_path, "bruno",
            "bruno,revenue,2026-W48,30000\nbruno,new_customers,2026-W48,3\n",
            [("alice", ALICE_ANSWERS), ("li", LI_ANSWERS)])
        line = ("New customers 3 customers (not asked this week: no target) [CRM] · "
                "Revenue 30,000 (not asked this week: no target) [CRM]")
        await say(bot, "grace", "/summary")
        gm = chat.last("grace")
        assert f"Goals: {line}" in gm
        assert "Team · Revenue 30,000 (CRM, of those not asked this week: no target)" in gm
        await say(bot, "grace", "/summary team Europe")
        assert f"• Bruno Rossi: {line}" in chat.last("grace")
    finally:
        engine.dispose()


# --- 4. a director made a member since keeps a week they were away in ---------------------

async def _li_away_in_w48(bot: Any, clock: Any) -> None:
    """李雷 checks in as China's director in 2026-W47 and is away when 2026-W48's
    check-ins go out (no round that week); then the clock is in W50, where W48 reads as
    it stood at its end (one-on-ones included), not as now."""
    clock.set(datetime(2026, 11, 20, 21, 0, tzinfo=UTC))
    await bot.run_checkins()
    await answer_all(bot, "li", LI_ANSWERS)
    clock.set(datetime(2026, 11, 26, 10, 0, tzinfo=UTC))
    await say(bot, "li", "/away 2026-11-29")
    clock.set(datetime(2026, 11, 27, 21, 0, tzinfo=UTC))
    assert (await bot.run_checkins()).results["li"] == "away"
    clock.set(datetime(2026, 12, 7, 14, 0, tzinfo=UTC))


async def test_a_director_made_a_member_stays_away_in_the_week_he_was(
        bot, chat, clock, settings, tmp_path, monkeypatch):
    """李雷, away in 2026-W48 (no round that week), made a member afterwards, dropped out
    of the GM's view of W48 ("Check-ins: 0 of 2", no "away: 李雷", no block) and out of
    China's week ("Nobody in this scope checks in"): a past week shows who were directors
    then."""
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    await _li_away_in_w48(bot, clock)
    before = await _views(bot, chat, settings, settings.org_file)
    assert before["status"] == before["team_status"] == "away"
    assert "Check-ins: 0 of 2 · missing: Alice Martin, Bruno Rossi · away: 李雷" in before["gm"]
    demoted = _with_roles(tmp_path, {"li": {"role": "member", "manager": "alice",
                                            "kpis": []}}, "demoted.yaml")
    later, engine = prepare(replace(settings, org_file=demoted), clock)
    later.register(chat)
    try:
        after = await _views(later, chat, settings, demoted)
        # Chat (the GM's view, his full picture and history) and the CLI: nothing changed;
        # China's week lists him away as before (its one-on-ones are today's directors':
        # README, a limit).
        week_of_team = before.pop("team").split("\n\nOne-on-ones")[0]
        assert after.pop("team").startswith(week_of_team)
        assert "Check-ins: 0 of 0\n🌴 李雷 — away until 2026-11-29" in week_of_team
        assert after == before
        with later.unit() as ctx:
            ctx.people.by_key("grace").locale = "zh-CN"
        await say(later, "grace", "/summary 2026-W48")
        assert "签到：0 / 2 · 未签到：Alice Martin、Bruno Rossi · 外出：李雷" in chat.last("grace")
    finally:
        engine.dispose()


async def test_a_week_away_keeps_the_one_on_one_of_its_manager_then(
        bot, chat, clock, settings, tmp_path, monkeypatch):
    """李雷, away in 2026-W48 (no round that week), reports to Alice since. The GM's view
    and China's week of W48 named his one-on-one with Alice, today's manager: his W47
    round, made under Grace, is the last the bot knew of him then."""
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    await _li_away_in_w48(bot, clock)
    moved = _with_roles(tmp_path, {"li": {"manager": "alice"}}, "manager.yaml")
    later, engine = prepare(replace(settings, org_file=moved), clock)
    later.register(chat)
    try:
        await say(later, "grace", "/summary 2026-W48")
        block = chat.last("grace").split("李雷 · team China\n", 1)[1].split("\n\n")[0]
        assert "One-on-one with you: last never" in block, block
        await say(later, "grace", "/summary team China 2026-W48")
        assert "李雷\nwith Grace Chen: last held never" in chat.last("grace")
        with later.unit() as ctx:
            ctx.people.by_key("grace").locale = "zh-CN"
        await say(later, "grace", "/summary team China 2026-W48")
        assert "李雷\n与 Grace Chen：" in chat.last("grace")
    finally:
        engine.dispose()


async def test_a_directors_history_in_csv_has_a_row_per_week_as_the_help_says(
        bot, chat, clock, settings):
    """`teampulse summary --person alice --weeks 2 --format csv` wrote one row, the latest
    week's row of the GM's view, while the Markdown and JSON gave both weeks and --help
    and the README promise one row per person and week with --person (as a member's and
    --team's CSV): a GM exporting a director's history to a spreadsheet lost every week
    but the last."""
    import csv
    from datetime import timedelta
    from io import StringIO

    from tests.support import run_cli as cli
    from tests.test_checkin import ALICE_ANSWERS, answer_all

    await bot.run_checkins()
    await answer_all(bot, "alice", ALICE_ANSWERS)
    clock.set(clock.now() + timedelta(days=7))
    await bot.run_checkins()
    await answer_all(bot, "alice", ["61000", *ALICE_ANSWERS[1:]])
    code, raw = cli(settings, "summary", "--person", "alice", "--weeks", "2",
                    "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(StringIO(raw.lstrip("\ufeff"))))
    assert [(r["week"], r["person"], r["status"], r["revenue_actual"]) for r in rows] == [
        ("2026-W48", "alice", "submitted", "52000"), ("2026-W49", "alice", "submitted", "61000")]

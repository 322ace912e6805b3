"""The GM's `/summary`: five questions per director, what needs attention first, and a
director's own-team view that never shows another team."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.blocker_words import similar, tokens
from handlers.summary_gm import _late_from
from tests.support import csv_records, run_cli, say
from tests.test_checkin import ALICE_ANSWERS, answer_all

LI = ["66000", "新签两家客户", "渠道冲突", "5", "需要市场部支持", "拜访三家", "4"]
BRUNO = ["41000", "Signed Rome", "none", "1", "Keep going", "3"]


def alice(revenue: str, blockers: str = "Pricing pushback", support: str = "2",
          plan: str = "Visit 5") -> list[str]:
    """Alice's check-in with a few answers changed (support "2" is budget)."""
    answers = list(ALICE_ANSWERS)
    answers[0], answers[3], answers[4], answers[6] = revenue, blockers, support, plan
    return answers


def blocks(text: str) -> dict[str, str]:
    """The summary's paragraphs by their first line (a director's block by its title)."""
    return {b.split("\n", 1)[0]: b for b in text.split("\n\n")}


def attention(text: str) -> list[str]:
    return text.split("Needs your attention\n", 1)[1].split("\n\n", 1)[0].splitlines()


async def weeks_of_checkins(bot, clock, alice_weeks: list[list[str]]) -> None:
    """Alice answers one check-in a week, the last in this week (Friday); the others too."""
    friday = clock.now()
    for n, answers in enumerate(alice_weeks):
        clock.set(friday - timedelta(weeks=len(alice_weeks) - 1 - n))
        await bot.run_checkins()
        await answer_all(bot, "alice", answers)
        await answer_all(bot, "li", LI)
        await answer_all(bot, "bruno", BRUNO)
    clock.set(friday)


async def test_a_week_one_director_did_not_answer(bot, chat):
    await bot.run_checkins()
    await answer_all(bot, "alice", ALICE_ANSWERS)
    await answer_all(bot, "li", LI)
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    # The headline says so, and totals are against the whole target, Bruno's included.
    assert "Check-ins: 2 of 3 · missing: Bruno Rossi" in text
    assert ("Team · Revenue 118,000 / 150,000 USD (79%), 2 of 3 reporting · "
            "not reported: Bruno Rossi") in text
    assert "Bruno Rossi: not checked in this week" in attention(text)
    bruno = blocks(text)["Bruno Rossi · team Europe"]
    assert "❌ Bruno Rossi — not checked in" in bruno
    assert "Goals: Revenue — / 40,000 USD" in bruno
    # The director in need comes before those who answered.
    titles = [t for t in blocks(text) if " · team " in t]
    assert titles[-1] == "Alice Martin · team East"


async def test_a_falling_director_is_listed_under_attention(bot, chat, clock):
    await weeks_of_checkins(bot, clock, [alice("60000"), alice("55000"), alice("20000")])
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert ("Alice Martin: attainment falling (now 58%, against 95% on average over the "
            "2 weeks before)") in attention(text)
    goals = blocks(text)["Alice Martin · team East"]
    # Revenue 120% → 110% → 40%, new customers 75% each week: the mean of the two KPIs
    # (92.5% and 57.5% read 93% and 58%, a half rounded up as a spreadsheet does).
    assert "trend ↓ (— → 98% → 93% → 58%)" in goals
    # Month to date: the weeks of November, against the whole target of each.
    assert "month Revenue 90%, New customers 75%" in goals
    data = json.loads(run_cli_json(bot, clock))
    assert next(d for d in data["directors"] if d["key"] == "alice")["goals"]["trend"] == "down"


def run_cli_json(bot, clock, *args: str) -> str:
    import bot.clock as clocks
    real = clocks.SystemClock.now
    clocks.SystemClock.now = lambda self: clock.now()
    try:
        code, out = run_cli(bot.settings, "summary", "--format", "json", *args)
    finally:
        clocks.SystemClock.now = real
    assert code == 0
    return out


async def test_saying_there_is_no_blocker_is_no_blocker(bot, chat, clock):
    # 'No blockers' two weeks running, and 李雷's 没有阻碍, were read as blockers: the GM read
    # 'the same blocker in 2 of the last 4 weeks' about a director who had none.
    friday = clock.now()
    for n, (english, chinese) in enumerate([("No blockers", "没有阻碍"),
                                            ("No blockers this week.", "暂时没有障碍")]):
        clock.set(friday - timedelta(weeks=1 - n))
        await bot.run_checkins()
        await answer_all(bot, "alice", alice("50000", english))
        await answer_all(bot, "li", [*LI[:2], chinese, *LI[3:]])
        await answer_all(bot, "bruno", BRUNO)
    clock.set(friday)
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert not [line for line in attention(text) if "blocker" in line], attention(text)
    assert "Execution: no blockers" in blocks(text)["Alice Martin · team East"]
    assert "Execution: no blockers" in blocks(text)["李雷 · team China"]


async def test_a_director_midway_who_said_there_are_no_blockers_is_not_unreported(
        bot, chat, clock):
    # 李雷 answered '无' (none) to the blockers question and stopped before the end; Bruno
    # skipped it: both read "blockers not reported", as if neither had been asked or said.
    await bot.run_checkins()
    await answer_all(bot, "li", [*LI[:2], "无"])
    await answer_all(bot, "bruno", [BRUNO[0], BRUNO[1], "/skip"])
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "in progress" in blocks(text)["李雷 · team China"]
    assert "Execution: no blockers" in blocks(text)["李雷 · team China"]
    assert "Execution: blockers question skipped" in blocks(text)["Bruno Rossi · team Europe"]
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/summary")
    assert "执行：没有障碍" in blocks(chat.last("grace"))["李雷 · 团队 China"]
    assert "执行：跳过了障碍问题" in blocks(chat.last("grace"))["Bruno Rossi · 团队 Europe"]
    # The team's own summary (李雷 reads China's) had listed '无' under Blockers, and
    # the trend "— 阻碍：无", as a blocker reported.
    await say(bot, "li", "/summary")
    team = chat.last("li")
    assert "阻碍\n无。\n" in team, team
    await say(bot, "li", "/summary last 4w")
    assert "阻碍：无" not in chat.last("li")


async def test_a_director_who_has_not_checked_in_is_not_said_to_have_no_blockers(
        bot, chat, clock):
    # Bruno did not answer: his block read "Execution: no blockers", and the GM took it
    # that nothing was in his way.
    await bot.run_checkins()
    await answer_all(bot, "alice", alice("50000", "No blockers"))
    await answer_all(bot, "li", LI[:3])  # 李雷 stops after his blockers: in progress
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "Execution: blockers not reported" in blocks(text)["Bruno Rossi · team Europe"]
    assert "Execution: no blockers" in blocks(text)["Alice Martin · team East"]
    assert "Execution: blockers: 渠道冲突" in blocks(text)["李雷 · team China"]
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/summary")
    assert "执行：障碍未填报" in blocks(chat.last("grace"))["Bruno Rossi · 团队 Europe"]

async def test_a_check_in_that_did_not_ask_about_blockers_is_not_said_to_have_none(
        bot, chat, clock):
    """The org file's questions were cut to wins and confidence mid-week: Alice had
    answered the old ones ("No blockers"), Bruno the new. His block read "Execution: no
    blockers", as if he had said so, though his check-in never asked."""
    from bot.org import parse_org
    from tests.support import TEST_ORG

    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", alice("50000", "No blockers"))
    bot.org = parse_org(TEST_ORG.read_text(encoding="utf-8") + """
checkin:
  questions:
    - key: wins
    - key: confidence
""")
    bot.sync_org()
    await bot.run_checkins(["bruno"])
    await answer_all(bot, "bruno", ["41000", "Signed Rome", "3"])
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "Execution: blockers not asked this week" in blocks(text)["Bruno Rossi · team Europe"]
    assert "Execution: no blockers" in blocks(text)["Alice Martin · team East"]
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/summary")
    assert "执行：本周签到未问障碍" in blocks(chat.last("grace"))["Bruno Rossi · 团队 Europe"]


async def test_a_skipped_blockers_question_is_not_read_as_no_blockers(bot, chat, clock):
    """Alice skipped the blockers question: her block read "Execution: no blockers", as
    if she had said nothing was in the way."""
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", alice("50000", "/skip"))
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "Execution: blockers question skipped" in blocks(text)["Alice Martin · team East"]
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/summary")
    assert "执行：跳过了障碍问题" in blocks(chat.last("grace"))["Alice Martin · 团队 East"]


async def test_last_weeks_confidence_is_not_read_as_this_weeks(bot, chat, clock):
    # Bruno answered "3" last week and nothing this week: his block read "confidence 3",
    # as if he had said so this week.
    friday = clock.now()
    clock.set(friday - timedelta(weeks=1))
    await bot.run_checkins()
    await answer_all(bot, "bruno", BRUNO)
    clock.set(friday)
    await bot.run_checkins()
    await say(bot, "grace", "/summary")
    bruno = blocks(chat.last("grace"))["Bruno Rossi · team Europe"]
    assert "confidence 3 → —" in bruno and "confidence 3\n" not in bruno + "\n"

def test_what_counts_as_the_same_blocker():
    assert similar(tokens("Pricing approval stuck"), tokens("pricing approval, still stuck"))
    assert similar(tokens("legal review"), tokens("Legal review of the MSA takes weeks"))
    assert not similar(tokens("pricing approval"), tokens("hiring freeze"))
    assert similar(tokens("渠道冲突"), tokens("渠道冲突还在"))
    assert not tokens("none") and not tokens("无") and not tokens("N/A")


async def test_support_requests_age_and_another_department(bot, chat, clock):
    # Alice asks for the same budget three weeks running: opened three weeks ago.
    await weeks_of_checkins(bot, clock, [alice("50000"), alice("50000"), alice("50000")])
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    # Tracked requests (storage/support.py): the age counts from the check-in that asked.
    assert "Alice Martin: support request open 14 days (Budget)" in attention(text)
    assert "李雷: support request open 14 days (Help from another department)" in \
        attention(text)
    assert "Support: #1 Budget: Travel budget — open, 14 days old" in \
        blocks(text)["Alice Martin · team East"]
    data = json.loads(run_cli_json(bot, clock))
    li = next(d for d in data["directors"] if d["key"] == "li")
    assert li["support"] == [{"id": 2, "requester": "li", "type": "department",
                              "detail": "需要市场部支持", "department": None,
                              "cross_department": True, "opened": "2026-11-13",
                              "age_days": 14, "status": "open"}]


async def test_a_directors_own_team_view(bot, chat):
    await bot.run_checkins()
    await answer_all(bot, "alice", ALICE_ANSWERS)
    await answer_all(bot, "bruno", BRUNO)
    await say(bot, "alice", "/summary")
    text = chat.last("alice")
    assert "Weekly summary — Test Sales · team East" in text
    assert "✅ Alice Martin — checked in" in text and "Pricing pushback" in text
    assert "their 1:1 with Sam Lee" in text  # her team's one-on-ones
    for other in ("Bruno", "Europe", "李雷", "China", "Signed Rome", "41,000"):
        assert other not in text
    await say(bot, "alice", "/summary sam")  # someone in her team
    assert "Sam Lee · team East" in chat.last("alice")
    # The GM's pages are not hers: page 1 is her team, page 2 says there is none.
    await say(bot, "alice", "/summary page 1")
    assert "Weekly summary — Test Sales · team East" in chat.last("alice")
    await say(bot, "alice", "/summary last 4w page 2")
    assert chat.last("alice") == ("There is no page 2: your team's summary is one page, "
                                  "/summary last 4w.")
    await say(bot, "li", "/summary page 3")
    assert chat.last("li") == "没有第 3 页：你团队的汇总只有一页，/summary。"


@pytest.mark.parametrize("args", [
    "team Europe", "team europe", "team  China ", "bruno", "Bruno", "li", "李雷", "grace",
    "vera", "team East Europe", "last 4w team Europe", "2026-W48 bruno", "team europe last 2w",
    "brunо",  # a Cyrillic о
])
async def test_a_director_cannot_get_another_team_by_any_argument(bot, chat, args):
    await bot.run_checkins()
    await answer_all(bot, "bruno", BRUNO)
    await answer_all(bot, "li", LI)
    await say(bot, "alice", f"/summary {args}")
    text = chat.last("alice")
    assert "You can see your own team's summary only (team East)" in text
    for other in ("Bruno Rossi", "李雷", "Signed Rome", "41,000", "66,000"):
        assert other not in text


async def test_a_director_gets_their_own_team_in_chinese(bot, chat):
    await bot.run_checkins()
    await say(bot, "li", "/summary team Europe")
    assert "您只能查看本团队（China）的概况" in chat.last("li")
    await say(bot, "li", "/summary")
    assert "团队 China" in chat.last("li") and "Alice" not in chat.last("li")


async def test_a_look_alike_director_name_is_nobody(bot, chat):
    await bot.run_checkins()
    await answer_all(bot, "alice", ALICE_ANSWERS)
    for name in ("alicе", "alice2", "alic", "Alice_Martin"):  # the first has a Cyrillic е
        await say(bot, "grace", f"/summary {name}")
        text = chat.last("grace")
        assert f'I don\'t know anyone called "{name}"' in text
        assert "52,000" not in text and "Pricing" not in text
    await say(bot, "grace", "/summary ALICE")  # the key, whatever the case: Alice in full
    text = chat.last("grace")
    assert text.startswith("Full picture — Alice Martin")
    assert "Goals: Revenue 52,000 / 50,000 USD (104%)" in text
    assert "next week: Visit 5" in text  # the full picture carries the plan
    assert "Alice Martin · team East · last 4 weeks" in text  # then her history


async def test_the_gm_view_in_chinese(bot, chat, clock):
    await bot.run_checkins()
    await answer_all(bot, "li", LI)
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "签到：1 / 3 · 未签到：Alice Martin、Bruno Rossi" in text
    assert "需要您关注" in text and "Alice Martin：本周未签到" in text
    assert "李雷：需要其他部门协助（今天开启）" in text
    assert "目标：营收 66,000 / 60,000 USD（110%）" in text
    assert "支持：#1 其他部门的协助：需要市场部支持 — 未处理，今天开启" in text


async def test_cli_csv_has_one_row_per_director(bot, chat, clock, monkeypatch):
    await bot.run_checkins()
    await answer_all(bot, "alice", ALICE_ANSWERS)
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    code, out = run_cli(bot.settings, "summary", "--format", "csv")
    assert code == 0
    rows = csv_records(out)
    assert [r["director"] for r in rows] == ["bruno", "li", "alice"]  # by need
    row = rows[-1]
    assert (row["status"], row["revenue_week_actual"], row["revenue_week_target"],
            row["revenue_week_attainment"], row["support_open"]) == \
        ("submitted", "52000", "50000", "1.04", "1")
    assert rows[0]["attention"] == "missing" and rows[0]["revenue_week_actual"] == ""
    code, out = run_cli(bot.settings, "summary", "--format", "csv", "--team", "East")
    assert csv_records(out)[0]["person"] == "alice"


async def test_cli_csv_tells_a_late_check_in_from_one_on_time(bot, chat, clock, monkeypatch):
    await bot.run_checkins()
    await answer_all(bot, "alice", ALICE_ANSWERS)
    clock.advance(timedelta(days=4))  # Tuesday of the next week: Bruno answers late
    await answer_all(bot, "bruno", ["41000", "Signed Rome", "none", "1", "Keep going", "3"])
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    code, out = run_cli(bot.settings, "summary", "--week", "2026-W48", "--format", "csv")
    assert code == 0
    rows = {r["director"]: r for r in csv_records(out)}
    assert (rows["bruno"]["status"], rows["bruno"]["late"]) == ("submitted", "true")
    assert (rows["alice"]["status"], rows["alice"]["late"]) == ("submitted", "false")
    assert rows["li"]["late"] == "false"


async def test_the_json_is_what_its_schema_says(bot, chat, clock, monkeypatch):
    """Other tools rely on docs/schema/summary.schema.json: real output validates, and a
    field the schema does not know fails (so the two cannot drift apart unnoticed)."""
    import jsonschema

    from tests.support import DATA
    schema = json.loads((DATA.parent.parent / "docs/schema/summary.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    await bot.run_checkins()
    await answer_all(bot, "alice", ALICE_ANSWERS)
    await answer_all(bot, "li", LI)
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    outputs = [run_cli(bot.settings, "summary", "--format", "json", *args)[1]
               for args in ((), ("--weeks", "3"), ("--person", "alice"), ("--team", "East"))]
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    for out in outputs:
        validator.validate(json.loads(out))
    data = json.loads(outputs[0])
    assert data["view"] == "gm" and data["directors"]
    data["directors"][0]["goals"]["surprise"] = 1
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(data)


async def test_a_team_s_and_a_person_s_json_is_what_its_schema_says(bot, chat, clock,
                                                                    monkeypatch):
    """A team's or a director's weeks (not the GM's view) list every field the schema
    names, and nothing else: a field the schema does not know in a week, or in a person's
    line, fails."""
    import jsonschema

    from tests.support import DATA
    schema = json.loads((DATA.parent.parent / "docs/schema/summary.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    await bot.run_checkins()
    await answer_all(bot, "alice", ALICE_ANSWERS)
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    year, week, _ = clock.now().isocalendar()
    this_week = f"{year}-W{week:02d}"
    team = json.loads(run_cli(bot.settings, "summary", "--format", "json", "--team", "East",
                              "--week", this_week)[1])
    person = json.loads(run_cli(bot.settings, "summary", "--format", "json", "--person",
                                "alice", "--week", this_week)[1])
    for data in (team, person):
        validator.validate(data)
    [week_data] = team["weeks"]
    line = next(p for p in week_data["people"] if p["key"] == "alice")
    assert line["status"] == "submitted" and line["kpis"] and line["wins"]
    assert week_data["team_kpis"]
    assert set(person) == {"view", "org", "generated_at", "weeks", "director", "left_on"}
    assert person["left_on"] is None  # (Alice is in the org file)
    for where in (week_data, line, person, person["director"]):
        where["surprise"] = 1
        with pytest.raises(jsonschema.ValidationError):
            validator.validate(team if where is not person and
                               where is not person["director"] else person)
        del where["surprise"]


async def test_a_tracked_request_reads_as_it_stood_at_the_end_of_its_week(bot, chat, clock):
    await bot.run_checkins()
    await answer_all(bot, "li", LI)
    await say(bot, "grace", "/support ack 1")
    await say(bot, "grace", "/summary")
    assert "Support: #1 Help from another department: 需要市场部支持 — acknowledged" in \
        blocks(chat.last("grace"))["李雷 · team China"]
    # Resolved the next week: that week's summary keeps what stood then (its age too) ...
    clock.set(clock.now() + timedelta(days=7))
    await say(bot, "grace", "/support resolve 1 Marketing lends two people")
    await say(bot, "grace", "/summary 2026-W48")
    assert "Support: #1 Help from another department: 需要市场部支持 — acknowledged, 3 days old" \
        in blocks(chat.last("grace"))["李雷 · team China"]
    # ... and the new week's no longer lists it.
    await bot.run_checkins()
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "2026-W49" in text
    assert "Support: none open" in blocks(text)["李雷 · team China"]


async def test_cli_csv_keeps_every_digit_of_a_figure_over_a_million(bot, chat, clock,
                                                                    monkeypatch):
    # Quarter-to-date revenue passes a million soon; "1.23457e+06" in a spreadsheet is
    # both wrong (rounded) and not the figure the GM reads in chat.
    await weeks_of_checkins(bot, clock, [alice("400000.5"), alice("400000"), alice("999999.5")])
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    code, out = run_cli(bot.settings, "summary", "--format", "csv")
    assert code == 0
    row = next(r for r in csv_records(out) if r["director"] == "alice")
    assert (row["revenue_week_actual"], row["revenue_qtd_actual"],
            row["revenue_qtd_target"]) == ("999999.5", "1800000", "150000")
    # The team view's CSV too.
    code, out = run_cli(bot.settings, "summary", "--format", "csv", "--team", "East")
    row = next(r for r in csv_records(out) if r["week"] == "2026-W48")
    assert (row["person"], row["revenue_actual"], row["revenue_target"]) == (
        "alice", "999999.5", "50000")


async def test_a_request_made_friday_evening_reads_as_opened_that_friday(bot, chat, clock):
    # 20:30 in New York is already Saturday in UTC: the GM, in New York, reads the day the
    # director asked, and the age counts from it.
    clock.set(clock.now().replace(hour=1, minute=30) + timedelta(days=1))  # Fri 20:30 NY
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", ALICE_ANSWERS)
    data = json.loads(run_cli_json(bot, clock))
    [item] = next(d for d in data["directors"] if d["key"] == "alice")["support"]
    assert item["opened"] == "2026-11-27"
    # On Tuesday /summary still shows 2026-W48, as it stood at the week's end (Monday
    # 00:00 in New York): Friday to Monday is 3 days (it read 2, from Saturday).
    clock.advance(timedelta(days=3, hours=13))
    await say(bot, "grace", "/summary")
    assert "Support: #1 Budget: Travel budget — open, 3 days old" in \
        blocks(chat.last("grace"))["Alice Martin · team East"]


def select_ids(model, requester_id: int):
    """The ids of `model`'s support requests made by one person."""
    from sqlalchemy import select

    return select(model.id).where(model.requester_id == requester_id)


def forget_tracking(bot, key: str) -> None:
    """Delete `key`'s tracked support requests: their answers read as stored before
    requests were tracked (no tracked request covers them)."""
    from sqlalchemy import delete

    from storage.support import SupportRequest, SupportWeek

    with bot.unit() as ctx:
        ids = list(ctx.session.scalars(select_ids(SupportRequest, ctx.people.by_key(key).id)))
        ctx.session.execute(delete(SupportWeek).where(SupportWeek.request_id.in_(ids)))
        ctx.session.execute(delete(SupportRequest).where(SupportRequest.id.in_(ids)))


async def test_an_untracked_need_is_new_when_its_detail_changes(bot, chat, clock):
    """Alice asked for budget four weeks running before requests were tracked: for CRM
    licences, then for travel three weeks, written differently ("travel  BUDGET"). The
    GM sees the travel budget open since its first week: case and spacing make no new
    request, another detail does (the CRM licences' week is not its start)."""
    friday = clock.now()
    details = ["CRM licences", "Travel budget", "travel  BUDGET", "Travel budget"]
    for n, detail in enumerate(details):
        clock.set(friday - timedelta(weeks=3 - n))
        await bot.run_checkins()
        full = alice("50000")
        full[5] = detail
        await answer_all(bot, "alice", full)
    forget_tracking(bot, "alice")
    clock.set(friday)
    data = json.loads(run_cli_json(bot, clock))
    alice_view = next(d for d in data["directors"] if d["key"] == "alice")
    assert [(s["type"], s["detail"], s["opened"], s["age_days"])
            for s in alice_view["support"]] == [("budget", "Travel budget", "2026-11-09", 18)]


async def test_an_untracked_need_counts_its_age_from_the_first_week_it_was_asked(bot, chat,
                                                                                 clock):
    """Alice asked for the same budget three weeks running in check-ins submitted before
    requests were tracked (no tracked request covers them): the GM still sees one need,
    open since the first of those weeks, and her blocker as recurring. A check-in stopped
    half-way is no request yet, tracked or not (README: Support requests), as /support
    reads it. Bruno reported a blocker and asked for budget two weeks ago (his check-in was
    submitted: a tracked request), not since: his blocker is not recurring and no untracked
    need is added."""
    full = alice("50000", blockers="Pricing approval")
    friday = clock.now()
    for n in range(3):
        clock.set(friday - timedelta(weeks=2 - n))
        await bot.run_checkins()
        await answer_all(bot, "alice", full)
        await answer_all(bot, "li", LI)
        bruno = list(BRUNO)
        if n == 0:
            bruno[2], bruno[3] = "Pricing approval", "2"  # blocker, and budget asked
            bruno.insert(4, "Demo units")
        await answer_all(bot, "bruno", bruno)
    forget_tracking(bot, "alice")
    clock.set(friday)
    data = json.loads(run_cli_json(bot, clock))
    alice_view = next(d for d in data["directors"] if d["key"] == "alice")
    assert [(s["type"], s["opened"], s["age_days"]) for s in alice_view["support"]] == \
        [("budget", "2026-11-09", 18)]
    assert alice_view["execution"]["recurring_weeks"] == 3  # "Pricing approval" 3 weeks
    # The next week she stops half-way, the same budget asked: nothing new, not yet.
    clock.set(friday + timedelta(weeks=1))
    await bot.run_checkins(["alice"])
    await answer_all(bot, "alice", full[:6])  # up to the support detail
    data = json.loads(run_cli_json(bot, clock))
    alice_view = next(d for d in data["directors"] if d["key"] == "alice")
    assert alice_view["support"] == []
    bruno_view = next(d for d in data["directors"] if d["key"] == "bruno")
    assert all(s["id"] is not None for s in bruno_view["support"])  # only tracked ones
    assert bruno_view["execution"]["recurring_weeks"] == 0


async def test_an_older_weeks_untracked_need_is_as_old_as_it_was_that_week(bot, chat, clock):
    """Alice asked for a budget three weeks running (2026-W46 to W48) before requests were
    tracked, Bruno once in W48 (tracked). Read two weeks later, W48's summary aged
    Bruno's request to the week's end (3 days) but Alice's need to today (32 days, not
    21): an older week's support is as it stood then, tracked or not."""
    full = alice("50000")
    friday = clock.now()
    for n in range(3):
        clock.set(friday - timedelta(weeks=2 - n))
        await bot.run_checkins(["alice"])
        await answer_all(bot, "alice", full)
    forget_tracking(bot, "alice")
    await bot.run_checkins(["bruno"])
    bruno = list(BRUNO)
    bruno[3] = "2"  # budget
    bruno.insert(4, "Demo units")
    await answer_all(bot, "bruno", bruno)
    clock.set(friday + timedelta(weeks=2))
    data = json.loads(run_cli_json(bot, clock, "--week", "2026-W48"))
    ages = {d["key"]: [(s["opened"], s["age_days"]) for s in d["support"]]
            for d in data["directors"]}
    assert ages["bruno"] == [("2026-11-27", 3)]
    assert ages["alice"] == [("2026-11-09", 21)]
    await say(bot, "grace", "/summary 2026-W48")
    assert "Alice Martin: support request open 21 days (Budget)" in chat.last("grace")


async def test_a_summary_viewer_reads_whom_each_one_on_one_is_with(bot, chat, clock):
    # Vera (a summary viewer) read "One-on-one with you: … overdue" of Grace's
    # one-on-ones with the directors, as if they were hers.
    await bot.run_checkins()
    await say(bot, "vera", "/summary")
    seen = chat.last("vera")
    assert "One-on-one with Grace Chen: last never · next 2026-12-08" in seen
    assert "One-on-one with you" not in seen
    await say(bot, "grace", "/summary")
    assert "One-on-one with you: last never · next 2026-12-08" in chat.last("grace")
    with bot.unit() as ctx:
        ctx.people.by_key("vera").locale = "zh-CN"
    await say(bot, "vera", "/summary")
    assert "与Grace Chen的一对一：上次 从未" in chat.last("vera")


async def test_an_earlier_week_skipped_throughout_is_no_check_in(bot, chat, clock):
    # Last week Alice went through her check-in skipping every question; this week all
    # three answered. Before the week shown last, only what a status needs is read.
    friday = clock.now()
    clock.set(friday - timedelta(weeks=1))
    await bot.run_checkins()
    for _ in ALICE_ANSWERS:
        await say(bot, "alice", "/skip")
    await answer_all(bot, "li", LI)
    await answer_all(bot, "bruno", BRUNO)
    clock.set(friday)
    await weeks_of_checkins(bot, clock, [alice("50000")])
    await say(bot, "grace", "/summary last 2w")
    text = chat.last("grace")
    assert "2026-W47: 2 of 3 · missing: Alice Martin" in text
    assert "2026-W48: 3 of 3" in text


@pytest.mark.parametrize(("last_day", "tz"), [
    (date(2026, 11, 29), "America/New_York"), (date(2026, 11, 29), "Asia/Shanghai"),
    (date(2026, 11, 29), "Asia/Kolkata"), (date(2027, 3, 14), "America/New_York"),
    # Chile's clocks skip Sunday's midnight (00:00 -> 01:00) when summer time starts:
    (date(2026, 9, 5), "America/Santiago"), (date(2026, 4, 4), "America/Santiago")])
def test_late_reads_the_same_from_sqlites_text_as_from_the_datetime(last_day, tz):
    """The GM's "late" mark compares SQLite's stored text with the week's cutoff instead of
    making a datetime per director: for every moment around the cutoff (to the second and
    the microsecond), the text reads late exactly when the local date is past the week."""
    first, text = _late_from(last_day, tz)
    zone = ZoneInfo(tz)
    for delta in (timedelta(hours=-30), timedelta(hours=-1), timedelta(seconds=-1),
                  timedelta(microseconds=-1), timedelta(0), timedelta(microseconds=1),
                  timedelta(seconds=1), timedelta(hours=1), timedelta(hours=30)):
        moment = (first + delta).astimezone(UTC)
        stored = moment.strftime("%Y-%m-%d %H:%M:%S.%f")  # as SQLite holds a DateTime
        local_day = moment.astimezone(zone).date()
        assert (stored >= text) is (local_day > last_day), (tz, delta)
        assert (moment >= first) is (local_day > last_day)
    assert datetime.fromisoformat(text).replace(tzinfo=UTC) == first


DANA = """  - {key: dana, name: Dana Wu, role: director, manager: grace, team: West,
     timezone: America/Los_Angeles, locale: en,
     kpis: [{metric: revenue, unit: USD, weekly_target: 30000}]}
"""


async def test_two_directors_of_one_name_still_to_come_are_both_named_as_listed(
        database_url, tmp_path):
    # Two Dana Wu in Los Angeles, in teams West and South: the headline lists them told
    # apart by team, and both are still to come (not "No check-in sent"), in both languages.
    from dataclasses import replace as _replace

    from bot.app import prepare
    from bot.clock import FakeClock
    from bot.config import Settings
    from tests.support import TEST_ORG, RecordingAdapter

    twin = DANA.replace("key: dana,", "key: dana2,").replace("team: West", "team: South")
    path = tmp_path / "org.yaml"
    path.write_text(TEST_ORG.read_text(encoding="utf-8").replace(
        "# Company values", DANA + twin + "# Company values"), encoding="utf-8")
    clock = FakeClock(datetime(2026, 11, 27, 21, 5, tzinfo=UTC))
    bot, engine = prepare(_replace(Settings(database_url=database_url), org_file=path), clock)
    chat = RecordingAdapter()
    bot.register(chat)
    try:
        for zone in ("Asia/Shanghai", "Europe/Rome", "America/New_York"):
            await bot.run_checkins(timezone=zone)
        await say(bot, "grace", "/summary")
        reply = chat.last("grace")
        assert ("Check-in still to come where they are, not in the targets yet: "
                "Dana Wu (West), Dana Wu (South)") in reply
        assert "No check-in sent" not in reply
        with bot.unit() as ctx:
            ctx.people.by_key("grace").locale = "zh-CN"
        await say(bot, "grace", "/summary")
        reply = chat.last("grace")
        assert "当地签到时间未到，暂不计入目标：Dana Wu（West）、Dana Wu（South）" in reply
        assert "未发送签到" not in reply
    finally:
        engine.dispose()


async def test_a_director_whose_check_in_time_is_still_to_come_is_not_said_to_be_left_out(
        database_url, tmp_path):
    # Friday 16:05 in New York: Li (Shanghai), Bruno (Rome) and Alice have been asked;
    # Dana's check-in goes out at 16:00 in Los Angeles, three hours later. The GM read
    # "No check-in sent, not in the targets: Dana Wu" and "▫️ Dana Wu — no check-in sent",
    # as if she had been left out (and /checkin send would have asked her early).
    from dataclasses import replace as _replace

    from bot.app import prepare
    from bot.clock import FakeClock
    from bot.config import Settings
    from tests.support import TEST_ORG, RecordingAdapter

    path = tmp_path / "org.yaml"
    path.write_text(TEST_ORG.read_text(encoding="utf-8").replace(
        "# Company values", DANA + "# Company values"), encoding="utf-8")
    clock = FakeClock(datetime(2026, 11, 27, 8, 5, tzinfo=UTC))
    bot, engine = prepare(_replace(Settings(database_url=database_url), org_file=path), clock)
    chat = RecordingAdapter()
    bot.register(chat)
    try:
        for zone, hour in (("Asia/Shanghai", 8), ("Europe/Rome", 15),
                           ("America/New_York", 21)):
            clock.set(datetime(2026, 11, 27, hour, 5, tzinfo=UTC))
            await bot.run_checkins(timezone=zone)
        await say(bot, "grace", "/summary")
        reply = chat.last("grace")
        assert "Check-in still to come where they are, not in the targets yet: Dana Wu" in reply
        assert "No check-in sent" not in reply
        assert ("▫️ Dana Wu — check-in not sent yet: it goes out Fri 2026-11-27 19:00 your "
                "time") in reply
        with bot.unit() as ctx:
            ctx.people.by_key("grace").locale = "zh-CN"
        await say(bot, "grace", "/summary")
        reply = chat.last("grace")
        assert "当地签到时间未到，暂不计入目标：Dana Wu" in reply
        assert "Dana Wu — 签到尚未发送：将于你的时间 2026-11-27（周五）19:00 发出" in reply
        # Once her round has gone out she is one of those asked, like everyone else.
        clock.set(datetime(2026, 11, 28, 0, 5, tzinfo=UTC))
        await bot.run_checkins(timezone="America/Los_Angeles")
        await say(bot, "grace", "/summary")
        reply = chat.last("grace")
        assert "签到：0 / 4" in reply and "当地签到时间未到" not in reply
    finally:
        engine.dispose()


async def test_the_headline_tells_a_check_in_in_progress_from_one_never_started(bot, chat,
                                                                               monkeypatch,
                                                                               clock):
    # Alice finished, Bruno stopped halfway, 李雷 never started: the headline read
    # "1 of 3 · missing: Bruno Rossi, 李雷", and a GM read "missing" as "did not answer".
    await bot.run_checkins()
    await answer_all(bot, "alice", ALICE_ANSWERS)
    await answer_all(bot, "bruno", BRUNO[:2])
    await say(bot, "grace", "/summary")
    assert "Check-ins: 1 of 3 · in progress: Bruno Rossi · missing: 李雷\n" in chat.last("grace")
    await say(bot, "grace", "/summary last 2w")
    assert "2026-W48: 1 of 3 · in progress: Bruno Rossi · missing: 李雷\n" in chat.last("grace")
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    week = json.loads(run_cli(bot.settings, "summary", "--format", "json")[1])["weeks"][0]
    assert (week["checked_in"], week["in_progress"], week["missing"], week["expected"]) == \
        (1, ["Bruno Rossi"], ["李雷"], 3)
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/summary")
    assert "签到：1 / 3 · 填写中：Bruno Rossi · 未签到：李雷\n" in chat.last("grace")


async def test_a_directors_history_says_when_a_check_in_still_to_come_goes_out(
        database_url, tmp_path):
    # Friday 16:05 in New York, 13:05 in Los Angeles: '/summary dana' read "2026-W48 …: no
    # check-in sent" under her block's "check-in not sent yet: it goes out … 19:00".
    from dataclasses import replace as _replace

    from bot.app import prepare
    from bot.clock import FakeClock
    from bot.config import Settings
    from tests.support import TEST_ORG, RecordingAdapter

    path = tmp_path / "org.yaml"
    path.write_text(TEST_ORG.read_text(encoding="utf-8").replace(
        "# Company values", DANA + "# Company values"), encoding="utf-8")
    clock = FakeClock(datetime(2026, 11, 27, 21, 5, tzinfo=UTC))
    bot, engine = prepare(_replace(Settings(database_url=database_url), org_file=path), clock)
    chat = RecordingAdapter()
    bot.register(chat)
    try:
        await bot.run_checkins(timezone="America/New_York")
        await say(bot, "grace", "/summary dana last 2w")
        history = chat.last("grace").split("Dana Wu · team West · last 2 weeks", 1)[1]
        assert ("2026-W48 (2026-11-23 – 2026-11-29): check-in not sent yet: it goes out Fri "
                "2026-11-27 19:00 your time") in history
        assert "2026-W47 (2026-11-16 – 2026-11-22): no check-in sent" in history
        with bot.unit() as ctx:
            ctx.people.by_key("grace").locale = "zh-CN"
        await say(bot, "grace", "/summary dana")
        assert ("2026-W48（2026-11-23 – 2026-11-29）：签到尚未发送：将于你的时间 2026-11-27（周五）"
                "19:00 发出") in chat.last("grace")
        # Once it has gone out, the week reads as any other.
        clock.set(datetime(2026, 11, 28, 0, 5, tzinfo=UTC))
        await bot.run_checkins(timezone="America/Los_Angeles")
        await say(bot, "grace", "/summary dana")
        assert "签到尚未发送" not in chat.last("grace")
    finally:
        engine.dispose()


async def test_an_evening_one_on_one_reads_the_gms_own_day(chat, clock, settings, tmp_path):
    """Grace in New York meets Alice Mondays at 19:30 her time (00:30 UTC on Tuesday).
    /1on1 says Monday 2026-11-30; the summary's "next" said 2026-12-01, the UTC day, and
    the last one held, on Monday the 23rd, read 2026-11-24. Both now read her day, and
    the export her time."""
    from dataclasses import replace

    import yaml

    from bot.app import prepare
    from storage.oneonone import OneOnOneMeeting
    from tests.support import TEST_ORG

    data = yaml.safe_load(TEST_ORG.read_text(encoding="utf-8"))
    data["oneonones"] = {"roles": {"director": {"cadence": "weekly", "day": "mon",
                                                "time": "19:30"}}}
    org = tmp_path / "org.yaml"
    org.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    bot, engine = prepare(replace(settings, org_file=org), clock)
    bot.register(chat)
    try:
        # Last Monday's, 2026-11-23 19:30 in New York, was held.
        with bot.unit() as ctx:
            grace, alice_ = ctx.people.by_key("grace"), ctx.people.by_key("alice")
            held = datetime(2026, 11, 24, 0, 30, tzinfo=UTC)
            ctx.session.add(OneOnOneMeeting(
                manager_id=grace.id, report_id=alice_.id, occurrence="2026-11-23",
                scheduled_at=held, status="held", asked_at=held, answered_at=held))
        await say(bot, "grace", "/1on1")
        assert "Alice Martin: weekly, Mon 19:30" in chat.last("grace")
        assert "next: Mon 2026-11-30 19:30" in chat.last("grace")
        await say(bot, "grace", "/summary alice")
        assert "One-on-one with you: last 2026-11-23 · next 2026-11-30" in chat.last("grace")
        (director,) = json.loads(run_cli_json(bot, clock, "--person", "alice"))[
            "director"]["directors"]
        assert director["oneonone"]["last"] == "2026-11-23T19:30:00-05:00"
        assert director["oneonone"]["next"] == "2026-11-30T19:30:00-05:00"
    finally:
        engine.dispose()


async def test_an_earlier_weeks_skipped_figures_read_as_none_given(bot, chat, clock):
    # Last week Alice skipped her revenue and her confidence; the weeks around it she
    # answered everything. The GM reads last week's attainment from new customers alone,
    # no confidence that week, and the month and quarter's revenue short of that week's
    # figure (the earlier weeks' figures are read without their skipped answers).
    skipping = alice("55000")
    skipping[0] = skipping[-1] = "/skip"
    await weeks_of_checkins(bot, clock, [alice("60000"), skipping, alice("20000")])
    data = json.loads(run_cli_json(bot, clock))
    view = next(d for d in data["directors"] if d["key"] == "alice")
    assert view["goals"]["series"] == [None, 0.975, 0.75, 0.575]
    assert view["execution"]["confidence"] == [None, 4, None, 4]
    revenue = next(f for f in view["goals"]["quarter_to_date"] if f["metric"] == "revenue")
    assert (revenue["actual"], revenue["reported"], revenue["expected"]) == (80000, 2, 3)
    await say(bot, "grace", "/summary last 4w")
    assert "trend ↓ (— → 98% → 75% → 58%)" in blocks(chat.last("grace"))[
        "Alice Martin · team East"]

"""Time away set after this week's check-in was begun (or finished) early.

The GM sends this week's check-in on Monday (`/checkin send`); 李雷 answers 5 of 8
questions (revenue 45,000, new customers 3, ...) and then goes away until the 20th, which
covers Friday's check-in moment. The week was begun before he went: it reads in progress
(not away, never missed), his figures count against the targets they were asked with, as
any reported figure, in every view (the GM's summary, a team's, the CLI, month and quarter
to date, the monthly review's count); being away, he is not chased (no reminder, not under
"Needs your attention") and his line says until when. His /away reply says all this.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import yaml

from handlers.monthly_review import build_review
from tests.support import TEST_ORG, bot_on_org, csv_records, run_cli, say

MONDAY = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)  # 09:00 in New York, 22:00 in Shanghai
FRIDAY_SHANGHAI = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)  # Friday 17:00 there: moment past
NEXT_MONDAY = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)
#: Five of his eight questions: revenue, new customers, wins, blockers, support (people).
FIVE = ["45000", "3", "签了两家", "价格", "4"]
ALICE_ALL = ["52000", "3", "Closed Acme", "Pricing pushback", "2", "Travel budget", "Visit 5",
             "4"]
LINE = "⏳ 李雷 — in progress (5 of 8 answered) · away until 2026-12-20: its answers count, " \
       "not reminded"


def org(tmp_path: Path) -> Path:
    """The test org, 李雷 with Alice's two KPIs (eight questions)."""
    data = yaml.safe_load(TEST_ORG.read_text(encoding="utf-8"))
    for p in data["people"]:
        if p["key"] == "li":
            p["kpis"] = [{"metric": "revenue", "unit": "USD", "weekly_target": 50000},
                         {"metric": "new_customers", "unit": "customers", "weekly_target": 4}]
    path = tmp_path / "org.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


async def begin_then_go_away(bot, chat) -> str:
    """Monday: the round goes out, 李雷 answers five questions, then says /away: his reply."""
    await say(bot, "grace", "/checkin send")
    for text in FIVE:
        await say(bot, "li", text)
    await say(bot, "li", "/away 2026-12-20")
    return chat.last("li")


def gm_week_checks(text: str) -> None:
    """What the GM's summary of 2026-W49 says of 李雷 whenever it is read."""
    assert LINE in text
    assert ("Team · Revenue 45,000 / 140,000 USD (32%), 1 of 3 reporting · not reported: "
            "Alice Martin, Bruno Rossi") in text
    assert "Team · New customers 3 / 8 customers (38%), 1 of 2 reporting" in text
    assert "李雷: in progress this week" not in text
    assert "李雷: not checked in" not in text
    assert "🌴 李雷" not in text


async def test_a_week_begun_then_away_reads_in_progress_counted_and_not_chased(
        settings, clock, tmp_path):
    clock.set(MONDAY)
    with bot_on_org(settings, clock, org(tmp_path)) as (bot, chat, cli):
        reply = await begin_then_go_away(bot, chat)
        # The reply keeps its promise and says what becomes of this week.
        assert "今天之前的周保持不变。你已开始的 2026-W49 签到（已答 5/8 题）保留已填的回答：" \
               "显示为进行中而非外出，数字照常计入，也不会再提醒你" in reply
        await say(bot, "grace", "/summary")
        text = chat.last("grace")
        gm_week_checks(text)
        assert "Check-ins: 0 of 3 · in progress: 李雷 · missing: Alice Martin, Bruno Rossi" \
            in text
        assert "Alice Martin: not checked in this week" in text  # (the others still are)
        assert "Month to date (2026-12): Revenue 45,000 / 140,000 USD (32%)" in text
        await say(bot, "grace", "/checkin remind")
        assert "Away: 李雷" in chat.last("grace")
        await say(bot, "grace", "/summary team China")
        team = chat.last("grace")
        assert LINE in team
        assert "Team · Revenue 45,000 / 50,000 USD (90%), 1 of 1 reporting" in team
        code, raw = run_cli(cli, "summary", "--format", "json")
        assert code == 0
        data = json.loads(raw)
        assert data["weeks"][0]["in_progress"] == ["李雷"] and data["weeks"][0]["away"] == []
        li = next(d for d in data["directors"] if d["key"] == "li")
        assert (li["status"], li["away_until"]) == ("in_progress", "2026-12-20")
        assert "missing" not in li["attention"]
        revenue = next(k for k in data["headline"]["week"] if k["metric"] == "revenue")
        assert (revenue["actual"], revenue["target"], revenue["reported"]) == (45000, 140000, 1)
        code, raw = run_cli(cli, "summary", "--team", "China", "--format", "json")
        person = json.loads(raw)["weeks"][0]["people"][0]
        assert (person["status"], person["away_until"]) == ("in_progress", "2026-12-20")

        # Friday, past his check-in moment: nothing is sent or reminded; the week reads
        # as on Monday.
        clock.set(FRIDAY_SHANGHAI)
        assert (await bot.run_checkins(["li"])).results == {"li": "away"}
        chat.clear()
        await bot.run_reminders()
        assert not chat.to("li")
        await say(bot, "grace", "/summary")
        gm_week_checks(chat.last("grace"))

        # The week after: away that week; 2026-W49 still in progress with his figures.
        clock.set(NEXT_MONDAY)
        assert (await bot.run_checkins(["li"])).results == {"li": "away"}
        await say(bot, "grace", "/summary last 4w")
        text = chat.last("grace")
        assert "2026-W49: 0 of 3 · in progress: 李雷 · missing: Alice Martin, Bruno Rossi" \
            in text
        assert "Month to date (2026-12): Revenue 45,000 / 140,000 USD (32%)" in text
        assert "Quarter to date (2026-Q4): Revenue 45,000 / 140,000 USD (32%)" in text
        await say(bot, "grace", "/summary 2026-W49")
        gm_week_checks(chat.last("grace"))
        code, raw = run_cli(cli, "summary", "--week", "2026-W49", "--format", "csv")
        assert code == 0
        row = next(r for r in csv_records(raw) if r.get("key") == "li"
                   or r.get("name") == "李雷")
        assert row["status"] == "in_progress"
        # The GM's Monday digest of the week names him so too.
        chat.clear()
        await bot.run_digests()
        assert any("李雷 (started, not finished; away until 2026-12-20, not reminded)" in t
                   for t in chat.to("grace")), chat.to("grace")
        with bot.unit() as ctx:
            ctx.people.by_key("grace").locale = "zh-CN"
        await say(bot, "grace", "/summary 2026-W49")
        assert "⏳ 李雷 — 填写中（已答 5/8） · 外出至 2026-12-20：已填的回答照常计入，不再提醒" \
            in chat.last("grace")
        # The monthly review counts it as asked and not finished, as the summary does:
        # not as a week away.
        with bot.unit() as ctx:
            review = build_review(ctx, ctx.people.by_key("li"), 2026, 12, "en")
        assert (review.checked_in, review.weeks, review.away_weeks) == (0, 1, 0)


async def test_a_check_in_already_in_stays_checked_in_when_away_follows(bot, chat, clock):
    clock.set(MONDAY)
    await say(bot, "grace", "/checkin send")
    for text in ALICE_ALL:
        await say(bot, "alice", text)
    await say(bot, "alice", "/away 2026-12-20")
    assert ("weeks before today stay as they were. Your 2026-W49 check-in is already in: it "
            "stays checked in, not away.") in chat.last("alice")
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "✅ Alice Martin — checked in" in text
    assert "Check-ins: 1 of 3" in text
    assert "Team · Revenue 52,000 / 150,000 USD (35%), 1 of 3 reporting" in text


async def test_away_and_back_the_same_day_leaves_the_begun_week_to_chase(
        settings, clock, tmp_path):
    clock.set(MONDAY)
    with bot_on_org(settings, clock, org(tmp_path)) as (bot, chat, _cli):
        await begin_then_go_away(bot, chat)
        await say(bot, "li", "/back")
        assert "你外出期间没有签到，所以没有哪一周记为外出。" in chat.last("li")
        await say(bot, "grace", "/summary")
        text = chat.last("grace")
        assert "⏳ 李雷 — in progress (5 of 8 answered)\n" in text
        assert "李雷: in progress this week" in text
        assert "Team · Revenue 45,000 / 140,000 USD (32%), 1 of 3 reporting" in text
        await say(bot, "grace", "/checkin remind")
        assert "Away: 李雷" not in chat.last("grace")
        assert "李雷" in chat.last("grace")


async def test_a_week_not_begun_that_the_time_away_covers_reads_away(bot, chat, clock):
    # (Unchanged: the round sent ahead and not begun is withdrawn; the reply says nothing
    # of a begun week.)
    clock.set(MONDAY)
    await say(bot, "grace", "/checkin send")
    await say(bot, "alice", "/away 2026-12-20")
    assert "Your 2026-W49 check-in" not in chat.last("alice")
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "🌴 Alice Martin — away until 2026-12-20" in text
    assert "Alice Martin: not checked in this week" not in text


async def test_time_away_planned_over_friday_after_beginning_stops_the_chasing_at_once(
        settings, clock, tmp_path):
    # Begun on Monday, away planned from Thursday: the week reads in progress with its
    # figures, and nothing chases him on Tuesday either, as his line and reply say.
    clock.set(MONDAY)
    with bot_on_org(settings, clock, org(tmp_path)) as (bot, chat, _cli):
        await say(bot, "grace", "/checkin send")
        for text in FIVE:
            await say(bot, "li", text)
        await say(bot, "li", "/away 2026-12-03 2026-12-20")
        assert "已计划：你将在 2026-12-03 – 2026-12-20（含）外出。" in chat.last("li")
        assert "你已开始的 2026-W49 签到（已答 5/8 题）保留已填的回答" in chat.last("li")
        clock.set(datetime(2026, 12, 1, 14, 0, tzinfo=UTC))  # Tuesday 22:00 in Shanghai
        chat.clear()
        await bot.run_reminders()
        assert not chat.to("li")
        await say(bot, "grace", "/checkin remind")
        assert "Away: 李雷" in chat.last("grace")
        assert not chat.to("li")
        await say(bot, "grace", "/summary")
        gm_week_checks(chat.last("grace"))

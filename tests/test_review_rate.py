"""How many were asked and how many answered a 360° review, from the GM's side — in the
report (chat, the DM at close, `teampulse review` md/json/csv), and while it is open
(`/review status`, `/review schedule`) — never who; and one reminder, from the raters'
side, to those not done before a scheduled review closes."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.base import DeliveryError, RetryLater
from bot.app import prepare
from bot.core import TeamPulse
from tests.support import TEST_ORG, RecordingAdapter, bot_on_org, csv_records, restart, run_cli, say
from tests.test_review_schedule import JAN_1_10AM_NY, QUARTERLY

#: Two more directors under Grace (Alice's peers: Bruno, Li, Dan, Eve) and two more
#: members under Alice (her reports: Sam, Ray, Rosa).
MORE = """\
  - {key: dan, name: Dan Wu, role: director, manager: grace, timezone: America/New_York}
  - {key: eve, name: Eve Stone, role: director, manager: grace, timezone: America/New_York}
  - {key: ray, name: Ray Kim, role: member, manager: alice, timezone: America/New_York}
  - {key: rosa, name: Rosa Diaz, role: member, manager: alice, timezone: America/New_York}
"""
FIVE = ["4", "4", "4", "4", "4"]


def org_text(people: str = MORE, extra: str = "") -> str:
    base = TEST_ORG.read_text(encoding="utf-8")
    at = base.index("# Company values")
    return base[:at] + people + base[at:] + extra


@pytest.fixture
def wide(settings, tmp_path: Path, clock):
    """The test org with Alice's peers and reports three or more each, and its settings
    (for the command line)."""
    path = tmp_path / "wide.yaml"
    path.write_text(org_text(), encoding="utf-8")
    with bot_on_org(settings, clock, path) as made:
        yield made


def scheduled(settings, tmp_path: Path, clock, people: str = MORE
              ) -> tuple[TeamPulse, RecordingAdapter, object]:
    path = tmp_path / "scheduled.yaml"
    path.write_text(org_text(people, QUARTERLY), encoding="utf-8")
    bot, engine = prepare(replace(settings, org_file=path), clock)
    chat = RecordingAdapter()
    bot.register(chat)
    return bot, chat, engine


async def answer(bot: TeamPulse, key: str, texts: list[str] = FIVE) -> None:
    for text in texts:
        await say(bot, key, text)


async def reminders_held_up(bot: TeamPulse, chat: RecordingAdapter, clock: Any,
                            *partly: str) -> None:
    """The scheduled reviews open (JAN_1_10AM_NY), the raters in `partly` answer their
    first survey's first two questions, then the reminders fall due two days before the
    close while the platform refuses everything (tests.test_checkin_remind.go_down)."""
    from tests.test_checkin_remind import go_down

    clock.set(JAN_1_10AM_NY)
    await bot.run_review_schedule()
    for key in partly:
        await answer(bot, key, ["4", "3"])
    chat.clear()
    go_down(chat)
    clock.set(JAN_1_10AM_NY + timedelta(days=12, minutes=5))
    await bot.run_review_schedule()


# --- the report --------------------------------------------------------------------------

async def test_the_report_says_per_group_how_many_were_asked_and_answered_in_every_format(
        wide):
    bot, chat, settings = wide
    await say(bot, "grace", "/review start alice")
    for key in ("grace", "bruno", "li", "dan", "sam", "ray"):
        await answer(bot, key)
    await say(bot, "grace", "/review close alice")
    report = chat.last("grace")
    counts = ("• Manager (Grace Chen): 1 of 1 answered\n"
              "• Peers: 3 of 4 answered\n"
              "• Reports: 2 of 3 answered\n"
              "• Self-assessment: 0 of 1 answered\n"
              "Response rate: 6 of 9 asked answered (67%).\n")
    assert counts in report
    assert report == chat.last("alice")  # the DM at close, to the director as to the GM
    # The ratings' own rule is unchanged: two reports answered, too few to show apart.
    assert "Peers and reports are shown together" in report
    await say(bot, "grace", "/review report alice")
    assert chat.last("grace") == report
    code, md = run_cli(settings, "review", "alice")
    # Markdown: a list, then the rate as a paragraph of its own.
    assert code == 0 and counts.rstrip("\n").replace("• ", "- ").replace(
        "\nResponse", "\n\nResponse") in md
    code, md = run_cli(settings, "review", "alice", "--locale", "zh-CN")
    assert code == 0
    assert ("- 同级：4 人受邀，3 人已回答\n- 下属：3 人受邀，2 人已回答\n" in md
            and "回答率：受邀 9 人，6 人已回答（67%）。" in md)
    code, raw = run_cli(settings, "review", "alice", "--format", "json")  # schema-checked
    assert code == 0
    data = json.loads(raw)
    assert data["response"] == {"groups": [
        {"group": "manager", "asked": 1, "answered": 1, "not_reached": 0},
        {"group": "peer", "asked": 4, "answered": 3, "not_reached": 0},
        {"group": "report", "asked": 3, "answered": 2, "not_reached": 0},
        {"group": "self", "asked": 1, "answered": 0, "not_reached": 0}],
        "overall": {"asked": 9, "answered": 6, "not_reached": 0, "rate": 0.67}}
    assert data["raters"] == {"manager": 1, "peer": 3, "report": 2, "self": 0}
    code, raw = run_cli(settings, "review", "alice", "--format", "csv")
    rows = [r for r in csv_records(raw) if r["criterion"] == "response"]
    assert [(r["group"], r["asked"], r["answered"]) for r in rows] == [
        ("manager", "1", "1"), ("peer", "4", "3"), ("report", "3", "2"), ("self", "1", "0"),
        ("all", "9", "6")]


async def reports_when(bot, chat, subject: str, *rater_sets: tuple[str, ...]) -> list[str]:
    """The GM's report of a review of `subject` closed after each set of raters answered
    (one review per set, one after another)."""
    reports = []
    for raters in rater_sets:
        await say(bot, "grace", f"/review start {subject}")
        for key in raters:
            await answer(bot, key)
        await say(bot, "grace", f"/review close {subject}")
        reports.append(chat.last("grace"))
    return reports


async def test_one_report_asked_is_never_counted_alone_nor_told_apart_by_the_ratings(
        settings, tmp_path, clock):
    # Alice has four peers and one report, Sam. Whether Sam answered or a fourth peer did,
    # the GM and Alice read the same report: "Reports: 1 of 1 answered" (or a report
    # shaped by whether a report answered) would say that Sam's answers are in.
    path = tmp_path / "one.yaml"
    path.write_text(org_text(MORE.split("  - {key: ray")[0]), encoding="utf-8")
    with bot_on_org(settings, clock, path) as (bot, chat, settings):
        reports = await reports_when(bot, chat, "alice", ("bruno", "li", "dan", "sam"),
                                     ("bruno", "li", "dan", "eve"))
        assert reports[0] == reports[1]
        assert ("• Peers and reports: 4 of 5 answered\n"
                "• Self-assessment: 0 of 1 answered\n"
                "Response rate: 4 of 7 asked answered (57%).") in reports[0]
        assert "Peers and reports are shown together" in reports[0]
        assert "Reports:" not in reports[0] and "Peers:" not in reports[0]
        code, raw = run_cli(settings, "review", "alice", "--format", "json")
        assert code == 0
        data = json.loads(raw)
        assert data["raters"]["report"] is None and data["raters"]["peer"] is None
        assert [g["group"] for g in data["response"]["groups"]] == [
            "manager", "peer+report", "self"]


async def test_too_few_peers_and_reports_asked_are_not_counted_at_all(bot, chat):
    # Bruno has two peers (Alice, Li) and no reports: "2 of 2 answered" would say they
    # both did, and the overall rate beside the named manager would too.
    reports = await reports_when(bot, chat, "bruno", ("alice", "li"), ("alice",))
    assert reports[0] == reports[1]
    assert ("Peers and reports: fewer than 3 were asked and reached, so how many of them "
            "answered is not shown, nor the overall response rate.") in reports[0]
    assert "• Manager (Grace Chen): 0 of 1 answered" in reports[0]
    assert "Response rate" not in reports[0] and "Peers:" not in reports[0]


# --- while it is open --------------------------------------------------------------------

async def test_the_gm_follows_an_open_review_by_counts_and_days_left_never_by_name(
        settings, tmp_path, clock):
    bot, chat, engine = scheduled(settings, tmp_path, clock)
    try:
        clock.set(JAN_1_10AM_NY)
        await bot.run_review_schedule()
        for key in ("bruno", "li", "sam"):  # the first survey each is asked: Alice's
            await answer(bot, key)
        await answer(bot, "ray", ["3", "3"])  # part-way: has answered
        clock.set(JAN_1_10AM_NY + timedelta(days=3, hours=2))
        await say(bot, "grace", "/review status alice")
        status = chat.last("grace")
        assert status.startswith("🔄 360° review of Alice Martin — open\n"
                                 "Started 2027-01-01; closes 2027-01-15 10:00 (in 11 days).")
        assert ("• Manager (Grace Chen): 0 of 1 answered\n"
                "• Peers: 2 of 4 answered\n"
                "• Reports: 2 of 3 answered\n"
                "• Self-assessment: 0 of 1 answered\n"
                "Response rate: 4 of 9 asked answered (44%).") in status
        # Nobody's name but the director's and the named manager's.
        for name in ("Bruno", "李雷", "Dan", "Eve", "Sam", "Ray", "Rosa"):
            assert name not in status
        await say(bot, "grace", "/review status")
        listing = chat.last("grace")
        assert "• Alice Martin — 4 of 9 answered (44%) · closes 2027-01-15 10:00 " \
               "(in 11 days)" in listing
        # Bruno's peers (Alice, Li, Dan, Eve) are four: counted, no reports.
        assert "• Bruno Rossi — 0 of 6 answered (0%)" in listing
        await say(bot, "grace", "/review schedule")
        assert "• Alice Martin — closes 2027-01-15 10:00 · 4 of 9 answered" in chat.last("grace")
        # The director asks: not the GM, told nothing.
        await say(bot, "alice", "/review status alice")
        assert chat.last("alice").startswith("Only the GM starts and closes 360° reviews.")
        await say(bot, "alice", "/review status")
        assert chat.last("alice").startswith("Only the GM starts and closes 360° reviews.")
        for text in chat.to("alice"):
            assert "answered" not in text or "of 9" not in text
        # In Chinese for a Chinese-speaking GM's wording twin: Li is not the GM.
        await say(bot, "li", "/review status")
        assert chat.last("li").startswith("只有总经理")
    finally:
        engine.dispose()


async def test_an_open_review_the_gm_started_has_no_closing_date(bot, chat):
    await say(bot, "grace", "/review status")
    assert chat.last("grace") == "No 360° review is open. /review start alice starts one."
    await say(bot, "grace", "/review start alice")
    await answer(bot, "sam")
    await say(bot, "grace", "/review status alice")
    status = chat.last("grace")
    assert "no closing date: it closes when everyone has answered, or with " \
           "/review close alice" in status
    assert "• Peers and reports: 1 of 3 answered" in status
    await say(bot, "grace", "/review status bruno")
    assert chat.last("grace") == "There is no open 360° review of Bruno Rossi."


async def status_at(bot, chat, clock, when: datetime, who: str = "grace") -> tuple[str, str]:
    """The GM's `/review status alice` and `/review status` at a moment."""
    clock.set(when)
    await say(bot, who, "/review status alice")
    one = chat.last(who).splitlines()[1]
    await say(bot, who, "/review status")
    return one, next(line for line in chat.last(who).splitlines() if "Alice Martin" in line)


#: Alice's scheduled review closes on Friday 2027-01-15 at 10:00 New York time (15:00 UTC).
CLOSES = JAN_1_10AM_NY + timedelta(days=14)


async def test_the_status_says_when_a_review_closes_as_the_gm_counts_days(
        settings, tmp_path, clock):
    """In the GM's timezone, by the calendar: 30 hours before the close said "1 day left",
    20 hours before "less than a day left" — both are tomorrow."""
    bot, chat, engine = scheduled(settings, tmp_path, clock)
    try:
        clock.set(JAN_1_10AM_NY)
        await bot.run_review_schedule()
        one, line = await status_at(bot, chat, clock, CLOSES - timedelta(hours=60))
        assert one == "Started 2027-01-01; closes 2027-01-15 10:00 (in 3 days)."
        assert line.endswith("· closes 2027-01-15 10:00 (in 3 days)")
        for hours in (30, 20, 11.5):  # Thursday 04:00, 14:00 and 22:30 (the 15th in UTC)
            one, line = await status_at(bot, chat, clock, CLOSES - timedelta(hours=hours))
            assert one == "Started 2027-01-01; closes tomorrow at 10:00."
            assert line.endswith("· closes tomorrow at 10:00")
        one, line = await status_at(bot, chat, clock, CLOSES - timedelta(hours=9, minutes=30))
        assert one == "Started 2027-01-01; closes today at 10:00."  # 00:30 on the day
        one, line = await status_at(bot, chat, clock, CLOSES - timedelta(minutes=1))
        assert line.endswith("· closes today at 10:00")
        # Past the time, before the close sweep has run (within 5 minutes).
        one, line = await status_at(bot, chat, clock, CLOSES + timedelta(minutes=2))
        assert one == "Started 2027-01-01; closing now (due 2027-01-15 10:00)."
    finally:
        engine.dispose()


async def test_a_chinese_gm_reads_when_it_closes_in_chinese(settings, tmp_path, clock):
    path = tmp_path / "zh.yaml"
    text = org_text(extra=QUARTERLY).replace(
        "timezone: America/New_York\n    locale: en\n    slack_id: U0GRACE",
        "timezone: America/New_York\n    locale: zh-CN\n    slack_id: U0GRACE", 1)
    assert "locale: zh-CN\n    slack_id: U0GRACE" in text
    path.write_text(text, encoding="utf-8")
    with bot_on_org(settings, clock, path) as (bot, chat, _):
        clock.set(JAN_1_10AM_NY)
        await bot.run_review_schedule()
        one, line = await status_at(bot, chat, clock, CLOSES - timedelta(hours=60))
        assert one == "2027-01-01 发起；2027-01-15 10:00 结束（还有 3 天）。"
        assert line.endswith("· 2027-01-15 10:00 结束（还有 3 天）")
        one, line = await status_at(bot, chat, clock, CLOSES - timedelta(hours=20))
        assert one == "2027-01-01 发起；明天 10:00 结束。"
        one, line = await status_at(bot, chat, clock, CLOSES - timedelta(hours=2))
        assert one == "2027-01-01 发起；今天 10:00 结束。" and line.endswith("· 今天 10:00 结束")
        one, line = await status_at(bot, chat, clock, CLOSES + timedelta(minutes=2))
        assert one == "2027-01-01 发起；正在结束（原定 2027-01-15 10:00）。"
        await say(bot, "grace", "/review schedule")
        assert "每次开放 14 天（结束前 2 天提醒尚未完成的评估人），之后" in chat.last("grace")


# --- the reminder ------------------------------------------------------------------------

def reminders(chat: RecordingAdapter, key: str) -> list[str]:
    return [t for t in chat.to(key) if t.startswith("⏰")]


async def test_a_review_open_two_days_reminds_a_day_after_it_started_not_at_once(
        settings, tmp_path, clock):
    """README: the reminder goes `remind_days` (2 by default) before a scheduled review
    closes "(and at least a day after it started)". A review open two days (`open_days:
    2`) is within its reminder's two days from its first minute: Sam is not reminded the
    hour his invitation came, nor 23 hours on, but once a day has passed, once."""
    path = tmp_path / "short.yaml"
    path.write_text(org_text(MORE, QUARTERLY.replace("open_days: 14", "open_days: 2")),
                    encoding="utf-8")
    with bot_on_org(settings, clock, path) as (bot, chat, _):
        clock.set(JAN_1_10AM_NY)
        await bot.run_review_schedule()
        for later in (timedelta(minutes=5), timedelta(hours=23)):
            clock.set(JAN_1_10AM_NY + later)
            await bot.run_review_schedule()
            assert reminders(chat, "sam") == [], later
        clock.set(JAN_1_10AM_NY + timedelta(days=1, minutes=5))
        await bot.run_review_schedule()
        await bot.run_review_schedule()
        [reminder] = reminders(chat, "sam")
        assert reminder.startswith("⏰ A reminder: your feedback on Alice Martin closes "
                                   "2027-01-03 "), reminder


async def test_one_reminder_two_days_before_the_close_to_raters_not_done_across_a_restart(
        settings, tmp_path, clock):
    bot, chat, engine = scheduled(settings, tmp_path, clock)
    try:
        clock.set(JAN_1_10AM_NY)
        await bot.run_review_schedule()
        await answer(bot, "bruno")  # done with Alice; Bruno still has others to rate
        await answer(bot, "sam", ["4", "3"])  # two of five
        clock.set(JAN_1_10AM_NY + timedelta(days=11))  # three days before: not yet
        await bot.run_review_schedule()
        assert not any(reminders(chat, k) for k in ("sam", "alice", "li", "grace"))
        clock.set(JAN_1_10AM_NY + timedelta(days=12, minutes=5))
        await bot.run_review_schedule()
        assert reminders(chat, "sam") == [
            "⏰ A reminder: your feedback on Alice Martin closes 2027-01-15 09:00, and you "
            "have answered 2 of 5 questions. Send /review to go on: it takes a few minutes. "
            "Only you get this reminder; nobody is told who has answered."]
        # Alice rates her peers and assesses herself: one DM for the five, her own first.
        assert reminders(chat, "alice") == [
            "⏰ A reminder: 5 360° surveys you were asked to answer close soon:\n"
            "• your self-assessment — closes 2027-01-15 10:00\n"
            "• Bruno Rossi — closes 2027-01-15 10:00\n"
            "• Dan Wu — closes 2027-01-15 10:00\n"
            "• Eve Stone — closes 2027-01-15 10:00\n"
            "• 李雷 — closes 2027-01-15 10:00\n"
            "Send /review to go on: each takes a few minutes. Only you get this reminder; "
            "nobody is told who has answered."]
        # Li reads hers in Chinese, in her timezone.
        li = reminders(chat, "li")
        assert len(li) == 1 and li[0].startswith(
            "⏰ 提醒：邀请你填写的 5 份 360° 问卷即将截止：\n• 你的自评 —— 2027-01-15 23:00 截止\n")
        # Bruno finished Alice's review: his reminder names the other four, not her.
        bruno = reminders(chat, "bruno")
        assert len(bruno) == 1 and bruno[0].startswith("⏰ A reminder: 4 360° surveys")
        assert "Alice Martin" not in bruno[0] and "Dan Wu" in bruno[0]
        # The GM, every director's manager: one DM for the five, not five.
        assert len(reminders(chat, "grace")) == 1
        sent = len(chat.sent)
        # Another sweep, a restart, a day later: nobody is reminded twice.
        await bot.run_review_schedule()
        again = await restart(bot, clock)
        clock.set(JAN_1_10AM_NY + timedelta(days=13))
        await bot.run_review_schedule()
        assert len(chat.sent) == sent and not again.sent
    finally:
        engine.dispose()


async def test_a_peers_or_reports_reminder_is_blanked_in_the_outbox_once_sent(
        settings, tmp_path, clock):
    """README: the survey's messages to a peer or a report — "the invitation, each
    question, a reminder, the thanks" — are blanked in the bot's record of messages once
    sent. The reminder names whom they rate and how far they got; the GM's, who rates
    each director as their manager (named anyway), is kept as any DM."""
    from sqlalchemy import select

    from storage.models import OutboxMessage

    bot, chat, engine = scheduled(settings, tmp_path, clock)
    try:
        clock.set(JAN_1_10AM_NY)
        await bot.run_review_schedule()
        await answer(bot, "sam", ["4", "3"])
        clock.set(JAN_1_10AM_NY + timedelta(days=12, minutes=5))
        await bot.run_review_schedule()
        await bot.outbox.flush()
        assert reminders(chat, "sam") and reminders(chat, "grace")
        with bot.unit() as ctx:
            rows = {r.address: r for r in ctx.session.scalars(select(OutboxMessage))
                    if (r.dedupe_key or "").startswith("review:")
                    and ":reminder:" in (r.dedupe_key or "")}
        assert rows["sam"].status == "sent" and rows["sam"].payload["text"] == ""
        assert rows["bruno"].payload["text"] == ""  # a peer of four directors
        assert "A reminder" in rows["grace"].payload["text"]
    finally:
        engine.dispose()


async def test_a_reminder_held_up_until_the_review_closed_is_not_sent(settings, tmp_path,
                                                                      clock):
    # The reminders fall due two days before the close, while the platform refuses every
    # message (an outage, a rate limit), and it does until an hour after the close: a
    # reminder that the review "closes 2027-01-15 10:00" is not sent then.
    bot, chat, engine = scheduled(settings, tmp_path, clock)
    try:
        clock.set(JAN_1_10AM_NY)
        await bot.run_review_schedule()
        chat.fail_next[:] = [RetryLater(3600)] * 10_000
        clock.set(JAN_1_10AM_NY + timedelta(days=12, minutes=5))
        await bot.run_review_schedule()
        with bot.unit() as ctx:
            held = [r.id for r in ctx.outbox.by_status("pending")
                    if ":reminder:" in (r.dedupe_key or "")]
        assert len(held) >= 5
        clock.set(CLOSES + timedelta(hours=1))
        chat.fail_next.clear()
        for _ in range(100):
            due = await bot.outbox.flush()
            if due is None:
                break
            clock.set(max(due, clock.now()))
        assert not any(reminders(chat, k) for k in ("sam", "alice", "li", "grace", "bruno"))
        assert any(s.target.address == "sam" for s in chat.sent)  # (the rest did go out)
        with bot.unit() as ctx:
            assert sorted(r.id for r in ctx.outbox.by_status("expired")) == sorted(held)
    finally:
        engine.dispose()


async def test_no_reminder_for_someone_away_until_they_are_back(settings, tmp_path, clock):
    bot, chat, engine = scheduled(settings, tmp_path, clock)
    try:
        clock.set(JAN_1_10AM_NY)
        await bot.run_review_schedule()
        await say(bot, "sam", "/away 2027-01-13")
        clock.set(JAN_1_10AM_NY + timedelta(days=12, minutes=5))
        await bot.run_review_schedule()
        assert not reminders(chat, "sam") and reminders(chat, "ray")
        clock.set(JAN_1_10AM_NY + timedelta(days=13, hours=6))  # the 14th, back
        await bot.run_review_schedule()
        assert len(reminders(chat, "sam")) == 1
    finally:
        engine.dispose()


async def test_reminders_of_a_large_period_go_a_batch_a_transaction_each_once(
        settings, tmp_path, clock, monkeypatch):
    import handlers.review_progress as review_progress

    monkeypatch.setattr(review_progress, "REMIND_BATCH", 2)
    bot, chat, engine = scheduled(settings, tmp_path, clock)
    try:
        clock.set(JAN_1_10AM_NY)
        await bot.run_review_schedule()
        clock.set(JAN_1_10AM_NY + timedelta(days=12, minutes=5))
        await bot.run_review_schedule()
        # Everyone asked (the GM, five directors, three members) is reminded once.
        people = ("grace", "alice", "bruno", "li", "dan", "eve", "sam", "ray", "rosa")
        assert [len(reminders(chat, k)) for k in people] == [1] * len(people)
    finally:
        engine.dispose()


async def test_a_director_who_left_the_org_mid_review_can_still_be_followed_and_closed(
        settings, tmp_path, clock):
    """The status listing names the review and `/review close <key>`: both must work for a
    director the org file no longer lists, or the review stays open (and listed) for ever."""
    from bot.org_reload import OrgWatcher

    path = tmp_path / "org.yaml"
    text = org_text()
    path.write_text(text, encoding="utf-8")
    bot, engine = prepare(replace(settings, org_file=path), clock)
    chat = RecordingAdapter()
    bot.register(chat)
    try:
        await say(bot, "grace", "/review start dan")
        await answer(bot, "bruno")
        before = path.stat()
        path.write_text(text.replace(MORE.splitlines(keepends=True)[0], ""), encoding="utf-8")
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
        change = await OrgWatcher(bot, path, stamp=bot.org_stamp).check()
        assert change is not None and change.removed == ("dan",)
        await say(bot, "grace", "/review status")
        listing = chat.last("grace")
        assert "• Dan Wu — " in listing and "/review close dan" in listing
        await say(bot, "grace", "/review status dan")
        assert chat.last("grace").startswith("🔄 360° review of Dan Wu — open")
        await say(bot, "grace", "/review close dan")
        assert chat.last("grace").startswith("🔄 360° review — Dan Wu")
        await say(bot, "grace", "/review status")
        assert chat.last("grace") == "No 360° review is open. /review start alice starts one."
        # Li, asked about Dan, is no longer held by her survey.
        await say(bot, "li", "/review")
        assert "Dan" not in chat.last("li")
        # Someone who left with no review open is still not a director.
        await say(bot, "grace", "/review close dan")
        assert chat.last("grace").startswith("dan is not a director in the org file")
    finally:
        engine.dispose()


async def test_raters_of_a_director_who_left_are_still_asked_about_them_by_name(
        settings, tmp_path, clock):
    """README: a director who leaves the org file while their review is open — "until then
    their raters are still asked", and the report goes to the GM alone. Alice, between two
    questions about Dan when he left, read "how would you rate , 1 (poor) to 5": his name
    was gone from the question, the survey about nobody."""
    from bot.org_reload import OrgWatcher

    path = tmp_path / "org.yaml"
    text = org_text()
    path.write_text(text, encoding="utf-8")
    bot, engine = prepare(replace(settings, org_file=path), clock)
    chat = RecordingAdapter()
    bot.register(chat)
    try:
        await say(bot, "eve", "/away 2026-12-03")  # her survey waits until she is back
        await say(bot, "grace", "/review start dan")
        assert "how would you rate Dan Wu, 1 (poor)" in chat.last("alice")
        await say(bot, "alice", "4")
        assert "how would you rate Dan Wu, 1 (poor)" in chat.last("alice")
        await say(bot, "bruno", "/pause")
        before = path.stat()
        path.write_text(text.replace(MORE.splitlines(keepends=True)[0], ""), encoding="utf-8")
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
        change = await OrgWatcher(bot, path, stamp=bot.org_stamp).check()
        assert change is not None and change.removed == ("dan",)
        await say(bot, "alice", "3")
        assert chat.last("alice").startswith(
            "3/5 · Cooperation with other departments: how would you rate Dan Wu, 1 (poor)")
        await say(bot, "bruno", "/review")  # a survey put aside, taken up again
        assert "how would you rate Dan Wu, 1 (poor)" in chat.last("bruno")
        # Eve, away when it started, was told by /review status she is "asked once back":
        # she is, about Dan by name.
        await say(bot, "grace", "/review status dan")
        assert "not reached Eve Stone (away: asked once back)" in chat.last("grace")
        await say(bot, "eve", "/back")
        assert "You're asked for feedback on Dan Wu as a fellow director" in \
            chat.to("eve")[-2]
        assert "how would you rate Dan Wu, 1 (poor)" in chat.last("eve")
        for _ in range(3):
            await say(bot, "alice", "4")
        dan = len(chat.to("dan"))
        await say(bot, "grace", "/review close dan")
        assert chat.last("grace").startswith("🔄 360° review — Dan Wu")
        assert len(chat.to("dan")) == dan  # the report goes to the GM alone
    finally:
        engine.dispose()


async def test_the_schedule_still_lists_the_open_review_of_a_director_who_left(
        settings, tmp_path, clock):
    """README: a director who leaves the org file while their review is open is still
    listed by name, so the GM can follow and close it; `/review schedule` shows the open
    scheduled reviews. Dan's, open till the 15th, had dropped out of its list."""
    from bot.org_reload import OrgWatcher

    bot, chat, engine = scheduled(settings, tmp_path, clock)
    try:
        clock.set(JAN_1_10AM_NY)
        await bot.run_review_schedule()
        path = tmp_path / "scheduled.yaml"
        before = path.stat()
        path.write_text(path.read_text(encoding="utf-8").replace(
            MORE.splitlines(keepends=True)[0], ""), encoding="utf-8")
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
        change = await OrgWatcher(bot, path, stamp=bot.org_stamp).check()
        assert change is not None and change.removed == ("dan",)
        await say(bot, "grace", "/review schedule")
        view = chat.last("grace")
        assert "Open now\n" in view
        assert "• Dan Wu — closes 2027-01-15 10:00" in view, view
        assert "• Alice Martin — closes 2027-01-15 10:00" in view  # a guard
    finally:
        engine.dispose()


async def test_a_review_started_later_in_the_period_is_reminded_two_days_before_its_own_close(
        settings, tmp_path, clock):
    """Dana joins on the 5th: her review starts then and closes on the 19th. Her raters
    are reminded two days before the 19th — not on the 13th with the others', and
    Alice's raters are not left without one."""
    from bot.org_reload import OrgWatcher

    bot, chat, engine = scheduled(settings, tmp_path, clock)
    try:
        clock.set(JAN_1_10AM_NY)
        await bot.run_review_schedule()
        path = tmp_path / "scheduled.yaml"
        dana = ("  - {key: dana, name: Dana Park, role: director, manager: grace, "
                "timezone: America/New_York}\n"
                "  - {key: tom, name: Tom Ng, role: member, manager: dana, "
                "timezone: America/New_York}\n")
        before = path.stat()
        path.write_text(org_text(MORE + dana, QUARTERLY), encoding="utf-8")
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
        await OrgWatcher(bot, path, stamp=bot.org_stamp).check()
        clock.set(JAN_1_10AM_NY + timedelta(days=4))
        await bot.run_review_schedule()
        assert any(t.startswith("📋") and "Dana Park" in t for t in chat.to("tom"))
        clock.set(JAN_1_10AM_NY + timedelta(days=12, minutes=5))  # the others' reminder
        await bot.run_review_schedule()
        assert not reminders(chat, "tom") and not reminders(chat, "dana")
        assert len(reminders(chat, "sam")) == 1
        grace = reminders(chat, "grace")  # the manager of all six: Dana's not yet
        assert len(grace) == 1 and "Dana Park" not in grace[0]
        clock.set(JAN_1_10AM_NY + timedelta(days=16, minutes=5))  # two days before the 19th
        await bot.run_review_schedule()
        assert reminders(chat, "tom") == [
            "⏰ A reminder: your feedback on Dana Park closes 2027-01-19 10:00. Send /review "
            "to go on: it takes a few minutes. Only you get this reminder; nobody is told "
            "who has answered."]
        assert len(reminders(chat, "grace")) == 2 and "Dana Park" in reminders(chat, "grace")[1]
        assert len(reminders(chat, "sam")) == 1
    finally:
        engine.dispose()


async def test_the_org_file_sets_how_many_days_before_the_close_raters_are_reminded(
        settings, tmp_path, clock):
    """`reviews.remind_days: 4`: Sam, who has not answered, is reminded four days before
    Alice's review closes — not at five, not again at two (the default's day) — and
    `remind_days: 0` reminds nobody (below)."""
    path = tmp_path / "org.yaml"
    path.write_text(org_text(extra=QUARTERLY + "  remind_days: 4\n"), encoding="utf-8")
    with bot_on_org(settings, clock, path) as (bot, chat, _):
        clock.set(JAN_1_10AM_NY)
        await bot.run_review_schedule()
        await say(bot, "grace", "/review schedule")  # the GM is told when
        assert ("each stays open 14 days (raters not done are reminded 4 days before it "
                "closes), then the director gets the report") in chat.last("grace")
        clock.set(JAN_1_10AM_NY + timedelta(days=9, minutes=5))  # five days before
        await bot.run_review_schedule()
        assert not reminders(chat, "sam")
        clock.set(JAN_1_10AM_NY + timedelta(days=10, minutes=5))  # four days before
        await bot.run_review_schedule()
        assert reminders(chat, "sam") == [
            "⏰ A reminder: your feedback on Alice Martin closes 2027-01-15 09:00. Send "
            "/review to go on: it takes a few minutes. Only you get this reminder; nobody is "
            "told who has answered."]
        for days in (11, 12, 13):
            clock.set(JAN_1_10AM_NY + timedelta(days=days, minutes=5))
            await bot.run_review_schedule()
        assert len(reminders(chat, "sam")) == 1


async def test_remind_days_0_reminds_nobody(settings, tmp_path, clock):
    path = tmp_path / "off.yaml"
    path.write_text(org_text(extra=QUARTERLY + "  remind_days: 0\n"), encoding="utf-8")
    with bot_on_org(settings, clock, path) as (bot, chat, _):
        clock.set(JAN_1_10AM_NY + timedelta(minutes=5))
        await bot.run_review_schedule()
        for days in range(1, 14):
            clock.set(JAN_1_10AM_NY + timedelta(days=days, minutes=5))
            await bot.run_review_schedule()
        assert any(t.startswith("📋") for t in chat.to("sam"))  # asked, never reminded
        assert not any(reminders(chat, key) for key in ("grace", "alice", "sam", "li"))


async def test_the_gm_reads_a_departed_directors_closed_review_again(settings, tmp_path, clock):
    """Dan's review closed, then he left the org file: the GM read the report once, in the
    DM at close. `/review report` finds it again by his key or the name he had; a director
    still cannot read it, and two who left under one name are told apart by key."""
    from bot.org_reload import OrgWatcher

    path = tmp_path / "org.yaml"
    text = org_text()
    path.write_text(text, encoding="utf-8")
    dan, eve = MORE.splitlines(keepends=True)[:2]

    async def edit(new: str) -> None:
        before = path.stat()
        path.write_text(new, encoding="utf-8")
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
        assert await OrgWatcher(bot, path, stamp=bot.org_stamp).check() is not None

    bot, engine = prepare(replace(settings, org_file=path), clock)
    chat = RecordingAdapter()
    bot.register(chat)
    try:
        reports = {}
        for key in ("dan", "eve"):
            await say(bot, "grace", f"/review start {key}")
            for rater in ("alice", "bruno", "li"):
                await answer(bot, rater)
            await say(bot, "grace", f"/review close {key}")
            reports[key] = chat.last("grace")
        assert reports["dan"].startswith("🔄 360° review — Dan Wu")
        await edit(text.replace(dan, ""))
        for typed in ("dan", "Dan Wu", "dan wu"):
            await say(bot, "grace", f"/review report {typed}")
            assert chat.last("grace") == reports["dan"]
        # A director asks for it: the command is the GM's, as for anyone's report.
        await say(bot, "alice", "/review report dan")
        assert chat.last("alice").startswith("Only the GM starts and closes 360° reviews.")
        await say(bot, "alice", "/review report eve")
        assert chat.last("alice").startswith("Only the GM starts and closes 360° reviews.")
        # Eve, renamed Dan Wu, then gone too: the name is two people's; each by key.
        renamed = text.replace(dan, "").replace("name: Eve Stone", "name: Dan Wu")
        await edit(renamed)
        await edit(renamed.replace(eve.replace("Eve Stone", "Dan Wu"), ""))
        await say(bot, "grace", "/review report Dan Wu")
        both = chat.last("grace")
        assert "/review report dan" in both and "/review report eve" in both
        await say(bot, "grace", "/review report eve")
        assert chat.last("grace").startswith("🔄 360° review — Dan Wu")
        assert chat.last("grace") == reports["eve"].replace("Eve Stone", "Dan Wu")
        # Someone who left with no closed review, or was never a director, is not one.
        await say(bot, "grace", "/review report nobody")
        assert chat.last("grace").startswith("nobody is not a director in the org file")
    finally:
        engine.dispose()


class Refusing(RecordingAdapter):
    """A platform that never delivers to Rosa (an id that is no user: refused for good)
    nor to Dan (an error every time, until the outbox gives up or the survey expires)."""

    async def deliver(self, target, message):  # type: ignore[no-untyped-def]
        if target.address == "rosa":
            raise DeliveryError("user_not_found", permanent=True)
        if target.address == "dan":
            raise DeliveryError("connection reset")
        return await super().deliver(target, message)


async def test_raters_the_survey_never_reached_are_not_counted_as_asked(
        settings, tmp_path, clock):
    """Alice's scheduled review asks 4 peers and 3 reports. Dan's survey (a peer) never got
    through and Rosa's (a report) was refused for good; the report read "Peers: 3 of 4
    answered", "Reports: 2 of 3 answered" and a 78% rate, as if Dan and Rosa had not
    bothered, and the reports' threshold of 3 counted Rosa, who could not answer: "2 of 3"
    told the GM that both reports reached had answered. Now only those reached are
    counted ("n of m"), how many could not be reached is said apart, and the two reports
    reached (fewer than 3) are counted together with the peers, in chat and the CLI, in
    English and Chinese; the open review's status says "not reached yet"."""
    path = tmp_path / "scheduled.yaml"
    path.write_text(org_text(MORE, QUARTERLY), encoding="utf-8")
    bot, engine = prepare(replace(settings, org_file=path), clock)
    chat = Refusing()
    bot.register(chat)
    try:
        clock.set(JAN_1_10AM_NY)
        await bot.run_review_schedule()
        for _ in range(200):  # the outbox tries Dan again and again, and gives up
            due = await bot.outbox.flush()
            if due is None:
                break
            clock.set(max(due, clock.now()))
        for key in ("grace", "bruno", "li", "eve", "sam", "ray", "alice"):
            await answer(bot, key)
        await say(bot, "grace", "/review status alice")
        status = chat.last("grace")
        assert "• Peers and reports: 5 of 5 answered · 2 more not reached yet" in status
        assert "Response rate: 7 of 7 reached answered (100%). 2 asked not reached yet" in status
        clock.set(CLOSES + timedelta(minutes=5))
        await bot.run_review_schedule()
        await bot.outbox.flush()
        await say(bot, "grace", "/review report alice")
        report = chat.last("grace")
        assert ("• Manager (Grace Chen): 1 of 1 answered\n"
                "• Peers and reports: 5 of 5 answered · 2 more could not be reached\n"
                "• Self-assessment: 1 of 1 answered\n"
                "Response rate: 7 of 7 reached answered (100%). 2 asked could not be reached: "
                "no chat platform reaches them, they were away until the review closed, or "
                "their survey was never delivered (an outage). They are not counted as "
                "asked.") in report
        assert "of 4" not in report and "of 3" not in report and "of 9" not in report
        code, raw = run_cli(replace(settings, org_file=path), "review", "alice",
                            "--format", "json")
        assert code == 0
        assert json.loads(raw)["response"] == {"groups": [
            {"group": "manager", "asked": 1, "answered": 1, "not_reached": 0},
            {"group": "peer+report", "asked": 5, "answered": 5, "not_reached": 2},
            {"group": "self", "asked": 1, "answered": 1, "not_reached": 0}],
            "overall": {"asked": 7, "answered": 7, "not_reached": 2, "rate": 1.0}}
        code, raw = run_cli(replace(settings, org_file=path), "review", "alice",
                            "--format", "csv")
        rows = [r for r in csv_records(raw) if r["criterion"] == "response"]
        assert [(r["group"], r["asked"], r["not_reached"]) for r in rows] == [
            ("manager", "1", "0"), ("peer+report", "5", "2"), ("self", "1", "0"),
            ("all", "7", "2")]
        code, text = run_cli(replace(settings, org_file=path), "review", "alice",
                             "--locale", "zh-CN")
        assert "同级与下属：5 人受邀，5 人已回答 · 另有 2 人无法联系到" in text
        assert "回答率：问卷送达 7 人，7 人已回答（100%）。另有 2 名受邀者无法联系到" in text
    finally:
        engine.dispose()


async def test_a_rater_whose_survey_expired_unsent_is_not_counted_as_asked(
        settings, tmp_path, clock):
    """Dan, away until the 14th, is sent his survey on the morning of the close, when the
    platform is down (an outage past the closing time): the outbox drops it as expired,
    unsent. The report counted him among the peers asked ("3 of 4"); now he is one who
    could not be reached."""
    from sqlalchemy import select

    from storage.models import OutboxMessage

    bot, chat, engine = scheduled(settings, tmp_path, clock)
    try:
        clock.set(JAN_1_10AM_NY - timedelta(hours=1))
        await say(bot, "dan", "/away 2027-01-14")
        clock.set(JAN_1_10AM_NY)
        await bot.run_review_schedule()
        for key in ("grace", "bruno", "li", "eve", "sam", "ray", "rosa", "alice"):
            await answer(bot, key)
        chat.fail_next[:] = [RetryLater(3600)] * 10_000
        clock.set(CLOSES - timedelta(hours=4))  # back: his survey goes out, and waits
        assert await bot.run_review_held() >= 1
        assert len(chat.to("dan")) == 1  # (the reply to his /away)
        clock.set(CLOSES + timedelta(minutes=5))
        chat.fail_next.clear()
        await bot.run_review_schedule()
        await bot.outbox.flush()
        with bot.unit() as ctx:
            invites = ctx.session.scalars(select(OutboxMessage.status).where(
                OutboxMessage.dedupe_key.like("review:invite:%"),
                OutboxMessage.address == "dan")).all()
            assert invites and set(invites) == {"expired"}
        assert not any("Alice Martin" in text for text in chat.to("dan"))
        await say(bot, "grace", "/review report alice")
        report = chat.last("grace")
        assert "• Peers: 3 of 3 answered · 1 more could not be reached\n" in report
        assert "• Reports: 3 of 3 answered\n" in report
        assert "Response rate: 8 of 8 reached answered (100%). 1 asked could not be " \
            "reached" in report
    finally:
        engine.dispose()


async def test_a_review_started_before_invitations_were_keyed_reads_as_before(wide):
    """A 360° open across the upgrade: its invitations were sent by a version that kept no
    `review:invite:<id>` key on the message. Nothing tells who they reached, so the raters
    who have not answered read as asked and not answered ("3 of 4"), as before the
    upgrade, not the whole review as "could not be reached"."""
    from sqlalchemy import update

    from storage.models import OutboxMessage

    bot, chat, _settings = wide
    await say(bot, "grace", "/review start alice")
    with bot.unit() as ctx:  # as an older version left them
        ctx.session.execute(update(OutboxMessage).where(
            OutboxMessage.dedupe_key.like("review:invite:%")).values(dedupe_key=None))
    for key in ("grace", "bruno", "li", "dan", "sam", "ray"):
        await answer(bot, key)
    await say(bot, "grace", "/review close alice")
    report = chat.last("grace")
    assert ("• Peers: 3 of 4 answered\n"
            "• Reports: 2 of 3 answered\n"
            "• Self-assessment: 0 of 1 answered\n"
            "Response rate: 6 of 9 asked answered (67%).\n") in report
    assert "could not be reached" not in report

"""360° reviews on a schedule: started on time in the GM's timezone, once per director and
period (also across a restart), closed after the configured days with the report by DM;
`/review schedule` for the GM; nothing at all when the org file schedules nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.core import TeamPulse
from bot.org import OrgError, parse_org
from bot.scheduler import start_scheduler
from storage.review import ReviewRound
from tests.support import TEST_ORG, RecordingAdapter, say
from tests.test_cli_views import valid

QUARTERLY = """
reviews:
  schedule: quarterly
  day: 1
  time: "10:00"
  directors: all
  open_days: 14
"""
# Friday 2027-01-01 is the first working day of 2027-Q1; 10:00 in New York (EST) is 15:00 UTC.
JAN_1_10AM_NY = datetime(2027, 1, 1, 15, 0, tzinfo=UTC)
# Thursday 2027-04-01, 10:00 in New York (EDT by then) is 14:00 UTC.
APR_1_10AM_NY = datetime(2027, 4, 1, 14, 0, tzinfo=UTC)
DIRECTORS = ["alice", "bruno", "li"]


def scheduled(bot: TeamPulse, extra: str) -> TeamPulse:
    bot.org = parse_org(TEST_ORG.read_text(encoding="utf-8") + extra)
    return bot


def started(chat: RecordingAdapter) -> list[str]:
    return [t for t in chat.to("grace") if t.startswith("🔄 Scheduled 360° reviews started")]


def rounds(bot: TeamPulse) -> list[tuple[str, str, str]]:
    with bot.unit() as ctx:
        return [(r.subject_key, r.started_by, r.status) for r in ctx.session.scalars(
            select(ReviewRound).order_by(ReviewRound.id))]


async def test_a_quarterly_schedule_starts_reviews_once_per_quarter_across_a_restart(
        bot, chat, clock):
    scheduled(bot, QUARTERLY)
    clock.set(JAN_1_10AM_NY - timedelta(minutes=1))
    assert await bot.run_review_schedule() == 0  # 09:59 in New York: not yet
    clock.set(JAN_1_10AM_NY)
    assert await bot.run_review_schedule() == 3
    assert [s for s, _, _ in rounds(bot)] == DIRECTORS
    # One note for the three (it was one per director).
    [note] = started(chat)
    assert note.startswith("🔄 Scheduled 360° reviews started (2027-01 – 2027-03): "
                           "3 directors — Alice Martin, Bruno Rossi, 李雷. 5 people were asked")
    assert "They close by 2027-01-15 at 10:00" in note
    assert "as a fellow director" in chat.to("bruno")[0]  # the surveys went out
    # The sweep runs again, and the bot restarts: nothing starts twice.
    assert await bot.run_review_schedule() == 0
    clock.set(JAN_1_10AM_NY + timedelta(hours=2))
    again = TeamPulse(bot.settings, bot.org, bot.engine, clock=clock)
    second = RecordingAdapter()
    again.register(second)
    scheduler = await start_scheduler(again, again.engine)
    try:
        assert scheduler.get_job("review-schedule") is not None
    finally:
        scheduler.shutdown(wait=False)
    await again.drain()  # the start-up catch-up runs in the background, once running
    assert started(second) == [] and len(rounds(bot)) == 3
    # Later in the quarter: still nothing new; the reviews close after 14 days.
    clock.set(JAN_1_10AM_NY + timedelta(days=14, minutes=1))
    assert await again.run_review_schedule() == 0
    assert {status for _, _, status in rounds(bot)} == {"closed"}
    clock.set(datetime(2027, 3, 31, 23, 0, tzinfo=UTC))
    assert await again.run_review_schedule() == 0
    # The next quarter, on its first working day, in New York's summer time.
    clock.set(APR_1_10AM_NY - timedelta(minutes=1))
    assert await again.run_review_schedule() == 0
    clock.set(APR_1_10AM_NY)
    assert await again.run_review_schedule() == 3
    assert [s for s, _, status in rounds(bot) if status == "open"] == DIRECTORS
    [note] = started(second)
    assert note.startswith("🔄 Scheduled 360° reviews started (2027-04 – 2027-06): 3 directors")


async def test_a_quarter_spanning_the_turn_of_the_year(bot, chat, clock):
    scheduled(bot, QUARTERLY.replace("day: 1", "day: 1\n  start_month: 12"))
    # Tuesday 2026-12-01 opens the quarter December to February.
    clock.set(datetime(2026, 12, 1, 15, 0, tzinfo=UTC))
    assert await bot.run_review_schedule() == 3
    assert "(2026-12 – 2027-02)" in started(chat)[0]
    clock.set(datetime(2026, 12, 15, 16, 0, tzinfo=UTC))
    await bot.run_review_schedule()  # closes them
    # January and February belong to the same quarter: no new review.
    for day in (datetime(2027, 1, 4, 16, 0, tzinfo=UTC), datetime(2027, 2, 1, 16, 0, tzinfo=UTC)):
        clock.set(day)
        assert await bot.run_review_schedule() == 0
    # Monday 2027-03-01 starts the next quarter (March to May).
    clock.set(datetime(2027, 3, 1, 15, 0, tzinfo=UTC))
    assert await bot.run_review_schedule() == 3
    assert "(2027-03 – 2027-05)" in started(chat)[-1] and len(started(chat)) == 2
    schedule = bot.org.reviews
    assert schedule.period_start(date(2027, 2, 28)) == date(2026, 12, 1)
    assert schedule.period_start(date(2026, 11, 30)) == date(2026, 9, 1)


async def test_closing_sends_the_report_to_the_director_and_a_summary_to_the_gm_once(
        bot, chat, clock):
    scheduled(bot, QUARTERLY.replace("directors: all", "directors: [alice]"))
    clock.set(JAN_1_10AM_NY)
    assert await bot.run_review_schedule() == 1
    assert [s for s, _, _ in rounds(bot)] == ["alice"]
    for key, answers in {"grace": ["4 Strong quarter", "4", "3", "4", "5"],
                         "alice": ["4", "3", "3", "4", "4"]}.items():
        for text in answers:
            await say(bot, key, text)
    assert not [t for t in chat.to("grace") if t.startswith("🔄 360° review — Alice")]
    clock.set(JAN_1_10AM_NY + timedelta(days=14))
    await bot.run_review_schedule()
    report = chat.last("alice")
    assert report.startswith("🔄 360° review — Alice Martin")
    assert "Comments — manager" in report and "Strong quarter" in report
    # The GM gets a summary of the period's reviews (it was each report), and the report
    # on demand.
    assert chat.last("grace") == (
        "🔄 Scheduled 360° reviews closed — 2027-01 – 2027-03\n"
        "Average rating of the five criteria (1–5), lowest rated by others first:\n"
        "• Alice Martin — 1 of 4 answered · others 4 · self 3.6\n"
        "/review report <director> shows one director's report; each director has been "
        "sent their own.")
    await say(bot, "grace", "/review report alice")
    assert chat.last("grace") == report
    assert rounds(bot) == [("alice", "schedule", "closed")]
    # A late rater is told the review has closed; another sweep sends nothing more.
    await say(bot, "bruno", "3")
    count = len(chat.sent)
    await bot.run_review_schedule()
    assert len(chat.sent) == count


async def test_a_review_the_gm_started_counts_and_stays_theirs(bot, chat, clock):
    scheduled(bot, QUARTERLY)
    clock.set(JAN_1_10AM_NY - timedelta(days=1))
    await say(bot, "grace", "/review start alice")
    clock.set(JAN_1_10AM_NY)
    assert await bot.run_review_schedule() == 2
    clock.set(JAN_1_10AM_NY + timedelta(days=15))
    await bot.run_review_schedule()
    assert rounds(bot) == [("alice", "grace", "open"), ("bruno", "schedule", "closed"),
                           ("li", "schedule", "closed")]


async def test_disabled_means_nothing_starts(bot, chat, clock):
    for org_extra in ("", "reviews:\n  schedule: off\n"):
        scheduled(bot, org_extra)
        for moment in (JAN_1_10AM_NY, APR_1_10AM_NY, JAN_1_10AM_NY + timedelta(days=3)):
            clock.set(moment)
            assert await bot.run_review_schedule() == 0
    assert rounds(bot) == []
    await say(bot, "grace", "/review schedule")
    assert chat.last("grace").startswith("No 360° reviews are scheduled.")
    again = TeamPulse(bot.settings, bot.org, bot.engine, clock=clock)
    scheduler = await start_scheduler(again, again.engine)
    try:
        assert scheduler.get_job("review-schedule") is None
    finally:
        scheduler.shutdown(wait=False)
        await again.drain()


async def test_review_schedule_shows_the_gm_what_comes_next(bot, chat, clock):
    scheduled(bot, QUARTERLY.replace("directors: all", "directors: [alice, li]"))
    clock.set(datetime(2026, 12, 20, 15, 0, tzinfo=UTC))
    await say(bot, "alice", "/review schedule")
    assert chat.last("alice").startswith("Only the GM starts and closes 360° reviews.")
    await say(bot, "grace", "/review schedule")
    view = chat.last("grace")
    assert view.startswith("360° reviews on a schedule: quarterly, on working day 1 of each "
                           "period at 10:00 (America/New_York); each stays open 14 days")
    assert "• 2027-01-01 10:00 · 2027-01 – 2027-03: Alice Martin, 李雷" in view.splitlines()
    assert "Open now" not in view
    clock.set(JAN_1_10AM_NY + timedelta(hours=1))
    await bot.run_review_schedule()
    await say(bot, "grace", "/review schedule")
    view = chat.last("grace")
    # On its own line ("… 李雷Open now" ran the next heading on to it).
    assert "• 2027-04-01 10:00 · 2027-04 – 2027-06: Alice Martin, 李雷" in view.splitlines()
    # With how many answered: counts only, and none for Li, whose two peers asked are too
    # few to count (Alice's 2 peers and 1 report make 3, counted together).
    assert ("Open now\n• Alice Martin — closes 2027-01-15 11:00 · 0 of 5 answered\n"
            "• 李雷 — closes 2027-01-15 11:00 · how many answered is not shown\n") in view
    await say(bot, "li", "/review schedule")  # a director is not the GM, in Chinese too
    assert chat.last("li").startswith("只有总经理")


async def test_a_restart_after_the_planned_moment_starts_the_reviews_then(bot, clock):
    scheduled(bot, QUARTERLY)
    clock.set(JAN_1_10AM_NY + timedelta(days=2))  # the bot was down over the start
    again = TeamPulse(bot.settings, bot.org, bot.engine, clock=clock)
    chat = RecordingAdapter()
    again.register(chat)
    scheduler = await start_scheduler(again, again.engine)
    scheduler.shutdown(wait=False)
    await again.drain()  # the start-up catch-up runs in the background, once running
    [note] = started(chat)
    assert "They close by 2027-01-17 at 10:00" in note
    # Down past the whole window instead: the quarter is skipped, not sprung late.
    clock.set(APR_1_10AM_NY + timedelta(days=14))
    assert await again.run_review_schedule() == 0


def test_the_org_file_schedule_is_checked_with_clear_messages():
    bad = """
reviews:
  schedule: fortnightly
  start_month: 13
  day: 25
  time: "25:00"
  directors: [alice, sam, zed, alice]
  open_days: 0
"""
    with pytest.raises(OrgError) as err:
        parse_org(TEST_ORG.read_text(encoding="utf-8") + bad)
    problems = err.value.problems
    assert problems == [
        "reviews.schedule: 'fortnightly' is not a schedule (use off, monthly, quarterly, "
        "half-yearly, yearly)",
        "reviews.start_month: 13 is not a month (1 to 12)",
        "reviews.day: 25 is not a working day of the period (1 to 20: 1 is the period's "
        "first Monday-to-Friday day)",
        "reviews.time: '25:00' is not a time of day (HH:MM, in the GM's timezone)",
        "reviews.open_days: 0 is out of range (1 to 60 days), so a review closes before the "
        "next one starts",
        "reviews.directors: 'sam' is a member, not a director; a 360° review is of a director",
        "reviews.directors: 'zed' is not a person in this file",
        "reviews.directors: a director is listed twice"]
    with pytest.raises(OrgError, match="reviews: oftne: unknown field"):
        parse_org(TEST_ORG.read_text(encoding="utf-8") + "reviews:\n  oftne: 3\n")
    with pytest.raises(OrgError, match=r"reviews.open_days: 21 is out of range \(1 to 20 "
                                       r"days for a monthly schedule\)"):
        parse_org(TEST_ORG.read_text(encoding="utf-8") + QUARTERLY.replace(
            "quarterly", "monthly").replace("14", "21"))


def test_check_org_shows_the_schedule_and_refuses_a_bad_one(tmp_path, capsys):
    from bot.cli import main

    path = tmp_path / "org.yaml"
    path.write_text(TEST_ORG.read_text(encoding="utf-8") + QUARTERLY.replace(
        "directors: all", "directors: [alice, li]"), encoding="utf-8")
    assert main(["--env-file", "/dev/null", "check-org", str(path)]) == 0
    assert ("reviews: quarterly 360° reviews of alice, li, from the period's working day 1 "
            "at 10:00 in the GM's timezone, open 14 days") in capsys.readouterr().out
    assert main(["--env-file", "/dev/null", "check-org", str(path), "--format",
                 "json"]) == 0
    assert valid("org", capsys.readouterr().out)["reviews"] == {
        "schedule": "quarterly", "start_month": 1, "day": 1, "time": "10:00",
        "directors": ["alice", "li"], "open_days": 14, "peers": 8,
        "remind_days": 2}
    path.write_text(TEST_ORG.read_text(encoding="utf-8") + QUARTERLY, encoding="utf-8")
    assert main(["--env-file", "/dev/null", "check-org", str(path), "--format",
                 "json"]) == 0
    assert valid("org", capsys.readouterr().out)["reviews"]["directors"] == "all"
    path.write_text(TEST_ORG.read_text(encoding="utf-8") + QUARTERLY.replace(
        "day: 1", "day: 21"), encoding="utf-8")
    assert main(["--env-file", "/dev/null", "check-org", str(path)]) == 2
    assert "reviews.day: 21 is not a working day of the period" in capsys.readouterr().err


def test_remind_days_is_checked_and_shown_by_check_org(tmp_path, capsys):
    from bot.cli import main

    base = TEST_ORG.read_text(encoding="utf-8") + QUARTERLY
    for value, problem in (
            ("-1", "reviews.remind_days: -1 is out of range (0 to 59 days before a review "
                   "closes; 0: no reminder)"),
            ("14", "reviews.remind_days: 14 is not before the close: a review is open 14 "
                   "days (open_days), so use 0 to 13")):
        with pytest.raises(OrgError) as err:
            parse_org(base + f"  remind_days: {value}\n")
        assert err.value.problems == [problem]
    path = tmp_path / "org.yaml"
    path.write_text(base + "  remind_days: 14\n", encoding="utf-8")
    assert main(["--env-file", "/dev/null", "check-org", str(path)]) == 2
    assert "reviews.remind_days: 14 is not before the close" in capsys.readouterr().err
    path.write_text(base + "  remind_days: 4\n", encoding="utf-8")
    assert main(["--env-file", "/dev/null", "check-org", str(path)]) == 0
    assert ("open 14 days; up to 8 peers each, those who work closest with the director "
            "first; raters not done reminded 4 days before the close") in capsys.readouterr().out
    assert main(["--env-file", "/dev/null", "check-org", str(path), "--format",
                 "json"]) == 0
    assert valid("org", capsys.readouterr().out)["reviews"]["remind_days"] == 4
    # A short review keeps the default reminder it always had (a day after the start).
    assert parse_org(base.replace("open_days: 14", "open_days: 2")).reviews.remind_days == 2


# --- the GM of many directors ------------------------------------------------------------

@pytest.fixture
def twelve(settings, tmp_path, clock):
    """A GM and twelve directors (d00-d11), all reviewed each quarter."""
    from dataclasses import replace

    from bot.app import prepare
    from tests.test_ready import org_yaml

    org = tmp_path / "many.yaml"
    org.write_text(org_yaml(12) + QUARTERLY, encoding="utf-8")
    bot, engine = prepare(replace(settings, org_file=org), clock)
    yield bot
    engine.dispose()


def to_gm(chat: RecordingAdapter) -> list[str]:
    """The GM's DMs about the scheduled reviews (not the surveys the GM answers)."""
    return [t for t in chat.to("gm") if t.startswith("🔄")]


async def test_a_gm_of_many_directors_gets_one_note_at_the_start_and_one_at_the_close(
        twelve, clock, monkeypatch):
    # Twelve directors reviewed each quarter: the GM got twelve 'started' DMs at once, and
    # twelve reports the day they closed.
    import handlers.review_schedule as review_schedule

    monkeypatch.setattr(review_schedule, "CLOSED_SHOWN", 5)
    chat = RecordingAdapter()
    twelve.register(chat)
    clock.set(JAN_1_10AM_NY)
    assert await twelve.run_review_schedule() == 12
    [note] = to_gm(chat)
    assert note.startswith("🔄 Scheduled 360° reviews started (2027-01 – 2027-03): "
                           "12 directors — Director 0, Director 1, ")
    assert "Director 9 and 2 more. 13 people were asked" in note
    # The GM closes Director 0's early, and reads that report.
    await say(twelve, "gm", "/review close d00")
    assert chat.last("gm").startswith("🔄 360° review — Director 0")
    # A restart in between sends nothing again.
    clock.set(JAN_1_10AM_NY + timedelta(days=1))
    from tests.support import restart

    again = await restart(twelve, clock)
    assert to_gm(again) == []
    clock.set(JAN_1_10AM_NY + timedelta(days=14))
    await twelve.run_review_schedule()
    summary = to_gm(chat)[-1]
    assert len(to_gm(chat)) == 3  # the start, the report the GM asked for, the summary
    assert summary.startswith("🔄 Scheduled 360° reviews closed — 2027-01 – 2027-03\n")
    assert summary.count("\n• Director ") == 5 and "• … and 7 more" in summary
    for key in ("d03", "d11"):  # each director had their own report
        assert [t for t in chat.to(key) if t.startswith("🔄 360° review — Director")]
    # The sweep runs again, the bot restarts: nothing more for the GM.
    await twelve.run_review_schedule()
    again = await restart(twelve, clock)
    assert to_gm(again) == [] and len(to_gm(chat)) == 3
    await say(twelve, "gm", "/review report d07")
    assert chat.last("gm").startswith("🔄 360° review — Director 7\n"
                                      "• Manager (GM): 0 of 1 answered\n"
                                      "• Peers: 0 of 8 answered\n")


async def test_the_gm_reads_a_report_only_once_the_review_has_closed(bot, chat, clock):
    scheduled(bot, QUARTERLY)
    clock.set(JAN_1_10AM_NY)
    await bot.run_review_schedule()
    await say(bot, "grace", "/review report alice")
    assert chat.last("grace") == ("Alice Martin has no closed 360° review yet. Their review "
                                  "is still open: the report comes when it closes "
                                  "(/review close closes it now).")
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/review report 李雷")
    assert chat.last("grace").startswith("李雷 还没有已结束的 360° 评估。")
    clock.set(JAN_1_10AM_NY + timedelta(days=14))
    await bot.run_review_schedule()
    assert chat.last("grace").startswith("🔄 定期 360° 评估已结束 —— 2027-01 – 2027-03\n"
                                         "五项标准的平均分（1–5），他评最低的在前：\n")


async def test_the_gm_s_summary_lists_the_lowest_rated_first(bot, chat, clock):
    scheduled(bot, QUARTERLY)
    clock.set(JAN_1_10AM_NY)
    await bot.run_review_schedule()
    # Grace, the directors' manager, rates Alice 4, Bruno 2 and Li 3 on every criterion.
    for rating in ("4", "2", "3"):
        for _ in range(5):
            await say(bot, "grace", rating)
    clock.set(JAN_1_10AM_NY + timedelta(days=14))
    await bot.run_review_schedule()
    lines = [t for t in chat.last("grace").splitlines() if t.startswith("• ")]
    # Bruno's and Li's peers and reports are too few to count (see response_lines).
    assert lines == ["• Bruno Rossi — how many answered not shown · others 2 · no self-assessment",
                     "• 李雷 — how many answered not shown · others 3 · no self-assessment",
                     "• Alice Martin — 1 of 4 answered · others 4 · no self-assessment"]



async def test_a_survey_held_while_away_is_not_sent_once_its_review_s_time_is_up(
        bot, chat, clock):
    # Sam (Alice's report) and 李雷 were away when Alice's scheduled review began, until
    # after its closing time. Sam sent /back two minutes after it, before the sweep had
    # closed the review: his survey came, "follows now", for a review whose time was up;
    # the sweep sent Li hers likewise as her time away ended. Bruno, back the day before,
    # still gets his: it can be answered.
    scheduled(bot, QUARTERLY.replace("directors: all", "directors: [alice]"))
    clock.set(JAN_1_10AM_NY - timedelta(days=3))
    await say(bot, "sam", "/away 2027-01-20")
    await say(bot, "li", "/away 2027-01-15")  # until 16:00 UTC, an hour after the close
    await say(bot, "bruno", "/away 2027-01-13")
    clock.set(JAN_1_10AM_NY)
    assert await bot.run_review_schedule() == 1
    chat.clear()
    closes = JAN_1_10AM_NY + timedelta(days=14)  # Friday 15 January, 10:00 in New York
    clock.set(closes - timedelta(days=1))
    assert await bot.run_review_held() == 1
    assert chat.to("bruno")[0].startswith("📋 You're asked for feedback on Alice Martin")
    clock.set(closes + timedelta(minutes=2))
    await say(bot, "sam", "/back")
    assert chat.to("sam") == ["Welcome back! Reminders and polls come again."]
    clock.set(closes + timedelta(hours=1, minutes=5))
    assert await bot.run_review_held() == 0
    assert chat.to("li") == []


async def test_a_survey_held_while_away_expires_when_its_review_closes(bot, chat, clock):
    """Bruno, away when Alice's scheduled review began and back the day before it closes,
    is sent the survey that waited: it and its first question expire at the review's
    close (held up by an outage until then, nobody is asked what can no longer be
    answered), the closing time read with the survey, not again for each."""
    from storage.models import OutboxMessage

    scheduled(bot, QUARTERLY.replace("directors: all", "directors: [alice]"))
    clock.set(JAN_1_10AM_NY - timedelta(days=3))
    await say(bot, "bruno", "/away 2027-01-13")
    clock.set(JAN_1_10AM_NY)
    assert await bot.run_review_schedule() == 1
    closes = JAN_1_10AM_NY + timedelta(days=14)
    clock.set(closes - timedelta(days=1))
    chat.clear()
    assert await bot.run_review_held() == 1
    assert chat.to("bruno")[0].startswith("📋 You're asked for feedback on Alice Martin")
    with bot.unit() as ctx:
        rows = ctx.session.scalars(select(OutboxMessage).where(
            OutboxMessage.address == "bruno", OutboxMessage.created_at >= clock.now())).all()
    assert len(rows) == 2 and {r.expires_at for r in rows} == {closes}, [
        (r.dedupe_key, r.expires_at) for r in rows]


async def test_one_person_asked_is_said_in_the_singular(settings, clock, tmp_path):
    """README: "A count and its word agree in English wherever a number is said (… `1
    person was asked`)". An org of a GM and one director who has no manager and no reports:
    the quarter's scheduled review asks her alone (her self-assessment), and the GM's note
    says "1 person was asked", not "1 people were asked"."""
    from tests.support import bot_on_org

    org_file = tmp_path / "org.yaml"
    org_file.write_text(
        "org: {name: Tiny}\n"
        "people:\n"
        "  - {key: grace, name: Grace Chen, role: gm, timezone: America/New_York, "
        "slack_id: U0GRACE}\n"
        "  - {key: alice, name: Alice Martin, role: director, team: East, "
        "timezone: America/New_York, slack_id: U0ALICE}\n" + QUARTERLY, encoding="utf-8")
    with bot_on_org(settings, clock, org_file) as (bot, chat, _):
        clock.set(JAN_1_10AM_NY)
        assert await bot.run_review_schedule() == 1
        [note] = started(chat)
        assert note.startswith("🔄 Scheduled 360° reviews started (2027-01 – 2027-03): 1 "
                               "director — Alice Martin. 1 person was asked"), note

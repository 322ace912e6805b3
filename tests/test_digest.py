"""The weekly digest, from the recipients' side: the GM's week and each director's team,
once per week across restarts, at the configured local time, and the monthly review's link."""

from __future__ import annotations

import asyncio
import copy
import logging
import re
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from io import StringIO
from pathlib import Path

import pytest

from bot import charts
from bot.adapters.console import ConsoleAdapter
from bot.config import CheckinSchedule, ConfigError, Settings
from bot.core import TeamPulse
from bot.scheduler import start_scheduler
from handlers.digest import month_weeks
from tests.support import RecordingAdapter, restart, run_cli, running_since, say
from tests.test_monthly_review import DEC_1_9AM_NY
from tests.test_summary import checked_in

MONDAY_8AM_NY = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)  # EST, UTC-5
MONDAY_8AM_SHANGHAI = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)  # CST, UTC+8
PNG = b"\x89PNG\r\n\x1a\n"


def a_figure(bot, key: str = "alice", week: str = "2026-W47", value: float = 52_000) -> None:
    """A check-in submitted with its revenue figure in an earlier week: something for the
    digest's chart to draw (with no figure in its weeks the digest sends no chart)."""
    with bot.unit() as ctx:
        person = ctx.people.by_key(key)
        snapshot = copy.deepcopy(ctx.org.question_snapshot(ctx.org.person(key)))
        rnd = ctx.checkins.create_round(person, week, snapshot, ctx.clock.now())
        rnd.status = "submitted"
        ctx.checkins.save_answer(rnd, "kpi:revenue", text=None, number=value, skipped=False,
                                 now=ctx.clock.now())


def digests(chat: RecordingAdapter, key: str) -> list[str]:
    """The weekly digests a person received (their text messages)."""
    return [s.text for s in chat.sent if s.target.address == key and s.message.image is None
            and ("Weekly digest —" in s.text or "每周摘要 —" in s.text)]


def charts_to(chat: RecordingAdapter, key: str) -> list[tuple[str, bytes]]:
    """The images a person received: (caption, PNG)."""
    return [(s.text, s.message.image) for s in chat.sent
            if s.target.address == key and s.message.image is not None]


async def test_the_gm_gets_exactly_one_digest_for_the_week_across_a_restart(bot, chat, clock):
    await checked_in(bot, chat, clock)  # Alice and Li answer, Bruno starts and stops
    clock.set(MONDAY_8AM_NY - timedelta(minutes=1))
    await bot.run_digests()
    assert digests(chat, "grace") == []  # 07:59 in New York: not yet
    # The bot is down at 08:00 and back at 09:30: the digest goes out on start.
    clock.set(MONDAY_8AM_NY + timedelta(minutes=90))
    first = await restart(bot, clock)
    (text,) = digests(first, "grace")
    assert text.startswith("📬 Weekly digest — 2026-W48 (2026-11-23 – 2026-11-29)\n"
                           "Check-in asked Fri 2026-11-27 16:00; the deadline has passed (the "
                           "week ended 2026-11-29).\n"
                           "2 of 3 answered. Not answered: Bruno Rossi (started, not finished).")
    # Then the week's summary itself, as /summary shows it: the five questions per
    # director, what needs the GM's attention first.
    assert "Weekly summary — Test Sales" in text and "Check-ins: 2 of 3" in text
    # (Read on Monday: the week is named, it is no longer this week.)
    assert "Needs your attention\n" in text and "Bruno Rossi: in progress (2026-W48)" \
        in text
    assert "李雷 · team China\n✅ 李雷 — checked in\nGoals: Revenue 66,000 / 60,000 USD (110%)" \
        in text
    assert "One-on-one with you: last never" in text
    ((caption, image),) = charts_to(first, "grace")
    assert image.startswith(PNG)
    # (Its first week: the bot first ran in 2026-W48, the chart draws no week before.)
    assert caption == "📈 Attainment against target, the 1 week since teampulse started (2026-W48)"
    # Another restart, and the sweep an hour later: nothing again.
    second = await restart(bot, clock)
    clock.advance(timedelta(hours=1))
    await bot.run_digests()
    assert digests(second, "grace") == [] and charts_to(second, "grace") == []
    assert digests(chat, "grace") == []


async def test_two_processes_sweeping_at_once_send_one_digest(bot, chat, clock):
    # Only the leader runs the scheduler; should a second process sweep all the same (a
    # leader change at that moment, or `teampulse digest`), the claim still wins once.
    other = TeamPulse(bot.settings, bot.org, bot.engine, clock=clock)
    second = RecordingAdapter()
    other.register(second)
    await running_since(bot, clock)
    await checked_in(bot, chat, clock)  # figures for the chart (none: no image at all)
    clock.set(MONDAY_8AM_NY)
    counts = await asyncio.gather(bot.run_digests(), other.run_digests())
    await asyncio.gather(bot.drain(), other.drain())
    assert len(digests(chat, "grace") + digests(second, "grace")) == 1
    assert len(charts_to(chat, "grace") + charts_to(second, "grace")) == 1
    # Grace, Alice and Bruno (08:00 in Rome was six hours ago); Li's 08:00 was 13 h ago.
    assert sum(counts) == 3
async def test_a_digest_missed_past_the_grace_period_is_not_sent(bot, chat, clock, caplog):
    await checked_in(bot, chat, clock)
    clock.set(MONDAY_8AM_NY + bot.settings.digest_grace_period + timedelta(minutes=1))
    with caplog.at_level(logging.INFO, logger="handlers.digest"):
        late = await restart(bot, clock)
    assert digests(late, "grace") == [] and digests(late, "alice") == []
    # One line for the week, not one per person: the count and who (keys).
    assert [r.getMessage() for r in caplog.records if "not sent" in r.getMessage()] == [
        "2026-W48 digests not sent to 4 people (alice, bruno, grace, li): their time passed "
        "more than the grace period before the bot was running"]
    # Next week's comes as usual.
    clock.set(MONDAY_8AM_NY + timedelta(weeks=1))
    await bot.run_digests()
    assert digests(chat, "grace")[0].startswith("📬 Weekly digest — 2026-W49")


async def test_a_director_gets_only_their_own_team_in_their_language(bot, chat, clock,
                                                                     monkeypatch):
    drawn: list[tuple[str, str, dict[str, object]]] = []
    real = charts.chart_data_for

    def recording(session, org, kind, locale, **kwargs):  # type: ignore[no-untyped-def]
        drawn.append((kind, locale, kwargs))
        return real(session, org, kind, locale, **kwargs)

    monkeypatch.setattr(charts, "chart_data_for", recording)
    await checked_in(bot, chat, clock)
    clock.set(MONDAY_8AM_SHANGHAI)  # 08:00 on Monday for Li, Sunday evening in New York
    await bot.run_digests()
    (li,) = digests(chat, "li")
    assert li.startswith("📬 每周摘要 — 2026-W48（2026-11-23 – 2026-11-29） · 团队 China\n")
    assert "已回答 1 / 1 人。被询问的人都已回答。" in li
    assert "李雷" in li and "Alice" not in li and "Bruno" not in li
    assert digests(chat, "alice") == [] and digests(chat, "grace") == []
    clock.set(MONDAY_8AM_NY)
    await bot.run_digests()
    (alice,) = digests(chat, "alice")
    assert alice.startswith("📬 Weekly digest — 2026-W48 (2026-11-23 – 2026-11-29) · team East\n")
    assert "1 of 1 answered. Everyone asked has answered." in alice
    assert "Alice Martin" in alice
    assert "Bruno" not in alice and "李雷" not in alice and "Europe" not in alice
    (_, image), = charts_to(chat, "alice")
    assert image.startswith(PNG)
    monday = date(2026, 11, 23)
    # `today` is the org's day (New York) when each was drawn: a CRM row dated later
    # counts from its day on, as /summary counts it.
    # `schedule`, the check-in's, tells a week away as /summary does (tests/test_charts.py).
    sunday, next_monday = date(2026, 11, 29), date(2026, 11, 30)
    schedule = bot.settings.checkin_schedule
    assert ("attainment", "zh-CN", {"end_week": monday, "weeks": 1, "team": "China",
                                    "today": sunday, "schedule": schedule}) in drawn
    assert ("attainment", "en", {"end_week": monday, "weeks": 1, "team": "East",
                                 "today": next_monday, "schedule": schedule}) in drawn
    assert ("attainment", "en", {"end_week": monday, "weeks": 1, "team": None,
                                 "today": next_monday, "schedule": schedule}) in drawn
    # Sam (a member) and Vera (a viewer) get no digest.
    assert digests(chat, "sam") == [] and digests(chat, "vera") == []


async def test_a_week_where_someone_did_not_answer_says_so(bot, chat, clock):
    await bot.run_checkins()
    from tests.test_checkin import ALICE_ANSWERS, answer_all

    await answer_all(bot, "alice", ALICE_ANSWERS)
    clock.set(MONDAY_8AM_NY)
    await bot.run_digests()
    (gm,) = digests(chat, "grace")
    assert "1 of 3 answered. Not answered: Bruno Rossi (no answer), 李雷 (no answer)." in gm
    (bruno,) = digests(chat, "bruno")  # 08:00 in Rome was six hours ago: within the grace
    assert "0 of 1 answered. Not answered: Bruno Rossi (no answer)." in bruno


async def test_someone_away_is_named_as_away_not_as_missing(bot, chat, clock):
    friday = clock.now()
    clock.set(friday - timedelta(days=2))
    await say(bot, "bruno", "/away 2026-12-20")
    clock.set(friday)
    await bot.run_checkins()
    clock.set(MONDAY_8AM_NY)
    await bot.run_digests()
    (gm,) = digests(chat, "grace")
    assert ("0 of 2 answered. Not answered: Alice Martin (no answer), 李雷 (no answer). "
            "Away: Bruno Rossi.") in gm


async def test_a_week_nobody_was_asked_reads_as_such(bot, chat, clock):
    await running_since(bot, clock)  # an install that has been running keeps sending it
    clock.set(MONDAY_8AM_NY)
    await bot.run_digests()
    (gm,) = digests(chat, "grace")
    assert "No check-in was sent this week: nobody was asked." in gm


async def test_a_fresh_install_on_a_monday_sends_no_digest_of_the_week_before(bot, chat,
                                                                              clock, caplog):
    """Installed on Monday morning, the bot told the GM that nobody was asked last week:
    a week before it ever ran. A digest covers only weeks from the one it first ran in."""
    clock.set(MONDAY_8AM_NY + timedelta(minutes=30))
    with caplog.at_level(logging.INFO, logger="handlers.digest"):
        first = await restart(bot, clock)  # its first start
        await bot.run_digests()
    assert not any(digests(c, k) for c in (first, chat) for k in ("grace", "alice", "li"))
    assert not [r for r in caplog.records if "not sent" in r.getMessage()]  # nothing owed
    # Its first week runs as usual: Friday's check-in, then Monday's digest of it.
    clock.set(MONDAY_8AM_NY + timedelta(days=4, hours=3))  # Friday 16:00 in New York
    await bot.run_checkins()
    clock.set(MONDAY_8AM_NY + timedelta(weeks=1))
    await bot.run_digests()
    (gm,) = digests(chat, "grace")
    assert gm.startswith("📬 Weekly digest — 2026-W49") and "0 of 3 answered." in gm


async def test_switched_off_nothing_is_sent(bot, chat, clock):
    bot.settings = replace(bot.settings, digest_schedule=None)
    await checked_in(bot, chat, clock)
    for hour in range(0, 72, 1):
        clock.set(MONDAY_8AM_NY - timedelta(hours=24) + timedelta(hours=hour))
        assert await bot.run_digests() == 0
    again = TeamPulse(bot.settings, bot.org, bot.engine, clock=clock)
    scheduler = await start_scheduler(again, again.engine)
    try:
        assert scheduler.get_job("digests") is None
    finally:
        scheduler.shutdown(wait=False)
        await again.drain()
    assert not any("Weekly digest" in s.text or s.message.image for s in chat.sent)


def test_the_digest_time_is_read_from_the_environment():
    assert Settings.from_mapping({}).digest_schedule == CheckinSchedule(0, time(8, 0))
    assert Settings.from_mapping({"DIGEST_SCHEDULE": "off"}).digest_schedule is None
    tuesday = Settings.from_mapping({"DIGEST_SCHEDULE": "tue 07:30",
                                     "DIGEST_GRACE_PERIOD": "12h"})
    assert tuesday.digest_schedule == CheckinSchedule(1, time(7, 30))
    assert tuesday.digest_grace_period == timedelta(hours=12)
    assert tuesday.describe()["digest_schedule"] == "tue 07:30"
    assert Settings.from_mapping({"DIGEST_SCHEDULE": "OFF"}).describe()[
        "digest_schedule"] == "off"
    with pytest.raises(ConfigError, match=r"DIGEST_SCHEDULE='mon 8am'.*'fri 16:00', or off"):
        Settings.from_mapping({"DIGEST_SCHEDULE": "mon 8am"})


async def test_the_configured_day_and_time_hold_in_local_time_across_dst(bot, chat, clock):
    bot.settings = replace(bot.settings, digest_schedule=CheckinSchedule(1, time(7, 30)))
    # Tuesday 27 October, 07:30 in New York (still EDT, UTC-4) is 11:30 UTC.
    clock.set(datetime(2026, 10, 27, 11, 29, tzinfo=UTC))
    await running_since(bot, clock)
    await bot.run_digests()
    assert digests(chat, "grace") == []
    clock.set(datetime(2026, 10, 27, 11, 30, tzinfo=UTC))
    await bot.run_digests()
    (first,) = digests(chat, "grace")
    assert first.startswith("📬 Weekly digest — 2026-W43")  # Friday 23 October's check-in
    # Clocks went back on 1 November: 07:30 EST is 12:30 UTC, not 11:30.
    clock.set(datetime(2026, 11, 3, 11, 30, tzinfo=UTC))
    await bot.run_digests()
    assert len(digests(chat, "grace")) == 1
    clock.set(datetime(2026, 11, 3, 12, 29, tzinfo=UTC))
    await bot.run_digests()
    assert len(digests(chat, "grace")) == 1
    clock.set(datetime(2026, 11, 3, 12, 30, tzinfo=UTC))
    await bot.run_digests()
    assert digests(chat, "grace")[1].startswith("📬 Weekly digest — 2026-W44")
    # Rome changed a week earlier: Bruno's came at 07:30 CET, 06:30 UTC, both weeks.
    assert [s.target.address for s in chat.sent if "2026-W44" in s.text
            and s.message.image is None].count("bruno") == 1


async def test_a_chart_that_fails_leaves_the_digest_as_text(bot, chat, clock, monkeypatch,
                                                            caplog):
    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("Acme renewal 52,000")

    monkeypatch.setattr(charts, "chart_data_for", broken)
    await checked_in(bot, chat, clock)
    clock.set(MONDAY_8AM_NY)
    with caplog.at_level(logging.WARNING):
        await bot.run_digests()
    (text,) = digests(chat, "grace")
    assert "2 of 3 answered" in text
    assert charts_to(chat, "grace") == []
    assert "could not be drawn (RuntimeError)" in caplog.text
    assert "Acme" not in caplog.text and "52,000" not in caplog.text


async def test_the_console_shows_the_text_and_saves_the_chart(bot, chat, clock):
    out = StringIO()
    bot.register(ConsoleAdapter(bot, StringIO(), out, interactive=False))
    await running_since(bot, clock)
    await checked_in(bot, chat, clock)  # figures for the chart (none: no image at all)
    clock.set(MONDAY_8AM_NY)
    await bot.run_digests()
    await bot.outbox.flush()
    printed = out.getvalue()
    assert "📬 Weekly digest — 2026-W48" in printed
    saved = re.search(r"image saved to (\S+-attainment-2026-W48\.png)\]", printed)
    assert saved is not None, printed
    assert Path(saved.group(1)).read_bytes().startswith(b"\x89PNG")
    assert ("📈 Attainment against target, the 3 weeks since teampulse started (2026-W46 to "
            "2026-W48)") in printed


async def test_one_digest_that_fails_does_not_hold_up_the_others(bot, chat, clock,
                                                                monkeypatch, caplog):
    import handlers.digest

    real = handlers.digest.build_digest

    def failing_for_alice(ctx, person, week, markup):  # type: ignore[no-untyped-def]
        if person.key == "alice":
            raise KeyError("Acme")
        return real(ctx, person, week, markup)

    monkeypatch.setattr(handlers.digest, "build_digest", failing_for_alice)
    await running_since(bot, clock)
    clock.set(MONDAY_8AM_NY)
    with caplog.at_level(logging.ERROR):
        await bot.run_digests()
    assert len(digests(chat, "grace")) == 1 and digests(chat, "alice") == []
    assert "the 2026-W48 digest for person" in caplog.text and "Acme" not in caplog.text
    monkeypatch.setattr(handlers.digest, "build_digest", real)
    clock.advance(timedelta(minutes=1))
    await bot.run_digests()  # nothing of hers was recorded: the next sweep sends it
    assert len(digests(chat, "alice")) == 1 and len(digests(chat, "grace")) == 1


def test_the_weeks_of_a_month_are_those_whose_thursday_it_holds():
    assert month_weeks(2026, 11) == ["2026-W45", "2026-W46", "2026-W47", "2026-W48"]
    # Thursday 31 December 2026 puts 2026-W53 (to Sunday 3 January) in December.
    assert month_weeks(2026, 12)[-1] == "2026-W53"
    assert month_weeks(2027, 1) == ["2027-W01", "2027-W02", "2027-W03", "2027-W04"]


async def test_the_monthly_review_names_the_months_digests_with_its_chart(bot, chat, clock):
    await running_since(bot, clock, timedelta(weeks=4))  # since October
    await checked_in(bot, chat, clock)  # figures for the chart (none: no image at all)
    for monday in (9, 16, 23, 30):
        clock.set(datetime(2026, 11, monday, 13, 0, tzinfo=UTC))
        await bot.run_digests()
    clock.set(DEC_1_9AM_NY)
    await bot.run_monthly_review()
    (caption, image), = [c for c in charts_to(chat, "grace") if "2026-11" in c[0]]
    assert image.startswith(PNG)
    assert caption == ("📬 Weekly digests of 2026-11\n"
                       "• 2026-W45 (2026-11-02 – 2026-11-08): sent 2026-11-09\n"
                       "• 2026-W46 (2026-11-09 – 2026-11-15): sent 2026-11-16\n"
                       "• 2026-W47 (2026-11-16 – 2026-11-22): sent 2026-11-23\n"
                       "• 2026-W48 (2026-11-23 – 2026-11-29): sent 2026-11-30\n"
                       "The chart shows the month's attainment against target, week by week.")
    (alice,) = [c for c, _ in charts_to(chat, "alice") if "2026-11" in c]
    assert alice.startswith("📬 Weekly digests of 2026-11 · team East\n")
    # Once a month: the job again, or a restart, sends nothing more.
    count = len(chat.sent)
    await bot.run_monthly_review()
    assert len(chat.sent) == count
    again = await restart(bot, clock)
    assert not [c for c in charts_to(again, "grace") if "2026-11" in c[0]]


async def test_cli_dry_run_prints_and_records_nothing(bot, chat, clock, settings):
    await checked_in(bot, chat, clock)
    code, out = run_cli(settings, "digest", "--dry-run", "--to", "gm", "--week", "2026-W48")
    assert code == 0
    assert out.startswith("## Digest for grace, 2026-W48\n\n**📬 Weekly digest — 2026-W48**")
    assert "2 of 3 answered" in out
    assert ("[chart: 📈 Attainment against target, the 1 week since teampulse started "
            "(2026-W48) — ") in out
    # Everyone's: the GM's (the whole org's) first, then the directors' by key.
    code, out = run_cli(settings, "digest", "--dry-run", "--week", "2026-W48")
    assert code == 0 and [line.split(",")[0] for line in out.splitlines()
                          if line.startswith("## Digest for ")] == [
        "## Digest for grace", "## Digest for alice", "## Digest for bruno", "## Digest for li"]
    clock.set(MONDAY_8AM_NY)
    await bot.run_digests()
    assert len(digests(chat, "grace")) == 1  # the scheduled one still comes


async def test_cli_queues_a_digest_and_the_scheduled_one_is_not_sent_again(bot, chat, clock,
                                                                           settings, monkeypatch):
    # The command reads the system clock: make it the test's (the real one is later than
    # MONDAY_8AM_NY from that day's afternoon on, and what it queues would wait until then).
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    await checked_in(bot, chat, clock)
    code, out = run_cli(settings, "digest", "--to", "alice", "--week", "2026-W48")
    assert (code, out) == (0, "alice: digest of 2026-W48 queued\n")
    code, out = run_cli(settings, "digest", "--to", "alice", "--week", "2026-W48")
    # Queued, not sent (no bot has run since): "was sent before" told the operator it had
    # gone out.
    assert out == ("alice: the digest of 2026-W48 was queued or sent before (the running bot "
                   "sends what is queued); not queued again\n")
    clock.set(MONDAY_8AM_NY)
    await bot.run_digests()  # the running bot sends what the CLI queued, and no second one
    (text,) = digests(chat, "alice")
    assert "team East" in text
    assert len(charts_to(chat, "alice")) == 1
    assert len(digests(chat, "grace")) == 1


async def test_a_digest_sent_before_an_erase_is_not_sent_again_after_it(bot, chat, clock,
                                                                       settings, monkeypatch):
    """README (*A person's data*): an erase keeps the records of the digests sent to the
    person (weeks and teams only), "so a digest is never sent twice". Alice is erased while
    still in the org file (erase warns of it) and the Monday sweep runs again, as after a
    restart: nothing is claimed or sent for her week a second time."""
    from sqlalchemy import func, select

    from storage.digest import DigestSent

    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    await checked_in(bot, chat, clock)
    clock.set(MONDAY_8AM_NY)
    await bot.run_digests()
    assert len(digests(chat, "alice")) == 1

    def claimed() -> int:
        with bot.unit() as ctx:
            return ctx.session.scalar(select(func.count()).select_from(DigestSent).where(
                DigestSent.week == "2026-W48"))

    before = claimed()
    code, out = run_cli(settings, "erase", "alice", "--yes")
    assert code == 0 and "still in the org file" in out, out
    await bot.run_digests()
    assert claimed() == before
    assert len(digests(chat, "alice")) == 1 and len(digests(chat, "grace")) == 1


async def test_cli_refuses_what_it_cannot_do(bot, settings, capsys):
    assert run_cli(settings, "digest", "--to", "sam")[0] == 2
    assert "--to 'sam': no digest goes to them (choose one of: gm, alice, bruno, li)" in \
        capsys.readouterr().err
    assert run_cli(settings, "digest", "--week", "2026-W99", "--dry-run")[0] == 2
    assert "--week '2026-W99': expected a past or the current ISO week" in \
        capsys.readouterr().err


async def test_a_director_the_platform_cannot_reach_yet_gets_the_digest_once_it_can(
        bot, clock, monkeypatch):
    """On Telegram, Bruno (a username, no chat id until he writes to the bot) cannot be
    sent his digest yet: the minute's sweep builds none for him meanwhile (an org whose
    platform knows few of its people built thousands each minute for nothing), and once
    he can be reached, within the grace period, he gets it, once."""
    from sqlalchemy import update

    import handlers.digest as digest
    from storage.models import Person

    telegram = RecordingAdapter(platform="telegram")
    bot.register(telegram)
    built: list[str] = []
    real = digest.queue_digest

    def queue_digest(ctx, person, week, via):
        built.append(person.key)
        return real(ctx, person, week, via)

    monkeypatch.setattr(digest, "queue_digest", queue_digest)
    await running_since(bot, clock)
    monday_8am_rome = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
    clock.set(monday_8am_rome + timedelta(minutes=1))
    await bot.run_digests()
    clock.advance(timedelta(minutes=1))
    await bot.run_digests()  # the next minute's sweep
    assert "bruno" not in built
    # Bruno writes to the bot: Telegram now knows his chat (as the adapter records it).
    with bot.unit() as ctx:
        ctx.session.execute(update(Person).where(Person.key == "bruno").values(
            telegram_id=1003))
    clock.advance(timedelta(hours=1))
    assert await bot.run_digests() == 1
    await bot.run_digests()
    await bot.deliver()
    assert len(digests(telegram, "1003")) == 1
    assert built.count("bruno") == 1


def edit_org(bot, text: str) -> None:
    """The org file edited to `text`, taken in as the running bot takes an edit
    (bot/org_reload.py): its people synced, then the new org used."""
    from bot.org import parse_org

    org = parse_org(text)
    bot.sync_org_to(org)
    bot.apply_org(org)


async def test_a_gm_east_of_the_directors_is_not_told_the_week_closed_before_it_has(
        bot, chat, clock):
    # Grace runs the org from Shanghai. Her digest comes at Monday 08:00 there: Sunday
    # 19:00 in New York, where Alice may still answer on time. It said 'the deadline has
    # passed' and named her as not answering.
    from tests.support import TEST_ORG

    edit_org(bot, TEST_ORG.read_text(encoding="utf-8").replace(
        "timezone: America/New_York", "timezone: Asia/Shanghai", 1))
    await bot.run_checkins()
    clock.set(MONDAY_8AM_SHANGHAI)
    await bot.run_digests()
    (gm,) = digests(chat, "grace")
    assert "the deadline has passed" not in gm
    # The last of those who have not answered is Alice, in New York: her Sunday ends at
    # Monday 13:00 in Shanghai.
    assert ("it stays open until the end of 2026-11-29 where the last of those asked are "
            "(Mon 2026-11-30 13:00 your time), so answers may still come.") in gm
    # The same header in Chinese, for a GM who reads Chinese.
    edit_org(bot, TEST_ORG.read_text(encoding="utf-8").replace(
        "timezone: America/New_York", "timezone: Asia/Shanghai", 1).replace(
        "locale: en", "locale: zh-CN", 1))
    from handlers.digest import build_digest

    with bot.unit() as ctx:
        zh = build_digest(ctx, ctx.people.by_key("grace"), "2026-W48", "plain").text
    assert ("签到开放至 2026-11-29 结束（以最晚的被询问者当地时间计，即你的时间 周一 "
            "2026-11-30 13:00），回答可能还会到来。") in zh
    # Once Sunday has ended everywhere, the deadline has passed for the whole week.
    clock.set(datetime(2026, 11, 30, 5, 0, tzinfo=UTC))
    with bot.unit() as ctx:
        text = build_digest(ctx, ctx.people.by_key("grace"), "2026-W48", "plain").text
    assert "截止时间已过" in text


async def test_cli_names_who_no_configured_platform_reaches_and_exits_1(bot, chat, clock,
                                                                       settings, monkeypatch):
    """README: `teampulse digest` names someone no configured platform can reach and exits
    with status 1, queueing the others'. On Telegram alone Bruno (a username he has not
    yet written from) is unreachable."""
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:a")
    await checked_in(bot, chat, clock)
    code, out = run_cli(settings, "digest", "--week", "2026-W48")
    assert code == 1
    assert "bruno: not reachable on any configured platform (they must write to the bot on " \
        "Telegram once, so their telegram_username is bound to their account)" in out
    assert "alice: digest of 2026-W48 queued" in out and "li: digest of 2026-W48 queued" in out


async def test_the_weeks_deadline_is_where_the_week_was_asked_after_a_move(bot, chat, clock):
    # Grace runs the org from Shanghai; Alice is asked in New York, then moves to Shanghai
    # in the org file before the weekend is over. Her answer counts as late by New York's
    # Sunday (the timezone her round was made in), so at Monday 08:00 in Shanghai the week
    # is still open for her: the digest said the deadline had passed.
    from tests.support import TEST_ORG

    text = TEST_ORG.read_text(encoding="utf-8").replace(
        "timezone: America/New_York", "timezone: Asia/Shanghai", 1)
    edit_org(bot, text)
    await bot.run_checkins()
    edit_org(bot, text.replace("timezone: America/New_York", "timezone: Asia/Shanghai", 1))
    with bot.unit() as ctx:
        assert ctx.people.by_key("alice").timezone == "Asia/Shanghai"
    clock.set(MONDAY_8AM_SHANGHAI)
    await bot.run_digests()
    (gm,) = digests(chat, "grace")
    assert "the deadline has passed" not in gm
    assert ("it stays open until the end of 2026-11-29 where the last of those asked are "
            "(Mon 2026-11-30 13:00 your time), so answers may still come.") in gm


async def test_a_week_with_no_figures_sends_the_digest_without_a_no_data_chart(bot, chat,
                                                                               clock):
    """With no figures in the chart's weeks the digest came with an image that only said
    "no data": a picture of nothing, one more message to open. The text goes alone."""
    await running_since(bot, clock)  # nobody was asked: no figure in any of the 8 weeks
    clock.set(MONDAY_8AM_NY)
    await bot.run_digests()
    (gm,) = digests(chat, "grace")
    assert "No check-in was sent this week: nobody was asked." in gm
    (alice,) = digests(chat, "alice")
    assert alice.startswith("📬 Weekly digest — 2026-W48")
    assert charts_to(chat, "grace") == [] and charts_to(chat, "alice") == []
    assert not any(s.message.image for s in chat.sent)


async def test_a_month_with_no_figures_names_its_digests_without_a_chart(bot, chat, clock):
    await running_since(bot, clock, timedelta(weeks=4))
    clock.set(DEC_1_9AM_NY)
    await bot.run_monthly_review()
    assert not any(s.message.image for s in chat.sent)
    (gm,) = [s.text for s in chat.sent if s.target.address == "grace"
             and s.text.startswith("📬 Weekly digests of 2026-11")]
    assert "no digest was sent" in gm and "The chart shows" not in gm


@pytest.mark.parametrize(("locale", "expected"), [
    ("en", "2 of 3 answered. Not answered: Bruno Rossi (started, not finished; no longer "
           "in the org file since 2026-11-27)."),
    ("zh-CN", "已回答 2 / 3 人。未回答：Bruno Rossi（已开始，未完成；自 2026-11-27 起"
              "已不在组织文件中）。"),
])
async def test_someone_taken_out_of_the_org_file_is_named_so_in_the_header_as_below(
        bot, chat, clock, locale, expected):
    """Bruno started 2026-W48's check-in and was taken out of the org file before the
    digest. The summary under the header names him as no longer in the org file (nobody
    is to chase him); the header above it listed him as any other who has not answered.
    Both say since when (the reader's day), as `/summary bruno` does."""
    from tests.support import TEST_ORG

    await checked_in(bot, chat, clock)  # Alice and Li answer, Bruno starts and stops
    text = TEST_ORG.read_text(encoding="utf-8")
    text = text[:text.index("  - key: bruno")] + text[text.index("  - key: li"):]
    edit_org(bot, text.replace("locale: en\n    slack_id: U0GRACE",
                               f"locale: {locale}\n    slack_id: U0GRACE"))
    clock.set(MONDAY_8AM_NY)
    await bot.run_digests()
    (gm,) = digests(chat, "grace")
    assert expected in gm
    assert ("no longer in the org file: Bruno Rossi (since 2026-11-27)" if locale == "en"
            else "已不在组织文件中：Bruno Rossi（自 2026-11-27 起）") in gm  # (the summary)


async def test_a_director_without_a_team_gets_no_digest(settings, clock, tmp_path, capsys):
    """README: the digest goes to "the GM and every director with a `team` in the org file
    (a director without one has no team view to be sent)". Nina, a director the org file
    gives no team, gets nothing on Monday at 08:00, while the GM and Alice get theirs; and
    `teampulse digest --to nina` says no digest goes to her."""
    from tests.support import TEST_ORG, bot_on_org

    org_file = tmp_path / "org.yaml"
    org_file.write_text(TEST_ORG.read_text().replace("  - key: vera\n", (
        "  - key: nina\n    name: Nina Park\n    role: director\n    manager: grace\n"
        "    timezone: America/New_York\n    locale: en\n    slack_id: U0NINA\n"
        "    telegram_id: 1009\n  - key: vera\n"), 1), encoding="utf-8")
    with bot_on_org(settings, clock, org_file) as (bot, chat, org_settings):
        await running_since(bot, clock)
        clock.set(MONDAY_8AM_NY)
        await bot.run_digests()
        await bot.outbox.flush()
        assert len(digests(chat, "grace")) == 1 and len(digests(chat, "alice")) == 1
        assert chat.to("nina") == []
        assert run_cli(org_settings, "digest", "--to", "nina")[0] == 2
        assert "--to 'nina': no digest goes to them" in capsys.readouterr().err

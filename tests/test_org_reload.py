"""The running bot follows edits to the org file: people, targets and jobs, no restart."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from prometheus_client import generate_latest
from sqlalchemy import text as sa_text
from sqlalchemy.exc import OperationalError

from bot import jobs
from bot.adapters.console import ConsoleAdapter
from bot.app import prepare, run
from bot.clock import FakeClock
from bot.config import Settings
from bot.core import TeamPulse
from bot.events import OutboundMessage
from bot.org_reload import OrgWatcher
from bot.scheduler import start_scheduler
from storage.db import create_db_engine
from tests.support import TEST_ORG, WAIT, RecordingAdapter, run_cli, say
from tests.test_checkin import ALICE_ANSWERS
from tests.test_kudos import kudo

DANA = """  - key: dana
    name: Dana Scott
    role: director
    manager: grace
    team: West
    timezone: {tz}
    locale: en
    kpis:
      - {{metric: revenue, unit: USD, weekly_target: 30000}}
"""
BRUNO = """  - key: bruno
    name: Bruno Rossi
    role: director
    manager: grace
    team: Europe
    timezone: Europe/Rome
    locale: en
    slack_id: U0BRUNO
    telegram_username: bruno_r
    kpis:
      - {metric: revenue, unit: USD, weekly_target: 40000}
"""
VALUES = "# Company values"
NY, ROME, LA = "America/New_York", "Europe/Rome", "America/Los_Angeles"
PROMPT = "Time for your weekly check-in"


@dataclass
class Running:
    """A bot as `teampulse run` has it: synced, scheduler started, watching its org file."""

    bot: TeamPulse
    chat: RecordingAdapter
    scheduler: object
    watcher: OrgWatcher
    path: Path
    clock: FakeClock

    def edit(self, old: str, new: str) -> None:
        """The operator edits the org file (saved a second later than the last time)."""
        text = self.path.read_text(encoding="utf-8")
        assert old in text
        self.write(text.replace(old, new, 1))

    def write(self, text: str) -> None:
        before = self.path.stat()
        self.path.write_text(text, encoding="utf-8")
        os.utime(self.path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))

    def zone_jobs(self) -> set[str]:
        return {job.id.removeprefix("checkin:tz:")  # type: ignore[attr-defined]
                for job in self.scheduler.get_jobs()  # type: ignore[attr-defined]
                if job.id.startswith("checkin:tz:")}


@pytest.fixture
async def running(tmp_path: Path, database_url: str, clock: FakeClock
                  ) -> AsyncIterator[Running]:
    path = tmp_path / "org.yaml"
    path.write_text(TEST_ORG.read_text(encoding="utf-8"), encoding="utf-8")
    bot, engine = prepare(Settings(database_url=database_url, org_file=path), clock)
    chat = RecordingAdapter()
    bot.register(chat)
    jobs.bind(bot)
    scheduler = await start_scheduler(bot, engine)
    await bot.drain()  # the start-up catch-up: Alice's 16:00 check-in in New York
    try:
        yield Running(bot, chat, scheduler, OrgWatcher(bot, path, stamp=bot.org_stamp),
                      path, clock)
    finally:
        scheduler.shutdown(wait=False)
        jobs.bind(None)
        await bot.drain()
        bot.close()
        engine.dispose()


async def test_an_unchanged_file_is_not_reloaded(running, caplog):
    caplog.set_level(logging.INFO, logger="bot.org_reload")
    assert await running.watcher.check() is None
    running.write(running.path.read_text(encoding="utf-8"))  # saved, nothing changed
    assert await running.watcher.check() is None
    assert caplog.text == ""
    assert await running.watcher.check(force=True) is None  # SIGHUP
    assert f"org file {running.path}: unchanged" in caplog.text
    assert "reloaded" not in caplog.text
    assert running.chat.to("alice") == [running.chat.last("alice")]


async def test_a_new_director_in_a_new_timezone_is_asked_when_her_round_runs(running, caplog):
    caplog.set_level(logging.INFO, logger="bot.org_reload")
    running.edit(VALUES, DANA.format(tz=LA) + VALUES)
    change = await running.watcher.check()
    assert change is not None and change.added == ("dana",)
    assert "org file reloaded: 1 added (dana)" in caplog.text
    # Los Angeles has a check-in job of its own now; 16:00 there has not come yet.
    assert LA in running.zone_jobs()
    await running.bot.drain()
    assert running.chat.to("dana") == []
    running.clock.advance(timedelta(hours=3))  # Friday 16:00 in Los Angeles
    await jobs.checkin_zone_job(LA)
    assert f"{PROMPT} for 2026-W48" in running.chat.last("dana")
    assert "Your weekly target is 30,000 USD" in running.chat.last("dana")


async def test_a_director_added_after_the_round_gets_this_weeks_check_in(running):
    running.clock.advance(timedelta(hours=1))  # New York's round went out an hour ago
    running.edit(VALUES, DANA.format(tz=NY) + VALUES)
    await running.watcher.check()
    await running.bot.drain()  # the reload's catch-up, as after a start
    assert f"{PROMPT} for 2026-W48" in running.chat.last("dana")
    assert len(running.chat.to("alice")) == 1  # nobody is asked twice


async def test_a_changed_target_is_asked_next_week_not_in_this_weeks_round(running):
    assert "Your weekly target is 50,000 USD" in running.chat.last("alice")
    running.edit("weekly_target: 50000}", "weekly_target: 70000}")
    running.edit("weekly_target: 4}", "weekly_target: 6}")
    change = await running.watcher.check()
    assert change is not None and change.changed == ("alice",)
    # This week's round was asked with the old targets and keeps them.
    await say(running.bot, "alice", ALICE_ANSWERS[0])
    assert "Your weekly target is 4 customers" in running.chat.last("alice")
    for text in ALICE_ANSWERS[1:]:
        await say(running.bot, "alice", text)
    running.chat.clear()
    running.clock.advance(timedelta(days=7))
    await jobs.checkin_zone_job(NY)
    assert f"{PROMPT} for 2026-W49" in running.chat.last("alice")
    assert "Your weekly target is 70,000 USD" in running.chat.last("alice")


async def test_a_removed_director_is_no_longer_prompted(running):
    running.edit(BRUNO, "")
    change = await running.watcher.check()
    assert change is not None and change.removed == ("bruno",)
    assert ROME not in running.zone_jobs()  # he was the only one there
    running.chat.clear()  # (this week's went out at the start)
    running.clock.advance(timedelta(days=7))
    await jobs.checkin_zone_job(ROME)  # a job that fires all the same asks nobody
    await jobs.checkin_zone_job(NY)
    assert running.chat.to("bruno") == []
    assert f"{PROMPT} for 2026-W49" in running.chat.last("alice")


async def test_a_bad_edit_changes_nothing_is_logged_once_and_a_fix_applies(running, caplog):
    caplog.set_level(logging.INFO, logger="bot.org_reload")
    good = running.path.read_text(encoding="utf-8")
    running.edit(VALUES, DANA.format(tz="Mars/Olympus") + VALUES)
    assert await running.watcher.check() is None
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "timezone 'Mars/Olympus' is not a known IANA timezone" in warnings[0].getMessage()
    assert "people[6] ('dana')" in warnings[0].getMessage()
    # Looked at again a minute later (saved again, too): not said again.
    running.write(running.path.read_text(encoding="utf-8"))
    assert await running.watcher.check() is None
    assert await running.watcher.check(force=True) is None
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1
    # The running org is untouched: Alice's round and answers go on as before.
    assert running.bot.org.person("dana") is None
    await say(running.bot, "alice", ALICE_ANSWERS[0])
    assert "Your weekly target is 4 customers" in running.chat.last("alice")
    # Another bad version is another warning.
    running.write(good.replace("role: gm", "role: boss"))
    assert await running.watcher.check() is None
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 2
    # Fixed: applied at the next look.
    running.write(good.replace(VALUES, DANA.format(tz=NY) + VALUES))
    change = await running.watcher.check()
    assert change is not None and change.added == ("dana",)
    assert "org file reloaded: 1 added (dana)" in caplog.text
    # /metrics: an operator can alert on a refused org file.
    metrics = generate_latest(running.bot.metrics.registry).decode()
    assert 'teampulse_org_reloads_total{outcome="refused"} 2.0' in metrics
    assert 'teampulse_org_reloads_total{outcome="applied"} 1.0' in metrics
    await running.bot.drain()
    assert f"{PROMPT} for 2026-W48" in running.chat.last("dana")


async def test_a_deleted_org_file_keeps_the_running_org(running, caplog):
    caplog.set_level(logging.WARNING, logger="bot.org_reload")
    running.path.unlink()
    assert await running.watcher.check() is None
    assert await running.watcher.check() is None
    assert caplog.text.count("file not found") == 1
    assert running.bot.org.person("bruno") is not None
    running.clock.advance(timedelta(days=7))
    await jobs.checkin_zone_job(ROME)
    assert f"{PROMPT} for 2026-W49" in running.chat.last("bruno")


async def test_new_values_and_people_are_used_by_the_next_message(running, caplog):
    caplog.set_level(logging.INFO, logger="bot.org_reload")
    running.edit(VALUES, DANA.format(tz=NY) + VALUES)
    running.write(running.path.read_text(encoding="utf-8")
                  + "  - key: speed\n    label: {en: Speed, zh-CN: 速度}\n")
    change = await running.watcher.check()
    assert change is not None and change.sections == ("values",)
    assert "org file reloaded: 1 added (dana); settings changed: values" in caplog.text
    await kudo(running.bot, "alice", "/kudos @dana for the fast turnaround #speed")
    await running.bot.drain()
    assert "🎉 You got kudos from Alice Martin: the fast turnaround\nFor our values: Speed" \
        in running.chat.to("dana")


class _Said(logging.Handler):
    """Sets an event once a log line containing `text` is emitted (on the loop's thread)."""

    def __init__(self, text: str) -> None:
        super().__init__(logging.INFO)
        self.text, self.event = text, asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if self.text in record.getMessage():
            self.event.set()


async def test_teampulse_run_applies_an_edit_on_sighup(tmp_path, database_url, clock):
    path = tmp_path / "org.yaml"
    path.write_text(TEST_ORG.read_text(encoding="utf-8"), encoding="utf-8")
    settings = Settings(database_url=database_url, org_file=path, console=False)
    running, reloaded = _Said("teampulse is running"), _Said("org file reloaded")
    root = logging.getLogger()
    for handler in (running, reloaded):
        root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.INFO)
    stop = asyncio.Event()
    # Should the bot not take SIGHUP, the signal must not end the test run.
    previous = signal.signal(signal.SIGHUP, lambda *_: None)
    task = asyncio.create_task(run(settings, clock=clock, stop=stop))
    try:
        await asyncio.wait_for(running.event.wait(), WAIT)
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(VALUES, DANA.format(tz=LA) + VALUES), encoding="utf-8")
        os.kill(os.getpid(), signal.SIGHUP)  # not waiting a minute for the next look
        await asyncio.wait_for(reloaded.event.wait(), WAIT)
    finally:
        stop.set()
        await asyncio.wait_for(task, WAIT)
        for handler in (running, reloaded):
            root.removeHandler(handler)
        root.setLevel(old_level)
        signal.signal(signal.SIGHUP, previous)
    # Dana is in the database, and the leader stored Los Angeles's check-in job.
    engine = create_db_engine(database_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(sa_text(
                "SELECT active FROM people WHERE key = 'dana'")).scalar() in (1, True)
            assert connection.execute(sa_text(
                "SELECT count(*) FROM apscheduler_jobs WHERE id = :id"),
                {"id": "checkin:tz:" + LA}).scalar() == 1
    finally:
        engine.dispose()


LI_SHANGHAI = """    timezone: Asia/Shanghai
    locale: zh-CN
    slack_id: U0LILEI"""


async def test_a_director_who_moves_is_asked_at_her_new_local_time(running):
    running.edit(LI_SHANGHAI, LI_SHANGHAI.replace("Asia/Shanghai", "Europe/London"))
    change = await running.watcher.check()
    assert change is not None and change.changed == ("li",)
    # Nobody checks in from Shanghai any more; London has a job of its own.
    assert running.zone_jobs() == {NY, ROME, "Europe/London"}
    await running.bot.drain()
    running.chat.clear()
    running.clock.set(datetime(2026, 12, 4, 16, 0, tzinfo=UTC))  # Friday 16:00 in London
    await jobs.checkin_zone_job("Europe/London")
    assert "2026-W49" in running.chat.last("li")
    assert "每周签到" in running.chat.last("li")


async def test_a_director_moved_across_the_date_line_is_asked_for_her_week_once(running):
    """李雷 checks in on Fridays at 16:00 in her own timezone. Moved from Shanghai to
    Honolulu after Shanghai's Friday prompt, she is not asked that week again at Honolulu's
    16:00; moved on to Auckland the next Friday at noon in Honolulu (Saturday 11:00 in
    Auckland), before Honolulu's 16:00 came, she is asked for that week at once: Auckland's
    Friday 16:00 had passed 19 hours before, beyond the grace period, and she had been
    asked for it nowhere: she had not been asked at all that week."""
    async def move(old: str, new: str) -> None:
        running.edit(old, new)
        await running.watcher.check()
        await running.bot.drain()

    running.clock.set(datetime(2027, 3, 12, 8, 0, tzinfo=UTC))  # Fri 16:00 in Shanghai
    await jobs.checkin_zone_job("Asia/Shanghai")
    await running.bot.drain()
    assert "2027-W10" in running.chat.last("li")
    running.chat.clear()
    running.clock.set(datetime(2027, 3, 12, 12, 0, tzinfo=UTC))
    await move("Asia/Shanghai", "Pacific/Honolulu")
    running.clock.set(datetime(2027, 3, 13, 2, 0, tzinfo=UTC))  # Fri 16:00 in Honolulu
    await jobs.checkin_zone_job("Pacific/Honolulu")
    await running.bot.drain()
    assert not running.chat.to("li")  # W10 asked once
    running.clock.set(datetime(2027, 3, 19, 22, 0, tzinfo=UTC))  # Fri 12:00 in Honolulu
    await move("Pacific/Honolulu", "Pacific/Auckland")
    assert [m for m in running.chat.to("li") if "2027-W11" in m]
    await running.bot.run_reminders()
    await running.bot.drain()
    assert len([m for m in running.chat.to("li") if "该做 2027-W11" in m]) == 1


async def test_a_follower_applies_the_edit_and_the_leader_its_jobs(running):
    # A second replica on the same database: it serves chat but runs no scheduler.
    follower = TeamPulse(running.bot.settings, running.bot.org, running.bot.engine,
                         clock=running.clock)
    follower_chat = RecordingAdapter()
    follower.register(follower_chat)
    try:
        running.edit(VALUES, DANA.format(tz=LA) + VALUES)
        mine = OrgWatcher(follower, running.path, stamp=running.watcher.stamp)
        change = await mine.check()
        assert change is not None and change.added == ("dana",)
        # Dana can talk to the follower at once (before the edit: "I don't know you yet") ...
        await say(follower, "dana", "/help")
        assert follower_chat.last("dana").startswith("teampulse — your team's weekly rhythm.")
        assert LA not in running.zone_jobs()  # ... the jobs are the leader's to change
        change = await running.watcher.check()  # the leader's own look, within a minute
        assert change is not None and change.added == ("dana",)
        assert LA in running.zone_jobs()
    finally:
        await follower.drain()
        follower.close()


async def test_jobs_that_could_not_follow_an_edit_follow_at_the_next_look(
        running, monkeypatch, caplog):
    from bot import scheduler as scheduling

    real = scheduling.org_reloaded
    failures = [OperationalError("SELECT", {}, Exception("server closed the connection"))]

    def flaky(*args: object) -> None:
        if failures:
            raise failures.pop()
        real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(scheduling, "org_reloaded", flaky)
    running.edit(VALUES, DANA.format(tz=LA) + VALUES)
    assert await running.watcher.check() is not None
    assert LA not in running.zone_jobs()
    assert "could not follow the reloaded org file" in caplog.text
    assert await running.watcher.check() is None  # the file is as it was: no new change ...
    assert LA in running.zone_jobs()  # ... but the jobs are in line now


async def test_the_console_names_someone_added_by_their_name(running):
    out = StringIO()
    console = ConsoleAdapter(running.bot, StringIO(), out)
    console.banner()  # as at start: the names of everyone then in the org
    running.bot.register(console)
    running.edit(VALUES, DANA.format(tz=NY) + VALUES)
    await running.watcher.check()
    await console.send_dm("dana", OutboundMessage("Welcome"))
    assert "bot → Dana Scott (dana), private" in out.getvalue()


async def test_the_org_wide_jobs_follow_their_sections(running):
    def memory_jobs() -> set[str]:
        return {job.id for job in running.scheduler.get_jobs(jobstore="memory")}  # type: ignore[attr-defined]

    assert "review-schedule" not in memory_jobs()
    assert str(running.scheduler.get_job("honours").trigger.timezone) == NY  # type: ignore[attr-defined]
    running.edit("  summary_viewers: [vera]\n",
                 "  summary_viewers: [vera]\n  timezone: Asia/Shanghai\n")
    running.write(running.path.read_text(encoding="utf-8") + (
        "reviews:\n  schedule: quarterly\n  day: 1\n  time: \"10:00\"\n  directors: all\n"))
    change = await running.watcher.check()
    assert change is not None and change.sections == ("timezone", "reviews")
    # The honour roll and the monthly review go out at 09:00 in the org's new timezone,
    # and the 360° reviews the file now schedules are started by their sweep.
    for job_id in ("honours", "monthly-review"):
        assert str(running.scheduler.get_job(job_id).trigger.timezone) == "Asia/Shanghai"  # type: ignore[attr-defined]
    assert "review-schedule" in memory_jobs()


async def test_replicas_reloading_the_same_edit_together_both_apply_it(running):
    # On PostgreSQL (TEST_DATABASE_URL) they take turns, as at start: the second writes
    # nothing (a second insert of the same person would fail on the unique key).
    other = TeamPulse(running.bot.settings, running.bot.org, running.bot.engine,
                      clock=running.clock)
    try:
        running.edit(VALUES, DANA.format(tz=NY) + VALUES)
        watchers = (running.watcher, OrgWatcher(other, running.path, stamp=running.watcher.stamp))
        changes = await asyncio.gather(*(w.check() for w in watchers))
        assert [c.added if c else None for c in changes] == [("dana",), ("dana",)]
        assert other.org.person("dana") is not None and running.bot.org.person("dana")
        with running.bot.unit() as ctx:
            assert [p.key for p in ctx.people.active() if p.key == "dana"] == ["dana"]
    finally:
        await other.drain()
        other.close()


async def test_an_edit_to_the_goals_file_alone_is_applied(running):
    goals = running.path.parent / "goals.yaml"
    goals.write_text("- {metric: revenue, period: 2026-Q4, target: 480000}\n", encoding="utf-8")
    running.write(running.path.read_text(encoding="utf-8") + "goals: goals.yaml\n")
    change = await running.watcher.check()
    assert change is not None and change.sections == ("goals",)
    await say(running.bot, "grace", "/goals")
    assert "target 480,000 USD" in running.chat.last("grace")
    before = goals.stat()
    goals.write_text("- {metric: revenue, period: 2026-Q4, target: 520000}\n", encoding="utf-8")
    os.utime(goals, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
    change = await running.watcher.check()  # the org file itself is as it was
    assert change is not None and change.sections == ("goals",)
    await say(running.bot, "grace", "/goals")
    assert "target 520,000 USD" in running.chat.last("grace")


async def test_a_refused_goals_file_edit_names_its_line(running, caplog):
    """An edit to the goals file alone that is refused: the log names the goals file and
    the line of the goal, and the running goals are kept."""
    caplog.set_level(logging.WARNING, logger="bot.org_reload")
    goals = running.path.parent / "goals.yaml"
    good = "".join(f"- metric: revenue\n  period: 2026-{10 + i}\n  target: {480000 + i}\n"
                   for i in range(3))
    goals.write_text(good, encoding="utf-8")
    running.write(running.path.read_text(encoding="utf-8") + "goals: goals.yaml\n")
    assert await running.watcher.check() is not None
    before = goals.stat()
    goals.write_text(good.replace("target: 480001", "target: -1"), encoding="utf-8")
    os.utime(goals, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
    assert await running.watcher.check() is None
    (warning,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert f"  - {goals}:6: goals[1] (revenue 2026-11): target must be a number " in warning
    assert len(running.bot.org.goals.goals) == 3  # the running goals are kept


async def test_a_file_written_again_while_it_is_read_is_not_applied_half(
        running: Running, monkeypatch: pytest.MonkeyPatch) -> None:
    """An editor that saves in place (nano) truncates the file and writes it anew; the bot
    looked in between and read it cut before its last person, which still made a valid
    org: Sam was taken out (and the values section), to come back a minute later. A file
    whose time or size changed while it was read is now not applied: the next look reads
    it whole."""
    import bot.org_reload as org_reload

    whole = running.path.read_text(encoding="utf-8")
    cut = whole[:whole.index("  - key: sam")]
    real = org_reload.parse_org
    finished: list[bool] = []

    def parse_while_the_editor_finishes(text: str, path: Path):  # type: ignore[no-untyped-def]
        if not finished:
            finished.append(True)
            running.write(whole)  # the editor writes the rest meanwhile
        return real(text, path)

    monkeypatch.setattr(org_reload, "parse_org", parse_while_the_editor_finishes)
    running.write(cut)
    assert await running.watcher.check() is None
    assert "sam" in {p.key for p in running.bot.org.people}
    assert await running.watcher.check() is None  # the whole file: nothing changed
    with running.bot.unit() as ctx:
        assert ctx.people.by_key("sam").active
    assert {p.key for p in running.bot.org.people} >= {"sam", "vera"}
    assert running.bot.org.values


async def test_a_refused_edit_names_the_line_of_each_problem(running, caplog):
    """The operator reading the log of a refused edit is told the line of each problem,
    in the first, a middle and the last person's entry."""
    caplog.set_level(logging.WARNING, logger="bot.org_reload")
    good = running.path.read_text(encoding="utf-8")
    text = good.replace("    timezone: America/New_York\n", "    timezone: America/NewYork\n", 1)
    li = text.index("  - key: li\n")
    text = text[:li] + text[li:].replace("manager: grace", "manager: graec", 1)
    sam = text.index("  - key: sam\n")
    text = text[:sam] + text[sam:].replace("America/Chicago", "America/Chicgo", 1)
    running.write(text)
    assert await running.watcher.check() is None
    (warning,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]

    def line(fragment: str) -> int:
        return text[:text.index(fragment)].count("\n") + 1

    path = running.path
    assert f"  - {path}:{line('America/NewYork')}: people[0] ('grace'): timezone " in warning
    assert f"  - {path}:{line('graec')}: people[3] ('li'): manager 'graec' does not " in warning
    assert f"  - {path}:{line('Chicgo')}: people[5] ('sam'): timezone 'America/Chicgo' " in warning
    assert running.bot.org.person("grace").timezone == NY  # the running org is kept


VERA = """  - key: vera
    name: Vera Ops
    role: member
    timezone: America/New_York
    locale: en
    slack_id: U0VERA
    telegram_id: 1005
"""


async def test_a_summary_waiting_for_someone_removed_since_is_never_sent(running):
    """Vera, a summary viewer, asks for the summary while the chat platform is down; the
    operator takes her out of the org file before it is back. The answer, everyone's
    numbers and blockers, stays undelivered; Alice's own message still goes."""
    from bot.adapters.base import DeliveryError
    from storage.models import OutboxMessage

    await say(running.bot, "alice", ALICE_ANSWERS[0])
    running.chat.clear()
    running.chat.fail_next = [DeliveryError("platform down")] * 2
    await say(running.bot, "vera", "/summary")
    await say(running.bot, "alice", ALICE_ANSWERS[1])
    assert running.chat.sent == []  # both wait in the outbox
    running.edit(VERA, "")
    running.edit("summary_viewers: [vera]", "summary_viewers: []")
    change = await running.watcher.check()
    assert change is not None and change.removed == ("vera",)
    running.clock.advance(timedelta(minutes=10))
    await running.bot.deliver()
    await running.bot.drain()
    assert running.chat.to("vera") == []
    assert running.chat.to("alice")  # the platform is back: others' messages go out
    with running.bot.unit() as ctx:
        left = [m.status for m in ctx.session.query(OutboxMessage)
                if m.address == "vera"]
    assert left == ["expired"]


async def test_a_file_cut_off_inside_a_character_is_said_to_be_cut_off_at_its_line(
        running, caplog, capsys):
    """A copy of the org file stopped partway (a full disk, a dropped connection) ends in
    the middle of 李雷's name. The warning and the GM's note name the file and line as a
    start would (`org.yaml:37:`) and say the file is cut short, not that it is no UTF-8
    text to save again as UTF-8 instead of GBK, which it already is; so does `teampulse
    check-org`."""
    caplog.set_level(logging.WARNING, logger="bot.org_reload")
    whole = running.path.read_bytes()
    cut = whole[:whole.index("李".encode()) + 2]
    line = cut.count(b"\n") + 1
    before = running.path.stat()
    running.path.write_bytes(cut)
    os.utime(running.path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
    assert await running.watcher.check() is None
    await running.watcher.check()
    await running.bot.drain()
    said = (f"org.yaml:{line}: the file ends in the middle of a character (byte 0xe6): it "
            "is cut short, as when it is still being written or was copied only in part; "
            "save it again whole")
    assert f"{running.path.parent}/{said}" in caplog.text
    assert "GBK" not in caplog.text
    assert f"• {said}\n" in running.chat.last("grace")
    assert running.bot.org.person("li") is not None  # the running org is kept
    assert run_cli(running.bot.settings, "check-org")[0] == 2
    assert f"  - {running.path.parent}/{said}\n" in capsys.readouterr().err

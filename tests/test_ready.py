"""Start-up from the operator's side: the bot is running before the digests it owes are
queued, a stop during that catch-up ends it between digests (the next start queues the
rest, nobody gets two), and a start that finds many people past their grace period says
so in one line per week, not one per person."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot import jobs
from bot.app import LeaderWork, prepare
from bot.core import TeamPulse
from bot.scheduler import catch_up
from handlers import digest
from storage.digest import DigestSent
from tests.support import WAIT, RecordingAdapter, running_since

DIRECTORS = 12
RECIPIENTS = [f"d{i:02d}" for i in range(DIRECTORS)] + ["gm"]
MONDAY_830AM_NY = datetime(2026, 11, 30, 13, 30, tzinfo=UTC)  # digests due at 08:00 local


def org_yaml(directors: int) -> str:
    """A GM and `directors` directors with teams, all in New York."""
    lines = ["org: {name: Many}", "people:",
             "  - {key: gm, name: GM, role: gm, timezone: America/New_York}"]
    lines += [f"  - {{key: d{i:02d}, name: Director {i}, role: director, manager: gm, "
              f"team: T{i}, timezone: America/New_York}}" for i in range(directors)]
    return "\n".join(lines) + "\n"


@pytest.fixture
def many(settings, tmp_path: Path):
    """Settings for an org of a GM and DIRECTORS directors."""
    org = tmp_path / "many.yaml"
    org.write_text(org_yaml(DIRECTORS), encoding="utf-8")
    return replace(settings, org_file=org)


def claims(bot: TeamPulse) -> dict[str, int]:
    """How many digests of any week each recipient has been recorded as sent."""
    from storage.models import Person

    with bot.unit() as ctx:
        rows = ctx.session.execute(select(Person.key, func.count()).join(
            DigestSent, DigestSent.person_id == Person.id).group_by(Person.key))
        return dict(rows.all())


def digests_to(*chats: RecordingAdapter) -> dict[str, int]:
    """How many weekly digest texts each person received, over all the runs' chats."""
    got: dict[str, int] = {}
    for chat in chats:
        for s in chat.sent:
            if s.message.image is None and "Weekly digest —" in s.text:
                got[s.target.address] = got.get(s.target.address, 0) + 1
    return got


def leader(settings, clock) -> tuple[TeamPulse, Any, RecordingAdapter, LeaderWork]:
    """A bot, its engine, a chat and its leader's work, not started yet."""
    bot, engine = prepare(settings, clock)
    chat = RecordingAdapter()
    bot.register(chat)
    return bot, engine, chat, LeaderWork(bot, engine, [])


@contextlib.asynccontextmanager
async def running(settings, clock, moment: datetime
                  ) -> AsyncIterator[tuple[TeamPulse, RecordingAdapter]]:
    """The bot started at `moment` as `teampulse run` starts it (its jobs bound), until
    a stop with its last flush."""
    clock.set(moment)
    bot, engine, chat, term = leader(settings, clock)
    try:
        await term.start()
        jobs.bind(bot)
        yield bot, chat
    finally:
        jobs.bind(None)
        await term.stop(final=True)
        engine.dispose()


class HoldAt:
    """`real` as called on the database thread, held after its n-th call until released:
    the moment a SIGTERM arrives in the middle of a catch-up."""

    def __init__(self, real: Any, n: int) -> None:
        self.real, self.n, self.calls = real, n, []
        self.loop = asyncio.get_running_loop()
        self.reached = asyncio.Event()
        self.go_on = threading.Event()

    def __call__(self, *args: Any) -> Any:
        result = self.real(*args)
        self.calls.append(args)
        if len(self.calls) == self.n:
            self.loop.call_soon_threadsafe(self.reached.set)
            self.go_on.wait(10)  # bound for a failing run only
        return result


async def stopped_midway(settings, clock, moment: datetime, hold: HoldAt, *,
                         final: bool = True) -> tuple[TeamPulse, RecordingAdapter]:
    """Started at `moment`, stopped (`final`: SIGTERM; else leadership lost) while `hold`
    holds the catch-up; everything it left running ended."""
    clock.set(moment)
    bot, engine, chat, term = leader(settings, clock)
    try:
        await term.start()
        await asyncio.wait_for(hold.reached.wait(), WAIT)  # bound for a failing run only
        if final:
            term.pause()  # what `teampulse run` does first on SIGTERM
        hold.go_on.set()
        await term.stop(final=final)
    finally:
        hold.go_on.set()
        await bot.drain()
        engine.dispose()
    return bot, chat


async def ran_before(settings, clock, moment: datetime) -> None:
    """The install has been running before `moment` (its GM wrote to it two weeks
    earlier): a first start owes no digest of a week before it."""
    clock.set(moment)
    bot, engine = prepare(settings, clock)
    bot.register(RecordingAdapter())
    try:
        await running_since(bot, clock, key="gm")
    finally:
        engine.dispose()


async def start_again(settings, clock) -> tuple[TeamPulse, RecordingAdapter]:
    """The next start, five minutes later: its catch-up done, its last flush sent."""
    clock.advance(timedelta(minutes=5))
    bot, engine, chat, term = leader(settings, clock)
    try:
        await term.start()
        await bot.drain()
    finally:
        await term.stop(final=True)
        engine.dispose()
    return bot, chat


async def test_the_bot_is_running_before_the_digests_it_owes_are_queued(many, clock):
    # A start at Monday 08:30 in New York: all 13 digests (the GM and 12 directors) are due.
    await ran_before(many, clock, MONDAY_830AM_NY)
    async with running(many, clock, MONDAY_830AM_NY) as (bot, chat):
        # `teampulse run` says "running" as soon as the start returns: nothing of the
        # digest catch-up has been done yet, so the start no longer waits for it.
        assert claims(bot) == {}
        # Meanwhile the minute's digest sweep fires too: the claims keep it to one each.
        await asyncio.gather(bot.drain(), jobs.digest_job())
        assert claims(bot) == dict.fromkeys(RECIPIENTS, 1)
    assert digests_to(chat) == dict.fromkeys(RECIPIENTS, 1)  # (the stop's last flush)


@pytest.mark.parametrize("final", [True, False], ids=["stop", "leadership-lost"])
async def test_a_stop_during_the_digest_catch_up_ends_it_between_digests(
        many, clock, monkeypatch, final):
    real = digest.queue_digest
    hold = HoldAt(real, 3)  # the stop comes while the third digest is being queued
    monkeypatch.setattr(digest, "queue_digest", hold)
    await ran_before(many, clock, MONDAY_830AM_NY)
    bot, chat = await stopped_midway(many, clock, MONDAY_830AM_NY, hold, final=final)
    # The digest in hand was finished (claimed and queued together); no other began.
    queued = [person.key for _ctx, person, *_ in hold.calls]
    assert len(queued) == 3
    assert claims(bot) == dict.fromkeys(queued, 1)
    # The next start (still within the grace period) queues the other ten, once each.
    monkeypatch.setattr(digest, "queue_digest", real)
    again, second = await start_again(many, clock)
    assert claims(again) == dict.fromkeys(RECIPIENTS, 1)
    # (On a stop the three queued go out in its last flush; when leadership is lost they
    # stay queued and the next start sends them.) Nobody gets two, nobody gets none.
    assert digests_to(chat, second) == dict.fromkeys(RECIPIENTS, 1)


async def test_a_first_start_past_everyone_s_grace_period_logs_one_line_per_kind(
        many, clock, caplog):
    # The bot is installed on Monday 15:30 in New York: Friday's check-ins (16:00) and
    # this morning's digests (08:00) are both past their grace periods (6 h).
    clock.set(MONDAY_830AM_NY + timedelta(hours=7))
    bot, engine = prepare(many, clock)
    bot.register(RecordingAdapter())
    try:
        with caplog.at_level(logging.INFO):
            assert await catch_up(bot) == {}
            assert await bot.run_digests(starting=True) == 0
    finally:
        engine.dispose()
    lines = [r.getMessage() for r in caplog.records if "not sent" in r.getMessage()]
    assert lines == [
        "2026-W48 check-ins not sent to 12 people (d00, d01, d02, d03, d04 and 7 more): "
        "their time passed more than the grace period before the bot was running"]
    # (No digest line: a first start owes no digest of a week before it; see
    # test_a_late_start_of_an_install_that_ran_before_logs_its_digests_too.)


async def test_a_start_that_catches_up_a_round_logs_one_short_line_of_outcomes(
        many, clock, caplog):
    # Started on Friday at 17:00 in New York, within the grace period of the 16:00
    # check-in: everyone is asked now. The operator reads one line, not one entry per
    # person (a dict of 5,000 outcomes was a 130 KB line).
    clock.set(datetime(2026, 11, 27, 22, 0, tzinfo=UTC))
    bot, engine = prepare(many, clock)
    bot.register(RecordingAdapter())
    try:
        with caplog.at_level(logging.INFO):
            results = await catch_up(bot)
    finally:
        engine.dispose()
    assert results == dict.fromkeys([f"d{i:02d}" for i in range(DIRECTORS)], "prompted")
    lines = [r.getMessage() for r in caplog.records if "catch-up after start" in r.getMessage()]
    assert lines == ["catch-up after start: prompted 12 (d00, d01, d02, d03, d04 and 7 more)"]


async def test_a_late_start_of_an_install_that_ran_before_logs_its_digests_too(
        many, clock, caplog):
    clock.set(MONDAY_830AM_NY + timedelta(hours=7))
    await ran_before(many, clock, clock.now())
    bot, engine = prepare(many, clock)
    bot.register(RecordingAdapter())
    try:
        with caplog.at_level(logging.INFO):
            assert await bot.run_digests(starting=True) == 0
    finally:
        engine.dispose()
    lines = [r.getMessage() for r in caplog.records if "not sent" in r.getMessage()]
    assert lines == [
        "2026-W48 digests not sent to 13 people (d00, d01, d02, d03, d04 and 8 more): "
        "their time passed more than the grace period before the bot was running"]


async def test_one_person_past_the_grace_period_is_named_alone(bot, clock, caplog):
    # Alice's check-in (New York) was not sent in time; Bruno and Li were asked.
    clock.advance(bot.settings.grace_period + timedelta(minutes=1))
    with bot.unit() as ctx:
        for key in ("bruno", "li"):
            person = ctx.people.by_key(key)
            ctx.checkins.create_round(person, "2026-W48", [], clock.now()).prompted_at = \
                clock.now()
    bot.register(RecordingAdapter())
    with caplog.at_level(logging.INFO, logger="bot.scheduler"):
        await catch_up(bot)
    assert [r.getMessage() for r in caplog.records if "not sent" in r.getMessage()] == [
        "2026-W48 check-in not sent to alice: its time passed more than the grace period "
        "before the bot was running"]


FRIDAY_4_30PM_NY = datetime(2026, 11, 27, 21, 30, tzinfo=UTC)  # check-ins due at 16:00


def prompts_to(*chats: RecordingAdapter) -> dict[str, int]:
    """How many weekly check-in prompts each person received, over all the runs' chats."""
    got: dict[str, int] = {}
    for chat in chats:
        for s in chat.sent:
            if "Time for your weekly check-in" in s.text:
                got[s.target.address] = got.get(s.target.address, 0) + 1
    return got


def prompted(bot: TeamPulse) -> int:
    from storage.models import CheckinRound

    with bot.unit() as ctx:
        return ctx.session.scalar(select(func.count()).select_from(CheckinRound).where(
            CheckinRound.prompted_at.is_not(None)))


async def test_at_a_check_in_hour_the_bot_is_running_before_the_round_it_owes(many, clock):
    # Started half an hour after Friday's 16:00 check-in in New York: everyone is owed a
    # prompt, which is a round of thousands in a big org: the start must not wait for it.
    async with running(many, clock, FRIDAY_4_30PM_NY) as (bot, chat):
        assert prompted(bot) == 0  # "running" comes before the catch-up
        # Meanwhile New York's weekly job fires as well (it may, after a restart).
        await asyncio.gather(bot.drain(), jobs.checkin_zone_job("America/New_York"))
    assert prompts_to(chat) == dict.fromkeys([f"d{i:02d}" for i in range(DIRECTORS)], 1)


async def test_a_stop_during_the_check_in_catch_up_ends_it_between_batches(
        many, clock, monkeypatch):
    import bot.scheduler as scheduler

    monkeypatch.setattr(scheduler, "ROUND_BATCH", 4)  # 12 directors: three batches
    real = scheduler._catch_up_batch
    hold = HoldAt(real, 1)  # SIGTERM arrives while the first batch is being written
    monkeypatch.setattr(scheduler, "_catch_up_batch", hold)
    bot, chat = await stopped_midway(many, clock, FRIDAY_4_30PM_NY, hold)
    # The batch in hand was finished; no other began.
    assert [len(due) for _bot, due in hold.calls] == [4]
    assert prompted(bot) == 4
    # The next start, still within the grace period, prompts the other eight, once each.
    monkeypatch.setattr(scheduler, "_catch_up_batch", real)
    _, second = await start_again(many, clock)
    assert prompts_to(chat, second) == dict.fromkeys([f"d{i:02d}" for i in range(DIRECTORS)], 1)

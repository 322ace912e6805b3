"""README's "sent once, never lost" promises, broken the way an operator meets them: a
process that dies part-way through a sweep (simulated by raising inside its transaction at
the point named) and is started again, with the clock in the test's hand."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bot.config import Settings
from handlers import digest as digest_handlers
from handlers import oneonone, review_schedule
from tests.oneonone_support import MONDAY_SLOT, sweep_at, write_org
from tests.test_digest import MONDAY_8AM_NY, charts_to, digests
from tests.test_oneonone_remind import DAY_BEFORE, reminders
from tests.test_review_schedule import DIRECTORS, JAN_1_10AM_NY, QUARTERLY, scheduled, started
from tests.test_review_schedule import rounds as review_rounds
from tests.test_summary import checked_in


class Killed(Exception):
    """The process died here (kill -9, the OOM killer): nothing after it ran."""


@pytest.fixture
def settings(database_url, tmp_path):
    """The test org with one-on-one rules (Grace meets Alice and Bruno on Mondays)."""
    return Settings(database_url=database_url, org_file=write_org(tmp_path))


async def test_a_1on1_sweep_killed_after_queuing_reminders_sends_each_once_when_run_again(
        bot, chat, clock, monkeypatch):
    """README, One-on-ones: "a sweep that runs again, or after a restart, sends nothing
    twice". Sunday 10:01: the sweep has queued the day-before reminders of Monday's 1:1s
    and dies before its commit (in the action items' step, the last). The next minute's
    sweep (or the restarted bot's) sends each reminder once: none lost, none twice."""
    def dies(*_args: object) -> int:
        raise Killed
    monkeypatch.setattr(oneonone, "_due_actions", dies)
    with pytest.raises(Killed):
        await sweep_at(bot, clock, DAY_BEFORE + timedelta(minutes=1))
    monkeypatch.undo()
    for minutes in (2, 3, 30):
        await sweep_at(bot, clock, DAY_BEFORE + timedelta(minutes=minutes))
    for key, other in (("alice", "Grace Chen"), ("bruno", "Grace Chen")):
        assert [r.split(",")[0] for r in reminders(chat, key)] == [
            f"Reminder: your 1:1 with {other} is tomorrow"], key
    assert sorted(r.split(" is ")[0] for r in reminders(chat, "grace")) == [
        "Reminder: your 1:1 with Alice Martin", "Reminder: your 1:1 with Bruno Rossi"]
    # And the 15-minute one after it, once too, however often the sweep runs.
    for minutes in (15, 14, 10):
        await sweep_at(bot, clock, MONDAY_SLOT - timedelta(minutes=minutes))
    assert len([r for r in reminders(chat, "alice") if "starts soon" in r]) == 1


async def test_a_digest_whose_transaction_dies_after_its_claim_is_sent_once_by_the_next_sweep(
        bot, chat, clock, monkeypatch, caplog):
    """README, Weekly digest: "each digest is recorded per recipient and week in the same
    transaction as its messages, so a restart ... never sends it twice" -- and the claim
    must not outlive a transaction that died: Monday 08:00, Grace's digest is claimed and
    its text queued, and the process dies as its chart is queued. Nothing of it may stay
    claimed (she would never get it) nor queued (she would get it twice); the sweep a
    minute later sends it once, text and chart."""
    await checked_in(bot, chat, clock)
    clock.set(MONDAY_8AM_NY)
    real = digest_handlers._enqueue_image

    def dies_for_grace(ctx, target, caption, image, name, key, readers):
        if target.address == "grace":
            raise Killed
        return real(ctx, target, caption, image, name, key, readers)
    monkeypatch.setattr(digest_handlers, "_enqueue_image", dies_for_grace)
    with caplog.at_level(logging.ERROR):
        await bot.run_digests()
    await bot.drain()
    assert digests(chat, "grace") == [] and charts_to(chat, "grace") == []
    assert "the 2026-W48 digest for person #" in caplog.text  # said, never silent
    monkeypatch.undo()
    for minutes in (1, 2):
        clock.set(MONDAY_8AM_NY + timedelta(minutes=minutes))
        await bot.run_digests()
        await bot.drain()
    assert len(digests(chat, "grace")) == 1 and len(charts_to(chat, "grace")) == 1
    assert len(digests(chat, "alice")) == 1  # the others' were not held up by hers


async def test_scheduled_360_reviews_killed_mid_director_start_each_once_when_run_again(
        bot, chat, clock, monkeypatch):
    """README, 360° review: "Each director's review is started at most once per period:
    it is claimed in the database in the same transaction that starts it, so a restart or
    a second sweep starts nothing again". 1 January 10:00: Alice's review starts and
    commits; the process dies once Bruno's is claimed and its surveys queued, before the
    commit. Five minutes later the sweep (or the restarted bot) starts Bruno's and Li's:
    every director's review once, every rater's survey once, and the GM one note."""
    scheduled(bot, QUARTERLY)
    real = review_schedule.start_review

    def dies_at_bruno(ctx, subject, *args):
        rnd = real(ctx, subject, *args)
        if subject.key == "bruno":
            raise Killed
        return rnd
    monkeypatch.setattr(review_schedule, "start_review", dies_at_bruno)
    clock.set(JAN_1_10AM_NY)
    with pytest.raises(Killed):
        await bot.run_review_schedule()
    await bot.drain()
    assert [s for s, _, _ in review_rounds(bot)] == ["alice"]
    monkeypatch.undo()
    for minutes in (5, 10):
        clock.set(JAN_1_10AM_NY + timedelta(minutes=minutes))
        await bot.run_review_schedule()
        await bot.drain()
    assert [s for s, _, _ in review_rounds(bot)] == DIRECTORS
    for key in ("grace", "alice", "bruno", "li", "sam"):
        sent = chat.to(key)
        assert len(sent) == len(set(sent)), (key, sent)  # nothing twice
    assert any("as a fellow director" in t for t in chat.to("alice"))  # Bruno's survey came
    # One "started" note for the period (the dying sweep never reached it).
    assert len(started(chat)) == 1


async def test_an_honours_run_killed_after_the_channel_post_posts_each_once_when_run_again(
        bot, chat, clock, monkeypatch):
    """README, Honours: "It is posted once per month, also if the bot restarts at that
    moment". Tuesday 1 December 09:00: the roll is queued for the channel and the process
    dies as the GM's copy is queued. The job at the bot's restart (and the next morning's)
    posts the channel's roll once and the GM's once: neither lost, nor twice."""
    from handlers.context import Context
    from tests.test_honours import DEC_1_9AM_NY, november_kudos, with_honours_channel

    with_honours_channel(bot)
    await november_kudos(bot)
    chat.clear()
    real = Context.tell

    def dies_at_the_gm(self, person, name, /, **kw):
        if name == "honours_roll":
            raise Killed
        return real(self, person, name, **kw)
    monkeypatch.setattr(Context, "tell", dies_at_the_gm)
    clock.set(DEC_1_9AM_NY)
    with pytest.raises(Killed):
        await bot.run_honours()
    await bot.drain()
    assert chat.to("honours") == []  # the channel's post died with the transaction
    monkeypatch.undo()
    for hours in (1, 24):
        clock.set(DEC_1_9AM_NY + timedelta(hours=hours))
        assert await bot.run_honours()
        await bot.drain()
    assert len(chat.to("honours")) == 1
    assert len([t for t in chat.to("grace") if t.startswith("🏆")]) == 1

"""README, *Backup and restore*: a restore replaces the database with the backup, and
"nobody is sent ... twice" what the database it replaces sent since -- tried with what
was sent after the backup was made (the nightly backup, then Monday's digest or the 1st's
honour roll, then a restore that afternoon), which the backup knows nothing of."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import prepare
from tests.conftest import SERVER_URL
from tests.support import RecordingAdapter, run_cli
from tests.test_digest import MONDAY_8AM_NY, digests
from tests.test_honours import DEC_1_9AM_NY, november_kudos, with_honours_channel
from tests.test_summary import checked_in

pytestmark = pytest.mark.skipif(bool(SERVER_URL), reason="teampulse restore is SQLite's")


def restored(bot, settings, saved: Path) -> str:
    """The bot stopped, the operator restores `saved`; what the restore printed."""
    bot.engine.dispose()
    code, out = run_cli(settings, "restore", "--yes", str(saved))
    assert code == 0, out
    return out


async def backed_up_on_sunday(bot, chat, clock, settings, tmp_path: Path) -> Path:
    """The week's check-ins in, November's kudos given; the nightly backup, Sunday."""
    await checked_in(bot, chat, clock)
    await november_kudos(bot)
    await bot.drain()
    saved = tmp_path / "sunday.db"
    assert run_cli(settings, "backup", str(saved))[0] == 0
    return saved


def carried_said(out: str) -> bool:
    return "since the backup was made kept as sent: what they belong to (a digest, the " \
        "honour roll, a check-in prompt) is not sent again" in out


async def test_a_restore_sends_no_digest_again_that_went_out_after_the_backup(
        bot, chat, clock, settings, tmp_path: Path) -> None:
    """Sunday night's backup; Monday 08:00 the week's digests go out; at noon the operator
    restores the backup. The restored bot found no digest sent, and sent each again: the
    GM and each director got the week's digest twice. The replaced database's record of
    what it sent since is carried into the backup, and the restore says so."""
    saved = await backed_up_on_sunday(bot, chat, clock, settings, tmp_path)
    clock.set(MONDAY_8AM_NY)
    await bot.run_digests()
    await bot.drain()
    got = {key: len(digests(chat, key)) for key in ("grace", "alice", "bruno", "li")}
    assert got["grace"] == 1
    clock.set(MONDAY_8AM_NY + timedelta(hours=4))
    out = restored(bot, settings, saved)
    assert carried_said(out), out
    again, engine = prepare(settings, clock)
    try:
        after = RecordingAdapter()
        again.register(after)
        await again.run_digests()
        await again.drain()
        assert after.sent == [], [(s.target.address, s.text[:40]) for s in after.sent]
    finally:
        engine.dispose()


async def test_a_restore_posts_no_honour_roll_again_that_went_out_after_the_backup(
        bot, chat, clock, settings, tmp_path: Path) -> None:
    """README, Honours: "posted once per month". The backup is from before Tuesday 1
    December 09:00, when the roll went to the channel and the GM; restored at 10:00, the
    bot (whose catch-up posts a roll not yet posted until the 7th) posted it again."""
    with_honours_channel(bot)
    saved = await backed_up_on_sunday(bot, chat, clock, settings, tmp_path)
    clock.set(DEC_1_9AM_NY)
    await bot.run_honours()
    await bot.drain()
    assert len(chat.to("honours")) == 1
    clock.set(DEC_1_9AM_NY + timedelta(hours=1))
    out = restored(bot, settings, saved)
    assert carried_said(out), out
    again, engine = prepare(settings, clock)
    try:
        with_honours_channel(again)
        after = RecordingAdapter()
        again.register(after)
        assert await again.run_honours()  # due, and run
        await again.drain()
        assert after.sent == [], [(s.target.address, s.text[:40]) for s in after.sent]
    finally:
        engine.dispose()

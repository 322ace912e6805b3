"""Prompts held up past their deadline are not sent late, and the views stay true.

The platform refuses every message (tests/test_checkin_remind.go_down) from the moment
a prompt goes out until well after what it asks for has closed. When it is back, the
person does not get a question that can no longer be answered ("Your check-in for
2026-W48" in W49, a 360° survey whose review closed), and the GM is not told they
ignored something they never received. The clock starts on Friday 2026-11-27, 16:00 in
New York, when the week's check-ins go out.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from tests.support import say
from tests.test_checkin_remind import back_up, expired_keys, go_down

NEW_YORK = ZoneInfo("America/New_York")


async def test_a_check_in_prompt_held_past_its_week_is_not_sent_and_reads_not_reached(
        bot, chat, clock):
    # The platform goes down just as Friday's check-ins go out, and stays down over the
    # weekend until Tuesday: the W48 check-in was due by Sunday, W49's comes on Friday.
    go_down(chat)
    run = await bot.run_checkins(["alice", "li"])
    assert run.results == {"alice": "prompted", "li": "prompted"}
    assert await bot.run_reminders() == 0  # (the reminder is two hours later)
    clock.set(datetime(2026, 11, 27, 18, 30, tzinfo=NEW_YORK))
    # No reminder of a prompt that has not reached them: its delay counts from then.
    assert await bot.run_reminders() == 0
    clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=NEW_YORK))  # Tuesday
    await back_up(bot, chat)

    # Neither hears of a week that is over, in English or Chinese.
    assert not [t for t in chat.to("alice") if "2026-W48" in t], chat.to("alice")
    assert not [t for t in chat.to("li") if "2026-W48" in t], chat.to("li")
    # Both dropped; the prompts give up their keys, as one given up for good does, so
    # that `teampulse checkin send` can still prompt them for that week (each row renamed
    # to say whose week it was, for the GM's summary to say why: storage.undelivered).
    assert sorted(k.rsplit(":", 1)[0] for k in expired_keys(bot)) == [
        "undelivered:2026-W48:checkin:alice", "undelivered:2026-W48:checkin:li"]

    # The GM reads that the check-in did not reach them, not that they ignored it.
    await say(bot, "grace", "/summary 2026-W48")
    text = chat.last("grace")
    assert "⚠️ Alice Martin — not reached: the check-in could not be delivered" in text
    assert "not checked in" not in text

    # Alice can still finish W48 by hand this week, as the README promises.
    await say(bot, "alice", "/checkin")
    assert "2026-W48" in chat.last("alice") and "Question 1 of 8" in chat.last("alice")


async def test_a_360_survey_held_until_its_review_closed_is_not_sent(settings, tmp_path, clock):
    # The quarter's 360° reviews open on 1 January while the platform refuses every
    # message, and it does until an hour after they close, two weeks later: nobody is
    # asked then for feedback that can no longer be given.
    from datetime import timedelta

    from tests.test_review_rate import CLOSES, scheduled
    from tests.test_review_schedule import JAN_1_10AM_NY

    bot, chat, engine = scheduled(settings, tmp_path, clock)
    try:
        clock.set(JAN_1_10AM_NY)
        go_down(chat)
        await bot.run_review_schedule()
        with bot.unit() as ctx:
            surveys = [r for r in ctx.outbox.by_status("pending")
                       if (r.dedupe_key or "").startswith("review:invite:")]
        assert len(surveys) >= 5
        clock.set(CLOSES + timedelta(minutes=5))
        await bot.run_review_schedule()  # the reviews close
        await back_up(bot, chat)
        for key in ("sam", "alice", "li", "bruno", "dan"):
            assert not [t for t in chat.to(key) if t.startswith("📋")
                        or "1 (poor) to 5" in t or "1（" in t], (key, chat.to(key))
        with bot.unit() as ctx:
            assert {r.status for r in ctx.outbox.by_status("expired")} == {"expired"}
            assert {r.id for r in surveys} <= {r.id for r in ctx.outbox.by_status("expired")}
    finally:
        engine.dispose()


async def test_the_cli_reads_a_prompt_held_past_its_week_as_not_reached_with_the_bot_stopped(
        bot, chat, clock, settings, monkeypatch):
    # The platform refuses the W48 prompts, then the bot is stopped before its outbox
    # marks them expired (that happens when it is first read after a restart). On
    # Tuesday the operator runs `teampulse summary` and `teampulse digest --dry-run`
    # from the shell: they read "not reached", not "not checked in".
    from tests.support import run_cli

    go_down(chat)
    assert (await bot.run_checkins(["alice", "li"])).results == {
        "alice": "prompted", "li": "prompted"}
    clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=NEW_YORK))  # Tuesday; the bot is stopped
    with bot.unit() as ctx:
        assert len(ctx.outbox.by_status("pending")) == 2  # not expired yet: nobody read them
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    code, out = run_cli(settings, "summary", "--week", "2026-W48")
    assert code == 0, out
    assert "⚠️ Alice Martin — not reached: the check-in could not be delivered" in out
    assert "李雷" in out and "not checked in" not in out
    code, out = run_cli(settings, "summary", "--week", "2026-W48", "--format", "json")
    assert code == 0 and '"missed"' not in out and '"unreachable"' in out
    code, out = run_cli(settings, "summary", "--week", "2026-W48", "--person", "alice")
    assert code == 0 and "not reached" in out and "not checked in" not in out, out
    code, out = run_cli(settings, "digest", "--week", "2026-W48", "--dry-run")
    assert code == 0, out
    # (The header says why too: the prompts were held up until they expired.)
    outage = "could not be reached: the platform was unreachable until the check-in expired"
    assert f"Not answered: Alice Martin ({outage}), 李雷 ({outage})." in out, out
    assert "未回答：李雷（无法联系：平台一直无法连接，直到签到消息过期）。" in out
    assert "⚠️ 李雷 — 未送达：签到消息无法发送" in out
    assert "no answer" not in out and "not checked in" not in out and "未签到" not in out
    with bot.unit() as ctx:  # read, not written: the outbox does that when it runs
        assert len(ctx.outbox.by_status("pending")) == 2

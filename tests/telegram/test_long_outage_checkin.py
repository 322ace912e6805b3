"""A weekly check-in held up by Telegram failing for longer than the outbox's retry
window (bot.outbox.RETRY_FOR, six hours), from the director's and the GM's side: the real
python-telegram-bot client against the fake Bot API, time moved on a fake clock.

The prompt says something true until its week ends (its `expires_at`). Given up after six
hours of 502s, it never came, even with Telegram back on Friday night and the week open
until Monday: the director was not asked that week unless the GM noticed "not reached" and
sent it by hand. Now it is tried every 10 minutes for as long as it is true, while
Telegram takes nothing at all, and arrives once Telegram answers again; past its week's
end it is dropped as before. And once it arrives, the reminder waits its delay from then.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from bot.outbox import RETRY_FOR
from storage.models import OutboxMessage
from tests.support import settle_outbox
from tests.telegram.conftest import ALICE, GRACE, LI, SAM, TG

WELCOME = "Time for your weekly check-in"


async def _tries_until(tg: TG, moment: datetime) -> None:
    """The outbox tries, on fake time, as it is told to, until `moment`."""
    for _ in range(1000):
        due = await tg.bot.outbox.flush()
        if due is None or due >= moment:
            break
        tg.clock.set(max(tg.clock.now(), due))
    tg.clock.set(moment)


async def _telegram_fails_until(tg: TG, back: datetime) -> None:
    """The outbox tries, on fake time, as it is told to, until `back`; then Telegram
    answers again and everything due goes out."""
    await _tries_until(tg, back)
    tg.fake.clear_responses()
    await settle_outbox(tg.bot, tg.clock)


def _statuses_to(tg: TG, chat_id: int) -> list[str]:
    with tg.bot.unit() as ctx:
        return list(ctx.session.scalars(select(OutboxMessage.status).where(
            OutboxMessage.address == str(chat_id)).order_by(OutboxMessage.id)))


def _prompts(tg: TG) -> list[tuple[str, str]]:
    with tg.bot.unit() as ctx:
        return [(key, status) for key, status in ctx.session.execute(
            select(OutboxMessage.dedupe_key, OutboxMessage.status)
            .where(OutboxMessage.dedupe_key.like("checkin:%:prompt"))
            .order_by(OutboxMessage.dedupe_key))]


async def test_a_check_in_held_up_longer_than_the_retry_window_arrives_when_telegram_is_back(
        tg: TG) -> None:
    """Friday 16:00 in New York: the check-ins go out as Telegram starts answering every
    message 502 Bad Gateway, for eight hours. At midnight it is back, the week still open:
    Alice and Li get their check-in, and the GM's summary has nobody "not reached"."""
    tg.fake.fail("sendMessage", 502, "Bad Gateway", times=None)
    start = tg.clock.now()
    await tg.bot.run_checkins(["alice", "li"])
    await _telegram_fails_until(tg, start + RETRY_FOR + timedelta(hours=2))

    assert any(WELCOME in text for text in tg.shown(ALICE)), tg.shown(ALICE)
    assert any("第 1 题，共" in text for text in tg.shown(LI)), tg.shown(LI)
    assert _prompts(tg) == [("checkin:alice:2026-W48:prompt", "sent"),
                            ("checkin:li:2026-W48:prompt", "sent")]
    await tg.say(GRACE, "/summary")
    summary = tg.shown(GRACE)[-1]
    assert "not reached" not in summary, summary
    # And the check-in takes her answer, as any delivered one.
    await tg.say(ALICE, "52000")
    assert "Question 2 of 8" in tg.shown(ALICE)[-1]


async def test_a_check_in_held_up_past_its_week_is_still_dropped_and_reads_not_reached(
        tg: TG) -> None:
    """The same failing lasts until Tuesday: the W48 prompt, due by Sunday, is not sent
    late, and the GM reads "not reached", not that Alice ignored it."""
    tg.fake.fail("sendMessage", 502, "Bad Gateway", times=None)
    start = tg.clock.now()
    await tg.bot.run_checkins(["alice"])
    await _telegram_fails_until(tg, start + timedelta(days=4))

    assert not any(WELCOME in text for text in tg.shown(ALICE)), tg.shown(ALICE)
    # Dropped as expired at the week's end (counted in teampulse_messages_expired_total),
    # not given up as failing after six hours: it was tried until then.
    assert _statuses_to(tg, ALICE) == ["expired"]
    await tg.say(GRACE, "/summary 2026-W48")
    summary = tg.shown(GRACE)[-1]
    assert "⚠️ Alice Martin — not reached: the check-in could not be delivered" in summary


async def test_the_reminder_counts_its_delay_from_when_the_check_in_arrived(tg: TG) -> None:
    """Telegram answers 502 from Friday 16:00 until 19:00 in New York. The reminder sweep
    at 18:30 finds Alice's round prompted two and a half hours ago, but the prompt has
    not reached her: "your check-in isn't finished yet" must not follow it a second after
    it arrives at 19:00. She is reminded two hours (CHECKIN_REMINDER_DELAY) after it
    came, once."""
    tg.fake.fail("sendMessage", 502, "Bad Gateway", times=None)
    start = tg.clock.now()
    await tg.bot.run_checkins(["alice"])
    held = start + timedelta(hours=2, minutes=30)
    for _ in range(1000):  # the outbox tries meanwhile, on fake time
        due = await tg.bot.outbox.flush()
        if due is None or due >= held:
            break
        tg.clock.set(max(tg.clock.now(), due))
    tg.clock.set(held)
    await tg.bot.run_reminders()
    await _telegram_fails_until(tg, start + timedelta(hours=3))

    [prompt] = tg.shown(ALICE)
    assert WELCOME in prompt
    arrived = tg.clock.now()
    tg.clock.set(arrived + timedelta(hours=1, minutes=55))
    await tg.bot.run_reminders()
    await tg.settle()
    assert tg.shown(ALICE) == [prompt]  # not yet: it came under two hours ago
    tg.clock.set(arrived + timedelta(hours=2, minutes=5))
    await tg.bot.run_reminders()
    await tg.settle()
    assert len(tg.shown(ALICE)) == 2 and "isn't finished yet" in tg.shown(ALICE)[-1]
    tg.clock.set(arrived + timedelta(hours=4))
    await tg.bot.run_reminders()
    await tg.settle()
    assert len(tg.shown(ALICE)) == 2  # once


async def test_a_check_in_only_its_own_chat_keeps_failing_is_still_given_up(tg: TG) -> None:
    """Telegram answers 502 to Alice's chat alone, for longer than the retry window,
    while Li's check-in goes on meanwhile: Telegram works, and what fails is Alice's
    chat. Her prompt is given up after six hours as before (the GM reads "not reached"),
    rather than retried, and holding her chat, until the week ends."""
    tg.fake.fail_chat("sendMessage", ALICE, 502, "Bad Gateway", times=None)
    start = tg.clock.now()
    await tg.bot.run_checkins(["alice", "li"])
    await _tries_until(tg, start + RETRY_FOR - timedelta(hours=1))
    assert any("第 1 题，共" in text for text in tg.shown(LI))
    # Li answers: her answer, and the next question, go through.
    await tg.send(tg.fake.private_message(LI, "52000"), settle=False)
    await _tries_until(tg, start + RETRY_FOR + timedelta(hours=1))
    assert "第 2 题，共" in tg.shown(LI)[-1]

    assert _statuses_to(tg, ALICE) == ["failed"]
    await tg.say(GRACE, "/summary")
    assert "⚠️ Alice Martin — not reached: the check-in could not be delivered" in \
        tg.shown(GRACE)[-1]


async def test_a_poll_held_up_past_its_reminder_time_is_not_followed_by_the_reminder(
        tg: TG) -> None:
    """Telegram answers 502 from the moment a pulse poll opens until 26 hours later: the
    sweep a day after it opened finds Sam has not answered, but the poll has not reached
    him. Once Telegram is back he gets the poll, not "a gentle reminder" a second after it
    (as one asked after the reminder's time is not reminded either)."""
    from tests.telegram.test_pulse import POLL_DAY

    tg.clock.set(POLL_DAY)
    tg.fake.fail("sendMessage", 502, "Bad Gateway", times=None)
    await tg.bot.run_pulse()
    await _tries_until(tg, POLL_DAY + timedelta(hours=25))
    await tg.bot.run_pulse()  # the reminder's time has come
    await _telegram_fails_until(tg, POLL_DAY + timedelta(hours=26))

    [poll] = tg.shown(SAM)
    assert "Question 1 of 2" in poll and "gentle reminder" not in poll
    tg.clock.set(POLL_DAY + timedelta(hours=60))
    await tg.bot.run_pulse()
    await tg.settle()
    assert not any("gentle reminder" in text for text in tg.shown(SAM))

"""A message read late counts when it was sent: Telegram holds updates while the bot is
down, so an answer sent before the deadline but read after it is on time, and kudos sent
on the month's last evening count for that month."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.telegram.conftest import ALICE, GRACE, GROUP, TG

NY_SUNDAY_2350 = datetime(2026, 11, 30, 4, 50, tzinfo=UTC)  # Sun 29 Nov 23:50 in New York
NY_MONDAY_0005 = datetime(2026, 11, 30, 5, 5, tzinfo=UTC)
NY_MONDAY_0020 = datetime(2026, 11, 30, 5, 20, tzinfo=UTC)


async def _answer_all_but_last(tg: TG) -> None:
    await tg.checkins("alice")
    for answer in ["52000", "3", "Big win", "None really", "1", "Plan"]:
        assert await tg.say(ALICE, answer)


async def _last_answer(tg: TG, sent: datetime, read: datetime) -> None:
    """Alice's last answer, dated `sent` by Telegram, reaching the bot (back up) at `read`."""
    tg.clock.set(sent)
    tg.fake.clock = lambda: tg.clock.now().timestamp()
    update = tg.fake.private_message(ALICE, "4")
    tg.clock.set(read)
    assert await tg.send(update)
    assert "your check-in for 2026-W48 is in" in tg.shown(ALICE)[-1]


def _alice_in_week(tg: TG, summary: str) -> str:
    return next(line for line in summary.splitlines() if "Alice" in line and "checked in" in line)


async def test_an_answer_sent_on_sunday_evening_and_read_after_midnight_is_on_time(
        tg: TG) -> None:
    await _answer_all_but_last(tg)
    await _last_answer(tg, NY_SUNDAY_2350, NY_MONDAY_0020)

    await tg.say(GRACE, "/summary 2026-W48")
    assert "(late)" not in _alice_in_week(tg, tg.shown(GRACE)[-1])


async def test_an_answer_sent_after_midnight_is_late(tg: TG) -> None:
    await _answer_all_but_last(tg)
    await _last_answer(tg, NY_MONDAY_0005, NY_MONDAY_0020)

    await tg.say(GRACE, "/summary 2026-W48")
    assert "(late)" in _alice_in_week(tg, tg.shown(GRACE)[-1])


async def test_a_date_no_platform_would_hold_is_not_believed(tg: TG) -> None:
    # Two days old: Telegram keeps an update for a day, so the clock is wrong somewhere and
    # the answer counts when it was read, after the week's end: late.
    await _answer_all_but_last(tg)
    await _last_answer(tg, NY_SUNDAY_2350 - timedelta(days=2), NY_MONDAY_0020)

    await tg.say(GRACE, "/summary 2026-W48")
    assert "(late)" in _alice_in_week(tg, tg.shown(GRACE)[-1])


async def test_kudos_sent_on_the_months_last_evening_count_for_that_month(tg: TG) -> None:
    tg.clock.set(datetime(2026, 12, 1, 4, 50, tzinfo=UTC))  # 30 Nov 23:50 in New York
    tg.fake.clock = lambda: tg.clock.now().timestamp()
    text = "/kudos @bruno_r for the Acme renewal"
    update = tg.fake.group_message(GROUP, GRACE, text, entities=[
        {"type": "bot_command", "offset": 0, "length": 6},
        {"type": "mention", "offset": text.index("@"), "length": len("@bruno_r")}])
    tg.clock.set(datetime(2026, 12, 1, 5, 10, tzinfo=UTC))  # read at 00:10 on 1 December
    assert await tg.send(update)
    assert "kudos from <b>Grace Chen</b>: the Acme renewal" in tg.sent(GROUP)[-1]["text"]

    await tg.say(GRACE, "/kudos top last month")
    november = tg.shown(GRACE)[-1]
    await tg.say(GRACE, "/kudos top this month")
    december = tg.shown(GRACE)[-1]
    assert "Bruno Rossi" in november, november
    assert "Bruno Rossi" not in december, december

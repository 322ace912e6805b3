"""A database outage seen from Telegram: the director gets the apology, polling goes on,
and the next answer is stored."""

from __future__ import annotations

from bot.core import TeamPulse
from tests.telegram.conftest import ALICE, TG
from tests.test_resilience_db import APOLOGY, answers_of, unreachable


async def test_a_database_outage_gets_a_telegram_apology_and_polling_goes_on(
        tg: TG, bot: TeamPulse) -> None:
    await tg.checkins("alice")
    with unreachable(bot.engine):
        await tg.send(tg.fake.private_message(ALICE, "52000"), settle=False)
    assert APOLOGY in tg.texts(ALICE)[-1]

    await tg.say(ALICE, "52000")  # the same listener receives and stores it
    assert "Question 2 of 8" in tg.texts(ALICE)[-1]
    assert answers_of(bot, "alice") == {"kpi:revenue": 52000.0}

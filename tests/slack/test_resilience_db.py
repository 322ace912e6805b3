"""A database outage seen from Slack: the director gets the apology by DM, Slack gets its
ack, and the adapter goes on to store the next answer."""

from __future__ import annotations

from bot.core import TeamPulse
from tests.slack.harness import ALICE, SlackHarness
from tests.test_resilience_db import APOLOGY, answers_of, unreachable


async def test_a_database_outage_gets_a_slack_apology_and_the_next_answer_is_stored(
        slack: SlackHarness, bot: TeamPulse) -> None:
    await bot.run_checkins(["alice"])
    await slack.settle()
    with unreachable(bot.engine):
        resp = await slack.dm(ALICE, "52000", settle=False)
        await slack.adapter.drain()  # processed while the database is away
    assert resp.status == 200  # acknowledged in time: Slack does not retry into the outage
    assert APOLOGY in slack.last_text(ALICE)

    await slack.dm(ALICE, "52000")
    assert "*Question 2 of 8*" in slack.last_text(ALICE)
    assert answers_of(bot, "alice") == {"kpi:revenue": 52000.0}

"""The first burst after a start: acknowledged without asking Slack anything per event."""

from __future__ import annotations

import asyncio

from bot.core import TeamPulse
from tests.slack.harness import ALICE, LILEI, SlackHarness
from tests.slack.test_ingest import dm_event, stored


async def test_the_first_answers_after_a_start_ask_slack_who_the_bot_is_only_once(
        slack: SlackHarness, bot: TeamPulse) -> None:
    # Start-up asked auth.test; bolt used to ask again on the first request it served,
    # and on every request arriving before that answer: a burst right after a restart
    # cost one Web API call per event, and each of its acks waited for one.
    await bot.run_checkins(["alice", "li"])
    await slack.settle()
    assert len(slack.fake.calls_for("auth.test")) == 1
    bodies = [dm_event(slack, ALICE, "52000", 1), dm_event(slack, LILEI, "61000", 2)]
    responses = await asyncio.gather(*(slack.dispatch(body) for body in bodies))
    assert [r.status for r in responses] == [200, 200]
    await slack.settle()
    assert len(slack.fake.calls_for("auth.test")) == 1
    assert stored(bot, "alice") == {"kpi:revenue": 52000.0}
    assert stored(bot, "li") == {"kpi:revenue": 61000.0}
    assert "Question 2 of" in slack.last_text(ALICE)

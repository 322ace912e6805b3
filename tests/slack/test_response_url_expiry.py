"""docs/slack.md, Reliability: a command's answer where the bot is not a member goes
through the command's reply address, which teampulse keeps for the 30 minutes Slack lets
it be used; an answer that waited longer than that (an outage) comes to the person's DM
with the app instead, rather than to an address Slack no longer takes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import FakeClock
from tests.fakes.slack_api import FakeSlackAPI
from tests.slack.harness import SAM, SlackHarness
from tests.slack.test_response_url_restart import (
    ELSEWHERE,
    deliver_all,
    handled_not_sent,
    statuses,
)


@pytest.mark.parametrize(("waited", "through_the_address"), [
    (timedelta(minutes=29), True),
    (timedelta(minutes=31), False),
])
async def test_an_answer_held_past_the_reply_address_s_30_minutes_comes_in_the_dm(
        slack: SlackHarness, fake: FakeSlackAPI, clock: FakeClock,
        monkeypatch: pytest.MonkeyPatch, waited: timedelta, through_the_address: bool) -> None:
    await handled_not_sent(slack, monkeypatch, SAM, "/summary")
    clock.advance(waited)
    await deliver_all(slack.bot, clock)
    used = fake.calls_for("response_url")
    assert bool(used) is through_the_address, used
    if through_the_address:
        assert used[0].params["text"].startswith("Sorry, the summary is only for the GM")
    else:
        assert slack.last_text(SAM).startswith("Sorry, the summary is only for the GM")
        assert not [c for c in fake.calls_for("chat.postMessage")
                    if c.params.get("channel") == ELSEWHERE]
    assert statuses(slack.bot) == ["sent"]

"""A slash command's answer where the bot is not a member, across a restart.

In a channel the bot was never invited to (or a DM between people), Slack refuses the
bot's own posts; only the command's response_url reaches the person, and teampulse
keeps that address in memory only. A restart between the command and its answer used
to lose the answer for good (the log said 'failed'; the person saw nothing). Now it
goes to the person's DM with the app. A post Slack had already taken through the
response_url before a crash cannot be looked up (the bot may not read that channel's
history): it is sent once more, to the DM.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from bot.config import Settings
from bot.core import TeamPulse
from storage.models import OutboxMessage
from tests.fakes.slack_api import FakeResponse, FakeSlackAPI
from tests.slack.harness import LILEI, SAM, SlackHarness
from tests.slack.test_crash_delivery import (
    SimulatedCrash,
    crash_after_slack_accepts,
    restarted,
)

ELSEWHERE = "C0ELSEWHERE"  # a channel the bot was never invited to


async def deliver_all(bot: TeamPulse, clock: FakeClock) -> None:
    """Flush the outbox, moving the clock on to each paced message (one a second a chat)."""
    while (due := await bot.outbox.flush()) is not None:
        clock.set(max(clock.now(), due))


def statuses(bot: TeamPulse) -> list[str]:
    with bot.sessions() as session:
        return [r.status for r in session.scalars(select(OutboxMessage).order_by(
            OutboxMessage.id))]


async def handled_not_sent(slack: SlackHarness, monkeypatch: pytest.MonkeyPatch, user: str,
                           command: str, typed: str = "", **kwargs: object) -> None:
    """`user` runs a command in ELSEWHERE; the bot stores its answer, not yet sent."""
    async def not_yet(**_: object) -> None:
        return None

    with monkeypatch.context() as patch:
        patch.setattr(slack.bot, "deliver", not_yet)
        await slack.command(user, command, typed, channel=ELSEWHERE, settle=False, **kwargs)
        await slack.bot.drain()


async def stop_before_answering(slack: SlackHarness, monkeypatch: pytest.MonkeyPatch,
                                user: str, command: str, typed: str = "",
                                **kwargs: object) -> None:
    """`user` runs a command; the bot stores its answer and stops before sending it."""
    await handled_not_sent(slack, monkeypatch, user, command, typed, **kwargs)
    await slack.adapter.stop()


async def test_a_private_answer_waiting_at_a_restart_comes_in_the_dm(
        slack: SlackHarness, fake: FakeSlackAPI, settings: Settings, clock: FakeClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    await handled_not_sent(slack, monkeypatch, SAM, "/summary")
    await stop_before_answering(slack, monkeypatch, LILEI, "/kudos", "me")

    async with restarted(settings, clock) as again:
        await deliver_all(again, clock)

    assert fake.calls_for("response_url") == []  # that address died with the old process
    assert slack.last_text(SAM).startswith("Sorry, the summary is only for the GM")
    assert slack.last_text(LILEI).startswith("*我的点赞*")  # in Chinese, as Li Lei reads
    assert statuses(again) == ["sent", "sent"]


async def test_a_kudos_shout_out_waiting_at_a_restart_comes_to_the_giver(
        slack: SlackHarness, fake: FakeSlackAPI, settings: Settings, clock: FakeClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    await stop_before_answering(slack, monkeypatch, SAM, "/kudos",
                                "<@U0ALICE|alice> for the Acme demo", raw=True)

    async with restarted(settings, clock) as again:
        await again.outbox.flush()

    assert "👏 <@U0ALICE> — kudos from *Sam Lee*: the Acme demo" in slack.last_text(SAM)
    assert "You got kudos from <@U0SAM>: the Acme demo" in slack.last_text("U0ALICE")
    assert "failed" not in statuses(again)


async def test_an_answer_slack_took_before_a_crash_is_sent_once_more_to_the_dm(
        slack: SlackHarness, fake: FakeSlackAPI, bot: TeamPulse, settings: Settings,
        clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    await handled_not_sent(slack, monkeypatch, SAM, "/summary")
    crash_after_slack_accepts(slack.adapter, monkeypatch)
    with pytest.raises(SimulatedCrash):
        await bot.outbox.flush()
    [shown] = fake.calls_for("response_url")  # Sam saw it in the channel
    assert shown.params["response_type"] == "ephemeral"

    async with restarted(settings, clock) as again:
        await again.outbox.flush()
        await again.outbox.flush()

    # Slack would not let the bot read that channel to check: one more copy, in the DM.
    assert slack.last_text(SAM) == shown.params["text"]
    assert len(slack.posts(SAM)) == 1
    assert statuses(again) == ["sent"]


@pytest.mark.parametrize("refusal", [
    FakeResponse(status=404, body="expired_url"),
    FakeResponse(status=404, body={"ok": False, "error": "expired_url"}),
    FakeResponse(status=404, body="used_url"),
], ids=["expired", "expired-json", "used"])
async def test_an_answer_the_reply_address_refuses_comes_in_the_dm(
        slack: SlackHarness, fake: FakeSlackAPI, refusal: FakeResponse) -> None:
    """Li Lei asks `/kudos me` in a channel the bot is not in; by the time the answer goes,
    Slack refuses the command's reply address (expired by Slack's clock, or used up by its
    count). The answer was marked failed and Li Lei saw nothing; now it comes to her DM
    with the app, in Chinese, and the refused address is not tried again."""
    fake.add_response("response_url", refusal.body, status=refusal.status)

    await slack.command(LILEI, "/kudos", "me", channel=ELSEWHERE)

    assert len(fake.calls_for("response_url")) == 1
    assert fake.responses_shown == []
    assert slack.last_text(LILEI).startswith("*我的点赞*")
    assert statuses(slack.bot) == ["sent"]


async def test_a_shout_out_the_reply_address_refuses_comes_to_the_giver(
        slack: SlackHarness, fake: FakeSlackAPI) -> None:
    """The same for `/kudos @li for …` there: the shout-out the channel could not get
    reaches the giver, who can share it, instead of nobody."""
    fake.add_response("response_url", "expired_url", status=404)

    await slack.command(SAM, "/kudos", "<@U0LILEI|lilei> for the Globex deck", channel=ELSEWHERE,
                        raw=True)

    assert fake.responses_shown == []
    assert any(c.params["text"].startswith("👏 <@U0LILEI> — kudos from *Sam Lee*")
               for c in slack.posts(SAM))

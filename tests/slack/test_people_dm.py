"""Slash commands typed in a DM between two people (not the app's DM, not a channel).

Slack sends such a command with the DM's D… id and `channel_name: directmessage`, just
like a command in the app's own DM, but the app is no member there: its posts and
ephemeral notes are refused (channel_not_found) and only the command's response_url
reaches the conversation. What the bot says must reach the person who asked, and a
private answer must never be shown to the other person.
"""

from __future__ import annotations

import asyncio

import pytest

from bot.adapters import slack as slack_adapter
from tests.fakes.slack_api import FakeCall, FakeSlackAPI
from tests.slack.harness import ALICE, GRACE, LILEI, SlackHarness, dm_channel


def answers(fake: FakeSlackAPI, response_type: str) -> list[str]:
    """What reached the DM through commands' response_urls, shown as `response_type`."""
    return [str(c.params["text"]) for c in fake.calls_for("response_url")
            if c.params.get("response_type") == response_type]


async def test_the_gms_summary_in_a_dm_with_a_director_is_shown_to_the_gm_alone(
        slack: SlackHarness, fake: FakeSlackAPI) -> None:
    shared = fake.dm_between(GRACE, ALICE)

    await slack.command(GRACE, "/summary", channel=shared)

    [summary] = answers(fake, "ephemeral")
    assert summary.startswith("*Weekly summary — Test Sales*")
    assert answers(fake, "in_channel") == []  # Alice, in the same DM, sees nothing
    assert fake.posted(shared) == []
    assert slack.posts(GRACE) == []  # and it is not sent twice, to the app's DM as well


async def test_a_checkin_started_in_a_dm_with_a_colleague_says_where_the_questions_went(
        slack: SlackHarness, fake: FakeSlackAPI) -> None:
    shared = fake.dm_between(ALICE, LILEI)

    await slack.command(ALICE, "/checkin", channel=shared)
    await slack.command(LILEI, "/checkin", channel=shared)

    assert "*Question 1 of 8*" in slack.last_text(ALICE)  # in her DM with the app
    assert answers(fake, "ephemeral") == [
        "Check-ins are private, so I've sent your questions in a private message.",
        "签到内容是私密的，我已通过私信把问题发给你。"]
    assert answers(fake, "in_channel") == []


async def test_a_command_in_the_apps_own_dm_is_still_answered_there(
        slack: SlackHarness, fake: FakeSlackAPI) -> None:
    await slack.command(GRACE, "/summary", channel=dm_channel(GRACE))

    assert slack.last_text(GRACE).startswith("*Weekly summary — Test Sales*")
    assert fake.calls_for("response_url") == []


async def test_kudos_given_in_a_dm_with_the_recipient_are_shown_to_both(
        slack: SlackHarness, fake: FakeSlackAPI) -> None:
    shared = fake.dm_between(GRACE, ALICE)

    await slack.command(GRACE, "/kudos", "<@U0ALICE|alice> for closing Acme", raw=True,
                        channel=shared)

    assert answers(fake, "in_channel") == [
        "👏 <@U0ALICE> — kudos from *Grace Chen*: closing Acme"]
    assert "🎉 You got kudos from <@U0GRACE>: closing Acme" in slack.last_text(ALICE)
    assert slack.posts(GRACE) == []  # not a second shout-out in Grace's DM with the app


async def test_if_slack_cannot_say_whose_dm_it_is_the_answer_goes_to_the_apps_dm(
        slack: SlackHarness, fake: FakeSlackAPI) -> None:
    shared = fake.dm_between(GRACE, ALICE)
    fake.fail("conversations.open", "internal_error")

    await slack.command(GRACE, "/summary", channel=shared)

    # Never in the shared DM: in the DM with the app, where only Grace reads it.
    assert slack.last_text(GRACE).startswith("*Weekly summary — Test Sales*")
    assert fake.calls_for("response_url") == []


async def test_a_slow_answer_about_whose_dm_it_is_does_not_hold_the_acknowledgement(
        slack: SlackHarness, fake: FakeSlackAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    # Slack shows the person an error unless the command is acknowledged within 3 s.
    release = asyncio.Event()

    async def hanging(_call: FakeCall) -> dict[str, object]:
        await release.wait()
        return {"ok": False, "error": "internal_error"}

    fake.set_handler("conversations.open", hanging)
    monkeypatch.setattr(slack_adapter, "APP_DM_LOOKUP_WAIT", 0.05)
    try:
        resp = await slack.command(GRACE, "/summary", channel=fake.dm_between(GRACE, ALICE))
    finally:
        release.set()

    assert resp.status == 200
    assert slack.last_text(GRACE).startswith("*Weekly summary — Test Sales*")

"""A command's answer through its response_url (a channel the bot is not in) after a
broken connection or a failed part: what may show twice, and what never does.

Slack gives no way to check a response_url post (the bot may not read that channel, and
ephemeral notes have no history), so a post whose connection broke after it left is sent
once more by the outbox: that one message may show twice. It is not re-posted at once
inside the call (three copies for two broken connections there), parts Slack confirmed
are not sent again, and a post that may have arrived counts against the address's five.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.adapters.slack_blocks import split_text
from bot.clock import FakeClock
from bot.core import TeamPulse
from storage.models import OutboxMessage
from tests.fakes.slack_api import MAX_TEXT, FakeCall, FakeResponse, FakeSlackAPI
from tests.slack.harness import GRACE, SlackHarness

ELSEWHERE = "C0ELSEWHERE"  # a channel the bot was never invited to
# Replies of four and five parts (lines of 99 characters and a line break: 40 a part).
FOUR = [f"line {i:03d} " + "z" * 90 for i in range(3 * 40 + 32)]
FIVE = [f"line {i:03d} " + "w" * 90 for i in range(4 * 40 + 30)]


def statuses(bot: TeamPulse) -> list[str]:
    with bot.sessions() as session:
        return list(session.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id)))


async def answer_in(slack: SlackHarness, bot: TeamPulse, lines: list[str]) -> None:
    """GRACE ran a command in ELSEWHERE (the bot keeps its response_url, none of its five
    posts used yet); the answer, `lines`, is queued."""
    slack.adapter._remember_response_url(ELSEWHERE, GRACE, slack.fake.response_url("r1"))
    with bot.unit() as ctx:
        ctx.outbox.enqueue(platform="slack", target_kind="ephemeral", address=ELSEWHERE,
                           user_ref=GRACE, payload={"text": "\n".join(lines)},
                           now=bot.clock.now())


async def flush_until_settled(bot: TeamPulse, clock: FakeClock) -> None:
    for _ in range(8):
        await bot.outbox.flush()
        clock.advance(timedelta(minutes=10))


def shown_lines(fake: FakeSlackAPI) -> list[str]:
    return [line for c in fake.responses_shown for line in c.params["text"].split("\n")]


async def test_a_broken_connection_is_not_reposted_at_once_and_shows_once_more_at_most(
        slack: SlackHarness, bot: TeamPulse, fake: FakeSlackAPI, clock: FakeClock) -> None:
    await answer_in(slack, bot, ["Your answer, in a channel the bot is not in."])
    fake.fail("chat.postEphemeral", "channel_not_found", times=10)
    fake.drop_after_accepting("response_url")

    await bot.outbox.flush()
    # Slack showed it, the answer was lost: no second copy inside the same call.
    assert len(fake.responses_shown) == 1 and statuses(bot) == ["pending"]

    await flush_until_settled(bot, clock)
    # The outbox cannot check, so it sends once more: one extra copy, no more.
    assert len(fake.responses_shown) == 2 and statuses(bot) == ["sent"]


def on_post(fake: FakeSlackAPI, number: int, answer: FakeResponse | None = None) -> None:
    """The `number`th response_url post (from 1) is answered `answer` (a failure, Slack
    showing nothing) or, without one, shown and its connection broken before the answer."""
    posts = iter(range(1, 100))

    def handler(call: FakeCall) -> FakeResponse | None:
        if next(posts) != number:
            return None
        if answer is None:
            fake.drop_after_accepting("response_url")
        return answer

    fake.set_handler("response_url", handler)


async def test_parts_slack_confirmed_are_not_sent_again(
        slack: SlackHarness, bot: TeamPulse, fake: FakeSlackAPI, clock: FakeClock) -> None:
    await answer_in(slack, bot, FOUR)
    fake.fail("chat.postEphemeral", "channel_not_found", times=10)
    on_post(fake, 2, FakeResponse(status=500, body="internal_error"))  # part 2 fails once

    await flush_until_settled(bot, clock)

    assert all(len(c.params["text"]) <= MAX_TEXT for c in fake.responses_shown)
    assert shown_lines(fake) == FOUR  # each line once, in order: part 1 not again
    assert statuses(bot) == ["sent"]


async def test_a_part_whose_connection_broke_is_the_only_one_shown_twice(
        slack: SlackHarness, bot: TeamPulse, fake: FakeSlackAPI, clock: FakeClock) -> None:
    await answer_in(slack, bot, FOUR)
    fake.fail("chat.postEphemeral", "channel_not_found", times=10)
    on_post(fake, 2)  # part 2 is shown, its answer lost

    await flush_until_settled(bot, clock)

    parts = [c.params["text"] for c in fake.responses_shown]
    assert len(parts) == 5 and parts[1] == parts[2]  # part 2 twice, nothing else again
    assert [p for i, p in enumerate(parts) if i != 2] == split_text("\n".join(FOUR), MAX_TEXT)
    assert statuses(bot) == ["sent"]


async def test_a_post_that_may_have_arrived_counts_against_the_addresss_five(
        slack: SlackHarness, bot: TeamPulse, fake: FakeSlackAPI, clock: FakeClock) -> None:
    """Five parts and one broken connection need six posts; Slack takes five. The answer
    comes whole to the DM instead of losing its last part to a refused sixth post."""
    await answer_in(slack, bot, FIVE)
    fake.fail("chat.postEphemeral", "channel_not_found", times=10)
    fake.drop_after_accepting("response_url")

    await flush_until_settled(bot, clock)

    dm = [line for c in slack.posts(GRACE) for line in c.params["text"].split("\n")]
    assert dm == FIVE  # whole, in the DM
    assert fake.responses_shown[-1].params["text"] == "I've answered you in a private message."
    assert statuses(bot) == ["sent"]
    assert all(c.params["text"] != "used_url" for c in fake.calls_for("response_url"))
    assert len(fake.calls_for("response_url")) <= 5

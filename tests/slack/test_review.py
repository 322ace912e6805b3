"""A 360° review round in Slack: the real slack_sdk client against the local fake API."""

from __future__ import annotations

from sqlalchemy import select

from storage.review import ReviewAnswer
from tests.slack.harness import ALICE, GRACE, LILEI, SAM, SlackHarness, dm_channel

BRUNO = "U0BRUNO"


async def test_a_360_round_in_slack_with_a_group_below_the_threshold(slack: SlackHarness,
                                                                     bot) -> None:
    await slack.command(GRACE, "/review", "start alice", channel=dm_channel(GRACE))
    assert "360° review of <@U0ALICE>" not in slack.last_text(GRACE)  # names, not mentions
    assert "1 manager, 2 peers, 1 report" in slack.last_text(GRACE)
    assert slack.last_text(SAM).startswith("1/5 · *Goal and plan completion*: how would you "
                                           "rate Alice Martin")
    # Only the manager, one peer and the report answer: the peers and reports who
    # answered (2) stay below 3 even merged, so their ratings are withheld.
    for user, answers in ((GRACE, ["4 Strong quarter", "4", "3", "4", "5"]),
                          (BRUNO, ["3", "3", "2 <b>Slow</b> to share leads", "3", "3"]),
                          (SAM, ["2", "2", "3", "3", "2"]),
                          (ALICE, ["4", "3", "3", "4", "4"])):
        for text in answers:
            await slack.dm(user, text)
    assert slack.last_text(BRUNO) == "Thank you — your feedback is in. It is stored without " \
                                     "your name."
    await slack.command(GRACE, "/review", "close alice", channel=dm_channel(GRACE))
    report = slack.last_text(GRACE)
    assert report.startswith("*🔄 360° review — Alice Martin*")
    assert ("Peers' and reports' ratings and comments are withheld: fewer than 3 answered, "
            "even together.") in report
    assert "• *Goal and plan completion*: manager 4 · self 4 · others 4" in report
    assert "Slow" not in report  # a withheld group's comments are withheld too
    assert slack.last_text(ALICE) == report
    assert "360° review" not in slack.last_text(LILEI)  # Li did not answer and gets no report
    with bot.unit() as ctx:
        peers = [r for r in ctx.session.scalars(select(ReviewAnswer))
                 if r.rater_group == "peer"]
    assert len(peers) == 5 and {r.rater_key for r in peers} == {None}

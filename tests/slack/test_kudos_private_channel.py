"""Kudos said in a private Slack channel the bot is in, through slack-bolt and the real
WebClient against FakeSlackAPI.

Slack sends a private channel's messages (`channel_type: "group"`; the id starts with G
for older channels and with C for newer ones) only to an app subscribed to
`message.groups`: the harness refuses to deliver one the manifest does not subscribe to.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import select

from storage.kudos import Kudos
from tests.slack.harness import ALICE, CHANNEL, GRACE, LILEI, SAM, SlackHarness, mention, message
from tests.slack.test_kudos import BOT, kudos_count, received_on_board

PRIVATE = "G0DEALDESK"     # an older private channel
NEWER_PRIVATE = "C0BIDTEAM"  # a private channel made since Slack gave them C… ids


def said_in(channel: str, user: str, text: str, ts: str) -> dict:
    """A message in a private channel, as message.groups brings it."""
    return message(user, text, channel=channel, channel_type="group", ts=ts)


def thread(slack: SlackHarness, channel: str, ts: str) -> list[str]:
    """What the channel shows of the bot's posts in the thread of message `ts` now."""
    return [m["text"] for m in slack.fake.posted(channel) if m.get("thread_ts") == ts]


async def test_kudos_said_in_a_private_channel_are_given_and_answered_there(
        slack: SlackHarness) -> None:
    """The deal desk is a private channel with the bot in it: "thanks @alice for the demo
    prep 👏" there gave nothing (only `@teampulse …` was read). Now it is kudos as in a
    public channel: the shout-out in that message's thread, in that channel and nowhere
    else, Alice told by DM; the same in Chinese; a mistake answered to the giver alone."""
    await slack.event(said_in(PRIVATE, SAM, "thanks <@U0ALICE> for the demo prep :clap:",
                              "1700000000.003000"))
    [shout] = slack.posts(PRIVATE)
    assert shout.params["thread_ts"] == "1700000000.003000"
    assert shout.params["text"] == ("👏 <@U0ALICE> — kudos from *Sam Lee*: thanks for the "
                                    "demo prep :clap:")
    assert slack.last_text(ALICE).startswith("🎉 You got kudos from <@U0SAM>: thanks for the "
                                             "demo prep")
    await slack.event(said_in(NEWER_PRIVATE, LILEI, "谢谢 <@U0SAM> 帮忙准备投标材料 :clap:",
                              "1700000000.003001"))
    assert slack.last_text(NEWER_PRIVATE) == ("👏 <@U0SAM> —— 来自 *李雷* 的点赞：谢谢 "
                                              "帮忙准备投标材料 :clap:")
    await slack.event(said_in(PRIVATE, GRACE, "thanks <@U0ALICE> for the demo #speed :clap:",
                              "1700000000.003002"))
    [note] = slack.ephemerals(GRACE)
    assert note.params["channel"] == PRIVATE
    assert note.params["text"].startswith("`#speed` is not one of our values")
    assert slack.posts(CHANNEL) == []  # nothing of it in the public channel
    assert kudos_count(slack) == 2


async def test_a_private_channel_s_mention_twin_gives_kudos_once(slack: SlackHarness) -> None:
    """"@teampulse thanks @alice …" in a private channel now comes twice, as a message
    (message.groups) and as app_mention: one kudos, one shout-out, no "unknown command"."""
    typed = f"<@{BOT}> thanks <@U0ALICE> for the pricing review"
    ts = "1700000000.003100"
    await slack.event(said_in(PRIVATE, SAM, typed, ts))
    await slack.event({**mention(SAM, typed, channel=PRIVATE), "ts": ts, "event_ts": ts})
    assert kudos_count(slack) == 1 and len(slack.posts(PRIVATE)) == 1
    assert slack.ephemerals() == []


async def test_a_kudos_message_edited_or_deleted_in_a_private_channel(
        slack: SlackHarness) -> None:
    """As in a public channel: an edit within 15 minutes naming someone else moves the
    kudos (the shout-out corrected in place), and the deleted message takes the kudos and
    its shout-out with it, in the private channel where they were given."""
    said = said_in(NEWER_PRIVATE, SAM, "thanks <@U0ALICE> for the pricing review :clap:",
                   "1700000000.003200")
    await slack.event(said)
    [shout] = slack.posts(NEWER_PRIVATE)
    await slack.edit(said, "thanks <@U0LILEI> for the pricing review :clap:",
                     edited_ts="1700000120.000000")
    [update] = slack.fake.calls_for("chat.update")
    assert (update.params["channel"], update.params["ts"]) == (NEWER_PRIVATE,
                                                               slack.ts_of(shout))
    assert thread(slack, NEWER_PRIVATE, said["ts"]) == [
        "✏️ Corrected: <@U0LILEI> — kudos from *Sam Lee*: thanks for the pricing review :clap:"]
    assert received_on_board(slack) == [("li", 1)]
    await slack.delete(said)
    assert kudos_count(slack) == 0 and received_on_board(slack) == []
    assert [(c.params["channel"], c.params["ts"]) for c in slack.fake.calls_for(
        "chat.delete")] == [(NEWER_PRIVATE, slack.ts_of(shout))]
    assert thread(slack, NEWER_PRIVATE, said["ts"]) == []
    assert slack.last_text(LILEI) == ("来自 <@U0SAM> 的点赞已不再计入你的点赞：给出点赞的"
                                      "消息已被删除。")


async def test_private_channel_kudos_count_on_the_roll_and_board_without_their_words(
        slack: SlackHarness) -> None:
    """Kudos said in a private channel count like any (README, *Kudos and honours*): the
    leaderboard and the honour roll name people and counts, never why nor where, so the
    channel's words stay in it."""
    bot = slack.bot
    bot.org = replace(bot.org, kudos=replace(bot.org.kudos,
                                             honours_channel={"slack": "C0HONOURS"}))
    slack.fake.join("C0HONOURS")
    await slack.event(said_in(PRIVATE, SAM, "thanks <@U0ALICE> for the secret Acme bid "
                              "#ownership :clap:", "1700000000.003300"))
    assert kudos_count(slack) == 1
    await slack.command(GRACE, "/kudos", "top month")
    board = slack.last_text(CHANNEL)
    assert "1. Alice Martin — 1" in board
    slack.clock.set(datetime(2026, 12, 1, 14, 0, tzinfo=UTC))  # Tue 09:00 in New York
    assert await bot.run_honours()
    await slack.settle()
    [roll] = slack.posts("C0HONOURS")
    assert "• East: Alice Martin — 1 kudo\n" in roll.params["text"]
    for public in (board, roll.params["text"]):
        assert "Acme" not in public and "secret" not in public and PRIVATE not in public
    with bot.sessions() as session:
        assert [k.reason for k in session.scalars(select(Kudos))] == [
            "thanks for the secret Acme bid :clap:"]

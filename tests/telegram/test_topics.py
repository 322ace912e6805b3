"""Forum supergroups (topics): what the bot says about a message in a topic stays there.

Telegram puts a message sent to a forum in the topic its `message_thread_id` names,
else in the topic of the message it replies to, else in General. A reply whose message
is gone (its author deleted it, or a clean-up bot removes commands) is sent without
the reply, so it must name the topic itself; so must each further part of a long text.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from bot.events import OutboundMessage, Target
from tests.telegram.conftest import ALICE, GRACE, TG

FORUM = -1_009_876_543_210
SALES_TOPIC = 7


def topics(tg: TG, chat_id: int = FORUM) -> list[tuple[int | None, str]]:
    """Each message the bot has in the forum: (its topic, None for General; its text)."""
    return [(m.get("message_thread_id") if m.get("is_topic_message") else None,
             m.get("text") or "")
            for m in sorted(tg.fake.sent_messages(chat_id), key=lambda m: m["message_id"])
            if m["from"]["is_bot"]]


async def say_in_topic(tg: TG, user: int, text: str, topic: int | None,
                       **kwargs: Any) -> None:
    await tg.send(tg.fake.topic_message(FORUM, user, text, topic, **kwargs))


async def test_a_kudos_shout_out_stays_in_the_topic_after_a_cleanup_bot_deleted_the_command(
        tg: TG) -> None:
    text = "/kudos @alice_m for the Globex demo"
    await say_in_topic(tg, GRACE, text, SALES_TOPIC, deleted=True, entities=[
        {"type": "bot_command", "offset": 0, "length": 6},
        {"type": "text_mention", "offset": 7, "length": 8,
         "user": {"id": ALICE, "is_bot": False, "first_name": "Alice"}}])

    [(topic, shout)] = topics(tg)
    assert "kudos from Grace Chen: the Globex demo" in shout
    assert topic == SALES_TOPIC  # not in General


async def test_the_private_answer_note_stays_in_the_topic(tg: TG) -> None:
    await say_in_topic(tg, GRACE, "/summary", SALES_TOPIC, deleted=True)

    assert topics(tg) == [(SALES_TOPIC, "I've answered you in a private message.")]
    assert tg.texts(GRACE)[-1].startswith("<b>Weekly summary")


async def test_a_command_in_general_is_answered_in_general(tg: TG) -> None:
    await say_in_topic(tg, GRACE, "/summary", None)

    assert topics(tg) == [(None, "I've answered you in a private message.")]
    # Telegram refuses General's id as message_thread_id: it is never sent.
    assert all("message_thread_id" not in c.params for c in tg.fake.calls_for("sendMessage"))


async def test_every_part_of_a_long_answer_lands_in_the_topic(tg: TG) -> None:
    await say_in_topic(tg, GRACE, "/summary", SALES_TOPIC)
    asked = tg.handled.events[-1][0]
    long_text = "\n".join(f"Line {i}: " + "业绩 📈 " * 40 for i in range(60))

    await tg.adapter.deliver(Target("telegram", "thread", asked.chat_id, asked.thread_id),
                             OutboundMessage(long_text))

    parts = topics(tg)[1:]  # after the note about the summary
    assert len(parts) > 1
    assert {topic for topic, _ in parts} == {SALES_TOPIC}


async def test_the_honour_roll_goes_to_the_topic_the_org_file_names(tg: TG) -> None:
    # t.me/c/9876543210/12 is the Announcements topic: the org file names it after a '/'.
    announcements = 12
    tg.fake.forums[FORUM] = {SALES_TOPIC, announcements}
    tg.bot.org = replace(tg.bot.org, kudos=replace(
        tg.bot.org.kudos, honours_channel={"telegram": f"{FORUM}/{announcements}"}))
    await tg.say(GRACE, "/kudos @alice_m for the Globex demo", entities=[
        {"type": "bot_command", "offset": 0, "length": 6},
        {"type": "text_mention", "offset": 7, "length": 8,
         "user": {"id": ALICE, "is_bot": False, "first_name": "Alice"}}])
    tg.clock.set(datetime(2026, 12, 1, 14, 0, tzinfo=UTC))  # Tue 09:00 in New York

    assert await tg.bot.run_honours()
    await tg.settle()

    [(topic, roll)] = topics(tg)
    assert roll.startswith("🏆 Honour roll — November 2026")
    assert topic == announcements


async def test_an_honour_roll_the_group_refuses_is_reported_to_the_gm(tg: TG) -> None:
    """The bot was removed from the honours group: Telegram refuses the roll for good
    (403). The GM is told which chat refused it and to add the bot again, rather than
    the team missing its roll with only the log knowing."""
    tg.bot.org = replace(tg.bot.org, kudos=replace(
        tg.bot.org.kudos, honours_channel={"telegram": str(FORUM)}))
    await tg.say(GRACE, "/help")  # running in November: a fresh install posts no roll of it
    tg.fake.fail("sendMessage", status=403,
                 description="Forbidden: bot was kicked from the supergroup chat")
    tg.clock.set(datetime(2026, 12, 1, 14, 0, tzinfo=UTC))  # Tue 09:00 in New York

    assert await tg.bot.run_honours()
    await tg.settle()

    assert topics(tg) == []
    note = tg.texts(GRACE)[-1]
    assert note == (f"⚠️ I could not post the honour roll of November 2026 in its channel "
                    f"(<code>{FORUM}</code>, <code>org.kudos.honours_channel.telegram</code> in "
                    "the org file): Telegram refused it, so I may have been removed from the "
                    "group, it is gone, or I may not send messages there. Add me to it "
                    "again, let me send messages there (a group admin can), or name another "
                    "channel in the org file. The team has not seen the roll: forward them "
                    "the copy I sent you.")
    assert tg.texts(GRACE)[-2].startswith("🏆 <b>Honour roll — November 2026</b>")


async def test_a_rounds_note_stays_in_its_topic_and_is_edited_there(tg: TG) -> None:
    """`/checkin send` in a topic by a GM who blocked the bot: the one note is in that topic,
    and it is that note which comes to say the report could not go (tests/telegram/
    test_private_note.py), not a second message in General."""
    tg.fake.fail_chat("sendMessage", GRACE, 403, "Forbidden: bot was blocked by the user",
                      times=None)
    await say_in_topic(tg, GRACE, "/checkin send", SALES_TOPIC)

    [(topic, note)] = topics(tg)
    assert topic == SALES_TOPIC
    assert note.startswith("I couldn't send you the check-in round's report in a private chat")

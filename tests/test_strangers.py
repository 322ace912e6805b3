"""Someone the org file does not list writes to the bot again and again: they are told once
who to ask, then not again for a day (handlers.help.STRANGER_REPLY_EVERY), the rest of their
messages ignored, with one log line that quotes nothing they wrote."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.events import InboundEvent
from handlers.help import STRANGER_REPLY_EVERY
from tests.support import RecordingAdapter, say


async def test_a_stranger_flooding_the_bot_is_told_once_a_day(bot, chat, clock, caplog):
    caplog.set_level(logging.INFO)
    first = clock.now()  # Friday 21:00 UTC: midnight UTC is three hours away
    for n in range(30):
        await say(bot, "mallory", f"spam number {n} secret-words")
        clock.advance(timedelta(minutes=1))
    told = chat.to("mallory")
    assert len(told) == 1 and "don't know you yet" in told[0] and "key: mallory" in told[0]
    # A button pressed, a command, an edit: none of them answered again meanwhile.
    await say(bot, "mallory", "/help")
    await say(bot, "mallory", action="checkin:skip")
    assert len(chat.to("mallory")) == 1
    # One line for the whole flood, naming the account and the window, never the words.
    lines = [r.getMessage() for r in caplog.records if "mallory" in r.getMessage()]
    assert len(lines) == 1, lines
    assert "not in the org file" in lines[0] and "24 hours" in lines[0]
    assert not any("secret-words" in r.getMessage() or "spam" in r.getMessage()
                   for r in caplog.records)
    # Not again at midnight (UTC, or anywhere), only a day after the reply.
    for later in (timedelta(hours=3, minutes=1), STRANGER_REPLY_EVERY - timedelta(seconds=1)):
        clock.set(first + later)
        await say(bot, "mallory", "still here")
        assert len(chat.to("mallory")) == 1, later
    clock.set(first + STRANGER_REPLY_EVERY)
    await say(bot, "mallory", "still here")
    await say(bot, "mallory", "and again")
    assert len(chat.to("mallory")) == 2 and "don't know you yet" in chat.last("mallory")


async def test_each_stranger_is_told_once_and_people_in_the_org_as_ever(bot, chat):
    for _ in range(3):
        await say(bot, "mallory", "hello")
        await say(bot, "trudy", "hello")
        await say(bot, "alice", "/help")
    assert len(chat.to("mallory")) == 1 and len(chat.to("trudy")) == 1
    assert len(chat.to("alice")) == 3


async def test_a_stranger_on_telegram_in_a_group_and_in_private_is_told_once(bot):
    """Telegram: a stranger's `/summary` in a team group and their DMs are one account: the
    answer (a DM, or, where the bot cannot DM them, a note in the group) comes once."""
    chat = RecordingAdapter(platform="telegram")
    bot.register(chat)

    async def write(text: str, *, direct: bool) -> None:
        await bot.handle(InboundEvent(platform="telegram", user_id="6666",
                                      chat_id="6666" if direct else "-100123",
                                      chat_type="direct" if direct else "group", text=text))
        await bot.drain()

    await write("/summary", direct=False)
    for _ in range(5):
        await write("/summary", direct=False)
        await write("hello?", direct=True)
    told = [s.message.text for s in chat.sent]
    assert len(told) == 1 and "telegram_id: 6666" in told[0], told


async def test_someone_taken_out_of_the_org_file_is_told_once_a_day_too(bot, chat, clock):
    """Bruno, taken out of the file, keeps writing: "you are no longer in the org file"
    once, not at every message."""
    from dataclasses import replace as with_people

    from storage.repositories import PeopleRepo

    with bot.unit() as ctx:
        PeopleRepo(ctx.session).sync(with_people(bot.org, people=tuple(
            p for p in bot.org.people if p.key != "bruno")).people)
    for _ in range(5):
        await say(bot, "bruno", "hello?")
    told = chat.to("bruno")
    assert len(told) == 1 and "no longer in teampulse's org file" in told[0]
    clock.advance(STRANGER_REPLY_EVERY + timedelta(minutes=1))
    await say(bot, "bruno", "hello?")
    assert len(chat.to("bruno")) == 2


async def test_a_burst_handled_in_one_batch_is_answered_once(bot, chat):
    """Telegram delivers a stranger's burst together: the messages share one transaction
    (bot.core.handle_batch), and still one reply goes out."""
    await bot.handle_batch([InboundEvent(platform="console", user_id="mallory",
                                         chat_id="mallory", chat_type="direct",
                                         text=f"hello {n}", event_id=f"e{n}")
                            for n in range(8)])
    await bot.drain()
    assert len(chat.to("mallory")) == 1

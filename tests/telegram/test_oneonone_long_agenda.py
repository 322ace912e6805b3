"""A 1:1 reminder with a long agenda on Telegram, through python-telegram-bot against
FakeTelegramAPI (which refuses a text over 4,096 UTF-16 units as Telegram does): 30
items of 1,000 characters, each added with /agenda, reach both sides whole, in messages
cut between items, in the order they were added, nothing lost: Li in Chinese, Grace in
English; so do 25 long action items (the reminder, /actions) and a recap of long notes."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.adapters.telegram_format import MAX_MESSAGE_LENGTH, utf16_len
from storage.models import OutboxMessage
from tests.oneonone_support import write_org
from tests.telegram.conftest import GRACE, LI, TG
from tests.telegram.test_oneonone import SLOT
from tests.text_cuts import (
    agenda_item,
    assert_cut_at_line_breaks,
    assert_cut_between_characters,
    assert_whole_in_order,
)

ITEMS = [agenda_item(n) for n in range(1, 31)]


def rendered(bot, address: str, first: str) -> str:
    """The day-before 1:1 reminder to `address` starting with `first`, as the bot rendered
    it before any cut."""
    with bot.sessions() as session:
        (text,) = [row.payload["text"] for row in session.scalars(select(OutboxMessage).where(
            OutboxMessage.dedupe_key.like("oo:day:%"), OutboxMessage.address == address))
            if row.payload["text"].startswith(first)]
        return text


@pytest.fixture
def settings(settings, tmp_path):
    """The Telegram test settings on the test org with one-on-one rules."""
    return replace(settings, org_file=write_org(tmp_path))


def from_(texts: list[str], first: str) -> list[str]:
    """The messages from the last one starting with `first` on (a reminder in parts)."""
    start = max(i for i, t in enumerate(texts) if t.startswith(first))
    return texts[start:]


async def test_a_reminder_with_30_long_agenda_items_arrives_whole_on_telegram(
        tg: TG) -> None:
    for n, item in enumerate(ITEMS):
        if n % 2:
            await tg.say(LI, f"/agenda add {item}")
            assert "已加入你与Grace Chen下次一对一面谈的议程" in tg.shown(LI)[-1]
        else:
            await tg.say(GRACE, f"/agenda add @li {item}")
            assert "Added to the agenda of your next 1:1 with 李雷" in tg.shown(GRACE)[-1]

    tg.clock.set(SLOT - timedelta(hours=23))
    await tg.bot.run_oneonones()
    await tg.settle()

    for chat, first in ((LI, "提醒：你与Grace Chen"), (GRACE, "Reminder: your 1:1 with 李雷")):
        shown = from_(tg.shown(chat), first)
        sent = tg.texts(chat)[-len(shown):]  # the HTML of the same messages
        assert len(shown) >= 8, [utf16_len(t) for t in sent]
        assert all(utf16_len(t) <= MAX_MESSAGE_LENGTH for t in sent), \
            [utf16_len(t) for t in sent]
        assert_whole_in_order(shown, ITEMS)  # as typed, "&" and all
        assert_cut_between_characters(shown)
        assert_cut_at_line_breaks(sent, rendered(tg.bot, str(chat), sent[0][:40]))
        assert all(not t.startswith((" ", "\n")) for t in shown)
    with tg.bot.sessions() as session:
        assert "failed" not in set(session.scalars(select(OutboxMessage.status)))


ACTIONS = [agenda_item(n, 950).replace("Item-", "Action-") for n in range(1, 26)]


async def test_25_long_action_items_reach_the_reminder_and_actions_whole_on_telegram(
        tg: TG) -> None:
    for action in ACTIONS:
        await tg.say(GRACE, f"/actions add {action} @li by Dec 10")
        assert tg.shown(GRACE)[-1].startswith("Action item #"), tg.shown(GRACE)[-1]

    tg.clock.set(SLOT - timedelta(hours=23))
    await tg.bot.run_oneonones()
    await tg.settle()
    for chat, first in ((LI, "提醒：你与Grace Chen"), (GRACE, "Reminder: your 1:1 with 李雷")):
        shown = from_(tg.shown(chat), first)
        assert all(utf16_len(t) <= MAX_MESSAGE_LENGTH for t in tg.texts(chat)[-len(shown):])
        assert_whole_in_order(shown, ACTIONS)
        sent = tg.texts(chat)[-len(shown):]
        assert_cut_at_line_breaks(sent, rendered(tg.bot, str(chat), sent[0][:40]))

    await tg.say(LI, "/actions")
    shown = from_(tg.shown(LI), "你未完成的行动项")
    assert_whole_in_order(shown, ACTIONS[:20])  # the first 20, then how many more
    assert "以及另外 5 项（截止日期更晚）" in shown[-1], shown[-1][-200:]
    with tg.bot.sessions() as session:
        assert "failed" not in set(session.scalars(select(OutboxMessage.status)))


NOTES = [agenda_item(n, 1000).replace("Item-", "Note-") for n in range(1, 16)]


async def test_a_recap_of_long_notes_and_many_action_items_reaches_the_report_whole(
        tg: TG) -> None:
    """Grace records 15 notes of 1,000 characters and 25 long action items after her
    1:1 with Li: his recap, in Chinese, holds every one of them whole, in order."""
    tg.clock.set(SLOT + timedelta(minutes=40))
    await tg.bot.run_oneonones()
    await tg.settle()
    assert "Did your 1:1 with 李雷" in tg.shown(GRACE)[-1]
    await tg.press(GRACE, "Yes")
    for note in NOTES:
        await tg.say(GRACE, note)
    await tg.say(GRACE, "next")
    for action in ACTIONS:
        await tg.say(GRACE, f"{action} 2026-12-10")
        assert tg.shown(GRACE)[-1].startswith("Action item #"), tg.shown(GRACE)[-1][:200]
    await tg.say(GRACE, "done")

    recap = from_(tg.shown(LI), "你与Grace Chen在 2026-12-01 的一对一面谈：")
    recap = recap[:next((i for i, t in enumerate(recap) if "有多大帮助" in t), len(recap))]
    assert all(utf16_len(t) <= MAX_MESSAGE_LENGTH for t in tg.texts(LI))
    assert_whole_in_order(recap, NOTES + ACTIONS)
    assert_cut_between_characters(recap)
    with tg.bot.sessions() as session:
        assert "failed" not in set(session.scalars(select(OutboxMessage.status)))

"""Replies to people are not stuck behind a large round, and no chat's order is broken.

A round for 1,000 people takes over half a minute at Telegram's 30 messages a second. A
director in the middle of their check-in must get the next question at once, not after
the last of the 1,000 prompts; yet the round must not stall, and nothing may overtake an
earlier message to the same chat.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.clock import FakeClock
from bot.config import Settings
from bot.core import ROUND_BATCH, TeamPulse
from bot.outbox import OutboxWorker
from storage.models import OutboxMessage
from tests.telegram.conftest import ALICE, BRUNO, TG
from tests.test_outbox_fanout import Timeline

ROUND = 1_000
FIRST_ID = 3_000_000


def org_yaml() -> str:
    """The GM, Alice, Bruno and ROUND more directors on Telegram."""
    lines = ["org: {name: Big}", "people:",
             "  - {key: grace, name: Grace, role: gm, timezone: UTC, telegram_id: 1001}",
             "  - {key: alice, name: Alice, role: director, manager: grace, timezone: UTC, "
             "telegram_id: 1002, kpis: [{metric: revenue, unit: USD, weekly_target: 50000}]}",
             "  - {key: bruno, name: Bruno, role: director, manager: grace, timezone: UTC, "
             "telegram_id: 1003}"]
    lines += [f"  - {{key: d{i:04d}, name: D{i}, role: director, manager: grace, "
              f"timezone: UTC, telegram_id: {FIRST_ID + i}}}" for i in range(ROUND)]
    return "\n".join(lines) + "\n"


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    org = tmp_path / "big.yaml"
    org.write_text(org_yaml(), encoding="utf-8")
    return replace(settings, org_file=org)


def paced_outbox(tg: TG, clock: FakeClock) -> Timeline:
    """The outbox as it runs for real: planning a second ahead at Telegram's pace, each
    message waiting for its moment on the (fake) clock."""
    timeline = Timeline(clock)
    worker = OutboxWorker(tg.bot.sessions, tg.bot.adapters, clock,
                          lookahead=timedelta(seconds=1))
    worker._sleep_until = timeline.wait_until  # type: ignore[method-assign]
    tg.bot.outbox = worker
    return timeline


def round_chats() -> set[int]:
    return {FIRST_ID + i for i in range(ROUND)} | {BRUNO}


def recorded_messages(bot: TeamPulse) -> int:
    with bot.sessions() as session:
        return session.scalar(select(func.count()).select_from(OutboxMessage)) or 0


async def test_replies_overtake_a_big_round_but_never_an_earlier_message_to_their_chat(
        tg: TG, clock: FakeClock) -> None:
    tg.fake.start_bot(*round_chats())  # everyone in the round pressed Start once
    await tg.checkins("alice")
    assert "Question 1 of" in tg.shown(ALICE)[-1]
    timeline = paced_outbox(tg, clock)
    loop = asyncio.get_running_loop()
    recorded = asyncio.Event()
    last_batch = -(-(ROUND + 1) // ROUND_BATCH)

    def on_batch(number: int) -> None:  # on the database thread
        if number == last_batch:
            timeline.held = True  # what follows happens "at once", the round queued
            loop.call_soon_threadsafe(recorded.set)

    tg.bot.round_batch_hook = on_batch
    # Bruno comes last in the round: his prompt is still queued when he writes.
    keys = [f"d{i:04d}" for i in range(ROUND)] + ["bruno"]

    async def scenario() -> None:
        round_sent = asyncio.ensure_future(tg.bot.run_checkins(keys))
        await recorded.wait()
        while await tg.bot.db(recorded_messages, tg.bot) < ROUND + 2:  # the last batch is in
            await asyncio.sleep(0)
        handled = len(tg.handled.events)
        tg.fake.push_update(tg.fake.private_message(ALICE, "52000"))
        tg.fake.push_update(tg.fake.private_message(BRUNO, "/help"))
        await tg.handled.wait(handled + 2)
        timeline.held = False
        await round_sent
        await tg.bot.drain()

    await timeline.run(scenario())
    sent = [c.params["chat_id"] for c in tg.fake.calls_for("sendMessage")
            if c.status == 200]
    chats = round_chats()
    assert sorted(chat for chat in sent if chat in chats and chat != BRUNO) == sorted(
        chats - {BRUNO})  # everyone in the round got the prompt, once

    def still_to_go(chat: int) -> int:
        """Round prompts sent after the last message to `chat`."""
        at = len(sent) - 1 - sent[::-1].index(chat)
        return sum(1 for other in sent[at:] if other in chats and other != chat)

    # Alice's next question went out while much of the round was still to go ...
    assert "Question 2 of" in tg.shown(ALICE)[-1]
    assert still_to_go(ALICE) >= ROUND_BATCH // 4
    # ... and so did Bruno's answer, but only after his own prompt queued before it.
    bruno = tg.shown(BRUNO)
    assert len(bruno) == 2 and "Question 1 of" in bruno[0]
    assert "/checkin" in bruno[1]  # the help
    assert still_to_go(BRUNO) >= ROUND_BATCH // 4

"""A connection that breaks after Telegram took a message and before its answer came back,
from the reader's side: the real python-telegram-bot client against the fake Bot API, which
sends the message and then drops the connection (tests.fakes.telegram_api.drop_answers).

Telegram offers bots no lookup, so the outbox sends it again, once per such break: the
README (*Durable delivery*) and docs/telegram.md say a person may see it twice after one,
and (once said "never three times" of this case too) that each further break can add a
copy: nothing can tell a copy that arrived from one that did not, and never missing a
message is the promise kept.
"""

from __future__ import annotations

from bot.events import OutboundMessage
from tests.support import settle_outbox
from tests.telegram.conftest import ALICE, TG

TEXT = "Your check-in for 2026-W48 is waiting: send /checkin"


async def _queue(tg: TG) -> None:
    with tg.bot.unit() as ctx:
        ctx.outbox.enqueue(platform="telegram", target_kind="dm", address=str(ALICE),
                           payload=OutboundMessage(TEXT).to_payload(), now=tg.clock.now())


async def test_one_answer_lost_shows_the_message_twice(tg: TG) -> None:
    tg.fake.drop_answers("sendMessage", ALICE, times=1)
    await _queue(tg)
    await settle_outbox(tg.bot, tg.clock)
    assert tg.shown(ALICE) == [TEXT, TEXT]


async def test_each_answer_lost_adds_one_copy(tg: TG) -> None:
    tg.fake.drop_answers("sendMessage", ALICE, times=2)
    await _queue(tg)
    await settle_outbox(tg.bot, tg.clock)
    assert tg.shown(ALICE) == [TEXT, TEXT, TEXT]



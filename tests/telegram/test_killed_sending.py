"""`teampulse run` on Telegram SIGKILLed after Telegram sent a message and before the outbox
recorded it as sent (a real process, killed while Telegram's answer is on its way). The Bot
API cannot be asked what was sent, so the restart sends it once more: Alice sees it twice,
as README (Durable delivery) and docs/telegram.md say, and never a third time."""

from __future__ import annotations

import signal
from pathlib import Path

from tests.fakes.telegram_api import FakeTelegramAPI
from tests.killed_sending import AFTER, TEXT, outbox_status, queue_dm, quiet_org, run_until
from tests.support import WAIT
from tests.telegram.conftest import ALICE, TOKEN


async def test_a_message_telegram_sent_as_the_bot_was_killed_shows_at_most_twice(
        fake: FakeTelegramAPI, database_url: str, tmp_path: Path) -> None:
    org = quiet_org(tmp_path)
    queue_dm(database_url, org, "telegram", str(ALICE))
    env = {"DATABASE_URL": database_url, "TEAMPULSE_ORG_FILE": str(org),
           "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": fake.url}
    release = fake.hold("sendMessage")

    def texts() -> list[str | None]:
        return [m.get("text") for m in fake.sent_messages(ALICE)]

    async def sent() -> None:
        await fake.wait_for(lambda: bool(texts()), WAIT)

    assert await run_until(tmp_path, env, sent, signal.SIGKILL) == -signal.SIGKILL
    assert outbox_status(database_url) == "sending"
    release.set()

    async def settled() -> None:
        await fake.wait_for(lambda: AFTER in texts(), WAIT)

    assert await run_until(tmp_path, env, settled, signal.SIGTERM) == 0
    assert texts() == [TEXT, TEXT, AFTER]  # at-least-once: one copy more, and no other
    assert outbox_status(database_url) == "sent"
    assert await run_until(tmp_path, env, _nothing, signal.SIGTERM) == 0
    assert texts() == [TEXT, TEXT, AFTER]


async def _nothing() -> None:
    """A start with nothing left to send."""

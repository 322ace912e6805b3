"""Erasing a person while the bot runs on Telegram: what is still waiting to be sent to
others goes out without anything that leads back to them."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest

from bot.cli import main
from tests.telegram.conftest import ALICE, GRACE, GROUP, TG
from tests.test_personal_data import without_alice


async def test_a_waiting_shout_out_naming_her_goes_out_without_her_telegram_account(
        tg: TG, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Grace praises Alice in the group while Telegram is holding the bot back (429);
    the operator erases Alice before the shout-out goes out. It goes out with former-<id>
    for her name, as README says, and no longer links her Telegram account (the mention's
    tg://user?id=… link kept her id: one tap opened her profile)."""
    text = "/kudos Alice for closing Acme"
    tg.fake.flood("sendMessage", retry_after=60, times=None)
    await tg.send(tg.fake.group_message(GROUP, GRACE, text, entities=[
        {"type": "bot_command", "offset": 0, "length": 6},
        {"type": "text_mention", "offset": 7, "length": 5,
         "user": {"id": ALICE, "is_bot": False, "first_name": "Alice"}}]), settle=False)
    assert tg.sent(GROUP) == []  # held back, waiting in the outbox

    without_alice(tmp_path, monkeypatch)
    monkeypatch.setenv("DATABASE_URL", tg.bot.settings.database_url)
    out = StringIO()
    assert main(["--env-file", "/dev/null", "erase", "alice", "--yes"], stdout=out) == 0
    assert "1 waiting anonymised" in out.getvalue()

    tg.fake.clear_responses()
    await tg.settle()
    [shout] = tg.texts(GROUP)
    assert "kudos from <b>Grace Chen</b>: closing Acme" in shout
    assert "former-" in shout
    assert "Alice" not in shout and str(ALICE) not in shout

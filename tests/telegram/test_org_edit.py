"""docs/telegram.md, step 3, from the operator's side: the line the bot quotes to a
stranger, added to the org file while teampulse runs, makes them known without a
restart; and a username that bound the wrong account, corrected in the file, drops
that binding, the right account binding at its first message."""

from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path

import pytest

from bot.config import Settings
from bot.org_reload import OrgWatcher
from tests.support import TEST_ORG
from tests.telegram.conftest import TG

DANA = 7777  # a new director, not in the org file yet
IMPOSTOR = 8888  # the account that took Vera's mistyped username first
VIV = 1005  # Vera, known to this org file by her username only


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The test org, with Vera known by a mistyped username instead of by id."""
    text = TEST_ORG.read_text(encoding="utf-8")
    text = text.replace("    telegram_id: 1005\n", "    telegram_username: vera_opps\n")
    assert "vera_opps" in text
    path = tmp_path / "org.yaml"
    path.write_text(text, encoding="utf-8")
    return replace(settings, org_file=path)


async def save(tg: TG, old: str, new: str) -> None:
    """The operator edits the org file; the running bot's next look picks it up."""
    path = Path(tg.bot.settings.org_file)
    watcher = OrgWatcher(tg.bot, path)
    text = path.read_text(encoding="utf-8")
    assert old in text
    before = path.stat()
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    # A later modification time, as a save a moment after the start has.
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
    assert await watcher.check() is not None


async def test_the_line_quoted_to_a_stranger_added_while_running_makes_them_known(
        tg: TG) -> None:
    await tg.say(DANA, "/help", username="dana_k")
    refusal = tg.shown(DANA)[-1]
    assert "I don't know you yet" in refusal
    quoted = re.search(r"telegram_id: \d+", refusal)
    assert quoted is not None and quoted.group(0) == f"telegram_id: {DANA}"

    # The operator adds Dana with that very line; no restart.
    await save(tg, "  - key: vera\n", "  - key: dana\n    name: Dana Kim\n"
                   "    role: director\n    manager: grace\n    team: East\n"
                   "    timezone: America/New_York\n    locale: en\n"
                   f"    {quoted.group(0)}\n  - key: vera\n")
    await tg.say(DANA, "/checkin", username="dana_k")
    assert "I don't know you yet" not in tg.shown(DANA)[-1]
    assert "Question 1 of" in tg.shown(DANA)[-1]


@pytest.mark.parametrize("corrected", ["telegram_username: vera_ops", f"telegram_id: {VIV}"])
async def test_a_wrong_binding_is_dropped_by_correcting_the_file_while_running(
        tg: TG, corrected: str) -> None:
    # Vera's username was mistyped; whoever holds the typo writes first and is taken for her.
    await tg.say(IMPOSTOR, "/summary", username="vera_opps")
    assert "Weekly summary" in tg.shown(IMPOSTOR)[-1]

    await save(tg, "telegram_username: vera_opps", corrected)
    await tg.say(IMPOSTOR, "/summary", username="vera_opps")
    assert "I don't know you yet" in tg.shown(IMPOSTOR)[-1]
    assert "Weekly summary" not in tg.shown(IMPOSTOR)[-1]
    await tg.say(VIV, "/summary", username="vera_ops")
    assert "Weekly summary" in tg.shown(VIV)[-1]


SAM = 1006

SAMS_ENTRY = ("  - key: sam\n    name: Sam Lee\n    role: member\n    manager: alice\n"
              "    team: East\n    timezone: America/Chicago\n    locale: en\n"
              "    slack_id: U0SAM\n    telegram_id: 1006\n")


async def test_someone_taken_out_of_the_org_file_is_told_so_not_welcomed_as_new(
        tg: TG) -> None:
    # Sam leaves; he still writes to the bot. He was told "I don't know you yet … ask to
    # add you", as a newcomer is, which a leaver reads as the bot having lost him.
    await tg.say(SAM, "/help")
    await save(tg, SAMS_ENTRY, "")
    await tg.say(SAM, "/checkin")
    told = tg.shown(SAM)[-1]
    assert told.startswith("Hello Sam Lee, you are no longer in teampulse's org file")
    assert "I don't know you yet" not in told and "key: sam" in told
    # In the language the file gave him (a leaver's own, as test_org_rename's 李雷), not
    # his Telegram app's.
    await tg.say(SAM, "/help", language_code="zh-hans")
    assert tg.shown(SAM)[-1].startswith("Hello Sam Lee, you are no longer")
    # A stranger is still welcomed as one.
    await tg.say(DANA, "/help")
    assert "I don't know you yet" in tg.shown(DANA)[-1]

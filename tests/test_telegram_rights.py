"""The operator is told who reads others' data on a Telegram username alone: whoever first
writes to the bot with that username becomes them (say it was mistyped in the file, or
given up and taken by a stranger). check-org (every format) and the log at start and at
each reload name them and the line to add, until the bot has learned their id."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from pathlib import Path

import pytest

from bot.app import prepare
from bot.clock import FakeClock
from bot.config import Settings
from bot.events import InboundEvent
from bot.org_reload import OrgWatcher
from tests.support import run_cli
from tests.test_cli_views import table, valid
from tests.test_summary_output import markdown_blocks

ORG = """\
people:
  - {key: grace, name: Grace Chen, role: gm, timezone: UTC, telegram_username: grace_gm}
  - {key: olivia, name: Olivia Park, role: member, timezone: UTC, telegram_username: olivia_p}
  - {key: alice, name: Alice Martin, role: director, manager: grace, team: East,
     timezone: UTC, telegram_username: alice_m}
  - {key: sam, name: Sam Lee, role: member, manager: alice, team: East, timezone: UTC,
     telegram_username: sam_l}
  - {key: bruno, name: Bruno Rossi, role: director, manager: grace, team: Europe,
     timezone: UTC, telegram_username: bruno_r}
  - {key: li, name: Li Wei, role: director, manager: grace, team: China, timezone: UTC,
     telegram_id: 1004}
  - {key: dan, name: Dan Ito, role: director, manager: grace, team: China, timezone: UTC,
     telegram_id: 1005}
org: {summary_viewers: [olivia]}
"""
GRACE = ("grace (Grace Chen), the GM, is named on Telegram by telegram_username grace_gm "
         "only and the bot has not learned their id: whoever first writes to the bot as "
         "@grace_gm becomes Grace Chen and reads what they may. Add 'telegram_id: <their "
         "numeric id>' under grace in the org file (the bot tells anyone not in the file "
         "their id); once the bot has learned their id from their first message, this "
         "warning goes")


@pytest.fixture
def tsettings(tmp_path: Path, database_url: str) -> Settings:
    path = tmp_path / "org.yaml"
    path.write_text(ORG, encoding="utf-8")
    return Settings(database_url=database_url, org_file=path, telegram_bot_token="1:x")


def test_check_org_names_who_reads_others_data_on_a_username_alone(tsettings) -> None:
    path = str(tsettings.org_file)
    code, text = run_cli(tsettings, "check-org", path)
    assert code == 0  # advice: the file is valid all the same
    assert GRACE in text
    assert "olivia (Olivia Park), a summary viewer, is named" in text
    # Alice's team has Sam in it, and Sam reports to her.
    assert "alice (Alice Martin), their team's director and a manager, is named" in text
    # Sam reads nobody's data; Bruno's team is himself; Li and Dan have ids.
    assert not any(f"{k} (" in text.split("first:")[-1] for k in ("sam", "bruno", "li", "dan"))

    data = valid("org", run_cli(tsettings, "check-org", path, "--format", "json")[1])
    assert data["telegram_unbound"] == [
        {"key": "grace", "name": "Grace Chen", "telegram_username": "grace_gm",
         "rights": ["gm"], "add": "telegram_id"},
        {"key": "olivia", "name": "Olivia Park", "telegram_username": "olivia_p",
         "rights": ["summary_viewer"], "add": "telegram_id"},
        {"key": "alice", "name": "Alice Martin", "telegram_username": "alice_m",
         "rights": ["team_director", "manager"], "add": "telegram_id"}]

    rows = {r["key"]: r["warning"] for r in
            table(run_cli(tsettings, "check-org", path, "--format", "csv")[1])}
    assert rows["grace"] == GRACE and rows["sam"] == "" and rows["li"] == ""

    blocks = markdown_blocks(run_cli(tsettings, "check-org", path, "--format", "md")[1])
    assert ("h2", "Telegram usernames not yet bound") in blocks
    assert ("li", "Grace Chen (grace) · @grace_gm · GM") in blocks
    assert ("li", "Alice Martin (alice) · @alice_m · team director, manager") in blocks
    blocks = markdown_blocks(run_cli(tsettings, "check-org", path, "--format", "md",
                                     "--locale", "zh-CN")[1])
    assert ("h2", "尚未绑定的 Telegram 用户名") in blocks
    assert ("li", "Grace Chen（grace）· @grace_gm · 总经理") in blocks


async def test_the_warning_goes_once_the_bot_has_learned_their_id(
        tsettings, clock: FakeClock, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="bot.telegram_rights")
    bot, engine = prepare(tsettings, clock)  # `teampulse run` starts
    try:
        assert GRACE in caplog.text and "olivia (Olivia Park)" in caplog.text
        # Grace writes to the bot: her account is bound to her key.
        await bot.handle(InboundEvent(platform="telegram", user_id="777001", chat_id="777001",
                                      text="/help", username="grace_gm"))
        path = str(tsettings.org_file)
        data = json.loads(run_cli(tsettings, "check-org", path, "--format", "json")[1])
        assert [u["key"] for u in data["telegram_unbound"]] == ["olivia", "alice"]
        assert "grace (" not in run_cli(tsettings, "check-org", path)[1]

        # The operator edits the file: the reload says it again, Grace no longer.
        caplog.clear()
        watcher = OrgWatcher(bot, tsettings.org_file, stamp=bot.org_stamp)
        tsettings.org_file.write_text(ORG.replace("Olivia Park", "Olivia Park-Lee"),
                                      encoding="utf-8")
        assert await watcher.check(force=True) is not None
        assert "olivia (Olivia Park-Lee), a summary viewer, is named" in caplog.text
        assert "grace (" not in caplog.text
    finally:
        bot.close()
        engine.dispose()


def test_without_telegram_the_log_says_nothing(tsettings, clock, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="bot.telegram_rights")
    bot, engine = prepare(replace(tsettings, telegram_bot_token=None), clock)
    bot.close()
    engine.dispose()
    assert caplog.text == ""

"""Teams in Chinese read in pinyin order on the kudos board and the honour roll, as a
Chinese reader's contact list or spreadsheet sorts them: 华北 (huá běi), 华东 (huá dōng),
华南 (huá nán). Sorted by code point they read 华东, 华北, 华南 (东 U+4E1C before 北
U+5317), an order no reader of Chinese would look in."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot.app import prepare
from tests.support import TEST_ORG, RecordingAdapter, running_since
from tests.test_honours import DEC_1_9AM_NY, november_kudos
from tests.test_kudos import kudo

#: The test org's teams under Chinese names: East 华东, Europe 华北, China 华南.
CHINESE_TEAMS = {"East": "华东", "Europe": "华北", "China": "华南"}


@pytest.fixture
def chinese_teams(settings, clock, tmp_path):
    text = TEST_ORG.read_text(encoding="utf-8")
    for team, name in CHINESE_TEAMS.items():
        text = text.replace(f"team: {team}\n", f"team: {name}\n")
    org_file = tmp_path / "org.yaml"
    org_file.write_text(text, encoding="utf-8")
    bot, engine = prepare(replace(settings, org_file=org_file), clock)
    chat = RecordingAdapter()
    bot.register(chat)
    yield bot, chat
    engine.dispose()


async def test_the_honour_roll_lists_chinese_teams_in_pinyin_order(chinese_teams, clock):
    bot, chat = chinese_teams
    await running_since(bot, clock, ago=timedelta(days=60))
    await november_kudos(bot)
    clock.set(DEC_1_9AM_NY)
    await kudo(bot, "li", "/honours 2026-11", group=False)
    roll = chat.last("li")
    assert roll.index("• 华北：Bruno Rossi") < roll.index("• 华东：Sam Lee") \
        < roll.index("• 华南：李雷"), roll
    await kudo(bot, "grace", "/honours 2026-11", group=False)
    roll = chat.last("grace")
    assert roll.index("• 华北: Bruno Rossi") < roll.index("• 华东: Sam Lee") \
        < roll.index("• 华南: 李雷"), roll


async def test_the_board_names_chinese_teams_in_pinyin_order(chinese_teams):
    bot, chat = chinese_teams
    await november_kudos(bot)
    await kudo(bot, "li", "/kudos top 团队 西区", group=False)
    assert "现有团队：华北、华东、华南。" in chat.last("li"), chat.last("li")
    await kudo(bot, "grace", "/kudos top team West", group=False)
    assert "Teams: 华北, 华东, 华南." in chat.last("grace"), chat.last("grace")


async def test_the_summary_names_chinese_teams_in_pinyin_order(chinese_teams):
    bot, chat = chinese_teams
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await kudo(bot, "grace", "/summary team 西区", group=False)
    assert "现有团队：华北、华东、华南。" in chat.last("grace"), chat.last("grace")

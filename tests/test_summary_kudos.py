"""Recognition in the GM's summary: kudos given and received per team, and each director's
team's activity, in the summary's weeks (issue 9 item 7)."""

from __future__ import annotations

import json
from datetime import timedelta

from tests.support import say
from tests.test_kudos import kudo
from tests.test_summary import run_cli


async def kudos_this_week(bot, clock):
    await bot.run_checkins()
    clock.advance(timedelta(days=-9))  # the Wednesday of last week: not in this week
    await kudo(bot, "bruno", "/kudos @li for the translation help")
    clock.advance(timedelta(days=9))
    await kudo(bot, "alice", "/kudos @sam @li for the joint pitch")  # East -> East, China
    await kudo(bot, "vera", "/kudos @alice for the quick turnaround")  # no team -> East


async def test_gm_sees_kudos_per_team_with_each_directors_team(bot, chat, clock):
    await kudos_this_week(bot, clock)
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    # The GM's view: each director's team's kudos in their block (question 2).
    blocks = {b.split("\n", 1)[0]: b for b in text.split("\n\n")}
    assert "kudos 0 given, 1 received" in blocks["李雷 · team China"]
    assert "kudos 2 given, 2 received" in blocks["Alice Martin · team East"]
    # last week's kudos are not this week's
    assert "kudos 0 given, 0 received" in blocks["Bruno Rossi · team Europe"]
    await say(bot, "grace", "/summary team East")  # the per-team detail as before
    assert "East (Alice Martin): 2 given by 1 person, 2 received by 2 people" in \
        chat.last("grace")


async def test_summary_without_kudos_has_no_recognition_section(bot, chat, clock):
    await bot.run_checkins()
    await say(bot, "grace", "/summary")
    assert "Recognition" not in chat.last("grace")
    assert "kudos 1" not in chat.last("grace")


async def test_chinese_gm_reads_kudos_per_team(bot, chat, clock):
    await kudos_this_week(bot, clock)
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "点赞 送出 2，收到 2" in text and "点赞 送出 0，收到 1" in text


async def test_team_summary_shows_only_that_teams_kudos(bot, chat, clock):
    await kudos_this_week(bot, clock)
    await say(bot, "grace", "/summary team china")
    text = chat.last("grace")
    assert "China (李雷): 0 given, 1 received by 1 person" in text
    assert "East (" not in text


async def test_several_weeks_add_up_kudos_per_team(bot, chat, clock):
    await kudos_this_week(bot, clock)
    await say(bot, "grace", "/summary last 2w")
    text = chat.last("grace")
    blocks = {b.split("\n", 1)[0]: b for b in text.split("\n\n")}
    assert "kudos 0 given, 2 received" in blocks["李雷 · team China"]
    assert "kudos 1 given, 0 received" in blocks["Bruno Rossi · team Europe"]


async def test_cli_json_carries_kudos_per_team(bot, chat, clock, settings, monkeypatch):
    await kudos_this_week(bot, clock)
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    code, raw = run_cli(settings, "summary", "--format", "json")
    assert code == 0
    teams = {d["team"]: d["team_management"] for d in json.loads(raw)["directors"]}
    assert (teams["East"]["kudos_given"], teams["East"]["kudos_received"]) == (2, 2)
    assert (teams["Europe"]["kudos_given"], teams["Europe"]["kudos_received"]) == (0, 0)
    code, raw = run_cli(settings, "summary", "--format", "json", "--team", "East")
    kudos = {t["team"]: t for t in json.loads(raw)["weeks"][0]["kudos"]}
    assert kudos["East"] == {"team": "East", "directors": ["Alice Martin"], "given": 2,
                             "received": 2, "givers": 1, "recipients": 2}

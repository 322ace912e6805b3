"""Kudos keep the teams of when they were given: someone moving team later (an org file
edit) does not rewrite past honour rolls, boards, summaries or the CLI's views."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from bot.core import TeamPulse
from tests.support import TEST_ORG, bot_on_org, csv_records, run_cli, say
from tests.test_honours import DEC_1_9AM_NY, with_honours_channel
from tests.test_kudos import kudo


def moved(tmp_path: Path, key: str, team: str) -> Path:
    """The test org file with one person moved to another team."""
    data = yaml.safe_load(TEST_ORG.read_text(encoding="utf-8"))
    for person in data["people"]:
        if person["key"] == key:
            person["team"] = team
    path = tmp_path / f"org-{key}-in-{team}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


async def november_in_east(bot: TeamPulse) -> None:
    """Sam (East) receives 2 kudos and gives 1 on Friday 27 November (2026-W48)."""
    await kudo(bot, "grace", "/kudos @sam for the Acme renewal")
    await kudo(bot, "alice", "/kudos @sam for the demo prep")
    await kudo(bot, "sam", "/kudos @li for the joint pitch deck")


async def test_the_november_roll_reads_the_same_after_sam_moves_to_europe(
        bot, chat, clock, tmp_path):
    with_honours_channel(bot)
    await november_in_east(bot)
    clock.set(DEC_1_9AM_NY)
    assert await bot.run_honours()
    posted = chat.last("honours")
    assert "• East: Sam Lee — 2 kudos" in posted
    assert "Team of the month: East — 2 kudos received" in posted
    clock.set(DEC_1_9AM_NY + timedelta(days=14))  # mid-December Sam moves to Europe
    with bot_on_org(bot.settings, clock, moved(tmp_path, "sam", "Europe")) as (later, chat, _):
        await kudo(later, "grace", "/honours 2026-11", group=False)
        roll = chat.last("grace")
        assert "• East: Sam Lee — 2 kudos" in roll
        assert "Europe" not in roll
        assert "Team of the month: East — 2 kudos received" in roll
        with later.unit() as ctx:
            ctx.people.by_key("grace").locale = "zh-CN"
        await kudo(later, "grace", "/honours 2026-11", group=False)
        assert "• East：Sam Lee —— 2 次" in chat.last("grace")
        assert "Europe" not in chat.last("grace")


async def test_last_months_team_board_counts_sam_for_east_where_he_was(
        bot, chat, clock, tmp_path):
    await november_in_east(bot)
    clock.set(DEC_1_9AM_NY + timedelta(days=14))
    with bot_on_org(bot.settings, clock, moved(tmp_path, "sam", "Europe")) as (later, chat, _):
        await kudo(later, "grace", "/kudos top last month team East", group=False)
        board = chat.last("grace")
        assert "1. Sam Lee — 2" in board
        await kudo(later, "grace", "/kudos top last month team Europe", group=False)
        assert "Sam Lee" not in chat.last("grace")
        # Kudos he gets in Europe count for Europe.
        await kudo(later, "bruno", "/kudos @sam for the Munich workshop")
        await kudo(later, "grace", "/kudos top team Europe", group=False)
        assert "1. Sam Lee — 1" in chat.last("grace")
        await kudo(later, "grace", "/kudos top team East", group=False)
        assert "Sam Lee" not in chat.last("grace")


async def test_a_past_weeks_summary_keeps_sams_kudos_in_east(bot, chat, clock, tmp_path):
    await bot.run_checkins()
    await november_in_east(bot)
    clock.set(DEC_1_9AM_NY + timedelta(days=14))
    with bot_on_org(bot.settings, clock, moved(tmp_path, "sam", "Europe")) as (later, chat, _):
        await say(later, "grace", "/summary 2026-W48")
        text = chat.last("grace")
        blocks = {b.split("\n", 1)[0]: b for b in text.split("\n\n")}
        # Alice's and Sam's kudos given, Sam's two received: East's, as that week.
        assert "kudos 2 given, 2 received" in blocks["Alice Martin · team East"]
        assert "kudos 0 given, 0 received" in blocks["Bruno Rossi · team Europe"]
        await say(later, "grace", "/summary team East 2026-W48")
        assert "East (Alice Martin): 2 given by 2 people, 2 received by 1 person" in \
            chat.last("grace")
        await say(later, "grace", "/summary team Europe 2026-W48")
        assert "Europe (" not in chat.last("grace")


async def test_the_cli_reads_the_teams_of_the_time(bot, chat, clock, tmp_path):
    await november_in_east(bot)
    with bot_on_org(bot.settings, clock, moved(tmp_path, "sam", "Europe")) as (_, _, settings):
        code, out = run_cli(settings, "kudos", "honours", "--period", "2026-11",
                            "--format", "json")
        assert code == 0
        teams = {t["team"]: t for t in json.loads(out)["teams"]}
        assert set(teams) == {"China", "East"}
        code, out = run_cli(settings, "kudos", "--since", "2026-11-01", "--until",
                            "2026-11-30", "--format", "csv")
        assert code == 0
        rows = csv_records(out)
        assert [(r["recipient"], r["recipient_team"]) for r in rows][:2] == [
            ("sam", "East"), ("sam", "East")]
        assert (rows[2]["giver"], rows[2]["giver_team"]) == ("sam", "East")


async def test_the_kudos_chart_counts_past_weeks_by_the_teams_of_the_time(
        bot, chat, clock, tmp_path):
    from storage.chart_data import kudos_per_team

    await november_in_east(bot)
    with bot_on_org(bot.settings, clock, moved(tmp_path, "sam", "Europe")) as (later, _, _), \
            later.unit() as ctx:
        counts = {c.team: (c.given, c.received) for c in kudos_per_team(
            ctx.session, datetime(2026, 11, 1, tzinfo=UTC),
            datetime(2026, 12, 1, tzinfo=UTC))}
    assert counts == {"East": (2, 2), "China": (0, 1), None: (1, 0)}


def renamed(tmp_path: Path, old: str, new: str) -> Path:
    """The test org file with a team renamed: the old name is in no one's team any more."""
    data = yaml.safe_load(TEST_ORG.read_text(encoding="utf-8"))
    for person in data["people"]:
        if person.get("team") == old:
            person["team"] = new
    path = tmp_path / f"org-{old}-now-{new}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


async def test_the_cli_board_of_november_names_sam_under_east_where_it_counted_him(
        bot, chat, clock, tmp_path, monkeypatch):
    """`teampulse kudos top` gave each person's team of today: November's board of East
    listed Sam, counted for East, as "Europe"."""
    await november_in_east(bot)
    clock.set(DEC_1_9AM_NY + timedelta(days=14))
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    with bot_on_org(bot.settings, clock, moved(tmp_path, "sam", "Europe")) as (
            later, _, settings):
        for team in (("--team", "East"), ()):
            code, out = run_cli(settings, "kudos", "top", "--period", "last-month", *team,
                                "--format", "json")
            assert code == 0
            board = json.loads(out)
            first = board["received"][0]
            assert (first["person"], first["team"]) == ("sam", "East")
            assert ("sam", "East") in [(p["person"], p["team"]) for p in board["given"]]
        code, out = run_cli(settings, "kudos", "top", "--period", "last-month", "--team",
                            "East", "--format", "csv")
        assert code == 0
        assert {(r["board"], r["person"], r["team"]) for r in csv_records(out)
                if r["person"] == "sam"} == {("received", "sam", "East"),
                                             ("given", "sam", "East")}
        for locale, line in (("en", "Sam Lee (East)"), ("zh-CN", "Sam Lee（East）")):
            code, out = run_cli(settings, "kudos", "top", "--period", "last-month",
                                "--locale", locale)
            assert code == 0 and line in out and "Europe" not in out
        # Kudos he gets in Europe put him on this month's board under Europe.
        await kudo(later, "bruno", "/kudos @sam for the Munich workshop")
        code, out = run_cli(settings, "kudos", "top", "--format", "json")
        assert [(p["person"], p["team"]) for p in json.loads(out)["received"]] == [
            ("sam", "Europe")]


async def test_a_renamed_teams_past_board_is_still_asked_for_by_its_old_name(
        bot, chat, clock, tmp_path, monkeypatch):
    """`/kudos top last month team East` was refused once East was renamed in the org file,
    though November's kudos are stored with East."""
    await november_in_east(bot)
    clock.set(DEC_1_9AM_NY + timedelta(days=14))
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    org = renamed(tmp_path, "East", "Americas")
    with bot_on_org(bot.settings, clock, org) as (later, chat, settings):
        await kudo(later, "grace", "/kudos top last month team East", group=False)
        assert "1. Sam Lee — 2" in chat.last("grace")
        await kudo(later, "grace", "/kudos top last month team east", group=False)
        assert "1. Sam Lee — 2" in chat.last("grace")
        # This month East has no kudos: no such team, and the refusal says which there are.
        await kudo(later, "grace", "/kudos top team East", group=False)
        refusal = chat.last("grace")
        assert refusal.startswith("There is no team") and "Americas" in refusal
        assert "No longer in the org" not in refusal
        # A name no team ever had, for last month: East is offered as one of its past.
        await kudo(later, "grace", "/kudos top team Mars last month", group=False)
        refusal = chat.last("grace")
        assert "Teams: Americas, China, Europe." in refusal
        assert "No longer in the org, with kudos in that period: East." in refusal
        with later.unit() as ctx:
            ctx.people.by_key("grace").locale = "zh-CN"
        await kudo(later, "grace", "/kudos top team Mars last month", group=False)
        assert "已不在组织中、但该时段有点赞的团队：East。" in chat.last("grace")
        # The command line reads it the same way.
        code, out = run_cli(settings, "kudos", "top", "--period", "last-month", "--team",
                            "East", "--format", "json")
        assert code == 0
        board = json.loads(out)
        assert board["team"] == "East"
        assert [(p["person"], p["team"], p["count"]) for p in board["received"]] == [
            ("sam", "East", 2)]
        code, _ = run_cli(settings, "kudos", "top", "--team", "East")
        assert code == 2


async def test_sams_export_holds_the_teams_stored_with_his_kudos(bot, chat, clock, tmp_path):
    """`teampulse export sam` left out the teams his kudos keep of him (East, in November),
    though they are stored about him; after his move his profile says Europe."""
    await november_in_east(bot)
    with bot_on_org(bot.settings, clock, moved(tmp_path, "sam", "Europe")) as (later, _, settings):
        await kudo(later, "grace", "/kudos top", group=False)  # the org file is read in
        code, out = run_cli(settings, "export", "sam")
        assert code == 0
        data = json.loads(out)
        assert data["person"]["team"] == "Europe"
        assert [(k["giver"], k["giver_team"], k["recipient_team"])
                for k in data["kudos"]["received"]] == [("grace", None, "East"),
                                                         ("alice", "East", "East")]
        assert [(k["recipient"], k["giver_team"], k["recipient_team"])
                for k in data["kudos"]["given"]] == [("li", "East", "China")]
        # Erased, the counts keep their teams (a team's past reads as before); his name goes.
        code, out = run_cli(settings, "erase", "sam", "--yes")
        assert code == 0 and "the counts stay, with the teams of when each was given" in out


async def test_someone_who_moved_mid_month_is_shown_with_both_teams_on_the_board(
        bot, chat, clock, tmp_path, monkeypatch):
    """Sam got 2 kudos in East, moved to Europe, got 1 there, all in November: the unfiltered
    board said "Sam Lee (Europe) — 3" (JSON `"team": "Europe", "count": 3`), as if all three
    were Europe's, while `team East` ranks him with 2. Every form now names both teams with
    their counts; `team` stays the one he moved to."""
    await november_in_east(bot)
    clock.set(clock.now() + timedelta(days=1))  # Saturday 28 November
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    with bot_on_org(bot.settings, clock, moved(tmp_path, "sam", "Europe")) as (
            later, _, settings):
        await kudo(later, "bruno", "/kudos @sam for the Munich workshop")
        code, out = run_cli(settings, "kudos", "top", "--format", "json")
        assert code == 0
        first = json.loads(out)["received"][0]
        assert (first["person"], first["team"], first["count"]) == ("sam", "Europe", 3)
        assert first["teams"] == [{"team": "East", "count": 2}, {"team": "Europe", "count": 1}]
        code, out = run_cli(settings, "kudos", "top", "--format", "csv")
        assert code == 0
        [row] = [r for r in csv_records(out) if r["board"] == "received" and r["person"] == "sam"]
        assert (row["team"], row["count"], row["teams"]) == ("Europe", "3", "East: 2; Europe: 1")
        for locale, line in (("en", "Sam Lee (East 2, Europe 1) — 3"),
                             ("zh-CN", "Sam Lee（East 2 次，Europe 1 次） —— 3 次")):
            code, out = run_cli(settings, "kudos", "top", "--locale", locale)
            assert code == 0 and line in out, out
        # Someone who stayed reads as before: one team, in brackets.
        code, out = run_cli(settings, "kudos", "top")
        assert "Grace Chen — 1" in out and "李雷 (China) — 1" in out
        code, out = run_cli(settings, "kudos", "top", "--team", "East", "--format", "json")
        first = json.loads(out)["received"][0]
        assert (first["team"], first["count"], first["teams"]) == (
            "East", 2, [{"team": "East", "count": 2}])

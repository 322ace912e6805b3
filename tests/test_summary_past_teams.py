"""A GM looking back at a past week names a team as it was then: East, renamed "Americas
East" in the org file since (or closed), is still what November's rounds and kudos were
stored with, and `/summary team East 2026-W48`, its chart and `teampulse summary` read it.
"""

from __future__ import annotations

from datetime import timedelta

from tests.support import bot_on_org, run_cli, say
from tests.test_charts import images
from tests.test_honours import DEC_1_9AM_NY
from tests.test_kudos_team_moves import november_in_east, renamed


async def test_a_renamed_teams_past_week_is_asked_for_by_the_name_it_had(
        bot, chat, clock, tmp_path):
    """`/summary team East 2026-W48` after East became "Americas East" left out East's
    kudos (read by today's spelling of the team): the recognition line was missing."""
    await bot.run_checkins()
    await november_in_east(bot)
    clock.set(DEC_1_9AM_NY + timedelta(days=14))
    org = renamed(tmp_path, "East", "Americas East")
    with bot_on_org(bot.settings, clock, org) as (later, chat, _):
        await say(later, "grace", "/summary team East 2026-W48")
        text = chat.last("grace")
        assert "Alice Martin" in text and "Sam Lee" in text
        # Named with who led East that week (its rounds say so), not today's nobody.
        assert "East (Alice Martin): 2 given by 2 people, 2 received by 1 person" in text
        await say(later, "grace", "/summary team east 2026-W48")
        assert "East (Alice Martin): 2 given by 2 people" in chat.last("grace")
        with later.unit() as ctx:
            ctx.people.by_key("grace").locale = "zh-CN"
        await say(later, "grace", "/summary team East 2026-W48")
        assert "East（Alice Martin）：送出 2 次" in chat.last("grace")
        with later.unit() as ctx:
            ctx.people.by_key("grace").locale = "en"
        # Today's name reads today's week as before; this week East is nobody's team.
        await say(later, "grace", "/summary team Americas East")
        assert not chat.last("grace").startswith("There is no team")
        await say(later, "grace", "/summary team East")
        assert chat.last("grace") == (
            'There is no team called "East". Teams: Americas East, China, Europe. East is '
            "no longer in the org; its last week: /summary team East 2026-W48.")
        await say(later, "grace", "/summary chart team east last 1w")
        assert chat.last("grace").endswith(
            "East is no longer in the org; its last week: /summary chart team East 2026-W48.")
        with later.unit() as ctx:
            ctx.people.by_key("grace").locale = "zh-CN"
        await say(later, "grace", "/summary team East")
        assert chat.last("grace") == (
            "没有名为“East”的团队。现有团队：Americas East、China、Europe。"
            "East 已不在组织中，最后一周：/summary team East 2026-W48。")


async def test_a_team_with_only_kudos_in_a_past_week_is_found(bot, chat, clock, tmp_path):
    """A week East had kudos but no check-in rounds (the check-in was never sent) was
    refused outright once East was renamed: "There is no team called "East"."."""
    await november_in_east(bot)
    clock.set(DEC_1_9AM_NY + timedelta(days=14))
    org = renamed(tmp_path, "East", "Americas East")
    with bot_on_org(bot.settings, clock, org) as (later, chat, _):
        await say(later, "grace", "/summary team East 2026-W48")
        text = chat.last("grace")
        assert not text.startswith("There is no team")
        # No round that week, but Alice's kudos of that week was stored with East: she
        # led East then.
        assert "East (Alice Martin): 2 given by 2 people, 2 received by 1 person" in text


async def test_no_such_team_offers_the_weeks_past_teams_in_both_languages(
        bot, chat, clock, tmp_path):
    await bot.run_checkins()
    await november_in_east(bot)
    clock.set(DEC_1_9AM_NY + timedelta(days=14))
    org = renamed(tmp_path, "East", "Americas East")
    with bot_on_org(bot.settings, clock, org) as (later, chat, _):
        await say(later, "grace", "/summary team Eastt 2026-W48")
        assert chat.last("grace") == (
            'There is no team called "Eastt". Teams: Americas East, China, Europe. '
            "No longer in the org, with check-ins or kudos in those weeks: East.")
        with later.unit() as ctx:
            ctx.people.by_key("grace").locale = "zh-CN"
        await say(later, "grace", "/summary team Eastt 2026-W48")
        assert chat.last("grace") == (
            "没有名为“Eastt”的团队。现有团队：Americas East、China、Europe。"
            "已不在组织中、但这几周有签到或点赞的团队：East。")


async def test_the_chart_of_a_renamed_team_is_drawn_for_its_past_weeks(
        bot, chat, clock, tmp_path):
    """`/summary chart kudos team East 2026-W48` was refused: "There is no team called
    "East"", though East's kudos of that week are stored with it."""
    await bot.run_checkins()
    await november_in_east(bot)
    clock.set(DEC_1_9AM_NY + timedelta(days=14))
    org = renamed(tmp_path, "East", "Americas East")
    with bot_on_org(bot.settings, clock, org) as (later, chat, _):
        for kind in ("kudos", "attainment"):
            await say(later, "grace", f"/summary chart {kind} team East 2026-W48")
            [image] = images(chat, "grace")
            assert "team East" in image.text, image.text
            chat.clear()
        await say(later, "grace", "/summary chart kudos team Mars 2026-W48")
        assert chat.last("grace") == (
            'There is no team called "Mars". Teams: Americas East, China, Europe. '
            "No longer in the org, with check-ins or kudos in those weeks: East.")


async def test_the_command_line_reads_a_renamed_teams_past_week(
        bot, chat, clock, tmp_path, capsys, monkeypatch):
    await bot.run_checkins()
    await november_in_east(bot)
    clock.set(DEC_1_9AM_NY + timedelta(days=14))
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    org = renamed(tmp_path, "East", "Americas East")
    with bot_on_org(bot.settings, clock, org) as (_, _, settings):
        code, out = run_cli(settings, "summary", "--team", "East", "--week", "2026-W48")
        assert code == 0 and "East (Alice Martin): 2 given by 2 people" in out
        code, _ = run_cli(settings, "summary", "--chart", "kudos", "--team", "East",
                          "--week", "2026-W48", "--out", str(tmp_path / "k.png"))
        assert code == 0 and (tmp_path / "k.png").stat().st_size > 0
        capsys.readouterr()
        code, _ = run_cli(settings, "summary", "--team", "Mars", "--week", "2026-W48")
        assert code == 2
        assert capsys.readouterr().err.strip() == (
            "teampulse: no team 'Mars' in the org (teams: Americas East, China, Europe; "
            "no longer in the org, with check-ins or kudos in those weeks: East)")
        # This week East is nobody's team: refused, today's teams named.
        code, _ = run_cli(settings, "summary", "--chart", "kudos", "--team", "East",
                          "--weeks", "1", "--out", str(tmp_path / "now.png"))
        assert code == 2
        assert capsys.readouterr().err.strip() == (
            "teampulse: no team 'East' in the org (teams: Americas East, China, Europe); "
            "East is no longer in the org, its last week: --week 2026-W48")


async def east_away_then_emptied(bot, clock, settings, tmp_path):
    """Alice (East's director) checks in in 2026-W47 and is away when 2026-W48's check-ins
    go out (so W48 has no round of hers); after that week East is emptied: Alice and Sam
    move to Europe. The org file of after the move."""
    from datetime import UTC, datetime

    from tests.test_checkin import ALICE_ANSWERS, answer_all
    from tests.test_summary_truth import _with_roles

    clock.set(datetime(2026, 11, 20, 21, 0, tzinfo=UTC))
    await bot.run_checkins()
    await answer_all(bot, "alice", ALICE_ANSWERS)
    clock.set(datetime(2026, 11, 26, 10, 0, tzinfo=UTC))
    await say(bot, "alice", "/away 2026-11-29")
    clock.set(datetime(2026, 11, 27, 21, 0, tzinfo=UTC))
    assert (await bot.run_checkins()).results["alice"] == "away"
    clock.set(datetime(2026, 11, 30, 14, 0, tzinfo=UTC))
    return _with_roles(tmp_path, {"alice": {"team": "Europe"}, "sam": {"team": "Europe"}},
                       "east-emptied.yaml")


async def test_a_team_emptied_by_a_move_reads_its_week_with_its_director_away(
        bot, chat, clock, settings, tmp_path, monkeypatch):
    """East's 2026-W48 had only Alice, away (no round that week). Once everyone in East
    moved to Europe, `/summary team East 2026-W48` was refused ("East is no longer in the
    org; its last week: … 2026-W47"), and Alice was in neither East's week nor Europe's:
    the GM could not read East's week as it was."""
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    emptied = await east_away_then_emptied(bot, clock, settings, tmp_path)
    with bot_on_org(bot.settings, clock, emptied) as (later, chat, settings):
        await say(later, "grace", "/summary team East 2026-W48")
        text = chat.last("grace")
        assert text.startswith("Weekly summary — Test Sales · team East"), text
        assert "🌴 Alice Martin — away until 2026-11-29" in text
        await say(later, "grace", "/summary team Europe 2026-W48")
        assert "Alice Martin" not in chat.last("grace")  # she was in East that week
        with later.unit() as ctx:
            ctx.people.by_key("grace").locale = "zh-CN"
        await say(later, "grace", "/summary team East 2026-W48")
        assert "🌴 Alice Martin — 外出至 2026-11-29" in chat.last("grace")
        # This week East is nobody's team: refused, naming W48 as its last week.
        await say(later, "grace", "/summary team East 2026-W49")
        assert chat.last("grace") == (
            "没有名为“East”的团队。现有团队：China、Europe。"
            "East 已不在组织中，最后一周：/summary team East 2026-W48。")
        code, out = run_cli(settings, "summary", "--team", "East", "--week", "2026-W48")
        assert code == 0 and "Alice Martin — away until 2026-11-29" in out

"""A team written in two letter cases in the org file (`team: East` for Alice, `EAST` for
Sam) is one team for kudos: the honour roll's team of the month and its per-team lines,
and the GM's summary's kudos per team, count it once, named as the file first writes it;
kudos stored under both spellings before read as one team too."""

from __future__ import annotations

from bot.core import TeamPulse
from tests.support import bot_on_org
from tests.test_honours import DEC_1_9AM_NY
from tests.test_kudos import kudo
from tests.test_kudos_team_moves import moved


async def november(bot: TeamPulse) -> None:
    """Sam (`EAST`) receives 2 kudos, Alice (`East`) 1, Bruno (Europe) 2."""
    await kudo(bot, "grace", "/kudos @sam for the Acme renewal")
    await kudo(bot, "li", "/kudos @sam for the demo prep")
    await kudo(bot, "grace", "/kudos @alice for the forecast")
    await kudo(bot, "grace", "/kudos @bruno for the contract")
    await kudo(bot, "li", "/kudos @bruno for the translation")


async def test_the_honour_roll_counts_east_once(bot, clock, tmp_path):
    with bot_on_org(bot.settings, clock, moved(tmp_path, "sam", "EAST")) as (case, chat, _):
        await november(case)
        clock.set(DEC_1_9AM_NY)
        await kudo(case, "grace", "/honours 2026-11", group=False)
        roll = chat.last("grace")
        # East's three, not EAST's two tied with Europe's two.
        assert "Team of the month: East — 3 kudos received" in roll, roll
        assert "• East: Sam Lee — 2 kudos" in roll, roll
        assert "EAST" not in roll, roll


async def test_the_gm_summary_counts_east_kudos_once(bot, clock, tmp_path):
    with bot_on_org(bot.settings, clock, moved(tmp_path, "sam", "EAST")) as (case, chat, _):
        await november(case)
        clock.set(DEC_1_9AM_NY)  # the summary of 2026-W48, the kudos' week
        await kudo(case, "grace", "/summary team east", group=False)
        text = chat.last("grace")
        assert "• East (Alice Martin): 0 given, 3 received by 2 people" in text, text
        assert "EAST" not in text, text
        await kudo(case, "grace", "/summary", group=False)
        text = chat.last("grace")
        assert "Alice Martin · team East" in text, text
        assert "kudos 0 given, 3 received" in text, text
        assert "EAST" not in text, text


async def test_the_cli_board_reads_a_team_rewritten_in_capitals_as_no_move(
        bot, clock, tmp_path, monkeypatch):
    """Sam's two November kudos were kept as East's; the org file then wrote his team
    `EAST` (Alice's stays `East`), and a third came. The operator's board split him as a
    move, 'Sam Lee (East 2, EAST 1)'; it is one team: 'Sam Lee (East) — 3'."""
    import json

    from tests.support import run_cli
    from tests.test_kudos_team_moves import november_in_east

    await november_in_east(bot)
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    with bot_on_org(bot.settings, clock, moved(tmp_path, "sam", "EAST")) as (case, _, settings):
        await kudo(case, "li", "/kudos @sam for the demo")
        code, md = run_cli(settings, "kudos", "top")
        assert code == 0, md
        assert "Sam Lee (East) — 3" in md, md
        assert "EAST" not in md, md
        code, out = run_cli(settings, "kudos", "top", "--format", "json")
        assert code == 0, out
        [sam] = [p for p in json.loads(out)["received"] if p["person"] == "sam"]
        assert (sam["team"], sam["teams"]) == ("East", [{"team": "East", "count": 3}]), sam


async def test_the_boards_name_east_once(bot, clock, tmp_path, monkeypatch, capsys):
    """With Sam written `EAST` and Alice `East`, the operator's `kudos top --team east`
    was titled and exported as team `EAST` (the first of the two sorted), and a team not
    found listed both, 'Teams: China, EAST, East, …': East, once, as the file first
    writes it."""
    import json

    from tests.support import run_cli

    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    with bot_on_org(bot.settings, clock, moved(tmp_path, "sam", "EAST")) as (case, chat,
                                                                           settings):
        await november(case)
        code, out = run_cli(settings, "kudos", "top", "--team", "east", "--format", "json")
        assert code == 0, out
        assert json.loads(out)["team"] == "East", out
        capsys.readouterr()
        code, _ = run_cli(settings, "kudos", "top", "--team", "Mars")
        said = capsys.readouterr().err
        assert code != 0 and "East" in said and "EAST" not in said, said
        await kudo(case, "grace", "/kudos top team Mars", group=False)
        text = chat.last("grace")
        assert "East" in text and "EAST" not in text, text
        await kudo(case, "grace", "/kudos top team east", group=False)
        text = chat.last("grace")
        assert "team East" in text and "EAST" not in text, text

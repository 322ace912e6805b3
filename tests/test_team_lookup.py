"""A team named in `/summary chart … team X` (and the chart CLI's --team) and in `/kudos top
team X` is found by the rule every view names teams by: any letter case, named as the
org file first writes it (bot.org.team_spellings). Here the file writes Alice's team
`EAST` first and Sam's `East`: the chart took the one that sorts last of the spellings
stored (`East`), so its title named a team the summary names `EAST`, and a kudos chart
of the team drew its two spellings as two bars. A team that is none gets a clear refusal
with the team meant, in English and in Chinese."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import bot_on_org, run_cli
from tests.test_charts import charts_drawn
from tests.test_honours import DEC_1_9AM_NY
from tests.test_kudos import kudo
from tests.test_kudos_team_case import november
from tests.test_kudos_team_moves import moved


def east_first(tmp_path: Path) -> Path:
    """The test org file with Alice (a director, listed before Sam) written `EAST`."""
    return moved(tmp_path, "alice", "EAST")


@pytest.mark.parametrize("typed", ["east", "East", "EAST"])
async def test_the_gm_s_kudos_chart_of_a_team_names_it_as_the_file_first_writes_it(
        bot, clock, tmp_path, monkeypatch, typed):
    drawn = charts_drawn(monkeypatch)
    with bot_on_org(bot.settings, clock, east_first(tmp_path)) as (case, chat, _):
        await november(case)  # Sam (`East`) 2 kudos, Alice (`EAST`) 1, Bruno 2
        await kudo(case, "sam", "/kudos @alice for the handover")
        clock.set(DEC_1_9AM_NY)  # the chart's last week is the kudos' (2026-W48)
        await kudo(case, "grace", f"/summary chart kudos team {typed}", group=False)
        data = drawn[-1]
        assert "team EAST" in data.title, data.title
        # One bar, EAST's: Sam's and Alice's kudos under one team.
        assert data.bars == [("EAST", 1, 4)], data.bars
        caption = chat.last("grace")
        assert "team EAST" in caption and "East" not in caption, caption


async def test_the_operator_s_chart_of_a_team_names_it_as_the_file_first_writes_it(
        bot, clock, tmp_path, monkeypatch, capsys):
    drawn = charts_drawn(monkeypatch)
    monkeypatch.setattr("bot.clock.SystemClock.now", lambda self: clock.now())
    with bot_on_org(bot.settings, clock, east_first(tmp_path)) as (case, _, settings):
        await november(case)
        clock.set(DEC_1_9AM_NY)
        out = tmp_path / "east.png"
        code, said = run_cli(settings, "summary", "--chart", "kudos", "--team", "east",
                             "--out", str(out))
        assert code == 0, said
        assert "team EAST" in drawn[-1].title, drawn[-1].title
        assert drawn[-1].bars == [("EAST", 0, 3)], drawn[-1].bars
        capsys.readouterr()
        code, _ = run_cli(settings, "summary", "--chart", "kudos", "--team", "Eats",
                          "--out", str(out))
        err = capsys.readouterr().err
        assert code == 2 and "no team 'Eats'" in err and "did you mean 'EAST'?" in err, err
        # The summary's and the kudos board's --team likewise, each team once.
        for command in (("summary", "--team", "Eats"), ("kudos", "top", "--team", "Eats")):
            code, _ = run_cli(settings, *command)
            err = capsys.readouterr().err
            assert code == 2 and "did you mean 'EAST'?" in err, (command, err)
            assert "East" not in err, (command, err)


async def test_the_kudos_board_of_a_team_names_it_as_the_file_first_writes_it(
        bot, clock, tmp_path):
    with bot_on_org(bot.settings, clock, east_first(tmp_path)) as (case, chat, _):
        await november(case)
        for typed in ("east", "East", "EAST"):
            await kudo(case, "grace", f"/kudos top team {typed}", group=False)
            text = chat.last("grace")
            assert "team EAST" in text and "East" not in text, (typed, text)
            assert "Sam Lee" in text and "Alice Martin" in text, (typed, text)


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
async def test_a_team_that_is_none_is_refused_with_the_team_meant(bot, clock, tmp_path,
                                                                   locale):
    with bot_on_org(bot.settings, clock, east_first(tmp_path)) as (case, chat, _):
        await november(case)
        with case.unit() as ctx:
            ctx.people.by_key("grace").locale = locale
        said = {"chart": "/summary chart kudos team Eats", "kudos": "/kudos top team Eats",
                "summary": "/summary team Eats"}
        for what, typed in said.items():
            await kudo(case, "grace", typed, group=False)
            text = chat.last("grace")
            if locale == "en":
                assert "There is no team" in text and "Eats" in text, text
                assert "Did you mean EAST (" in text, text
            else:
                assert "没有名为" in text and "Eats" in text, text
                assert "你是指 EAST（" in text, text
            command = {"chart": "/summary chart team EAST", "kudos": "/kudos top team EAST",
                       "summary": "/summary team EAST"}[what]
            assert command in text, (what, text)
            assert "East" not in text.replace("Eats", ""), (what, text)

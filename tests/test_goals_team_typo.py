"""A team mistyped in `/goals team Est` and `teampulse goals team Est` (and in a poll's
results, `/pulse results team Est`, `teampulse pulse results --team Est`, and in the
operator's `checkin send --team Est`): the summary named the team meant (`Did you mean
East …?`), these only listed the teams. They now name it, by the same rule as the summary
(bot.org.team_guess), in English and in Chinese in the chat, and /goals names the person
close to a mistyped name as /summary does; a name close to nobody is refused as before,
with no guess."""

from __future__ import annotations

import pytest

from tests.support import run_cli, say
from tests.test_cli_views import FORMULA_ORG, fbot, fsettings  # noqa: F401 (fixtures)
from tests.test_goals import GOALS, goals_bot  # noqa: F401 (the fixture)


@pytest.mark.parametrize("typed", ["team Est", "team eats", "Est"])
def test_the_operator_is_told_the_team_meant(fsettings, capsys, typed):  # noqa: F811
    code, out = run_cli(fsettings, "goals", *typed.split())
    err = capsys.readouterr().err
    assert code == 2 and out == "", out
    assert err.startswith(f"teampulse: no person or team {typed.split()[-1]!r} in the org "
                          "(did you mean 'team East'?) (give a person's key, or team NAME; "
                          "teams: "), err
    # As `summary --team` names it.
    run_cli(fsettings, "summary", "--team", "Est")
    assert "(did you mean 'East'?)" in capsys.readouterr().err
    # The team suggested is one the command takes.
    code, md = run_cli(fsettings, "goals", "team", "East")
    assert code == 0 and "East" in md, md


def test_a_name_close_to_no_team_gets_no_guess(fsettings, capsys):  # noqa: F811
    assert FORMULA_ORG and run_cli(fsettings, "goals", "team", "Mars")[0] == 2
    err = capsys.readouterr().err
    assert "no person or team 'Mars' in the org (give" in err and "did you mean" not in err


@pytest.mark.parametrize(("locale", "expected"), [
    ("en", "I don't know Est. Did you mean East (/goals team East)? Otherwise, give a "
           "person's key or name, or a team ("),
    ("zh-CN", "找不到 Est。你是指 East（/goals team East）吗？"
              "否则请给出某人的 key 或姓名，或团队名（"),
])
async def test_the_gm_is_told_the_team_meant_in_her_language(goals_bot, chat,  # noqa: F811
                                                             locale, expected):
    assert GOALS
    with goals_bot.unit() as ctx:
        ctx.people.by_key("grace").locale = locale
    await say(goals_bot, "grace", "/goals team Est")
    assert chat.last("grace").startswith(expected), chat.last("grace")
    await say(goals_bot, "grace", "/goals team nowhere")
    said = chat.last("grace")
    assert "nowhere" in said and "East (/goals team East)" not in said, said


def test_the_operator_s_poll_results_name_the_team_meant_too(fsettings, capsys):  # noqa: F811
    """`teampulse pulse results --team Est` only listed the teams, as goals did."""
    code, _ = run_cli(fsettings, "pulse", "results", "--team", "Est")
    err = capsys.readouterr().err
    assert code == 2 and err.startswith(
        "teampulse: no team called 'Est' (did you mean 'East'?) (teams: "), err
    run_cli(fsettings, "pulse", "results", "--team", "Mars")
    assert "did you mean" not in capsys.readouterr().err


def test_the_operator_s_checkin_send_names_the_team_meant_too(fsettings, capsys):  # noqa: F811
    """`teampulse checkin send --team Est` only listed the teams, where `/checkin send team
    Est` in the chat names East; nothing is sent either way."""
    code, _ = run_cli(fsettings, "checkin", "send", "--team", "Est", "--wait", "0")
    err = capsys.readouterr().err
    assert code == 2 and err == ("teampulse: no team 'Est' in the org (did you mean 'East'?) "
                                 "(teams: China, East, Europe)\n"), err
    run_cli(fsettings, "checkin", "send", "--team", "Mars", "--wait", "0")
    assert "did you mean" not in capsys.readouterr().err


@pytest.mark.parametrize(("locale", "expected"), [
    ("en", "I don't know alcie. Did you mean Alice Martin (/goals alice)? Otherwise, give a "
           "person's key or name"),
    ("zh-CN", "找不到 alcie。你是指 Alice Martin（/goals alice）吗？否则请给出某人的 key 或姓名"),
])
async def test_a_mistyped_person_is_answered_with_who_was_meant(goals_bot, chat,  # noqa: F811
                                                                locale, expected):
    """`/summary alcie` names Alice Martin; `/goals alcie` only said "I don't know"."""
    with goals_bot.unit() as ctx:
        ctx.people.by_key("grace").locale = locale
    await say(goals_bot, "grace", "/goals alcie")
    assert chat.last("grace").startswith(expected), chat.last("grace")
    await say(goals_bot, "grace", "/goals Est")  # a team's name without 'team'
    said = {"en": "Did you mean East (/goals team East)?", "zh-CN": "你是指 East（/goals team "
            "East）吗？"}[locale]
    assert said in chat.last("grace"), chat.last("grace")
    await say(goals_bot, "grace", "/goals team alcie")  # a team is asked for: no person
    assert "Alice Martin" not in chat.last("grace"), chat.last("grace")

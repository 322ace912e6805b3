"""A mistyped person on the command line gets the "did you mean" chat gives.

`/summary alcie` and `/goals alcie` in chat name who is close ("Did you mean Alice Martin
(/summary alice)?"); `teampulse summary --person alcie`, `teampulse goals alcie` and
`teampulse review alcie` only said there was no such person, and the operator was left to
look the key up in the org file. They now name the same people, found by the same rule
(bot.suggest.closest_people, the org file's aliases included), with what to type, and
exit 2 as for any other bad argument. `teampulse goals team` with the team's name left
out read "team" as a person's name; it now says to give the team's name.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.support import TEST_ORG, bot_on_org, run_cli, say


@pytest.fixture
def aliased(settings: Any, clock: Any,
            tmp_path: Path) -> Iterator[tuple[Any, Any, Any]]:
    """The test org with 李雷 also known as "Li Lei" (an alias in the org file)."""
    path = tmp_path / "org.yaml"
    path.write_text(TEST_ORG.read_text(encoding="utf-8").replace(
        "    name: 李雷\n", "    name: 李雷\n    aliases: [Li Lei]\n"), encoding="utf-8")
    with bot_on_org(settings, clock, path) as made:
        yield made


@pytest.mark.parametrize(("typed", "key", "name"), [
    ("alcie", "alice", "Alice Martin"),  # two letters swapped
    ("Alice Martn", "alice", "Alice Martin"),  # a letter left out of the name
    ("lilei", "li", "李雷"),  # close to his alias, not to 李雷 or li
])
async def test_summary_of_a_mistyped_person_names_whom_chat_names(aliased, capsys, typed,
                                                                  key, name):
    bot, chat, settings = aliased
    assert run_cli(settings, "summary", "--person", typed) == (2, "")
    assert capsys.readouterr().err == (
        f"teampulse: no person {typed!r} in the org (did you mean {key!r} ({name})?)\n")
    # The person chat names for the same slip.
    await say(bot, "grace", f"/summary {typed}")
    assert f"Did you mean {name} (/summary {key})?" in chat.last("grace")
    # And what it says to type is taken.
    code, out = run_cli(settings, "summary", "--person", key)
    assert code == 0 and name in out, capsys.readouterr().err


@pytest.mark.parametrize("args", [("summary", "--person", "Zoltan"), ("goals", "Zoltan"),
                                  ("review", "Zoltan")])
def test_a_name_close_to_nobody_gets_no_guess(bot, settings, capsys, args):
    assert run_cli(settings, *args) == (2, "")
    err = capsys.readouterr().err
    assert err.startswith("teampulse: no person ") and "'Zoltan' in the org" in err, err
    assert "did you mean" not in err


async def test_goals_of_a_mistyped_person_names_whom_chat_names(bot, chat, settings, capsys):
    assert run_cli(settings, "goals", "alcie") == (2, "")
    assert capsys.readouterr().err == (
        "teampulse: no person or team 'alcie' in the org (did you mean 'alice' (Alice "
        "Martin)?) (give a person's key, or team NAME; teams: China, East, Europe)\n")
    await say(bot, "grace", "/goals alcie")
    assert "Did you mean Alice Martin (/goals alice)?" in chat.last("grace")
    # A team asked for is never answered with a person.
    assert run_cli(settings, "goals", "team", "alcie") == (2, "")
    assert "did you mean" not in capsys.readouterr().err


async def test_review_of_a_mistyped_director_names_the_director(bot, settings, capsys):
    await say(bot, "grace", "/review start bruno")
    await say(bot, "grace", "/review close bruno")
    assert run_cli(settings, "review", "Bruno Rosi") == (2, "")
    assert capsys.readouterr().err == (
        "teampulse: no person 'Bruno Rosi' in the org (did you mean 'bruno' (Bruno Rossi)?) "
        "(give the director's key, or their name as the org file writes it)\n")
    code, out = run_cli(settings, "review", "bruno")
    assert code == 0 and out.startswith("# 🔄 360° review — Bruno Rossi")
    # Not someone no review can be of: Sam Lee is no director ("Sma" is close to sam).
    assert run_cli(settings, "review", "Sma") == (2, "")
    assert "did you mean" not in capsys.readouterr().err


async def test_chat_review_of_a_mistyped_director_names_whom_the_command_line_names(
        bot, chat, settings, capsys):
    """`/review report Bruno Rosi` (the GM's slip) was only told Bruno Rosi is no director,
    where `teampulse review 'Bruno Rosi'` names Bruno Rossi: chat now names him too, by
    the one rule (handlers.people_named.person_guesses), worded as /summary's guesses."""
    await say(bot, "grace", "/review start bruno")
    await say(bot, "grace", "/review close bruno")
    await say(bot, "grace", "/review report Bruno Rosi")
    assert chat.last("grace") == (
        "Bruno Rosi is not a director in the org file. Did you mean Bruno Rossi (/review "
        "report bruno)? A 360° review is of a director, for example /review report alice.")
    assert run_cli(settings, "review", "Bruno Rosi") == (2, "")
    assert "(did you mean 'bruno' (Bruno Rossi)?)" in capsys.readouterr().err
    # What it says to type is taken: the report.
    await say(bot, "grace", "/review report bruno")
    assert "Bruno Rossi" in chat.last("grace") and "not a director" not in chat.last("grace")
    # Two directors close to a slip, listed as /summary lists them; Sam is close to
    # 'Sma' but is no director, and so not guessed.
    await say(bot, "grace", "/review start alie")
    assert chat.last("grace").startswith(
        "alie is not a director in the org file. Did you mean Alice Martin (/review start "
        "alice)")
    await say(bot, "grace", "/review status Sma")
    assert chat.last("grace") == ("Sma is not a director in the org file; a 360° review is "
                                  "of a director, for example /review status alice.")
    with bot.unit() as ctx:
        ctx.people.by_key("grace").locale = "zh-CN"
    await say(bot, "grace", "/review report brunoo")
    assert chat.last("grace") == (
        "brunoo 不是组织文件中的总监。你是指 Bruno Rossi（/review report bruno）吗？360° 评估"
        "针对总监，例如 /review report alice。")


@pytest.mark.parametrize("who", [("team",), ("Team",), ("team", " "), ("TEAM ",)])
def test_goals_team_without_a_name_says_to_give_it(bot, settings, capsys, who):
    """`goals team` (or `goals team "$TEAM"` with TEAM unset) said "no person or team
    'team' in the org": the word was read as someone's name."""
    assert run_cli(settings, "goals", *who) == (2, "")
    assert capsys.readouterr().err == (
        "teampulse: goals team: give the team's name, e.g. teampulse goals team China "
        "(teams: China, East, Europe)\n")
    code, out = run_cli(settings, "goals", "team", "China")  # as it says to type
    assert code == 0 and out.startswith("# "), capsys.readouterr().err


def test_goals_reads_the_chinese_word_for_team_as_chat_does(bot, settings, capsys):
    """`/goals 团队 China` shows team China in chat; `teampulse goals 团队 China` said
    "no person or team '团队 China' in the org"."""
    code, out = run_cli(settings, "goals", "团队", "China", "--format", "json")
    assert code == 0, capsys.readouterr().err
    assert json.loads(out)["title"] == "China"
    assert run_cli(settings, "goals", "团队") == (2, "")  # the name left out, as `goals team`
    assert capsys.readouterr().err.startswith("teampulse: goals team: give the team's name")


def test_a_typo_of_someone_who_left_names_them_for_their_history(bot, settings, capsys,
                                                                  tmp_path):
    """`summary --person bruno` prints Bruno's weeks after he left the org file; `brnuo`
    named nobody."""
    org = tmp_path / "org.yaml"
    text = TEST_ORG.read_text(encoding="utf-8")
    org.write_text(text[:text.index("  - key: bruno")] + text[text.index("  - key: li"):],
                   encoding="utf-8")
    settings = replace(settings, org_file=org)
    assert run_cli(settings, "apply-org", "--yes")[0] == 0
    assert run_cli(settings, "summary", "--person", "brnuo") == (2, "")
    assert capsys.readouterr().err == (
        "teampulse: no person 'brnuo' in the org (did you mean 'bruno' (Bruno Rossi)?)\n")
    code, out = run_cli(settings, "summary", "--person", "bruno")
    assert code == 0 and "no longer in the org file" in out

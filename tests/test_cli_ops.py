"""The `teampulse` command as an operator meets it: what `--help` and the docs promise the
command does, and "nothing yet" told apart from a wrong request."""

from __future__ import annotations

import json

import pytest

from bot.clock import SystemClock
from bot.weeks import current_week, previous_week
from tests.support import run_cli


def test_summary_week_this_is_the_current_week_and_the_help_says_what_week_takes(
        bot, settings, capsys):
    """`teampulse summary --week this` worked, but neither --help nor docs/cli.md said so:
    --help lists each thing --week takes, and 'this' is the current week in the GM's
    timezone (also before its check-in has gone out), 'last' the one before."""
    with pytest.raises(SystemExit) as stop:
        run_cli(settings, "summary", "--help")
    assert stop.value.code == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert "--week WEEK ISO week such as 2026-W47, 'last' (the week before the current one) " \
           "or 'this' (the current week" in help_text
    gm = next(p for p in bot.org.people if p.role == "gm")
    today = current_week(SystemClock().now(), gm.timezone)
    for typed, week in (("this", today), ("THIS", today), ("last", previous_week(today))):
        code, out = run_cli(settings, "summary", "--week", typed, "--format", "json")
        assert code == 0
        assert json.loads(out)["week"] == week
    code, _ = run_cli(settings, "summary", "--week", "next")
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("teampulse: --week: ") and err.count("\n") == 1


@pytest.mark.parametrize("fmt", ["md", "json", "csv"])
async def test_nothing_yet_is_said_with_success_not_as_a_wrong_request(bot, settings, capsys,
                                                                       fmt):
    """`teampulse pulse results` before any poll, `teampulse review DIRECTOR` before their
    first review closes: they exited 2, as for a misspelt option. Nothing yet is no wrong
    request: one line on standard error says so, standard output stays empty (no JSON or
    CSV to read), exit 0. A wrong request still exits 2."""
    from tests.support import say

    cases = [
        (("pulse", "results"), "teampulse: no pulse poll has run yet: nothing to show"),
        (("review", "alice"), "teampulse: no 360° review of Alice Martin (alice) yet: nothing "
                              "to show (start one with /review start alice)\n"),
    ]
    for command, said in cases:
        assert run_cli(settings, *command, "--format", fmt) == (0, "")
        err = capsys.readouterr().err
        assert err.startswith(said) and err.count("\n") == 1
    await say(bot, "grace", "/review start alice")
    assert run_cli(settings, "review", "alice", "--format", fmt) == (0, "")
    assert "still open: nothing to show until it closes" in capsys.readouterr().err
    # Wrong requests are still refused as such.
    assert run_cli(settings, "review", "nobody", "--format", fmt)[0] == 2
    assert run_cli(settings, "pulse", "results", "--poll", "2026-01-07",
                   "--format", fmt)[0] == 2
    assert run_cli(settings, "pulse", "results", "--team", "Mars", "--format", fmt)[0] == 2


def test_review_of_someone_who_is_no_director_is_a_wrong_request(bot, settings, capsys):
    """`teampulse review grace` (the GM) or `review sam` (a member) said "no 360° review of
    Sam Lee yet: nothing to show (start one with /review start sam)", exit 0: a command that
    /review start refuses for anyone but a director. It is named as the wrong request it is."""
    for typed, who in (("grace", "Grace Chen (grace)"), ("Sam Lee", "Sam Lee (sam)")):
        assert run_cli(settings, "review", typed) == (2, "")
        assert capsys.readouterr().err == (
            f"teampulse: {who} is not a director in the org file; a 360° review is of a "
            "director, such as: teampulse review alice\n")


def _own_help(capsys, *command: str) -> str:
    from bot.cli import main

    with pytest.raises(SystemExit) as stop:
        main([*command, "--help"])
    assert stop.value.code == 0
    return capsys.readouterr().out


def test_every_command_s_own_help_says_what_it_does(capsys):
    """README: `teampulse <command> --help` describes every command. `teampulse run --help`
    (and migrate, summary, check-org, support, …) printed only its usage and -h: what the
    command does was in `teampulse --help`'s list alone. Each now says it first."""
    import argparse

    from bot.cli import _parser

    def commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
        return {name: each for action in parser._actions
                if isinstance(action, argparse._SubParsersAction)
                for name, each in action.choices.items()}

    said = []
    for name, parser in commands(_parser()).items():
        for path in [(name,), *((name, nested) for nested in commands(parser))]:
            text = _own_help(capsys, *path)
            # The lines between the usage and the first list of arguments.
            between = text.split("\n\n")[1]
            if between.startswith(("options:", "positional arguments:")):
                said.append(" ".join(path))
    assert said == []
    told = " ".join(_own_help(capsys, "run").split())
    assert "Run the bot (the console chat when no platform token is set)." in told
    told = " ".join(_own_help(capsys, "pulse", "results").split())
    assert "The latest poll's results (groups below the threshold are hidden)." in told


def test_a_command_line_reads_the_same_with_only_its_command_s_parser_built(capsys):
    """`teampulse <command> …` builds only that command's parser (bot/cli._parse: argparse
    built every command's, some thirty, for each run). For every command and each of its
    own sub-commands, with no arguments, a bad option, --help, a leading --env-file and a
    command that does not exist, the operator gets what the whole parser gives: the same
    values, the same exit code, the same words on stdout and stderr."""
    import argparse

    from bot.cli import _parse, _parser

    def commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
        return {name: each for action in parser._actions
                if isinstance(action, argparse._SubParsersAction)
                for name, each in action.choices.items()}

    def outcome(parse, argv: list[str]) -> tuple[object, str, str]:
        try:
            got: object = vars(parse(argv))
        except SystemExit as stop:
            got = ("exit", stop.code)
        said = capsys.readouterr()
        return got, said.out, said.err

    lines: list[list[str]] = [[], ["no-such-command"], ["--help"], ["--version"]]
    for name, parser in commands(_parser()).items():
        for path in [[name], *([name, nested] for nested in commands(parser))]:
            lines += [path, [*path, "--no-such-option"], [*path, "--help"],
                      ["--env-file", "/dev/null", *path], ["--env-file=x.env", *path]]
    lines += [["summary", "--weeks", "4", "--format", "json"],
              ["kudos", "top", "--period", "fortnight"], ["checkin", "send", "--wait", "x"]]
    assert len(lines) > 100
    for argv in lines:
        whole = outcome(lambda a: _parser().parse_args(a), argv)
        assert outcome(_parse, argv) == whole, argv
    # (Built alone, indeed: the other commands are not there.)
    assert set(_parser(only="summary").commands) == {"summary"}


def test_the_help_of_a_command_names_the_settings_it_reads_and_their_defaults(capsys):
    """`teampulse run --help` said only 'Run the bot (the console chat when no platform token
    is set).'; migrate, backup and check-org named no setting either ('org file (default:
    from settings)'): the operator could not tell from --help which database or org file
    they would use, nor what to change for another."""
    told = {command: " ".join(_own_help(capsys, command).split())
            for command in ("run", "migrate", "backup", "check-org")}
    database = "DATABASE_URL, default sqlite:///data/teampulse.db"
    for command in ("run", "migrate", "backup"):
        assert database in told[command], command
    for name in ("SLACK_BOT_TOKEN", "TELEGRAM_BOT_TOKEN", "TEAMPULSE_CONSOLE",
                 "TEAMPULSE_ORG_FILE, default org.yaml"):
        assert name in told["run"], name
    assert ("org file (default: TEAMPULSE_ORG_FILE, else org.yaml, or org.example.yaml "
            "while there is no org.yaml)") in told["check-org"]

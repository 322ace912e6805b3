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

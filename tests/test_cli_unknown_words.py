"""A word a command does not take: `teampulse config --bogus` was refused as
"teampulse: unrecognized arguments: --bogus (see: teampulse --help)", which sends the
operator to a help that lists none of config's options, while a missing argument names the
command and its help ("teampulse review: the following arguments are required: director
(see: teampulse review --help)"). Both now name the command, exit code 2 as before."""

from __future__ import annotations

import pytest

from tests.support import run_cli
from tests.test_cli_views import FORMULA_ORG, fsettings  # noqa: F401 (the fixture)


@pytest.mark.parametrize(("args", "command", "extra"), [
    (("config", "--bogus"), "config", "--bogus"),
    (("oneonones", "extra"), "oneonones", "extra"),
    (("summary", "--format", "json", "--bogus"), "summary", "--bogus"),
    (("pulse", "results", "--bogus", "x"), "pulse results", "--bogus x"),
    (("kudos", "top", "--limit", "3"), "kudos", "--limit 3"),
])
def test_a_word_a_command_does_not_take_names_the_command_and_its_help(
        fsettings, capsys, args, command, extra):  # noqa: F811
    assert FORMULA_ORG
    with pytest.raises(SystemExit) as stop:
        run_cli(fsettings, *args)
    assert stop.value.code == 2
    assert capsys.readouterr().err == (f"teampulse {command}: unrecognized arguments: {extra} "
                                       f"(see: teampulse {command} --help)\n")


def test_a_word_before_any_command_still_points_to_the_whole_help(
        fsettings, capsys):  # noqa: F811
    with pytest.raises(SystemExit) as stop:
        run_cli(fsettings, "--bogus")
    assert stop.value.code == 2
    assert capsys.readouterr().err == ("teampulse: unrecognized arguments: --bogus "
                                       "(see: teampulse --help)\n")

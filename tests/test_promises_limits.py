"""README's limits that nothing held: the org file's "up to 10" aliases, "every duration
here is at most 365d" and `teampulse summary --weeks` from 1 to 12, each met the way its
user meets it (an operator running check-org, config or summary)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.org import OrgError, parse_org
from bot.text import said_in
from tests.support import run_cli
from tests.test_org_reload import VALUES, running  # noqa: F401 (the fixture)

ORG = """\
people:
  - {key: grace, name: Grace, role: gm, timezone: UTC}
  - key: li
    name: 李雷
    role: director
    manager: grace
    timezone: Asia/Shanghai
    aliases: [%s]
"""


def _org_with_aliases(tmp_path: Path, count: int) -> Path:
    path = tmp_path / "org.yaml"
    path.write_text(ORG % ", ".join(f"Li {n}" for n in range(1, count + 1)), encoding="utf-8")
    return path


def test_ten_aliases_are_taken(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """README, The org file: `aliases` … (up to 10)."""
    assert main(["--env-file", "/dev/null", "check-org", str(_org_with_aliases(tmp_path, 10))]) \
        == 0
    assert "OK" in capsys.readouterr().out


def test_an_eleventh_alias_is_refused_in_plain_words_in_both_languages(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The operator read pydantic's 'List should have at most 10 items after validation, not
    11', and a GM who reads Chinese the same English: now the limit and the count written."""
    path = _org_with_aliases(tmp_path, 11)
    assert main(["--env-file", "/dev/null", "check-org", str(path)]) == 2
    err = capsys.readouterr().err
    assert "people[1] ('li'): aliases: at most 10 (11 are written)" in err, err
    assert "after validation" not in err
    with pytest.raises(OrgError) as refused:
        parse_org(path.read_text(encoding="utf-8"))
    (problem,) = refused.value.problems
    assert said_in(problem, "zh-CN") == "people[1]（'li'）：aliases：最多 10 个（这里写了 11 个）"


def test_an_alias_too_long_is_refused_in_both_languages(tmp_path: Path) -> None:
    path = tmp_path / "org.yaml"
    path.write_text(ORG % ("x" * 201), encoding="utf-8")
    with pytest.raises(OrgError) as refused:
        parse_org(path.read_text(encoding="utf-8"))
    (problem,) = refused.value.problems
    assert str(problem) == "people[1] ('li'): aliases.0: at most 200 characters (201 are written)"
    assert said_in(problem, "zh-CN") == \
        "people[1]（'li'）：aliases.0：最多 200 个字符（这里写了 201 个）"


@pytest.mark.parametrize("name", ["CHECKIN_REMINDER_DELAY", "CHECKIN_GRACE_PERIOD",
                                  "DIGEST_GRACE_PERIOD"])
def test_every_duration_is_at_most_365d(name: str, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    """README, Configuration: every duration here is at most `365d`; a year is taken
    (not as a reminder's delay, which must fall in the check-in's week: at most 2d7h)."""
    monkeypatch.setenv(name, "365d")
    if name == "CHECKIN_REMINDER_DELAY":
        assert main(["--env-file", "/dev/null", "config"]) == 2
        assert "at most 2d7h" in capsys.readouterr().err
    else:
        assert main(["--env-file", "/dev/null", "config"]) == 0
        assert f"{name} = 365d\n" in capsys.readouterr().out
    monkeypatch.setenv(name, "365d1s")
    assert main(["--env-file", "/dev/null", "config"]) == 2
    assert f"{name}='365d1s': expected a duration of at most 365d" in capsys.readouterr().err


@pytest.mark.parametrize("weeks", ["0", "13", "-1"])
def test_summary_weeks_outside_1_to_12_is_one_line_and_exit_2(
        settings, weeks: str, capsys: pytest.CaptureFixture[str]) -> None:
    """`teampulse summary --help`: --weeks 1-12 (a chart's 1-52 is test_charts')."""
    assert run_cli(settings, "summary", "--weeks", weeks) == (2, "")
    assert capsys.readouterr().err == "teampulse: --weeks must be from 1 to 12\n"


def test_summary_takes_twelve_weeks(settings) -> None:
    code, out = run_cli(settings, "summary", "--weeks", "12", "--format", "json")
    assert code == 0 and out.startswith("{")


async def test_the_gm_reads_the_first_ten_problems_of_a_bad_edit_and_how_many_more(
        running) -> None:  # noqa: F811 (the fixture)
    """README, Editing the org file: the GM is told the problems as the log lists them
    (the first 10, `…and 3 more`)."""
    newcomers = "".join(
        f"  - {{key: new{n:02}, name: New {n:02}, role: member, manager: grace, "
        f"timezone: Mars/Olympus}}\n" for n in range(1, 14))
    running.edit(VALUES, newcomers + VALUES)
    assert await running.watcher.check() is None
    await running.watcher.check()  # still there at the next look: the GM is told
    await running.bot.drain()
    notice = running.chat.last("grace")
    listed = [line for line in notice.splitlines() if line.startswith("• ")]
    assert len(listed) == 10, notice
    assert "('new01'): timezone 'Mars/Olympus'" in listed[0]
    assert "('new10')" in listed[9] and "new11" not in notice
    assert "…and 3 more." in notice


def test_kudos_help_says_locale_also_names_the_csv_s_value_labels(
        capsys: pytest.CaptureFixture[str]) -> None:
    """README, The command line: `teampulse kudos … [--locale zh-CN]` gives the values'
    labels in CSV value_labels in --locale (tests/test_kudos_history.py holds it); the
    help said --locale was the language of the Markdown alone."""
    with pytest.raises(SystemExit):
        main(["kudos", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--locale {en,zh-CN} language of the Markdown and of the export CSV's value_labels " \
           "(default: the GM's)" in text, text


def test_apply_org_help_names_every_edit_it_applies_that_the_bot_holds_back(
        capsys: pytest.CaptureFixture[str]) -> None:
    """README: `teampulse apply-org --yes` applies an edit removing over a quarter of the
    people, or giving a leaver's key, an entry in place or a chat account to someone else
    (tests/test_org_guard.py, test_org_key_reuse.py, test_org_key_given_in_place.py,
    test_org_swap.py hold each); its help named the removals alone."""
    with pytest.raises(SystemExit):
        main(["apply-org", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "removes more than a quarter of the people in the org (and at least 3)" in text
    assert "gives a leaver's key, an entry or a chat account to another person" in text


async def test_the_log_line_for_a_stranger_is_the_one_readme_quotes(bot, caplog) -> None:
    """README, Someone the org file does not list: `telegram account 6666 is not in the org
    file: told so; its messages for the next 24 hours are ignored`, once per reply, at
    INFO, never what they wrote."""
    import logging

    from bot.events import InboundEvent
    from tests.support import RecordingAdapter

    bot.register(RecordingAdapter(platform="telegram"))
    caplog.set_level(logging.INFO)
    for text in ("hello, my secret words", "again"):
        await bot.handle(InboundEvent(platform="telegram", user_id="6666", chat_id="6666",
                                      chat_type="direct", text=text))
        await bot.drain()
    said = [r for r in caplog.records if "6666" in r.getMessage()]
    assert [(r.levelno, r.getMessage()) for r in said] == [
        (logging.INFO, "telegram account 6666 is not in the org file: told so; its messages "
                       "for the next 24 hours are ignored")]
    assert "secret words" not in caplog.text


async def test_a_bad_edit_s_warning_reads_as_readme_quotes_it(
        running, caplog) -> None:  # noqa: F811 (the fixture)
    """README, Editing the org file: logged as a WARNING, `org file not reloaded; the
    running org is kept. org.yaml: 1 problem …`."""
    import logging

    caplog.set_level(logging.WARNING, logger="bot.org_reload")
    running.edit("timezone: Europe/Rome", "timezone: Mars/Olympus")
    assert await running.watcher.check() is None
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert warning.getMessage().startswith(
        f"org file not reloaded; the running org is kept. {running.path}: 1 problem in the "
        "org file:"), warning.getMessage()

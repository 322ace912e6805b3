"""Team names that differ only in letter case (`team: EAST` for Bruno, `East` for Alice
and Sam) are one team to most views (/summary, a director's own team, digests, charts)
and two to /goals. Nothing said so: `teampulse check-org` passed and the bot started
silently. Both name such a team now, as a warning: a file that starts keeps starting."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.app import prepare
from bot.config import Settings
from tests.support import TEST_ORG, run_cli
from tests.test_org_reload import running  # noqa: F401 (the fixture)

WARNING = ("team written in different letter case: 'EAST' (bruno), 'East' (alice, sam); "
           "most views (/summary, a director's own team, digests, charts) read them as one "
           "team, /goals as two: write the team alike in every entry")


def in_east(text: str) -> str:
    """Bruno (a director) moved to Alice's team, its name typed in capitals."""
    return text.replace("team: Europe", "team: EAST", 1)


def test_check_org_warns_of_a_team_written_in_two_cases(tmp_path: Path,
                                                        database_url: str, capsys) -> None:
    path = tmp_path / "org.yaml"
    path.write_text(in_east(TEST_ORG.read_text(encoding="utf-8")), encoding="utf-8")
    settings = Settings(database_url=database_url, org_file=path)
    code, out = run_cli(settings, "check-org")
    assert code == 0, capsys.readouterr().err
    assert f"warning: {WARNING}\n" in out
    # Written alike, nothing is said.
    path.write_text(TEST_ORG.read_text(encoding="utf-8").replace(
        "team: Europe", "team: East", 1), encoding="utf-8")
    code, out = run_cli(settings, "check-org")
    assert code == 0 and "letter case" not in out


def test_a_start_warns_and_starts(tmp_path: Path, database_url: str, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="bot.app")
    path = tmp_path / "org.yaml"
    path.write_text(in_east(TEST_ORG.read_text(encoding="utf-8")), encoding="utf-8")
    bot, engine = prepare(Settings(database_url=database_url, org_file=path))
    try:
        assert bot.org.person("bruno").team == "EAST"  # type: ignore[union-attr]
    finally:
        bot.close()
        engine.dispose()
    assert [r.getMessage() for r in caplog.records] == [f"org file {path}: {WARNING}"]


async def test_the_running_bot_warns_once_when_an_edit_brings_it(running, caplog):  # noqa: F811
    r = running
    caplog.set_level(logging.WARNING, logger="bot.org_reload")
    r.write(in_east(r.path.read_text(encoding="utf-8")))
    change = await r.watcher.check()
    assert change is not None and change.changed == ("bruno",)
    assert [rec.getMessage() for rec in caplog.records] == [f"org file {r.path}: {WARNING}"]
    # A later edit that leaves it as it was says nothing more of it.
    r.write(r.path.read_text(encoding="utf-8").replace("name: Vera Ops", "name: Vera Opsal"))
    assert await r.watcher.check() is not None
    assert len(caplog.records) == 1


@pytest.mark.parametrize("brunos", ["EAST", "east"])
async def test_the_summary_of_a_team_in_two_cases_is_one_team_in_its_first_spelling(
        settings, clock, tmp_path: Path, brunos: str) -> None:
    """`/summary team east`, `team East` and `team EAST` are one summary, of Alice, Sam and
    Bruno, and it writes the team as the org file first does (`East`), Bruno's row too."""
    from tests.support import bot_on_org, say
    path = tmp_path / "org.yaml"
    path.write_text(TEST_ORG.read_text(encoding="utf-8").replace(
        "team: Europe", f"team: {brunos}", 1), encoding="utf-8")
    with bot_on_org(settings, clock, path) as (bot, chat, _):
        await bot.run_checkins(["alice", "bruno"])
        replies = []
        for typed in ("team East", "team east", "team EAST", "团队 east"):
            await say(bot, "grace", f"/summary {typed}")
            replies.append(chat.last("grace"))
        assert replies[1:] == replies[:1] * 3
        text = replies[0]
        assert "Bruno Rossi" in text and "Alice Martin" in text and "Sam Lee" in text
        assert "team East" in text and brunos not in text
        # The GM's own view and Bruno's history name the team alike.
        await say(bot, "grace", "/summary")
        assert f"team {brunos}" not in chat.last("grace")
        assert "Alice Martin · team East" in chat.last("grace")
        assert "Bruno Rossi · team East" in chat.last("grace")
        await say(bot, "grace", "/summary bruno")
        assert brunos not in chat.last("grace") and "team East" in chat.last("grace")

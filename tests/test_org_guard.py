"""An org file cut short (saved half-edited, a list pasted short, a merge that dropped a
block of people) is still a valid org: applied, everyone it leaves out stopped being
prompted and what still waited for them in the outbox was dropped, with no guard. Such a
file is held back now, by the running bot and at a start, until the operator applies it
on purpose with `teampulse apply-org --yes`; one or two people leaving apply as before."""

from __future__ import annotations

import logging
import os
import re
import shlex
import sqlite3
import subprocess
import sys
from contextlib import closing
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client import generate_latest

from bot import jobs
from bot.app import prepare
from bot.config import Settings
from bot.org_guard import removes_too_many
from tests.conftest import SERVER_URL
from tests.support import TEST_ORG, run_cli, settings_in_env
from tests.test_org_reload import PROMPT, ROME, running  # noqa: F401 (the fixture)
from tests.test_resilience_stop import ROOT

SHANGHAI = "Asia/Shanghai"


def without(text: str, *keys: str) -> str:
    """The org file with these people's entries cut out (as a bad merge drops them)."""
    for key in keys:
        text, n = re.subn(rf"  - key: {key}\n(?:    .*\n|      .*\n)*", "", text)
        assert n == 1, key
    return text


def truncated() -> str:
    """Bruno, Li and Sam dropped: 3 of the 6 people (the guard's line: at least 3, and
    more than a quarter)."""
    return without(TEST_ORG.read_text(encoding="utf-8"), "bruno", "li", "sam")


def active(settings: Settings) -> set[str]:
    from sqlalchemy import create_engine, text

    engine = create_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            return {k for (k,) in conn.execute(text("SELECT key FROM people WHERE active"))}
    finally:
        engine.dispose()


EVERYONE = {"grace", "alice", "bruno", "li", "vera", "sam"}


def test_the_rule_holds_back_more_than_a_quarter_and_at_least_three() -> None:
    assert not removes_too_many(0, 0)  # a fresh install
    assert not removes_too_many(4, 1)
    assert not removes_too_many(6, 2)  # two leaving, a third of a small org: ordinary
    assert removes_too_many(6, 3)
    assert not removes_too_many(12, 3)  # exactly a quarter
    assert removes_too_many(13, 4)
    assert not removes_too_many(100, 25) and removes_too_many(100, 26)
    assert removes_too_many(10_000, 9_000)


async def test_a_running_bot_keeps_its_org_for_a_truncated_file_and_says_so_once(
        running, caplog):  # noqa: F811 - the fixture
    r = running
    caplog.set_level(logging.INFO, logger="bot.org_reload")
    # A DM still waiting for Bruno (a /summary he asked while the platform was down).
    with r.bot.unit() as ctx:
        assert ctx.tell(ctx.people.by_key("bruno"), "not_waiting")
    r.write(truncated())
    assert await r.watcher.check() is None
    warnings = [rec.getMessage() for rec in caplog.records if rec.levelno == logging.WARNING]
    assert len(warnings) == 1, warnings
    assert f"org file {r.path} not reloaded; the running org is kept: it would remove 3 of " \
           "the 6 people now in the org (bruno, li, sam), more than a quarter at once" \
        in warnings[0]
    assert "'teampulse apply-org --yes' to remove them on purpose" in warnings[0]
    assert "reloaded:" not in caplog.text
    assert r.bot.org.person("bruno") is not None
    assert active(r.bot.settings) == EVERYONE
    # Looked at again (and saved again unchanged): not said again.
    r.write(r.path.read_text(encoding="utf-8"))
    assert await r.watcher.check() is None
    assert await r.watcher.check(force=True) is None
    assert len([rec for rec in caplog.records if rec.levelno == logging.WARNING]) == 1
    metrics = generate_latest(r.bot.metrics.registry).decode()
    assert 'teampulse_org_reloads_total{outcome="refused"} 1.0' in metrics
    # At the next look it is still there: the GM, who may never read the log, is told in
    # chat (once), and Bruno's DM went out.
    assert await r.watcher.check() is None
    assert await r.watcher.check() is None
    await r.bot.drain()
    assert len([t for t in r.chat.to("grace") if "was edited" in t]) == 1
    assert "was edited, but the edit was not applied" in r.chat.last("grace")
    assert "it would remove 3 of the 6 people" in r.chat.last("grace")
    assert "I'm not waiting for an answer from you" in r.chat.to("bruno")[-1]
    # Next week everyone is still asked, in Rome and Shanghai too.
    r.chat.clear()
    r.clock.advance(timedelta(days=7))
    for zone in (ROME, SHANGHAI):
        await jobs.checkin_zone_job(zone)
    assert f"{PROMPT} for 2026-W49" in r.chat.last("bruno")
    assert "每周签到" in r.chat.last("li")


async def test_a_bot_run_with_a_settings_file_names_it_in_the_command_to_apply(
        running, caplog, tmp_path):  # noqa: F811 - the fixture
    """The running bot's refusal (the log, the GM's notice) said 'teampulse apply-org
    --yes' for a bot run with --env-file too: typed so, another org file and database."""
    r = running
    settings_file = tmp_path / "teampulse env"
    settings_file.write_text("", encoding="utf-8")
    r.bot.settings = replace(r.bot.settings, env_file=Path(os.path.relpath(settings_file)))
    caplog.set_level(logging.INFO, logger="bot.org_reload")
    r.write(truncated())
    assert await r.watcher.check() is None
    told = f"run 'teampulse --env-file \"{settings_file}\" apply-org --yes' " \
           "to remove them on purpose"
    assert told in caplog.text
    assert await r.watcher.check() is None
    await r.bot.drain()
    assert told in r.chat.last("grace")


HELD_EN = (
    "The org file org.yaml was edited, but the edit was not applied: it would remove 3 of "
    "the 6 people now in the org (Bruno Rossi, 李雷, Sam Lee), more than a quarter at once, "
    "so it is held back in case the file was cut short (saved half-edited, a list pasted "
    "short, a merge that dropped people). The bot keeps running on the org it had: nothing "
    "stored is lost and everyone is still asked as before. If the file was cut short, fix "
    "it: it is applied within a minute. If they are meant to leave, whoever runs teampulse "
    "can run 'teampulse apply-org --yes' to remove them on purpose ('teampulse apply-org' "
    "lists what it would change first).")
HELD_ZH = (
    "组织文件 org.yaml 已被修改，但这次修改没有生效：它会一次移除组织中现有 6 人中的 3 人"
    "（Bruno Rossi、李雷、Sam Lee），超过四分之一，因此先搁置，以防文件被截断（保存到一半、"
    "名单粘贴不全、合并时漏掉了人）。机器人继续按原来的组织运行：已保存的数据不会丢失，所有人"
    "照常收到签到。如果文件被截断了，请修正它，修正后一分钟内即会生效。如果这些人确实要离开，"
    "负责运行 teampulse 的人可以运行 teampulse apply-org --yes 有意移除他们（先运行 "
    "teampulse apply-org 可列出将要改变的内容）。")


@pytest.mark.parametrize("chinese", [False, True], ids=["en", "zh-CN"])
async def test_the_gm_reads_in_chat_once_per_file_how_many_it_would_remove_and_what_to_run(
        running, chinese):  # noqa: F811 - the fixture
    """The GM, who may never read the log, is told in a DM in their own language (not the
    log's English line) how many people the held file would remove and the command that
    applies it anyway: once per file by its content, however often it is looked at or
    saved again; a different cut is told of too, and the first one back is not again."""
    r = running
    if chinese:
        with r.bot.unit() as ctx:
            ctx.people.by_key("grace").locale = "zh-CN"
    told = HELD_ZH if chinese else HELD_EN

    def notices() -> list[str]:
        return [t for t in r.chat.to("grace") if t.startswith(told[:12])]

    r.write(truncated())
    for _ in range(3):
        assert await r.watcher.check() is None
    r.write(truncated())  # saved again, the same text
    assert await r.watcher.check(force=True) is None
    assert await r.watcher.check() is None
    await r.bot.drain()
    assert notices() == [told]
    # Another cut (Alice in place of Li): another file, told of once.
    other = without(TEST_ORG.read_text(encoding="utf-8"), "alice", "bruno", "sam")
    r.write(other)
    assert await r.watcher.check() is None
    assert await r.watcher.check() is None
    r.write(truncated())  # the first one back: told already
    assert await r.watcher.check() is None
    assert await r.watcher.check() is None
    await r.bot.drain()
    assert len(notices()) == 2
    assert "(Alice Martin, Bruno Rossi, Sam Lee)" in notices()[1] or \
        "（Alice Martin、Bruno Rossi、Sam Lee）" in notices()[1]
    assert active(r.bot.settings) == EVERYONE


async def test_apply_org_applies_a_truncated_file_on_purpose_and_the_bot_follows(
        running, caplog, capsys):  # noqa: F811 - the fixture
    r = running
    caplog.set_level(logging.INFO, logger="bot.org_reload")
    r.write(truncated())
    assert await r.watcher.check() is None
    # Without --yes: what it would do, and nothing done.
    code, _ = run_cli(r.bot.settings, "apply-org")
    err = capsys.readouterr().err
    assert code == 2
    assert f"teampulse apply-org: {r.path} would change the 6 people now in the org:\n" \
           "  remove 3: bruno, li, sam\n" in err
    assert "more than a quarter of them at once" in err
    # (As run_cli runs it: with --env-file /dev/null, ./.env not read.)
    assert err.endswith("Nothing changed. To apply it: teampulse --env-file /dev/null "
                        "apply-org --yes\n")
    assert active(r.bot.settings) == EVERYONE
    # With --yes: applied, and the running bot follows at its next look.
    code, out = run_cli(r.bot.settings, "apply-org", "--yes")
    assert code == 0, capsys.readouterr().err
    assert out.startswith(f"applied {r.path}:\n  removed 3: bruno, li, sam\n")
    assert active(r.bot.settings) == EVERYONE - {"bruno", "li", "sam"}
    change = await r.watcher.check()
    assert change is not None and change.removed == ("bruno", "li", "sam")
    assert "org file reloaded: 3 removed (bruno, li, sam)" in caplog.text
    assert ROME not in r.zone_jobs()
    r.chat.clear()
    r.clock.advance(timedelta(days=7))
    await jobs.checkin_zone_job(SHANGHAI)
    assert r.chat.to("bruno") == [] and r.chat.to("li") == []
    # Nothing more is said of it: the GM's notice was for a version no longer held.
    assert not any("was edited" in t for t in r.chat.to("grace"))


async def test_a_truncated_file_put_right_before_it_applied_changes_nothing(
        running, caplog):  # noqa: F811 - the fixture
    r = running
    good = r.path.read_text(encoding="utf-8")
    r.write(truncated())
    assert await r.watcher.check() is None
    r.write(good)
    assert await r.watcher.check() is None
    assert await r.watcher.check() is None  # (the held version is not tried again)
    assert active(r.bot.settings) == EVERYONE
    assert r.bot.org.person("li") is not None


async def test_two_people_leaving_still_apply_at_once(running):  # noqa: F811 - the fixture
    r = running
    r.write(without(r.path.read_text(encoding="utf-8"), "bruno", "sam"))
    change = await r.watcher.check()
    assert change is not None and change.removed == ("bruno", "sam")
    assert active(r.bot.settings) == EVERYONE - {"bruno", "sam"}


@pytest.fixture
def stored(tmp_path: Path, database_url: str, monkeypatch) -> Settings:
    """A database the bot has run on with the six people, and its settings as env vars."""
    path = tmp_path / "org.yaml"
    path.write_text(TEST_ORG.read_text(encoding="utf-8"), encoding="utf-8")
    settings = Settings(database_url=database_url, org_file=path)
    bot, engine = prepare(settings)
    bot.close()
    engine.dispose()
    settings_in_env(monkeypatch, database_url, path)
    return settings


def test_a_start_with_a_truncated_file_refuses_and_changes_nothing(stored, capsys):
    from bot.cli import main

    stored.org_file.write_text(truncated(), encoding="utf-8")
    assert main(["--env-file", "/dev/null", "run"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"teampulse: {stored.org_file}: it would remove 3 of the 6 people "
                          "now in the org (bruno, li, sam), more than a quarter at once"), err
    assert "fix the file, or run 'teampulse --env-file /dev/null apply-org --yes' to remove " \
           "them on purpose (nothing was changed; 'teampulse --env-file /dev/null apply-org' " \
           "lists what it would change)" in err
    assert active(stored) == EVERYONE
    # A command that syncs the org refuses alike; apply-org --yes, then the start goes on.
    code, _ = run_cli(stored, "oneonones")
    assert code == 2 and "it would remove 3 of the 6 people" in capsys.readouterr().err
    assert run_cli(stored, "apply-org", "--yes")[0] == 0
    assert active(stored) == EVERYONE - {"bruno", "li", "sam"}
    bot, engine = prepare(stored, backfill=True)
    bot.close()
    engine.dispose()


def test_apply_org_yes_applies_the_very_org_it_read_and_lists_what_it_applied(
        stored, capsys, monkeypatch):
    """`apply-org --yes` read the org file to list what it would change, then read it again
    (and the people stored) to apply it: an edit saved in between (a second editor, a tool
    writing the file) was applied without being listed. The file is read once now, and
    what is listed is what the apply did."""
    import bot.cli

    stored.org_file.write_text(truncated(), encoding="utf-8")  # bruno, li and sam out
    # Put right (the three back) while apply-org runs: not what it read and lists.
    read, edited = bot.cli.load_org, TEST_ORG.read_text(encoding="utf-8")

    def read_then_saved_again(path, *args, **kwargs):
        org = read(path, *args, **kwargs)
        path.write_text(edited, encoding="utf-8")  # saved just after apply-org read it
        return org

    monkeypatch.setattr(bot.cli, "load_org", read_then_saved_again)
    code, out = run_cli(stored, "apply-org", "--yes")
    assert code == 0, capsys.readouterr().err
    assert stored.org_file.read_text(encoding="utf-8") == edited  # (the hook ran)
    assert out.startswith(f"applied {stored.org_file}:\n  removed 3: bruno, li, sam\n"), out
    assert active(stored) == EVERYONE - {"bruno", "li", "sam"}


def operator(cwd: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """`teampulse ARGS` as an operator types it in `cwd`: only what the command line (and
    the settings file it names) says, nothing from the test's environment."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "TELEGRAM_", "TEAMPULSE_", "DATABASE_"))}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, env=env,
                          cwd=cwd, capture_output=True, text=True, timeout=120)


def dump(database: Path) -> list[str]:
    """Everything stored, the scheduler's jobs included, as SQL."""
    with closing(sqlite3.connect(database)) as db:
        return list(db.iterdump())


@pytest.mark.skipif(bool(SERVER_URL), reason="a SQLite file compared whole")
def test_a_refused_start_changes_nothing_and_names_the_command_to_run_as_it_was_run(
        tmp_path: Path) -> None:
    """The bot runs as a service with its own settings file (`--env-file`). Started on a
    file cut short, it refused, saying to run 'teampulse apply-org --yes': typed as said,
    that read ./.env or none and applied another org file (the example's) to another
    database (./data/teampulse.db, made for it), and said 'applied'; the service was
    refused again. The command named is the one to type, its settings file with it; and
    the refused start leaves every row, its scheduled jobs included, as it was."""
    service, work = tmp_path / "srv", tmp_path / "home"
    service.mkdir()
    work.mkdir()
    org, database = service / "org.yaml", service / "tp.db"
    org.write_text(TEST_ORG.read_text(encoding="utf-8"), encoding="utf-8")
    settings = service / "teampulse.env"
    settings.write_text(f"DATABASE_URL=sqlite:///{database}\nTEAMPULSE_ORG_FILE={org}\n",
                        encoding="utf-8")
    ran = operator(service, "--env-file", "teampulse.env", "run",
                   stdin="/fire checkin\n/quit\n")
    assert ran.returncode == 0, ran.stderr
    before = dump(database)
    assert any("apscheduler_jobs" in line for line in before)

    org.write_text(truncated(), encoding="utf-8")
    refused = operator(service, "--env-file", "teampulse.env", "run", stdin="/quit\n")
    assert refused.returncode == 2
    assert refused.stdout == ""
    apply = f"teampulse --env-file {settings} apply-org --yes"
    assert refused.stderr == (
        f"teampulse: {org}: it would remove 3 of the 6 people now in the org (bruno, li, "
        "sam), more than a quarter at once: held back in case the file was cut short "
        "(saved half-edited, a list pasted short, a merge that dropped people); fix the "
        f"file, or run '{apply}' to remove them on purpose (nothing was changed; "
        f"'teampulse --env-file {settings} apply-org' lists what it would change)\n")
    assert dump(database) == before

    # Typed as said, from anywhere: the service's org file applied to its database.
    listed = operator(work, *shlex.split(apply)[1:-1])
    assert listed.returncode == 2
    assert listed.stderr.endswith(f"Nothing changed. To apply it: {apply}\n")
    assert dump(database) == before
    applied = operator(work, *shlex.split(apply)[1:])
    assert applied.returncode == 0, applied.stderr
    assert applied.stdout.startswith(f"applied {org}:\n  removed 3: bruno, li, sam\n")
    assert list(work.iterdir()) == []
    assert operator(service, "--env-file", "teampulse.env", "run",
                    stdin="/quit\n").returncode == 0


def test_a_fresh_install_is_never_held_back(tmp_path: Path, database_url: str) -> None:
    path = tmp_path / "org.yaml"
    path.write_text(truncated(), encoding="utf-8")
    settings = Settings(database_url=database_url, org_file=path)
    bot, engine = prepare(settings, backfill=True)
    bot.close()
    engine.dispose()
    assert active(settings) == {"grace", "alice", "vera"}


async def test_people_renamed_are_not_counted_as_removed(running):  # noqa: F811 - the fixture
    """New keys for half the org (their chat accounts the same): a rename, not a removal."""
    r = running
    text = r.path.read_text(encoding="utf-8")
    for old, new in (("bruno", "brossi"), ("li", "lilei"), ("sam", "slee")):
        text = text.replace(f"key: {old}\n", f"key: {new}\n", 1)
    r.write(text)
    change = await r.watcher.check()
    assert change is not None and change.removed == ()
    assert sorted(change.renamed) == [("bruno", "brossi"), ("li", "lilei"), ("sam", "slee")]
    assert active(r.bot.settings) == {"grace", "alice", "vera", "brossi", "lilei", "slee"}

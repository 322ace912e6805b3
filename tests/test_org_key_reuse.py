"""A key is a person's identity. Bruno Rossi (`bruno`) left the org file; later another
person, Bruno Bianchi, was added under the same key with his own chat accounts: he took
over the old row and read Rossi's private agenda items, 1:1 notes, support requests and
check-ins. Such an entry (the key of someone who left, no chat account in common, another
name) is held back now as a file cut short is (bot.org_guard): a start refuses it, the
running bot keeps its org and tells the GM once, `check-org` and `apply-org` name it, and
`apply-org --yes` applies it on purpose. Someone genuinely back (the same account, or
the same name, or no account to compare on the console) comes back silently as before."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from bot.app import prepare
from bot.config import Settings
from bot.events import InboundEvent
from bot.renames import accounts, key_reused
from tests.support import TEST_ORG, RecordingAdapter, run_cli, say, settings_in_env
from tests.test_org_guard import active
from tests.test_org_reload import running  # noqa: F401 (the fixture)

ROSSI = re.search(r"  - key: bruno\n(?:    .*\n|      .*\n)*",
                  TEST_ORG.read_text(encoding="utf-8")).group(0)  # type: ignore[union-attr]
#: Another person under Bruno Rossi's old key, with his own Slack and Telegram accounts.
BIANCHI = (ROSSI.replace("Bruno Rossi", "Bruno Bianchi").replace("U0BRUNO", "U0BIANCHI")
           .replace("bruno_r", "bbianchi"))
SECRET = "I am interviewing elsewhere"
EVERYONE = {"grace", "alice", "bruno", "li", "vera", "sam"}


def org_with(entry: str) -> str:
    """The test org with Bruno's entry replaced by `entry` ("" takes him out)."""
    return TEST_ORG.read_text(encoding="utf-8").replace(ROSSI, entry)


async def told_the_gm_once(r, marker: str) -> str:  # (a tests.test_org_reload.Running)
    """The running bot looks at the held-back file twice more, then sends what is queued:
    the GM is told in chat once (of the messages with `marker`), not at every look; that
    message."""
    assert await r.watcher.check() is None
    assert await r.watcher.check() is None
    await r.bot.drain()
    told = [t for t in r.chat.to("grace") if marker in t]
    assert len(told) == 1, told
    return told[0]


async def rossi_leaves(r) -> None:  # (a tests.test_org_reload.Running)
    """Rossi keeps a private agenda item for his 1:1 with Grace, then leaves the org."""
    await say(r.bot, "bruno", f"/agenda add @grace private: {SECRET}")
    assert "only you see it" in r.chat.last("bruno")
    r.write(org_with(""))
    change = await r.watcher.check()
    assert change is not None and change.removed == ("bruno",)


async def slack_says(bot, slack: RecordingAdapter, user: str, text: str) -> str:
    await bot.handle(InboundEvent(platform="slack", user_id=user, chat_id=f"D{user}",
                                  chat_type="direct", text=text))
    await bot.drain()
    return "\n".join(slack.to(user))


async def test_a_newcomer_under_a_leavers_key_is_held_back_and_cannot_read_his_agenda(
        running, caplog):  # noqa: F811 - the fixture
    r = running
    caplog.set_level(logging.INFO, logger="bot.org_reload")
    slack = RecordingAdapter(platform="slack", markup="slack")
    r.bot.register(slack)
    await rossi_leaves(r)
    # The operator adds Bruno Bianchi, new in Rome, under the key that was free.
    r.write(org_with(BIANCHI))
    assert await r.watcher.check() is None
    assert r.bot.org.person("bruno") is None
    assert active(r.bot.settings) == EVERYONE - {"bruno"}
    warnings = [rec.getMessage() for rec in caplog.records if rec.levelno == logging.WARNING]
    assert len(warnings) == 1, warnings
    assert "key 'bruno' was Bruno Rossi's, who left the org, and now names Bruno Bianchi, " \
           "with no chat account in common: held back" in warnings[0]
    assert "give Bruno Bianchi another key, or run 'teampulse apply-org --yes' if it is " \
           "the same person back with new accounts" in warnings[0]
    assert "U0BIANCHI" not in caplog.text and "U0BRUNO" not in caplog.text
    # The newcomer writes on Slack: he is nobody yet, and reads nothing of Rossi's.
    seen = await slack_says(r.bot, slack, "U0BIANCHI", "/agenda")
    assert seen and SECRET not in seen
    told = await told_the_gm_once(r, "was edited")
    assert "key 'bruno'" in told and "Bruno Rossi" in told and "Bruno Bianchi" in told
    assert "give Bruno Bianchi another key, or run 'teampulse apply-org --yes' if it is the " \
           "same person back with new accounts" in told.replace("`", "")
    assert "U0BIANCHI" not in told

    # apply-org without --yes lists it and changes nothing.
    code, _ = run_cli(r.bot.settings, "apply-org")
    assert code == 2
    assert active(r.bot.settings) == EVERYONE - {"bruno"}
    assert await r.watcher.check() is None
    assert SECRET not in await slack_says(r.bot, slack, "U0BIANCHI", "/agenda")

    # The operator says it is him, back with new accounts: applied as before, and what is
    # stored under `bruno` is the key's, his now (README: Editing the org file).
    code, out = run_cli(r.bot.settings, "apply-org", "--yes")
    assert code == 0
    assert "  bruno: Bruno Rossi → Bruno Bianchi, who now has everything stored under " \
           "'bruno'" in out
    change = await r.watcher.check()
    assert change is not None and change.added == ("bruno",)
    assert SECRET in await slack_says(r.bot, slack, "U0BIANCHI", "/agenda")


async def test_the_gm_reads_it_in_chinese(running):  # noqa: F811 - the fixture
    r = running
    await say(r.bot, "grace", "/language 中文")
    await rossi_leaves(r)
    r.write(org_with(BIANCHI))
    told = await told_the_gm_once(r, "已被修改")
    assert "原属于已离开组织的 Bruno Rossi，现在写的是 Bruno Bianchi，两人没有共同的" \
           "聊天账号" in told
    assert "请给 Bruno Bianchi 换一个 key；如果确实是同一个人换了新账号回来，请运行" in told
    assert "（按文件原文，英文）" not in told


@pytest.mark.parametrize("entry", [
    # A director back from leave, re-added with her Slack account: her name now married.
    ROSSI.replace("Bruno Rossi", "Bruno Rossi-Verdi"),
    # Back with new accounts under the same name.
    BIANCHI.replace("Bruno Bianchi", "Bruno Rossi"),
    # The same name written otherwise.
    BIANCHI.replace("Bruno Bianchi", "bruno  ROSSI"),
    # The same Telegram account, its username in other letters.
    BIANCHI.replace("bbianchi", "Bruno_R"),
    # On the console: no chat account in the file to compare.
    "".join(line for line in BIANCHI.splitlines(keepends=True)
            if "slack_id" not in line and "telegram" not in line),
], ids=["same-slack-id", "same-name", "name-spelled-otherwise", "same-telegram",
        "console"])
async def test_someone_genuinely_back_returns_silently(running, entry, caplog):  # noqa: F811
    r = running
    caplog.set_level(logging.WARNING, logger="bot.org_reload")
    await rossi_leaves(r)
    r.write(org_with(entry))
    change = await r.watcher.check()
    assert change is not None and change.added == ("bruno",)
    assert caplog.text == ""
    assert active(r.bot.settings) == EVERYONE
    await say(r.bot, "bruno", "/agenda")
    assert SECRET in r.chat.last("bruno")


def test_what_tells_another_person() -> None:
    rossi = accounts("U0BRUNO", None, "bruno_r")
    bianchi = accounts("U0BIANCHI", None, "bbianchi")
    assert key_reused("Bruno Rossi", rossi, "Bruno Bianchi", bianchi)
    assert not key_reused("Bruno Rossi", rossi, "Bruno Bianchi", rossi | bianchi)
    assert not key_reused("Bruno Rossi", rossi, "Ｂｒｕｎｏ Rossi", bianchi)  # full-width
    assert not key_reused("Bruno Rossi", frozenset(), "Bruno Bianchi", bianchi)
    assert not key_reused("Bruno Rossi", rossi, "Bruno Bianchi", frozenset())


def ran_on(tmp_path: Path, database_url: str, monkeypatch, *orgs: str) -> Settings:
    """A database the bot started on with each of `orgs` in turn as its org file (which
    keeps the last), named by the operator's environment (tests.support.settings_in_env)."""
    path = tmp_path / "org.yaml"
    settings = Settings(database_url=database_url, org_file=path)
    for text in orgs:
        path.write_text(text, encoding="utf-8")
        bot, engine = prepare(settings)
        bot.close()
        engine.dispose()
    settings_in_env(monkeypatch, database_url, path)
    return settings


@pytest.fixture
def stored(tmp_path: Path, database_url: str, monkeypatch) -> Settings:
    """A database the bot ran on with the six people, then with Bruno Rossi taken out."""
    return ran_on(tmp_path, database_url, monkeypatch, TEST_ORG.read_text(encoding="utf-8"),
                  org_with(""))


def test_a_start_refuses_it_in_one_line_and_check_org_and_apply_org_name_it(
        stored, capsys):
    from bot.cli import main

    stored.org_file.write_text(org_with(BIANCHI), encoding="utf-8")
    assert main(["--env-file", "/dev/null", "run"]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"teampulse: {stored.org_file}: key 'bruno' was Bruno Rossi's, who left the org, "
        "and now names Bruno Bianchi, with no chat account in common: held back, as the "
        "newcomer would read what the one who left kept under the key (private agenda "
        "items, 1:1 notes, support requests, check-ins); give Bruno Bianchi another key, "
        "or run 'teampulse --env-file /dev/null apply-org --yes' if it is the same person "
        "back with new accounts (nothing was changed; 'teampulse --env-file /dev/null "
        "apply-org' lists what it would change)\n")
    assert active(stored) == EVERYONE - {"bruno"}

    code, _ = run_cli(stored, "check-org")
    err = capsys.readouterr().err
    assert code == 2
    assert "key 'bruno' was Bruno Rossi's, who left the org, and now names Bruno Bianchi" \
        in err
    assert "U0BIANCHI" not in err
    # A script that checks the file with a view (--format) is refused it alike: the view
    # said OK (exit 0) of a file every start refuses.
    for fmt in ("json", "md", "csv"):
        code, out = run_cli(stored, "check-org", "--format", fmt)
        err = capsys.readouterr().err
        assert (code, out) == (2, ""), fmt
        assert "key 'bruno' was Bruno Rossi's, who left the org, and now names Bruno " \
               "Bianchi" in err

    code, _ = run_cli(stored, "apply-org")
    err = capsys.readouterr().err
    assert code == 2
    assert "  add 1: bruno\n" in err
    # (In the words of a start's refusal: bot.org_guard.KeyReused.)
    assert "Key 'bruno' was Bruno Rossi's, who left the org, and now names Bruno Bianchi, " \
           "with no chat account in common: held back" in err
    assert "give Bruno Bianchi another key, or run 'teampulse --env-file /dev/null apply-org " \
           "--yes' if it is the same person back with new accounts." in err
    assert active(stored) == EVERYONE - {"bruno"}

    # The operator's fix: the newcomer under a key of his own. Rossi's row stays his.
    stored.org_file.write_text(org_with(BIANCHI.replace("key: bruno", "key: bbianchi")),
                               encoding="utf-8")
    code, _ = run_cli(stored, "check-org")
    assert code == 0, capsys.readouterr().err
    bot, engine = prepare(stored, backfill=True)
    bot.close()
    engine.dispose()
    assert active(stored) == EVERYONE - {"bruno"} | {"bbianchi"}

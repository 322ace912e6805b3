"""An entry given to another person in place. Bruno Rossi (`bruno`, Slack U0BRUNO,
Telegram @bruno_r) is still in the org when the operator overwrites his entry with Bruno
Bianchi's name and Bianchi's own accounts, key unchanged: applied, Bianchi took over
Rossi's row and read his private agenda items, 1:1 notes, check-ins and 360° feedback.
Such an edit (the name changed and every chat account the entry had) is held back as a key
of someone who left given to a newcomer is (bot.org_guard.KeyReused): a start refuses it,
the running bot keeps its org and tells the GM once in their language, `check-org` and
`apply-org` name it, and `apply-org --yes` applies it on purpose. A new name alone, or one
account changed while the name or another account stays, applies silently as before."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.app import prepare
from bot.config import Settings
from bot.renames import accounts, given_in_place
from tests.support import TEST_ORG, RecordingAdapter, run_cli, say
from tests.test_org_guard import active
from tests.test_org_key_reuse import (
    BIANCHI,
    EVERYONE,
    ROSSI,
    SECRET,
    org_with,
    ran_on,
    slack_says,
    told_the_gm_once,
)
from tests.test_org_reload import running  # noqa: F401 (the fixture)


async def rossi_keeps_a_secret(r) -> None:  # (a tests.test_org_reload.Running)
    """Rossi, in the org, keeps a private agenda item for his 1:1 with Grace."""
    await say(r.bot, "bruno", f"/agenda add @grace private: {SECRET}")
    assert "only you see it" in r.chat.last("bruno")


async def test_an_entry_given_to_another_person_in_place_is_held_back(
        running, caplog):  # noqa: F811 - the fixture
    r = running
    caplog.set_level(logging.INFO, logger="bot.org_reload")
    slack = RecordingAdapter(platform="slack", markup="slack")
    r.bot.register(slack)
    await rossi_keeps_a_secret(r)
    # The operator overwrites Rossi's entry with Bruno Bianchi, new in Rome.
    r.write(org_with(BIANCHI))
    assert await r.watcher.check() is None
    assert r.bot.org.person("bruno").name == "Bruno Rossi"  # type: ignore[union-attr]
    assert active(r.bot.settings) == EVERYONE
    warnings = [rec.getMessage() for rec in caplog.records if rec.levelno == logging.WARNING]
    assert len(warnings) == 1, warnings
    assert "key 'bruno' was Bruno Rossi's and now names Bruno Bianchi, with every chat " \
           "account changed (the entry edited in place): held back" in warnings[0]
    assert "give Bruno Bianchi an entry with another key of their own (leaving 'bruno' to " \
           "Bruno Rossi, or taking it out if they left), or run 'teampulse apply-org --yes' " \
           "if it is the same person with a new name and new accounts" in warnings[0]
    assert "U0BIANCHI" not in caplog.text and "U0BRUNO" not in caplog.text
    # The newcomer writes on Slack: he is nobody yet, and reads nothing of Rossi's.
    seen = await slack_says(r.bot, slack, "U0BIANCHI", "/agenda")
    assert seen and SECRET not in seen
    # Rossi is still Rossi, on the Slack account he had.
    assert SECRET in await slack_says(r.bot, slack, "U0BRUNO", "/agenda")
    told = await told_the_gm_once(r, "was edited")
    plain = told.replace("`", "")
    assert "key 'bruno' was Bruno Rossi's and now names Bruno Bianchi, with every chat " \
           "account changed (the entry edited in place)" in plain
    assert "give Bruno Bianchi an entry with another key of their own (leaving 'bruno' to " \
           "Bruno Rossi, or taking it out if they left), or run 'teampulse apply-org --yes' " \
           "if it is the same person with a new name and new accounts" in plain
    assert "U0BIANCHI" not in told and "U0BRUNO" not in told

    # apply-org without --yes names it and changes nothing.
    code, _ = run_cli(r.bot.settings, "apply-org")
    assert code == 2
    assert await r.watcher.check() is None
    assert SECRET not in await slack_says(r.bot, slack, "U0BIANCHI", "/agenda")

    # The operator says it is the same person, renamed with new accounts: applied.
    code, out = run_cli(r.bot.settings, "apply-org", "--yes")
    assert code == 0
    assert "  bruno: Bruno Rossi → Bruno Bianchi, who now has everything stored under " \
           "'bruno'" in out
    change = await r.watcher.check()
    assert change is not None and change.changed == ("bruno",)
    assert r.bot.org.person("bruno").name == "Bruno Bianchi"  # type: ignore[union-attr]
    assert SECRET in await slack_says(r.bot, slack, "U0BIANCHI", "/agenda")


async def test_the_gm_reads_it_in_chinese(running):  # noqa: F811 - the fixture
    r = running
    await say(r.bot, "grace", "/language 中文")
    r.write(org_with(BIANCHI))
    told = await told_the_gm_once(r, "已被修改")
    plain = told.replace("`", "")
    assert "key 'bruno' 属于 Bruno Rossi，现在写的是 Bruno Bianchi，原有的聊天账号全部换掉了" \
           "（条目被原地改写）" in plain
    assert "请给 Bruno Bianchi 另建一个使用自己 key 的条目（'bruno' 仍留给 Bruno Rossi；" \
           "如果 Bruno Rossi 已离开，就删除该条目）；如果确实是同一个人改了名字并换了新账号，" \
           "请运行 'teampulse apply-org --yes'" in plain
    assert "（按文件原文，英文）" not in told


@pytest.mark.parametrize(("entry", "name"), [
    # She marries: her name alone changes.
    (ROSSI.replace("Bruno Rossi", "Bruno Rossi-Verdi"), "Bruno Rossi-Verdi"),
    # A new Slack workspace: his Slack id alone changes.
    (ROSSI.replace("U0BRUNO", "U0NEWSPACE"), "Bruno Rossi"),
    # A new name and a new Slack id, the same Telegram account.
    (ROSSI.replace("Bruno Rossi", "Bruno Verdi").replace("U0BRUNO", "U0NEWSPACE"),
     "Bruno Verdi"),
    # Every account new, the same name.
    (BIANCHI.replace("Bruno Bianchi", "Bruno Rossi"), "Bruno Rossi"),
], ids=["name-only", "slack-only", "name-and-slack", "accounts-only"])
async def test_the_same_person_changed_applies_silently(
        running, entry, name, caplog):  # noqa: F811 - the fixture
    r = running
    caplog.set_level(logging.WARNING, logger="bot.org_reload")
    await rossi_keeps_a_secret(r)
    r.write(org_with(entry))
    change = await r.watcher.check()
    assert change is not None and change.changed == ("bruno",)
    assert caplog.text == ""
    assert r.bot.org.person("bruno").name == name  # type: ignore[union-attr]
    await r.bot.drain()
    assert not [t for t in r.chat.to("grace") if "was edited" in t]
    await say(r.bot, "bruno", "/agenda")
    assert SECRET in r.chat.last("bruno")


def test_what_tells_an_entry_given_in_place() -> None:
    rossi = accounts("U0BRUNO", None, "bruno_r")
    bianchi = accounts("U0BIANCHI", None, "bbianchi")
    assert given_in_place("Bruno Rossi", rossi, "Bruno Bianchi", bianchi)
    # Every account gone counts as changed.
    assert given_in_place("Bruno Rossi", rossi, "Bruno Bianchi", frozenset())
    assert not given_in_place("Bruno Rossi", rossi, "Bruno Bianchi",
                              accounts("U0BIANCHI", None, "Bruno_R"))
    assert not given_in_place("Bruno Rossi", rossi, "bruno  ROSSI", bianchi)
    # No account before (the console): nothing to tell by.
    assert not given_in_place("Bruno Rossi", frozenset(), "Bruno Bianchi", bianchi)


@pytest.fixture
def stored(tmp_path: Path, database_url: str, monkeypatch) -> Settings:
    """A database the bot ran on with the six people, Bruno Rossi among them."""
    return ran_on(tmp_path, database_url, monkeypatch, TEST_ORG.read_text(encoding="utf-8"))


def test_a_start_refuses_it_and_check_org_and_apply_org_name_it(stored, capsys) -> None:
    from bot.cli import main

    stored.org_file.write_text(org_with(BIANCHI), encoding="utf-8")
    assert main(["--env-file", "/dev/null", "run"]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"teampulse: {stored.org_file}: key 'bruno' was Bruno Rossi's and now names Bruno "
        "Bianchi, with every chat account changed (the entry edited in place): held back, "
        "as the newcomer would read what Bruno Rossi kept under the key (private agenda "
        "items, 1:1 notes, support requests, check-ins, 360° feedback); give Bruno Bianchi "
        "an entry with another key of their own (leaving 'bruno' to Bruno Rossi, or taking "
        "it out if they left), or run 'teampulse --env-file /dev/null apply-org --yes' if "
        "it is the same person with a new name and new accounts (nothing was changed; "
        "'teampulse --env-file /dev/null apply-org' lists what it would change)\n")

    code, _ = run_cli(stored, "check-org")
    err = capsys.readouterr().err
    assert code == 2
    assert "key 'bruno' was Bruno Rossi's and now names Bruno Bianchi, with every chat " \
           "account changed" in err
    assert "U0BIANCHI" not in err and "U0BRUNO" not in err

    code, _ = run_cli(stored, "apply-org")
    err = capsys.readouterr().err
    assert code == 2
    # (In the words of a start's refusal: bot.org_guard.KeyReused.)
    assert "Key 'bruno' was Bruno Rossi's and now names Bruno Bianchi, with every chat " \
           "account changed (the entry edited in place): held back" in err
    assert "give Bruno Bianchi an entry with another key of their own (leaving 'bruno' to " \
           "Bruno Rossi, or taking it out if they left), or run 'teampulse --env-file " \
           "/dev/null apply-org --yes' if it is the same person with a new name and new " \
           "accounts." in err
    assert "Nothing changed. To apply it: teampulse --env-file /dev/null apply-org --yes" \
        in err

    # The operator's fix: Rossi's entry back as it was, Bianchi under a key of his own.
    stored.org_file.write_text(
        org_with(ROSSI + BIANCHI.replace("key: bruno", "key: bbianchi")), encoding="utf-8")
    code, _ = run_cli(stored, "check-org")
    assert code == 0, capsys.readouterr().err
    bot, engine = prepare(stored, backfill=True)
    try:
        assert bot.org.person("bruno").name == "Bruno Rossi"  # type: ignore[union-attr]
    finally:
        bot.close()
        engine.dispose()
    assert active(stored) == EVERYONE | {"bbianchi"}


def test_one_file_doing_both_names_each_for_what_it_is() -> None:
    from bot.org_guard import KeyReused
    from bot.renames import KeyGiven

    problem = KeyReused(Path("org.yaml"), [
        KeyGiven("bruno", "Bruno Rossi", "Bruno Bianchi"),
        KeyGiven("vera", "Vera Lind", "Vera Holm", left=False)]).problem
    assert problem.startswith(
        "key 'bruno' was Bruno Rossi's, who left the org, and now names Bruno Bianchi, with "
        "no chat account in common; key 'vera' was Vera Lind's and now names Vera Holm, "
        "with every chat account changed (the entry edited in place): held back")
    assert problem.endswith(
        "give each newcomer another key, or run 'teampulse apply-org --yes' if it is the "
        "same person with new accounts")

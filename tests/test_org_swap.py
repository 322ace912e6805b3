"""Two people still in the org whose keys or chat accounts the operator swaps. Alice
Martin (`alice`, Slack U0ALICE, Telegram id 1002) and Bruno Rossi (`bruno`, Slack U0BRUNO,
Telegram @bruno_r) each keep a private agenda item. The operator saves the file with their
keys the other way round (each entry keeping its name and accounts), or with their Slack ids
or Telegram accounts the other way round: applied, whoever wrote from Alice's account was
taken for Bruno and read his private agenda items, 1:1 notes and check-ins, and the other
way round. Such an edit (an entry naming a chat account stored for another person) is held
back as a key given to another person is (bot.org_guard.KeyReused): the running bot keeps
its org and tells the GM once in their language, `apply-org` names it, and
`apply-org --yes` applies it on purpose."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from bot.config import Settings
from tests.support import TEST_ORG, RecordingAdapter, run_cli, say
from tests.test_org_guard import active
from tests.test_org_key_reuse import EVERYONE, ran_on, slack_says, told_the_gm_once
from tests.test_org_reload import running  # noqa: F401 (the fixture)

ORG = TEST_ORG.read_text(encoding="utf-8")
ALICE_SECRET = "I am asking for a raise"
BRUNO_SECRET = "I am interviewing elsewhere"


def swapped(a: str, b: str) -> str:
    """The test org with the texts `a` and `b` the other way round."""
    return ORG.replace(a, "\0").replace(b, a).replace("\0", b)


def entry(key: str) -> str:
    return re.search(rf"  - key: {key}\n(?:    .*\n)*", ORG).group(0)  # type: ignore[union-attr]


SWAPS = {
    # Each entry keeps its name and accounts; the keys are the other way round.
    "keys": swapped("key: alice\n", "key: bruno\n"),
    "slack-ids": swapped("U0ALICE", "U0BRUNO"),
    "telegram-accounts": swapped("telegram_id: 1002", "telegram_username: bruno_r"),
}


async def both_keep_a_secret(r) -> None:  # (a tests.test_org_reload.Running)
    await say(r.bot, "alice", f"/agenda add @grace private: {ALICE_SECRET}")
    assert "only you see it" in r.chat.last("alice")
    await say(r.bot, "bruno", f"/agenda add @grace private: {BRUNO_SECRET}")
    assert "only you see it" in r.chat.last("bruno")


@pytest.mark.parametrize("swap", list(SWAPS))
async def test_two_people_swapped_are_held_back_and_keep_their_own(
        running, swap, caplog):  # noqa: F811 - the fixture
    r = running
    caplog.set_level(logging.INFO, logger="bot.org_reload")
    slack = RecordingAdapter(platform="slack", markup="slack")
    r.bot.register(slack)
    await both_keep_a_secret(r)
    r.write(SWAPS[swap])
    assert await r.watcher.check() is None
    assert active(r.bot.settings) == EVERYONE
    warnings = [rec.getMessage() for rec in caplog.records if rec.levelno == logging.WARNING]
    assert len(warnings) == 1, warnings
    assert "held back" in warnings[0]
    assert "U0ALICE" not in caplog.text and "U0BRUNO" not in caplog.text
    # Each still reads their own on the Slack account they had, never the other's.
    seen = await slack_says(r.bot, slack, "U0ALICE", "/agenda")
    assert ALICE_SECRET in seen and BRUNO_SECRET not in seen
    seen = await slack_says(r.bot, slack, "U0BRUNO", "/agenda")
    assert BRUNO_SECRET in seen and ALICE_SECRET not in seen
    told = (await told_the_gm_once(r, "was edited")).replace("`", "")
    assert "Alice Martin" in told and "Bruno Rossi" in told
    assert "run 'teampulse apply-org --yes'" in told
    assert "U0ALICE" not in told and "U0BRUNO" not in told

    code, _ = run_cli(r.bot.settings, "apply-org")
    assert code == 2
    assert await r.watcher.check() is None

    # The operator says the accounts were the wrong way round before: applied.
    code, out = run_cli(r.bot.settings, "apply-org", "--yes")
    assert code == 0, out
    assert await r.watcher.check() is not None
    if swap != "telegram-accounts":  # (Slack ids moved with the entries)
        assert BRUNO_SECRET in await slack_says(r.bot, slack, "U0ALICE", "/agenda")


async def test_the_gm_is_told_what_moved_and_how_to_apply_it(running):  # noqa: F811
    r = running
    r.write(SWAPS["slack-ids"])
    told = (await told_the_gm_once(r, "was edited")).replace("`", "")
    # (In the words of the log, a start and apply-org: bot.org_guard.KeyReused.)
    assert "• key 'alice' (Alice Martin) now names a chat account of Bruno Rossi's (key " \
           "'bruno'); key 'bruno' (Bruno Rossi) now names a chat account of Alice Martin's " \
           "(key 'alice'): held back, as whoever writes from that account would be taken for " \
           "the other person and read what they keep under their key (private agenda items, " \
           "1:1 notes, support requests, check-ins, 360° feedback); give each person back " \
           "their own key and chat accounts, or run 'teampulse apply-org --yes' if the " \
           "accounts were the wrong way round before" in told


async def test_keys_swapped_are_named_as_such_in_chinese(running):  # noqa: F811
    r = running
    await say(r.bot, "grace", "/language 中文")
    r.write(SWAPS["keys"])
    told = (await told_the_gm_once(r, "已被修改")).replace("`", "")
    assert "key 'alice' 属于 Alice Martin，现在写的是 Bruno Rossi，并写上了 Bruno Rossi" \
           "（key 'bruno'）的聊天账号：暂不生效，因为从该账号发消息的人会被当成另一个人" in told
    assert "如果之前确实是账号写反了，请运行 'teampulse apply-org --yes'" in told


def test_a_start_refuses_it_and_apply_org_applies_it_on_purpose(stored, capsys) -> None:
    from bot.cli import main

    stored.org_file.write_text(SWAPS["keys"], encoding="utf-8")
    # Edited while the bot was stopped: the start refuses it, changing nothing.
    assert main(["--env-file", "/dev/null", "run"]) == 2
    assert "with a chat account of Bruno Rossi's (key 'bruno')" in capsys.readouterr().err
    code, _ = run_cli(stored, "check-org")
    assert code == 2
    assert "with a chat account of Bruno Rossi's (key 'bruno')" in capsys.readouterr().err
    code, _ = run_cli(stored, "apply-org")
    err = capsys.readouterr().err
    assert code == 2
    assert "Key 'bruno' was Bruno Rossi's and now names Alice Martin, with a chat account " \
           "of Alice Martin's (key 'alice'); key 'alice' was Alice Martin's and now names " \
           "Bruno Rossi, with a chat account of Bruno Rossi's (key 'bruno'): held back" in err
    code, out = run_cli(stored, "apply-org", "--yes")
    assert code == 0
    assert "  alice: Alice Martin → Bruno Rossi, who now has everything stored under " \
           "'alice'" in out


@pytest.fixture
def stored(tmp_path: Path, database_url: str, monkeypatch) -> Settings:
    """A database the bot ran on with the six people."""
    return ran_on(tmp_path, database_url, monkeypatch, ORG)


async def test_a_new_name_and_telegram_username_at_once_tell_the_gm_how_to_apply_it(
        running):  # noqa: F811 - the fixture
    """Bruno, on Telegram only, changes his name and his username: the bot cannot tell it
    from another person's entry written over his, so it is held back, and the GM reads
    the command that applies it."""
    r = running
    r.edit("    slack_id: U0BRUNO\n", "")
    assert await r.watcher.check() is not None
    r.edit("Bruno Rossi", "Bruno Verdi")
    r.edit("bruno_r", "bruno_verdi")
    told = (await told_the_gm_once(r, "was edited")).replace("`", "")
    assert "or run 'teampulse apply-org --yes' if it is the same person with a new name " \
           "and new accounts" in told
    code, _ = run_cli(r.bot.settings, "apply-org", "--yes")
    assert code == 0
    assert await r.watcher.check() is not None
    assert r.bot.org.person("bruno").name == "Bruno Verdi"  # type: ignore[union-attr]

"""A chat account moved from one person to another by an edit of the org file, where the
other person is no longer in the org, or the entry taking it is new.

Alice Martin (`alice`, Slack U0ALICE) checked in this week, keeps a private agenda item
for her 1:1 with Grace and has a kudo from Sam. Bruno Rossi (`bruno`, Slack U0BRUNO,
Telegram @bruno_r) kept one too, then left the org.

- The operator gives Alice's entry Bruno's old Slack id (or Telegram username): applied,
  whoever still writes from it (Bruno, in another department) was taken for Alice and read
  her private agenda, 1:1 notes and check-ins. It may be right (a shared team account
  handed on to Alice), so it is held back until applied on purpose.
- The operator adds Carol Chen under a key of her own with Bruno's Slack account, a shared
  one handed on to her: taken for Bruno renamed, she read his private agenda items and
  1:1 notes. A new key taking over an entry by a shared account, under another name, is
  held back too (one person given a new key and name at once is applied on purpose).
- The operator adds Carol Chen with Alice's Slack id (taking it out of Alice's entry):
  applied, Alice writing from her own account was taken for Carol (and her rights). Held
  back too; an entry naming it beside Alice's is a bad file, refused.

Held back as a key given to another person is (bot.org_guard.KeyReused): the running bot
keeps its org and tells the GM once in their language, a start and `check-org` refuse it,
`apply-org` names it, `apply-org --yes` applies it."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.config import Settings
from bot.events import InboundEvent
from tests.support import TEST_ORG, RecordingAdapter, run_cli, say
from tests.test_checkin import ALICE_ANSWERS
from tests.test_kudos import kudo
from tests.test_org_guard import active
from tests.test_org_key_reuse import (
    EVERYONE,
    ROSSI,
    SECRET,
    org_with,
    ran_on,
    rossi_leaves,
    told_the_gm_once,
)
from tests.test_org_reload import running  # noqa: F401 (the fixture)

ORG = TEST_ORG.read_text(encoding="utf-8")
ALICE_SECRET = "I am asking for a raise"
#: The org without Bruno, Alice's entry naming one of his chat accounts instead of hers.
GIVEN_BRUNOS = {
    "slack": org_with("").replace("slack_id: U0ALICE", "slack_id: U0BRUNO"),
    "telegram-username": org_with("").replace("    telegram_id: 1002\n",
                                              "    telegram_username: Bruno_R\n"),
}
CAROL = """\
  - key: carol
    name: Carol Chen
    role: member
    manager: alice
    team: East
    timezone: America/New_York
    locale: en
    slack_id: U0ALICE
"""
#: Carol added with Alice's Slack id, taken out of Alice's entry or left there too.
CAROL_TAKES = ORG.replace("# Company values", CAROL + "# Company values").replace(
    "    slack_id: U0ALICE\n    telegram_id: 1002\n", "    telegram_id: 1002\n", 1)
CAROL_SHARES = ORG.replace("# Company values", CAROL + "# Company values")
#: Carol Chen under a key of her own, with the Slack account Bruno had (handed on).
CAROL_ON_BRUNOS = ROSSI.replace("key: bruno", "key: carol").replace(
    "Bruno Rossi", "Carol Chen").replace("    telegram_username: bruno_r\n", "")


async def slack_says(bot, slack: RecordingAdapter, user: str, text: str) -> str:
    """What the bot answers `text` sent from Slack account `user` (only that)."""
    before = len(slack.to(user))
    await bot.handle(InboundEvent(platform="slack", user_id=user, chat_id=f"D{user}",
                                  chat_type="direct", text=text))
    await bot.drain()
    return "\n".join(slack.to(user)[before:])


async def alice_has_history(r) -> None:  # (a tests.test_org_reload.Running)
    """Alice checks in, keeps a private agenda item, and Sam gives her a kudo."""
    for answer in ALICE_ANSWERS:
        await say(r.bot, "alice", answer)
    await say(r.bot, "alice", f"/agenda add @grace private: {ALICE_SECRET}")
    assert "only you see it" in r.chat.last("alice")
    await kudo(r.bot, "sam", "/kudos @alice for closing Acme #customer-first")
    await r.bot.drain()


async def gm_reads_alice_as_before(r) -> None:
    await say(r.bot, "grace", "/summary")
    summary = r.chat.last("grace")
    assert "✅ Alice Martin — checked in" in summary
    await say(r.bot, "grace", "/summary alice")
    assert "Closed Acme" in r.chat.last("grace")
    await say(r.bot, "alice", "/kudos me")
    assert "closing Acme" in r.chat.last("alice")


@pytest.mark.parametrize("account", list(GIVEN_BRUNOS))
async def test_an_entry_given_the_account_of_someone_who_left_is_held_back(
        running, account, caplog):  # noqa: F811 - the fixture
    r = running
    caplog.set_level(logging.INFO, logger="bot.org_reload")
    slack = RecordingAdapter(platform="slack", markup="slack")
    r.bot.register(slack)
    await alice_has_history(r)
    await rossi_leaves(r)
    r.write(GIVEN_BRUNOS[account])
    assert await r.watcher.check() is None
    assert active(r.bot.settings) == EVERYONE - {"bruno"}
    warnings = [rec.getMessage() for rec in caplog.records if rec.levelno == logging.WARNING]
    assert len(warnings) == 1, warnings
    assert "key 'alice' (Alice Martin) now names a chat account of Bruno Rossi's (key " \
           "'bruno'), who left the org: held back" in warnings[0]
    assert "or run 'teampulse apply-org --yes' if the account is now theirs (handed on, " \
           "or the wrong way round before)" in warnings[0]
    assert "U0BRUNO" not in caplog.text and "bruno_r" not in caplog.text.lower()
    # Whoever still writes from Bruno's Slack account is nobody: none of Alice's.
    seen = await slack_says(r.bot, slack, "U0BRUNO", "/agenda")
    assert seen and ALICE_SECRET not in seen and SECRET not in seen
    # Alice, on her own account, still reads hers; the GM reads her week as before.
    assert ALICE_SECRET in await slack_says(r.bot, slack, "U0ALICE", "/agenda")
    await gm_reads_alice_as_before(r)
    told = (await told_the_gm_once(r, "was edited")).replace("`", "")
    assert "• key 'alice' (Alice Martin) now names a chat account of Bruno Rossi's (key " \
           "'bruno'), who left the org: held back, as whoever writes from that account " \
           "would be taken for the other person" in told
    assert "give each entry its own person's chat accounts, or run 'teampulse apply-org " \
           "--yes' if the account is now theirs (handed on, or the wrong way round " \
           "before)" in told
    assert "U0BRUNO" not in told and "bruno_r" not in told.lower()

    code, _ = run_cli(r.bot.settings, "check-org")
    assert code == 2
    code, _ = run_cli(r.bot.settings, "apply-org")
    assert code == 2
    assert await r.watcher.check() is None

    # The operator says it is a shared account handed on to Alice: applied.
    code, out = run_cli(r.bot.settings, "apply-org", "--yes")
    assert code == 0, out
    assert "  alice: Alice Martin now has a chat account that was Bruno Rossi's ('bruno', " \
           "who left the org)" in out
    assert await r.watcher.check() is not None
    await gm_reads_alice_as_before(r)
    if account == "slack":
        seen = await slack_says(r.bot, slack, "U0BRUNO", "/agenda")
        assert ALICE_SECRET in seen and SECRET not in seen  # Alice's, never Bruno's
    # The next edit (Alice's entry unchanged) is not held back again.
    r.edit("weekly_target: 50000}", "weekly_target: 55000}")
    assert await r.watcher.check() is not None


async def test_the_gm_reads_a_leavers_account_given_in_chinese(running):  # noqa: F811
    r = running
    await say(r.bot, "grace", "/language 中文")
    await rossi_leaves(r)
    r.write(GIVEN_BRUNOS["slack"])
    told = (await told_the_gm_once(r, "已被修改")).replace("`", "")
    assert "• key 'alice'（Alice Martin）现在写的是已离开组织的 Bruno Rossi（key 'bruno'）的" \
           "聊天账号：暂不生效，因为从该账号发消息的人会被当成另一个人" in told
    assert "请让每个条目只写本人的聊天账号；如果该账号现在确实归此人所有（转交给了他们，或之前" \
           "写反了），请运行 'teampulse apply-org --yes'" in told


async def test_a_newcomer_given_the_account_of_someone_who_stays_is_held_back(
        running, caplog):  # noqa: F811 - the fixture
    r = running
    caplog.set_level(logging.INFO, logger="bot.org_reload")
    slack = RecordingAdapter(platform="slack", markup="slack")
    r.bot.register(slack)
    await alice_has_history(r)
    r.write(CAROL_TAKES)
    assert await r.watcher.check() is None
    assert r.bot.org.person("carol") is None
    assert active(r.bot.settings) == EVERYONE
    warnings = [rec.getMessage() for rec in caplog.records if rec.levelno == logging.WARNING]
    assert len(warnings) == 1, warnings
    assert "new key 'carol' (Carol Chen) names a chat account of Alice Martin's (key " \
           "'alice'): held back" in warnings[0]
    # Alice, writing from her own account, is still Alice.
    seen = await slack_says(r.bot, slack, "U0ALICE", "/agenda")
    assert ALICE_SECRET in seen
    await gm_reads_alice_as_before(r)
    told = (await told_the_gm_once(r, "was edited")).replace("`", "")
    assert "• new key 'carol' (Carol Chen) names a chat account of Alice Martin's (key " \
           "'alice'): held back, as whoever writes from that account would be taken for the " \
           "other person" in told
    assert "U0ALICE" not in told

    code, _ = run_cli(r.bot.settings, "apply-org")
    assert code == 2
    code, out = run_cli(r.bot.settings, "apply-org", "--yes")
    assert code == 0, out
    assert "  added 1: carol" in out
    assert "  carol: Carol Chen now has a chat account that was Alice Martin's ('alice')" \
        in out
    change = await r.watcher.check()
    assert change is not None and change.added == ("carol",)
    # Applied on purpose: the account is Carol's, and she reads nothing of Alice's.
    seen = await slack_says(r.bot, slack, "U0ALICE", "/agenda")
    assert seen and ALICE_SECRET not in seen
    await gm_reads_alice_as_before(r)


async def test_a_newcomer_named_beside_the_one_who_keeps_the_account_is_refused(
        running):  # noqa: F811 - the fixture
    r = running
    slack = RecordingAdapter(platform="slack", markup="slack")
    r.bot.register(slack)
    await alice_has_history(r)
    r.write(CAROL_SHARES)
    assert await r.watcher.check() is None
    assert r.bot.org.person("carol") is None
    told = await told_the_gm_once(r, "was edited")
    assert "is also used by 'alice'" in told
    assert ALICE_SECRET in await slack_says(r.bot, slack, "U0ALICE", "/agenda")
    code, _ = run_cli(r.bot.settings, "apply-org", "--yes")
    assert code == 2  # a bad file: not applied even on purpose


async def test_the_gm_reads_a_newcomer_given_an_account_in_chinese(running):  # noqa: F811
    r = running
    await say(r.bot, "grace", "/language 中文")
    r.write(CAROL_TAKES)
    told = (await told_the_gm_once(r, "已被修改")).replace("`", "")
    assert "• 新 key 'carol'（Carol Chen）写的是 Alice Martin（key 'alice'）的聊天账号：" \
           "暂不生效" in told


@pytest.fixture
def stopped(tmp_path: Path, database_url: str, monkeypatch) -> Settings:
    """A database the bot ran on with the six people, then with Bruno Rossi taken out."""
    return ran_on(tmp_path, database_url, monkeypatch, ORG, org_with(""))


@pytest.mark.parametrize(("text", "said"), [
    (GIVEN_BRUNOS["slack"], "key 'alice' (Alice Martin) now names a chat account of Bruno "
                            "Rossi's (key 'bruno'), who left the org: held back"),
    # (Bruno back in it, under his key and accounts, as ever.)
    (CAROL_TAKES, "new key 'carol' (Carol Chen) names a chat account of Alice Martin's "
                  "(key 'alice')"),
], ids=["leavers-account", "newcomer-takes"])
def test_a_start_refuses_it_and_apply_org_applies_it(stopped, capsys, text, said) -> None:
    from bot.cli import main

    stopped.org_file.write_text(text, encoding="utf-8")
    # Edited while the bot was stopped: the start refuses it, changing nothing.
    assert main(["--env-file", "/dev/null", "run"]) == 2
    assert said in capsys.readouterr().err
    code, _ = run_cli(stopped, "check-org")
    assert code == 2
    assert said in capsys.readouterr().err
    code, _ = run_cli(stopped, "apply-org", "--yes")
    assert code == 0
    code, _ = run_cli(stopped, "check-org")
    assert code == 0, capsys.readouterr().err


async def test_a_newcomer_on_the_shared_account_of_someone_who_left_does_not_get_his_entry(
        running, caplog):  # noqa: F811 - the fixture
    """Bruno left; his Slack account, a shared one, is handed on to Carol Chen, added under
    a key of her own. Held back: she would have taken over his entry. Done as the GM is
    told (her entry first, the account in a later edit, confirmed), she has the account
    and none of Bruno's history."""
    r = running
    caplog.set_level(logging.INFO, logger="bot.org_reload")
    slack = RecordingAdapter(platform="slack", markup="slack")
    r.bot.register(slack)
    await rossi_leaves(r)
    r.write(org_with(CAROL_ON_BRUNOS))
    assert await r.watcher.check() is None
    assert active(r.bot.settings) == EVERYONE - {"bruno"}
    warnings = [rec.getMessage() for rec in caplog.records if rec.levelno == logging.WARNING]
    assert len(warnings) == 1, warnings
    assert "new key 'carol' (Carol Chen) takes over the entry of Bruno Rossi (key 'bruno', " \
           "who left the org) by a chat account they share, under another name: held " \
           "back" in warnings[0]
    seen = await slack_says(r.bot, slack, "U0BRUNO", "/agenda")
    assert seen and SECRET not in seen
    told = (await told_the_gm_once(r, "was edited")).replace("`", "")
    assert "• new key 'carol' (Carol Chen) takes over the entry of Bruno Rossi (key " \
           "'bruno', who left the org) by a chat account they share, under another name: " \
           "held back, as the newcomer would read what the one before kept under their " \
           "key" in told
    assert "if the account was handed on to another person, save the new entry without it " \
           "first and add it in a later edit" in told
    code, _ = run_cli(r.bot.settings, "apply-org")
    assert code == 2

    # As told: Carol's entry without the account, then with it, confirmed.
    r.write(org_with(CAROL_ON_BRUNOS.replace("    slack_id: U0BRUNO\n", "")))
    change = await r.watcher.check()
    assert change is not None and change.added == ("carol",)
    r.write(org_with(CAROL_ON_BRUNOS))
    assert await r.watcher.check() is None  # an account of someone who left: confirmed
    code, out = run_cli(r.bot.settings, "apply-org", "--yes")
    assert code == 0, out
    assert "  carol: Carol Chen now has a chat account that was Bruno Rossi's ('bruno', who " \
           "left the org)" in out
    assert await r.watcher.check() is not None
    seen = await slack_says(r.bot, slack, "U0BRUNO", "/agenda")
    assert seen and SECRET not in seen
    # Bruno's history is still his, under his key (the GM reads him as having left).
    await say(r.bot, "grace", "/summary bruno")
    assert "Bruno Rossi" in r.chat.last("grace") and "Carol" not in r.chat.last("grace")


async def test_one_person_given_a_new_key_and_name_at_once_is_applied_on_purpose(
        running):  # noqa: F811 - the fixture
    """Bruno Rossi, still in the org, is renamed Bruno Verdi with the key `bverdi`, his
    accounts kept: the bot cannot tell him from a successor on his accounts. Held back;
    `apply-org --yes` applies it, and he keeps his history."""
    r = running
    slack = RecordingAdapter(platform="slack", markup="slack")
    r.bot.register(slack)
    await say(r.bot, "bruno", f"/agenda add @grace private: {SECRET}")
    r.write(org_with(ROSSI.replace("key: bruno", "key: bverdi").replace("Bruno Rossi",
                                                                        "Bruno Verdi")))
    assert await r.watcher.check() is None
    told = (await told_the_gm_once(r, "was edited")).replace("`", "")
    assert "takes over the entry of Bruno Rossi (key 'bruno') by a chat account" in told
    assert "or run 'teampulse apply-org --yes' if it is the same person with a new key and " \
           "name" in told
    code, out = run_cli(r.bot.settings, "apply-org", "--yes")
    assert code == 0, out
    assert "  bverdi: Bruno Rossi → Bruno Verdi, who now has everything stored under " \
           "'bruno'" in out
    change = await r.watcher.check()
    assert change is not None and change.renamed == (("bruno", "bverdi"),)
    assert SECRET in await slack_says(r.bot, slack, "U0BRUNO", "/agenda")


async def test_the_gm_reads_a_new_key_taking_over_an_entry_in_chinese(running):  # noqa: F811
    r = running
    await say(r.bot, "grace", "/language 中文")
    await rossi_leaves(r)
    r.write(org_with(CAROL_ON_BRUNOS))
    told = (await told_the_gm_once(r, "已被修改")).replace("`", "")
    assert "• 新 key 'carol'（Carol Chen）凭两人共用的聊天账号接管了已离开组织的 Bruno " \
           "Rossi（key 'bruno'）的条目，名字却不同：暂不生效" in told

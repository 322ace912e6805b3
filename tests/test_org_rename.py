"""The operator changes a person's key in the org file while the bot runs: the same
person, by the chat account the entry keeps, not someone leaving and someone joining."""

from __future__ import annotations

import logging

from tests.support import say
from tests.test_checkin import ALICE_ANSWERS
from tests.test_org_reload import PROMPT, running  # noqa: F401  (the fixture)


async def test_a_director_whose_key_changes_keeps_her_history_and_is_not_asked_again(
        running, caplog):
    """Alice checked in this week; the operator corrects her key `alice` to `amartin`
    (her Slack and Telegram ids unchanged). The GM still sees one Alice, checked in; she
    is not asked for this week again; her check-in is in `/summary amartin`, and Sam,
    her report, still meets her."""
    caplog.set_level(logging.INFO, logger="bot.org_reload")
    for answer in ALICE_ANSWERS:
        await say(running.bot, "alice", answer)
    running.chat.clear()
    running.edit("key: alice", "key: amartin")
    running.edit("manager: alice", "manager: amartin")
    change = await running.watcher.check()
    await running.bot.drain()
    assert change is not None and change.renamed == (("alice", "amartin"),)
    assert change.added == () and change.removed == ()
    assert "1 renamed (alice → amartin)" in caplog.text
    assert not any(PROMPT in text for text in running.chat.to("amartin"))

    await say(running.bot, "grace", "/summary")
    summary = running.chat.last("grace")
    assert "Alice Martin (@" not in summary  # one Alice, not two told apart by key
    assert "missing: Alice Martin" not in summary
    assert "✅ Alice Martin — checked in" in summary
    await say(running.bot, "grace", "/summary amartin")
    history = running.chat.last("grace")
    assert "Closed Acme" in history and "not in the org file yet" not in history
    await say(running.bot, "sam", "/1on1")
    assert "Alice Martin" in running.chat.last("sam")

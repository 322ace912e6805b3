"""README, *A person's data*: an erase deletes "every message to them", and "a message to
others still waiting to be sent goes out with `former-<id>` in place of their name" --
tried with the erase run while the running bot's outbox is part-way through a backlog."""

from __future__ import annotations

from datetime import timedelta

from bot.adapters.base import Pacing
from tests.support import Sent
from tests.test_checkin_remind import go_down
from tests.test_kudos import kudo
from tests.test_personal_data import cli_env  # noqa: F401 (a fixture)


async def test_an_erase_while_the_outbox_sends_stops_all_but_the_batch_then_going_out(
        bot, chat, clock, cli_env, monkeypatch):  # noqa: F811
    """Slack (one message a second per chat) was down: Grace's kudos to Alice and Alice's
    to Bruno wait in the outbox -- a DM to each and two shout-outs in the team's channel,
    every one naming Alice or addressed to her. Slack is back, and the operator erases
    Alice as the backlog goes out: the first message is on its way when the erase commits.
    The batch the bot had taken to send at that moment (one message per chat) still goes
    as it was: README names that limit, and the erase tells the operator. The rest may
    neither reach her nor name her: the second shout-out goes with `former-<id>` in her
    place."""
    chat.pacing = Pacing(per_chat=1.0)
    go_down(chat)
    await kudo(bot, "grace", "/kudos @alice for closing Acme")
    await kudo(bot, "alice", "/kudos @bruno for the Milan deck")
    real = type(chat).deliver
    after: list[Sent] = []

    said: list[str] = []

    async def deliver(target, message):
        if not after:
            code, out = cli_env("erase", "alice", "--yes")  # the operator, meanwhile
            assert code == 0
            said.append(out)
        after.append(Sent(target, message))
        return await real(chat, target, message)
    monkeypatch.setattr(chat, "deliver", deliver)
    chat.fail_next.clear()
    clock.advance(timedelta(hours=1))
    batch = None
    for _ in range(10):
        await bot.outbox.flush()
        batch = len(after) if batch is None else batch
        clock.advance(timedelta(seconds=5))
    went = [(s.target.address, s.text) for s in after]
    # The batch on its way: the first shout-out, and each DM (one message per chat).
    assert sorted(a for a, _ in went[:batch]) == ["alice", "bruno", "team"]
    # The operator was told so, not left to believe nothing more would reach or name her.
    assert "; 3 messages to or naming them being sent by the running bot at this moment " \
        "may still arrive as they were\n" in said[0], said
    # What was still waiting went without her.
    rest = went[batch:]
    assert [a for a, _ in rest] == ["team"], went
    assert "Alice" not in rest[0][1] and "former-" in rest[0][1], rest

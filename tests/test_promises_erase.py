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


async def test_an_erase_while_the_outbox_sends_stops_all_but_the_call_already_made(
        bot, chat, clock, cli_env, monkeypatch):  # noqa: F811
    """Slack (one message a second per chat) was down: Grace's kudos to Alice and Alice's
    to Bruno wait in the outbox -- a DM to each and two shout-outs in the team's channel,
    every one naming Alice or addressed to her. Slack is back, and the operator erases
    Alice as the backlog goes out: the first message is on its way when the erase commits,
    and the bot has taken the DMs to send in the same batch. Only the message whose call
    had begun still goes as it was (README names that limit, and the erase tells the
    operator): her DM never reaches her, and Bruno's DM and the second shout-out go with
    `former-<id>` in her place."""
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
            clock.advance(timedelta(seconds=1))  # (the platform takes a moment to answer)
        after.append(Sent(target, message))
        return await real(chat, target, message)
    monkeypatch.setattr(chat, "deliver", deliver)
    chat.fail_next.clear()
    clock.advance(timedelta(hours=1))
    for _ in range(10):
        await bot.outbox.flush()
        clock.advance(timedelta(seconds=5))
    went = [(s.target.address, s.text) for s in after]
    # The one call already made when the erase committed: the first shout-out, as it was.
    assert went[0][0] == "team" and "Alice" in went[0][1], went
    # The operator was told so, not left to believe nothing could reach or name her.
    assert "; 3 messages to or naming them were being sent by the running bot at this " \
        "moment: it sends none of them from now on; only one whose request had already " \
        "left (or leaves within 0.1 s) may still arrive as it was, at most one per " \
        "chat\n" in said[0], said
    # Nothing else reached her or named her, though the bot had taken it to send.
    rest = went[1:]
    assert "alice" not in [a for a, _ in rest], went
    assert sorted(a for a, _ in rest) == ["bruno", "team"], went
    assert all("Alice" not in text and "former-" in text for _, text in rest), rest

"""An edit of the org file that takes a right away (off `org.summary_viewers`, a director
moved to another team) withdraws the summaries and digests still waiting in the outbox
for that person (the platform was down when they were queued); what they may still read
(an ordinary reply, another team's director's digest) goes out once the platform is back."""

from __future__ import annotations

from datetime import timedelta

from bot.adapters.base import DeliveryError
from bot.org import load_org
from handlers.digest import queue_digest
from storage.models import OutboxMessage
from tests.support import say
from tests.test_org_reload import running  # noqa: F401  (the fixture)

DOWN = [DeliveryError("platform down")] * 100


def _statuses(bot, address: str) -> list[tuple[str, str]]:
    with bot.unit() as ctx:
        return [(m.status, m.payload.get("text", "")[:40]) for m in
                ctx.session.query(OutboxMessage).filter(OutboxMessage.address == address)
                .order_by(OutboxMessage.id)]


async def _back(running) -> None:  # noqa: F811
    running.chat.fail_next = []
    running.clock.advance(timedelta(minutes=10))
    await running.bot.deliver()
    await running.bot.drain()


async def test_a_summary_waiting_for_someone_taken_off_the_viewers_is_never_sent(
        running):  # noqa: F811
    """Vera, a summary viewer who stays in the org file, asks for the summary while the
    platform is down; the operator takes her off `summary_viewers` before it is back.
    The summary and the org's goals never reach her; her /help answer does."""
    running.chat.clear()
    running.chat.fail_next = list(DOWN)
    await say(running.bot, "vera", "/summary")
    await say(running.bot, "vera", "/goals")  # the whole org's goals
    await say(running.bot, "vera", "/help")
    await say(running.bot, "alice", "/goals")  # her own: no viewer's right needed
    assert running.chat.sent == []  # all wait in the outbox
    running.edit("summary_viewers: [vera]", "summary_viewers: []")
    change = await running.watcher.check()
    assert change is not None and change.removed == ()
    await _back(running)
    got = running.chat.to("vera")
    assert len(got) == 1 and "/help — this list" in got[0]
    assert not any("Weekly summary" in t for t in got)
    assert [s for s, _ in _statuses(running.bot, "vera")] == ["expired", "expired", "sent"]
    assert [s for s, _ in _statuses(running.bot, "alice")][-1] == "sent"


async def test_a_directors_team_summary_and_digest_wait_no_more_once_moved(
        running):  # noqa: F811
    """Alice, director of East, has her team's /summary and the week's digest waiting;
    the operator makes her director of West. East's numbers never reach her; Bruno's
    digest (his team unchanged) and Alice's ordinary replies go out."""
    running.chat.clear()
    running.chat.fail_next = list(DOWN)
    await say(running.bot, "alice", "/summary")
    with running.bot.unit() as ctx:
        for key in ("alice", "bruno"):
            assert queue_digest(ctx, ctx.people.by_key(key), "2026-W48", "test") == "queued"
    await say(running.bot, "alice", "/help")
    assert running.chat.sent == []
    running.edit("    team: East\n    timezone: America/New_York",
                 "    team: West\n    timezone: America/New_York")
    assert await running.watcher.check() is not None
    await _back(running)
    assert not any("East" in t for t in running.chat.to("alice"))
    assert any("/summary" in t for t in running.chat.to("alice"))  # /help's answer
    assert any("Europe" in t for t in running.chat.to("bruno"))  # his digest
    left = _statuses(running.bot, "U0ALICE") + _statuses(running.bot, "alice")
    assert [s for s, _ in left].count("expired") >= 2  # the summary and the digest


async def test_the_same_at_a_start_after_the_file_was_edited_while_stopped(
        running):  # noqa: F811
    """The file edited while the bot was stopped: the sync at the next start withdraws
    the same (here: sync_org with the edited file, as prepare() runs it)."""
    running.chat.clear()
    running.chat.fail_next = list(DOWN)
    await say(running.bot, "vera", "/summary")
    running.edit("summary_viewers: [vera]", "summary_viewers: []")
    running.bot.org = load_org(running.path)
    running.bot.sync_org()
    await _back(running)
    assert running.chat.to("vera") == []


def test_only_the_messages_of_those_who_lost_a_right_are_withdrawn(bot):
    """At the outbox: a removed person's DM and ephemeral note go, unless an active person
    has that account too; a marked summary goes only where nobody at that address may
    read it; unmarked replies stay."""
    from sqlalchemy import update as sql_update

    from bot.readers import READERS_KEY, VIEWERS, team_readers
    from storage.models import Person
    from storage.repositories import OutboxRepo

    now = bot.clock.now()
    with bot.unit() as ctx:
        ctx.session.execute(sql_update(Person).where(Person.key.in_(("sam", "vera")))
                            .values(active=False))
        # Bruno's account is also the one removed Vera had: his messages stay his.
        ctx.session.execute(sql_update(Person).where(Person.key == "bruno")
                            .values(slack_id="U0VERA"))
        repo = OutboxRepo(ctx.session)
        for kind, address, user_ref, payload in (
                ("dm", "U0SAM", None, {"text": "sam dm"}),
                ("ephemeral", "C1", "U0SAM", {"text": "sam note"}),
                ("dm", "U0VERA", None, {"text": "bruno's"}),
                ("dm", "U0ALICE", None, {"text": "alice east", READERS_KEY: team_readers("East")}),
                ("dm", "U0ALICE", None, {"text": "alice all", READERS_KEY: VIEWERS}),
                ("dm", "U0ALICE", None, {"text": "alice reply"}),
                ("dm", "U0GRACE", None, {"text": "grace all", READERS_KEY: VIEWERS}),
                ("dm", "U0LILEI", None, {"text": "li east", READERS_KEY: team_readers("east")}),
                ("dm", "U0NOBODY", None, {"text": "nobody", READERS_KEY: VIEWERS})):
            repo.add(platform="slack", target_kind=kind, address=address, user_ref=user_ref,
                     payload=payload, now=now)
    with bot.unit() as ctx:
        repo = OutboxRepo(ctx.session)
        assert repo.withdraw_for_leavers(now) == 2
        assert repo.withdraw_unreadable(now, {}) == 2
        assert repo.withdraw_for_leavers(now) == repo.withdraw_unreadable(now, {}) == 0
        left = {m.payload["text"]: m.status for m in ctx.session.query(OutboxMessage)
                if m.platform == "slack"}
    assert left == {"sam dm": "expired", "sam note": "expired", "bruno's": "pending",
                    "alice east": "pending", "alice all": "expired",
                    "alice reply": "pending", "grace all": "pending",
                    "li east": "expired", "nobody": "pending"}


async def test_what_an_edit_withdrew_is_counted_for_the_operator_by_reason(
        running, caplog):  # noqa: F811
    """Vera's /summary and Sam's /help wait while the platform is down; the operator takes
    Vera off the viewers and Sam out of the file. /metrics counts both withdrawals by
    reason (as the log says), and a second look at the same file counts nothing more."""
    import logging

    from prometheus_client import generate_latest

    running.chat.clear()
    running.chat.fail_next = list(DOWN)
    await say(running.bot, "vera", "/summary")
    await say(running.bot, "sam", "/help")
    sam = running.path.read_text(encoding="utf-8").split("  - key: sam\n")[1].split("# ")[0]
    running.edit("summary_viewers: [vera]", "summary_viewers: []")
    running.edit("  - key: sam\n" + sam, "")
    with caplog.at_level(logging.INFO, logger="bot.core"):
        assert (await running.watcher.check()).removed == ("sam",)
    assert "1 queued private message to people no longer in the file withdrawn" in caplog.text
    assert "1 queued message (summaries, digests, the GM's) to people who may no longer " \
        "read them withdrawn" in caplog.text

    def metrics() -> str:
        return generate_latest(running.bot.metrics.registry).decode()

    assert 'teampulse_messages_withdrawn_total{reason="removed"} 1.0' in metrics()
    assert 'teampulse_messages_withdrawn_total{reason="right_taken"} 1.0' in metrics()
    assert 'reason="oneonone_moved"' not in metrics()  # nothing of the kind withdrawn
    running.bot.sync_org()  # as a start with the same file: nothing left to withdraw
    assert 'teampulse_messages_withdrawn_total{reason="removed"} 1.0' in metrics()
    assert 'teampulse_messages_withdrawn_total{reason="right_taken"} 1.0' in metrics()
    await _back(running)
    assert running.chat.to("vera") == [] and running.chat.to("sam") == []

"""Who wrote, and the round an answer is for, as every event looks them up: the lookups
built once (storage/repositories.py) must find what a fresh query would, never a stale
copy, and never someone who is not there any more."""

from __future__ import annotations

from sqlalchemy import delete, event, update

from bot.events import InboundEvent
from storage.models import CheckinRound, Person
from storage.repositories import PeopleRepo, in_session


def _statements(bot) -> list[str]:
    seen: list[str] = []
    event.listen(bot.engine, "before_cursor_execute",
                 lambda _c, _cu, statement, *_a: seen.append(statement))
    return seen


async def test_a_round_looked_up_again_is_read_once_and_sees_later_changes(bot, chat):
    await bot.run_checkins(["alice"])
    with bot.unit() as ctx:
        round_id = ctx.checkins.latest(ctx.people.by_key("alice")).id
    seen = _statements(bot)
    with bot.unit() as ctx:
        first = in_session(ctx.session, CheckinRound, round_id)
        assert first is not None and first.status == "open"
        reads = len(seen)
        assert in_session(ctx.session, CheckinRound, round_id) is first
        assert len(seen) == reads  # the second from the session, no statement
        # The row changes underneath (written past the ORM, as another process would);
        # once the session's copy is expired the lookup reads the row again: the same
        # object, with what the database holds.
        ctx.session.connection().execute(update(CheckinRound).where(
            CheckinRound.id == round_id).values(status="submitted"))
        ctx.session.expire(first)
        again = in_session(ctx.session, CheckinRound, round_id)
        assert again is first and again.status == "submitted"
    with bot.unit() as ctx:
        assert in_session(ctx.session, CheckinRound, round_id + 1000) is None


async def test_a_round_deleted_underneath_is_not_found(bot, chat):
    await bot.run_checkins(["alice"])
    with bot.unit() as ctx:
        rnd = ctx.checkins.latest(ctx.people.by_key("alice"))
        round_id = rnd.id
        ctx.session.connection().execute(delete(CheckinRound).where(
            CheckinRound.id == round_id))  # (past the ORM, as another process would)
        ctx.session.expire(rnd)
        assert in_session(ctx.session, CheckinRound, round_id) is None


async def test_someone_removed_from_the_org_is_nobody_by_any_account(bot, chat):
    with bot.unit() as ctx:
        people = PeopleRepo(ctx.session)
        alice = people.by_key("alice")
        assert alice is not None
        assert people.by_platform("console", "alice") is alice
        ctx.session.execute(update(Person).where(Person.key == "alice")
                            .values(active=False, slack_id="U0ALICE", telegram_id=4242))
        ctx.session.expire_all()
        assert people.by_key("alice") is None
        assert people.by_platform("console", "alice") is None
        assert people.by_platform("slack", "U0ALICE") is None
        assert people.by_platform("telegram", "4242") is None
        assert people.by_key("bruno") is not None  # the lookup, built once, still binds anew
    # And what she types now is answered as anyone unknown is, not taken as hers.
    await bot.handle(InboundEvent("console", "alice", "alice", text="52000", event_id="x1"))
    with bot.unit() as ctx:
        assert ctx.people.by_key("alice") is None

"""Which rows a transaction already holds locked (storage.row_locks), shared by the kudos
allowance's giver lock and the check-in answers' round locks: remembered for the
transaction that took them only. Remembered past its end, a session's next transaction
skipped a lock it no longer held (two messages of one giver then both counted the
allowance before either gave); remembered from inside a savepoint rolled back, the same."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from storage import row_locks
from storage.kudos import KudosRepo
from storage.repositories import PeopleRepo


@contextmanager
def locks_of_people(bot) -> Iterator[list[str]]:
    """The statements that lock people rows, as they run (SQLite runs them without the
    FOR clause: it has no row locks)."""
    seen: list[str] = []

    def record(conn, cursor, statement, params, context, executemany) -> None:
        if statement.startswith("SELECT people.id \nFROM people \nWHERE people.id IN"):
            seen.append(statement)

    event.listen(bot.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(bot.engine, "before_cursor_execute", record)


def test_a_giver_is_locked_once_per_transaction_and_again_in_the_next(bot):
    """Alice's first kudos of a transaction locks her row, her second in it costs nothing;
    the same session's next transaction locks her again (the first's lock is gone)."""
    session = bot.sessions()
    try:
        alice = PeopleRepo(session).by_key("alice")
        with locks_of_people(bot) as seen:
            KudosRepo(session).lock_giver(alice)
            KudosRepo(session).lock_giver(alice)
            assert len(seen) == 1
            assert row_locks.held(session, "people") == {alice.id}
            session.commit()
            assert row_locks.held(session, "people") == set()
            KudosRepo(session).lock_giver(alice)
            assert len(seen) == 2
        session.rollback()
    finally:
        session.close()


def test_a_lock_taken_in_a_savepoint_is_not_remembered(bot):
    """A savepoint rolled back gives back the row locks taken in it: the giver is locked
    again after it. One taken before the savepoint is still held inside it."""
    session = bot.sessions()
    try:
        people = PeopleRepo(session)
        alice, bruno = people.by_key("alice"), people.by_key("bruno")
        with locks_of_people(bot) as seen:
            KudosRepo(session).lock_giver(bruno)
            with session.begin_nested():
                KudosRepo(session).lock_giver(alice)
                KudosRepo(session).lock_giver(bruno)  # held from before: no statement
                assert row_locks.held(session, "people") == {bruno.id}
            KudosRepo(session).lock_giver(alice)
            assert len(seen) == 3
        assert row_locks.held(session, "people") == {alice.id, bruno.id}
        assert row_locks.held(session, "rounds") == set()
        session.rollback()
    finally:
        session.close()

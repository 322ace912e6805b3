"""Which rows this transaction already holds locked, so a lock is taken once per transaction.

On PostgreSQL a row lock lasts until its transaction ends, and taking it again costs a
statement for nothing: a batch of events (one transaction) locks what it will touch up
front, and each event then finds it held. What is remembered belongs to the session's
transaction of now: a session used for a second transaction starts again from nothing,
as PostgreSQL does (remembering across them would skip a lock no longer held).
"""

from __future__ import annotations

from collections.abc import Iterable, Set

from sqlalchemy.orm import Session

#: session.info key: (the transaction, {kind: ids of the rows of that kind it holds}).
_HELD = "teampulse.row_locks"


def _of_now(session: Session) -> dict[str, set[int]] | None:
    now = session.get_transaction()
    if now is None:  # no transaction under way: nothing is held
        return None
    held = session.info.get(_HELD)
    if held is None or held[0] is not now:  # none yet, or another transaction's
        held = session.info[_HELD] = (now, {})
    kinds: dict[str, set[int]] = held[1]
    return kinds


def held(session: Session, kind: str) -> Set[int]:
    """The ids of the `kind` rows (e.g. "people") this session's transaction holds locked
    (read only: see remember)."""
    kinds = _of_now(session)
    found = kinds.get(kind) if kinds is not None else None
    return found if found is not None else frozenset()


def remember(session: Session, kind: str, ids: Iterable[int]) -> None:
    """Note that this session's transaction now holds these `kind` rows locked. Inside a
    savepoint nothing is noted: rolling it back gives back the row locks taken in it."""
    if session.in_nested_transaction():
        return
    kinds = _of_now(session)
    if kinds is not None:
        kinds.setdefault(kind, set()).update(ids)

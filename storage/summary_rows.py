"""The summary's reads: plain rows in three statements, whatever the size of the org.

The summary used to load every round and answer as ORM objects (a year of 1,000 people
took seconds); it needs only a few columns of each, so these are Core selects returning
tuples. Rounds name their question snapshot by key (storage/snapshot_keys.py): the
snapshot's JSON text is read once per distinct key, not once per round, and the caller
parses each once (a year of 1,000 people holds thousands of rounds, a handful of keys).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby
from operator import itemgetter
from typing import Any, TypeVar

from sqlalchemy import (
    Connection,
    Select,
    Text,
    bindparam,
    case,
    cast,
    event,
    false,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from storage.models import Answer, CheckinRound, Person
from storage.team_scope import TeamScope
from storage.undelivered import held_past_expiry

_K = TypeVar("_K", bound=Hashable)  # what a caller names each snapshot by


@dataclass(slots=True)
class RoundRow:
    """One round as the summary reads it (the attributes it uses of a CheckinRound)."""

    id: int
    person_id: int
    week: str
    status: str
    team: str | None
    prompted_at: datetime | None
    submitted_at: datetime | None
    timezone: str | None  # where the round was made (None: made before rounds had one)
    questions: str  # the snapshot as stored (JSON text)
    #: When its answers were last changed after its week had ended (None: never).
    edited_at: datetime | None = None
    answers: list[Any] = field(default_factory=list)  # rows: question_key, text_value, ...
    #: Of a round edited after its week: each answer so changed (question key) and the
    #: figure it had when the week ended (None: none then), see attach_was. None: not read.
    was: dict[str, float | None] | None = None


class SummaryRows:
    """Read-only queries for the GM's summary."""

    def __init__(self, session: Session, now: datetime | None = None) -> None:
        self.session = session
        # With `now`, a round whose prompt is still queued past its expiry reads as not
        # prompted (storage.undelivered.held_past_expiry), as it will once the outbox runs.
        self.now = now

    def people(self, scope: TeamScope | None = None) -> list[Any]:
        """Everyone ever synced (also people since removed), in key order, as rows; with
        `scope`, only those who may be in its team in its weeks."""
        # On the session's connection: Core rows, without the ORM's per-row bookkeeping.
        query = select(
            Person.id, Person.key, Person.display_name, Person.role, Person.team, Person.timezone,
            Person.active, Person.checks_in, Person.slack_id, Person.telegram_id,
            Person.telegram_username, Person.added_at, Person.left_at)
        if scope is not None:
            query = query.where(scope.people())
        return list(self.session.connection().execute(query.order_by(Person.key)))

    def rounds(self, weeks: Sequence[str], person_id: int | None = None,
               scope: TeamScope | None = None) -> list[RoundRow]:
        """The rounds of the given weeks (of one person, or of a team's people with
        `scope`, if given), answers not attached."""
        query = select(CheckinRound.id, CheckinRound.person_id, CheckinRound.week,
                       CheckinRound.status, CheckinRound.team, CheckinRound.prompted_at,
                       CheckinRound.submitted_at, CheckinRound.timezone,
                       CheckinRound.snapshot_key, CheckinRound.edited_at
                       ).where(CheckinRound.week.in_(list(weeks)))
        if person_id is not None:
            query = query.where(CheckinRound.person_id == person_id)
        if scope is not None:
            query = query.where(scope.rounds())
        conn = self.session.connection()
        # Unordered: the caller looks rounds up by (person, week), so no sort is needed.
        rows = conn.execute(query).all()
        texts = texts_by_key(conn, ((row[8], row[0]) for row in rows))
        held = held_past_expiry(self.session, self.now) if self.now is not None else set()
        # The same text object for every round of a snapshot: parsed once by its reader.
        return [RoundRow(*row[:5], None if (row[1], row[2]) in held and row[3] != "submitted"
                         else row[5], *row[6:8], texts[row[8]], row[9]) for row in rows]

    def attach_answers(self, rounds: Sequence[RoundRow], weeks: Sequence[str],
                       person_id: int | None = None,
                       texts_for: Collection[str] | None = None,
                       texts_of: Collection[str] = (),
                       scope: TeamScope | None = None) -> None:
        """Load the answers of `rounds` (those of `weeks`, of one person or of a team's
        people with `scope`, if given: the rounds were read alike) into them.

        One statement, in no particular order (a round has one answer per question and
        the summary goes by its questions' order). With `texts_for`, text answers come
        only for those weeks and for the question keys in `texts_of` (those that decide
        which other questions apply); elsewhere `text_value` is None: a trend shows
        numbers for the older weeks, and their texts are most of the bytes.
        """
        if not rounds:
            return
        by_id = {r.id: r for r in rounds}
        text = Answer.text_value
        if texts_for is not None:
            text = case((CheckinRound.week.in_(list(texts_for)), Answer.text_value),
                        (Answer.question_key.in_(list(texts_of) or [""]), Answer.text_value),
                        else_=None)
        answers = select(Answer.round_id, Answer.question_key, text.label("text_value"),
                         Answer.number_value, Answer.skipped
                         ).join(CheckinRound, CheckinRound.id == Answer.round_id
                                ).where(CheckinRound.week.in_(list(weeks)))
        if person_id is not None:
            answers = answers.where(CheckinRound.person_id == person_id)
        if scope is not None:
            answers = answers.where(scope.rounds())
        for row in self.session.connection().execute(answers).all():
            found = by_id.get(row[0])
            if found is not None:
                found.answers.append(row)

    def attach_was(self, rounds: Iterable[RoundRow]) -> None:
        """Of `rounds` changed after their week ended (edited_at), what each answer so
        changed held when the week ended (answers.number_at_week_end, 0022_answerwas),
        into their `was`: one read, and none at all when no round was (nearly always)."""
        edited = {r.id: r for r in rounds if r.edited_at is not None}
        if not edited:
            return
        found = figures_at_week_end(self.session.connection(), edited)
        for rid, r in edited.items():
            r.was = found.get(rid, {})


def figures_at_week_end(conn: Connection, round_ids: Iterable[int]
                        ) -> dict[int, dict[str, float | None]]:
    """Of these rounds, each answer changed after its week ended, by round id and question
    key, with the figure it held when the week ended (answers.number_at_week_end, None:
    none then): one read (a team's and a history's attach_was, the GM's view)."""
    found: dict[int, dict[str, float | None]] = {}
    for rid, key, number in conn.execute(
            select(Answer.round_id, Answer.question_key, Answer.number_at_week_end).where(
                Answer.round_id.in_(list(round_ids)),
                Answer.changed_after_week_at.is_not(None))):
        found.setdefault(rid, {})[key] = number
    return found


def plain_rows(conn: Connection, statement: Select[Any],
               params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
    """A query's rows as the driver's plain tuples (`params`: values of its bind
    parameters that it was built without).

    For tens of thousands of rows of plain ints, floats and strings (no type needs
    converting), SQLAlchemy's Row objects cost as much as the query itself.
    """
    result = conn.execute(statement, params) if params else conn.execute(statement)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


#: Each combination of statements read_aside reads as one on SQLite, built once: the
#: statements are themselves built once (the summary's _statement), so their identities
#: name the combination. (Bounded: weeks go by and the oldest are never asked again.)
_STACKED: dict[tuple[Select[Any], ...], Select[Any]] = {}


def _stacked(queries: Sequence[Select[Any]]) -> Select[Any]:
    """`queries` as one statement worked out whole before its first row is handed over
    (SQLite): each query's rows, in order, after its index in the list; the narrower
    queries' rows filled out with NULLs.

    A UNION ALL inside a MATERIALIZED common table expression: SQLite makes the whole
    table in the statement's first step, without the interpreter. Its first arm is of
    NULLs and returns no row: a compound's columns take the type affinity of its first
    arm's, which, were it a real query's, would turn a text answer "00123" read by a
    later arm into the number 123 in the table."""
    key = tuple(queries)
    found = _STACKED.get(key)
    if found is not None:
        return found
    width = max(len(q.selected_columns) for q in queries)
    none = select(*(null().label(f"c{i}") for i in range(width + 1))).where(false())
    # Each inside a subquery of its own: one with ORDER BY or LIMIT could not be an arm of
    # a compound (SQLite flattens the others into it, as if written there).
    arms = [select(literal_column(str(i)), *part.c,
                   *(null() for _ in range(width - len(q.selected_columns))))
            for i, q in enumerate(queries) for part in (q.subquery(f"part_{i}"),)]
    table = union_all(none, *arms).cte("stacked").prefix_with("MATERIALIZED")
    if len(_STACKED) >= 256:
        _STACKED.clear()
    found = _STACKED[key] = select(*table.c).select_from(table)
    return found


def _stacked_params(statements: Sequence[Select[Any] | tuple[Select[Any], Mapping[str, Any]]]
                    ) -> tuple[list[Select[Any]], dict[str, Any]]:
    """`statements`' queries, and the values bound by all of them, in one mapping."""
    queries = [s[0] if isinstance(s, tuple) else s for s in statements]
    params: dict[str, Any] = {}
    for s in statements:
        if isinstance(s, tuple):
            for name, value in s[1].items():
                # (One name, one value: the summary names each list it binds for what it
                # lists, and two parts of one read bind the same list.)
                if name in params and params[name] is not value and params[name] != value:
                    raise ValueError(f"read_aside: two values bound as {name!r}")
                params[name] = value
    return queries, params


def _split_stacked(queries: Sequence[Select[Any]], rows: Iterable[tuple[Any, ...]]
                   ) -> list[list[tuple[Any, ...]]]:
    """The rows of _stacked(queries), each query's as plain_rows gives them."""
    out: list[list[tuple[Any, ...]]] = [[] for _ in queries]
    widths = [len(q.selected_columns) + 1 for q in queries]
    for part, found in groupby(rows, itemgetter(0)):
        end = widths[part]
        out[part] += [row[1:end] for row in found]  # (each part is one run; += loses none if not)
    return out


@contextmanager
def read_aside(conn: Connection,
               statements: Sequence[Select[Any] | tuple[Select[Any], Mapping[str, Any]]],
               beside: Connection | None = None
               ) -> Iterator[Callable[[], list[list[tuple[Any, ...]]]]]:
    """Read `statements` (as plain_rows; each a statement or a statement and its
    parameters) on another thread while the block works on; the block calls what this
    gives to wait for their rows.

    For statements whose rows only the work after a long stretch of Python needs: the
    database works on them meanwhile (PostgreSQL's server, or SQLite's C code, which lets
    go of the interpreter), not while Python waits. On SQLite they are read as one
    statement worked out whole in its first step (_stacked), which is all the other
    thread does; its rows are fetched when the block waits, on the block's thread.
    SQLite's driver lets go of the interpreter and takes it back for every row, so two
    threads fetching rows at once pass it to and fro for each (two reads of the rounds at
    once took three times as long as one), and a row fetched on the side waits for the
    block to let go, every few milliseconds.

    `beside`: a connection reading the same moment as `conn` (handlers/context.one_moment's
    `beside`): the statements are read on it, and the block may go on using `conn` (the
    database then works on two statements at once). Without it they are read on `conn`,
    and the block must not use `conn` (nor its session) before it has the rows: a
    connection runs one statement at a time. Leaving the block waits for the reads,
    whatever happened in it: the transaction never ends under them.
    """
    if not statements:
        yield list
        return
    on = conn if beside is None else beside
    block, came = threading.get_ident(), threading.Event()
    sqlite = on.dialect.name == "sqlite"
    queries, params = _stacked_params(statements)

    def guard(*_args: Any) -> None:
        # Two threads on one connection is a race SQLAlchemy does not catch: a statement
        # of the block's own is refused, named, before it runs.
        if threading.get_ident() == block and not came.is_set():
            raise RuntimeError("read_aside: the block used the connection before the rows "
                               "read on the side came back")

    def read() -> Any:
        if sqlite:  # (the work done; its rows are fetched by wait)
            return on.execute(_stacked(queries), params) if params \
                else on.execute(_stacked(queries))
        return [plain_rows(on, *s) if isinstance(s, tuple) else plain_rows(on, s)
                for s in statements]

    def wait() -> list[list[tuple[Any, ...]]]:
        found = rows.result()
        if sqlite:
            try:
                out = _split_stacked(queries, found.cursor.fetchall())
            finally:
                found.close()
        else:
            out = found
        came.set()
        return out

    event.listen(on, "before_cursor_execute", guard)
    try:
        rows = _aside_pool().submit(read)
        try:
            yield wait
        finally:
            # Leaving waits for the read, whatever happened (`exception()` waits): the
            # transaction never ends under it. Rows the block did not wait for, on an
            # error, are closed.
            if not came.is_set() and rows.exception() is None:
                _close(rows.result())
    finally:
        event.remove(on, "before_cursor_execute", guard)


#: Threads reading aside at once, for every view being built (each has one read aside
#: at a time; more wait their turn, and a read never waits for another).
ASIDE_THREADS = 4
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _aside_pool() -> ThreadPoolExecutor:
    """The threads read_aside reads on, started once: a pool started and joined for each
    read cost 0.2-0.3 ms, three times a summary (1% of the 1,000-director export)."""
    global _pool
    if _pool is None:
        with _pool_lock:
            if _pool is None:
                _pool = ThreadPoolExecutor(ASIDE_THREADS,
                                           thread_name_prefix="teampulse-read-aside")
    return _pool


def _close(result: Any) -> None:
    """A result read_aside's block did not wait for, closed (its rows unread)."""
    close = getattr(result, "close", None)
    if close is not None:
        close()


def texts_by_key(conn: Connection, rounds: Iterable[tuple[str, int]]) -> dict[str, str]:
    """Each snapshot key's text, given (snapshot key, round id) for many rounds: one
    round per key is read."""
    first: dict[str, int] = {}
    for key, round_id in rounds:
        first.setdefault(key, round_id)
    return snapshot_texts(conn, first)


def snapshot_texts(conn: Connection, rounds: Mapping[_K, int]) -> dict[_K, str]:
    """The stored snapshot text for each name in `rounds` (name -> the id of a round
    holding that snapshot): one statement, one row per distinct snapshot."""
    if not rounds:
        return {}
    by_id = {rid: name for name, rid in rounds.items()}
    return {by_id[rid]: text for rid, text in conn.execute(
        select(CheckinRound.id, cast(CheckinRound.questions, Text))
        .where(CheckinRound.id.in_(list(by_id))))}


_R = CheckinRound
_MADE = _R.timezone.is_not(None)  # (rounds stored before rounds had a timezone: none)
_BEFORE = CheckinRound.__table__.alias("before_first")
#: Each person's latest round before `first` with a timezone, by id: looked up from the
#: (person, week) index backwards, one person at a time, stopping at the first such round.
#: (Their greatest week, grouped by person and joined back, read every earlier round of
#: each: a year of weeks for a person asked about in the GM's summary of four.)
_LATEST_BEFORE = select(select(_BEFORE.c.id).where(
    _BEFORE.c.person_id == Person.id, _BEFORE.c.week < bindparam("first"),
    _BEFORE.c.timezone.is_not(None)).order_by(_BEFORE.c.week.desc()).limit(1)
    .scalar_subquery()).where(Person.id.in_(bindparam("ids", expanding=True)))
#: round_zones' two statements, built once (the people and weeks bound when they run):
#: building them anew cost more than SQLite took to run them.
_ZONES = (select(_R.person_id, _R.week, _R.timezone).where(_R.id.in_(_LATEST_BEFORE)),
          select(_R.person_id, _R.week, _R.timezone).where(
              _R.person_id.in_(bindparam("ids", expanding=True)),
              _R.week >= bindparam("first"), _R.week <= bindparam("last"), _MADE)
          .order_by(_R.week))


def round_zones(session: Session, people: Collection[int], first: str, last: str
                ) -> dict[int, list[tuple[str, str]]]:
    """Per person, the timezone each of their rounds from `first` to `last` was made in,
    and that of their latest round before `first`: (week, timezone), oldest first. Rounds
    stored before rounds had a timezone (none) are left out. Two statements."""
    if not people:
        return {}
    params = {"ids": sorted(people), "first": first, "last": last}
    out: dict[int, list[tuple[str, str]]] = {}
    conn = session.connection()
    for query in _ZONES:
        for pid, week, zone in plain_rows(conn, query, params):
            out.setdefault(pid, []).append((week, zone))
    return out

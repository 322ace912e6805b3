"""A batch's changed versioned rows (the dialogs) written in one statement on PostgreSQL.

A mapped class with a version column (storage.models.Conversation) is written by the ORM
one UPDATE per row: each must say whether it matched its row (the version check), which an
executemany does not tell per row. A batch of 64 answers spent 64 of its 74 statements so.
Here the rows that changed the same columns go as one UPDATE .. FROM unnest(arrays) ..
RETURNING: the ids returned are the rows that still had the version read, and one missing
raises StaleDataError, as the ORM's own check does, so the batch is undone and done again
as before (bot.core). What is written, and when, is what the ORM's flush would have
written: only the changed columns, the version raised by one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import JSON, Table, inspect, text
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import InstanceState, Mapper, Session
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.sql import ClauseElement

#: (table name, changed columns) -> the statement's text and its columns, built once.
_STATEMENTS: dict[tuple[str, tuple[str, ...]], tuple[Any, tuple[str, ...]]] = {}


def write_versioned_together(session: Session, connection: Callable[[], Connection]) -> int:
    """Write the session's changed rows of versioned classes, grouped by the columns they
    change, one statement a group, on PostgreSQL; the rows left to the ORM are those it
    cannot take (see _groupable). Raises StaleDataError when a row's version moved on
    since it was read. How many rows were written (0 when there were fewer than two: the
    ORM's one statement costs the same)."""
    groups: dict[tuple[Mapper[Any], tuple[str, ...]], list[InstanceState[Any]]] = {}
    for obj in session.dirty:
        state: InstanceState[Any] = inspect(obj)
        changed = _groupable(state)
        if changed:
            groups.setdefault((state.mapper, changed), []).append(state)
    if sum(len(states) for states in groups.values()) < 2:
        return 0
    conn = connection()
    for (mapper, changed), states in groups.items():
        _update(conn, mapper, changed, states)
        for state in states:
            # Clean, as after the ORM's flush: its version raised, nothing left to write.
            version = mapper.version_id_col.key  # type: ignore[union-attr]
            state.dict[version] = mapper.version_id_generator(state.dict[version])  # type: ignore[operator, misc]
            state._commit_all(state.dict, session.identity_map)
    return sum(len(states) for states in groups.values())


def _groupable(state: InstanceState[Any]) -> tuple[str, ...]:
    """The columns a changed row changes, if it can be written here: a persistent row of a
    versioned single-table class (its next version made in Python, as the ORM makes it;
    no update hooks or defaults) that
    changed plain column values only. Empty otherwise: the ORM writes it."""
    mapper = state.mapper
    version = mapper.version_id_col
    if (version is None or state.key is None or state.deleted or not state.committed_state
            or len(mapper.tables) != 1 or len(mapper.primary_key) != 1
            or not callable(mapper.version_id_generator)
            or mapper.dispatch.before_update or mapper.dispatch.after_update):
        return ()
    table = mapper.local_table
    if not isinstance(table, Table) or any(
            c.onupdate is not None or c.server_onupdate is not None for c in table.columns):
        return ()
    columns = mapper._columntoproperty
    pk, version_key = mapper.primary_key[0].key, version.key
    if pk not in state.dict or version_key not in state.dict:
        return ()
    changed = []
    for key, was in state.committed_state.items():
        prop = mapper.get_property(key) if mapper.has_property(key) else None
        column = prop.columns[0] if prop is not None and hasattr(prop, "columns") else None
        if column is None or columns.get(column) is not prop or column.key in (pk, version_key):
            return ()  # a relationship, or the key or version set by hand
        value = state.dict.get(key)
        if key not in state.dict or isinstance(value, ClauseElement) or hasattr(
                value, "__clause_element__"):
            return ()
        if state.manager[key].impl.is_equal(value, was) is not True:
            changed.append(key)
    return tuple(sorted(changed))


def _statement(mapper: Mapper[Any], changed: tuple[str, ...], dialect: Dialect
               ) -> tuple[Any, tuple[str, ...]]:
    """UPDATE table SET changed columns, version = new FROM unnest(one array a column)
    WHERE key and version match, RETURNING the key; built once per table and columns."""
    table = mapper.local_table
    cache_key = (table.name, changed)  # type: ignore[attr-defined]
    if cache_key in _STATEMENTS:
        return _STATEMENTS[cache_key]
    pk = mapper.primary_key[0]
    version = mapper.version_id_col
    assert version is not None
    q = dialect.identifier_preparer.quote
    names = (pk.key, version.key, "new_version", *changed)
    column_of = {pk.key: pk, version.key: version, "new_version": version,
                 **{key: mapper.get_property(key).columns[0]  # type: ignore[attr-defined]
                    for key in changed}}
    arrays, sets = [], []
    for i, key in enumerate(names):
        column = column_of[key]
        kind = column.type.compile(dialect)
        # JSON goes as text, read as JSON row by row: a json[] parameter psycopg would
        # have to be told how to fill.
        is_json = isinstance(column.type, JSON)
        arrays.append(f"CAST(:p{i} AS {'TEXT' if is_json else kind}[])")
        if key in changed:
            sets.append(f"{q(column.name)} = "
                        + (f"CAST(v.c{i} AS {kind})" if is_json else f"v.c{i}"))
    sets.append(f"{q(version.name)} = v.c2")
    name = q(table.name)  # type: ignore[attr-defined]
    aliases = ", ".join(f"c{i}" for i in range(len(names)))
    sql = (f"UPDATE {name} SET {', '.join(sets)} "
           f"FROM unnest({', '.join(arrays)}) AS v({aliases}) "
           f"WHERE {name}.{q(pk.name)} = v.c0 AND {name}.{q(version.name)} = v.c1 "
           f"RETURNING {name}.{q(pk.name)}")
    built = (text(sql), names)
    _STATEMENTS[cache_key] = built
    return built


def _update(conn: Connection, mapper: Mapper[Any], changed: tuple[str, ...],
            states: Sequence[InstanceState[Any]]) -> None:
    dialect = conn.dialect
    statement, names = _statement(mapper, changed, dialect)
    version = mapper.version_id_col
    assert version is not None
    generate = mapper.version_id_generator
    assert callable(generate)
    pk_key = mapper.primary_key[0].key
    params: dict[str, list[Any]] = {}
    for i, key in enumerate(names):
        if key == "new_version":
            params[f"p{i}"] = [generate(s.dict[version.key]) for s in states]
            continue
        column = mapper.get_property(key).columns[0]  # type: ignore[attr-defined]
        values = [s.dict[key] for s in states]
        if isinstance(column.type, JSON):
            dumps = getattr(dialect, "_json_serializer", None) or json.dumps
            values = [None if v is None and column.type.none_as_null else dumps(v)
                      for v in values]
        else:
            process = column.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                values = [process(v) for v in values]
        params[f"p{i}"] = values
    written = {row[0] for row in conn.execute(statement, params)}
    expected = [s.dict[pk_key] for s in states]
    if missing := [k for k in expected if k not in written]:
        # As the ORM says it: another transaction changed (or removed) these rows since
        # they were read.
        raise StaleDataError(
            f"UPDATE statement on table '{mapper.local_table.name}' expected to update "  # type: ignore[attr-defined]
            f"{len(expected)} row(s); {len(expected) - len(missing)} were matched.")

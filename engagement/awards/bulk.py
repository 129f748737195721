"""A batch's rows in one statement per table, as the awards write them (consumers/awards.py).

On PostgreSQL the rows travel as one array per column (``INSERT ... SELECT FROM unnest(...)``,
``= ANY(array)``): a batch of thousands of rows is one short statement with a handful of
parameters, which psycopg sends in binary, instead of SQL text with thousands of placeholders
that the client builds and the server parses for every batch. Elsewhere (SQLite, one writer at a
time) SQLAlchemy's multi-row statements do the same work.
"""
from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import ARRAY, JSON, any_, bindparam
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from engagement.bulk import unbounded


def postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def among(session: Session, column: Any, values: Collection) -> Any:
    """``column IN values``: on PostgreSQL one array parameter, however many values."""
    if postgres(session):
        return column == any_(bindparam(None, list(values), type_=ARRAY(unbounded(column.type))))
    return column.in_(list(values))


def insert(session: Session, model: Any, rows: Sequence[dict], keys: Sequence[str] = (),
           add: Sequence[str] = (), set_: Sequence[str] = (), returning: Sequence[str] = ()) -> list[tuple]:
    """Insert ``rows`` (dicts with the same columns) in one statement. With ``keys``, a row whose
    key is there already adds its ``add`` columns to the stored ones and overwrites its ``set_``
    columns (ON CONFLICT ... DO UPDATE); without, a duplicate key is an error. Answers the
    ``returning`` columns of every row written."""
    if not rows:
        return []
    if postgres(session):
        columns = {name: [row[name] for row in rows] for name in rows[0]}
        return _insert_unnest(session, model, columns, keys, add, set_, returning)
    return _insert_sqlite(session, model, rows, keys, add, set_, returning)


def insert_columns(session: Session, model: Any, columns: dict[str, list], keys: Sequence[str] = (),
                   add: Sequence[str] = (), set_: Sequence[str] = (), returning: Sequence[str] = ()) -> list[tuple]:
    """:func:`insert` of rows given as one list per column (all as long): on PostgreSQL those
    lists are the statement's arrays as they are, with no dict made and taken apart per row."""
    if not columns or not next(iter(columns.values())):
        return []
    if postgres(session):
        return _insert_unnest(session, model, columns, keys, add, set_, returning)
    names = list(columns)
    rows = [dict(zip(names, values, strict=True)) for values in zip(*columns.values(), strict=True)]
    return _insert_sqlite(session, model, rows, keys, add, set_, returning)


def _insert_sqlite(session: Session, model: Any, rows: Sequence[dict], keys: Sequence[str], add: Sequence[str],
                   set_: Sequence[str], returning: Sequence[str]) -> list[tuple]:
    """SQLAlchemy's multi-row statement (SQLite: one writer at a time)."""
    statement = sqlite.insert(model)
    if keys:
        excluded = statement.excluded
        statement = statement.on_conflict_do_update(index_elements=list(keys), set_={
            **{c: getattr(model, c) + getattr(excluded, c) for c in add},
            **{c: getattr(excluded, c) for c in set_}})
    if not returning:
        session.execute(statement, list(rows))
        return []
    return [tuple(r) for r in session.execute(statement.returning(*(getattr(model, c) for c in returning)),
                                              list(rows))]


def _insert_unnest(session: Session, model: Any, columns: dict[str, list], keys: Sequence[str],
                   add: Sequence[str], set_: Sequence[str], returning: Sequence[str]) -> list[tuple]:
    """The PostgreSQL statement, on the session's connection (inside its transaction), with the
    arrays sent in binary: no quoting and escaping of every element as in the text format."""
    table, dialect = model.__table__, session.get_bind().dialect
    names = list(columns)
    params, arrays, selected = {}, [], []
    for i, name in enumerate(names):
        column = table.c[name]
        values = columns[name]
        if isinstance(column.type, JSON):  # as the ORM sends it: text from the engine's serializer
            dumps = getattr(dialect, "_json_serializer", None) or json.dumps
            params[f"c{i}"] = [None if v is None else dumps(v) for v in values]
            arrays.append(f"CAST(%(c{i})b AS TEXT[])")
            selected.append(f"CAST(u.c{i} AS JSON)")
        else:
            params[f"c{i}"] = values  # cast unbounded: the column refuses a value too long, a cast cuts it
            arrays.append(f"CAST(%(c{i})b AS {unbounded(column.type).compile(dialect=dialect)}[])")
            selected.append(f"u.c{i}")
    quoted = ", ".join(f'"{n}"' for n in names)
    sql = (f"INSERT INTO {table.name} ({quoted}) SELECT {', '.join(selected)} "
           f"FROM unnest({', '.join(arrays)}) AS u({', '.join(f'c{i}' for i in range(len(names)))})")
    if keys:
        updates = [f'"{c}" = {table.name}."{c}" + EXCLUDED."{c}"' for c in add]
        updates += [f'"{c}" = EXCLUDED."{c}"' for c in set_]
        sql += f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {', '.join(updates)}"
    if returning:
        sql += " RETURNING " + ", ".join(f'{table.name}."{c}"' for c in returning)
    cursor = session.connection().connection.cursor()
    cursor.execute(sql, params)
    return [tuple(r) for r in cursor.fetchall()] if returning else []


def add_counts(session: Session, model: Any, keys: tuple[str, ...], counters: tuple[str, ...],
               deltas: dict[tuple, tuple[int, ...]], returning: bool = False) -> dict[tuple, tuple]:
    """What consumers.base.Deltas.write does, in one statement on PostgreSQL: add each row's
    deltas (``counters`` in order, by primary key) to what is there, in key order, so two
    consumers adding to the same rows never deadlock; with ``returning``, answer each row's
    counters as they now stand."""
    if not deltas:
        return {}
    ordered = sorted(deltas.items())
    names = keys + counters
    columns = {name: [key[i] for key, _ in ordered] for i, name in enumerate(keys)}
    columns |= {name: [values[i] for _, values in ordered] for i, name in enumerate(counters)}
    out = insert_columns(session, model, {n: columns[n] for n in names}, keys=keys, add=counters,
                         returning=names if returning else ())
    width = len(keys)
    return {tuple(row[:width]): tuple(row[width:]) for row in out}

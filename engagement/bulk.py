"""A batch's rows in one statement, whatever their number: the read models' bulk reads and writes.

On PostgreSQL a batch's keys or rows travel as one JSON parameter (an array of rows) unpacked on
the server, so a statement has a handful of parameters whether it touches one row or a thousand:
SQLAlchemy compiles it once and caches it, and PostgreSQL plans it once. An ``IN`` list of a
thousand tuples, or an ``executemany`` of a thousand single-row upserts, costs a bind (and on the
server a statement) per row instead. SQLite gets the plain forms: a tuple ``IN`` and an
``executemany``.
"""
from __future__ import annotations

import copy
import json
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import JSON, Text, and_, any_, bindparam, cast, func, insert, literal_column, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

Update = Callable[[Any, Any], Mapping[str, Any]]  # (table columns, excluded) -> what a conflicting row becomes


def on_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _recordset(columns: Sequence[Any]) -> tuple[Any, str]:
    """The rows as one JSON parameter (an array of arrays, serialised in C; a driver dumps an array
    parameter element by element in Python), unpacked on the server into columns ``c0, c1, ...``
    of the columns' types: ``SELECT CAST(r->>0 AS type) AS c0, ... FROM json_array_elements(:rows) AS r``.
    Built once per set of columns (with the name of its parameter): building it costs more than
    a batch's other work in Python."""
    key = tuple(columns)
    if key not in _RECORDSETS:
        name = "bulk_" + "_".join(f"{column.table.name}_{column.name}" for column in columns)
        elements = func.json_array_elements(cast(bindparam(name, type_=Text), JSON)).table_valued("value")
        _RECORDSETS[key] = select(*(cast(elements.c.value.op("->>")(literal_column(str(i))), unbounded(column.type))
                                    .label(f"c{i}") for i, column in enumerate(columns))).subquery(), name
    return _RECORDSETS[key]


_RECORDSETS: dict[tuple, tuple[Any, str]] = {}


def unbounded(type_: Any) -> Any:
    """The column's type without its length: ``VARCHAR``, not ``VARCHAR(128)``. PostgreSQL cuts a
    value that an explicit CAST says is VARCHAR(128) to 128 characters without a word, where an
    INSERT of the same value is refused ("value too long"); so a poison record (an actor of 300
    characters) was stored cut to fit and counted, not refused and dead-lettered as the ORM's
    INSERT did. Cast to the unbounded type, the INSERT's own assignment to the column refuses it."""
    if getattr(type_, "length", None) is None:
        return type_
    plain = copy.copy(type_)
    plain.length = None
    return plain


def _payload(rows: Sequence[Sequence[Any]]) -> str:
    """The rows as JSON text, serialised by orjson (in C: datetimes as ISO 8601 as isoformat()
    writes them, without a call back into Python per value)."""
    try:
        return orjson.dumps(rows).decode()
    except TypeError:  # what orjson refuses (an int beyond 64 bits, a subclass): as before
        return json.dumps(rows, default=_json_value)


def _json_value(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not a column value")


def where_keys(session: Session, statement: Select, columns: Sequence[Any], keys: Collection[tuple]) -> Select:
    """``statement`` restricted to rows whose ``columns`` equal one of ``keys`` (distinct tuples)."""
    if len(columns) == 1:  # = ANY(array) on PostgreSQL: an index scan, where a join may read the whole table
        values = [key[0] for key in keys]
        if not on_postgresql(session):
            return statement.where(columns[0].in_(values))
        array = postgresql.ARRAY(unbounded(columns[0].type))
        return statement.where(columns[0] == any_(bindparam("bulk_0", values, type_=array)))
    if not on_postgresql(session):
        return statement.where(tuple_(*columns).in_(list(keys)))
    keyset, name = _recordset(columns)
    statement = statement.join(keyset, and_(*(column == keyset.c[f"c{i}"] for i, column in enumerate(columns))))
    return statement.params({name: _payload(list(keys))})


def write(session: Session, model: Any, rows: Sequence[Mapping[str, Any]], conflict: Sequence[str] = (),
          update: Update | None = None, returning: Sequence[Any] = ()) -> Any:
    """Insert ``rows`` (dicts with the same keys) in one statement. With ``conflict`` (the key
    columns), ``update`` says what a conflicting row becomes (a function of the table and
    ``excluded``, the row offered); without one a conflicting row is left as it is. Answers the
    statement's result (its ``returning`` columns), or None when there was nothing to write."""
    if not rows:
        return None
    if on_postgresql(session):  # Core, not the ORM's bulk insert, which would take the parameter for rows
        return session.connection().execute(*_insert(model, rows, conflict, update, returning))
    statement: Any = sqlite.insert(model) if conflict else insert(model)
    if conflict:
        statement = _on_conflict(statement, conflict, update)
    if returning:
        statement = statement.returning(*returning)
    return session.execute(statement, list(rows))


class Writes:
    """A batch's writes, sent together by :meth:`send`: on PostgreSQL as one statement (each write a
    data-modifying CTE), so a batch's tables cost one round trip; elsewhere one by one.

    The statement depends only on which tables and columns are written and how a conflicting row
    is updated, so it is built and compiled to SQL once per such shape and sent to the driver as
    text: building and compiling it, and the cache key SQLAlchemy derives from it on every
    execution, cost more than the rest of a batch's Python work. A write whose ``update`` has no
    stable identity (a bound method without ``update_key``) is built anew each time, as before."""

    def __init__(self, session: Session):
        self.session = session
        self.pending: list[tuple[Any, Any, list[str], Sequence[str], Update | None]] = []
        self.parameters: dict[str, str] = {}

    def add(self, model: Any, rows: Sequence[Mapping[str, Any]], conflict: Sequence[str] = (),
            update: Update | None = None, update_key: Any = None) -> None:
        if rows:
            names = list(rows[0])
            self.add_lists(model, names, [[row[name] for name in names] for row in rows], conflict, update,
                           update_key)

    def add_lists(self, model: Any, names: Sequence[str], rows: Sequence[Sequence[Any]], conflict: Sequence[str] = (),
                  update: Update | None = None, update_key: Any = None) -> None:
        """:meth:`add` with each row as a list of values in the order of ``names`` (no dict per row)."""
        if not rows:
            return
        if not on_postgresql(self.session):
            write(self.session, model, [dict(zip(names, row, strict=True)) for row in rows], conflict, update)
            return
        parameter = _recordset([getattr(model, name).expression for name in names])[1]
        assert parameter not in self.parameters, "one write per table and columns"
        shape = _shape(model, names, conflict, update, update_key)
        self.pending.append((shape, model, list(names), conflict, update))
        self.parameters[parameter] = _payload(rows)

    def send(self) -> None:
        if not self.pending:
            return
        shapes = tuple(shape for shape, *_ in self.pending)
        compiled = _WRITES.get(shapes) if None not in shapes else None
        if compiled is None:
            statements = [_insert_statement(model, names, conflict, update, ())
                          for _, model, names, conflict, update in self.pending]
            ctes = [statement.cte(f"bulk_write_{i}") for i, statement in enumerate(statements)]
            statement: Any = select(literal_column(str(len(ctes)))).add_cte(*ctes)
            compiled = statement.compile(dialect=self.session.get_bind().dialect)
            if None not in shapes:
                _WRITES[shapes] = compiled
        if self.session.autoflush:  # as session.execute would
            self.session.flush()
        self.session.connection().exec_driver_sql(compiled.string, {**compiled.params, **self.parameters})
        self.pending, self.parameters = [], {}


_WRITES: dict[tuple, Any] = {}  # compiled statements of Writes.send, by the shapes of their writes


def _shape(model: Any, names: Sequence[str], conflict: Sequence[str], update: Update | None, update_key: Any) -> Any:
    """What a write's statement depends on, or None when ``update`` has no stable identity."""
    if update is None:
        how: Any = None
    elif update_key is not None:
        how = (getattr(update, "__func__", update), update_key)
    elif hasattr(update, "__self__") or "<" in update.__qualname__:  # a bound method, a lambda or a
        return None  # function made per call: what it does may depend on what it was made from
    else:
        how = update
    return model, tuple(names), tuple(conflict), how


def _insert(model: Any, rows: Sequence[Mapping[str, Any]], conflict: Sequence[str], update: Update | None,
            returning: Sequence[Any]) -> tuple[Any, dict[str, str]]:
    """The statement and its one parameter (PostgreSQL):
    ``INSERT INTO model (...) SELECT ... FROM json_array_elements(:rows) ...``."""
    names = list(rows[0])
    parameter = _recordset([getattr(model, name).expression for name in names])[1]
    statement = _insert_statement(model, names, conflict, update, returning)
    return statement, {parameter: _payload([[row[name] for name in names] for row in rows])}


def _insert_statement(model: Any, names: Sequence[str], conflict: Sequence[str], update: Update | None,
                      returning: Sequence[Any]) -> Any:
    source = _recordset([getattr(model, name).expression for name in names])[0]
    statement: Any = postgresql.insert(model).from_select(list(names), select(*source.c))
    if conflict:
        statement = _on_conflict(statement, conflict, update)
    return statement.returning(*returning) if returning else statement


def _on_conflict(statement: Any, conflict: Sequence[str], update: Update | None) -> Any:
    if update is None:
        return statement.on_conflict_do_nothing(index_elements=list(conflict))
    return statement.on_conflict_do_update(index_elements=list(conflict),
                                           set_=update(statement.table.c, statement.excluded))

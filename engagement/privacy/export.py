"""What Tillit holds about one person (GDPR art. 15 and 20), driven only by the inventory.

A person is found in a row by any inventoried column, in that column's form (their id, a
``person:`` reference, a ``user:`` label, a person target, a person facet's key, inside JSON or
an event id in their id space): one query per table, the forms OR-ed. JSON and event ids are
narrowed by a LIKE in SQL and then checked in Python, so ``kari`` does not find ``karin``. Where a
row is someone else's too (another's notification, a report of the person's content), the table's
``shown`` rule in the inventory says what of it the person gets
(:mod:`engagement.privacy.shared_rows`); the data protection officer's copy for the person is the same.
"""
from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Text, cast, false, or_, select
from sqlalchemy.orm import Session

from engagement.privacy import forms
from engagement.privacy.inventory import Form, Table, person_tables
from engagement.tables import Base

FORMAT = 1
SEARCHED_IN_PYTHON = (Form.JSON, Form.EVENT_ID)


def person_data(session: Session, person: str) -> dict:
    """Every row of every inventoried table in which ``person`` appears; tables with none have rows []."""
    named = naming(person)
    return {"format": FORMAT, "person": person, "generated_at": _iso(datetime.now(UTC)),
            "tables": [{"table": t.table, "domain": t.domain, "purpose": t.purpose, "legal_basis": t.legal_basis,
                        "retention": t.retention, "rows": _rows(session, t, person, named)}
                       for t in person_tables()]}


def as_csv(data: dict) -> str:
    """One CSV, long format: table,row,column,value (row = the row's number within its table, from 1)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["table", "row", "column", "value"])
    for table in data["tables"]:
        for number, row in enumerate(table["rows"], start=1):
            for column, value in row.items():
                writer.writerow([table["table"], number, column, _cell(value)])
    return out.getvalue()


def naming(person: str) -> re.Pattern[str]:
    """The person's id standing as a word of its own (as erasure renames it inside events)."""
    return forms.word(person)


def matches(table: Table, person: str) -> Any:
    """The SQL condition: the person in any inventoried column of ``table`` (JSON and event ids by LIKE)."""
    sql = Base.metadata.tables[table.table]
    conditions = [forms.naming(sql, c, person) for c in table.of(*forms.SPELLED)]
    conditions += [cast(sql.c[c.name], Text).contains(person, autoescape=True) for c in table.of(*SEARCHED_IN_PYTHON)]
    return or_(*conditions) if conditions else false()


def _rows(session: Session, table: Table, person: str, named: re.Pattern[str]) -> list[dict]:
    sql = Base.metadata.tables[table.table]
    found = session.execute(select(sql).where(matches(table, person)).order_by(*sql.primary_key.columns)).mappings()
    rows = [{k: _safe(v) for k, v in row.items()} for row in found if _confirmed(table, row, person, named)]
    return rows if table.shown is None else [r for r in (table.shown(row, person) for row in rows) if r is not None]


def _confirmed(table: Table, row, person: str, named: re.Pattern[str]) -> bool:
    """A row the LIKE found only through JSON or an event id must name the person as a word."""
    return any(row[c.name] is not None and _names(c.form, row, row[c.name], person, named) for c in table.columns)


def _names(form: Form, row, value: Any, person: str, named: re.Pattern[str]) -> bool:
    if form in SEARCHED_IN_PYTHON:
        return bool(named.search(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)))
    return forms.names(form, row, value, person)


def _safe(value: Any) -> Any:
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _iso(moment: datetime) -> str:
    """ISO 8601 UTC; naive datetimes in the database are UTC."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat() + "Z"


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    """A CSV cell a spreadsheet shows as text: a value that would start a formula (a title
    "=HYPERLINK(...)" someone wrote) gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) and not isinstance(value, (int, float)) else text

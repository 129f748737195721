"""How each inventoried form finds a person in SQL, and how erasure renames them: one place for
export and erasure, so what is shown and what is erased cannot drift apart."""
from __future__ import annotations

import re

from sqlalchemy import ColumnElement, Table, Update, and_, false, func, literal, or_, update

from engagement.privacy.inventory import KEY_FACET_COLUMN, KEY_FACETS, TARGET_KIND_COLUMN, Column, Form

# Forms that name the person by a whole value (a reference may carry a month: "person:kari@2026-10").
SPELLED = {Form.ID: "{}", Form.REF: "person:{}", Form.LABEL: "user:{}", Form.TARGET: "{}", Form.KEY: "{}"}
SUFFIXED = {Form.REF: "@"}  # a Bra!'s subject is the person and the month: "@YYYY-MM", nothing else
MONTH_SUFFIX = re.compile(r"@\d{4}-\d{2}")
MONTH_SUFFIX_LENGTH = len("@2026-10")
# Inside event ids and JSON a person's id counts where it stands as a word. Letters, digits and the
# characters people's ids are commonly built with (kari.n, kari_n, kari@ex) are inside a word, so
# "ev-kari.n-20" does not name kari; "-", "~", ":" and "/" separate ("profile-kari", "~kari~like-1").
_INSIDE_A_WORD = "A-Za-z0-9._@"


def word(person: str) -> re.Pattern[str]:
    """The person's id standing as a word of its own, as export finds it and erasure renames it."""
    return re.compile(rf"(?<![{_INSIDE_A_WORD}]){re.escape(person)}(?![{_INSIDE_A_WORD}])")


def spelled(form: Form, person: str) -> str:
    return SPELLED[form].format(person)


def naming(sql: Table, column: Column, person: str) -> ColumnElement[bool]:
    """The rows whose ``column`` names the person in the column's form (JSON, event ids and texts
    are not found by value: see :mod:`engagement.privacy.export`)."""
    if column.form not in SPELLED:
        return false()
    c, value = sql.c[column.name], spelled(column.form, person)
    found = c == value
    if column.form in SUFFIXED:
        found = or_(found, _suffixed(c, value + SUFFIXED[column.form]))
    return and_(found, *_only_people(sql, column.form))


def _suffixed(c, start: str) -> ColumnElement[bool]:
    """The value followed by a month and nothing else ("person:kari@2026-10", not "person:kari@ex")."""
    return and_(c.startswith(start, autoescape=True), func.length(c) == len(start) - 1 + MONTH_SUFFIX_LENGTH)


def names(form: Form, row, value: str, person: str) -> bool:
    """The same test in Python, for a row already read."""
    if form not in SPELLED or not isinstance(value, str) or not all(_row_is_a_person(row, form)):
        return False
    whole = spelled(form, person)
    return value == whole or (form in SUFFIXED and value.startswith(whole)
                              and MONTH_SUFFIX.fullmatch(value[len(whole):]) is not None)


def renames(sql: Table, column: Column, person: str, pseudonym: str) -> list[Update]:
    """The UPDATEs that replace the person by the pseudonym in ``column`` (keeping any suffix)."""
    c, old, new = sql.c[column.name], spelled(column.form, person), spelled(column.form, pseudonym)
    only = _only_people(sql, column.form)
    statements = [update(sql).where(c == old, *only).values({column.name: new})]
    if column.form in SUFFIXED:
        suffixed = _suffixed(c, old + SUFFIXED[column.form])
        statements.append(update(sql).where(suffixed, *only)
                          .values({column.name: literal(new) + func.substr(c, len(old) + 1)}))
    return statements


def _only_people(sql: Table, form: Form) -> list[ColumnElement[bool]]:
    """A target names a person only when its kind is person; a tally's key only for person facets."""
    if form is Form.TARGET:
        return [sql.c[TARGET_KIND_COLUMN] == "person"]
    if form is Form.KEY:
        return [sql.c[KEY_FACET_COLUMN].in_(KEY_FACETS)]
    return []


def _row_is_a_person(row, form: Form) -> list[bool]:
    if form is Form.TARGET:
        return [row[TARGET_KIND_COLUMN] == "person"]
    if form is Form.KEY:
        return [row[KEY_FACET_COLUMN] in KEY_FACETS]
    return []

"""Erasure inside events: their ids, their data and the raw log name the person as well.

Columns are renamed by :mod:`engagement.privacy.erasure`; this module renames what sits
inside an event. An event id names the person when it lies in their own id space
(``~kari~click-1``) or when a client derived it from them (``profile-kari``): the same id is
renamed in the ledger and in every read model's claims, so nothing is applied twice. A
``kudos.given`` about ``person:kari`` and an adoption crediting her are rewritten. A profile
is the person, not content others built on, so the values of their ``profile.updated``
events go; the field names stay and a filled field keeps a placeholder, so profile
completion replays to the same percentage.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import Any

from sqlalchemy import Column, Text, bindparam, cast, select, update
from sqlalchemy.orm import Session

from engagement.db import changed_rows
from engagement.ledger import event_ids
from engagement.ledger.model import LedgerEvent
from engagement.privacy import forms
from engagement.privacy.inventory import Form, person_tables
from engagement.profiles.checklist import EMPTY
from engagement.tables import Base

FILLED = "erased"  # a profile value that was there; what it said is gone
# Award credits are keyed by event id, and a recognition credit by event id + ":r".
EVENT_ID_SUFFIXES = {"engagement_award_credits": ":r"}
DATA_NAMING_PEOPLE = ("kudos.given", "idea.adopted", "lottery.drawn")


class Renaming:
    """How one person's id is replaced by their pseudonym inside events."""

    def __init__(self, person: str, pseudonym: str):
        self.person, self.pseudonym = person, pseudonym
        self._named = forms.word(person)

    def who(self, value: str) -> str:
        return self.pseudonym if value == self.person else value

    def event_id(self, event_id: str) -> str:
        """The id with the person's id replaced wherever it stands as a word; a pseudonym longer
        than the person's id may not fit a client-chosen id, which then becomes a digest."""
        renamed = self._named.sub(self.pseudonym, event_id)
        return renamed if len(renamed) <= event_ids.MAX_LENGTH else event_ids.hashed(renamed)

    def suffixed_event_id(self, value: str, suffix: str) -> str:
        """Rename the event id a derived key starts with, so ``id`` and ``id:r`` stay a pair."""
        if value.endswith(suffix):
            return self.event_id(value[:-len(suffix)]) + suffix
        return self.event_id(value)

    def data(self, type_: str, actor: str, data: dict[str, Any]) -> dict[str, Any]:
        """``data`` without the person: references to them renamed, their profile values gone."""
        out = dict(data)
        if out.get("about") == f"person:{self.person}":
            out["about"] = f"person:{self.pseudonym}"
        for names in ("credited", "winners"):  # an adoption's credited people, a draw's winners
            if isinstance(out.get(names), list):
                out[names] = [self.who(p) for p in out[names]]
        if type_ == "profile.updated" and actor in (self.person, self.pseudonym) \
                and isinstance(out.get("fields"), dict):
            out["fields"] = {name: value if value in EMPTY else FILLED for name, value in out["fields"].items()}
        return out

    def wire(self, raw: bytes) -> tuple[str, bytes] | None:
        """A raw event (its wire form) renamed: answers its partition key and new bytes, or None
        when it does not name the person (or is no event at all: a poison record stays as sent)."""
        try:
            doc = json.loads(raw)
            target, actor = doc["target"], doc["actor"]
            doc["id"], doc["actor"] = self.event_id(doc["id"]), self.who(actor)
            target["owner"] = self.who(target["owner"])
            if target["kind"] == "person":
                target["id"] = self.who(target["id"])
            if doc.get("submitted_by") == f"user:{self.person}":
                doc["submitted_by"] = f"user:{self.pseudonym}"
            doc["data"] = self.data(doc["type"], actor, doc.get("data") or {})
            renamed = json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()
            key = f"{target['kind']}:{target['id']}"
        except (ValueError, KeyError, TypeError, AttributeError):
            return None
        return None if renamed == raw else (key, renamed)


def rename_event_ids(session: Session, renaming: Renaming) -> int:
    """Every inventoried column holding event ids, renamed alike: the ledger and the claims keep matching."""
    changed = 0
    for table in person_tables():
        suffix = EVENT_ID_SUFFIXES.get(table.table)
        rename = renaming.event_id if suffix is None else partial(renaming.suffixed_event_id, suffix=suffix)
        for column in table.of(Form.EVENT_ID):
            changed += _rename_column(session, Base.metadata.tables[table.table].c[column.name], renaming.person,
                                      rename)
    return changed


def _rename_column(session: Session, column: Column, person: str, rename: Callable[[str], str]) -> int:
    """One UPDATE per distinct id that names the person (found by a LIKE), sent as one executemany."""
    values = session.scalars(select(column).distinct().where(column.contains(person, autoescape=True)))
    pairs = [{"old_id": value, "new_id": rename(value)} for value in values]
    pairs = [p for p in pairs if p["new_id"] != p["old_id"]]
    if pairs:
        session.execute(update(column.table).where(column == bindparam("old_id"))
                        .values({column.name: bindparam("new_id")}), pairs)
    return len(pairs)


def rewrite_ledger_data(session: Session, renaming: Renaming) -> int:
    """Kudos about the person, adoptions crediting them, draws they won, and their profile values (run after the
    actor column was renamed, so their profile events carry the pseudonym)."""
    naming = select(LedgerEvent).where(LedgerEvent.type.in_(DATA_NAMING_PEOPLE),
                                       cast(LedgerEvent.data, Text).contains(renaming.person, autoescape=True))
    profile = select(LedgerEvent).where(LedgerEvent.type == "profile.updated",
                                        LedgerEvent.actor == renaming.pseudonym)
    changed = 0
    for query in (naming, profile):
        for row in session.scalars(query):
            data = renaming.data(row.type, row.actor, row.data)
            if data != row.data:
                row.data, changed = data, changed + 1
    session.flush()
    return changed


def rewrite_payloads(session: Session, renaming: Renaming, table: str) -> int:
    """Parked events and dead letters keep an event's wire form in ``payload``; rename it like the raw log."""
    sql = Base.metadata.tables[table]
    changed = 0
    for row in session.execute(select(sql).where(sql.c.payload.contains(renaming.person, autoescape=True))).all():
        renamed = renaming.wire(row.payload.encode())
        if renamed is not None:
            keys = [c == row._mapping[c.name] for c in sql.primary_key.columns]
            changed += changed_rows(session, update(sql).where(*keys).values(payload=renamed[1].decode()))
    return changed

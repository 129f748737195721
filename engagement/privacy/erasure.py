"""Erasing a person who has left: from the directory, every read model, and the ledger.

The person's id is replaced everywhere by one fresh random pseudonym, in one transaction,
so team sums, counts and the trust report stay as they were (a colleague who left still
shared last spring) while nothing links them to the person any more; replay from the
ledger gives the same answer, since the ledger carries the pseudonym too. Inside events
(ids, data, the embedded bus's raw log) see :mod:`engagement.privacy.erasure_events`. The
directory entry (name, e-mail) is deleted. Free texts people wrote are content and are kept.
Raw events on Kafka cannot be rewritten: they leave with the topic's own retention.
"""
from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy import Text, cast, delete, or_, select, update
from sqlalchemy.orm import Session

from engagement.awards.model import AwardSnapshot
from engagement.db import changed_rows
from engagement.directory.model import Person
from engagement.notifications.model import Notification
from engagement.privacy import erasure_events
from engagement.privacy.erasure_events import Renaming
from engagement.privacy.inventory import (
    DELETE,
    KEY_FACET_COLUMN,
    KEY_FACETS,
    TARGET_KIND_COLUMN,
    Form,
    Table,
    person_tables,
)
from engagement.tables import Base

if TYPE_CHECKING:
    from engagement.state import EngagementState

logger = logging.getLogger(__name__)
# How a person appears in a column of each form that names them by value: (old, new) for one person.
SPELLED = {Form.ID: "{}", Form.REF: "person:{}", Form.LABEL: "user:{}", Form.TARGET: "{}", Form.KEY: "{}"}


def erase(st: EngagementState, person: str) -> dict:
    """Replace ``person`` everywhere by a pseudonym; answer how many rows changed."""
    pseudonym = f"erased-{secrets.token_hex(8)}"  # a person's scoped event ids keep room for its length
    renaming = Renaming(person, pseudonym)
    changed = 0
    with Session(st.engine) as session, session.begin():
        found = session.get(Person, person)
        name = found.name if found else None
        kept = [t for t in person_tables() if t.on_erasure != DELETE]
        for table in kept:
            changed += _rename_columns(session, table, renaming)
        for table in kept:  # after the columns: the ledger's profile events are found by the pseudonym
            if table.of(Form.JSON):
                changed += JSON_REWRITERS[table.table](session, renaming, name)
        changed += erasure_events.rename_event_ids(session, renaming)
        for table in person_tables():
            if table.on_erasure == DELETE:  # the directory entry, sent mail: names and addresses
                session.execute(delete(Base.metadata.tables[table.table]).where(_naming(table, person)))
        session.flush()
        changed += _rewrite_raw_log(st, renaming)  # last: a failure rolls the database back too
    _forget_in_redis(st, person)
    return {"person": person, "erased": found is not None or changed > 0, "rows": changed}


def _rename_columns(session: Session, table: Table, renaming: Renaming) -> int:
    """Every column naming the person by value (id, reference, label, person target, person key)."""
    sql = Base.metadata.tables[table.table]
    changed = 0
    for column in table.of(*SPELLED):
        spelled = SPELLED[column.form]
        c = sql.c[column.name]
        where = [c == spelled.format(renaming.person)]
        if column.form is Form.TARGET:
            where.append(sql.c[TARGET_KIND_COLUMN] == "person")
        if column.form is Form.KEY:
            where.append(sql.c[KEY_FACET_COLUMN].in_(KEY_FACETS))
        changed += changed_rows(session, update(sql).where(*where)
                                .values({column.name: spelled.format(renaming.pseudonym)}))
    return changed


def _naming(table: Table, person: str):
    """The rows of a table to delete: the person in any column naming them by value."""
    sql = Base.metadata.tables[table.table]
    return or_(*(sql.c[c.name] == SPELLED[c.form].format(person) for c in table.of(*SPELLED)))


def _rewrite_raw_log(st: EngagementState, renaming: Renaming) -> int:
    """The embedded bus is the durable copy of every raw event; Kafka's topic cannot be rewritten."""
    rewrite = getattr(st.bus, "rewrite", None)
    return rewrite(renaming.person, renaming.wire) if rewrite is not None else 0


def _rewrite_actors(session: Session, renaming: Renaming, name: str | None) -> int:
    """Notification groups name the people who liked or answered inside ``actors``."""
    changed = 0
    named = cast(Notification.actors, Text).contains(renaming.person, autoescape=True)
    for group in session.scalars(select(Notification).where(named)):
        if any(a["p"] == renaming.person for a in group.actors):
            group.actors = [{**a, "p": renaming.pseudonym} if a["p"] == renaming.person else a for a in group.actors]
            changed += 1
    return changed


def _rewrite_snapshots(session: Session, renaming: Renaming, name: str | None) -> int:
    """Frozen award results name winners by id and by name."""
    changed = 0
    needle, replacement = json.dumps(renaming.person), json.dumps(renaming.pseudonym)
    for snapshot in session.scalars(select(AwardSnapshot)):
        text = json.dumps(snapshot.result)
        if needle in text:
            if name:
                text = text.replace(json.dumps(name), replacement)
            snapshot.result = json.loads(text.replace(needle, replacement))
            changed += 1
    return changed


# How each table's JSON is rewritten (a table with a JSON column and none here fails erasure loudly).
JSON_REWRITERS: dict[str, Callable[[Session, Renaming, str | None], int]] = {
    "engagement_notifications": _rewrite_actors,
    "engagement_award_snapshots": _rewrite_snapshots,
    "engagement_ledger": lambda session, renaming, name: erasure_events.rewrite_ledger_data(session, renaming),
    "engagement_dead_letters": lambda session, renaming, name: erasure_events.rewrite_payloads(
        session, renaming, "engagement_dead_letters"),
    "engagement_parked_events": lambda session, renaming, name: erasure_events.rewrite_payloads(
        session, renaming, "engagement_parked_events"),
}


def _forget_in_redis(st: EngagementState, person: str) -> None:
    """Cached counts are rebuilt from SQL on the next read; top lists lose the person."""
    try:
        st.recognition_cache.clear()
        st.award_board.forget(person)
    except Exception as exc:  # noqa: BLE001 - SQL has been erased; a cache that is down is cleared by replay
        logger.warning("erasure: Redis not cleared (%r); run `engagement replay recognition awards`", exc)

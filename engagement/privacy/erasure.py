"""Erasing a person who has left: from the directory, every read model, and the ledger.

The person's id is replaced everywhere by one fresh random pseudonym, in one transaction,
so team sums, counts and the trust report stay as they were (a colleague who left still
shared last spring) while nothing links them to the person any more; replay from the
ledger gives the same answer, since the ledger carries the pseudonym too. Inside events
(ids, data, the embedded bus's raw log) see :mod:`engagement.privacy.erasure_events`. The
directory entry (name, e-mail) is deleted. Free texts people wrote are content and are kept.
Raw events on Kafka cannot be rewritten: they leave with the topic's own retention.
Which tables and columns, and in which form they name a person, comes only from the data
inventory (:mod:`engagement.privacy.inventory`); a table whose ``on_erasure`` is "delete rows"
loses the person's rows instead.
"""
from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import Text, cast, delete, or_, select
from sqlalchemy.orm import Session

from engagement.awards.model import AwardSnapshot
from engagement.db import changed_rows
from engagement.directory.model import Person
from engagement.lottery.model import LotteryDraw
from engagement.notifications.model import Notification, rekey
from engagement.privacy import erasure_events, forms
from engagement.privacy.erasure_events import Renaming
from engagement.privacy.inventory import DELETE, Form, Table, person_tables
from engagement.tables import Base

if TYPE_CHECKING:
    from engagement.state import EngagementState

logger = logging.getLogger(__name__)


def erase(st: EngagementState, person: str) -> dict:
    """Replace ``person`` everywhere by a pseudonym; answer how many rows changed."""
    pseudonym = f"erased-{secrets.token_hex(8)}"  # a person's scoped event ids keep room for its length
    renaming = Renaming(person, pseudonym)
    on_sqlite = st.engine.dialect.name == "sqlite"
    with Session(st.engine) as session, session.begin():
        if on_sqlite:  # what is overwritten or deleted is zeroed in the file, not left in free pages
            session.connection().exec_driver_sql("PRAGMA secure_delete=ON")
        found = session.get(Person, person)
        changed = _pseudonymise(session, renaming, found.name if found else None)
        _delete_rows(session, person)
        session.flush()
        if on_sqlite:
            session.connection().exec_driver_sql("PRAGMA secure_delete=OFF")
        changed += _rewrite_raw_log(st, renaming)  # last: a failure rolls the database back too
    if on_sqlite:
        _checkpoint(st)
    _forget_in_redis(st, person)
    return {"person": person, "erased": found is not None or changed > 0, "rows": changed}


def _checkpoint(st: EngagementState) -> None:
    """SQLite keeps the old pages in its write-ahead log until a checkpoint: write them back now,
    so no copy of the person's id is left in the -wal file."""
    with st.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def _pseudonymise(session: Session, renaming: Renaming, name: str | None) -> int:
    """Columns first, then JSON (the ledger's profile events are found by the pseudonym), then event ids."""
    kept = [t for t in person_tables() if t.on_erasure != DELETE]
    changed = sum(_rename_columns(session, table, renaming) for table in kept)
    changed += sum(JSON_REWRITERS[t.table](session, renaming, name) for t in kept if t.of(Form.JSON))
    return changed + erasure_events.rename_event_ids(session, renaming)


def _delete_rows(session: Session, person: str) -> None:
    """The directory entry and sent mail: names and addresses go, not only the id."""
    for table in person_tables():
        if table.on_erasure == DELETE:
            session.execute(delete(Base.metadata.tables[table.table]).where(_naming(table, person)))


def _rename_columns(session: Session, table: Table, renaming: Renaming) -> int:
    """Every column naming the person by value (id, reference, label, person target, person key)."""
    sql = Base.metadata.tables[table.table]
    return sum(changed_rows(session, statement) for column in table.of(*forms.SPELLED)
               for statement in forms.renames(sql, column, renaming.person, renaming.pseudonym))


def _naming(table: Table, person: str):
    """The rows of a table to delete: the person in any column naming them by value."""
    sql = Base.metadata.tables[table.table]
    return or_(*(forms.naming(sql, c, person) for c in table.of(*forms.SPELLED)))


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
    rekey(session, renaming.pseudonym)
    return changed


def _renamed(value: Any, renaming: Renaming, name: str | None = None) -> Any:
    """A JSON document with the person's id (and ``name``, when given) replaced by the pseudonym,
    or None when it does not name them by id."""
    text, needle, replacement = json.dumps(value), json.dumps(renaming.person), json.dumps(renaming.pseudonym)
    if needle not in text:
        return None
    if name:
        text = text.replace(json.dumps(name), replacement)
    return json.loads(text.replace(needle, replacement))


def _rewrite_snapshots(session: Session, renaming: Renaming, name: str | None) -> int:
    """Frozen award results name winners by id and by name."""
    changed = 0
    for snapshot in session.scalars(select(AwardSnapshot)):
        if (result := _renamed(snapshot.result, renaming, name)) is not None:
            snapshot.result = result
            changed += 1
    return changed


def _rewrite_draws(session: Session, renaming: Renaming, name: str | None) -> int:
    """A drawn month's frozen list and winners name people by id."""
    changed = 0
    for drawn in session.scalars(select(LotteryDraw)):
        entries, winners = _renamed(drawn.entries, renaming), _renamed(drawn.winners, renaming)
        if entries is not None:
            drawn.entries = entries
        if winners is not None:
            drawn.winners = winners
        changed += entries is not None or winners is not None
    return changed


# How each table's JSON is rewritten (a table with a JSON column and none here fails erasure loudly).
JSON_REWRITERS: dict[str, Callable[[Session, Renaming, str | None], int]] = {
    "engagement_notifications": _rewrite_actors,
    "engagement_award_snapshots": _rewrite_snapshots,
    "engagement_lottery_draws": _rewrite_draws,
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

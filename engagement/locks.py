"""Advisory locks that keep read models exact when several consumers share rows."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.orm import Session

# Set in ``session.info`` by a transaction that is the only writer of its read model's rows (a
# replay: the model's live consumers wait on its tracking record), so it takes no row locks, which
# over a whole ledger in one transaction would outgrow PostgreSQL's lock table.
SOLE_WRITER = "tillit.sole_writer"


def lock_keys(session: Session, space: int, keys: Iterable[str]) -> None:
    """Serialise the transactions of one read model that touch the same keys (people, say) from
    different partitions: PostgreSQL advisory locks held to commit, always taken in one order so
    two consumers never deadlock. Without it two consumers read the same counter, add to it and
    write it back, and one addition is lost. SQLite lets one writer in at a time already."""
    if session.info.get(SOLE_WRITER):
        return
    keys = sorted(set(keys))
    if not keys or session.get_bind().dialect.name != "postgresql":
        return
    session.execute(text("SELECT count(pg_advisory_xact_lock(:space, h)) FROM (SELECT DISTINCT hashtext(k) AS h "
                         "FROM unnest(CAST(:keys AS text[])) AS k ORDER BY 1) AS ordered"),
                    {"space": space, "keys": keys})

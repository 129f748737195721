"""Notification ids from the group's key, so they survive a replay; the primary key is (person, id)

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-30 17:00:00

Every existing group gets the id a replay would give it (``group_id`` below, a copy of
engagement/notifications/model.py's, frozen here). Read marks are kept by the group's key and
need nothing. An id a client held from before this upgrade finds nothing: fetch the feed again.
"""
import hashlib

import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
GROUPS = sa.table("engagement_notifications", sa.column("id", sa.BigInteger()), sa.column("person", sa.String()),
                  sa.column("kind", sa.String()), sa.column("ref", sa.String()), sa.column("day", sa.Date()))


def group_id(person, kind, ref, day) -> int:
    key = "\x1f".join((person, kind, ref, day.isoformat())).encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big") >> 11 or 1


def upgrade() -> None:
    with op.batch_alter_table("engagement_notifications") as batch:
        batch.drop_constraint("pk_engagement_notifications", type_="primary")
        batch.alter_column("id", existing_type=ID, server_default=None, existing_nullable=False)
    _renumber(group_id)
    with op.batch_alter_table("engagement_notifications") as batch:
        batch.create_primary_key("pk_engagement_notifications", ["person", "id"])


def downgrade() -> None:
    with op.batch_alter_table("engagement_notifications") as batch:
        batch.drop_constraint("pk_engagement_notifications", type_="primary")
    numbers = iter(range(1, 2**62))
    _renumber(lambda *_: next(numbers))
    with op.batch_alter_table("engagement_notifications") as batch:
        batch.create_primary_key("pk_engagement_notifications", ["id"])
    if op.get_bind().dialect.name == "postgresql":  # the sequence 0010 made is still there
        op.execute("SELECT setval('engagement_notifications_id_seq', (SELECT COALESCE(MAX(id), 0) + 1 "
                   "FROM engagement_notifications), false)")
        op.execute("ALTER TABLE engagement_notifications ALTER COLUMN id "
                   "SET DEFAULT nextval('engagement_notifications_id_seq')")


def _renumber(new_id) -> None:
    """Give every group its id, found by its key (the unique group index), a thousand at a time."""
    connection = op.get_bind()
    keys = connection.execute(sa.select(GROUPS.c.person, GROUPS.c.kind, GROUPS.c.ref, GROUPS.c.day)
                              .order_by(GROUPS.c.person, GROUPS.c.kind, GROUPS.c.ref, GROUPS.c.day)).all()
    update = GROUPS.update().where(
        GROUPS.c.person == sa.bindparam("k_person"), GROUPS.c.kind == sa.bindparam("k_kind"),
        GROUPS.c.ref == sa.bindparam("k_ref"), GROUPS.c.day == sa.bindparam("k_day")).values(id=sa.bindparam("new_id"))
    for start in range(0, len(keys), 1000):
        connection.execute(update, [{"k_person": p, "k_kind": k, "k_ref": r, "k_day": d, "new_id": new_id(p, k, r, d)}
                                    for p, k, r, d in keys[start:start + 1000]])

"""Webhook subscriptions belong to a key's id; an award month is published to a channel once

A subscription's owner was the key's label (``key:<name>``), which keys of the same name shared.
It becomes ``key-id:<prefix>`` where exactly one active key has that name; a subscription whose
key is revoked, or whose name several keys share, is disabled (its owner makes it again with
its own key). Duplicate award publications from a race are merged before the unique index.

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30 11:00:00
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

AWARD_ROWS = "what LIKE 'award:%'"


def upgrade() -> None:
    connection = op.get_bind()
    now = datetime.now(UTC).replace(tzinfo=None)
    keys = connection.execute(sa.text("SELECT name, prefix, revoked_at FROM engagement_api_keys")).all()
    for sub_id, owner in connection.execute(sa.text(
            "SELECT id, owner FROM engagement_webhook_subscriptions WHERE owner LIKE 'key:%'")).all():
        named = [(prefix, revoked) for name, prefix, revoked in keys if f"key:{name}" == owner]
        if len(named) == 1 and named[0][1] is None:
            connection.execute(sa.text("UPDATE engagement_webhook_subscriptions SET owner = :owner WHERE id = :id"),
                               {"owner": f"key-id:{named[0][0]}", "id": sub_id})
        else:
            connection.execute(sa.text("UPDATE engagement_webhook_subscriptions SET disabled_at = :now "
                                       "WHERE id = :id AND disabled_at IS NULL"), {"now": now, "id": sub_id})
            connection.execute(sa.text("UPDATE engagement_webhook_messages SET status = 'failed' "
                                       "WHERE subscription_id = :id AND status = 'pending'"), {"id": sub_id})
    connection.execute(sa.text(
        "DELETE FROM engagement_chat_publications WHERE " + AWARD_ROWS + " AND id NOT IN "
        "(SELECT MIN(id) FROM engagement_chat_publications GROUP BY what, channel)"))
    with op.batch_alter_table('engagement_chat_publications', schema=None) as batch_op:
        batch_op.create_index('uq_engagement_chat_publications_award', ['what', 'channel'], unique=True,
                              postgresql_where=sa.text(AWARD_ROWS), sqlite_where=sa.text(AWARD_ROWS))


def downgrade() -> None:
    with op.batch_alter_table('engagement_chat_publications', schema=None) as batch_op:
        batch_op.drop_index('uq_engagement_chat_publications_award')

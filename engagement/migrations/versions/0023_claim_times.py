"""When each processed-event id was claimed, so claims older than ENGAGEMENT_DEDUP_DAYS can go

The claims already held get the time of the upgrade: a client's retry in flight still counts
once, and they go one window later like any other. On PostgreSQL the time is stored once in the
table's definition (a column added with a non-volatile default is not rewritten), so the
upgrade is instant however many claims there are; SQLite copies its table.

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-30 16:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

TABLE = "engagement_processed_events"


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    now = "timezone('utc', now())" if postgres else "CURRENT_TIMESTAMP"  # naive UTC, like every Tillit time
    # SQLite adds a column with a non-constant default only by copying the table.
    with op.batch_alter_table(TABLE, recreate="auto" if postgres else "always") as batch:
        batch.add_column(sa.Column("claimed_at", sa.DateTime(), server_default=sa.text(now), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_column("claimed_at")

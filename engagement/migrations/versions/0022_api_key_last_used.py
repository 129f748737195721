"""An API key's last use, so the console shows which keys are still in use before one is revoked

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30 11:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("engagement_api_keys") as batch:
        batch.add_column(sa.Column("last_used_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("engagement_api_keys") as batch:
        batch.drop_column("last_used_at")

"""unsubscribe links carry a generation that revokes them

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 04:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('engagement_notify_preferences', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unsubscribe_generation', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('engagement_notify_preferences', schema=None) as batch_op:
        batch_op.drop_column('unsubscribe_generation')

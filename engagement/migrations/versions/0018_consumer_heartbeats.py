"""consumer heartbeats: which processes apply which read models, for readiness

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('engagement_consumer_heartbeats',
    sa.Column('consumer', sa.String(length=100), nullable=False),
    sa.Column('process', sa.String(length=200), nullable=False),
    sa.Column('beat_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('consumer', 'process', name=op.f('pk_engagement_consumer_heartbeats'))
    )
    with op.batch_alter_table('engagement_consumer_heartbeats', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_engagement_consumer_heartbeats_beat_at'), ['beat_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('engagement_consumer_heartbeats', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_engagement_consumer_heartbeats_beat_at'))
    op.drop_table('engagement_consumer_heartbeats')

"""parked events (applied when the event they build on arrives) and received times for edits

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 04:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('engagement_parked_events',
    sa.Column('consumer', sa.String(length=100), nullable=False),
    sa.Column('event_id', sa.String(length=128), nullable=False),
    sa.Column('waits_for', sa.String(length=200), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('parked_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('consumer', 'event_id', name=op.f('pk_engagement_parked_events'))
    )
    with op.batch_alter_table('engagement_parked_events', schema=None) as batch_op:
        batch_op.create_index('ix_engagement_parked_events_waits_for', ['consumer', 'waits_for'], unique=False)
    for table in ('engagement_ideas', 'engagement_contributions'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('received_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    for table in ('engagement_contributions', 'engagement_ideas'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('received_at')
    with op.batch_alter_table('engagement_parked_events', schema=None) as batch_op:
        batch_op.drop_index('ix_engagement_parked_events_waits_for')
    op.drop_table('engagement_parked_events')

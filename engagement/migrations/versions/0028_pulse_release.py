"""Pulses: when a closed pulse's answers were released

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-01 05:30:00

A pulse's answers go out once, at its close, each folded into the shown group it counts in
(engagement/pulses/outbox.py). The release claims the pulse by setting ``released_at`` in its
own transaction, so two sweeps take turns (the second finds nothing waiting) and an answer that
was in flight at the close is refused rather than left to go out alone.
"""
import sqlalchemy as sa
from alembic import op

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('engagement_pulses') as batch:
        batch.add_column(sa.Column('released_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('engagement_pulses') as batch:
        batch.drop_column('released_at')

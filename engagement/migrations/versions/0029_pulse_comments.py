"""Pulses: comments written beside answers, when a pulse has free text on

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-01 06:00:00

The pulses read model writes each released comment here (consumers/pulses.py): its pulse, the
team it went out under (the shown group for the ``team`` wording), its wording and the text. No
person and no time; the id is the answer event's random id.
"""
import sqlalchemy as sa
from alembic import op

revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'engagement_pulse_comments',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('pulse_id', sa.String(length=64), nullable=False),
        sa.Column('team_id', sa.String(length=128), nullable=False),
        sa.Column('wording', sa.String(length=10), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_engagement_pulse_comments_pulse_id', 'engagement_pulse_comments', ['pulse_id'])


def downgrade():
    op.drop_index('ix_engagement_pulse_comments_pulse_id', table_name='engagement_pulse_comments')
    op.drop_table('engagement_pulse_comments')

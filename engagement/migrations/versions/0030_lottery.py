"""The monthly lottery: commitments, draws and exclusions

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-01 10:30:00

A month's seed is committed to (its SHA-256 published) before the month ends and revealed at the
draw (engagement/lottery/). Tickets are computed from the awards' tallies (0011, 0015), so no
read model is added or rebuilt.
"""
import sqlalchemy as sa
from alembic import op

revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'engagement_lottery_commitments',
        sa.Column('month', sa.String(length=7), primary_key=True),
        sa.Column('commitment', sa.String(length=64), nullable=False),
        sa.Column('sealed_seed', sa.Text(), nullable=False),
        sa.Column('committed_at', sa.DateTime(), nullable=False),
        sa.Column('frozen_at', sa.DateTime(), nullable=True),
    )
    op.create_table(
        'engagement_lottery_tickets',
        sa.Column('month', sa.String(length=7), primary_key=True),
        sa.Column('person', sa.String(length=128), primary_key=True),
        sa.Column('tickets', sa.Integer(), nullable=False),
        sa.Column('recognised', sa.Integer(), nullable=False),
        sa.Column('ideas', sa.Integer(), nullable=False),
        sa.Column('why_not', sa.String(length=20), nullable=True),
    )
    op.create_table(
        'engagement_lottery_draws',
        sa.Column('month', sa.String(length=7), primary_key=True),
        sa.Column('drawn_at', sa.DateTime(), nullable=False),
        sa.Column('drawn_by', sa.String(length=200), nullable=False),
        sa.Column('seed', sa.String(length=64), nullable=False),
        sa.Column('winners_asked', sa.Integer(), nullable=False),
        sa.Column('total_tickets', sa.Integer(), nullable=False),
        sa.Column('people', sa.Integer(), nullable=False),
        sa.Column('excluded', sa.Integer(), nullable=False),
        sa.Column('announced_at', sa.DateTime(), nullable=True),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('entries', sa.JSON(), nullable=False),
        sa.Column('winners', sa.JSON(), nullable=False),
    )
    op.create_table(
        'engagement_lottery_exclusions',
        sa.Column('person', sa.String(length=128), primary_key=True),
        sa.Column('reason', sa.String(length=200), nullable=False),
        sa.Column('added_at', sa.DateTime(), nullable=False),
        sa.Column('added_by', sa.String(length=200), nullable=False),
    )


def downgrade():
    op.drop_table('engagement_lottery_exclusions')
    op.drop_table('engagement_lottery_draws')
    op.drop_table('engagement_lottery_tickets')
    op.drop_table('engagement_lottery_commitments')

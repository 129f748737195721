"""Pulses: the definition, who has answered, answers waiting to go out, and their counts

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-01 04:40:00

engagement/pulses/model.py says why participation and the outbox carry no time and no person.
"""
import sqlalchemy as sa
from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('engagement_pulses',
                    sa.Column('id', sa.String(length=64), nullable=False),
                    sa.Column('title', sa.String(length=200), nullable=False),
                    sa.Column('statements', sa.JSON(), nullable=False),
                    sa.Column('units', sa.JSON(), nullable=False),
                    sa.Column('opens_at', sa.DateTime(), nullable=False),
                    sa.Column('closes_at', sa.DateTime(), nullable=False),
                    sa.Column('free_text', sa.Boolean(), nullable=False),
                    sa.Column('created_by', sa.String(length=128), nullable=False),
                    sa.Column('created_at', sa.DateTime(), nullable=False),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_engagement_pulses')))
    op.create_table('engagement_pulse_participation',
                    sa.Column('pulse_id', sa.String(length=64), nullable=False),
                    sa.Column('person_id', sa.String(length=128), nullable=False),
                    sa.Column('team_id', sa.String(length=128), nullable=False),
                    sa.Column('wording', sa.String(length=10), nullable=False),
                    sa.PrimaryKeyConstraint('pulse_id', 'person_id', 'team_id', 'wording',
                                            name=op.f('pk_engagement_pulse_participation')))
    op.create_table('engagement_pulse_outbox',
                    sa.Column('id', sa.String(length=64), nullable=False),
                    sa.Column('pulse_id', sa.String(length=64), nullable=False),
                    sa.Column('team_id', sa.String(length=128), nullable=False),
                    sa.Column('wording', sa.String(length=10), nullable=False),
                    sa.Column('answers', sa.JSON(), nullable=False),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_engagement_pulse_outbox')))
    op.create_index(op.f('ix_engagement_pulse_outbox_pulse_id'), 'engagement_pulse_outbox', ['pulse_id'])
    op.create_table('engagement_pulse_tallies',
                    sa.Column('pulse_id', sa.String(length=64), nullable=False),
                    sa.Column('team_id', sa.String(length=128), nullable=False),
                    sa.Column('wording', sa.String(length=10), nullable=False),
                    sa.Column('statement', sa.String(length=64), nullable=False),
                    sa.Column('value', sa.Integer(), nullable=False),
                    sa.Column('count', sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint('pulse_id', 'team_id', 'wording', 'statement', 'value',
                                            name=op.f('pk_engagement_pulse_tallies')))
    op.create_table('engagement_pulse_respondents',
                    sa.Column('pulse_id', sa.String(length=64), nullable=False),
                    sa.Column('team_id', sa.String(length=128), nullable=False),
                    sa.Column('wording', sa.String(length=10), nullable=False),
                    sa.Column('answers', sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint('pulse_id', 'team_id', 'wording',
                                            name=op.f('pk_engagement_pulse_respondents')))


def downgrade():
    op.drop_table('engagement_pulse_respondents')
    op.drop_table('engagement_pulse_tallies')
    op.drop_index(op.f('ix_engagement_pulse_outbox_pulse_id'), table_name='engagement_pulse_outbox')
    op.drop_table('engagement_pulse_outbox')
    op.drop_table('engagement_pulse_participation')
    op.drop_table('engagement_pulses')

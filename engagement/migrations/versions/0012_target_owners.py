"""target owners: who owns a target comes from an authority, not from the sender's claim

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 04:00:00

Replay the recognition, notifications and awards read models after upgrading, so that
events already in the log are counted by the new ownership rule.
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('engagement_target_owners',
    sa.Column('model', sa.String(length=40), nullable=False),
    sa.Column('target_kind', sa.String(length=20), nullable=False),
    sa.Column('target_id', sa.String(length=128), nullable=False),
    sa.Column('owner', sa.String(length=128), nullable=False),
    sa.Column('event_id', sa.String(length=128), nullable=False),
    sa.PrimaryKeyConstraint('model', 'target_kind', 'target_id', name=op.f('pk_engagement_target_owners'))
    )
    with op.batch_alter_table('engagement_target_owners', schema=None) as batch_op:
        batch_op.create_index('ix_engagement_target_owners_target', ['target_kind', 'target_id'], unique=False)
    op.create_table('engagement_owner_waiting',
    sa.Column('model', sa.String(length=40), nullable=False),
    sa.Column('event_id', sa.String(length=128), nullable=False),
    sa.Column('target_kind', sa.String(length=20), nullable=False),
    sa.Column('target_id', sa.String(length=128), nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('model', 'event_id', 'kind', name=op.f('pk_engagement_owner_waiting'))
    )
    with op.batch_alter_table('engagement_owner_waiting', schema=None) as batch_op:
        batch_op.create_index('ix_engagement_owner_waiting_target', ['model', 'target_kind', 'target_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('engagement_owner_waiting', schema=None) as batch_op:
        batch_op.drop_index('ix_engagement_owner_waiting_target')
    op.drop_table('engagement_owner_waiting')
    with op.batch_alter_table('engagement_target_owners', schema=None) as batch_op:
        batch_op.drop_index('ix_engagement_target_owners_target')
    op.drop_table('engagement_target_owners')

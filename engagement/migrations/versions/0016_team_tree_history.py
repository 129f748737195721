"""the org tree's history: where each team sat, and when

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 05:00:00

The tree as it is when upgrading is the only tree known, so it is recorded as valid from the
beginning; from then on the directory sync records every team created, moved or removed.
"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('engagement_team_tree',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('team_id', sa.String(length=128), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('parent_id', sa.String(length=128), nullable=True),
    sa.Column('valid_from', sa.DateTime(), nullable=True),
    sa.Column('valid_to', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_engagement_team_tree'))
    )
    with op.batch_alter_table('engagement_team_tree', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_engagement_team_tree_team_id'), ['team_id'], unique=False)
    op.execute("INSERT INTO engagement_team_tree (team_id, name, parent_id) "
               "SELECT id, name, parent_id FROM engagement_teams")  # valid_from, valid_to: NULL, always so


def downgrade() -> None:
    with op.batch_alter_table('engagement_team_tree', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_engagement_team_tree_team_id'))
    op.drop_table('engagement_team_tree')

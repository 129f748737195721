"""SCIM provisioning: managers over time, a person's department, and the SCIM ids and attributes

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-30 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('engagement_people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('department', sa.String(length=200), nullable=True))
    op.create_table('engagement_managers',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('person_id', sa.String(length=128), nullable=False),
    sa.Column('manager_id', sa.String(length=128), nullable=False),
    sa.Column('valid_from', sa.DateTime(), nullable=True),
    sa.Column('valid_to', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_engagement_managers'))
    )
    with op.batch_alter_table('engagement_managers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_engagement_managers_person_id'), ['person_id'], unique=False)
    op.create_table('engagement_scim_users',
    sa.Column('person_id', sa.String(length=128), nullable=False),
    sa.Column('user_name', sa.String(length=320), nullable=False),
    sa.Column('user_name_key', sa.String(length=320), nullable=False),
    sa.Column('external_id', sa.String(length=320), nullable=True),
    sa.Column('attributes', sa.Text(), nullable=False),
    sa.Column('created', sa.DateTime(), nullable=False),
    sa.Column('last_modified', sa.DateTime(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_engagement_scim_users'))
    )
    with op.batch_alter_table('engagement_scim_users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_engagement_scim_users_user_name_key'), ['user_name_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_engagement_scim_users_external_id'), ['external_id'], unique=False)
    op.create_table('engagement_scim_groups',
    sa.Column('team_id', sa.String(length=128), nullable=False),
    sa.Column('external_id', sa.String(length=320), nullable=True),
    sa.Column('created', sa.DateTime(), nullable=False),
    sa.Column('last_modified', sa.DateTime(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('team_id', name=op.f('pk_engagement_scim_groups'))
    )
    with op.batch_alter_table('engagement_scim_groups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_engagement_scim_groups_external_id'), ['external_id'], unique=False)


def downgrade() -> None:
    op.drop_table('engagement_scim_groups')
    op.drop_table('engagement_scim_users')
    op.drop_table('engagement_managers')
    with op.batch_alter_table('engagement_people', schema=None) as batch_op:
        batch_op.drop_column('department')

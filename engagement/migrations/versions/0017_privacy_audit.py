"""the privacy audit: every read of a person's data with privacy:read

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 08:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('engagement_privacy_audit',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('who', sa.String(length=160), nullable=False),
    sa.Column('person', sa.String(length=128), nullable=False),
    sa.Column('format', sa.String(length=10), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_engagement_privacy_audit'))
    )
    with op.batch_alter_table('engagement_privacy_audit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_engagement_privacy_audit_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_engagement_privacy_audit_person'), ['person'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('engagement_privacy_audit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_engagement_privacy_audit_person'))
        batch_op.drop_index(batch_op.f('ix_engagement_privacy_audit_at'))
    op.drop_table('engagement_privacy_audit')

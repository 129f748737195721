"""Early warnings: one row per week's note, and which outbox mails are digests

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-01 05:00:00

engagement/trust/warnings.py writes a week's row before it sends anything, so several mailers
send one note; the next week's note compares its flags with the row's. A mail in the outbox is
a digest or a warning: a person's digest rhythm counts only their digests.
"""
import sqlalchemy as sa
from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('engagement_early_warnings',
                    sa.Column('week', sa.String(length=10), nullable=False),
                    sa.Column('created_at', sa.DateTime(), nullable=False),
                    sa.Column('flags', sa.JSON(), nullable=False),
                    sa.Column('warnings', sa.Integer(), nullable=False),
                    sa.Column('mailed', sa.Integer(), nullable=False),
                    sa.Column('posted', sa.String(length=10), nullable=True),
                    sa.PrimaryKeyConstraint('week', name=op.f('pk_engagement_early_warnings')))
    with op.batch_alter_table('engagement_mail_outbox') as batch:
        batch.add_column(sa.Column('kind', sa.String(length=10), server_default='digest', nullable=False))


def downgrade():
    with op.batch_alter_table('engagement_mail_outbox') as batch:
        batch.drop_column('kind')
    op.drop_table('engagement_early_warnings')

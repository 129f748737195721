"""Pulses: when a closed pulse's answers were released, and waiting answers sealed

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-01 05:30:00

A pulse's answers go out once, at its close, each folded into the shown group it counts in
(engagement/pulses/outbox.py). The release claims the pulse by setting ``released_at`` in its
own transaction, so two sweeps take turns (the second finds nothing waiting) and an answer that
was in flight at the close is refused rather than left to go out alone. A waiting answer's team
and values are sealed in ``sealed`` (engagement/pulses/seal.py); ``team_id`` and ``answers`` stay
empty for new rows.
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
    with op.batch_alter_table('engagement_pulse_outbox') as batch:
        batch.add_column(sa.Column('sealed', sa.Text(), nullable=True))
        batch.alter_column('team_id', existing_type=sa.String(length=128), nullable=True)
        batch.alter_column('answers', existing_type=sa.JSON(), nullable=True)


def downgrade():
    # An older release reads only plain rows and cannot unseal: close the open pulses (their
    # answers go out) before downgrading, rather than lose their answers here.
    if op.get_bind().exec_driver_sql("SELECT count(*) FROM engagement_pulse_outbox WHERE sealed IS NOT NULL").scalar():
        raise RuntimeError("Open pulses have sealed answers waiting; close them and run "
                           "`engagement pulses release` before downgrading.")
    with op.batch_alter_table('engagement_pulse_outbox') as batch:
        batch.alter_column('answers', existing_type=sa.JSON(), nullable=False)
        batch.alter_column('team_id', existing_type=sa.String(length=128), nullable=False)
        batch.drop_column('sealed')
    with op.batch_alter_table('engagement_pulses') as batch:
        batch.drop_column('released_at')

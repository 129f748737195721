"""The directory's version: a number that changes with every change to team memberships

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-30 23:50:00

Consumers keep the memberships they have read while this number stays the same
(engagement/directory/service.py ``teams_at``). On PostgreSQL a trigger sets it from a sequence
after every statement that writes ``engagement_memberships``, in that statement's transaction, so
whoever writes (the directory sync, SCIM, erasure, an operator's SQL) bumps it, it becomes visible
exactly when the change is committed, and a rolled back change never leaves its number for another.
"""
import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

TRIGGER = """
CREATE FUNCTION engagement_directory_changed() RETURNS trigger AS $$
BEGIN
    UPDATE engagement_directory_version SET version = nextval('engagement_directory_changes') WHERE id = 1;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""


def upgrade():
    op.create_table('engagement_directory_version',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('version', sa.BigInteger(), nullable=False),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_engagement_directory_version')))
    op.execute("INSERT INTO engagement_directory_version (id, version) VALUES (1, 0)")
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite: consumers read memberships every batch (nothing is kept)
    op.execute("CREATE SEQUENCE engagement_directory_changes")
    op.execute(TRIGGER)
    for when in ("INSERT OR UPDATE OR DELETE", "TRUNCATE"):
        name = "engagement_memberships_changed" + ("_truncate" if when == "TRUNCATE" else "")
        op.execute(f"CREATE TRIGGER {name} AFTER {when} ON engagement_memberships "
                   "FOR EACH STATEMENT EXECUTE FUNCTION engagement_directory_changed()")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER engagement_memberships_changed_truncate ON engagement_memberships")
        op.execute("DROP TRIGGER engagement_memberships_changed ON engagement_memberships")
        op.execute("DROP FUNCTION engagement_directory_changed()")
        op.execute("DROP SEQUENCE engagement_directory_changes")
    op.drop_table('engagement_directory_version')

"""award tallies and summaries: scores from counts, not from a month's credits

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24 03:25:00

Existing credits are counted into the new tables here, so scores stay right without a replay.
"""
import sqlalchemy as sa
from alembic import op

from engagement.awards.scoring import SUMMARISED, SUMMARY_FIELDS, summarise

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

# (facet, key column, condition) for each count; engagement/awards/scoring.py counted_as.
RECOGNITION = "kind = 'recognition' AND active"
CONTRIBUTION = "kind = 'contribution' AND active"
FACETS = (
    ("colleague", "colleague", RECOGNITION),
    ("on_contribution", "colleague", RECOGNITION + " AND ref LIKE 'contribution:%'"),
    ("colleague_team", "colleague_team", RECOGNITION + " AND colleague_team IS NOT NULL"),
    ("action", "action", CONTRIBUTION),
    ("idea", "ref", CONTRIBUTION + " AND action = 'idea.contributed' AND colleague IS NOT NULL"),
    ("helped_team", "colleague_team", CONTRIBUTION + " AND colleague IS NOT NULL AND colleague_team IS NOT NULL"
                                      " AND (person_team IS NULL OR colleague_team <> person_team)"),
)


def upgrade() -> None:
    op.create_table('engagement_award_tallies',
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('person', sa.String(length=128), nullable=False),
    sa.Column('facet', sa.String(length=20), nullable=False),
    sa.Column('key', sa.String(length=160), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('month', 'person', 'facet', 'key', name=op.f('pk_engagement_award_tallies'))
    )
    with op.batch_alter_table('engagement_award_tallies', schema=None) as batch_op:
        batch_op.create_index('ix_engagement_award_tallies_facet_key', ['facet', 'key'], unique=False)
    for facet, column, condition in FACETS:
        op.execute(f"INSERT INTO engagement_award_tallies (month, person, facet, key, count) "
                   f"SELECT month, person, '{facet}', {column}, count(*) FROM engagement_award_credits "
                   f"WHERE {condition} GROUP BY month, person, {column}")
    op.create_table('engagement_award_summaries',
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('person', sa.String(length=128), nullable=False),
    sa.Column('appreciated_units', sa.BigInteger(), nullable=False),
    sa.Column('colleagues', sa.Integer(), nullable=False),
    sa.Column('teams', sa.Integer(), nullable=False),
    sa.Column('on_contribution_units', sa.BigInteger(), nullable=False),
    sa.Column('helped_teams', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('month', 'person', name=op.f('pk_engagement_award_summaries'))
    )
    _summarise_tallies()


def _summarise_tallies() -> None:
    """The summaries from the tallies just counted, with the consumer's own rule."""
    tallies = sa.table("engagement_award_tallies",
                       *(sa.column(c) for c in ("month", "person", "facet", "key", "count")))
    summaries = sa.table("engagement_award_summaries", *(sa.column(c) for c in ("month", "person") + SUMMARY_FIELDS))
    people: dict = {}
    for month, person, facet, key, count in op.get_bind().execute(
            sa.select(tallies).where(tallies.c.facet.in_(SUMMARISED))):
        people.setdefault((month, person), {}).setdefault(facet, {})[key] = count
    rows = [{"month": m, "person": p, **vars(summarise(counts))} for (m, p), counts in people.items()]
    if rows:
        op.bulk_insert(summaries, rows)


def downgrade() -> None:
    op.drop_table('engagement_award_summaries')
    with op.batch_alter_table('engagement_award_tallies', schema=None) as batch_op:
        batch_op.drop_index('ix_engagement_award_tallies_facet_key')
    op.drop_table('engagement_award_tallies')

"""a Bra! counts once per giver and subject; idea developers are tallied per idea owner

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 05:00:00

Existing idea contributions are counted per idea owner here, as the consumer now does. Scores,
and kudos counted more than once before this version, are right after
``engagement replay recognition awards notifications``.
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

# engagement/awards/scoring.py counted_as: (IDEA_OWNER, colleague) beside (IDEA, ref).
IDEA_OWNERS = ("INSERT INTO engagement_award_tallies (month, person, facet, key, count) "
               "SELECT month, person, 'idea_owner', colleague, count(*) FROM engagement_award_credits "
               "WHERE kind = 'contribution' AND active AND action = 'idea.contributed' AND colleague IS NOT NULL "
               "GROUP BY month, person, colleague")


def upgrade() -> None:
    op.create_table('engagement_kudos_firsts',
    sa.Column('model', sa.String(length=40), nullable=False),
    sa.Column('giver', sa.String(length=128), nullable=False),
    sa.Column('subject', sa.String(length=160), nullable=False),
    sa.Column('event_id', sa.String(length=128), nullable=False),
    sa.Column('recipient', sa.String(length=128), nullable=False),
    sa.Column('about', sa.String(length=160), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('model', 'giver', 'subject', name=op.f('pk_engagement_kudos_firsts'))
    )
    op.execute("DELETE FROM engagement_award_tallies WHERE facet = 'idea_owner'")
    op.execute(IDEA_OWNERS)


def downgrade() -> None:
    op.execute("DELETE FROM engagement_award_tallies WHERE facet = 'idea_owner'")
    op.drop_table('engagement_kudos_firsts')

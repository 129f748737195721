"""outbound webhooks (subscriptions, outbox, delivery log) and chat publications

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('engagement_webhook_subscriptions',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('owner', sa.String(length=160), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('event_types', sa.JSON(), nullable=False),
    sa.Column('secret', sa.String(length=80), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('disabled_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_engagement_webhook_subscriptions'))
    )
    with op.batch_alter_table('engagement_webhook_subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_engagement_webhook_subscriptions_owner'), ['owner'], unique=False)
    op.create_table('engagement_webhook_messages',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('subscription_id', sa.String(length=40), nullable=False),
    sa.Column('event_id', sa.String(length=160), nullable=False),
    sa.Column('event_type', sa.String(length=40), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=True),
    sa.Column('subject', sa.String(length=128), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_engagement_webhook_messages')),
    sa.UniqueConstraint('subscription_id', 'event_id', name='uq_engagement_webhook_messages_subscription_event')
    )
    with op.batch_alter_table('engagement_webhook_messages', schema=None) as batch_op:
        batch_op.create_index('ix_engagement_webhook_messages_due', ['status', 'next_attempt_at'], unique=False)
    op.create_table('engagement_webhook_attempts',
    sa.Column('id', BIG_ID, autoincrement=True, nullable=False),
    sa.Column('message_id', sa.String(length=40), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('outcome', sa.String(length=12), nullable=False),
    sa.Column('response_code', sa.Integer(), nullable=True),
    sa.Column('error', sa.String(length=300), nullable=False),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_engagement_webhook_attempts'))
    )
    with op.batch_alter_table('engagement_webhook_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_engagement_webhook_attempts_message_id'), ['message_id'], unique=False)
    op.create_table('engagement_chat_publications',
    sa.Column('id', BIG_ID, autoincrement=True, nullable=False),
    sa.Column('what', sa.String(length=60), nullable=False),
    sa.Column('channel', sa.String(length=80), nullable=False),
    sa.Column('lang', sa.String(length=5), nullable=False),
    sa.Column('by', sa.String(length=160), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_engagement_chat_publications'))
    )
    with op.batch_alter_table('engagement_chat_publications', schema=None) as batch_op:
        batch_op.create_index('ix_engagement_chat_publications_what_channel', ['what', 'channel'], unique=False)


def downgrade() -> None:
    op.drop_table('engagement_chat_publications')
    op.drop_table('engagement_webhook_attempts')
    op.drop_table('engagement_webhook_messages')
    op.drop_table('engagement_webhook_subscriptions')

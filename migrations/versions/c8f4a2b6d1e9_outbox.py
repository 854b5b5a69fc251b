"""outbox: messages written with the events that cause them; how a resident asked to hear of replies

Revision ID: c8f4a2b6d1e9
Revises: b7e3f1a2c4d6
Create Date: 2026-12-03 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c8f4a2b6d1e9'
down_revision = 'b7e3f1a2c4d6'
branch_labels = None
depends_on = None


def _channel():
    return sa.Enum('sms', 'email', name='channel', native_enum=False, create_constraint=True)


def upgrade():
    with op.batch_alter_table('opinions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notify', _channel(), nullable=True))
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))
    op.create_table(
        'outbox_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=120), nullable=False),
        sa.Column('message_id', sa.String(length=40), nullable=False),
        sa.Column('channel', _channel(), nullable=False),
        sa.Column('recipient', sa.String(length=254), nullable=False),
        sa.Column('subject', sa.String(length=200), nullable=False),
        sa.Column('body', sa.String(), nullable=False),
        sa.Column('status', sa.Enum('pending', 'sent', 'failed', name='messagestatus', native_enum=False,
                                    create_constraint=True), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
        sa.Column('last_error', sa.String(length=500), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.Column('opinion_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['opinion_id'], ['opinions.id'], name=op.f('fk_outbox_messages_opinion_id_opinions'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_messages')),
        sa.UniqueConstraint('key', name=op.f('uq_outbox_messages_key')),
        sa.UniqueConstraint('message_id', name=op.f('uq_outbox_messages_message_id')),
    )
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_messages_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_messages_next_attempt_at'), ['next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_messages_opinion_id'), ['opinion_id'], unique=False)


def downgrade():
    op.drop_table('outbox_messages')
    with op.batch_alter_table('opinions', schema=None) as batch_op:
        batch_op.drop_column('email')
        batch_op.drop_column('notify')

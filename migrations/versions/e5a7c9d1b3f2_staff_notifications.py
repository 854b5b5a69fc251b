"""staff accounts' notification settings: an optional e-mail address and mobile number, and which notices
(new opinions in their queue, overdue ones) the account wants

Revision ID: e5a7c9d1b3f2
Revises: 4f8b2d6e1c37
Create Date: 2026-12-04 04:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5a7c9d1b3f2'
down_revision = '4f8b2d6e1c37'
branch_labels = None
depends_on = None


def upgrade():
    # outbox_messages.key is unique since the outbox's own migration (uq_outbox_messages_key): the staff notices
    # rely on it to be enqueued once per event and recipient.
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('mobile', sa.String(length=11), nullable=True))
        # Existing accounts get no notices until they ask for them.
        batch_op.add_column(sa.Column('notify_new', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('notify_overdue', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_column('notify_overdue')
        batch_op.drop_column('notify_new')
        batch_op.drop_column('mobile')
        batch_op.drop_column('email')

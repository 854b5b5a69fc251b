"""staff session epoch: moved on logout, so that a session cookie saved before logging out no longer opens anything

Revision ID: 3e7a1c9d5b42
Revises: d3e277ab2ceb
Create Date: 2026-12-03 06:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3e7a1c9d5b42'
down_revision = 'd3e277ab2ceb'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_epoch', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_column('session_epoch')

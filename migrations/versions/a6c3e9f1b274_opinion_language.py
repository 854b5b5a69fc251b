"""opinion language: the language an opinion was sent in ("zh" or "en"), which the messages to its resident use

Revision ID: a6c3e9f1b274
Revises: e5a7c9d1b3f2
Create Date: 2026-12-04 04:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a6c3e9f1b274'
down_revision = 'e5a7c9d1b3f2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('opinions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lang', sa.String(length=5), server_default='zh', nullable=False))


def downgrade():
    with op.batch_alter_table('opinions', schema=None) as batch_op:
        batch_op.drop_column('lang')

"""data version: one row whose number every committed write to public data moves (the public cache's key)

Revision ID: 5c1f3a9e7b20
Revises: dbb90be0f30e
Create Date: 2026-11-26 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c1f3a9e7b20'
down_revision = 'dbb90be0f30e'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table('data_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_version'))
    )
    # The row the app reads and moves; it exists from the start so that no request has to create it.
    op.bulk_insert(table, [{'id': 1, 'version': 0}])


def downgrade():
    op.drop_table('data_version')

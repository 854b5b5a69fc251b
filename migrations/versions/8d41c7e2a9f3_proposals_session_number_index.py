"""proposals: index (session_id, number) in place of (session_id), for the list read session by session

Revision ID: 8d41c7e2a9f3
Revises: 5c1f3a9e7b20
Create Date: 2026-11-26 05:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '8d41c7e2a9f3'
down_revision = '5c1f3a9e7b20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_proposals_session_id_number', 'proposals', ['session_id', 'number'], unique=False)
    op.drop_index('ix_proposals_session_id', table_name='proposals')


def downgrade():
    op.create_index('ix_proposals_session_id', 'proposals', ['session_id'], unique=False)
    op.drop_index('ix_proposals_session_id_number', table_name='proposals')

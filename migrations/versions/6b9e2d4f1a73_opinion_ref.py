"""opinion ref: the public reference of an opinion (8 characters, drawn apart from its tracking code)

Revision ID: 6b9e2d4f1a73
Revises: 3e7a1c9d5b42
Create Date: 2026-12-03 07:30:00

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6b9e2d4f1a73'
down_revision = '3e7a1c9d5b42'
branch_labels = None
depends_on = None

REF_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # as renda.opinions.models has it, copied: migrations stand alone


def upgrade():
    with op.batch_alter_table('opinions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ref', sa.String(length=8), nullable=True))
    connection = op.get_bind()
    opinions = sa.table('opinions', sa.column('id', sa.Integer), sa.column('ref', sa.String))
    used = set()
    for (opinion_id,) in connection.execute(sa.select(opinions.c.id)).all():
        ref = None
        while ref is None or ref in used:
            ref = "".join(secrets.choice(REF_ALPHABET) for _ in range(8))
        used.add(ref)
        connection.execute(opinions.update().where(opinions.c.id == opinion_id).values(ref=ref))
    with op.batch_alter_table('opinions', schema=None) as batch_op:
        batch_op.alter_column('ref', existing_type=sa.String(length=8), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_opinions_ref'), ['ref'])


def downgrade():
    with op.batch_alter_table('opinions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_opinions_ref'), type_='unique')
        batch_op.drop_column('ref')

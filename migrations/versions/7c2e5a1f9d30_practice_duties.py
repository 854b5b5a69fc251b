"""practice duties: activities' summary and research report, committee contacts, contacts per year, opinions'
source, reception and the suggestion raised from them

Revision ID: 7c2e5a1f9d30
Revises: 6b9e2d4f1a73
Create Date: 2026-12-03 11:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c2e5a1f9d30'
down_revision = '6b9e2d4f1a73'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('summary', sa.String(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('report', sa.String(), nullable=False, server_default=''))
    with op.batch_alter_table('district_profile', schema=None) as batch_op:
        batch_op.add_column(sa.Column('committee_contacts_per_year', sa.Integer(), nullable=False,
                                      server_default='4'))
    op.create_table(
        'committee_contacts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=80), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('deputy_id', sa.Integer(), nullable=False),
        sa.Column('date', sa.Date(), nullable=False),
        sa.Column('mode', sa.Enum('visit', 'phone', 'meeting', 'online', name='contactmode', native_enum=False, create_constraint=True), nullable=False),
        sa.Column('topic', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['member_id'], ['deputies.id'], name=op.f('fk_committee_contacts_member_id_deputies'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['deputy_id'], ['deputies.id'], name=op.f('fk_committee_contacts_deputy_id_deputies'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_committee_contacts')),
        sa.UniqueConstraint('ref', name=op.f('uq_committee_contacts_ref')),
    )
    with op.batch_alter_table('committee_contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_committee_contacts_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_committee_contacts_deputy_id'), ['deputy_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_committee_contacts_date'), ['date'], unique=False)
    with op.batch_alter_table('opinions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.Enum('online', 'reception', 'letter', 'phone', 'visit', name='opinionsource', native_enum=False, create_constraint=True), nullable=False, server_default='online'))
        batch_op.add_column(sa.Column('reception_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('proposal_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_opinions_reception_id_receptions'), 'receptions',
                                    ['reception_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_opinions_proposal_id_proposals'), 'proposals',
                                    ['proposal_id'], ['id'], ondelete='SET NULL')
        batch_op.create_index(batch_op.f('ix_opinions_reception_id'), ['reception_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_opinions_proposal_id'), ['proposal_id'], unique=False)


def downgrade():
    with op.batch_alter_table('opinions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opinions_proposal_id'))
        batch_op.drop_index(batch_op.f('ix_opinions_reception_id'))
        batch_op.drop_constraint(batch_op.f('fk_opinions_proposal_id_proposals'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_opinions_reception_id_receptions'), type_='foreignkey')
        batch_op.drop_column('proposal_id')
        batch_op.drop_column('reception_id')
        batch_op.drop_column('source')
    op.drop_table('committee_contacts')
    with op.batch_alter_table('district_profile', schema=None) as batch_op:
        batch_op.drop_column('committee_contacts_per_year')
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_column('report')
        batch_op.drop_column('summary')

"""livelihood projects and their updates, supervisions with their units and commitments, and opinions that
comment on a project (routed to the standing committee's office instead of a group)

Revision ID: 4f8b2d6e1c37
Revises: c8f4a2b6d1e9
Create Date: 2026-12-03 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4f8b2d6e1c37'
down_revision = 'c8f4a2b6d1e9'
branch_labels = None
depends_on = None


def _enum(name, *values):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True)


def upgrade():
    op.create_table(
        'projects',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('slug', sa.String(length=80), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('summary', sa.String(), nullable=False),
        sa.Column('category', sa.String(length=40), nullable=False),
        sa.Column('lead_unit_id', sa.Integer(), nullable=True),
        sa.Column('budget', sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column('comment_from', sa.Date(), nullable=True),
        sa.Column('comment_to', sa.Date(), nullable=True),
        sa.Column('session_id', sa.Integer(), nullable=True),
        sa.Column('voted_on', sa.Date(), nullable=True),
        sa.Column('present', sa.Integer(), nullable=True),
        sa.Column('votes_for', sa.Integer(), nullable=True),
        sa.Column('votes_against', sa.Integer(), nullable=True),
        sa.Column('votes_abstain', sa.Integer(), nullable=True),
        sa.Column('selected', sa.Boolean(), nullable=True),
        sa.Column('due_on', sa.Date(), nullable=True),
        sa.Column('done_on', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(['lead_unit_id'], ['units.id'], name=op.f('fk_projects_lead_unit_id_units')),
        sa.ForeignKeyConstraint(['session_id'], ['congress_sessions.id'],
                                name=op.f('fk_projects_session_id_congress_sessions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_projects')),
    )
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_projects_slug'), ['slug'], unique=True)
        batch_op.create_index(batch_op.f('ix_projects_year'), ['year'], unique=False)
        batch_op.create_index(batch_op.f('ix_projects_lead_unit_id'), ['lead_unit_id'], unique=False)
    op.create_table(
        'project_updates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=80), nullable=False),
        sa.Column('project_id', sa.Integer(), nullable=False),
        sa.Column('date', sa.Date(), nullable=False),
        sa.Column('kind', _enum('updatekind', 'progress', 'supervision', 'evaluation'), nullable=False),
        sa.Column('progress', sa.Integer(), nullable=True),
        sa.Column('rating', _enum('satisfaction', 'satisfied', 'basic', 'unsatisfied'), nullable=True),
        sa.Column('text', sa.String(), nullable=False),
        sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_updates_project_id_projects'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_project_updates')),
        sa.UniqueConstraint('ref', name=op.f('uq_project_updates_ref')),
    )
    with op.batch_alter_table('project_updates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_updates_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_updates_date'), ['date'], unique=False)
    op.create_table(
        'project_update_deputies',
        sa.Column('update_id', sa.Integer(), nullable=False),
        sa.Column('deputy_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['update_id'], ['project_updates.id'],
                                name=op.f('fk_project_update_deputies_update_id_project_updates'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['deputy_id'], ['deputies.id'],
                                name=op.f('fk_project_update_deputies_deputy_id_deputies'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('update_id', 'deputy_id', name=op.f('pk_project_update_deputies')),
    )
    op.create_table(
        'supervisions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=80), nullable=False),
        sa.Column('kind', _enum('supervisionkind', 'inquiry', 'evaluation', 'review', 'inspection'), nullable=False),
        sa.Column('date', sa.Date(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('summary', sa.String(), nullable=False),
        sa.Column('candidates', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_supervisions')),
        sa.UniqueConstraint('ref', name=op.f('uq_supervisions_ref')),
    )
    with op.batch_alter_table('supervisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervisions_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervisions_date'), ['date'], unique=False)
    op.create_table(
        'supervision_units',
        sa.Column('supervision_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('votes', sa.Integer(), nullable=True),
        sa.Column('result', sa.Numeric(precision=5, scale=2), nullable=True),
        sa.ForeignKeyConstraint(['supervision_id'], ['supervisions.id'],
                                name=op.f('fk_supervision_units_supervision_id_supervisions'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_supervision_units_unit_id_units'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('supervision_id', 'unit_id', name=op.f('pk_supervision_units')),
    )
    with op.batch_alter_table('supervision_units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervision_units_unit_id'), ['unit_id'], unique=False)
    op.create_table(
        'commitments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=80), nullable=False),
        sa.Column('supervision_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('text', sa.String(length=2000), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('done_on', sa.Date(), nullable=True),
        sa.Column('revisit_on', sa.Date(), nullable=True),
        sa.Column('revisit_note', sa.String(length=2000), nullable=False),
        sa.ForeignKeyConstraint(['supervision_id'], ['supervisions.id'],
                                name=op.f('fk_commitments_supervision_id_supervisions'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_commitments_unit_id_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_commitments')),
        sa.UniqueConstraint('ref', name=op.f('uq_commitments_ref')),
    )
    with op.batch_alter_table('commitments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commitments_supervision_id'), ['supervision_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_commitments_unit_id'), ['unit_id'], unique=False)
    with op.batch_alter_table('opinions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('project_id', sa.Integer(), nullable=True))
        batch_op.alter_column('group_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(batch_op.f('fk_opinions_project_id_projects'), 'projects', ['project_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_opinions_project_id'), ['project_id'], unique=False)
        batch_op.create_check_constraint('routed', 'group_id IS NOT NULL OR project_id IS NOT NULL')


def downgrade():
    op.execute("DELETE FROM opinions WHERE group_id IS NULL")
    with op.batch_alter_table('opinions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_opinions_routed'), type_='check')
        batch_op.drop_index(batch_op.f('ix_opinions_project_id'))
        batch_op.drop_constraint(batch_op.f('fk_opinions_project_id_projects'), type_='foreignkey')
        batch_op.alter_column('group_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('project_id')
    op.drop_table('commitments')
    op.drop_table('supervision_units')
    op.drop_table('supervisions')
    op.drop_table('project_update_deputies')
    op.drop_table('project_updates')
    op.drop_table('projects')

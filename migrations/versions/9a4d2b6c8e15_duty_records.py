"""duty records: the entries and photos of deputies' records, deputies' accounts, elected_on, scoring

Revision ID: 9a4d2b6c8e15
Revises: 7c2e5a1f9d30
Create Date: 2026-12-03 14:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9a4d2b6c8e15'
down_revision = '7c2e5a1f9d30'
branch_labels = None
depends_on = None

OLD_ROLES = ('admin', 'editor', 'liaison')
NEW_ROLES = (*OLD_ROLES, 'deputy')
ITEMS = ('congress', 'committee_sitting', 'group_activity', 'reception', 'proposal_lead', 'proposal_cosign',
         'report_back', 'training', 'inspection', 'voter_contact', 'research', 'service')


def _role(values):
    return sa.Enum(*values, name='role', native_enum=False, create_constraint=True)


def _replace_roles(old, new):
    """The role column's check constraint, rebuilt to allow `new`: SQLite copies the table with the new column
    type; PostgreSQL drops and adds the constraint."""
    if op.get_bind().dialect.name == 'sqlite':
        with op.batch_alter_table('staff_users', schema=None, recreate='always') as batch_op:
            batch_op.alter_column('role', existing_type=_role(old), type_=_role(new), existing_nullable=False)
        return
    op.drop_constraint(op.f('ck_staff_users_role'), 'staff_users', type_='check')
    values = ", ".join(f"'{v}'" for v in new)
    op.create_check_constraint(op.f('ck_staff_users_role'), 'staff_users', sa.text(f"role IN ({values})"))


def upgrade():
    with op.batch_alter_table('deputies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('elected_on', sa.Date(), nullable=True))
    with op.batch_alter_table('district_profile', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scoring', sa.JSON(), nullable=True))
    _replace_roles(OLD_ROLES, NEW_ROLES)
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deputy_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_staff_users_deputy_id_deputies'), 'deputies',
                                    ['deputy_id'], ['id'])
        batch_op.create_unique_constraint(batch_op.f('uq_staff_users_deputy_id'), ['deputy_id'])
        batch_op.create_check_constraint('deputy_has_deputy', "role <> 'deputy' OR deputy_id IS NOT NULL")
    op.create_table(
        'duty_entries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=80), nullable=False),
        sa.Column('deputy_id', sa.Integer(), nullable=False),
        sa.Column('date', sa.Date(), nullable=False),
        sa.Column('item', sa.Enum(*ITEMS, name='dutyitem', native_enum=False, create_constraint=True),
                  nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('place', sa.String(length=200), nullable=False),
        sa.Column('note', sa.String(), nullable=False),
        sa.Column('status', sa.Enum('pending', 'confirmed', 'returned', name='dutystatus', native_enum=False,
                                    create_constraint=True), nullable=False),
        sa.Column('return_reason', sa.String(length=500), nullable=False),
        sa.Column('reported_at', sa.DateTime(), nullable=False),
        sa.Column('reviewed_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['deputy_id'], ['deputies.id'], name=op.f('fk_duty_entries_deputy_id_deputies'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_duty_entries')),
        sa.UniqueConstraint('ref', name=op.f('uq_duty_entries_ref')),
    )
    with op.batch_alter_table('duty_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_duty_entries_deputy_id'), ['deputy_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_duty_entries_date'), ['date'], unique=False)
        batch_op.create_index(batch_op.f('ix_duty_entries_status'), ['status'], unique=False)
    op.create_table(
        'duty_photos',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('width', sa.Integer(), nullable=False),
        sa.Column('height', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['entry_id'], ['duty_entries.id'], name=op.f('fk_duty_photos_entry_id_duty_entries'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_duty_photos')),
        sa.UniqueConstraint('entry_id', name=op.f('uq_duty_photos_entry_id')),
    )


def downgrade():
    op.drop_table('duty_photos')
    op.drop_table('duty_entries')
    op.execute("DELETE FROM staff_users WHERE role = 'deputy'")
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_staff_users_deputy_has_deputy'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_staff_users_deputy_id'), type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_staff_users_deputy_id_deputies'), type_='foreignkey')
        batch_op.drop_column('deputy_id')
    _replace_roles(NEW_ROLES, OLD_ROLES)
    with op.batch_alter_table('district_profile', schema=None) as batch_op:
        batch_op.drop_column('scoring')
    with op.batch_alter_table('deputies', schema=None) as batch_op:
        batch_op.drop_column('elected_on')

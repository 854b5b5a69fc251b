"""search entry ids by kind: an entry's id is its kind's code times 100,000,000 plus its row's id
(renda/search/models.py), so that the full-text index alone tells each match's kind; entries made before are
numbered so, in the entries and the full-text table alike

Revision ID: 3d8b5f7a9c21
Revises: a6c3e9f1b274
Create Date: 2026-12-04 19:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '3d8b5f7a9c21'
down_revision = 'a6c3e9f1b274'
branch_labels = None
depends_on = None

# As in renda/search/models.py when this was written (a code is never reused).
KIND_CODES = {"deputy": 1, "group": 2, "station": 3, "report": 4, "proposal": 5, "opinion": 6, "project": 7,
              "supervision": 8, "commitment": 9, "unit": 10}
ID_STRIDE = 100_000_000
NEW_ID = ("CASE e.kind " + " ".join(f"WHEN '{kind}' THEN {code}" for kind, code in KIND_CODES.items())
          + f" END * {ID_STRIDE} + e.row_id")


def upgrade():
    # No old id reaches ID_STRIDE, so no id is ever taken twice while they change.
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(f"UPDATE search_fts SET rowid = (SELECT {NEW_ID} FROM search_entries e "
                   "WHERE e.id = search_fts.rowid)")
    else:
        op.execute("ALTER TABLE search_fts DROP CONSTRAINT search_fts_entry_id_fkey")
        op.execute(f"UPDATE search_fts f SET entry_id = {NEW_ID} FROM search_entries e WHERE e.id = f.entry_id")
    op.execute(f"UPDATE search_entries SET id = {NEW_ID.replace('e.', '')}")
    if op.get_bind().dialect.name != 'sqlite':
        op.execute("ALTER TABLE search_entries ALTER COLUMN id DROP DEFAULT")
        op.execute("ALTER TABLE search_fts ADD CONSTRAINT search_fts_entry_id_fkey FOREIGN KEY (entry_id) "
                   "REFERENCES search_entries (id) ON DELETE CASCADE")


def downgrade():
    # The ids stay as they are (any integer was a valid id before); PostgreSQL's sequence numbers new ones again.
    if op.get_bind().dialect.name != 'sqlite':
        op.execute("ALTER TABLE search_entries ALTER COLUMN id SET DEFAULT nextval('search_entries_id_seq')")

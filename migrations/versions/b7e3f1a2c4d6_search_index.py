"""search index: the entries of site search, and the database's own full-text table of their words

Revision ID: b7e3f1a2c4d6
Revises: 9a4d2b6c8e15
Create Date: 2026-12-05 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e3f1a2c4d6'
down_revision = '9a4d2b6c8e15'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'search_entries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('row_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=120), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('text', sa.String(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_search_entries')),
        sa.UniqueConstraint('kind', 'row_id', name=op.f('uq_search_entries_kind')),
    )
    # The words of each entry (jieba's words and character pairs, lower case, space-separated), in the
    # database's own full-text search; not in the models' metadata (renda/search/models.py).
    if op.get_bind().dialect.name == 'sqlite':
        # rowid = search_entries.id; the tokens are made by the app, so unicode61 only splits them at spaces.
        op.execute("CREATE VIRTUAL TABLE search_fts USING fts5(tokens, tokenize = 'unicode61 remove_diacritics 0')")
    else:
        op.execute("CREATE TABLE search_fts (entry_id integer PRIMARY KEY REFERENCES search_entries (id) "
                   "ON DELETE CASCADE, tokens tsvector NOT NULL)")
        op.execute("CREATE INDEX ix_search_fts_tokens ON search_fts USING gin (tokens)")


def downgrade():
    op.execute("DROP TABLE search_fts")
    op.drop_table('search_entries')

"""The search index: one entry per public row of each indexed kind, and its full-text table beside it.

The entries are an ordinary table. The words of each entry live in a table of the database's own full-text
search, which the migration makes and SQLAlchemy's metadata does not describe: on SQLite an FTS5 table
(`rowid` = the entry's id), on PostgreSQL a table with a `tsvector` column under a GIN index.
"""

from __future__ import annotations

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Model, intpk, text

# The full-text table, and on SQLite the tables FTS5 keeps its index in (search_fts_data, search_fts_idx …).
FTS_TABLE = "search_fts"


def is_fts_table(name: str | None) -> bool:
    """Whether `name` is the full-text table or one of FTS5's own: outside the models' metadata."""
    return bool(name) and (name == FTS_TABLE or str(name).startswith(FTS_TABLE + "_"))


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's filter (migrations/env.py, and the test that compares the migrations with the models): the
    full-text tables are left out of every comparison, since no model describes them."""
    return not (type_ == "table" and is_fts_table(name))


class SearchEntry(Model):
    """One public row as search shows it: its kind and key, title and plain text. Written only by the index's
    own statements, in the transaction of the write to the row it mirrors, which moves the data version."""

    __tablename__ = "search_entries"
    __table_args__ = (UniqueConstraint("kind", "row_id"),)

    id: Mapped[intpk]
    kind: Mapped[str] = mapped_column(String(20))
    row_id: Mapped[int]  # the id of the row it mirrors, in that kind's own table
    key: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[text]

"""The search index: one entry per public row of each indexed kind, and its full-text table beside it.

The entries are an ordinary table. The words of each entry live in a table of the database's own full-text
search, which the migration makes and SQLAlchemy's metadata does not describe: on SQLite an FTS5 table
(`rowid` = the entry's id), on PostgreSQL a table with a `tsvector` column under a GIN index.
"""

from __future__ import annotations

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Model, text

# The full-text table, and on SQLite the tables FTS5 keeps its index in (search_fts_data, search_fts_idx …).
FTS_TABLE = "search_fts"

# An entry's id is its kind's code times ID_STRIDE plus the id of the row it mirrors, so that the full-text
# table's own keys tell each match's kind: counting the matches by kind and taking one kind's best matches read
# the full-text index alone. A code is never reused; the order kinds are shown in is search.sources.KIND_ORDER.
# (The migration 3d8b5f7a9c21 numbers entries made before this by the same codes.)
KIND_CODES = {"deputy": 1, "group": 2, "station": 3, "report": 4, "proposal": 5, "opinion": 6, "project": 7,
              "supervision": 8, "commitment": 9, "unit": 10}
ID_STRIDE = 100_000_000  # (max code + 1) × ID_STRIDE stays within a 32-bit integer


def entry_id(kind: str, row_id: int) -> int:
    """The id of the entry of `kind`'s row `row_id`."""
    if not 0 < row_id < ID_STRIDE:
        raise ValueError(f"a {kind} row id out of the search index's range: {row_id}")
    return KIND_CODES[kind] * ID_STRIDE + row_id


def kind_ids(kind: str) -> tuple[int, int]:
    """The first and last entry id `kind` may have."""
    return KIND_CODES[kind] * ID_STRIDE, (KIND_CODES[kind] + 1) * ID_STRIDE - 1


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

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  # entry_id(kind, row_id)
    kind: Mapped[str] = mapped_column(String(20))
    row_id: Mapped[int]  # the id of the row it mirrors, in that kind's own table
    key: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[text]

"""Searching the index: the terms of a query matched as the database's own full-text search answers them, the
results in the order of their kinds, and the words found marked in what is shown."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markupsafe import Markup, escape
from sqlalchemy import select, text

from ..db import db
from ..proposals.models import Proposal
from .models import FTS_TABLE
from .sources import KIND_ORDER
from .tokens import Query, Term, parse_query

# Longer than anything a person types into a search box: a page cuts it there (with a notice), the API refuses.
MAX_QUERY_LENGTH = 100
# A proposal's number (18-2-045): typed alone, it goes straight to its proposal.
NUMBER = re.compile(r"[0-9A-Za-z]+(?:-[0-9A-Za-z]+)+")
SNIPPET_LENGTH = 80
SNIPPET_BEFORE = 20


@dataclass(frozen=True)
class Hit:
    kind: str
    key: str
    title: str
    text: str


@dataclass
class Found:
    """One page of what a query found, in kind order; `counts` per kind over all pages."""

    query: Query
    hits: list[Hit] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def proposal_numbered(q: str) -> str | None:
    """The number of the proposal `q` is the number of, if it is one."""
    q = q.strip()
    if not NUMBER.fullmatch(q):
        return None
    return db.session.scalar(select(Proposal.number).where(Proposal.number == q))


def _fts5_match(terms: tuple[Term, ...]) -> str:
    """An FTS5 query holding only quoted strings (a `"` inside one doubled), so that nothing typed is syntax."""
    return " AND ".join('"' + t.text.replace('"', '""') + '"' + ("*" if t.prefix else "") for t in terms)


def _tsquery(terms: tuple[Term, ...]) -> str:
    """A tsquery of quoted lexemes only (a `'` or `\\` inside one escaped), bound as a parameter."""
    return " & ".join("'" + t.text.replace("\\", "\\\\").replace("'", "''") + "'" + (":*" if t.prefix else "")
                      for t in terms)


KIND_RANK = "CASE e.kind " + " ".join(f"WHEN '{kind}' THEN {i}" for i, kind in enumerate(KIND_ORDER)) + " END"


def search(q: str, page: int, per_page: int, first: str | None = None) -> Found:
    """The page `page` of what `q` finds, grouped by kind in CONTRACT.md's order, the best matches first within a
    kind; `first`, a proposal's number, before everything."""
    query = parse_query(q)
    found = Found(query)
    if not query.terms:
        return found
    if db.engine.dialect.name == "sqlite":
        source = f"{FTS_TABLE} JOIN search_entries e ON e.id = {FTS_TABLE}.rowid WHERE {FTS_TABLE} MATCH :match"
        rank, match = f"bm25({FTS_TABLE})", _fts5_match(query.terms)
    else:
        source = f"{FTS_TABLE} f JOIN search_entries e ON e.id = f.entry_id WHERE f.tokens @@ CAST(:match AS tsquery)"
        rank, match = "ts_rank(f.tokens, CAST(:match AS tsquery)) DESC", _tsquery(query.terms)
    counts = db.session.execute(text(f"SELECT e.kind, count(*) FROM {source} GROUP BY e.kind"), {"match": match})
    found.counts = {kind: n for kind, n in sorted(counts, key=lambda row: KIND_ORDER.index(row[0]))}
    if found.total <= (page - 1) * per_page:
        return found
    rows = db.session.execute(text(
        f"SELECT e.kind, e.key, e.title, e.text FROM {source} "
        f"ORDER BY CASE WHEN e.kind = 'proposal' AND e.key = :first THEN 0 ELSE 1 END, {KIND_RANK}, {rank}, e.id "
        "LIMIT :limit OFFSET :offset"),
        {"match": match, "first": first or "", "limit": per_page, "offset": (page - 1) * per_page})
    found.hits = [Hit(*row) for row in rows]
    return found


def _marks(marks: tuple[str, ...]) -> re.Pattern[str] | None:
    return re.compile("|".join(re.escape(m) for m in marks), re.IGNORECASE) if marks else None


def snippet(text_: str, marks: tuple[str, ...], length: int = SNIPPET_LENGTH) -> str:
    """A stretch of `text_` around the first word found in it, as plain text."""
    text_ = " ".join(text_.split())
    pattern = _marks(marks)
    match = pattern.search(text_) if pattern else None
    start = max(0, match.start() - SNIPPET_BEFORE) if match else 0
    if len(text_) - start < length:  # near the end: show as much as fits before it
        start = max(0, len(text_) - length)
    cut = text_[start:start + length]
    return ("…" if start else "") + cut + ("…" if start + length < len(text_) else "")


def highlight(text_: str, marks: tuple[str, ...]) -> Markup:
    """`text_` escaped, each word found in it wrapped in <mark>: the text is escaped piece by piece, so nothing
    typed or stored is ever markup."""
    pattern = _marks(marks)
    if pattern is None:
        return escape(text_)
    pieces, last = [], 0
    for match in pattern.finditer(text_):
        pieces += [escape(text_[last:match.start()]), Markup("<mark>"), escape(match.group()), Markup("</mark>")]
        last = match.end()
    pieces.append(escape(text_[last:]))
    return Markup("").join(pieces)

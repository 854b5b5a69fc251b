"""Searching the index: the terms of a query matched as the database's own full-text search answers them, the
results in the order of their kinds, and the words found marked in what is shown."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markupsafe import Markup, escape
from sqlalchemy import select, text

from ..db import db
from ..proposals.models import Proposal
from .models import FTS_TABLE, ID_STRIDE, KIND_CODES, entry_id, kind_ids
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


def proposal_numbered(q: str) -> tuple[str, int] | None:
    """The number and id of the proposal `q` is the number of, if it is one."""
    q = q.strip()
    if not NUMBER.fullmatch(q):
        return None
    found = db.session.execute(select(Proposal.number, Proposal.id).where(Proposal.number == q)).first()
    return None if found is None else (found.number, found.id)


def _fts5_match(terms: tuple[Term, ...]) -> str:
    """An FTS5 query holding only quoted strings (a `"` inside one doubled), so that nothing typed is syntax."""
    return " AND ".join('"' + t.text.replace('"', '""') + '"' + ("*" if t.prefix else "") for t in terms)


def _tsquery(terms: tuple[Term, ...]) -> str:
    """A tsquery of quoted lexemes only (a `'` or `\\` inside one escaped), bound as a parameter."""
    return " & ".join("'" + t.text.replace("\\", "\\\\").replace("'", "''") + "'" + (":*" if t.prefix else "")
                      for t in terms)


@dataclass(frozen=True)
class _Dialect:
    """How one database's full-text search is asked: its matches (`match` bound as :match), an entry id's column,
    and a score that sorts the best match first."""

    source: str
    id: str
    score: str


_SQLITE = _Dialect(f"{FTS_TABLE} WHERE {FTS_TABLE} MATCH :match", "rowid", f"bm25({FTS_TABLE})")
_POSTGRES = _Dialect(f"{FTS_TABLE} WHERE tokens @@ CAST(:match AS tsquery)", "entry_id",
                     "-ts_rank(tokens, CAST(:match AS tsquery))")


def _slices(counts: dict[str, int], start: int, stop: int) -> list[tuple[str, int, int]]:
    """The kinds the results `start` to `stop` (in kind order) fall in: (kind, offset within it, how many)."""
    slices, before = [], 0
    for kind, n in counts.items():
        first, last = max(start, before), min(stop, before + n)
        if first < last:
            slices.append((kind, first - before, last - first))
        before += n
    return slices


def search(q: str, page: int, per_page: int, first: int | None = None) -> Found:
    """The page `page` of what `q` finds, grouped by kind in CONTRACT.md's order, the best matches first within a
    kind; `first`, a proposal's id, before everything. Two statements whatever the page: the count of matches
    per kind, then the page itself, each kind's part of it taken by its range of entry ids."""
    query = parse_query(q)
    found = Found(query)
    if not query.terms:
        return found
    if db.engine.dialect.name == "sqlite":
        dialect, match = _SQLITE, _fts5_match(query.terms)
    else:
        dialect, match = _POSTGRES, _tsquery(query.terms)
    first_id = entry_id("proposal", first) if first else -1
    counted = db.session.execute(text(
        f"SELECT {dialect.id} / {ID_STRIDE}, count(*), max(CASE WHEN {dialect.id} = :first THEN 1 ELSE 0 END) "
        f"FROM {dialect.source} GROUP BY 1"), {"match": match, "first": first_id}).all()
    by_code = {code: (n, bool(has_first)) for code, n, has_first in counted}
    found.counts = {kind: by_code[KIND_CODES[kind]][0] for kind in KIND_ORDER if KIND_CODES[kind] in by_code}
    # The numbered proposal, if it is among the matches, is a part of its own before the kinds.
    leading = {"first": 1} if by_code.get(KIND_CODES["proposal"], (0, False))[1] else {}
    order = leading | {kind: n - (1 if leading and kind == "proposal" else 0) for kind, n in found.counts.items()}
    slices = _slices(order, (page - 1) * per_page, page * per_page)
    if not slices:
        return found
    parts, values = [], {"match": match, "first": first_id}
    for i, (kind, offset, limit) in enumerate(slices):
        if kind == "first":
            where = f"{dialect.id} = :first"
        else:
            where = f"{dialect.id} BETWEEN :low{i} AND :high{i}" + (f" AND {dialect.id} <> :first" if leading else "")
            values[f"low{i}"], values[f"high{i}"] = kind_ids(kind)
        parts.append(f"SELECT {i} AS part, id, score FROM (SELECT {dialect.id} AS id, {dialect.score} AS score "
                     f"FROM {dialect.source} AND {where} ORDER BY score, id LIMIT :limit{i} OFFSET :offset{i}) p{i}")
        values |= {f"limit{i}": limit, f"offset{i}": offset}
    rows = db.session.execute(text(
        f"SELECT e.kind, e.key, e.title, e.text FROM ({' UNION ALL '.join(parts)}) f "
        "JOIN search_entries e ON e.id = f.id ORDER BY f.part, f.score, f.id"), values)
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

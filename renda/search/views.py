"""Site-wide search: `/search?q=` (the page, its live results the list alone) and `/api/v1/search?q=`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, request, url_for
from flask_babel import gettext
from flask_sqlalchemy.pagination import Pagination

from ..cache import public
from ..web import Format, Page, answer_format, page_args, params, see_other, twins
from .queries import MAX_QUERY_LENGTH, Found, Hit, highlight, proposal_numbered, search, snippet
from .sources import SOURCE_OF
from .tokens import Query

bp = public(Blueprint("search", __name__))


class ResultPage(Pagination):
    """The page of results as the pagination macro reads it (the search has paged them already)."""

    def __init__(self, found: Found, page: int, per_page: int) -> None:
        self.found = found
        super().__init__(page=page, per_page=per_page, error_out=False)

    def _query_items(self) -> list[Any]:
        return self.found.hits

    def _query_count(self) -> int:
        return self.found.total


def hit_url(hit: Hit) -> str:
    source = SOURCE_OF[hit.kind]
    return url_for(source.endpoint, **source.url_args(hit.key))


def hit_json(hit: Hit, found: Found) -> dict[str, Any]:
    return {"kind": hit.kind, "key": hit.key, "title": hit.title, "url": hit_url(hit),
            "snippet": snippet(hit.text, found.query.marks)}


def grouped(found: Found) -> list[dict[str, Any]]:
    """The page's results under a heading for each kind, in kind order, each with its words marked."""
    groups: list[dict[str, Any]] = []
    for hit in found.hits:
        if not groups or groups[-1]["kind"] != hit.kind:
            groups.append({"kind": hit.kind, "label": SOURCE_OF[hit.kind].label,
                           "count": found.counts.get(hit.kind, 0), "hits": []})
        marks = found.query.marks
        groups[-1]["hits"].append({"url": hit_url(hit), "title": highlight(hit.title, marks),
                                   "snippet": highlight(snippet(hit.text, marks), marks) if hit.text else ""})
    return groups


def query_param() -> str:
    """`q`, at most MAX_QUERY_LENGTH characters: a longer one is cut (with a notice) for the page, a 400 for the API."""
    q = " ".join(request.args.get("q", "").split())
    if len(q) > MAX_QUERY_LENGTH:
        params().reject("q", f"参数 q 最长 {MAX_QUERY_LENGTH} 个字符",
                        gettext("搜索词太长，只按前 %(n)s 个字查找。", n=MAX_QUERY_LENGTH))
        q = q[:MAX_QUERY_LENGTH]
    return q


@twins(bp, "/search", "index", api="/api/v1/search")
def index() -> Page:
    """The results of `q`, grouped by kind; a proposal's number goes straight to the proposal (the page) or comes
    first (JSON)."""
    q = query_param()
    page, per_page = page_args()
    numbered = proposal_numbered(q) if q else None
    if numbered is not None and answer_format() is Format.HTML and not request.args.get("page"):
        abort(see_other(url_for("proposals.detail", number=numbered[0])))  # answered as it is (web.http_error)
    found = search(q, page, per_page, first=numbered[1] if numbered else None) if q else Found(Query((), ()))
    pager = ResultPage(found, page, per_page)

    def as_json() -> dict[str, Any]:
        return {"items": [hit_json(hit, found) for hit in found.hits], "total": found.total,
                "page": page, "per_page": per_page}

    data = {"q": q, "pager": pager, "groups": grouped(found) if found.hits else [], "counts": found.counts,
            "labels": {kind: SOURCE_OF[kind].label for kind in found.counts},
            "worded": bool(found.query.terms), "notices": params().notices}
    return Page("search/index.html", block="results", json=as_json, args={"q": q} if q else {}, data=data)

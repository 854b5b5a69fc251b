"""Find my deputy (/lookup) and the community list, as pages and JSON."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import clock
from ..cache import public
from ..db import db
from ..web import ListData, Page, paginate, params, render, twins
from .models import Community
from .queries import (
    MAX_QUERY_LENGTH,
    SUGGESTION_LIMIT,
    answer_for,
    answer_json,
    candidate_json,
    community_json,
    community_label,
    find_community,
    near_communities,
    search_communities,
    search_needle,
)

# --- pages and their JSON twins ----------------------------------------------------------------------------------

bp = public(Blueprint("areas", __name__))


@twins(bp, "/lookup", "lookup", api="/api/v1/lookup")
def lookup() -> Page:
    """Find my deputy: the community's district, deputies, group, station and next reception.

    Several candidates are a normal answer to a person (200; the API says 300 with the candidates); "nothing
    found" is a 404 with near names. Without a community the page is the empty form, the API a 400.
    """
    query = request.args.get("community", "")
    if not query.strip():
        params().reject("community", "请提供参数 community（社区或村的代码、名称或拼音）", None)
    found = find_community(query) if query.strip() else None
    answer = answer_for(found.community, clock.today()) if found and found.community else None
    status = 404 if found is not None and found.status == 404 else 200
    # Once found, the box names the community as people do, not by the code a suggestion's link carries.
    shown = community_label(answer.community) if answer else query[:MAX_QUERY_LENGTH]

    def as_json() -> dict[str, Any]:
        if answer is not None:
            return answer_json(answer)
        assert found is not None  # the API refused an empty query
        if found.candidates:
            return {"error": "有多个社区或村与输入相符，请从候选中选择",
                    "candidates": [candidate_json(c) for c in found.candidates], "total": found.candidate_total}
        return {"error": "没有找到这个社区或村", "suggestions": [candidate_json(c) for c in found.suggestions]}

    return Page("areas/lookup.html", status=status, json=as_json,
                json_status=300 if found is not None and answer is None and found.candidates else None,
                data={"query": shown, "found": found, "answer": answer, "community_label": community_label})


@bp.get("/lookup/suggest")
def suggest() -> Response:
    """The autocomplete list under the lookup box: links to the answer for each matching community."""
    query = request.args.get("community", "")
    matches = db.session.scalars(search_communities(query, SUGGESTION_LIMIT)).all() if search_needle(query) else []
    near = near_communities(query) if search_needle(query) and not matches else []
    response = render("areas/_suggestions.html", query=query[:MAX_QUERY_LENGTH], matches=matches, near=near)
    response.vary.add("HX-Request")
    return response


COMMUNITY_COLUMNS = ("code", "name", "town", "district_code")


@twins(bp, "", "communities", html=False, api="/api/v1/communities", api_endpoint="api_communities",
       csv="/communities.csv")
def communities() -> Page:
    """The communities and villages (`q` matches name and pinyin), as JSON and CSV: people find theirs on /lookup."""
    query = params().text("q", MAX_QUERY_LENGTH)
    statement = search_communities(query) if query else (
        select(Community).options(joinedload(Community.town), joinedload(Community.district))
        .order_by(Community.code)
    )
    listing = ListData(paginate(statement), community_json)
    return Page("", data={}, json=listing.as_json, columns=COMMUNITY_COLUMNS, args={"q": query} if query else {},
                filename="communities.csv")

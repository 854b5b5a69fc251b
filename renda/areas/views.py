"""Find my deputy (/lookup) and the community list, as pages and JSON."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import clock
from ..db import db
from ..web import BadParameter, ListData, Page, paginate, params, render, twins
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

bp = Blueprint("areas", __name__)


@bp.get("/lookup")
def lookup() -> Response:
    query = request.args.get("community", "")
    found = find_community(query) if query.strip() else None
    answer = answer_for(found.community, clock.today()) if found and found.community else None
    # Several candidates are a normal answer to a person (200); "nothing found" is a 404 with near names.
    status = 404 if found is not None and found.status == 404 else 200
    # Once found, the box names the community as people do, not by the code a suggestion's link carries.
    shown = community_label(answer.community) if answer else query[:MAX_QUERY_LENGTH]
    return render("areas/lookup.html", query=shown, found=found, answer=answer, status=status,
                  community_label=community_label)


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


@bp.get("/api/v1/lookup")
def api_lookup() -> Response:
    query = request.args.get("community", "")
    if not query.strip():
        raise BadParameter("community", "请提供参数 community（社区或村的代码、名称或拼音）")
    found = find_community(query)
    if found.community is not None:
        return jsonify(answer_json(answer_for(found.community, clock.today())))
    if found.candidates:
        response = jsonify(error="有多个社区或村与输入相符，请从候选中选择",
                           candidates=[candidate_json(c) for c in found.candidates],
                           total=found.candidate_total)
        response.status_code = 300
        return response
    response = jsonify(error="没有找到这个社区或村", suggestions=[candidate_json(c) for c in found.suggestions])
    response.status_code = 404
    return response

"""The deputy directory and each deputy's page, with their JSON twins."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from flask import Blueprint, Response, abort, current_app, jsonify, request, send_from_directory
from sqlalchemy import select

from ..cache import public
from ..db import db
from ..web import BadParameter, api_list, paginate, render, wants_json

if TYPE_CHECKING:
    pass


from .. import clock
from ..areas.models import ElectoralDistrict
from ..stations.feeds import reception_json
from .models import DeputyGroup, Level
from .queries import (
    MAX_QUERY_LENGTH,
    DirectoryFilters,
    deputy_json,
    deputy_or_404,
    deputy_record,
    directory_statement,
    group_choices,
    sector_choices,
)

bp = public(Blueprint("deputies", __name__))


def scope_districts(filters: DirectoryFilters) -> list[ElectoralDistrict]:
    """The districts the district filter offers: those of the chosen group (a link to a district chooses its group).

    A group covers a handful of districts, so the choice stays short however large the district is. A district
    outside the chosen group (left over when the visitor switched groups) is dropped with a notice.
    """
    if filters.district is not None and filters.group is not None and filters.district.group_id != filters.group.id:
        filters.notices.append(f"{filters.district.name}不属于{filters.group.name}，已只按代表小组查找。")
        filters.district = None
    if filters.group is None and filters.district is not None:
        if "group" in request.args:  # "all groups" chosen in the form: the district goes with its group
            filters.district = None
        else:  # a link to a district's deputies
            filters.group = filters.district.group
    return list(filters.group.districts) if filters.group else []




def directory_filters() -> DirectoryFilters:
    """The query string of /deputies or /api/v1/deputies. The API answers 400/404 where HTML shows a notice."""
    filters = DirectoryFilters(q=request.args.get("q", "").strip()[:MAX_QUERY_LENGTH],
                               sector=request.args.get("sector", "").strip()[:40])
    level = request.args.get("level", "").strip()
    if level:
        try:
            filters.level = Level(level)
        except ValueError:
            if wants_json():
                raise BadParameter("level", "参数 level 应为 " + "、".join(m.value for m in Level)) from None
            filters.notices.append("代表层级的取值无效，已忽略。")
    group = request.args.get("group", "").strip()
    if group:
        filters.group = db.session.scalars(select(DeputyGroup).where(DeputyGroup.slug == group[:80])).first()
        if filters.group is None:
            if wants_json():
                abort(404)
            filters.notices.append("没有找到这个代表小组，已忽略这一条件。")
    district = request.args.get("district", "").strip()
    if district:
        filters.district = db.session.scalars(
            select(ElectoralDistrict).where(ElectoralDistrict.code == district[:20])).first()
        if filters.district is None:
            if wants_json():
                abort(404)
            filters.notices.append("没有找到这个选区，已忽略这一条件。")
    return filters




@bp.get("/deputies")
def index() -> Response:
    filters = directory_filters()
    districts = scope_districts(filters)
    pager = paginate(directory_statement(filters))
    # The group and sector choices are read by the form itself: a live result (the list alone) needs neither.
    return render("deputies/index.html", block="results", pager=pager, filters=filters,
                  group_choices=group_choices, districts=districts, sector_choices=sector_choices)


@bp.get("/api/v1/deputies")
def api_index() -> Response:
    pager = paginate(directory_statement(directory_filters()))
    return api_list([deputy_json(d) for d in pager.items], pager)




@bp.get("/deputies/<slug>")
def detail(slug: str) -> Response:
    deputy = deputy_or_404(slug)
    return render("deputies/detail.html", deputy=deputy, record=deputy_record(deputy, clock.today()))


@bp.get("/api/v1/deputies/<slug>")
def api_detail(slug: str) -> Response:
    deputy = deputy_or_404(slug)
    record = deputy_record(deputy, clock.today())
    return jsonify({
        **deputy_json(deputy),
        "bio": deputy.bio,
        "next_reception": reception_json(record.next_duty) if record.next_duty else None,
        "reports": [{"id": r.key, "year": r.year, "title": r.title} for r in record.reports],
        "proposals": [{"number": p.number, "title": p.title, "role": role} for p, role in record.proposals],
        "record": {
            "since": record.since.isoformat() if record.since else None,
            "receptions": len(record.receptions), "activities": len(record.activities),
            "reports": len(record.reports),
        },
    })


@bp.get("/deputies/photos/<path:filename>")
def photo(filename: str) -> Response:
    return send_from_directory(Path(current_app.config["CONTENT_DIR"]) / "photos", filename, max_age=86400)

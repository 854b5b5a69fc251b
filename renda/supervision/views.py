"""Supervision follow-ups in public: inquiries, evaluations, reviews and inspections with their commitments."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, abort, url_for
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import clock
from ..cache import public
from ..db import db
from ..rates import rate_json
from ..refs import ref
from ..web import ListData, Page, paginate, params, see_other, twins, year_param
from .models import Commitment, Supervision, SupervisionKind
from .queries import supervision_by_ref, supervision_years, supervisions, unit_by_slug, units_concerned

bp = public(Blueprint("supervision", __name__))

SUPERVISION_COLUMNS = ("id", "kind", "date", "title", "units", "commitments", "overdue")


def _date(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def commitment_json(c: Commitment, today: dt.date) -> dict[str, Any]:
    return {"id": c.ref, "unit": ref(c.unit), "text": c.text, "due_on": c.due_on.isoformat(),
            "done_on": _date(c.done_on), "status": c.status(today).value, "overdue": c.overdue(today),
            "revisit_on": _date(c.revisit_on), "revisit_note": c.revisit_note or None}


def supervision_json(s: Supervision, today: dt.date) -> dict[str, Any]:
    return {"id": s.ref, "kind": s.kind.value, "kind_label": s.kind.label, "date": s.date.isoformat(),
            "title": s.title, "units": [ref(u) for u in s.units], "commitments": len(s.commitments),
            "overdue": sum(1 for c in s.commitments if c.overdue(today))}


@twins(bp, "/supervision", "index", api="/api/v1/supervision", csv="/supervision.csv")
def index() -> Page:
    """The year's supervisions, by kind and by unit, each with how many commitments it led to."""
    year = year_param()
    reader = params()
    kind = reader.choice("kind", SupervisionKind, gettext("监督方式筛选无效，已显示全部。"))
    unit_slug = reader.text("unit", 80)
    unit = unit_by_slug(unit_slug) if unit_slug else None
    if unit_slug and unit is None:
        reader.reject("unit", f"没有标识为“{unit_slug}”的单位", gettext("单位筛选无效，已显示全部单位。"), status=404)
    today = clock.today()
    pager = paginate(supervisions(year, kind, unit))
    listing = ListData(pager, lambda s: supervision_json(s, today))
    args = {"year": str(year), **({"kind": kind.value} if kind else {}), **({"unit": unit.slug} if unit else {})}
    years = sorted({*supervision_years(), year, today.year}, reverse=True)
    return Page("supervision/index.html", json=listing.as_json, columns=SUPERVISION_COLUMNS,
                filename="supervision.csv", args=args,
                data={"pager": pager, "year": year, "kind": kind, "unit": unit, "years": years, "today": today,
                      "units": units_concerned(), "kinds": list(SupervisionKind), "notices": reader.notices})


@bp.get("/supervision/commitments/<int:commitment_id>")
def commitment(commitment_id: int) -> Response:
    """One commitment's lasting address: its place in its supervision's page (search results link here)."""
    found = db.session.scalars(select(Commitment).where(Commitment.id == commitment_id)
                               .options(joinedload(Commitment.supervision))).first()
    if found is None:
        abort(404)
    return see_other(url_for("supervision.detail", key=found.supervision.ref) + f"#c-{found.ref}")


@twins(bp, "/supervision/<key>", "detail", api="/api/v1/supervision/<key>")
def detail(key: str) -> Page:
    """One supervision, its units (for an evaluation: the vote and each one's result) and its commitments."""
    supervision = supervision_by_ref(key)
    if supervision is None:
        abort(404)
    today = clock.today()

    def as_json() -> dict[str, Any]:
        data = {**supervision_json(supervision, today), "summary": supervision.summary,
                "commitments": [commitment_json(c, today) for c in supervision.commitments]}
        if supervision.kind is SupervisionKind.EVALUATION:
            data["candidates"] = supervision.candidates
            data["votes"] = {c.unit.slug: c.votes for c in supervision.concerned if c.votes is not None}
            data["results"] = {c.unit.slug: rate_json(c.result) for c in supervision.concerned
                               if c.result is not None}
        return data

    by_unit: dict[int, list[Commitment]] = {}
    for c in supervision.commitments:
        by_unit.setdefault(c.unit_id, []).append(c)
    return Page("supervision/detail.html", json=as_json,
                data={"supervision": supervision, "today": today, "by_unit": by_unit,
                      "overdue": sum(1 for c in supervision.commitments if c.overdue(today))})

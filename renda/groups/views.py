"""The deputy groups' public pages: all groups' "四个一" side by side, one group's year, one activity."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from .. import clock
from ..cache import public
from ..db import db
from ..deputies.models import Activity, DeputyGroup
from ..rates import rate_json
from ..refs import ref
from ..reports.rendering import render_markdown
from ..web import ListData, Page, paginate, params, twins, year_param
from .queries import (
    Evidence,
    GroupPractice,
    OpinionFigures,
    active_members,
    evidence_json,
    group_or_404,
    opinion_figures,
    practice_of,
)

bp = public(Blueprint("groups", __name__))

GROUP_COLUMNS = ("slug", "name", "station", "leader", "districts", "year", "q1", "q2", "q3", "q4", "report_back",
                 "research")


def year_choices(year: int) -> list[int]:
    """The years the year picker offers: from the first activity's year (or this one) to next year."""
    first = db.session.scalar(select(func.min(Activity.date)))
    start = min(first.year if first else year, year, clock.today().year)
    return list(range(max(clock.last_year(), year), start - 1, -1))


def evidence_url(item: Evidence, group: DeputyGroup) -> str:
    if item.report is not None:
        return url_for("reports.detail", year=item.report.year, slug=item.report.slug)
    return url_for("groups.activity", slug=group.slug, activity_id=item.id)


def practice_json(practice: GroupPractice) -> dict[str, Any]:
    group = practice.group
    return {
        "quarters": [
            {"quarter": q.label, "met": q.met,
             "activities": [{"id": a.id, "date": a.date.isoformat(), "kind": a.kind.value, "theme": a.theme}
                            for a in q.activities]}
            for q in practice.quarters
        ],
        "report_back": {"met": practice.report_back.met,
                        "items": [evidence_json(i, evidence_url(i, group)) for i in practice.report_back.items]},
        "research": {"met": practice.research.met,
                     "items": [evidence_json(i, evidence_url(i, group)) for i in practice.research.items]},
    }


def group_json(group: DeputyGroup) -> dict[str, Any]:
    return {"slug": group.slug, "name": group.name, "station": ref(group.station), "leader": ref(group.leader),
            "districts": [{"code": d.code, "name": d.name} for d in group.districts]}


def opinions_json(figures: OpinionFigures) -> dict[str, Any]:
    return {"received": figures.received, "answered": figures.answered, "median_days": figures.median_days,
            "rated": figures.rated, "satisfaction_rate": rate_json(figures.satisfaction_rate)}


@twins(bp, "/groups", "index", api="/api/v1/groups", csv="/groups.csv")
def index() -> Page:
    """Every group's "四个一" for the year, side by side."""
    year = year_param()
    pager = paginate(
        select(DeputyGroup).order_by(DeputyGroup.slug)
        .options(joinedload(DeputyGroup.station), joinedload(DeputyGroup.leader), selectinload(DeputyGroup.districts))
    )
    groups = list(pager.items)
    practice = practice_of(groups, year, clock.today())

    def item_json(group: DeputyGroup) -> dict[str, Any]:
        done = practice[group.id]
        states = {f"q{q.number}": q.met for q in done.quarters}
        return {**group_json(group), "year": year, **states, "report_back": done.report_back.met,
                "research": done.research.met, "practice": practice_json(done)}

    listing = ListData(pager, item_json)
    return Page("groups/index.html", json=listing.as_json, columns=GROUP_COLUMNS, filename="groups.csv",
                args={"year": str(year)},
                data={"pager": pager, "groups": groups, "practice": practice, "year": year,
                      "met_count": sum(1 for g in groups if practice[g.id].all_met),
                      "years": year_choices(year), "notices": params().notices, "today": clock.today()})


@twins(bp, "/groups/<slug>", "detail", api="/api/v1/groups/<slug>")
def detail(slug: str) -> Page:
    """A group: who is in it, where it works, its "四个一" of the year and what residents sent it."""
    group = group_or_404(slug)
    year = year_param()
    practice = practice_of([group], year, clock.today())[group.id]
    figures = opinion_figures([group.id], year)[group.id]
    deputies = active_members(group)

    def as_json() -> dict[str, Any]:
        return {**group_json(group), "deputies": [ref(d) for d in deputies], "year": year,
                "practice": practice_json(practice), "opinions": opinions_json(figures)}

    return Page("groups/detail.html", json=as_json,
                args={"year": str(year)},
                data={"group": group, "year": year, "years": year_choices(year), "practice": practice,
                      "figures": figures, "deputies": deputies, "notices": params().notices,
                      "evidence_url": evidence_url})


@twins(bp, "/groups/<slug>/activities/<int:activity_id>", "activity",
       api="/api/v1/groups/<slug>/activities/<int:activity_id>")
def activity(slug: str, activity_id: int) -> Page:
    """One activity of a group: what was done, by whom, and for a research activity its report."""
    group = group_or_404(slug)
    found = db.session.scalars(
        select(Activity).where(Activity.id == activity_id, Activity.group_id == group.id)
        .options(selectinload(Activity.deputies))
    ).first()
    if found is None:
        abort(404)
    report = render_markdown(found.report) if found.report.strip() else None

    def as_json() -> dict[str, Any]:
        return {"id": found.id, "group": ref(group), "date": found.date.isoformat(), "kind": found.kind.value,
                "theme": found.theme, "summary": found.summary, "deputies": [ref(d) for d in found.deputies],
                "report": found.report or None, "report_html": str(report) if report is not None else None}

    return Page("groups/activity.html", json=as_json, data={"group": group, "activity": found, "report": report})

"""A unit's page: the view a deputy needs before a democratic evaluation of the department."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort

from .. import clock
from ..cache import public
from ..rates import rate_json
from ..supervision.queries import unit_by_slug
from ..web import Page, twins
from .queries import unit_figures

bp = public(Blueprint("units", __name__))


@twins(bp, "/units/<slug>", "detail", api="/api/v1/units/<slug>")
def detail(slug: str) -> Page:
    """Everything one department handles: proposals with its on-time and A rates, forwarded opinions,
    livelihood projects and commitments (overdue ones marked)."""
    unit = unit_by_slug(slug)
    if unit is None:
        abort(404)
    today = clock.today()
    figures = unit_figures(unit, today)
    p = figures.proposals

    def as_json() -> dict[str, Any]:
        return {
            "slug": unit.slug, "name": unit.name,
            "proposals": {"count": p.count, "replied": p.replied, "on_time": p.on_time, "overdue": p.overdue,
                          "class_a": p.class_a, "unsatisfied": p.unsatisfied,
                          "on_time_rate": rate_json(p.on_time_rate), "a_rate": rate_json(p.a_rate)},
            "opinions": {"forwarded": figures.opinions_forwarded, "answered": figures.opinions_answered},
            "projects": [{"slug": pr.slug, "title": pr.title, "year": pr.year, "status": pr.status.value,
                          "overdue": pr.overdue(today)} for pr in figures.projects],
            "commitments": [{"id": c.ref, "supervision": {"id": c.supervision.ref, "title": c.supervision.title},
                             "text": c.text, "due_on": c.due_on.isoformat(),
                             "done_on": c.done_on.isoformat() if c.done_on else None,
                             "status": c.status(today).value, "overdue": c.overdue(today),
                             "revisit_on": c.revisit_on.isoformat() if c.revisit_on else None,
                             "revisit_note": c.revisit_note or None} for c in figures.commitments],
        }

    return Page("units/detail.html", json=as_json,
                data={"unit": unit, "figures": figures, "today": today,
                      "overdue": [c for c in figures.commitments if c.overdue(today)]})

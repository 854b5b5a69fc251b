"""Livelihood projects in public: a year's candidates, the vote, progress and evaluation; one project's page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort

from .. import clock
from ..cache import public
from ..clock import TZ
from ..refs import ref
from ..web import ListData, Page, paginate, params, twins, year_param
from .models import Project, UpdateKind
from .queries import (
    answered_comments,
    comment_counts,
    evaluation_of,
    open_for_comment,
    project_by_slug,
    project_years,
    projects_of_year,
    year_summary,
)

bp = public(Blueprint("projects", __name__))

PROJECT_COLUMNS = ("slug", "year", "title", "category", "lead_unit", "budget", "status", "votes_for", "votes_against",
                   "votes_abstain", "due_on", "done_on", "progress", "overdue")


def _date(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def project_json(project: Project, today: dt.date) -> dict[str, Any]:
    """A project as the API lists it (CONTRACT.md), with the vote's counts also flat for the CSV."""
    votes = project.votes
    return {
        "slug": project.slug, "year": project.year, "title": project.title, "category": project.category,
        "lead_unit": ref(project.lead_unit), "budget": float(project.budget) if project.budget is not None else None,
        "status": project.status.value, "status_label": project.status.label, "progress": project.progress,
        "overdue": project.overdue(today), "delayed": project.delayed(today), "votes": votes,
        "votes_for": votes["for"] if votes else None, "votes_against": votes["against"] if votes else None,
        "votes_abstain": votes["abstain"] if votes else None, "present": project.present,
        "selected": project.selected, "session": ref(project.session, key="code"),
        "voted_on": _date(project.voted_on), "comment_from": _date(project.comment_from),
        "comment_to": _date(project.comment_to), "comment_open": project.comment_open(today),
        "due_on": _date(project.due_on), "done_on": _date(project.done_on),
    }


@twins(bp, "/projects", "index", api="/api/v1/projects", csv="/projects.csv")
def index() -> Page:
    """The year's livelihood projects: candidates, the vote, progress; the year's summary."""
    year = year_param()
    today = clock.today()
    pager = paginate(projects_of_year(year))
    summary = year_summary(year, today)
    listing = ListData(pager, lambda p: project_json(p, today))

    def as_json() -> dict[str, Any]:
        return {**listing.as_json(), "year": year, "summary": summary.as_json()}

    years = sorted({*project_years(), year, today.year}, reverse=True)
    return Page("projects/index.html", json=as_json, columns=PROJECT_COLUMNS, filename="projects.csv",
                args={"year": str(year)},
                data={"pager": pager, "year": year, "summary": summary, "years": years, "today": today,
                      "notices": params().notices, "open_candidates": open_for_comment(today),
                      "comments": comment_counts(list(pager.items))})


@twins(bp, "/projects/<slug>", "detail", api="/api/v1/projects/<slug>")
def detail(slug: str) -> Page:
    """One project: its vote, its lead unit and due date, its dated updates, the evaluation and the comments."""
    project = project_by_slug(slug)
    if project is None:
        abort(404)
    today = clock.today()
    evaluation = evaluation_of(project)
    comments = comment_counts([project]).get(project.id, 0)
    answered = answered_comments(project)

    def as_json() -> dict[str, Any]:
        return {
            **project_json(project, today), "summary": project.summary,
            "updates": [{"date": u.date.isoformat(), "kind": u.kind.value, "progress": u.progress, "text": u.text,
                         "deputies": [ref(d) for d in u.deputies],
                         "rating": u.rating.value if u.rating else None} for u in project.updates],
            "evaluation": evaluation.as_json(), "comments": comments,
            "answered_comments": [{"ref": o.ref, "subject": o.subject, "public_text": o.public_text,
                                   "public_reply": o.public_reply or None,
                                   "submitted_on": o.submitted_at.astimezone(TZ).date().isoformat()}
                                  for o in answered],
        }

    visits = [u for u in project.updates if u.kind is not UpdateKind.EVALUATION]
    return Page("projects/detail.html", json=as_json,
                data={"project": project, "today": today, "evaluation": evaluation, "comments": comments,
                      "answered": answered, "updates": visits, "UpdateKind": UpdateKind})

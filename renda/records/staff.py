"""The staff side of deputies' records: the year's table of every deputy, item by item, and its CSV."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from .. import clock
from ..deputies.models import DeputyStatus
from ..staff.access import add_staff_link, role_required
from ..staff.models import Role
from ..web import csv_body, params, render, year_param
from .models import DutyItem
from .queries import YearRow, scoring, year_table

bp = Blueprint("records_staff", __name__, url_prefix="/staff")

# /staff/records.csv (CONTRACT.md): the deputy, the twelve item counts, the score (empty where nothing is scored).
RECORD_COLUMNS = ("slug", "name", "level", *(item.value for item in DutyItem), "score")


# The table's column heads: the twelve items in two or three characters (the full label is the head's title).
SHORT_LABELS = {
    DutyItem.CONGRESS: "大会", DutyItem.COMMITTEE_SITTING: "列席", DutyItem.GROUP_ACTIVITY: "小组活动",
    DutyItem.RECEPTION: "接待", DutyItem.PROPOSAL_LEAD: "领衔", DutyItem.PROPOSAL_COSIGN: "附议",
    DutyItem.REPORT_BACK: "述职", DutyItem.TRAINING: "培训", DutyItem.INSPECTION: "视察",
    DutyItem.VOTER_CONTACT: "走访", DutyItem.RESEARCH: "调研", DutyItem.SERVICE: "其他",
}


def row_json(row: YearRow) -> dict[str, Any]:
    return {"slug": row.deputy.slug, "name": row.deputy.name, "level": row.deputy.level.value,
            **{item.value: row.counts[item] for item in DutyItem}, "score": row.score}


@bp.get("/records")
@role_required(Role.EDITOR)
def records() -> Response:
    """Every deputy's year, item by item, with the score and the gaps editors look at before re-nomination."""
    year = year_param()
    only_gaps = params().text("gaps", 1) == "1"
    rows = [r for r in year_table(year, clock.today()) if r.deputy.status is DeputyStatus.ACTIVE or not only_gaps]
    gaps = sum(1 for r in rows if r.missing and r.deputy.status is DeputyStatus.ACTIVE)
    shown = [r for r in rows if r.missing] if only_gaps else rows
    return render("records/staff_records.html", rows=shown, year=year, items=list(DutyItem), rule=scoring(),
                  notices=params().notices, gaps=gaps, only_gaps=only_gaps, short_labels=SHORT_LABELS,
                  years=list(range(clock.last_year(), clock.FIRST_YEAR - 1, -1))[:8])


@bp.get("/records.csv")
@role_required(Role.EDITOR)
def records_csv() -> Response:
    year = year_param()
    response = Response(csv_body(RECORD_COLUMNS, [row_json(r) for r in year_table(year, clock.today())]),
                        mimetype="text/csv")
    response.headers["Content-Disposition"] = f"attachment; filename=records-{year}.csv"
    return response


add_staff_link("records_staff.records", "代表履职档案", Role.EDITOR)

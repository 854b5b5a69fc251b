"""The staff dashboard: what waits for the signed-in staff member, by role."""

from __future__ import annotations

import datetime as dt

from flask import Response
from flask_login import current_user

from .db import utcnow
from .opinions.models import counts_by_status, format_code, overdue_opinions
from .proposals import overdue_proposals
from .reports import draft_reports
from .staff import Role, any_staff, bp, failed_login_alerts
from .web import render

SHOWN = 10


@bp.get("/")
@any_staff
def dashboard() -> Response:
    data: dict[str, object] = {}
    if current_user.role is Role.ADMIN:
        data["login_alerts"] = failed_login_alerts(utcnow() - dt.timedelta(days=1))
    if current_user.has_role(Role.LIAISON):
        group_id = None if current_user.role is Role.ADMIN else current_user.group_id
        data.update(opinion_counts=counts_by_status(group_id), overdue_opinions=overdue_opinions(group_id, SHOWN),
                    format_code=format_code)
    if current_user.has_role(Role.EDITOR):
        data.update(drafts=draft_reports(SHOWN), overdue_proposals=overdue_proposals(SHOWN))
    return render("staff/dashboard.html", **data)

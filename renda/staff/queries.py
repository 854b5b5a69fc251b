"""What the staff area reads: failed sign-ins to warn admins of."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from ..db import db
from .models import FAILED_LOGIN, FAILED_LOGIN_ALERT, UNKNOWN_ACCOUNT, AuditEvent


def failed_login_alerts(since: dt.datetime) -> list[tuple[str, int]]:
    """Accounts someone tried to sign in to with a wrong password at least FAILED_LOGIN_ALERT times since `since`,
    with the count: an admin is told, where a lockout would shut the real user out."""
    count = func.count()
    return [(key, n) for key, n in db.session.execute(
        select(AuditEvent.record_key, count)
        .where(AuditEvent.action == FAILED_LOGIN, AuditEvent.at >= since, AuditEvent.record_key != UNKNOWN_ACCOUNT)
        .group_by(AuditEvent.record_key).having(count >= FAILED_LOGIN_ALERT).order_by(count.desc())
    ).all()]

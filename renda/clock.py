"""Today in the district's time zone (CONTRACT.md: dates are computed in Asia/Shanghai)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")


def today() -> dt.date:
    """Today in the district's time zone."""
    return dt.datetime.now(TZ).date()

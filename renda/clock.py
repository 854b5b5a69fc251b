"""Today in the district's time zone (CONTRACT.md: dates are computed in Asia/Shanghai)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")


def today() -> dt.date:
    """Today in the district's time zone."""
    return dt.datetime.now(TZ).date()


# The years a query string or a form may name (CONTRACT.md "Years in query strings"): 2000 … next year.
FIRST_YEAR = 2000


def last_year() -> int:
    """The last year a query string or a form may name: next year."""
    return today().year + 1

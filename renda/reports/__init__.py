"""Annual report-backs (述职): staff publish them, voters read them, and the yearly practice is visible."""

from . import handling  # noqa: F401  (the staff pages join the blueprint)
from .models import ReportBack, ReportStatus
from .queries import draft_reports, published_reports
from .rendering import render_markdown
from .views import bp

__all__ = ["ReportBack", "ReportStatus", "bp", "draft_reports", "published_reports", "render_markdown"]

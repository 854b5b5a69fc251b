"""The rule a group's activity keeps, wherever it is written: a research report in Markdown without raw HTML."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from renda.content.load import load_content
from renda.content.rows import ContentError
from renda.db import db
from renda.deputies.models import Activity, ActivityKind, DeputyGroup, check_activity

pytestmark = pytest.mark.usefixtures("fixed_today")


# --- the rule is the loader's too -----------------------------------------------------------------------------------

@pytest.mark.parametrize("report, refused", [
    ("<script>alert(1)</script>", True),
    ("正文\n\n<SCRIPT src=x></SCRIPT>", True),
    ("<iframe src=https://evil.example></iframe>", True),
    ("<style>body{display:none}</style>", True),
    ('<img src="/x.png" onerror="alert(1)">', True),
    ("[点此](javascript:alert(1))", True),
    ("[点此](JavaScript :alert(1))", True),
    ("## 基本情况\n\n参加人数<100，满意度 > 90%。", False),
    ("详见 <https://www.example.gov.cn/report>。", False),
    ("- a<b 且 b>c", False),
])
def test_a_research_report_with_raw_html_or_script_is_refused(app, report, refused):
    with app.app_context():
        group = db.session.scalars(select(DeputyGroup).where(DeputyGroup.slug == "g-chenghu")).one()
        problems = check_activity(group, dt.date(2026, 11, 1), ActivityKind.RESEARCH, "调研", [], "", report,
                                  dt.date(2026, 11, 26))
    assert [p.field for p in problems] == (["report"] if refused else [])


def test_the_loader_refuses_a_research_report_with_script(app, content_copy: Path):
    lines = (content_copy / "activities.csv").read_text(encoding="utf-8").splitlines()
    line = next(n for n, row in enumerate(lines, start=1) if row.startswith("a-g-chenghu-5,"))
    report = content_copy / "research" / "a-g-chenghu-5.md"
    report.write_text(report.read_text(encoding="utf-8") + "\n<script>alert(1)</script>\n", encoding="utf-8")
    with app.app_context():
        before = db.session.scalars(select(Activity.report).where(Activity.ref == "a-g-chenghu-5")).one()
        with pytest.raises(ContentError) as failure:
            load_content(content_copy)
        assert db.session.scalars(select(Activity.report).where(Activity.ref == "a-g-chenghu-5")).one() == before
    assert f"activities.csv:{line}:" in str(failure.value) and "不能包含 HTML 标签" in str(failure.value)

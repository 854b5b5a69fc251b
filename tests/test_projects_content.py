"""The four supervision-chain files of a content folder: projects.csv, project_updates.csv, supervisions.csv and
commitments.csv — each rule refused at its line, and nothing loaded."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from renda.content.load import load_content
from renda.content.rows import ContentError
from renda.db import db
from renda.projects.models import Project, ProjectUpdate
from renda.supervision.models import Commitment, Supervision

PROJECTS = "\n".join([
    "slug,year,title,summary,category,lead_unit,budget,comment_from,comment_to,session,voted_on,present,"
    "votes_for,votes_against,votes_abstain,selected,due_on,done_on",
    "t-lift,2026,老旧小区加装电梯,,城乡建设,housing,1200.50,2025-11-01,2025-11-30,18-2,2026-01-16,180,170,6,4,yes,"
    "2026-10-31,",
    "t-park,2026,口袋公园,,生态环境,ecology,300,2025-11-01,2025-11-30,18-2,2026-01-16,180,60,100,20,no,,",
]) + "\n"
UPDATES = """id,project_slug,date,kind,progress,deputy_slugs,rating,text
t-u1,t-lift,2026-03-01,progress,20,,,完成选址
t-u2,t-lift,2026-05-01,supervision,,zhang-minghua,,代表视察
t-u3,t-lift,2026-06-01,progress,50,,,
t-u4,t-lift,2026-12-01,evaluation,,zhang-minghua,satisfied,
"""
SUPERVISIONS = """id,kind,date,title,units,summary,candidates,votes,results
t-s1,inquiry,2026-06-20,关于养老服务的专题询问,civil-affairs;health,,,,
t-s2,evaluation,2026-09-10,民主评议,education;transport,,41,education:150;transport:120,education:92.5;transport:88
"""
COMMITMENTS = """id,supervision_id,unit,text,due_on,done_on,revisit_on,revisit_note
t-c1,t-s1,civil-affairs,新增助餐点,2026-10-31,2026-10-20,2026-11-10,已建成
t-c2,t-s2,transport,优化公交线路,2026-11-30,,,
"""
GOOD = {"projects.csv": PROJECTS, "project_updates.csv": UPDATES, "supervisions.csv": SUPERVISIONS,
        "commitments.csv": COMMITMENTS}


def write_files(folder: Path, **changes: str) -> None:
    for name, text in {**GOOD, **{k.replace("_csv", ".csv"): v for k, v in changes.items()}}.items():
        (folder / name).write_text(text, encoding="utf-8")


def counts() -> tuple[int, ...]:
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in
                 (Project, ProjectUpdate, Supervision, Commitment))


def test_the_four_files_load_and_a_second_load_changes_nothing(empty_app, content_copy):
    write_files(content_copy)
    with empty_app.app_context():
        before = counts()
        loaded = load_content(content_copy)
        assert counts() == (before[0] + 2, before[1] + 4, before[2] + 2, before[3] + 2)
        assert loaded.counts["projects"] >= 2
        assert not load_content(content_copy).changed
        lift = db.session.scalars(select(Project).where(Project.slug == "t-lift")).one()
        assert lift.status == "selected" and lift.progress == 50 and str(lift.budget) == "1200.50"
        evaluation = db.session.scalars(select(Supervision).where(Supervision.ref == "t-s2")).one()
        assert [(c.unit.slug, c.votes, float(c.result)) for c in evaluation.concerned] == [
            ("education", 150, 92.5), ("transport", 120, 88.0)]


def replace_line(text: str, number: int, line: str) -> str:
    lines = text.splitlines()
    lines[number - 1] = line
    return "\n".join(lines) + "\n"


BAD = [
    # votes adding up to more than the deputies present
    ("projects.csv", PROJECTS, 2, "t-lift,2026,老旧小区加装电梯,,城乡建设,housing,1200,2025-11-01,2025-11-30,18-2,"
     "2026-01-16,180,170,8,4,yes,2026-10-31,", "超过出席代表 180 人"),
    # a selection word not in the contract
    ("projects.csv", PROJECTS, 3, "t-park,2026,口袋公园,,生态环境,ecology,300,2025-11-01,2025-11-30,18-2,"
     "2026-01-16,180,60,100,20,maybe,,", "无效"),
    ("projects.csv", PROJECTS, 3, "w-3,2026,口袋公园,,生态环境,ecology,300,,,,,,,,,,,", "w-"),
    ("projects.csv", PROJECTS, 3, "t-park,2026,口袋公园,,生态环境,nowhere,300,,,,,,,,,,,", "不存在的承办单位"),
    # progress outside 0–100, and going back without a note
    ("project_updates.csv", UPDATES, 4, "t-u3,t-lift,2026-06-01,progress,120,,,", "0 到 100"),
    ("project_updates.csv", UPDATES, 4, "t-u3,t-lift,2026-06-01,progress,-5,,,", "0 到 100"),
    ("project_updates.csv", UPDATES, 4, "t-u3,t-lift,2026-06-01,progress,10,,,", "请在说明中写明原因"),
    # dated before the project's vote; on a project not selected
    ("project_updates.csv", UPDATES, 2, "t-u1,t-lift,2026-01-10,progress,20,,,完成选址", "早于项目的票决日期"),
    ("project_updates.csv", UPDATES, 2, "t-u1,t-park,2026-03-01,progress,20,,,", "未经票决通过"),
    # a kind or a rating not in the contract; an evaluation by two deputies
    ("project_updates.csv", UPDATES, 3, "t-u2,t-lift,2026-05-01,visit,,zhang-minghua,,", "不是有效的取值"),
    ("project_updates.csv", UPDATES, 5, "t-u4,t-lift,2026-12-01,evaluation,,zhang-minghua,good,", "不是有效的取值"),
    ("project_updates.csv", UPDATES, 5, "t-u4,t-lift,2026-12-01,evaluation,,zhang-minghua;xu-junhong,basic,",
     "只写一位"),
    ("project_updates.csv", UPDATES, 2, "t-u1,t-nowhere,2026-03-01,progress,20,,,", "不存在的民生实事项目"),
    # supervisions: a kind not in the contract, votes for a unit not concerned, a result over 100
    ("supervisions.csv", SUPERVISIONS, 2, "t-s1,hearing,2026-06-20,询问,civil-affairs,,,,", "不是有效的取值"),
    ("supervisions.csv", SUPERVISIONS, 3, "t-s2,evaluation,2026-09-10,民主评议,education,,41,"
     "education:150;transport:120,", "不在涉及的单位"),
    ("supervisions.csv", SUPERVISIONS, 3, "t-s2,evaluation,2026-09-10,民主评议,education;transport,,41,,"
     "education:101", "0 到 100"),
    # commitments: without a unit, with a unit the supervision did not concern, without a due date
    ("commitments.csv", COMMITMENTS, 2, "t-c1,t-s1,,新增助餐点,2026-10-31,,,", "请写明作出整改承诺的单位"),
    ("commitments.csv", COMMITMENTS, 2, "t-c1,t-s1,education,新增助餐点,2026-10-31,,,", "涉及的单位"),
    ("commitments.csv", COMMITMENTS, 2, "t-c1,t-s1,civil-affairs,新增助餐点,,,,", "整改期限"),
    ("commitments.csv", COMMITMENTS, 3, "t-c2,t-s9,transport,优化公交线路,2026-11-30,,,", "不存在的监督事项"),
]


@pytest.mark.parametrize(("name", "text", "line", "row", "message"), BAD, ids=[b[4] for b in BAD])
def test_a_broken_rule_fails_at_its_line_and_loads_nothing(empty_app, content_copy, name, text, line, row, message):
    write_files(content_copy, **{name.replace(".csv", "_csv"): replace_line(text, line, row)})
    with empty_app.app_context():
        before = counts()
        with pytest.raises(ContentError) as error:
            load_content(content_copy)
        assert f"{name}:{line}: " in str(error.value) and message in str(error.value), str(error.value)
        assert counts() == before


def test_a_folder_without_the_four_files_loads_as_before(empty_app, content_copy):
    for name in GOOD:
        (content_copy / name).unlink(missing_ok=True)
    with empty_app.app_context():
        loaded = load_content(content_copy)
    assert loaded.counts["projects"] == 0 and loaded.counts["commitments"] == 0 and loaded.counts["deputies"] > 0

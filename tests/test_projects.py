"""Livelihood projects, supervision follow-ups and unit pages in public: /projects, /supervision, /units (and their
JSON and CSV twins), on the demo district."""

from __future__ import annotations

import pytest
from conftest import DEMO_TODAY, queries_for
from sqlalchemy import select

from renda.db import db
from renda.projects.models import Project
from renda.supervision.models import Commitment


def test_the_years_projects_list_the_candidates_the_vote_and_the_summary(client, fixed_today):
    data = client.get("/api/v1/projects?per_page=100").get_json()
    assert data["year"] == 2026 and data["total"] == 12
    for item in data["items"]:
        assert set(item) >= {"slug", "year", "title", "lead_unit", "status", "progress", "overdue", "votes"}
        assert set(item["votes"]) == {"for", "against", "abstain"}
    statuses = [i["status"] for i in data["items"]]
    assert statuses.count("not_selected") == 2
    assert statuses.count("selected") + statuses.count("done") == 10
    summary = data["summary"]
    assert summary["selected"] == 10 and summary["delayed"] == 2
    assert summary["done_on_time"] <= summary["done"]
    evaluation = summary["evaluation"]
    rated = evaluation["satisfied"] + evaluation["basic"] + evaluation["unsatisfied"]
    assert rated and evaluation["rate"] == round((evaluation["satisfied"] + evaluation["basic"]) * 100 / rated, 2)
    page = client.get("/projects").get_data(as_text=True)
    assert "<h1>民生实事项目</h1>" in page and "2026 年概况" in page
    assert f"满意率 {evaluation['rate']:.2f}%" in page
    assert '<progress max="100" value="' in page and "完成 " in page  # the number in words beside the bar
    assert "已超期" in page
    csv = client.get("/projects.csv").get_data(as_text=True)
    assert csv.splitlines()[0].lstrip("\ufeff").startswith("slug,year,title")
    assert len(csv.splitlines()) == 13


def test_the_status_overdue_and_delay_follow_the_settled_rules(app, client, fixed_today):
    items = client.get("/api/v1/projects?per_page=100").get_json()["items"]
    with app.app_context():
        projects = {p.slug: p for p in db.session.scalars(select(Project).where(Project.year == 2026))}
    for item in items:
        p = projects[item["slug"]]
        expected = ("candidate" if p.selected is None else "not_selected" if not p.selected
                    else "done" if p.done_on else "selected")
        assert item["status"] == expected
        assert item["overdue"] == bool(p.selected and p.done_on is None and p.due_on < DEMO_TODAY)
        late = p.done_on is not None and p.due_on is not None and p.done_on > p.due_on
        assert item["delayed"] == (item["overdue"] or late)
        if item["status"] == "not_selected":
            assert item["progress"] is None
    overdue = [i for i in items if i["overdue"]]
    assert len(overdue) == 1
    page = client.get(f"/projects/{overdue[0]['slug']}").get_data(as_text=True)
    assert "已超期" in page and "overdue-banner" in page


def test_a_projects_page_shows_the_vote_the_updates_and_the_evaluation(client, fixed_today):
    items = client.get("/api/v1/projects?per_page=100").get_json()["items"]
    done = next(i for i in items if i["status"] == "done" and not i["delayed"])
    detail = client.get(f"/api/v1/projects/{done['slug']}").get_json()
    assert set(detail) >= {"updates", "evaluation", "comments", "votes", "status", "progress"}
    assert detail["progress"] == 100
    kinds = {u["kind"] for u in detail["updates"]}
    assert kinds >= {"progress", "supervision"}
    assert all(set(u) >= {"date", "kind", "progress", "text"} for u in detail["updates"])
    assert [u["date"] for u in detail["updates"]] == sorted(u["date"] for u in detail["updates"])
    assert set(detail["evaluation"]) == {"satisfied", "basic", "unsatisfied", "rate"}
    page = client.get(f"/projects/{done['slug']}").get_data(as_text=True)
    assert "赞成" in page and "代表视察督办" in page and "参加代表" in page
    assert client.get("/projects/nowhere").status_code == 404
    assert client.get("/api/v1/projects/nowhere").status_code == 404


def test_next_years_candidates_are_open_for_comment(client, fixed_today):
    data = client.get("/api/v1/projects?year=2027").get_json()
    assert data["total"] == 4 and all(i["status"] == "candidate" and i["votes"] is None for i in data["items"])
    page = client.get("/projects").get_data(as_text=True)
    assert "正在征求意见的候选项目" in page and "/opinions/new?project=p2027-01" in page


def test_a_year_without_projects_says_so_and_a_bad_year_is_refused_by_the_api(client, fixed_today):
    page = client.get("/projects?year=2001").get_data(as_text=True)
    assert "2001 年没有民生实事项目。" in page
    assert client.get("/api/v1/projects?year=2001").get_json()["items"] == []
    assert client.get("/api/v1/projects?year=1999").status_code == 400
    assert "年份应在" in client.get("/projects?year=1999").get_data(as_text=True)


# --- supervision ------------------------------------------------------------------------------------------------

def test_the_supervision_list_filters_by_kind_and_unit(client, fixed_today):
    data = client.get("/api/v1/supervision").get_json()
    assert {i["kind"] for i in data["items"]} == {"inquiry", "evaluation"}
    for item in data["items"]:
        assert set(item) >= {"id", "kind", "date", "title", "units"}
    evaluations = client.get("/api/v1/supervision?kind=evaluation").get_json()["items"]
    assert [i["kind"] for i in evaluations] == ["evaluation"] and len(evaluations[0]["units"]) == 10
    by_unit = client.get("/api/v1/supervision?unit=medical-security").get_json()["items"]
    assert [i["kind"] for i in by_unit] == ["inquiry"]
    assert client.get("/api/v1/supervision?kind=party").status_code == 400
    assert client.get("/api/v1/supervision?unit=nowhere").status_code == 404
    assert "单位筛选无效" in client.get("/supervision?unit=nowhere").get_data(as_text=True)
    assert "2001 年没有符合条件的监督事项。" in client.get("/supervision?year=2001").get_data(as_text=True)
    assert client.get("/supervision.csv").get_data(as_text=True).lstrip("\ufeff").startswith("id,kind,date,title")


def test_an_evaluation_shows_the_vote_the_results_and_its_commitments_with_the_overdue_marked(app, client,
                                                                                              fixed_today):
    data = client.get("/api/v1/supervision/s2026-evaluation").get_json()
    assert data["candidates"] == 41 and len(data["votes"]) == 10 and len(data["results"]) == 10
    assert all(0 <= rate <= 100 for rate in data["results"].values())
    units = {u["slug"] for u in data["units"]}
    for c in data["commitments"]:
        assert set(c) >= {"id", "unit", "text", "due_on", "done_on", "overdue", "revisit_on", "revisit_note"}
        assert c["unit"]["slug"] in units
        assert c["overdue"] == (c["done_on"] is None and c["due_on"] < DEMO_TODAY.isoformat())
    per_unit = {u: sum(1 for c in data["commitments"] if c["unit"]["slug"] == u) for u in units}
    assert all(3 <= n <= 6 for n in per_unit.values())
    overdue = [c for c in data["commitments"] if c["overdue"]]
    assert overdue
    page = client.get("/supervision/s2026-evaluation").get_data(as_text=True)
    assert "从 41 个部门中票选产生 10 个评议对象" in page
    assert f'id="c-{overdue[0]["id"]}"' in page and "逾期未完成" in page
    inquiry = client.get("/api/v1/supervision/s2026-inquiry").get_json()
    assert "candidates" not in inquiry
    assert any(c["revisit_on"] for c in inquiry["commitments"])
    assert "回头看（" in client.get("/supervision/s2026-inquiry").get_data(as_text=True)
    assert client.get("/supervision/nowhere").status_code == 404


# --- units ----------------------------------------------------------------------------------------------------------

def test_a_unit_page_brings_together_proposals_opinions_projects_and_commitments(app, client, fixed_today):
    data = client.get("/api/v1/units/education").get_json()
    assert data["slug"] == "education" and data["name"] == "区教育局"
    assert set(data["proposals"]) >= {"count", "on_time_rate", "a_rate"}
    assert set(data["opinions"]) == {"forwarded", "answered"}
    assert {p["slug"] for p in data["projects"]} >= {"p2026-02"}
    assert data["commitments"] and all("overdue" in c for c in data["commitments"])
    with app.app_context():
        expected = db.session.scalars(select(Commitment).where(Commitment.unit.has(slug="education"))).all()
        assert len(data["commitments"]) == len(expected)
    page = client.get("/units/education").get_data(as_text=True)
    assert "<h1>区教育局</h1>" in page and "按期答复率" in page
    overdue = [c for c in data["commitments"] if c["overdue"]]
    if overdue:
        assert f'/supervision/{overdue[0]["supervision"]["id"]}#c-{overdue[0]["id"]}' in page
    assert client.get("/units/nowhere").status_code == 404
    assert client.get("/api/v1/units/nowhere").status_code == 404


def test_a_unit_without_anything_says_so(client, fixed_today):
    page = client.get("/units/government-office").get_data(as_text=True)
    assert "没有牵头的民生实事项目。" in page and "没有整改承诺。" in page


def test_the_proposal_pages_and_the_navigation_link_the_new_pages(client, fixed_today):
    detail = client.get("/api/v1/proposals/18-2-001").get_json()
    page = client.get("/proposals/18-2-001").get_data(as_text=True)
    if detail["lead_unit"]:
        assert f'href="/units/{detail["lead_unit"]["slug"]}"' in page
    home = client.get("/").get_data(as_text=True)
    assert 'href="/projects"' in home and 'href="/supervision"' in home


@pytest.mark.parametrize(("url", "limit"), [
    ("/projects", 12), ("/api/v1/projects", 10), ("/projects/p2026-01", 12), ("/supervision", 12),
    ("/api/v1/supervision/s2026-evaluation", 10), ("/supervision/s2026-evaluation", 12), ("/units/education", 12),
])
def test_the_pages_send_a_bounded_number_of_queries_whatever_the_data(app, scaled_app, url, limit):
    assert queries_for(app, url) <= limit
    assert queries_for(scaled_app, url) <= limit


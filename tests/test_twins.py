"""Every public list has HTML, JSON and CSV twins with the same filters, linked from the page and named in a Link
header; one parameter reader gives a page a notice and the API a 400, with the same bounds."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
from conftest import make_opinion
from sqlalchemy import select

from renda import clock
from renda.db import db, utcnow
from renda.deputies.models import Deputy
from renda.opinions.models import Opinion, OpinionEvent, OpinionStatus, format_code
from renda.web import CSV_UNSAFE_START, csv_cell

# (page, JSON, CSV, filters that select part of the list)
TWINS = [
    ("/deputies", "/api/v1/deputies", "/deputies.csv", "level=county&group=g-chenghu"),
    ("/stations", "/api/v1/stations", "/stations.csv", ""),
    ("/receptions", "/api/v1/receptions", "/receptions.csv", "station=chenghu"),
    ("/reports", "/api/v1/reports", "/reports.csv", "year=2025"),
    ("/proposals", "/api/v1/proposals", "/proposals.csv", "stage=replied&overdue=0"),
    ("/opinions", "/api/v1/opinions", "/opinions.csv", ""),
]


def link_header(response) -> dict[str, str]:
    """The Link header's alternates: media type → URL."""
    found = re.findall(r'<([^>]+)>; rel="alternate"; type="([^"]+)"', response.headers.get("Link", ""))
    return {media: url for url, media in found}


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def publish(app, subject: str = "路灯不亮", text: str = "某小区路灯坏了。", reply: str = "已修复。") -> str:
    """An answered opinion its author let be published, with the text staff wrote; its tracking code."""
    opinion_id = make_opinion(app, consent=True, subject=subject)
    with app.app_context():
        opinion = db.session.get(Opinion, opinion_id)
        opinion.status, opinion.public_text, opinion.public_reply = OpinionStatus.REPLIED, text, reply
        opinion.events.append(OpinionEvent(status=OpinionStatus.REPLIED, at=utcnow()))
        db.session.commit()
        return opinion.code


@pytest.mark.parametrize(("page", "api", "table", "filters"), TWINS)
def test_each_list_links_its_twins_and_they_hold_the_same_items(app, client, page, api, table, filters):
    if page == "/opinions":
        publish(app)
    url = f"{page}?{filters}" if filters else page
    response = client.get(url)
    assert response.status_code == 200
    links = link_header(response)
    query = f"?{filters}" if filters else ""
    assert links["application/json"].startswith(api) and links["text/csv"].startswith(table)
    for media in ("application/json", "text/csv"):  # the same filters, whatever their order in the link
        assert sorted(links[media].partition("?")[2].split("&")) == sorted(query[1:].split("&")) or (
            page == "/receptions")  # the month view names its month
    body = response.get_data(as_text=True)
    for media, twin in links.items():  # linked from the page as the header names them
        assert f'href="{html.escape(twin)}" type="{media}"' in body
    data = client.get(links["application/json"]).get_json()
    assert set(data) >= {"items", "total", "page", "per_page"}
    rows = csv_rows(client.get(links["text/csv"]))
    assert len(rows) - 1 == data["total"]  # the CSV is the whole list, not a page of it
    if data["items"]:
        assert set(rows[0]) <= set(data["items"][0])  # its columns are keys of the JSON items
    # Each twin names the others too.
    assert link_header(client.get(links["application/json"]))["text/html"].startswith(page)
    assert link_header(client.get(links["text/csv"]))["application/json"].startswith(api)


def test_the_filters_select_the_same_items_in_every_twin(client):
    page = client.get("/deputies?level=county&group=g-chenghu").get_data(as_text=True)
    shown = int(re.search(r"共 (\d+) 位", page).group(1))
    data = client.get("/api/v1/deputies?level=county&group=g-chenghu&per_page=100").get_json()
    rows = csv_rows(client.get("/deputies.csv?level=county&group=g-chenghu"))
    assert 0 < shown == data["total"] == len(rows) - 1 < client.get("/api/v1/deputies").get_json()["total"]
    assert [row[0] for row in rows[1:]] == [item["slug"] for item in data["items"]]
    assert {row[rows[0].index("group")] for row in rows[1:]} == {data["items"][0]["group"]["name"]}  # by name


def test_communities_have_json_and_csv_twins_and_no_page(client):
    data = client.get("/api/v1/communities?q=澄湖").get_json()
    response = client.get("/api/v1/communities?q=澄湖")
    assert link_header(response)["text/csv"] == "/communities.csv?q=%E6%BE%84%E6%B9%96"
    assert "text/html" not in link_header(response)
    rows = csv_rows(client.get("/communities.csv?q=澄湖"))
    assert rows[0] == ["code", "name", "town", "district_code"]
    assert [row[0] for row in rows[1:]] == [item["code"] for item in data["items"]]
    assert len(csv_rows(client.get("/communities.csv"))) - 1 == client.get("/api/v1/communities").get_json()["total"]
    assert client.get("/communities").status_code == 404


def test_receptions_twins_cover_the_month_the_page_shows(client):
    day = clock.today()
    month = day.strftime("%Y-%m")
    page = client.get(f"/receptions?month={month}&station=chenghu")
    shown = int(re.search(r"本月共 (\d+) 场接待", page.get_data(as_text=True)).group(1))
    links = link_header(page)
    assert links["application/json"] == f"/api/v1/receptions?month={month}&station=chenghu"
    data = client.get(links["application/json"] + "&per_page=100").get_json()
    assert data["total"] == shown and {item["station"]["slug"] for item in data["items"]} == {"chenghu"}
    assert all(item["date"].startswith(month) for item in data["items"])
    assert len(csv_rows(client.get(links["text/csv"]))) - 1 == shown
    # The API's own window still answers as before: from today, three months ahead by default.
    default = client.get("/api/v1/receptions?per_page=100").get_json()["items"]
    assert default and min(item["date"] for item in default) >= day.isoformat()


@pytest.mark.parametrize("start", CSV_UNSAFE_START)
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(start):
    assert csv_cell(f"{start}SUM(A1)") == f"'{start}SUM(A1)"
    assert csv_cell([{"slug": "x", "name": f"{start}x"}]) == f"'{start}x"
    assert csv_cell("中文=1") == "中文=1" and csv_cell(True) == "yes" and csv_cell(None) == ""


def test_every_csv_twin_neutralises_formulas(app, client):
    with app.app_context():
        deputy = db.session.scalars(select(Deputy).where(Deputy.slug == "zhang-minghua")).one()
        deputy.occupation = '=HYPERLINK("http://evil.example")'
        db.session.commit()
    rows = csv_rows(client.get("/deputies.csv?q=zhangminghua"))
    row = next(r for r in rows if r[0] == "zhang-minghua")
    assert row[rows[0].index("occupation")] == "'=HYPERLINK(\"http://evil.example\")"
    publish(app, subject="@SUM(1)", text="-2+3", reply="+1")
    rows = csv_rows(client.get("/opinions.csv"))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["subject"], row["public_text"], row["public_reply"]) == ("'@SUM(1)", "'-2+3", "'+1")


def test_the_board_in_json_names_opinions_by_a_public_ref_never_the_code(app, client):
    code = publish(app)
    make_opinion(app, consent=False)  # not consented: not on the board
    make_opinion(app, consent=True)  # not answered: not on the board
    data = client.get("/api/v1/opinions").get_json()
    assert data["total"] == 1
    item = data["items"][0]
    assert set(item) >= {"ref", "group", "category", "subject", "public_text", "public_reply", "replied_on"}
    assert re.fullmatch(r"[a-z2-9]{8}", item["ref"]) and item["ref"].upper() not in code
    assert item["replied_on"] == clock.today().isoformat() and item["group"]["slug"] == "g-chenghu"
    for body in (client.get("/api/v1/opinions").get_data(as_text=True), client.get("/opinions.csv").data.decode(),
                 client.get("/opinions").get_data(as_text=True)):
        assert code not in body and format_code(code) not in body and "13912345678" not in body
        assert "王小明" not in body and "楼下路灯坏了很久" not in body
    assert item["ref"] in client.get("/opinions").get_data(as_text=True)


def test_refs_are_distinct_and_apart_from_codes(app):
    ids = [make_opinion(app) for _ in range(20)]
    with app.app_context():
        opinions = db.session.scalars(select(Opinion).where(Opinion.id.in_(ids))).all()
        assert len({o.ref for o in opinions}) == 20
        assert all(len(o.ref) == 8 and o.ref.upper() not in o.code for o in opinions)


NEXT_YEAR = clock.today().year + 1

# (list, parameter, a value out of bounds or malformed): HTML shows the list with a notice, JSON answers 400.
BOUNDS = [
    ("/reports", "year", "1999"),
    ("/reports", "year", str(NEXT_YEAR + 1)),
    ("/reports", "year", "二〇二五"),
    ("/deputies", "level", "mayor"),
    ("/proposals", "stage", "nonsense"),
    ("/proposals", "overdue", "maybe"),
    ("/receptions", "month", "1999-12"),
    ("/receptions", "month", "2026-13"),
]


@pytest.mark.parametrize(("path", "name", "value"), BOUNDS)
def test_a_bad_parameter_is_a_notice_on_the_page_and_a_400_in_json(client, path, name, value):
    page = client.get(path, query_string={name: value})
    assert page.status_code == 200
    assert 'class="notice"' in page.get_data(as_text=True)
    api = client.get(f"/api/v1{path}", query_string={name: value})
    assert api.status_code == 400 and "error" in api.get_json()
    table = client.get(f"{path}.csv", query_string={name: value})  # a download has no place for a notice
    assert table.status_code == 200


@pytest.mark.parametrize("path", ["/reports", "/deputies", "/proposals", "/stations", "/opinions"])
@pytest.mark.parametrize("query", ["per_page=101", "per_page=0", "page=0", "page=x"])
def test_paging_has_the_same_bounds_in_html_and_json(client, path, query):
    assert client.get(f"{path}?{query}").status_code == 200  # a page falls back to the first page of 20
    assert client.get(f"/api/v1{path}?{query}").status_code == 400
    assert client.get(f"/api/v1{path}?{query.split('=')[0]}=1").status_code == 200


@pytest.mark.parametrize(("path", "name"), [("/deputies", "group"), ("/deputies", "district"),
                                             ("/reports", "group"), ("/reports", "deputy"),
                                             ("/receptions", "station")])
def test_an_unknown_record_is_a_notice_on_the_page_and_a_404_in_json(client, path, name):
    page = client.get(f"{path}?{name}=no-such-thing")
    assert page.status_code == 200 and 'class="notice"' in page.get_data(as_text=True)
    assert client.get(f"/api/v1{path}?{name}=no-such-thing").status_code == 404


def test_valid_year_bounds_are_the_same_in_html_and_json(client):
    for year in ("2000", str(NEXT_YEAR)):
        page = client.get(f"/reports?year={year}").get_data(as_text=True)
        assert 'class="notice"' not in page
        assert client.get(f"/api/v1/reports?year={year}").status_code == 200


@pytest.mark.parametrize(("page", "api"), [
    ("/deputies/zhang-minghua", "/api/v1/deputies/zhang-minghua"),
    ("/stations/chenghu", "/api/v1/stations/chenghu"),
    ("/proposals/18-2-070", "/api/v1/proposals/18-2-070"),
    ("/proposals/stats?session=18-1", "/api/v1/proposals/stats?session=18-1"),
    ("/lookup?community=澄湖社区", "/api/v1/lookup?community=%E6%BE%84%E6%B9%96%E7%A4%BE%E5%8C%BA"),
])
def test_pages_with_a_json_twin_name_it_in_a_link_header(client, page, api):
    response = client.get(page)
    assert response.status_code == 200
    assert link_header(response) == {"application/json": api}
    twin = client.get(api)
    assert twin.status_code == 200 and twin.is_json
    assert link_header(twin)["text/html"] == page.split("?")[0] + (
        "?" + api.split("?")[1] if "?" in api else "")


def test_a_report_page_and_its_json_name_each_other(app, client):
    first = client.get("/api/v1/reports?per_page=1").get_json()["items"][0]
    page = client.get(first["url"])
    assert link_header(page) == {"application/json": f"/api/v1/reports/{first['id']}"}
    assert link_header(client.get(f"/api/v1/reports/{first['id']}")) == {"text/html": first["url"]}


def test_the_lookup_keeps_its_statuses_in_both_renderings(client):
    assert client.get("/lookup").status_code == 200  # the empty form
    assert client.get("/api/v1/lookup").status_code == 400
    several = client.get("/api/v1/lookup?community=社区")
    assert several.status_code == 300 and several.get_json()["candidates"]
    assert client.get("/lookup?community=社区").status_code == 200
    none = client.get("/api/v1/lookup?community=不存在的地方")
    assert none.status_code == 404 and "suggestions" in none.get_json()
    assert client.get("/lookup?community=不存在的地方").status_code == 404


def test_a_page_from_the_public_cache_still_names_its_twins(client):
    first = client.get("/deputies?level=county")
    again = client.get("/deputies?level=county")
    assert again.headers.get("ETag") and again.headers["Link"] == first.headers["Link"]
    assert link_header(again)["text/csv"] == "/deputies.csv?level=county"


def test_twin_links_carry_the_page_in_force_not_a_bad_one(client):
    assert link_header(client.get("/deputies?page=2&per_page=5"))["application/json"] == (
        "/api/v1/deputies?page=2&per_page=5")
    links = link_header(client.get("/deputies?per_page=500&level=county"))
    assert links["application/json"] == "/api/v1/deputies?level=county&per_page=20"
    assert client.get(links["application/json"]).status_code == 200
    assert links["text/csv"] == "/deputies.csv?level=county"  # the whole list: no paging

"""The deputy directory (search by name, pinyin and initials; filters; live results) and the deputy page."""

from __future__ import annotations

import gzip
import re

import pytest
from conftest import DEMO_TODAY, queries_for
from sqlalchemy import select

from renda.db import db
from renda.deputies.models import Deputy
from renda.stations.models import Reception, ReceptionStatus

pytestmark = pytest.mark.usefixtures("fixed_today")


def slugs_in(page: str) -> list[str]:
    return re.findall(r'class="deputy-name" href="/deputies/([a-z0-9-]+)"', page)


@pytest.mark.parametrize("query", ["张明华", "明华", "zhangminghua", "zhang ming hua", "ZhangMingHua", "zmh", "zhangm"])
def test_directory_finds_a_deputy_by_name_pinyin_and_initials(client, query):
    page = client.get("/deputies", query_string={"q": query}).get_data(as_text=True)
    assert "zhang-minghua" in slugs_in(page)
    items = client.get("/api/v1/deputies", query_string={"q": query}).get_json()["items"]
    assert "zhang-minghua" in [item["slug"] for item in items]


def test_directory_search_puts_the_closest_names_first_and_leaves_others_out(client):
    items = client.get("/api/v1/deputies?q=zmh").get_json()["items"]
    assert items[0]["slug"] == "zhang-minghua"
    assert all(item["name"] != "许军宏" for item in items)


def test_directory_without_filters_lists_every_deputy_page_by_page(app, client):
    with app.app_context():
        total = db.session.scalar(select(db.func.count()).select_from(Deputy))
    first = client.get("/api/v1/deputies?per_page=100").get_json()
    assert first["total"] == total and len(first["items"]) == 100
    page = client.get("/deputies").get_data(as_text=True)
    assert f"共 {total} 位" in page
    assert 'aria-label="分页"' in page and 'rel="next"' in page
    second = client.get("/deputies?page=2").get_data(as_text=True)
    assert slugs_in(second) and set(slugs_in(second)).isdisjoint(slugs_in(page))


@pytest.mark.parametrize("name, value, key", [
    ("level", "national", lambda item: item["level"] == "national"),
    ("group", "g-chenghu", lambda item: item["group"]["slug"] == "g-chenghu"),
    ("district", "D01", lambda item: item["district"]["code"] == "D01"),
    ("sector", "教育", lambda item: item["sector"] == "教育"),
])
def test_directory_filters_by_level_group_district_and_sector(client, name, value, key):
    answer = client.get("/api/v1/deputies", query_string={name: value, "per_page": 100}).get_json()
    assert 0 < answer["total"] < 234
    assert all(key(item) for item in answer["items"])
    page = client.get("/deputies", query_string={name: value}).get_data(as_text=True)
    assert f"共 {answer['total']} 位" in page
    assert re.search(rf'<option value="{re.escape(value)}" selected>', page)


def test_filters_combine(client):
    items = client.get("/api/v1/deputies?q=zhang&group=g-chenghu&level=county").get_json()["items"]
    assert [item["slug"] for item in items] == ["zhang-minghua"]


def test_directory_json_items_have_the_contract_keys(client):
    item = client.get("/api/v1/deputies?q=zmh").get_json()["items"][0]
    assert {"slug", "name", "gender", "level", "party", "occupation", "sector", "group", "district",
            "station"} <= item.keys()
    assert item["group"] == {"slug": "g-chenghu", "name": "澄湖代表小组"}
    assert item["district"] == {"code": "D01", "name": "第一选区"}
    assert item["station"]["slug"] == "chenghu"


def test_live_filtering_answers_htmx_with_the_results_only(client):
    page = client.get("/deputies").get_data(as_text=True)
    assert 'hx-get="/deputies"' in page and 'hx-push-url="true"' in page and 'hx-target="#results"' in page
    assert 'action="/deputies" method="get"' in page  # the same form works without JavaScript
    fragment = client.get("/deputies?q=zmh", headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and "<form" not in body
    assert "zhang-minghua" in slugs_in(body)
    assert "HX-Request" in fragment.headers["Vary"]
    boosted = client.get("/deputies?q=zmh", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in boosted.get_data(as_text=True)


def test_a_live_result_does_not_read_the_choices_of_the_form(client, count_queries):
    before = count_queries.count
    client.get("/deputies?q=zmh&level=national", headers={"HX-Request": "true"})
    assert count_queries.count - before == 2  # the count and the page of results: no choices of the form


def district_choice(page: str) -> list[str]:
    """The district codes the district filter offers (the empty "all districts" choice left out)."""
    field = page.split('id="district-field"', 1)[1].split("</select>", 1)[0]
    return re.findall(r'<option value="([^"]+)"', field)


def group_districts(app, slug: str) -> list[str]:
    from renda.areas.models import ElectoralDistrict
    from renda.deputies.models import DeputyGroup

    with app.app_context():
        return db.session.scalars(select(ElectoralDistrict.code).join(DeputyGroup)
                                  .where(DeputyGroup.slug == slug).order_by(ElectoralDistrict.code)).all()


def test_the_district_choice_offers_the_chosen_groups_districts_only(app, client):
    page = client.get("/deputies").get_data(as_text=True)
    assert district_choice(page) == [] and "先选代表小组" in page
    chenghu = group_districts(app, "g-chenghu")
    assert 1 < len(chenghu) < 10
    page = client.get("/deputies?group=g-chenghu").get_data(as_text=True)
    assert district_choice(page) == chenghu and "先选代表小组" not in page
    # A district alone chooses its group: both show as chosen, and the district's neighbours are offered.
    page = client.get(f"/deputies?district={chenghu[-1]}").get_data(as_text=True)
    assert district_choice(page) == chenghu
    assert '<option value="g-chenghu" selected>' in page and f'<option value="{chenghu[-1]}" selected>' in page
    assert f"group=g-chenghu&amp;district={chenghu[-1]}" in page  # the JSON twin link keeps both
    # "All groups" chosen in the form (group sent empty) lets go of the district too.
    everyone = client.get("/api/v1/deputies").get_json()["total"]
    page = client.get(f"/deputies?group=&district={chenghu[-1]}").get_data(as_text=True)
    assert f"共 {everyone} 位" in page and district_choice(page) == []


def test_live_results_bring_the_district_choice_of_the_group_just_chosen(app, client):
    fragment = client.get("/deputies?group=g-chenghu", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'id="district-field" hx-swap-oob="true"' in fragment
    assert district_choice(fragment) == group_districts(app, "g-chenghu")
    assert "hx-swap-oob" not in client.get("/deputies?group=g-chenghu").get_data(as_text=True)


def test_a_district_of_another_group_is_dropped_with_a_notice(app, client):
    other = group_districts(app, "g-donghu")[0]
    only_group = client.get("/api/v1/deputies?group=g-chenghu").get_json()["total"]
    page = client.get(f"/deputies?group=g-chenghu&district={other}").get_data(as_text=True)
    assert "不属于澄湖代表小组，已只按代表小组查找" in page
    assert f"共 {only_group} 位" in page
    assert district_choice(page) == group_districts(app, "g-chenghu") and " selected>第" not in page
    # The API takes the conditions as given: together they match nobody.
    assert client.get(f"/api/v1/deputies?group=g-chenghu&district={other}").get_json()["total"] == 0


def test_the_directory_page_does_not_list_every_district_of_a_large_area(app, scaled_app):
    """At ten times the districts the filter still offers one group's handful, so the page grows only by the
    group names."""
    from renda.areas.models import ElectoralDistrict

    with scaled_app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(ElectoralDistrict)) >= 400
    small = app.test_client().get("/deputies").get_data()
    large = scaled_app.test_client().get("/deputies").get_data()
    assert district_choice(large.decode()) == []
    assert len(gzip.compress(large)) < 1.5 * len(gzip.compress(small))  # listing every district: 1.8×


@pytest.mark.parametrize("args", ["page=abc", "per_page=10000", "page=0", "per_page=-5", "page=99999"])
def test_bad_paging_is_clamped_in_html(client, args):
    response = client.get(f"/deputies?{args}")
    assert response.status_code == 200
    assert "代表名录" in response.get_data(as_text=True)


@pytest.mark.parametrize("args", ["page=abc", "per_page=10000", "per_page=0", "page=-1", "level=mayor"])
def test_bad_parameters_get_400_in_json(client, args):
    response = client.get(f"/api/v1/deputies?{args}")
    assert response.status_code == 400
    assert response.get_json()["error"]


def test_a_page_past_the_end_has_no_items(client):
    answer = client.get("/api/v1/deputies?page=9999").get_json()
    assert answer["items"] == [] and answer["page"] == 9999 and answer["total"] > 0


@pytest.mark.parametrize("args", ["group=no-such-group", "district=D999"])
def test_unknown_filter_keys_are_404_in_json_and_a_notice_in_html(client, args):
    response = client.get(f"/api/v1/deputies?{args}")
    assert response.status_code == 404 and response.get_json()["error"]
    page = client.get(f"/deputies?{args}")
    assert page.status_code == 200
    assert 'class="notice"' in page.get_data(as_text=True)


def test_a_bad_level_is_a_notice_in_html(client):
    page = client.get("/deputies?level=mayor").get_data(as_text=True)
    assert "代表层级的取值无效" in page


@pytest.mark.parametrize("query", [
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "\"; DROP TABLE deputies; --",
    "%",
    "_",
    "张%",
    "x" * 1000,
    "张" * 1000,
])
def test_hostile_queries_are_answered_safely_and_shown_escaped(app, client, query):
    response = client.get("/deputies", query_string={"q": query})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    if "<script>" in query:
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert slugs_in(page) == []  # no wildcard, no injection: nothing matches
    answer = client.get("/api/v1/deputies", query_string={"q": query})
    assert answer.status_code == 200 and answer.get_json()["total"] == 0
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Deputy)) > 200


def test_deputy_page_shows_particulars_group_station_and_next_duty(client):
    page = client.get("/deputies/zhang-minghua").get_data(as_text=True)
    assert "<h1>张明华</h1>" in page
    for text in ("区人大代表", "第一选区", '<a href="/groups/g-chenghu">澄湖代表小组</a>（组长）', "中共党员",
                 "澄湖社区党委书记"):
        assert text in page
    assert 'href="/stations/chenghu"' in page
    next_section = page.split('id="next-heading"')[1].split("</section>")[0]
    assert 'datetime="2026-12-28"' in next_section and "老旧小区改造意见征集" in next_section


def test_deputy_page_lists_report_backs_proposals_and_the_terms_record(client):
    page = client.get("/deputies/zhang-minghua").get_data(as_text=True)
    assert 'href="/reports/2026/zhang-minghua"' in page
    proposals = page.split('id="proposals-heading"')[1].split("</section>")[0]
    assert re.search(r"18-2-005</td>.*?<td data-label=\"身份\">领衔</td>", proposals, re.S)
    assert re.search(r"18-2-108</td>.*?<td data-label=\"身份\">附议</td>", proposals, re.S)
    record = page.split('id="record-heading"')[1].split('id="reports-heading"')[0]
    assert 'datetime="2026-04-27"' in record  # a held reception on duty
    assert "自 2025年01月08日 以来" in record  # the term began with session 18-1


def test_a_deputy_without_a_named_duty_is_pointed_to_the_stations_next_day(app, client):
    with app.app_context():
        for reception in db.session.scalars(select(Reception).where(Reception.date >= DEMO_TODAY)):
            reception.deputies = []
        db.session.commit()
    page = client.get("/deputies/zhang-minghua").get_data(as_text=True)
    next_section = page.split('id="next-heading"')[1].split("</section>")[0]
    assert "所在联络站的下一次接待日" in next_section and 'href="/stations/chenghu"' in next_section


def test_cancelled_receptions_are_not_the_next_duty(app, client):
    with app.app_context():
        reception = db.session.scalars(select(Reception).where(Reception.ref == "chenghu-2026-12-28")).one()
        reception.status = ReceptionStatus.CANCELLED
        db.session.commit()
    answer = client.get("/api/v1/deputies/zhang-minghua").get_json()
    assert answer["next_reception"] is None or answer["next_reception"]["id"] != "chenghu-2026-12-28"


def test_deputy_json_has_next_reception_reports_and_proposals_with_roles(client):
    answer = client.get("/api/v1/deputies/zhang-minghua").get_json()
    assert answer["slug"] == "zhang-minghua" and answer["name"] == "张明华"
    assert answer["next_reception"]["id"] == "chenghu-2026-12-28"
    assert answer["next_reception"]["date"] == "2026-12-28" and answer["next_reception"]["start"] == "14:00"
    assert {"id": "2026/zhang-minghua", "year": 2026, "title": answer["reports"][0]["title"]} in answer["reports"]
    roles = {p["number"]: p["role"] for p in answer["proposals"]}
    assert roles["18-2-005"] == "lead" and roles["18-2-108"] == "cosigner"


def test_unknown_deputy_gets_the_404_page_and_404_json(client):
    page = client.get("/deputies/no-such-deputy")
    assert page.status_code == 404 and "页面不存在" in page.get_data(as_text=True)
    answer = client.get("/api/v1/deputies/no-such-deputy")
    assert answer.status_code == 404 and answer.get_json()["error"]
    assert client.get("/deputies/" + "%3Cscript%3E").status_code == 404


def test_a_deputy_name_with_markup_is_shown_escaped(app, client):
    with app.app_context():
        deputy = db.session.scalars(select(Deputy).where(Deputy.slug == "zhang-minghua")).one()
        deputy.occupation = "<script>alert(2)</script>"
        db.session.commit()
    for url in ("/deputies/zhang-minghua", "/deputies?q=zmh"):
        page = client.get(url).get_data(as_text=True)
        assert "<script>alert(2)</script>" not in page and "&lt;script&gt;alert(2)&lt;/script&gt;" in page


def test_photo_route_serves_only_files_from_the_photo_folder(client):
    assert client.get("/deputies/photos/../district.yaml").status_code == 404
    assert client.get("/deputies/photos/missing.jpg").status_code == 404


# --- SQL queries per page, on the demo district and on one ten times larger -------------------------------------

@pytest.mark.parametrize("url, limit", [
    ("/deputies", 6),
    ("/deputies?q=z&level=county&page=2", 6),
    ("/deputies?group=g-chenghu&district=D01&sector=基层干部", 8),
    ("/api/v1/deputies?per_page=100", 2),
    ("/deputies/zhang-minghua", 16),  # the committee members linked to the deputy: one more; the year's record: five
    ("/api/v1/deputies/zhang-minghua", 16),
    ("/deputies/shen-juanying", 20),  # no named duty: the station's next day is looked up too
    ("/deputies/xu-junhong", 22),  # a committee member with no named duty: their deputies, counts, contacts
])
def test_query_count_is_bounded_and_does_not_grow_with_the_data(app, scaled_app, url, limit):
    with scaled_app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Deputy)) >= 2000
    # The same bound on both: the number of queries does not depend on the amount of data.
    assert queries_for(app, url) <= limit
    assert queries_for(scaled_app, url) <= limit


@pytest.mark.parametrize("slug, link, shown", [
    # 第二选区 is one community: the form names it; 第一选区 has two: the form offers the station's communities
    ("ma-xiaowei", "/opinions/new?community=339001003", 'value="望湖社区（澄湖街道）"'),
    ("zhang-minghua", "/opinions/new?station=chenghu", '<option value="湖心社区（澄湖街道）">'),
])
def test_deputy_page_links_to_the_opinion_form_pre_filled(client, slug, link, shown):
    page = client.get(f"/deputies/{slug}").get_data(as_text=True)
    assert f'<a class="button" href="{link}">给代表提意见</a>' in page
    assert shown in client.get(link).get_data(as_text=True)

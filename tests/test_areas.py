"""Find my deputy: the community lookup (exact, partial, pinyin, ambiguous, unknown) and its autocomplete."""

from __future__ import annotations

import re

import pytest
from conftest import queries_for
from sqlalchemy import select

from renda.areas.models import Community
from renda.db import db
from renda.stations.models import Reception, ReceptionStatus

YUEYAWAN = "339001004"  # 月牙湾社区, 第三选区, 月牙湾代表小组 at the 澄湖 station


pytestmark = pytest.mark.usefixtures("fixed_today")


def test_lookup_page_has_a_form_that_works_without_javascript_and_an_autocomplete(client):
    page = client.get("/lookup").get_data(as_text=True)
    assert '<form action="/lookup" method="get"' in page
    assert '<label for="community">' in page and 'id="community" name="community"' in page
    assert 'hx-get="/lookup/suggest"' in page and 'hx-target="#community-suggestions"' in page
    assert 'id="community-suggestions"' in page and 'aria-live="polite"' in page


@pytest.mark.parametrize("query", ["月牙湾社区", YUEYAWAN, "月牙", "牙湾", "yueyawan", "YueYaWan", "yue ya wan", "yyw"])
def test_one_matching_community_answers_with_district_deputies_group_station_and_next_reception(client, query):
    response = client.get("/lookup", query_string={"community": query})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    answer = page.split('class="lookup-answer"')[1]
    assert "月牙湾社区（澄湖街道）" in answer
    assert "第三选区" in answer and "月牙湾代表小组" in answer
    assert "澄湖街道人大代表联络站" in answer and "朝阳路10号" in answer
    assert "周一至周五 9:00-17:00" in answer and 'href="tel:0000-68439179"' in answer
    next_reception = answer.split("下一次接待选民日")[1].split("</ul>")[0]
    assert 'datetime="2026-12-28"' in next_reception and "14:00–16:30" in next_reception
    assert 'href="/deputies/xu-chaoguo"' in answer


def test_lookup_json_has_the_contract_keys(client):
    response = client.get(f"/api/v1/lookup?community={YUEYAWAN}")
    assert response.status_code == 200
    answer = response.get_json()
    assert answer["community"] == {"code": YUEYAWAN, "name": "月牙湾社区", "town": "澄湖街道", "district_code": "D03"}
    assert answer["district"] == {"code": "D03", "name": "第三选区"}
    assert answer["group"] == {"slug": "g-yueyawan", "name": "月牙湾代表小组"}
    assert {"address", "hours", "phone"} <= answer["station"].keys()
    assert answer["station"]["slug"] == "chenghu"
    assert answer["next_reception"]["id"] == "chenghu-2026-12-28" and answer["next_reception"]["date"] == "2026-12-28"
    slugs = [d["slug"] for d in answer["deputies"]]
    assert "xu-chaoguo" in slugs
    assert "chen-hongrong" not in slugs  # terminated: only active deputies


def test_the_next_reception_skips_a_cancelled_day_and_falls_back_to_the_rule(app, client):
    with app.app_context():
        reception = db.session.scalars(select(Reception).where(Reception.ref == "chenghu-2026-12-28")).one()
        reception.status = ReceptionStatus.CANCELLED
        db.session.commit()
    answer = client.get(f"/api/v1/lookup?community={YUEYAWAN}").get_json()
    # The 澄湖 station's rule is the fourth Monday: January 2027's is the 25th, generated with nobody named yet.
    assert answer["next_reception"]["date"] == "2027-01-25"
    assert answer["next_reception"]["generated"] is True and answer["next_reception"]["deputies"] == []


def test_an_exact_name_wins_over_partial_matches(app, client):
    with app.app_context():
        other = db.session.scalars(select(Community).where(Community.code == YUEYAWAN)).one()
        db.session.add(Community(code="339001099", name="月牙湾社区东区", town=other.town, district=other.district))
        db.session.commit()
    assert client.get("/api/v1/lookup?community=月牙").status_code == 300
    answer = client.get("/api/v1/lookup?community=月牙湾社区")
    assert answer.status_code == 200 and answer.get_json()["community"]["code"] == YUEYAWAN


def test_ambiguous_input_lists_the_candidates(client):
    response = client.get("/api/v1/lookup?community=西岭")
    assert response.status_code == 300
    answer = response.get_json()
    assert answer["error"]
    assert {c["name"] for c in answer["candidates"]} == {"西岭社区", "西岭村"}
    assert all(c.keys() == {"code", "name", "town"} for c in answer["candidates"])
    page = client.get("/lookup?community=西岭").get_data(as_text=True)
    assert "有 2 个社区或村与“西岭”相符" in page
    assert 'href="/lookup?community=339005001"' in page and 'href="/lookup?community=339005002"' in page


def test_many_candidates_are_capped_and_counted(client):
    answer = client.get("/api/v1/lookup?community=社区").get_json()
    assert len(answer["candidates"]) == 20 and answer["total"] > 20
    page = client.get("/lookup?community=社区").get_data(as_text=True)
    assert f"有 {answer['total']} 个社区或村" in page and "只列出了前 20 个" in page


@pytest.mark.parametrize("query, near", [
    ("月芽湾社区", "月牙湾社区"), ("yueyawam", "月牙湾社区"), ("西岭街", "西岭村"),
])
def test_unknown_input_says_so_and_offers_the_closest_names(client, query, near):
    response = client.get("/api/v1/lookup", query_string={"community": query})
    assert response.status_code == 404
    answer = response.get_json()
    assert answer["error"] and near in [c["name"] for c in answer["suggestions"]]
    page = client.get("/lookup", query_string={"community": query})
    assert page.status_code == 404
    text = page.get_data(as_text=True)
    assert f"没有找到“{query}”" in text and "您要找的是不是" in text and near in text


def test_lookup_api_without_a_community_is_a_bad_parameter(client):
    response = client.get("/api/v1/lookup")
    assert response.status_code == 400 and response.get_json()["error"]


@pytest.mark.parametrize("query", [
    "<script>alert(1)</script>", "' OR '1'='1", "%", "_", "月%", "\"; DROP TABLE communities; --",
    "x" * 1000, "社" * 1000,
])
def test_hostile_lookups_are_answered_safely_and_shown_escaped(app, client, query):
    response = client.get("/lookup", query_string={"community": query})
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    if "<script>" in query:
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert client.get("/api/v1/lookup", query_string={"community": query}).status_code == 404
    suggest = client.get("/lookup/suggest", query_string={"community": query})
    assert suggest.status_code == 200 and "<script>alert(1)" not in suggest.get_data(as_text=True)
    assert client.get("/api/v1/communities", query_string={"q": query}).get_json()["total"] == 0
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Community)) >= 60


def test_suggestions_are_links_to_the_answer(client):
    response = client.get("/lookup/suggest?community=yue", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert "<html" not in body
    assert f'<a href="/lookup?community={YUEYAWAN}">月牙湾社区' in body
    assert "HX-Request" in response.headers["Vary"]


def test_suggestions_are_empty_for_empty_input_and_say_so_when_nothing_matches(client):
    assert client.get("/lookup/suggest?community=").get_data(as_text=True).strip() == ""
    assert "没有找到" in client.get("/lookup/suggest?community=zzzzqq").get_data(as_text=True)


def test_suggestions_put_prefix_matches_first(client):
    body = client.get("/lookup/suggest?community=东湖").get_data(as_text=True)
    names = re.findall(r'">([^<]+)<span class="meta">', body)
    assert names[:2] == ["东湖社区", "东湖新村"] and "东湖花园社区" in names


def test_communities_api_matches_names_and_pinyin(client):
    by_name = client.get("/api/v1/communities?q=月牙").get_json()
    assert by_name["total"] == 1
    assert by_name["items"][0] == {"code": YUEYAWAN, "name": "月牙湾社区", "town": "澄湖街道", "district_code": "D03"}
    by_pinyin = client.get("/api/v1/communities?q=donghu").get_json()
    assert {"东湖社区", "东湖新村", "东湖花园社区"} <= {c["name"] for c in by_pinyin["items"]}
    everything = client.get("/api/v1/communities?per_page=100").get_json()
    assert everything["total"] >= 60


@pytest.mark.parametrize("args", ["page=abc", "per_page=10000", "per_page=0"])
def test_communities_api_rejects_bad_paging(client, args):
    response = client.get(f"/api/v1/communities?{args}")
    assert response.status_code == 400 and response.get_json()["error"]


def test_bad_paging_on_the_lookup_page_is_harmless(client):
    assert client.get("/lookup?community=月牙&page=abc&per_page=10000").status_code == 200


# --- SQL queries per page, on the demo district and on one ten times larger -------------------------------------

@pytest.mark.parametrize("url, status, limit", [
    ("/lookup", 200, 1),
    ("/lookup?community=月牙湾社区", 200, 7),
    (f"/lookup?community={YUEYAWAN}", 200, 7),
    ("/lookup?community=社区", 200, 4),
    ("/lookup?community=火星村", 404, 4),
    ("/lookup/suggest?community=hu", 200, 1),
    ("/api/v1/lookup?community=月牙湾社区", 200, 6),
    ("/api/v1/communities?q=shequ&per_page=100", 200, 2),
])
def test_query_count_is_bounded_and_does_not_grow_with_the_data(app, scaled_app, url, status, limit):
    with scaled_app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Community)) >= 600
    # The same bound on both: the number of queries does not depend on the amount of data.
    assert queries_for(app, url, status) <= limit
    assert queries_for(scaled_app, url, status) <= limit


# --- names as people write them (issue 12) -------------------------------------------------------------------------

@pytest.mark.parametrize("query, meant", [
    ("东胡", ["东湖新村", "东湖社区", "东湖花园社区"]),  # a wrong character of the same sound as 东湖
    ("澄胡社区", ["澄湖社区"]),  # the same sound as 澄湖社区: that one, not every other 社区
])
def test_a_wrong_character_of_the_same_sound_offers_the_community_meant_and_nothing_unrelated(client, query, meant):
    answer = client.get("/api/v1/lookup", query_string={"community": query})
    assert answer.status_code == 404
    assert sorted(c["name"] for c in answer.get_json()["suggestions"]) == meant
    page = client.get("/lookup", query_string={"community": query}).get_data(as_text=True)
    assert sorted(re.findall(r'<li><a href="/lookup\?community=\d+">([^<]+)<span', page)) == meant
    # the autocomplete, which finds no name containing the input, offers the same near names
    suggest = client.get("/lookup/suggest", query_string={"community": query}).get_data(as_text=True)
    assert "您要找的是不是" in suggest
    assert sorted(re.findall(r'<li><a href="/lookup\?community=\d+">([^<]+)<span', suggest)) == meant


def test_an_unrelated_name_gets_no_near_names(client):
    assert client.get("/api/v1/lookup", query_string={"community": "火星村"}).get_json()["suggestions"] == []


def test_after_picking_a_suggestion_the_box_and_the_opinion_link_name_the_community_not_its_code(app, client):
    with app.app_context():  # a community of the same name in another town: the name alone is ambiguous
        yueyawan = db.session.scalars(select(Community).where(Community.code == YUEYAWAN)).one()
        elsewhere = db.session.scalars(select(Community).where(Community.code == "339004002")).one()
        db.session.add(Community(code="339004099", name="月牙湾社区", town=elsewhere.town,
                                 district=elsewhere.district))
        db.session.commit()
        label = f"月牙湾社区（{yueyawan.town.name}）"
    page = client.get(f"/lookup?community={YUEYAWAN}").get_data(as_text=True)  # where a suggestion links to
    assert f'value="{label}"' in page and f'value="{YUEYAWAN}"' not in page
    # what the box shows finds the same community again
    again = client.get("/lookup", query_string={"community": label})
    assert again.status_code == 200 and f"{label}</h2>" in again.get_data(as_text=True)
    assert client.get("/api/v1/lookup?community=月牙湾社区").status_code == 300
    # the link to the opinion form carries the community; the form shows its name
    link = re.search(r'href="(/opinions/new\?community=[^"]+)">向', page).group(1)
    form = client.get(link).get_data(as_text=True)
    assert f'value="{label}"' in form and f'value="{YUEYAWAN}"' not in form
    assert "将转交：" in form

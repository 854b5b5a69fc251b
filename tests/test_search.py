"""Site-wide search (/search, /api/v1/search): Chinese words, pinyin and numbers found; results grouped, marked
and paged; bad queries answered safely; nothing private ever indexed; the index kept in step by the writes."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from conftest import DEMO_CONTENT, make_opinion, queries_for
from sqlalchemy import func, select, text

from renda.content.load import load_content
from renda.db import db, utcnow
from renda.deputies.models import Deputy
from renda.opinions.models import Opinion, OpinionEvent, OpinionStatus
from renda.opinions.retention import anonymise
from renda.proposals.models import Proposal
from renda.records.models import DutyEntry, DutyItem, DutyStatus
from renda.reports.models import ReportBack, ReportStatus
from renda.search.models import SearchEntry
from renda.search.queries import search
from renda.search.sources import KIND_ORDER
from renda.search.tokens import document_tokens, parse_query


def found(client, q: str, **args: object) -> dict:
    response = client.get("/api/v1/search", query_string={"q": q, **args})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def keys(answer: dict, kind: str | None = None) -> list[str]:
    return [item["key"] for item in answer["items"] if kind is None or item["kind"] == kind]


def answered(app, public_text: str, public_reply: str = "已转交相关部门处理。", consent: bool = True,
             status: OpinionStatus = OpinionStatus.REPLIED, **more: object) -> str:
    """An opinion on the public board (unless `consent` or `status` say otherwise): its public ref."""
    opinion_id = make_opinion(app, consent=consent, status=status, **more)
    with app.app_context():
        opinion = db.session.get(Opinion, opinion_id)
        opinion.public_text, opinion.public_reply = public_text, public_reply
        opinion.events.append(OpinionEvent(status=OpinionStatus.REPLIED, at=utcnow()))
        db.session.commit()
        return opinion.ref


# --- the words -------------------------------------------------------------------------------------------------

def test_a_two_character_word_is_a_token_also_inside_a_longer_word():
    tokens = document_tokens("太阳能路灯与地下停车场")
    assert {"路灯", "停车", "车场", "停车场"} <= set(tokens)
    assert [t.text for t in parse_query("停车场").terms] == ["停车", "车场"]  # found by its pairs, always indexed
    assert all(t.prefix for t in parse_query("ZMH minghua").terms)


def test_two_character_words_are_found_inside_longer_words(client):
    parking = found(client, "停车")
    assert parking["total"] > 0
    assert all("停车" in item["title"] + item["snippet"] for item in parking["items"])
    assert found(client, "车难")["total"] > 0  # inside 停车难, which jieba keeps whole


def test_pinyin_and_initials_find_names_as_the_directory_does(client):
    for q in ("张明华", "zhangminghua", "minghua", "zmh", "ZMH"):
        assert "zhang-minghua" in keys(found(client, q), "deputy"), q
    directory = client.get("/api/v1/deputies", query_string={"q": "zmh", "per_page": 100}).get_json()
    assert set(keys(found(client, "zmh", per_page=100), "deputy")) == {d["slug"] for d in directory["items"]}


def test_a_proposal_number_goes_straight_to_its_proposal(client):
    response = client.get("/search", query_string={"q": "18-2-045"})
    assert response.status_code == 303 and response.headers["Location"] == "/proposals/18-2-045"
    first = found(client, "18-2-045")["items"][0]
    assert first == {**first, "kind": "proposal", "key": "18-2-045", "url": "/proposals/18-2-045"}
    assert client.get("/search", query_string={"q": "99-9-999"}).status_code == 200  # no such number: a search


# --- the results -----------------------------------------------------------------------------------------------

def every_page(client, q: str, per_page: int) -> list[tuple[str, str]]:
    items, page = [], 1
    while answer := found(client, q, page=page, per_page=per_page)["items"]:
        items += [(item["kind"], item["key"]) for item in answer]
        page += 1
    return items


def test_pages_of_any_size_hold_every_result_once_in_kind_order(client):
    whole = every_page(client, "社区", 100)
    assert len(whole) == found(client, "社区")["total"] == len(set(whole)) > 100
    order = [KIND_ORDER.index(kind) for kind, _ in whole]
    assert order == sorted(order) and len(set(order)) > 2
    for per_page in (7, 13):  # pages that end inside a kind and pages that span two
        assert every_page(client, "社区", per_page) == whole


def test_a_numbered_proposal_comes_first_once_before_the_rest_in_their_order(app):
    def pages(per_page: int, first: int | None) -> list[tuple[str, str]]:
        hits, page = [], 1
        while answer := search("社区", page, per_page, first=first).hits:
            hits += [(hit.kind, hit.key) for hit in answer]
            page += 1
        return hits

    with app.app_context():
        plain = pages(100, None)
        number = next(key for kind, key in plain[len(plain) // 2:] if kind == "proposal")
        proposal = db.session.scalars(select(Proposal).where(Proposal.number == number)).one()
        for per_page in (100, 7):
            assert pages(per_page, proposal.id) == [("proposal", number)] + [
                hit for hit in plain if hit != ("proposal", number)]
        assert search("社区", 1, 5, first=proposal.id).total == len(plain)


def test_results_come_grouped_in_kind_order_and_paged_as_other_lists(client):
    whole = found(client, "社区", per_page=100)
    order = [KIND_ORDER.index(item["kind"]) for item in whole["items"]]
    assert order == sorted(order) and len(set(order)) > 1
    pages = [found(client, "社区", page=page, per_page=7) for page in (1, 2)]
    assert keys(pages[0]) + keys(pages[1]) == keys(whole)[:14]
    assert pages[0]["total"] == whole["total"] and pages[0]["per_page"] == 7
    assert found(client, "社区", page=10**6)["items"] == []
    assert client.get("/api/v1/search?q=社区&per_page=101").status_code == 400
    for item in whole["items"]:
        assert set(item) >= {"kind", "key", "title", "url", "snippet"} and "<" not in item["snippet"]


def test_the_page_groups_results_under_their_kinds_with_the_words_marked(client):
    page = client.get("/search?q=停车").get_data(as_text=True)
    assert "<mark>停车</mark>" in page
    headings = re.findall(r'<h2 id="kind-(\w+)"', page)
    assert headings and headings == sorted(headings, key=KIND_ORDER.index) and len(set(headings)) == len(headings)


def test_the_live_result_is_the_list_alone(client):
    response = client.get("/search?q=停车", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert "<mark>停车</mark>" in body and "<html" not in body and "HX-Request" in response.headers["Vary"]


def test_every_page_has_a_labelled_search_box_in_its_header(client):
    for path in ("/", "/deputies", "/proposals", "/privacy", "/no-such-page"):
        page = client.get(path).get_data(as_text=True)
        header = page.split("</header>")[0]
        assert 'action="/search" method="get" role="search"' in header, path
        assert '<label for="site-search-q">全站搜索</label>' in header and 'id="site-search-q" name="q"' in header


# --- bad input -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("q", [
    '"', '""', "*", "停车*", "NEAR", "NEAR(路灯 停车)", "OR", "路灯 OR 停车", "AND NOT", "^路灯", "-", "路灯:",
    "tokens:停车", "'; DROP TABLE search_entries; --", "1' OR '1'='1", "<script>alert(1)</script>",
    "<b>停车</b>", "&amp;", "\\", "%_%", "停车)(", "'停车' & '路灯'", ":*", "!!",
])
def test_a_query_that_looks_like_syntax_is_answered_safely_and_shown_escaped(client, q):
    response = client.get("/search", query_string={"q": q})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<script>alert" not in page and "<b>停车</b>" not in page
    assert found(client, q)["total"] >= 0
    with client.application.app_context():
        assert db.session.scalar(select(func.count()).select_from(SearchEntry)) > 0


def test_fts_words_are_plain_words(client):
    assert found(client, "路灯 OR 停车")["total"] <= found(client, "停车")["total"]  # OR is a word, all must match
    assert found(client, "停车")["total"] == found(client, '"停车"')["total"] == found(client, "停车*")["total"]


def test_an_empty_query_is_a_friendly_empty_state(client):
    for q in ("", "   "):
        page = client.get("/search", query_string={"q": q}).get_data(as_text=True)
        assert "请在上面输入要查找的字词" in page
        assert found(client, q) == {"items": [], "total": 0, "page": 1, "per_page": 20}
    assert "没有可以查找的文字" in client.get("/search?q=%21%40%23").get_data(as_text=True)


def test_a_thousand_character_query_is_cut_with_a_notice_or_refused(client):
    q = "停车" * 500
    page = client.get("/search", query_string={"q": q})
    assert page.status_code == 200 and "搜索词太长，只按前 100 个字查找" in page.get_data(as_text=True)
    api = client.get("/api/v1/search", query_string={"q": q})
    assert api.status_code == 400 and "100" in api.get_json()["error"]


# --- privacy ---------------------------------------------------------------------------------------------------

def test_a_search_never_reveals_an_opinion_not_on_the_board_nor_a_residents_name_or_phone(app, client):
    shown = answered(app, "紫藤巷照明设施损坏需要检修", name="欧阳娜娜", phone="13811112222")
    unconsented = answered(app, "紫藤巷未同意公开的意见", consent=False)
    unanswered = answered(app, "紫藤巷尚未答复的意见", status=OpinionStatus.ACCEPTED)
    make_opinion(app, consent=True, subject="紫藤巷主题", body="紫藤巷原文里写着欧阳娜娜和电话 13811112222",
                 name="欧阳娜娜", phone="13811112222", status=OpinionStatus.REPLIED)  # no public text: not shown
    assert keys(found(client, "紫藤巷")) == [shown]
    for private in ("欧阳娜娜", "13811112222", "紫藤巷主题", "原文"):
        assert found(client, private)["total"] == 0, private
    assert unconsented not in str(found(client, "意见", per_page=100)) and unanswered not in str(found(client, "意见"))
    with app.app_context():
        code = db.session.scalar(select(Opinion.code).where(Opinion.ref == shown))
    assert found(client, code)["total"] == 0  # never by its tracking code


def test_a_search_never_reveals_a_draft_report(app, client):
    with app.app_context():
        deputy = db.session.scalars(select(Deputy).order_by(Deputy.id)).first()
        db.session.add(ReportBack(year=2026, slug="draft-probe", deputy=deputy, title="草稿述职报告",
                                  body="尚未发布的琉璃瓦修缮内容", status=ReportStatus.DRAFT))
        db.session.commit()
    assert found(client, "琉璃瓦")["total"] == 0 and found(client, "草稿述职报告")["total"] == 0


def test_a_duty_entry_is_never_indexed(app, client):
    with app.app_context():
        deputy = db.session.scalars(select(Deputy).order_by(Deputy.id)).first()
        for status in DutyStatus:
            db.session.add(DutyEntry(ref=f"probe-{status.value}", deputy=deputy, date=dt.date(2026, 11, 1),
                                     item=DutyItem.SERVICE, title="调解翡翠湾纠纷", status=status))
        db.session.commit()
    assert found(client, "翡翠湾")["total"] == 0


# --- the index kept in step ------------------------------------------------------------------------------------

def test_an_opinion_leaves_the_index_when_consent_is_withdrawn_or_its_text_unpublished(app, client):
    ref = answered(app, "梧桐街人行道路灯不亮")
    assert keys(found(client, "梧桐街")) == [ref]
    with app.app_context():
        opinion = db.session.scalars(select(Opinion).where(Opinion.ref == ref)).one()
        opinion.consent_publish = False
        db.session.commit()
    assert found(client, "梧桐街")["total"] == 0
    with app.app_context():
        opinion = db.session.scalars(select(Opinion).where(Opinion.ref == ref)).one()
        opinion.consent_publish = True
        db.session.commit()
    assert keys(found(client, "梧桐街")) == [ref]
    with app.app_context():
        opinion = db.session.scalars(select(Opinion).where(Opinion.ref == ref)).one()
        opinion.public_text = ""
        db.session.commit()
    assert found(client, "梧桐街")["total"] == 0


def test_an_anonymised_opinion_keeps_no_name_or_phone_in_the_index(app, client):
    ref = answered(app, "银杏路的路灯问题由司马光反映，电话13933334444", name="司马光", phone="13933334444")
    assert keys(found(client, "司马光")) == [ref]
    with app.app_context():
        opinion = db.session.scalars(select(Opinion).where(Opinion.ref == ref)).one()
        opinion.status, opinion.closed_at = OpinionStatus.CLOSED, utcnow() - dt.timedelta(days=400)
        db.session.commit()
        assert anonymise(utcnow() - dt.timedelta(days=180)) >= 1
    assert found(client, "司马光")["total"] == 0 and found(client, "13933334444")["total"] == 0
    assert keys(found(client, "银杏路"), "opinion") == [ref]


def test_a_report_leaves_the_index_when_it_goes_back_to_draft_and_returns_when_published(app, client):
    with app.app_context():
        report = db.session.scalars(select(ReportBack).where(ReportBack.status == ReportStatus.PUBLISHED)
                                    .order_by(ReportBack.id)).first()
        report.title = "关于玳瑁湾的履职报告"
        db.session.commit()
        key = report.key
    assert keys(found(client, "玳瑁湾")) == [key]
    for status, expected in ((ReportStatus.DRAFT, []), (ReportStatus.PUBLISHED, [key])):
        with app.app_context():
            report = db.session.scalars(select(ReportBack).where(ReportBack.title == "关于玳瑁湾的履职报告")).one()
            report.status = status
            db.session.commit()
        assert keys(found(client, "玳瑁湾")) == expected


def test_a_change_rolled_back_leaves_the_index_as_it_was(app, client):
    with app.app_context():
        proposal = db.session.scalars(select(Proposal).where(Proposal.number == "18-2-045")).one()
        proposal.title = "关于珊瑚礁的建议"
        db.session.flush()
        db.session.rollback()
        db.session.commit()
    assert found(client, "珊瑚礁")["total"] == 0


def test_reindex_makes_the_index_again(app, runner, client):
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(SearchEntry))
        db.session.execute(text("DELETE FROM search_fts"))
        db.session.execute(text("DELETE FROM search_entries"))
        db.session.commit()
    assert found(client, "停车")["total"] == 0
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0 and f"{before} 条" in result.output
    assert found(client, "停车")["total"] > 0


def test_loading_the_same_content_again_leaves_the_index_as_it_was(app):
    with app.app_context():
        rows = db.session.execute(select(SearchEntry.id, SearchEntry.kind, SearchEntry.key)).all()
        load_content(DEMO_CONTENT)
        assert db.session.execute(select(SearchEntry.id, SearchEntry.kind, SearchEntry.key)).all() == rows
        kinds = dict(db.session.execute(select(SearchEntry.kind, func.count()).group_by(SearchEntry.kind)).all())
        assert kinds["deputy"] == db.session.scalar(select(func.count()).select_from(Deputy))
        assert kinds["proposal"] == db.session.scalar(select(func.count()).select_from(Proposal))


# --- cost ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/search?q=停车", "/search?q=社区&page=2", "/api/v1/search?q=zhang",
                                 "/api/v1/search?q=18-2-045", "/search?q="])
def test_a_search_sends_a_bounded_number_of_queries(app, scaled_app, url):
    limit = 6
    assert queries_for(app, url) <= limit
    assert queries_for(scaled_app, url) <= limit


def test_projects_supervisions_commitments_and_units_are_found_and_lead_to_their_pages(app, client):
    from renda.projects.models import Project
    from renda.proposals.models import Unit
    from renda.supervision.models import Commitment, Supervision

    with app.app_context():
        project = db.session.scalars(select(Project).order_by(Project.slug)).first()
        supervision = db.session.scalars(select(Supervision).order_by(Supervision.ref)).first()
        commitment = db.session.scalars(select(Commitment).order_by(Commitment.id)).first()
        unit = db.session.scalars(select(Unit).order_by(Unit.slug)).first()
        wanted = [("project", project.title, project.slug), ("supervision", supervision.title, supervision.ref),
                  ("commitment", commitment.text[:12], str(commitment.id)), ("unit", unit.name, unit.slug)]
        commitment_page = f"/supervision/{commitment.supervision.ref}#c-{commitment.ref}"
    for kind, words, key in wanted:
        answer = found(client, words, per_page=100)
        assert key in keys(answer, kind), (kind, words)
    hit = next(i for i in found(client, wanted[2][1], per_page=100)["items"]
               if i["kind"] == "commitment" and i["key"] == wanted[2][2])
    response = client.get(hit["url"])
    assert response.status_code == 303 and response.headers["Location"] == commitment_page
    assert client.get("/supervision/commitments/999999").status_code == 404

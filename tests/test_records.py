"""A deputy's public record of duties (履职档案): the twelve items, their sources, the bands, /scoring, duties.csv
and the editors' year table with its CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import yaml
from conftest import DEMO_CONTENT, DEMO_TODAY, queries_for
from sqlalchemy import func, select

from renda.content.load import load_content
from renda.content.rows import ContentError
from renda.db import db
from renda.deputies.models import Activity, ActivityKind, Deputy, DeputyStatus, Level
from renda.district.models import DistrictProfile
from renda.records.models import DutyEntry, DutyItem, DutyStatus, Scoring
from renda.records.queries import Compared
from renda.stations.models import Reception, ReceptionStatus

SLUG = "zhang-minghua"


def record_json(client, slug: str = SLUG, year: int = DEMO_TODAY.year) -> dict:
    response = client.get(f"/api/v1/deputies/{slug}/record?year={year}")
    assert response.status_code == 200
    return response.get_json()


def counts(answer: dict) -> dict[str, int]:
    return {item["item"]: item["count"] for item in answer["items"]}


def add_entry(app, title: str, status: DutyStatus, item: DutyItem = DutyItem.VOTER_CONTACT, slug: str = SLUG,
              day: dt.date = DEMO_TODAY, note: str = "") -> None:
    with app.app_context():
        deputy = db.session.scalars(select(Deputy).where(Deputy.slug == slug)).one()
        db.session.add(DutyEntry(ref=f"t-{title[:20]}-{status.value}", deputy=deputy, date=day, item=item,
                                 title=title, place="红旗社区", note=note, status=status))
        db.session.commit()


def set_scoring(app, config: dict | None) -> None:
    with app.app_context():
        db.session.scalars(select(DistrictProfile)).one().scoring = config
        db.session.commit()


# --- the record ---------------------------------------------------------------------------------------------------

def test_the_record_lists_the_twelve_items_in_order_with_the_entries_behind_each(app, client, fixed_today):
    answer = record_json(client)
    assert answer["deputy"] == {"slug": SLUG, "name": "张明华"} and answer["year"] == 2026
    assert [i["item"] for i in answer["items"]] == [item.value for item in DutyItem]
    assert [i["label"] for i in answer["items"]][0] == "出席人民代表大会会议"
    for item in answer["items"]:
        assert item["count"] == len(item["entries"])
        assert all(e["date"] is None or e["date"].startswith("2026") for e in item["entries"])
    by_item = {i["item"]: i for i in answer["items"]}
    # Derived entries link to where they come from; entries from duties.csv link nowhere.
    assert all(e["url"].startswith("/proposals/") for e in by_item["proposal_lead"]["entries"])
    assert all(e["url"].startswith("/reports/2026/") for e in by_item["report_back"]["entries"])
    assert all(e["url"] is None for e in by_item["congress"]["entries"])
    assert by_item["congress"]["count"] == 1  # the session opened in January 2026
    page = client.get(f"/deputies/{SLUG}/record").get_data(as_text=True)
    assert "张明华 · 2026 年履职档案" in page and "出席第十八届人民代表大会第二次会议" in page
    for item in DutyItem:
        assert item.label in page


def test_derived_items_follow_the_sites_own_records(app, client, fixed_today):
    before = counts(record_json(client))
    with app.app_context():
        deputy = db.session.scalars(select(Deputy).where(Deputy.slug == SLUG)).one()
        assert deputy.group is not None
        station = deputy.group.station
        db.session.add(Reception(ref="t-held", station=station, date=dt.date(2026, 11, 2), status=ReceptionStatus.HELD,
                                 topic="加装电梯", deputies=[deputy]))
        db.session.add(Reception(ref="t-cancelled", station=station, date=dt.date(2026, 11, 3),
                                 status=ReceptionStatus.CANCELLED, deputies=[deputy]))
        db.session.add(Activity(ref="t-research", group=deputy.group, date=dt.date(2026, 10, 9),
                                kind=ActivityKind.RESEARCH, theme="老旧小区停车调研", deputies=[deputy]))
        db.session.commit()
    answer = record_json(client)
    after = counts(answer)
    assert after["reception"] == before["reception"] + 1  # the held one only
    # A research activity counts once for group_activity and once for research.
    assert after["group_activity"] == before["group_activity"] + 1
    assert after["research"] == before["research"] + 1
    research = next(i for i in answer["items"] if i["item"] == "research")
    assert any(e["title"] == "老旧小区停车调研" and e["url"].startswith("/groups/") for e in research["entries"])
    reception = next(i for i in answer["items"] if i["item"] == "reception")
    assert any(e["title"] == "加装电梯" and "month=2026-11" in e["url"] for e in reception["entries"])
    # Another year's record does not count them.
    assert counts(record_json(client, year=2025))["research"] == counts(record_json(client, year=2025))["research"]
    assert "老旧小区停车调研" not in str(record_json(client, year=2025))


def test_unconfirmed_entries_never_reach_public_pages(app, client, fixed_today):
    add_entry(app, "待确认的走访秘密", DutyStatus.PENDING)
    add_entry(app, "已退回的走访秘密", DutyStatus.RETURNED)
    add_entry(app, "已确认的走访", DutyStatus.CONFIRMED)
    public = [client.get(url).get_data(as_text=True) for url in (
        f"/deputies/{SLUG}/record", f"/api/v1/deputies/{SLUG}/record", f"/deputies/{SLUG}",
        f"/api/v1/deputies/{SLUG}", "/deputies.csv", "/scoring")]
    joined = "".join(public)
    assert "已确认的走访" in public[0] and "已确认的走访" in public[1]
    assert "待确认的走访秘密" not in joined and "已退回的走访秘密" not in joined


def test_titles_and_notes_are_shown_escaped(app, client, fixed_today):
    add_entry(app, "<script>alert(1)</script>走访", DutyStatus.CONFIRMED, note="<img src=x onerror=alert(2)>")
    page = client.get(f"/deputies/{SLUG}/record").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;走访" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(2)&gt;" in page


def test_the_deputy_page_shows_the_years_record_as_a_short_table(app, client, fixed_today):
    add_entry(app, "入户走访独居老人", DutyStatus.CONFIRMED)
    page = client.get(f"/deputies/{SLUG}").get_data(as_text=True)
    assert "2026 年履职档案" in page and f'href="/deputies/{SLUG}/record?year=2026"' in page
    answer = client.get(f"/api/v1/deputies/{SLUG}").get_json()
    assert answer["duties"]["year"] == 2026
    assert answer["duties"]["items"]["voter_contact"] == counts(record_json(client))["voter_contact"] >= 1


def test_a_bad_year_is_a_notice_on_the_page_and_400_in_json(app, client, fixed_today):
    page = client.get(f"/deputies/{SLUG}/record?year=1999")
    assert page.status_code == 200 and "年份应在" in page.get_data(as_text=True)
    assert client.get(f"/api/v1/deputies/{SLUG}/record?year=abc").status_code == 400
    empty = record_json(client, year=2000)
    assert all(i["count"] == 0 for i in empty["items"])
    assert "2000 年暂无履职记录" in client.get(f"/deputies/{SLUG}/record?year=2000").get_data(as_text=True)
    assert client.get("/deputies/nobody/record").status_code == 404


@pytest.mark.parametrize("url, limit", [
    (f"/deputies/{SLUG}/record", 12),
    (f"/api/v1/deputies/{SLUG}/record", 12),
    ("/scoring", 4),
])
def test_record_query_count_is_bounded_whatever_the_data(app, scaled_app, url, limit):
    with scaled_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DutyEntry)) > 10 * 1000
    assert queries_for(app, url) <= limit
    assert queries_for(scaled_app, url) <= limit


# --- scoring and bands --------------------------------------------------------------------------------------------

def test_bands_split_the_compared_deputies_a_quarter_a_half_a_quarter():
    compared = Compared({n: n * 10 for n in range(1, 9)})
    bands = [compared.standing(n).band for n in range(1, 9)]
    assert bands == ["bottom", "bottom", "middle", "middle", "middle", "middle", "top", "top"]
    assert {Compared({n: 5 for n in range(10)}).standing(n).band for n in range(10)} == {"middle"}
    too_few = Compared({n: n for n in range(7)})
    assert {too_few.standing(n).label for n in range(7)} == {"人数过少"}
    assert too_few.standing(99) is None


def test_a_score_is_points_times_count_capped_per_item():
    rule = Scoring(points={DutyItem.RECEPTION: 5, DutyItem.VOTER_CONTACT: 2}, caps={DutyItem.VOTER_CONTACT: 6})
    assert rule.score({DutyItem.RECEPTION: 3, DutyItem.VOTER_CONTACT: 10, DutyItem.TRAINING: 4}) == 15 + 6


def test_public_scoring_shows_a_band_never_a_score_or_rank(app, client, fixed_today):
    answer = record_json(client)
    assert answer["band"] in ("top", "middle", "bottom") and answer["band_label"]
    assert "score" not in str(answer) and "rank" not in str(answer)
    page = client.get(f"/deputies/{SLUG}/record").get_data(as_text=True)
    assert answer["band_label"] in page and "得分" not in page
    method = client.get("/scoring").get_data(as_text=True)
    assert "前 25%" in method and "不满 6 个月" in method and "少于 8 人" in method
    assert "走访联系选民" in method and "20" in method  # the voter contacts' cap


def test_too_short_a_term_and_too_few_of_a_level_are_not_banded(app, client, fixed_today):
    with app.app_context():
        new = db.session.scalars(select(Deputy).where(Deputy.elected_on.is_not(None))).first()
        national = db.session.scalars(select(Deputy).where(Deputy.level == Level.NATIONAL,
                                                           Deputy.status == DeputyStatus.ACTIVE)).first()
        new_slug, national_slug = new.slug, national.slug
    assert new_slug and record_json(client, new_slug)["band"] == "insufficient"
    assert record_json(client, new_slug)["band_label"] == "记录不足"
    assert record_json(client, national_slug)["band_label"] == "人数过少"
    assert "记录不足" in client.get(f"/deputies/{new_slug}/record").get_data(as_text=True)


def test_without_scoring_nothing_is_scored_and_private_scoring_shows_no_band(app, client, auth, fixed_today):
    set_scoring(app, None)
    assert "band" not in record_json(client)
    assert "不对代表履职记录计分" in client.get("/scoring").get_data(as_text=True)
    assert client.get("/api/v1/scoring").get_json()["scored"] is False
    set_scoring(app, {"public": False, "min_months": 0, "points": {"reception": 5}, "caps": {}})
    assert "band" not in record_json(client) and "band" not in client.get(f"/api/v1/deputies/{SLUG}").get_json()
    auth.as_role("editor")
    rows = list(csv.DictReader(io.StringIO(client.get("/staff/records.csv?year=2026").get_data(as_text=True)
                                           .lstrip("\ufeff"))))
    mine = next(r for r in rows if r["slug"] == SLUG)
    assert int(mine["score"]) == 5 * int(mine["reception"])


# --- the editors' year table --------------------------------------------------------------------------------------

def test_editors_see_every_deputy_item_by_item_with_gaps_marked_and_the_csv(app, client, auth, fixed_today):
    assert client.get("/staff/records").status_code == 302  # sign in first
    auth.as_role("editor")
    page = client.get("/staff/records?year=2026").get_data(as_text=True)
    assert "代表履职档案 · 2026 年" in page and "缺项：" in page and "张明华" in page
    only = client.get("/staff/records?year=2026&gaps=1").get_data(as_text=True)
    assert only.count("<tr") < page.count("<tr") and "缺项：" in only
    response = client.get("/staff/records.csv?year=2026")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert list(rows[0]) == ["slug", "name", "level", *(i.value for i in DutyItem), "score"]
    with app.app_context():
        assert len(rows) == db.session.scalar(select(func.count()).select_from(Deputy))
    mine = next(r for r in rows if r["slug"] == SLUG)
    answer = record_json(client)
    assert {k: int(mine[k]) for k in counts(answer)} == counts(answer)
    points = yaml.safe_load((DEMO_CONTENT / "district.yaml").read_text(encoding="utf-8"))["scoring"]
    expected = 0
    for item, n in counts(answer).items():
        value = n * points["points"].get(item, 0)
        expected += min(value, points["caps"][item]) if item in points["caps"] else value
    assert int(mine["score"]) == expected


def test_a_liaison_may_not_read_the_year_table(app, client, auth):
    auth.as_role("liaison")
    assert client.get("/staff/records").status_code == 403
    assert client.get("/staff/records.csv").status_code == 403


def test_unconfirmed_entries_do_not_count_in_the_staff_csv(app, client, auth, fixed_today):
    auth.as_role("editor")

    def voter_contacts() -> int:
        rows = csv.DictReader(io.StringIO(client.get("/staff/records.csv?year=2026").get_data(as_text=True)
                                          .lstrip("\ufeff")))
        return int(next(r for r in rows if r["slug"] == SLUG)["voter_contact"])

    before = voter_contacts()
    add_entry(app, "还在等确认", DutyStatus.PENDING)
    assert voter_contacts() == before
    add_entry(app, "确认了", DutyStatus.CONFIRMED)
    assert voter_contacts() == before + 1


# --- duties.csv and district.yaml ---------------------------------------------------------------------------------

def test_duties_csv_loads_confirmed_entries_and_loading_again_changes_nothing(empty_app, content_copy):
    with empty_app.app_context():
        first = load_content(content_copy)
        again = load_content(content_copy)
        assert first.counts["duties"] > 1000 and not again.changed
        statuses = db.session.scalars(select(DutyEntry.status).distinct()).all()
    assert statuses == [DutyStatus.CONFIRMED]


@pytest.mark.parametrize("change, message", [
    ({"item": "dancing"}, "“item”"),
    ({"item": "reception"}, "自动统计"),
    ({"item": "proposal_lead"}, "自动统计"),
    ({"date": "2099-01-01"}, "还没到"),
    ({"title": ""}, "title"),
    ({"id": "w-12"}, "w-"),
    ({"deputy_slug": "nobody"}, "nobody"),
])
def test_duties_csv_refuses_bad_rows_and_loads_nothing(empty_app, content_copy, change, message):
    path = content_copy / "duties.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    bad = {**rows[1], **change}
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows([rows[0], bad, *rows[2:5]])
    path.write_text(out.getvalue(), encoding="utf-8")
    with empty_app.app_context():
        with pytest.raises(ContentError) as error:
            load_content(content_copy)
        assert db.session.scalar(select(func.count()).select_from(DutyEntry)) == 0
    assert "duties.csv:3" in str(error.value) and message in str(error.value)


def test_a_folder_without_duties_or_scoring_loads_and_scores_nothing(empty_app, content_copy):
    (content_copy / "duties.csv").unlink()
    district = content_copy / "district.yaml"
    data = yaml.safe_load(district.read_text(encoding="utf-8"))
    del data["scoring"]
    district.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with empty_app.app_context():
        loaded = load_content(content_copy)
        assert loaded.counts["duties"] == 0
        assert db.session.scalars(select(DistrictProfile)).one().scoring is None


@pytest.mark.parametrize("scoring, message", [
    ({"public": "yes"}, "scoring.public"),
    ({"points": {"dancing": 3}}, "dancing"),
    ({"points": {"reception": -1}}, "scoring.points.reception"),
    ({"caps": {"reception": "many"}}, "scoring.caps.reception"),
    ({"min_months": 500}, "scoring.min_months"),
    ({"rank": True}, "未知的键"),
    ("all", "scoring"),
])
def test_a_bad_scoring_section_is_refused_with_its_line(empty_app, content_copy, scoring, message):
    district = content_copy / "district.yaml"
    data = yaml.safe_load(district.read_text(encoding="utf-8"))
    data["scoring"] = scoring
    district.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    line = next(n for n, text in enumerate(district.read_text(encoding="utf-8").splitlines(), 1)
                if text.startswith("scoring:"))
    with empty_app.app_context():
        with pytest.raises(ContentError) as error:
            load_content(content_copy)
    assert f"district.yaml:{line}" in str(error.value) and message in str(error.value)


@pytest.mark.parametrize("reserved", ["scoring", "record", "card", "notice"])
def test_reserved_slugs_are_refused_for_deputies_and_stations(empty_app, content_copy, reserved):
    for name in ("deputies.csv", "stations.csv"):
        folder = content_copy
        path = folder / name
        original = path.read_text(encoding="utf-8")
        lines = original.splitlines()
        first_slug = lines[1].split(",")[0]
        path.write_text(original.replace(first_slug + ",", reserved + ",", 1), encoding="utf-8")
        with empty_app.app_context():
            with pytest.raises(ContentError) as error:
                load_content(folder)
        assert "保留" in str(error.value) and name in str(error.value)
        path.write_text(original, encoding="utf-8")

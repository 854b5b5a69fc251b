"""Committee members' links and contacts: /committee (and JSON, CSV), the deputy pages, contacts.csv, the staff form."""

from __future__ import annotations

import datetime as dt

from conftest import csrf_token_of
from sqlalchemy import func, select

from renda.committee.models import Contact, ContactMode
from renda.content.load import load_content
from renda.content.rows import ContentError
from renda.db import db
from renda.deputies.models import Deputy
from renda.staff.models import AuditEvent


def member_with_links(app) -> tuple[str, list[str]]:
    with app.app_context():
        member = db.session.scalars(
            select(Deputy).where(Deputy.committee_member.is_(True)).order_by(Deputy.pinyin)).first()
        return member.slug, [d.slug for d in member.liaison_deputies]


def contacts_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Contact))


def test_committee_page_lists_each_member_with_their_deputies_and_the_years_contacts(app, client, fixed_today):
    page = client.get("/committee").get_data(as_text=True)
    assert "<h1>常委会组成人员联系代表</h1>" in page
    data = client.get("/api/v1/committee?per_page=100").get_json()
    assert data["total"] == 33
    item = data["items"][0]
    assert set(item) >= {"member", "deputies", "year", "contacts", "deputies_contacted", "required"}
    assert item["year"] == 2026 and item["required"] == 4
    assert 3 <= len(item["deputies"]) <= 7
    # The demo keeps the practice for most members and not for all.
    met = [i["met"] for i in data["items"]]
    assert any(met) and not all(met)
    for i in data["items"]:
        assert i["met"] == (i["contacts"] >= i["required"] and i["deputies_contacted"] == len(i["deputies"]))
    csv = client.get("/committee.csv").get_data(as_text=True)
    assert csv.splitlines()[0].lstrip("\ufeff") == "member,deputies,year,contacts,deputies_contacted,required,met"


def test_a_year_counts_only_its_own_contacts(app, client, fixed_today):
    slug, linked = member_with_links(app)
    this_year = {i["member"]["slug"]: i for i in client.get("/api/v1/committee?per_page=100").get_json()["items"]}
    with app.app_context():
        member = db.session.scalars(select(Deputy).where(Deputy.slug == slug)).one()
        expected = db.session.scalar(select(func.count()).select_from(Contact).where(
            Contact.member_id == member.id, Contact.date.between(dt.date(2025, 1, 1), dt.date(2025, 12, 31))))
    last_year = {i["member"]["slug"]: i for i in
                 client.get("/api/v1/committee?per_page=100&year=2025").get_json()["items"]}
    assert last_year[slug]["contacts"] == expected
    assert last_year[slug]["year"] == 2025 and this_year[slug]["year"] == 2026
    empty = client.get("/api/v1/committee?year=2001&per_page=100").get_json()["items"]
    assert all(i["contacts"] == 0 and not i["met"] for i in empty)


def test_the_members_page_shows_their_deputies_and_contacts_and_a_linked_deputy_names_the_member(app, client):
    slug, linked = member_with_links(app)
    page = client.get(f"/deputies/{slug}").get_data(as_text=True)
    assert "联系代表情况" in page
    for deputy_slug in linked:
        assert f'href="/deputies/{deputy_slug}"' in page
    data = client.get(f"/api/v1/deputies/{slug}").get_json()
    assert [d["slug"] for d in data["liaison"]["deputies"]] == linked
    linked_page = client.get(f"/deputies/{linked[0]}").get_data(as_text=True)
    assert "联系的常委会组成人员" in linked_page and f'href="/deputies/{slug}"' in linked_page
    assert slug in [m["slug"] for m in client.get(f"/api/v1/deputies/{linked[0]}").get_json()["committee_members"]]


def test_a_members_page_shows_the_band_of_their_record_beside_their_contacts(app, client, fixed_today):
    slug, _ = member_with_links(app)
    band_label = client.get(f"/api/v1/deputies/{slug}/record").get_json()["band_label"]
    page = client.get(f"/deputies/{slug}").get_data(as_text=True)
    assert "联系代表情况" in page and f"<strong>{band_label}</strong>" in page


# --- contacts.csv ---------------------------------------------------------------------------------------------------

def test_contacts_csv_refuses_a_deputy_not_linked_to_the_member_and_a_future_date(empty_app, content_copy):
    path = content_copy / "contacts.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header, first = lines[0], lines[1].split(",")
    with empty_app.app_context():
        load_content(content_copy)
        member = db.session.scalars(select(Deputy).where(Deputy.slug == first[1])).one()
        stranger = db.session.scalars(select(Deputy).where(
            Deputy.id.not_in([d.id for d in member.liaison_deputies]), Deputy.id != member.id)).first().slug
    for cells, message in (
        ([first[0], first[1], stranger, first[3], "visit", "走访"], "不是"),
        ([first[0], first[1], first[2], "2099-01-01", "visit", "走访"], "还没到"),
        ([first[0], first[1], first[2], first[3], "letter", "走访"], "不是有效的取值"),
        (["w-7", first[1], first[2], first[3], "visit", "走访"], "w-"),
    ):
        path.write_text("\n".join([header, ",".join(cells)]) + "\n", encoding="utf-8")
        with empty_app.app_context():
            try:
                load_content(content_copy)
            except ContentError as error:
                assert message in str(error) and "contacts.csv:2" in str(error)
            else:
                raise AssertionError(f"{cells} was loaded")


def test_a_folder_without_contacts_csv_or_the_new_activity_columns_loads(empty_app, content_copy):
    (content_copy / "contacts.csv").unlink()
    activities = content_copy / "activities.csv"
    rows = [line.split(",")[:6] for line in activities.read_text(encoding="utf-8").splitlines()]
    activities.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    with empty_app.app_context():
        loaded = load_content(content_copy)
    assert loaded.counts["contacts"] == 0 and loaded.counts["activities"] > 0


# --- editors record contacts --------------------------------------------------------------------------------------

def test_an_editor_records_a_contact_and_the_public_pages_count_it(app, client, auth, fixed_today):
    slug, linked = member_with_links(app)
    before = {i["member"]["slug"]: i["contacts"]
              for i in client.get("/api/v1/committee?per_page=100").get_json()["items"]}[slug]
    auth.as_role("editor")
    form = client.get(f"/staff/contacts/{slug}/new").get_data(as_text=True)
    response = client.post(f"/staff/contacts/{slug}/new", data={
        "csrf_token": csrf_token_of(form), "deputy": linked[0], "date": "2026-11-20", "mode": "phone",
        "topic": "了解代表近期履职情况"})
    assert response.status_code == 303
    with app.app_context():
        contact = db.session.scalars(select(Contact).order_by(Contact.id.desc())).first()
        assert contact.ref == f"w-{contact.id}" and contact.mode is ContactMode.PHONE
        event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert (event.action, event.record_type, event.record_key) == ("create", "contact", contact.ref)
    client.get("/staff/logout")
    after = {i["member"]["slug"]: i["contacts"]
             for i in client.get("/api/v1/committee?per_page=100").get_json()["items"]}[slug]
    assert after == before + 1
    assert "了解代表近期履职情况" in client.get(f"/deputies/{slug}").get_data(as_text=True)


def test_refusals_keep_what_was_typed_and_store_nothing(app, client, auth, fixed_today):
    slug, linked = member_with_links(app)
    with app.app_context():
        stranger = db.session.scalars(select(Deputy.slug).where(Deputy.slug.not_in([*linked, slug]))).first()
    auth.as_role("editor")
    token = csrf_token_of(client.get(f"/staff/contacts/{slug}/new").get_data(as_text=True))
    count = contacts_count(app)
    for data, message in (
        ({"deputy": stranger, "date": "2026-11-20", "mode": "visit"}, "只能记录与所联系代表的联系"),
        ({"deputy": linked[0], "date": "2026-12-20", "mode": "visit"}, "还没到"),
        ({"deputy": linked[0], "date": "20261120", "mode": "visit"}, "日期格式不对"),
        ({"deputy": linked[0], "date": "2026-11-20", "mode": "letter"}, "请选择有效的联系方式"),
        ({"date": "2026-11-20", "mode": "visit"}, "请选择联系的代表"),
    ):
        response = client.post(f"/staff/contacts/{slug}/new",
                                data={"csrf_token": token, "topic": "我写的内容留着", **data})
        page = response.get_data(as_text=True)
        assert response.status_code == 400 and message in page, data
        assert 'value="我写的内容留着"' in page
    assert contacts_count(app) == count


def test_a_liaison_may_not_record_contacts_and_an_unknown_member_is_404(app, client, auth):
    slug, linked = member_with_links(app)
    auth.as_role("liaison")
    assert client.get(f"/staff/contacts/{slug}/new").status_code == 403
    assert client.post(f"/staff/contacts/{slug}/new", data={"deputy": linked[0]}).status_code in (400, 403)
    client.get("/staff/logout")
    auth.as_role("editor")
    assert client.get("/staff/contacts/nobody/new").status_code == 404
    assert client.get("/staff/contacts/zhang-minghua/new").status_code == 404  # not a committee member

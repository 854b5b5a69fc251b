"""Importing the deputy roster from the staff area: preview by row, then apply in one transaction."""

from __future__ import annotations

import csv
import io
import re

from openpyxl import Workbook
from sqlalchemy import func, select

from conftest import csrf_token_of
from renda.db import db
from renda.deputies import Deputy
from renda.staff import AuditEvent


def roster_table(content_dir) -> list[list[str]]:  # noqa: ANN001
    with (content_dir / "deputies.csv").open(encoding="utf-8") as f:
        return list(csv.reader(f))


def as_csv(table: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(table)
    return buffer.getvalue().encode("utf-8")


def edited_roster(app) -> list[list[str]]:  # noqa: ANN001
    """The shipped roster with one deputy changed and one added."""
    from pathlib import Path

    table = roster_table(Path(app.config["CONTENT_DIR"]))
    header = table[0]
    table[1][header.index("occupation")] = "澄湖区第一中学校长"
    new = list(table[2])
    new[header.index("slug")], new[header.index("name")] = "xin-daibiao", "辛代表"
    table.append(new)
    return table


def upload(client, auth, filename: str, data: bytes):  # noqa: ANN001, ANN201
    token = auth.csrf_token("/staff/roster/")
    return client.post("/staff/roster/", data={"csrf_token": token, "roster": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def deputy_count(app) -> int:  # noqa: ANN001
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Deputy))


def test_csv_upload_previews_new_changed_and_unchanged_then_applies(app, client, auth):
    auth.as_role("editor")
    before = deputy_count(app)
    response = upload(client, auth, "roster.csv", as_csv(edited_roster(app)))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r"新增 1 行，修改 1 行，未变 \d+ 行，错误 0 行", page)
    assert "辛代表" in page and "职业/单位" in page
    assert deputy_count(app) == before  # nothing written by the preview

    payload = re.search(r'name="payload" type="hidden" value="([^"]*)"', page)
    token = csrf_token_of(page)
    import html

    applied = client.post("/staff/roster/apply", data={"csrf_token": token, "payload": html.unescape(payload.group(1))})
    assert applied.status_code == 200
    assert "新增 1 名代表，修改 1 名代表" in applied.get_data(as_text=True)
    assert deputy_count(app) == before + 1
    with app.app_context():
        assert db.session.scalars(select(Deputy).where(Deputy.slug == "xin-daibiao")).one().pinyin == "xindaibiao"
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.record_type.in_(["deputy", "roster"])))
        assert sorted(actions) == ["create", "import", "update"]


def test_xlsx_upload_with_the_same_columns_is_previewed(app, client, auth):
    auth.as_role("editor")
    workbook = Workbook()
    for row in edited_roster(app):
        workbook.active.append(row)
    data = io.BytesIO()
    workbook.save(data)
    page = upload(client, auth, "名册.xlsx", data.getvalue()).get_data(as_text=True)
    assert re.search(r"新增 1 行，修改 1 行，未变 \d+ 行，错误 0 行", page)


def test_a_bad_row_is_shown_with_its_number_and_applying_is_refused(app, client, auth):
    auth.as_role("editor")
    table = edited_roster(app)
    header = table[0]
    table[3][header.index("group_slug")] = "no-such-group"
    table[5][header.index("gender")] = "<script>alert(1)</script>"
    before = deputy_count(app)
    page = upload(client, auth, "roster.csv", as_csv(table)).get_data(as_text=True)
    assert "第 4 行" in page and "不存在的代表小组“no-such-group”" in page
    assert "第 6 行" in page and "<script>alert(1)</script>" not in page
    assert "确认导入" not in page

    token = csrf_token_of(page)
    refused = client.post("/staff/roster/apply", data={"csrf_token": token, "payload": as_csv(table).decode()})
    assert refused.status_code == 400
    assert "存在错误，未导入" in refused.get_data(as_text=True)
    assert deputy_count(app) == before


def test_a_file_without_the_roster_columns_is_refused(client, auth):
    auth.as_role("editor")
    response = upload(client, auth, "roster.csv", "名字,电话\n张三,123\n".encode())
    assert response.status_code == 400
    assert "缺少列" in response.get_data(as_text=True)


def test_only_csv_and_xlsx_are_accepted(client, auth):
    auth.as_role("editor")
    response = upload(client, auth, "roster.exe", b"MZ")
    assert response.status_code == 400
    assert "只接受 .csv 或 .xlsx 文件" in response.get_data(as_text=True)


def test_a_liaison_cannot_import(client, auth):
    auth.as_role("liaison")
    assert client.get("/staff/roster/").status_code == 403


def test_a_quoted_cell_with_characters_that_look_like_line_ends_is_read_as_one_cell(app, client, auth):
    auth.as_role("editor")
    table = edited_roster(app)
    bio = table[0].index("bio")
    for n, char in enumerate(["\u2028", "\x0b", "\x0c", "\x85", "\x1e"], start=1):
        table[n][bio] = f"第一句{char}第二句"
    page = upload(client, auth, "roster.csv", as_csv(table)).get_data(as_text=True)
    assert re.search(r"新增 1 行，修改 \d+ 行，未变 \d+ 行，错误 0 行", page), re.findall(r"应有.*?列", page)
    assert "修改 5 行" in page  # the five bios (the first row's occupation too)

"""Importing the deputy roster from the staff area: preview by row, then apply in one transaction."""

from __future__ import annotations

import csv
import io
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import (
    DEMO_CONTENT,
    Auth,
    csrf_token_of,
    serve_with_account,
    visitor_opener,
)
from openpyxl import Workbook
from sqlalchemy import func, select

from renda.content.schema import DEPUTIES
from renda.db import db
from renda.deputies.models import Deputy
from renda.staff.models import AuditEvent

DEPUTY_COLUMNS = DEPUTIES.column_names


def roster_table(content_dir) -> list[list[str]]:
    with (content_dir / "deputies.csv").open(encoding="utf-8") as f:
        return list(csv.reader(f))


def as_csv(table: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(table)
    return buffer.getvalue().encode("utf-8")


def edited_roster(app) -> list[list[str]]:
    """The shipped roster with one deputy changed and one added."""
    from pathlib import Path

    table = roster_table(Path(app.config["CONTENT_DIR"]))
    header = table[0]
    table[1][header.index("occupation")] = "澄湖区第一中学校长"
    new = list(table[2])
    new[header.index("slug")], new[header.index("name")] = "xin-daibiao", "辛代表"
    table.append(new)
    return table


def upload(client, auth, filename: str, data: bytes):
    token = auth.csrf_token("/staff/roster/")
    return client.post("/staff/roster/", data={"csrf_token": token, "roster": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def deputy_count(app) -> int:
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
        note = db.session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "update")).one()
        assert note == "名册导入：职业/单位"  # the column in words, not occupation


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


def test_the_preview_and_its_errors_speak_chinese(app, client, auth):
    auth.as_role("editor")
    table = edited_roster(app)
    table[3][table[0].index("level")] = "county-ish"
    page = upload(client, auth, "roster.csv", as_csv(table)).get_data(as_text=True)
    assert '<th scope="col">代表编号</th>' in page and '<th scope="col">slug</th>' not in page
    assert "第 4 行" in page and "全国人大代表、省人大代表、市人大代表、区人大代表、乡镇人大代表" in page
    assert "national、provincial" not in page


def test_a_quoted_cell_with_characters_that_look_like_line_ends_is_read_as_one_cell(app, client, auth):
    auth.as_role("editor")
    table = edited_roster(app)
    bio = table[0].index("bio")
    for n, char in enumerate(["\u2028", "\x0b", "\x0c", "\x85", "\x1e"], start=1):
        table[n][bio] = f"第一句{char}第二句"
    page = upload(client, auth, "roster.csv", as_csv(table)).get_data(as_text=True)
    assert re.search(r"新增 1 行，修改 \d+ 行，未变 \d+ 行，错误 0 行", page), re.findall(r"应有.*?列", page)
    assert "修改 5 行" in page  # the five bios (the first row's occupation too)


# --- Upload bombs, sent to a gunicorn worker whose time and memory are measured --------------------------------

def _xlsx_with(sheet: Callable[[zipfile.ZipFile, zipfile.ZipInfo], None] | bytes | None = None,
               rows: list[list[str]] | None = None) -> bytes:
    """A workbook openpyxl writes (the roster header, or `rows`), its first sheet then replaced by `sheet`: bytes,
    or a function that writes the part itself (for parts too big to hold)."""
    workbook = Workbook()
    for row in rows or [DEPUTY_COLUMNS]:
        workbook.active.append(row)
    original = io.BytesIO()
    workbook.save(original)
    if sheet is None:
        return original.getvalue()
    result = io.BytesIO()
    with zipfile.ZipFile(original) as source, zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                target.writestr(info, source.read(info))
            elif callable(sheet):
                sheet(target, info)
            else:
                target.writestr(info.filename, sheet)
    return result.getvalue()


NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHEET_START = '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="' + NS + '"><dimension ref="{ref}"/><sheetData>'
SHEET_END = "</sheetData></worksheet>"


def _header_row() -> str:
    return '<row r="1">' + "".join(f'<c t="inlineStr"><is><t>{name}</t></is></c>' for name in DEPUTY_COLUMNS) + "</row>"


def dimension_bomb() -> bytes:
    """1–2 KB declaring the whole of Excel's grid: A1:XFD1048576."""
    return _xlsx_with((SHEET_START.format(ref="A1:XFD1048576") + _header_row() + SHEET_END).encode())


def zip_bomb(megabytes: int = 442) -> bytes:
    """About 2 MB unpacking to `megabytes` MB of sheet XML (the same row over and over)."""
    def write(target: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        row = '<row><c t="inlineStr"><is><t>bomb</t></is></c></row>'
        chunk = (row * (2**20 // len(row))).encode()
        with target.open(info.filename, "w", force_zip64=True) as part:
            part.write((SHEET_START.format(ref="A1") + _header_row()).encode())
            for _ in range(megabytes):
                part.write(chunk)
            part.write(SHEET_END.encode())
    return _xlsx_with(write)


def many_rows_xlsx(rows: int = 100_000, declared: str | None = None) -> bytes:
    """`rows` rows of one cell each, under a dimension that says so, or `declared` (a file may lie)."""
    body = "".join(f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>d{n}</t></is></c></row>' for n in range(2, rows + 2))
    ref = declared or f"A1:N{rows + 1}"
    return _xlsx_with((SHEET_START.format(ref=ref) + _header_row() + body + SHEET_END).encode())


def with_parts(data: bytes, parts: dict[str, bytes], rels: bytes = b"", types: bytes = b"") -> bytes:
    """The workbook with `parts` added or replaced, and `rels`, `types` added to the workbook's relationships
    and content types."""
    result = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = parts.pop(info.filename, None) or source.read(info)
            if info.filename == "xl/_rels/workbook.xml.rels":
                content = content.replace(b"</Relationships>", rels + b"</Relationships>")
            if info.filename == "[Content_Types].xml":
                content = content.replace(b"</Types>", types + b"</Types>")
            target.writestr(info, content)
        for name, content in parts.items():
            target.writestr(name, content)
    return result.getvalue()


def shared_strings_bomb() -> bytes:
    """9 MB of one-letter shared texts: half a million strings to read before the first row."""
    count = 9_000_000 // 17
    strings = (f'<?xml version="1.0"?><sst xmlns="{NS}" count="{count}" uniqueCount="{count}">'
               + "<si><t>a</t></si>" * count + "</sst>").encode()
    return with_parts(_xlsx_with(), {"xl/sharedStrings.xml": strings},
                      rels=b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                           b'relationships/sharedStrings" Target="sharedStrings.xml"/>',
                      types=b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                            b'officedocument.spreadsheetml.sharedStrings+xml"/>')


def styles_bomb() -> bytes:
    """9 MB of cell formats, which openpyxl makes an object of each."""
    workbook = _xlsx_with()
    with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
        styles = archive.read("xl/styles.xml").decode()
    count = 9_000_000 // 60
    formats = '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>' * count
    styles = re.sub(r'<cellXfs count="\d+">', f'<cellXfs count="{count}">{formats}', styles)
    return with_parts(workbook, {"xl/styles.xml": styles.encode()})


def many_rows_csv(rows: int = 100_000) -> bytes:
    return (",".join(DEPUTY_COLUMNS) + "\n" + f"x{',' * (len(DEPUTY_COLUMNS) - 1)}\n" * rows).encode()


def _multipart(fields: dict[str, str], filename: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="roster"; filename="{filename}"\r\n'
                 f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _peak_memory(pid: int) -> int:
    """The most memory (resident, bytes) process `pid` has held since it started."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) * 1024


def test_upload_bombs_are_refused_quickly_in_little_memory(demo_database, tmp_path, serve):
    server = serve_with_account(serve, demo_database, tmp_path, "editor-http", "editor", workers=1)
    [worker] = [pid for pid in server.members() if pid != server.group]
    browser = visitor_opener()

    def get(path: str) -> str:
        with browser.open(server.base + path, timeout=30) as response:
            return response.read().decode()

    def send(filename: str, data: bytes) -> tuple[int, str, float]:
        body, content_type = _multipart({"csrf_token": csrf_token_of(get("/staff/roster/"))}, filename, data)
        request = urllib.request.Request(server.base + "/staff/roster/", body, {"Content-Type": content_type})
        start = time.monotonic()
        try:
            with browser.open(request, timeout=60) as response:
                status, page = response.status, response.read().decode()
        except urllib.error.HTTPError as e:
            status, page = e.code, e.read().decode()
            e.close()
        return status, page, time.monotonic() - start

    login = get("/staff/login")
    with pytest.raises(urllib.error.HTTPError) as signed_in:  # 303 to the dashboard, not followed
        browser.open(server.base + "/staff/login", urllib.parse.urlencode({
            "username": "editor-http", "password": Auth.PASSWORD, "csrf_token": csrf_token_of(login)}).encode())
    assert signed_in.value.code == 303
    signed_in.value.close()
    status, page, _ = send("名册.xlsx", _xlsx_with(rows=roster_table(DEMO_CONTENT)))  # openpyxl loaded, as in use
    assert status == 200 and "错误 0 行" in page
    baseline = _peak_memory(worker)

    bombs = {"dimension.xlsx": dimension_bomb(), "zipbomb.xlsx": zip_bomb(), "rows.xlsx": many_rows_xlsx(),
             "rows-declared-few.xlsx": many_rows_xlsx(declared="A1:N2"), "rows.csv": many_rows_csv(),
             "strings.xlsx": shared_strings_bomb(), "styles.xlsx": styles_bomb()}
    assert len(bombs["dimension.xlsx"]) < 10_000 and len(bombs["zipbomb.xlsx"]) < 2_000_000
    for filename, data in bombs.items():
        status, page, seconds = send(filename, data)
        assert status == 400, (filename, status)
        assert "最多 5000 行" in page or "解压后远大于一份代表名册" in page, filename
        assert seconds < 2, (filename, seconds)
        growth = _peak_memory(worker) - baseline
        assert growth < 100 * 2**20, (filename, growth // 2**20)

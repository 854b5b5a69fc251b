"""Reading a deputy roster (CSV or .xlsx) into a preview, refusing files far bigger than a roster."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree

from flask import current_app
from sqlalchemy import select

from ..areas.models import ElectoralDistrict
from ..content.load import deputy_values
from ..content.rows import ContentError, Row, csv_records, parse_table
from ..content.schema import DEPUTIES
from ..db import db
from .models import Deputy, DeputyGroup, check_deputy

FIELD_LABELS = {
    "name": "姓名", "gender": "性别", "ethnicity": "民族", "party": "党派", "level": "层级", "district": "选区",
    "group": "代表小组", "occupation": "职业/单位", "sector": "界别", "status": "状态",
    "committee_member": "常委会组成人员", "photo": "照片", "bio": "简介",
}


@dataclass
class RowOutcome:
    line: int
    slug: str
    name: str
    kind: str  # new, changed, unchanged, error
    changes: list[str] = field(default_factory=list)
    message: str = ""


@dataclass
class Preview:
    rows: list[RowOutcome]
    values: list[dict[str, Any]]

    def count(self, kind: str) -> int:
        return sum(r.kind == kind for r in self.rows)

    @property
    def errors(self) -> list[RowOutcome]:
        return [r for r in self.rows if r.kind == "error"]


# What a roster may hold. A district's roster has a few hundred deputies of all five levels; these bounds refuse
# a file that only looks like one (a sheet declaring a million rows, a zip bomb) before any table is built.
MAX_ROWS = 5000
MAX_COLUMNS = 30
MAX_STRINGS = MAX_ROWS * len(DEPUTIES.columns)  # the distinct texts a roster's cells can hold
MAX_XLSX_UNPACKED = 10 * 1024 * 1024  # bytes of all the parts of an .xlsx, unpacked
MAX_XLSX_OTHER_PART = 1024 * 1024  # bytes of a part that is neither a sheet nor the shared texts (styles, theme …)
MAX_XLSX_PARTS = 100
TOO_BIG = f"名册最多 {MAX_ROWS} 行、{MAX_COLUMNS} 列。请只保留代表名册本身（删去多余的行、列和工作表）后再上传。"
TOO_BIG_UNPACKED = ("Excel 文件解压后远大于一份代表名册。请只保留代表名册这一张工作表、去掉图片和格式，"
                    "或另存为“CSV UTF-8”后再上传。")


def upload_text(filename: str, data: bytes) -> str:
    """The upload as CSV text: what the preview reads and the apply step posts back."""
    if filename.lower().endswith(".xlsx"):
        return _xlsx_as_csv(filename, data)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ContentError(filename, 0, "文件不是 UTF-8 编码。请在 Excel 中另存为“CSV UTF-8”后再上传。") from None


def _xlsx_as_csv(filename: str, data: bytes) -> str:
    """The first sheet of a workbook as CSV, after checking (from the zip directory, and by streaming its parts)
    that it is no bigger than a roster can be; openpyxl reads it only then, row by row and within those bounds."""
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_xlsx_size(filename, archive)
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        # The rows and columns asked for, not the ones the file declares (`<dimension ref="A1:XFD1048576"/>`).
        rows = sheet.iter_rows(max_row=MAX_ROWS + 1, max_col=MAX_COLUMNS + 1, values_only=True)
        table = [["" if cell is None else str(cell).strip() for cell in row] for row in rows]
    except ContentError:
        raise
    except Exception as e:  # zipfile and openpyxl raise many kinds on a damaged file
        raise ContentError(filename, 0, f"无法读取 Excel 文件（{type(e).__name__}）。"
                           "请确认文件是 .xlsx 格式且没有损坏，或在 Excel 中另存为“CSV UTF-8”后再上传。") from None
    width = max((max((i + 1 for i, cell in enumerate(row) if cell), default=0) for row in table), default=0)
    if width > MAX_COLUMNS:
        raise ContentError(filename, 0, TOO_BIG)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(row[:width] for row in table)
    return buffer.getvalue()


def _check_xlsx_size(filename: str, archive: zipfile.ZipFile) -> None:
    """Refuse a workbook whose parts unpack to more than a roster needs, or whose sheets or shared texts hold
    more than a roster has. The sizes come from the zip directory, to which zipfile also holds the unpacking;
    the sheets and texts are streamed, and nothing of them kept."""
    parts = archive.infolist()
    if len(parts) > MAX_XLSX_PARTS or sum(part.file_size for part in parts) > MAX_XLSX_UNPACKED:
        raise ContentError(filename, 0, TOO_BIG_UNPACKED)
    for part in parts:
        if part.filename.startswith("xl/worksheets/") and part.filename.endswith(".xml"):
            with archive.open(part) as sheet:
                _check_sheet(filename, sheet)
        elif part.filename == "xl/sharedStrings.xml":
            with archive.open(part) as strings:
                if _count(strings, "si", MAX_STRINGS) > MAX_STRINGS:
                    raise ContentError(filename, 0, TOO_BIG)
        elif part.file_size > MAX_XLSX_OTHER_PART:
            raise ContentError(filename, 0, TOO_BIG_UNPACKED)


def _elements(stream: IO[bytes]) -> Iterator[tuple[str, str, ElementTree.Element]]:
    """(event, tag without namespace, element) of an XML stream; finished elements are emptied as it goes."""
    for event, element in ElementTree.iterparse(stream, events=("start", "end")):
        yield event, element.tag.rpartition("}")[2], element
        if event == "end":
            element.clear()


def _count(stream: IO[bytes], tag: str, enough: int) -> int:
    """How many `tag` elements the stream holds, counting no further than one past `enough`."""
    found = 0
    for event, name, _ in _elements(stream):
        if event == "start" and name == tag:
            found += 1
            if found > enough:
                break
    return found


def _check_sheet(filename: str, sheet: IO[bytes]) -> None:
    """The sheet declares (`<dimension ref=…>`) and holds no more rows, and no more cells in a row, than a roster."""
    from openpyxl.utils.cell import range_boundaries

    row = cells = 0
    for event, tag, element in _elements(sheet):
        if event == "start" and tag == "dimension":
            _, _, last_column, last_row = range_boundaries(element.get("ref") or "A1")
            if (last_row or 0) > MAX_ROWS + 1 or (last_column or 0) > MAX_COLUMNS:
                raise ContentError(filename, 0, TOO_BIG)
        elif event == "start" and tag == "row":
            row, cells = int(float(element.get("r") or row + 1)), 0
        elif event == "start" and tag == "c":
            cells += 1
            if cells > MAX_COLUMNS or row > MAX_ROWS + 1:
                raise ContentError(filename, 0, TOO_BIG)


def preview(shown: str, text: str) -> Preview:
    """Each row classified as new, changed, unchanged or an error (with its row number and why)."""
    rows = parse_rows(shown, text)
    districts = {d.code: d for d in db.session.scalars(select(ElectoralDistrict))}
    groups = {g.slug: g for g in db.session.scalars(select(DeputyGroup))}
    current = {d.slug: d for d in db.session.scalars(select(Deputy))}
    photos = Path(current_app.config["CONTENT_DIR"]) / "photos"
    outcomes, values = [], []
    seen: dict[str, int] = {}
    for row in rows:
        slug, name = row.cells.get("slug", "").strip(), row.cells.get("name", "").strip()
        try:
            if slug in seen:
                raise row.error(f"重复的代表编号（slug）“{slug}”（第 {seen[slug]} 行已有）")
            seen[slug] = row.line
            attributes = deputy_values(row, districts, groups)
            row.refuse(check_deputy(attributes, photos))
        except ContentError as e:
            outcomes.append(RowOutcome(row.line, slug, name, "error", message=e.message))
            continue
        values.append(attributes)
        deputy = current.get(slug)
        if deputy is None:
            outcomes.append(RowOutcome(row.line, slug, name, "new"))
            continue
        changes = [FIELD_LABELS[key] for key, value in attributes.items()
                   if key in FIELD_LABELS and getattr(deputy, key) != value]
        outcomes.append(RowOutcome(row.line, slug, name, "changed" if changes else "unchanged", changes))
    return Preview(outcomes, values)


def parse_rows(shown: str, text: str) -> list[Row]:
    """Rows of the roster, with errors in single rows left for the preview; a bad header fails the whole file."""
    return parse_table(shown, csv_records(text), DEPUTIES.column_names, key=None, max_rows=MAX_ROWS, too_many=TOO_BIG,
                       may_be_absent=DEPUTIES.may_be_absent)

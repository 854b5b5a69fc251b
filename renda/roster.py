"""Importing the deputy roster from the staff area: a preview of every row first, then one transaction."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, request
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from sqlalchemy import select
from wtforms import HiddenField
from wtforms.validators import DataRequired

from .areas import ElectoralDistrict
from .content import DEPUTY_COLUMNS, ContentError, Row, csv_records, deputy_values, parse_table
from .db import db
from .deputies import Deputy, DeputyGroup
from .staff import Role, add_staff_link, audit, role_required
from .web import render

bp = Blueprint("roster", __name__, url_prefix="/staff/roster")

# Labels of the attributes a preview reports as changed.
FIELD_LABELS = {
    "name": "姓名", "gender": "性别", "ethnicity": "民族", "party": "党派", "level": "层级", "district": "选区",
    "group": "代表小组", "occupation": "职业/单位", "sector": "界别", "status": "状态",
    "committee_member": "常委会组成人员", "photo": "照片", "bio": "简介",
}


class UploadForm(FlaskForm):
    roster = FileField("代表名册文件", validators=[
        FileRequired("请选择要上传的文件"),
        FileAllowed(["csv", "xlsx"], "只接受 .csv 或 .xlsx 文件"),
    ])


class ApplyForm(FlaskForm):
    payload = HiddenField(validators=[DataRequired()])


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


def records_from_upload(filename: str, data: bytes) -> tuple[Iterator[list[str]], str]:
    """The header and records of an upload, and its text as CSV (what the apply step posts back)."""
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        except Exception as e:  # openpyxl raises many kinds on a damaged file
            raise ContentError(filename, 0, f"无法读取 Excel 文件：{type(e).__name__}") from None
        table = [["" if cell is None else str(cell).strip() for cell in row]
                 for row in sheet.iter_rows(values_only=True)]
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(table)
        text = buffer.getvalue()
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ContentError(filename, 0, "文件不是 UTF-8 编码。请在 Excel 中另存为“CSV UTF-8”后再上传。") from None
    return csv_records(text), text


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
                raise row.error(f"重复的 slug“{slug}”（第 {seen[slug]} 行已有）")
            seen[slug] = row.line
            attributes = deputy_values(row, districts, groups, photos)
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
    return parse_table(shown, csv_records(text), DEPUTY_COLUMNS, key=None)


def apply(values: list[dict[str, Any]]) -> tuple[int, int]:
    """Write every row in one transaction; the counts of new and changed deputies."""
    current = {d.slug: d for d in db.session.scalars(select(Deputy))}
    created = changed = 0
    for attributes in values:
        deputy = current.get(attributes["slug"])
        if deputy is None:
            db.session.add(Deputy(**attributes))
            audit("create", "deputy", attributes["slug"], "名册导入")
            created += 1
            continue
        differences = [key for key, value in attributes.items() if getattr(deputy, key) != value]
        if differences:
            for key in differences:
                setattr(deputy, key, attributes[key])
            audit("update", "deputy", deputy.slug, "名册导入：" + "、".join(differences))
            changed += 1
    audit("import", "roster", "deputies", f"新增 {created}，修改 {changed}")
    db.session.commit()
    return created, changed


@bp.route("/", methods=["GET", "POST"])
@role_required(Role.EDITOR)
def upload() -> Response:
    """Upload a roster: the answer is its preview, nothing is written yet."""
    form = UploadForm()
    if not form.validate_on_submit():
        return render("staff/roster.html", form=form, status=400 if request.method == "POST" else 200)
    file = form.roster.data
    try:
        _, text = records_from_upload(file.filename or "roster.csv", file.read())
        result = preview(file.filename or "roster.csv", text)
    except ContentError as e:
        form.roster.errors = [e.message]
        return render("staff/roster.html", form=form, status=400)
    return render("staff/roster.html", form=form, preview=result, apply_form=ApplyForm(payload=text))


@bp.post("/apply")
@role_required(Role.EDITOR)
def apply_upload() -> Response:
    """Apply a previewed roster: refused while any row has an error."""
    form, apply_form = UploadForm(), ApplyForm()
    if not apply_form.validate_on_submit():
        return render("staff/roster.html", form=form, status=400)
    text = apply_form.payload.data
    try:
        result = preview("roster", text)
    except ContentError as e:
        form.roster.errors = [e.message]
        return render("staff/roster.html", form=form, status=400)
    if result.errors:
        return render("staff/roster.html", form=form, preview=result, apply_form=apply_form, refused=True,
                      status=400)
    created, changed = apply(result.values)
    return render("staff/roster.html", form=UploadForm(formdata=None), applied=(created, changed))


add_staff_link("roster.upload", "导入代表名册", Role.EDITOR)

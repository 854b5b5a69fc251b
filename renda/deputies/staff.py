"""The deputies area's staff pages: importing the roster."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from sqlalchemy import select
from wtforms import HiddenField
from wtforms.validators import DataRequired

from ..content.rows import ContentError
from ..db import db
from ..staff.access import add_staff_link, audit, role_required
from ..staff.models import Role
from ..web import render
from .models import Deputy
from .roster import FIELD_LABELS, preview, upload_text

bp = Blueprint("deputies_staff", __name__, url_prefix="/staff")

# Labels of the attributes a preview reports as changed.


class UploadForm(FlaskForm):
    roster = FileField("代表名册文件", validators=[
        FileRequired("请选择要上传的文件"),
        FileAllowed(["csv", "xlsx"], "只接受 .csv 或 .xlsx 文件"),
    ])


class ApplyForm(FlaskForm):
    payload = HiddenField(validators=[DataRequired()])




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
            labels = [FIELD_LABELS[key] for key in differences if key in FIELD_LABELS]  # pinyin follows the name
            audit("update", "deputy", deputy.slug, "名册导入" + ("：" + "、".join(labels) if labels else ""))
            changed += 1
    audit("import", "roster", "deputies", f"新增 {created}，修改 {changed}")
    db.session.commit()
    return created, changed


@bp.route("/roster/", methods=["GET", "POST"])
@role_required(Role.EDITOR)
def roster_upload() -> Response:
    """Upload a roster: the answer is its preview, nothing is written yet."""
    form = UploadForm()
    if not form.validate_on_submit():
        return render("staff/roster.html", form=form, status=400 if request.method == "POST" else 200)
    file = form.roster.data
    try:
        text = upload_text(file.filename or "roster.csv", file.read())
        result = preview(file.filename or "roster.csv", text)
    except ContentError as e:
        form.roster.errors = [e.message]
        return render("staff/roster.html", form=form, status=400)
    return render("staff/roster.html", form=form, preview=result, apply_form=ApplyForm(payload=text))


@bp.post("/roster/apply")
@role_required(Role.EDITOR)
def roster_apply() -> Response:
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


add_staff_link("deputies_staff.roster_upload", "导入代表名册", Role.EDITOR)

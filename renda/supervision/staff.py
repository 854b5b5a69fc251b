"""Editors keep the acts of supervision from the web: inquiries and evaluations, their commitments, the 回头看."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import NoReturn

from flask import Blueprint, Response, abort, flash, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import DateField, Field, IntegerField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from .. import clock
from ..db import WEB_REF_PREFIX, db, give_web_ref
from ..problems import Problem
from ..proposals.models import Unit
from ..staff.access import add_staff_link, audit, role_required
from ..staff.models import Role
from ..web import error_response, render, see_other
from .models import Commitment, Supervision, SupervisionKind, SupervisionUnit, check_commitment, check_supervision

bp = Blueprint("supervision_staff", __name__, url_prefix="/staff")

editor = role_required(Role.EDITOR)

DATE_MESSAGE = "日期格式不对，应为 YYYY-MM-DD"
# One "单位:数字" pair per line (or separated by ；), the unit by its name or its slug, as supervisions.csv has them.
PAIR_SEPARATORS = re.compile(r"[\n;；,，、]+")


def _date(label: str, required: str | None = None) -> DateField:
    return DateField(label, invalid_value_message=DATE_MESSAGE,
                     validators=[InputRequired(required)] if required else [Optional()])


def _text(value: str | None) -> str:
    """A textarea's text as stored: lines ended with \\n (browsers send \\r\\n), no blank edges."""
    return (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def put_beside(form: FlaskForm, problems: list[Problem], fallback: str) -> None:
    """Each rule's refusal beside its field (a field's first message only), or beside `fallback`."""
    for problem in problems:
        target: Field = form[problem.field] if problem.field in form else form[fallback]
        if not target.errors:
            target.errors = [*target.errors, problem.message]


def _unit_numbers(field: Field, units: dict[str, Unit]) -> dict[Unit, Decimal]:
    """The field's "单位:数字" pairs; a message beside it for a pair that is not one."""
    found: dict[Unit, Decimal] = {}
    for item in PAIR_SEPARATORS.split(field.data or ""):
        if not item.strip():
            continue
        key, _, number = item.replace("：", ":").partition(":")
        unit = units.get(key.strip())
        try:
            value = Decimal(number.strip())
            if not value.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            field.errors.append(f"“{item.strip()}”应写成“单位:数字”，例如“区教育局:35”")
            break
        if unit is None:
            field.errors.append(f"没有“{key.strip()}”这个单位")
            break
        if unit in found:
            field.errors.append(f"单位“{unit.name}”重复")
            break
        found[unit] = value
    return found


def _pairs_text(pairs: dict[Unit, Decimal]) -> str:
    return "；".join(f"{u.name} {v}" for u, v in pairs.items())


class SupervisionForm(FlaskForm):
    kind = RadioField("类型", choices=[SelectChoice(k.value, k.label) for k in SupervisionKind],
                      validators=[InputRequired("请选择类型")], invalid_choice_message="请选择有效的类型")
    date = _date("日期", "请填写日期")
    title = StringField("题目")
    units = SelectMultipleField("涉及的单位", choices=[], validate_choice=False,
                                widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    summary = TextAreaField("情况")
    candidates = IntegerField("参加票选的单位数", invalid_value_message="请填写整数", validators=[Optional()])
    votes = TextAreaField("各单位得票")
    results = TextAreaField("各单位满意率（%）")

    def check(self) -> tuple[list[Unit], dict[Unit, Decimal], dict[Unit, Decimal]] | None:
        """The fields, then the supervision's rules (models.check_supervision) beside their fields; the units
        concerned, the votes and the results."""
        valid = self.validate()
        everything = db.session.scalars(select(Unit)).all()
        by_key = {u.slug: u for u in everything} | {u.name: u for u in everything}
        slugs = list(dict.fromkeys(self.units.data or []))
        concerned = [by_key[s] for s in slugs if s in by_key]
        if len(concerned) < len(slugs):
            self.units.errors.append("请从列表中选择单位")
        votes, results = _unit_numbers(self.votes, by_key), _unit_numbers(self.results, by_key)
        if any(v != v.to_integral_value() or v < 0 for v in votes.values()) and not self.votes.errors:
            self.votes.errors.append("票数应为非负整数")
        kind = None if self.kind.errors or not self.kind.data else SupervisionKind(self.kind.data)
        put_beside(self, check_supervision(kind, (self.title.data or "").strip(), _text(self.summary.data),
                                           concerned, None if self.candidates.errors else self.candidates.data,
                                           {u: int(v) for u, v in votes.items()}, results), "title")
        return (concerned, votes, results) if valid and not self.errors else None


class CommitmentForm(FlaskForm):
    unit = RadioField("作出承诺的单位", choices=[], validate_choice=False)
    text = TextAreaField("承诺内容")
    due_on = _date("整改期限")

    def check(self, supervision: Supervision) -> Unit | None:
        valid = self.validate()
        unit = None
        if self.unit.data:
            unit = db.session.scalars(select(Unit).where(Unit.slug == str(self.unit.data)[:80])).first()
            if unit is None:
                self.unit.errors.append("请从列表中选择单位")
        problems = check_commitment(supervision, unit, _text(self.text.data),
                                    None if self.due_on.errors else self.due_on.data, None, None, "")
        if not self.unit.errors:
            put_beside(self, problems, "text")
        else:
            put_beside(self, [p for p in problems if p.field != "unit"], "text")
        return unit if valid and not self.errors else None


class RevisitForm(FlaskForm):
    revisit_on = _date("回头看日期")
    revisit_note = TextAreaField("回头看结论")
    done_on = _date("完成日期")

    def check(self, commitment: Commitment) -> bool:
        valid = self.validate()
        put_beside(self, check_commitment(
            commitment.supervision, commitment.unit, commitment.text, commitment.due_on,
            None if self.done_on.errors else self.done_on.data,
            None if self.revisit_on.errors else self.revisit_on.data, _text(self.revisit_note.data)), "revisit_on")
        return valid and not self.errors


def is_web_row(row: Supervision | Commitment) -> bool:
    """Rows made here are edited here; a row of a content file is the file's, which `content load` rewrites."""
    return row.ref.startswith(WEB_REF_PREFIX)


FILE_ROW_NOTE = ("这条整改承诺来自内容文件（commitments.csv），在这里只能查看；如需记录回头看，请修改内容文件后"
                 "重新导入，否则下次导入会覆盖网上的修改。")


def _refuse(message: str) -> NoReturn:
    abort(error_response(403, message))


def _supervision(ref_value: str) -> Supervision:
    supervision = db.session.scalars(
        select(Supervision).where(Supervision.ref == ref_value[:80])
        .options(selectinload(Supervision.concerned).joinedload(SupervisionUnit.unit),
                 selectinload(Supervision.commitments).joinedload(Commitment.unit))
    ).first()
    if supervision is None:
        abort(404)
    return supervision


@bp.get("/supervisions")
@editor
def supervisions() -> Response:
    """Every act of supervision, newest first, with where to add its commitments."""
    rows = db.session.scalars(select(Supervision).order_by(Supervision.date.desc(), Supervision.id.desc())).all()
    counts = dict(db.session.execute(select(Commitment.supervision_id, func.count())
                                     .group_by(Commitment.supervision_id)).tuples().all())
    return render("supervision/staff_supervisions.html", supervisions=rows, counts=counts)


@bp.route("/supervisions/new", methods=["GET", "POST"])
@editor
def new_supervision() -> Response:
    form = SupervisionForm(data={"date": clock.today()} if request.method == "GET" else None)
    form.units.choices = [SelectChoice(u.slug, u.name) for u in db.session.scalars(select(Unit).order_by(Unit.slug))]
    status = 200
    if request.method == "POST":
        checked = form.check()
        if checked is not None:
            concerned, votes, results = checked
            supervision = Supervision(
                kind=SupervisionKind(form.kind.data), date=form.date.data, title=(form.title.data or "").strip(),
                summary=_text(form.summary.data), candidates=form.candidates.data,
                concerned=[SupervisionUnit(unit=u, position=i, result=results.get(u),
                                           votes=int(votes[u]) if u in votes else None)
                           for i, u in enumerate(concerned)])
            db.session.add(supervision)
            give_web_ref(supervision)
            audit("create", "supervision", supervision.ref,
                  f"{supervision.date.isoformat()} {supervision.kind.label}：{supervision.title}；"
                  f"单位：{'、'.join(u.name for u in concerned)}"
                  + (f"；得票：{_pairs_text(votes)}" if votes else "")
                  + (f"；满意率：{_pairs_text(results)}" if results else ""))
            db.session.commit()
            flash(f"已保存“{supervision.title}”（编号 {supervision.ref}）。")
            return see_other(url_for("supervision_staff.new_commitment", ref_value=supervision.ref))
        status = 400
    return render("supervision/staff_supervision_form.html", form=form, status=status)


@bp.route("/supervisions/<ref_value>/commitments/new", methods=["GET", "POST"])
@editor
def new_commitment(ref_value: str) -> Response:
    """A unit's commitment after the supervision; the supervision's commitments so far beneath the form."""
    supervision = _supervision(ref_value)
    form = CommitmentForm()
    form.unit.choices = [SelectChoice(u.slug, u.name) for u in supervision.units]
    status = 200
    if request.method == "POST":
        unit = form.check(supervision)
        if unit is not None:
            commitment = Commitment(supervision=supervision, unit=unit, text=_text(form.text.data),
                                    due_on=form.due_on.data)
            db.session.add(commitment)
            give_web_ref(commitment)
            audit("create", "commitment", commitment.ref,
                  f"{supervision.title}：{unit.name}承诺{commitment.text}，期限 {commitment.due_on.isoformat()}")
            db.session.commit()
            flash(f"已添加{unit.name}的整改承诺（编号 {commitment.ref}）。")
            return see_other(url_for("supervision_staff.new_commitment", ref_value=supervision.ref))
        status = 400
    return render("supervision/staff_commitment_form.html", form=form, supervision=supervision,
                  is_web_row=is_web_row, status=status)


@bp.route("/commitments/<ref_value>/revisit", methods=["GET", "POST"])
@editor
def revisit(ref_value: str) -> Response:
    """The committee's later check of a commitment (回头看), and the date it was done."""
    commitment = db.session.scalars(
        select(Commitment).where(Commitment.ref == ref_value[:80])
        .options(joinedload(Commitment.unit),
                 joinedload(Commitment.supervision).selectinload(Supervision.concerned)
                 .joinedload(SupervisionUnit.unit))
    ).first()
    if commitment is None:
        abort(404)
    if not is_web_row(commitment):
        if request.method == "POST":
            _refuse(FILE_ROW_NOTE)
        return render("supervision/staff_revisit_form.html", form=None, commitment=commitment, note=FILE_ROW_NOTE)
    form = RevisitForm(data={"revisit_on": commitment.revisit_on, "revisit_note": commitment.revisit_note,
                             "done_on": commitment.done_on} if request.method == "GET" else None)
    status = 200
    if request.method == "POST":
        if form.check(commitment):
            commitment.revisit_on, commitment.done_on = form.revisit_on.data, form.done_on.data
            commitment.revisit_note = _text(form.revisit_note.data)
            audit("commitment.revisit", "commitment", commitment.ref,
                  f"{commitment.unit.name}：回头看 {commitment.revisit_on or '未填写'}"
                  + (f"，{commitment.revisit_note}" if commitment.revisit_note else "")
                  + (f"；完成 {commitment.done_on}" if commitment.done_on else ""))
            db.session.commit()
            flash(f"已记录{commitment.unit.name}整改承诺的回头看。")
            return see_other(url_for("supervision_staff.new_commitment", ref_value=commitment.supervision.ref))
        status = 400
    return render("supervision/staff_revisit_form.html", form=form, commitment=commitment, status=status)


add_staff_link("supervision_staff.supervisions", "监督事项", Role.EDITOR)

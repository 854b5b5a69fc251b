"""What liaison staff do with the opinions routed to their group: accept, forward, decline, reply, close."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from wtforms.fields.choices import SelectChoice

from ..db import db, utcnow
from ..proposals.models import Unit
from ..staff.access import add_staff_link, audit, role_required
from ..staff.forms import ConfirmForm
from ..staff.models import Role
from ..web import paginate, params, render, see_other
from .forms import ActionForm, DeclineForm, ForwardForm, PublishForm, ReplyForm
from .models import (
    DECLINE_REASONS,
    NEXT_STATUSES,
    Opinion,
    OpinionEvent,
    OpinionStatus,
    format_code,
    is_overdue,
    overdue_condition,
)

bp = Blueprint("opinions_staff", __name__, url_prefix="/staff")

liaison_or_admin = role_required(Role.LIAISON)


def opinion_for_staff(opinion_id: int) -> Opinion:
    """The opinion, if the signed-in staff member may handle it; 404 otherwise, so ids cannot be probed."""
    opinion = db.session.scalars(
        select(Opinion).where(Opinion.id == opinion_id)
        .options(joinedload(Opinion.community), joinedload(Opinion.group), joinedload(Opinion.unit),
                 selectinload(Opinion.events).joinedload(OpinionEvent.staff))
    ).first()
    if opinion is None or (current_user.role is not Role.ADMIN and opinion.group_id != current_user.group_id):
        abort(404)
    return opinion


@bp.get("/opinions")
@liaison_or_admin
def queue() -> Response:
    statement = (select(Opinion).options(joinedload(Opinion.community), joinedload(Opinion.group))
                 .order_by(Opinion.submitted_at.desc()))
    notices = []
    if current_user.role is not Role.ADMIN:
        statement = statement.where(Opinion.group_id == current_user.group_id)
    status = request.args.get("status", "")
    if status:
        try:
            statement = statement.where(Opinion.status == OpinionStatus.parse(status))
        except ValueError:
            notices.append("状态筛选无效，已忽略。")
            status = ""
    reader = params()
    overdue = reader.flag("overdue", "“超期”筛选无效，已忽略。")
    notices += reader.notices
    if overdue:
        statement = statement.where(overdue_condition())
    return render("opinions/staff_queue.html", pager=paginate(statement), status_filter=status, overdue=overdue,
                  notices=notices, is_overdue=is_overdue, format_code=format_code)


def _unit_choices() -> list[SelectChoice]:
    units = db.session.scalars(select(Unit).order_by(Unit.name))
    return [SelectChoice("", "请选择")] + [SelectChoice(u.slug, u.name) for u in units]


def _forms(opinion: Opinion, **bound: FlaskForm) -> dict[str, FlaskForm]:
    forms: dict[str, FlaskForm] = {
        "accept": ActionForm(formdata=None, prefix="accept"),
        "forward": ForwardForm(formdata=None, prefix="forward"),
        "decline": DeclineForm(formdata=None, prefix="decline"),
        "reply": ReplyForm(formdata=None, prefix="reply", public_reply=opinion.public_reply),
        "close": ActionForm(formdata=None, prefix="close"),
        "publish": PublishForm(formdata=None, prefix="publish", public_text=opinion.public_text),
        "reveal": ConfirmForm(formdata=None, prefix="reveal"),
    }
    forms.update(bound)
    forms["forward"].unit.choices = _unit_choices()
    return forms


@bp.get("/opinions/<int:opinion_id>")
@liaison_or_admin
def detail(opinion_id: int) -> Response:
    return _detail_page(opinion_for_staff(opinion_id))


@bp.post("/opinions/<int:opinion_id>/reveal")
@liaison_or_admin
def reveal(opinion_id: int) -> Response:
    """The page with the resident's full name and phone. A POST with the form's token, so that only the staff
    member's own click (never a link on another site) shows them, and records that they looked."""
    opinion = opinion_for_staff(opinion_id)
    if not ConfirmForm(prefix="reveal").validate_on_submit():
        return _detail_page(opinion, status=400, error="页面已过期，请刷新后再点“查看完整联系方式”。")
    audit("view_personal", "opinion", format_code(opinion.code))
    db.session.commit()
    response = _detail_page(opinion, reveal=True)
    response.headers["Cache-Control"] = "no-store"  # not kept in the browser's history or cache
    return response


def _detail_page(opinion: Opinion, reveal: bool = False, status: int = 200, error: str | None = None,
                 **bound: FlaskForm) -> Response:
    return render("opinions/staff_detail.html", opinion=opinion, reveal=reveal, forms=_forms(opinion, **bound),
                  allowed=NEXT_STATUSES[opinion.status], overdue=is_overdue(opinion), format_code=format_code,
                  error=error, status=status)


def _advance(opinion: Opinion, status: OpinionStatus, note: str = "") -> None:
    opinion.status = status
    opinion.events.append(OpinionEvent(status=status, at=utcnow(), staff_id=current_user.id, note=note or ""))
    if status in (OpinionStatus.CLOSED, OpinionStatus.DECLINED):
        opinion.closed_at = utcnow()
    audit(status.value, "opinion", format_code(opinion.code), note[:200] if note else "")


ACTIONS: dict[str, tuple[OpinionStatus | None, type[FlaskForm]]] = {
    "accept": (OpinionStatus.ACCEPTED, ActionForm),
    "forward": (OpinionStatus.FORWARDED, ForwardForm),
    "decline": (OpinionStatus.DECLINED, DeclineForm),
    "reply": (OpinionStatus.REPLIED, ReplyForm),
    "close": (OpinionStatus.CLOSED, ActionForm),
    "publish": (None, PublishForm),
}


@bp.post("/opinions/<int:opinion_id>/<any(accept, forward, decline, reply, close, publish):action>")
@liaison_or_admin
def act(opinion_id: int, action: str) -> Response:
    opinion = opinion_for_staff(opinion_id)
    target, form_class = ACTIONS[action]
    form = form_class(prefix=action)
    if action == "forward":
        form.unit.choices = _unit_choices()
    if target is not None and target not in NEXT_STATUSES[opinion.status]:
        return _detail_page(opinion, status=400,
                            error=f"意见当前为“{opinion.status.label}”，不能{target.label.removeprefix('已')}。")
    if action == "publish" and not opinion.consent_publish:
        return _detail_page(opinion, status=400, error="提交人没有同意公开，不能公开这条意见。")
    if not form.validate_on_submit():
        return _detail_page(opinion, status=400, error="请修改下方标出的内容后再提交。", **{action: form})

    note = getattr(form, "note", None)
    note_text = note.data if note is not None and note.data else ""
    if action == "forward":
        unit = db.session.scalars(select(Unit).where(Unit.slug == form.unit.data)).first()
        if unit is None:
            form.unit.errors = ["请选择列表中的单位"]
            return _detail_page(opinion, status=400, error="请修改下方标出的内容后再提交。", forward=form)
        opinion.unit = unit
        note_text = f"交办：{unit.name}" + (f"。{note_text}" if note_text else "")
    elif action == "decline":
        reason = form.reason.data
        explanation = form.explanation.data or ""
        opinion.public_reply = explanation if reason == "other" else DECLINE_REASONS[reason]
        note_text = note_text or reason
    elif action == "reply":
        opinion.public_reply = form.public_reply.data
    elif action == "publish":
        opinion.public_text = form.public_text.data or ""
        audit("publish" if opinion.public_text else "unpublish", "opinion", format_code(opinion.code))
    if target is not None:
        _advance(opinion, target, note_text)
    db.session.commit()
    flash({"accept": "已受理。", "forward": "已交办。", "decline": "已不予受理，理由会告知群众。", "reply": "已答复。",
           "close": "已办结。", "publish": "已更新公开文本。"}[action])
    return see_other(url_for("opinions_staff.detail", opinion_id=opinion.id))


add_staff_link("opinions_staff.queue", "群众意见", Role.LIAISON)

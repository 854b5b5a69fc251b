"""What liaison staff do with the opinions routed to their group: accept, forward, decline, reply, close; record
one that came by letter, phone, visit or at a reception; link it to the suggestion a deputy raised from it."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from wtforms.fields.choices import SelectChoice

from ..areas.models import Community
from ..db import db, utcnow
from ..notify.alerts import opinion_arrived
from ..notify.outbox import Settings, opinion_answered
from ..proposals.models import Unit
from ..staff.access import add_staff_link, audit, role_required
from ..staff.forms import ConfirmForm
from ..staff.models import Role
from ..stations.models import Reception, Station
from ..stations.params import station_filter
from ..web import paginate, params, render, see_other, weekday
from .forms import ActionForm, DeclineForm, ForwardForm, ProposalLinkForm, PublishForm, RecordedOpinionForm, ReplyForm
from .models import (
    DECLINE_REASONS,
    NEXT_STATUSES,
    Opinion,
    OpinionCategory,
    OpinionEvent,
    OpinionSource,
    OpinionStatus,
    check_opinion_source,
    commit_new_opinion,
    format_code,
    is_overdue,
    overdue_condition,
    overdue_limits,
)
from .queries import held_receptions, proposal_by_number

bp = Blueprint("opinions_staff", __name__, url_prefix="/staff")

# Liaisons handle their group's opinions; editors, for the standing committee's office, the comments on projects.
liaison_or_admin = role_required(Role.LIAISON, Role.EDITOR)


def opinion_for_staff(opinion_id: int) -> Opinion:
    """The opinion, if the signed-in staff member may handle it; 404 otherwise, so ids cannot be probed."""
    opinion = db.session.scalars(
        select(Opinion).where(Opinion.id == opinion_id)
        .options(joinedload(Opinion.community), joinedload(Opinion.group), joinedload(Opinion.unit),
                 joinedload(Opinion.reception).joinedload(Reception.station), joinedload(Opinion.proposal),
                 selectinload(Opinion.events).joinedload(OpinionEvent.staff))
    ).first()
    if opinion is None or not handles(opinion):
        abort(404)
    return opinion


def handles(opinion: Opinion) -> bool:
    """Whether the signed-in staff member handles `opinion`: an admin, or a liaison of the group it reached."""
    if current_user.role is Role.ADMIN:
        return True
    if current_user.role is Role.EDITOR:  # the standing committee's office: the comments on projects
        return opinion.group_id is None and opinion.project_id is not None
    return current_user.role is Role.LIAISON and opinion.group_id == current_user.group_id


@bp.get("/opinions")
@liaison_or_admin
def queue() -> Response:
    statement = (select(Opinion).options(joinedload(Opinion.community), joinedload(Opinion.group))
                 .order_by(Opinion.submitted_at.desc()))
    notices = []
    if current_user.role is Role.EDITOR:
        statement = statement.where(Opinion.group_id.is_(None), Opinion.project_id.is_not(None))
    elif current_user.role is not Role.ADMIN:
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
    forms["link"] = ProposalLinkForm(formdata=None, prefix="link",
                                     number=opinion.proposal.number if opinion.proposal else None)
    forms["unlink"] = ConfirmForm(formdata=None, prefix="unlink")
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
        if target in (OpinionStatus.REPLIED, OpinionStatus.DECLINED):
            opinion_answered(Settings.of(current_app.config), opinion, opinion.events[-1])
    db.session.commit()
    flash({"accept": "已受理。", "forward": "已交办。", "decline": "已不予受理，理由会告知群众。", "reply": "已答复。",
           "close": "已办结。", "publish": "已更新公开文本。"}[action])
    return see_other(url_for("opinions_staff.detail", opinion_id=opinion.id))


# --- the suggestion raised from an opinion -------------------------------------------------------------------

@bp.post("/opinions/<int:opinion_id>/proposal")
@liaison_or_admin
def link_proposal(opinion_id: int) -> Response:
    """Link the opinion to the suggestion (or motion) a deputy raised from it, named by its number."""
    opinion = opinion_for_staff(opinion_id)
    form = ProposalLinkForm(prefix="link")
    if not form.validate_on_submit():
        return _detail_page(opinion, status=400, error="请修改下方标出的内容后再提交。", link=form)
    proposal = proposal_by_number(form.number.data)
    if proposal is None:
        form.number.errors = [f"没有编号为“{form.number.data}”的议案建议，请检查编号"]
        return _detail_page(opinion, status=400, error="请修改下方标出的内容后再提交。", link=form)
    if opinion.proposal_id != proposal.id:
        opinion.proposal = proposal
        audit("link_proposal", "opinion", format_code(opinion.code), proposal.number)
        db.session.commit()
    flash(f"已关联{proposal.kind.label} {proposal.number}：{proposal.title}。")
    return see_other(url_for("opinions_staff.detail", opinion_id=opinion.id))


@bp.post("/opinions/<int:opinion_id>/proposal/unlink")
@liaison_or_admin
def unlink_proposal(opinion_id: int) -> Response:
    opinion = opinion_for_staff(opinion_id)
    if not ConfirmForm(prefix="unlink").validate_on_submit():
        return _detail_page(opinion, status=400, error="页面已过期，请刷新后再操作。")
    if opinion.proposal is not None:
        audit("unlink_proposal", "opinion", format_code(opinion.code), opinion.proposal.number)
        opinion.proposal = None
        db.session.commit()
        flash("已取消关联。")
    return see_other(url_for("opinions_staff.detail", opinion_id=opinion.id))


# --- opinions received offline: recorded by staff ----------------------------------------------------------

# Liaisons record for their own group; the standing committee's staff (editors, admins) for any.
recorders = role_required(Role.LIAISON, Role.EDITOR)


def _recording_station() -> tuple[Station | None, str | None]:
    """The station whose held receptions the form offers: a liaison's group's; for editors and admins the one
    they pick (`?station=`, none until they do)."""
    if current_user.role is Role.LIAISON:
        return current_user.group.station, None
    return station_filter()


def _reception_label(reception: Reception) -> str:
    words = f"{reception.date.isoformat()} {weekday(reception.date)}"
    if reception.topic:
        words += f" · {reception.topic}"
    if reception.voters is not None:
        words += f"（接待选民 {reception.voters} 人次）"
    return words


def _record_page(form: RecordedOpinionForm, station: Station | None, notice: str | None,
                 status: int = 200) -> Response:
    stations = (db.session.scalars(select(Station).order_by(Station.slug)).all()
                if current_user.role is not Role.LIAISON else [])
    return render("opinions/staff_record.html", form=form, station=station, stations=stations, notice=notice,
                  status=status)


def _check_recorded(form: RecordedOpinionForm, receptions: dict[str, Reception]
                    ) -> tuple[Community, OpinionSource, Reception | None] | None:
    """The form's fields, how the opinion came (models.check_opinion_source) and, for a liaison, that it is
    their group's; each refusal beside its field. None when anything is refused."""
    valid = form.validate_on_submit()
    community = form.community_found
    source = OpinionSource(form.source.data) if not form.source.errors else None
    reception = receptions.get(form.reception.data or "") if not form.reception.errors else None
    if source is not None and not form.reception.errors:
        for problem in check_opinion_source(source, reception):
            form[problem.field].errors = [*form[problem.field].errors, problem.message]
    if community is not None and current_user.role is Role.LIAISON:
        group = community.district.group
        if group.id != current_user.group_id:
            form.community.errors = [*form.community.errors, f"{community.name}的意见转交{group.name}，不属于"
                                     f"您所在的{current_user.group.name}。请交给该小组的联络员或区人大常委会工作人员登记"]
    if not valid or form.errors or community is None or source is None:
        return None
    return community, source, reception


@bp.route("/opinions/new", methods=["GET", "POST"])
@recorders
def record() -> Response:
    """Record an opinion received at a reception, by letter, by phone or in person. It enters the queue as one
    sent online would: the same keys, routing and first status (已提交), the staff member named on that step,
    so that accepting it stays the group's own decision and the overdue rule counts from now."""
    station, notice = _recording_station()
    receptions = {r.ref: r for r in held_receptions(station)} if station is not None else {}
    form = RecordedOpinionForm()
    form.reception.choices = [SelectChoice("", "请选择" if receptions else "（未选联络站或没有已举行的接待日）")] + [
        SelectChoice(ref_value, _reception_label(r)) for ref_value, r in receptions.items()]
    if request.method == "GET":
        return _record_page(form, station, notice)
    checked = _check_recorded(form, receptions)
    if checked is None:
        return _record_page(form, station, notice, status=400)
    community, source, reception = checked
    group = community.district.group
    now = utcnow()
    how = source.label + (f"（{reception.date.isoformat()} {reception.station.name}接待日）" if reception else "")
    opinion = Opinion(
        community=community, group=group, category=OpinionCategory(form.category.data), subject=form.subject.data,
        body=form.body.data, name=form.name.data or None, phone=form.phone.data or None,
        consent_publish=form.consent_publish.data, source=source, reception=reception,
        status=OpinionStatus.SUBMITTED, submitted_at=now,
    )
    opinion.events.append(OpinionEvent(status=OpinionStatus.SUBMITTED, at=now, staff_id=current_user.id,
                                       note=f"由{current_user.role.label}代为登记，来源：{how}"))

    settings = Settings.of(current_app.config)

    def audited(recorded: Opinion) -> None:
        detail = f"{source.value} {reception.ref}" if reception else source.value
        audit("record", "opinion", format_code(recorded.code), detail)
        opinion_arrived(settings, recorded)  # the queue's staff hear of it as of one sent online

    if not commit_new_opinion(opinion, audited):
        abort(503)
    return see_other(url_for("opinions_staff.receipt", opinion_id=opinion.id))


@bp.get("/opinions/<int:opinion_id>/receipt")
@recorders
def receipt(opinion_id: int) -> Response:
    """The receipt to hand the resident, with the tracking code; printed, only the receipt is kept. The staff
    member who recorded the opinion sees it, as do those who handle it. An opinion sent online has none here:
    its resident had the receipt on the screen."""
    opinion = db.session.scalars(
        select(Opinion).where(Opinion.id == opinion_id, Opinion.source != OpinionSource.ONLINE)
        .options(joinedload(Opinion.group), selectinload(Opinion.events))
    ).first()
    recorded_by = opinion.events[0].staff_id if opinion is not None and opinion.events else None
    if opinion is None or not (handles(opinion) or recorded_by == current_user.id):
        abort(404)
    response = render("opinions/staff_receipt.html", opinion=opinion, code=format_code(opinion.code),
                      limits=overdue_limits(), may_handle=handles(opinion))
    response.headers["Cache-Control"] = "no-store"  # the resident's secret: not kept in the browser's cache
    return response


add_staff_link("opinions_staff.queue", "群众意见", Role.LIAISON, Role.EDITOR)
add_staff_link("opinions_staff.record", "登记来信来访", Role.LIAISON, Role.EDITOR)

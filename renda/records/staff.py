"""Deputies report their duties from a phone; editors confirm each report, or return it with a reason; editors read
the year's table of every deputy, item by item, and its CSV.

A deputy's pages speak for the deputy of the account signed in, never for another (admins included: they do not
report for a deputy). An entry is public only once confirmed; its photo too.
"""

from __future__ import annotations

from typing import Any, NoReturn

from flask import Blueprint, Response, abort, flash, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import FileStorage

from .. import clock
from ..db import db, give_web_ref, utcnow
from ..deputies.models import DeputyStatus
from ..problems import Problem
from ..staff.access import add_staff_link, audit, role_required
from ..staff.forms import ConfirmForm
from ..staff.models import Role
from ..web import accepts_upload, csv_body, error_response, paginate, params, render, see_other, year_param
from .forms import DutyForm, ReturnForm
from .models import DUTY_LIMITS, DutyEntry, DutyItem, DutyPhoto, DutyStatus
from .photos import MAX_PHOTO_BYTES, receive_photo
from .queries import YearRow, scoring, year_table
from .review import entries_of, waiting_entries

bp = Blueprint("records_staff", __name__, url_prefix="/staff")

deputy_only = role_required(Role.DEPUTY, admins=False)
editors = role_required(Role.EDITOR)

# A request to the report form may carry a photo over its 5 MB: it still arrives, and is refused beside its field
# with everything else kept. Only a body past this gets the 413 page.
REPORT_UPLOAD_LIMIT = 3 * MAX_PHOTO_BYTES
TOO_LARGE_MESSAGE = (f"提交的内容太大：照片不能超过 {MAX_PHOTO_BYTES // (1024 * 1024)} MB。请返回上一页，"
                     "换一张较小的照片（或不传照片）再提交。")
# Parameters that would name whose duty it is; the deputy is always the account's own.
DEPUTY_PARAMETERS = ("deputy", "deputy_id", "deputy_slug")


def _refuse(message: str) -> NoReturn:
    abort(error_response(403, message))


def _refuse_other_deputy() -> None:
    """A post or link naming a deputy other than the account's own is refused (403), not quietly rewritten."""
    own = current_user.deputy
    for name in DEPUTY_PARAMETERS:
        for value in request.values.getlist(name):
            if value.strip() not in (own.slug, str(own.id)):
                _refuse(f"您的账号只能登记{own.name}代表本人的履职情况，不能为其他代表登记。")


@bp.errorhandler(413)
def too_large(error: Exception) -> Response:
    return error_response(413, TOO_LARGE_MESSAGE)


def _own_entry(entry_id: int) -> DutyEntry:
    entry = db.session.scalars(select(DutyEntry).where(DutyEntry.id == entry_id)
                               .options(joinedload(DutyEntry.deputy))).first()
    if entry is None:
        abort(404)
    if entry.deputy_id != current_user.deputy_id:
        _refuse("这条履职登记不是您本人的，您不能查看或修改。")
    return entry


@bp.get("/duties")
@deputy_only
def my_duties() -> Response:
    """The deputy's own entries, the newest first: waiting, confirmed, or returned with the editor's reason."""
    _refuse_other_deputy()
    return render("records/staff_duties.html", deputy=current_user.deputy,
                  pager=paginate(entries_of(current_user.deputy_id)))


def _photo_sent() -> FileStorage | None:
    photo = request.files.get("photo")
    return photo if photo is not None and photo.filename else None


def _save(form: DutyForm, entry: DutyEntry | None) -> Response:
    """Show the form, or store the entry (and its photo) with its audit entry and go back to the list; 400 with
    every refusal beside its field, every text kept, and nothing stored."""
    status = 200
    photo_sent = _photo_sent()
    if form.is_submitted():
        received = receive_photo(photo_sent.stream) if photo_sent is not None else None
        problem = received if isinstance(received, Problem) else None
        if form.check(clock.today(), problem):
            item, date, title, place, note = form.values()
            assert item is not None and date is not None  # form.check refuses their absence
            deputy = current_user.deputy
            action = "reported" if entry is None else "resubmitted"
            if entry is None:
                entry = DutyEntry(deputy_id=deputy.id)
                db.session.add(entry)
            entry.item, entry.date, entry.title, entry.place, entry.note = item, date, title, place, note
            entry.status, entry.return_reason, entry.reviewed_at = DutyStatus.PENDING, "", None
            entry.reported_at = utcnow()
            if isinstance(received, tuple):
                data, width, height = received
                if entry.photo is None:
                    entry.photo = DutyPhoto(data=data, width=width, height=height)
                else:
                    entry.photo.data, entry.photo.width, entry.photo.height = data, width, height
            if action == "reported":
                give_web_ref(entry)
            audit(action, "duty_entry", entry.ref, f"{deputy.name} {date.isoformat()} {item.label}：{title}"
                  + ("（附照片）" if entry.photo is not None else ""))
            db.session.commit()
            flash(f"已提交“{title}”（{date.isoformat()}），等待工作人员确认；确认后才会公开。")
            return see_other(url_for("records_staff.my_duties"))
        status = 400
    return render("records/staff_duty_form.html", form=form, entry=entry, today=clock.today(),
                  limits=DUTY_LIMITS, photo_lost=photo_sent is not None and status == 400, status=status)


@bp.route("/duties/new", methods=["GET", "POST"])
@deputy_only
@accepts_upload(REPORT_UPLOAD_LIMIT)
def new_duty() -> Response:
    _refuse_other_deputy()
    form = DutyForm(data={"date": clock.today()} if request.method == "GET" else None)
    if request.method == "GET" and request.args.get("item") in {i.value for i in DutyItem}:
        form.item.data = request.args["item"]
    return _save(form, None)


@bp.route("/duties/<int:entry_id>/edit", methods=["GET", "POST"])
@deputy_only
@accepts_upload(REPORT_UPLOAD_LIMIT)
def edit_duty(entry_id: int) -> Response:
    """A returned entry, corrected and sent again: it waits for an editor once more."""
    _refuse_other_deputy()
    entry = _own_entry(entry_id)
    if entry.status is not DutyStatus.RETURNED:
        _refuse("只有被退回的履职登记可以修改后重新提交；等待确认或已确认的不能修改。")
    form = DutyForm(data={"date": entry.date, "item": entry.item.value, "title": entry.title,
                          "place": entry.place, "note": entry.note} if request.method == "GET" else None)
    return _save(form, entry)


@bp.get("/duties/review")
@editors
def review() -> Response:
    """The entries waiting for an editor, the oldest first: each with its photo, a confirm button and a return
    form."""
    return _review_page(None, None)


def _review_page(failed_id: int | None, failed: ReturnForm | None) -> Response:
    pager = paginate(waiting_entries())
    forms = {entry.id: failed if entry.id == failed_id and failed is not None
             else ReturnForm(prefix=f"return-{entry.id}", formdata=None) for entry in pager.items}
    return render("records/staff_review.html", pager=pager, return_forms=forms, confirm=ConfirmForm(),
                  failed=failed, status=400 if failed is not None else 200)


def _waiting(entry_id: int) -> DutyEntry | None:
    """The entry to review; None (with a message) when another editor handled it already."""
    entry = db.session.scalars(select(DutyEntry).where(DutyEntry.id == entry_id)
                               .options(joinedload(DutyEntry.deputy))).first()
    if entry is None:
        abort(404)
    if entry.status is not DutyStatus.PENDING:
        flash(f"“{entry.title}”已经{entry.status.label}，无需再处理。")
        return None
    return entry


@bp.post("/duties/<int:entry_id>/confirm")
@editors
def confirm(entry_id: int) -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    entry = _waiting(entry_id)
    if entry is not None:
        entry.status, entry.reviewed_at = DutyStatus.CONFIRMED, utcnow()
        audit("confirmed", "duty_entry", entry.ref, f"{entry.deputy.name} {entry.date.isoformat()} "
              f"{entry.item.label}：{entry.title}")
        db.session.commit()
        flash(f"已确认{entry.deputy.name}代表的“{entry.title}”，已在其履职档案中公开。")
    return see_other(url_for("records_staff.review"))


@bp.post("/duties/<int:entry_id>/return")
@editors
def return_entry(entry_id: int) -> Response:
    form = ReturnForm(prefix=f"return-{entry_id}")
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        db.get_or_404(DutyEntry, entry_id)
        return _review_page(entry_id, form)
    entry = _waiting(entry_id)
    if entry is not None:
        reason = (form.reason.data or "").replace("\r\n", "\n").strip()
        entry.status, entry.return_reason, entry.reviewed_at = DutyStatus.RETURNED, reason, utcnow()
        audit("returned", "duty_entry", entry.ref, f"{entry.deputy.name} {entry.date.isoformat()} "
              f"{entry.item.label}：{entry.title}；退回原因：{reason}")
        db.session.commit()
        flash(f"已将{entry.deputy.name}代表的“{entry.title}”退回，代表会看到退回原因。")
    return see_other(url_for("records_staff.review"))


@bp.get("/duties/<int:entry_id>/photo")
@role_required(Role.EDITOR, Role.DEPUTY)
def photo(entry_id: int) -> Response:
    """An entry's photo, whatever its status, for editors and the entry's own deputy only (never cached)."""
    entry = db.session.scalars(select(DutyEntry).where(DutyEntry.id == entry_id)
                               .options(joinedload(DutyEntry.photo))).first()
    if entry is None or entry.photo is None:
        abort(404)
    if current_user.role is Role.DEPUTY and entry.deputy_id != current_user.deputy_id:
        _refuse("这张照片不属于您本人的履职登记。")
    response = Response(entry.photo.data, mimetype="image/jpeg")
    response.cache_control.private = True
    response.cache_control.no_store = True
    return response



# /staff/records.csv (CONTRACT.md): the deputy, the twelve item counts, the score (empty where nothing is scored).
RECORD_COLUMNS = ("slug", "name", "level", *(item.value for item in DutyItem), "score")


# The table's column heads: the twelve items in two or three characters (the full label is the head's title).
SHORT_LABELS = {
    DutyItem.CONGRESS: "大会", DutyItem.COMMITTEE_SITTING: "列席", DutyItem.GROUP_ACTIVITY: "小组活动",
    DutyItem.RECEPTION: "接待", DutyItem.PROPOSAL_LEAD: "领衔", DutyItem.PROPOSAL_COSIGN: "附议",
    DutyItem.REPORT_BACK: "述职", DutyItem.TRAINING: "培训", DutyItem.INSPECTION: "视察",
    DutyItem.VOTER_CONTACT: "走访", DutyItem.RESEARCH: "调研", DutyItem.SERVICE: "其他",
}


def row_json(row: YearRow) -> dict[str, Any]:
    return {"slug": row.deputy.slug, "name": row.deputy.name, "level": row.deputy.level.value,
            **{item.value: row.counts[item] for item in DutyItem}, "score": row.score}


@bp.get("/records")
@editors
def records() -> Response:
    """Every deputy's year, item by item, with the score and the gaps editors look at before re-nomination."""
    year = year_param()
    only_gaps = params().text("gaps", 1) == "1"
    rows = [r for r in year_table(year, clock.today()) if r.deputy.status is DeputyStatus.ACTIVE or not only_gaps]
    gaps = sum(1 for r in rows if r.missing and r.deputy.status is DeputyStatus.ACTIVE)
    shown = [r for r in rows if r.missing] if only_gaps else rows
    return render("records/staff_records.html", rows=shown, year=year, items=list(DutyItem), rule=scoring(),
                  notices=params().notices, gaps=gaps, only_gaps=only_gaps, short_labels=SHORT_LABELS,
                  years=list(range(clock.last_year(), clock.FIRST_YEAR - 1, -1))[:8])


@bp.get("/records.csv")
@editors
def records_csv() -> Response:
    year = year_param()
    response = Response(csv_body(RECORD_COLUMNS, [row_json(r) for r in year_table(year, clock.today())]),
                        mimetype="text/csv")
    response.headers["Content-Disposition"] = f"attachment; filename=records-{year}.csv"
    return response


add_staff_link("records_staff.my_duties", "我的履职登记", Role.DEPUTY)
add_staff_link("records_staff.review", "履职登记审核", Role.EDITOR)
add_staff_link("records_staff.records", "代表履职档案", Role.EDITOR)

"""What residents do: send an opinion, get a receipt, track it, rate the reply; the public board."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, request, url_for
from flask_babel import gettext
from flask_limiter import RequestLimit
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..areas.models import Community, ElectoralDistrict
from ..areas.queries import community_label, find_community, search_communities
from ..cache import cached_only_when, never_cached, public
from ..clock import TZ
from ..db import db, utcnow
from ..deputies.models import DeputyGroup
from ..extensions import csrf, limiter
from ..i18n import language
from ..notify.alerts import opinion_arrived
from ..notify.models import Channel
from ..notify.outbox import Settings, send_codes_again, stop_notifying
from ..refs import ref
from ..staff.forms import ConfirmForm
from ..stations.models import Reception, Station
from ..web import (
    BadParameter,
    Format,
    ListData,
    Page,
    Refusal,
    answer_format,
    count_against,
    is_cross_site,
    paginate,
    params,
    render,
    see_other,
    twins,
)
from .forms import MOBILE, PHONE_MESSAGE, OpinionForm, RatingForm
from .models import (
    ANSWERED_STATUSES,
    Opinion,
    OpinionCategory,
    OpinionEvent,
    OpinionStatus,
    commit_new_opinion,
    format_code,
    new_code,
    opinion_by_code,
    overdue_limits,
    routed_to,
    satisfaction_by_group,
)
from .queries import on_board, reception_by_ref

bp = public(Blueprint("opinions", __name__))

SUGGESTIONS = 10


@bp.get("/opinions/new")
def new() -> Response:
    """The form, pre-filled from `?community=` (code or name: a community found is shown by its name) and
    `?station=` (the station's communities are offered; the only one is filled in)."""
    given = request.args.get("community", "").strip()[:100]
    station = db.session.scalars(
        select(Station).where(Station.slug == request.args.get("station", "").strip()[:80])
        .options(selectinload(Station.groups).selectinload(DeputyGroup.districts)
                 .selectinload(ElectoralDistrict.communities).joinedload(Community.town))
    ).first() if request.args.get("station") else None
    offered = sorted((c for g in station.groups for d in g.districts for c in d.communities),
                     key=lambda c: c.code) if station else []
    community = find_community(given, suggest=False).community if given else None
    if community is None and len(offered) == 1:
        community = offered[0]
    shown = community_label(community) if community else given
    form = OpinionForm(formdata=None, data={"community": shown})
    candidates = form.offer_projects()
    wanted = request.args.get("project", "").strip()[:80]
    chosen = next((p for p in candidates if p.slug == wanted), None)
    if chosen is not None:
        form.project.data = chosen.slug
    return render("opinions/new.html", form=form, route=_route_for(shown), station=station, offered=offered,
                  community_label=community_label, candidates=candidates, chosen=chosen,
                  project_unknown=bool(wanted) and chosen is None)


def _form_again(form: OpinionForm, refusal: Refusal, message: str, route: dict[str, object] | None) -> Response:
    """A refused opinion: the form again with everything typed, and when it can be sent."""
    return refusal.answer(render("opinions/new.html", form=form, route=route, refused=message,
                                 candidates=form.offer_projects(), chosen=form.project_found))


def _posts_refused(limit: RequestLimit) -> Response | None:
    """The bound on every post from one address was reached: the form comes back filled in, not lost."""
    if is_cross_site():
        return None  # the plain 429 page: no form to give back filled in by another site
    refusal = Refusal(limit.limit, limit.reset_at)
    form = OpinionForm()
    message = gettext("提交的次数太多了（%(limit)s）。请在 %(when)s再提交。您填写的内容都保留在下面，不用重新填写。",
                      limit=refusal.label(), when=refusal.when())
    return _form_again(form, refusal, message, _route_for(form.community.data))


@bp.post("/opinions")
@csrf.exempt  # the form checks its own token, so that a stale page comes back with everything the resident wrote
# Every post, valid or not, counts here: a bound on what one address costs. OPINION_RATE_LIMIT counts only
# the opinions accepted (below), so that a resident's mistakes never use up what they may send.
@limiter.limit(lambda: current_app.config["OPINION_POST_LIMIT"], on_breach=_posts_refused)
def submit() -> Response:
    if is_cross_site():  # another site's page: no form to give back, or it would come back filled in by that site
        raise CSRFError("cross-site form post")
    form = OpinionForm()
    if not form.validate_on_submit():
        candidates = form.offer_projects()
        return render("opinions/new.html", form=form, route=_route_of(form.community_found), status=400,
                      candidates=candidates, chosen=form.project_found)
    community = form.community_found
    assert community is not None  # a form that validated has found its community
    # Counted before the honeypot, so that software filling it is refused as a person would be.
    refusal = count_against(current_app.config["OPINION_RATE_LIMIT"], "opinions.accepted")
    if refusal is not None:
        message = gettext("从您所在的网络提交的意见建议已达到上限（%(limit)s）。请在 %(when)s再提交。"
                          "您填写的内容都保留在下面，到时直接点“提交意见”即可。",
                          limit=refusal.label("条"), when=refusal.when())
        return _form_again(form, refusal, message, _route_of(community))
    if form.website.data:
        # Filled by software, not a person: look the same as success, keep nothing.
        group = community.district.group
        return render("opinions/receipt.html", code=format_code(new_code()), group=group, station=group.station,
                      limits=overdue_limits(), status=200)
    project = form.project_found
    opinion = Opinion(
        community=community, group=None if project else community.district.group, project=project,
        category=OpinionCategory(form.category.data),
        subject=form.subject.data, body=form.body.data, name=form.name.data or None, phone=form.phone.data,
        consent_publish=form.consent_publish.data, status=OpinionStatus.SUBMITTED, submitted_at=utcnow(),
        notify=Channel(form.notify.data) if form.notify.data else None, email=form.email_to_keep,
        lang=language(),  # the messages to the resident are written in the language of the form
    )
    opinion.events.append(OpinionEvent(status=OpinionStatus.SUBMITTED, at=opinion.submitted_at))
    settings = Settings.of(current_app.config)
    # The notices of the staff who handle its queue are committed with it, or not at all.
    if not commit_new_opinion(opinion, lambda new: opinion_arrived(settings, new)):
        abort(503)
    # Acknowledged only now, after the commit.
    return see_other(url_for("opinions.receipt", code=format_code(opinion.code)))


@bp.get("/opinions/route")
def route_preview() -> Response:
    """The htmx preview under the community field: where the opinion will go, and suggestions to pick from."""
    text = request.args.get("community", "")
    suggestions = db.session.scalars(search_communities(text, SUGGESTIONS)).all()
    return render("opinions/_route.html", route=_route_for(text), suggestions=suggestions,
                  community_label=community_label)


def _route_for(text: str | None) -> dict[str, object] | None:
    """Where an opinion about the community `text` names would go, when it names exactly one."""
    return _route_of(find_community(text, suggest=False).community if text else None)


def _route_of(community: Community | None) -> dict[str, object] | None:
    if community is None:
        return None
    group = community.district.group
    return {"community": community, "group": group, "station": group.station}


def _lookup_refused(limit: RequestLimit) -> Response | None:
    """Too many tracking-code lookups from one address: the tracking page keeps the code typed; the receipt
    and the API answer the plain 429 (page or JSON) that says when to try again."""
    if request.endpoint != "opinions.track":
        return None
    refusal = Refusal(limit.limit, limit.reset_at)
    message = gettext("查询的次数太多了（%(limit)s）。请在 %(when)s再查询。", limit=refusal.label(),
                      when=refusal.when())
    return refusal.answer(render("opinions/track.html", code=request.args.get("code", "")[:40], opinion=None,
                                 rating_form=None, error=message))


def _no_code_asked() -> bool:
    """The tracking page opened without a code: the empty form, which looks nothing up (and stays cached)."""
    return request.endpoint == "opinions.track" and not request.args.get("code")


# Lookups by tracking code, found or not, on every page and answer that takes one: enough for a person, far
# too few to try codes in bulk.
lookup_limit = limiter.shared_limit(lambda: current_app.config["OPINION_LOOKUP_LIMIT"], scope="opinion-codes",
                                    exempt_when=_no_code_asked, on_breach=_lookup_refused)


@bp.get("/opinions/receipt/<code>")
@never_cached  # the resident's own: looked up, counted and made afresh each time
@lookup_limit
def receipt(code: str) -> Response:
    opinion = opinion_by_code(code)
    if opinion is None:
        abort(404)
    return render("opinions/receipt.html", code=format_code(opinion.code), group=routed_to(opinion),
                  station=opinion.group.station if opinion.group else None, project=opinion.project,
                  limits=overdue_limits())


@bp.get("/opinions/track")
@cached_only_when(_no_code_asked)  # with a code, the resident's own: looked up, counted and made afresh each time
@lookup_limit
def track() -> Response:
    code = request.args.get("code", "")[:40]
    opinion = opinion_by_code(code) if code else None
    status = 404 if code and opinion is None else 200
    # The rating form (and so a session's CSRF token) only where it is offered: the rest can be cached.
    rating_form = RatingForm(formdata=None) if opinion is not None and can_be_rated(opinion) else None
    return render("opinions/track.html", code=code, opinion=opinion, rating_form=rating_form, status=status)


def can_be_rated(opinion: Opinion) -> bool:
    """Answered, not rated yet, and with a phone to prove it is the resident's: an opinion recorded by staff
    may have none, and one anonymised has none left."""
    return opinion.status in ANSWERED_STATUSES and opinion.rating is None and opinion.phone is not None


def _rating_refused(limit: RequestLimit) -> Response | None:
    """Too many ratings tried: the tracking page again with the choice and digits typed."""
    code = (request.view_args or {}).get("code", "")
    opinion = opinion_by_code(code)
    if opinion is None:
        return None
    refusal = Refusal(limit.limit, limit.reset_at)
    message = gettext("评价提交的次数太多了（%(limit)s）。请在 %(when)s再提交。您选择和填写的内容都保留在下面。",
                      limit=refusal.label(), when=refusal.when())
    return refusal.answer(render("opinions/track.html", code=code, opinion=opinion, rating_form=RatingForm(),
                                 error=message))


@bp.post("/opinions/track/<code>/rate")
@limiter.limit("5 per 10 minutes", on_breach=_rating_refused)  # every try counts: it guards the phone digits
def rate(code: str) -> Response:
    """The resident rates the reply, proving the opinion is theirs with the phone's last four digits."""
    opinion = opinion_by_code(code)
    if opinion is None:
        abort(404)
    form = RatingForm()
    if not can_be_rated(opinion):
        return render("opinions/track.html", code=code, opinion=opinion, rating_form=form, status=400,
                      error=gettext("这条意见现在不能评价：还没有答复，已经评价过，或没有可用于核验的手机号码。"))
    if form.validate_on_submit():
        if opinion.phone is None or opinion.phone[-4:] != form.phone_last4.data:
            form.phone_last4.errors = [gettext("手机号码后四位不正确")]
        else:
            opinion.rating = form.rating.data
            db.session.commit()
            return see_other(url_for("opinions.track", code=format_code(opinion.code)) + "#rating")
    return render("opinions/track.html", code=code, opinion=opinion, rating_form=form, status=400)


@bp.post("/opinions/codes")
@limiter.limit("3 per 10 minutes;10 per day")
@never_cached
def resend_codes() -> Response:
    """A resident who lost their codes has them sent again, only to the phone (and address) stored with them; the
    answer is the same whether or not anything was found, so the form tells nobody whose number it is."""
    phone = (request.form.get("phone") or "").strip()[:20]
    if not ConfirmForm().validate_on_submit():
        return render("opinions/track.html", code="", opinion=None, status=400, resend_phone=phone,
                      resend_error=gettext("页面已过期，请刷新后再发送。"))
    if not MOBILE.fullmatch(phone):
        return render("opinions/track.html", code="", opinion=None, status=400, resend_phone=phone,
                      resend_error=PHONE_MESSAGE)
    send_codes_again(Settings.of(current_app.config), phone, utcnow())
    db.session.commit()
    return render("opinions/track.html", code="", opinion=None, resent=True)


@bp.post("/opinions/track/<code>/stop")
@limiter.limit("10 per 10 minutes")
def stop_notices(code: str) -> Response:
    """The resident asks for no more notices: the choice and the address are forgotten, waiting messages dropped."""
    opinion = opinion_by_code(code)
    if opinion is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        return render("opinions/track.html", code=code, opinion=opinion, status=400,
                      rating_form=RatingForm(formdata=None) if can_be_rated(opinion) else None,
                      error=gettext("页面已过期，请刷新后再点“不再通知我”。"))
    stop_notifying(opinion)
    db.session.commit()
    flash(gettext("已取消答复通知：本站不会再给您发送这条意见的通知。"))
    return see_other(url_for("opinions.track", code=format_code(opinion.code)))


BOARD_COLUMNS = ("ref", "group", "community", "category", "subject", "public_text", "public_reply", "replied_on")


def replied_on(opinion: Opinion) -> str | None:
    """The day of the latest reply (an answered opinion may be answered again)."""
    days = [e.at for e in opinion.events if e.status is OpinionStatus.REPLIED]
    return max(days).astimezone(TZ).date().isoformat() if days else None


def board_item(opinion: Opinion) -> dict[str, object]:
    """An opinion on the public board: by its public ref, never its tracking code, nor the name, phone or raw body."""
    return {
        "ref": opinion.ref,
        "group": routed_to(opinion),
        "community": ref(opinion.community, key="code"),
        "category": opinion.category.value,
        "category_label": opinion.category.label,
        "subject": opinion.subject,
        "public_text": opinion.public_text,
        "public_reply": opinion.public_reply or None,
        "submitted_on": opinion.submitted_at.astimezone(TZ).date().isoformat(),
        "replied_on": replied_on(opinion),
    }


def reception_filter() -> Reception | None:
    """The board's `?reception=` (a reception's public id): the answers to what was collected there. An unknown
    one is a notice and the whole board on the page, 404 in JSON."""
    reader = params()
    key = reader.text("reception", 120)
    if not key:
        return None
    found = reception_by_ref(key)
    if found is None:
        reader.reject("reception", "没有这个接待日", gettext("没有找到这个接待日，下面是全部公开的意见。"), 404)
    return found


@twins(bp, "/opinions", "board", api="/api/v1/opinions", csv="/opinions.csv")
def board() -> Page:
    """Answered opinions whose authors consented, in the text staff wrote for the public; `?reception=` keeps
    those collected at one reception."""
    reception = reception_filter()
    statement = (
        select(Opinion)
        .where(on_board())
        .options(joinedload(Opinion.community), joinedload(Opinion.group), selectinload(Opinion.events))
        .order_by(Opinion.submitted_at.desc(), Opinion.id.desc())
    )
    if reception is not None:
        statement = statement.where(Opinion.reception_id == reception.id)
    listing = ListData(paginate(statement), board_item)
    data = {"pager": listing.pager, "reception": reception, "notices": params().notices}
    if answer_format() is Format.HTML:
        data["satisfaction"] = satisfaction_by_group()
    return Page("opinions/board.html", json=listing.as_json, columns=BOARD_COLUMNS, filename="opinions.csv",
                args={"reception": reception.ref} if reception is not None else {}, data=data)


@twins(bp, "", "detail", html=False, api="/api/v1/opinions/<code>", api_endpoint="api_detail",
       decorators=[lookup_limit])
def opinion_status(code: str) -> Page:
    """An opinion's status by its tracking code, as JSON (people use the tracking page)."""
    opinion = opinion_by_code(code)
    if opinion is None:
        raise BadParameter("code", "没有这个回执码对应的意见", 404)
    return Page("", data={}, json=lambda: public_view(opinion))


def public_view(opinion: Opinion) -> dict[str, object]:
    """What anyone holding the code may see: never the name or phone, nor the raw body (residents write their
    names, numbers and addresses into it); with consent, the subject and the redacted text staff published."""
    data: dict[str, object] = {
        "code": format_code(opinion.code),
        "status": opinion.status.value,
        "status_label": opinion.status.label,
        "group": routed_to(opinion),
        "community": ref(opinion.community, key="code"),
        "category": opinion.category.value,
        "submitted_on": opinion.submitted_at.astimezone(TZ).date().isoformat(),
        "events": [{"status": e.status.value, "date": e.at.astimezone(TZ).date().isoformat()}
                   for e in opinion.events],
        "project": ref(opinion.project, label="title"),  # the candidate project it comments on, or null
        "unit": ref(opinion.unit),  # the unit it was forwarded to (交办), or null
        "public_reply": opinion.public_reply or None,
        "rating": opinion.rating.value if opinion.rating else None,
        # The suggestion a deputy raised from it, and how far its handling has come.
        "proposal": {"number": opinion.proposal.number, "title": opinion.proposal.title,
                     "stage": opinion.proposal.stage.value} if opinion.proposal else None,
    }
    if opinion.consent_publish:
        data["subject"] = opinion.subject
        data["public_text"] = opinion.public_text or None
    return data


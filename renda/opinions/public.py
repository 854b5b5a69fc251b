"""What residents do: send an opinion, get a receipt, track it, rate the reply; the public board."""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, current_app, jsonify, redirect, request, url_for
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc, select
from sqlalchemy.orm import joinedload

from ..areas import Community, Lookup, Town, find_community, search_communities
from ..db import db, utcnow
from ..district import TZ
from ..extensions import csrf, limiter
from ..web import error_response, is_cross_site, paginate, ref, render
from .forms import OpinionForm, RatingForm
from .models import (
    Opinion,
    OpinionCategory,
    OpinionEvent,
    OpinionStatus,
    format_code,
    new_code,
    opinion_by_code,
    satisfaction_by_group,
)

bp = Blueprint("opinions", __name__)

SUGGESTIONS = 10
LABEL = re.compile(r"^(?P<name>.+?)[（(](?P<town>.+)[)）]$")


def community_for(text: str, suggest: bool = True) -> Lookup:
    """The community a resident named, as the lookup finds it; also reads the “name（town）” a suggestion fills in."""
    label = LABEL.match((text or "").strip())
    if label:
        community = db.session.scalars(
            select(Community).join(Community.town)
            .where(Community.name == label["name"].strip(), Town.name == label["town"].strip())
        ).first()
        if community is not None:
            return Lookup(query=text, community=community)
    return find_community(text or "", suggest)


def community_label(community: Community) -> str:
    """How a suggestion names a community: “name（town）”, unique even where two towns share a name."""
    return f"{community.name}（{community.town.name}）"


@bp.get("/opinions/new")
def new() -> Response:
    form = OpinionForm(formdata=None, data={"community": request.args.get("community", "")[:100]})
    return render("opinions/new.html", form=form, route=_route_for(form.community.data))


@bp.post("/opinions")
@csrf.exempt  # the form checks its own token, so that a stale page comes back with everything the resident wrote
@limiter.limit(lambda: current_app.config["OPINION_RATE_LIMIT"])
def submit() -> Response:
    if is_cross_site():  # another site's page: no form to give back, or it would come back filled in by that site
        raise CSRFError("cross-site form post")
    form = OpinionForm()
    community = lookup = None
    if form.validate_on_submit():
        lookup = community_for(form.community.data)
        community = lookup.community
        if lookup.candidates:
            names = "、".join(community_label(c) for c in lookup.candidates[:5])
            form.community.errors = [f"有多个社区或村符合，请写完整名称，例如：{names}"]
        elif community is None:
            near = "、".join(c.name for c in lookup.suggestions)
            form.community.errors = ["没有找到这个社区或村，请检查名称" + (f"。您要找的是不是：{near}？" if near else "")]
    if community is None:  # a lookup that ran has found no community to route to
        route = None if lookup else _route_for(form.community.data)
        return render("opinions/new.html", form=form, route=route, status=400)
    if form.website.data:
        # Filled by software, not a person: look the same as success, keep nothing.
        return render("opinions/receipt.html", code=format_code(new_code()), group=community.district.group,
                      station=community.district.group.station, status=200)
    opinion = Opinion(
        community=community, group=community.district.group, category=OpinionCategory(form.category.data),
        subject=form.subject.data, body=form.body.data, name=form.name.data or None, phone=form.phone.data,
        consent_publish=form.consent_publish.data, status=OpinionStatus.SUBMITTED, submitted_at=utcnow(),
    )
    opinion.events.append(OpinionEvent(status=OpinionStatus.SUBMITTED, at=opinion.submitted_at))
    for _ in range(5):  # a collision of 50-bit codes is unlikely; retry rather than fail if one happens
        opinion.code = new_code()
        db.session.add(opinion)
        try:
            db.session.commit()
            break
        except exc.IntegrityError:
            db.session.rollback()
    else:
        abort(503)
    # Acknowledged only now, after the commit.
    return redirect(url_for("opinions.receipt", code=format_code(opinion.code)), 303)


@bp.get("/opinions/route")
def route_preview() -> Response:
    """The htmx preview under the community field: where the opinion will go, and suggestions to pick from."""
    text = request.args.get("community", "")
    suggestions = db.session.scalars(search_communities(text, SUGGESTIONS)).all()
    return render("opinions/_route.html", route=_route_for(text), suggestions=suggestions,
                  community_label=community_label)


def _route_for(text: str | None) -> dict[str, object] | None:
    """Where an opinion about the community `text` names would go, when it names exactly one."""
    community = community_for(text, suggest=False).community if text else None
    if community is None:
        return None
    group = community.district.group
    return {"community": community, "group": group, "station": group.station}


@bp.get("/opinions/receipt/<code>")
def receipt(code: str) -> Response:
    opinion = opinion_by_code(code)
    if opinion is None:
        abort(404)
    return render("opinions/receipt.html", code=format_code(opinion.code), group=opinion.group,
                  station=opinion.group.station)


@bp.get("/opinions/track")
def track() -> Response:
    code = request.args.get("code", "")[:40]
    opinion = opinion_by_code(code) if code else None
    status = 404 if code and opinion is None else 200
    # The rating form (and so a session's CSRF token) only where it is offered: the rest can be cached.
    rating_form = RatingForm(formdata=None) if opinion is not None and can_be_rated(opinion) else None
    return render("opinions/track.html", code=code, opinion=opinion, rating_form=rating_form, status=status)


def can_be_rated(opinion: Opinion) -> bool:
    return opinion.status in (OpinionStatus.REPLIED, OpinionStatus.CLOSED) and opinion.rating is None


@bp.post("/opinions/track/<code>/rate")
@limiter.limit("5 per 10 minutes")
def rate(code: str) -> Response:
    """The resident rates the reply, proving the opinion is theirs with the phone's last four digits."""
    opinion = opinion_by_code(code)
    if opinion is None:
        abort(404)
    form = RatingForm()
    if not can_be_rated(opinion):
        return render("opinions/track.html", code=code, opinion=opinion, rating_form=form, status=400,
                      error="这条意见现在不能评价：还没有答复，或已经评价过。")
    if form.validate_on_submit():
        if opinion.phone is None or opinion.phone[-4:] != form.phone_last4.data:
            form.phone_last4.errors = ["手机号码后四位不正确"]
        else:
            opinion.rating = form.rating.data
            db.session.commit()
            return redirect(url_for("opinions.track", code=format_code(opinion.code)) + "#rating", 303)
    return render("opinions/track.html", code=code, opinion=opinion, rating_form=form, status=400)


@bp.get("/opinions")
def board() -> Response:
    """Answered opinions whose authors consented, in the text staff wrote for the public."""
    statement = (
        select(Opinion)
        .where(Opinion.consent_publish, Opinion.public_text != "",
               Opinion.status.in_([OpinionStatus.REPLIED, OpinionStatus.CLOSED]))
        .options(joinedload(Opinion.community), joinedload(Opinion.group))
        .order_by(Opinion.submitted_at.desc())
    )
    return render("opinions/board.html", pager=paginate(statement), satisfaction=satisfaction_by_group())


@bp.get("/api/v1/opinions/<code>")
def api_detail(code: str) -> Response:
    opinion = opinion_by_code(code)
    if opinion is None:
        return error_response(404, "没有这个回执码对应的意见")
    return jsonify(public_view(opinion))


def public_view(opinion: Opinion) -> dict[str, object]:
    """What anyone holding the code may see: never the name or phone, nor the raw body (residents write their
    names, numbers and addresses into it); with consent, the subject and the redacted text staff published."""
    data: dict[str, object] = {
        "code": format_code(opinion.code),
        "status": opinion.status.value,
        "status_label": opinion.status.label,
        "group": ref(opinion.group),
        "community": ref(opinion.community, key="code"),
        "category": opinion.category.value,
        "submitted_on": opinion.submitted_at.astimezone(TZ).date().isoformat(),
        "events": [{"status": e.status.value, "date": e.at.astimezone(TZ).date().isoformat()}
                   for e in opinion.events],
        "public_reply": opinion.public_reply or None,
        "rating": opinion.rating.value if opinion.rating else None,
    }
    if opinion.consent_publish:
        data["subject"] = opinion.subject
        data["public_text"] = opinion.public_text or None
    return data


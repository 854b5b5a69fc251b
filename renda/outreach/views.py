"""QR codes of the station pages, the deputies' pages (代表码) and the opinion form; the station's printable notice
(代表公示栏) and a deputy's printable card."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, request, url_for
from flask_babel import lazy_gettext
from sqlalchemy import select

from .. import clock
from ..areas.queries import MAX_QUERY_LENGTH, find_community
from ..cache import public
from ..db import db
from ..deputies.models import Deputy
from ..deputies.queries import deputy_or_404
from ..stations.models import RULE_HORIZON_MONTHS, ReceptionStatus, Station
from ..stations.queries import station_or_404
from ..stations.schedule import add_months, receptions_between, schedule_text, stationed_deputies
from ..web import error_response, render
from .qr import public_url, qr_svg

bp = public(Blueprint("outreach", __name__))

# What the 503 page says: the one setting that is missing, and why a guess would be worse.
NO_SITE_URL = lazy_gettext("二维码和打印公示需要本站的公开网址，但网站尚未设置。"
                           "请网站管理员在服务器上设置环境变量 SITE_URL"
                           "（本站对外的网址，例如 https://rd.example.gov.cn），重启网站后再打开本页。"
                           "未设置时不生成二维码，以免印出错误的网址。")
SLUG_LENGTH = 80


def site_url() -> str:
    """SITE_URL, or the 503 page that asks for it: a code on paper must not carry an address guessed from the
    request (a proxy's, an intranet name), which no resident could reach."""
    configured: str = current_app.config.get("SITE_URL", "")
    if not configured:
        abort(error_response(503, NO_SITE_URL))
    return configured


def svg_response(url: str) -> Response:
    response = Response(qr_svg(url), mimetype="image/svg+xml")
    response.headers["Content-Disposition"] = "inline"
    return response


def slug_exists(model: type[Station] | type[Deputy], slug: str) -> None:
    """404 unless a station or deputy has `slug` (one small query: a QR code needs only the address)."""
    if db.session.scalar(select(model.id).where(model.slug == slug[:SLUG_LENGTH])) is None:
        abort(404)


# --- QR codes ------------------------------------------------------------------------------------------------

@bp.get("/qr/stations/<slug>.svg")
def station_qr(slug: str) -> Response:
    """The QR code of a station's page."""
    base = site_url()
    slug_exists(Station, slug)
    return svg_response(public_url(base, url_for("stations.detail", slug=slug)))


@bp.get("/qr/deputies/<slug>.svg")
def deputy_qr(slug: str) -> Response:
    """代表码: the QR code of a deputy's page."""
    base = site_url()
    slug_exists(Deputy, slug)
    return svg_response(public_url(base, url_for("deputies.detail", slug=slug)))


def opinion_form_path() -> str:
    """The opinion form's path pre-filled as `?community=` (a code or name of one community) or `?station=` (a
    station's slug) ask: 400 for both at once or for a value longer than any key or name, 404 when it names none."""
    community, station = request.args.get("community", "").strip(), request.args.get("station", "").strip()
    if community and station:
        abort(error_response(400, "请只给出 community（社区）或 station（联络站）中的一个。"))
    if len(community) > MAX_QUERY_LENGTH or len(station) > SLUG_LENGTH:
        abort(error_response(400, "社区或联络站的名称过长。"))
    if community:
        found = find_community(community, suggest=False).community
        if found is None:
            abort(error_response(404, "没有找到这个社区（村），请用社区代码或完整的名称。"))
        return url_for("opinions.new", community=found.code)
    if station:
        slug_exists(Station, station)
        return url_for("opinions.new", station=station)
    return url_for("opinions.new")


@bp.get("/qr/opinion.svg")
def opinion_qr() -> Response:
    """The QR code of the opinion form, pre-filled with a community or a station's communities."""
    base = site_url()
    return svg_response(public_url(base, opinion_form_path()))


# --- printable pages --------------------------------------------------------------------------------------------

@bp.get("/stations/<slug>/notice")
def station_notice(slug: str) -> Response:
    """代表公示栏: a station's notice for its board, A4 portrait: where and when, who is stationed, the reception
    days of the next three months with those on duty, and the codes of its page and of the opinion form."""
    base = site_url()
    station = station_or_404(slug)
    day = clock.today()
    days = receptions_between(day, add_months(day, RULE_HORIZON_MONTHS), day, station)
    station_path = url_for("stations.detail", slug=station.slug)
    form_path = url_for("opinions.new", station=station.slug)
    return render(
        "outreach/notice.html", station=station, deputies=stationed_deputies(station),
        receptions=[d for d in days if d.status is not ReceptionStatus.CANCELLED], schedule=schedule_text(station),
        until=add_months(day, RULE_HORIZON_MONTHS), station_url=public_url(base, station_path),
        form_url=public_url(base, form_path), printed_on=day,
    )


@bp.get("/deputies/<slug>/card")
def deputy_card(slug: str) -> Response:
    """A deputy's card with their 代表码: who they are, where they receive voters, and the code of their page."""
    base = site_url()
    deputy = deputy_or_404(slug)
    deputy_url = public_url(base, url_for("deputies.detail", slug=deputy.slug))
    return render("outreach/card.html", deputy=deputy, deputy_url=deputy_url, printed_on=clock.today())

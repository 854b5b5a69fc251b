"""How pages are answered: one render for pages and htmx fragments, security headers, error pages."""

from __future__ import annotations

import math
import time
import traceback
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, current_app, g, jsonify, render_template, request, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError
from limits import RateLimitItem, parse_many
from sqlalchemy.exc import DBAPIError, SQLAlchemyError, StatementError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter, Map

from . import assets, cache, compression
from .accesslog import redact
from .clock import TZ
from .db import Choice
from .deputies.models import ActivityKind, DeputyStatus, Gender, Level
from .district.queries import district_profile
from .extensions import limiter
from .opinions.models import OpinionCategory, OpinionStatus
from .proposals.models import ProposalKind, Result, Stage
from .ratelimits import limit_label, retry_when
from .reports.models import ReportStatus
from .staff.models import Role
from .stations.models import ReceptionStatus, StationKind
from .vocabulary import Satisfaction

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

ERROR_MESSAGES = {
    400: ("请求有误", "提交的内容不完整或格式不对，或页面已过期。请返回上一页，刷新后再试。"),
    403: ("没有权限", "您的账号无权进行此操作。如需权限，请联系系统管理员。"),
    404: ("页面不存在", "您要找的页面不存在或已被移除。请检查网址，或从首页重新查找。"),
    405: ("请求方式不被允许", "此页面不接受这种请求方式。请从页面上的链接或按钮进入。"),
    413: ("提交的内容过大", "提交的内容超过了允许的大小。请缩短内容或减小上传文件后再试。"),
    429: ("操作过于频繁", "您的操作太频繁了。请稍等几分钟后再试。"),
    500: ("系统出现错误", "服务器暂时出了问题，我们会尽快处理。请稍后再试；如情况紧急，请拨打页脚的联系电话。"),
    503: ("服务暂时不可用", "系统正在维护或暂时无法访问，请稍后再试。"),
}


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the cookie marked Secure whenever the request came over HTTPS: directly,
    or through a trusted proxy that says so (X-Forwarded-Proto, read by ProxyFix under TRUSTED_PROXIES)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def is_htmx_fragment_request() -> bool:
    """An htmx request that wants only a part of the page: not boosted and not a history restore."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-Boosted") != "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render(template: str, block: str | None = None, status: int = 200, **data: Any) -> Response:
    """The page built from `data`, or only its `block` when htmx asks for a fragment (`fragment` is then true)."""
    if block is not None and is_htmx_fragment_request():
        body = render_block(template, block, fragment=True, **data)
    else:
        body = render_template(template, **data)
    response = current_app.make_response((body, status))
    if block is not None:
        response.vary.add("HX-Request")
    return response


def render_block(template_name: str, block: str, **data: Any) -> str:
    """One named block of a template, rendered with the same context as the whole page."""
    env = current_app.jinja_env
    template = env.get_or_select_template(template_name)
    context = template.new_context(_template_context(data))
    return "".join(template.blocks[block](context))


def _template_context(data: dict[str, Any]) -> dict[str, Any]:
    context = dict(data)
    current_app.update_template_context(context)
    return context


class BadParameter(ValueError):
    """A query parameter that cannot be understood: 400 in the API, ignored with a notice in HTML."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
TRUE_WORDS = {"1", "true", "yes"}
FALSE_WORDS = {"0", "false", "no"}


# The largest integer a query parameter may hold when its own bound is not given: past 2**63 SQL overflows.
MAX_QUERY_INT = 10**9
# What an INTEGER column holds on PostgreSQL: every id and year in a path is compared with one.
MAX_PATH_INT = 2**31 - 1


class BoundedIntegerConverter(IntegerConverter):
    """`<int:…>` in a path, up to what the database's integer columns hold: a larger number names no record,
    so the URL does not match (404) instead of overflowing in SQL (a 500 on SQLite and PostgreSQL)."""

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = MAX_PATH_INT, signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min, max, signed)


def query_int(name: str, default: int, low: int = 1, high: int | None = None) -> int:
    """An integer query parameter; BadParameter when it is not one or out of range."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()):  # "²".isdigit() is true, but int() refuses it
        raise BadParameter(name, f"参数 {name} 应为整数")
    value = int(raw)
    high = MAX_QUERY_INT if high is None else high
    if value < low or value > high:
        raise BadParameter(name, f"参数 {name} 应在 {low} 到 {high} 之间")
    return value


def query_bool(name: str) -> bool | None:
    """A boolean query parameter (1/true/yes, 0/false/no; CONTRACT.md), None when absent."""
    raw = request.args.get(name, "").strip().lower()
    if not raw:
        return None
    if raw in TRUE_WORDS:
        return True
    if raw in FALSE_WORDS:
        return False
    raise BadParameter(name, f"参数 {name} 应为 1/true/yes 或 0/false/no")


def page_args() -> tuple[int, int]:
    """`page` and `per_page`. The API answers 400 to bad values; HTML pages fall back to sensible ones."""
    if wants_json():
        return query_int("page", 1), query_int("per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    try:
        page = query_int("page", 1)
    except BadParameter:
        page = 1
    try:
        per_page = query_int("per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    except BadParameter:
        per_page = DEFAULT_PER_PAGE
    return page, per_page


def paginate(statement: Any) -> Any:
    """A Flask-SQLAlchemy Pagination of `statement` for the request's page; a page past the end is empty."""
    from .db import db

    page, per_page = page_args()
    return db.paginate(statement, page=page, per_page=per_page, error_out=False, max_per_page=MAX_PER_PAGE)


def query_args() -> dict[str, str]:
    """The request's query parameters to carry into a link, without those url_for would take as its own
    (`endpoint`, `_external`, `_anchor` …): kept, they would change the link or fail to build it."""
    return {key: value for key, value in request.args.items() if key != "endpoint" and not key.startswith("_")}


def see_other(location: str) -> Response:
    """A 303 to `location`: where a form that worked sends the browser, so that reloading does not post again."""
    return current_app.response_class(status=303, headers={"Location": location})


def page_url(endpoint: str, page: int) -> str:
    """The same list at another page."""
    values: dict[str, Any] = {**query_args(), "page": page}
    return url_for(endpoint, **values)


def is_cross_site() -> bool:
    """A request another site's page made the browser send: Sec-Fetch-Site says so, or Origin names another site.
    Requests from other programs carry neither and are not cross-site."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site not in ("same-origin", "none")
    origin = request.headers.get("Origin")
    return origin is not None and origin != request.host_url.rstrip("/")


def api_list(items: list[Any], pagination: Any) -> Response:
    """The list shape of the JSON API (CONTRACT.md)."""
    return jsonify(items=items, total=pagination.total, page=pagination.page, per_page=pagination.per_page)


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, message: str | None = None) -> Response:
    title, explanation = ERROR_MESSAGES.get(status, ERROR_MESSAGES[500])
    if wants_json():
        response = jsonify(error=message or title)
        response.status_code = status
        return response
    return render("errors/error.html", status=status, code=status, title=title,
                  explanation=message or explanation)


@dataclass(frozen=True)
class Refusal:
    """A rate limit that refused this request, and when its window ends (seconds since the epoch)."""

    limit: RateLimitItem
    reset_at: float

    def label(self, what: str = "次") -> str:
        return limit_label(self.limit, what)

    def when(self) -> str:
        return retry_when(self.reset_at)

    def answer(self, response: Response) -> Response:
        """`response` as the 429 it is, telling clients how long to wait."""
        response.status_code = 429
        response.headers["Retry-After"] = str(max(1, math.ceil(self.reset_at - time.time())))
        return response


def breached_limit() -> Refusal | None:
    """The decorated limit (Flask-Limiter's) that refused this request, if one did."""
    current = limiter.current_limit
    if current is None or not current.breached:
        return None
    return Refusal(current.limit, current.reset_at)


def count_against(limit_value: str, scope: str) -> Refusal | None:
    """One hit of this visitor's address against each limit of `limit_value` (shortest window first) in `scope`.

    For what counts only once it is done (an opinion accepted): the hit comes after the checks and before
    the commit, so that concurrent posts can never take more than the limit between them.
    """
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return None
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX")
    identifiers = [*([prefix] if prefix else []), get_remote_address(), scope]
    strategy = limiter.limiter
    for item in sorted(parse_many(limit_value)):
        if not strategy.hit(item, *identifiers):
            return Refusal(item, strategy.get_window_stats(item, *identifiers).reset_time)
    return None


def forgive(limit_value: str, scope: str) -> None:
    """Clear this visitor's counters of `limit_value` in `scope` (e.g. the wrong passwords for an account, once
    its password was given right)."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX")
    identifiers = [*([prefix] if prefix else []), get_remote_address(), scope]
    for item in parse_many(limit_value):
        limiter.limiter.clear(item, *identifiers)


def too_many_requests(refusal: Refusal | None) -> Response:
    """The 429 page (or JSON error) saying when the visitor may try again."""
    if refusal is None:
        return error_response(429)
    message = f"您的操作太频繁了（{refusal.label()}）。请在 {refusal.when()}再试。"
    return refusal.answer(error_response(429, message))


def set_security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    return response


# The site's after-request hooks, in the order they run on every answer (one from the cache too): the security
# headers first, so that a page the cache stores carries them; then the cache stores it; compression last, on
# whatever nothing compressed before. Hooks registered later (Flask-Login's remember cookie) run before these,
# so the cache sees the cookie they set; Flask-Limiter's, registered earlier, adds its headers after them.
AFTER_REQUEST = (set_security_headers, cache.store, compression.compress)


def _profile() -> Any:
    if "district_profile" not in g:
        try:
            g.district_profile = district_profile()
        except Exception as e:  # the error pages must render even when the database does not answer
            log_error(e, "district profile unavailable")
            g.district_profile = None
    return g.district_profile


def log_error(error: Exception, what: str) -> None:
    """Log an error with its traceback, keeping residents' data out of the log.

    A database error's message may quote the row it failed on (PostgreSQL: "Failing row contains (王小明,
    139…)", "Key (…)=(…)"), and SQLAlchemy's the statement's parameters: for those the log gets the kind of error,
    its SQLSTATE, the SQL and where it happened, never the message or the values.
    """
    if not isinstance(error, SQLAlchemyError):
        current_app.logger.error("%s", what, exc_info=error)
        return
    cause = error.orig if isinstance(error, DBAPIError) else None
    kind = type(cause or error).__name__
    code = getattr(cause, "sqlstate", None) or getattr(cause, "sqlite_errorname", None)  # psycopg, sqlite3
    statement = error.statement if isinstance(error, StatementError) else None
    current_app.logger.error("%s: database error %s%s%s\n%s", what, kind, f" ({code})" if code else "",
                             f" in: {statement}" if statement else "",
                             "".join(traceback.format_tb(error.__traceback__)))


def site_name() -> str:
    profile = _profile()
    return f"{profile.name}人大代表履职公开平台" if profile else "人大代表履职公开平台"


# The enumerations every template may name (`{% for s in Stage %}`), so that no view passes them one by one.
ENUMERATIONS: tuple[type[Choice], ...] = (
    Level, Gender, DeputyStatus, ActivityKind, StationKind, ReceptionStatus, ReportStatus, ProposalKind, Stage,
    Result, Satisfaction, OpinionCategory, OpinionStatus, Role,
)


def enumerations() -> dict[str, type[Choice]]:
    """The template globals of the enumerations, each under its class name."""
    return {each.__name__: each for each in ENUMERATIONS}


WEEKDAYS = "一二三四五六日"


def weekday(date: Any) -> str:
    return "周" + WEEKDAYS[date.weekday()]


def _refuse_nul() -> Response | None:
    """No key, slug, code or text holds NUL, and PostgreSQL refuses it in a query: answer before any query runs."""
    if "\x00" in request.path:
        return error_response(404)
    for values in (request.args, request.form):
        if any("\x00" in value for _, value in values.items(multi=True)):
            return error_response(400, "请求中含有不允许的控制字符。")
    return None


def init_app(app: Flask) -> None:
    # Before any blueprint adds its rules: every `<int:…>` of the site is bounded.
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.session_interface = SessionInterface()
    assets.init_app(app)
    app.before_request(_refuse_nul)
    cache.init_app(app)  # public pages served from each process's cache, invalidated by every write
    for hook in reversed(AFTER_REQUEST):  # Flask runs after-request hooks in the reverse order of registration
        app.after_request(hook)
    app.jinja_env.globals.update(district=_profile, site_name=site_name, weekday=weekday, TZ=TZ, page_url=page_url,
                                 query_args=query_args)
    app.jinja_env.globals.update(enumerations())
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.errorhandler(BadParameter)
    def bad_parameter(error: BadParameter) -> Response:
        return error_response(400, str(error))

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> Response:
        return error_response(400, "页面已过期或缺少安全令牌（CSRF）。请刷新页面后重新提交。")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        status = error.code or 500
        if error.response is not None:  # made by the view's own handler (a refused form, shown again)
            return error.response  # type: ignore[return-value]  # a Flask response, typed as werkzeug's
        if status == 429:
            return too_many_requests(breached_limit())
        if status not in ERROR_MESSAGES:
            return error  # type: ignore[return-value]  # Flask answers an HTTPException itself
        response = error_response(status)
        allowed = getattr(error, "valid_methods", None)  # only MethodNotAllowed has them
        if status == 405 and allowed:
            response.headers["Allow"] = ", ".join(allowed)
        return response

    @app.errorhandler(Exception)
    def server_error(error: Exception) -> Response:
        log_error(error, f"unhandled error on {redact(request.path)}")  # no tracking code in the log
        from .db import db

        db.session.rollback()
        return error_response(500)

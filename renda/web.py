"""How pages are answered: one render of a page's data as the page, its htmx fragment, JSON or CSV; the one reader of
query parameters; security headers; error pages."""

from __future__ import annotations

import csv
import enum
import io
import math
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Blueprint, Flask, Request, Response, current_app, g, jsonify, render_template, request, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext, lazy_gettext
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError
from limits import RateLimitItem, parse_many
from markupsafe import Markup
from sqlalchemy.exc import DBAPIError, SQLAlchemyError, StatementError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter, Map

from . import assets, cache, clock, compression
from .accesslog import redact
from .clock import TZ
from .db import Choice
from .deputies.models import ActivityKind, DeputyStatus, Gender, Level
from .district.queries import district_profile
from .extensions import limiter
from .i18n import ENGLISH, date_long, date_short, language, month_long
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
    400: (lazy_gettext("请求有误"),
          lazy_gettext("提交的内容不完整或格式不对，或页面已过期。请返回上一页，刷新后再试。")),
    403: (lazy_gettext("没有权限"), lazy_gettext("您的账号无权进行此操作。如需权限，请联系系统管理员。")),
    404: (lazy_gettext("页面不存在"), lazy_gettext("您要找的页面不存在或已被移除。请检查网址，或从首页重新查找。")),
    405: (lazy_gettext("请求方式不被允许"), lazy_gettext("此页面不接受这种请求方式。请从页面上的链接或按钮进入。")),
    413: (lazy_gettext("提交的内容过大"), lazy_gettext("提交的内容超过了允许的大小。请缩短内容或减小上传文件后再试。")),
    429: (lazy_gettext("操作过于频繁"), lazy_gettext("您的操作太频繁了。请稍等几分钟后再试。")),
    500: (lazy_gettext("系统出现错误"),
          lazy_gettext("服务器暂时出了问题，我们会尽快处理。请稍后再试；如情况紧急，请拨打页脚的联系电话。")),
    503: (lazy_gettext("服务暂时不可用"), lazy_gettext("系统正在维护或暂时无法访问，请稍后再试。")),
}


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the cookie marked Secure whenever the request came over HTTPS: directly,
    or through a trusted proxy that says so (X-Forwarded-Proto, read by ProxyFix under TRUSTED_PROXIES)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


class SiteRequest(Request):
    """Flask's request, with the body limit a view names (`accepts_upload`) in place of MAX_CONTENT_LENGTH.

    The limit must be known before anything reads the form (CSRF protection does, before any view runs), so it is
    read from the view the URL matched rather than set by the view itself.
    """

    @property
    def max_content_length(self) -> int | None:
        view = current_app.view_functions.get(self.endpoint or "") if current_app else None
        upload = getattr(view, "upload_limit", None)
        if upload is not None and self._max_content_length is None:
            return int(upload)
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value


V = TypeVar("V", bound=Callable[..., Any])


def accepts_upload(limit: int) -> Callable[[V], V]:
    """A view that takes a file (a photo): requests to it may be up to `limit` bytes."""

    def decorator(view: V) -> V:
        view.upload_limit = limit  # type: ignore[attr-defined]  # read by SiteRequest; kept by functools.wraps
        return view

    return decorator


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
    """A query parameter the API cannot take: 400 (or 404 when it names a record that does not exist)."""

    def __init__(self, name: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.name = name
        self.status = status


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


class Format(enum.StrEnum):
    """What a request is answered as: the page (or its htmx fragment), JSON under /api/v1, or CSV."""

    HTML = "html"
    JSON = "json"
    CSV = "csv"

    @property
    def media_type(self) -> str:
        return {"html": "text/html", "json": "application/json", "csv": "text/csv"}[self.value]


def answer_format() -> Format:
    """The format this request is answered in: set by the route (see `twins`); otherwise JSON under /api/."""
    fmt = g.get("answer_format")
    if fmt is not None:
        return fmt
    return Format.JSON if request.path.startswith("/api/") else Format.HTML


E = TypeVar("E", bound=enum.Enum)


class Params:
    """The one reader of a request's query string, with the same bounds whatever the answer's format.

    A value it cannot use: for a page (HTML, and its CSV, a download that has no place for a message) the default
    is taken and a notice in Chinese is collected for the page to show; for the API it is a 400 (a 404 when it
    names a record that does not exist), with the reason in the answer.
    """

    def __init__(self, strict: bool) -> None:
        self.strict = strict
        self.notices: list[str] = []

    def text(self, name: str, max_length: int = 100) -> str:
        return request.args.get(name, "").strip()[:max_length]

    def given(self, name: str) -> bool:
        return name in request.args

    def reject(self, name: str, message: str, notice: str | None, status: int = 400) -> None:
        """`message` for the API (BadParameter); for a page, `notice` is collected (None: dropped in silence)."""
        if self.strict:
            raise BadParameter(name, message, status)
        if notice and notice not in self.notices:
            self.notices.append(notice)

    def integer(self, name: str, default: int, low: int = 1, high: int | None = None,
                notice: str | None = None) -> int:
        raw = request.args.get(name, "").strip()
        if not raw:
            return default
        high = MAX_QUERY_INT if high is None else high
        if not (raw.isascii() and raw.isdigit()):  # "²".isdigit() is true, but int() refuses it
            self.reject(name, f"参数 {name} 应为整数", notice)
            return default
        value = int(raw)
        if value < low or value > high:
            self.reject(name, f"参数 {name} 应在 {low} 到 {high} 之间", notice)
            return default
        return value

    def flag(self, name: str, notice: str | None = None) -> bool | None:
        """A boolean (1/true/yes, 0/false/no; CONTRACT.md), None when absent."""
        raw = request.args.get(name, "").strip().lower()
        if not raw:
            return None
        if raw in TRUE_WORDS:
            return True
        if raw in FALSE_WORDS:
            return False
        self.reject(name, f"参数 {name} 应为 1/true/yes 或 0/false/no", notice)
        return None

    def choice(self, name: str, enum_cls: type[E], notice: str | None,
               parse: Callable[[str], E] | None = None) -> E | None:
        raw = request.args.get(name, "").strip()
        if not raw:
            return None
        try:
            return parse(raw) if parse else enum_cls(raw)
        except ValueError:
            self.reject(name, f"参数 {name} 应为 " + "、".join(str(m.value) for m in enum_cls), notice)
            return None

    def page(self) -> tuple[int, int]:
        """`page` and `per_page` (per_page at most 100); a page falls back to the first page of 20 in silence."""
        return self.integer("page", 1), self.integer("per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)


def params() -> Params:
    """The reader of this request's parameters: strict when the answer is JSON."""
    if "params" not in g:
        g.params = Params(strict=answer_format() is Format.JSON)
    return g.params


def year_param() -> int:
    """`?year=` of a yearly page: 2000 … next year, this year by default (CONTRACT.md); anything else a notice
    and this year for a page, a 400 for the API."""
    day = clock.today()
    return params().integer("year", day.year, clock.FIRST_YEAR, clock.last_year(),
                            gettext("年份应在 %(first)s 到 %(last)s 之间，已显示 %(year)s 年。",
                                    first=clock.FIRST_YEAR, last=clock.last_year(), year=day.year))


def page_args() -> tuple[int, int]:
    """`page` and `per_page` of the request (see Params.page)."""
    return params().page()


class WholeList:
    """Every row of a list, for its CSV: the shape of a Pagination with one page holding all."""

    page = 1

    def __init__(self, items: Sequence[Any]) -> None:
        self.items = list(items)
        self.total = self.per_page = len(self.items)


def paginate(statement: Any) -> Any:
    """The request's page of `statement` (a page past the end is empty); for a CSV, every row."""
    from .db import db

    if answer_format() is Format.CSV:
        return WholeList(db.session.scalars(statement).unique().all())
    page, per_page = page_args()
    return db.paginate(statement, page=page, per_page=per_page, error_out=False, max_per_page=MAX_PER_PAGE)


class ListPage:
    """A page of a list already in memory (the reception days, computed from rules): a Pagination's shape."""

    def __init__(self, items: Sequence[Any], page: int, per_page: int) -> None:
        self.page, self.per_page, self.total = page, per_page, len(items)
        self.items = list(items[(page - 1) * per_page: page * per_page])


def paginate_list(items: Sequence[Any]) -> Any:
    """The request's page of `items`; for a CSV, all of them."""
    if answer_format() is Format.CSV:
        return WholeList(items)
    return ListPage(items, *page_args())


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


def wants_json() -> bool:
    """Whether errors are answered as JSON: the API's error shape (CONTRACT.md)."""
    return answer_format() is Format.JSON


# --- a page's data and its renderings ------------------------------------------------------------------------

@dataclass
class Page:
    """What a page shows, built once: `data` is what its template reads; `json` gives its JSON form; a list also
    says its CSV `columns` (keys of its JSON items; the CSV holds the whole list) and the filters in force (`args`),
    which its twin links carry."""

    template: str
    data: dict[str, Any]
    json: Callable[[], Any]
    block: str | None = None
    status: int = 200
    json_status: int | None = None  # where the API's status differs from the page's (the lookup's 300)
    columns: Sequence[str] = ()
    args: dict[str, str] | None = None
    filename: str | None = None


@dataclass
class ListData:
    """One page of a list (or, for the CSV, all of it) and how each item is written in JSON."""

    pager: Any
    item_json: Callable[[Any], dict[str, Any]]
    items: Sequence[Any] | None = None  # when the list is not the pager's own items (built beside it)

    def rows(self) -> list[dict[str, Any]]:
        return [self.item_json(item) for item in (self.pager.items if self.items is None else self.items)]

    def as_json(self) -> dict[str, Any]:
        """The list shape of the JSON API (CONTRACT.md)."""
        return {"items": self.rows(), "total": self.pager.total, "page": self.pager.page,
                "per_page": self.pager.per_page}


TWIN_LABELS = {Format.HTML: lazy_gettext("网页"), Format.JSON: "JSON", Format.CSV: "CSV"}
PAGING = ("page", "per_page")


def twin_urls(page: Page, view_args: dict[str, Any]) -> list[tuple[Format, str]]:
    """The other renderings of this answer, with the same filters (the CSV without paging: it is the whole list)."""
    twins: dict[Format, str] | None = g.get("twins")  # the endpoint of each rendering, set by the route
    if twins is None:
        return []
    current = answer_format()
    filters = dict(page.args) if page.args is not None else {
        k: v for k, v in query_args().items() if k not in PAGING}
    # The page in force, not as typed: a page that fell back from a bad per_page links the JSON it shows.
    paging = {name: str(value) for name, value in zip(PAGING, page_args(), strict=True) if request.args.get(name)}
    urls = []
    for fmt, endpoint in twins.items():
        if fmt is current:
            continue
        args = {**view_args, **filters, **({} if fmt is Format.CSV else paging)}
        urls.append((fmt, url_for(endpoint, **args)))
    return urls


def link_header(urls: list[tuple[Format, str]]) -> str:
    return ", ".join(f'<{url}>; rel="alternate"; type="{fmt.media_type}"' for fmt, url in urls)


CSV_UNSAFE_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """A CSV cell: references by name, lists joined with ';', booleans as yes/no (as content/ has them)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return csv_cell(next((value[k] for k in ("name", "title", "id", "code") if k in value), None))
    if isinstance(value, list):
        return ";".join(csv_cell(item) for item in value)
    text_value = str(value)
    # A cell starting like a formula would run as one in a spreadsheet (CSV injection).
    return "'" + text_value if text_value.startswith(CSV_UNSAFE_START) else text_value


def csv_body(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # the byte-order mark makes Excel read UTF-8
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(row.get(key)) for key in columns])
    return buffer.getvalue()


def answer(page: Page, **view_args: Any) -> Response:
    """The one rendering of a page's data in the format of the request, announcing its twins in a Link header."""
    fmt = answer_format()
    twins = twin_urls(page, view_args)
    if fmt is Format.JSON:
        response = jsonify(page.json())
        response.status_code = page.json_status or page.status
    elif fmt is Format.CSV:
        data = page.json()
        # text/csv, which werkzeug sends with charset=utf-8
        response = Response(csv_body(page.columns, data["items"]), status=page.status, mimetype="text/csv")
        response.headers["Content-Disposition"] = f"attachment; filename={page.filename or 'list.csv'}"
    else:
        response = render(page.template, block=page.block, status=page.status, **page.data,
                          twins=[(TWIN_LABELS[f], f.media_type, url) for f, url in twins])
    if twins:
        response.headers["Link"] = link_header(twins)
    return response


F = TypeVar("F", bound=Callable[..., Page])


def twins(bp: Blueprint, rule: str, endpoint: str, *, api: str | None = None, api_endpoint: str | None = None,
          csv: str | None = None, csv_endpoint: str | None = None, html: bool = True,
          decorators: Sequence[Callable[[Any], Any]] = ()) -> Callable[[F], F]:
    """Route one page-data function as the page (`rule`), its JSON (`api`, under /api/v1) and its CSV (`csv`);
    `decorators` (a rate limit) wrap each of those views."""

    def decorator(build: F) -> F:
        endpoints: dict[Format, str] = {}
        routes = [(Format.HTML, rule if html else None, endpoint),
                  (Format.JSON, api, api_endpoint or f"api_{endpoint}"),
                  (Format.CSV, csv, csv_endpoint or f"{endpoint}_csv")]
        for fmt, path, name in routes:
            if path is None:
                continue
            endpoints[fmt] = f"{bp.name}.{name}"

        def make_view(fmt: Format) -> Callable[..., Response]:
            def view(**view_args: Any) -> Response:
                g.answer_format = fmt
                g.twins = endpoints
                return answer(build(**view_args), **view_args)

            view.__name__ = view.__qualname__ = f"{build.__name__}_{fmt.value}"
            view.__doc__ = build.__doc__
            for decorate in reversed(decorators):
                view = decorate(view)
            return view

        for fmt, path, name in routes:
            if path is not None:
                bp.add_url_rule(path, name, make_view(fmt), methods=["GET"])
        return build

    return decorator


def error_response(status: int, message: str | None = None) -> Response:
    title, explanation = ERROR_MESSAGES.get(status, ERROR_MESSAGES[500])
    if wants_json():
        response = jsonify(error=str(message or title))
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
    message = gettext("您的操作太频繁了（%(limit)s）。请在 %(when)s再试。", limit=refusal.label(), when=refusal.when())
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


# The header's links, in their order: the same on every page but for the language and the address's prefix.
NAVIGATION = (
    ("deputies.index", lazy_gettext("代表名录")), ("areas.lookup", lazy_gettext("找我的代表")),
    ("stations.index", lazy_gettext("联络站")), ("groups.index", lazy_gettext("代表小组")),
    ("stations.month_view", lazy_gettext("接待日")), ("reports.index", lazy_gettext("述职报告")),
    ("proposals.index", lazy_gettext("建议办理")), ("projects.index", lazy_gettext("民生实事")),
    ("supervision.index", lazy_gettext("监督整改")), ("opinions.new", lazy_gettext("提意见建议")),
    ("opinions.track", lazy_gettext("查询办理进度")),
)


T = TypeVar("T")


def _once_per_language(name: str, make: Callable[[], T]) -> T:
    """What `make()` gives in this request's language under its address's prefix, made once in each process: the
    parts of every page's header that depend on nothing else."""
    made: dict[tuple[str, str], T] = current_app.extensions.setdefault(name, {})
    key = (request.script_root, language())
    if key not in made:
        if len(made) > 8:  # a prefix is the deployment's; more than a few means something odd: start again
            made.clear()
        made[key] = make()
    return made[key]


def navigation() -> list[tuple[str, str, str]]:
    """(endpoint, address, label) of each header link."""
    return _once_per_language("navigation", lambda: [(endpoint, url_for(endpoint), str(label))
                                                     for endpoint, label in NAVIGATION])


def site_search() -> Markup:
    """The header's search box."""
    return _once_per_language("site_search", lambda: Markup(render_template("_site_search.html")))


def site_name() -> str:
    profile = _profile()
    if profile is None:
        return gettext("人大代表履职公开平台")
    return gettext("%(district)s人大代表履职公开平台", district=profile.name)


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
    """周四 (Thu in English)."""
    return date.strftime("%a") if language() == ENGLISH else "周" + WEEKDAYS[date.weekday()]


def _refuse_nul() -> Response | None:
    """No key, slug, code or text holds NUL, and PostgreSQL refuses it in a query: answer before any query runs."""
    if "\x00" in request.path:
        return error_response(404)
    for values in (request.args, request.form):
        if any("\x00" in value for _, value in values.items(multi=True)):
            return error_response(400, gettext("请求中含有不允许的控制字符。"))
    return None


# Pages whose address holds a resident's tracking code: the 关怀版 link does not carry them back (it would put the
# code in one more link of the page, and in the mode page's address).
SECRET_ADDRESS_ENDPOINTS = frozenset({"opinions.receipt", "opinions.track", "opinions.rate", "opinions.stop_notices"})


def mode_back() -> str | None:
    """Where the mode switch returns to: this page, unless its address is a secret or the staff area's."""
    if request.endpoint in SECRET_ADDRESS_ENDPOINTS or request.endpoint == "pages.mode":
        return None
    if request.path.startswith("/staff"):
        return None
    return request.script_root + request.full_path.rstrip("?")


def init_app(app: Flask) -> None:
    # Before any blueprint adds its rules: every `<int:…>` of the site is bounded.
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.request_class = SiteRequest
    app.session_interface = SessionInterface()
    assets.init_app(app)
    app.before_request(_refuse_nul)
    cache.init_app(app)  # public pages served from each process's cache, invalidated by every write
    for hook in reversed(AFTER_REQUEST):  # Flask runs after-request hooks in the reverse order of registration
        app.after_request(hook)
    app.jinja_env.globals.update(district=_profile, site_name=site_name, weekday=weekday, TZ=TZ, page_url=page_url,
                                 query_args=query_args, display_mode=cache.display_mode, mode_back=mode_back,
                                 navigation=navigation, site_search=site_search)
    app.jinja_env.filters.update(date_long=date_long, date_short=date_short, month_long=month_long)
    app.jinja_env.globals.update(enumerations())
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.errorhandler(BadParameter)
    def bad_parameter(error: BadParameter) -> Response:
        return error_response(error.status, str(error))

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> Response:
        return error_response(400, gettext("页面已过期或缺少安全令牌（CSRF）。请刷新页面后重新提交。"))

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

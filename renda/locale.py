"""English under `/en/`: the prefix picks the language, and every link a page makes keeps it.

A request to `/en/deputies` reaches the app as `/deputies` with `/en` moved to SCRIPT_NAME (`LanguagePrefix`),
so that routing is unchanged and `url_for` builds `/en/…` links, form actions and redirects by itself. Only the
public HTML pages and feeds have an English version: the API, CSV, calendars, QR codes, photos, static files and
the staff area are the same in both, so their links always leave the prefix out (`Site.url_for`) and under it they
are not found. No visitor is redirected by Accept-Language: the language is in the address, nowhere else.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Flask, current_app, has_request_context, request
from flask_babel import Babel, get_translations
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup
from werkzeug.exceptions import NotFound

from .i18n import (
    ENGLISH,
    LANGUAGE_TAGS,
    SOURCE,
    language,
    speak,
    stop_speaking,
    translate,
    translate_in,
    translate_plural,
)
from .web import SECRET_ADDRESS_ENDPOINTS, query_args

PREFIX = "/" + ENGLISH
ENVIRON_KEY = "renda.language"
# What has no English version: found by the address of its rule.
NEUTRAL_STARTS = ("/api/", "/static/", "/staff", "/qr/", "/healthz", "/deputies/photos/")
NEUTRAL_ENDS = (".csv", ".ics", ".svg", ".jpg", ".json")


class LanguagePrefix:
    """WSGI middleware: `/en` and `/en/…` are answered in English, as `/` and `/…` with `/en` in SCRIPT_NAME."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if path == PREFIX or path.startswith(PREFIX + "/"):
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + PREFIX
            environ["PATH_INFO"] = path[len(PREFIX):] or "/"
            environ[ENVIRON_KEY] = ENGLISH
        return self.app(environ, start_response)


def is_english() -> bool:
    return has_request_context() and request.environ.get(ENVIRON_KEY) == ENGLISH


def select_locale() -> str:
    return ENGLISH if is_english() else SOURCE


def is_neutral(rule: str) -> bool:
    """Whether the answer of the route `rule` is the same in both languages (it has no `/en/` address)."""
    return rule.startswith(NEUTRAL_STARTS) or rule.endswith(NEUTRAL_ENDS)


def _neutral_endpoints(app: Flask) -> frozenset[str]:
    found = app.extensions.get("neutral_endpoints")
    if found is None:
        found = frozenset(r.endpoint for r in app.url_map.iter_rules() if is_neutral(r.rule))
        app.extensions["neutral_endpoints"] = found
    return found


class Site(Flask):
    """The app: Flask, with the links of what has no English version built without the `/en` prefix."""

    def url_for(self, endpoint: str, *, _anchor: str | None = None, _method: str | None = None,
                _scheme: str | None = None, _external: bool | None = None, **values: Any) -> str:
        url = super().url_for(endpoint, _anchor=_anchor, _method=_method, _scheme=_scheme, _external=_external,
                              **values)
        if not is_english():
            return url
        if endpoint.startswith(".") and request.blueprint:
            endpoint = request.blueprint + endpoint
        if endpoint not in _neutral_endpoints(self):
            return url
        root = request.script_root
        start = url.find(root + "/") if "://" in url else (0 if url.startswith(root + "/") else -1)
        return url if start < 0 else url[:start] + root[: -len(PREFIX)] + url[start + len(root):]


def _refuse_neutral() -> None:
    """Under `/en/`, what has no English version is not found (its one address is the Chinese one)."""
    if is_english() and request.url_rule is not None and is_neutral(request.url_rule.rule):
        raise NotFound()


def _has_english() -> bool:
    return request.url_rule is None or not is_neutral(request.url_rule.rule)


def address_in(code: str, path: str | None = None) -> str:
    """This page's address in the language `code`, with its query; or that of the site path `path`."""
    root = request.script_root
    base = root[: -len(PREFIX)] if is_english() else root
    if path is None:
        query = urlencode(list(query_args().items()))
        path = request.path + (f"?{query}" if query else "")
    return (base + PREFIX if code == ENGLISH else base) + path


def alternates() -> list[tuple[str, str]]:
    """(hreflang, address) of this page in each language, for `<link rel="alternate">`: none for a page with no
    English version, nor for one whose address holds a tracking code (one more link would hold it too)."""
    if not _has_english() or request.endpoint in SECRET_ADDRESS_ENDPOINTS:
        return []
    return [(LANGUAGE_TAGS[code], address_in(code)) for code in (SOURCE, ENGLISH)]


def language_link() -> str | None:
    """Where the language link goes: this page in the other language; from a page whose address holds a tracking
    code, the tracking form (without it); none from a page with no English version (the staff area)."""
    if not _has_english():
        return None
    other = SOURCE if is_english() else ENGLISH
    if request.endpoint in SECRET_ADDRESS_ENDPOINTS:
        return address_in(other, current_app.url_map.bind("").build("opinions.track"))
    return address_in(other)


SPEAKING_KEY = "renda.speaking"


# The texts of templates, `_("…", name=value)` and `{% trans %}`, as Jinja's "newstyle" gettext gives them: the
# translation is markup (it may hold <strong>), each value is escaped into it, and `%` formatting always applies.
# Jinja's own wrappers call three functions through the template context for each text; these call one.

def _formatted(eval_ctx: EvalContext, text: str, variables: dict[str, Any]) -> str:
    shown = Markup(text) if eval_ctx.autoescape else text
    return shown % variables if variables or "%" in text else shown


@pass_eval_context
def _template_gettext(eval_ctx: EvalContext, text: str, **variables: Any) -> str:
    return _formatted(eval_ctx, translate(text), variables)


@pass_eval_context
def _template_pgettext(eval_ctx: EvalContext, context: str, text: str, **variables: Any) -> str:
    return _formatted(eval_ctx, translate_in(context, text), variables)


@pass_eval_context
def _template_ngettext(eval_ctx: EvalContext, singular: str, plural: str, num: int, **variables: Any) -> str:
    return _formatted(eval_ctx, translate_plural(singular, plural, num), {"num": num, **variables})


@pass_eval_context
def _template_npgettext(eval_ctx: EvalContext, context: str, singular: str, plural: str, num: int,
                        **variables: Any) -> str:
    return _formatted(eval_ctx, translate_plural(singular, plural, num), {"num": num, **variables})


CATALOGS_KEY = "renda.catalogs"


def _catalog(code: str) -> Any:
    """The catalog of `code`, asked of Flask-Babel once per app: it keeps each one for the process anyway, but
    finds it anew for every request (the locale parsed, the domain, its cache), some 40 µs of each page made
    afresh."""
    catalogs: dict[str, Any] = current_app.extensions.setdefault(CATALOGS_KEY, {})
    found = catalogs.get(code)
    if found is None:
        found = catalogs[code] = get_translations()
    return found


def _speak() -> None:
    """The language and catalog of this request, found once for all its texts (i18n.translate)."""
    code = select_locale()
    request.environ[SPEAKING_KEY] = speak(code, _catalog(code))


def _stop_speaking(error: BaseException | None) -> None:
    token = request.environ.pop(SPEAKING_KEY, None)
    if token is not None:
        stop_speaking(token)


def init_app(app: Flask) -> None:
    """After web.init_app: a page served from the public cache is answered before the catalog is looked up."""
    Babel(app, locale_selector=select_locale, default_domain="messages")
    # `{% trans %}` (jinja2.ext.i18n, which Babel adds) compiles to `gettext(text, **values)`, like `_()`.
    app.jinja_env.newstyle_gettext = True  # type: ignore[attr-defined]  # read by jinja2.ext.i18n as it compiles
    app.jinja_env.globals.update(_=_template_gettext, gettext=_template_gettext, pgettext=_template_pgettext,
                                 ngettext=_template_ngettext, npgettext=_template_npgettext)
    app.before_request(_speak)
    app.teardown_request(_stop_speaking)
    app.wsgi_app = LanguagePrefix(app.wsgi_app)  # type: ignore[method-assign]  # Flask documents wrapping wsgi_app so
    app.before_request(_refuse_neutral)
    app.jinja_env.globals.update(language=language, language_tag=lambda: LANGUAGE_TAGS[language()],
                                 alternates=alternates, language_link=language_link, ENGLISH=ENGLISH)


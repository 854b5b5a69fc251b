"""Security headers, error pages in Chinese, fragments for htmx: what every response of the site keeps."""

from __future__ import annotations

import re

import pytest
from conftest import app_on_copy
from flask import Flask, abort, request

from renda.extensions import limiter
from renda.web import render

PUBLIC_PAGES = ["/", "/privacy", "/healthz", "/no-such-page"]


@pytest.fixture
def probe_app(app: Flask) -> Flask:
    """The real app with a few routes that fail on purpose, to show each error page."""

    @app.get("/probe/forbidden")
    def forbidden() -> str:
        abort(403)

    @app.get("/probe/crash")
    def crash() -> str:
        raise RuntimeError("secret internal detail 13800138000")

    @app.post("/probe/form")
    def form() -> str:
        return f"got {len(request.form.get('text', ''))}"

    @app.get("/probe/limited")
    @limiter.limit("2 per minute")
    def limited() -> str:
        return "ok"

    @app.get("/probe/fragment")
    def fragment() -> object:
        return render("errors/error.html", block="content", code=200, title="片段", explanation="只有这一块")

    return app


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    script_src = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_session_cookie_is_httponly_and_samesite_lax(app):
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    with app.test_request_context("/"):
        from flask import session

        session["x"] = 1
        response = app.make_response("ok")
        app.session_interface.save_session(app, session, response)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_unknown_page_answers_404_in_chinese(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "页面不存在" in page and "返回首页" in page
    assert '<html lang="zh-CN">' in page


def test_forbidden_answers_403_in_chinese(probe_app):
    response = probe_app.test_client().get("/probe/forbidden")
    assert response.status_code == 403
    assert "没有权限" in response.get_data(as_text=True)


def test_crash_answers_500_in_chinese_without_the_details(probe_app):
    response = probe_app.test_client().get("/probe/crash")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "系统出现错误" in page
    assert "secret internal detail" not in page and "13800138000" not in page
    assert "Traceback" not in page


def test_post_without_csrf_token_answers_400_in_chinese(probe_app):
    response = probe_app.test_client().post("/probe/form", data={"text": "hello"})
    assert response.status_code == 400
    assert "安全令牌" in response.get_data(as_text=True)


def test_oversize_body_answers_413_in_chinese(probe_app):
    body = "x" * (probe_app.config["MAX_CONTENT_LENGTH"] + 1)
    response = probe_app.test_client().post("/probe/form", data={"text": body})
    assert response.status_code == 413
    assert "提交的内容过大" in response.get_data(as_text=True)


def test_rate_limit_answers_429_in_chinese(probe_app):
    client = probe_app.test_client()
    assert [client.get("/probe/limited").status_code for _ in range(2)] == [200, 200]
    response = client.get("/probe/limited")
    assert response.status_code == 429
    assert "操作过于频繁" in response.get_data(as_text=True)
    assert "Retry-After" in response.headers


def test_api_errors_are_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.is_json and "error" in response.get_json()


def test_htmx_request_gets_the_fragment_and_a_normal_request_the_page(probe_app):
    client = probe_app.test_client()
    page = client.get("/probe/fragment")
    fragment = client.get("/probe/fragment", headers={"HX-Request": "true"})
    boosted = client.get("/probe/fragment", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in page.get_data(as_text=True)
    assert "<html" not in fragment.get_data(as_text=True)
    assert "只有这一块" in fragment.get_data(as_text=True)
    assert "<html" in boosted.get_data(as_text=True)
    assert "HX-Request" in fragment.headers["Vary"]


def test_htmx_is_configured_for_the_csp_and_to_show_error_answers(client):
    import json
    import re

    page = client.get("/").get_data(as_text=True)
    config = json.loads(re.search(r"name=\"htmx-config\" content='([^']*)'", page).group(1))
    assert config["allowEval"] is False and config["includeIndicatorStyles"] is False
    assert config["allowScriptTags"] is False
    for status in ("400", "413", "429"):
        assert any(re.fullmatch(rule["code"], status) and rule["swap"] for rule in config["responseHandling"])
    script = re.search(r'<script src="(/static/htmx-[\d.]+\.min\.[0-9a-f]{12}\.js)" defer></script>', page).group(1)
    with client.get(script) as response:
        assert response.status_code == 200
        assert b"htmx" in response.data


@pytest.mark.parametrize("path, per_page", [
    ("/deputies?level=county", 20), ("/stations", 5), ("/proposals?stage=closed", 20), ("/reports", 10),
])
def test_a_page_past_the_last_says_so_and_links_the_last_page(client, path, per_page):
    separator = "&" if "?" in path else "?"
    first = client.get(f"{path}{separator}per_page={per_page}").get_data(as_text=True)
    last = int(re.search(r"第 1 / (\d+) 页，共 (\d+) 条", first).group(1))
    page = client.get(f"{path}{separator}per_page={per_page}&page=999")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert re.search(rf"第 999 页没有内容：共 \d+ 条，分 {last} 页。", text)
    link = re.search(r'href="([^"]+)">到最后一页</a>', text).group(1).replace("&amp;", "&")
    assert f"page={last}" in link and f"per_page={per_page}" in link
    assert "没有找到" not in text and "没有符合条件" not in text


def test_page_links_leave_out_parameters_that_would_change_how_they_are_built(client):
    for path in ("/deputies?page=2&endpoint=x&_external=1&_anchor=y", "/deputies?page=999&endpoint=x&_scheme=ftp"):
        response = client.get(path)
        assert response.status_code == 200, path
        links = re.findall(r'href="(/deputies\?[^"]*page=[^"]*)"', response.get_data(as_text=True))
        assert links and all("endpoint" not in link and "_" not in link.split("?")[1] for link in links), links
    reports = client.get("/reports?year=2026&endpoint=x&_external=1")  # its JSON link carries the query
    assert reports.status_code == 200
    assert 'href="/api/v1/reports?year=2026"' in reports.get_data(as_text=True)


# Path integers past what the database holds: PostgreSQL's INTEGER ends at 2**31 - 1, SQLite's binding at 2**63 - 1,
# and Python's int() refuses strings of more than 4300 digits.
HUGE_INTEGERS = [2**31 - 1, 2**31, 2**63 - 1, 2**63, 10**20, int("9" * 4300)]


def _int_rules(app: Flask) -> list:
    rules = [rule for rule in app.url_map.iter_rules()
             if any(type(c).__name__.endswith("IntegerConverter") for c in rule._converters.values())]
    assert len(rules) >= 9, [r.rule for r in rules]  # the reports, accounts and opinions routes at least
    return rules


def _url_with(rule, number: int) -> str:
    values = {}
    for name, converter in rule._converters.items():
        kind = type(converter).__name__
        values[name] = (str(number) if kind.endswith("IntegerConverter")
                        else min(converter.items) if kind == "AnyConverter" else "x")
    return rule.build(values, append_unknown=False)[1].replace("%", "")  # the number as typed, never encoded


@pytest.mark.parametrize("number", HUGE_INTEGERS, ids=lambda n: f"{len(str(n))}-digits" if n > 10**20 else str(n))
def test_a_huge_integer_in_any_path_answers_404(app, client, auth, number):
    auth.as_role("admin")
    token = auth.csrf_token("/staff/")
    for rule in _int_rules(app):
        if not getattr(app.view_functions[rule.endpoint], "admits_admins", True):
            continue  # a deputy's own pages refuse admins first (tests/test_records_staff.py walks them)
        url = _url_with(rule, number)
        response = (client.get(url) if "GET" in rule.methods else client.post(url, data={"csrf_token": token}))
        assert response.status_code == 404, (url[:80], response.status_code)
        assert ("页面不存在" if not url.startswith("/api/") else "error") in response.get_data(as_text=True)


@pytest.mark.parametrize(("proxies", "proto", "secure"), [(1, "https", True), (1, "http", False), (1, None, False),
                                                          (0, "https", False)])
def test_the_session_cookie_is_secure_when_a_trusted_proxy_says_https(demo_database, tmp_path, proxies, proto, secure):
    with app_on_copy(demo_database, tmp_path, TRUSTED_PROXIES=proxies) as app:
        headers = {"X-Forwarded-Proto": proto} if proto else {}
        cookie = app.test_client().get("/opinions/new", headers=headers).headers["Set-Cookie"]
    assert cookie.startswith("session=") and ("; Secure" in cookie) is secure


def test_an_error_on_a_page_named_by_a_tracking_code_logs_the_page_without_the_code(app, client, caplog):
    def broken(code: str) -> str:
        raise RuntimeError("a failure")

    app.view_functions["opinions.receipt"] = broken
    with caplog.at_level("ERROR"):
        response = client.get("/opinions/receipt/ABCDE-FGHJK")
    assert response.status_code == 500
    assert "unhandled error on /opinions/receipt/[code]" in caplog.text
    assert "ABCDE" not in caplog.text and "FGHJK" not in caplog.text

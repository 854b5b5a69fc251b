"""The templates keep their conventions: links made by url_for, enumerations as globals, every form control
written and wired for assistive technology by the macros of _macros.html."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import csrf_token_of, make_opinion

TEMPLATES = Path(__file__).resolve().parent.parent / "site" / "templates"

# A local address written out in an attribute: href="/…", action="/…", hx-get="/…", src="/…" and the like.
# ("//host" would be another site; none of ours link one.)
HARD_CODED_LINK = re.compile(r"""\b(?:href|action|src|hx-(?:get|post|put|patch|delete))\s*=\s*["']/(?!/)""")


def test_no_template_writes_a_local_address_by_hand():
    found = [
        f"{path.relative_to(TEMPLATES)}:{number}: {line.strip()}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if HARD_CODED_LINK.search(line)
    ]
    assert not found, "use url_for:\n" + "\n".join(found)


def test_the_pattern_finds_what_it_is_meant_to():
    assert HARD_CODED_LINK.search('<a href="/deputies/{{ d.slug }}">')
    assert HARD_CODED_LINK.search("<form action='/lookup' method=get>")
    assert HARD_CODED_LINK.search('<input hx-get="/lookup/suggest">')
    assert not HARD_CODED_LINK.search("""<a href="{{ url_for('deputies.index') }}">""")
    assert not HARD_CODED_LINK.search('<a href="#main">')


# A form control written out in a template: <input …> (not type="hidden"), <select …>, <textarea …>. The tag runs to
# the first ">" outside a Jinja expression or statement ({{ … }}, {% … %}); Jinja comments are dropped first.
JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.S)
CONTROL_TAG = re.compile(r"<(input|select|textarea)\b(?:\{\{.*?\}\}|\{%.*?%\}|[^>])*>", re.S | re.I)
HIDDEN = re.compile(r"""\btype\s*=\s*["']?hidden\b""", re.I)


def hand_written_controls(template: str) -> list[str]:
    """The form controls a template writes by hand, each as written (hidden inputs are not fields)."""
    text = JINJA_COMMENT.sub("", template)
    return [tag.group(0) for tag in CONTROL_TAG.finditer(text)
            if not (tag.group(1).lower() == "input" and HIDDEN.search(tag.group(0)))]


def test_every_form_control_goes_through_the_macros():
    """Labels, hints, errors and their aria wiring are written once, in _macros.html: field(), choices(),
    text_input(), select_filter(). A template writes no <input>, <select> or <textarea> of its own."""
    found = [f"{path.relative_to(TEMPLATES)}: {' '.join(tag.split())}"
             for path in sorted(TEMPLATES.rglob("*.html")) if path.name != "_macros.html"
             for tag in hand_written_controls(path.read_text())]
    assert not found, "use the macros of _macros.html:\n" + "\n".join(found)


def test_the_control_pattern_finds_what_it_is_meant_to():
    assert hand_written_controls('<input id="q" name="q" type="search">')
    assert hand_written_controls('<div><INPUT type="checkbox" name="overdue"{% if overdue %} checked{% endif %}></div>')
    assert hand_written_controls('<select id="session"\n        name="session">{% for s in sessions %}…</select>')
    assert hand_written_controls('<textarea name="body">{{ body }}</textarea>')
    assert hand_written_controls('<input {% if a > b %}disabled{% endif %} value="{{ x > 1 }}" type="text">')
    assert not hand_written_controls('<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">')
    assert not hand_written_controls("<input name='next' value='{{ request.full_path }}' type=hidden>")
    assert not hand_written_controls('<input name="all" {% if x %}value="1"{% endif %} type="hidden">')
    assert not hand_written_controls('{# once: <input id="q"> #}{{ text_input("q", "关键词", filters.q) }}')
    assert not hand_written_controls('<p>输入社区名称</p><label for="q">关键词</label><button>查找</button>')
    assert not hand_written_controls("{{ field(form.body, rows=8) }}{{ form.website(id='website') }}")


class Elements(HTMLParser):
    """The start tags of a page with their attributes."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))


def assert_errors_are_wired(page: str) -> int:
    """Every field in error says so (aria-invalid) and names its error message (aria-describedby), every id it
    names exists, every error message belongs to a field, and the summary links existing ids; the number of
    fields in error."""
    tags = Elements(page).tags
    ids = [attrs["id"] for _, attrs in tags if "id" in attrs]
    assert len(ids) == len(set(ids)), f"ids used twice: {sorted({i for i in ids if ids.count(i) > 1})}"
    messages = {attrs["id"] for tag, attrs in tags if "error-message" in attrs.get("class", "").split()}
    invalid = [attrs for tag, attrs in tags if tag in ("input", "select", "textarea")
               and attrs.get("aria-invalid") == "true"]
    described = set()
    for attrs in invalid:
        names = attrs.get("aria-describedby", "").split()
        assert set(names) <= set(ids), f"{attrs.get('id')} names missing ids: {set(names) - set(ids)}"
        assert set(names) & messages, f"{attrs.get('id')} in error does not name its error message"
        described.update(names)
    assert messages <= described, f"error messages no field names: {messages - described}"
    summary_links = re.findall(r'<div class="error-summary".*?</div>', page, re.S)
    for target in re.findall(r'href="#([^"]+)"', "".join(summary_links)):
        assert target in ids, f"the error summary links #{target}, which is not on the page"
    return len(invalid)


# (role or None, page with the form, where it posts, what it sends besides the CSRF token)
FORMS_IN_ERROR = {
    "opinion": (None, "/opinions/new", "/opinions", {"consent_pi": ""}),
    "login": (None, "/staff/login", "/staff/login", {"username": "", "password": ""}),
    "new account": ("admin", "/staff/accounts/new", "/staff/accounts/new", {"username": "", "role": "nobody"}),
    "report": ("editor", "/staff/reports/new", "/staff/reports/new", {"year": "20x", "attendees": "-1"}),
    "reception": ("editor", "/staff/receptions/new?station=chenghu", "/staff/receptions/new?station=chenghu",
                  {"date": "", "status": "nonsense", "voters": "-3"}),
    "proposal progress": ("editor", "/staff/proposals/18-1-002", "/staff/proposals/18-1-002",
                          {"stage": "nonsense", "replied_on": "yesterday"}),
    "roster": ("editor", "/staff/roster/", "/staff/roster/", {}),
    "recorded opinion": ("liaison", "/staff/opinions/new", "/staff/opinions/new",
                         {"source": "reception", "community": "火星村", "phone": "123", "body": "短"}),
    "notification settings": ("liaison", "/staff/notifications", "/staff/notifications",
                              {"email": "a@example.com\r\nBcc: b@example.com", "mobile": "123", "notify_new": "y"}),
}


@pytest.mark.parametrize("name", FORMS_IN_ERROR)
def test_every_field_in_error_says_so_and_names_its_message(client, auth, name):
    role, page_path, post_path, data = FORMS_IN_ERROR[name]
    if role:
        auth.as_role(role)
    token = csrf_token_of(client.get(page_path).get_data(as_text=True))
    response = client.post(post_path, data={"csrf_token": token, **data})
    assert response.status_code in (200, 400, 422), response.status_code
    assert assert_errors_are_wired(response.get_data(as_text=True)) >= 1


def test_the_opinion_staff_forms_wire_their_errors(app, client, auth):
    opinion_id = make_opinion(app)
    auth.as_role("liaison", "g-chenghu")
    token = csrf_token_of(client.get(f"/staff/opinions/{opinion_id}").get_data(as_text=True))
    response = client.post(f"/staff/opinions/{opinion_id}/decline",
                           data={"decline-csrf_token": token, "decline-reason": "other", "decline-explanation": ""})
    assert assert_errors_are_wired(response.get_data(as_text=True)) >= 1


def test_the_rating_form_wires_its_errors(app, client):
    from renda.db import db, utcnow
    from renda.opinions.models import Opinion, OpinionEvent, OpinionStatus

    opinion_id = make_opinion(app)
    with app.app_context():
        opinion = db.session.get(Opinion, opinion_id)
        opinion.status, opinion.public_reply = OpinionStatus.REPLIED, "已修复。"
        opinion.events.append(OpinionEvent(status=OpinionStatus.REPLIED, at=utcnow()))
        db.session.commit()
        code = opinion.code
    token = csrf_token_of(client.get(f"/opinions/track?code={code}").get_data(as_text=True))
    response = client.post(f"/opinions/track/{code}/rate", data={"csrf_token": token, "phone_last4": "12"})
    assert assert_errors_are_wired(response.get_data(as_text=True)) >= 2


def test_an_unknown_tracking_code_is_an_error_of_its_field(client):
    response = client.get("/opinions/track?code=AAAAA-BBBBB")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert assert_errors_are_wired(page) == 1
    assert 'aria-describedby="code-hint code-error"' in page and "AAAAA-BBBBB" in page.split('id="code-error"')[1]


def test_text_input_wires_its_hint_error_and_attributes(app):
    render = app.jinja_env.from_string(
        '{% from "_macros.html" import select_filter, text_input %}'
        '{{ text_input("code", "回执码", "<b>", hint="10 位", error="没有找到", maxlength=40, required=true,'
        ' disabled=false, placeholder=none, **{"hx-get": "/x?a=1&b=2"}) }}'
        '{{ text_input("overdue", "只看超期的", "1", type="checkbox", checked=true) }}'
        '{{ text_input("q", "关键词", type="search", button="查找") }}'
        '{% call text_input("c", "社区") %}<div id="after"></div>{% endcall %}'
        '{{ select_filter("station", "联络站", ["a", "b"], "b", value=none, text=none, hint="先选", required=true) }}'
    ).render
    with app.test_request_context():
        page = render()
    tags = dict((attrs.get("id"), (tag, attrs)) for tag, attrs in Elements(page).tags if attrs.get("id"))
    _, code = tags["code"]
    assert code == {"id": "code", "name": "code", "type": "text", "value": "<b>", "maxlength": "40", "required": "",
                    "hx-get": "/x?a=1&b=2", "aria-describedby": "code-hint code-error", "aria-invalid": "true"}
    assert 'value="&lt;b&gt;"' in page and 'hx-get="/x?a=1&amp;b=2"' in page
    assert '<p class="error-message" id="code-error"><span class="visually-hidden">错误：</span>没有找到</p>' in page
    assert page.index('id="code-hint"') < page.index('id="code-error"') < page.index('<input id="code"')
    assert '<input id="overdue" name="overdue" type="checkbox" value="1" checked> <label for="overdue">' in page
    assert page.index('<input id="overdue"') < page.index('<label for="overdue">')
    assert "aria-describedby" not in tags["overdue"][1] and 'id="q" name="q" type="search">' in page
    assert re.search(r'<div class="inline-field">\s*<input id="q"[^>]*>\s*<button type="submit">查找</button>', page)
    assert re.search(r'<input id="c" name="c" type="text">\s*<div id="after"></div>\s*</div>', page)
    assert tags["station"][1] == {"id": "station", "name": "station", "required": "",
                                  "aria-describedby": "station-hint"}
    assert '<p class="hint" id="station-hint">先选</p>' in page and '<option value="b" selected>b</option>' in page


def test_a_form_without_errors_marks_no_field_invalid(client):
    page = client.get("/opinions/new").get_data(as_text=True)
    assert "aria-invalid" not in page
    assert 'aria-describedby="body-hint"' in page and 'id="body-hint"' in page


def test_every_paginated_list_goes_through_list_block():
    """One way to show a list: its items, the empty state, the page past the last, the pagination."""
    lists = [path for path in TEMPLATES.rglob("*.html") if path.name != "_macros.html" and "pager" in path.read_text()]
    assert len(lists) >= 9
    for path in lists:
        text = path.read_text()
        assert "list_block(pager" in text and "pager.items" not in text, path.relative_to(TEMPLATES)


def test_the_enumerations_are_template_globals_and_no_view_passes_them(app):
    from renda.web import ENUMERATIONS

    for each in ENUMERATIONS:
        assert app.jinja_env.globals[each.__name__] is each
    names = "|".join(each.__name__ for each in ENUMERATIONS)
    passed = re.compile(rf"\b({names})=\1\b|=list\(({names})\)")
    package = TEMPLATES.parent.parent / "renda"
    found = [f"{path.relative_to(package)}: {line.strip()}" for path in package.rglob("*.py")
             for line in path.read_text().splitlines() if passed.search(line)]
    assert not found, found

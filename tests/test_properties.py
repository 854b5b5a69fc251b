"""Whatever a visitor types into a public URL or the opinion form, the answer is never a 500, and the JSON API
always answers JSON.

Property tests (hypothesis) over every query and path parameter of the public pages and the API (CONTRACT.md),
with text including unicode, control characters, very long strings, numbers out of range and SQL/HTML
metacharacters, mixed with valid values so that the deeper paths are reached too. Deterministic and bounded for CI:
derandomized, a fixed number of examples per endpoint, no example database.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import app_on_copy, csrf_token_of
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SETTINGS = settings(derandomize=True, max_examples=50, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def app(demo_database: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One app for the module (hypothesis runs many examples in one test), with the opinion limits out of the way."""
    limits = {name: "100000 per minute"
              for name in ("OPINION_RATE_LIMIT", "OPINION_POST_LIMIT", "OPINION_LOOKUP_LIMIT")}
    with app_on_copy(demo_database, tmp_path_factory.mktemp("properties"), **limits) as app:
        yield app


@pytest.fixture(scope="module")
def client(app: Flask) -> FlaskClient:
    return app.test_client()


# --- what a visitor may type ------------------------------------------------------------------------------------

# Surrogates cannot be sent in UTF-8 at all; everything else can, control characters and NUL included.
CHARACTERS = st.characters(exclude_categories=("Cs",))
CONTROL = st.sampled_from(["\x00", "a\x00b", "\x00\x00\x00", "\x7f", "\x1b[31m", "\r\n", "\t", "\u202e", "\ufeff",
                          "\u3000", "\u200b"])
ODD_NUMBERS = st.sampled_from(["0", "-1", "+1", "1.5", "1e9", "0x10", "NaN", "Infinity", "2⁵", "²", "١٢", "１２", "৯",
                               str(2**31), str(2**63), "9" * 40, " 7 "])
METACHARACTERS = st.sampled_from([
    "' OR '1'='1", "'; DROP TABLE deputies; --", '" OR ""="', "%", "_", "%_%", "\\", "\\%", "*", "?", ";", "--",
    SCRIPT, "<b>粗</b>", "&amp;", "&#0;", "{{7*7}}", "${7*7}", "../../etc/passwd", "/", "//x", "#", "?a=b", "🙂", "𝕏",
    "", " ", "null", "true", "[]", "{}", "2026-02-30", "2026-13", "2026-00", "0000-01-01", "9999-12-31", "2026-1",
    "2026-11-26T00:00",
])
AWKWARD = CONTROL | ODD_NUMBERS | METACHARACTERS
NUMBERS = st.integers(-10**30, 10**30).map(str) | st.floats().map(str)
SHORT_TEXT = st.text(CHARACTERS, max_size=40)
LONG_TEXT = st.builds(lambda piece, times: (piece * times)[:5000], st.text(CHARACTERS, min_size=1, max_size=8),
                      st.integers(100, 1000))


def splice(value: str, odd: str, at: int) -> str:
    at %= len(value) + 1
    return value[:at] + odd + value[at:]


def typed(*valid: str) -> st.SearchStrategy[str]:
    """Anything at all; or one of the values the parameter really takes, as it is or with something odd inside
    (those get furthest into the code: past the checks that turn plain garbage away)."""
    anything = st.one_of(CONTROL, ODD_NUMBERS, METACHARACTERS, SHORT_TEXT, NUMBERS, LONG_TEXT)
    if not valid:
        return anything
    known = st.sampled_from(valid)
    return st.one_of(known, st.builds(splice, known, AWKWARD | SHORT_TEXT, st.integers(0, 100)), anything)


PAGE = {"page": typed("1", "2", "3"), "per_page": typed("1", "20", "100", "101")}
DEPUTY_FILTERS = {"q": typed("张明华", "zhangminghua", "zmh", "zhang"),
                  "level": typed("national", "provincial", "city", "county", "township"),
                  "group": typed("g-chenghu", "g-yueyawan"), "district": typed("D01", "D40"),
                  "sector": typed("企业负责人", "基层干部")}
PROPOSAL_FILTERS = {"session": typed("18-1", "18-2"), "kind": typed("motion", "suggestion"),
                    "stage": typed("submitted", "assigned", "in_progress", "replied", "evaluated", "closed"),
                    "result": typed("A", "B", "C", "D"), "category": typed("教育", "交通"),
                    "unit": typed("education", "health"), "q": typed("幼儿园", "18-2"), "overdue": typed("1", "no")}
COMMUNITY = typed("澄湖社区", "339001002", "东湖", "chenghu", "hx")
STATION = typed("chenghu")
RECEPTION = typed("chenghu-2026-11-23", "shiqiao-2026-10-22")
REPORT_FILTERS = {"year": typed("2025", "2026", "2027"), "group": typed("g-chenghu"), "deputy": typed("zhang-minghua")}

QUERIES = {
    "/": {},
    "/deputies": {**DEPUTY_FILTERS, **PAGE},
    "/lookup": {"community": COMMUNITY},
    "/lookup/suggest": {"community": COMMUNITY},
    "/stations": {},
    "/receptions": {"month": typed("2026-11", "2025-01", "2100-12"), "station": STATION},
    "/receptions.ics": {},
    "/reports": {**REPORT_FILTERS, **PAGE},
    "/reports/overview": {"year": typed("2025", "2026"), "all": typed("1", "0")},
    "/proposals": {**PROPOSAL_FILTERS, **PAGE},
    "/proposals.csv": PROPOSAL_FILTERS,
    "/proposals/stats": {"session": typed("18-1", "18-2")},
    "/opinions": {"reception": RECEPTION, **PAGE},
    "/opinions/new": {"community": COMMUNITY},
    "/opinions/route": {"community": COMMUNITY},
    "/opinions/track": {"code": typed("AAAAA-BBBBB", "aaaaabbbbb")},
    "/api/v1/deputies": {**DEPUTY_FILTERS, **PAGE},
    "/api/v1/communities": {"q": COMMUNITY, **PAGE},
    "/api/v1/lookup": {"community": COMMUNITY},
    "/api/v1/stations": PAGE,
    "/api/v1/receptions": {"from": typed("2026-01-01", "2026-11-26"), "to": typed("2026-12-31", "2027-12-31"),
                           "station": STATION, **PAGE},
    "/api/v1/reports": {**REPORT_FILTERS, **PAGE},
    "/api/v1/proposals": {**PROPOSAL_FILTERS, **PAGE},
    "/api/v1/proposals/stats": {"session": typed("18-1", "18-2")},
    "/api/v1/opinions": {"reception": RECEPTION, **PAGE},
}

# Path parameters: `{}` is replaced by the drawn value, percent-encoded as a browser would send it.
PATHS = {
    "/deputies/{}": typed("zhang-minghua"),
    "/stations/{}": STATION,
    "/stations/{}.ics": STATION,
    "/reports/{}": typed("2025/zhang-minghua", "2025/g-chenghu"),
    "/proposals/{}": typed("18-2-001", "18-2-045"),
    "/opinions/receipt/{}": typed("AAAAA-BBBBB"),
    "/api/v1/deputies/{}": typed("zhang-minghua"),
    "/api/v1/stations/{}": STATION,
    "/api/v1/reports/{}": typed("2025/zhang-minghua", "2025/g-chenghu"),
    "/api/v1/proposals/{}": typed("18-2-001"),
    "/api/v1/opinions/{}": typed("AAAAA-BBBBB"),
}


def check(response, path: str, sent: list[str]) -> None:
    assert response.status_code < 500, (path, sent, response.status_code)
    if path.startswith("/api/"):
        assert response.is_json and response.get_json() is not None, (path, sent, response.status_code)
        assert response.status_code in (200, 300, 400, 404), (path, sent, response.status_code)
    elif response.mimetype == "text/html" and any(SCRIPT in value for value in sent):
        assert SCRIPT not in response.get_data(as_text=True), (path, sent)


# Parameters no page reads: any text, and the names url_for takes as its own, which a link must not carry over.
STRAY_KEYS = SHORT_TEXT | st.sampled_from(["endpoint", "_external", "_anchor", "_scheme", "_method"])


@pytest.mark.parametrize("path", sorted(QUERIES))
def test_no_query_string_breaks_a_public_url(client, path):
    parameters = st.fixed_dictionaries({}, optional=QUERIES[path]) if QUERIES[path] else st.just({})

    @SETTINGS
    @given(query=parameters, htmx=st.booleans(), stray=st.dictionaries(STRAY_KEYS, SHORT_TEXT, max_size=2))
    def answers(query: dict[str, str], htmx: bool, stray: dict[str, str]) -> None:
        headers = {"HX-Request": "true"} if htmx else {}
        response = client.get(path, query_string={**stray, **query}, headers=headers)
        check(response, path, [*query.values(), *stray.values()])

    answers()


@pytest.mark.parametrize("path", sorted(PATHS))
def test_no_path_breaks_a_public_url(client, path):
    @SETTINGS
    @given(value=PATHS[path], htmx=st.booleans())
    def answers(value: str, htmx: bool) -> None:
        # Keep `/` between a report's year and slug as typed: the rule needs it; encode everything else.
        url = path.format(urllib.parse.quote(value, safe="/" if "/reports/" in path else ""))
        response = client.get(url, headers={"HX-Request": "true"} if htmx else {})
        check(response, path, [value])

    answers()


# --- every parameter alone with each of the values most likely to break it, for certain -------------------------

EDGES = ["\x00", "a\x00b", "²", "2⁵", "９", "-1", "0", str(2**63), "9" * 40, "1e9", "NaN", "9999-12-31",
         "0001-01-01", "9999-12", "%", "_", "'", '"', "\\", SCRIPT, "x" * 5000, "张" * 1000, "\r\n", "\u202e", "🙂"]


@pytest.mark.parametrize("path", sorted(QUERIES) + sorted(PATHS))
def test_each_parameter_alone_with_each_edge_value(client, path):
    broken = []
    for name in QUERIES.get(path, {"": None}):
        for value in EDGES:
            if path in PATHS:
                url = path.format(urllib.parse.quote(value, safe=""))
                response = client.get(url)
            else:
                response = client.get(path, query_string={name: value})
            try:
                check(response, path, [value])
            except AssertionError:
                broken.append((name, value[:20], response.status_code))
    assert not broken, "\n".join(map(str, broken))


# --- the opinion form --------------------------------------------------------------------------------------------

GOOD = {"community": "澄湖社区", "category": "urban", "subject": "小区门口路灯不亮",
        "body": "澄湖社区3号楼门口的路灯坏了两个星期，晚上出行很不方便。", "name": "王小明", "phone": "13912345678",
        "consent_pi": "y"}
OPINION_FIELDS = {
    "community": COMMUNITY, "category": typed("urban", "transport", "education", "other"),
    "subject": typed(GOOD["subject"]), "body": typed(GOOD["body"]), "name": typed(GOOD["name"]),
    "phone": typed(GOOD["phone"], "1391234567８"), "consent_pi": typed("y"), "consent_publish": typed("y"),
    "website": typed(""),
}
# A valid form with a few fields changed or left out (None), so that both stored and refused forms come up.
CHANGES = st.dictionaries(st.sampled_from(sorted(OPINION_FIELDS)), st.none(), max_size=3).flatmap(
    lambda fields: st.fixed_dictionaries({name: st.none() | OPINION_FIELDS[name] for name in fields}))
RECEIPT = re.compile(r"^/opinions/receipt/([A-Z2-9]{5}-[A-Z2-9]{5})$")


def send_opinion(client: FlaskClient, fields: dict[str, str], htmx: bool = False):
    page = client.get("/opinions/new").get_data(as_text=True)
    token = csrf_token_of(page)
    return client.post("/opinions", data={**fields, "csrf_token": token},
                       headers={"HX-Request": "true"} if htmx else {})


def check_opinion_answer(client: FlaskClient, response, fields: dict[str, str]) -> None:
    check(response, "/opinions", list(fields.values()))
    assert response.status_code in (200, 303, 400), (fields, response.status_code)
    if response.status_code == 303:  # stored: the receipt names the code
        code = RECEIPT.match(response.headers["Location"]).group(1)
        assert code in client.get(response.headers["Location"]).get_data(as_text=True)
    elif response.status_code == 400 and not any("\x00" in value for value in fields.values()):
        assert 'class="error-summary"' in response.get_data(as_text=True), fields  # the form, with what to correct


def test_no_input_breaks_the_opinion_form(client):
    outcomes = set()

    @SETTINGS
    @given(changes=CHANGES, htmx=st.booleans())
    def submit(changes: dict[str, str | None], htmx: bool) -> None:
        fields = {name: value for name, value in {**GOOD, **changes}.items() if value is not None}
        response = send_opinion(client, fields, htmx)
        check_opinion_answer(client, response, fields)
        outcomes.add(response.status_code)

    submit()
    assert {303, 400} <= outcomes, outcomes  # or the examples proved little


def test_each_form_field_alone_with_each_edge_value(client):
    """Every field of a valid form replaced by an edge value, or with one inside its valid value."""
    broken = []
    for name in OPINION_FIELDS:
        for value in EDGES:
            for typed_value in (value, splice(GOOD.get(name, "y"), value, 1)):
                fields = {**GOOD, name: typed_value}
                response = send_opinion(client, fields)
                try:
                    check_opinion_answer(client, response, fields)
                except AssertionError:
                    broken.append((name, typed_value[:20], response.status_code))
    assert not broken, "\n".join(map(str, broken))

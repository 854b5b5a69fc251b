"""English under /en/: the same pages, every text of the site translated, names and content as written."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from jinja2 import nodes
from sqlalchemy import String, Text, select

from renda.db import db
from renda.i18n import ENGLISH
from renda.locale import ENVIRON_KEY, PREFIX
from tests.e2e.pages import PUBLIC_PAGES, page_paths

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "renda" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
TEMPLATES = ROOT / "site" / "templates"
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
# From the first to the last Chinese character or punctuation of a word: what must be content to stay Chinese.
CHINESE_SPAN = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef].*[\u3000-\u303f\u3400-\u4dbf"
                          r"\u4e00-\u9fff\uff00-\uffef]|[\u3400-\u4dbf\u4e00-\u9fff]")
# Written in Chinese on purpose in every language: the language link names Chinese in Chinese.
OWN_NAMES = {"中文"}
GETTEXT_CALLS = {"_", "gettext", "ngettext", "pgettext", "npgettext"}


def staff_only(template: Path) -> bool:
    relative = template.relative_to(TEMPLATES)
    return relative.parts[0] == "staff" or template.name.startswith(("staff_", "_staff")) \
        or template.name == "_preview.html"


PUBLIC_TEMPLATES = sorted(p for p in TEMPLATES.rglob("*.html") if not staff_only(p))


def catalog() -> dict[tuple[str, str | None], str]:
    """The English of each (text, context) of the catalog."""
    with CATALOG.open("rb") as f:
        return {(m.id, m.context): m.string for m in read_po(f) if isinstance(m.id, str) and m.id and not m.fuzzy}


# --- the catalog --------------------------------------------------------------------------------------------

def source_texts() -> set[tuple[str, str | None]]:
    """Every (text, context) the sources mark for translation, as `make translations` extracts them."""
    method_map = [("renda/**.py", "renda.i18n.extract"), ("site/templates/**.html", "jinja2")]
    options = {"site/templates/**.html": {"trim_blocks": "True", "lstrip_blocks": "True"}}
    keywords = {"_": None, "gettext": None, "lazy_gettext": None, "pgettext": ((1, "c"), 2),
                "lazy_pgettext": ((1, "c"), 2)}
    return {(message, context) for _, _, message, _, context in
            extract_from_dir(str(ROOT), method_map, options, keywords=keywords)}


def test_every_text_of_the_sources_has_its_english_in_the_catalog():
    english = catalog()
    missing = sorted(text for text in source_texts() if not english.get(text))
    assert missing == [], f"{len(missing)} texts without English: run `make translations` and translate them"


def test_the_english_keeps_every_placeholder_of_the_chinese():
    placeholder = re.compile(r"%\(\w+\)[sd]|\{\w*\}")
    wrong = [(source, text) for (source, _), text in catalog().items()
             if text and sorted(placeholder.findall(source)) != sorted(placeholder.findall(text))]
    assert wrong == []


def test_an_english_text_holds_no_chinese():
    assert [(s, t) for s, t in catalog().items() if HAN.search(t)] == []


# --- the templates ------------------------------------------------------------------------------------------

def untranslated_in(app: Flask, template: Path) -> list[str]:
    """Chinese written in a public template outside `_()` / {% trans %}: it would show untranslated."""
    tree = app.jinja_env.parse(template.read_text(), template.name)
    found: list[str] = []

    def walk(node: nodes.Node, in_gettext: bool) -> None:
        if isinstance(node, nodes.TemplateData) and HAN.search(re.sub("|".join(OWN_NAMES), "", node.data)):
            found.append(node.data.strip())
        elif isinstance(node, nodes.Const) and isinstance(node.value, str) and HAN.search(node.value):
            if not in_gettext and node.value not in OWN_NAMES:
                found.append(node.value)
        is_call = isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name) \
            and node.node.name in GETTEXT_CALLS
        for child in node.iter_child_nodes():
            walk(child, in_gettext or is_call)

    walk(tree, False)
    return found


@pytest.mark.parametrize("template", PUBLIC_TEMPLATES, ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_a_public_template_writes_its_chinese_only_through_gettext(app, template):
    assert untranslated_in(app, template) == []


def test_the_template_check_finds_chinese_written_as_is(app, tmp_path):
    page = tmp_path / "page.html"
    page.write_text('<p>代表名录</p>{{ macro(label="姓名") }}{{ _("已翻译") }}')
    assert untranslated_in(app, page) == ["<p>代表名录</p>", "姓名"]


# --- the pages, as an English visitor gets them --------------------------------------------------------------

class Texts(HTMLParser):
    """The text a reader meets in a page: its words, and the attributes read aloud or shown."""

    SHOWN_ATTRIBUTES = {"alt", "title", "aria-label", "placeholder", "aria-description"}

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skipping += 1
        for name, value in attrs:
            if value and (name in self.SHOWN_ATTRIBUTES or (tag == "input" and name == "value")):
                self.texts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.texts.append(data)


def content_of(app: Flask) -> str:
    """Every text the database holds (names, addresses, titles, replies …): what stays as written."""
    values: list[str] = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text)]
            if columns:
                for row in db.session.execute(select(*columns)):
                    values.extend(str(v) for v in row if v)
    return "\x00".join(values)


def chinese_outside_content(html: str, content: str) -> list[str]:
    parser = Texts()
    parser.feed(html)
    left = []
    for text in parser.texts:
        for word in text.split():
            span = CHINESE_SPAN.search(word)
            if span and span.group() not in content and span.group() not in OWN_NAMES:
                left.append(span.group())
    return left


ENGLISH_EXTRA_PAGES = {
    "accessibility": "/accessibility", "mode": "/mode?next=/deputies", "opinion-form-station": "/opinions/new",
    "reports-feed": "/reports.atom", "proposals-feed": "/proposals.atom", "opinions-feed": "/opinions.atom",
    "projects-feed": "/projects.atom", "station-feed": "/stations/chenghu.atom", "suggest": "/lookup/suggest?q=西岭",
}


@pytest.fixture(scope="module")
def english_pages(demo_database, tmp_path_factory):
    from tests.conftest import app_on_copy

    folder = tmp_path_factory.mktemp("english")
    with app_on_copy(demo_database, folder, SITE_URL="https://renda.example.cn") as site:
        with site.app_context():
            paths = {**page_paths(), **ENGLISH_EXTRA_PAGES}
            db.session.commit()
        yield site, paths, content_of(site)


@pytest.mark.parametrize("page", sorted({*PUBLIC_PAGES, *ENGLISH_EXTRA_PAGES}))
def test_an_english_page_shows_no_chinese_but_the_content(english_pages, page):
    site, paths, content = english_pages
    response = site.test_client().get("/en" + paths[page])
    assert response.status_code == PUBLIC_PAGES.get(page, 200)
    typed = [value for values in parse_qs(urlsplit(paths[page]).query).values() for value in values]
    assert chinese_outside_content(response.get_data(as_text=True), "\x00".join([content, *typed])) == []


def test_the_check_of_pages_finds_a_chinese_word_that_is_not_content():
    page = '<p>Deputies</p><p>城湖街道</p><input value="提交"><p>2026年12月4日</p><script>"代表"</script>'
    assert chinese_outside_content(page, "城湖街道") == ["提交", "年12月4日"]


# --- the addresses -----------------------------------------------------------------------------------------

def test_an_english_page_is_english_and_names_both_languages(client: FlaskClient):
    page = client.get("/en/deputies")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<html lang="en"' in html
    assert '<link rel="alternate" hreflang="zh-CN" href="/deputies">' in html
    assert '<link rel="alternate" hreflang="en" href="/en/deputies">' in html
    assert '<a class="language-link" hx-boost="false" href="/deputies"' in html
    chinese = client.get("/deputies?level=county").get_data(as_text=True)
    assert '<html lang="zh-CN"' in chinese
    assert '<a class="language-link" hx-boost="false" href="/en/deputies?level=county"' in chinese


def test_links_of_an_english_page_stay_english_but_those_with_no_english(client: FlaskClient):
    html = client.get("/en/deputies").get_data(as_text=True)
    assert 'href="/en/stations"' in html and 'href="/en/opinions/new"' in html
    assert 'href="/deputies.csv"' in html and 'href="/api/v1/deputies"' in html
    assert re.search(r'href="/static/style\.\w+\.css"', html)
    assert client.get("/en/deputies").headers["Link"].startswith("</api/v1/deputies>")


@pytest.mark.parametrize("path", ["/en/api/v1/deputies", "/en/deputies.csv", "/en/receptions.ics",
                                  "/en/qr/opinion.svg", "/en/staff/login", "/en/healthz"])
def test_what_has_no_english_is_not_found_under_en(client: FlaskClient, path):
    assert client.get(path).status_code == 404


def test_no_visitor_is_sent_elsewhere_by_their_browser_language(client: FlaskClient):
    chinese = client.get("/deputies", headers={"Accept-Language": "en-US,en;q=0.9"})
    english = client.get("/en/deputies", headers={"Accept-Language": "zh-CN"})
    assert chinese.status_code == english.status_code == 200
    assert '<html lang="zh-CN"' in chinese.get_data(as_text=True)
    assert '<html lang="en"' in english.get_data(as_text=True)


def test_the_cache_keeps_each_language_apart(client: FlaskClient):
    for _ in range(2):
        assert '<html lang="zh-CN"' in client.get("/stations").get_data(as_text=True)
        assert '<html lang="en"' in client.get("/en/stations").get_data(as_text=True)


def test_json_keeps_chinese_labels(client: FlaskClient):
    item = client.get("/api/v1/projects").get_json()["items"][0]
    assert HAN.search(item["status_label"])


def test_a_page_whose_address_holds_a_tracking_code_links_the_other_language_without_it(app, client):
    from conftest import make_opinion

    from renda.opinions.models import Opinion, format_code

    with app.app_context():
        code = format_code(db.session.get(Opinion, make_opinion(app)).code)
    for path, other in ((f"/opinions/track?code={code}", "/en/opinions/track"),
                        (f"/en/opinions/receipt/{code}", "/opinions/track")):
        html = client.get(path).get_data(as_text=True)
        assert f'class="language-link" hx-boost="false" href="{other}"' in html
        assert 'hreflang="en" href=' not in html and 'hreflang="zh-CN" href=' not in html
        assert not re.search(rf'href="[^"]*{code}', html.split("<main", 1)[0])  # nothing above the page holds it


def test_the_staff_area_has_no_language_link(client):
    html = client.get("/staff/login").get_data(as_text=True)
    assert "language-link" not in html and "hreflang" not in html


@pytest.mark.parametrize(("english", "heading"), [(False, "回执码丢了？"), (True, "Lost your tracking code?")])
def test_a_templates_texts_keep_their_markup_and_escape_what_is_put_into_them(app, english, heading):
    template = app.jinja_env.from_string(
        '{{ _("回执码丢了？") }}|{{ _("搜索“%(q)s”", q=q) }}|{{ _("100%%") }}|'
        '{% trans url=url %}每位代表的<a href="{{ url }}">履职档案</a>{% endtrans %}')
    # What renda.locale.LanguagePrefix makes of /en/ (a test request context skips the middleware)
    environ = {ENVIRON_KEY: ENGLISH, "SCRIPT_NAME": PREFIX} if english else {}
    with app.test_request_context("/", environ_overrides=environ):
        app.preprocess_request()  # the language of the address, as a page's request has it
        shown = template.render(q="<b>停车</b>", url='"><script>')
    found, searched, percent, linked = shown.split("|")
    assert found == heading and percent == "100%"
    assert "&lt;b&gt;停车&lt;/b&gt;" in searched and "<b>" not in searched
    assert linked.count("<a href=") == 1 and "<script>" not in linked and "&#34;&gt;&lt;script&gt;" in linked

"""A report's Markdown made into safe HTML: raw HTML shown as text, then an allow-list."""

from __future__ import annotations

import re
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# --- Markdown --------------------------------------------------------------------------------------------

# Raw HTML in the body is shown as text (html off); nh3 then enforces the allow-list on what Markdown made,
# so a gap in either layer alone does not open the page to script.
_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")

ALLOWED_TAGS = {
    "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}
# Our own images only: a path on this site, not a protocol-relative "//host" (nor "/\host", which browsers
# read the same way).
OWN_IMAGE = re.compile(r"/(?![/\\]|%5c)", re.I)


def _demote_title_headings(state: Any) -> None:
    """The page's own <h1> is the report's title: a "# heading" in the body becomes an <h2>."""
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close") and token.tag == "h1":
            token.tag = "h2"


_markdown.core.ruler.push("demote_title_headings", _demote_title_headings)


def _keep_own_images(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src" and not OWN_IMAGE.match(value):
        return None
    return value


def render_markdown(source: str) -> Markup:
    """A report body as safe HTML: CommonMark with tables, sanitised to an allow-list."""
    html = nh3.clean(
        _markdown.render(source or ""),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_keep_own_images,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        # Markdown tables have their headings in the first row only.
        set_tag_attribute_values={"th": {"scope": "col"}},
    )
    return Markup(html)



"""The site's two languages: Chinese, in which every text is written, and English, from the message catalog
(renda/translations/en/LC_MESSAGES/messages.po, made by `make translations`).

Texts shown to the public are written `_("中文")` in templates and `gettext("中文")` / `lazy_gettext("中文")` in
Python; the labels of the enumerations (db.Choice) are translated where they are read. What a request is
answered in is chosen by renda/locale.py (the `/en/` prefix); outside a request, and under the API, texts stay
Chinese.
"""

from __future__ import annotations

import ast
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import IO, Any

from babel.dates import format_date
from babel.messages.extract import extract_python
from flask_babel import force_locale, get_locale, gettext, ngettext, pgettext

SOURCE = "zh"
ENGLISH = "en"
LANGUAGES = (SOURCE, ENGLISH)
# What each language is called in `lang` and `hreflang` attributes.
LANGUAGE_TAGS = {SOURCE: "zh-CN", ENGLISH: "en"}


@dataclass(frozen=True)
class Speaking:
    """The language of a request and its catalog, looked up once (renda/locale.py sets it for each page)."""

    code: str
    translations: Any


# Flask-Babel finds the catalog anew for each text (the locale, the domain, a cache keyed by the locale's name),
# which costs more than the rest of a label's rendering: a page sets the answer here once instead.
_speaking: ContextVar[Speaking | None] = ContextVar("renda_speaking", default=None)


def speak(code: str, translations: Any) -> Token[Speaking | None]:
    return _speaking.set(Speaking(code, translations))


def stop_speaking(token: Token[Speaking | None]) -> None:
    _speaking.reset(token)


def language() -> str:
    """The language texts are being given in now: "en" under /en/ (or inside `in_language("en")`), else "zh"."""
    speaking = _speaking.get()
    if speaking is not None:
        return speaking.code
    locale = get_locale()
    return ENGLISH if locale is not None and locale.language == ENGLISH else SOURCE


def translate(text: str) -> str:
    """`text` (Chinese) in the language of the moment; for texts not known to the extraction, such as labels."""
    if not text:
        return text
    speaking = _speaking.get()
    return speaking.translations.ugettext(text) if speaking is not None else gettext(text)


def translate_in(context: str, text: str) -> str:
    """`text` as meant in `context` (pgettext), in the language of the moment."""
    speaking = _speaking.get()
    return speaking.translations.upgettext(context, text) if speaking is not None else pgettext(context, text)


def translate_plural(singular: str, plural: str, n: int) -> str:
    speaking = _speaking.get()
    if speaking is None:
        return ngettext(singular, plural, n)
    return speaking.translations.ungettext(singular, plural, n)


@contextmanager
def in_language(code: str | None) -> Iterator[None]:
    """A block in which texts are given in `code` ("zh" or "en"; anything else: Chinese): a message to a
    resident is written in the language they wrote their opinion in, whatever the page's."""
    token = _speaking.set(None)
    try:
        with force_locale(code if code in LANGUAGES else SOURCE):
            yield
    finally:
        _speaking.reset(token)


def date_long(day: dt.date) -> str:
    """2026年12月04日 (4 December 2026)."""
    return format_date(day, "d MMMM y", locale=ENGLISH) if language() == ENGLISH else day.strftime("%Y年%m月%d日")


def date_short(day: dt.date) -> str:
    """12月04日 (4 Dec)."""
    return format_date(day, "d MMM", locale=ENGLISH) if language() == ENGLISH else day.strftime("%m月%d日")


def month_long(day: dt.date) -> str:
    """2026年12月 (December 2026)."""
    return format_date(day, "MMMM y", locale=ENGLISH) if language() == ENGLISH else day.strftime("%Y年%m月")


def _choice_labels(source: str) -> Iterator[tuple[int, str]]:
    """(line, label) of every member of an enumeration in `source` written `NAME = "code", "标签"`."""
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ClassDef):
            continue
        if not any(isinstance(base, ast.Name) and base.id.endswith("Choice") for base in node.bases):
            continue
        for statement in node.body:
            if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Tuple):
                parts = statement.value.elts
                if len(parts) == 2 and all(isinstance(p, ast.Constant) and isinstance(p.value, str) for p in parts):
                    yield statement.lineno, parts[1].value  # type: ignore[attr-defined]  # a str Constant, checked


def extract(fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any) -> Iterator[tuple[Any, ...]]:
    """Babel's extraction of Python (gettext calls), plus the labels of the enumerations (babel.cfg names it)."""
    source = fileobj.read()
    fileobj.seek(0)
    yield from extract_python(fileobj, keywords, comment_tags, options)
    for line, label in _choice_labels(source.decode("utf-8")):
        yield line, None, label, []

"""The templates keep their conventions: links made by url_for, enumerations as globals, fields wired for
assistive technology by the field() macro."""

from __future__ import annotations

import re
from pathlib import Path

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

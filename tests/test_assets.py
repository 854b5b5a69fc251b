"""Static files under content-hashed names: kept by browsers for a year, renamed when they change."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

from renda.assets import IMMUTABLE, read_assets

STATIC = Path(__file__).resolve().parent.parent / "site" / "static"


def asset_urls(page: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', page)


def test_pages_link_every_asset_by_a_hashed_name_that_browsers_keep_for_a_year(client):
    urls = asset_urls(client.get("/").get_data(as_text=True))
    assert {re.sub(r"\.[0-9a-f]{12}(?=\.)", "", url) for url in urls} >= {
        "/static/style.css", "/static/favicon.svg", "/static/htmx-2.0.11.min.js"}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == IMMUTABLE
        plain = url.replace(re.search(r"\.[0-9a-f]{12}(?=\.)", url).group(0), "")
        assert response.get_data() == (STATIC / plain.removeprefix("/static/")).read_bytes()


def test_the_plain_name_still_answers_but_is_asked_for_again(client):
    response = client.get("/static/style.css")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"
    assert client.get("/static/style.css", headers={"If-None-Match": response.headers["ETag"]}).status_code == 304


def test_scripts_and_styles_go_compressed_to_clients_that_accept_it(client):
    page = client.get("/").get_data(as_text=True)
    script = next(url for url in asset_urls(page) if "htmx" in url)
    packed = client.get(script, headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.get_data()) == client.get(script).get_data()
    assert len(packed.get_data()) < 25_000  # 52 KB as written


def test_a_changed_file_gets_a_new_name(tmp_path):
    (tmp_path / "style.css").write_text("body { color: black }")
    first, _ = read_assets(tmp_path)
    (tmp_path / "style.css").write_text("body { color: navy }")
    second, files = read_assets(tmp_path)
    assert first["style.css"] != second["style.css"]
    assert re.fullmatch(r"style\.[0-9a-f]{12}\.css", second["style.css"])
    assert files[second["style.css"]].immutable and not files["style.css"].immutable


def test_unknown_and_escaping_names_are_not_found(client):
    for path in ("/static/nothing.css", "/static/../renda/config.py", "/static/%2e%2e/app.py",
                 "/static/style.0000.css"):
        assert client.get(path).status_code == 404, path

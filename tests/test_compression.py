"""Text answers go gzip-compressed to clients that accept it; a stored page is compressed once, not per answer."""

from __future__ import annotations

import gzip
import zlib

import pytest
from conftest import csrf_token_of

from renda import compression
from renda.compression import Gzipped

GZIP = {"Accept-Encoding": "gzip, deflate, br"}
PUBLIC = ["/", "/reports/overview", "/api/v1/deputies?per_page=50", "/proposals.csv", "/stations/chenghu.ics"]


@pytest.mark.parametrize("path", PUBLIC)
def test_a_client_that_accepts_gzip_gets_the_same_answer_compressed(client, path):
    plain = client.get(path)
    packed = client.get(path, headers=GZIP)
    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.get_data()) == plain.get_data()
    assert len(packed.get_data()) < len(plain.get_data()) / 2
    assert "Accept-Encoding" in plain.headers["Vary"] and "Accept-Encoding" in packed.headers["Vary"]
    assert int(packed.headers["Content-Length"]) == len(packed.get_data())


def test_a_client_that_refuses_gzip_gets_it_plain(client):
    for refusal in ({}, {"Accept-Encoding": "identity"}, {"Accept-Encoding": "gzip;q=0, br"}):
        response = client.get("/deputies", headers=refusal)
        assert "Content-Encoding" not in response.headers, refusal
        assert "人大代表" in response.get_data(as_text=True)


def test_a_stored_page_is_compressed_once_however_often_it_is_asked_for(client, monkeypatch):
    made: list[int] = []
    real = compression._deflate_part
    monkeypatch.setattr(compression, "_deflate_part", lambda data: made.append(len(data)) or real(data))
    first = client.get("/reports/overview", headers=GZIP)
    assert made and max(made) > 10_000  # compressed as it was stored
    made.clear()
    for _ in range(5):
        again = client.get("/reports/overview", headers=GZIP)
        assert again.get_data() == first.get_data()
    assert made == []  # answered from the stored compressed body


def test_each_encoding_revalidates_with_its_own_tag(client):
    plain = client.get("/deputies")
    packed = client.get("/deputies", headers=GZIP)
    assert plain.headers["ETag"] != packed.headers["ETag"]
    again = client.get("/deputies", headers={**GZIP, "If-None-Match": packed.headers["ETag"]})
    assert again.status_code == 304
    # a tag of the plain body does not make a gzip client keep what it does not hold
    assert client.get("/deputies", headers={**GZIP, "If-None-Match": plain.headers["ETag"]}).status_code == 200


OPINION = {"community": "澄湖社区", "category": "urban", "subject": "路灯不亮", "phone": "13912345678",
           "body": "澄湖社区3号楼门口的路灯坏了两个星期。", "consent_pi": "y"}


def test_a_form_from_the_cache_comes_compressed_with_the_visitors_own_token(app):
    tokens = []
    for visitor in (app.test_client(), app.test_client()):
        page = visitor.get("/opinions/new", headers=GZIP)
        assert page.headers["Content-Encoding"] == "gzip"
        tokens.append(csrf_token_of(gzip.decompress(page.get_data()).decode()))
        posted = visitor.post("/opinions", data={**OPINION, "csrf_token": tokens[-1]})
        assert posted.status_code == 303, posted.get_data(as_text=True)[:400]
    assert tokens[0] != tokens[1]


def test_pages_made_afresh_are_compressed_too(client, auth):
    auth.as_role("admin")
    response = client.get("/staff/audit", headers=GZIP)
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "admin-all" in gzip.decompress(response.get_data()).decode()  # the signed-in user's own page


def test_a_body_with_holes_is_valid_gzip_of_the_filled_text():
    body = b"<p>" + b"x" * 3000 + b"HOLE" + "中文".encode() * 500 + b"HOLE</p>"
    packed = Gzipped.of(body, b"HOLE")
    assert gzip.decompress(packed.body(b"token-1")) == body.replace(b"HOLE", b"token-1")
    assert zlib.decompress(packed.body(b"t2"), wbits=31) == body.replace(b"HOLE", b"t2")
    assert gzip.decompress(Gzipped.of(b"").body()) == b""

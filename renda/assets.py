"""The files of `site/static/` under content-hashed names, which browsers may keep for a year without asking again.

`url_for("static", filename="style.css")` gives `/static/style.<hash>.css`: a changed file gets a new name, so a
stored copy is never stale. The plain name still answers, with `no-cache`, for links made elsewhere. The files are
few and small, so each is read once at start, with its gzip form beside it.
"""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, current_app, request

from .compression import MIN_SIZE, Gzipped, accepts_gzip, send_gzipped

IMMUTABLE = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class Asset:
    body: bytes
    mimetype: str
    etag: str
    gzipped: bytes | None
    immutable: bool  # asked for by its hashed name


def hashed_name(path: str, digest: str) -> str:
    """`htmx-2.0.11.min.js` → `htmx-2.0.11.min.<digest>.js`: the hash before the last suffix keeps the type."""
    folder, _, name = path.rpartition("/")
    stem, dot, suffix = name.rpartition(".")
    hashed = f"{stem}.{digest}.{suffix}" if dot else f"{name}.{digest}"
    return f"{folder}/{hashed}" if folder else hashed


def read_assets(folder: Path) -> tuple[dict[str, str], dict[str, Asset]]:
    """The hashed name of each file, and every file by its plain and its hashed name."""
    names: dict[str, str] = {}
    files: dict[str, Asset] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        body = path.read_bytes()
        digest = hashlib.sha256(body).hexdigest()[:12]
        mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
        compressible = mimetype.startswith("text/") or mimetype in ("application/javascript", "image/svg+xml")
        gzipped = Gzipped.of(body).body() if compressible and len(body) >= MIN_SIZE else None
        names[name] = hashed_name(name, digest)
        files[name] = Asset(body, mimetype, digest, gzipped, immutable=False)
        files[names[name]] = Asset(body, mimetype, digest, gzipped, immutable=True)
    return names, files


def _hash_static_urls(endpoint: str, values: dict[str, Any]) -> None:
    if endpoint == "static" and "filename" in values:
        values["filename"] = current_app.extensions["static_names"].get(values["filename"], values["filename"])


def serve_static(filename: str) -> Response:
    asset = current_app.extensions["static_files"].get(filename)
    if asset is None:
        abort(404)
    response = current_app.response_class(mimetype=asset.mimetype)
    if asset.gzipped is not None and accepts_gzip():
        send_gzipped(response, asset.gzipped)
        response.set_etag(f"{asset.etag}-gz")
    else:
        response.set_data(asset.body)
        response.set_etag(asset.etag)
    if asset.gzipped is not None:
        response.vary.add("Accept-Encoding")
    response.headers["Cache-Control"] = IMMUTABLE if asset.immutable else "no-cache"
    response.make_conditional(request)
    return response


def init_app(app: Flask) -> None:
    assert app.static_folder is not None
    names, files = read_assets(Path(app.static_folder))
    app.extensions["static_names"], app.extensions["static_files"] = names, files
    app.url_defaults(_hash_static_urls)
    app.view_functions["static"] = serve_static

"""QR codes as SVG, made here from an absolute address of the site: segno, no outside service."""

from __future__ import annotations

import io
from typing import Any

import segno

# Error correction M (15% of the code may be soiled or torn, as on a notice board outdoors); the standard quiet
# zone of four modules, on white (paper or screen of any colour); no width and height but a viewBox, so that a
# page or a printer sizes it.
SVG_OPTIONS: dict[str, Any] = {"kind": "svg", "border": 4, "omitsize": True, "xmldecl": True, "dark": "#000",
                               "light": "#fff"}
ERROR_LEVEL = "m"


def public_url(site_url: str, path: str) -> str:
    """The address people reach `path` at: the site's public address (SITE_URL) and the path, joined once."""
    return site_url.rstrip("/") + "/" + path.lstrip("/")


def qr_svg(url: str) -> bytes:
    """The QR code of `url` as an SVG document; its title is the address, for whoever opens the file."""
    out = io.BytesIO()
    segno.make(url, error=ERROR_LEVEL).save(out, title=url, **SVG_OPTIONS)
    return out.getvalue()

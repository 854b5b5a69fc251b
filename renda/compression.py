"""Gzip for every text answer a client accepts it for, made so that a stored page is compressed only once."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

from flask import Response, request

# Below this size gzip's own header and trailer eat what it saves.
MIN_SIZE = 256
LEVEL = 6
COMPRESSIBLE = {
    "text/html", "text/css", "text/plain", "text/csv", "text/calendar", "text/javascript",
    "application/javascript", "application/json", "application/xml", "application/atom+xml", "image/svg+xml",
}
# A gzip member header: magic, deflate, no flags, no time, no extra flags, unknown OS (RFC 1952 §2.3).
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
# The final, empty deflate block that ends the stream (RFC 1951 §3.2.3: BFINAL=1, fixed codes, end of block).
FINAL_BLOCK = b"\x03\x00"


def _deflate_part(data: bytes) -> bytes:
    """Raw deflate blocks of `data`, flushed to a byte boundary and not final, so that parts made apart can be
    laid one after another as a single deflate stream."""
    compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)


@dataclass(frozen=True)
class Gzipped:
    """A body compressed once, in parts around holes (a visitor's CSRF token) that are filled per answer.

    Only the few bytes of each filling are compressed per answer; the checksum of the whole is computed again,
    which zlib does at memory speed.
    """

    parts: tuple[bytes, ...]  # deflate blocks of the text between the holes
    plain: tuple[bytes, ...]  # that text itself, for the checksum and the length
    whole: bytes | None = None  # a body without holes: its gzip bytes, made once, sent as they are

    @classmethod
    def of(cls, body: bytes, hole: bytes | None = None) -> Gzipped:
        pieces = tuple(body.split(hole)) if hole else (body,)
        if len(pieces) == 1:
            return cls((), (), cls((_deflate_part(body),), pieces).body())
        return cls(tuple(_deflate_part(piece) for piece in pieces), pieces)

    def body(self, filling: bytes = b"") -> bytes:
        if self.whole is not None:
            return self.whole
        filled = _deflate_part(filling) if len(self.parts) > 1 else b""
        crc, size, out = 0, 0, [GZIP_HEADER]
        for index, (part, piece) in enumerate(zip(self.parts, self.plain, strict=True)):
            if index:
                out.append(filled)
                crc, size = zlib.crc32(filling, crc), size + len(filling)
            out.append(part)
            crc, size = zlib.crc32(piece, crc), size + len(piece)
        out += [FINAL_BLOCK, struct.pack("<II", crc, size & 0xFFFFFFFF)]
        return b"".join(out)

    @property
    def size(self) -> int:
        return len(self.whole) if self.whole is not None else sum(map(len, self.parts))


def is_compressible(response: Response) -> bool:
    return response.mimetype in COMPRESSIBLE


def accepts_gzip() -> bool:
    return request.accept_encodings.quality("gzip") > 0


def send_gzipped(response: Response, body: bytes) -> Response:
    """`response` answering with `body`, already gzip-compressed."""
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response


def compress(response: Response) -> Response:
    """After-request, the last of web.AFTER_REQUEST: compress what nothing before compressed (answers made afresh:
    staff pages, posts, what the cache does not keep)."""
    if (response.direct_passthrough or response.is_streamed or "Content-Encoding" in response.headers
            or not is_compressible(response) or request.method == "HEAD"):
        return response
    response.vary.add("Accept-Encoding")
    body = response.get_data()
    if len(body) < MIN_SIZE or not accepts_gzip() or response.status_code in (204, 304):
        return response
    return send_gzipped(response, Gzipped.of(body).body())

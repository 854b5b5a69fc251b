"""The photo of a reported duty, received: a JPEG or PNG (by its bytes, not its name), within 5 MB and a pixel
bound, turned upright, made smaller, and written again as a JPEG that carries nothing of the original's metadata
(no place, no time, no camera)."""

from __future__ import annotations

import io
import warnings
from typing import IO

from PIL import Image, ImageOps, UnidentifiedImageError

from ..problems import Problem

MAX_PHOTO_BYTES = 5 * 1024 * 1024
# More pixels than a phone's photo has (12 to 20 MP as they save them by default): a file that claims more may be
# a decompression bomb, small on disk and gigabytes once decoded. Checked on the header's size, before anything is
# decoded; 40 MP decode to at most 160 MB.
MAX_PHOTO_PIXELS = 40_000_000
# The long side of the stored photo: enough for a record page and a print, a few hundred KB.
MAX_PHOTO_SIDE = 2000
JPEG_QUALITY = 85
ACCEPTED_FORMATS = {"JPEG": "JPEG", "PNG": "PNG"}

FIELD = "photo"
NOT_AN_IMAGE = "照片只能是 JPEG 或 PNG 格式的图片，这个文件不是（请重新选择照片）"
TOO_LARGE = f"照片不能超过 {MAX_PHOTO_BYTES // (1024 * 1024)} MB，请换一张较小的照片（请重新选择照片）"
TOO_MANY_PIXELS = "这张图片的像素太多（超过 4000 万像素），无法处理，请换一张照片（请重新选择照片）"
UNREADABLE = "照片无法读取，文件可能已损坏，请换一张照片（请重新选择照片）"


def receive_photo(source: bytes | IO[bytes]) -> tuple[bytes, int, int] | Problem:
    """The photo as it is stored (JPEG bytes, width, height), or the Problem that refuses it."""
    data = source if isinstance(source, bytes) else source.read(MAX_PHOTO_BYTES + 1)
    if len(data) > MAX_PHOTO_BYTES:
        return Problem(FIELD, TOO_LARGE)
    if not data:
        return Problem(FIELD, NOT_AN_IMAGE)
    try:
        with warnings.catch_warnings():
            # Pillow warns (DecompressionBombWarning) from half its own limit; ours is checked below, and a
            # warning must not be an error in one place and silence in another.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(ACCEPTED_FORMATS)) as image:
                width, height = image.size
                if width * height > MAX_PHOTO_PIXELS:
                    return Problem(FIELD, TOO_MANY_PIXELS)
                return _reencode(image)
    except UnidentifiedImageError:
        return Problem(FIELD, NOT_AN_IMAGE)
    except Image.DecompressionBombError:
        return Problem(FIELD, TOO_MANY_PIXELS)
    except (OSError, ValueError, SyntaxError, EOFError):  # a truncated or corrupt file of an accepted format
        return Problem(FIELD, UNREADABLE)


def _reencode(image: Image.Image) -> tuple[bytes, int, int]:
    """Upright (the EXIF orientation applied, since the tag itself is dropped), at most MAX_PHOTO_SIDE on its long
    side, RGB (transparency on white), saved as a new JPEG with no EXIF, ICC, XMP or comment."""
    image.draft("RGB", (MAX_PHOTO_SIDE, MAX_PHOTO_SIDE))  # a large JPEG is decoded at a fraction of its size
    upright = ImageOps.exif_transpose(image)
    if upright.mode in ("RGBA", "LA", "PA") or (upright.mode == "P" and "transparency" in upright.info):
        rgba = upright.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        upright = flat
    else:
        upright = upright.convert("RGB")
    upright.thumbnail((MAX_PHOTO_SIDE, MAX_PHOTO_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # A new image has an empty info: nothing of the original's metadata is passed to save().
    clean = Image.new("RGB", upright.size)
    clean.paste(upright)
    clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue(), clean.width, clean.height

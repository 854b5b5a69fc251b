"""The photo of a reported duty as it is received: only JPEG and PNG by their bytes, within 5 MB and the pixel
bound (a decompression bomb is refused before it is decoded), upright, smaller, and without metadata."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from renda.problems import Problem
from renda.records.photos import MAX_PHOTO_BYTES, MAX_PHOTO_SIDE, receive_photo

GPS_IFD = 0x8825
MAKE, ORIENTATION = 0x010F, 0x0112


def jpeg(size: tuple[int, int] = (64, 48), exif: bool = False, orientation: int | None = None) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    tags = Image.Exif()
    if exif:
        tags[MAKE] = "TestCamera"
        tags[GPS_IFD] = {1: "N", 2: (31.0, 14.0, 5.0), 3: "E", 4: (121.0, 28.0, 7.0)}
    if orientation is not None:
        tags[ORIENTATION] = orientation
    image.save(out, "JPEG", exif=tags.tobytes(), comment=b"secret note" if exif else b"")
    return out.getvalue()


def png(size: tuple[int, int] = (40, 30), mode: str = "RGBA") -> bytes:
    image = Image.new(mode, size, (0, 0, 255, 0) if mode == "RGBA" else 1)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def bomb() -> bytes:
    """A PNG of 20000 × 20000 one-bit pixels: some tens of KB on disk, 400 megapixels once decoded."""
    out = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(out, "PNG")
    return out.getvalue()


def test_a_jpeg_is_written_again_without_its_metadata():
    data, width, height = receive_photo(jpeg(exif=True))
    assert (width, height) == (64, 48)
    with Image.open(io.BytesIO(data)) as stored:
        assert stored.format == "JPEG"
        assert not stored.getexif()
        assert "exif" not in stored.info and "comment" not in stored.info and "icc_profile" not in stored.info
    assert b"TestCamera" not in data and b"secret note" not in data and b"Exif" not in data


def test_the_orientation_is_applied_before_the_tag_goes():
    data, width, height = receive_photo(jpeg((64, 48), orientation=6))  # 6: turn 90° clockwise to show
    assert (width, height) == (48, 64)
    with Image.open(io.BytesIO(data)) as stored:
        assert stored.size == (48, 64)


def test_a_png_is_flattened_on_white_and_stored_as_jpeg():
    data, width, height = receive_photo(png())
    with Image.open(io.BytesIO(data)) as stored:
        assert stored.format == "JPEG" and stored.mode == "RGB" and (width, height) == (40, 30)
        assert all(channel > 240 for channel in stored.getpixel((5, 5)))  # transparent became white


def test_a_large_photo_is_made_smaller():
    data, width, height = receive_photo(jpeg((4000, 3000)))
    assert (width, height) == (MAX_PHOTO_SIDE, 1500)


def test_a_stream_is_read_as_bytes_are():
    assert not isinstance(receive_photo(io.BytesIO(jpeg())), Problem)


@pytest.mark.parametrize(("data", "words"), [
    (b"this is a text file, named photo.jpg", "不是"),
    (b"", "不是"),
    (b"GIF89a" + b"\x00" * 100, "不是"),
    (jpeg()[:200], "无法读取"),
    (b"\xff" * (MAX_PHOTO_BYTES + 1), "不能超过 5 MB"),
])
def test_what_is_not_a_jpeg_or_png_within_5_mb_is_refused_in_chinese(data, words):
    problem = receive_photo(data)
    assert isinstance(problem, Problem) and problem.field == "photo"
    assert words in problem.message and "请重新选择照片" in problem.message


def test_a_gif_is_refused_whatever_it_shows():
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "GIF")
    assert isinstance(receive_photo(out.getvalue()), Problem)


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    data = bomb()
    assert len(data) < 200_000
    problem = receive_photo(data)
    assert isinstance(problem, Problem) and "像素太多" in problem.message

"""A deputy signs in on a phone, reports a voter contact with a photo; an editor confirms it at another browser,
and the deputy's public record shows it, photo included."""

from __future__ import annotations

import io
import secrets
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from flask import Flask
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from renda.db import db
from renda.records.models import DutyEntry, DutyStatus

pytestmark = pytest.mark.browser

DEPUTY = "xie-yuzhong"
PHONE = {"width": 360, "height": 740}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"


def small_jpeg(folder: Path) -> Path:
    path = folder / "visit.jpg"
    image = Image.new("RGB", (640, 480), (70, 130, 180))
    for x in range(100, 540):
        for y in range(200, 280):
            image.putpixel((x, y), (240, 200, 40))
    out = io.BytesIO()
    image.save(out, "JPEG")
    path.write_bytes(out.getvalue())
    return path


def shoot(page: object, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-360.png"), full_page=True)  # type: ignore[attr-defined]


def test_a_deputy_reports_from_a_phone_an_editor_confirms_and_the_record_shows_it(
        live_app: Flask, live_server: str, page, second_page, staff_account, sign_in, overflow, axe, tmp_path):
    title = f"走访青溪村困难群众（{secrets.token_hex(2)}）"
    page.set_viewport_size(PHONE)
    sign_in(page, staff_account("deputy", deputy_slug=DEPUTY), landing="我的履职登记")
    assert overflow(page) == []

    page.get_by_role("link", name="登记一次履职").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("登记一次履职")
    assert overflow(page) == [] and axe(page) == []
    page.get_by_label("走访联系选民", exact=True).check()
    page.get_by_label("履职事项", exact=True).fill(title)
    page.get_by_label("地点", exact=True).fill("青溪村村委会")
    page.get_by_label("情况说明", exact=True).fill("了解低保户冬季取暖情况。")
    page.get_by_label("照片（可不传）").set_input_files(str(small_jpeg(tmp_path)))
    shoot(page, "staff-duty-form")
    page.get_by_role("button", name="提交，等待确认").click()
    expect(page.get_by_role("status").first).to_contain_text("等待工作人员确认")
    entry = page.locator(".duty-entry", has_text=title)
    expect(entry).to_contain_text("待确认")
    expect(entry.get_by_role("img")).to_be_visible()
    assert overflow(page) == [] and axe(page) == []
    shoot(page, "staff-duties")

    with live_app.app_context():
        stored = db.session.scalars(select(DutyEntry).where(DutyEntry.title == title)).one()
        assert stored.status is DutyStatus.PENDING and stored.deputy.slug == DEPUTY
        photo_url = f"{live_server}/deputies/{DEPUTY}/record/photos/{stored.photo.id}.jpg"
    with pytest.raises(urllib.error.HTTPError) as unconfirmed:
        urllib.request.urlopen(photo_url, timeout=10)
    assert unconfirmed.value.code == 404

    editor = second_page
    editor.set_viewport_size(PHONE)
    sign_in(editor, staff_account("editor"))
    expect(editor.get_by_role("heading", name="待确认的代表履职登记")).to_be_visible()
    editor.get_by_role("link", name="去审核履职登记").click()
    waiting = editor.locator(".duty-entry", has_text=title)
    expect(waiting.get_by_role("img")).to_be_visible()
    assert overflow(editor) == [] and axe(editor) == []
    shoot(editor, "staff-duties-review")
    waiting.get_by_role("button", name="确认公开").click()
    expect(editor.get_by_role("status").first).to_contain_text("已确认")

    with urllib.request.urlopen(photo_url, timeout=10) as answer:
        assert answer.status == 200 and answer.headers["Content-Type"] == "image/jpeg"
    page.reload()
    expect(page.locator(".duty-entry", has_text=title)).to_contain_text("已确认")
    assert page.console_errors == [] and editor.console_errors == []

    # The public record page comes with the record area (/deputies/<slug>/record).
    page.goto(f"{live_server}/deputies/{DEPUTY}/record")
    expect(page.get_by_text(title)).to_be_visible()

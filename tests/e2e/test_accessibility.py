"""Every public page and the staff login pass axe-core and fit a 360 px wide screen.

axe runs at that width, where the layout is tightest. Nothing serious or critical may show; nor, whatever axe
rates them, faults of the page's structure that people who move by headings and landmarks meet on every page.
"""

from __future__ import annotations

import pytest
from flask import Flask

from e2e.pages import PUBLIC_PAGES, page_paths

pytestmark = pytest.mark.browser

STRUCTURE = ("region", "heading-order", "landmark-one-main", "landmark-unique", "page-has-heading-one",
             "empty-heading", "empty-table-header", "duplicate-id-aria", "label-title-only")

# The pages, each with the status it answers with.
PAGES: dict[str, int] = {**PUBLIC_PAGES, "staff-login": 200}


@pytest.fixture(scope="module")
def paths(live_app: Flask) -> dict[str, str]:
    with live_app.app_context():
        return {**page_paths(), "staff-login": "/staff/login"}


@pytest.mark.parametrize("name", list(PAGES))
def test_page_has_no_serious_violations_and_nothing_overflows_at_360_px(name, paths, live_server, page, axe,
                                                                          overflow, layout):
    response = page.goto(live_server + paths[name])
    assert response.status == PAGES[name]
    assert overflow(page) == []
    assert layout(page) == []
    assert axe(page, also=STRUCTURE) == []
    # no CSP violation or script error on any page; Chromium logs a 404 answer itself as a failed load
    assert [error for error in page.console_errors if f"status of {PAGES[name]}" not in error] == []


def test_a_form_sent_back_with_errors_stays_accessible(live_server, page, axe):
    """The error summary and the messages beside the fields (an htmx swap of the 400 answer)."""
    page.goto(f"{live_server}/opinions/new")
    page.get_by_role("button", name="提交意见").click()
    page.locator(".error-summary").wait_for()
    assert page.locator(".error-message").count() >= 5
    assert page.locator("#subject").get_attribute("aria-describedby") == "subject-error"
    assert axe(page, also=STRUCTURE) == []


# What a liaison opens from a phone: the to-do list, the group's opinion queue and their own notice settings.
LIAISON_PAGES = ("/staff/", "/staff/opinions", "/staff/notifications")


def test_a_liaisons_pages_pass_axe_and_fit_360_px(live_server, page, staff_account, sign_in, axe, overflow,
                                                  layout):
    sign_in(page, staff_account("liaison", "g-chenghu"))
    for path in LIAISON_PAGES:
        response = page.goto(live_server + path)
        assert response.status == 200, path
        assert overflow(page) == [], path
        assert layout(page) == [], path
        assert axe(page, also=STRUCTURE) == [], path
    assert page.console_errors == []

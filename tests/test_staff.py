"""Staff accounts: signing in and out, the one role check, the audit trail."""

from __future__ import annotations


def test_anonymous_request_to_the_staff_area_goes_to_the_login_page(client):
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/staff/login")


def test_staff_member_signs_in_and_sees_the_dashboard(client, auth):
    auth.as_role("editor")
    page = client.get("/staff/").get_data(as_text=True)
    assert "待办" in page and "editor-all" in page

"""The staff dashboard shows each role what waits for it."""

from __future__ import annotations

from conftest import make_opinion


def test_a_liaison_sees_the_opinions_of_their_group_by_status_and_the_overdue_ones(app, client, auth):
    make_opinion(app, "g-chenghu", days_ago=8, subject="八天未受理的意见")
    make_opinion(app, "g-chenghu", subject="今天的意见")
    make_opinion(app, "g-yueyawan", days_ago=8, subject="别组超期的意见")
    auth.as_role("liaison", "g-chenghu")
    page = client.get("/staff/").get_data(as_text=True)
    assert "已提交<strong>2</strong>" in page
    assert "八天未受理的意见" in page and "今天的意见" not in page and "别组超期的意见" not in page
    assert "待发布的述职报告" not in page and "超期未答复的建议" not in page


def test_an_editor_sees_drafts_and_overdue_proposals_but_no_opinions(app, client, auth):
    make_opinion(app, "g-chenghu", days_ago=8, subject="八天未受理的意见")
    auth.as_role("editor")
    page = client.get("/staff/").get_data(as_text=True)
    assert "待发布的述职报告" in page and "超期未答复的建议" in page
    assert "/proposals/18-2-" in page  # the demo district has overdue suggestions
    assert "八天未受理的意见" not in page


def test_an_admin_sees_everything(app, client, auth):
    make_opinion(app, "g-yueyawan", days_ago=8, subject="别组超期的意见")
    auth.as_role("admin")
    page = client.get("/staff/").get_data(as_text=True)
    assert "别组超期的意见" in page and "待发布的述职报告" in page

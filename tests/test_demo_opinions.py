"""`flask demo opinions`: a believable set of residents' opinions for the demo district, once, and only there."""

from __future__ import annotations

from collections import Counter

from conftest import make_opinion
from sqlalchemy import func, select

from renda.db import db
from renda.district.models import DistrictProfile
from renda.opinions.models import NEXT_STATUSES, Opinion, OpinionSource, OpinionStatus
from renda.proposals.models import ProposalKind
from renda.stations.models import ReceptionStatus


def test_the_demo_gains_opinions_of_every_source_and_step_once(app, runner, fixed_today):
    result = runner.invoke(args=["demo", "opinions"])
    assert result.exit_code == 0 and "已添加" in result.output, result.output
    with app.app_context():
        opinions = db.session.scalars(select(Opinion)).all()
        assert len(opinions) >= 60
        assert set(Counter(o.source for o in opinions)) == set(OpinionSource)
        statuses = Counter(o.status for o in opinions)
        assert {OpinionStatus.ACCEPTED, OpinionStatus.FORWARDED, OpinionStatus.REPLIED,
                OpinionStatus.CLOSED} <= set(statuses)
        assert len({o.group_id for o in opinions}) >= 17
        for o in opinions:
            # The steps follow the rules staff follow, in time order, ending where the opinion stands.
            steps = [e.status for e in o.events]
            assert steps[0] is OpinionStatus.SUBMITTED and steps[-1] is o.status
            assert all(b in NEXT_STATUSES[a] for a, b in zip(steps, steps[1:], strict=False)), steps
            assert [e.at for e in o.events] == sorted(e.at for e in o.events)
            assert o.community.district.group_id == o.group_id
            if o.source is OpinionSource.RECEPTION:
                assert o.reception.status is ReceptionStatus.HELD and o.reception.station_id == o.group.station_id
                assert o.submitted_at.date() >= o.reception.date
            else:
                assert o.reception is None
            if o.public_text:
                assert o.consent_publish and o.status in (OpinionStatus.REPLIED, OpinionStatus.CLOSED)
            if o.rating:
                assert o.phone and o.public_reply
            if o.status is OpinionStatus.FORWARDED:
                assert o.unit is not None
            if o.phone:
                assert len(o.phone) == 11 and o.phone.startswith("139")
        linked = [o for o in opinions if o.proposal]
        assert len(linked) >= 4
        for o in linked:
            assert o.proposal.kind is ProposalKind.SUGGESTION and o.proposal.lead.group_id == o.group_id
            assert o.submitted_at.date() < o.proposal.submitted_on
        assert sum(1 for o in opinions if o.public_text) >= 10 and any(o.rating for o in opinions)
        made = len(opinions)
    again = runner.invoke(args=["demo", "opinions"])
    assert again.exit_code == 0 and "未添加" in again.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Opinion)) == made


def test_the_demo_shows_the_chain_on_its_public_pages(app, runner, client, fixed_today):
    assert runner.invoke(args=["demo", "opinions"]).exit_code == 0
    with app.app_context():
        linked = db.session.scalars(select(Opinion).where(Opinion.proposal_id.is_not(None))).first()
        number, ref = linked.proposal.number, linked.ref
    assert ref in client.get(f"/proposals/{number}").get_data(as_text=True)
    assert client.get("/api/v1/opinions").get_json()["total"] >= 10
    assert "登记意见建议" in client.get("/receptions?month=2026-10").get_data(as_text=True)


def test_nothing_is_added_where_opinions_exist_or_the_district_is_real(app, runner):
    make_opinion(app)
    assert "未添加" in runner.invoke(args=["demo", "opinions"]).output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Opinion)) == 1
        db.session.execute(db.delete(Opinion))
        db.session.scalars(select(DistrictProfile)).one().fictional = False
        db.session.commit()
    assert "不是演示地区" in runner.invoke(args=["demo", "opinions"]).output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Opinion)) == 0


def test_nothing_is_added_before_the_content_is_loaded(empty_app):
    assert "不是演示地区" in empty_app.test_cli_runner().invoke(args=["demo", "opinions"]).output

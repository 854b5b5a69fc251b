"""Residents' opinions for the demo district, made in the database (they are not content files, which hold only
what the district publishes): sent online, collected at the stations' held receptions, by letter, phone and
visit; handled to various steps; some raised by a deputy into a suggestion. Names and numbers are fictional."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import clock
from ..areas.models import Community, ElectoralDistrict
from ..clock import TZ
from ..db import db, utcnow
from ..deputies.models import Deputy, DeputyGroup
from ..district.queries import district_profile
from ..opinions.models import (
    DECLINE_REASONS,
    Opinion,
    OpinionCategory,
    OpinionEvent,
    OpinionSource,
    OpinionStatus,
    new_code,
    new_ref,
)
from ..proposals.models import Proposal, ProposalKind, Unit
from ..stations.models import Reception, ReceptionStatus
from ..vocabulary import Satisfaction
from .data import SURNAMES

SEED = 20261203
PER_GROUP = 5  # opinions of each group besides those a suggestion was raised from
LINKED = 6  # opinions a deputy raised into a suggestion


@dataclass(frozen=True)
class Text:
    """What a resident writes (with the personal details residents do write in), what staff publish of it, and
    the reply. `{place}` is the community."""

    category: OpinionCategory
    subject: str
    body: str
    public_text: str
    reply: str
    units: tuple[str, ...]  # unit slugs it may be forwarded to


TEXTS = (
    Text(OpinionCategory.URBAN, "小区路灯长期不亮",
         "{place}3号楼到5号楼之间的两盏路灯坏了两个多月，晚上老人孩子出门很不方便。我住5号楼，{who}，希望尽快修好。",
         "{place}3号楼至5号楼之间的路灯损坏两个多月，夜间出行不便，希望尽快修复。",
         "经街道协调，市政维护单位已更换灯具，两盏路灯已恢复照明。感谢您的反映。", ("urban", "housing")),
    Text(OpinionCategory.TRANSPORT, "希望在学校门口设置过街信号灯",
         "{place}小学门口的路口车多车快，上下学时段孩子过马路很危险。我是学生家长{who}，建议增设信号灯和减速带。",
         "{place}附近小学门口路口车流量大，上下学时段学生过街不安全，建议增设信号灯和减速带。",
         "区交通运输局会同交警部门现场勘查后，已在该路口施划斑马线、设置减速带，信号灯已列入明年建设计划。",
         ("transport", "police")),
    Text(OpinionCategory.WELFARE, "老年助餐点太远",
         "我母亲今年82岁，一个人住在{place}，最近的老年助餐点要走二十多分钟。{who}。希望在社区里增设助餐点或者送餐上门。",
         "{place}高龄独居老人较多，最近的老年助餐点步行二十多分钟，希望增设助餐点或提供送餐服务。",
         "区民政局已将{place}纳入今年新增老年助餐点布点，社区养老服务站已开通送餐上门服务，可向社区居委会登记。",
         ("civil-affairs",)),
    Text(OpinionCategory.ENVIRONMENT, "河道有异味",
         "{place}旁边的河道这段时间有明显异味，水面漂着垃圾，夏天更严重。{who}。请有关部门查一查是不是有污水直排。",
         "{place}旁河道近期有明显异味、水面有漂浮垃圾，怀疑有污水直排，希望查明处理。",
         "区生态环境局和区水利局联合排查，发现一处雨污混接点，已完成改造并组织河道保洁，将持续监测水质。",
         ("ecology", "water")),
    Text(OpinionCategory.COMMUNITY, "小区停车难，消防通道被占",
         "{place}车位太少，晚上消防通道停满了车，万一着火消防车进不来。我是楼栋长{who}，多次跟物业说过没有解决。",
         "{place}车位不足，夜间消防通道被车辆占用，存在安全隐患，物业多次处理未果。",
         "社区已牵头召开居民议事会，利用闲置空地新增车位36个，并在消防通道施划禁停标线，物业每晚巡查。",
         ("urban", "emergency")),
    Text(OpinionCategory.HEALTH, "社区卫生服务站看病要排长队",
         "{place}卫生服务站只有两个医生，每天早上排队拿药要一个多小时，慢性病老人特别辛苦。{who}。",
         "{place}社区卫生服务站医生少，慢性病患者取药排队时间长，希望增加人手或延长服务时间。",
         "区卫生健康局已从区人民医院下派一名全科医生到站坐诊，并开通慢性病长处方和预约取药服务。",
         ("health", "medical-security")),
    Text(OpinionCategory.EDUCATION, "放学后孩子没人管",
         "我们是双职工，孩子下午三点半放学，{place}附近没有托管的地方。{who}。希望学校能开展课后服务。",
         "{place}附近双职工家庭较多，希望学校开展课后托管服务。",
         "区教育局已要求辖区中小学全面开展课后服务，{place}附近学校本学期起提供延时托管至下午六点。",
         ("education",)),
    Text(OpinionCategory.URBAN, "老旧小区想加装电梯",
         "{place}的楼都是七层没有电梯，住在顶楼的老人下楼一次很困难。我们楼大部分住户都同意加装，{who}，"
         "不知道怎么申请，有没有补贴。",
         "{place}老旧住宅楼无电梯，多数住户同意加装，希望了解申请流程和补贴政策。",
         "区住房和城乡建设局已安排工作人员到社区宣讲加装电梯政策，每台补贴20万元，社区可协助办理申请。",
         ("housing",)),
    Text(OpinionCategory.ECONOMY, "菜市场改造后摊位费上涨",
         "{place}菜市场改造以后摊位费涨了一倍，好几家老摊主做不下去了，菜价也跟着涨。{who}。",
         "{place}菜市场改造后摊位费大幅上涨，部分摊主难以经营，菜价上涨。",
         "区市场监督管理局和区商务局已约谈市场管理方，摊位费调整为分两年逐步到位，并设立平价菜摊位。",
         ("market", "commerce")),
    Text(OpinionCategory.OTHER, "公交站台没有遮雨棚",
         "{place}门口的公交站只有一根站牌，下雨天等车的人全都淋着。{who}。能不能加个候车亭。",
         "{place}门口公交站无候车亭，雨天候车不便，希望增设。",
         "区交通运输局已将该站点纳入今年候车亭建设计划，预计下月完成安装。", ("transport",)),
)

CALLS = ("先生", "女士", "阿姨", "师傅")
RATINGS = (Satisfaction.SATISFIED,) * 6 + (Satisfaction.BASIC,) * 3 + (Satisfaction.UNSATISFIED,)


def add_demo_opinions(today: dt.date | None = None, seed: int = SEED) -> int:
    """Make the demo's opinions when the database holds none (running it again adds nothing); how many.
    Only in a fictional district (`fictional: true` in district.yaml): a real one never gets made-up opinions."""
    profile = district_profile()
    if profile is None or not profile.fictional or db.session.scalar(select(func.count()).select_from(Opinion)):
        return 0
    maker = _Maker(random.Random(seed), today or clock.today())
    groups = list(db.session.scalars(
        select(DeputyGroup).order_by(DeputyGroup.slug)
        .options(selectinload(DeputyGroup.districts).selectinload(ElectoralDistrict.communities))))
    if not groups:
        return 0
    for group in groups:
        for n in range(PER_GROUP):
            maker.ordinary(group, n)
    for proposal in _suggestions_to_link(maker.rng, maker.first_held()):
        maker.raised_into(proposal)
    db.session.add_all(maker.made)
    db.session.commit()
    return len(maker.made)


def _suggestions_to_link(rng: random.Random, first_held: dt.date | None) -> list[Proposal]:
    """A few suggestions led by a deputy of a group, made after the stations' receptions on record began (the
    opinions they came from were collected before them)."""
    if first_held is None:
        return []
    candidates = list(db.session.scalars(
        select(Proposal).join(Deputy, Deputy.id == Proposal.lead_id)
        .where(Proposal.kind == ProposalKind.SUGGESTION, Deputy.group_id.is_not(None),
               Proposal.submitted_on > first_held + dt.timedelta(days=20))
        .order_by(Proposal.number)))
    return rng.sample(candidates, min(LINKED, len(candidates)))


class _Maker:
    def __init__(self, rng: random.Random, today: dt.date) -> None:
        self.rng, self.today, self.now = rng, today, min(utcnow(), _at(today, 18))
        self.made: list[Opinion] = []
        self.units = {u.slug: u for u in db.session.scalars(select(Unit))}
        self.held: dict[int, list[Reception]] = {}
        for reception in db.session.scalars(
                select(Reception).where(Reception.status == ReceptionStatus.HELD, Reception.date <= today)
                .order_by(Reception.date)):
            self.held.setdefault(reception.station_id, []).append(reception)

    def first_held(self) -> dt.date | None:
        return min((held[0].date for held in self.held.values()), default=None)

    # --- who, where, how ----------------------------------------------------------------------------------

    def resident(self) -> tuple[str | None, str | None]:
        """A fictional name (or none given) and mobile number (or none given)."""
        surname = self.rng.choice(SURNAMES)[0]
        name = self.rng.choice([f"{surname}{self.rng.choice(CALLS)}", f"{surname}{self.rng.choice('建国秀兰志明春华')}",
                                None])
        phone = "139" + "".join(self.rng.choice("0123456789") for _ in range(8)) if self.rng.random() < 0.85 else None
        return name, phone

    def community_of(self, group: DeputyGroup, hint: str = "") -> Community:
        communities = sorted((c for d in group.districts for c in d.communities), key=lambda c: c.code)
        named = [c for c in communities if c.name and c.name in hint]
        return named[0] if named else self.rng.choice(communities)

    def how(self, group: DeputyGroup, before: dt.date | None = None) -> tuple[OpinionSource, Reception | None,
                                                                                dt.datetime]:
        """How an opinion came, and when: a held reception of the group's station (before `before`), or a
        letter, call, visit or the form, some days back."""
        held = [r for r in self.held.get(group.station_id, []) if before is None or r.date < before]
        source = self.rng.choice([OpinionSource.ONLINE] * 4 + [OpinionSource.RECEPTION] * 4
                                 + [OpinionSource.LETTER, OpinionSource.PHONE, OpinionSource.VISIT])
        if source is OpinionSource.RECEPTION and held:
            reception = self.rng.choice(held[-8:])
            start = reception.start or dt.time(9)
            return source, reception, _at(reception.date, start.hour + 1, self.rng.randrange(60))
        if source is OpinionSource.RECEPTION:
            source = OpinionSource.VISIT
        latest = (before or self.today) - dt.timedelta(days=1)
        day = latest - dt.timedelta(days=int(self.rng.triangular(0, 240, 10)))
        return source, None, _at(day, self.rng.randrange(8, 21), self.rng.randrange(60))

    # --- the opinions ---------------------------------------------------------------------------------------

    def ordinary(self, group: DeputyGroup, n: int) -> None:
        text = self.rng.choice(TEXTS)
        source, reception, at = self.how(group)
        community = self.community_of(group)
        name, phone = self.resident()
        who = "我姓" + name[0] if name else "不留名了"
        if phone:
            who += f"，电话{phone}"
        opinion = self.opinion(group, community, source, reception, at, text.category, text.subject,
                               text.body.format(place=community.name, who=who), name, phone)
        age = (self.now - at).days
        # Older opinions have come further; now and then one is declined.
        if age > 45 and self.rng.random() < 0.1:
            self.step(opinion, OpinionStatus.ACCEPTED, at, 2)
            reason = self.rng.choice(["litigation", "out_of_scope"])
            opinion.public_reply = DECLINE_REASONS[reason]
            self.step(opinion, OpinionStatus.DECLINED, at, 5, note=reason)
            return
        steps = (0 if age < 3 else 1 if age < 8 else 2 if age < 20 else 3 if age < 60 else 4)
        steps = max(0, steps - (n % 2 if age < 40 else 0))
        unit = self.units.get(self.rng.choice(text.units))
        self.advance(opinion, at, steps, text.reply.format(place=community.name), unit,
                     text.public_text.format(place=community.name))

    def raised_into(self, proposal: Proposal) -> None:
        """An opinion a deputy of its group raised into `proposal`: collected before the suggestion was made,
        answered with it."""
        group = proposal.lead.group
        assert group is not None  # _suggestions_to_link takes only those
        source, reception, at = self.how(group, before=proposal.submitted_on)
        community = self.community_of(group, proposal.title)
        name, phone = self.resident()
        matter = proposal.title.removeprefix("关于").removesuffix("的建议")
        category = next((c for c in OpinionCategory if c.label == proposal.category), OpinionCategory.OTHER)
        body = (f"{proposal.summary or matter}这个问题我们{community.name}的居民反映很多次了，"
                f"希望人大代表帮忙向上反映。")
        opinion = self.opinion(group, community, source, reception, at, category, f"希望{matter}"[:100], body[:2000],
                               name, phone)
        opinion.proposal = proposal
        reply = (f"感谢您的意见。{proposal.lead.name}代表已据此提出建议《{proposal.title}》（编号 {proposal.number}），"
                 "交有关部门办理，办理进展可在本站“建议办理”栏目查看。")
        if not self.step(opinion, OpinionStatus.ACCEPTED, at, 2):
            return
        answered_at = max(_at(proposal.submitted_on, 10), opinion.events[-1].at + dt.timedelta(days=1))
        if answered_at <= self.now:
            opinion.public_reply = reply
            self.add_event(opinion, OpinionStatus.REPLIED, answered_at)
            opinion.status = OpinionStatus.REPLIED
            if opinion.consent_publish:
                opinion.public_text = f"{community.name}居民反映：希望{matter}。"
            if phone and self.rng.random() < 0.5:
                opinion.rating = self.rng.choice(RATINGS)

    def opinion(self, group: DeputyGroup, community: Community, source: OpinionSource, reception: Reception | None,
                at: dt.datetime, category: OpinionCategory, subject: str, body: str, name: str | None,
                phone: str | None) -> Opinion:
        opinion = Opinion(code=new_code(), ref=new_ref(), community=community, group=group, category=category,
                          subject=subject, body=body, name=name, phone=phone,
                          consent_publish=self.rng.random() < 0.7, source=source, reception=reception,
                          status=OpinionStatus.SUBMITTED, submitted_at=at)
        note = "" if source is OpinionSource.ONLINE else f"由联络员代为登记，来源：{source.label}"
        opinion.events.append(OpinionEvent(status=OpinionStatus.SUBMITTED, at=at, note=note))
        self.made.append(opinion)
        return opinion

    def add_event(self, opinion: Opinion, status: OpinionStatus, at: dt.datetime, note: str = "") -> None:
        opinion.events.append(OpinionEvent(status=status, at=at, note=note))

    def step(self, opinion: Opinion, status: OpinionStatus, since: dt.datetime, days: int, note: str = "") -> bool:
        """Take a step `days` (about) after `since`, unless that is still to come; whether it was taken."""
        at = since + dt.timedelta(days=days, hours=self.rng.randrange(1, 8))
        if at > self.now:
            return False
        opinion.status = status
        self.add_event(opinion, status, at, note)
        if status in (OpinionStatus.CLOSED, OpinionStatus.DECLINED):
            opinion.closed_at = at
        return True

    def advance(self, opinion: Opinion, at: dt.datetime, steps: int, reply: str, unit: Unit | None,
                public_text: str) -> None:
        """Up to `steps` of: accepted, forwarded to `unit`, replied, closed; the answered ones published where
        the resident consented, and some rated."""
        plan: Sequence[tuple[OpinionStatus, int]] = ((OpinionStatus.ACCEPTED, 2), (OpinionStatus.FORWARDED, 5),
                                                     (OpinionStatus.REPLIED, 18), (OpinionStatus.CLOSED, 26))
        for status, days in plan[:steps]:
            if status is OpinionStatus.FORWARDED and unit is None:
                continue  # answered without forwarding
            note = f"交办：{unit.name}" if status is OpinionStatus.FORWARDED and unit else ""
            if not self.step(opinion, status, at, days, note):
                break
            if status is OpinionStatus.FORWARDED:
                opinion.unit = unit
            if status is OpinionStatus.REPLIED:
                opinion.public_reply = reply
        if opinion.status in (OpinionStatus.REPLIED, OpinionStatus.CLOSED):
            if opinion.consent_publish:
                opinion.public_text = public_text
            if opinion.phone and self.rng.random() < 0.6:
                opinion.rating = self.rng.choice(RATINGS)


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A moment of `day` in the district's time, as stored (aware, UTC)."""
    return dt.datetime.combine(day, dt.time(min(hour, 23), minute), tzinfo=TZ).astimezone(dt.UTC)

"""Statistics per session, computed by the database with GROUP BY, and the bar charts drawn from them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import gettext
from sqlalchemy import (
    case,
    func,
    select,
)

from ..db import db
from ..district.models import CongressSession
from ..rates import percent, rate_json
from ..refs import ref
from ..vocabulary import Satisfaction
from .models import Proposal, ProposalKind, Result, Stage, Unit
from .queries import on_time_condition, overdue_condition

# ---------------------------------------------------------------------------------------------------------------
# Statistics per session, computed by the database with GROUP BY.

@dataclass
class UnitStats:
    unit: Unit
    count: int
    replied: int
    on_time: int
    overdue: int
    class_a: int
    unsatisfied: int

    @property
    def a_rate(self) -> Decimal | None:
        return percent(self.class_a, self.count)

    @property
    def on_time_rate(self) -> Decimal | None:
        return percent(self.on_time, self.replied)


@dataclass
class SessionStats:
    session: CongressSession
    by_kind: dict[ProposalKind, int]
    by_stage: dict[Stage, int]
    by_result: dict[Result, int]  # suggestions only, as a work report counts them
    by_satisfaction: dict[Satisfaction, int]
    replied: int
    on_time: int
    overdue: int
    by_unit: list[UnitStats]

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())

    @property
    def suggestions(self) -> int:
        return self.by_kind[ProposalKind.SUGGESTION]

    @property
    def without_result(self) -> int:
        return self.suggestions - sum(self.by_result.values())

    @property
    def without_result_rate(self) -> Decimal | None:
        return percent(self.without_result, self.suggestions)

    @property
    def result_rates(self) -> dict[Result, Decimal | None]:
        # Of ALL suggestions of the session, not of the replied ones: an unanswered one is not solved.
        return {r: percent(n, self.suggestions) for r, n in self.by_result.items()}

    @property
    def evaluated(self) -> int:
        return sum(self.by_satisfaction.values())

    @property
    def satisfied_or_basic(self) -> int:
        return self.by_satisfaction[Satisfaction.SATISFIED] + self.by_satisfaction[Satisfaction.BASIC]

    @property
    def on_time_rate(self) -> Decimal | None:
        return percent(self.on_time, self.replied)

    @property
    def satisfaction_rate(self) -> Decimal | None:
        return percent(self.satisfied_or_basic, self.evaluated)

    def as_json(self) -> dict[str, Any]:
        return {
            "session": {"code": self.session.code, "name": self.session.name},
            "total": self.total,
            "motions": self.by_kind[ProposalKind.MOTION],
            "suggestions": self.suggestions,
            "by_stage": {s.value: n for s, n in self.by_stage.items()},
            "by_result": {r.value: n for r, n in self.by_result.items()},
            "without_result": self.without_result,
            "result_rates": {r.value: rate_json(v) for r, v in self.result_rates.items()},
            "replied": self.replied,
            "on_time": self.on_time,
            "on_time_rate": rate_json(self.on_time_rate),
            "overdue": self.overdue,
            "evaluated": self.evaluated,
            "by_satisfaction": {s.value: n for s, n in self.by_satisfaction.items()},
            "satisfaction_rate": rate_json(self.satisfaction_rate),
            "by_unit": [{
                "unit": ref(u.unit), "count": u.count, "replied": u.replied, "on_time": u.on_time,
                "overdue": u.overdue, "a_rate": rate_json(u.a_rate), "unsatisfied": u.unsatisfied,
            } for u in self.by_unit],
        }


def session_stats(session: CongressSession, day: dt.date) -> SessionStats:
    """Two grouped queries: the session by kind, stage, result and satisfaction; and by lead unit."""
    on_time = func.count(case((on_time_condition(), 1)))
    overdue = func.count(case((overdue_condition(day), 1)))
    groups = db.session.execute(
        select(Proposal.kind, Proposal.stage, Proposal.result, Proposal.satisfaction, func.count(),
               func.count(Proposal.replied_on), on_time, overdue)
        .where(Proposal.session_id == session.id)
        .group_by(Proposal.kind, Proposal.stage, Proposal.result, Proposal.satisfaction)
    ).all()
    stats = SessionStats(
        session=session, by_kind=dict.fromkeys(ProposalKind, 0), by_stage=dict.fromkeys(Stage, 0),
        by_result=dict.fromkeys(Result, 0), by_satisfaction=dict.fromkeys(Satisfaction, 0),
        replied=0, on_time=0, overdue=0, by_unit=[],
    )
    for kind, stage, result, satisfaction, count, replied, on_time_count, overdue_count in groups:
        stats.by_kind[kind] += count
        stats.by_stage[stage] += count
        if result is not None and kind is ProposalKind.SUGGESTION:
            stats.by_result[result] += count
        if satisfaction is not None:
            stats.by_satisfaction[satisfaction] += count
        stats.replied += replied
        stats.on_time += on_time_count
        stats.overdue += overdue_count
    count = func.count(Proposal.id)
    rows = db.session.execute(
        select(Unit, count, func.count(Proposal.replied_on), on_time, overdue,
               func.count(case((Proposal.result == Result.A, 1))),
               func.count(case((Proposal.satisfaction == Satisfaction.UNSATISFIED, 1))))
        .join(Proposal, Proposal.lead_unit_id == Unit.id)
        .where(Proposal.session_id == session.id)
        .group_by(Unit.id, Unit.slug, Unit.name)
        .order_by(count.desc(), Unit.slug)
    ).all()
    stats.by_unit = [UnitStats(*row) for row in rows]
    return stats


@dataclass
class Bar:
    label: str
    value: int | float
    text: str
    tone: str = ""


@dataclass
class BarChart:
    """A horizontal bar chart laid out for an inline SVG: the template only draws what is computed here."""

    bars: list[Bar]
    scale: float  # the value a full-length bar stands for
    width: int = 400
    label_width: int = 90  # short labels: the table beside the chart gives the full names
    value_width: int = 110
    row_height: int = 34
    bar_height: int = 22

    @property
    def height(self) -> int:
        return self.row_height * len(self.bars) + 8

    @property
    def track(self) -> int:
        return self.width - self.label_width - self.value_width

    def rows(self) -> list[dict[str, Any]]:
        rows = []
        for index, bar in enumerate(self.bars):
            length = round(self.track * bar.value / self.scale, 1) if self.scale else 0
            top = 4 + index * self.row_height
            rows.append({"bar": bar, "y": top, "text_y": top + self.bar_height - 6,
                         "length": max(length, 1 if bar.value else 0),
                         "value_x": self.label_width + max(length, 0) + 6})
        return rows


def stats_charts(stats: SessionStats) -> dict[str, BarChart]:
    def count(n: int, rate: Decimal | None = None) -> str:
        return gettext("%(n)s件，%(rate)s%%", n=n, rate=rate) if rate is not None else gettext("%(n)s件", n=n)

    stage_bars = [Bar(s.label, n, count(n)) for s, n in stats.by_stage.items()]
    result_bars = [Bar(gettext("%(grade)s类", grade=r.value), n,
                       count(n, stats.result_rates[r]) if stats.suggestions else count(0),
                       f"result-{r.value.lower()}") for r, n in stats.by_result.items()]
    result_bars.append(Bar(gettext("尚无结果"), stats.without_result,
                           count(stats.without_result, stats.without_result_rate) if stats.suggestions else count(0),
                           "result-none"))
    compare_bars = [
        Bar(gettext("满意率"), float(stats.satisfaction_rate or 0), _percent_text(stats.satisfaction_rate),
            "satisfaction"),
        Bar(gettext("A类占比"), float(stats.result_rates[Result.A] or 0), _percent_text(stats.result_rates[Result.A]),
            "result-a"),
    ]
    return {
        "stage": BarChart(stage_bars, max(max(stats.by_stage.values()), 1)),
        "result": BarChart(result_bars, max(stats.suggestions, 1)),
        "compare": BarChart(compare_bars, 100),
    }


def _percent_text(value: Decimal | None) -> str:
    return gettext("无数据") if value is None else f"{value}%"


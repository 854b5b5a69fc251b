"""Motions and suggestions of the deputies, and the progress of their handling (建议办理)."""

from . import handling  # noqa: F401  (the staff pages join the blueprint)
from .models import (
    STAGE_DATE_FIELDS,
    Proposal,
    ProposalEvent,
    ProposalKind,
    Result,
    Satisfaction,
    Stage,
    Unit,
    overdue_cutoff,
    proposal_co_units,
    proposal_cosigners,
    reply_due_on,
)
from .queries import LIST_KEYS, overdue_proposals, reply_due_sql
from .views import bp

__all__ = [
    "LIST_KEYS", "STAGE_DATE_FIELDS", "Proposal", "ProposalEvent", "ProposalKind", "Result", "Satisfaction",
    "Stage", "Unit", "bp", "overdue_cutoff", "overdue_proposals", "proposal_co_units",
    "proposal_cosigners", "reply_due_on", "reply_due_sql",
]

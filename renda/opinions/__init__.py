"""Opinions (群众意见) that residents send online, routed to the deputy group of their electoral district."""

from . import handling  # noqa: F401  (the staff views join the blueprint)
from .models import Opinion, OpinionCategory, OpinionEvent, OpinionStatus
from .public import bp

__all__ = ["Opinion", "OpinionCategory", "OpinionEvent", "OpinionStatus", "bp"]

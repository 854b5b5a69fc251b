"""A deputy's public record of duties, and the page that states how records are scored."""

from __future__ import annotations

from flask import Blueprint

from . import models  # noqa: F401  # the tables of this area

bp = Blueprint("records", __name__)

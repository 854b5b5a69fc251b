"""Enumerations shared by several areas, with their Chinese labels."""

from __future__ import annotations

from .db import Choice


class Satisfaction(Choice):
    SATISFIED = "satisfied", "满意"
    BASIC = "basic", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"

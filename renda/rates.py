"""Percentages as the contract states them: two decimals, rounded half up; none when nothing is counted."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

TWO_DECIMALS = Decimal("0.01")


def percent(part: int, whole: int) -> Decimal | None:
    """`part` of `whole` in percent, the way a work report states it (136 of 204 → 66.67); None of nothing."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(TWO_DECIMALS, rounding=ROUND_HALF_UP)


def rate_json(value: Decimal | None) -> float | None:
    """A rate as a JSON number (or null)."""
    return None if value is None else float(value)

"""References to other records in JSON (CONTRACT.md): the key and the name or title of the record."""

from __future__ import annotations

from typing import Any


def ref(obj: Any, key: str = "slug", label: str = "name") -> dict[str, Any] | None:
    """A reference to another record in JSON: its key and its name (or title)."""
    if obj is None:
        return None
    return {key: getattr(obj, key), label: getattr(obj, label)}

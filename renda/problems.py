"""A broken domain rule: the field it concerns and the Chinese message every caller shows."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """What a rule refuses: `field` is the attribute (the content file's column, the staff form's field) it names.

    The loader shows `message` as `path:line: message`, a staff form beside `field`, the roster import in its row.
    """

    field: str
    message: str

"""Pinyin search keys for Chinese names, computed once when a name is stored."""

from __future__ import annotations

import re
from typing import Any

from pypinyin import Style, lazy_pinyin
from sqlalchemy import or_

_NOT_ALNUM = re.compile(r"[^0-9a-z]")


def syllables(name: str) -> list[str]:
    """The pinyin of each character, lower case without tones: 东湖 → ['dong', 'hu']."""
    return [s.lower() for s in lazy_pinyin(name, style=Style.NORMAL, errors="default", v_to_u=False)]


def pinyin_keys(name: str) -> tuple[str, str]:
    """Full pinyin and initials, lower-case ASCII without spaces: 张明华 → ('zhangminghua', 'zmh')."""
    syllables_ = syllables(name)
    full = _NOT_ALNUM.sub("", "".join(syllables_))
    initials = _NOT_ALNUM.sub("", "".join(s[:1] for s in syllables_))
    return full, initials


def normalise_query(query: str) -> str:
    """What a typed query is compared with: lower case, spaces and punctuation dropped for ASCII input."""
    query = query.strip().lower()
    if query.isascii():
        return _NOT_ALNUM.sub("", query)
    return query


def name_matches(model: Any, needle: str) -> Any:
    """Rows of `model` (a name with its pinyin and initials columns) whose name contains `needle`, whose pinyin
    contains it, or whose initials start with it."""
    conditions = [model.name.contains(needle, autoescape=True)]
    if needle.isascii():
        conditions += [model.pinyin.contains(needle, autoescape=True),
                       model.initials.startswith(needle, autoescape=True)]
    return or_(*conditions)

"""Reading content files: CSV rows with typed cells and `path:line: message` errors."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import select

from ..db import Choice, db
from ..problems import Problem
from .schema import CsvFile

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TIME = re.compile(r"^\d{2}:\d{2}$")

C = TypeVar("C", bound=Choice)
M = TypeVar("M")


class ContentError(Exception):
    """A problem in one place of one file; str() is `path:line: message`."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line, self.message = path, line, message


@dataclass
class Row:
    """One record of a content file, with where it came from, and typed readers for its cells."""

    path: str
    line: int
    cells: dict[str, str]

    def error(self, message: str) -> ContentError:
        return ContentError(self.path, self.line, message)

    def refuse(self, problems: list[Problem]) -> None:
        """A record that breaks a rule of its area fails at its line, with the rule's own message."""
        if problems:
            raise self.error(problems[0].message)

    def text(self, column: str, required: bool = True, max_length: int | None = 200) -> str:
        """The cell's text; `max_length` None where the area's check bounds it."""
        value = (self.cells.get(column) or "").strip()
        if required and not value:
            raise self.error(f"“{column}”不能为空")
        if max_length is not None and len(value) > max_length:
            raise self.error(f"“{column}”过长（{len(value)} 字，最多 {max_length} 字）")
        return value

    def slug(self, column: str, required: bool = True) -> str:
        value = self.text(column, required, max_length=80)
        if value and not SLUG.match(value):
            raise self.error(f"“{column}”的值“{value}”不是有效的标识（只能用小写字母、数字和 -）")
        return value

    def date(self, column: str, required: bool = True) -> dt.date | None:
        value = self.text(column, required)
        if not value:
            return None
        try:
            if not DATE.match(value):
                raise ValueError
            return dt.date.fromisoformat(value)
        except ValueError:
            raise self.error(f"“{column}”的值“{value}”不是有效日期（格式 YYYY-MM-DD）") from None

    def time(self, column: str, required: bool = True) -> dt.time | None:
        value = self.text(column, required)
        if not value:
            return None
        try:
            if not TIME.match(value):
                raise ValueError
            return dt.time.fromisoformat(value)
        except ValueError:
            raise self.error(f"“{column}”的值“{value}”不是有效时间（格式 HH:MM）") from None

    def integer(self, column: str, required: bool = True) -> int | None:
        value = self.text(column, required)
        if not value:
            return None
        if not (value.isascii() and value.isdigit()):
            raise self.error(f"“{column}”的值“{value}”不是非负整数")
        return int(value)

    def number(self, column: str, low: float, high: float) -> float | None:
        value = self.text(column, required=False)
        if not value:
            return None
        try:
            number = float(value)
        except ValueError:
            raise self.error(f"“{column}”的值“{value}”不是数字") from None
        if not low <= number <= high:
            raise self.error(f"“{column}”的值 {value} 超出范围（{low} 至 {high}）")
        return number

    def choice(self, column: str, enum_cls: type[C], required: bool = True) -> C | None:
        value = self.text(column, required)
        if not value:
            return None
        try:
            return enum_cls.parse(value)  # type: ignore[return-value]  # parse() gives a member of enum_cls
        except ValueError as e:
            raise self.error(f"“{column}”：{e}") from None

    def yes_no(self, column: str) -> bool:
        value = self.text(column, required=False).lower()
        if value in ("yes", "是"):
            return True
        if value in ("no", "否", ""):
            return False
        raise self.error(f"“{column}”的值“{value}”无效（应为 yes 或 no）")

    def items(self, column: str) -> list[str]:
        return [item.strip() for item in (self.cells.get(column) or "").split(";") if item.strip()]

    def ref(self, column: str, index: dict[str, M], what: str, required: bool = True) -> M | None:
        key = self.text(column, required)
        if not key:
            return None
        if key not in index:
            raise self.error(f"“{column}”引用了不存在的{what}“{key}”")
        return index[key]

    def refs(self, column: str, index: dict[str, M], what: str) -> list[M]:
        found = []
        for key in self.items(column):
            if key not in index:
                raise self.error(f"“{column}”引用了不存在的{what}“{key}”")
            if index[key] not in found:
                found.append(index[key])
        return found


def read_csv(root: Path, file: CsvFile) -> list[Row]:
    """The rows of `file` in the folder `root`, after checking its header and that its keys are unique."""
    path = root / file.name
    shown = str(path)
    if not path.is_file():
        if file.optional:
            return []
        raise ContentError(shown, 0, "文件不存在")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise ContentError(shown, text_line(path.read_bytes()[: e.start]), "不是 UTF-8 编码") from None
    return parse_table(shown, csv_records(text), file.column_names, file.key, may_be_absent=file.may_be_absent)


def csv_records(text: str) -> Iterator[list[str]]:
    """The records of CSV text. Lines end only at \\n, \\r or \\r\\n (newline=""): str.splitlines() would also split at
    U+2028, \\x0b, \\x0c, \\x85, \\x1e … inside a quoted cell."""
    return csv.reader(io.StringIO(text, newline=""))


def parse_table(shown: str, records: Iterator[list[str]], columns: list[str], key: str | None,
                max_rows: int | None = None, too_many: str = "", may_be_absent: Collection[str] = ()) -> list[Row]:
    """Rows from a header and records (a csv.reader, or a spreadsheet's rows as text), checked like a file;
    more than `max_rows` records fail with the message `too_many` as soon as the next one is read; columns
    `may_be_absent` from the header read as empty."""
    counts_lines = hasattr(records, "line_num")  # a csv.reader knows where a record that spans lines starts
    header = [h.strip() for h in next(records, [])]
    missing = [c for c in columns if c not in header and c not in may_be_absent]
    if missing:
        raise ContentError(shown, 1, "缺少列：" + "、".join(missing))
    unknown = [h for h in header if h not in columns]
    if unknown:
        raise ContentError(shown, 1, "未知的列：" + "、".join(unknown[:10]) + ("等" if len(unknown) > 10 else ""))
    rows: list[Row] = []
    seen: dict[str, int] = {}
    end = records.line_num if counts_lines else 1  # type: ignore[attr-defined]  # a csv.reader when counts_lines
    for number, cells in enumerate(records, start=2):
        if max_rows is not None and number > max_rows + 1:
            raise ContentError(shown, number, too_many)
        start = end + 1 if counts_lines else number
        end = records.line_num if counts_lines else number  # type: ignore[attr-defined]  # as above
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            raise ContentError(shown, start, f"应有 {len(header)} 列，实有 {len(cells)} 列")
        row = Row(shown, start, dict(zip(header, cells, strict=True)))
        if key is not None:
            value = row.text(key)
            if value in seen:
                raise row.error(f"重复的“{key}”：“{value}”（第 {seen[value]} 行已有）")
            seen[value] = start
        rows.append(row)
    return rows


def text_line(prefix: bytes) -> int:
    return prefix.count(b"\n") + 1


def existing(model: type[M], attribute: str) -> dict[str, M]:
    """The rows of `model` already in the database, by their key."""
    return {getattr(obj, attribute): obj for obj in db.session.scalars(select(model))}


def upsert(index: dict[str, M], key: str, model: type[M], **values: Any) -> M:
    """The row with `key` (created if new) with `values` set; unchanged values leave the row unchanged."""
    obj = index.get(key)
    if obj is None:
        obj = model()
        db.session.add(obj)
        index[key] = obj
    for attribute, value in values.items():
        if getattr(obj, attribute) != value:
            setattr(obj, attribute, value)
    return obj

"""Loading content/: the demo district loads, a second load changes nothing, and each bad file loads nothing."""

from __future__ import annotations

import csv
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from renda.areas.models import Community, ElectoralDistrict, Town
from renda.content.load import load_content
from renda.content.rows import ContentError
from renda.db import db
from renda.deputies.models import Deputy, DeputyGroup
from renda.district.models import DistrictProfile
from renda.proposals.models import Proposal, ProposalKind, Result
from renda.reports.models import ReportBack
from renda.stations.models import Station

Table = list[list[str]]


def edit_csv(path: Path, change: Callable[[Table], None]) -> None:
    with path.open(encoding="utf-8", newline="") as f:
        table = list(csv.reader(f))
    change(table)
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(table)


def set_cell(name: str, row: int, column: str, value: str) -> Callable[[Path], None]:
    """Set `column` of data row `row` (1 = the first row after the header, i.e. file line row + 1)."""

    def change(root: Path) -> None:
        def edit(table: Table) -> None:
            table[row][table[0].index(column)] = value

        edit_csv(root / name, edit)

    return change


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table, in key order."""
    tables = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
        tables[table.name] = [tuple(r) for r in rows]
    return tables


def count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_demo_district_has_the_size_contract_md_gives(app):
    with app.app_context():
        assert count(Town) == 8
        assert count(Community) >= 60
        assert count(ElectoralDistrict) == 40
        assert count(Deputy) >= 200
        assert count(DeputyGroup) == 17
        assert count(Station) == 16
        assert count(ReportBack) >= 30
        members = db.session.scalars(select(Deputy).where(Deputy.committee_member)).all()
        assert len(members) == 33
        assert all(4 <= len(m.liaison_deputies) <= 7 for m in members)
        session_18_2 = select(Proposal).join(Proposal.session).where(Proposal.session.has(code="18-2"))
        items = db.session.scalars(session_18_2).all()
        suggestions = [p for p in items if p.kind is ProposalKind.SUGGESTION]
        assert (len(items), len(suggestions)) == (206, 204)
        assert sum(p.result is Result.A for p in suggestions) == 136
        assert sum(p.result is Result.B for p in suggestions) == 35
        profile = db.session.scalars(select(DistrictProfile)).one()
        assert profile.fictional and profile.data_updated_at is not None


def test_deputies_get_their_pinyin_when_loaded(app):
    with app.app_context():
        deputy = db.session.scalars(select(Deputy).where(Deputy.name == "张明华")).first()
        assert deputy is not None
        assert (deputy.pinyin, deputy.initials) == ("zhangminghua", "zmh")


def test_second_load_leaves_every_row_as_it_was(app):
    with app.app_context():
        before = snapshot()
        loaded = load_content(Path(app.config["CONTENT_DIR"]))
        assert loaded.changed is False
        assert snapshot() == before


def test_load_updates_by_key_instead_of_duplicating(app, content_copy):
    slug_column = 0
    with app.app_context():
        with (content_copy / "deputies.csv").open(encoding="utf-8") as f:
            first = list(csv.reader(f))[1]
        set_cell("deputies.csv", 1, "occupation", "新的工作单位")(content_copy)
        deputies_before = count(Deputy)
        before = db.session.scalars(select(DistrictProfile)).one().data_updated_at
        loaded = load_content(content_copy)
        assert loaded.changed is True
        assert count(Deputy) == deputies_before
        deputy = db.session.scalars(select(Deputy).where(Deputy.slug == first[slug_column])).one()
        assert deputy.occupation == "新的工作单位"
        assert db.session.scalars(select(DistrictProfile)).one().data_updated_at > before


def _drop_column(name: str, column: str) -> Callable[[Path], None]:
    def change(root: Path) -> None:
        def edit(table: Table) -> None:
            index = table[0].index(column)
            for row in table:
                del row[index]

        edit_csv(root / name, edit)

    return change


def _duplicate_row(name: str, row: int) -> Callable[[Path], None]:
    def change(root: Path) -> None:
        edit_csv(root / name, lambda table: table.append(list(table[row])))

    return change


def _first_report(root: Path) -> Path:
    return sorted((root / "reports").glob("*/*.md"))[0]


def _break_front_matter(root: Path) -> None:
    path = _first_report(root)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] = "title: 标题: 多了一个冒号"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _district_in_two_groups(root: Path) -> None:
    def edit(table: Table) -> None:
        column = table[0].index("district_codes")
        table[2][column] += ";" + table[1][column].split(";")[0]

    edit_csv(root / "groups.csv", edit)


def _district_in_no_group(root: Path) -> None:
    edit_csv(root / "districts.csv", lambda table: table.append(["Z99", "第九十九选区", "3"]))


def _proposal_row(root: Path, stage: str) -> int:
    with (root / "proposals.csv").open(encoding="utf-8") as f:
        table = list(csv.reader(f))
    column = table[0].index("stage")
    return next(i for i, row in enumerate(table) if i and row[column] == stage)


def _proposal_dates_out_of_order(root: Path) -> None:
    row = _proposal_row(root, "closed")
    set_cell("proposals.csv", row, "replied_on", "2001-01-01")(root)


def _result_before_reply(root: Path) -> None:
    row = _proposal_row(root, "in_progress")
    set_cell("proposals.csv", row, "result", "A")(root)


def _satisfaction_before_evaluation(root: Path) -> None:
    row = _proposal_row(root, "replied")
    set_cell("proposals.csv", row, "satisfaction", "satisfied")(root)


def _line_of(root: Path, name: str, finder: Callable[[Path], int]) -> str:
    return f"{root / name}:{finder(root) + 1}:"


BAD_CONTENT = [
    ("missing column", _drop_column("deputies.csv", "sector"), "deputies.csv:1:", "缺少列：sector"),
    ("unknown group slug", set_cell("deputies.csv", 3, "group_slug", "no-such-group"), "deputies.csv:4:",
     "不存在的代表小组“no-such-group”"),
    ("unknown district code", set_cell("areas.csv", 5, "district_code", "NOPE"), "areas.csv:6:",
     "不存在的选区“NOPE”"),
    ("unknown station slug", set_cell("groups.csv", 2, "station_slug", "atlantis"), "groups.csv:3:",
     "不存在的联络站“atlantis”"),
    ("bad date", set_cell("receptions.csv", 2, "date", "2026-02-30"), "receptions.csv:3:", "不是有效日期"),
    ("bad date format", set_cell("receptions.csv", 2, "date", "2026/02/03"), "receptions.csv:3:", "YYYY-MM-DD"),
    ("bad time", set_cell("receptions.csv", 4, "start", "25:00"), "receptions.csv:5:", "不是有效时间"),
    ("duplicate key", _duplicate_row("units.csv", 2), "units.csv:", "重复的“slug”"),
    ("unknown enumeration value", set_cell("deputies.csv", 1, "level", "mayor"), "deputies.csv:2:",
     "“mayor”不是有效的取值"),
    ("unknown station kind", set_cell("stations.csv", 1, "kind", "palace"), "stations.csv:2:", "“palace”"),
    ("bad schedule rule", set_cell("stations.csv", 1, "schedule", "EVERY SECOND WEDNESDAY"), "stations.csv:2:",
     "RRULE"),
    ("broken YAML front matter", _break_front_matter, "reports/", "YAML 格式错误"),
    ("district in two groups", _district_in_two_groups, "groups.csv:3:", "只能属于一个小组"),
    ("district in no group", _district_in_no_group, "districts.csv:", "不属于任何代表小组"),
    ("proposal dates out of order", _proposal_dates_out_of_order, "proposals.csv:", "早于"),
    ("result before reply", _result_before_reply, "proposals.csv:", "不能填写办理结果"),
    ("satisfaction before evaluation", _satisfaction_before_evaluation, "proposals.csv:", "不能填写满意度"),
    ("negative count", set_cell("receptions.csv", 1, "voters", "-3"), "receptions.csv:2:", "不是非负整数"),
]


@pytest.mark.parametrize(("change", "where", "message"), [case[1:] for case in BAD_CONTENT],
                         ids=[case[0] for case in BAD_CONTENT])
def test_bad_content_fails_with_file_line_message_and_loads_nothing(app, content_copy, change, where, message):
    # A valid change early in the load order: it must not survive the failure later on.
    set_cell("stations.csv", 1, "name", "改过名字的联络站")(content_copy)
    change(content_copy)
    with app.app_context():
        before = snapshot()
        with pytest.raises(ContentError) as failure:
            load_content(content_copy)
        assert snapshot() == before
    text = str(failure.value)
    assert where in text, text
    assert message in text, text
    assert failure.value.line >= 1


def test_report_with_broken_front_matter_names_its_file_and_line(app, content_copy):
    _break_front_matter(content_copy)
    with app.app_context(), pytest.raises(ContentError) as failure:
        load_content(content_copy)
    assert failure.value.path == str(_first_report(content_copy))
    assert failure.value.line == 3


def test_cli_load_reports_the_error_and_exits_non_zero(runner, content_copy):
    set_cell("deputies.csv", 3, "group_slug", "no-such-group")(content_copy)
    result = runner.invoke(args=["content", "load", "--path", str(content_copy)])
    assert result.exit_code != 0
    assert f"{content_copy / 'deputies.csv'}:4:" in result.output


def test_cli_load_into_an_empty_database_and_again(empty_app):
    runner = empty_app.test_cli_runner()
    first = runner.invoke(args=["content", "load"])
    assert first.exit_code == 0, first.output
    assert "已导入" in first.output
    again = runner.invoke(args=["content", "load"])
    assert again.exit_code == 0 and "没有变化" in again.output
    skipped = runner.invoke(args=["content", "load", "--if-empty"])
    assert skipped.exit_code == 0 and "跳过" in skipped.output


def test_backup_of_a_database_being_written_to_is_consistent(app, runner, tmp_path):
    database = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    writer = sqlite3.connect(database, check_same_thread=False)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("CREATE TABLE IF NOT EXISTS probe_writes (n INTEGER)")
    writer.commit()
    stop = threading.Event()
    written = []

    def write() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            writer.execute("INSERT INTO probe_writes VALUES (?)", (n,))
            writer.commit()
            written.append(n)

    thread = threading.Thread(target=write)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while len(written) < 50 and time.monotonic() < deadline:
            time.sleep(0.01)
        target = tmp_path / "backup.db"
        result = runner.invoke(args=["db", "backup", str(target)])
    finally:
        stop.set()
        thread.join()
        writer.close()
    assert result.exit_code == 0, result.output
    copy = sqlite3.connect(target)
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    rows = copy.execute("SELECT count(*), max(n) FROM probe_writes").fetchone()
    assert rows[0] == rows[1] >= 50  # a prefix of the writes, none torn
    assert copy.execute("SELECT count(*) FROM deputies").fetchone()[0] >= 200
    copy.close()


def test_backup_refuses_to_overwrite(runner, tmp_path):
    target = tmp_path / "exists.db"
    target.write_text("keep me")
    result = runner.invoke(args=["db", "backup", str(target)])
    assert result.exit_code != 0 and target.read_text() == "keep me"


# Characters str.splitlines() takes for line ends, though CSV ends a line only at \n or \r.
LINE_LIKE = ["\u2028", "\u2029", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85"]


def test_a_quoted_cell_with_characters_that_look_like_line_ends_loads_as_written(app, content_copy):
    bios = {n: f"第一句{char}第二句" for n, char in enumerate(LINE_LIKE, start=1)}
    for n, bio in bios.items():
        set_cell("deputies.csv", n, "bio", bio)(content_copy)
    with app.app_context():
        load_content(content_copy)
        with (content_copy / "deputies.csv").open(encoding="utf-8", newline="") as f:
            slugs = [row[0] for row in csv.reader(f)]
        for n, bio in bios.items():
            assert db.session.scalars(select(Deputy.bio).where(Deputy.slug == slugs[n])).one() == bio

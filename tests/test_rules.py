"""One home per domain rule: a proposal's, a reception's and a deputy's rules are each one function of their area's
models, and the content loader, the staff forms and the roster import refuse the same record with its message."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from renda.content.load import load_content
from renda.content.rows import ContentError
from renda.content.schema import CSV_FILES, DEPUTIES, PROPOSALS, Kind
from renda.db import db
from renda.deputies.models import Deputy, Level, check_deputy
from renda.proposals.models import STAGE_DATE_FIELDS, Proposal, Result, Stage, check_proposal, check_stage_change
from renda.stations.models import ReceptionStatus, check_reception
from renda.vocabulary import Satisfaction

TODAY = dt.date(2026, 11, 26)  # the demo district's today
SHIPPED = Path(__file__).resolve().parent.parent / "content"


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("renda.clock.today", lambda: TODAY)


def edit_row(root: Path, name: str, key: str, **cells: str) -> int:
    """Set `cells` of the row of `name` whose first column is `key`; the row's line in the file."""
    path = root / name
    with path.open(encoding="utf-8", newline="") as f:
        table = list(csv.reader(f))
    number = next(i for i, row in enumerate(table) if i and row[0] == key)
    for column, value in cells.items():
        table[number][table[0].index(column)] = value
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(table)
    return number + 1


def loader_refusal(app: Flask, root: Path, name: str, key: str, **cells: str) -> str:
    """What `content load` says of the folder with that one row changed; it must be refused at that row's line."""
    line = edit_row(root, name, key, **cells)
    with app.app_context(), pytest.raises(ContentError) as failure:
        load_content(root)
    assert (failure.value.path, failure.value.line) == (str(root / name), line)
    return failure.value.message


def proposal_form(app: Flask, number: str, **changes: object) -> dict[str, object]:
    """The staff edit form of a proposal as its page sends it unchanged, with `changes` applied."""
    with app.app_context():
        p = db.session.scalars(select(Proposal).where(Proposal.number == number)).one()
        data: dict[str, object] = {
            "stage": p.stage.value,
            **{s.date_field: getattr(p, s.date_field).isoformat() if getattr(p, s.date_field) else "" for s in Stage},
            "lead_unit": p.lead_unit.slug if p.lead_unit else "", "co_units": [u.slug for u in p.co_units],
            "reply": p.reply, "result": p.result.value if p.result else "",
            "satisfaction": p.satisfaction.value if p.satisfaction else "", "note": "",
        }
    data.update(changes)
    return data


def staff_refusal(client, auth, path: str, data: dict[str, object]) -> str:
    auth.as_role("editor")
    response = client.post(path, data={**data, "csrf_token": auth.csrf_token(path)})
    assert response.status_code == 400
    return response.get_data(as_text=True)


# --- proposals: the loader and the staff form ------------------------------------------------------------------

OVERDUE = "18-2-070"  # assigned, not yet replied


def stage_of(app: Flask, number: str) -> Stage:
    with app.app_context():
        return db.session.scalars(select(Proposal.stage).where(Proposal.number == number)).one()


def test_a_result_before_the_reply_is_refused_alike_by_the_loader_and_the_staff_form(app, client, auth, content_copy):
    stage = stage_of(app, OVERDUE)
    [expected] = [p.message for p in check_proposal(stage, {}, lead_unit=None, co_units=(), reply="",
                                                     result=Result.A, satisfaction=None) if p.field == "result"]
    assert loader_refusal(app, content_copy, "proposals.csv", OVERDUE, result="A") == expected
    page = staff_refusal(client, auth, f"/staff/proposals/{OVERDUE}", proposal_form(app, OVERDUE, result="A"))
    assert expected in page
    # the messages the older tests of each path look for are both in the one message
    assert "不能填写办理结果" in expected and "还没有答复，不能评定办理结果" in expected


def test_a_lead_unit_among_the_co_units_is_refused_by_the_loader_too(app, client, auth, content_copy):
    """The rule was the staff form's alone; with one home it holds for content files as well."""
    data = proposal_form(app, OVERDUE)
    lead_unit = str(data["lead_unit"])
    expected = "主办单位不能同时是协办单位。"
    assert loader_refusal(app, content_copy, "proposals.csv", OVERDUE, co_units=lead_unit) == expected
    assert expected in staff_refusal(client, auth, f"/staff/proposals/{OVERDUE}", {**data, "co_units": [lead_unit]})


def test_dates_out_of_order_are_refused_alike_by_the_loader_and_the_staff_form(app, client, auth, content_copy):
    data = proposal_form(app, OVERDUE, stage="in_progress", started_on="2026-01-01")
    expected = f"开始办理日期不能早于交办日期（{data['assigned_on']}）。"
    assert loader_refusal(app, content_copy, "proposals.csv", OVERDUE, stage="in_progress",
                          started_on="2026-01-01") == expected
    assert expected in staff_refusal(client, auth, f"/staff/proposals/{OVERDUE}", data)


# --- receptions: the loader and the staff form -----------------------------------------------------------------

def test_a_planned_reception_with_a_count_is_refused_alike_by_the_loader_and_the_staff_form(app, client, auth,
                                                                                            content_copy):
    [expected] = [p.message for p in check_reception(None, None, None, ReceptionStatus.PLANNED, 12, None)]
    assert loader_refusal(app, content_copy, "receptions.csv", "jiangbin-2026-11-30", voters="12") == expected
    form = {"date": "2027-01-25", "start": "14:00", "end": "16:30", "topic": "", "status": "planned",
            "voters": "12", "issues": "", "deputies": []}
    assert expected in staff_refusal(client, auth, "/staff/receptions/chenghu-2027-01-25/edit", form)


def test_an_end_before_the_start_is_refused_alike_by_the_loader_and_the_staff_form(app, client, auth, content_copy):
    expected = "结束时间应晚于开始时间"
    assert loader_refusal(app, content_copy, "receptions.csv", "jiangbin-2026-11-30", end="13:00") == expected
    form = {"date": "2027-01-25", "start": "14:00", "end": "13:00", "topic": "", "status": "planned",
            "voters": "", "issues": "", "deputies": []}
    assert expected in staff_refusal(client, auth, "/staff/receptions/chenghu-2027-01-25/edit", form)


# --- deputies: the loader and the roster import ----------------------------------------------------------------

def test_a_district_for_a_city_deputy_is_refused_alike_by_the_loader_and_the_roster_import(app, client, auth,
                                                                                          content_copy):
    with app.app_context():
        slug = db.session.scalars(select(Deputy.slug).where(Deputy.level == Level.CITY).order_by(Deputy.slug)).first()
    [expected] = [p.message for p in check_deputy({"level": Level.CITY, "district": object()}, content_copy)]
    line = edit_row(content_copy, "deputies.csv", slug, district_code="D01")
    with app.app_context(), pytest.raises(ContentError) as failure:
        load_content(content_copy)
    assert str(failure.value) == f"{content_copy / 'deputies.csv'}:{line}: {expected}"
    auth.as_role("editor")
    token = auth.csrf_token("/staff/roster/")
    upload = (content_copy / "deputies.csv").read_bytes()
    page = client.post("/staff/roster/", data={"csrf_token": token, "roster": (io.BytesIO(upload), "roster.csv")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert expected in page
    assert f"第 {line} 行" in page


# --- the rule functions themselves ------------------------------------------------------------------------------

def dates_up_to(stage: Stage) -> dict[Stage, dt.date | None]:
    start = dt.date(2026, 1, 14)
    return {s: start + dt.timedelta(days=10 * s.rank) if s.rank <= stage.rank else None for s in Stage}


def test_a_proposal_that_keeps_every_rule_has_no_problem():
    assert check_proposal(Stage.CLOSED, dates_up_to(Stage.CLOSED), lead_unit="education", co_units=["finance"],
                          reply="已答复", result=Result.A, satisfaction=Satisfaction.SATISFIED, today=TODAY) == []


@pytest.mark.parametrize("stage, changes, field", [
    (Stage.ASSIGNED, {"dates": {Stage.ASSIGNED: None}}, "assigned_on"),
    (Stage.ASSIGNED, {"dates": {Stage.REPLIED: dt.date(2026, 3, 1)}}, "replied_on"),
    (Stage.ASSIGNED, {"dates": {Stage.ASSIGNED: dt.date(2026, 1, 1)}}, "assigned_on"),
    (Stage.ASSIGNED, {"dates": {Stage.ASSIGNED: TODAY + dt.timedelta(days=1)}}, "assigned_on"),
    (Stage.ASSIGNED, {"lead_unit": None}, "lead_unit"),
    (Stage.ASSIGNED, {"result": Result.B}, "result"),
    (Stage.REPLIED, {"satisfaction": Satisfaction.BASIC}, "satisfaction"),
    (Stage.REPLIED, {"reply": "  "}, "reply"),
    (Stage.ASSIGNED, {"co_units": ["education"]}, "co_units"),
])
def test_each_proposal_rule_names_its_field(stage, changes, field):
    values = {"lead_unit": "education", "co_units": [], "reply": "已答复" if stage.rank >= 3 else "",
              "result": Result.A if stage.rank >= 3 else None, "satisfaction": None}
    dates = {**dates_up_to(stage), **changes.pop("dates", {})}
    values.update(changes)
    problems = check_proposal(stage, dates, today=TODAY, **values)
    assert [p.field for p in problems] == [field]


def test_the_loader_does_not_hold_file_dates_to_today_and_the_form_does():
    future = dates_up_to(Stage.SUBMITTED) | {Stage.SUBMITTED: TODAY + dt.timedelta(days=3)}
    kept = {"lead_unit": None, "co_units": [], "reply": "", "result": None, "satisfaction": None}
    assert check_proposal(Stage.SUBMITTED, future, **kept) == []
    problems = check_proposal(Stage.SUBMITTED, future, today=TODAY, **kept)
    assert [p.message for p in problems] == ["提出日期不能晚于今天。"]


def test_a_stage_moves_back_only_for_whoever_may_and_with_a_note():
    assert check_stage_change(Stage.ASSIGNED, Stage.REPLIED, may_move_back=False, note="") == []
    assert [p.field for p in check_stage_change(Stage.REPLIED, Stage.ASSIGNED, may_move_back=False, note="x")] == [
        "stage"]
    assert [p.field for p in check_stage_change(Stage.REPLIED, Stage.ASSIGNED, may_move_back=True, note=" ")] == [
        "note"]
    assert check_stage_change(Stage.REPLIED, Stage.ASSIGNED, may_move_back=True, note="答复有误") == []


@pytest.mark.parametrize("status, voters, fields", [
    (ReceptionStatus.HELD, 12, []),
    (ReceptionStatus.CANCELLED, 0, []),  # a called-off day records its zeros, as the demo's files do
    (ReceptionStatus.CANCELLED, 3, ["voters"]),
    (ReceptionStatus.PLANNED, 0, ["voters"]),
    (ReceptionStatus.HELD, 10001, ["voters"]),
])
def test_only_held_receptions_count_voters(status, voters, fields):
    problems = check_reception(dt.date(2026, 11, 2), dt.time(9), dt.time(11), status, voters, None, today=TODAY)
    assert [p.field for p in problems] == fields


def test_a_reception_to_come_cannot_have_been_held_when_a_person_records_it():
    later = TODAY + dt.timedelta(days=1)
    assert check_reception(later, None, None, ReceptionStatus.HELD, None, None) == []
    assert [p.field for p in check_reception(later, None, None, ReceptionStatus.HELD, None, None, today=TODAY)] == [
        "status"]


def test_a_deputy_photo_must_be_a_file_of_the_photo_folder(tmp_path):
    (tmp_path / "a.jpg").write_bytes(b"x")
    assert check_deputy({"level": Level.COUNTY, "photo": "a.jpg"}, tmp_path) == []
    assert [p.field for p in check_deputy({"level": Level.COUNTY, "photo": "../a.jpg"}, tmp_path)] == ["photo"]
    assert [p.field for p in check_deputy({"level": Level.COUNTY, "name": "长" * 51}, tmp_path)] == ["name"]


# --- the column schemas -----------------------------------------------------------------------------------------

def test_the_shipped_files_have_the_columns_and_cells_their_schema_declares():
    for file in CSV_FILES:
        with (SHIPPED / file.name).open(encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        assert rows and list(rows[0]) == file.column_names, file.name
        for row in rows:
            for column in file.columns:
                cell = row[column.name]
                assert cell or not column.required, (file.name, column.name)
                if cell and column.kind is Kind.DATE:
                    dt.date.fromisoformat(cell)
                elif cell and column.kind is Kind.TIME:
                    dt.time.fromisoformat(cell)
                elif cell and column.kind is Kind.INTEGER:
                    assert cell.isdigit(), (file.name, column.name, cell)
                elif cell and column.kind is Kind.YES_NO:
                    assert cell in ("yes", "no"), (file.name, column.name, cell)


def test_the_schemas_agree_with_the_models():
    dated = [c.name for c in PROPOSALS.columns if c.kind is Kind.DATE]
    assert dated == list(STAGE_DATE_FIELDS.values())
    for column in DEPUTIES.columns:
        attribute = {"district_code": "district_id", "group_slug": "group_id"}.get(column.name, column.name)
        assert attribute in Deputy.__table__.c, column.name

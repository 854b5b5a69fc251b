"""The demo generator writes a consistent, deterministic district sized as CONTRACT.md says."""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
import yaml

from renda.content.schema import CSV_FILES
from renda.demo.generate import write_demo

SHIPPED = Path(__file__).resolve().parent.parent / "content"
TODAY = dt.date(2026, 11, 26)
COLUMNS = {file.name.removesuffix(".csv"): file.column_names for file in CSV_FILES}
STAGES = ["submitted", "assigned", "in_progress", "replied", "evaluated", "closed"]
STAGE_DATES = ["submitted_on", "assigned_on", "started_on", "replied_on", "evaluated_on", "closed_on"]


def read(folder: Path, name: str) -> list[dict]:
    with open(folder / f"{name}.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def items(cell: str) -> list[str]:
    return cell.split(";") if cell else []


def front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    meta, body = text[4:].split("\n---\n", 1)
    assert body.strip().startswith("## ")
    return yaml.safe_load(meta)


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != ".gitkeep"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    write_demo(folder)
    return folder


def check_consistent(folder: Path) -> dict[str, list[dict]]:
    """Every check the loader makes: unique keys, valid enumerations, resolving references, proposal rules."""
    rows = {name: read(folder, name) for name in COLUMNS}
    for name, columns in COLUMNS.items():
        raw = (folder / f"{name}.csv").read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf") and b"\r\n" not in raw
        assert raw.decode("utf-8").split("\n", 1)[0] == ",".join(columns)

    def keys(name: str, key: str) -> set[str]:
        values = [r[key] for r in rows[name]]
        assert len(values) == len(set(values)), f"duplicate {name}.{key}"
        assert all(values)
        return set(values)

    districts = keys("districts", "code")
    stations = keys("stations", "slug")
    groups = keys("groups", "slug")
    deputies = keys("deputies", "slug")
    units = keys("units", "slug")
    keys("areas", "community_code")
    keys("areas", "community")
    keys("receptions", "id")
    keys("activities", "id")
    keys("proposals", "number")
    for slug in stations | groups | deputies | units:
        assert slug.isascii() and slug == slug.lower() and all(c.isalnum() or c == "-" for c in slug), slug

    by_slug = {d["slug"]: d for d in rows["deputies"]}
    committee = {d["slug"] for d in rows["deputies"] if d["committee_member"] == "yes"}
    assert all(3 <= int(r["seats"]) <= 7 for r in rows["districts"])
    assert {r["district_code"] for r in rows["areas"]} == districts  # every district has a community

    in_groups = Counter(code for g in rows["groups"] for code in items(g["district_codes"]))
    assert set(in_groups) == districts and set(in_groups.values()) == {1}
    for g in rows["groups"]:
        assert g["station_slug"] in stations
        assert by_slug[g["leader_slug"]]["group_slug"] == g["slug"]

    for s in rows["stations"]:
        assert s["kind"] in {"station", "home", "studio"}
        assert s["schedule"].startswith("FREQ=MONTHLY;BYDAY=")
        dt.time.fromisoformat(s["schedule_start"]), dt.time.fromisoformat(s["schedule_end"])
        assert (s["lat"] == "") == (s["lon"] == "")

    for d in rows["deputies"]:
        assert d["gender"] in {"男", "女"}
        assert d["level"] in {"national", "provincial", "city", "county", "township"}
        assert d["status"] in {"active", "terminated"} and d["committee_member"] in {"yes", "no"}
        assert (d["level"] == "county") == (d["district_code"] != "")
        assert d["district_code"] in districts | {""} and d["group_slug"] in groups
        assert d["name"] and d["occupation"] and d["sector"] and d["bio"] and d["photo"] == ""

    for link in rows["liaisons"]:
        assert link["committee_member_slug"] in committee and link["deputy_slug"] in deputies
        assert link["committee_member_slug"] != link["deputy_slug"]
    assert len({(r["committee_member_slug"], r["deputy_slug"]) for r in rows["liaisons"]}) == len(rows["liaisons"])

    station_groups: dict[str, set[str]] = {}
    for g in rows["groups"]:
        station_groups.setdefault(g["station_slug"], set()).add(g["slug"])
    for r in rows["receptions"]:
        assert r["station_slug"] in stations and r["id"] == f"{r['station_slug']}-{r['date']}"
        assert r["status"] in {"planned", "held", "cancelled"}
        assert 2 <= len(items(r["deputy_slugs"])) <= 4
        for slug in items(r["deputy_slugs"]):
            assert by_slug[slug]["group_slug"] in station_groups[r["station_slug"]]
        day = dt.date.fromisoformat(r["date"])
        if r["status"] == "planned":
            assert day > TODAY and r["voters"] == r["issues"] == ""
        else:
            assert day < TODAY and int(r["voters"]) >= int(r["issues"]) >= 0

    for a in rows["activities"]:
        assert a["group_slug"] in groups and dt.date.fromisoformat(a["date"]) < TODAY
        assert a["kind"] in {"inspection", "research", "study", "report_back", "other"}
        assert all(by_slug[s]["group_slug"] == a["group_slug"] for s in items(a["deputy_slugs"]))

    sessions = {s["code"] for s in yaml.safe_load((folder / "district.yaml").read_text(encoding="utf-8"))["sessions"]}
    for p in rows["proposals"]:
        assert p["session"] in sessions and p["kind"] in {"motion", "suggestion"}
        assert p["lead_slug"] in deputies and p["lead_slug"] not in items(p["cosigner_slugs"])
        assert all(s in deputies for s in items(p["cosigner_slugs"]))
        assert p["key"] in {"yes", "no"}
        assert (p["supervisor_slug"] in committee) if p["key"] == "yes" else p["supervisor_slug"] in committee | {""}
        stage = STAGES.index(p["stage"])
        assert (p["lead_unit"] == "") == (stage == 0)
        assert all(u in units for u in items(p["co_units"]) + ([p["lead_unit"]] if p["lead_unit"] else []))
        dates = [p[c] for c in STAGE_DATES]
        assert all(dates[: stage + 1]) and not any(dates[stage + 1:]), p["number"]
        filled = [dt.date.fromisoformat(d) for d in dates[: stage + 1]]
        assert filled == sorted(filled) and filled[-1] <= TODAY, p["number"]
        assert (p["result"] in set("ABCD")) if stage >= 3 else p["result"] == ""
        assert (p["satisfaction"] in {"satisfied", "basic", "unsatisfied"}) if stage >= 4 else p["satisfaction"] == ""
        assert bool(p["reply"]) == (stage >= 3)

    for path in sorted((folder / "reports").glob("*/*.md")):
        meta = front_matter(path)
        assert set(meta) == {"deputy" if "deputy" in meta else "group", "year", "title", "delivered_on", "venue",
                             "attendees", "satisfied", "basic", "unsatisfied"}
        slug = meta.get("deputy") or meta["group"]
        assert slug in (deputies if "deputy" in meta else groups) and path.stem == slug
        assert path.parent.name == str(meta["year"]) == str(meta["delivered_on"].year)
        assert meta["delivered_on"] < TODAY
        assert meta["satisfied"] + meta["basic"] + meta["unsatisfied"] <= meta["attendees"]
    return rows


def test_demo_is_sized_as_the_contract_says(demo):
    rows = check_consistent(demo)
    district = yaml.safe_load((demo / "district.yaml").read_text(encoding="utf-8"))
    assert district["fictional"] is True and district["term"] == "第十八届"
    assert [s["code"] for s in district["sessions"]] == ["18-1", "18-2"]

    assert len({r["town"] for r in rows["areas"]}) == 8
    assert len(rows["areas"]) >= 60
    assert len(rows["districts"]) == 40
    assert len(rows["deputies"]) >= 200
    assert len(rows["groups"]) == 17 and len(rows["stations"]) == 16
    assert sorted(Counter(g["station_slug"] for g in rows["groups"]).values()) == [1] * 15 + [2]
    assert all(s["schedule"] for s in rows["stations"])
    assert sum(d["status"] == "terminated" for d in rows["deputies"]) == 3

    committee = [d["slug"] for d in rows["deputies"] if d["committee_member"] == "yes"]
    links = Counter(r["committee_member_slug"] for r in rows["liaisons"])
    assert len(committee) == 33 and all(4 <= links[slug] <= 7 for slug in committee)

    zhang = next(d for d in rows["deputies"] if d["slug"] == "zhang-minghua")
    assert zhang["name"] == "张明华"

    reports = sorted((demo / "reports").glob("*/*.md"))
    assert len(reports) >= 30 and {p.parent.name for p in reports} == {"2025", "2026"}
    reported_2026 = {p.stem for p in reports if p.parent.name == "2026"}
    county = {d["slug"] for d in rows["deputies"] if d["level"] == "county"}
    assert county - reported_2026  # the overview has deputies who have not reported yet

    items_18_2 = [p for p in rows["proposals"] if p["session"] == "18-2"]
    suggestions = [p for p in items_18_2 if p["kind"] == "suggestion"]
    results = Counter(p["result"] for p in suggestions)
    assert len(items_18_2) == 206 and len(suggestions) == 204
    assert results["A"] == 136 and results["B"] == 35
    assert all(p["stage"] in {"evaluated", "closed"} for p in rows["proposals"] if p["session"] == "18-1")


def test_demo_shows_the_seed_practice(demo):
    """Every station receives voters every month of the past year; every group is active every quarter."""
    rows = {name: read(demo, name) for name in ("receptions", "activities", "stations", "groups")}
    months = {(r["station_slug"], r["date"][:7]) for r in rows["receptions"] if r["status"] == "held"}
    for s in rows["stations"]:
        for back in range(1, 12):
            year, month = divmod(TODAY.year * 12 + TODAY.month - 1 - back, 12)
            assert (s["slug"], f"{year}-{month + 1:02d}") in months
    assert any(r["status"] == "cancelled" for r in rows["receptions"])
    assert any(r["status"] == "planned" and "zhang-minghua" in r["deputy_slugs"] for r in rows["receptions"])
    research = {a["group_slug"] for a in rows["activities"] if a["kind"] == "research" and a["date"] >= "2026"}
    assert 0 < len(research) < len(rows["groups"])


def test_demo_is_deterministic(demo, tmp_path):
    write_demo(tmp_path)
    assert tree(tmp_path) == tree(demo)


def test_shipped_content_is_the_generated_demo(demo):
    assert tree(SHIPPED) == tree(demo)
    assert (SHIPPED / "photos" / ".gitkeep").exists()


def test_scale_multiplies_the_district(demo, tmp_path):
    write_demo(tmp_path, scale=2)
    rows = check_consistent(tmp_path)
    assert len(rows["deputies"]) == 2 * len(read(demo, "deputies"))
    assert len(rows["groups"]) == 34 and len(rows["districts"]) == 80
    assert len(list((tmp_path / "reports").glob("*/*.md"))) == 2 * len(list((demo / "reports").glob("*/*.md")))


def test_cli_generates_a_larger_district_that_loads(empty_app, tmp_path):
    from sqlalchemy import func, select

    from renda.content.load import load_content
    from renda.db import db
    from renda.deputies.models import Deputy

    target = tmp_path / "double"
    result = empty_app.test_cli_runner().invoke(args=["demo", "generate", "--scale", "2", "--path", str(target)])
    assert result.exit_code == 0, result.output
    with empty_app.app_context():
        load_content(target)
        deputies = db.session.scalar(select(func.count()).select_from(Deputy))
    with (target / "deputies.csv").open(encoding="utf-8") as f:
        assert deputies == sum(1 for _ in f) - 1 >= 400

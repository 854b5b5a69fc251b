"""The documents others rely on stay true: every URL and command of CONTRACT.md exists, README states the set-up."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT, csrf_token_of
from sqlalchemy import select

from renda.db import db
from renda.reports.models import ReportBack, ReportStatus

CONTRACT = ROOT.parent / "shared" / "CONTRACT.md"
README = ROOT / "README.md"


@pytest.fixture(scope="module")
def contract() -> str:
    if not CONTRACT.exists():
        pytest.skip(f"{CONTRACT} is not beside the checkout; the contract checks need it")
    return CONTRACT.read_text(encoding="utf-8")


def section(text: str, heading: str) -> str:
    return text.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]


def concrete(app, path: str, code: str) -> str:
    """A documented path with its placeholders filled from the demo district."""
    with app.app_context():
        report = db.session.scalars(select(ReportBack).where(ReportBack.status == ReportStatus.PUBLISHED)).first()
        year, report_slug = report.year, report.slug
    path, _, query = path.partition("?")
    if "community=" in query:  # the look-ups need something to look up
        path += "?community=澄湖社区"
    elif "code=" in query:
        path += f"?code={code}"
    path = path.replace("/reports/<year>/<slug>", f"/reports/{year}/{report_slug}")
    path = path.replace("/deputies/<slug>", "/deputies/zhang-minghua").replace("/stations/<slug>", "/stations/chenghu")
    path = path.replace("<number>", "18-2-001").replace("<code>", code)
    assert "<" not in path, path
    return path


def documented_paths(contract: str) -> list[str]:
    urls = section(contract, "Public URLs (HTML)")
    api = section(contract, "JSON API (`/api/v1/…`, read-only, public data only)")
    paths = re.findall(r"`(/[^`\s]*)`", urls) + re.findall(r"`GET (/api/v1/[^`\s]*)`", api)
    paths += [p.strip() for line in re.findall(r"`GET (/api/v1/[^`]*)`", api) for p in line.split(",")[1:]]
    return sorted({p for p in paths if p.startswith("/")})


def receipt_code(client) -> str:
    page = client.get("/opinions/new").get_data(as_text=True)
    token = csrf_token_of(page)
    response = client.post("/opinions", data={
        "csrf_token": token, "community": "澄湖社区", "category": "other", "subject": "检查文档",
        "body": "用来检查文档中的网址都存在。", "phone": "13912345678", "consent_pi": "y"})
    return response.headers["Location"].rsplit("/", 1)[1]


def test_every_documented_url_answers(app, client, contract):
    code = receipt_code(client)
    paths = documented_paths(contract)
    assert len(paths) >= 30
    for documented in paths:
        path = concrete(app, documented, code)
        response = client.get(path)
        expected = (302,) if path.startswith("/staff/") and path != "/staff/login" else (200,)
        assert response.status_code in expected, (documented, path, response.status_code)
        response.close()


def test_every_documented_command_exists(app, contract):
    commands = re.findall(r"`flask --app app ([a-z-]+(?: [a-z-]+)?)", section(contract, "Commands"))
    assert len(commands) >= 6
    runner = app.test_cli_runner()
    for command in set(commands):
        result = runner.invoke(args=[*command.split(), "--help"])
        assert result.exit_code == 0, (command, result.output)


def test_every_documented_setting_is_in_the_readme(contract):
    readme = README.read_text(encoding="utf-8")
    settings = re.findall(r"^\| `([A-Z_]+)` \|", section(contract, "Environment"), re.M)
    assert {"DATABASE_URL", "SECRET_KEY", "RATELIMIT_STORAGE_URI"} <= set(settings)
    for name in settings:
        assert f"`{name}`" in readme, name
    for command in ("make run", "make test"):
        assert command in readme

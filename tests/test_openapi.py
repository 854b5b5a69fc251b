"""`/api/v1/openapi.json` describes the whole API, and the live API keeps to it (schemathesis)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from conftest import Gunicorn
from hypothesis import HealthCheck, settings

from renda.openapi import DOCUMENT

# Enough to reach every parameter of every operation, few enough that the whole suite stays quick.
EXAMPLES = 40


def flask_rule_as_openapi(rule: str) -> str:
    return re.sub(r"<(?:[a-z_]+:)?([a-z_]+)>", r"{\1}", rule)


def test_every_api_route_is_described_and_every_description_is_a_route(app):
    routes = {flask_rule_as_openapi(rule.rule) for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/") and rule.rule != "/api/v1/openapi.json"}
    assert routes == set(DOCUMENT["paths"])
    for path, item in DOCUMENT["paths"].items():
        in_path = {p["name"] for p in item["get"]["parameters"] if p["in"] == "path"}
        assert in_path == set(re.findall(r"{([a-z_]+)}", path)), path


def test_the_document_is_served_as_json(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.get_json()["openapi"] == "3.1.0"
    assert response.get_json() == DOCUMENT


@pytest.fixture(scope="module")
def live_base(demo_database: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app under gunicorn (2 workers, as `make run`) on a copy of the demo database."""
    folder = tmp_path_factory.mktemp("openapi")
    shutil.copy(demo_database, folder / "portal.db")
    server = Gunicorn(folder / "portal.db", folder / "gunicorn.log", 2, {})
    try:
        yield server.base
    finally:
        server.stop()


# The document the app serves (the test above holds it equal to DOCUMENT), loaded when the tests are collected.
schema = schemathesis.openapi.from_dict(DOCUMENT)


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_live_api_answers_every_operation_within_its_description(case, live_base):
    # Every check but "any value the schema allows is accepted": an unknown session code or slug in a filter is a
    # string like any other to the schema, and the API rightly answers it 400 or 404, as described.
    case.call_and_validate(base_url=live_base, excluded_checks=[schemathesis.checks.positive_data_acceptance])

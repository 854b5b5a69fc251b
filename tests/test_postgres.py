"""The scale-out engine: the database tests of the loader, opinions and staff, run again on PostgreSQL, and the
JSON API answering on PostgreSQL exactly as on SQLite.

The test bodies are those of the SQLite modules, imported here: this module's `app` and `empty_app` are the demo
district (and an empty database) on a fresh PostgreSQL schema, so every fixture built on them (`client`, `auth`,
`runner`) works on PostgreSQL too. The edge values of the property tests run here as well: PostgreSQL is stricter
than SQLite about text (no NUL) and integers (they overflow). Without a server these tests skip with the reason;
under REQUIRE_SERVICES=1 (.ci/run) that skip is a failure.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import test_content
import test_opinions_public
import test_properties
from conftest import copy_database, copy_rows, make_app, postgres_schema
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine
from test_content import (  # noqa: F401  (tests collected here, run on PostgreSQL)
    test_cli_load_into_an_empty_database_and_again,
    test_demo_district_has_the_size_contract_md_gives,
    test_load_updates_by_key_instead_of_duplicating,
    test_report_with_broken_front_matter_names_its_file_and_line,
    test_second_load_leaves_every_row_as_it_was,
)

# The same bodies as on SQLite (see the docstring).
from test_contract import contract, test_every_documented_url_answers  # noqa: F401  (tests collected here, run on PostgreSQL)
from test_demo_opinions import test_the_demo_gains_opinions_of_every_source_and_step_once  # noqa: F401  (tests collected here, run on PostgreSQL)
from test_opinions_chain import (  # noqa: F401  (tests collected here, run on PostgreSQL)
    test_a_liaison_links_and_unlinks_the_suggestion_raised_from_an_opinion_audited,
    test_the_proposal_page_names_its_opinions_by_ref_and_never_the_code_or_the_resident,
    test_the_tracking_page_shows_the_suggestion_and_its_stage,
)
from test_opinions_handling import (  # noqa: F401  (tests collected here, run on PostgreSQL)
    test_a_liaison_sees_only_the_opinions_of_their_group,
    test_a_step_out_of_order_is_refused_with_a_message,
    test_accept_forward_reply_close_each_leave_a_dated_attributed_event,
    test_an_accepted_opinion_is_overdue_after_the_reply_limit,
    test_anonymise_clears_name_and_numbers_from_text_notes_and_audit_also_of_opinions_left_at_replied,
    test_anonymise_removes_name_and_phone_from_long_closed_opinions,
    test_declining_for_litigation_tells_the_resident_why,
    test_overdue_opinions_are_flagged_and_filtered,
    test_personal_data_is_masked_until_revealed_and_revealing_is_audited,
    test_publishing_needs_consent_and_shows_only_the_redacted_text,
)
from test_opinions_offline import (  # noqa: F401  (tests collected here, run on PostgreSQL)
    test_a_held_receptions_line_says_what_it_collected_and_links_the_public_answers,
    test_a_liaison_records_each_source_and_it_is_tracked_and_queued_as_one_sent_online,
    test_a_refused_recording_keeps_everything_typed_says_why_in_chinese_and_stores_nothing,
    test_the_board_filtered_by_reception_in_every_rendering,
)
from test_opinions_public import (  # noqa: F401  (tests collected here, run on PostgreSQL)
    test_a_database_failure_while_saving_an_opinion_keeps_personal_data_out_of_the_log,
    test_a_resident_sends_an_opinion_and_gets_a_receipt_after_the_commit,
    test_api_never_shows_name_phone_or_the_raw_body_only_the_published_text,
    test_codes_are_unguessable_and_unique,
    test_invalid_input_comes_back_with_everything_kept_and_a_message_by_the_field,
    test_the_board_shows_only_the_redacted_text_of_consenting_answered_opinions,
    test_the_resident_rates_the_reply_with_the_last_four_digits,
    test_tracking_by_code_in_any_case_with_or_without_hyphen,
)
from test_staff import (  # noqa: F401  (tests collected here, run on PostgreSQL)
    test_a_liaison_cannot_reach_editor_or_admin_routes,
    test_a_session_cookie_saved_before_logout_is_refused_after,
    test_admin_creates_an_account_and_it_is_audited,
    test_admin_deactivates_an_account,
    test_an_attacker_from_other_addresses_cannot_lock_the_admin_out_and_admins_are_warned,
    test_an_editor_cannot_reach_admin_routes,
    test_audit_log_lists_events_and_filters_them,
    test_bad_account_input_is_refused_with_the_input_kept,
    test_cli_creates_accounts_and_refuses_bad_ones,
    test_deactivated_account_cannot_sign_in_and_its_sessions_stop,
    test_failed_logins_are_audited_by_account_and_address_only,
    test_new_password_ends_open_sessions,
    test_sign_in_starts_a_new_session,
    test_sixth_wrong_password_within_a_minute_gets_429,
    test_wrong_password_and_unknown_user_get_the_same_answer,
)
from test_web import test_a_huge_integer_in_any_path_answers_404  # noqa: F401  (tests collected here, run on PostgreSQL)

from renda.db import db

pytestmark = pytest.mark.postgres


@pytest.fixture
def app(pg_app: Flask) -> Flask:
    return pg_app


@pytest.fixture
def empty_app(pg_empty_app: Flask) -> Flask:
    return pg_empty_app


# A few of the bad content folders, each failing at a different stage of the load (early, in the middle after
# many rows are flushed, and last): the rollback must leave every row as it was on PostgreSQL too.
BAD_CONTENT = {case[0]: case[1:] for case in test_content.BAD_CONTENT}
FAILING_LATE_AND_EARLY = ["missing column", "unknown group slug", "duplicate key", "district in two groups",
                          "satisfaction before evaluation", "negative count"]


@pytest.mark.parametrize(("change", "where", "message"), [BAD_CONTENT[name] for name in FAILING_LATE_AND_EARLY],
                         ids=FAILING_LATE_AND_EARLY)
def test_bad_content_fails_and_loads_nothing(app, content_copy, change, where, message):
    test_content.test_bad_content_fails_with_file_line_message_and_loads_nothing(app, content_copy, change, where,
                                                                                 message)


def test_a_database_error_quoting_the_row_keeps_personal_data_out_of_the_log(app, client, caplog):
    test_opinions_public.test_a_database_failure_while_saving_an_opinion_keeps_personal_data_out_of_the_log(
        app, client, caplog, quoting_the_row=True)


# --- The JSON API: the same answer from both engines ------------------------------------------------------------

@pytest.fixture(scope="module")
def both_engines(postgres_server: Engine, postgres_demo_schema: str, demo_database: Path,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FlaskClient, FlaskClient]]:
    """Test clients of the demo district on SQLite and on PostgreSQL, shared by the tests below: only the
    opinion form writes, and nothing compared shows opinions."""
    path = tmp_path_factory.mktemp("compare") / "portal.db"
    copy_database(demo_database, path)
    config = {"OPINION_RATE_LIMIT": "100000 per minute", "OPINION_POST_LIMIT": "100000 per minute",
              "OPINION_LOOKUP_LIMIT": "100000 per minute"}
    on_sqlite = make_app(path, **config)
    with postgres_schema(postgres_server, **config) as on_postgres:
        copy_rows(on_postgres, postgres_demo_schema)
        yield on_sqlite.test_client(), on_postgres.test_client()
    with on_sqlite.app_context():
        db.engine.dispose()


# Every list filter, the search by name, pinyin and initials, pages, detail pages, and the error answers.
# NUL and the LIKE wildcards are there because PostgreSQL refuses NUL in text and SQLite's LIKE differs.
SAME_ANSWER = [
    "/api/v1/deputies", "/api/v1/deputies?page=3&per_page=50", "/api/v1/deputies?q=张明华",
    "/api/v1/deputies?q=zhangminghua", "/api/v1/deputies?q=ZMH", "/api/v1/deputies?q=zhang",
    "/api/v1/deputies?level=county&group=g-chenghu", "/api/v1/deputies?level=national",
    "/api/v1/deputies?district=D01", "/api/v1/deputies?sector=企业负责人", "/api/v1/deputies?q=%25_",
    "/api/v1/deputies?q=%00", "/api/v1/deputies?page=999", "/api/v1/deputies?per_page=101",
    "/api/v1/deputies?group=nope", "/api/v1/deputies?level=mayor",
    "/api/v1/deputies/zhang-minghua", "/api/v1/deputies/xu-junhong", "/api/v1/deputies/nobody",
    "/api/v1/communities", "/api/v1/communities?q=hu", "/api/v1/communities?q=澄湖", "/api/v1/communities?q=%00",
    "/api/v1/lookup?community=澄湖社区", "/api/v1/lookup?community=339001002", "/api/v1/lookup?community=chenghu",
    "/api/v1/lookup?community=东湖", "/api/v1/lookup?community=火星", "/api/v1/lookup?community=%00",
    "/api/v1/lookup?community=%25", "/api/v1/lookup",
    "/api/v1/stations", "/api/v1/stations/chenghu", "/api/v1/stations/atlantis",
    "/api/v1/receptions", "/api/v1/receptions?from=2026-01-01&to=2026-03-31&per_page=100",
    "/api/v1/receptions?station=chenghu&from=2025-12-01", "/api/v1/receptions?from=2026-13-01",
    "/api/v1/reports", "/api/v1/reports?year=2025&per_page=100", "/api/v1/reports?group=g-chenghu",
    "/api/v1/reports?deputy=zhang-minghua", "/api/v1/reports?year=1", "/api/v1/reports?deputy=%00",
    "/api/v1/proposals", "/api/v1/proposals?session=18-2&kind=suggestion&stage=replied&page=2",
    "/api/v1/proposals?result=A&overdue=0&per_page=100", "/api/v1/proposals?overdue=1",
    "/api/v1/proposals?q=幼儿园", "/api/v1/proposals?q=%00%25", "/api/v1/proposals?stage=nope",
    "/api/v1/proposals/18-2-001", "/api/v1/proposals/18-2-045", "/api/v1/proposals/18-2-001%00",
    "/api/v1/proposals/stats", "/api/v1/proposals/stats?session=18-1",
    "/api/v1/opinions/AAAAA-BBBBB", "/api/v1/opinions/%00",
    "/api/v1/opinions?reception=chenghu-2026-11-23", "/api/v1/opinions?reception=nowhere",
]


def answer(client: FlaskClient, path: str) -> tuple[int, str, object]:
    response = client.get(path)
    assert response.is_json, (path, response.status_code, response.get_data(as_text=True)[:300])
    return response.status_code, response.headers["Content-Type"], response.get_json()


def test_the_api_answers_the_same_on_both_engines(both_engines):
    on_sqlite, on_postgres = both_engines
    different = []
    for path in SAME_ANSWER:
        expected = answer(on_sqlite, path)
        assert expected[0] != 500, path
        if (got := answer(on_postgres, path)) != expected:
            different.append((path, expected[0], got[0], str(got[2])[:200]))
    assert different == []


def test_the_comparison_covers_real_answers(both_engines):
    """Most of the list must compare data (a filled list or a record), not only empty lists and errors."""
    on_sqlite, _ = both_engines
    with_data = [path for path in SAME_ANSWER if (got := answer(on_sqlite, path))[0] == 200
                 and (got[2].get("items") if "items" in got[2] else got[2])]
    assert len(with_data) >= 30, with_data


@pytest.mark.parametrize("path", sorted(test_properties.QUERIES) + sorted(test_properties.PATHS))
def test_each_parameter_alone_with_each_edge_value(both_engines, path):
    _, on_postgres = both_engines
    test_properties.test_each_parameter_alone_with_each_edge_value(on_postgres, path)


def test_no_input_breaks_the_opinion_form(both_engines):
    _, on_postgres = both_engines
    test_properties.test_no_input_breaks_the_opinion_form(on_postgres)


def test_each_form_field_alone_with_each_edge_value(both_engines):
    _, on_postgres = both_engines
    test_properties.test_each_form_field_alone_with_each_edge_value(on_postgres)

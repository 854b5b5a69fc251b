"""Site-wide search on PostgreSQL (a tsvector under a GIN index in place of FTS5): the tests of test_search.py,
run over the demo district on PostgreSQL; without the server they skip and say why."""

from __future__ import annotations

import pytest
from flask import Flask
from test_search import (  # noqa: F401  (tests collected here, run on PostgreSQL)
    test_a_change_rolled_back_leaves_the_index_as_it_was,
    test_a_duty_entry_is_never_indexed,
    test_a_proposal_number_goes_straight_to_its_proposal,
    test_a_query_that_looks_like_syntax_is_answered_safely_and_shown_escaped,
    test_a_report_leaves_the_index_when_it_goes_back_to_draft_and_returns_when_published,
    test_a_search_never_reveals_a_draft_report,
    test_a_search_never_reveals_an_opinion_not_on_the_board_nor_a_residents_name_or_phone,
    test_a_thousand_character_query_is_cut_with_a_notice_or_refused,
    test_an_anonymised_opinion_keeps_no_name_or_phone_in_the_index,
    test_an_empty_query_is_a_friendly_empty_state,
    test_an_opinion_leaves_the_index_when_consent_is_withdrawn_or_its_text_unpublished,
    test_fts_words_are_plain_words,
    test_loading_the_same_content_again_leaves_the_index_as_it_was,
    test_pinyin_and_initials_find_names_as_the_directory_does,
    test_reindex_makes_the_index_again,
    test_results_come_grouped_in_kind_order_and_paged_as_other_lists,
    test_the_page_groups_results_under_their_kinds_with_the_words_marked,
    test_two_character_words_are_found_inside_longer_words,
)

from renda.db import db
from renda.search.index import rebuild

pytestmark = pytest.mark.postgres


@pytest.fixture
def app(pg_app: Flask) -> Flask:
    """The demo district on PostgreSQL, its index made afresh: the fixture copies the models' tables, and the
    full-text table is none of them."""
    with pg_app.app_context():
        rebuild()
        db.session.remove()
    return pg_app

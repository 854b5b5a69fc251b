"""The schema: made by the migrations alone, matching the models, with SQLite's pragmas and on PostgreSQL too."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from conftest import DEMO_CONTENT, make_app
from flask import Flask
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import IntegrityError

from renda import create_app
from renda.content.load import load_content
from renda.db import db
from renda.deputies.models import Deputy
from renda.search.models import entry_id, include_name
from renda.stations.models import Station

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def test_migrations_build_exactly_the_models_schema(empty_app):
    with empty_app.app_context():
        with db.engine.connect() as connection:
            # The search index's full-text table (an FTS5 virtual table and FTS5's own tables) is made by its
            # migration and described by no model: the comparison leaves it out, as autogenerate does.
            context = MigrationContext.configure(connection, opts={"include_name": include_name})
            differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(empty_app):
    with empty_app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        # Removed personal data is zeroed in the file (Debian's SQLite has it on by default; other builds do not).
        assert db.session.execute(text("PRAGMA secure_delete")).scalar() == 1


def test_constraints_refuse_bad_rows(app):
    with app.app_context():
        station = db.session.scalars(select(Station)).first()
        with pytest.raises(IntegrityError):
            db.session.execute(text("UPDATE stations SET kind = 'palace' WHERE id = :id"), {"id": station.id})
        db.session.rollback()
        with pytest.raises(IntegrityError):
            db.session.execute(text("UPDATE deputies SET group_id = 999999 WHERE id = 1"))
        db.session.rollback()
        with pytest.raises(IntegrityError):
            db.session.execute(text("INSERT INTO stations"
                                    " (slug, name, kind, address, hours, phone, schedule, directions)"
                                    " VALUES (:slug, 'x', 'station', '', '', '', '', '')"),
                               {"slug": station.slug})
        db.session.rollback()


def test_secret_key_is_generated_once_and_kept_private(tmp_path, monkeypatch):
    from renda.config import _instance_secret

    key_file = tmp_path / "secret_key"
    key = _instance_secret(key_file)
    assert len(key) == 64 and _instance_secret(key_file) == key
    assert key_file.stat().st_mode & 0o777 == 0o600

    monkeypatch.delenv("SECRET_KEY", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SECRET_KEY"] == (Path(app.instance_path) / "secret_key").read_text().strip()
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    assert create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).config["SECRET_KEY"] == "from-the-environment"


@pytest.fixture
def postgres_url():
    """A fresh schema in the PostgreSQL server's `test` database, or a skip saying why."""
    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as e:  # any failure to connect means: no server here
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_URL} ({type(e).__name__}); "
                    "start it or set TEST_POSTGRES_URL to run the PostgreSQL tests")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield engine, schema
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def app_on_schema(schema: str) -> Flask:
    """The app on the PostgreSQL server's schema `schema` (postgres_url)."""
    return create_app({
        "TESTING": True,
        "SECRET_KEY": "test",
        "SQLALCHEMY_DATABASE_URI": POSTGRES_URL,
        "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"options": f"-csearch_path={schema}"}},
    })


@pytest.mark.postgres
def test_migrations_and_content_load_on_postgresql(postgres_url):
    app = app_on_schema(postgres_url[1])
    with app.app_context():
        flask_migrate.upgrade()
        first = load_content(DEMO_CONTENT)
        again = load_content(DEMO_CONTENT)
        assert first.changed and not again.changed
        assert db.session.scalar(select(func.count()).select_from(Deputy)) >= 200
        assert app.test_client().get("/").status_code == 200
        db.session.remove()
        db.engine.dispose()


def renumber_search_entries_as_before(fts_id: str) -> None:
    """The search entries numbered 1, 2, 3 … as they were before their ids told their kind."""
    postgres = fts_id == "entry_id"
    if postgres:  # the migration drops and makes again this constraint, by this name
        db.session.execute(text("ALTER TABLE search_fts DROP CONSTRAINT search_fts_entry_id_fkey"))
    ids = db.session.execute(text("SELECT id FROM search_entries ORDER BY id")).scalars().all()
    for new, old in enumerate(ids, start=1):
        db.session.execute(text(f"UPDATE search_fts SET {fts_id} = :new WHERE {fts_id} = :old"),
                           {"new": new, "old": old})
        db.session.execute(text("UPDATE search_entries SET id = :new WHERE id = :old"), {"new": new, "old": old})
    if postgres:
        db.session.execute(text("ALTER TABLE search_fts ADD CONSTRAINT search_fts_entry_id_fkey FOREIGN KEY "
                                "(entry_id) REFERENCES search_entries (id) ON DELETE CASCADE"))
    db.session.commit()


def search_index_after_the_migration_numbers_it_by_kind(app: Flask, fts_id: str) -> None:
    """An index made before entry ids told their kind: the migration numbers every entry (and its words) by
    kind and row, and a search then finds what it found, counted under the right kinds."""
    with app.app_context():
        flask_migrate.upgrade(revision="a6c3e9f1b274")
        load_content(DEMO_CONTENT)
        renumber_search_entries_as_before(fts_id)
        assert db.session.scalar(text("SELECT max(id) FROM search_entries")) < 10_000
        db.session.remove()  # its read would hold a lock the migration waits for
        flask_migrate.upgrade()
        entries = db.session.execute(text("SELECT id, kind, row_id FROM search_entries")).all()
        assert entries and all(id_ == entry_id(kind, row_id) for id_, kind, row_id in entries)
        words = set(db.session.execute(text(f"SELECT {fts_id} FROM search_fts")).scalars())
        assert words == {id_ for id_, _, _ in entries}
        found = app.test_client().get("/api/v1/search?q=停车").get_json()
        assert found["total"] > 0 and {item["kind"] for item in found["items"]} <= {"proposal", "report", "project"}
        assert app.test_client().get("/api/v1/search?q=18-2-045").get_json()["items"][0]["key"] == "18-2-045"
        db.session.remove()
        db.engine.dispose()


def test_the_search_index_is_numbered_by_kind_by_its_migration(tmp_path):
    search_index_after_the_migration_numbers_it_by_kind(make_app(tmp_path / "portal.db"), "rowid")


@pytest.mark.postgres
def test_the_search_index_is_numbered_by_kind_by_its_migration_on_postgresql(postgres_url):
    app = app_on_schema(postgres_url[1])
    search_index_after_the_migration_numbers_it_by_kind(app, "entry_id")

"""Fixtures: the real app on a temporary SQLite database built by the migrations, with or without demo data."""

from __future__ import annotations

import re
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import flask_migrate
import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import event, select

from renda import create_app
from renda.content import load_content
from renda.db import db

ROOT = Path(__file__).resolve().parent.parent
DEMO_CONTENT = ROOT / "content"


def make_app(database: Path, **config: object) -> Flask:
    return create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
        "CONTENT_DIR": str(DEMO_CONTENT),
        **config,
    })


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy through SQLite's backup API (the WAL may still hold pages)."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


@pytest.fixture(scope="session")
def empty_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with the schema of the migrations and no rows, built once per run."""
    path = tmp_path_factory.mktemp("db") / "empty.db"
    app = make_app(path)
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()
    return path


@pytest.fixture(scope="session")
def demo_database(empty_database: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The empty database with the shipped demo district loaded, built once per run."""
    path = tmp_path_factory.mktemp("db") / "demo.db"
    copy_database(empty_database, path)
    app = make_app(path)
    with app.app_context():
        load_content(DEMO_CONTENT)
        db.engine.dispose()
    return path


@pytest.fixture
def empty_app(empty_database: Path, tmp_path: Path) -> Iterator[Flask]:
    path = tmp_path / "portal.db"
    copy_database(empty_database, path)
    app = make_app(path)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(demo_database: Path, tmp_path: Path) -> Iterator[Flask]:
    path = tmp_path / "portal.db"
    copy_database(demo_database, path)
    app = make_app(path)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


class QueryCounter:
    """Counts the SQL statements the app sends while it is active."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app: Flask) -> Iterator[QueryCounter]:
    counter = QueryCounter()
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", counter)
    yield counter
    event.remove(engine, "before_cursor_execute", counter)


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    """A writable copy of the demo content folder, to break in one place."""
    target = tmp_path / "content"
    shutil.copytree(DEMO_CONTENT, target)
    return target


class Auth:
    """Staff accounts and signing in, for tests of the staff area (passwords are 'correct horse battery')."""

    PASSWORD = "correct horse battery"

    def __init__(self, app: Flask, client: FlaskClient) -> None:
        self.app, self.client = app, client

    def create(self, username: str, role: str, group_slug: str | None = None, active: bool = True) -> int:
        from renda.deputies import DeputyGroup
        from renda.staff import Role, StaffUser

        with self.app.app_context():
            group = None
            if group_slug is not None:
                group = db.session.scalars(select(DeputyGroup).where(DeputyGroup.slug == group_slug)).one()
            user = StaffUser(username=username, role=Role(role), group=group, active=active)
            user.set_password(self.PASSWORD)
            db.session.add(user)
            db.session.commit()
            return user.id

    def csrf_token(self, path: str = "/staff/login") -> str:
        page = self.client.get(path).get_data(as_text=True)
        match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', page)
        assert match, f"no CSRF token on {path}"
        return match.group(1) or match.group(2)

    def login(self, username: str, password: str | None = None) -> object:
        return self.client.post("/staff/login", data={
            "username": username, "password": password or self.PASSWORD, "csrf_token": self.csrf_token(),
        })

    def as_role(self, role: str, group_slug: str | None = None) -> str:
        """Create an account with `role` (a liaison gets `group_slug`, default the first group) and sign in."""
        if role == "liaison" and group_slug is None:
            from renda.deputies import DeputyGroup

            with self.app.app_context():
                group_slug = db.session.scalars(select(DeputyGroup.slug).order_by(DeputyGroup.slug)).first()
        username = f"{role}-{group_slug or 'all'}"
        self.create(username, role, group_slug if role == "liaison" else None)
        response = self.login(username)
        assert response.status_code == 303, response.get_data(as_text=True)
        return username


@pytest.fixture
def auth(app: Flask, client: FlaskClient) -> Auth:
    return Auth(app, client)

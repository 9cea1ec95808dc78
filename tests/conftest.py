"""Fixtures: an app per test on a migrated database (SQLite by default, PostgreSQL by URL)."""
from __future__ import annotations

import os
import re
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine, event, text

from elearn import create_app
from elearn.cli import create_user
from elearn.extensions import db
from elearn.dates import today as japan_today
from elearn.models import Cohort, CohortDay, Enrolment, Module, Role, User
from elearn.passwords import hash_password

FIXTURE_CONTENT = Path(__file__).parent / "fixtures" / "content"
PASSWORD = "とても長い合言葉 correct horse"
_PASSWORD_HASH = hash_password(PASSWORD)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """A freshly migrated database for the whole run; ELEARN_DATABASE_URL selects PostgreSQL."""
    url = os.environ.get("ELEARN_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    from flask_migrate import upgrade

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


@pytest.fixture
def app(database_url):
    """An app bound to the test database; every table is emptied after the test."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url,
                      "CONTENT_DIR": str(FIXTURE_CONTENT)})
    yield app
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """Create a user with the shared test password: ``make_user(role=Role.ORGANISER)``."""
    counter = iter(range(1, 10_000))

    def make(role: Role = Role.LEARNER, email: str | None = None, name: str | None = None, **fields):
        number = next(counter)
        with app.app_context():
            user = create_user(email or f"user{number}@example.jp", role, name or f"利用者{number}",
                               fields.pop("organisation", "テスト支援センター"),
                               fields.pop("prefecture", "東京都"), password_hash=_PASSWORD_HASH)
            for key, value in fields.items():
                setattr(user, key, value)
            db.session.commit()
            return db.session.get(type(user), user.id)
    return make


def csrf_from(html: str) -> str:
    """The CSRF token in a rendered form."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or \
        re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in page"
    return match.group(1)


class AuthActions:
    """Log in and out through the real forms (CSRF included)."""

    def __init__(self, client):
        self.client = client

    def login(self, email: str, password: str = PASSWORD, next: str = ""):
        page = self.client.get("/auth/login")
        return self.client.post("/auth/login", data={
            "email": email, "password": password, "next": next, "csrf_token": csrf_from(page.text)})

    def logout(self):
        page = self.client.get("/")
        return self.client.post("/auth/logout", data={"csrf_token": csrf_from(page.text)})


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def content(app, runner):
    """The fixture content tree, imported."""
    result = runner.invoke(args=["content", "import"])
    assert result.exit_code == 0, result.output
    return FIXTURE_CONTENT


@pytest.fixture
def make_cohort(app):
    """A cohort run by ``organisers`` with ``participants`` enrolled: ``make_cohort([organiser], [learner])``.

    Required modules default to the curriculum's current modules (import ``content`` first to have any).
    Returns ids only: ``.id``, ``.day_ids``, ``.module_ids``.
    """
    def make(organisers=(), participants=(), days=(), module_slugs=None, **fields):
        today = japan_today()
        values = {"name": "令和8年度 新任職員研修 第1期", "curriculum": "initial", "opens_on": today - timedelta(days=30),
                  "closes_on": today + timedelta(days=30), "venue": "○○県社会福祉会館", "capacity": 150} | fields
        with app.app_context():
            cohort = Cohort(**values)
            cohort.days = [CohortDay(day=d) for d in days]
            cohort.organisers = [db.session.get(User, u.id) for u in organisers]
            modules = db.session.scalars(db.select(Module).where(Module.retired.is_(False))
                                         .order_by(Module.curriculum, Module.position)).all()
            cohort.required_modules = [m for m in modules if (m.slug in module_slugs if module_slugs is not None
                                                              else m.curriculum == cohort.curriculum)]
            db.session.add(cohort)
            db.session.flush()
            db.session.add_all(Enrolment(cohort_id=cohort.id, user_id=u.id) for u in participants)
            db.session.commit()
            return SimpleNamespace(id=cohort.id, day_ids=[d.id for d in cohort.days],
                                   module_ids=[m.id for m in cohort.required_modules])
    return make


@contextmanager
def count_statements(app):
    """The SQL statements sent to the database inside the block (a list, filled as they go)."""
    statements = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, *args):
        statements.append(statement)
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)

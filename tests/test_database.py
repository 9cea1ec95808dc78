"""SQLite transaction modes: reads never take the write lock, writes always start IMMEDIATE."""
from __future__ import annotations

import pytest
from sqlalchemy import event

from elearn.extensions import db

from .conftest import csrf_from


@pytest.fixture
def begins(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite only")
    seen: list[str] = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, *args):
        if statement.startswith("BEGIN"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def test_sqlite_pragmas(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite only")
    with app.app_context():
        connection = db.engine.raw_connection()
        try:
            cursor = connection.cursor()
            assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert cursor.execute("PRAGMA foreign_keys").fetchone()[0] == 1
            assert cursor.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
        finally:
            connection.close()


def test_page_views_read_without_the_write_lock(client, auth, make_user, content, begins):
    """A GET reads in a deferred transaction; its one write (first opening) starts IMMEDIATE."""
    auth.login(make_user().email)
    begins.clear()
    client.get("/courses/initial/t-alpha")
    assert "BEGIN IMMEDIATE" in begins and begins.count("BEGIN IMMEDIATE") == 1
    begins.clear()
    client.get("/courses/initial/t-alpha")
    assert begins and set(begins) == {"BEGIN"}


def test_posts_start_immediate(client, make_user, begins):
    user = make_user()
    page = client.get("/auth/login")
    begins.clear()
    client.post("/auth/login", data={"email": user.email, "password": "x" * 12, "csrf_token": csrf_from(page.text)})
    assert begins and set(begins) == {"BEGIN IMMEDIATE"}


def test_streamed_export_reads_without_the_write_lock(client, auth, make_user, make_cohort, content, begins):
    """A CSV export streams after the view returned; its queries must still begin deferred (the one write
    transaction is the export's audit-log entry, committed before the stream starts)."""
    from elearn.models import Role

    organiser = make_user(Role.ORGANISER)
    cohort = make_cohort(organisers=[organiser], participants=[make_user(), make_user()])
    auth.login(organiser.email)
    begins.clear()
    response = client.get(f"/organiser/cohorts/{cohort.id}/completion.csv")
    assert response.status_code == 200 and response.data.startswith(b"\xef\xbb\xbf")
    streamed = begins[begins.index("BEGIN IMMEDIATE") + 1:]
    assert begins.count("BEGIN IMMEDIATE") == 1 and streamed and set(streamed) == {"BEGIN"}


def test_a_quiz_submission_is_one_transaction(client, auth, make_user, content, begins):
    """The session and the checks are read without the write lock; storing is one write transaction,
    and nothing after its commit reads again (an expired attempt or user would start another one)."""
    from .test_learning import RIGHT, quiz_form

    auth.login(make_user().email)
    form = {**quiz_form(client, "/courses/initial/t-alpha"), **RIGHT}
    begins.clear()
    response = client.post("/quiz/t-alpha", data=form)
    assert response.status_code == 302 and "/attempts/" in response.headers["Location"]
    assert begins == ["BEGIN", "BEGIN IMMEDIATE"]
    assert response.headers["Cache-Control"] == "no-store"


def test_on_postgresql_a_quiz_submission_reads_and_writes_in_one_transaction(app, client, auth, make_user, content):
    """PostgreSQL has no read-to-write upgrade to avoid, so a reads_first view's reads and its write
    block share one transaction: one COMMIT, and the attempt is stored."""
    from elearn.models import QuizAttempt

    from .test_learning import RIGHT, quiz_form

    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    with app.app_context():
        engine = db.engine
    ends: list[str] = []
    listeners = {"begin": lambda conn: ends.append("begin"), "commit": lambda conn: ends.append("commit"),
                 "rollback": lambda conn: ends.append("rollback")}
    user = make_user()
    auth.login(user.email)
    form = {**quiz_form(client, "/courses/initial/t-alpha"), **RIGHT}
    for name, listener in listeners.items():
        event.listen(engine, name, listener)
    try:
        response = client.post("/quiz/t-alpha", data=form)
    finally:
        for name, listener in listeners.items():
            event.remove(engine, name, listener)
    assert response.status_code == 302 and "/attempts/" in response.headers["Location"]
    assert ends[:2] == ["begin", "commit"] and ends.count("begin") == 1
    with app.app_context():
        assert db.session.query(QuizAttempt).filter_by(user_id=user.id).count() == 1


def test_a_write_block_in_a_post_that_wrote_commits_what_came_before(app, make_user):
    """Outside a read-only request (a POST that may have written already, the CLI) the work so far is
    committed before the block on both databases, so a failing block does not take it back."""
    from elearn.database import write_transaction
    from elearn.models import User

    user = make_user()
    with app.test_request_context("/", method="POST"):
        db.session.get(User, user.id).display_name = "先に保存"
        with pytest.raises(RuntimeError):
            with write_transaction():
                db.session.get(User, user.id).organisation = "失敗するブロック"
                raise RuntimeError
    with app.app_context():
        stored = db.session.get(User, user.id)
        assert stored.display_name == "先に保存" and stored.organisation != "失敗するブロック"


def test_on_postgresql_a_get_reads_in_autocommit_and_writes_in_a_transaction(app, make_user):
    """A GET's reads skip BEGIN/ROLLBACK on PostgreSQL (each statement is its own READ COMMITTED
    snapshot anyway); write_transaction() and POSTs get a real transaction; the pool's connections
    come back to the default level."""
    from elearn.database import write_transaction
    from elearn.models import User

    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    def autocommit() -> bool:
        return db.session.connection().connection.driver_connection.autocommit

    user = make_user()
    with app.test_request_context("/", method="GET"):
        assert autocommit()
        with write_transaction():
            assert not autocommit()
            db.session.get(User, user.id).organisation = "書き込み"
        assert autocommit()
    with app.test_request_context("/", method="POST"):
        assert not autocommit()
        db.session.rollback()
    with app.app_context():
        assert db.session.get(User, user.id).organisation == "書き込み"
        assert not autocommit()


def test_a_get_that_changes_rows_outside_a_write_transaction_is_refused(app, make_user):
    """On both databases: a read-only request's writes belong in write_transaction()."""
    from elearn.models import User

    user = make_user()
    with app.test_request_context("/courses/", method="GET"):
        db.session.get(User, user.id).organisation = "こっそり"
        with pytest.raises(RuntimeError, match="writes outside write_transaction"):
            db.session.flush()
        db.session.rollback()

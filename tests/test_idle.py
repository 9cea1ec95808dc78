"""Idle timeouts of login sessions: per role, sliding on activity, touched at most once a minute."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import event, func, select

from elearn import create_app
from elearn.auth import services
from elearn.extensions import db
from elearn.models import CaseSheet, Role, UserSession, utcnow

from .conftest import PASSWORD, csrf_from

STAFF = [Role.ORGANISER, Role.MODERATOR, Role.ADMIN]
PLEASE_SIGN_IN = "このページを見るにはログインしてください。"


class Clock:
    """Stands in for the session code's ``utcnow``; tests move it forward."""

    def __init__(self):
        self.now = utcnow()

    def __call__(self):
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(services, "utcnow", clock)
    return clock


@pytest.fixture
def statements(app):
    """Every SQL statement the app sends, in order."""
    seen: list[str] = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, *args):
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def session_updates(statements: list[str]) -> list[str]:
    return [s for s in statements if s.upper().startswith("UPDATE USER_SESSIONS")]


def session_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(UserSession))


def last_seen(app):
    with app.app_context():
        return db.session.scalar(select(UserSession.last_seen_at))


def assert_signed_out_idle(client, response, minutes: int, next_path: str = "/") -> None:
    """Sent to the login page with ``?next=`` and told why, once."""
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login?next=" + quote(next_path, safe="")
    page = client.get(response.headers["Location"]).text
    assert f"{minutes}分間操作がなかったので、安全のためログアウトしました。" in page
    assert PLEASE_SIGN_IN not in page
    assert f'name="next" type="hidden" value="{next_path}"' in page


@pytest.mark.parametrize("role", STAFF)
def test_staff_session_idle_for_31_minutes_is_signed_out(app, client, auth, make_user, clock, role):
    auth.login(make_user(role).email)
    clock.advance(minutes=29)
    assert client.get("/").status_code == 200
    clock.advance(minutes=31)
    assert_signed_out_idle(client, client.get("/"), 30)
    assert session_count(app) == 0  # the idle session is deleted, not just refused


def test_learner_session_lasts_until_the_learner_limit(app, client, auth, make_user, clock):
    auth.login(make_user().email)
    clock.advance(minutes=31)
    assert client.get("/").status_code == 200
    clock.advance(minutes=119)
    assert client.get("/").status_code == 200
    clock.advance(minutes=121)
    assert_signed_out_idle(client, client.get("/certificates/?x=1"), 120, next_path="/certificates/?x=1")
    assert session_count(app) == 0


def test_activity_every_few_minutes_slides_past_the_staff_limit(client, auth, make_user, clock):
    auth.login(make_user(Role.ORGANISER).email)
    for _ in range(24):  # two hours, a page every five minutes
        clock.advance(minutes=5)
        assert client.get("/organiser/").status_code == 200
    clock.advance(minutes=31)
    assert_signed_out_idle(client, client.get("/organiser/"), 30, next_path="/organiser/")


def test_the_12_hour_lifetime_still_ends_an_active_session(app, client, auth, make_user, clock):
    auth.login(make_user().email)
    for _ in range(13):  # 11 h 55 min, a page every 55 minutes
        clock.advance(minutes=55)
        assert client.get("/").status_code == 200
    assert last_seen(app) == clock.now  # not idle at all…
    clock.advance(minutes=10)
    response = client.get("/")  # …but past 12 h since signing in
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login?next=%2F"
    page = client.get(response.headers["Location"]).text
    assert PLEASE_SIGN_IN in page and "操作がなかったので" not in page


def test_last_seen_is_written_at_most_once_per_touch_interval(app, client, auth, make_user, clock, statements):
    """A burst of page views writes the session row once; page views within a minute of it, never."""
    auth.login(make_user(Role.ORGANISER).email)
    start = clock.now
    statements.clear()
    for _ in range(11):  # 5 s apart, all within the first minute
        clock.advance(seconds=5)
        assert client.get("/").status_code == 200
    assert session_updates(statements) == []
    clock.now = start + timedelta(minutes=5)
    for _ in range(10):  # a burst within half a minute after five idle minutes
        assert client.get("/").status_code == 200
        clock.advance(seconds=3)
    assert len(session_updates(statements)) == 1
    assert last_seen(app) == start + timedelta(minutes=5)
    clock.now = start + timedelta(minutes=6, seconds=1)
    client.get("/")
    assert len(session_updates(statements)) == 2


def test_touch_setting_is_honoured(app, client, auth, make_user, clock, statements):
    app.config["SESSION_TOUCH_SECONDS"] = 300
    auth.login(make_user().email)
    statements.clear()
    for _ in range(9):
        clock.advance(seconds=30)
        client.get("/")
    assert session_updates(statements) == []
    clock.advance(seconds=60)
    client.get("/")
    assert len(session_updates(statements)) == 1


def test_sqlite_touch_never_upgrades_a_read_transaction(app, client, auth, make_user, clock, statements):
    """In a GET the touch runs in its own BEGIN IMMEDIATE transaction; the page's reads stay deferred."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite only")
    auth.login(make_user().email)
    clock.advance(minutes=5)
    statements.clear()
    for _ in range(5):
        assert client.get("/").status_code == 200
    begins = [s for s in statements if s.startswith("BEGIN")]
    assert begins.count("BEGIN IMMEDIATE") == 1
    update = statements.index(session_updates(statements)[0])
    assert statements[update - 1] == "BEGIN IMMEDIATE"


def test_sheet_post_after_idle_timeout_returns_to_the_case_page(app, client, auth, make_user, clock, content):
    """The post is not saved; after signing in the learner is back on the case page (where the
    browser restores the kept draft)."""
    learner = make_user()
    auth.login(learner.email)
    token = csrf_from(client.get("/cases/t-case").text)
    clock.advance(minutes=121)
    response = client.post("/cases/t-case/sheet", data={"issues": "夜に書いた課題", "csrf_token": token},
                           headers={"Referer": "http://localhost/cases/t-case"})
    assert_signed_out_idle(client, response, 120, next_path="/cases/t-case")
    login_page = client.get("/auth/login?next=%2Fcases%2Ft-case").text
    response = client.post("/auth/login", data={"email": learner.email, "password": PASSWORD,
                                                "next": "/cases/t-case", "csrf_token": csrf_from(login_page)})
    assert response.headers["Location"] == "/cases/t-case"
    with app.app_context():
        assert db.session.scalar(select(CaseSheet)) is None


@pytest.mark.parametrize("referrer", [None, "http://evil.example/cases/t-case"])
def test_post_without_a_same_site_referrer_returns_nowhere(client, auth, make_user, clock, content, referrer):
    """A POST-only URL cannot be reopened after signing in, and another site's page is not ours."""
    auth.login(make_user().email)
    token = csrf_from(client.get("/cases/t-case").text)
    clock.advance(minutes=121)
    headers = {"Referer": referrer} if referrer else {}
    response = client.post("/cases/t-case/sheet", data={"issues": "x", "csrf_token": token}, headers=headers)
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login"


def test_case_page_gives_the_draft_script_the_saved_version(app, client, auth, make_user, content):
    """sheet.js restores a draft only onto the version it was typed on: empty before the first save,
    the save time after it, unchanged by sharing."""
    auth.login(make_user().email)
    page = client.get("/cases/t-case").text
    assert 'data-draft-key="sheet:t-case"' in page and 'data-draft-version=""' in page
    assert "/static/js/sheet.js" in page
    token = csrf_from(page)
    client.post("/cases/t-case/sheet", data={"issues": "課題", "csrf_token": token})
    with app.app_context():
        saved = db.session.scalar(select(CaseSheet.updated_at)).isoformat()
    assert f'data-draft-version="{saved}"' in client.get("/cases/t-case").text
    client.post("/cases/t-case/sheet/share", data={"csrf_token": token})
    assert f'data-draft-version="{saved}"' in client.get("/cases/t-case").text


def test_idle_limits_come_from_the_environment(monkeypatch, database_url):
    monkeypatch.setenv("ELEARN_IDLE_MINUTES_STAFF", "15")
    monkeypatch.setenv("ELEARN_IDLE_MINUTES_LEARNER", "240")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url})
    assert app.config["IDLE_TIMEOUT_STAFF"] == timedelta(minutes=15)
    assert app.config["IDLE_TIMEOUT_LEARNER"] == timedelta(minutes=240)
    monkeypatch.delenv("ELEARN_IDLE_MINUTES_STAFF")
    monkeypatch.delenv("ELEARN_IDLE_MINUTES_LEARNER")
    defaults = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url}).config
    assert (defaults["IDLE_TIMEOUT_STAFF"], defaults["IDLE_TIMEOUT_LEARNER"]) == (timedelta(minutes=30),
                                                                                  timedelta(minutes=120))
